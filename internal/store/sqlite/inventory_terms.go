package sqlite

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invterms"
)

// The terms of each resource's latest version (table terms, migration
// 0005), which Scan's Match reads.

// qInvUpsertTerms keeps the terms of the resources whose latest version a
// Write changed, termsRows of them per statement (one statement per
// resource cost a fifth of a Write's time); qInvUpsertTermsRows(n) is the
// statement of n.
var qInvUpsertTerms = qInvUpsertTermsRows(termsRows)

// termsRows is how many resources' terms one statement of a Write stores.
const termsRows = 64

func qInvUpsertTermsRows(n int) string {
	return `INSERT INTO terms (type, rid, account_id, region, resource_id, terms) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", ") + `
ON CONFLICT (type, rid) DO UPDATE SET terms = excluded.terms`
}

// termsBatch gathers the resources of a batch whose latest version
// changed, with the terms of the latest of their versions in the batch, as
// the arguments of qInvUpsertTerms.
type termsBatch struct {
	rows  [][6]any // type, rid, account, region, id, and the item's index
	index map[inventory.Key]int
}

// add records items[i], a version that became the latest of its resource,
// whose rid is rid (a later one of the same resource replaces it).
func (b *termsBatch) add(items []inventory.Item, i int, rid int64) {
	it := &items[i]
	row := [6]any{it.ResourceType, rid, it.AccountID, it.Region, it.ResourceID, i}
	if b.index == nil {
		b.index = map[inventory.Key]int{}
	}
	if j, ok := b.index[it.Key]; ok {
		b.rows[j] = row
		return
	}
	b.index[it.Key] = len(b.rows)
	b.rows = append(b.rows, row)
}

// computeTerms returns, at once, a function that returns the terms
// (invterms.Of) of each of items, which it computes meanwhile on another
// goroutine: the Write's statements and the terms then take a core each.
// items must not change until the function has returned.
func computeTerms(items []inventory.Item) func() [][]byte {
	terms := make([][]byte, len(items))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range items {
			terms[i] = invterms.Of(&items[i])
		}
	}()
	return func() [][]byte {
		<-done
		return terms
	}
}

// termsPage is how many resources a rebuild of the terms reads and writes
// per transaction.
const termsPage = 2000

// ensureTerms computes the terms of every resource when the table holds
// another version's (or none, after the migration that made it), on the
// writer connection, before the store serves. It takes about a minute per
// million resources; the log says when it starts and ends.
func (s *Inventory) ensureTerms(ctx context.Context) error {
	var version int
	if err := s.w.QueryRowContext(ctx, "SELECT version FROM terms_state").Scan(&version); err != nil {
		return fmt.Errorf("sqlite: inventory: terms: %w", err)
	}
	if version == invterms.Version {
		return nil
	}
	start := time.Now()
	s.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "inventory: computing the terms of every resource (advanced query's index)",
		slog.Int("from_version", version), slog.Int("to_version", invterms.Version))
	if _, err := s.w.ExecContext(ctx, "DELETE FROM terms"); err != nil {
		return fmt.Errorf("sqlite: inventory: terms: %w", err)
	}
	var after *inventory.Key
	total := 0
	for {
		items, rids, err := s.termsPage(ctx, after)
		if err != nil {
			return fmt.Errorf("sqlite: inventory: terms: %w", err)
		}
		if len(items) == 0 {
			break
		}
		if err := s.writeTerms(ctx, items, rids); err != nil {
			return fmt.Errorf("sqlite: inventory: terms: %w", err)
		}
		total += len(items)
		last := items[len(items)-1].Key
		after = &last
		if total%(50*termsPage) == 0 {
			if err := s.truncateLog(ctx); err != nil {
				return err
			}
		}
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE terms_state SET version = ?", invterms.Version); err != nil {
		return fmt.Errorf("sqlite: inventory: terms: %w", err)
	}
	if err := s.truncateLog(ctx); err != nil {
		return err
	}
	s.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "inventory: terms computed",
		slog.Int("resources", total), slog.Duration("duration", time.Since(start)))
	return nil
}

// truncateLog copies the write-ahead log into the database and empties it,
// as a rebuild of the terms goes (before the store serves, when no reader
// holds the log, and the checkpointer has not started): readers of a log
// of hundreds of megabytes spend their time looking pages up in it.
func (s *Inventory) truncateLog(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("sqlite: inventory: terms: checkpoint: %w", err)
	}
	return nil
}

// termsPage reads the latest versions of the termsPage resources after
// after (nil: from the first), in key order, on the writer connection,
// with their rids.
func (s *Inventory) termsPage(ctx context.Context, after *inventory.Key) ([]inventory.Item, []int64, error) {
	q := `SELECT ` + invItemCols + `, r.rid` + invLatest
	var args []any
	if after != nil {
		q += ` WHERE (r.account_id, r.region, r.type, r.resource_id) > (?, ?, ?, ?)`
		args = append(args, after.AccountID, after.Region, after.ResourceType, after.ResourceID)
	}
	q += ` ORDER BY r.account_id, r.region, r.type, r.resource_id LIMIT ?`
	args = append(args, termsPage)
	rows, err := s.w.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var items []inventory.Item
	var rids []int64
	for rows.Next() {
		var rid int64
		it, err := scanItemWith(rows, &rid)
		if err != nil {
			return nil, nil, err
		}
		items, rids = append(items, it), append(rids, rid)
	}
	return items, rids, rows.Err()
}

// writeTerms stores the terms of items, whose rids are rids, in one
// transaction.
func (s *Inventory) writeTerms(ctx context.Context, items []inventory.Item, rids []int64) (err error) {
	bg := context.Background()
	if _, err := s.ws.begin.ExecContext(bg); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = s.ws.rollback.ExecContext(bg)
		}
	}()
	var tb termsBatch
	terms := make([][]byte, len(items))
	for i := range items {
		tb.add(items, i, rids[i])
		terms[i] = invterms.Of(&items[i])
	}
	if err := s.putTerms(&tb, terms); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = s.ws.commit.ExecContext(bg)
	return err
}

// putTerms stores the terms of b, whose items' terms are terms, inside
// the writer's transaction.
func (s *Inventory) putTerms(b *termsBatch, terms [][]byte) error {
	bg := context.Background()
	args := make([]any, 0, 6*termsRows)
	for chunk := range slices.Chunk(b.rows, termsRows) {
		args = args[:0]
		for _, row := range chunk {
			args = append(args, row[:5]...)
			args = append(args, terms[row[5].(int)])
		}
		var err error
		if len(chunk) == termsRows {
			_, err = s.ws.terms.ExecContext(bg, args...)
		} else {
			_, err = s.w.ExecContext(bg, qInvUpsertTermsRows(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// matchSeekSources is the most sources a scanMatch reads source by
// source: it seeks each source's resources of a type and then their terms
// by rid. Past it, it reads the type's range of terms and looks each
// resource's source up in the set: an aggregator's 4,000 sources, where
// one seek per source cost more than the range.
const matchSeekSources = 64

// scanMatch is Scan with q.Match (and no q.At): statements of up to
// MatchPage matching keys, whose items are read as BatchGet reads them,
// scanPage at a time.
func (s *Inventory) scanMatch(ctx context.Context, q *inventory.ScanQuery, srcs []inventory.Source) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		var match cond
		for _, terms := range q.Match {
			ors := make([]string, len(terms))
			for i, term := range terms {
				ors[i] = "instr(t.terms, ?) > 0"
				match.args = append(match.args, invterms.Encode(term.Path, term.Text))
			}
			match.where = append(match.where, "("+strings.Join(ors, " OR ")+")")
		}
		f := q.Filter
		if !q.Scope.All && len(f.NarrowSources(srcs)) <= matchSeekSources {
			// Source by source, in List order: the resources' range of the
			// primary key, then each one's terms.
			c := admit(q.Scope, srcs, &f, f.IncludeDeleted)
			if c.none {
				return
			}
			c.where, c.args = append(c.where, match.where...), append(c.args, match.args...)
			s.scanMatchPages(ctx, "r.account_id, r.region, r.type, r.resource_id",
				"resources r CROSS JOIN terms t ON t.type = r.type AND t.rid = r.rid", c,
				"r.account_id, r.region, r.type, r.resource_id", nil, yield)
			return
		}
		// The terms first: SQLite checks the conditions in the order
		// written, and they are what leaves most resources out.
		c := match
		if f.AccountID != "" {
			c.add("t.account_id = ?", f.AccountID)
		}
		if f.Region != "" {
			c.add("t.region = ?", f.Region)
		}
		rest := f
		rest.ResourceTypes = nil // each statement names its types
		c.filter(&rest, f.IncludeDeleted)
		switch len(f.ResourceTypes) {
		case 0:
		case 1:
			c.add("t.type = ?", f.ResourceTypes[0])
		default:
			c.add("t.type IN (SELECT value FROM json_each(?))", jsonStrings(f.ResourceTypes))
		}
		// A large set of sources is checked here, on the matching keys
		// only, by a binary search of the sorted sources: in SQL, a lookup
		// in the set for every resource of the type took longer than the
		// terms (54 against 37 ms in the sqlite3 shell, 24,812 instances).
		var admits func(inventory.Source) bool
		if !q.Scope.All {
			in := f.NarrowSources(srcs) // sorted, as srcs are
			admits = func(src inventory.Source) bool {
				_, ok := slices.BinarySearchFunc(in, src, inventory.CompareSources)
				return ok
			}
		}
		// The terms drive (CROSS JOIN): each resource of the types is
		// checked against its terms before its resources row is read.
		s.scanMatchPages(ctx, "t.account_id, t.region, t.type, t.resource_id",
			`terms t CROSS JOIN resources r
ON r.account_id = t.account_id AND r.region = t.region AND r.type = t.type AND r.resource_id = t.resource_id`, c,
			"t.type, t.rid", admits, yield)
	}
}

// scanMatchPages yields the items of the keys (the columns key: account,
// region, type and id) of the rows of from that c admits and whose source
// admits admits (nil: every source), reading them in statements of
// MatchPage keys in the order of the columns order, each after the last
// row read (keyset on those columns).
func (s *Inventory) scanMatchPages(ctx context.Context, key, from string, c cond, order string,
	admits func(inventory.Source) bool, yield func(inventory.Item, error) bool) {
	cols := strings.Split(order, ", ")
	var after []any // the last row's order columns
	for {
		if err := ctx.Err(); err != nil {
			yield(inventory.Item{}, err)
			return
		}
		page := cond{where: slices.Clip(c.where), args: slices.Clip(c.args)}
		if after != nil {
			page.add("("+order+") > ("+strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+")", after...)
		}
		stmt := "SELECT " + key + ", " + order + " FROM " + from + page.sql() + " ORDER BY " + order + " LIMIT ?"
		keys, last, err := s.matchKeys(ctx, stmt, append(page.args, s.opts.MatchPage), len(cols))
		if err != nil {
			yield(inventory.Item{}, readErr("Scan", err))
			return
		}
		more := len(keys) == s.opts.MatchPage
		if admits != nil {
			keys = slices.DeleteFunc(keys, func(k inventory.Key) bool { return !admits(k.Source) })
		}
		for chunk := range slices.Chunk(keys, scanPage) {
			items, err := s.batchGet(ctx, chunk, qInvBatchGet, false)
			if err != nil {
				yield(inventory.Item{}, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
		}
		if !more {
			return
		}
		after = last
	}
}

// matchKeys runs a statement of scanMatchPages: each row is a key and then
// n order columns, of which it returns the last row's.
func (s *Inventory) matchKeys(ctx context.Context, q string, args []any, n int) ([]inventory.Key, []any, error) {
	rows, err := s.reads.query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []inventory.Key
	last := make([]any, n)
	dest := make([]any, 4+n)
	for i := range last {
		dest[4+i] = &last[i]
	}
	for rows.Next() {
		var k inventory.Key
		dest[0], dest[1], dest[2], dest[3] = &k.AccountID, &k.Region, &k.ResourceType, &k.ResourceID
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}
	return keys, last, rows.Err()
}
