package configservice

import "github.com/starlingcfg/starling/internal/orgservice"

// Organizations is declared here, where it is used, and implemented by
// orgservice, which does not import this package (a test of this package
// importing orgservice would be an import cycle if it did).
var _ Organizations = (*orgservice.Service)(nil)
