// Package sigv4 authenticates requests signed with AWS Signature Version 4.
// Parse extracts the access key id and the credential scope from an
// Authorization header. Accept trusts them without checking the signature
// (the permissive emulator mode); Verifier checks the signature against
// known secrets, as AWS does. Both refuse a credential scope whose region is
// not a region code.
package sigv4

import (
	"strings"

	"github.com/starlingcfg/starling/internal/apierr"
)

// Algorithm is the only signing algorithm SigV4 clients send.
const Algorithm = "AWS4-HMAC-SHA256"

// Credential is what an Authorization header says about its signer.
type Credential struct {
	AccessKeyID   string
	Date          string // yyyymmdd
	Region        string // may be empty: the Go SDK signs with "" when no region is set
	Service       string
	SignedHeaders []string
	Signature     string
}

// Parse parses an Authorization header of the form
//
//	AWS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/<service>/aws4_request, SignedHeaders=<h1;h2>, Signature=<hex>
//
// A malformed header is an IncompleteSignatureException, as AWS answers it.
func Parse(header string) (Credential, error) {
	c, missing, err := parse(header)
	if err == nil && len(missing) > 0 {
		err = incomplete(strings.Join(missing, " "))
	}
	return c, err
}

// parse is Parse, except that missing elements are returned as the messages
// that say so rather than as an error, so that Verifier can add its own.
func parse(header string) (c Credential, missing []string, err error) {
	alg, rest, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || alg != Algorithm {
		return c, nil, incomplete("Authorization header requires the " + Algorithm + " algorithm.")
	}
	var haveCred, haveHeaders, haveSig bool
	for _, part := range strings.Split(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return c, nil, incomplete("Authorization header has a malformed element '" + truncate(strings.TrimSpace(part)) + "'.")
		}
		switch key {
		case "Credential":
			fields := strings.Split(value, "/")
			if len(fields) != 5 || fields[4] != "aws4_request" || fields[0] == "" {
				return c, nil, incomplete("Credential should be scoped to a valid region and service, in the form <key>/<date>/<region>/<service>/aws4_request.")
			}
			c.AccessKeyID, c.Date, c.Region, c.Service = fields[0], fields[1], fields[2], fields[3]
			haveCred = true
		case "SignedHeaders":
			if value != "" {
				c.SignedHeaders = strings.Split(value, ";")
			}
			haveHeaders = true
		case "Signature":
			c.Signature = value
			haveSig = true
		}
	}
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveHeaders {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	return c, missing, nil
}

func incomplete(msg string) error {
	return apierr.New("IncompleteSignatureException", msg)
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
