package ingestclient

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

var src = inventory.Source{AccountID: "111111111111", Region: "eu-west-1"}

func items(n int) []inventory.Item {
	out := make([]inventory.Item, n)
	for i := range out {
		out[i] = inventory.Item{
			Key:    inventory.Key{Source: src, ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-" + strings.Repeat("a", i+1)},
			Status: inventory.StatusOK, Configuration: []byte("{}"),
		}
	}
	return out
}

func TestPut(t *testing.T) {
	for _, tc := range []struct {
		name string
		// answer answers request number n (from 0) holding k items.
		answer   func(n, k int) (int, string)
		items    int
		want     inventory.WriteResult
		requests int32
		wantErr  string
	}{
		{
			name: "taken",
			answer: func(_, k int) (int, string) {
				return 200, `{"New":` + strconv.Itoa(k) + `,"Unchanged":0,"Superseded":0}`
			},
			items: 3, want: inventory.WriteResult{New: 3}, requests: 1,
		},
		{
			name: "too large, halved until it fits",
			answer: func(_, k int) (int, string) {
				if k > 1 {
					return 413, `{"__type":"RequestEntityTooLarge","message":"too large"}`
				}
				return 200, `{"New":1,"Unchanged":0,"Superseded":0}`
			},
			items: 3, want: inventory.WriteResult{New: 3}, requests: 5, // 3, 1, 2, 1, 1
		},
		{
			name: "a 5xx passes on a second try",
			answer: func(n, k int) (int, string) {
				if n == 0 {
					return 503, `{"__type":"ServiceUnavailable","message":"The store is unavailable."}`
				}
				return 200, `{"New":0,"Unchanged":` + strconv.Itoa(k) + `,"Superseded":0}`
			},
			items: 2, want: inventory.WriteResult{Unchanged: 2}, requests: 2,
		},
		{
			name: "a refusal is not tried again",
			answer: func(int, int) (int, string) {
				return 400, `{"__type":"com.amazonaws.starlingdove#NoRunningConfigurationRecorderException","message":"There is no configuration recorder running."}`
			},
			items: 2, requests: 1,
			wantErr: "ingest into 111111111111 eu-west-1: NoRunningConfigurationRecorderException: There is no configuration recorder running.",
		},
		{
			name: "not a Starling",
			answer: func(int, int) (int, string) {
				return 400, `{"__type":"UnknownOperationException","message":"no"}`
			},
			items: 1, requests: 1,
			wantErr: "ingest into 111111111111 eu-west-1: UnknownOperationException: no (does this server serve Starling's ingest API?)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("X-Amz-Target"); got != Target {
					t.Errorf("X-Amz-Target = %q", got)
				}
				if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "Credential=111111111111/") || !strings.Contains(auth, "/eu-west-1/config/aws4_request") {
					t.Errorf("Authorization = %q", auth)
				}
				body, _ := io.ReadAll(r.Body)
				k := 0
				if err := ingest.DecodeFile(strings.NewReader(string(body)), func(inventory.Item) error { k++; return nil }); err != nil {
					t.Errorf("body: %v", err)
				}
				code, answer := tc.answer(int(n.Add(1))-1, k)
				w.WriteHeader(code)
				_, _ = io.WriteString(w, answer)
			}))
			defer srv.Close()
			c := New(srv.URL+"/", srv.Client(), func(account string) aws.Credentials {
				return aws.Credentials{AccessKeyID: account, SecretAccessKey: "x"}
			})
			res, err := c.Put(t.Context(), src, items(tc.items))
			if tc.wantErr != "" {
				var apiErr *Error
				if err == nil || err.Error() != tc.wantErr || !errors.As(err, &apiErr) || apiErr.Status != 400 {
					t.Errorf("Put() error = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil || res != tc.want {
				t.Errorf("Put() = %+v, %v; want %+v", res, err, tc.want)
			}
			if got := n.Load(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
		})
	}
}
