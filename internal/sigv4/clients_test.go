package sigv4_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/sigv4"
)

// recording is one file of testdata/clients: requests one real client sent,
// byte for byte as they came off the wire, with the dummy credentials it
// signed them with.
type recording struct {
	Client          string `json:"client"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	Requests        []struct {
		Name       string    `json:"name"`
		Service    string    `json:"service"` // the signing name of the API called
		Region     string    `json:"region"`  // the region the client was given
		ReceivedAt time.Time `json:"received_at"`
		Raw        string    `json:"raw"`
	} `json:"requests"`
}

// TestRecordedClients verifies requests recorded from the AWS CLI v2,
// boto3, the JavaScript SDK v3 and the Go SDK v2 (versions in each file),
// with the server's clock set to when each arrived, so that CI checks every
// client's signing without the clients installed. Each file holds an AWS
// Config, an Organizations and an STS call, and a retried call that the
// client signed again.
//
// They were recorded with a throwaway capture server on 127.0.0.1 that
// answered with canned responses (and a 500 to the first "retry-me" call);
// to add a client, record its requests the same way, raw.
func TestRecordedClients(t *testing.T) {
	files, err := filepath.Glob("testdata/clients/*.json")
	if err != nil || len(files) != 4 {
		t.Fatalf("recordings = %v, %v; want 4 files", files, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var rec recording
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatal(err)
			}
			creds, err := credentials.Parse(strings.NewReader("[client]\naws_access_key_id = "+rec.AccessKeyID+
				"\naws_secret_access_key = "+rec.SecretAccessKey+"\naws_account_id = 123456789012\n"), file)
			if err != nil {
				t.Fatal(err)
			}
			services := map[string]bool{}
			for _, req := range rec.Requests {
				services[req.Service] = true
				t.Run(req.Name, func(t *testing.T) {
					v := sigv4.NewVerifier(creds, clock.NewFake(req.ReceivedAt))
					r, body := readRecorded(t, req.Raw)
					caller, err := v.Authenticate(r, req.Service, func() ([]byte, error) { return body, nil })
					if err != nil {
						t.Fatalf("%s: Authenticate() = %v\n%s", rec.Client, err, req.Raw)
					}
					region := req.Region
					if region == "" {
						region = identity.DefaultRegion
					}
					if want := (identity.Caller{AccountID: "123456789012", Region: region, AccessKeyID: rec.AccessKeyID}); caller != want {
						t.Errorf("caller = %+v; want %+v", caller, want)
					}

					// The same request with one byte of its body changed, or
					// a signed header changed, or checked for another
					// service, or with another secret, fails.
					tampered := append([]byte(nil), body...)
					tampered[len(tampered)-1] ^= 1
					r, _ = readRecorded(t, req.Raw)
					_, err = v.Authenticate(r, req.Service, func() ([]byte, error) { return tampered, nil })
					wantCode(t, "tampered body", err, sigv4.CodeInvalidSignature)
					r, _ = readRecorded(t, req.Raw)
					r.Header.Set("Content-Type", r.Header.Get("Content-Type")+"x")
					_, err = v.Authenticate(r, req.Service, func() ([]byte, error) { return body, nil })
					wantCode(t, "tampered content-type", err, sigv4.CodeInvalidSignature)
					r, _ = readRecorded(t, req.Raw)
					_, err = v.Authenticate(r, "iam", func() ([]byte, error) { return body, nil })
					wantCode(t, "another service", err, sigv4.CodeInvalidSignature)
					other, err := credentials.Parse(strings.NewReader("[client]\naws_access_key_id = "+rec.AccessKeyID+
						"\naws_secret_access_key = other\naws_account_id = 123456789012\n"), "other")
					if err != nil {
						t.Fatal(err)
					}
					r, _ = readRecorded(t, req.Raw)
					_, err = sigv4.NewVerifier(other, clock.NewFake(req.ReceivedAt)).Authenticate(r, req.Service, func() ([]byte, error) { return body, nil })
					wantCode(t, "another secret", err, sigv4.CodeInvalidSignature)
				})
			}
			for _, s := range []string{"config", "organizations", "sts"} {
				if !services[s] {
					t.Errorf("%s has no %s request", file, s)
				}
			}
		})
	}
}

// readRecorded parses a recorded request as the server does.
func readRecorded(t *testing.T, raw string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) == 0 {
		t.Fatalf("body = %q, %v", body, err)
	}
	return r, body
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("%s: Authenticate() = %v; want %s", what, err, code)
	}
}
