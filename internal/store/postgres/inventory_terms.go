package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invterms"
)

// The terms of each resource's latest version (inventory_terms, migration
// 0005), which Scan's Match reads.

// invTermsPage is how many resources a rebuild of the terms reads and
// writes per statement.
const invTermsPage = 2000

// qInvTermsPage reads the latest versions of the resources after a key, in
// key order, for a rebuild of the terms: a page of the primary key, then
// each resource's version (the LATERAL, which OFFSET 0 keeps from being
// flattened into a join that the planner, misjudging its size, made a
// hash join of every version: 3 s a page instead of 80 ms).
const qInvTermsPage = `SELECT ` + invItemCols + `, r.rid
FROM (SELECT * FROM inventory_resources r
  WHERE (r.account_id, r.region, r.type, r.resource_id) > ($1, $2, $3, $4)
  ORDER BY r.account_id, r.region, r.type, r.resource_id LIMIT $5) r
CROSS JOIN LATERAL (SELECT ` + invVersionCols + ` FROM inventory_versions v
  WHERE v.rid = r.rid AND v.state_id = r.state_id OFFSET 0) v
ORDER BY r.account_id, r.region, r.type, r.resource_id`

// ensureTerms computes the terms of every resource when inventory_terms
// holds another version's (or none, after the migration that made it). It
// runs where migrate does, holding the migration lock on conn, so that one
// process computes them while replicas that start with it wait. It takes
// about a minute per million resources; the log says when it starts and
// ends.
func ensureTerms(ctx context.Context, conn *pgxpool.Conn, log *slog.Logger) error {
	var version int
	if err := conn.QueryRow(ctx, "SELECT version FROM inventory_terms_state").Scan(&version); err != nil {
		return fmt.Errorf("postgres: inventory terms: %w", classify(err))
	}
	if version == invterms.Version {
		return nil
	}
	start := time.Now()
	log.LogAttrs(ctx, slog.LevelInfo, "inventory: computing the terms of every resource (advanced query's index)",
		slog.Int("from_version", version), slog.Int("to_version", invterms.Version))
	if _, err := conn.Exec(ctx, "TRUNCATE inventory_terms"); err != nil {
		return fmt.Errorf("postgres: inventory terms: %w", classify(err))
	}
	var after inventory.Key // the empty key is before every key
	total := 0
	for {
		rows, err := conn.Query(ctx, qInvTermsPage, after.AccountID, after.Region, after.ResourceType, after.ResourceID, invTermsPage)
		if err != nil {
			return fmt.Errorf("postgres: inventory terms: %w", classify(err))
		}
		var items []inventory.Item
		var rids []int64
		for rows.Next() {
			var rid int64
			it, err := invScanItemWith(rows, &rid)
			if err != nil {
				rows.Close()
				return fmt.Errorf("postgres: inventory terms: %w", classify(err))
			}
			items, rids = append(items, it), append(rids, rid)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: inventory terms: %w", classify(err))
		}
		if len(items) == 0 {
			break
		}
		n := len(items)
		acc, reg, typ, ids, terms := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i := range items {
			it := &items[i]
			acc[i], reg[i], typ[i], ids[i], terms[i] = it.AccountID, it.Region, it.ResourceType, it.ResourceID, invTermsArray(invterms.Of(it))
		}
		if _, err := conn.Exec(ctx, qInvPutTerms, acc, reg, typ, ids, rids, terms); err != nil {
			return fmt.Errorf("postgres: inventory terms: %w", classify(err))
		}
		total += n
		after = items[n-1].Key
	}
	if _, err := conn.Exec(ctx, "UPDATE inventory_terms_state SET version = $1", invterms.Version); err != nil {
		return fmt.Errorf("postgres: inventory terms: %w", classify(err))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "inventory: terms computed",
		slog.Int("resources", total), slog.Duration("duration", time.Since(start)))
	return nil
}

// invTermsArray returns the text of the int4[] of a term set (invterms.Of):
// each hash's bits as an int4.
func invTermsArray(set []byte) string {
	b := make([]byte, 0, 1+12*len(set)/invterms.Size)
	b = append(b, '{')
	for i := 0; i+invterms.Size <= len(set); i += invterms.Size {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(int32(binary.LittleEndian.Uint32(set[i:]))), 10)
	}
	return string(append(b, '}'))
}

// invMatchSeekSources is the most sources a scanMatch reads source by
// source: it seeks each source's resources and then their terms by rid.
// Past it, it reads each type's range of terms and looks each resource's
// source up in a hashed set (an aggregator's 4,000 sources).
const invMatchSeekSources = 64

