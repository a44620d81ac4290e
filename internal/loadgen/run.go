package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// RunOptions shape a closed-loop run.
type RunOptions struct {
	// Concurrency is the number of workers, each with one request in
	// flight at all times.
	Concurrency int
	// Warmup is how long the workers send before requests are measured.
	Warmup time.Duration
	// Duration is how long requests are measured after the warmup.
	Duration time.Duration
}

// Result is what a run measured.
type Result struct {
	Summary
	// FirstError describes the first measured failure: the HTTP status and
	// the start of the body, or the transport error.
	FirstError string `json:"first_error,omitempty"`
	// Elapsed is the measured time: from the end of the warmup until the
	// last worker's last request finished.
	Elapsed time.Duration `json:"-"`
	// Sent counts every request sent, the warmup's included.
	Sent uint64 `json:"-"`
	// RequestsPerEndpoint and ErrorsPerEndpoint split Requests and Errors
	// by the endpoint the requests went to, in the order of the run's
	// targets; they are nil for a run against one target.
	RequestsPerEndpoint []int `json:"requests_per_endpoint,omitempty"`
	ErrorsPerEndpoint   []int `json:"errors_per_endpoint,omitempty"`

	latencies []time.Duration // of the measured requests, sorted
}

// Pool combines the results of several runs against the same targets into
// one: requests and time add up (per endpoint too), and the percentiles are
// those of all the requests together.
func Pool(rs ...Result) Result {
	var out Result
	var all []time.Duration
	for _, r := range rs {
		all = append(all, r.latencies...)
		out.Elapsed += r.Elapsed
		out.Sent += r.Sent
		out.Errors += r.Errors
		if out.FirstError == "" {
			out.FirstError = r.FirstError
		}
		out.RequestsPerEndpoint = addInts(out.RequestsPerEndpoint, r.RequestsPerEndpoint)
		out.ErrorsPerEndpoint = addInts(out.ErrorsPerEndpoint, r.ErrorsPerEndpoint)
	}
	out.Summary = Summarize(all, out.Errors, out.Elapsed)
	out.latencies = all
	return out
}

// addInts returns a with b added element by element, extended to b's
// length.
func addInts(a, b []int) []int {
	for len(a) < len(b) {
		a = append(a, 0)
	}
	for i, v := range b {
		a[i] += v
	}
	return a
}

// Run drives targets in a closed loop: o.Concurrency workers each sign and
// send the next request of next as soon as their previous one is answered,
// for o.Warmup and then o.Duration. Worker w sends all its requests to
// targets[w % len(targets)], so that replicas share the load evenly, as
// behind a round-robin load balancer (when the workers are a multiple of the
// targets). Requests sent during the warmup are not measured. A request's latency is the time from handing it to the HTTP
// client until its whole response body has been read; signing it is not
// part of it (but is part of the loop, so it does count against req/s,
// equally for every server). Any status other than 200 is an error.
func Run(ctx context.Context, targets []*Client, next func(i uint64) Request, o RunOptions) Result {
	if len(targets) == 0 {
		return Result{FirstError: "no endpoint to send to"}
	}
	workers := max(1, o.Concurrency)
	var seq atomic.Uint64
	start := time.Now()
	measureFrom := start.Add(o.Warmup)
	deadline := measureFrom.Add(o.Duration)

	type workerResult struct {
		latencies []time.Duration
		errors    int
		firstErr  string
	}
	results := make([]workerResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		c := targets[w%len(targets)]
		// With several targets, an HTTP error names the replica that sent it
		// (a transport error names its URL anyway).
		where := ""
		if len(targets) > 1 {
			where = c.Endpoint() + ": "
		}
		wg.Go(func() {
			r := &results[w]
			var buf bytes.Buffer
			for ctx.Err() == nil {
				if !time.Now().Before(deadline) {
					return
				}
				call := next(seq.Add(1) - 1)
				req, err := c.NewRequest(ctx, call.Op, call.Body)
				var status int
				t0 := time.Now()
				if err == nil {
					status, err = c.Do(req, &buf)
				}
				d := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				r.latencies = append(r.latencies, d)
				if err == nil && status == http.StatusOK {
					continue
				}
				r.errors++
				if r.firstErr == "" {
					if err != nil {
						r.firstErr = err.Error()
					} else {
						r.firstErr = fmt.Sprintf("%sHTTP %d: %s", where, status, Truncate(buf.Bytes(), 300))
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)

	var all []time.Duration
	res := Result{Elapsed: elapsed, Sent: seq.Load()}
	if len(targets) > 1 {
		res.RequestsPerEndpoint = make([]int, len(targets))
		res.ErrorsPerEndpoint = make([]int, len(targets))
	}
	errors := 0
	for w, r := range results {
		all = append(all, r.latencies...)
		errors += r.errors
		if res.RequestsPerEndpoint != nil {
			res.RequestsPerEndpoint[w%len(targets)] += len(r.latencies)
			res.ErrorsPerEndpoint[w%len(targets)] += r.errors
		}
		if res.FirstError == "" {
			res.FirstError = r.firstErr
		}
	}
	res.Summary = Summarize(all, errors, elapsed)
	res.latencies = all
	return res
}
