package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
	"github.com/starlingcfg/starling/internal/inventory/invcursor"
)

// invItemCols are the columns scanItem reads, from resources r joined with
// versions v.
const invItemCols = `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, v.configuration, v.supplementary, v.tags, v.relationships`

// invLatest joins each resource to its latest version.
const invLatest = ` FROM resources r` + invVersionsJoin

// invVersionsJoin joins the version of each resource r that r.state_id
// names.
const invVersionsJoin = ` JOIN versions v ON v.rid = r.rid AND v.state_id = r.state_id`

const qInvGet = `SELECT ` + invItemCols + invLatest + `
WHERE r.account_id = ? AND r.region = ? AND r.type = ? AND r.resource_id = ?`

// scanItem reads one row of invItemCols.
func scanItem(rows interface{ Scan(...any) error }) (inventory.Item, error) {
	return scanItemWith(rows)
}

// scanItemWith reads one row of invItemCols, and of the columns after them
// into more.
func scanItemWith(rows interface{ Scan(...any) error }, more ...any) (inventory.Item, error) {
	var (
		it                    inventory.Item
		capture               int64
		created               sql.NullInt64
		sup, tags, rels       []byte
		configuration         []byte
		status, version, azon string
	)
	err := rows.Scan(append([]any{&it.AccountID, &it.Region, &it.ResourceType, &it.ResourceID, &it.StateID, &capture,
		&status, &version, &it.AWSRegion, &it.ResourceName, &it.ARN, &azon, &created,
		&configuration, &sup, &tags, &rels}, more...)...)
	if err != nil {
		return it, err
	}
	it.Status, it.Version, it.AvailabilityZone = status, version, azon
	it.CaptureTime = time.UnixMilli(capture).UTC()
	if created.Valid {
		it.ResourceCreationTime = time.UnixMilli(created.Int64).UTC()
	}
	if len(configuration) > 0 {
		it.Configuration = json.RawMessage(configuration)
	}
	if it.SupplementaryConfiguration, err = invcodec.DecodeSupplementary(sup); err != nil {
		return it, errCodec
	}
	if it.Tags, err = invcodec.DecodeTags(tags); err != nil {
		return it, errCodec
	}
	if it.Relationships, err = invcodec.DecodeRelationships(rels); err != nil {
		return it, errCodec
	}
	return it, nil
}

// readErr wraps an error of a read, leaving the context's errors and the
// inventory's sentinels recognizable.
func readErr(op string, err error) error {
	return fmt.Errorf("sqlite: inventory: %s: %w", op, err)
}

// Get implements [inventory.Store.Get].
func (s *Inventory) Get(ctx context.Context, k inventory.Key) (inventory.Item, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.Item{}, err
	}
	it, err := scanItem(s.get.QueryRowContext(ctx, k.AccountID, k.Region, k.ResourceType, k.ResourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return inventory.Item{}, inventory.ErrNotFound
	}
	if err != nil {
		return inventory.Item{}, readErr("Get", err)
	}
	return it, nil
}

const qInvBatchGet = `SELECT ` + invItemCols + invBatchGetFrom

// qInvBatchGetBase is qInvBatchGet without tags and relationships
// (BatchGetBase): NULL in their place.
const qInvBatchGetBase = `SELECT ` + invBaseItemCols + invBatchGetFrom

// invItemColsNoRelationships are invItemCols but for NULL relationships
// (ScanQuery.WithoutRelationships).
const invItemColsNoRelationships = `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, v.configuration, v.supplementary, v.tags, NULL`

// invBaseItemCols are invItemCols but for NULL tags and relationships.
const invBaseItemCols = `r.account_id, r.region, r.type, r.resource_id, v.state_id, v.capture_time, v.status, v.version,
v.aws_region, v.name, v.arn, v.az, v.creation_time, v.configuration, v.supplementary, NULL, NULL`

const invBatchGetFrom = `
FROM json_each(?) k
JOIN resources r ON r.account_id = k.value ->> 0 AND r.region = k.value ->> 1 AND r.type = k.value ->> 2 AND r.resource_id = k.value ->> 3
JOIN versions v ON v.rid = r.rid AND v.state_id = r.state_id
ORDER BY k.key`

// BatchGet implements [inventory.Store.BatchGet] in one statement: the keys
// are one JSON array, joined with json_each.
func (s *Inventory) BatchGet(ctx context.Context, keys []inventory.Key) ([]inventory.Item, error) {
	return s.batchGet(ctx, keys, qInvBatchGet, false)
}

