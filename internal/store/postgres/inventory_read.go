package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
	"github.com/starlingcfg/starling/internal/inventory/invcursor"
)

// invItemCols are the columns invScanItem reads, from a resources row r
// (inventory_resources, or a subquery of its columns) joined with a
// version v.
const invItemCols = `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, v.configuration, v.supplementary, v.tags, v.relationships`

// invVersionCols are the columns of a version that invItemCols read: a
// LATERAL that selects them by name rather than * leaves the version's
// jsonb copy of its configuration (configuration_doc, for queries) unread,
// which halved a BatchGet of 100's time in PostgreSQL.
const invVersionCols = `v.state_id, v.capture_time, v.status, v.version, v.aws_region, v.name, v.arn, v.az, v.creation_time,
    v.configuration, v.supplementary, v.tags, v.relationships`

// invItemColsNoRelationships and invVersionColsNoRelationships are
// invItemCols and invVersionCols but for NULL relationships
// (ScanQuery.WithoutRelationships): PostgreSQL neither turns their jsonb
// into text nor sends it, and the reader decodes no JSON of them, a third
// of the reading of the items that the managed rules evaluate.
const (
	invItemColsNoRelationships = `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, v.configuration, v.supplementary, v.tags, NULL::jsonb`
	invVersionColsNoRelationships = `v.state_id, v.capture_time, v.status, v.version, v.aws_region, v.name, v.arn, v.az, v.creation_time,
    v.configuration, v.supplementary, v.tags`
)

// invItemColsWithout is invItemColsNoRelationships, of the version columns
// invVersionColsNoRelationships, but with NULL configuration and
// supplementary configuration for the types of the text[] parameter types
// (ScanQuery.WithoutConfigurationOf): PostgreSQL neither detoasts nor
// sends those documents, the larger part of the bytes of the rule of tags'
// types (a large one is stored out of line, compressed).
func invItemColsWithout(types string) string {
	bare := `r.type = ANY(` + types + `::text[])`
	return `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, CASE WHEN ` + bare + ` THEN NULL ELSE v.configuration END,
CASE WHEN ` + bare + ` THEN NULL ELSE v.supplementary END, v.tags, NULL::jsonb`
}

// invLatest joins each resource to its latest version.
const invLatest = ` FROM inventory_resources r JOIN inventory_versions v ON v.rid = r.rid AND v.state_id = r.state_id`

const qInvGet = `SELECT ` + invItemCols + invLatest + `
WHERE r.account_id = $1 AND r.region = $2 AND r.type = $3 AND r.resource_id = $4`

// invScanItem reads one row of invItemCols.
func invScanItem(row pgx.Row) (inventory.Item, error) { return invScanItemWith(row) }

// invScanItemWith reads one row of invItemCols, and of the columns after
// them into more.
func invScanItemWith(row pgx.Row, more ...any) (inventory.Item, error) {
	var (
		it                   inventory.Item
		capture              time.Time
		created              *time.Time
		configuration        []byte
		sup, tags, rels      []byte
		status, version, azn string
	)
	err := row.Scan(append([]any{&it.AccountID, &it.Region, &it.ResourceType, &it.ResourceID, &it.StateID, &capture,
		&status, &version, &it.AWSRegion, &it.ResourceName, &it.ARN, &azn, &created,
		&configuration, &sup, &tags, &rels}, more...)...)
	if err != nil {
		return it, err
	}
	it.Status, it.Version, it.AvailabilityZone = status, version, azn
	it.CaptureTime = capture.UTC()
	if created != nil {
		it.ResourceCreationTime = created.UTC()
	}
	if len(configuration) > 0 {
		it.Configuration = json.RawMessage(configuration)
	}
	if it.SupplementaryConfiguration, err = invcodec.DecodeSupplementary(sup); err != nil {
		return it, errInvCodec
	}
	if it.Tags, err = invDecodeTags(tags); err != nil {
		return it, err
	}
	if it.Relationships, err = invDecodeRelationships(rels); err != nil {
		return it, err
	}
	return it, nil
}

// invCollect reads the rows of invItemCols into items, up to limit (<= 0:
// all), and reports whether a row was left over.
func invCollect(rows pgx.Rows, items *[]inventory.Item, limit int) (more bool, err error) {
	defer rows.Close()
	for rows.Next() {
		if limit > 0 && len(*items) == limit {
			return true, nil
		}
		it, err := invScanItem(rows)
		if err != nil {
			return false, err
		}
		*items = append(*items, it)
	}
	return false, rows.Err()
}

