package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/sigv4"
)

var authNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const authSecret = "verify-secret-0123456789"

// verifyServer serves the echo API, signed as "config", and an STS-like
// query API, both in verify mode with one principal.
func verifyServer(t *testing.T, logs *bytes.Buffer) *Server {
	t.Helper()
	creds, err := credentials.Parse(strings.NewReader(
		"[p]\naws_access_key_id = AKIDVERIFY\naws_secret_access_key = "+authSecret+"\naws_account_id = 444444444444\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	echo := shape.Handle(func(ctx context.Context, in *echoIn) (*echoOut, error) {
		c, _ := identity.CallerFrom(ctx)
		return &echoOut{Account: c.AccountID, Region: c.Region}, nil
	})
	return New(Options{
		APIs: []API{{Name: "test", TargetPrefix: "Test_1", SigningName: "config", Operations: map[string]shape.Handler{"Echo": echo}}},
		QueryAPIs: []QueryAPI{{Name: "sts", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/", Actions: map[string]QueryHandler{
			"WhoAmI": func(ctx context.Context, _ url.Values) (any, error) {
				c, _ := identity.CallerFrom(ctx)
				return &struct {
					Account string `xml:"Account"`
				}{c.AccountID}, nil
			},
		}}},
		Authenticator: sigv4.NewVerifier(creds, clock.NewFake(authNow)),
		MaxBodyBytes:  1024,
		Logger:        slog.New(slog.NewJSONHandler(logs, nil)),
	})
}

// signedRequest returns a request signed as a client signs it, in
// ap-south-1.
func signedRequest(t *testing.T, key, secret, service, contentType, target, body string) *http.Request {
	t.Helper()
	return signedRequestIn(t, "ap-south-1", key, secret, service, contentType, target, body)
}

// signedRequestIn is signedRequest in region.
func signedRequestIn(t *testing.T, region, key, secret, service, contentType, target, body string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://starling.test/", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), service, region, authNow)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestServeVerified(t *testing.T) {
	const (
		jsonType  = "application/x-amz-json-1.1"
		formType  = "application/x-www-form-urlencoded; charset=utf-8"
		form      = "Action=WhoAmI&Version=2011-06-15"
		bigBody   = `{"Pad":"` + "................................................................" + `"}`
		unsigned  = "unsigned"
		malformed = "malformed"
	)
	big := strings.Repeat(bigBody, 20)
	tests := []struct {
		name                                string
		key, secret, service, ctype, target string
		body                                string
		status                              int
		want                                string // substring of the body
		logCode                             string
		logAccount                          string
	}{
		{name: "JSON signed", key: "AKIDVERIFY", secret: authSecret, service: "config", ctype: jsonType, target: "Test_1.Echo", body: `{}`,
			status: 200, want: `{"Account":"444444444444","Region":"ap-south-1"}`, logAccount: "444444444444"},
		{name: "JSON signed with the API's name, not its signing name", key: "AKIDVERIFY", secret: authSecret, service: "test", ctype: jsonType,
			target: "Test_1.Echo", body: `{}`, status: 400,
			want: `"message":"Credential should be scoped to correct service: 'config'. "`, logCode: "InvalidSignatureException"},
		{name: "JSON unsigned", key: unsigned, ctype: jsonType, target: "Test_1.Echo", body: `{}`, status: 403,
			want: `{"__type":"MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`, logCode: "MissingAuthenticationTokenException"},
		{name: "JSON malformed", key: malformed, ctype: jsonType, target: "Test_1.Echo", body: `{}`, status: 400,
			want: `"__type":"IncompleteSignatureException"`, logCode: "IncompleteSignatureException"},
		{name: "JSON wrong secret", key: "AKIDVERIFY", secret: "nope", service: "config", ctype: jsonType, target: "Test_1.Echo", body: `{}`,
			status: 400, want: `"__type":"InvalidSignatureException"`, logCode: "InvalidSignatureException"},
		{name: "JSON unknown key", key: "AKIDOTHER", secret: authSecret, service: "config", ctype: jsonType, target: "Test_1.Echo", body: `{}`,
			status: 400, want: `{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}`,
			logCode: "UnrecognizedClientException"},
		{name: "JSON body over the limit", key: "AKIDVERIFY", secret: authSecret, service: "config", ctype: jsonType, target: "Test_1.Echo", body: big,
			status: 413, want: `"__type":"SerializationException"`, logCode: "SerializationException"},
		{name: "query signed", key: "AKIDVERIFY", secret: authSecret, service: "sts", ctype: formType, body: form,
			status: 200, want: `<Account>444444444444</Account>`, logAccount: "444444444444"},
		{name: "query unsigned", key: unsigned, ctype: formType, body: form, status: 403,
			want: `<Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message>`, logCode: "MissingAuthenticationToken"},
		{name: "query malformed", key: malformed, ctype: formType, body: form, status: 400,
			want: `<Code>IncompleteSignature</Code>`, logCode: "IncompleteSignature"},
		{name: "query wrong secret", key: "AKIDVERIFY", secret: "nope", service: "sts", ctype: formType, body: form, status: 403,
			want: `<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match`, logCode: "SignatureDoesNotMatch"},
		{name: "query unknown key", key: "AKIDOTHER", secret: authSecret, service: "sts", ctype: formType, body: form, status: 403,
			want: `<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>`, logCode: "InvalidClientTokenId"},
		{name: "query signed for another service", key: "AKIDVERIFY", secret: authSecret, service: "iam", ctype: formType, body: form, status: 403,
			want: `<Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to correct service: &#39;sts&#39;. </Message>`, logCode: "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := verifyServer(t, &logs)
			var req *http.Request
			switch tt.key {
			case unsigned, malformed:
				req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
				req.Header.Set("Content-Type", tt.ctype)
				if tt.target != "" {
					req.Header.Set("X-Amz-Target", tt.target)
				}
				if tt.key == malformed {
					req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDVERIFY/20260304/us-east-1/config/aws4_request")
					req.Header.Set("X-Amz-Date", "20260304T050607Z")
				}
			default:
				req = signedRequest(t, tt.key, tt.secret, tt.service, tt.ctype, tt.target, tt.body)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("= %d %s;\nwant %d containing %s", rec.Code, rec.Body, tt.status, tt.want)
			}
			var line map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
					line = m
				}
			}
			if line["error_code"] != tt.logCode || line["account"] != tt.logAccount || line["status"] != float64(tt.status) {
				t.Errorf("access log = %v; want error_code %q, account %q", line, tt.logCode, tt.logAccount)
			}
			if strings.Contains(logs.String(), authSecret) {
				t.Errorf("the log shows the secret:\n%s", logs.String())
			}
		})
	}
}

