package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// StartupOptions are the settings of `starling-load startup`.
type StartupOptions struct {
	// Binary is the starling binary.
	Binary string
	// DataDir is the data directory of a server on SQLite (serve --data);
	// Store the DSN of the PostgreSQL database of one on PostgreSQL (serve
	// --store), postgres://user:password@host:5432/dbname. Exactly one of
	// them is set.
	DataDir, Store string
	// Aggregators is how many aggregators DataDir must hold, PerAccount
	// of them in each account (AWS's default quota is 50).
	Aggregators, PerAccount int
	// Runs is how many times the start is measured.
	Runs int
	// Concurrency is how many requests create the aggregators at once.
	Concurrency int
	// Secret and Region sign every request; each account's key is its id.
	Secret, Region string
	// Progress receives a line per phase; nil discards them.
	Progress io.Writer
}

// StartupRun is one measured start.
type StartupRun struct {
	// Listening is the time from exec until the "starling listening" log
	// line was read.
	Listening Millis `json:"listening_ms"`
	// FirstResponse is the time from exec until the first signed
	// DescribeConfigurationAggregators was answered with 200.
	FirstResponse Millis `json:"first_response_ms"`
	// Reported is the startup time the server itself logged.
	Reported Millis `json:"reported_ms"`
}

// StartupReport is the outcome of `starling-load startup`.
type StartupReport struct {
	Binary string `json:"binary"`
	// Backend is the server's storage: BackendSQLite in DataDir, or
	// BackendPostgres in the database of Store (its password masked).
	Backend     string `json:"backend"`
	DataDir     string `json:"data,omitempty"`
	Store       string `json:"store,omitempty"`
	Aggregators int    `json:"aggregators"`
	Accounts    int    `json:"accounts"`
	// Created counts the aggregators created before measuring.
	Created int `json:"created"`
	// FirstListed is how many aggregators the first response listed.
	FirstListed   int          `json:"first_listed"`
	Runs          []StartupRun `json:"runs"`
	FirstResponse Stats        `json:"first_response"`
	Listening     Stats        `json:"listening"`
}

// The storage backends a startup can measure.
const (
	// BackendSQLite is a server keeping its state in SQLite under --data.
	BackendSQLite = "sqlite"
	// BackendPostgres is a server keeping its state in the PostgreSQL
	// database of --store.
	BackendPostgres = "postgres"
)

// Where names the storage the report's server started on, for people: its
// data directory, or its database with the password masked.
func (r *StartupReport) Where() string {
	if r.Backend == BackendPostgres {
		return "PostgreSQL " + r.Store
	}
	return r.DataDir
}

// storage returns the serve flags that choose the server's storage, the
// backend they select and where, for the report; it refuses options that
// set neither or both of DataDir and Store, or a Store that is not a
// PostgreSQL URL.
func (o StartupOptions) storage() (flags []string, backend, where string, err error) {
	switch {
	case (o.DataDir == "") == (o.Store == ""):
		return nil, "", "", errors.New("want exactly one of a data directory (--data) and a PostgreSQL database (--store)")
	case o.Store != "":
		if u, err := url.Parse(o.Store); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, "", "", errors.New("store: want a PostgreSQL URL, postgres://user:password@host:5432/dbname")
		}
		return []string{"--store", o.Store}, BackendPostgres, RedactDSN(o.Store), nil
	default:
		return []string{"--data", o.DataDir}, BackendSQLite, o.DataDir, nil
	}
}

// RedactDSN returns the PostgreSQL URL dsn with its password, in the user
// information or a password parameter, replaced by "xxxxx", for reports and
// logs. A DSN that does not parse as a URL is replaced as a whole.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// StartupAccount is the i-th account holding aggregators: 100000000000+i.
func StartupAccount(i int) string { return strconv.Itoa(100000000000 + i) }

// Startup measures `starling serve` starting on a data directory (or a
// PostgreSQL database) holding o.Aggregators aggregators. If it does not
// hold them yet, it starts the binary once, creates the missing ones and
// stops it with SIGTERM. Then it starts the binary o.Runs times and measures from exec to
// the first successful signed DescribeConfigurationAggregators.
func Startup(ctx context.Context, o StartupOptions) (*StartupReport, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if o.PerAccount < 1 || o.Aggregators < 1 || o.Runs < 1 {
		return nil, errors.New("aggregators, per-account and runs must be at least 1")
	}
	args, backend, where, err := o.storage()
	if err != nil {
		return nil, err
	}
	accounts := (o.Aggregators + o.PerAccount - 1) / o.PerAccount
	if o.PerAccount > 50 {
		args = append(args, "--max-aggregators", strconv.Itoa(o.PerAccount))
	}
	rep := &StartupReport{Binary: o.Binary, Backend: backend, Aggregators: o.Aggregators, Accounts: accounts}
	if backend == BackendPostgres {
		rep.Store = where
	} else {
		rep.DataDir = where
	}

	fmt.Fprintf(progress, "checking %s for %d aggregators in %d accounts\n", rep.Where(), o.Aggregators, accounts)
	srv, err := StartServer(ctx, o.Binary, args...)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	rep.Created, err = populate(ctx, srv.URL, o, accounts)
	if stopErr := srv.Stop(); err == nil && stopErr != nil {
		err = fmt.Errorf("stop after populating: %w", stopErr)
	}
	if err != nil {
		return nil, err
	}
	if rep.Created > 0 {
		fmt.Fprintf(progress, "created %d aggregators in %s\n", rep.Created, time.Since(t0).Round(time.Millisecond))
	}

	var firsts, listens []time.Duration
	for i := range o.Runs {
		run, listed, err := measureStart(ctx, o, args)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Fprintf(progress, "run %d: listening after %s, first response after %s\n", i+1, run.Listening, run.FirstResponse)
		rep.Runs = append(rep.Runs, run)
		rep.FirstListed = listed
		firsts = append(firsts, time.Duration(run.FirstResponse))
		listens = append(listens, time.Duration(run.Listening))
	}
	rep.FirstResponse = MinMedianMax(firsts)
	rep.Listening = MinMedianMax(listens)
	return rep, nil
}