// Get implements [inventory.Store.Get].
func (s *Inventory) Get(ctx context.Context, k inventory.Key) (inventory.Item, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.Item{}, err
	}
	it, err := invScanItem(s.db.pool.QueryRow(ctx, qInvGet, k.AccountID, k.Region, k.ResourceType, k.ResourceID))
	if errors.Is(err, pgx.ErrNoRows) {
		return inventory.Item{}, inventory.ErrNotFound
	}
	if err != nil {
		return inventory.Item{}, invErr("Get", err)
	}
	return it, nil
}

// qInvBatchGet looks the keys, as arrays, up in the resources: one
// statement however many keys, answered in the keys' order (the
// ordinality's, which the nested loop keeps: no sort). The LATERAL
// subqueries with LIMIT 1 are not flattened into joins, so each key is a
// probe of each primary key, never a hash of a whole table.
const qInvBatchGet = `SELECT ` + invItemCols + invBatchGetFrom

// qInvBatchGetBase is qInvBatchGet without tags and relationships
// (BatchGetBase): NULL in their place, so that they are neither sent nor
// decoded from JSON.
const qInvBatchGetBase = `SELECT ` + invBaseItemCols + invBatchGetFrom

// invBaseItemCols are invItemCols but for NULL tags and relationships.
const invBaseItemCols = `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, v.configuration, v.supplementary, NULL::jsonb, NULL::jsonb`

const invBatchGetFrom = `
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(account_id, region, type, resource_id, i)
CROSS JOIN LATERAL (
  SELECT r.account_id, r.region, r.type, r.resource_id, r.rid, r.state_id FROM inventory_resources r
  WHERE r.account_id = k.account_id AND r.region = k.region AND r.type = k.type AND r.resource_id = k.resource_id
  LIMIT 1) r
CROSS JOIN LATERAL (
  SELECT ` + invVersionCols + ` FROM inventory_versions v WHERE v.rid = r.rid AND v.state_id = r.state_id LIMIT 1) v
ORDER BY k.i`

// invQueried is the condition that advanced query sees the resource c
// (inventory.CountQuery.Queried).
const invQueried = "c.status NOT IN ('" + inventory.StatusResourceNotRecorded + "', '" + inventory.StatusResourceDeletedNotRecorded + "')"

// BatchGet implements [inventory.Store.BatchGet] in one statement.
func (s *Inventory) BatchGet(ctx context.Context, keys []inventory.Key) ([]inventory.Item, error) {
	return s.batchGet(ctx, keys, qInvBatchGet)
}

// BatchGetBase implements [inventory.Store.BatchGetBase], as BatchGet.
func (s *Inventory) BatchGetBase(ctx context.Context, keys []inventory.Key) ([]inventory.Item, error) {
	return s.batchGet(ctx, keys, qInvBatchGetBase)
}

// batchGet reads the latest versions of keys with the statement q, one of
// qInvBatchGet and qInvBatchGetBase.
func (s *Inventory) batchGet(ctx context.Context, keys []inventory.Key, q string) ([]inventory.Item, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, ctx.Err()
	}
	acc, reg, typ, ids := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		acc[i], reg[i], typ[i], ids[i] = k.AccountID, k.Region, k.ResourceType, k.ResourceID
	}
	rows, err := s.db.pool.Query(ctx, q, acc, reg, typ, ids)
	if err != nil {
		return nil, invErr("BatchGet", err)
	}
	items := make([]inventory.Item, 0, len(keys))
	if _, err := invCollect(rows, &items, 0); err != nil {
		return nil, invErr("BatchGet", err)
	}
	return items, nil
}

// invArgs collects a statement's arguments; add returns the placeholder of
// the one it adds.
type invArgs []any

