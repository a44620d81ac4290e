package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/config"
)

func TestListFilters(t *testing.T) {
	acct := func(id string, types ...group) typeMix { return mixOf(typeMix{Account: id}, types) }
	region := func(r string, types ...group) typeMix { return mixOf(typeMix{Region: r}, types) }
	a := []typeMix{
		acct("111111111111", group{"AWS::EC2::Instance", 3}, group{"AWS::S3::Bucket", 1}),
		acct("222222222222", group{"AWS::IAM::Role", 2}),
	}
	r := []typeMix{region("eu-west-1", group{"AWS::EC2::Instance", 5}), region("us-east-1", group{"AWS::S3::Bucket", 2})}
	tests := []struct {
		name              string
		accounts, regions []typeMix
		k                 int
		wantKinds         string // per filter: a (account) or r (region)
	}{
		{name: "both alternate, account first", accounts: a, regions: r, k: 6, wantKinds: "ararar"},
		{name: "accounts only", accounts: a, k: 4, wantKinds: "aaaa"},
		{name: "regions only", regions: r, k: 3, wantKinds: "rrr"},
		{name: "one filter", accounts: a, regions: r, k: 1, wantKinds: "a"},
		{name: "nothing to draw from", k: 3, wantKinds: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := listFilters(tt.accounts, tt.regions, tt.k, rand.New(rand.NewPCG(1, 2)))
			again := listFilters(tt.accounts, tt.regions, tt.k, rand.New(rand.NewPCG(1, 2)))
			if !slices.Equal(got, again) {
				t.Errorf("the same seed drew %v, then %v", got, again)
			}
			if len(got) != len(tt.wantKinds) {
				t.Fatalf("%d filters %v; want %d", len(got), got, len(tt.wantKinds))
			}
			for i, f := range got {
				from := tt.accounts
				if tt.wantKinds[i] == 'r' {
					from = tt.regions
				}
				j := slices.IndexFunc(from, func(m typeMix) bool { return m.Account == f.Account && m.Region == f.Region })
				if j < 0 || (f.Account == "") == (f.Region == "") || (tt.wantKinds[i] == 'a') != (f.Account != "") {
					t.Fatalf("filter %d = %+v; want one of %s's %+v", i, f, tt.wantKinds[i:i+1], from)
				}
				if !slices.ContainsFunc(from[j].Types, func(g group) bool { return g.GroupName == f.Type }) {
					t.Errorf("filter %d = %+v: a type its account or region does not hold", i, f)
				}
			}
		})
	}
}

// mixOf is m holding types.
func mixOf(m typeMix, types []group) typeMix {
	m.Types = types
	for _, g := range types {
		m.Total += g.ResourceCount
	}
	return m
}

func TestPickType(t *testing.T) {
	tests := []struct {
		name  string
		types []group
		want  map[string]float64 // share of the draws
	}{
		{name: "one type", types: []group{{"AWS::EC2::Instance", 7}}, want: map[string]float64{"AWS::EC2::Instance": 1}},
		{name: "in proportion to the counts", types: []group{{"A", 1}, {"B", 3}},
			want: map[string]float64{"A": 0.25, "B": 0.75}},
		{name: "a type with none is never drawn", types: []group{{"A", 0}, {"B", 2}, {"C", 2}},
			want: map[string]float64{"B": 0.5, "C": 0.5}},
		{name: "no counts at all: uniform", types: []group{{"A", 0}, {"B", 0}},
			want: map[string]float64{"A": 0.5, "B": 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mixOf(typeMix{Account: "111111111111"}, tt.types)
			r := rand.New(rand.NewPCG(3, 4))
			const n = 20000
			got := map[string]int{}
			for range n {
				got[pickType(&m, r)]++
			}
			for typ, c := range got {
				share, ok := tt.want[typ]
				if !ok {
					t.Fatalf("drew %q %d times; want only %v", typ, c, tt.want)
				}
				if f := float64(c) / n; f < share-0.02 || f > share+0.02 {
					t.Errorf("drew %q %.3f of the time; want %.3f", typ, f, share)
				}
			}
		})
	}
}

