package compliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Rule groups are the conformance packs, as far as the results store knows
// them: a named set of rules of one source. The packs themselves are
// control-plane documents; their membership is copied here so that the
// aggregated summary of the packs of thousands of sources
// (GetAggregateConformancePackComplianceSummary) is one statement that joins
// each pack's rules with their counts (compliance_counts) and sums them in
// the database, rather than a read of every pack's document and of the
// counts of every one of their rules. The copy is derived: the control plane
// decides, and SyncGroup and ReplaceGroups copy what it holds.

// Group is a named group of rules of one source: a conformance pack and the
// rules it deployed.
type Group struct {
	inventory.Source
	Name  string
	Rules []string
}

// GroupSummary counts the groups of one account or region (or of all of
// the scope, Group ""), by the group's compliance: NON_COMPLIANT when one
// of its rules is (RuleCounts.Compliance), else COMPLIANT when one of its
// rules is, else INSUFFICIENT_DATA (neither count). "A conformance pack is
// compliant if all of the rules in a conformance packs are compliant. It is
// noncompliant if any of the rules are not compliant. [...] If some of the
// rules in a conformance pack are compliant but the compliance status of
// other rules in that same conformance pack is INSUFFICIENT_DATA, the
// conformance pack shows compliant." (AWS Config API Reference,
// AggregateConformancePackCompliance). A group with no rules (a pack whose
// template's conditions left none) counts in neither, as one whose rules
// have no results.
type GroupSummary struct {
	Group        string
	Compliant    int64
	NonCompliant int64
}

// GroupKey identifies a group of a source.
type GroupKey struct {
	inventory.Source
	Name string
}

// GroupCounts is the compliance of one group: how many rules it has, and
// how many of them are compliant and how many noncompliant
// (RuleCounts.Compliance): DescribeAggregateComplianceByConformancePacks's
// CompliantRuleCount, NonCompliantRuleCount and TotalRuleCount.
type GroupCounts struct {
	GroupKey
	Rules        int64
	Compliant    int64
	NonCompliant int64
}

// Compliance returns the group's compliance, as GroupSummary counts it:
// NON_COMPLIANT, COMPLIANT or INSUFFICIENT_DATA.
func (g *GroupCounts) Compliance() string {
	switch {
	case g.NonCompliant > 0:
		return NonCompliant
	case g.Compliant > 0:
		return Compliant
	}
	return InsufficientData
}

// GroupCountsQuery asks for the GroupCounts of the groups of the sources
// that Scope, AccountID and Region admit, in the order (account, region,
// name).
type GroupCountsQuery struct {
	Scope *inventory.Scope
	// AccountID and Region, when set, narrow the scope; Name, when set,
	// admits the groups of that name only.
	AccountID, Region, Name string
	// Compliance, when set, admits the groups of that compliance only
	// (GroupCounts.Compliance).
	Compliance string
	// After, when not nil, admits only the groups after it in the order:
	// the page that follows the one that ended with it.
	After *GroupKey
	// Limit, when positive, is the largest number of groups returned: the
	// first ones in the order.
	Limit int
}

// GroupStore keeps the rule groups of the sources and sums their
// compliance. Writers serialize: every write calls its current function
// while it holds the store's group turn (one per database, across the
// processes that share it), so the copy it writes is never older than one
// another write made before it, whatever order the writers finished their
// control-plane writes in.
type GroupStore interface {
	// SyncGroup makes the rules of the group name of src what current
	// returns: rules when ok, no group when not ok (the pack is gone).
	// current runs once, while the store holds its group turn.
	SyncGroup(ctx context.Context, src inventory.Source, name string, current func(context.Context) (rules []string, ok bool, err error)) error
	// ReplaceGroups makes the groups that current returns the only groups
	// of every source, as one write: what a process does at start, to
	// catch up with control-plane writes whose SyncGroup a crash cut off,
	// and with packs put before the store kept groups.
	ReplaceGroups(ctx context.Context, current func(context.Context) ([]Group, error)) error
	// GroupSummaries returns, in group order, how many of the groups of the
	// sources that q's scope, account and region admit are compliant and
	// how many noncompliant (GroupSummary), in one statement summed by the
	// database. An account or region without groups has no row; one whose
	// groups have no compliance, or no rules, has a row of zeros.
	GroupSummaries(ctx context.Context, q SummaryQuery) ([]GroupSummary, error)
	// GroupCounts returns the counts of the groups that q admits, in one
	// statement that reads the groups in order and stops at q.Limit.
	GroupCounts(ctx context.Context, q GroupCountsQuery) ([]GroupCounts, error)
}

// CheckGroup returns an error naming what SyncGroup and ReplaceGroups refuse:
// a source with an empty account or region, an empty group or rule name.
func CheckGroup(g *Group) error {
	if g.Name == "" {
		return errors.New("empty group name")
	}
	if err := CheckRules(g.Source, g.Rules); err != nil {
		return fmt.Errorf("group %q: %w", g.Name, err)
	}
	return nil
}
