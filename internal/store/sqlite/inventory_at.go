package sqlite

import (
	"context"
	"slices"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// A Scan with At (a configuration snapshot of a past time) reads the same
// walks along the primary key of resources as List (listStmts), but joins
// each resource to the version that was current at At instead of its
// latest: the correlated subquery walks the resource's versions_key range
// backwards from its latest StateID and stops at the first version
// captured at or before At, the largest such StateID (capture times need
// not grow with StateIDs, so the first found is not the latest capture).
// A resource without one gets NULL, which joins nothing: it is left out.
//
// What resources holds of the latest version (deleted, name) says nothing
// of the past, so the walk is given a filter without them and the version's
// own status and name are checked on each row instead, before the LIMIT: a
// page is still up to a page of admitted items, in List order, with no
// sort.

// invAtJoin joins each resource to its version at the time bound to its
// placeholder (milliseconds), the first argument of the statement.
const invAtJoin = ` FROM resources r JOIN versions v ON v.rid = r.rid AND v.state_id = (
SELECT w.state_id FROM versions w WHERE w.rid = r.rid AND w.capture_time <= ? ORDER BY w.state_id DESC LIMIT 1)`

// invNotDeleted is the condition that the joined version v does not
// record a deletion (inventory.Item.Deleted).
const invNotDeleted = "v.status NOT IN ('" + inventory.StatusResourceDeleted + "', '" + inventory.StatusResourceDeletedNotRecorded + "')"

// atWalk returns the filter that the walks of an At scan are given for f:
// f without what resources can only answer for the latest version.
func atWalk(f *inventory.Filter) inventory.Filter {
	w := *f
	w.ResourceName, w.IncludeDeleted = "", true
	return w
}

// atSQL returns the statement and arguments of one walk c (made by
// listStmts with atWalk(f)) that reads up to limit rows of the versions
// current at at that f admits.
func atSQL(c cond, f *inventory.Filter, at time.Time, limit int) (string, []any) {
	c.where, c.args = slices.Clone(c.where), slices.Clone(c.args) // the caller's c is left as it was
	if f.ResourceName != "" {
		c.add("v.name = ?", f.ResourceName)
	}
	if !f.IncludeDeleted {
		c.add(invNotDeleted)
	}
	args := make([]any, 0, len(c.args)+2)
	args = append(append(append(args, at.UnixMilli()), c.args...), limit)
	return "SELECT " + invItemCols + invAtJoin + c.sql() + listOrder, args
}

// listAt reads up to limit versions current at at that sc and f admit,
// after the key after (nil: from the start), and reports whether there
// are more; srcs are sc.SortedSources(). It is list for a past time.
func (s *Inventory) listAt(ctx context.Context, sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter,
	at time.Time, after *inventory.Key, limit int) ([]inventory.Item, bool, error) {
	items := make([]inventory.Item, 0, min(limit, 1024))
	walk := atWalk(f)
	for _, c := range listStmts(sc, srcs, &walk, after) {
		if c.none {
			continue
		}
		q, args := atSQL(c, f, at, limit+1-len(items))
		more, err := s.listInto(ctx, q, args, &items, limit, scanItem)
		if err != nil || more {
			return items, more, err
		}
	}
	return items, false, ctx.Err()
}
