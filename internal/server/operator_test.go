package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/identity"
)

// operatorServer has reset and backup endpoints that count their calls; the
// backup writes an SQLite header, followed by the database's name unless
// it is the control plane's.
func operatorServer(allowed ...string) (s *Server, resets, backups *int) {
	resets, backups = new(int), new(int)
	s = New(Options{
		Reset: func(context.Context) error { *resets++; return nil },
		Backup: func(_ context.Context, database string, w io.Writer) error {
			*backups++
			if database == BackupDatabaseStarling {
				database = ""
			}
			_, err := io.WriteString(w, "SQLite format 3\x00"+database)
			return err
		},
		AllowedHosts: allowed,
	})
	return s, resets, backups
}

// operatorRequest is a request from a local tool: httptest's default Host,
// example.com, would be refused.
func operatorRequest(method, path string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	req.Host = "127.0.0.1:4566"
	return req
}

// TestOperatorGuard checks that reset and backup refuse what a web page can
// make a browser send, and answer what curl, the SDKs and test suites send.
func TestOperatorGuard(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		headers []string
		allowed []string
		ok      bool
		why     string // part of the refusal
	}{
		{name: "IPv4 with port", host: "127.0.0.1:4566", ok: true},
		{name: "IPv4 without port", host: "10.1.2.3", ok: true},
		{name: "IPv6", host: "[::1]:4566", ok: true},
		{name: "localhost", host: "localhost:4566", ok: true},
		{name: "LOCALHOST", host: "LOCALHOST:4566", ok: true},
		{name: "under .localhost", host: "starling.localhost:4566", ok: true},
		{name: "allowed name", host: "starling:4566", allowed: []string{"other", " Starling "}, ok: true},
		{name: "allowed name, other case, trailing dot", host: "STARLING.:4566", allowed: []string{"starling"}, ok: true},
		{name: "any host allowed", host: "attacker.example:4566", allowed: []string{"*"}, ok: true},
		{name: "foreign host", host: "attacker.example:4566", why: `the Host header "attacker.example:4566" is not an IP address`},
		{name: "foreign host, only other names allowed", host: "attacker.example", allowed: []string{"starling"}, why: "--allowed-hosts"},
		{name: "localhost as a prefix", host: "localhost.attacker.example:4566", why: "Host header"},
		{name: "empty host", host: "", why: "Host header"},
		{name: "origin", host: "127.0.0.1:4566", headers: []string{"Origin", "http://evil.example"}, why: "Origin header, so a web browser sent it"},
		{name: "origin null", host: "localhost", headers: []string{"Origin", "null"}, why: "Origin header"},
		{name: "origin and foreign host", host: "attacker.example:4566", headers: []string{"Origin", "http://evil.example"}, why: "Origin"},
		{name: "origin with any host allowed", host: "127.0.0.1", allowed: []string{"*"}, headers: []string{"Origin", "http://127.0.0.1"}, why: "Origin"},
		{name: "fetch metadata site", host: "127.0.0.1:4566", headers: []string{"Sec-Fetch-Site", "cross-site"}, why: "Sec-Fetch-Site"},
		{name: "fetch metadata mode", host: "127.0.0.1:4566", headers: []string{"Sec-Fetch-Mode", "no-cors"}, why: "Sec-Fetch-Mode"},
		{name: "fetch metadata dest", host: "127.0.0.1:4566", headers: []string{"Sec-Fetch-Dest", "image"}, why: "Sec-Fetch-Dest"},
	}
	for _, tt := range tests {
		for _, path := range []string{PathReset, PathMotoReset, PathBackup} {
			t.Run(tt.name+path, func(t *testing.T) {
				s, resets, backups := operatorServer(tt.allowed...)
				req := httptest.NewRequest(http.MethodPost, path, nil)
				req.Host = tt.host
				for i := 0; i+1 < len(tt.headers); i += 2 {
					req.Header.Set(tt.headers[i], tt.headers[i+1])
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				ran := *resets + *backups
				if tt.ok {
					if rec.Code != http.StatusOK || ran != 1 {
						t.Fatalf("= %d %s, ran %d times; want 200, once", rec.Code, rec.Body, ran)
					}
					return
				}
				var body struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusForbidden ||
					!strings.Contains(body.Error, tt.why) || ran != 0 {
					t.Fatalf("= %d %s (%v), ran %d times; want 403 JSON saying %q, not run", rec.Code, rec.Body, err, ran, tt.why)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			})
		}
	}
}

// The guard does not stand in front of health and metrics, which are
// read-only, nor in front of the AWS API.
func TestOperatorGuardScope(t *testing.T) {
	var logs bytes.Buffer
	s := testServer(&logs)
	for _, path := range []string{PathHealth, PathMetrics} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = "attacker.example:4566"
		req.Header.Set("Origin", "http://evil.example")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s from a browser = %d; want 200", path, rec.Code)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	req.Host = "starling:4566"
	req.Header.Set("X-Amz-Target", "Test_1.Echo")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("API call with Host starling = %d %s; want 200", rec.Code, rec.Body)
	}
}

