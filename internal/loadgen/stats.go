package loadgen

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Millis is a duration that encodes to JSON as milliseconds with
// microsecond precision, for example 0.412.
type Millis time.Duration

// MarshalJSON encodes d in milliseconds.
func (d Millis) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d)/float64(time.Millisecond), 'f', 3, 64), nil
}

// UnmarshalJSON decodes milliseconds.
func (d *Millis) UnmarshalJSON(b []byte) error {
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return err
	}
	*d = Millis(ms * float64(time.Millisecond))
	return nil
}

// String formats d in milliseconds, for tables.
func (d Millis) String() string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64) + "ms"
}

// Summary is what a load run measured.
type Summary struct {
	// Requests counts the measured requests, failed ones included.
	Requests int `json:"requests"`
	// Errors counts measured requests that did not get HTTP 200.
	Errors int `json:"errors"`
	// ReqPerSec is Requests over the measured time.
	ReqPerSec float64 `json:"req_per_s"`
	// Latency percentiles of all measured requests (nearest rank) and the
	// largest latency.
	P50  Millis `json:"p50_ms"`
	P99  Millis `json:"p99_ms"`
	P999 Millis `json:"p999_ms"`
	Max  Millis `json:"max_ms"`
}

// Summarize computes the summary of requests with the latencies (sorted
// in place), errors of them failed, measured over elapsed.
func Summarize(latencies []time.Duration, errors int, elapsed time.Duration) Summary {
	slices.Sort(latencies)
	s := Summary{
		Requests: len(latencies),
		Errors:   errors,
		P50:      Millis(Percentile(latencies, 500)),
		P99:      Millis(Percentile(latencies, 990)),
		P999:     Millis(Percentile(latencies, 999)),
	}
	if n := len(latencies); n > 0 {
		s.Max = Millis(latencies[n-1])
	}
	if elapsed > 0 {
		s.ReqPerSec = float64(len(latencies)) / elapsed.Seconds()
	}
	return s
}

// Percentile returns the permille-th per-mille value of sorted by the
// nearest-rank method: the smallest value that at least permille/1000 of
// the values do not exceed (500 is the median, 999 is p99.9). It is 0 for
// no values. Integer arithmetic keeps the rank exact.
func Percentile(sorted []time.Duration, permille int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (n*permille + 999) / 1000 // ceil(n × permille / 1000)
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// Ratio returns a/b, or 0 when b is 0.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Stats are the minimum, median and maximum of a few measurements.
type Stats struct {
	Min    Millis `json:"min_ms"`
	Median Millis `json:"median_ms"`
	Max    Millis `json:"max_ms"`
}

// MinMedianMax summarises ds (not modified). The median of an even count is
// the lower middle value.
func MinMedianMax(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Stats{Min: Millis(s[0]), Median: Millis(Percentile(s, 500)), Max: Millis(s[len(s)-1])}
}
