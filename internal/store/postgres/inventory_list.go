package postgres

import (
	"context"
	"iter"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcursor"
)

// List order is the primary key of inventory_resources, (account_id,
// region, type, resource_id), so a page is a walk along it that stops at
// the page's end, never a sort of everything the query admits. Each page
// is one statement of one of three shapes (invListSQL):
//
//   - Every source (AllSources) without a type or region filter: one range
//     of the primary key, from the cursor on (a row comparison on the
//     four columns, which the index seeks to).
//
//   - A set of sources: the sources, sorted and without duplicates in Go
//     (crossed with the filter's types, if any, so that every one is a
//     prefix of the primary key), are arrays, unnested WITH ORDINALITY;
//     for each, a LATERAL subquery reads its range of the primary key in
//     order, at most a page of it. PostgreSQL knows that an ordinality
//     column comes out sorted, so the ORDER BY ordinality, type, id on top
//     is an Incremental Sort of one source's page at a time, under the
//     LIMIT: a page reads the sources from the cursor's on until it is
//     full, whatever the scope's size (an aggregator of 10,000 accounts),
//     and never sorts the scope. The cursor's source starts after the
//     cursor's key; the sources before it are left out of the arrays.
//
//   - Every source with a type or region filter: the same LATERAL walk,
//     over the (account, region, type) prefixes that inventory_counts lists
//     for them, read in primary-key order (counts with n = 0 hold only
//     deleted resources and are skipped unless IncludeDeleted), rather than
//     the whole primary key with a filter.
//
// The versions are joined to the page's resources only, after the LIMIT.
// A Scan of a past time (ScanQuery.At) walks the same shapes, each
// resource joined to its version of then before the LIMIT (inventory_at.go).

// invListSQL returns the statement and arguments of the page of up to
// limit+1 latest versions that sc and f admit after the key after (nil:
// from the start); srcs are sc.SortedSources(). ok is false when nothing
// can be admitted.
func invListSQL(sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, after *inventory.Key, limit int) (q string, a invArgs, ok bool) {
	return invPageSQL(sc, srcs, f, time.Time{}, after, limit)
}

// invPageSQL is invListSQL for the versions current at at (see
// inventory_at.go), or the latest ones if at is zero.
func invPageSQL(sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, at time.Time, after *inventory.Key, limit int) (q string, a invArgs, ok bool) {
	return invPageColsSQL(invWhole, sc, srcs, f, at, after, limit)
}

// invCols are the columns a page of items reads: items, those of
// invScanItem, from a page's resource r joined with a version v, and
// version, the version's in its LATERAL. With bare, the items' columns are
// invItemColsWithout's, of those types.
type invCols struct {
	items, version string
	bare           []string
}

var (
	// invWhole reads whole items.
	invWhole = invCols{items: invItemCols, version: invVersionCols}
	// invNoRelationships reads them with NULL relationships
	// (ScanQuery.WithoutRelationships): neither sent nor decoded.
	invNoRelationships = invCols{items: invItemColsNoRelationships, version: invVersionColsNoRelationships}
)

// scanCols returns the columns of the latest versions' Scan of q, and the
// yield that leaves out of its items what they still hold and q leaves
// out.
func scanCols(q *inventory.ScanQuery, yield func(inventory.Item, error) bool) (invCols, func(inventory.Item, error) bool) {
	if !q.WithoutRelationships {
		return invWhole, q.Project(yield)
	}
	cols := invNoRelationships
	cols.bare = q.WithoutConfigurationOf
	return cols, yield
}

// invPageColsSQL is invPageSQL for the columns cols.
func invPageColsSQL(cols invCols, sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, at time.Time, after *inventory.Key, limit int) (q string, a invArgs, ok bool) {
	page, order, a, ok := invPage(sc, srcs, f, at, after, limit)
	if !ok {
		return "", nil, false
	}
	// The LIMIT 1 keeps the planner from turning the LATERAL into a join
	// it could hash (reading every version): each of the page's resources
	// looks its latest version up in the primary key of inventory_versions.
	// The page's own order is kept (a nested loop keeps its outer side's),
	// so nothing is sorted here.
	items := cols.items
	if len(cols.bare) > 0 {
		items = invItemColsWithout(a.add(cols.bare))
	}
	return `SELECT ` + items + `
FROM (` + page + `) r
CROSS JOIN LATERAL (
  SELECT ` + cols.version + ` FROM inventory_versions v WHERE v.rid = r.rid AND v.state_id = r.state_id LIMIT 1) v
ORDER BY ` + order, a, true
}

