// Command starling-load measures Starling's throughput, latency, memory and
// startup time.
//
// Usage:
//
//	starling-load run --endpoint URL[,URL…] --op put|describe|tag|batchget
//	    [--concurrency 8] [--duration 10s] [--warmup 2s] [--names K]
//	    [--access-key 111111111111] [--secret x] [--region us-east-1]
//	    [--ceiling] [--rounds 1] [--label TEXT]
//	starling-load run --endpoint URL[,URL…] --op agg-list|agg-counts|agg-batchget|agg-compliance-rules|agg-compliance-details|agg-compliance-summary|agg-pack-compliance|agg-pack-summary
//	    [--aggregator generated] [--group RESOURCE_TYPE|ACCOUNT_ID|AWS_REGION]
//	    [--access-key 000000000000] [other run flags]
//	starling-load startup --binary PATH (--data DIR | --store DSN)
//	    [--aggregators 10000] [--runs 5]
//	starling-load credentials --out FILE [--access-key 111111111111] [--secret x]
//
// run is a closed loop: C workers each send the next SigV4-signed awsJson1_1
// request as soon as the previous one is answered, over one keep-alive HTTP
// client. It prints a table and a last line of JSON. Given several endpoints
// (replicas of `starling serve --store postgres://…` sharing one database),
// worker i sends to endpoint i mod n, as behind a round-robin load balancer;
// the workload is prepared on the first, and every replica's /metrics is
// read (CPU summed, RSS per replica). The agg-* operations read the
// aggregated inventory of an existing aggregator (by default the one
// `starling generate` creates, signed as its management account
// 000000000000): what they ask for is learnt from the aggregator's data
// first, so that every request names what exists. With --ceiling the same
// load first runs against a trivial server answering Starling's response
// body (a child process: the hidden `starling-load ceiling-server`), and
// Starling's req/s is stated as a ratio of it.
//
// startup fills a data directory (--data) or a PostgreSQL database (--store)
// with aggregators (once) and times the binary from exec to its first
// answered DescribeConfigurationAggregators.
//
// credentials writes a credentials file for `starling serve --auth verify
// --credentials FILE` whose principal is the one run signs as by default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/starlingcfg/starling/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "starling-load:", err)
		}
		os.Exit(2)
	}
}

const usage = `starling-load measures Starling's throughput, latency, memory and startup.

Usage:
  starling-load run --endpoint URL[,URL...] --op OP [flags]
      closed-loop load; several endpoints (replicas sharing one database)
      share the workers round-robin; the agg-* operations read an existing
      aggregator's inventory (--aggregator, default: starling generate's)
  starling-load startup --binary PATH (--data DIR | --store DSN) [flags]
      time from exec to the first served request, on SQLite or PostgreSQL
  starling-load credentials --out FILE [flags]
      write a verify-mode credentials file

Run 'starling-load <command> -h' for a command's flags.
`