func (a *invArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// invSortedSet returns the strings of ss sorted, without duplicates, in a
// new slice.
func invSortedSet(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return slices.Compact(ss)
}

// invFilterConds returns the conditions on the resources row alias of
// what f admits besides the source: its types (unless typed, when the
// query fixes the type already), ids and name, and unless deleted that the
// latest version is not a deletion.
func invFilterConds(a *invArgs, alias string, f *inventory.Filter, typed, deleted bool) []string {
	var c []string
	if !typed {
		c = append(c, invIn(a, alias+".type", f.ResourceTypes)...)
	}
	c = append(c, invIn(a, alias+".resource_id", f.ResourceIDs)...)
	if f.ResourceName != "" {
		c = append(c, alias+".name = "+a.add(f.ResourceName))
	}
	if !deleted {
		c = append(c, "NOT "+alias+".deleted")
	}
	return c
}

// invIn is the condition that col is one of vals: none for no values, an
// equality for one, = ANY of an array for more.
func invIn(a *invArgs, col string, vals []string) []string {
	vals = invSortedSet(vals)
	switch len(vals) {
	case 0:
		return nil
	case 1:
		return []string{col + " = " + a.add(vals[0])}
	}
	return []string{col + " = ANY(" + a.add(vals) + "::text[])"}
}

func invWhere(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

func invAnd(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(conds, " AND ")
}

// Count implements [inventory.Store.Count]: the groups and the total come
// from one statement, which groups in SQL and pages over the groups
// (keyset on the group key).
//
// Without a name or ids to filter by, inventory_counts has the answer, one
// row per source and type; otherwise the resources are counted. A set of
// sources is joined as arrays.
func (s *Inventory) Count(ctx context.Context, q inventory.CountQuery) (inventory.CountResult, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.CountResult{}, err
	}
	var col string
	switch q.GroupBy {
	case inventory.GroupNone:
	case inventory.GroupResourceType:
		col = "c.type"
	case inventory.GroupAccountID:
		col = "c.account_id"
	case inventory.GroupRegion:
		col = "c.region"
	default:
		return inventory.CountResult{}, fmt.Errorf("postgres: inventory: Count: unknown GroupBy %d", q.GroupBy)
	}
	start, err := invcursor.StartCount(&q, errInvNilScope)
	if err != nil {
		return inventory.CountResult{}, err
	}
	srcs, f, cur, after := start.Sources, start.Filter, start.Cursors, start.After

	var a invArgs
	var from, count string
	var conds []string
	counted := f.ResourceName == "" && len(f.ResourceIDs) == 0 && !q.Queried
	switch {
	case counted:
		from, count = "inventory_counts c", "sum(c.n)"
		conds = invIn(&a, "c.type", f.ResourceTypes)
	case q.Queried:
		// Deleted resources are counted, but not those not recorded
		// (inventory_resources.status, migration 0004).
		from, count = "inventory_resources c", "count(*)"
		conds = append(invFilterConds(&a, "c", &f, false, true), invQueried)
	default:
		from, count = "inventory_resources c", "count(*)"
		conds = invFilterConds(&a, "c", &f, false, false)
	}
	if q.Scope.All {
		if f.AccountID != "" {
			conds = append(conds, "c.account_id = "+a.add(f.AccountID))
		}
		if f.Region != "" {
			conds = append(conds, "c.region = "+a.add(f.Region))
		}
	} else {
		in := f.NarrowSources(srcs)
		if len(in) == 0 {
			return inventory.CountResult{}, ctx.Err()
		}
		acc, reg := make([]string, len(in)), make([]string, len(in))
		for i, src := range in {
			acc[i], reg[i] = src.AccountID, src.Region
		}
		sources := "unnest(" + a.add(acc) + "::text[], " + a.add(reg) + "::text[]) AS s(account_id, region)"
		if counted {
			// inventory_counts is small: a semi-join of it with the
			// sources, hashed, reads it once (50 ms for 4,000 sources,
			// against 105 ms as an inner join).
			conds = append(conds, "(c.account_id, c.region) IN (SELECT * FROM "+sources+")")
		} else {
			// Each source's range of the primary key of resources (OFFSET 0
			// keeps the subquery from being flattened into a join that could
			// read the whole table).
			from = sources + " CROSS JOIN LATERAL (SELECT c.account_id, c.region, c.type FROM inventory_resources c" +
				" WHERE c.account_id = s.account_id AND c.region = s.region" + invAnd(conds) + " OFFSET 0) c"
			conds = nil
		}
	}
	totalSQL := "SELECT coalesce(" + count + ", 0)::int8 FROM " + from + invWhere(conds)
	if col == "" {
		var res inventory.CountResult
		if err := s.db.pool.QueryRow(ctx, totalSQL, append(invArgs{pgx.QueryExecModeExec}, a...)...).Scan(&res.Total); err != nil {
			return inventory.CountResult{}, invErr("Count", err)
		}
		return res, nil
	}
	// The window sums every group's count before the outer WHERE picks the
	// page's groups (PostgreSQL does not push a condition into a subquery
	// below a window function whose partition does not hold its columns).
	totalArgs := slices.Clone(a)
	qs := `SELECT g, cnt, total FROM (
  SELECT g, cnt, (sum(cnt) OVER ())::int8 AS total FROM (
    SELECT ` + col + ` AS g, (` + count + `)::int8 AS cnt FROM ` + from + invWhere(conds) + `
    GROUP BY ` + col + ` HAVING ` + count + ` > 0) grouped) w
WHERE g > ` + a.add(after) + ` ORDER BY g`
	if q.Limit > 0 {
		qs += " LIMIT " + a.add(q.Limit+1)
	}
	// Planned for its own arguments each time (an unnamed statement): a
	// cached generic plan, made for a set of sources of unknown size, read
	// every row of inventory_counts through its index one source at a
	// time.
	rows, err := s.db.pool.Query(ctx, qs, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return inventory.CountResult{}, invErr("Count", err)
	}
	var res inventory.CountResult
	more := false
	var g inventory.Group
	var total int64
	_, err = pgx.ForEachRow(rows, []any{&g.Key, &g.Count, &total}, func() error {
		if q.Limit > 0 && len(res.Groups) == q.Limit {
			more = true
			return nil
		}
		res.Groups = append(res.Groups, g)
		res.Total = total
		return nil
	})
	if err != nil {
		return inventory.CountResult{}, invErr("Count", err)
	}
	if len(res.Groups) == 0 && after != "" {
		// Past the last group: the total needs a statement of its own.
		if err := s.db.pool.QueryRow(ctx, totalSQL, totalArgs...).Scan(&res.Total); err != nil {
			return inventory.CountResult{}, invErr("Count", err)
		}
	}
	if more {
		res.Next = cur.Encode(res.Groups[len(res.Groups)-1].Key)
	}
	return res, nil
}

// History implements [inventory.Store.History]: one statement per page,
// keyset paginated on the StateID along the primary key of
// inventory_versions.
func (s *Inventory) History(ctx context.Context, q inventory.HistoryQuery) (inventory.HistoryPage, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.HistoryPage{}, err
	}
	if q.Limit <= 0 {
		return inventory.HistoryPage{}, fmt.Errorf("postgres: inventory: History: limit %d is not positive", q.Limit)
	}
	cur := invcursor.NewHistory(&q)
	var a invArgs
	conds := []string{"r.account_id = " + a.add(q.Key.AccountID), "r.region = " + a.add(q.Key.Region),
		"r.type = " + a.add(q.Key.ResourceType), "r.resource_id = " + a.add(q.Key.ResourceID)}
	if !q.Earlier.IsZero() {
		conds = append(conds, "v.capture_time >= "+a.add(invMillis(q.Earlier)))
	}
	if !q.Later.IsZero() {
		conds = append(conds, "v.capture_time <= "+a.add(invMillis(q.Later)))
	}
	if q.Cursor != "" {
		after, err := cur.Decode(q.Cursor)
		if err != nil {
			return inventory.HistoryPage{}, err
		}
		if q.Chronological {
			conds = append(conds, "v.state_id > "+a.add(after))
		} else {
			conds = append(conds, "v.state_id < "+a.add(after))
		}
	}
	order := " ORDER BY v.state_id DESC"
	if q.Chronological {
		order = " ORDER BY v.state_id"
	}
	qs := "SELECT " + invItemCols + " FROM inventory_resources r JOIN inventory_versions v ON v.rid = r.rid" +
		invWhere(conds) + order + " LIMIT " + a.add(q.Limit+1)
	rows, err := s.db.pool.Query(ctx, qs, a...)
	if err != nil {
		return inventory.HistoryPage{}, invErr("History", err)
	}
	var page inventory.HistoryPage
	more, err := invCollect(rows, &page.Items, q.Limit)
	if err != nil {
		return inventory.HistoryPage{}, invErr("History", err)
	}
	if len(page.Items) == 0 && q.Cursor == "" {
		// An empty first page: the resource may have no version at all.
		var one int
		err := s.db.pool.QueryRow(ctx, `SELECT 1 FROM inventory_resources WHERE account_id = $1 AND region = $2 AND type = $3 AND resource_id = $4`,
			q.Key.AccountID, q.Key.Region, q.Key.ResourceType, q.Key.ResourceID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return inventory.HistoryPage{}, inventory.ErrNotFound
		}
		if err != nil {
			return inventory.HistoryPage{}, invErr("History", err)
		}
	}
	if more {
		page.Next = cur.Encode(page.Items[len(page.Items)-1].StateID)
	}
	return page, nil
}