func TestBackup(t *testing.T) {
	t.Run("streams the copy", func(t *testing.T) {
		s, _, backups := operatorServer()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, operatorRequest(http.MethodPost, PathBackup))
		if rec.Code != 200 || rec.Body.String() != "SQLite format 3\x00" || *backups != 1 {
			t.Fatalf("= %d %q, %d backups; want 200 and the copy", rec.Code, rec.Body, *backups)
		}
		if ct := rec.Header().Get("Content-Type"); ct != BackupContentType {
			t.Errorf("Content-Type = %q; want %s", ct, BackupContentType)
		}
	})
	t.Run("database parameter", func(t *testing.T) {
		for query, want := range map[string]string{
			"?database=starling":  "SQLite format 3\x00",
			"?database=":          "SQLite format 3\x00",
			"?database=inventory": "SQLite format 3\x00inventory",
		} {
			s, _, backups := operatorServer()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, operatorRequest(http.MethodPost, PathBackup+query))
			if rec.Code != 200 || rec.Body.String() != want || *backups != 1 {
				t.Errorf("%s = %d %q, %d backups; want 200 %q", query, rec.Code, rec.Body, *backups, want)
			}
		}
		for _, query := range []string{"?database=other", "?database=starling.db", "?database=Inventory"} {
			s, _, backups := operatorServer()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, operatorRequest(http.MethodPost, PathBackup+query))
			if rec.Code != http.StatusBadRequest || *backups != 0 || rec.Header().Get("Content-Type") != "application/json" ||
				!strings.Contains(rec.Body.String(), `"error"`) {
				t.Errorf("%s = %d %s, %d backups; want a 400 JSON error", query, rec.Code, rec.Body, *backups)
			}
		}
		// The guard comes first.
		s, _, backups := operatorServer()
		rec := httptest.NewRecorder()
		req := operatorRequest(http.MethodPost, PathBackup+"?database=inventory")
		req.Header.Set("Origin", "https://evil.example")
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden || *backups != 0 {
			t.Errorf("cross-origin inventory backup = %d %s; want 403", rec.Code, rec.Body)
		}
	})
	t.Run("GET", func(t *testing.T) {
		s, _, backups := operatorServer()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, operatorRequest(http.MethodGet, PathBackup))
		if rec.Code != http.StatusMethodNotAllowed || *backups != 0 {
			t.Errorf("GET = %d %s; want 405", rec.Code, rec.Body)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		s := New(Options{})
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, operatorRequest(http.MethodPost, PathBackup))
		if rec.Code != http.StatusForbidden || rec.Body.String() != BackupDisabledBody {
			t.Errorf("= %d %s; want 403 disabled", rec.Code, rec.Body)
		}
	})
	t.Run("fails before the first byte", func(t *testing.T) {
		var logs bytes.Buffer
		s := New(Options{
			Backup: func(context.Context, string, io.Writer) error { return errors.New("disk on fire") },
			Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		})
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, operatorRequest(http.MethodPost, PathBackup))
		if rec.Code != 500 || rec.Body.String() != `{"error":"backup failed"}` || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("= %d %s; want 500 JSON", rec.Code, rec.Body)
		}
		if !strings.Contains(logs.String(), "disk on fire") {
			t.Errorf("the log lacks the cause:\n%s", logs.String())
		}
	})
	t.Run("fails after the first byte", func(t *testing.T) {
		s := New(Options{Backup: func(_ context.Context, _ string, w io.Writer) error {
			if _, err := io.WriteString(w, strings.Repeat("x", 100<<10)); err != nil {
				return err
			}
			return errors.New("disk on fire")
		}})
		srv := httptest.NewServer(s)
		defer srv.Close()
		resp, err := http.Post(srv.URL+PathBackup, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 || err == nil {
			t.Errorf("= %d, read %d bytes, %v; want 200 and a broken body", resp.StatusCode, n, err)
		}
	})
}

