package postgres

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

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
// key order, for a rebuild of the terms.
const qInvTermsPage = `SELECT ` + invItemCols + invLatest + `
WHERE (r.account_id, r.region, r.type, r.resource_id) > ($1, $2, $3, $4)
ORDER BY r.account_id, r.region, r.type, r.resource_id LIMIT $5`

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
		if _, err := invCollect(rows, &items, 0); err != nil {
			return fmt.Errorf("postgres: inventory terms: %w", classify(err))
		}
		if len(items) == 0 {
			break
		}
		n := len(items)
		acc, reg, typ, ids, terms := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([][]byte, n)
		for i := range items {
			it := &items[i]
			acc[i], reg[i], typ[i], ids[i], terms[i] = it.AccountID, it.Region, it.ResourceType, it.ResourceID, invterms.Of(it)
		}
		if _, err := conn.Exec(ctx, qInvPutTerms, acc, reg, typ, ids, terms); err != nil {
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

// scanMatch is Scan with q.Match (and no q.At): pages of the keys whose
// terms match, in inventory_terms' order (type, account, region, id), each
// page's items read as BatchGet reads them.
func (s *Inventory) scanMatch(ctx context.Context, q *inventory.ScanQuery, srcs []inventory.Source) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		var a invArgs
		conds := invIn(&a, "t.type", q.Filter.ResourceTypes)
		for _, terms := range q.Match {
			ors := make([]string, len(terms))
			for i, term := range terms {
				ors[i] = "position(" + a.add(invterms.Encode(term.Path, term.Text)) + "::bytea in t.terms) > 0"
			}
			conds = append(conds, "("+strings.Join(ors, " OR ")+")")
		}
		if f := &q.Filter; f.AccountID != "" {
			conds = append(conds, "t.account_id = "+a.add(f.AccountID))
		}
		if f := &q.Filter; f.Region != "" {
			conds = append(conds, "t.region = "+a.add(f.Region))
		}
		if !q.Scope.All {
			in := q.Filter.NarrowSources(srcs)
			if len(in) == 0 {
				return
			}
			acc, reg := make([]string, len(in)), make([]string, len(in))
			for i, src := range in {
				acc[i], reg[i] = src.AccountID, src.Region
			}
			conds = append(conds, "(t.account_id, t.region) IN (SELECT * FROM unnest("+a.add(acc)+"::text[], "+a.add(reg)+"::text[]))")
		}
		conds = append(conds, invFilterConds(&a, "r", &q.Filter, true, q.Filter.IncludeDeleted)...)
		base := `SELECT t.type, t.account_id, t.region, t.resource_id FROM inventory_terms t
JOIN inventory_resources r ON r.account_id = t.account_id AND r.region = t.region AND r.type = t.type AND r.resource_id = t.resource_id
WHERE ` + strings.Join(conds, " AND ")
		var after *inventory.Key
		for {
			if err := ctx.Err(); err != nil {
				yield(inventory.Item{}, invErr("Scan", err))
				return
			}
			pa := append(invArgs{}, a...)
			stmt := base
			if after != nil {
				stmt += " AND (t.type, t.account_id, t.region, t.resource_id) > (" + pa.add(after.ResourceType) + ", " +
					pa.add(after.AccountID) + ", " + pa.add(after.Region) + ", " + pa.add(after.ResourceID) + ")"
			}
			stmt += " ORDER BY t.type, t.account_id, t.region, t.resource_id LIMIT " + pa.add(s.opts.ScanPage)
			keys, err := s.matchKeys(ctx, stmt, pa)
			if err != nil {
				yield(inventory.Item{}, invErr("Scan", err))
				return
			}
			if len(keys) == 0 {
				return
			}
			items, err := s.BatchGet(ctx, keys)
			if err != nil {
				yield(inventory.Item{}, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(keys) < s.opts.ScanPage {
				return
			}
			after = &keys[len(keys)-1]
		}
	}
}

// matchKeys runs a page statement of scanMatch.
func (s *Inventory) matchKeys(ctx context.Context, q string, a invArgs) ([]inventory.Key, error) {
	rows, err := s.db.pool.Query(ctx, q, a...)
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
