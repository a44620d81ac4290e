package credentials

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secretA = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

func TestParse(t *testing.T) {
	const good = "\ufeff# principals\n" +
		"; another comment\n" +
		"\n" +
		"[management]\n" +
		"aws_access_key_id = AKIAMANAGEMENT\n" +
		"aws_secret_access_key=" + secretA + "\n" +
		"\taws_account_id   =   111111111111  \n" +
		"  [ member ]  \n" +
		"aws_account_id = 222222222222\n" +
		"aws_access_key_id = dev-key_2.b\n" +
		"aws_secret_access_key = s3cr3t\n" +
		"[second-key-of-management]\r\n" +
		"aws_access_key_id = AKIAMANAGEMENT2\r\n" +
		"aws_secret_access_key = other\r\n" +
		"aws_account_id = 111111111111\r\n"
	s, err := Parse(strings.NewReader(good), "creds")
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if s.Len() != 3 {
		t.Errorf("Len() = %d; want 3", s.Len())
	}
	want := map[string]Principal{
		"AKIAMANAGEMENT":  {Profile: "management", AccessKeyID: "AKIAMANAGEMENT", SecretAccessKey: secretA, AccountID: "111111111111"},
		"dev-key_2.b":     {Profile: "member", AccessKeyID: "dev-key_2.b", SecretAccessKey: "s3cr3t", AccountID: "222222222222"},
		"AKIAMANAGEMENT2": {Profile: "second-key-of-management", AccessKeyID: "AKIAMANAGEMENT2", SecretAccessKey: "other", AccountID: "111111111111"},
	}
	for key, w := range want {
		if got, ok := s.Lookup(key); !ok || got != w {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", key, got, ok, w)
		}
	}
	for _, key := range []string{"", "akiamanagement", "111111111111", "management"} {
		if _, ok := s.Lookup(key); ok {
			t.Errorf("Lookup(%q) found a principal", key)
		}
	}
	var nilSet *Set
	if _, ok := nilSet.Lookup("x"); ok || nilSet.Len() != 0 {
		t.Error("a nil Set is not empty")
	}
}

func TestParseErrors(t *testing.T) {
	const (
		keyA  = "aws_access_key_id = AKIDA\n"
		secA  = "aws_secret_access_key = " + secretA + "\n"
		acctA = "aws_account_id = 111111111111\n"
		full  = keyA + secA + acctA
	)
	tests := []struct {
		name, file string
		want       []string // substrings of the error, each naming its line
	}{
		{"empty", "", []string{"f: no [profile] with credentials"}},
		{"only comments", "# nothing\n; here\n", []string{"f: no [profile] with credentials"}},
		{"key before any profile", keyA + "[a]\n" + full, []string{`f:1: "aws_access_key_id" is outside any [profile]`}},
		{"missing secret", "[a]\n" + keyA + acctA, []string{"f:1: profile [a] is missing aws_secret_access_key"}},
		{"missing everything", "[a]\n[b]\n" + full, []string{"f:1: profile [a] is missing aws_access_key_id, aws_secret_access_key, aws_account_id"}},
		{"missing account", "# c\n[a]\n" + keyA + secA, []string{"f:2: profile [a] is missing aws_account_id"}},
		{"duplicate key", "[a]\n" + full + "aws_account_id = 222222222222\n", []string{"f:5: \"aws_account_id\" is already set on line 4 in profile [a]"}},
		{"duplicate secret", "[a]\n" + full + "aws_secret_access_key = other\n", []string{"f:5: \"aws_secret_access_key\" is already set on line 3 in profile [a]"}},
		{"duplicate profile", "[a]\n" + full + "[a]\n", []string{"f:5: profile [a] is already defined on line 1"}},
		{"duplicate access key id", "[a]\n" + full + "[b]\n" + keyA + "aws_secret_access_key = x\n" + acctA,
			[]string{"f:6: access key id AKIDA is already used on line 2"}},
		{"unknown key", "[a]\n" + full + "aws_session_token = tok\n", []string{`f:5: unknown key "aws_session_token" in profile [a]`}},
		{"misspelt key", "[a]\naws_acess_key_id = AKIDA\n" + secA + acctA,
			[]string{`f:2: unknown key "aws_acess_key_id"`, "f:1: profile [a] is missing aws_access_key_id"}},
		{"bad account", "[a]\n" + keyA + secA + "aws_account_id = 1234\n", []string{"f:4: aws_account_id in profile [a] must be a 12-digit account id"}},
		{"account with a comment", "[a]\n" + keyA + secA + "aws_account_id = 111111111111 # prod\n", []string{"f:4: aws_account_id in profile [a] must be a 12-digit account id"}},
		{"bad key id", "[a]\naws_access_key_id = AKID/x\n" + secA + acctA, []string{"f:2: aws_access_key_id in profile [a] must be 1 to 128 letters"}},
		{"empty key id", "[a]\naws_access_key_id =\n" + secA + acctA, []string{"f:2: aws_access_key_id in profile [a] must be 1 to 128"}},
		{"empty secret", "[a]\n" + keyA + "aws_secret_access_key = \n" + acctA, []string{"f:3: aws_secret_access_key in profile [a] must be a non-empty value without spaces"}},
		{"secret with a space", "[a]\n" + keyA + "aws_secret_access_key = ab cd\n" + acctA, []string{"f:3: aws_secret_access_key in profile [a] must be a non-empty value without spaces"}},
		{"line without =", "[a]\n" + full + secretA + "\n", []string{"f:5: expected a [profile] header or key = value"}},
		{"unclosed header", "[a\n" + full, []string{"f:1: a profile header must end with ']'"}},
		{"empty header", "[ ]\n" + full, []string{"f:1: empty profile name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.file), "f")
			if err == nil {
				t.Fatalf("Parse() = %d principals; want an error", s.Len())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q;\nwant it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secretA) || strings.Contains(err.Error(), "K7MDENG") {
				t.Errorf("error %q quotes a secret", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[a]\naws_access_key_id=K\naws_secret_access_key=S\naws_account_id=123456789012\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if p, ok := s.Lookup("K"); !ok || p.AccountID != "123456789012" {
		t.Errorf("Lookup(K) = %+v, %v", p, ok)
	}
	if err := os.WriteFile(path, []byte("[a]\naws_access_key_id=K\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path+":1: profile [a] is missing") {
		t.Errorf("Load(incomplete) = %v; want an error naming %s:1", err, path)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "credentials file") {
		t.Errorf("Load(missing file) = %v", err)
	}
}

// A principal printed or logged in any usual way does not show its secret.
func TestPrincipalHidesSecret(t *testing.T) {
	p := Principal{Profile: "a", AccessKeyID: "AKID", SecretAccessKey: secretA, AccountID: "111111111111"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", slog.Any("p", p))
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "p", p)
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s", p, p, p, p), logs.String()} {
		if strings.Contains(s, secretA) {
			t.Errorf("%q shows the secret", s)
		}
		if !strings.Contains(s, "AKID") || !strings.Contains(s, "111111111111") {
			t.Errorf("%q lacks the key id or account", s)
		}
	}
}
