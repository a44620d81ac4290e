package identity

import (
	"context"
	"strings"
	"testing"
)

func TestResolverCaller(t *testing.T) {
	tests := []struct {
		name           string
		resolver       Resolver
		key, region    string
		account, wantR string
	}{
		{"12-digit key is the account", Resolver{}, "123456789012", "eu-west-1", "123456789012", "eu-west-1"},
		{"other key is the default account", Resolver{}, "AKIDEXAMPLE", "us-west-2", DefaultAccountID, "us-west-2"},
		{"11 digits is not an account", Resolver{}, "12345678901", "us-west-2", DefaultAccountID, "us-west-2"},
		{"12 characters with a letter", Resolver{}, "12345678901a", "us-west-2", DefaultAccountID, "us-west-2"},
		{"configured default account", Resolver{DefaultAccountID: "999999999999"}, "test", "us-east-1", "999999999999", "us-east-1"},
		{"empty region is the default region", Resolver{}, "123456789012", "", "123456789012", DefaultRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.resolver.Caller(tt.key, tt.region)
			if c.AccountID != tt.account || c.Region != tt.wantR || c.AccessKeyID != tt.key {
				t.Errorf("Caller(%q, %q) = %+v; want account %s region %s", tt.key, tt.region, c, tt.account, tt.wantR)
			}
		})
	}
	if c := (Resolver{}).Anonymous(); c.AccountID != DefaultAccountID || c.Region != DefaultRegion {
		t.Errorf("Anonymous() = %+v; want the default account in the default region", c)
	}
}

func TestCallerContext(t *testing.T) {
	if _, ok := CallerFrom(context.Background()); ok {
		t.Fatal("CallerFrom(empty context) reported a caller")
	}
	want := Caller{AccountID: "123456789012", Region: "eu-west-1"}
	got, ok := CallerFrom(WithCaller(context.Background(), want))
	if !ok || got != want {
		t.Errorf("CallerFrom(WithCaller(%+v)) = %+v, %v", want, got, ok)
	}
}

func TestIsRegion(t *testing.T) {
	valid := []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-2", "ap-southeast-7", "ap-northeast-3",
		"sa-east-1", "ca-west-1", "me-central-1", "af-south-1", "il-central-1", "mx-central-1", "cn-north-1", "cn-northwest-1",
		"us-gov-west-1", "us-gov-east-1", "us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-isoe-west-1", "eusc-de-east-1",
		"us-newplace-9", "eu-abcdefghijklmnop-123"}
	invalid := []string{"", "made-up-1", "local-1", "local", "localhost", "aws-global", "us-east", "us-east-", "us--1", "us-east-1 ",
		" us-east-1", "US-EAST-1", "us-East-1", "us-east-1a", "us-east-01x", "us-east-1234", "eu-abcdefghijklmnopq-1", "xx-east-1",
		"us-gov-west-1-1", "us_east_1", "us-east-1\x00", "us-e\xffst-1", "us-ea\u0455t-1", strings.Repeat("us-east-1", 250)}
	for _, r := range valid {
		if !IsRegion(r) {
			t.Errorf("IsRegion(%q) = false; want true", r)
		}
	}
	for _, r := range invalid {
		if IsRegion(r) {
			t.Errorf("IsRegion(%.40q) = true; want false", r)
		}
	}
}
