package configservice

import (
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// TestAggregatePacksReadOnce checks that the aggregated reads of
// conformance packs read no pack of the control plane, whatever the
// filter: they read the results store's copy, which SyncPacks made in one
// read of the packs, and show the packs of the readable sources only, in
// (account, region, name) order.
func TestAggregatePacksReadOnce(t *testing.T) {
	inv, err := sqlite.OpenInventory(t.Context(), t.TempDir(), sqlite.InventoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inv.Close() })
	s, cs, _, ctx := newCostService(t, Options{Results: inv.Compliance()})
	accounts := testAccounts(4)
	regions := []string{"eu-west-1", "us-east-1", "us-west-2"}
	putAccountAggregator(t, s, ctx, "agg", accounts, regions)
	// Every source authorizes the aggregator but accounts[3] in us-west-2.
	for _, a := range accounts {
		for _, r := range regions {
			if a == accounts[3] && r == "us-west-2" {
				continue
			}
			if _, err := s.PutAggregationAuthorization(asCaller(ctx, store.Regional(a, r)), &configapi.PutAggregationAuthorizationRequest{
				AuthorizedAccountId: ptr(costOwner.Owner), AuthorizedAwsRegion: ptr(costOwner.Region)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	packs := []struct{ account, region, name string }{
		{accounts[1], "us-west-2", "q"},
		{accounts[0], "eu-west-1", "p2"},
		{accounts[0], "eu-west-1", "p1"},
		{accounts[0], "us-west-2", "p3"},
		// Not read: a source that did not authorize the aggregator, and
		// an account the aggregator does not name.
		{accounts[3], "us-west-2", "hidden"},
		{"999999999999", "eu-west-1", "other"},
	}
	if err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, p := range packs {
			rec := packRecord{Detail: configapi.ConformancePackDetail{ConformancePackName: ptr(p.name)}}
			if err := store.PutJSON(tx, store.Regional(p.account, p.region), kindConformancePack, p.name, &rec); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// As a process does when it starts: written behind the service's
	// back, the packs are not in the results store's copy until then.
	cs.reset()
	if err := s.SyncPacks(ctx); err != nil {
		t.Fatal(err)
	}
	cs.mu.Lock()
	if n := cs.listsOf[kindConformancePack]; n != 1 {
		t.Errorf("SyncPacks: %d reads of the packs; want one", n)
	}
	cs.mu.Unlock()
	a0, a1 := accounts[0], accounts[1]
	for _, tt := range []struct {
		name    string
		filters *configapi.AggregateConformancePackComplianceFilters
		want    string
	}{
		{"unfiltered", nil, a0 + "/eu-west-1/p1," + a0 + "/eu-west-1/p2," + a0 + "/us-west-2/p3," + a1 + "/us-west-2/q"},
		{"one account", &configapi.AggregateConformancePackComplianceFilters{AccountId: ptr(a1)}, a1 + "/us-west-2/q"},
		{"one region", &configapi.AggregateConformancePackComplianceFilters{AwsRegion: ptr("us-west-2")}, a0 + "/us-west-2/p3," + a1 + "/us-west-2/q"},
		{"one source", &configapi.AggregateConformancePackComplianceFilters{AccountId: ptr(a0), AwsRegion: ptr("eu-west-1")}, a0 + "/eu-west-1/p1," + a0 + "/eu-west-1/p2"},
		{"a source without packs", &configapi.AggregateConformancePackComplianceFilters{AccountId: ptr(accounts[2])}, ""},
		{"an unreadable source", &configapi.AggregateConformancePackComplianceFilters{AccountId: ptr(accounts[3]), AwsRegion: ptr("us-west-2")}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cs.reset()
			out, err := s.DescribeAggregateComplianceByConformancePacks(ctx, &configapi.DescribeAggregateComplianceByConformancePacksRequest{
				ConfigurationAggregatorName: ptr("agg"), Filters: tt.filters})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range out.AggregateComplianceByConformancePacks {
				got = append(got, *p.AccountId+"/"+*p.AwsRegion+"/"+*p.ConformancePackName)
			}
			if g := strings.Join(got, ","); g != tt.want {
				t.Errorf("packs: got %s; want %s", g, tt.want)
			}
			cs.mu.Lock()
			defer cs.mu.Unlock()
			if n := cs.listsOf[kindConformancePack]; n != 0 {
				t.Errorf("%d reads of the packs; want none (the results store pages its copy)", n)
			}
		})
	}
	for _, key := range []string{"ACCOUNT_ID", "AWS_REGION"} {
		t.Run("summary by "+key, func(t *testing.T) {
			cs.reset()
			out, err := s.GetAggregateConformancePackComplianceSummary(ctx, &configapi.GetAggregateConformancePackComplianceSummaryRequest{
				ConfigurationAggregatorName: ptr("agg"), GroupByKey: ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range out.AggregateConformancePackComplianceSummaries {
				got = append(got, *g.GroupName)
			}
			want := []string{a0, a1}
			if key == "AWS_REGION" {
				want = []string{"eu-west-1", "us-west-2"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("groups: got %v; want %v", got, want)
			}
			cs.mu.Lock()
			defer cs.mu.Unlock()
			if n := cs.listsOf[kindConformancePack]; n != 0 {
				t.Errorf("%d reads of the packs; want none (the results store sums its copy)", n)
			}
		})
	}
}
