package sigv4_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/sigv4"
)

// assemble writes c back as an Authorization header.
func assemble(c sigv4.Credential) string {
	return sigv4.Algorithm + " Credential=" + c.AccessKeyID + "/" + c.Date + "/" + c.Region + "/" + c.Service + "/aws4_request" +
		", SignedHeaders=" + strings.Join(c.SignedHeaders, ";") + ", Signature=" + c.Signature
}

// maxErrorMessage bounds an IncompleteSignatureException message: Parse
// quotes at most 64 bytes (plus "...") of a malformed element, so a hostile
// header is never echoed back whole.
const maxErrorMessage = 256

// FuzzParse checks that Parse never panics, that it fails only with
// IncompleteSignatureException, and that what it accepts round-trips: the
// Credential re-assembled into a header parses to the same Credential.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./internal/sigv4
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		// botocore (AWS CLI)
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/config/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=2ed54b72",
		// aws-sdk-go-v2, with and without a region
		"AWS4-HMAC-SHA256 Credential=111111111111/20260102/eu-west-1/config/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=9a1e3f1c5b0c1c2d0c6e5c4f8e2b1a0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
		"AWS4-HMAC-SHA256 Credential=111111111111/20260102//organizations/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		// STS query protocol
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=abcdef",
		// with a session token header signed
		"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260102/us-east-1/config/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=ff",
		// malformed
		"",
		"Bearer abc",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 ",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request",
		"AWS4-HMAC-SHA256 Credential=/b/c/d/aws4_request, SignedHeaders=, Signature=",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=h, Signature=s",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/aws4_request, SignedHeaders=h, Signature=s",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request,, SignedHeaders=h, Signature=s",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=;, Signature==",
		"AWS4-HMAC-SHA256 Credential=x/b/c/d/aws4_request, Credential=y/b/c/d/aws4_request, SignedHeaders=h, Signature=s",
		"AWS4-HMAC-SHA256\tCredential=a/b/c/d/aws4_request, SignedHeaders=h, Signature=s",
		"aws4-hmac-sha256 Credential=a/b/c/d/aws4_request, SignedHeaders=h, Signature=s",
		"AWS4-HMAC-SHA256 Credential=a\x00/b/c/d/aws4_request, SignedHeaders=h\xff, Signature=s\r\n",
		"AWS4-HMAC-SHA256 " + strings.Repeat("x", 100) + ", SignedHeaders=h",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, err := sigv4.Parse(header)
		if err != nil {
			var e *apierr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error = %T %v; want *apierr.Error", header, err, err)
			}
			if e.Code != "IncompleteSignatureException" || e.HTTPStatus() != 400 || e.Fault != apierr.Client {
				t.Fatalf("Parse(%q) error = %s %d fault %d; want IncompleteSignatureException 400, a client fault", header, e.Code, e.HTTPStatus(), e.Fault)
			}
			if e.Message == "" || len(e.Message) > maxErrorMessage {
				t.Fatalf("Parse(%q) message has %d bytes; want 1..%d", header, len(e.Message), maxErrorMessage)
			}
			return
		}
		if c.AccessKeyID == "" {
			t.Fatalf("Parse(%q) accepted an empty access key id", header)
		}
		for name, v := range map[string]string{"AccessKeyID": c.AccessKeyID, "Date": c.Date, "Region": c.Region, "Service": c.Service} {
			if strings.ContainsAny(v, "/,") {
				t.Fatalf("Parse(%q) %s = %q; a credential field cannot contain / or ,", header, name, v)
			}
		}
		if strings.Contains(c.Signature, ",") {
			t.Fatalf("Parse(%q) Signature = %q contains ,", header, c.Signature)
		}
		for _, h := range c.SignedHeaders {
			if strings.ContainsAny(h, ",;") {
				t.Fatalf("Parse(%q) signed header %q contains , or ;", header, h)
			}
		}
		again := assemble(c)
		c2, err := sigv4.Parse(again)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its re-assembly %q fails: %v", header, c, again, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("Parse(%q) = %+v;\nre-assembled as %q it parses to %+v", header, c, again, c2)
		}
	})
}
