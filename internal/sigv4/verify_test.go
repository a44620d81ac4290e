package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/sigv4"
)

const (
	testKey     = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testAccount = "111111111111"
	testBody    = `{"ConfigurationAggregatorNames":["agg"]}`
)

// signedAt is when the test requests are signed.
var signedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func testCredentials(t *testing.T) *credentials.Set {
	t.Helper()
	s, err := credentials.Parse(strings.NewReader(
		"[a]\naws_access_key_id = "+testKey+"\naws_secret_access_key = "+testSecret+"\naws_account_id = "+testAccount+"\n"+
			"[b]\naws_access_key_id = 222222222222\naws_secret_access_key = other\naws_account_id = 222222222222\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signing describes how the client signs a test request.
type signing struct {
	key, secret, service, region, path, body string
	at                                       time.Time
	// headers are set before signing; a lower-case name makes the SDK
	// signer sign a header it otherwise leaves out (User-Agent).
	headers map[string]string
}

func defaultSigning() signing {
	return signing{key: testKey, secret: testSecret, service: "config", region: "eu-west-1", path: "/", body: testBody, at: signedAt}
}

// sign returns the request as the server receives it, signed by the SDK
// signer as a client signs it (content-length included, as the Go SDK does).
func sign(t *testing.T, s signing) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566"+s.path, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "StarlingDoveService.DescribeConfigurationAggregators")
	for k, v := range s.headers {
		req.Header[k] = []string{v}
	}
	sum := sha256.Sum256([]byte(s.body))
	creds := aws.Credentials{AccessKeyID: s.key, SecretAccessKey: s.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), s.service, s.region, s.at); err != nil {
		t.Fatal(err)
	}
	// Send the headers under their canonical names, as a client does
	// (Write would otherwise add a second User-Agent).
	for k, v := range req.Header {
		if c := http.CanonicalHeaderKey(k); c != k {
			delete(req.Header, k)
			req.Header[c] = v
		}
	}
	return received(t, req)
}

// received writes a client request to the wire and reads it back as the
// server does.
func received(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// reread returns r as the server reads it with the raw header line extra
// added after its own headers.
func reread(t *testing.T, r *http.Request, extra string) *http.Request {
	t.Helper()
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(wire.String(), "\r\n\r\n")
	again, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n" + extra + "\r\n" + body)))
	if err != nil {
		t.Fatal(err)
	}
	return again
}

// replaceAuth rewrites part of the Authorization header.
func replaceAuth(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

func TestVerifier(t *testing.T) {
	creds := testCredentials(t)
	with := func(f func(*signing)) signing { s := defaultSigning(); f(&s); return s }
	jsSigning := with(func(s *signing) {
		sum := sha256.Sum256([]byte(s.body))
		s.headers = map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(sum[:])}
	})
	const (
		mismatch = sigv4.CodeInvalidSignature + ": " + sigv4.MsgSignatureMismatch
		missing  = sigv4.CodeMissingToken + ": " + sigv4.MsgMissingToken
	)
	tests := []struct {
		name    string
		signing signing
		mutate  func(*http.Request)
		body    *string       // the body as received; nil is the signed body
		now     time.Duration // server clock minus signing time
		service string        // the API's signing name; empty is "config"
		want    string        // "" for success, else "Code: message"
		region  string        // the caller's region on success; empty is eu-west-1
		account string        // the caller's account on success; empty is testAccount
		// readsBody says whether the verifier may read the body: it must
		// not for a request its headers already condemn.
		readsBody bool
	}{
		{name: "signed by the SDK signer", signing: defaultSigning(), readsBody: true},
		{name: "empty region is us-east-1", signing: with(func(s *signing) { s.region = "" }), region: identity.DefaultRegion, readsBody: true},
		{name: "any well-formed region", signing: with(func(s *signing) { s.region = "us-isob-east-1" }), region: "us-isob-east-1", readsBody: true},
		{name: "made-up region", signing: with(func(s *signing) { s.region = "made-up-1" }),
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to a valid region, not 'made-up-1'. "},
		{name: "region with a trailing space", signing: with(func(s *signing) { s.region = "us-east-1 " }),
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to a valid region, not 'us-east-1 '. "},
		{name: "region of 2,000 bytes", signing: with(func(s *signing) { s.region = strings.Repeat("a", 2000) }),
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to a valid region, not '" + strings.Repeat("a", 64) + "...'. "},
		{name: "region not UTF-8", signing: with(func(s *signing) { s.region = "us-e\xffst-1" }),
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to a valid region, not 'us-e\uFFFDst-1'. "},
		{name: "invalid region and wrong service", signing: with(func(s *signing) { s.region = "local" }), service: "organizations",
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to a valid region, not 'local'. Credential should be scoped to correct service: 'organizations'. "},
		{name: "X-Amz-Date twice", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Add("X-Amz-Date", "20260102T031000Z") },
			want: sigv4.CodeIncomplete + ": The request has more than one 'X-Amz-Date' header."},
		{name: "X-Amz-Date twice, the same value", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Add("X-Amz-Date", r.Header.Get("X-Amz-Date")) },
			want: sigv4.CodeIncomplete + ": The request has more than one 'X-Amz-Date' header."},
		{name: "X-Amz-Date twice in other cases", signing: defaultSigning(), mutate: func(r *http.Request) {
			raw := "x-amz-date: 20260102T031000Z\r\n"
			*r = *reread(t, r, raw)
		}, want: sigv4.CodeIncomplete + ": The request has more than one 'X-Amz-Date' header."},
		{name: "a signed header twice", signing: defaultSigning(), mutate: func(r *http.Request) {
			r.Header.Add("X-Amz-Target", "StarlingDoveService.DeleteConfigurationAggregator")
		},
			want: sigv4.CodeIncomplete + ": The request has more than one 'X-Amz-Target' header."},
		{name: "an unsigned header twice", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Add("Amz-Sdk-Request", "attempt=1") }, readsBody: true},
		{name: "Authorization twice", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) },
			want: sigv4.CodeIncomplete + ": The request has more than one 'Authorization' header."},
		{name: "another principal", signing: with(func(s *signing) { s.key, s.secret = "222222222222", "other" }), account: "222222222222", readsBody: true},
		{name: "Organizations", signing: with(func(s *signing) { s.service = "organizations" }), service: "organizations", readsBody: true},
		{name: "unsigned extra headers", signing: defaultSigning(), mutate: func(r *http.Request) {
			r.Header.Set("X-Extra", "1")
			r.Header.Set("User-Agent", "changed")
			r.Header.Add("Amz-Sdk-Request", "attempt=2; max=3")
			r.Header.Set("Accept-Encoding", "gzip")
		}, readsBody: true},
		{name: "signed user-agent", signing: with(func(s *signing) { s.headers = map[string]string{"user-agent": "probe/1.0"} }), readsBody: true},
		{name: "signed user-agent changed", signing: with(func(s *signing) { s.headers = map[string]string{"user-agent": "probe/1.0"} }),
			mutate: func(r *http.Request) { r.Header.Set("User-Agent", "probe/2.0") }, want: mismatch, readsBody: true},
		{name: "escaped path", signing: with(func(s *signing) { s.path = "/a%20b/c%2Fd/" }), readsBody: true},
		{name: "signed query string", signing: with(func(s *signing) { s.path = "/?b=2&a=1" }), readsBody: true},
		{name: "query string changed", signing: with(func(s *signing) { s.path = "/?b=2&a=1" }),
			mutate: func(r *http.Request) { r.URL.RawQuery = "b=2&a=3" }, want: mismatch, readsBody: true},
		{name: "path changed", signing: defaultSigning(), mutate: func(r *http.Request) { r.URL.Path = "/other" }, want: mismatch, readsBody: true},
		{name: "x-amz-content-sha256 signed and right", signing: jsSigning, readsBody: true},
		{name: "tampered body byte", signing: defaultSigning(), body: aws.String(strings.Replace(testBody, "agg", "agh", 1)), want: mismatch, readsBody: true},
		{name: "body with a byte added", signing: defaultSigning(), body: aws.String(testBody + " "), want: mismatch, readsBody: true},
		{name: "tampered signed header", signing: defaultSigning(),
			mutate: func(r *http.Request) {
				r.Header.Set("X-Amz-Target", "StarlingDoveService.DeleteConfigurationAggregator")
			}, want: mismatch, readsBody: true},
		{name: "tampered host", signing: defaultSigning(), mutate: func(r *http.Request) { r.Host = "127.0.0.1:4567" }, want: mismatch, readsBody: true},
		{name: "tampered signature", signing: defaultSigning(), mutate: func(r *http.Request) {
			h := r.Header.Get("Authorization")
			last := h[len(h)-1]
			flip := byte('0')
			if last == '0' {
				flip = '1'
			}
			r.Header.Set("Authorization", h[:len(h)-1]+string(flip))
		}, want: mismatch, readsBody: true},
		{name: "wrong secret", signing: with(func(s *signing) { s.secret = "not-the-secret" }), want: mismatch, readsBody: true},
		{name: "unknown key", signing: with(func(s *signing) { s.key = "AKIDUNKNOWN" }),
			want: sigv4.CodeUnrecognized + ": The security token included in the request is invalid."},
		{name: "key of another case", signing: with(func(s *signing) { s.key = "akidexample" }),
			want: sigv4.CodeUnrecognized + ": The security token included in the request is invalid."},
		{name: "14 minutes slow", signing: defaultSigning(), now: 14 * time.Minute, readsBody: true},
		{name: "14 minutes fast", signing: defaultSigning(), now: -14 * time.Minute, readsBody: true},
		{name: "15 minutes slow", signing: defaultSigning(), now: 15 * time.Minute, readsBody: true},
		{name: "15 minutes fast", signing: defaultSigning(), now: -15 * time.Minute, readsBody: true},
		{name: "16 minutes slow", signing: defaultSigning(), now: 16 * time.Minute,
			want: sigv4.CodeInvalidSignature + ": Signature expired: 20260102T030405Z is now earlier than 20260102T030505Z (20260102T032005Z - 15 min.)"},
		{name: "16 minutes fast", signing: defaultSigning(), now: -16 * time.Minute,
			want: sigv4.CodeInvalidSignature + ": Signature not yet current: 20260102T030405Z is still later than 20260102T030305Z (20260102T024805Z + 15 min.)"},
		{name: "15 minutes and 1 second slow", signing: defaultSigning(), now: 15*time.Minute + time.Second,
			want: sigv4.CodeInvalidSignature + ": Signature expired: 20260102T030405Z is now earlier than 20260102T030406Z (20260102T031906Z - 15 min.)"},
		{name: "wrong service", signing: defaultSigning(), service: "organizations",
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to correct service: 'organizations'. "},
		{name: "scope date mismatch", signing: defaultSigning(), mutate: replaceAuth("/20260102/", "/20260101/"),
			want: sigv4.CodeInvalidSignature + ": Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', from '20260102T030405Z'."},
		{name: "wrong service and scope date", signing: defaultSigning(), service: "sts", mutate: replaceAuth("/20260102/", "/20260101/"),
			want: sigv4.CodeInvalidSignature + ": Credential should be scoped to correct service: 'sts'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', from '20260102T030405Z'."},
		{name: "missing date", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Del("X-Amz-Date") },
			want: sigv4.CodeIncomplete + ": Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{name: "Date header only", signing: defaultSigning(), mutate: func(r *http.Request) {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "Fri, 02 Jan 2026 03:04:05 GMT")
		}, want: sigv4.CodeIncomplete + ": " + sigv4.MsgDateHeaderOnly},
		{name: "malformed date", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-01-02T03:04:05Z") },
			want: sigv4.CodeIncomplete + ": Date must be in ISO-8601 'basic format'. Got '2026-01-02T03:04:05Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "date with a one-digit hour", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260102T3040500Z") },
			want: sigv4.CodeIncomplete + ": Date must be in ISO-8601 'basic format'. Got '20260102T3040500Z'."},
		{name: "x-amz-content-sha256 signed and wrong", signing: jsSigning,
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64)) },
			want:   sigv4.CodeInvalidSignature + ": The provided 'x-amz-content-sha256' header does not match what was computed.", readsBody: true},
		{name: "x-amz-content-sha256 right but body tampered", signing: jsSigning, body: aws.String(testBody + " "),
			want: sigv4.CodeInvalidSignature + ": " + sigv4.MsgContentSHA256, readsBody: true},
		{name: "x-amz-content-sha256 unsigned and wrong", signing: defaultSigning(),
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
			want:   sigv4.CodeInvalidSignature + ": " + sigv4.MsgContentSHA256, readsBody: true},
		{name: "session token", signing: with(func(s *signing) { s.headers = map[string]string{"X-Amz-Security-Token": "token"} }),
			want: sigv4.CodeUnrecognized + ": The security token included in the request is invalid.", readsBody: true},
		{name: "no Authorization header", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Del("Authorization") }, want: missing},
		{name: "Bearer token", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, want: missing},
		{name: "AWS signature version 2", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Set("Authorization", "AWS AKID:c2ln") }, want: missing},
		{name: "other algorithm", signing: defaultSigning(), mutate: replaceAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
			want: sigv4.CodeIncomplete + ": Authorization header requires the AWS4-HMAC-SHA256 algorithm."},
		{name: "missing signature", signing: defaultSigning(), mutate: func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}, want: sigv4.CodeIncomplete + ": Authorization header requires 'Signature' parameter."},
		{name: "missing signature and date", signing: defaultSigning(), mutate: func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
			r.Header.Del("X-Amz-Date")
		}, want: sigv4.CodeIncomplete + ": Authorization header requires 'Signature' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{name: "missing everything", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Foo=bar") },
			want: sigv4.CodeIncomplete + ": Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter."},
		{name: "malformed credential", signing: defaultSigning(), mutate: replaceAuth("/aws4_request", "/aws5_request"),
			want: sigv4.CodeIncomplete + ": Credential should be scoped to a valid region and service"},
		{name: "host not signed", signing: defaultSigning(), mutate: replaceAuth(";host;", ";"),
			want: sigv4.CodeInvalidSignature + ": 'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "x-amz-date not signed", signing: defaultSigning(), mutate: replaceAuth(";x-amz-date", ""),
			want: sigv4.CodeInvalidSignature + ": 'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "a signed header removed", signing: defaultSigning(), mutate: func(r *http.Request) { r.Header.Del("X-Amz-Target") }, want: mismatch, readsBody: true},
		{name: "content-length dropped from the signed headers", signing: defaultSigning(), mutate: replaceAuth("content-length;", ""), want: mismatch, readsBody: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sign(t, tt.signing)
			if tt.mutate != nil {
				tt.mutate(r)
			}
			body := []byte(tt.signing.body)
			if tt.body != nil {
				body = []byte(*tt.body)
			}
			read := false
			service := tt.service
			if service == "" {
				service = "config"
			}
			v := sigv4.NewVerifier(creds, clock.NewFake(signedAt.Add(tt.now)))
			caller, err := v.Authenticate(r, service, func() ([]byte, error) { read = true; return body, nil })
			if read && !tt.readsBody {
				t.Errorf("the body was read")
			}
			if tt.want != "" {
				var e *apierr.Error
				if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), tt.want) {
					t.Fatalf("Authenticate() = %+v, %v;\nwant %s", caller, err, tt.want)
				}
				status := 400
				if e.Code == sigv4.CodeMissingToken {
					status = 403
				}
				if e.HTTPStatus() != status {
					t.Errorf("status = %d; want %d", e.HTTPStatus(), status)
				}
				if strings.Contains(e.Message, testSecret) {
					t.Errorf("message %q shows the secret", e.Message)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate() = %v", err)
			}
			want := identity.Caller{AccountID: testAccount, Region: "eu-west-1", AccessKeyID: tt.signing.key}
			if tt.account != "" {
				want.AccountID = tt.account
			}
			if tt.region != "" {
				want.Region = tt.region
			}
			if caller != want {
				t.Errorf("caller = %+v; want %+v", caller, want)
			}
		})
	}
}

