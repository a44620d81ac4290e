package e2e

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/importer"
	"github.com/starlingcfg/starling/internal/ingestclient"
)

// The offline audit: AWS Config's own snapshot files are imported, the
// managed rules are turned on, and the aggregated compliance view answers
// for every account what the files hold, with no AWS anywhere.

// auditRules are the managed rules the audit turns on in every source,
// by rule name.
var auditRules = []struct{ name, identifier, params string }{
	{"versioning", "S3_BUCKET_VERSIONING_ENABLED", ""},
	{"volumes", "ENCRYPTED_VOLUMES", ""},
	{"ssh", "INCOMING_SSH_DISABLED", ""},
	{"public-ip", "EC2_INSTANCE_NO_PUBLIC_IP", ""},
	{"owner-tag", "REQUIRED_TAGS", `{"tag1Key":"owner"}`},
}

// auditSource is the snapshot of one account and region, with the verdict
// each rule must reach on each of its resources (rule name → resource id
// → compliance type).
type auditSource struct {
	account, region string
	items           []fileCI
	want            map[string]map[string]string
}

func (a *auditSource) expect(rule, id string, compliant bool) {
	v := "NON_COMPLIANT"
	if compliant {
		v = "COMPLIANT"
	}
	a.expectType(rule, id, v)
}

func (a *auditSource) expectType(rule, id, v string) {
	if a.want[rule] == nil {
		a.want[rule] = map[string]string{}
	}
	a.want[rule][id] = v
}

// auditSnapshot builds the snapshot of a source: n of each of four
// resource types, whose settings vary with the index and with salt, so
// that every account and region has its own counts. Each resource's
// verdicts are decided here, independently of the rules' code.
func auditSnapshot(account, region string, n, salt int, at time.Time) *auditSource {
	a := &auditSource{account: account, region: region, want: map[string]map[string]string{}}
	tags := func(i int) map[string]any {
		if (i+salt)%3 == 0 {
			return map[string]any{}
		}
		return map[string]any{"owner": "team-" + fmt.Sprint(i%4)}
	}
	tagged := func(i int) bool { return (i+salt)%3 != 0 }
	prefix := account[:3] + "-" + region
	for i := range n {
		// Buckets: versioning Enabled, Suspended or Off.
		id := fmt.Sprintf("bkt-%s-%d", prefix, i)
		status := []string{"Enabled", "Suspended", "Off"}[(i+salt)%3]
		a.items = append(a.items, bucketItem(account, region, id, status, 1, at).with("tags", tags(i)))
		a.expect("versioning", id, status == "Enabled")
		a.expect("owner-tag", id, tagged(i))

		// Volumes: attached and encrypted, attached and not, or not
		// attached (NOT_APPLICABLE).
		id = fmt.Sprintf("vol-%s-%d", prefix, i)
		kind := (i + 2*salt) % 3
		vol := map[string]any{"volumeId": id, "encrypted": kind == 0, "state": "in-use",
			"attachments": []any{map[string]any{"state": "attached", "instanceId": "i-x"}}}
		if kind == 2 {
			vol["state"], vol["attachments"] = "available", []any{}
		}
		a.items = append(a.items, fileItem(account, region, "AWS::EC2::Volume", id, 1, at).with("configuration", vol).with("tags", tags(i+1)))
		if kind == 2 {
			a.expectType("volumes", id, "NOT_APPLICABLE")
		} else {
			a.expect("volumes", id, kind == 0)
		}
		a.expect("owner-tag", id, tagged(i+1))

		// Security groups: SSH open to the internet on every fourth,
		// where salt is odd.
		id = fmt.Sprintf("sg-%s-%d", prefix, i)
		open := salt%2 == 1 && (i+salt)%4 == 0
		cidr := "10.0.0.0/8"
		if open {
			cidr = "0.0.0.0/0"
		}
		sg := map[string]any{"groupId": id, "ipPermissions": []any{map[string]any{
			"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
			"ipv4Ranges": []any{map[string]any{"cidrIp": cidr}}, "ipRanges": []any{cidr}}}}
		a.items = append(a.items, fileItem(account, region, "AWS::EC2::SecurityGroup", id, 1, at).with("configuration", sg).with("tags", tags(i+2)))
		a.expect("ssh", id, !open)
		a.expect("owner-tag", id, tagged(i+2))

		// Instances: a public address on every other one, unless salt
		// is 2.
		id = fmt.Sprintf("i-%s-%d", prefix, i)
		public := salt != 2 && (i+salt)%2 == 1
		nic := map[string]any{"networkInterfaceId": "eni-" + id, "privateIpAddress": "10.0.0.1"}
		if public {
			nic["association"] = map[string]any{"publicIp": "34.1.2.3", "ipOwnerId": "amazon"}
		}
		inst := map[string]any{"instanceId": id, "networkInterfaces": []any{nic}}
		a.items = append(a.items, fileItem(account, region, "AWS::EC2::Instance", id, 1, at).with("configuration", inst).with("tags", tags(i+3)))
		a.expect("public-ip", id, !public)
		a.expect("owner-tag", id, tagged(i+3))
	}
	return a
}

