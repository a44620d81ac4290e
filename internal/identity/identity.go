// Package identity decides who is calling: the account, from the SigV4
// access key id, and the region, from the credential scope. It carries the
// answer in the request context.
package identity

import (
	"context"
)

// DefaultAccountID is the account of any access key that is not itself a
// 12-digit account id (the LocalStack convention, spec/emulators.md).
const DefaultAccountID = "000000000000"

// DefaultRegion is the region of a request that names none.
const DefaultRegion = "us-east-1"

// Caller is the identity a request runs as.
type Caller struct {
	AccountID   string
	Region      string
	AccessKeyID string
}

// Resolver maps access keys to accounts.
type Resolver struct {
	// DefaultAccountID is used for keys that are not 12-digit account ids.
	DefaultAccountID string
}

// AccountFor returns the account an access key id belongs to: a 12-digit key
// is the account id itself, any other key is the default account.
func (r Resolver) AccountFor(accessKeyID string) string {
	if IsAccountID(accessKeyID) {
		return accessKeyID
	}
	if r.DefaultAccountID != "" {
		return r.DefaultAccountID
	}
	return DefaultAccountID
}

// Caller returns the caller for an access key and credential-scope region.
// An empty region is the default region.
func (r Resolver) Caller(accessKeyID, region string) Caller {
	if region == "" {
		region = DefaultRegion
	}
	return Caller{AccountID: r.AccountFor(accessKeyID), Region: region, AccessKeyID: accessKeyID}
}

// Anonymous returns the caller of a request with no Authorization header.
func (r Resolver) Anonymous() Caller {
	return r.Caller("", "")
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type callerKey struct{}

// WithCaller returns a context that carries c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored in ctx, and false if there is none.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