func TestSampleBatches(t *testing.T) {
	pool := make([]aggID, 250)
	for i := range pool {
		pool[i] = aggID{"111111111111", "us-east-1", fmt.Sprintf("i-%d", i), "AWS::EC2::Instance"}
	}
	tests := []struct {
		name     string
		pool     []aggID
		k, size  int
		wantSize int
	}{
		{name: "pool larger than a batch", pool: pool, k: 5, size: 100, wantSize: 100},
		{name: "pool smaller than a batch: all of it", pool: pool[:30], k: 3, size: 100, wantSize: 30},
		{name: "pool exactly a batch", pool: pool[:100], k: 2, size: 100, wantSize: 100},
		{name: "one identifier", pool: pool[:1], k: 4, size: 100, wantSize: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sampleBatches(tt.pool, tt.k, tt.size, rand.New(rand.NewPCG(5, 6)))
			if len(got) != tt.k {
				t.Fatalf("%d batches; want %d", len(got), tt.k)
			}
			for i, b := range got {
				if len(b) != tt.wantSize {
					t.Errorf("batch %d has %d identifiers; want %d", i, len(b), tt.wantSize)
				}
				seen := map[aggID]bool{}
				for _, id := range b {
					if seen[id] || !slices.Contains(tt.pool, id) {
						t.Fatalf("batch %d: %+v repeated or not from the pool", i, id)
					}
					seen[id] = true
				}
			}
			if tt.wantSize < len(tt.pool) && slices.Equal(got[0], got[1]) {
				t.Errorf("batches 0 and 1 are the same draw")
			}
		})
	}
}

