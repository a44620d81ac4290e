package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseEndpoints(t *testing.T) {
	tests := []struct {
		name    string
		list    string
		want    []string
		wantErr string // a part of the error; "" for success
	}{
		{name: "one", list: "http://127.0.0.1:4566", want: []string{"http://127.0.0.1:4566"}},
		{name: "trailing slash dropped", list: "http://127.0.0.1:4566/", want: []string{"http://127.0.0.1:4566"}},
		{name: "two", list: "http://a:4566,http://b:4566", want: []string{"http://a:4566", "http://b:4566"}},
		{name: "spaces around entries", list: " http://a:4566 ,\thttp://b:4566/ ", want: []string{"http://a:4566", "http://b:4566"}},
		{name: "https and a path prefix", list: "https://lb.example.com/starling", want: []string{"https://lb.example.com/starling"}},
		{name: "empty", list: "", wantErr: "no endpoint"},
		{name: "only spaces", list: "  ", wantErr: "no endpoint"},
		{name: "empty entry in the middle", list: "http://a:1,,http://b:1", wantErr: "endpoint 2 of 3"},
		{name: "trailing comma", list: "http://a:1,", wantErr: "endpoint 2 of 2"},
		{name: "blank entry", list: "http://a:1, ,http://b:1", wantErr: "is empty"},
		{name: "no scheme", list: "127.0.0.1:4566", wantErr: "http:// or https://"},
		{name: "host without scheme", list: "localhost", wantErr: "http:// or https://"},
		{name: "other scheme", list: "ftp://a:21", wantErr: "http:// or https://"},
		{name: "postgres DSN by mistake", list: "postgres://u:p@db:5432/starling", wantErr: "http:// or https://"},
		{name: "no host", list: "http://:4566", wantErr: "no host"},
		{name: "scheme only", list: "http://", wantErr: "no host"},
		{name: "bad port", list: "http://a:port", wantErr: "not a URL"},
		{name: "query", list: "http://a:1/?x=1", wantErr: "query"},
		{name: "fragment", list: "http://a:1#f", wantErr: "fragment"},
		{name: "bad second entry", list: "http://a:1,b:1", wantErr: `endpoint "b:1"`},
		{name: "duplicate", list: "http://a:1,http://b:1,http://a:1/", wantErr: "given twice (entries 1 and 3)"},
		{name: "duplicate differing in case", list: "http://A:1,http://a:1", wantErr: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEndpoints(tt.list)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseEndpoints(%q) = %q, %v; want an error containing %q", tt.list, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseEndpoints(%q) = %q, %v; want %q", tt.list, got, err, tt.want)
			}
		})
	}
}

// countingServer is an httptest server answering every POST like the
// ceiling server and counting them.
type countingServer struct {
	*httptest.Server
	posts atomic.Int64
}

func newCountingServer(t *testing.T) *countingServer {
	t.Helper()
	s := &countingServer{}
	ceiling := CeilingHandler([]byte("{}"))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			s.posts.Add(1)
		}
		ceiling.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// clientsOf returns a client of each server, sharing one HTTP client.
func clientsOf(servers []*countingServer, conns int) []*Client {
	hc := NewHTTPClient(conns)
	out := make([]*Client, len(servers))
	for i, s := range servers {
		out[i] = NewClient(s.URL, hc, "111111111111", "x", "us-east-1")
	}
	return out
}

func putRequest(uint64) Request { return Request{Op: apiPut, Body: PutBody(AggregatorName(0))} }

// runPooled runs short loads of putRequest over targets and pools them,
// until they add up to at least enough requests or 3 s have passed: a slow
// or loaded machine gets more rounds rather than too few requests to judge.
func runPooled(targets []*Client, workers, enough int) Result {
	var runs []Result
	deadline := time.Now().Add(3 * time.Second)
	for {
		runs = append(runs, Run(context.Background(), targets, putRequest,
			RunOptions{Concurrency: workers, Duration: 100 * time.Millisecond}))
		if p := Pool(runs...); p.Requests >= enough || time.Now().After(deadline) {
			return p
		}
	}
}

