package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/starlingcfg/starling/internal/config"
)

// benchAuth is a real client's Authorization header; accept mode parses it.
const benchAuth = "AWS4-HMAC-SHA256 Credential=111111111111/20261125/us-east-1/config/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=2ed54b72c5a6e4b1d2f0c0e1f7a9b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4"

func newBenchApp(b *testing.B) http.Handler {
	b.Helper()
	cfg := config.Defaults()
	cfg.DataDir = b.TempDir()
	cfg.Quotas.AggregatorsPerRegion = 1 << 20
	a, err := New(context.Background(), cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	return a.Handler()
}

func call(b *testing.B, h http.Handler, op, body string) string {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "StarlingDoveService."+op)
	req.Header.Set("X-Amz-Date", "20261125T222516Z")
	req.Header.Set("Authorization", benchAuth)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s = %d %s", op, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func putBody(name string) string {
	return `{"ConfigurationAggregatorName":"` + name + `","AccountAggregationSources":[{"AccountIds":["222222222222","333333333333"],"AllAwsRegions":true}]}`
}

// BenchmarkHandler measures whole requests through the HTTP handler, with
// the durable SQLite store, without the network.
func BenchmarkHandler(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		mode := "serial"
		if parallel {
			mode = "parallel"
		}
		b.Run("Put/"+mode, func(b *testing.B) {
			h := newBenchApp(b)
			var n atomic.Int64
			run(b, parallel, func() { call(b, h, "PutConfigurationAggregator", putBody(fmt.Sprintf("agg-%d", n.Add(1)%100))) })
		})
		b.Run("Describe10/"+mode, func(b *testing.B) {
			h := newBenchApp(b)
			for i := range 10 {
				call(b, h, "PutConfigurationAggregator", putBody(fmt.Sprintf("agg-%d", i)))
			}
			run(b, parallel, func() { call(b, h, "DescribeConfigurationAggregators", `{}`) })
		})
		b.Run("TagResource/"+mode, func(b *testing.B) {
			h := newBenchApp(b)
			out := call(b, h, "PutConfigurationAggregator", putBody("tagged"))
			i := strings.Index(out, "arn:aws:config")
			arn := out[i : i+strings.IndexByte(out[i:], '"')]
			var n atomic.Int64
			run(b, parallel, func() {
				call(b, h, "TagResource", fmt.Sprintf(`{"ResourceArn":%q,"Tags":[{"Key":"k%d","Value":"v"}]}`, arn, n.Add(1)%10))
			})
		})
	}
}

func run(b *testing.B, parallel bool, f func()) {
	b.ReportAllocs()
	if !parallel {
		for b.Loop() {
			f()
		}
		return
	}
	b.SetParallelism(4) // 8 goroutines on 2 cores, like the load target
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			f()
		}
	})
}
