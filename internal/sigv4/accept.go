package sigv4

import (
	"net/http"

	"github.com/starlingcfg/starling/internal/identity"
)

// Accept is the permissive emulator mode: the caller is whoever the
// Authorization header names, and the signature is not checked. A request
// without the header is the resolver's anonymous caller. The region of the
// credential scope must still have the shape of a region code
// (identity.IsRegion), or be empty, as in Verifier.
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
	if msg := checkRegion(cred.Region); msg != "" {
		return identity.Caller{}, regionError(msg)
	}
	return a.Resolver.Caller(cred.AccessKeyID, cred.Region), nil
}

// QueryError returns err as the query protocol (STS) sends it; see
// Verifier.QueryError.
func (Accept) QueryError(err error) error { return queryError(err) }
