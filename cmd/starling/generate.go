package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	otypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"golang.org/x/sync/errgroup"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/generate"
	"github.com/starlingcfg/starling/internal/ingestclient"
	"github.com/starlingcfg/starling/internal/inventory"
)

const generateUsage = `Usage:
  starling generate [--endpoint URL] [flags]   fill a running server
  starling generate --data DIR [flags]         fill the data directory of a stopped server

Builds a whole, live organization with realistic AWS Config data, the same
way clients would: AWS Organizations (the management account creates the
organization and invites the members, which accept), a running
configuration recorder in every account and region, an organization
aggregator in the management account's first region, and the
configuration items of every account and region through Starling's ingest
API (StarlingIngest_20261129.PutConfigurationItems), signed as that
account in that region.

Everything follows from --seed: member account ids, resources, names,
times. Running it again with the same flags changes nothing.

The server must run in the default --auth accept mode: the command signs as
each account with the account id as its access key. With --data, the
command runs a server of its own on the directory, on a loopback port, for
as long as it takes.

Flags (--endpoint and --ca-cert can also be set with STARLING_ENDPOINT and
STARLING_CA_CERT):
`

// generateOptions are the flags of `starling generate`.
type generateOptions struct {
	endpoint   string
	caCert     string
	dataDir    string
	accounts   int
	regions    string
	resources  int
	seed       uint64
	aggregator string
	management string
	batch      int
	parallel   int
	rules      bool // put the managed rules Starling evaluates in every source
	progress   bool // draw a progress bar on stderr
}

func runGenerate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o generateOptions
	fs := commandFlags("starling generate", generateUsage, stderr)
	serverFlags(fs, getenv, &o.endpoint, &o.caCert)
	fs.StringVar(&o.dataDir, "data", "", "fill this data directory instead, through a server of the command's own (no other server may have it open)")
	fs.IntVar(&o.accounts, "accounts", 3, "accounts in the organization, the management account included")
	fs.StringVar(&o.regions, "regions", generate.DefaultRegion, "comma-separated regions every account records in; the first holds the aggregator and the global (IAM) resources")
	fs.IntVar(&o.resources, "resources", generate.DefaultResourcesPerSource, "resources per account and region (each with one or more configuration items)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of everything generated")
	fs.StringVar(&o.aggregator, "aggregator", "generated", "name of the organization aggregator")
	fs.StringVar(&o.management, "management-account", generate.DefaultManagementAccount, "the organization's management account")
	fs.IntVar(&o.batch, "batch", 500, "configuration items per ingest request")
	fs.IntVar(&o.parallel, "parallel", 4, "requests in flight at once")
	fs.BoolVar(&o.rules, "managed-rules", false, "put in every account and region the managed rules Starling evaluates, which evaluate the items as they are recorded; then evaluate every rule over every item again, timed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("generate: unexpected argument %q", fs.Arg(0))
	}
	endpointSet := false
	fs.Visit(func(f *flag.Flag) { endpointSet = endpointSet || f.Name == "endpoint" })
	if o.dataDir != "" && endpointSet {
		return errors.New("generate: give --endpoint or --data, not both")
	}
	if o.batch < 1 || o.parallel < 1 {
		return errors.New("generate: --batch and --parallel must be at least 1")
	}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			o.progress = true
		}
	}
	return generateOrg(ctx, o, stdout, stderr)
}

// generateOrg plans the organization and builds it on the server.
func generateOrg(ctx context.Context, o generateOptions, stdout, stderr io.Writer) error {
	var regions []string
	for r := range strings.SplitSeq(o.regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			regions = append(regions, r)
		}
	}
	plan, err := generate.New(generate.Options{
		Seed: o.seed, Accounts: o.accounts, Regions: regions,
		ResourcesPerSource: o.resources, ManagementAccount: o.management,
	})
	if err != nil {
		return err // "generate: …"
	}
	client, err := serverClient(o.caCert)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	endpoint := strings.TrimRight(o.endpoint, "/")
	if o.dataDir != "" {
		url, stop, err := startLocal(ctx, o.dataDir, stderr)
		if err != nil {
			return err
		}
		defer stop()
		endpoint = url
	}
	g := &generator{
		plan: plan, opts: o, endpoint: endpoint, http: client,
		ingest: ingestclient.New(endpoint, client, func(account string) aws.Credentials {
			return aws.Credentials{AccessKeyID: account, SecretAccessKey: secret}
		}),
		stderr: stderr, start: time.Now(),
	}
	if err := g.run(ctx); err != nil {
		if o.progress {
			fmt.Fprint(stderr, "\r\x1b[K") // the step under way
		}
		return err
	}
	g.summary(stdout)
	return nil
}