// BatchGetBase implements [inventory.Store.BatchGetBase], as BatchGet.
func (s *Inventory) BatchGetBase(ctx context.Context, keys []inventory.Key) ([]inventory.Item, error) {
	return s.batchGet(ctx, keys, qInvBatchGetBase, true)
}

// batchGet reads the latest versions of keys with the statement q, one of
// qInvBatchGet and qInvBatchGetBase (base).
func (s *Inventory) batchGet(ctx context.Context, keys []inventory.Key, q string, base bool) ([]inventory.Item, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	switch len(keys) {
	case 0:
		return nil, ctx.Err()
	case 1:
		it, err := s.Get(ctx, keys[0])
		if errors.Is(err, inventory.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if base {
			it.Tags, it.Relationships = nil, nil
		}
		return []inventory.Item{it}, nil
	}
	arr := make([][4]string, len(keys))
	for i, k := range keys {
		arr[i] = [4]string{k.AccountID, k.Region, k.ResourceType, k.ResourceID}
	}
	js, err := json.Marshal(arr)
	if err != nil {
		return nil, readErr("BatchGet", err)
	}
	rows, err := s.reads.query(ctx, q, js)
	if err != nil {
		return nil, readErr("BatchGet", err)
	}
	defer rows.Close()
	items := make([]inventory.Item, 0, len(keys))
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, readErr("BatchGet", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr("BatchGet", err)
	}
	return items, nil
}

// errNilScope is returned for a query without a scope.
var errNilScope = errors.New("sqlite: inventory: nil scope (use inventory.AllSources to read every source)")

// cond is the WHERE clause of a query on resources r, built from a scope
// and a filter.
type cond struct {
	where []string
	args  []any
	// none is true when nothing can be admitted (an empty scope).
	none bool
	// viaCounts is true when the clause also names counts c, which the
	// statement must join (invLatestViaCounts).
	viaCounts bool
}

func (c *cond) add(where string, args ...any) {
	c.where = append(c.where, where)
	c.args = append(c.args, args...)
}

func (c *cond) sql() string {
	if len(c.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.where, " AND ")
}

// jsonStrings returns ss as a JSON array.
func jsonStrings(ss []string) string {
	b, _ := json.Marshal(ss) // a []string always encodes
	return string(b)
}

// admit builds the condition of what sc and f admit; srcs are
// sc.SortedSources(). deleted says whether deleted resources are admitted.
func admit(sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, deleted bool) cond {
	var c cond
	if sc.All {
		if f.AccountID != "" {
			c.add("r.account_id = ?", f.AccountID)
		}
		if f.Region != "" {
			c.add("r.region = ?", f.Region)
		}
	} else {
		// The filter's account and region narrow the set here, not in SQL.
		in := f.NarrowSources(srcs)
		switch len(in) {
		case 0:
			c.none = true
			return c
		case 1:
			c.add("r.account_id = ? AND r.region = ?", in[0].AccountID, in[0].Region)
		default:
			set := make([][2]string, len(in))
			for i, src := range in {
				set[i] = [2]string{src.AccountID, src.Region}
			}
			js, _ := json.Marshal(set) // strings always encode
			if f.AccountID != "" {
				c.add("r.account_id = ?", f.AccountID)
			}
			if f.Region != "" {
				c.add("r.region = ?", f.Region)
			}
			c.add("(r.account_id, r.region) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))", string(js))
		}
	}
	c.filter(f, deleted)
	return c
}

// filter adds what f admits besides the source (types, ids, name) and,
// unless deleted, that the latest version is not a deletion.
func (c *cond) filter(f *inventory.Filter, deleted bool) {
	switch len(f.ResourceTypes) {
	case 0:
	case 1:
		c.add("r.type = ?", f.ResourceTypes[0])
	default:
		c.add("r.type IN (SELECT value FROM json_each(?))", jsonStrings(f.ResourceTypes))
	}
	switch len(f.ResourceIDs) {
	case 0:
	case 1:
		c.add("r.resource_id = ?", f.ResourceIDs[0])
	default:
		c.add("r.resource_id IN (SELECT value FROM json_each(?))", jsonStrings(f.ResourceIDs))
	}
	if f.ResourceName != "" {
		c.add("r.name = ?", f.ResourceName)
	}
	if !deleted {
		c.add("r.deleted = 0")
	}
}

// List implements [inventory.Store.List]: one statement per page, keyset
// paginated on (account_id, region, type, resource_id).
func (s *Inventory) List(ctx context.Context, q inventory.ListQuery) (inventory.ListPage, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.ListPage{}, err
	}
	return invcursor.ListPage("sqlite", &q, errNilScope, func(srcs []inventory.Source, after *inventory.Key) ([]inventory.Item, bool, error) {
		cols := colsItem
		if q.KeysOnly {
			cols = colsKeys
		}
		return s.list(ctx, q.Scope, srcs, &q.Filter, after, q.Limit, cols)
	})
}