// run dispatches the subcommand in args[0].
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch cmd, args := args[0], args[1:]; cmd {
	case "run":
		return runLoad(ctx, args, stdout, stderr)
	case "startup":
		return runStartup(ctx, args, stdout, stderr)
	case "credentials":
		return runCredentials(args, stdout, stderr)
	case loadgen.CeilingSubcommand:
		return runCeiling(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newFlagSet returns a flag set for a subcommand that reports to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("starling-load "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and refuses positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := loadgen.LoadOptions{}
	var ceiling bool
	var endpoints string
	fs := newFlagSet("run", stderr)
	ops := "operation: put (PutConfigurationAggregator over K names), describe (DescribeConfigurationAggregators of K aggregators), tag (TagResource) or batchget (BatchGetResourceConfig of one key over K recorded EC2 instances); " +
		"or, reading --aggregator: agg-list (a ListAggregateDiscoveredResources page of a type and an account or a region, over K such filters taken from the data), " +
		"agg-counts (GetAggregateDiscoveredResourceCounts by --group), agg-batchget (BatchGetAggregateResourceConfig of 100 existing resources, over K such batches sampled from the data), " +
		"agg-compliance-rules (DescribeAggregateComplianceByConfigRules, unfiltered or of one of K accounts), agg-compliance-details (GetAggregateComplianceDetailsByConfigRule of one of K rules of a source) " +
		"agg-compliance-summary (GetAggregateConfigRuleComplianceSummary by --group ACCOUNT_ID or AWS_REGION), " +
		"agg-pack-compliance (DescribeAggregateComplianceByConformancePacks, unfiltered or of one of K accounts with packs) " +
		"or agg-pack-summary (GetAggregateConformancePackComplianceSummary by --group ACCOUNT_ID or AWS_REGION, or without a group given RESOURCE_TYPE, the default)"
	fs.StringVar(&endpoints, "endpoint", "http://127.0.0.1:4566", "Starling's base URL, or several comma-separated ones (replicas sharing one PostgreSQL database): worker i sends to endpoint i mod n, the workload is prepared on the first, and every endpoint's /metrics is read")
	fs.StringVar(&o.Op, "op", loadgen.OpPut, ops)
	fs.IntVar(&o.Concurrency, "concurrency", 8, "requests in flight (closed-loop workers)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured time before it")
	fs.IntVar(&o.Names, "names", 10, "K: aggregator names put cycles over and describe lists (at most the server's --max-aggregators); the filters agg-list and the batches agg-batchget cycle over")
	fs.StringVar(&o.AccessKey, "access-key", "111111111111", "access key to sign with (in accept mode a 12-digit key is the account); "+loadgen.AggregatorAccount+" for the agg-* operations unless given")
	fs.StringVar(&o.Aggregator, "aggregator", loadgen.DefaultAggregator, "the configuration aggregator the agg-* operations read, owned by the signer in --region")
	fs.StringVar(&o.Group, "group", loadgen.GroupResourceType, "GroupByKey of agg-counts: "+strings.Join(loadgen.Groups, ", ")+
		"; of agg-compliance-summary: ACCOUNT_ID (given RESOURCE_TYPE) or AWS_REGION; of agg-pack-summary: ACCOUNT_ID, AWS_REGION or none (given RESOURCE_TYPE)")
	fs.StringVar(&o.Secret, "secret", "x", "secret key to sign with (must match the credentials file of a verify-mode server)")
	fs.StringVar(&o.Region, "region", "us-east-1", "region to sign for")
	fs.BoolVar(&ceiling, "ceiling", false, "first run the same load against a trivial fixed-response server and report the ratio")
	fs.IntVar(&o.Rounds, "rounds", 1, "split --duration into this many rounds, each with its own --warmup; with --ceiling each round runs the ceiling, then Starling, so both see the same drift of a shared machine")
	fs.StringVar(&o.Label, "label", "", "free text copied into the report, e.g. verify")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case !slices.Contains(loadgen.Ops, o.Op):
		return fmt.Errorf("--op %q: want one of %s", o.Op, strings.Join(loadgen.Ops, ", "))
	case o.Concurrency < 1 || o.Names < 1 || o.Rounds < 1:
		return errors.New("--concurrency, --names and --rounds must be at least 1")
	case o.Duration <= 0 || o.Warmup < 0:
		return errors.New("--duration must be positive and --warmup not negative")
	case !slices.Contains(loadgen.Groups, o.Group):
		return fmt.Errorf("--group %q: want one of %s", o.Group, strings.Join(loadgen.Groups, ", "))
	case loadgen.IsAggregate(o.Op) && o.Aggregator == "":
		return errors.New("--aggregator must not be empty")
	}
	if loadgen.IsAggregate(o.Op) && !flagSet(fs, "access-key") {
		o.AccessKey = loadgen.AggregatorAccount
	}
	var err error
	if o.Endpoints, err = loadgen.ParseEndpoints(endpoints); err != nil {
		return fmt.Errorf("--endpoint: %w", err)
	}
	if n := len(o.Endpoints); o.Concurrency%n != 0 {
		fmt.Fprintf(stderr, "note: --concurrency %d is not a multiple of the %d endpoints, so they get unequal shares of the workers\n", o.Concurrency, n)
	}
	if ceiling {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("--ceiling: find own binary: %w", err)
		}
		o.CeilingExe = exe
	}
	o.Progress = stderr
	rep, err := loadgen.Load(ctx, o)
	if rep == nil {
		return err
	}
	rep.WriteText(stdout)
	if jerr := loadgen.WriteJSON(stdout, rep); err == nil {
		err = jerr
	}
	return err
}

