package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// LoadOptions are the settings of `starling-load run`.
type LoadOptions struct {
	RunOptions
	// Endpoints are the base URLs of Starling's replicas (one or more, see
	// ParseEndpoints), which share one database. The workers take them
	// round-robin; the workload is prepared and probed on the first.
	Endpoints []string
	// Op is the workload: one of Ops.
	Op string
	// Names is K: the names put cycles over, the aggregators describe
	// lists, the filters agg-list and the batches agg-batchget cycle over.
	Names int
	// Aggregator is the aggregator the aggregate workloads read, and Group
	// the GroupByKey of agg-counts.
	Aggregator, Group string
	// AccessKey, Secret and Region sign every request.
	AccessKey, Secret, Region string
	// CeilingExe, if set, is the starling-load binary whose ceiling-server
	// subcommand serves the ceiling that the same load runs against first.
	CeilingExe string
	// Rounds splits the measured time into that many rounds; with a
	// ceiling, each round runs the ceiling and then Starling, so that both
	// see the same drift of a shared machine. Each round has its own warmup.
	// Zero or less means one.
	Rounds int
	// Label is copied into the report, to tell runs apart ("verify").
	Label string
	// Progress receives a line per phase; nil discards them.
	Progress io.Writer
}

// Report is the outcome of `starling-load run`.
type Report struct {
	Label string `json:"label,omitempty"`
	Op    string `json:"op"`
	// Endpoint is the first of Endpoints, which prepared the workload.
	Endpoint string `json:"endpoint"`
	// Endpoints are the replicas the workers were spread over, round-robin.
	Endpoints   []string `json:"endpoints"`
	Concurrency int      `json:"concurrency"`
	DurationS   float64  `json:"duration_s"`
	WarmupS     float64  `json:"warmup_s"`
	Rounds      int      `json:"rounds"`
	Names       int      `json:"names"`
	// Aggregators is how many aggregators each describe returned.
	Aggregators int `json:"aggregators,omitempty"`
	// Aggregator and Group are those of an aggregate workload, and
	// Workload says what it asks for.
	Aggregator string `json:"aggregator,omitempty"`
	Group      string `json:"group,omitempty"`
	Workload   string `json:"workload,omitempty"`
	// ResponseBytes is the size of Starling's answer, which the ceiling
	// server sends too.
	ResponseBytes int     `json:"response_bytes"`
	Ceiling       *Result `json:"ceiling,omitempty"`
	Starling      Result  `json:"starling"`
	// Ratio is Starling's req/s over the ceiling's.
	Ratio float64 `json:"ratio,omitempty"`
	// ServerRSSBytes is the resident memory at the end of the load of the
	// largest replica; ServerRSSBytesPerEndpoint is each one's, in the
	// order of Endpoints.
	ServerRSSBytes            int64   `json:"server_rss_bytes,omitempty"`
	ServerRSSBytesPerEndpoint []int64 `json:"server_rss_bytes_per_endpoint,omitempty"`
	// ServerCPUCores is the CPU all the replicas together used during
	// Starling's rounds (warmups included) over the rounds' wall time;
	// ServerCPUCoresPerEndpoint is each replica's share of it, and
	// ServerCPUPerRequestUS is the total CPU per request sent.
	ServerCPUCores            float64   `json:"server_cpu_cores,omitempty"`
	ServerCPUCoresPerEndpoint []float64 `json:"server_cpu_cores_per_endpoint,omitempty"`
	ServerCPUPerRequestUS     float64   `json:"server_cpu_us_per_req,omitempty"`
	// UpdatesPerCommit and CommitsPerSync describe the SQLite store's group
	// commit during the run (warmup included), summed over the replicas
	// that export it: the average batch, and how many commits one fsync of
	// the log made durable. Zero when nothing was written, and on a server
	// without these metrics (PostgreSQL).
	UpdatesPerCommit float64 `json:"updates_per_commit,omitempty"`
	CommitsPerSync   float64 `json:"commits_per_sync,omitempty"`
	// MetricsError says why the servers' metrics could not be read.
	MetricsError string `json:"metrics_error,omitempty"`
}

