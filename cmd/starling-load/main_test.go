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
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
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

// seedAggregator records instances in account 000000000000 in us-east-1
// and creates there the aggregator the agg-* operations read by default,
// over that account and region.
func seedAggregator(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	c := loadgen.NewClient(url, loadgen.NewHTTPClient(1), loadgen.AggregatorAccount, "x", "us-east-1")
	if _, err := loadgen.Prepare(ctx, c, loadgen.OpBatchGet, 30); err != nil { // records 30 instances
		t.Fatal(err)
	}
	for _, call := range []struct{ op, body string }{
		{"PutAggregationAuthorization", `{"AuthorizedAccountId":"000000000000","AuthorizedAwsRegion":"us-east-1"}`},
		{"PutConfigurationAggregator", `{"ConfigurationAggregatorName":"` + loadgen.DefaultAggregator + `",` +
			`"AccountAggregationSources":[{"AccountIds":["000000000000"],"AwsRegions":["us-east-1"]}]}`},
		// A rule, which evaluates the instances: the agg-compliance-* reads.
		{"PutConfigRule", `{"ConfigRule":{"ConfigRuleName":"no-public-ip","Source":{"Owner":"AWS","SourceIdentifier":"EC2_INSTANCE_NO_PUBLIC_IP"}}}`},
		// A conformance pack of another rule: the agg-pack-* reads.
		{"PutConformancePack", `{"ConformancePackName":"load-pack","TemplateBody":"Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n` +
			`    Properties:\n      ConfigRuleName: pack-no-public-ip\n      Source: {Owner: AWS, SourceIdentifier: EC2_INSTANCE_NO_PUBLIC_IP}\n"}`},
	} {
		if _, err := c.CallOK(ctx, call.op, []byte(call.body)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRun_Smoke runs each operation briefly against an in-process Starling
// and a ceiling server (the test binary as a child process) and checks that
// the report is complete and nothing failed. It checks no timings. The
// agg-* operations read the default aggregator, signed by default as its
// owner.
func TestRun_Smoke(t *testing.T) {
	url := startStarling(t)
	seedAggregator(t, url)
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
			if agg := loadgen.IsAggregate(op); agg != (rep.Aggregator == loadgen.DefaultAggregator) || agg != (rep.Workload != "") ||
				agg != strings.Contains(out, "workload: ") {
				t.Errorf("aggregator %q, workload %q; want them (and a workload line) for the agg-* operations only", rep.Aggregator, rep.Workload)
			}
			if op == loadgen.OpAggCounts && (rep.Group != loadgen.GroupResourceType || !strings.Contains(out, "agg-counts by RESOURCE_TYPE")) {
				t.Errorf("agg-counts: group %q; want RESOURCE_TYPE, named in the title", rep.Group)
			}
		})
	}
}

// TestRun_AggregateCounts runs agg-counts by each GroupByKey, and checks
// that signing as another account than the aggregator's is refused before
// the load starts.
func TestRun_AggregateCounts(t *testing.T) {
	url := startStarling(t)
	seedAggregator(t, url)
	for _, g := range loadgen.Groups {
		out, err := runCLI(t, "run", "--endpoint", url, "--op", loadgen.OpAggCounts, "--group", g, "--concurrency", "1",
			"--duration", "100ms", "--warmup", "0s")
		if err != nil {
			t.Fatalf("--group %s: %v\n%s", g, err, out)
		}
		var rep loadgen.Report
		lastJSON(t, out, &rep)
		if rep.Group != g || rep.Starling.Requests == 0 || rep.Starling.Errors != 0 || !strings.Contains(rep.Workload, "by "+g+": 1 groups, 30 resources") {
			t.Errorf("--group %s: group %q, workload %q, %d requests, %d errors (%s)", g, rep.Group, rep.Workload,
				rep.Starling.Requests, rep.Starling.Errors, rep.Starling.FirstError)
		}
	}
	_, err := runCLI(t, "run", "--endpoint", url, "--op", loadgen.OpAggList, "--access-key", "111111111111", "--duration", "100ms")
	if err == nil || !strings.Contains(err.Error(), "NoSuchConfigurationAggregatorException") {
		t.Errorf("agg-list as 111111111111: %v; want NoSuchConfigurationAggregatorException", err)
	}
}