// invKeysSQL is invListSQL for the keys and names only
// (inventory.ListQuery.KeysOnly): the page's resources, without their
// versions.
func invKeysSQL(sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, after *inventory.Key, limit int) (q string, a invArgs, ok bool) {
	page, order, a, ok := invPage(sc, srcs, f, time.Time{}, after, limit)
	if !ok {
		return "", nil, false
	}
	return `SELECT r.account_id, r.region, r.type, r.resource_id, r.name FROM (` + page + `) r ORDER BY ` + order, a, true
}

// invPage returns the statement of the page's resources (their
// invPageCols, as of at) and the ORDER BY that keeps its order.
func invPage(sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, at time.Time, after *inventory.Key, limit int) (page, order string, a invArgs, ok bool) {
	if sc.All && f.AccountID != "" && f.Region != "" {
		// One source.
		sc, srcs = &inventory.Scope{}, []inventory.Source{{AccountID: f.AccountID, Region: f.Region}}
	}
	switch {
	case sc.All && len(f.ResourceTypes) == 0 && f.Region == "":
		page, order, ok = invListRange(&a, f, at, after, limit)
	case sc.All:
		page, order, ok = invListCounts(&a, f, at, after, limit)
	default:
		page, order, ok = invListSources(&a, f.NarrowSources(srcs), f, at, after, limit)
	}
	return page, order, a, ok
}

// invPageCols are the columns of a page's resources.
const invPageCols = "r.account_id, r.region, r.type, r.resource_id, r.rid, r.state_id, r.name"

// invListRange reads every source's resources along the primary key. Like
// the other two, it returns the page's statement and the ORDER BY of its
// rows (as r) that keeps the page's order; its rows are invPageCols', of
// the latest versions or, if at is not zero, of those current at at
// (invPageFrom).
func invListRange(a *invArgs, f *inventory.Filter, at time.Time, after *inventory.Key, limit int) (page, order string, ok bool) {
	var conds []string
	if f.AccountID != "" {
		conds = append(conds, "r.account_id = "+a.add(f.AccountID))
	}
	if after != nil {
		conds = append(conds, "(r.account_id, r.region, r.type, r.resource_id) > ("+
			a.add(after.AccountID)+", "+a.add(after.Region)+", "+a.add(after.ResourceType)+", "+a.add(after.ResourceID)+")")
	}
	cols, from, fconds := invPageFrom(a, f, at, false)
	conds = append(conds, fconds...)
	return "SELECT " + cols + from + invWhere(conds) +
			" ORDER BY r.account_id, r.region, r.type, r.resource_id LIMIT " + a.add(limit+1),
		"r.account_id, r.region, r.type, r.resource_id", true
}