// scanMatch is Scan with q.Match (and no q.At): statements of up to
// MatchPage matching keys, whose items are read as BatchGet reads them,
// ScanPage at a time. The statements are planned for their own arguments
// (QueryExecModeExec), so that a set of sources given as an array is a
// constant that PostgreSQL hashes.
func (s *Inventory) scanMatch(ctx context.Context, q *inventory.ScanQuery, srcs []inventory.Source) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		var a invArgs
		var conds []string
		for _, terms := range q.Match {
			hs := make([]int32, len(terms))
			for i, term := range terms {
				hs[i] = int32(invterms.Hash(term.Path, term.Text))
			}
			conds = append(conds, "t.terms && "+a.add(hs)+"::int4[]")
		}
		f := &q.Filter
		if f.AccountID != "" {
			conds = append(conds, "r.account_id = "+a.add(f.AccountID))
		}
		if f.Region != "" {
			conds = append(conds, "r.region = "+a.add(f.Region))
		}
		var in []inventory.Source
		if !q.Scope.All {
			if in = f.NarrowSources(srcs); len(in) == 0 {
				return
			}
		}
		if !q.Scope.All && len(in) <= invMatchSeekSources {
			// Source by source: the resources' range of the primary key,
			// then each one's terms.
			acc, reg := make([]string, len(in)), make([]string, len(in))
			for i, src := range in {
				acc[i], reg[i] = src.AccountID, src.Region
			}
			conds = append(conds, "(r.account_id, r.region) IN (SELECT * FROM unnest("+a.add(acc)+"::text[], "+a.add(reg)+"::text[]))")
			conds = append(conds, invFilterConds(&a, "r", f, false, f.IncludeDeleted)...)
			s.scanMatchPages(ctx, "inventory_resources r JOIN inventory_terms t ON t.type = r.type AND t.rid = r.rid",
				conds, a, "r.account_id, r.region, r.type, r.resource_id", yield)
			return
		}
		if !q.Scope.All {
			set := make([]string, len(in))
			for i, src := range in {
				set[i] = invSourceKey(src.AccountID, src.Region)
			}
			conds = append(conds, `length(t.account_id) || ':' || t.account_id || t.region = ANY(`+a.add(set)+`::text[])`)
		}
		conds = append(conds, invFilterConds(&a, "r", f, true, f.IncludeDeleted)...)
		from := `inventory_terms t JOIN inventory_resources r
  ON r.account_id = t.account_id AND r.region = t.region AND r.type = t.type AND r.resource_id = t.resource_id`
		if len(f.ResourceTypes) == 0 {
			s.scanMatchPages(ctx, from, conds, a, "t.type, t.rid", yield)
			return
		}
		// A type at a time: each a range of the primary key.
		for _, typ := range invSortedSet(f.ResourceTypes) {
			ta := slices.Clone(a)
			if !s.scanMatchPages(ctx, from, append(slices.Clip(conds), "t.type = "+ta.add(typ)), ta, "t.rid", yield) {
				return
			}
		}
	}
}

// invSourceKey is a source's key in scanMatch's hashed set, the text that
// the statement makes of each row's: the account's length, a colon, the
// account and the region (unambiguous whatever the strings hold).
func invSourceKey(account, region string) string {
	return strconv.Itoa(utf8.RuneCountInString(account)) + ":" + account + region
}

// scanMatchPages yields the items of the resources r of the rows of from
// that conds (with their arguments a) admit, reading their keys in
// statements of MatchPage in the order of the columns order, each after
// the last row read (keyset on those columns). It reports whether the
// consumer wants more.
func (s *Inventory) scanMatchPages(ctx context.Context, from string, conds []string, a invArgs, order string, yield func(inventory.Item, error) bool) bool {
	n := len(strings.Split(order, ", "))
	var after []any // the last row's order columns
	for {
		if err := ctx.Err(); err != nil {
			yield(inventory.Item{}, invErr("Scan", err))
			return false
		}
		pa := slices.Clone(a)
		where := slices.Clone(conds)
		if after != nil {
			marks := make([]string, n)
			for i, v := range after {
				marks[i] = pa.add(v)
			}
			where = append(where, "("+order+") > ("+strings.Join(marks, ", ")+")")
		}
		stmt := "SELECT r.account_id, r.region, r.type, r.resource_id, " + order + " FROM " + from +
			invWhere(where) + " ORDER BY " + order + " LIMIT " + pa.add(s.opts.MatchPage)
		keys, last, err := s.matchKeys(ctx, stmt, pa, n)
		if err != nil {
			yield(inventory.Item{}, invErr("Scan", err))
			return false
		}
		for chunk := range slices.Chunk(keys, s.opts.ScanPage) {
			items, err := s.BatchGet(ctx, chunk)
			if err != nil {
				yield(inventory.Item{}, err)
				return false
			}
			for _, it := range items {
				if !yield(it, nil) {
					return false
				}
			}
		}
		if len(keys) < s.opts.MatchPage {
			return true
		}
		after = last
	}
}

// matchKeys runs a statement of scanMatchPages: each row is a key and then
// n order columns, of which it returns the last row's.
func (s *Inventory) matchKeys(ctx context.Context, q string, a invArgs, n int) ([]inventory.Key, []any, error) {
	rows, err := s.db.pool.Query(ctx, q, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []inventory.Key
	var last []any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, err
		}
		if len(vals) != 4+n {
			return nil, nil, fmt.Errorf("%d columns, want %d", len(vals), 4+n)
		}
		var k inventory.Key
		var ok [4]bool
		k.AccountID, ok[0] = vals[0].(string)
		k.Region, ok[1] = vals[1].(string)
		k.ResourceType, ok[2] = vals[2].(string)
		k.ResourceID, ok[3] = vals[3].(string)
		if ok != [4]bool{true, true, true, true} {
			return nil, nil, fmt.Errorf("a key column is not text")
		}
		keys = append(keys, k)
		last = vals[4:]
	}
	return keys, last, rows.Err()
}