// replicaUsage is what one replica's /metrics said over Starling's rounds.
type replicaUsage struct {
	// cpu is the CPU seconds it used during the rounds.
	cpu float64
	// start is its metrics before the first round, end after the last.
	start, end map[string]float64
}

// scrapeAll scrapes every endpoint's /metrics, in order; the error names
// each endpoint that failed.
func scrapeAll(ctx context.Context, hc *http.Client, endpoints []string) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(endpoints))
	var errs []error
	for i, e := range endpoints {
		m, err := Scrape(ctx, hc, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e, err))
		}
		out[i] = m
	}
	return out, errors.Join(errs...)
}

// setServerFigures fills r's server figures from each replica's usage (in
// the order of r.Endpoints) over wall, the total time of Starling's rounds:
// CPU summed over the replicas, RSS per replica and the largest, and the
// store's group commit summed over the replicas that export its counters.
// It needs r.Starling.Sent.
func (r *Report) setServerFigures(usage []replicaUsage, wall time.Duration) {
	if len(usage) == 0 || wall <= 0 {
		return
	}
	r.ServerRSSBytesPerEndpoint = make([]int64, len(usage))
	r.ServerCPUCoresPerEndpoint = make([]float64, len(usage))
	var cpu, commits, updates, syncs float64
	for i, u := range usage {
		rss := int64(u.end[MetricRSS])
		r.ServerRSSBytesPerEndpoint[i] = rss
		r.ServerRSSBytes = max(r.ServerRSSBytes, rss)
		r.ServerCPUCoresPerEndpoint[i] = u.cpu / wall.Seconds()
		cpu += u.cpu
		// Ceiling rounds write nothing, so the counters' change over all
		// rounds is Starling's. A server without them (PostgreSQL) adds
		// nothing.
		commits += counterDelta(u, MetricCommits)
		updates += counterDelta(u, MetricUpdates)
		syncs += counterDelta(u, MetricSyncs)
	}
	r.ServerCPUCores = cpu / wall.Seconds()
	if r.Starling.Sent > 0 {
		r.ServerCPUPerRequestUS = cpu / float64(r.Starling.Sent) * 1e6
	}
	if commits > 0 {
		r.UpdatesPerCommit = updates / commits
		if syncs > 0 {
			r.CommitsPerSync = commits / syncs
		}
	}
}

// counterDelta is how much the counter name grew from u.start to u.end, or
// 0 if either lacks it.
func counterDelta(u replicaUsage, name string) float64 {
	a, ok1 := u.start[name]
	b, ok2 := u.end[name]
	if !ok1 || !ok2 {
		return 0
	}
	return b - a
}