// invListSources reads the sources srcs (sorted, without duplicates), one
// LATERAL range of the primary key each.
func invListSources(a *invArgs, srcs []inventory.Source, f *inventory.Filter, at time.Time, after *inventory.Key, limit int) (page, order string, ok bool) {
	types := invSortedSet(f.ResourceTypes)
	var acc, reg, typ, fromType, fromID []string
	for _, src := range srcs {
		if after != nil && inventory.CompareSources(src, after.Source) < 0 {
			continue // before the cursor's source
		}
		cursorSource := after != nil && src == after.Source
		if len(types) == 0 {
			ft, fi := "", "" // every type and id is larger: none is empty
			if cursorSource {
				ft, fi = after.ResourceType, after.ResourceID
			}
			acc, reg, fromType, fromID = append(acc, src.AccountID), append(reg, src.Region), append(fromType, ft), append(fromID, fi)
			continue
		}
		for _, t := range types {
			fi := ""
			if cursorSource {
				if c := strings.Compare(t, after.ResourceType); c < 0 {
					continue
				} else if c == 0 {
					fi = after.ResourceID
				}
			}
			acc, reg, typ, fromID = append(acc, src.AccountID), append(reg, src.Region), append(typ, t), append(fromID, fi)
		}
	}
	if len(acc) == 0 {
		return "", "", false
	}
	// The arrays' arguments are added before the filter's, in the order of
	// the statement's text.
	lim := a.add(limit + 1)
	if len(types) == 0 {
		pa, pr, pt, pi := a.add(acc), a.add(reg), a.add(fromType), a.add(fromID)
		cols, from, fconds := invPageFrom(a, f, at, false)
		return `SELECT s.ord, x.* FROM unnest(` + pa + `::text[], ` + pr + `::text[], ` + pt + `::text[], ` + pi + `::text[])
  WITH ORDINALITY AS s(account_id, region, from_type, from_id, ord)
CROSS JOIN LATERAL (
  SELECT ` + cols + from + `
  WHERE r.account_id = s.account_id AND r.region = s.region AND (r.type, r.resource_id) > (s.from_type, s.from_id)` +
			invAnd(fconds) + `
  ORDER BY r.type, r.resource_id LIMIT ` + lim + `) x
ORDER BY s.ord, x.type, x.resource_id LIMIT ` + lim, "r.ord, r.type, r.resource_id", true
	}
	pa, pr, pt, pi := a.add(acc), a.add(reg), a.add(typ), a.add(fromID)
	cols, from, fconds := invPageFrom(a, f, at, true)
	// A prefix without live resources (n = 0, or none in
	// inventory_counts) is passed over after a probe of the small
	// inventory_counts_type rather than of the primary key of
	// inventory_resources: 3 ms instead of 8 for a type that 997 of 1,000
	// sources lack. The probe is a one-time filter of each LATERAL, which
	// keeps the plan's shape (and its Incremental Sort) as it is. At a
	// past time, n says nothing of then.
	live := ""
	if !f.IncludeDeleted && at.IsZero() {
		live = `EXISTS (SELECT 1 FROM inventory_counts c
    WHERE c.type = s.type AND c.account_id = s.account_id AND c.region = s.region AND c.n > 0) AND `
	}
	return `SELECT s.ord, x.* FROM unnest(` + pa + `::text[], ` + pr + `::text[], ` + pt + `::text[], ` + pi + `::text[])
  WITH ORDINALITY AS s(account_id, region, type, from_id, ord)
CROSS JOIN LATERAL (
  SELECT ` + cols + from + `
  WHERE ` + live + `r.account_id = s.account_id AND r.region = s.region AND r.type = s.type AND r.resource_id > s.from_id` +
		invAnd(fconds) + `
  ORDER BY r.resource_id LIMIT ` + lim + `) x
ORDER BY s.ord, x.resource_id LIMIT ` + lim, "r.ord, r.resource_id", true
}

// invListCounts reads every source's resources of the filter's types or
// region, through the prefixes inventory_counts lists for them.
func invListCounts(a *invArgs, f *inventory.Filter, at time.Time, after *inventory.Key, limit int) (page, order string, ok bool) {
	types := invSortedSet(f.ResourceTypes)
	conds := invIn(a, "c.type", types)
	if f.AccountID != "" {
		conds = append(conds, "c.account_id = "+a.add(f.AccountID))
	}
	if f.Region != "" {
		conds = append(conds, "c.region = "+a.add(f.Region))
	}
	if !f.IncludeDeleted && at.IsZero() {
		// n = 0 says only that the prefix's latest versions are all
		// deletions: at a past time it may have had live resources.
		conds = append(conds, "c.n > 0")
	}
	from := ""
	if after != nil {
		ca, cr, ct := a.add(after.AccountID), a.add(after.Region), a.add(after.ResourceType)
		// With one type, (account_id, region) is what orders the prefixes,
		// and inventory_counts_type seeks to it; the three columns are
		// needed to skip the cursor's source's earlier types otherwise.
		conds = append(conds, "(c.account_id, c.region) >= ("+ca+", "+cr+")")
		if len(types) != 1 {
			conds = append(conds, "(c.account_id, c.region, c.type) >= ("+ca+", "+cr+", "+ct+")")
		}
		// The cursor's prefix resumes after its id; the later ones start at
		// their beginning (no id is empty).
		from = " AND r.resource_id > CASE WHEN (c.account_id, c.region, c.type) = (" + ca + ", " + cr + ", " + ct + ") THEN " +
			a.add(after.ResourceID) + " ELSE '' END"
	}
	// With one type, the planner knows the type is constant in the page
	// and orders it without; the outer ORDER BY must say the same for the
	// page's order to be kept.
	order = "r.account_id, r.region, r.type, r.resource_id"
	if len(types) == 1 {
		order = "r.account_id, r.region, r.resource_id"
	}
	lim := a.add(limit + 1)
	cols, pageFrom, fconds := invPageFrom(a, f, at, true)
	return `SELECT c.account_id, c.region, c.type, x.resource_id, x.rid, x.state_id, x.name FROM inventory_counts c
CROSS JOIN LATERAL (
  SELECT ` + cols + pageFrom + `
  WHERE r.account_id = c.account_id AND r.region = c.region AND r.type = c.type` + from +
		invAnd(fconds) + `
  ORDER BY r.resource_id LIMIT ` + lim + `) x` + invWhere(conds) + `
ORDER BY c.account_id, c.region, c.type, x.resource_id LIMIT ` + lim, order, true
}

