package postgres

import (
	"context"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// A Scan with At (a configuration snapshot of a past time) reads pages of
// the same three shapes as List (invPageSQL), walking the primary key of
// inventory_resources in List order, but the page's resources are joined,
// inside the walk and before its LIMIT, to the version that was current at
// At (invPageFrom): a LATERAL subquery walks the resource's range of the
// primary key of inventory_versions backwards from its largest StateID and
// stops at the first version captured at or before At, the largest such
// StateID (capture times need not grow with StateIDs, so this is not the
// latest capture). A resource without one joins nothing and is left out.
//
// What inventory_resources holds of the latest version (deleted, name)
// says nothing of the past, so the name and deletion filters are checked on
// that version instead; they sit outside the LATERAL, whose LIMIT 1 keeps
// them from being pushed into it (which would pick an older version that
// passes them). The page's rows then carry that version's StateID, and
// invPageSQL joins each to its version as for the latest.

// invAtCols are invPageCols with the StateID of the version current at At.
const invAtCols = "r.account_id, r.region, r.type, r.resource_id, r.rid, av.state_id, av.name"

// invAtNotDeleted is the condition that the version av does not record a
// deletion (inventory.Item.Deleted).
const invAtNotDeleted = "av.status NOT IN ('" + inventory.StatusResourceDeleted + "', '" + inventory.StatusResourceDeletedNotRecorded + "')"

// invPageFrom returns how a page's walk reads its resources r: the columns
// of its rows (those of invPageCols), its FROM, and the conditions of what
// f admits besides the source (invFilterConds; typed as there). With a
// zero at they are the latest versions'; otherwise each resource is joined
// to its version current at at, as av, and the name and deletion are that
// version's.
func invPageFrom(a *invArgs, f *inventory.Filter, at time.Time, typed bool) (cols, from string, conds []string) {
	if at.IsZero() {
		return invPageCols, " FROM inventory_resources r", invFilterConds(a, "r", f, typed, f.IncludeDeleted)
	}
	walk := *f
	walk.ResourceName = ""
	conds = invFilterConds(a, "r", &walk, typed, true)
	if f.ResourceName != "" {
		conds = append(conds, "av.name = "+a.add(f.ResourceName))
	}
	if !f.IncludeDeleted {
		conds = append(conds, invAtNotDeleted)
	}
	from = ` FROM inventory_resources r
  CROSS JOIN LATERAL (
    SELECT v.state_id, v.status, v.name FROM inventory_versions v
    WHERE v.rid = r.rid AND v.capture_time <= ` + a.add(invMillis(at)) + `
    ORDER BY v.state_id DESC LIMIT 1) av`
	return invAtCols, from, conds
}

// listAt reads up to limit versions current at at that sc and f admit,
// after the key after (nil: from the start), and reports whether there are
// more; srcs are sc.SortedSources(). It is list for a past time.
func (s *Inventory) listAt(ctx context.Context, sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter,
	at time.Time, after *inventory.Key, limit int) ([]inventory.Item, bool, error) {
	q, a, ok := invPageSQL(sc, srcs, f, at, after, limit)
	if !ok {
		return nil, false, ctx.Err()
	}
	return s.readPage(ctx, q, a, limit)
}
