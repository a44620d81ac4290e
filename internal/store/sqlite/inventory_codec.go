package sqlite

import (
	"fmt"

	"github.com/starlingcfg/starling/internal/inventory/invcodec"
)

// The columns supplementary, tags and relationships of the versions table
// hold the compact binary encoding of package invcodec
// (internal/inventory/invcodec), not JSON: it keeps every byte of a
// supplementary value as recorded, and it costs a fraction of JSON to write
// and read on the ingest path. An empty map or list is NULL. The PostgreSQL
// backend stores supplementary configuration in the same encoding.

// errCodec is returned for an encoded column that package invcodec cannot
// decode: "sqlite: inventory: malformed encoded column".
var errCodec = fmt.Errorf("sqlite: %w", invcodec.ErrMalformed)
