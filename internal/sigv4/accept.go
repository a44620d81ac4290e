package sigv4

import (
	"net/http"

	"github.com/starlingcfg/starling/internal/identity"
)

// Accept is the permissive emulator mode: the caller is whoever the
// Authorization header names, and the signature is not checked. A request
// without the header is the resolver's anonymous caller.
type Accept struct {
	Resolver identity.Resolver
}

// Authenticate returns the caller the Authorization header names. It never
// reads the body.
func (a Accept) Authenticate(r *http.Request, _ string, _ func() ([]byte, error)) (identity.Caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return a.Resolver.Anonymous(), nil
	}
	cred, err := Parse(h)
	if err != nil {
		return identity.Caller{}, err
	}
	return a.Resolver.Caller(cred.AccessKeyID, cred.Region), nil
}
