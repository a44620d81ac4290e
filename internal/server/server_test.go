package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/store"
)

type echoIn struct {
	Fail *string `json:"Fail,omitempty"`
}

type echoOut struct {
	Account string `json:"Account"`
	Region  string `json:"Region"`
}

// testServer serves one fake API, "Test_1.Echo", whose handler reports the
// caller, fails with the code in Fail, or panics when Fail is "panic".
func testServer(logs *bytes.Buffer) *Server {
	echo := shape.Handle(func(ctx context.Context, in *echoIn) (*echoOut, error) {
		c, _ := identity.CallerFrom(ctx)
		switch {
		case in.Fail == nil:
			return &echoOut{Account: c.AccountID, Region: c.Region}, nil
		case *in.Fail == "panic":
			panic("boom")
		case *in.Fail == "internal":
			return nil, errors.New("disk on fire")
		case *in.Fail == "unavailable":
			return nil, fmt.Errorf("postgres: query: %w: disk on fire", store.ErrUnavailable)
		default:
			return nil, apierr.New(*in.Fail, "failed on purpose")
		}
	})
	return New(Options{
		APIs:     []API{{Name: "test", TargetPrefix: "Test_1", Operations: map[string]shape.Handler{"Echo": echo}}},
		Resolver: identity.Resolver{},
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
	})
}

func TestServeAPI(t *testing.T) {
	const auth = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/test/aws4_request, SignedHeaders=host, Signature=00"
	tests := []struct {
		name     string
		body     string
		auth     string
		status   int
		wantBody string // exact body, or error code to find in __type
		logCode  string
	}{
		{"success", `{}`, auth, 200, `{"Account":"123456789012","Region":"eu-west-1"}`, ""},
		{"anonymous", `{}`, "", 200, `{"Account":"000000000000","Region":"us-east-1"}`, ""},
		{"client error", `{"Fail":"BadThingException"}`, auth, 400, "BadThingException", "BadThingException"},
		{"internal error hides its cause", `{"Fail":"internal"}`, auth, 500, "InternalFailure", "InternalFailure"},
		{"panic", `{"Fail":"panic"}`, auth, 500, "InternalFailure", "InternalFailure"},
		{"database unavailable: retryable 503", `{"Fail":"unavailable"}`, auth, 503, "ServiceUnavailable", "ServiceUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			s := testServer(&logs)
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", "Test_1.Echo")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d; want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			reqID := rec.Header().Get("x-amzn-RequestId")
			if reqID == "" {
				t.Error("no x-amzn-RequestId")
			}
			if tt.status == 200 {
				if rec.Body.String() != tt.wantBody {
					t.Errorf("body = %s; want %s", rec.Body, tt.wantBody)
				}
			} else {
				var body map[string]string
				_ = json.Unmarshal(rec.Body.Bytes(), &body)
				if body["__type"] != tt.wantBody || rec.Header().Get("X-Amzn-ErrorType") != tt.wantBody {
					t.Errorf("error = %s (header %q); want %s", rec.Body, rec.Header().Get("X-Amzn-ErrorType"), tt.wantBody)
				}
				if strings.Contains(rec.Body.String(), "disk on fire") || strings.Contains(rec.Body.String(), "boom") {
					t.Errorf("body %s leaks the internal cause", rec.Body)
				}
			}
			// Exactly one access-log line for the request, with its fields.
			var access []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" {
					access = append(access, m)
				}
			}
			if len(access) != 1 {
				t.Fatalf("access-log lines = %d; want 1:\n%s", len(access), logs.String())
			}
			l := access[0]
			if l["request_id"] != reqID || l["operation"] != "Echo" || l["service"] != "test" ||
				l["status"] != float64(tt.status) || l["error_code"] != tt.logCode {
				t.Errorf("access log = %v; want request id %s, Echo, status %d, code %q", l, reqID, tt.status, tt.logCode)
			}
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("access log has no duration_ms: %v", l)
			}
			if tt.status == 200 && (l["account"] == "" || l["region"] == "") {
				t.Errorf("access log lacks account or region: %v", l)
			}
		})
	}
}

func TestOperatorRoutes(t *testing.T) {
	var logs bytes.Buffer
	resets := 0
	s := New(Options{Reset: func(context.Context) error { resets++; return nil }, Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Version: "v9"})
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{http.MethodGet, PathHealth, 200, `{"status":"ok","version":"v9"}`},
		{http.MethodPost, PathHealth, 405, ""},
		{http.MethodGet, PathReset, 405, ""},
		{http.MethodPost, PathReset, 200, `{"reset":true}`},
		{http.MethodPost, PathMotoReset, 200, `{"reset":true}`},
		{http.MethodGet, PathMetrics, 200, ""},
		{http.MethodGet, "/", 400, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, operatorRequest(tt.method, tt.path))
		if rec.Code != tt.status || (tt.body != "" && rec.Body.String() != tt.body) {
			t.Errorf("%s %s = %d %s; want %d %s", tt.method, tt.path, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
	if resets != 2 {
		t.Errorf("reset ran %d times; want 2", resets)
	}
}

func TestServeQuery(t *testing.T) {
	var logs bytes.Buffer
	s := New(Options{
		QueryAPIs: []QueryAPI{{Name: "sts", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/", Actions: map[string]QueryHandler{
			"WhoAmI": func(ctx context.Context, form url.Values) (any, error) {
				c, _ := identity.CallerFrom(ctx)
				if form.Get("Fail") != "" {
					return nil, apierr.New("Nope", "failed <on> purpose")
				}
				return &struct {
					Account string `xml:"Account"`
				}{c.AccountID}, nil
			},
		}}},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	const auth = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"
	tests := []struct {
		name   string
		body   string
		status int
		want   string // substring of the body
	}{
		{"ok", "Action=WhoAmI&Version=2011-06-15", 200,
			`<WhoAmIResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><WhoAmIResult><Account>123456789012</Account></WhoAmIResult><ResponseMetadata><RequestId>`},
		{"error", "Action=WhoAmI&Fail=1", 400,
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Nope</Code><Message>failed &lt;on&gt; purpose</Message></Error><RequestId>`},
		{"unknown action", "Action=Frob&Version=2011-06-15", 400, `<Code>InvalidAction</Code><Message>Could not find operation Frob for version 2011-06-15</Message>`},
		{"no action", "Version=2011-06-15", 400, `<Code>MissingAction</Code>`},
		{"bad form", "Action=%zz", 400, `<Code>MalformedQueryString</Code>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("= %d %s; want %d containing %s", rec.Code, rec.Body, tt.status, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q; want text/xml", ct)
			}
		})
	}
}