// startLocal runs Starling on the data directory on a loopback port until
// stop is called.
func startLocal(ctx context.Context, dir string, stderr io.Writer) (url string, stop func(), err error) {
	cfg := config.Defaults()
	cfg.DataDir, cfg.Addr = dir, "127.0.0.1:0"
	cfg.Quotas.AccountsPerAggregator = 100_000
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	// Only the server's errors are worth showing here.
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	go func() {
		done <- app.Run(ctx, cfg, app.Options{Logger: logger, Version: versionString(), Ready: func(a net.Addr) { ready <- a }})
	}()
	select {
	case a := <-ready:
		return "http://" + a.String(), func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("generate: start Starling on %s: %w", dir, err)
	}
}

// generator builds a plan on a server.
type generator struct {
	plan     *generate.Plan
	opts     generateOptions
	endpoint string
	http     *http.Client
	ingest   *ingestclient.Client
	stderr   io.Writer
	start    time.Time
	// rulesTook is how long --managed-rules took.
	rulesTook time.Duration

	// progress
	resources atomic.Int64 // resources whose items were all sent
	sent      atomic.Int64 // configuration items sent
	result    struct {
		sync.Mutex
		inventory.WriteResult
	}
}

// secret is the secret key the command signs with: any secret does in
// accept mode.
const secret = "starling-generate"

// orgsRegion signs Organizations requests: a global service, served from
// us-east-1.
const orgsRegion = "us-east-1"

func (g *generator) awsOptions(account string) (string, aws.CredentialsProvider) {
	return g.endpoint, credentials.NewStaticCredentialsProvider(account, secret, "")
}

func (g *generator) orgs(account string) *organizations.Client {
	ep, creds := g.awsOptions(account)
	return organizations.New(organizations.Options{
		Region: orgsRegion, BaseEndpoint: aws.String(ep), Credentials: creds, HTTPClient: g.http,
	})
}

func (g *generator) config(account, region string) *configservice.Client {
	ep, creds := g.awsOptions(account)
	return configservice.New(configservice.Options{
		Region: region, BaseEndpoint: aws.String(ep), Credentials: creds, HTTPClient: g.http,
	})
}

// run builds the organization: accounts, recorders, the aggregator, then
// the configuration items.
func (g *generator) run(ctx context.Context) error {
	g.status("organization")
	if err := g.organization(ctx); err != nil {
		return err
	}
	g.status("recorders")
	sources := g.plan.Sources()
	if err := forEach(ctx, g.opts.parallel, sources, g.recorder); err != nil {
		return err
	}
	if g.opts.rules {
		// Before the items, which the rules then evaluate as they are
		// recorded.
		g.status("managed rules")
		if err := forEach(ctx, g.opts.parallel, sources, g.managedRules); err != nil {
			return err
		}
	}
	g.status("aggregator")
	if err := g.aggregator(ctx); err != nil {
		return err
	}
	stopProgress := g.startProgress(len(sources) * g.plan.Options().ResourcesPerSource) // clears the status line
	err := forEach(ctx, g.opts.parallel, sources, g.items)
	stopProgress()
	if err != nil || !g.opts.rules {
		return err
	}
	// Then every rule over every item again, timed: the whole inventory's
	// evaluation.
	g.status("evaluating")
	start := time.Now()
	err = forEach(ctx, g.opts.parallel, sources, g.evaluate)
	g.rulesTook = time.Since(start)
	return err
}