// TestRunSpreadsOverEndpoints runs a short load over two and three servers
// and checks that every request was counted against the right one, that
// each of them got a fair share when the workers are a multiple of them,
// and that a worker keeps to its endpoint (worker w sends to w mod n, so
// with fewer workers than servers the last ones get nothing). It checks
// shares, never throughput, and judges them only over enough requests.
func TestRunSpreadsOverEndpoints(t *testing.T) {
	tests := []struct {
		name      string
		servers   int
		workers   int
		fair      bool  // each server's share within 30–70% (two servers) of the total
		wantEmpty []int // servers no worker maps to
	}{
		{name: "two servers, four workers", servers: 2, workers: 4, fair: true},
		{name: "two servers, eight workers", servers: 2, workers: 8, fair: true},
		{name: "three servers, two workers", servers: 3, workers: 2, wantEmpty: []int{2}},
		{name: "one server", servers: 1, workers: 3},
	}
	const enough = 400 // requests to judge a share by
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			servers := make([]*countingServer, tt.servers)
			for i := range servers {
				servers[i] = newCountingServer(t)
			}
			res := runPooled(clientsOf(servers, tt.workers), tt.workers, enough)
			if res.Errors != 0 || res.Requests == 0 {
				t.Fatalf("%d requests, %d errors (%s); want requests and no errors", res.Requests, res.Errors, res.FirstError)
			}
			per := res.RequestsPerEndpoint
			if tt.servers == 1 {
				if per != nil || res.ErrorsPerEndpoint != nil {
					t.Errorf("per endpoint of one target: requests %v, errors %v; want none", per, res.ErrorsPerEndpoint)
				}
				per = []int{res.Requests}
			} else if len(per) != tt.servers || len(res.ErrorsPerEndpoint) != tt.servers {
				t.Fatalf("per endpoint: requests %v, errors %v; want %d entries each", per, res.ErrorsPerEndpoint, tt.servers)
			}
			judge := tt.fair && res.Requests >= enough/2
			if tt.fair && !judge {
				t.Logf("only %d requests in 3 s: too few to judge the shares", res.Requests)
			}
			sum := 0
			for i, s := range servers {
				// Without a warmup every request sent is measured, and Run
				// returns only once each has been answered.
				got := int(s.posts.Load())
				if got != per[i] {
					t.Errorf("server %d counted %d requests; the result says %d", i, got, per[i])
				}
				sum += got
				share := float64(got) / float64(res.Requests)
				// Each server has half the workers; the shares follow the
				// servers' speeds too, which a busy machine (the race
				// detector, parallel packages) makes unequal: 67% was seen.
				if judge && (share < 0.3 || share > 0.7) {
					t.Errorf("server %d got %d of %d requests (%.0f%%); want a fair share (30–70%%)", i, got, res.Requests, 100*share)
				}
				if empty := slices.Contains(tt.wantEmpty, i); empty != (got == 0) {
					t.Errorf("server %d got %d requests; want none: %v", i, got, empty)
				}
			}
			if sum != res.Requests || uint64(sum) != res.Sent {
				t.Errorf("servers counted %d requests; the result says %d measured, %d sent", sum, res.Requests, res.Sent)
			}
		})
	}
}

// TestRunFirstErrorNamesEndpoint checks that with several endpoints an
// HTTP error says which replica answered it.
func TestRunFirstErrorNamesEndpoint(t *testing.T) {
	good := newCountingServer(t)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"__type":"ServiceUnavailable"}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(bad.Close)
	hc := NewHTTPClient(2)
	targets := []*Client{NewClient(good.URL, hc, "k", "x", "us-east-1"), NewClient(bad.URL, hc, "k", "x", "us-east-1")}
	res := runPooled(targets, 2, 20)
	if res.ErrorsPerEndpoint[0] != 0 || res.ErrorsPerEndpoint[1] == 0 || res.ErrorsPerEndpoint[1] != res.RequestsPerEndpoint[1] {
		t.Errorf("errors per endpoint %v of %v; want none on the first, all on the second", res.ErrorsPerEndpoint, res.RequestsPerEndpoint)
	}
	if want := bad.URL + ": HTTP 503"; !strings.HasPrefix(res.FirstError, want) {
		t.Errorf("first error %q; want it to start with %q", res.FirstError, want)
	}
}

func TestRunNoTargets(t *testing.T) {
	res := Run(context.Background(), nil, putRequest, RunOptions{Concurrency: 1, Duration: time.Millisecond})
	if res.FirstError == "" || res.Requests != 0 {
		t.Errorf("Run without targets = %+v; want an error and no requests", res)
	}
}

