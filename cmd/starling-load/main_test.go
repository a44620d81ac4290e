package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/loadgen"
)

// TestMain lets the test binary stand in for starling-load when --ceiling
// starts "os.Executable() ceiling-server …" as a child process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == loadgen.CeilingSubcommand {
		main()
		return
	}
	os.Exit(m.Run())
}

// startStarling runs Starling in-process on a loopback port with a fresh
// data directory until the test ends, and returns its URL.
func startStarling(t *testing.T, opts ...func(*config.Config)) string {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	for _, o := range opts {
		o(&cfg)
	}
	url, _ := apptest.Start(t, cfg, app.Options{})
	return url
}

// runCLI runs starling-load with args and returns its standard output.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	if err != nil {
		t.Logf("stderr:\n%s", stderr.String())
	}
	return stdout.String(), err
}

// lastJSON decodes the last line of out, the machine-readable summary.
func lastJSON(t *testing.T, out string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
}

// TestRun_Smoke runs each operation briefly against an in-process Starling
// and a ceiling server (the test binary as a child process) and checks that
// the report is complete and nothing failed. It checks no timings.
func TestRun_Smoke(t *testing.T) {
	url := startStarling(t)
	for _, op := range loadgen.Ops {
		t.Run(op, func(t *testing.T) {
			out, err := runCLI(t, "run", "--endpoint", url, "--op", op, "--concurrency", "4",
				"--duration", "300ms", "--warmup", "50ms", "--names", "5", "--ceiling", "--rounds", "2")
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			for _, want := range []string{"ceiling", "starling", "p99.9", "of the ceiling's req/s", "RSS"} {
				if !strings.Contains(out, want) {
					t.Errorf("report lacks %q:\n%s", want, out)
				}
			}
			var rep loadgen.Report
			lastJSON(t, out, &rep)
			if rep.Ceiling == nil {
				t.Fatalf("report has no ceiling run:\n%s", out)
			}
			for name, r := range map[string]loadgen.Result{"starling": rep.Starling, "ceiling": *rep.Ceiling} {
				if r.Requests == 0 || r.Errors != 0 || r.FirstError != "" || r.ReqPerSec <= 0 {
					t.Errorf("%s: %d requests, %d errors (%q), %.0f req/s; want requests and no errors", name, r.Requests, r.Errors, r.FirstError, r.ReqPerSec)
				}
				if !(r.P50 <= r.P99 && r.P99 <= r.P999 && r.P999 <= r.Max && r.Max > 0) {
					t.Errorf("%s: percentiles out of order: %+v", name, r.Summary)
				}
			}
			if rep.Op != op || rep.Concurrency != 4 || rep.Names != 5 || rep.Rounds != 2 || rep.ResponseBytes < 2 {
				t.Errorf("report settings = %+v", rep)
			}
			if rep.Ratio <= 0 || rep.ServerRSSBytes <= 0 || rep.MetricsError != "" {
				t.Errorf("ratio %v, RSS %d, metrics error %q; want a ratio and the server's RSS", rep.Ratio, rep.ServerRSSBytes, rep.MetricsError)
			}
			if op == loadgen.OpDescribe && rep.Aggregators != 5 {
				t.Errorf("describe listed %d aggregators; want 5", rep.Aggregators)
			}
		})
	}
}

// TestRun_Verify drives a verify-mode Starling with a credentials file the
// credentials command wrote: the right secret gets no errors, a wrong one
// is refused before the load starts.
func TestRun_Verify(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	if _, err := runCLI(t, "credentials", "--out", file, "--secret", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if _, err := credentials.Load(file); err != nil {
		t.Fatalf("the credentials file does not load: %v", err)
	}
	if _, err := runCLI(t, "credentials", "--out", file); err == nil {
		t.Error("credentials overwrote an existing file")
	}
	url := startStarling(t, func(c *config.Config) { c.Auth, c.CredentialsFile = config.AuthVerify, file })

	out, err := runCLI(t, "run", "--endpoint", url, "--op", "put", "--concurrency", "2",
		"--duration", "200ms", "--warmup", "0s", "--names", "3", "--secret", "s3cret", "--label", "verify")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	var rep loadgen.Report
	lastJSON(t, out, &rep)
	if rep.Label != "verify" || rep.Starling.Requests == 0 || rep.Starling.Errors != 0 {
		t.Errorf("verify run: label %q, %d requests, %d errors (%q)", rep.Label, rep.Starling.Requests, rep.Starling.Errors, rep.Starling.FirstError)
	}

	_, err = runCLI(t, "run", "--endpoint", url, "--op", "put", "--duration", "100ms", "--secret", "wrong")
	if err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Errorf("run with a wrong secret: %v; want InvalidSignatureException", err)
	}
}

func TestRun_BadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run", "--op", "delete"},
		{"run", "--concurrency", "0"},
		{"run", "--rounds", "0"},
		{"run", "extra"},
		{"startup"},
		{"credentials"},
	} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("starling-load %q succeeded; want an error", args)
		}
	}
}

// TestStartup measures a few starts of the real binary on a small data
// directory, created on the first call and reused on the second.
func TestStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the starling binary")
	}
	bin := filepath.Join(t.TempDir(), "starling")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/starlingcfg/starling/cmd/starling").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	for i, wantCreated := range []int{7, 0} {
		out, err := runCLI(t, "startup", "--binary", bin, "--data", data, "--aggregators", "7", "--per-account", "3", "--runs", "2")
		if err != nil {
			t.Fatalf("startup %d: %v\n%s", i+1, err, out)
		}
		var rep loadgen.StartupReport
		lastJSON(t, out, &rep)
		if rep.Created != wantCreated || rep.Accounts != 3 || len(rep.Runs) != 2 || rep.FirstListed != 3 {
			t.Errorf("startup %d: created %d, %d accounts, %d runs, first listed %d; want %d, 3, 2, 3",
				i+1, rep.Created, rep.Accounts, len(rep.Runs), rep.FirstListed, wantCreated)
		}
		if s := rep.FirstResponse; !(s.Min > 0 && s.Min <= s.Median && s.Median <= s.Max) || rep.Listening.Min > s.Min {
			t.Errorf("startup %d: first response %+v, listening %+v", i+1, s, rep.Listening)
		}
	}
}
