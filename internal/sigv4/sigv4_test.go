package sigv4

import (
	"errors"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/apierr"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		want    Credential
		wantErr string // prefix of the IncompleteSignatureException message
	}{
		{
			name:   "botocore",
			header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/config/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=2ed54b72",
			want: Credential{AccessKeyID: "AKIDEXAMPLE", Date: "20261125", Region: "us-east-1", Service: "config",
				SignedHeaders: []string{"content-type", "host", "x-amz-date", "x-amz-target"}, Signature: "2ed54b72"},
		},
		{
			name:   "no spaces after commas, 12-digit key",
			header: "AWS4-HMAC-SHA256 Credential=111111111111/20261125/eu-west-1/organizations/aws4_request,SignedHeaders=host,Signature=ab",
			want: Credential{AccessKeyID: "111111111111", Date: "20261125", Region: "eu-west-1", Service: "organizations",
				SignedHeaders: []string{"host"}, Signature: "ab"},
		},
		{
			name:   "Go SDK without a region",
			header: "AWS4-HMAC-SHA256 Credential=AKID/20261125//config/aws4_request, SignedHeaders=host, Signature=ab",
			want:   Credential{AccessKeyID: "AKID", Date: "20261125", Region: "", Service: "config", SignedHeaders: []string{"host"}, Signature: "ab"},
		},
		{name: "other algorithm", header: "AWS4-HMAC-SHA512 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=x", wantErr: "Authorization header requires the AWS4-HMAC-SHA256"},
		{name: "bearer token", header: "Bearer abc", wantErr: "Authorization header requires the AWS4-HMAC-SHA256"},
		{name: "empty", header: "", wantErr: "Authorization header requires the AWS4-HMAC-SHA256"},
		{name: "short scope", header: "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1, SignedHeaders=host, Signature=ab", wantErr: "Credential should be scoped"},
		{name: "no terminator", header: "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/config/x, SignedHeaders=host, Signature=ab", wantErr: "Credential should be scoped"},
		{name: "empty key", header: "AWS4-HMAC-SHA256 Credential=/20261125/us-east-1/config/aws4_request, SignedHeaders=host, Signature=ab", wantErr: "Credential should be scoped"},
		{name: "missing signature", header: "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/config/aws4_request, SignedHeaders=host", wantErr: "Authorization header requires 'Signature' parameter."},
		{name: "missing everything", header: "AWS4-HMAC-SHA256 Foo=bar", wantErr: "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{name: "element without =", header: "AWS4-HMAC-SHA256 Credential", wantErr: "Authorization header has a malformed element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.header)
			if tt.wantErr != "" {
				var e *apierr.Error
				if !errors.As(err, &e) || e.Code != "IncompleteSignatureException" || !strings.HasPrefix(e.Message, tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v; want IncompleteSignatureException %q...", tt.header, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.header, err)
			}
			if got.AccessKeyID != tt.want.AccessKeyID || got.Date != tt.want.Date || got.Region != tt.want.Region ||
				got.Service != tt.want.Service || got.Signature != tt.want.Signature ||
				strings.Join(got.SignedHeaders, ";") != strings.Join(tt.want.SignedHeaders, ";") {
				t.Errorf("Parse(%q) = %+v; want %+v", tt.header, got, tt.want)
			}
		})
	}
}