// List implements [inventory.Store.List]: one statement per page, keyset
// paginated on (account_id, region, type, resource_id).
func (s *Inventory) List(ctx context.Context, q inventory.ListQuery) (inventory.ListPage, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.ListPage{}, err
	}
	return invcursor.ListPage("postgres", &q, errInvNilScope, func(srcs []inventory.Source, after *inventory.Key) ([]inventory.Item, bool, error) {
		if q.KeysOnly {
			return s.listKeys(ctx, q.Scope, srcs, &q.Filter, after, q.Limit)
		}
		return s.list(ctx, q.Scope, srcs, &q.Filter, after, q.Limit, invWhole)
	})
}

// list reads up to limit latest versions after the key after (nil: from
// the start) and reports whether there are more.
func (s *Inventory) list(ctx context.Context, sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter,
	after *inventory.Key, limit int, cols invCols) ([]inventory.Item, bool, error) {
	q, a, ok := invPageColsSQL(cols, sc, srcs, f, time.Time{}, after, limit)
	if !ok {
		return nil, false, ctx.Err()
	}
	return s.readPage(ctx, q, a, limit)
}

// listKeys is list for the keys and names only
// (inventory.ListQuery.KeysOnly).
func (s *Inventory) listKeys(ctx context.Context, sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter,
	after *inventory.Key, limit int) ([]inventory.Item, bool, error) {
	q, a, ok := invKeysSQL(sc, srcs, f, after, limit)
	if !ok {
		return nil, false, ctx.Err()
	}
	rows, err := s.db.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, false, invErr("List", err)
	}
	defer rows.Close()
	items := make([]inventory.Item, 0, min(limit, 1024))
	for rows.Next() {
		if len(items) == limit {
			return items, true, nil
		}
		var it inventory.Item
		var name *string
		if err := rows.Scan(&it.AccountID, &it.Region, &it.ResourceType, &it.ResourceID, &name); err != nil {
			return nil, false, invErr("List", err)
		}
		if name != nil {
			it.ResourceName = *name
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, false, invErr("List", err)
	}
	return items, false, nil
}

// readPage runs the statement of a page of up to limit+1 items, made by
// invPageSQL, and returns up to limit of them and whether there are more.
func (s *Inventory) readPage(ctx context.Context, q string, a invArgs, limit int) ([]inventory.Item, bool, error) {
	rows, err := s.db.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, false, invErr("List", err)
	}
	items := make([]inventory.Item, 0, min(limit, 1024))
	more, err := invCollect(rows, &items, limit)
	if err != nil {
		return nil, false, invErr("List", err)
	}
	return items, more, nil
}

// Scan implements [inventory.Store.Scan] as a sequence of List pages of
// InventoryOptions.ScanPage items, each read in its own statement, so that
// no connection is held while the consumer works and no more than a page is
// in memory. With q.At, the pages are listAt's, of the versions current at
// q.At.
func (s *Inventory) Scan(ctx context.Context, q inventory.ScanQuery) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		if err := s.checkOpen(); err != nil {
			yield(inventory.Item{}, err)
			return
		}
		if q.Scope == nil {
			yield(inventory.Item{}, errInvNilScope)
			return
		}
		srcs := q.Scope.SortedSources()
		if !q.At.IsZero() {
			inventory.ScanPages(ctx, func(after *inventory.Key) ([]inventory.Item, bool, error) {
				return s.listAt(ctx, q.Scope, srcs, &q.Filter, q.At, after, s.opts.ScanPage)
			})(q.Project(yield))
			return
		}
		if len(q.Match) > 0 {
			s.scanMatch(ctx, &q, srcs)(q.Project(yield))
			return
		}
		cols, yield := scanCols(&q, yield)
		inventory.ScanPages(ctx, func(after *inventory.Key) ([]inventory.Item, bool, error) {
			return s.list(ctx, q.Scope, srcs, &q.Filter, after, s.opts.ScanPage, cols)
		})(yield)
	}
}
