package exec

import (
	"context"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
	"github.com/starlingcfg/starling/internal/query/eval"
)

// countPlan is a query the store answers by counting alone:
//
//	SELECT COUNT(*) [WHERE c]
//	SELECT g, COUNT(*) [WHERE c] GROUP BY g   (the two items in either order)
//
// where g is resourceType or accountId, c says no more than what
// query.Narrow reads from it (= and IN of strings on resourceType,
// resourceId and accountId, and at most one account), and there is no
// ORDER BY. The store counts what the evaluator would have matched
// (inventory.CountQuery.Queried, of the queryable types only), grouped in
// SQL: a million items are counted without one of them being read.
type countPlan struct {
	query   inventory.CountQuery
	group   string // the GROUP BY property, "" for none
	countAs string // the name of the COUNT(*) column
	// none is true when no type the evaluator reads is left: the answer
	// is the evaluator's over no item.
	none bool
}

// countGroups are the properties a countPlan groups by, and the store's
// grouping of each. (awsRegion is not one: it is "global" for global
// types, where the store groups by the source's region.)
var countGroups = map[string]inventory.GroupBy{
	"resourceType": inventory.GroupResourceType,
	"accountId":    inventory.GroupAccountID,
}

// planCount returns the countPlan of q, planned as p, if q is one.
func planCount(q *query.Query, p Plan) (countPlan, bool) {
	n := query.Narrow(q.Where)
	if !n.Exact || len(q.OrderBy) > 0 || len(q.GroupBy) > 1 || len(n.AccountIDs) > 1 {
		return countPlan{}, false
	}
	var cp countPlan
	if len(q.GroupBy) == 1 {
		g := q.GroupBy[0]
		by, ok := countGroups[g.String()]
		if !ok || len(g) != 1 {
			return countPlan{}, false
		}
		cp.group, cp.query.GroupBy = g.String(), by
	}
	counts, groups := 0, 0
	for _, it := range q.Select {
		switch {
		case it.Aggregate != nil && it.Aggregate.Func == query.FuncCount && it.Aggregate.Star:
			counts++
			cp.countAs = it.Aggregate.String()
		case it.Aggregate == nil && !it.Star && cp.group != "" && it.Path.String() == cp.group:
			groups++
		default:
			return countPlan{}, false
		}
	}
	if counts != 1 || groups > 1 {
		return countPlan{}, false
	}
	cp.query.Filter = p.Filter
	cp.query.Filter.IncludeDeleted = false // Queried decides
	cp.query.Queried = true
	// The evaluator reads queryable types only (p's types are already
	// those the reader may see).
	cp.query.Filter.ResourceTypes = AllowedTypes(p.Filter.ResourceTypes, catalog.Types())
	// No queryable type is left: the store would read an empty list as
	// no filter at all.
	cp.none = len(cp.query.Filter.ResourceTypes) == 0
	return cp, true
}

// run counts in st over scope, and renders the rows as the evaluator
// would: one a group in the store's (byte) order of group keys, or one
// row of the total without GROUP BY.
func (cp *countPlan) run(ctx context.Context, st inventory.Store, scope *inventory.Scope) ([]string, error) {
	cp.query.Scope = scope
	res, err := st.Count(ctx, cp.query)
	if err != nil {
		return nil, err
	}
	if cp.group == "" {
		return []string{eval.Render(eval.Row{cp.countAs: res.Total})}, nil
	}
	out := make([]string, 0, len(res.Groups))
	for _, g := range res.Groups {
		out = append(out, eval.Render(eval.Row{cp.group: g.Key, cp.countAs: g.Count}))
	}
	return out, nil
}