// evaluate runs StartConfigRulesEvaluation of every rule of src.
func (g *generator) evaluate(ctx context.Context, src inventory.Source) error {
	if _, err := g.config(src.AccountID, src.Region).StartConfigRulesEvaluation(ctx, &configservice.StartConfigRulesEvaluationInput{}); err != nil {
		return apiErr("StartConfigRulesEvaluation", err)
	}
	return nil
}

// generatedRules are the managed rules --managed-rules puts in every
// source: each rule Starling evaluates, REQUIRED_TAGS asking for the tags
// the generated resources carry.
var generatedRules = []struct{ name, identifier, params string }{
	{"s3-bucket-versioning-enabled", "S3_BUCKET_VERSIONING_ENABLED", ""},
	{"encrypted-volumes", "ENCRYPTED_VOLUMES", ""},
	{"restricted-ssh", "INCOMING_SSH_DISABLED", ""},
	{"restricted-common-ports", "RESTRICTED_INCOMING_TRAFFIC", ""},
	{"required-tags", "REQUIRED_TAGS", `{"tag1Key":"Environment","tag2Key":"Owner"}`},
	{"rds-storage-encrypted", "RDS_STORAGE_ENCRYPTED", ""},
	{"s3-bucket-public-read-prohibited", "S3_BUCKET_PUBLIC_READ_PROHIBITED", ""},
	{"ec2-instance-no-public-ip", "EC2_INSTANCE_NO_PUBLIC_IP", ""},
	{"vpc-flow-logs-enabled", "VPC_FLOW_LOGS_ENABLED", ""},
}

// managedRules puts generatedRules in src.
func (g *generator) managedRules(ctx context.Context, src inventory.Source) error {
	c := g.config(src.AccountID, src.Region)
	for _, r := range generatedRules {
		rule := &cstypes.ConfigRule{ConfigRuleName: aws.String(r.name),
			Source: &cstypes.Source{Owner: cstypes.OwnerAws, SourceIdentifier: aws.String(r.identifier)}}
		if r.params != "" {
			rule.InputParameters = aws.String(r.params)
		}
		if _, err := c.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: rule}); err != nil {
			return apiErr("PutConfigRule", err)
		}
	}
	return nil
}

// forEach calls fn for every source with n calls at a time, stopping at
// the first error.
func forEach(ctx context.Context, n int, sources []inventory.Source, fn func(context.Context, inventory.Source) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for _, src := range sources {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, src) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// organization creates the organization as the management account, unless
// it exists, and brings every member in: invited by the management
// account, accepted by the member (CreateAccount would pick the ids).
func (g *generator) organization(ctx context.Context) error {
	mgmt := g.plan.Accounts()[0].ID
	oc := g.orgs(mgmt)
	var orgID string
	d, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *otypes.AWSOrganizationsNotInUseException
	switch {
	case errors.As(err, &notInUse):
		out, err := oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: otypes.OrganizationFeatureSetAll})
		if err != nil {
			return apiErr("create the organization as "+mgmt, err)
		}
		orgID = aws.ToString(out.Organization.Id)
	case err != nil:
		return apiErr("describe the organization of "+mgmt, err)
	case aws.ToString(d.Organization.MasterAccountId) != mgmt:
		return fmt.Errorf("generate: account %s is a member of organization %s, whose management account is %s; give --management-account %s, or use a fresh server",
			mgmt, aws.ToString(d.Organization.Id), aws.ToString(d.Organization.MasterAccountId), aws.ToString(d.Organization.MasterAccountId))
	default:
		orgID = aws.ToString(d.Organization.Id)
		if d.Organization.FeatureSet != otypes.OrganizationFeatureSetAll {
			return fmt.Errorf("generate: organization %s has only consolidated billing; an organization aggregator needs all features (EnableAllFeatures)", orgID)
		}
	}
	members := map[string]bool{}
	p := organizations.NewListAccountsPaginator(oc, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return apiErr("list the organization's accounts", err)
		}
		for _, a := range page.Accounts {
			members[aws.ToString(a.Id)] = true
		}
	}
	var todo []inventory.Source
	for _, a := range g.plan.Accounts()[1:] {
		if !members[a.ID] {
			todo = append(todo, inventory.Source{AccountID: a.ID})
		}
	}
	return forEach(ctx, g.opts.parallel, todo, func(ctx context.Context, src inventory.Source) error {
		return g.join(ctx, oc, orgID, src.AccountID)
	})
}