// syncLog is a log sink that tells when the access-log line is written.
type syncLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	access chan struct{}
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytes.Contains(p, []byte(`"msg":"request"`)) {
		defer func() { l.access <- struct{}{} }()
	}
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestClientCanceled checks that a client that hangs up is no server fault:
// the handler's ctx.Err() is logged and counted as 499, not as an
// InternalFailure, and nothing is logged at ERROR.
func TestClientCanceled(t *testing.T) {
	logs := &syncLog{access: make(chan struct{}, 1)}
	started := make(chan struct{})
	wait := shape.Handle(func(ctx context.Context, _ *echoIn) (*echoOut, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	s := New(Options{
		APIs:     []API{{Name: "test", TargetPrefix: "Test_1", Operations: map[string]shape.Handler{"Wait": wait}}},
		Resolver: identity.Resolver{},
		Logger:   slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	srv := httptest.NewServer(s)
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Test_1.Wait\r\n"+
		"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	<-started
	conn.Close() // hang up while the handler runs
	<-logs.access

	out := logs.String()
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
			line = m
		}
		if strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("logged at ERROR: %s", l)
		}
	}
	if line["status"] != float64(StatusClientClosedRequest) || line["error_code"] != "" || line["level"] != "INFO" {
		t.Errorf("access log = %v; want status 499 without an error code, at INFO", line)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PathMetrics, nil))
	metrics := rec.Body.String()
	if !strings.Contains(metrics, `starling_requests_total{operation="Wait",service="test",status="499"} 1`) ||
		strings.Contains(metrics, `status="500"`) || strings.Contains(metrics, "starling_request_errors_total{") {
		t.Errorf("metrics lack the 499, or count a 500 or an error:\n%s", metrics)
	}
}

// A handler that fails on its own while its client is still there is a
// server fault, as before.
func TestServerFaultNotCanceled(t *testing.T) {
	var logs bytes.Buffer
	s := testServer(&logs)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"Fail":"internal"}`))
	req.Header.Set("X-Amz-Target", "Test_1.Echo")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 500 || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("= %d, log %s; want 500 logged at ERROR", rec.Code, logs.String())
	}
}

// TestTooLargeBeforeContinue checks that a request whose Content-Length is
// over the limit gets its 413 at once: no 100 Continue, no body read.
func TestTooLargeBeforeContinue(t *testing.T) {
	var logs bytes.Buffer
	s := testServer(&logs)
	s.maxBody = 1024
	s.queries = []QueryAPI{{Name: "sts"}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	for name, head := range map[string]string{
		"JSON":  "X-Amz-Target: Test_1.Echo\r\nContent-Type: application/x-amz-json-1.1\r\n",
		"query": "Content-Type: application/x-www-form-urlencoded\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"+head+
				"Authorization: AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/sts/aws4_request, SignedHeaders=host, Signature=00\r\n"+
				"Expect: 100-continue\r\nContent-Length: 1025\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			// The body is never sent: the server must answer without it.
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "Request body is larger than 1024 bytes.") {
				t.Errorf("first response = %d %s; want 413 at once", resp.StatusCode, body)
			}
		})
	}
}

// TestRegionRefused checks the credential scope's region in the accept mode,
// on both protocols: a region code or nothing.
func TestRegionRefused(t *testing.T) {
	var logs bytes.Buffer
	s := testServer(&logs)
	s.queries = []QueryAPI{{Name: "sts", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/"}}
	auth := func(region, service string) string {
		return "AWS4-HMAC-SHA256 Credential=123456789012/20260101/" + region + "/" + service + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	for _, region := range []string{"made-up-1", "us-east-1 ", strings.Repeat("r", 2000), "us-east-\xff"} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", "Test_1.Echo")
		req.Header.Set("Authorization", auth(region, "test"))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var body map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != 400 || body["__type"] != "InvalidSignatureException" ||
			!strings.HasPrefix(body["message"], "Credential should be scoped to a valid region, not '") || len(body["message"]) > 200 {
			t.Errorf("JSON, region %.40q = %d %s; want 400 InvalidSignatureException", region, rec.Code, rec.Body)
		}

		req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		req.Header.Set("Authorization", auth(region, "sts"))
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(),
			"<Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to a valid region. </Message>") {
			t.Errorf("query, region %.40q = %d %s; want 403 SignatureDoesNotMatch", region, rec.Code, rec.Body)
		}
	}
}
