package sqlite

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invterms"
)

// The terms of each resource's latest version (table terms, migration
// 0005), which Scan's Match reads.

// qInvUpsertTerms keeps the terms of a resource whose latest version the
// Write changed.
const qInvUpsertTerms = `INSERT INTO terms (type, account_id, region, resource_id, terms) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (type, account_id, region, resource_id) DO UPDATE SET terms = excluded.terms`

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
		items, err := s.termsPage(ctx, after)
		if err != nil {
			return fmt.Errorf("sqlite: inventory: terms: %w", err)
		}
		if len(items) == 0 {
			break
		}
		if err := s.writeTerms(ctx, items); err != nil {
			return fmt.Errorf("sqlite: inventory: terms: %w", err)
		}
		total += len(items)
		last := items[len(items)-1].Key
		after = &last
	}
	if _, err := s.w.ExecContext(ctx, "UPDATE terms_state SET version = ?", invterms.Version); err != nil {
		return fmt.Errorf("sqlite: inventory: terms: %w", err)
	}
	s.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "inventory: terms computed",
		slog.Int("resources", total), slog.Duration("duration", time.Since(start)))
	return nil
}

// termsPage reads the latest versions of the termsPage resources after
// after (nil: from the first), in key order, on the writer connection.
func (s *Inventory) termsPage(ctx context.Context, after *inventory.Key) ([]inventory.Item, error) {
	q := `SELECT ` + invItemCols + invLatest
	var args []any
	if after != nil {
		q += ` WHERE (r.account_id, r.region, r.type, r.resource_id) > (?, ?, ?, ?)`
		args = append(args, after.AccountID, after.Region, after.ResourceType, after.ResourceID)
	}
	q += ` ORDER BY r.account_id, r.region, r.type, r.resource_id LIMIT ?`
	args = append(args, termsPage)
	rows, err := s.w.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []inventory.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// writeTerms stores the terms of items in one transaction.
func (s *Inventory) writeTerms(ctx context.Context, items []inventory.Item) (err error) {
	bg := context.Background()
	if _, err := s.ws.begin.ExecContext(bg); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = s.ws.rollback.ExecContext(bg)
		}
	}()
	for i := range items {
		if err := s.putTerms(&items[i]); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = s.ws.commit.ExecContext(bg)
	return err
}

// putTerms stores the terms of it, its resource's latest version, inside
// the writer's transaction.
func (s *Inventory) putTerms(it *inventory.Item) error {
	_, err := s.ws.terms.ExecContext(context.Background(), it.ResourceType, it.AccountID, it.Region, it.ResourceID, invterms.Of(it))
	return err
}

// scanMatch is Scan with q.Match (and no q.At): pages of the keys whose
// terms match, in the terms table's order (type, account, region, id),
// each page's items read as BatchGet reads them.
func (s *Inventory) scanMatch(ctx context.Context, q *inventory.ScanQuery, srcs []inventory.Source) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		c := admit(q.Scope, srcs, &q.Filter, q.Filter.IncludeDeleted)
		if c.none {
			return
		}
		var where []string
		var args []any
		switch len(q.Filter.ResourceTypes) {
		case 0:
		case 1:
			where, args = append(where, "t.type = ?"), append(args, q.Filter.ResourceTypes[0])
		default:
			where, args = append(where, "t.type IN (SELECT value FROM json_each(?))"), append(args, jsonStrings(q.Filter.ResourceTypes))
		}
		for _, terms := range q.Match {
			ors := make([]string, len(terms))
			for i, term := range terms {
				ors[i] = "instr(t.terms, ?) > 0"
				args = append(args, invterms.Encode(term.Path, term.Text))
			}
			where = append(where, "("+strings.Join(ors, " OR ")+")")
		}
		where = append(where, c.where...)
		args = append(args, c.args...)
		// The terms drive (CROSS JOIN): each resource of the types is
		// checked against its terms before its resources row is read.
		base := `SELECT t.type, t.account_id, t.region, t.resource_id FROM terms t CROSS JOIN resources r
ON r.account_id = t.account_id AND r.region = t.region AND r.type = t.type AND r.resource_id = t.resource_id
WHERE ` + strings.Join(where, " AND ")
		first := base + ` ORDER BY t.type, t.account_id, t.region, t.resource_id LIMIT ?`
		next := base + ` AND (t.type, t.account_id, t.region, t.resource_id) > (?, ?, ?, ?)
ORDER BY t.type, t.account_id, t.region, t.resource_id LIMIT ?`
		var after *inventory.Key
		for {
			if err := ctx.Err(); err != nil {
				yield(inventory.Item{}, err)
				return
			}
			stmt, a := first, append(args[:len(args):len(args)], scanPage)
			if after != nil {
				stmt = next
				a = append(args[:len(args):len(args)], after.ResourceType, after.AccountID, after.Region, after.ResourceID, scanPage)
			}
			keys, err := s.matchKeys(ctx, stmt, a)
			if err != nil {
				yield(inventory.Item{}, readErr("Scan", err))
				return
			}
			if len(keys) == 0 {
				return
			}
			items, err := s.batchGet(ctx, keys, qInvBatchGet, false)
			if err != nil {
				yield(inventory.Item{}, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(keys) < scanPage {
				return
			}
			after = &keys[len(keys)-1]
		}
	}
}

// matchKeys runs a page statement of scanMatch.
func (s *Inventory) matchKeys(ctx context.Context, q string, args []any) ([]inventory.Key, error) {
	rows, err := s.reads.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []inventory.Key
	for rows.Next() {
		var k inventory.Key
		if err := rows.Scan(&k.ResourceType, &k.AccountID, &k.Region, &k.ResourceID); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
