package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/generate"
	"github.com/starlingcfg/starling/internal/inventory"
)

// The organization the tests generate: small, so that -race stays fast.
var genArgs = []string{"--accounts", "3", "--regions", "us-east-1,eu-west-1", "--resources", "40", "--seed", "5"}

func genPlan(t *testing.T) *generate.Plan {
	t.Helper()
	p, err := generate.New(generate.Options{Seed: 5, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"}, ResourcesPerSource: 40})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func orgsClient(url, account string) *organizations.Client {
	return organizations.New(organizations.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(account, "x", ""),
	})
}

func configClient(url, account, region string) *configservice.Client {
	return configservice.New(configservice.Options{
		Region: region, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(account, "x", ""),
	})
}

// checkGenerated checks, through the public API, that the server at url
// holds the plan's organization and resources.
func checkGenerated(t *testing.T, url string, p *generate.Plan) {
	t.Helper()
	ctx := t.Context()
	accts := p.Accounts()
	mgmt := accts[0].ID
	out, err := orgsClient(url, mgmt).ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range out.Accounts {
		got = append(got, aws.ToString(a.Id))
	}
	for _, a := range accts {
		if !slices.Contains(got, a.ID) {
			t.Errorf("ListAccounts = %v, lacks %s (%s)", got, a.ID, a.Name)
		}
	}

	aggs, err := configClient(url, mgmt, "us-east-1").DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(aggs.ConfigurationAggregators) != 1 || aws.ToString(aggs.ConfigurationAggregators[0].ConfigurationAggregatorName) != "generated" ||
		aggs.ConfigurationAggregators[0].OrganizationAggregationSource == nil {
		t.Errorf("aggregators = %+v, want the organization aggregator generated", aggs.ConfigurationAggregators)
	}

	// A member's recorder records.
	member := accts[2].ID
	st, err := configClient(url, member, "eu-west-1").DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.ConfigurationRecordersStatus) != 1 || !st.ConfigurationRecordersStatus[0].Recording {
		t.Errorf("recorder status of %s in eu-west-1 = %+v, want recording", member, st.ConfigurationRecordersStatus)
	}
	// Every source lists its generated resources, deleted ones aside.
	types := []string{"AWS::EC2::Instance", "AWS::EC2::VPC", "AWS::Lambda::Function", "AWS::Config::ResourceCompliance"}
	total := map[string]int{}
	for _, src := range p.Sources() {
		live := map[string]map[string]bool{}
		err := p.Items(src.AccountID, src.Region, func(it inventory.Item) error {
			if live[it.ResourceType] == nil {
				live[it.ResourceType] = map[string]bool{}
			}
			live[it.ResourceType][it.ResourceID] = !it.Deleted() // the latest version decides
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c := configClient(url, src.AccountID, src.Region)
		for _, typ := range types {
			var listed, want []string
			pg := configservice.NewListDiscoveredResourcesPaginator(c, &configservice.ListDiscoveredResourcesInput{ResourceType: cstypes.ResourceType(typ)})
			for pg.HasMorePages() {
				page, err := pg.NextPage(ctx)
				if err != nil {
					t.Fatalf("ListDiscoveredResources %s: %v", typ, err)
				}
				for _, r := range page.ResourceIdentifiers {
					listed = append(listed, aws.ToString(r.ResourceId))
				}
			}
			for id, ok := range live[typ] {
				if ok {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			slices.Sort(listed)
			if !slices.Equal(listed, want) {
				t.Errorf("ListDiscoveredResources %s of %s = %v, want %v", typ, src, listed, want)
			}
			total[typ] += len(listed)
		}
	}
	for _, typ := range types {
		if total[typ] == 0 {
			t.Errorf("no %s listed anywhere", typ)
		}
	}
	// Global IAM resources are recorded in the first region only.
	roles, err := configClient(url, member, "us-east-1").ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{ResourceType: cstypes.ResourceTypeRole})
	if err != nil {
		t.Fatal(err)
	}
	if len(roles.ResourceIdentifiers) == 0 {
		t.Error("no IAM roles in the home region")
	}
}

func TestGenerateEndpoint(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	url, _ := apptest.Start(t, cfg, app.Options{})
	stdout, stderr, err := runCmd(t, nil, append([]string{"generate", "--endpoint", url}, genArgs...)...)
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(stdout, "generated 3 accounts × 2 regions: ") || !strings.Contains(stdout, `organization aggregator "generated" in us-east-1 of 000000000000`) {
		t.Errorf("summary = %q", stdout)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing when it is not a terminal", stderr)
	}
	checkGenerated(t, url, genPlan(t))

	// Again: the same organization, nothing new.
	stdout, stderr, err = runCmd(t, nil, append([]string{"generate", "--endpoint", url}, genArgs...)...)
	if err != nil {
		t.Fatalf("generate again: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "(0 new, ") {
		t.Errorf("second run: %q, want nothing new", stdout)
	}
}

func TestGenerateData(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, err := runCmd(t, nil, append([]string{"generate", "--data", dir}, genArgs...)...)
	if err != nil {
		t.Fatalf("generate --data: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(stdout, "generated ") {
		t.Errorf("summary = %q", stdout)
	}
	// A server started on the directory afterwards serves it all.
	cfg := config.Defaults()
	cfg.DataDir = dir
	url, _ := apptest.Start(t, cfg, app.Options{})
	checkGenerated(t, url, genPlan(t))
}

func TestGenerateFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "--endpoint", "http://x", "--data", "d"}, "--endpoint or --data, not both"},
		{[]string{"generate", "extra"}, `unexpected argument "extra"`},
		{[]string{"generate", "--regions", "moon-1"}, `"moon-1" is not a region name`},
		{[]string{"generate", "--accounts", "-2"}, "want 1 to 100000"},
		{[]string{"generate", "--management-account", "42"}, "not a 12-digit account id"},
		{[]string{"generate", "--batch", "0"}, "at least 1"},
	} {
		_, _, err := runCmd(t, nil, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	// An endpoint that does not answer.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"generate", "--endpoint", srv.URL, "--accounts", "1"}, func(string) string { return "" }, &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "create the organization") && !strings.Contains(err.Error(), "describe the organization") {
		t.Errorf("unreachable endpoint: %v", err)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(300, 600, 1500, 2*time.Second)
	want := "[===============               ] 300/600 resources  1500 configuration items  750/s"
	if got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
}
