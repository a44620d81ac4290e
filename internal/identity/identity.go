// Package identity decides who is calling: the account, from the SigV4
// access key id, and the region, from the credential scope. It carries the
// answer in the request context.
package identity

import (
	"context"
	"regexp"
)

// DefaultAccountID is the account of any access key that is not itself a
// 12-digit account id: LocalStack's convention, in the "Credentials" page of
// the LocalStack documentation, section "Access Key ID" (a 12-digit key is
// the account; an alphanumeric string such as "test" is 000000000000).
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

// regionPattern is the shape of AWS Region codes: the prefix of one of AWS's
// partitions, one lower-case word (east, southeast, central...) and a
// number. It is the union of the partitions' "regionRegex" in the endpoint
// rules the AWS SDKs ship (partitions.json, for example in aws-sdk-go-v2's
// internal/endpoints/awsrulesfn), with two bounds of Starling's own: the word
// has at most 16 letters and the number at most 3 digits, so that a region
// is never longer than 28 bytes ("Regions and Zones" in the Amazon EC2 User
// Guide lists the codes; the longest today, us-isof-south-1, has 15).
var regionPattern = regexp.MustCompile(`^(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-[a-z]{1,16}-[0-9]{1,3}$`)

// IsRegion reports whether s has the shape of an AWS Region code, such as
// us-east-1, us-gov-west-1, cn-north-1 or us-isob-east-1. It does not check
// that the region exists: a region AWS opens later passes too. Names of
// another shape, such as local, made-up-1 or aws-global, do not.
func IsRegion(s string) bool {
	return len(s) <= 28 && regionPattern.MatchString(s)
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