// scanPage is the page size Scan reads with.
const scanPage = 512

// Scan implements [inventory.Store.Scan] as a sequence of List pages of
// scanPage items, each read in its own statement, so that no connection is
// held while the consumer works and no more than a page is in memory. With
// q.At, the pages are listAt's, of the versions current at q.At.
func (s *Inventory) Scan(ctx context.Context, q inventory.ScanQuery) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		if err := s.checkOpen(); err != nil {
			yield(inventory.Item{}, err)
			return
		}
		if q.Scope == nil {
			yield(inventory.Item{}, errNilScope)
			return
		}
		srcs := q.Scope.SortedSources()
		if !q.At.IsZero() {
			inventory.ScanPages(ctx, func(after *inventory.Key) ([]inventory.Item, bool, error) {
				return s.listAt(ctx, q.Scope, srcs, &q.Filter, q.At, after, scanPage)
			})(q.Project(yield))
			return
		}
		if len(q.Match) > 0 {
			s.scanMatch(ctx, &q, srcs)(q.Project(yield))
			return
		}
		cols := colsItem
		if q.WithoutRelationships {
			cols = colsNoRelationships
		}
		// WithoutConfigurationOf: the documents are read, then dropped.
		yield = q.Project(yield)
		inventory.ScanPages(ctx, func(after *inventory.Key) ([]inventory.Item, bool, error) {
			return s.list(ctx, q.Scope, srcs, &q.Filter, after, scanPage, cols)
		})(yield)
	}
}

// Count implements [inventory.Store.Count]: the groups and the total come
// from one statement, which groups in SQL and pages over the groups.
func (s *Inventory) Count(ctx context.Context, q inventory.CountQuery) (inventory.CountResult, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.CountResult{}, err
	}
	var col string
	switch q.GroupBy {
	case inventory.GroupNone:
	case inventory.GroupResourceType:
		col = "r.type"
	case inventory.GroupAccountID:
		col = "r.account_id"
	case inventory.GroupRegion:
		col = "r.region"
	default:
		return inventory.CountResult{}, fmt.Errorf("sqlite: inventory: Count: unknown GroupBy %d", q.GroupBy)
	}
	start, err := invcursor.StartCount(&q, errNilScope)
	if err != nil {
		return inventory.CountResult{}, err
	}
	srcs, f, cur, after := start.Sources, start.Filter, start.Cursors, start.After
	// Without a name or ids to filter by, the counts table has the answer,
	// one row per source and type; otherwise the resources are counted.
	from, count := " FROM resources r", "count(*)"
	c := admit(q.Scope, srcs, &f, false)
	switch {
	case q.Queried:
		// Deleted resources are counted, but not those not recorded
		// (resources.status, migration 0004). Many types (advanced
		// query's count lists every queryable one) are checked on each
		// row of the sources' ranges rather than sought, source by
		// source and type by type: over 4,000 sources and 413 types, 0.4
		// s instead of 0.8 s of 1.65 million seeks.
		many := len(f.ResourceTypes) > maxSoughtTypes
		typeless := f
		if many {
			typeless.ResourceTypes = nil
		}
		c = admit(q.Scope, srcs, &typeless, true)
		if many {
			c.add("+r.type IN (SELECT value FROM json_each(?))", jsonStrings(f.ResourceTypes))
		}
		c.add(invQueried)
	case f.ResourceName == "" && len(f.ResourceIDs) == 0:
		from, count = " FROM counts r", "sum(r.n)"
		c = admit(q.Scope, srcs, &f, true) // counts holds no deletions
	}
	if c.none {
		return inventory.CountResult{}, ctx.Err()
	}
	totalSQL := "SELECT coalesce(" + count + ", 0)" + from + c.sql()
	if col == "" {
		var res inventory.CountResult
		if err := s.reads.queryRow(ctx, totalSQL, c.args...).Scan(&res.Total); err != nil {
			return res, readErr("Count", err)
		}
		return res, nil
	}
	// The window sums every group's count before the outer WHERE picks the
	// page's groups.
	qs := `SELECT g, cnt, total FROM (
SELECT g, cnt, sum(cnt) OVER () AS total FROM (SELECT ` + col + ` AS g, ` + count + ` AS cnt` + from + c.sql() + ` GROUP BY g HAVING ` + count + ` > 0))
WHERE g > ? ORDER BY g`
	args := append(c.args, after)
	if q.Limit > 0 {
		qs += " LIMIT ?"
		args = append(args, q.Limit+1)
	}
	rows, err := s.reads.query(ctx, qs, args...)
	if err != nil {
		return inventory.CountResult{}, readErr("Count", err)
	}
	defer rows.Close()
	var res inventory.CountResult
	more := false
	for rows.Next() {
		if q.Limit > 0 && len(res.Groups) == q.Limit {
			more = true
			break
		}
		var g inventory.Group
		if err := rows.Scan(&g.Key, &g.Count, &res.Total); err != nil {
			return inventory.CountResult{}, readErr("Count", err)
		}
		res.Groups = append(res.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return inventory.CountResult{}, readErr("Count", err)
	}
	if len(res.Groups) == 0 && after != "" {
		// Past the last group: the total needs a statement of its own.
		if err := s.reads.queryRow(ctx, totalSQL, c.args...).Scan(&res.Total); err != nil {
			return res, readErr("Count", err)
		}
	}
	if more {
		res.Next = cur.Encode(res.Groups[len(res.Groups)-1].Key)
	}
	return res, nil
}