// join invites the account into the organization and accepts as it.
func (g *generator) join(ctx context.Context, oc *organizations.Client, orgID, account string) error {
	member := g.orgs(account)
	inv, err := oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &otypes.HandshakeParty{Id: aws.String(account), Type: otypes.HandshakePartyTypeAccount},
		Notes:  aws.String("starling generate"),
	})
	var id string
	var dup *otypes.DuplicateHandshakeException
	var constraint *otypes.HandshakeConstraintViolationException
	switch {
	case err == nil:
		id = aws.ToString(inv.Handshake.Id)
	case errors.As(err, &dup):
		// An earlier run invited it and stopped: accept that invitation.
		out, lerr := member.ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{
			Filter: &otypes.HandshakeFilter{ActionType: otypes.ActionTypeInviteAccountToOrganization},
		})
		if lerr != nil {
			return apiErr("list the invitations of "+account, lerr)
		}
		for _, h := range out.Handshakes {
			if h.State == otypes.HandshakeStateOpen && handshakeOrg(h) == orgID {
				id = aws.ToString(h.Id)
			}
		}
		if id == "" {
			return apiErr("invite "+account, err)
		}
	case errors.As(err, &constraint) && constraint.Reason == otypes.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization:
		return fmt.Errorf("generate: account %s belongs to another organization; use a fresh server or another --seed", account)
	default:
		return apiErr("invite "+account, err)
	}
	if _, err := member.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(id)}); err != nil {
		return apiErr(account+" accepts the invitation", err)
	}
	return nil
}

// handshakeOrg is the organization a handshake comes from.
func handshakeOrg(h otypes.Handshake) string {
	for _, r := range h.Resources {
		if r.Type == otypes.HandshakeResourceTypeOrganization {
			return aws.ToString(r.Value)
		}
	}
	return ""
}

// configRole is the service-linked role AWS Config records with.
func configRole(account string) string {
	return "arn:aws:iam::" + account + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
}

// recorder makes the source's recorder record all supported types (the
// global IAM types in the home region only, as AWS recommends) and
// starts it; a recorder and a delivery channel it already has keep their
// names (an account and region has one of each at most).
func (g *generator) recorder(ctx context.Context, src inventory.Source) error {
	c := g.config(src.AccountID, src.Region)
	where := src.AccountID + " " + src.Region
	name := "default"
	recs, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return apiErr("describe the recorder of "+where, err)
	}
	if len(recs.ConfigurationRecorders) > 0 {
		name = aws.ToString(recs.ConfigurationRecorders[0].Name)
	}
	home := src.Region == g.plan.HomeRegion()
	if _, err := c.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
		ConfigurationRecorder: &cstypes.ConfigurationRecorder{
			Name:    aws.String(name),
			RoleARN: aws.String(configRole(src.AccountID)),
			RecordingGroup: &cstypes.RecordingGroup{
				AllSupported:               true,
				IncludeGlobalResourceTypes: home,
			},
		},
	}); err != nil {
		return apiErr("put the recorder of "+where, err)
	}
	chs, err := c.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return apiErr("describe the delivery channel of "+where, err)
	}
	if len(chs.DeliveryChannels) == 0 { // a recorder starts only with a channel
		if _, err := c.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{
			DeliveryChannel: &cstypes.DeliveryChannel{
				Name:         aws.String("default"),
				S3BucketName: aws.String("config-bucket-" + src.AccountID),
			},
		}); err != nil {
			return apiErr("put the delivery channel of "+where, err)
		}
	}
	if _, err := c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{
		ConfigurationRecorderName: aws.String(name),
	}); err != nil {
		return apiErr("start the recorder of "+where, err)
	}
	return nil
}

