// Package exec is the last phases of advanced query: the planner, which
// decides what a parsed query asks of the configuration-item store, and
// the executor, which reads that from the store and hands it to the
// reference evaluator (package query/eval) for the rest.
//
// What the store does now: it narrows the items read to the resource
// types, ids and account the condition pins (query.Narrow), and to the
// caller's scope; it leaves out the resources whose terms show they cannot
// satisfy the condition's equalities (matchTerms); and it answers counts
// of resources, grouped by type or account, on its own (countPlan). Everything else is the evaluator's. The differential
// test (package query/querytest) holds every backend's answers to the
// evaluator's over the whole store, so that whatever is pushed down later
// must answer the same.
package exec

import (
	"context"
	"slices"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/eval"
)

// Plan is what a query asks of the store.
type Plan struct {
	// Filter narrows the store's Scan; the evaluator checks every item it
	// returns against the whole condition.
	Filter inventory.Filter
	// None is true when the condition admits no item: nothing is read.
	None bool
	// Match is what the store's terms decide of the condition
	// (matchTerms), nil if nothing.
	Match [][]inventory.Term
}

// PlanQuery plans q over the resource types types (sorted; nil: every
// type), those a reader may see (an aggregator's ResourceType filter).
func PlanQuery(q *query.Query, types []string) Plan {
	n := query.Narrow(q.Where)
	// Deleted resources take part: their current item (ResourceDeleted)
	// is queried (eval.Admits).
	p := Plan{Filter: inventory.Filter{IncludeDeleted: true, ResourceIDs: n.ResourceIDs}}
	p.Filter.ResourceTypes = AllowedTypes(n.ResourceTypes, types)
	switch {
	case p.Filter.ResourceTypes != nil && len(p.Filter.ResourceTypes) == 0,
		n.ResourceIDs != nil && len(n.ResourceIDs) == 0,
		n.AccountIDs != nil && len(n.AccountIDs) == 0:
		p.None = true
	case len(n.AccountIDs) == 1:
		p.Filter.AccountID = n.AccountIDs[0]
	}
	if !p.None {
		p.Match = matchTerms(q.Where, p.Filter.ResourceTypes)
	}
	return p
}

// AllowedTypes returns the types asked (nil: all) that allowed (sorted;
// nil: all) admits; an empty, non-nil result admits none.
func AllowedTypes(asked, allowed []string) []string {
	switch {
	case allowed == nil:
		return asked
	case asked == nil:
		return allowed
	}
	out := []string{}
	for _, t := range asked {
		if _, ok := slices.BinarySearch(allowed, t); ok {
			out = append(out, t)
		}
	}
	return out
}

// Run runs q over the items of scope in st whose types types admits (as
// PlanQuery's), and returns its results, each a JSON document, in the
// evaluator's order. An expression the evaluator refuses wraps
// eval.ErrInvalid.
func Run(ctx context.Context, st inventory.Store, scope *inventory.Scope, types []string, q *query.Query) ([]string, error) {
	// The evaluator checks the query first, over no item: a query it
	// refuses is refused whatever the plan and the data.
	none, err := eval.Run(q, func(func(inventory.Item, error) bool) {})
	if err != nil {
		return nil, err
	}
	p := PlanQuery(q, types)
	if p.None {
		return none, nil
	}
	if cp, ok := planCount(q, p); ok {
		if cp.none {
			return none, nil
		}
		return cp.run(ctx, st, scope)
	}
	items := st.Scan(ctx, inventory.ScanQuery{Scope: scope, Filter: p.Filter, Match: p.Match})
	if pre := newPrefilter(q.Where); pre != nil {
		items = pre.filter(items)
	}
	return eval.Run(q, items)
}
