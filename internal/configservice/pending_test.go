package configservice

import (
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/store"
)

// TestPendingLegacyIndex checks data written before the regions moved out of
// the request records: a record that still holds its regions, of an
// aggregator with no kindRequestRegions record, is read through the
// aggregator's own record.
func TestPendingLegacyIndex(t *testing.T) {
	s, _, _, ctx := newCostService(t, Options{})
	source := "222222222222"
	putAccountAggregator(t, s, ctx, "agg", []string{source}, []string{"us-east-1", "eu-west-1"})
	legacy := `{"regions":["eu-west-1","us-east-1"],"requestedAt":"2026-01-02T03:04:05Z"}`
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(costOwner, kindRequestRegions, "agg"); err != nil {
			return err
		}
		return tx.Put(sourceIndexNamespace(source), kindSourceRequest, sourceRequestID(costOwner, "agg"), []byte(legacy))
	})
	if err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string]string{"us-east-1": "111111111111/us-east-1", "eu-west-1": "111111111111/us-east-1", "ap-south-1": ""} {
		sctx := asCaller(ctx, store.Namespace{Owner: source, Region: region})
		if got := strings.Join(listPending(t, sctx, s, 0), " "); got != want {
			t.Errorf("pending in %s = %q; want %q", region, got, want)
		}
	}
	out, err := sourcesStatus(ctx, s, "agg", 0, nil)
	if err != nil || len(out.AggregatedSourceStatusList) != 2 || *out.AggregatedSourceStatusList[0].LastErrorCode != codeAuthorizationPending {
		t.Fatalf("status = %+v, %v; want 2 pending sources", out, err)
	}
	// The next Put writes the regions record again.
	putAccountAggregator(t, s, ctx, "agg", []string{source}, []string{"us-east-1"})
	err = s.store.View(ctx, func(tx store.Tx) error {
		rr, ok, err := loadRequestRegions(tx, costOwner, "agg")
		if err == nil && (!ok || strings.Join(rr.Regions, ",") != "us-east-1") {
			t.Errorf("regions record = %+v, %v; want us-east-1", rr, ok)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPendingCoversWhatTheAggregatorReads checks that a request is pending
// in exactly the regions walkSources reads: for AllAwsRegions, the
// configured regions and the aggregator's own.
func TestPendingCoversWhatTheAggregatorReads(t *testing.T) {
	s, _, _, ctx := newCostService(t, Options{Regions: []string{"eu-west-1", "us-west-2"}})
	source := "222222222222"
	yes := true
	if _, err := s.PutConfigurationAggregator(ctx, &configapi.PutConfigurationAggregatorRequest{
		ConfigurationAggregatorName: ptr("all"),
		AccountAggregationSources:   []configapi.AccountAggregationSource{{AccountIds: []string{source}, AllAwsRegions: &yes}},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := sourcesStatus(ctx, s, "all", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, st := range out.AggregatedSourceStatusList {
		read[*st.AwsRegion] = true
	}
	for _, region := range []string{"eu-west-1", "us-west-2", "us-east-1", "ap-south-1"} {
		pending := len(listPending(t, asCaller(ctx, store.Namespace{Owner: source, Region: region}), s, 0)) == 1
		if pending != read[region] {
			t.Errorf("in %s: request pending %v, source read %v; want the same", region, pending, read[region])
		}
	}
	if len(read) != 3 {
		t.Errorf("sources read in %d regions; want 3", len(read))
	}
}

// TestVerdictMessages checks that every failing verdict explains itself,
// naming what it is about.
func TestVerdictMessages(t *testing.T) {
	owner := store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	source := store.Namespace{Owner: "222222222222", Region: "eu-west-1"}
	for _, code := range []string{codeAuthorizationPending, codeAuthorizationRejected, codeAuthorizationNotFound, codeConfigNotEnabled, codeRecorderStopped} {
		msg := verdict{code: code, owner: owner, source: source}.message()
		if !strings.Contains(msg, "account 222222222222 in region eu-west-1") {
			t.Errorf("%s: message %q does not name the source", code, msg)
		}
	}
	for _, code := range []string{codeOrganizationNotFound, codeOrganizationChanged, codeAllFeatures, codeServiceAccess, codeOrganizationDenied} {
		msg := verdict{code: code, owner: owner, org: "o-bbbbbbbbbb", wantOrg: "o-aaaaaaaaaa"}.message()
		if msg == "" || !strings.Contains(msg, "o-") {
			t.Errorf("%s: message %q does not name the organization", code, msg)
		}
	}
	if msg := (verdict{}).message(); msg != "" {
		t.Errorf("a readable source has message %q", msg)
	}
}