// Load runs `starling-load run`: it prepares the workload on the first of
// o.Endpoints, captures Starling's answer to it, and runs o.Rounds rounds,
// each of the load against a ceiling server sending that answer (if
// o.CeilingExe is set) and then against Starling, its workers spread
// round-robin over o.Endpoints. It pools each target's rounds, and reads
// every replica's resident memory and CPU from its /metrics around
// Starling's rounds.
func Load(ctx context.Context, o LoadOptions) (*Report, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if len(o.Endpoints) == 0 {
		return nil, errors.New("no endpoint")
	}
	hc := NewHTTPClient(o.Concurrency)
	targets := make([]*Client, len(o.Endpoints))
	endpoints := make([]string, len(o.Endpoints))
	for i, e := range o.Endpoints {
		targets[i] = NewClient(e, hc, o.AccessKey, o.Secret, o.Region)
		endpoints[i] = targets[i].Endpoint()
	}
	starling := targets[0]
	var plan *Plan
	var err error
	if IsAggregate(o.Op) {
		plan, err = PrepareAggregate(ctx, starling, AggregateOptions{
			Op: o.Op, Aggregator: o.Aggregator, Group: o.Group, Names: o.Names, Progress: progress,
		})
	} else {
		plan, err = Prepare(ctx, starling, o.Op, o.Names)
	}
	if err != nil {
		return nil, fmt.Errorf("prepare %s on %s: %w", o.Op, starling.Endpoint(), err)
	}
	first := plan.Request(0)
	answer, err := starling.CallOK(ctx, first.Op, first.Body)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", starling.Endpoint(), err)
	}
	rounds := max(1, o.Rounds)
	rep := &Report{
		Label: o.Label, Op: o.Op, Endpoint: starling.Endpoint(), Endpoints: endpoints, Concurrency: o.Concurrency,
		DurationS: o.Duration.Seconds(), WarmupS: o.Warmup.Seconds(), Rounds: rounds, Names: o.Names,
		Aggregators: plan.Aggregators, Workload: plan.Workload, ResponseBytes: len(answer),
	}
	if IsAggregate(o.Op) {
		rep.Aggregator = o.Aggregator
		if o.Op == OpAggCounts {
			rep.Group = o.Group
		}
	}

	var ceiling *Client
	if o.CeilingExe != "" {
		child, err := StartCeiling(ctx, o.CeilingExe, answer)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := child.Stop(); err != nil {
				fmt.Fprintf(progress, "ceiling server: %v\n", err)
			}
		}()
		ceiling = NewClient(child.URL, NewHTTPClient(o.Concurrency), o.AccessKey, o.Secret, o.Region)
	}
	round := o.RunOptions
	round.Duration = o.Duration / time.Duration(rounds)
	var (
		ceilingRuns, starlingRuns []Result
		wall                      time.Duration
		metricsErr                error
		usage                     []replicaUsage // per endpoint, once a round's scrapes all succeeded
	)
	to := endpoints[0]
	if len(endpoints) > 1 {
		to = fmt.Sprintf("%d endpoints", len(endpoints))
	}
	for i := range rounds {
		if ctx.Err() != nil {
			break
		}
		if ceiling != nil {
			fmt.Fprintf(progress, "round %d/%d: ceiling  %s: %s warmup + %s\n", i+1, rounds, ceiling.Endpoint(), round.Warmup, round.Duration)
			ceilingRuns = append(ceilingRuns, Run(ctx, []*Client{ceiling}, plan.Request, round))
		}
		before, berr := scrapeAll(ctx, hc, endpoints)
		fmt.Fprintf(progress, "round %d/%d: starling %s: %s warmup + %s\n", i+1, rounds, to, round.Warmup, round.Duration)
		start := time.Now()
		starlingRuns = append(starlingRuns, Run(ctx, targets, plan.Request, round))
		took := time.Since(start)
		after, aerr := scrapeAll(ctx, hc, endpoints)
		if err := errors.Join(berr, aerr); err != nil {
			metricsErr = err
			continue
		}
		if usage == nil {
			usage = make([]replicaUsage, len(endpoints))
			for j := range usage {
				usage[j].start = before[j]
			}
		}
		for j := range usage {
			usage[j].cpu += after[j][MetricCPU] - before[j][MetricCPU]
			usage[j].end = after[j]
		}
		wall += took
	}
	rep.Starling = Pool(starlingRuns...)
	if ceiling != nil {
		c := Pool(ceilingRuns...)
		rep.Ceiling = &c
	}
	if metricsErr != nil {
		// errors.Join puts each endpoint's error on a line of its own.
		rep.MetricsError = strings.ReplaceAll(metricsErr.Error(), "\n", "; ")
	} else {
		rep.setServerFigures(usage, wall)
	}
	if rep.Ceiling != nil {
		rep.Ratio = Ratio(rep.Starling.ReqPerSec, rep.Ceiling.ReqPerSec)
	}
	return rep, ctx.Err()
}