// flagSet reports whether the flag name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func runStartup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := loadgen.StartupOptions{}
	fs := newFlagSet("startup", stderr)
	fs.StringVar(&o.Binary, "binary", "", "the starling binary (required)")
	fs.StringVar(&o.DataDir, "data", "", "its data directory (SQLite); filled with the aggregators first if it lacks them (this or --store is required)")
	fs.StringVar(&o.Store, "store", "", "instead of --data, the PostgreSQL database to start it on (serve --store): postgres://user:password@host:5432/dbname; filled with the aggregators first if it lacks them")
	fs.IntVar(&o.Aggregators, "aggregators", 10000, "aggregators the data directory or database holds")
	fs.IntVar(&o.PerAccount, "per-account", 50, "aggregators per account (above 50 the server gets --max-aggregators)")
	fs.IntVar(&o.Runs, "runs", 5, "measured starts")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "concurrent requests while creating the aggregators")
	fs.StringVar(&o.Secret, "secret", "x", "secret key to sign with")
	fs.StringVar(&o.Region, "region", "us-east-1", "region to sign for")
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.Binary == "" || (o.DataDir == "") == (o.Store == "") {
		return errors.New("--binary and exactly one of --data and --store are required")
	}
	o.Progress = stderr
	rep, err := loadgen.Startup(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "startup of %s on %s: %d aggregators in %d accounts (%d created now), first response listed %d\n",
		rep.Binary, rep.Where(), rep.Aggregators, rep.Accounts, rep.Created, rep.FirstListed)
	fmt.Fprintf(stdout, "%d runs, exec to:   min      median   max\n", len(rep.Runs))
	fmt.Fprintf(stdout, "  listening log line  %-8s %-8s %s\n", rep.Listening.Min, rep.Listening.Median, rep.Listening.Max)
	fmt.Fprintf(stdout, "  first response      %-8s %-8s %s\n", rep.FirstResponse.Min, rep.FirstResponse.Median, rep.FirstResponse.Max)
	return loadgen.WriteJSON(stdout, rep)
}

func runCredentials(args []string, stdout, stderr io.Writer) error {
	var out, profile, key, secret, account string
	fs := newFlagSet("credentials", stderr)
	fs.StringVar(&out, "out", "", "file to write (required; not overwritten)")
	fs.StringVar(&profile, "profile", "starling-load", "profile name")
	fs.StringVar(&key, "access-key", "111111111111", "access key id")
	fs.StringVar(&secret, "secret", "x", "secret access key")
	fs.StringVar(&account, "account", "111111111111", "12-digit account the principal acts as")
	if err := parse(fs, args); err != nil {
		return err
	}
	if out == "" {
		return errors.New("--out is required")
	}
	text := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_account_id = %s\n", profile, key, secret, account)
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: start the server with --auth verify --credentials %s, and run with --access-key %s --secret <the secret>\n", out, out, key)
	return nil
}

// runCeiling is the hidden ceiling-server subcommand: it serves the fixed
// response and prints its URL on stdout.
func runCeiling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var addr, bodyFile string
	fs := newFlagSet(loadgen.CeilingSubcommand, stderr)
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "address to listen on")
	fs.StringVar(&bodyFile, "body-file", "", "file holding the response body (default: {})")
	if err := parse(fs, args); err != nil {
		return err
	}
	body := []byte("{}")
	if bodyFile != "" {
		var err error
		if body, err = os.ReadFile(bodyFile); err != nil {
			return err
		}
	}
	return loadgen.ServeCeiling(ctx, addr, body, func(a net.Addr) {
		fmt.Fprintf(stdout, "http://%s\n", a)
	})
}