// TestRun_PackSummary runs agg-pack-summary by each GroupByKey it takes,
// and without a group (RESOURCE_TYPE, the default), over the seeded pack.
func TestRun_PackSummary(t *testing.T) {
	url := startStarling(t)
	seedAggregator(t, url)
	for g, want := range map[string]string{
		loadgen.GroupResourceType: "(1 packs) without a group",
		loadgen.GroupAccountID:    "(1 packs) grouped by ACCOUNT_ID",
		loadgen.GroupRegion:       "(1 packs) grouped by AWS_REGION",
	} {
		out, err := runCLI(t, "run", "--endpoint", url, "--op", loadgen.OpAggPackSummary, "--group", g, "--concurrency", "1",
			"--duration", "100ms", "--warmup", "0s")
		if err != nil {
			t.Fatalf("--group %s: %v\n%s", g, err, out)
		}
		var rep loadgen.Report
		lastJSON(t, out, &rep)
		if rep.Starling.Requests == 0 || rep.Starling.Errors != 0 || !strings.Contains(rep.Workload, want) {
			t.Errorf("--group %s: workload %q, %d requests, %d errors (%s); want %q", g, rep.Workload,
				rep.Starling.Requests, rep.Starling.Errors, rep.Starling.FirstError, want)
		}
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
		{"run", "--endpoint", ""},
		{"run", "--endpoint", "http://127.0.0.1:1,,http://127.0.0.1:2"},
		{"run", "--endpoint", "http://127.0.0.1:1,"},
		{"run", "--endpoint", "127.0.0.1:4566"},
		{"run", "--endpoint", "http://127.0.0.1:1,ftp://127.0.0.1:2"},
		{"run", "--endpoint", "http://127.0.0.1:1,http://127.0.0.1:1"},
		{"run", "--op", "agg-counts", "--group", "TYPE"},
		{"run", "--op", "agg-list", "--aggregator", ""},
		{"startup"},
		{"startup", "--binary", "starling"},
		{"startup", "--data", "d"},
		{"startup", "--store", "postgres://db/s"},
		{"startup", "--binary", "starling", "--data", "d", "--store", "postgres://db/s"},
		{"startup", "--binary", "/nonexistent/starling", "--store", "mysql://db/s"},
		{"credentials"},
	} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("starling-load %q succeeded; want an error", args)
		}
	}
}

// TestRun_BadEndpointSaysWhy checks that a refused endpoint list is
// explained before anything is sent.
func TestRun_BadEndpointSaysWhy(t *testing.T) {
	_, err := runCLI(t, "run", "--endpoint", "http://127.0.0.1:1, ,http://127.0.0.1:2")
	if err == nil || !strings.Contains(err.Error(), "--endpoint") || !strings.Contains(err.Error(), "endpoint 2 of 3") {
		t.Errorf("run with an empty endpoint: %v; want an --endpoint error naming the empty entry", err)
	}
}

// TestRun_Replicas spreads a short put load over two in-process Starlings
// (given with a space and a trailing slash) and checks the report's
// per-endpoint figures. The two servers share the test's process, so their
// RSS and CPU are the same process's: the test checks only that each
// endpoint's metrics were read.
func TestRun_Replicas(t *testing.T) {
	a, b := startStarling(t), startStarling(t)
	out, err := runCLI(t, "run", "--endpoint", a+", "+b+"/", "--op", "put", "--concurrency", "4",
		"--duration", "300ms", "--warmup", "0s", "--names", "3")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	var rep loadgen.Report
	lastJSON(t, out, &rep)
	checkReplicaReport(t, out, rep, a, b)
}