// WriteText writes the report as a table.
func (r *Report) WriteText(w io.Writer) {
	title := r.Op
	if r.Group != "" {
		title += " by " + r.Group
	}
	if r.Label != "" {
		title += " (" + r.Label + ")"
	}
	fmt.Fprintf(w, "%s: concurrency %d, %gs measured after %gs warmup, K=%d names, keep-alive, %d-byte response",
		title, r.Concurrency, r.DurationS, r.WarmupS, r.Names, r.ResponseBytes)
	if r.Op == OpDescribe {
		fmt.Fprintf(w, ", %d aggregators listed", r.Aggregators)
	}
	if len(r.Endpoints) > 1 {
		fmt.Fprintf(w, ", workers round-robin over %d endpoints", len(r.Endpoints))
	}
	fmt.Fprintln(w)
	if r.Workload != "" {
		fmt.Fprintf(w, "workload: %s\n", r.Workload)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\trequests\terrors\treq/s\tp50\tp99\tp99.9\tmax\t")
	row := func(name string, s Summary) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", name, s.Requests, s.Errors, s.ReqPerSec, s.P50, s.P99, s.P999, s.Max)
	}
	if r.Ceiling != nil {
		row("ceiling", r.Ceiling.Summary)
	}
	row("starling", r.Starling.Summary)
	_ = tw.Flush()
	if r.Ceiling != nil {
		fmt.Fprintf(w, "starling/ceiling: %.1f%% of the ceiling's req/s\n", 100*r.Ratio)
	}
	switch {
	case r.MetricsError != "":
		fmt.Fprintf(w, "server metrics: %s\n", r.MetricsError)
	case len(r.Endpoints) > 1:
		fmt.Fprintf(w, "servers: %d replicas; RSS up to %.1f MB at the end of the load; CPU %.2f cores in total, %.0f µs per request\n",
			len(r.Endpoints), float64(r.ServerRSSBytes)/1e6, r.ServerCPUCores, r.ServerCPUPerRequestUS)
	default:
		fmt.Fprintf(w, "server: RSS %.1f MB at the end of the load; CPU %.2f cores, %.0f µs per request\n",
			float64(r.ServerRSSBytes)/1e6, r.ServerCPUCores, r.ServerCPUPerRequestUS)
	}
	if len(r.Endpoints) > 1 {
		r.writeEndpoints(w)
	}
	if r.MetricsError == "" && r.UpdatesPerCommit > 0 {
		fmt.Fprintf(w, "store: %.1f updates per commit, %.1f commits per fsync\n", r.UpdatesPerCommit, r.CommitsPerSync)
	}
	if r.Ceiling != nil && r.Ceiling.FirstError != "" {
		fmt.Fprintf(w, "first error (ceiling): %s\n", oneLine(r.Ceiling.FirstError))
	}
	if r.Starling.FirstError != "" {
		fmt.Fprintf(w, "first error (starling): %s\n", oneLine(r.Starling.FirstError))
	}
}

// writeEndpoints writes a table of what each endpoint served and used; the
// columns the report lacks (no metrics) show a dash.
func (r *Report) writeEndpoints(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\trequests\tshare\terrors\tRSS MB\tCPU cores\t")
	for i, e := range r.Endpoints {
		req, errs, share := "-", "-", "-"
		if i < len(r.Starling.RequestsPerEndpoint) && i < len(r.Starling.ErrorsPerEndpoint) {
			n := r.Starling.RequestsPerEndpoint[i]
			req, errs = strconv.Itoa(n), strconv.Itoa(r.Starling.ErrorsPerEndpoint[i])
			if r.Starling.Requests > 0 {
				share = fmt.Sprintf("%.1f%%", 100*float64(n)/float64(r.Starling.Requests))
			}
		}
		rss, cpu := "-", "-"
		if i < len(r.ServerRSSBytesPerEndpoint) && i < len(r.ServerCPUCoresPerEndpoint) {
			rss = fmt.Sprintf("%.1f", float64(r.ServerRSSBytesPerEndpoint[i])/1e6)
			cpu = fmt.Sprintf("%.2f", r.ServerCPUCoresPerEndpoint[i])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", e, req, share, errs, rss, cpu)
	}
	_ = tw.Flush()
}

// WriteJSON writes the report as one line of JSON.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
