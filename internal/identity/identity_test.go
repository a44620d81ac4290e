package identity

import (
	"context"
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