// The body's read error, such as the size limit's, is returned as it is.
func TestVerifierBodyError(t *testing.T) {
	v := sigv4.NewVerifier(testCredentials(t), clock.NewFake(signedAt))
	tooBig := apierr.RequestTooLarge(10)
	_, err := v.Authenticate(sign(t, defaultSigning()), "config", func() ([]byte, error) { return nil, tooBig })
	if err != tooBig {
		t.Errorf("Authenticate() = %v; want the body's error", err)
	}
}

func TestQueryError(t *testing.T) {
	v := sigv4.NewVerifier(testCredentials(t), nil)
	tests := []struct {
		code, want string
		status     int
	}{
		{sigv4.CodeMissingToken, "MissingAuthenticationToken", 403},
		{sigv4.CodeIncomplete, "IncompleteSignature", 400},
		{sigv4.CodeUnrecognized, "InvalidClientTokenId", 403},
		{sigv4.CodeInvalidSignature, "SignatureDoesNotMatch", 403},
		{"SerializationException", "SerializationException", 400},
	}
	for _, tt := range tests {
		in := apierr.New(tt.code, "msg")
		var e *apierr.Error
		if !errors.As(v.QueryError(in), &e) || e.Code != tt.want || e.Message != "msg" || e.HTTPStatus() != tt.status {
			t.Errorf("QueryError(%s) = %v (status %d); want %s, %d", tt.code, e, e.HTTPStatus(), tt.want, tt.status)
		}
		if in.Code != tt.code {
			t.Errorf("QueryError changed its argument")
		}
	}
	plain := errors.New("x")
	if v.QueryError(plain) != plain {
		t.Error("QueryError changed a non-API error")
	}
}