func TestPoolPerEndpoint(t *testing.T) {
	a := Result{RequestsPerEndpoint: []int{3, 4}, ErrorsPerEndpoint: []int{0, 1}}
	b := Result{RequestsPerEndpoint: []int{5, 6}, ErrorsPerEndpoint: []int{2, 0}}
	got := Pool(a, b)
	if !slices.Equal(got.RequestsPerEndpoint, []int{8, 10}) || !slices.Equal(got.ErrorsPerEndpoint, []int{2, 1}) {
		t.Errorf("Pool per endpoint: requests %v, errors %v; want [8 10], [2 1]", got.RequestsPerEndpoint, got.ErrorsPerEndpoint)
	}
	if got := Pool(); got.RequestsPerEndpoint != nil {
		t.Errorf("Pool() requests per endpoint = %v; want none", got.RequestsPerEndpoint)
	}
}

func TestSetServerFigures(t *testing.T) {
	sqlite := func(rss, commits, updates, syncs float64) map[string]float64 {
		return map[string]float64{MetricRSS: rss, MetricCommits: commits, MetricUpdates: updates, MetricSyncs: syncs}
	}
	postgres := func(rss float64) map[string]float64 { return map[string]float64{MetricRSS: rss} }
	tests := []struct {
		name         string
		usage        []replicaUsage
		wall         time.Duration
		sent         uint64
		wantRSS      int64
		wantRSSEach  []int64
		wantCores    float64
		wantEach     []float64
		wantPerReqUS float64
		wantUPC      float64 // updates per commit
		wantCPS      float64 // commits per sync
	}{
		{
			name:  "one SQLite server",
			usage: []replicaUsage{{cpu: 1.5, start: sqlite(10e6, 100, 300, 10), end: sqlite(20e6, 200, 700, 30)}},
			wall:  3 * time.Second, sent: 15000,
			wantRSS: 20e6, wantRSSEach: []int64{20e6},
			wantCores: 0.5, wantEach: []float64{0.5}, wantPerReqUS: 100,
			wantUPC: 4, wantCPS: 5,
		},
		{
			name: "two PostgreSQL replicas: CPU summed, RSS the largest, no store metrics",
			usage: []replicaUsage{
				{cpu: 1, start: postgres(30e6), end: postgres(40e6)},
				{cpu: 3, start: postgres(50e6), end: postgres(35e6)},
			},
			wall: 2 * time.Second, sent: 40000,
			wantRSS: 40e6, wantRSSEach: []int64{40e6, 35e6},
			wantCores: 2, wantEach: []float64{0.5, 1.5}, wantPerReqUS: 100,
		},
		{
			name: "three replicas, RSS largest on the last",
			usage: []replicaUsage{
				{cpu: 0.5, start: postgres(1), end: postgres(10e6)},
				{cpu: 0.5, start: postgres(1), end: postgres(20e6)},
				{cpu: 1, start: postgres(1), end: postgres(30e6)},
			},
			wall: time.Second, sent: 0,
			wantRSS: 30e6, wantRSSEach: []int64{10e6, 20e6, 30e6},
			wantCores: 2, wantEach: []float64{0.5, 0.5, 1},
		},
		{
			name: "store metrics summed over the replicas that have them",
			usage: []replicaUsage{
				{cpu: 1, start: sqlite(1, 0, 0, 0), end: sqlite(1, 10, 60, 5)},
				{cpu: 1, start: postgres(1), end: postgres(1)},
				{cpu: 1, start: sqlite(1, 10, 10, 10), end: sqlite(1, 40, 100, 15)},
			},
			wall: time.Second, sent: 3000,
			wantRSS: 1, wantRSSEach: []int64{1, 1, 1},
			wantCores: 3, wantEach: []float64{1, 1, 1}, wantPerReqUS: 1000,
			wantUPC: 150.0 / 40, wantCPS: 40.0 / 10,
		},
		{
			name:  "nothing written",
			usage: []replicaUsage{{cpu: 1, start: sqlite(1, 5, 5, 5), end: sqlite(1, 5, 5, 5)}},
			wall:  time.Second, sent: 10,
			wantRSS: 1, wantRSSEach: []int64{1},
			wantCores: 1, wantEach: []float64{1}, wantPerReqUS: 1e5,
		},
		{
			name:  "commits but the sync counter missing",
			usage: []replicaUsage{{cpu: 1, start: map[string]float64{MetricCommits: 0, MetricUpdates: 0}, end: map[string]float64{MetricCommits: 2, MetricUpdates: 8}}},
			wall:  time.Second, sent: 10,
			wantRSSEach: []int64{0},
			wantCores:   1, wantEach: []float64{1}, wantPerReqUS: 1e5,
			wantUPC: 4,
		},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Starling: Result{Sent: tt.sent}}
			r.setServerFigures(tt.usage, tt.wall)
			if r.ServerRSSBytes != tt.wantRSS || !slices.Equal(r.ServerRSSBytesPerEndpoint, tt.wantRSSEach) {
				t.Errorf("RSS %d, per endpoint %v; want %d, %v", r.ServerRSSBytes, r.ServerRSSBytesPerEndpoint, tt.wantRSS, tt.wantRSSEach)
			}
			if !near(r.ServerCPUCores, tt.wantCores) || !slices.EqualFunc(r.ServerCPUCoresPerEndpoint, tt.wantEach, near) {
				t.Errorf("CPU %v cores, per endpoint %v; want %v, %v", r.ServerCPUCores, r.ServerCPUCoresPerEndpoint, tt.wantCores, tt.wantEach)
			}
			if !near(r.ServerCPUPerRequestUS, tt.wantPerReqUS) {
				t.Errorf("CPU per request %v µs; want %v", r.ServerCPUPerRequestUS, tt.wantPerReqUS)
			}
			if !near(r.UpdatesPerCommit, tt.wantUPC) || !near(r.CommitsPerSync, tt.wantCPS) {
				t.Errorf("updates per commit %v, commits per sync %v; want %v, %v", r.UpdatesPerCommit, r.CommitsPerSync, tt.wantUPC, tt.wantCPS)
			}
		})
	}
	t.Run("no usage", func(t *testing.T) {
		r := &Report{}
		r.setServerFigures(nil, time.Second)
		if r.ServerRSSBytesPerEndpoint != nil || r.ServerCPUCores != 0 {
			t.Errorf("figures without usage: %+v", r)
		}
	})
}