// maxSoughtTypes is the most types a Count of queried resources seeks in
// each source's range of the primary key; with more, it reads the range
// and checks each row's type.
const maxSoughtTypes = 8

// invQueried is the condition that advanced query sees a resource
// (inventory.CountQuery.Queried).
const invQueried = "r.status NOT IN ('" + inventory.StatusResourceNotRecorded + "', '" + inventory.StatusResourceDeletedNotRecorded + "')"

// History implements [inventory.Store.History]: one statement per page,
// keyset paginated on the StateID.
func (s *Inventory) History(ctx context.Context, q inventory.HistoryQuery) (inventory.HistoryPage, error) {
	if err := s.checkOpen(); err != nil {
		return inventory.HistoryPage{}, err
	}
	if q.Limit <= 0 {
		return inventory.HistoryPage{}, fmt.Errorf("sqlite: inventory: History: limit %d is not positive", q.Limit)
	}
	cur := invcursor.NewHistory(&q)
	var c cond
	c.add("r.account_id = ? AND r.region = ? AND r.type = ? AND r.resource_id = ?",
		q.Key.AccountID, q.Key.Region, q.Key.ResourceType, q.Key.ResourceID)
	if !q.Earlier.IsZero() {
		c.add("v.capture_time >= ?", q.Earlier.UnixMilli())
	}
	if !q.Later.IsZero() {
		c.add("v.capture_time <= ?", q.Later.UnixMilli())
	}
	if q.Cursor != "" {
		after, err := cur.Decode(q.Cursor)
		if err != nil {
			return inventory.HistoryPage{}, err
		}
		if q.Chronological {
			c.add("v.state_id > ?", after)
		} else {
			c.add("v.state_id < ?", after)
		}
	}
	order := " ORDER BY v.state_id DESC LIMIT ?"
	if q.Chronological {
		order = " ORDER BY v.state_id LIMIT ?"
	}
	qs := "SELECT " + invItemCols + " FROM resources r JOIN versions v ON v.rid = r.rid" + c.sql() + order
	rows, err := s.reads.query(ctx, qs, append(c.args, q.Limit+1)...)
	if err != nil {
		return inventory.HistoryPage{}, readErr("History", err)
	}
	defer rows.Close()
	var page inventory.HistoryPage
	more := false
	for rows.Next() {
		if len(page.Items) == q.Limit {
			more = true
			break
		}
		it, err := scanItem(rows)
		if err != nil {
			return inventory.HistoryPage{}, readErr("History", err)
		}
		page.Items = append(page.Items, it)
	}
	if err := rows.Err(); err != nil {
		return inventory.HistoryPage{}, readErr("History", err)
	}
	if len(page.Items) == 0 && q.Cursor == "" {
		// An empty first page: the resource may have no version at all.
		var one int
		err := s.reads.queryRow(ctx, `SELECT 1 FROM resources WHERE account_id = ? AND region = ? AND type = ? AND resource_id = ?`,
			q.Key.AccountID, q.Key.Region, q.Key.ResourceType, q.Key.ResourceID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return inventory.HistoryPage{}, inventory.ErrNotFound
		}
		if err != nil {
			return inventory.HistoryPage{}, readErr("History", err)
		}
	}
	if more {
		page.Next = cur.Encode(page.Items[len(page.Items)-1].StateID)
	}
	return page, nil
}