// writeSnapshotFile writes the source's snapshot where AWS Config
// delivers it under root/AWSLogs, gzipped as it is delivered.
func writeSnapshotFile(t *testing.T, root string, a *auditSource, at time.Time) {
	t.Helper()
	dir := filepath.Join(root, "AWSLogs", a.account, "Config", a.region, at.Format("2006/1/2"), "ConfigSnapshot")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s_Config_%s_ConfigSnapshot_%s_%s.json.gz", a.account, a.region, at.Format("20060102T150405Z"), "0f1e2d3c-aaaa-bbbb-cccc-"+a.account)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	body := map[string]any{"fileVersion": "1.0", "configSnapshotId": "0f1e2d3c-" + a.account, "configurationItems": a.items}
	if err := json.NewEncoder(zw).Encode(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// runImport imports the delivery tree under root into sink as
// `starling import` does, and checks every file was imported.
func runImport(t *testing.T, sink importer.Sink, root string, wantFiles int) {
	t.Helper()
	files, err := importer.Find([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importer.New(sink, importer.Options{Workers: 2, Writers: 1}).Run(context.Background(), files)
	if err != nil || sum.Failed != 0 || sum.Files != wantFiles {
		t.Fatalf("import: %+v, %v; want %d files, none failed", sum, err, wantFiles)
	}
}

// turnOnRules gives the source a recorder and the audit's rules.
func turnOnRules(t *testing.T, c *configservice.Client) {
	t.Helper()
	startRecording(t, c, nil)
	for _, r := range auditRules {
		putManagedRule(t, c, r.name, r.identifier, r.params)
	}
}

// TestImportedSnapshotAudit imports AWS Config snapshot files of three
// accounts in two regions, turns the managed rules on, and checks the
// aggregated compliance view account by account against the verdicts the
// files call for. Accounts B and D are imported into the stopped server's
// store (`starling import --data`, or `--store`) before their rules exist;
// account C's files go through the running server (`starling import`
// with its endpoint) after its rules are on, and are evaluated as they
// are recorded. D does not authorize the aggregator and must not show.
func TestImportedSnapshotAudit(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	at := testEpoch.Add(-6 * time.Hour)
	regions := []string{east, west}

	var sources []*auditSource
	offline, online := t.TempDir(), t.TempDir()
	for ai, account := range []string{acctB, acctC, acctD} {
		for ri, region := range regions {
			a := auditSnapshot(account, region, 5+3*ai+ri, ai+2*ri, at)
			sources = append(sources, a)
			root := offline
			if account == acctC {
				root = online
			}
			writeSnapshotFile(t, root, a, at)
		}
	}

	// B and D: into the stopped server's store.
	s.stop()
	inv, closeInv, err := app.OpenInventory(ctx, s.dataDir, s.store, config.SyncNormal, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runImport(t, importer.StoreSink{Store: inv}, offline, 4)
	if err := closeInv(); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, func(c *config.Config) { c.DataDir, c.Store = s.dataDir, s.store })
	for _, account := range []string{acctB, acctD} {
		for _, region := range regions {
			turnOnRules(t, s.config(account, region))
		}
	}
	// C: rules first, then its files through the server.
	for _, region := range regions {
		turnOnRules(t, s.config(acctC, region))
	}
	client := ingestclient.New(s.url, http.DefaultClient, func(account string) aws.Credentials {
		return aws.Credentials{AccessKeyID: account, SecretAccessKey: "x"}
	})
	runImport(t, importer.EndpointSink{Client: client}, online, 2)

	// The aggregator of A reads B and C, which authorize it, and D,
	// which does not.
	agg := s.config(acctA, east)
	_ = must(agg.PutConfigurationAggregator(ctx, &configservice.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String("audit"),
		AccountAggregationSources:   []types.AccountAggregationSource{{AccountIds: []string{acctB, acctC, acctD}, AwsRegions: regions}},
	})).get(t)
	for _, account := range []string{acctB, acctC} {
		for _, region := range regions {
			_ = s.authorize(t, account, region, acctA, east)
		}
	}

	// What the files call for, per source and rule: the rule's
	// compliance and its noncompliant resources; per account, how many
	// (source, rule) pairs are compliant and how many are not.
	type ruleWant struct {
		compliance string
		nonCount   int
	}
	ruleWants := map[string]ruleWant{} // account/region/rule
	accountSums := map[string][2]int{} // account → {compliant, noncompliant}
	for _, a := range sources {
		if a.account == acctD {
			continue
		}
		for _, r := range auditRules {
			w := ruleWant{compliance: "INSUFFICIENT_DATA"}
			for _, v := range a.want[r.name] {
				switch {
				case v == "NON_COMPLIANT":
					w.nonCount++
					w.compliance = v
				case v == "COMPLIANT" && w.compliance == "INSUFFICIENT_DATA":
					w.compliance = v
				}
			}
			ruleWants[a.account+"/"+a.region+"/"+r.name] = w
			sum := accountSums[a.account]
			switch w.compliance {
			case "COMPLIANT":
				sum[0]++
			case "NON_COMPLIANT":
				sum[1]++
			}
			accountSums[a.account] = sum
		}
	}

	// Account by account: the rules, with each one's noncompliant count.
	for _, account := range []string{acctB, acctC, acctD} {
		got := map[string]ruleWant{}
		in := &configservice.DescribeAggregateComplianceByConfigRulesInput{
			ConfigurationAggregatorName: aws.String("audit"), Limit: 4,
			Filters: &types.ConfigRuleComplianceFilters{AccountId: aws.String(account)}}
		for {
			out := must(agg.DescribeAggregateComplianceByConfigRules(ctx, in)).get(t)
			for _, r := range out.AggregateComplianceByConfigRules {
				w := ruleWant{compliance: string(r.Compliance.ComplianceType)}
				if r.Compliance.ComplianceContributorCount != nil {
					w.nonCount = int(r.Compliance.ComplianceContributorCount.CappedCount)
				}
				got[aws.ToString(r.AccountId)+"/"+aws.ToString(r.AwsRegion)+"/"+aws.ToString(r.ConfigRuleName)] = w
			}
			if in.NextToken = out.NextToken; in.NextToken == nil {
				break
			}
		}
		want := map[string]ruleWant{}
		for k, w := range ruleWants {
			if strings.HasPrefix(k, account+"/") {
				want[k] = w
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("account %s: DescribeAggregateComplianceByConfigRules =\n%v\nwant\n%v", account, got, want)
		}
	}

	// The summary by account (the data gives B and C different sums).
	sum := must(agg.GetAggregateConfigRuleComplianceSummary(ctx, &configservice.GetAggregateConfigRuleComplianceSummaryInput{
		ConfigurationAggregatorName: aws.String("audit"), GroupByKey: types.ConfigRuleComplianceSummaryGroupKeyAccountId})).get(t)
	var gotSums []string
	for _, c := range sum.AggregateComplianceCounts {
		gotSums = append(gotSums, fmt.Sprintf("%s:%d/%d", aws.ToString(c.GroupName),
			c.ComplianceSummary.CompliantResourceCount.CappedCount, c.ComplianceSummary.NonCompliantResourceCount.CappedCount))
	}
	var wantSums []string
	for _, account := range []string{acctB, acctC} {
		wantSums = append(wantSums, fmt.Sprintf("%s:%d/%d", account, accountSums[account][0], accountSums[account][1]))
	}
	if fmt.Sprint(gotSums) != fmt.Sprint(wantSums) || accountSums[acctB] == accountSums[acctC] {
		t.Errorf("GetAggregateConfigRuleComplianceSummary by account = %v; want %v", gotSums, wantSums)
	}

	// Every resource's verdict, per account, region and rule, a few a page.
	for _, a := range sources {
		for _, r := range auditRules {
			var got []string
			in := &configservice.GetAggregateComplianceDetailsByConfigRuleInput{
				ConfigurationAggregatorName: aws.String("audit"), ConfigRuleName: aws.String(r.name),
				AccountId: aws.String(a.account), AwsRegion: aws.String(a.region), Limit: 7}
			for {
				out, err := agg.GetAggregateComplianceDetailsByConfigRule(ctx, in)
				if err != nil {
					t.Fatalf("%s/%s/%s: %v", a.account, a.region, r.name, err)
				}
				for _, e := range out.AggregateEvaluationResults {
					got = append(got, aws.ToString(e.EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId)+"="+string(e.ComplianceType))
				}
				if in.NextToken = out.NextToken; in.NextToken == nil {
					break
				}
			}
			var want []string
			if a.account != acctD {
				for id, v := range a.want[r.name] {
					want = append(want, id+"="+v)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s/%s/%s: details =\n%v\nwant\n%v", a.account, a.region, r.name, got, want)
			}
		}
	}
}