// fakeReplica is an httptest server standing in for one Starling replica:
// it answers every POST like the ceiling server, and /metrics with process
// metrics whose CPU grows by cpuStep on every scrape; withStore adds the
// SQLite store's counters.
type fakeReplica struct {
	*httptest.Server
	posts   atomic.Int64
	scrapes atomic.Int64
}

func newFakeReplica(t *testing.T, rss, cpuStep float64, withStore, metricsFail bool) *fakeReplica {
	t.Helper()
	f := &fakeReplica{}
	ceiling := CeilingHandler([]byte("{}"))
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			f.posts.Add(1)
			ceiling.ServeHTTP(w, r)
			return
		}
		if metricsFail {
			http.NotFound(w, r)
			return
		}
		n := f.scrapes.Add(1)
		fmt.Fprintf(w, "# TYPE %s gauge\n%s %g\n%s %g\n", MetricRSS, MetricRSS, rss, MetricCPU, float64(n)*cpuStep)
		if withStore {
			fmt.Fprintf(w, "%s %d\n%s %d\n%s %d\n", MetricCommits, 10*n, MetricUpdates, 30*n, MetricSyncs, 5*n)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// TestLoadOverReplicas runs Load over fake replicas and checks what went
// where and the report's per-endpoint and summed figures.
func TestLoadOverReplicas(t *testing.T) {
	const names = 3
	// Preparing describe puts the names and describes once, and the probe
	// sends one more: all to the first endpoint.
	const prepared = names + 2
	opts := func(endpoints ...string) LoadOptions {
		return LoadOptions{
			RunOptions: RunOptions{Concurrency: 4, Duration: 200 * time.Millisecond},
			Endpoints:  endpoints, Op: OpDescribe, Names: names, AccessKey: "111111111111", Secret: "x", Region: "us-east-1",
		}
	}

	t.Run("two replicas, one without store metrics", func(t *testing.T) {
		a := newFakeReplica(t, 30e6, 0.4, true, false)
		b := newFakeReplica(t, 50e6, 0.2, false, false)
		rep, err := Load(context.Background(), opts(a.URL+"/", b.URL))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if rep.Endpoint != a.URL || !slices.Equal(rep.Endpoints, []string{a.URL, b.URL}) {
			t.Errorf("endpoint %q, endpoints %q; want %q, [%q %q]", rep.Endpoint, rep.Endpoints, a.URL, a.URL, b.URL)
		}
		if rep.MetricsError != "" || rep.Starling.Errors != 0 {
			t.Fatalf("metrics error %q, %d errors (%s)", rep.MetricsError, rep.Starling.Errors, rep.Starling.FirstError)
		}
		per := rep.Starling.RequestsPerEndpoint
		if len(per) != 2 || int(a.posts.Load()) != prepared+per[0] || int(b.posts.Load()) != per[1] {
			t.Errorf("servers got %d and %d requests, the report says %v; want the first to get %d more (prepare and probe)",
				a.posts.Load(), b.posts.Load(), per, prepared)
		}
		if rep.ServerRSSBytes != 50e6 || !slices.Equal(rep.ServerRSSBytesPerEndpoint, []int64{30e6, 50e6}) {
			t.Errorf("RSS %d, per endpoint %v; want the largest, 50e6, of [30e6 50e6]", rep.ServerRSSBytes, rep.ServerRSSBytesPerEndpoint)
		}
		// One round: each replica is scraped once before and once after,
		// so their CPU is 0.4 s and 0.2 s.
		each := rep.ServerCPUCoresPerEndpoint
		if len(each) != 2 || math.Abs(each[0]-2*each[1]) > 1e-9 || math.Abs(rep.ServerCPUCores-(each[0]+each[1])) > 1e-9 {
			t.Errorf("CPU %v cores, per endpoint %v; want the sum of a share twice the other's", rep.ServerCPUCores, each)
		}
		if want := 0.6 / float64(rep.Starling.Sent) * 1e6; math.Abs(rep.ServerCPUPerRequestUS-want) > 1e-6 {
			t.Errorf("CPU per request %v µs; want %v (0.6 s over %d requests)", rep.ServerCPUPerRequestUS, want, rep.Starling.Sent)
		}
		if rep.UpdatesPerCommit != 3 || rep.CommitsPerSync != 2 {
			t.Errorf("updates per commit %v, commits per sync %v; want 3, 2 (of the first replica only)", rep.UpdatesPerCommit, rep.CommitsPerSync)
		}
		var text bytes.Buffer
		rep.WriteText(&text)
		for _, want := range []string{"round-robin over 2 endpoints", "2 replicas", "RSS up to 50.0 MB", a.URL, b.URL, "30.0", "50.0", "share"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, text.String())
			}
		}
	})

	t.Run("PostgreSQL replicas without store metrics", func(t *testing.T) {
		a := newFakeReplica(t, 1e6, 0.1, false, false)
		b := newFakeReplica(t, 2e6, 0.1, false, false)
		rep, err := Load(context.Background(), opts(a.URL, b.URL))
		if err != nil || rep.MetricsError != "" {
			t.Fatalf("Load: %v, metrics error %q", err, rep.MetricsError)
		}
		if rep.UpdatesPerCommit != 0 || rep.CommitsPerSync != 0 || rep.ServerCPUCores <= 0 {
			t.Errorf("updates per commit %v, commits per sync %v, CPU %v; want 0, 0 and some CPU", rep.UpdatesPerCommit, rep.CommitsPerSync, rep.ServerCPUCores)
		}
		var text bytes.Buffer
		rep.WriteText(&text)
		if strings.Contains(text.String(), "store:") {
			t.Errorf("text has a store line without store metrics:\n%s", text.String())
		}
	})

	t.Run("metrics of one replica unreadable", func(t *testing.T) {
		a := newFakeReplica(t, 1e6, 0.1, false, false)
		b := newFakeReplica(t, 2e6, 0.1, false, true)
		rep, err := Load(context.Background(), opts(a.URL, b.URL))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if !strings.Contains(rep.MetricsError, b.URL) || strings.Contains(rep.MetricsError, a.URL) || strings.Contains(rep.MetricsError, "\n") {
			t.Errorf("metrics error %q; want one line naming %s only", rep.MetricsError, b.URL)
		}
		if rep.ServerRSSBytes != 0 || rep.ServerRSSBytesPerEndpoint != nil || rep.ServerCPUCores != 0 {
			t.Errorf("server figures despite the error: RSS %d %v, CPU %v", rep.ServerRSSBytes, rep.ServerRSSBytesPerEndpoint, rep.ServerCPUCores)
		}
		var text bytes.Buffer
		rep.WriteText(&text)
		for _, want := range []string{"server metrics:", b.URL + "  "} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, text.String())
			}
		}
	})

	t.Run("no endpoint", func(t *testing.T) {
		if _, err := Load(context.Background(), opts()); err == nil {
			t.Error("Load without endpoints succeeded")
		}
	})
}
