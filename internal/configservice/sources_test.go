package configservice

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/orgdir"
	"github.com/starlingcfg/starling/internal/store"
)

// fakeOrgs is an in-memory Organizations for unit tests.
type fakeOrgs struct {
	orgOf   map[string]orgdir.Organization
	members map[string][]string
}

func (f *fakeOrgs) OrganizationOf(_ store.Tx, account string) (orgdir.Organization, bool, error) {
	o, ok := f.orgOf[account]
	return o, ok, nil
}
func (f *fakeOrgs) IsDelegatedAdministrator(store.Tx, string, string, string) (bool, error) {
	return false, nil
}
func (f *fakeOrgs) EnableServiceAccess(store.Tx, string, string, time.Time) error { return nil }
func (f *fakeOrgs) ServiceAccessEnabled(store.Tx, string, string) (bool, error)   { return true, nil }
func (f *fakeOrgs) MemberAccounts(_ store.Tx, org string) ([]string, error) {
	return slices.Clone(f.members[org]), nil
}

func TestSourceAccounts(t *testing.T) {
	org1 := orgdir.Organization{ID: "o-aaaaaaaaaa", ManagementAccountID: "111111111111", AllFeatures: true}
	org2 := orgdir.Organization{ID: "o-bbbbbbbbbb", ManagementAccountID: "111111111111", AllFeatures: true}
	orgs := &fakeOrgs{
		orgOf:   map[string]orgdir.Organization{"111111111111": org1},
		members: map[string][]string{org1.ID: {"111111111111", "222222222222", "333333333333"}},
	}
	s := New(Options{Organizations: orgs})
	owner := store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	role := "arn:aws:iam::111111111111:role/r"
	accounts := &aggregatorRecord{Aggregator: configapi.ConfigurationAggregator{
		AccountAggregationSources: []configapi.AccountAggregationSource{{AccountIds: []string{"333333333333", "111111111111", "333333333333"}}},
	}}
	orgAgg := &aggregatorRecord{OrganizationID: org1.ID, Aggregator: configapi.ConfigurationAggregator{
		OrganizationAggregationSource: &configapi.OrganizationAggregationSource{RoleArn: &role},
	}}
	tests := []struct {
		name  string
		rec   *aggregatorRecord
		setup func()
		want  string
	}{
		{"listed accounts, sorted and once each", accounts, func() {}, "111111111111,333333333333"},
		{"organization members", orgAgg, func() {}, "111111111111,222222222222,333333333333"},
		{"a member joins", orgAgg, func() {
			orgs.members[org1.ID] = append(orgs.members[org1.ID], "444444444444")
		}, "111111111111,222222222222,333333333333,444444444444"},
		{"a member leaves", orgAgg, func() {
			orgs.members[org1.ID] = []string{"111111111111", "444444444444"}
		}, "111111111111,444444444444"},
		{"the owner is in another organization now", orgAgg, func() {
			orgs.orgOf["111111111111"] = org2
		}, ""},
		{"the owner is in no organization", orgAgg, func() { delete(orgs.orgOf, "111111111111") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			got, err := s.sourceAccounts(nil, owner, tt.rec)
			if err != nil || strings.Join(got, ",") != tt.want {
				t.Errorf("sourceAccounts() = %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestReadableSources(t *testing.T) {
	owner := store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	s, _, ctx := newStoreService(t, owner)
	as := func(account string) context.Context {
		return identity.WithCaller(ctx, identity.Caller{AccountID: account, Region: "us-east-1"})
	}
	str := func(v string) *string { return &v }
	_, err := s.PutConfigurationAggregator(ctx, &configapi.PutConfigurationAggregatorRequest{
		ConfigurationAggregatorName: str("agg"),
		AccountAggregationSources: []configapi.AccountAggregationSource{{
			AccountIds: []string{"333333333333", "222222222222"}, AwsRegions: []string{"us-east-1"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	readable := func() string {
		t.Helper()
		var got []string
		err := s.store.View(ctx, func(tx store.Tx) error {
			rec, err := loadAggregator(tx, owner, "agg")
			if err != nil {
				return err
			}
			return s.walkSources(ctx, tx, owner, rec, "", walkStatus, func(row sourceRow, v verdict) (bool, error) {
				if row.typ == sourceAccount && v.ok() {
					got = append(got, row.id+"/"+row.region)
				}
				return true, nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, ",")
	}
	if got := readable(); got != "" {
		t.Errorf("readable sources before any authorization = %q; want none", got)
	}
	for _, account := range []string{"222222222222", "333333333333"} {
		if _, err := s.PutAggregationAuthorization(as(account), &configapi.PutAggregationAuthorizationRequest{
			AuthorizedAccountId: str(owner.Owner), AuthorizedAwsRegion: str(owner.Region)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := readable(); got != "" {
		t.Errorf("readable sources without recorders = %q; want none", got)
	}
	b := as("222222222222")
	if _, err := s.PutConfigurationRecorder(b, &configapi.PutConfigurationRecorderRequest{ConfigurationRecorder: &configapi.ConfigurationRecorder{
		Name: str("default"), RoleARN: str("arn:aws:iam::222222222222:role/config")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutDeliveryChannel(b, &configapi.PutDeliveryChannelRequest{DeliveryChannel: &configapi.DeliveryChannel{
		Name: str("default"), S3BucketName: str("bucket")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartConfigurationRecorder(b, &configapi.StartConfigurationRecorderRequest{ConfigurationRecorderName: str("default")}); err != nil {
		t.Fatal(err)
	}
	if got := readable(); got != "222222222222/us-east-1" {
		t.Errorf("readable sources = %q; want the authorized, recording account", got)
	}
}