func TestAccept(t *testing.T) {
	a := sigv4.Accept{Resolver: identity.Resolver{DefaultAccountID: "999999999999"}}
	never := func() ([]byte, error) { t.Fatal("Accept read the body"); return nil, nil }
	r := sign(t, with12DigitKey())
	r.Header.Set("X-Amz-Target", "tampered") // no signature is checked
	c, err := a.Authenticate(r, "organizations", never)
	if err != nil || c.AccountID != "123456789012" || c.Region != "eu-west-1" {
		t.Errorf("Authenticate(12-digit key) = %+v, %v", c, err)
	}
	r.Header.Del("Authorization")
	if c, err := a.Authenticate(r, "config", never); err != nil || c.AccountID != "999999999999" || c.Region != identity.DefaultRegion {
		t.Errorf("Authenticate(anonymous) = %+v, %v", c, err)
	}
	r.Header.Set("Authorization", "Bearer abc")
	var e *apierr.Error
	if _, err := a.Authenticate(r, "config", never); !errors.As(err, &e) || e.Code != sigv4.CodeIncomplete {
		t.Errorf("Authenticate(Bearer) = %v; want IncompleteSignatureException", err)
	}
}

// Accept checks no signature, but the region it takes from the credential
// scope must be one: a caller cannot name a region of its own invention.
func TestAcceptRegion(t *testing.T) {
	a := sigv4.Accept{Resolver: identity.Resolver{}}
	never := func() ([]byte, error) { t.Fatal("Accept read the body"); return nil, nil }
	header := func(region string) string {
		return "AWS4-HMAC-SHA256 Credential=123456789012/20260102/" + region + "/config/aws4_request, SignedHeaders=host, Signature=00"
	}
	for region, want := range map[string]string{
		"us-gov-west-1":           "",
		"":                        "", // the Go SDK without a region: us-east-1
		"made-up-1":               "Credential should be scoped to a valid region, not 'made-up-1'. ",
		"us-east-1 ":              "Credential should be scoped to a valid region, not 'us-east-1 '. ",
		"aws-global":              "Credential should be scoped to a valid region, not 'aws-global'. ",
		"us-east-1\xff":           "Credential should be scoped to a valid region, not 'us-east-1\uFFFD'. ",
		strings.Repeat("x", 2000): "Credential should be scoped to a valid region, not '" + strings.Repeat("x", 64) + "...'. ",
	} {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", header(region))
		c, err := a.Authenticate(r, "config", never)
		if want == "" {
			wantRegion := region
			if wantRegion == "" {
				wantRegion = identity.DefaultRegion
			}
			if err != nil || c.Region != wantRegion {
				t.Errorf("Authenticate(region %q) = %+v, %v; want region %s", region, c, err, wantRegion)
			}
			continue
		}
		var e *apierr.Error
		if !errors.As(err, &e) || e.Code != sigv4.CodeInvalidSignature || e.Message != want || e.HTTPStatus() != 400 {
			t.Errorf("Authenticate(region %.80q) = %+v, %v; want 400 InvalidSignatureException %q", region, c, err, want)
			continue
		}
		// STS words it without the region, and with its own code.
		if !errors.As(a.QueryError(err), &e) || e.Code != "SignatureDoesNotMatch" || e.HTTPStatus() != 403 ||
			e.Message != "Credential should be scoped to a valid region. " {
			t.Errorf("QueryError(region %.80q) = %v (status %d); want 403 SignatureDoesNotMatch", region, e, e.HTTPStatus())
		}
	}
}

func with12DigitKey() signing {
	s := defaultSigning()
	s.key, s.secret = "123456789012", "anything"
	return s
}
