package loadgen

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// ms returns n milliseconds.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// seq returns 1ms, 2ms, …, n ms.
func seq(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = ms(i + 1)
	}
	return out
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		name     string
		sorted   []time.Duration
		permille int
		want     time.Duration
	}{
		{"empty", nil, 500, 0},
		{"one value p50", []time.Duration{ms(7)}, 500, ms(7)},
		{"one value p99.9", []time.Duration{ms(7)}, 999, ms(7)},
		{"two values median is the lower", seq(2), 500, ms(1)},
		{"odd count median", seq(5), 500, ms(3)},
		{"p0 clamps to the smallest", seq(5), 0, ms(1)},
		{"p100 is the largest", seq(5), 1000, ms(5)},
		{"100 values p50", seq(100), 500, ms(50)},
		{"100 values p99", seq(100), 990, ms(99)},
		{"100 values p99.9 rounds up to the largest", seq(100), 999, ms(100)},
		{"1000 values p99.9", seq(1000), 999, ms(999)},
		{"1001 values p99.9 rounds up", seq(1001), 999, ms(1000)},
		{"10000 values p99", seq(10000), 990, ms(9900)},
		{"10000 values p99.9", seq(10000), 999, ms(9990)},
		{"ties", []time.Duration{ms(1), ms(1), ms(1), ms(9)}, 750, ms(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.permille); got != tt.want {
				t.Errorf("Percentile(%d values, %d‰) = %v; want %v", len(tt.sorted), tt.permille, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	// 1000 latencies, shuffled: Summarize must sort them.
	shuffled := seq(1000)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	tests := []struct {
		name      string
		latencies []time.Duration
		errors    int
		elapsed   time.Duration
		want      Summary
	}{
		{"nothing measured", nil, 0, time.Second, Summary{}},
		{"zero elapsed gives no rate", seq(3), 0, 0,
			Summary{Requests: 3, P50: Millis(ms(2)), P99: Millis(ms(3)), P999: Millis(ms(3)), Max: Millis(ms(3))}},
		{"unsorted input", shuffled, 4, 2 * time.Second,
			Summary{Requests: 1000, Errors: 4, ReqPerSec: 500, P50: Millis(ms(500)), P99: Millis(ms(990)), P999: Millis(ms(999)), Max: Millis(ms(1000))}},
		{"one slow outlier shows in max and p99.9 only", append(make([]time.Duration, 999), ms(50)), 0, 500 * time.Millisecond,
			Summary{Requests: 1000, ReqPerSec: 2000, Max: Millis(ms(50))}},
		{"one slow outlier in 100 reaches p99.9", append(make([]time.Duration, 99), ms(50)), 0, time.Second,
			Summary{Requests: 100, ReqPerSec: 100, P999: Millis(ms(50)), Max: Millis(ms(50))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(tt.latencies, tt.errors, tt.elapsed)
			if math.Abs(got.ReqPerSec-tt.want.ReqPerSec) > 1e-9 {
				t.Errorf("ReqPerSec = %v; want %v", got.ReqPerSec, tt.want.ReqPerSec)
			}
			got.ReqPerSec = tt.want.ReqPerSec
			if got != tt.want {
				t.Errorf("Summarize() = %+v;\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMinMedianMax(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want Stats
	}{
		{nil, Stats{}},
		{[]time.Duration{ms(3)}, Stats{Millis(ms(3)), Millis(ms(3)), Millis(ms(3))}},
		{[]time.Duration{ms(9), ms(1), ms(5), ms(3), ms(7)}, Stats{Millis(ms(1)), Millis(ms(5)), Millis(ms(9))}},
		{[]time.Duration{ms(4), ms(2), ms(8), ms(6)}, Stats{Millis(ms(2)), Millis(ms(4)), Millis(ms(8))}},
	}
	for _, tt := range tests {
		in := append([]time.Duration(nil), tt.in...)
		if got := MinMedianMax(tt.in); got != tt.want {
			t.Errorf("MinMedianMax(%v) = %+v; want %+v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Fatalf("MinMedianMax modified its input: %v", tt.in)
			}
		}
	}
}

func TestMillisJSON(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000"},
		{412 * time.Microsecond, "0.412"},
		{1500 * time.Nanosecond, "0.002"},
		{3 * time.Second, "3000.000"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(Millis(tt.d))
		if err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(Millis(%v)) = %s, %v; want %s", tt.d, b, err, tt.want)
		}
		var back Millis
		if err := json.Unmarshal(b, &back); err != nil || time.Duration(back).Round(time.Microsecond) != tt.d.Round(time.Microsecond) {
			t.Errorf("json.Unmarshal(%s) = %v, %v; want %v", b, time.Duration(back), err, tt.d)
		}
	}
}

func TestRatio(t *testing.T) {
	tests := []struct{ a, b, want float64 }{
		{5000, 10000, 0.5},
		{0, 10000, 0},
		{5000, 0, 0},
	}
	for _, tt := range tests {
		if got := Ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("Ratio(%v, %v) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.4772608e+07
process_cpu_seconds_total 1.5
starling_requests_total{operation="TagResource",service="config",status="200"} 42
garbage
`
	got := ParseMetrics([]byte(text))
	want := map[string]float64{MetricRSS: 24772608, MetricCPU: 1.5}
	if len(got) != len(want) {
		t.Fatalf("ParseMetrics() = %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("ParseMetrics()[%s] = %v; want %v", k, got[k], v)
		}
	}
}

func TestPool(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	run := func(elapsed time.Duration, errors int, firstErr string, lat ...int) Result {
		r := Result{Elapsed: elapsed, Sent: uint64(len(lat) + 1), FirstError: firstErr, latencies: ms(lat...)}
		r.Summary = Summarize(r.latencies, errors, elapsed)
		return r
	}
	a := run(time.Second, 0, "", 1, 2, 3, 4)
	b := run(time.Second, 1, "HTTP 500", 5, 6, 7, 8, 9, 10)
	got := Pool(a, b)
	if got.Requests != 10 || got.Errors != 1 || got.Elapsed != 2*time.Second || got.Sent != 12 {
		t.Errorf("Pool: %d requests, %d errors, %v, %d sent; want 10, 1, 2s, 12", got.Requests, got.Errors, got.Elapsed, got.Sent)
	}
	if got.ReqPerSec != 5 {
		t.Errorf("Pool req/s: got %v, want 5 (10 requests in 2 s, not the mean of 4 and 6)", got.ReqPerSec)
	}
	if got.P50 != Millis(5*time.Millisecond) || got.Max != Millis(10*time.Millisecond) {
		t.Errorf("Pool percentiles: p50 %v, max %v; want 5ms, 10ms (of all requests together)", got.P50, got.Max)
	}
	if got.FirstError != "HTTP 500" {
		t.Errorf("Pool first error: got %q, want %q", got.FirstError, "HTTP 500")
	}
	if one := Pool(a); one.Summary != a.Summary {
		t.Errorf("Pool of one run: got %+v, want %+v", one.Summary, a.Summary)
	}
}