// aggregator puts the organization aggregator in the management account's
// home region, over the plan's regions.
func (g *generator) aggregator(ctx context.Context) error {
	mgmt := g.plan.Accounts()[0].ID
	c := g.config(mgmt, g.plan.HomeRegion())
	_, err := c.PutConfigurationAggregator(ctx, &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String(g.opts.aggregator),
		OrganizationAggregationSource: &cstypes.OrganizationAggregationSource{
			RoleArn:    aws.String("arn:aws:iam::" + mgmt + ":role/service-role/AWSConfigRoleForOrganizations"),
			AwsRegions: g.plan.Regions(),
		},
	})
	if err != nil {
		return apiErr("put the aggregator "+g.opts.aggregator, err)
	}
	return nil
}

// items sends the source's configuration items in batches.
func (g *generator) items(ctx context.Context, src inventory.Source) error {
	var batch []inventory.Item
	size, resources := 0, 0 // of the batch
	var last inventory.Key
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := g.put(ctx, src, batch)
		if err == nil {
			g.resources.Add(int64(resources))
		}
		batch, size, resources = batch[:0], 0, 0
		return err
	}
	err := g.plan.Items(src.AccountID, src.Region, func(it inventory.Item) error {
		if it.Key != last { // a resource's versions come one after another
			resources++
			last = it.Key
		}
		batch = append(batch, it)
		size += 1024 + len(it.Configuration)
		if len(batch) >= g.opts.batch || size >= ingestclient.MaxBatchBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// put sends one batch.
func (g *generator) put(ctx context.Context, src inventory.Source, items []inventory.Item) error {
	res, err := g.ingest.Put(ctx, src, items)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	g.sent.Add(int64(len(items)))
	g.result.Lock()
	g.result.Add(res)
	g.result.Unlock()
	return nil
}

// apiErr words an AWS API error of a step.
func apiErr(step string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("generate: %s: %w", step, err)
}

// status names the step under way on a terminal.
func (g *generator) status(step string) {
	if g.opts.progress {
		fmt.Fprintf(g.stderr, "\r\x1b[Kstarling generate: %s…", step)
	}
}

// startProgress draws a progress bar with the rate on stderr, when it is
// a terminal, until the returned function is called.
func (g *generator) startProgress(total int) (stop func()) {
	if !g.opts.progress {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		begin := time.Now()
		for {
			select {
			case <-done:
				fmt.Fprint(g.stderr, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprint(g.stderr, "\r\x1b[K"+progressLine(g.resources.Load(), int64(total), g.sent.Load(), time.Since(begin)))
			}
		}
	}()
	return func() { close(done); <-finished }
}

// progressLine is one frame of the progress bar: the share of resources
// sent, and the rate of configuration items.
func progressLine(done, total, items int64, elapsed time.Duration) string {
	const width = 30
	filled := 0
	if total > 0 {
		filled = int(min(width, width*done/total))
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(items) / s
	}
	return fmt.Sprintf("[%s%s] %d/%d resources  %d configuration items  %.0f/s",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, items, rate)
}

// summary writes the final line.
func (g *generator) summary(w io.Writer) {
	el := time.Since(g.start)
	sent := g.sent.Load()
	g.result.Lock()
	res := g.result.WriteResult
	g.result.Unlock()
	accounts, regions := len(g.plan.Accounts()), len(g.plan.Regions())
	fmt.Fprintf(w, "generated %d accounts × %d regions: %d configuration items (%d new, %d unchanged, %d superseded) in %s (%.0f/s); organization aggregator %q in %s of %s\n",
		accounts, regions, sent, res.New, res.Unchanged, res.Superseded, (el - g.rulesTook).Round(time.Millisecond),
		float64(sent)/(el-g.rulesTook).Seconds(), g.opts.aggregator, g.plan.HomeRegion(), g.plan.Accounts()[0].ID)
	if g.opts.rules {
		fmt.Fprintf(w, "managed rules: %d rules in each of %d sources, StartConfigRulesEvaluation of them all over %d configuration items in %s (%.0f items/s)\n",
			len(generatedRules), accounts*regions, sent, g.rulesTook.Round(time.Millisecond), float64(sent)/g.rulesTook.Seconds())
	}
}