// checkReplicaReport checks the report of a run over the endpoints a and b
// with no errors.
func checkReplicaReport(t *testing.T, out string, rep loadgen.Report, a, b string) {
	t.Helper()
	if rep.Endpoint != a || len(rep.Endpoints) != 2 || rep.Endpoints[0] != a || rep.Endpoints[1] != b {
		t.Errorf("endpoint %q, endpoints %q; want %q, [%q %q]", rep.Endpoint, rep.Endpoints, a, a, b)
	}
	s := rep.Starling
	if s.Requests == 0 || s.Errors != 0 {
		t.Fatalf("%d requests, %d errors (%s); want requests and no errors", s.Requests, s.Errors, s.FirstError)
	}
	if len(s.RequestsPerEndpoint) != 2 || s.RequestsPerEndpoint[0] == 0 || s.RequestsPerEndpoint[1] == 0 ||
		s.RequestsPerEndpoint[0]+s.RequestsPerEndpoint[1] != s.Requests {
		t.Errorf("requests per endpoint %v of %d; want both endpoints to have served", s.RequestsPerEndpoint, s.Requests)
	}
	rss := rep.ServerRSSBytesPerEndpoint
	if rep.MetricsError != "" || len(rss) != 2 || rss[0] <= 0 || rss[1] <= 0 || rep.ServerRSSBytes != max(rss[0], rss[1]) {
		t.Errorf("metrics error %q, RSS %d, per endpoint %v; want each endpoint's RSS and the largest", rep.MetricsError, rep.ServerRSSBytes, rss)
	}
	if len(rep.ServerCPUCoresPerEndpoint) != 2 {
		t.Errorf("CPU per endpoint %v; want two", rep.ServerCPUCoresPerEndpoint)
	}
	for _, want := range []string{"round-robin over 2 endpoints", "2 replicas", "CPU cores", a, b} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestRun_ReplicasPostgres runs the describe workload over two Starlings
// sharing one PostgreSQL database, and checks that the aggregators it
// created on the first only are what the second lists. The workload only
// reads, so that no write conflict between the replicas can fail a
// request. It needs STARLING_TEST_POSTGRES.
func TestRun_ReplicasPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	onStore := func(c *config.Config) { c.Store = dsn }
	a, b := startStarling(t, onStore), startStarling(t, onStore)
	out, err := runCLI(t, "run", "--endpoint", a+","+b, "--op", "describe", "--concurrency", "4",
		"--duration", "300ms", "--warmup", "0s", "--names", "3")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	var rep loadgen.Report
	lastJSON(t, out, &rep)
	checkReplicaReport(t, out, rep, a, b)
	if rep.Aggregators != 3 {
		t.Errorf("the first replica listed %d aggregators; want 3", rep.Aggregators)
	}
	c := loadgen.NewClient(b, loadgen.NewHTTPClient(1), "111111111111", "x", "us-east-1")
	resp, err := c.CallOK(context.Background(), "DescribeConfigurationAggregators", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	var listed struct{ ConfigurationAggregators []json.RawMessage }
	if err := json.Unmarshal(resp, &listed); err != nil || len(listed.ConfigurationAggregators) != 3 {
		t.Errorf("the second replica lists %d aggregators (%v); want the 3 created on the first", len(listed.ConfigurationAggregators), err)
	}
}

// buildStarling builds the starling binary into a temporary directory.
func buildStarling(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "starling")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/starlingcfg/starling/cmd/starling").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestStartup measures a few starts of the real binary on a small data
// directory, created on the first call and reused on the second.
func TestStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the starling binary")
	}
	bin := buildStarling(t)
	data := t.TempDir()
	for _, rep := range checkStartup(t, bin, "--data", data) {
		if rep.Backend != loadgen.BackendSQLite || rep.DataDir != data || rep.Store != "" {
			t.Errorf("report: backend %q, data %q, store %q; want sqlite in %s", rep.Backend, rep.DataDir, rep.Store, data)
		}
	}
}

// TestStartup_Store is TestStartup on a PostgreSQL database (--store); it
// needs STARLING_TEST_POSTGRES.
func TestStartup_Store(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the starling binary")
	}
	dsn := pgtest.DSN(t)
	bin := buildStarling(t)
	reps := checkStartup(t, bin, "--store", dsn)
	for _, rep := range reps {
		if rep.Backend != loadgen.BackendPostgres || rep.DataDir != "" || rep.Store != loadgen.RedactDSN(dsn) {
			t.Errorf("report: backend %q, data %q, store %q; want postgres and the masked DSN", rep.Backend, rep.DataDir, rep.Store)
		}
	}
}

// checkStartup runs startup twice with the storage flags storage: the first
// creates the aggregators, the second finds them. It returns the reports.
func checkStartup(t *testing.T, bin string, storage ...string) []loadgen.StartupReport {
	t.Helper()
	var reps []loadgen.StartupReport
	for i, wantCreated := range []int{7, 0} {
		args := append([]string{"startup", "--binary", bin}, storage...)
		out, err := runCLI(t, append(args, "--aggregators", "7", "--per-account", "3", "--runs", "2")...)
		if err != nil {
			t.Fatalf("startup %d: %v\n%s", i+1, err, out)
		}
		var rep loadgen.StartupReport
		lastJSON(t, out, &rep)
		reps = append(reps, rep)
		if rep.Created != wantCreated || rep.Accounts != 3 || len(rep.Runs) != 2 || rep.FirstListed != 3 {
			t.Errorf("startup %d: created %d, %d accounts, %d runs, first listed %d; want %d, 3, 2, 3",
				i+1, rep.Created, rep.Accounts, len(rep.Runs), rep.FirstListed, wantCreated)
		}
		if s := rep.FirstResponse; !(s.Min > 0 && s.Min <= s.Median && s.Median <= s.Max) || rep.Listening.Min > s.Min {
			t.Errorf("startup %d: first response %+v, listening %+v", i+1, s, rep.Listening)
		}
	}
	return reps
}
