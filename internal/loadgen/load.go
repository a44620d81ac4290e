package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// LoadOptions are the settings of `starling-load run`.
type LoadOptions struct {
	RunOptions
	// Endpoint is Starling's base URL.
	Endpoint string
	// Op is the workload: OpPut, OpDescribe or OpTag.
	Op string
	// Names is K: the names put cycles over, the aggregators describe
	// lists.
	Names int
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
	Label       string  `json:"label,omitempty"`
	Op          string  `json:"op"`
	Endpoint    string  `json:"endpoint"`
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s"`
	WarmupS     float64 `json:"warmup_s"`
	Rounds      int     `json:"rounds"`
	Names       int     `json:"names"`
	// Aggregators is how many aggregators each describe returned.
	Aggregators int `json:"aggregators,omitempty"`
	// ResponseBytes is the size of Starling's answer, which the ceiling
	// server sends too.
	ResponseBytes int     `json:"response_bytes"`
	Ceiling       *Result `json:"ceiling,omitempty"`
	Starling      Result  `json:"starling"`
	// Ratio is Starling's req/s over the ceiling's.
	Ratio float64 `json:"ratio,omitempty"`
	// ServerRSSBytes is Starling's resident memory at the end of the load.
	ServerRSSBytes int64 `json:"server_rss_bytes,omitempty"`
	// ServerCPUCores is the CPU Starling used during its run (warmup
	// included) over the run's wall time; ServerCPUPerRequestUS is that CPU
	// per request sent.
	ServerCPUCores        float64 `json:"server_cpu_cores,omitempty"`
	ServerCPUPerRequestUS float64 `json:"server_cpu_us_per_req,omitempty"`
	// UpdatesPerCommit and CommitsPerSync describe the store's group commit
	// during the run (warmup included): the average batch, and how many
	// commits one fsync of the log made durable. Zero when nothing was
	// written.
	UpdatesPerCommit float64 `json:"updates_per_commit,omitempty"`
	CommitsPerSync   float64 `json:"commits_per_sync,omitempty"`
	// MetricsError says why the server's metrics could not be read.
	MetricsError string `json:"metrics_error,omitempty"`
}

// Load runs `starling-load run`: it prepares the workload on Starling,
// captures Starling's answer to it, and runs o.Rounds rounds, each of the
// load against a ceiling server sending that answer (if o.CeilingExe is set)
// and then against Starling. It pools each target's rounds, and reads
// Starling's resident memory and CPU from its /metrics around its rounds.
func Load(ctx context.Context, o LoadOptions) (*Report, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	hc := NewHTTPClient(o.Concurrency)
	starling := NewClient(o.Endpoint, hc, o.AccessKey, o.Secret, o.Region)
	plan, err := Prepare(ctx, starling, o.Op, o.Names)
	if err != nil {
		return nil, fmt.Errorf("prepare %s on %s: %w", o.Op, o.Endpoint, err)
	}
	first := plan.Request(0)
	answer, err := starling.CallOK(ctx, first.Op, first.Body)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", o.Endpoint, err)
	}
	rounds := max(1, o.Rounds)
	rep := &Report{
		Label: o.Label, Op: o.Op, Endpoint: starling.Endpoint(), Concurrency: o.Concurrency,
		DurationS: o.Duration.Seconds(), WarmupS: o.Warmup.Seconds(), Rounds: rounds, Names: o.Names,
		Aggregators: plan.Aggregators, ResponseBytes: len(answer),
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
		cpu                       float64
		wall                      time.Duration
		metricsErr                error
		startM, endM              map[string]float64
	)
	for i := range rounds {
		if ctx.Err() != nil {
			break
		}
		if ceiling != nil {
			fmt.Fprintf(progress, "round %d/%d: ceiling  %s: %s warmup + %s\n", i+1, rounds, ceiling.Endpoint(), round.Warmup, round.Duration)
			ceilingRuns = append(ceilingRuns, Run(ctx, ceiling, plan.Request, round))
		}
		before, berr := Scrape(ctx, hc, o.Endpoint)
		fmt.Fprintf(progress, "round %d/%d: starling %s: %s warmup + %s\n", i+1, rounds, starling.Endpoint(), round.Warmup, round.Duration)
		start := time.Now()
		starlingRuns = append(starlingRuns, Run(ctx, starling, plan.Request, round))
		took := time.Since(start)
		after, aerr := Scrape(ctx, hc, o.Endpoint)
		if err := errors.Join(berr, aerr); err != nil {
			metricsErr = err
			continue
		}
		cpu += after[MetricCPU] - before[MetricCPU]
		wall += took
		if startM == nil {
			startM = before
		}
		endM = after
	}
	rep.Starling = Pool(starlingRuns...)
	if ceiling != nil {
		c := Pool(ceilingRuns...)
		rep.Ceiling = &c
	}
	if metricsErr != nil {
		rep.MetricsError = metricsErr.Error()
	} else if endM != nil {
		rep.ServerRSSBytes = int64(endM[MetricRSS])
		rep.ServerCPUCores = cpu / wall.Seconds()
		if rep.Starling.Sent > 0 {
			rep.ServerCPUPerRequestUS = cpu / float64(rep.Starling.Sent) * 1e6
		}
		// Ceiling rounds write nothing, so the counters' change over all
		// rounds is Starling's.
		delta := func(name string) float64 { return endM[name] - startM[name] }
		if c := delta(MetricCommits); c > 0 {
			rep.UpdatesPerCommit = delta(MetricUpdates) / c
			if n := delta(MetricSyncs); n > 0 {
				rep.CommitsPerSync = c / n
			}
		}
	}
	if rep.Ceiling != nil {
		rep.Ratio = Ratio(rep.Starling.ReqPerSec, rep.Ceiling.ReqPerSec)
	}
	return rep, ctx.Err()
}

// WriteText writes the report as a table.
func (r *Report) WriteText(w io.Writer) {
	title := r.Op
	if r.Label != "" {
		title += " (" + r.Label + ")"
	}
	fmt.Fprintf(w, "%s: concurrency %d, %gs measured after %gs warmup, K=%d names, keep-alive, %d-byte response",
		title, r.Concurrency, r.DurationS, r.WarmupS, r.Names, r.ResponseBytes)
	if r.Op == OpDescribe {
		fmt.Fprintf(w, ", %d aggregators listed", r.Aggregators)
	}
	fmt.Fprintln(w)
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
	if r.MetricsError != "" {
		fmt.Fprintf(w, "server metrics: %s\n", r.MetricsError)
	} else {
		fmt.Fprintf(w, "server: RSS %.1f MB at the end of the load; CPU %.2f cores, %.0f µs per request\n",
			float64(r.ServerRSSBytes)/1e6, r.ServerCPUCores, r.ServerCPUPerRequestUS)
		if r.UpdatesPerCommit > 0 {
			fmt.Fprintf(w, "store: %.1f updates per commit, %.1f commits per fsync\n", r.UpdatesPerCommit, r.CommitsPerSync)
		}
	}
	if r.Ceiling != nil && r.Ceiling.FirstError != "" {
		fmt.Fprintf(w, "first error (ceiling): %s\n", oneLine(r.Ceiling.FirstError))
	}
	if r.Starling.FirstError != "" {
		fmt.Fprintf(w, "first error (starling): %s\n", oneLine(r.Starling.FirstError))
	}
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