func TestAggregateBodies(t *testing.T) {
	id := aggID{"111111111111", "eu-west-1", "i-1", "AWS::EC2::Instance"}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{name: "counts grouped", got: countsBody("generated", GroupAccountID, aggFilter{}, ""),
			want: `{"ConfigurationAggregatorName":"generated","GroupByKey":"ACCOUNT_ID"}`},
		{name: "counts of an account, next page", got: countsBody("g", GroupResourceType, aggFilter{Account: "111111111111"}, "tok"),
			want: `{"ConfigurationAggregatorName":"g","Filters":{"AccountId":"111111111111"},"GroupByKey":"RESOURCE_TYPE","NextToken":"tok"}`},
		{name: "counts of a type and a region", got: countsBody("g", GroupRegion, aggFilter{Type: "AWS::S3::Bucket", Region: "us-east-1"}, ""),
			want: `{"ConfigurationAggregatorName":"g","Filters":{"ResourceType":"AWS::S3::Bucket","Region":"us-east-1"},"GroupByKey":"AWS_REGION"}`},
		{name: "list of a type in an account", got: listBody("g", aggFilter{Type: "AWS::EC2::Instance", Account: "111111111111"}),
			want: `{"ConfigurationAggregatorName":"g","ResourceType":"AWS::EC2::Instance","Filters":{"AccountId":"111111111111"},"Limit":100}`},
		{name: "list of a type in a region", got: listBody("g", aggFilter{Type: "AWS::EC2::Instance", Region: "eu-west-1"}),
			want: `{"ConfigurationAggregatorName":"g","ResourceType":"AWS::EC2::Instance","Filters":{"Region":"eu-west-1"},"Limit":100}`},
		{name: "batch get", got: batchGetBody("g", []aggID{id}),
			want: `{"ConfigurationAggregatorName":"g","ResourceIdentifiers":[{"SourceAccountId":"111111111111","SourceRegion":"eu-west-1","ResourceId":"i-1","ResourceType":"AWS::EC2::Instance"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Errorf("body = %s\nwant   %s", tt.got, tt.want)
			}
		})
	}
}

func TestNameable(t *testing.T) {
	for typ, want := range map[string]bool{
		"AWS::EC2::Instance":  true,
		"AWS::IAM::Role":      true,
		"AWS::Logs::LogGroup": false, // generated, but not in the API model's enum
		"":                    false,
	} {
		if got := nameable(typ); got != want {
			t.Errorf("nameable(%q) = %v; want %v", typ, got, want)
		}
	}
}

// The inventory TestPrepareAggregate builds: the owner and a second
// account, each in two regions, with several types, one of which the API
// cannot name, and a deleted resource.
const (
	aggOwner  = "000000000000"
	aggOther  = "111111111111"
	aggRegion = "us-east-1"
)

var aggRegions = []string{"us-east-1", "eu-west-1"}

// testResource is a resource TestPrepareAggregate records.
type testResource struct {
	typ, id string
	deleted bool
}

// aggResources are the resources of each account and region.
var aggResources = []testResource{
	{typ: "AWS::EC2::Instance", id: "i-1"}, {typ: "AWS::EC2::Instance", id: "i-2"}, {typ: "AWS::EC2::Instance", id: "i-3"},
	{typ: "AWS::EC2::Instance", id: "i-gone", deleted: true},
	{typ: "AWS::S3::Bucket", id: "bucket-1"}, {typ: "AWS::S3::Bucket", id: "bucket-2"},
	{typ: "AWS::Logs::LogGroup", id: "log-1"},
}

// startAggregate starts Starling with the inventory and an account
// aggregator over it, and returns a client signed as the owner.
func startAggregate(t *testing.T, name string) *Client {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	url, _ := apptest.Start(t, cfg, app.Options{})
	ctx := context.Background()
	hc := NewHTTPClient(1)
	for _, account := range []string{aggOwner, aggOther} {
		for _, region := range aggRegions {
			c := NewClient(url, hc, account, "x", region)
			// recordInstances starts the recorder; the rest is ingested after.
			if err := recordInstances(ctx, c, 0); err != nil {
				t.Fatal(err)
			}
			ingestTestResources(t, c, aggResources)
			body := fmt.Sprintf(`{"AuthorizedAccountId":%q,"AuthorizedAwsRegion":%q}`, aggOwner, aggRegion)
			if _, err := c.CallOK(ctx, "PutAggregationAuthorization", []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	owner := NewClient(url, hc, aggOwner, "x", aggRegion)
	body, _ := json.Marshal(map[string]any{
		"ConfigurationAggregatorName": name,
		"AccountAggregationSources":   []map[string]any{{"AccountIds": []string{aggOwner, aggOther}, "AwsRegions": aggRegions}},
	})
	if _, err := owner.CallOK(ctx, apiPut, body); err != nil {
		t.Fatal(err)
	}
	return owner
}

// ingestTestResources records rs in c's account and region; a deleted one
// is recorded, then its deletion.
func ingestTestResources(t *testing.T, c *Client, rs []testResource) {
	t.Helper()
	var items []string
	item := func(r testResource, status string, stateID int) string {
		return fmt.Sprintf(`{"configurationItemVersion":"1.3","configurationItemCaptureTime":"2026-01-01T00:00:%02d.000Z",`+
			`"configurationStateId":%d,"awsAccountId":%q,"configurationItemStatus":%q,"resourceType":%q,"resourceId":%q,`+
			`"awsRegion":%q,"relationships":[],"configuration":{"id":%q},"supplementaryConfiguration":{}}`,
			stateID, stateID, c.Account(), status, r.typ, r.id, c.Region(), r.id)
	}
	for i, r := range rs {
		items = append(items, item(r, "ResourceDiscovered", i+1))
		if r.deleted {
			items = append(items, item(r, "ResourceDeleted", i+30))
		}
	}
	body := `{"fileVersion":"1.0","configurationItems":[` + strings.Join(items, ",") + `]}`
	if _, err := c.CallOK(context.Background(), apiIngest, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// TestPrepareAggregate prepares each aggregate workload against an account
// aggregator of two accounts in two regions, and checks that its requests
// succeed and ask for what exists: each list page is of a type its
// account or region holds, each batch finds all its resources.
func TestPrepareAggregate(t *testing.T) {
	c := startAggregate(t, "agg")
	ctx := context.Background()
	live := 0 // resources per source the API can name and not deleted
	for _, r := range aggResources {
		if !r.deleted && nameable(r.typ) {
			live++
		}
	}
	sources := len(aggRegions) * 2
	for _, tt := range []struct {
		op, group string
		names     int
		check     func(t *testing.T, req Request, resp []byte)
	}{
		{op: OpAggList, names: 12, check: func(t *testing.T, req Request, resp []byte) {
			var in struct {
				ResourceType string
				Filters      resourceFilters
			}
			var out struct{ ResourceIdentifiers []aggID }
			if err := json.Unmarshal(req.Body, &in); err != nil || json.Unmarshal(resp, &out) != nil {
				t.Fatalf("request %s, answer %s", req.Body, resp)
			}
			if (in.Filters.AccountId == "") == (in.Filters.Region == "") || !nameable(in.ResourceType) {
				t.Errorf("request %s; want a nameable type and an account or a region", req.Body)
			}
			if len(out.ResourceIdentifiers) == 0 {
				t.Errorf("request %s found nothing", req.Body)
			}
		}},
		{op: OpAggBatchGet, names: 3, check: func(t *testing.T, req Request, resp []byte) {
			var in, out struct {
				ResourceIdentifiers            []aggID
				BaseConfigurationItems         []json.RawMessage
				UnprocessedResourceIdentifiers []aggID
			}
			if err := json.Unmarshal(req.Body, &in); err != nil || json.Unmarshal(resp, &out) != nil {
				t.Fatalf("request %s, answer %s", req.Body, resp)
			}
			if n := len(in.ResourceIdentifiers); n != live*sources || len(out.BaseConfigurationItems) != n || len(out.UnprocessedResourceIdentifiers) != 0 {
				t.Errorf("%d identifiers: %d items, %d unprocessed; want all %d live resources, found", n,
					len(out.BaseConfigurationItems), len(out.UnprocessedResourceIdentifiers), live*sources)
			}
		}},
		{op: OpAggCounts, group: GroupAccountID, names: 1, check: func(t *testing.T, _ Request, resp []byte) {
			var out struct {
				TotalDiscoveredResources int64
				GroupedResourceCounts    []group
			}
			if err := json.Unmarshal(resp, &out); err != nil || len(out.GroupedResourceCounts) != 2 {
				t.Errorf("answer %s; want two accounts", resp)
			}
		}},
	} {
		t.Run(tt.op, func(t *testing.T) {
			var progress strings.Builder
			plan, err := PrepareAggregate(ctx, c, AggregateOptions{Op: tt.op, Aggregator: "agg", Group: tt.group, Names: tt.names, Progress: &progress})
			if err != nil {
				t.Fatalf("PrepareAggregate: %v", err)
			}
			if plan.Op != tt.op || plan.Workload == "" {
				t.Errorf("plan: op %q, workload %q", plan.Op, plan.Workload)
			}
			if tt.op != OpAggCounts && !strings.Contains(progress.String(), "AWS::Logs::LogGroup") {
				t.Errorf("progress does not name the type left out:\n%s", progress.String())
			}
			distinct := map[string]bool{}
			for i := range uint64(2 * tt.names) {
				req := plan.Request(i)
				if i >= uint64(tt.names) && string(req.Body) != string(plan.Request(i-uint64(tt.names)).Body) {
					t.Errorf("request %d differs from request %d; want a cycle of %d", i, i-uint64(tt.names), tt.names)
				}
				distinct[string(req.Body)] = true
				resp, err := c.CallOK(ctx, req.Op, req.Body)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				tt.check(t, req, resp)
			}
			if tt.op == OpAggList && len(distinct) < 4 {
				t.Errorf("%d distinct filters of %d; want them varied", len(distinct), tt.names)
			}
		})
	}
}

// TestPrepareAggregate_Refusals checks that a workload that cannot be
// prepared says why.
func TestPrepareAggregate_Refusals(t *testing.T) {
	c := startAggregate(t, "agg")
	ctx := context.Background()
	empty, _ := json.Marshal(map[string]any{
		"ConfigurationAggregatorName": "empty",
		"AccountAggregationSources":   []map[string]any{{"AccountIds": []string{"333333333333"}, "AllAwsRegions": true}},
	})
	if _, err := c.CallOK(ctx, apiPut, empty); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		o       AggregateOptions
		wantErr string
	}{
		{name: "no such aggregator", o: AggregateOptions{Op: OpAggList, Aggregator: "nope", Names: 1}, wantErr: "NoSuchConfigurationAggregatorException"},
		{name: "no such aggregator to count", o: AggregateOptions{Op: OpAggCounts, Aggregator: "nope", Group: GroupRegion, Names: 1}, wantErr: "NoSuchConfigurationAggregatorException"},
		{name: "an aggregator without resources", o: AggregateOptions{Op: OpAggBatchGet, Aggregator: "empty", Names: 1}, wantErr: "holds no resources"},
		{name: "bad group", o: AggregateOptions{Op: OpAggCounts, Aggregator: "agg", Group: "TYPE", Names: 1}, wantErr: `group "TYPE"`},
		{name: "no aggregator named", o: AggregateOptions{Op: OpAggList, Names: 1}, wantErr: "no aggregator"},
		{name: "no names", o: AggregateOptions{Op: OpAggList, Aggregator: "agg"}, wantErr: "at least 1"},
		{name: "not an aggregate operation", o: AggregateOptions{Op: OpPut, Aggregator: "agg", Names: 1}, wantErr: "unknown aggregate operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PrepareAggregate(ctx, c, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PrepareAggregate: %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