// populate creates the aggregators of o that the server at url lacks and
// returns how many it created: AggregatorName(0..PerAccount-1) in each of
// the accounts, the last account holding the remainder.
func populate(ctx context.Context, url string, o StartupOptions, accounts int) (int, error) {
	hc := NewHTTPClient(o.Concurrency)
	base := NewClient(url, hc, "", o.Secret, o.Region)
	type job struct {
		account string
		name    string
	}
	jobs := make(chan job)
	var (
		mu       sync.Mutex
		created  int
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	var wg sync.WaitGroup
	for range max(1, o.Concurrency) {
		wg.Go(func() {
			for j := range jobs {
				if _, err := base.WithAccessKey(j.account).CallOK(ctx, apiPut, PutBody(j.name)); err != nil {
					fail(fmt.Errorf("account %s: %w", j.account, err))
					continue
				}
				mu.Lock()
				created++
				mu.Unlock()
			}
		})
	}
	var err error
	for a := 0; a < accounts && err == nil; a++ {
		acct := StartupAccount(a)
		want := min(o.PerAccount, o.Aggregators-a*o.PerAccount)
		var have map[string]bool
		if have, err = listNames(ctx, base.WithAccessKey(acct)); err != nil {
			break
		}
		for i := range want {
			if name := AggregatorName(i); !have[name] {
				jobs <- job{acct, name}
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		err = firstErr
	}
	return created, err
}

// listNames returns the names of all the caller's aggregators.
func listNames(ctx context.Context, c *Client) (map[string]bool, error) {
	names := map[string]bool{}
	token := ""
	for {
		body := []byte("{}")
		if token != "" {
			body, _ = json.Marshal(map[string]string{"NextToken": token})
		}
		resp, err := c.CallOK(ctx, apiDescribe, body)
		if err != nil {
			return nil, err
		}
		var out describeOutput
		if err := json.Unmarshal(resp, &out); err != nil {
			return nil, fmt.Errorf("%s: decode response: %w", apiDescribe, err)
		}
		for _, a := range out.ConfigurationAggregators {
			names[a.ConfigurationAggregatorName] = true
		}
		if token = out.NextToken; token == "" {
			return names, nil
		}
	}
}

// measureStart starts the binary once with the serve flags args and times
// it; it also returns how many aggregators the first response listed.
func measureStart(ctx context.Context, o StartupOptions, args []string) (StartupRun, int, error) {
	start := time.Now()
	srv, err := StartServer(ctx, o.Binary, args...)
	if err != nil {
		return StartupRun{}, 0, err
	}
	defer srv.Stop()
	run := StartupRun{Listening: Millis(srv.ListeningAt.Sub(start)), Reported: Millis(srv.Reported)}
	// A fresh client, so the first request pays for its connection too.
	c := NewClient(srv.URL, NewHTTPClient(1), StartupAccount(0), o.Secret, o.Region)
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, resp, err := c.Call(ctx, apiDescribe, []byte("{}"))
		if err == nil && status == http.StatusOK {
			run.FirstResponse = Millis(time.Since(start))
			var out describeOutput
			_ = json.Unmarshal(resp, &out)
			return run, len(out.ConfigurationAggregators), srv.Stop()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("HTTP %d: %s", status, Truncate(resp, 300))
			}
			return run, 0, fmt.Errorf("no successful response within 30s: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// Server is a starling binary running as a child process.
type Server struct {
	// URL is the base URL it listens on.
	URL string
	// ListeningAt is when its "starling listening" log line was read.
	ListeningAt time.Time
	// Reported is the startup time the log line states.
	Reported time.Duration

	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// StartServer runs `binary serve --addr 127.0.0.1:0 --log-format json`
// plus args, which choose its storage (--data DIR or --store DSN) and any
// other settings, and waits for its "starling listening" log line. The rest
// of its log is read and dropped.
func StartServer(ctx context.Context, binary string, args ...string) (*Server, error) {
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	s := &Server{cmd: cmd, exited: make(chan struct{})}
	type listening struct {
		at   time.Time
		line startLine
	}
	ready := make(chan listening, 1)
	var lastLines []string
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			if found {
				continue
			}
			var line startLine
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "starling listening" {
				found = true
				ready <- listening{time.Now(), line}
				continue
			}
			lastLines = append(lastLines[max(0, len(lastLines)-4):], sc.Text())
		}
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	select {
	case l := <-ready:
		s.URL, s.ListeningAt, s.Reported = "http://"+l.line.Addr, l.at, time.Duration(l.line.Startup)
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("%s exited before listening (%v): %q", binary, s.waitErr, lastLines)
	case <-ctx.Done():
	case <-time.After(60 * time.Second):
	}
	_ = s.Stop()
	return nil, fmt.Errorf("%s did not log \"starling listening\" within 60s", binary)
}

// startLine is the part of the "starling listening" log line the tool
// reads; slog's JSON handler writes durations in nanoseconds.
type startLine struct {
	Msg     string  `json:"msg"`
	Addr    string  `json:"addr"`
	Startup float64 `json:"startup"`
}

// Stop sends SIGTERM and waits for the server to exit (SIGKILL after
// 30 s); it reports an exit status other than 0. Later calls return the
// first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
			s.stopErr = s.waitErr
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = errors.New("killed after ignoring SIGTERM for 30s")
		}
	})
	return s.stopErr
}