// In the accept mode the caller is still resolved before the body is read:
// a malformed Authorization header is reported even when the body is too
// large, and the 413 of a request with a good header logs its account.
func TestAcceptModeOrder(t *testing.T) {
	var logs bytes.Buffer
	s := testServer(&logs)
	s.maxBody = 16
	body := `{"Fail":"` + strings.Repeat("x", 64) + `"}`
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "Test_1.Echo")
	req.Header.Set("Authorization", "Bearer abc")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "IncompleteSignatureException") {
		t.Errorf("malformed header, big body = %d %s; want 400 IncompleteSignatureException", rec.Code, rec.Body)
	}
	req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "Test_1.Echo")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/test/aws4_request, SignedHeaders=host, Signature=00")
	logs.Reset()
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(logs.String(), `"account":"123456789012"`) {
		t.Errorf("big body = %d %s, log %s; want 413 logged with the account", rec.Code, rec.Body, logs.String())
	}
}

// TestServeVerifiedRegion checks that a verifying server refuses a validly
// signed request whose credential scope names no region, on both protocols.
func TestServeVerifiedRegion(t *testing.T) {
	var logs bytes.Buffer
	s := verifyServer(t, &logs)
	for _, region := range []string{"made-up-1", "us-east-1 ", "local"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, signedRequestIn(t, region, "AKIDVERIFY", authSecret, "config", "application/x-amz-json-1.1", "Test_1.Echo", `{}`))
		if want := `{"__type":"InvalidSignatureException","message":"Credential should be scoped to a valid region, not '` + region + `'. "}`; rec.Code != 400 || rec.Body.String() != want {
			t.Errorf("JSON in %q = %d %s; want 400 %s", region, rec.Code, rec.Body, want)
		}
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, signedRequestIn(t, region, "AKIDVERIFY", authSecret, "sts", "application/x-www-form-urlencoded; charset=utf-8", "", "Action=WhoAmI&Version=2011-06-15"))
		if want := `<Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to a valid region. </Message>`; rec.Code != 403 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("query in %q = %d %s; want 403 %s", region, rec.Code, rec.Body, want)
		}
	}
}
