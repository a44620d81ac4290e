package configservice

import (
	"slices"

	"github.com/starlingcfg/starling/internal/store"
)

// sourceAccounts returns the source accounts of an aggregator owned by the
// tenant, in ascending order: the listed accounts of an account aggregator,
// or the current members of an organization aggregator's organization —
// accounts that joined after the aggregator was created included, accounts
// that left excluded. An organization aggregator whose owner is no longer in
// the aggregator's organization has no sources.
//
// It is the one place that decides which accounts an aggregator reads from.
func (s *Service) sourceAccounts(tx store.Tx, t store.Tenant, rec *aggregatorRecord) ([]string, error) {
	agg := &rec.Aggregator
	if agg.OrganizationAggregationSource == nil {
		var ids []string
		for _, src := range agg.AccountAggregationSources {
			ids = append(ids, src.AccountIds...)
		}
		slices.Sort(ids)
		return slices.Compact(ids), nil
	}
	org, ok, err := s.orgs.OrganizationOf(tx, t.AccountID)
	if err != nil || !ok || org.ID != rec.OrganizationID {
		return nil, err
	}
	return s.orgs.MemberAccounts(tx, org.ID)
}
