package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// complianceLockClass is the first key of the transaction advisory lock
// (pg_advisory_xact_lock(int, int)) that every write of results takes on
// each of its sources before it reads or writes them, its second
// invSourceLockKey: "scmp" (Starling compliance) in ASCII, apart from the
// inventory's invLockClass. The writes of a source's results take turns:
// each reads them in a statement that starts after the one before
// committed, and what it read stays as it read it until it commits. So
// ReplaceResults reads the rules' results without locking each row (SELECT
// ... FOR UPDATE, which writes to every row it locks, cost it half its
// time), and changes them by their ctid; a write of several sources
// (PutResults) takes their turns in key order, so that writes never wait
// for each other in a cycle.
const complianceLockClass int32 = 0x73636d70

// qComplianceLockSource takes the source's turn (complianceLockClass)
// until the transaction ends.
const qComplianceLockSource = `SELECT pg_advisory_xact_lock($1, $2)`

// qComplianceLockSources takes the turns of sources ($2, their keys,
// sorted and without repeats) in the array's order.
const qComplianceLockSources = `SELECT pg_advisory_xact_lock($1, s.k) FROM unnest($2::int4[]) WITH ORDINALITY AS s(k, i) ORDER BY s.i`

// qComplianceReadRules reads, in key order, the results of rules ($3) of a
// source, whose turn the transaction holds: what ReplaceResults decides
// from, and each row's ctid.
const qComplianceReadRules = `SELECT r.rule_name, r.resource_type, r.resource_id, r.compliance_type, r.annotation,
  r.ordering_time, r.recorded_time, r.invoked_time, r.ctid
FROM compliance_results r WHERE r.account_id = $1 AND r.region = $2 AND r.rule_name = ANY($3::text[])
ORDER BY r.rule_name, r.resource_type, r.resource_id`

// qComplianceRetime sets the recorded and invoked times of the results
// that qComplianceReadRules read (by their ctid), whose verdicts a
// replacement leaves as they are.
const qComplianceRetime = `UPDATE compliance_results SET recorded_time = $1, invoked_time = $2 WHERE ctid = ANY($3::tid[])`

// qComplianceReplaceRows replaces the results that qComplianceReadRules
// read, found by their ctid, whatever their ordering times.
const qComplianceReplaceRows = `UPDATE compliance_results r
SET compliance_type = b.compliance_type, annotation = b.annotation, ordering_time = b.ordering_time,
  recorded_time = b.recorded_time, invoked_time = b.invoked_time
FROM unnest($1::tid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
  AS b(row_id, compliance_type, annotation, ordering_time, recorded_time, invoked_time)
WHERE r.ctid = b.row_id`

// qComplianceDeleteRows deletes the results that qComplianceReadRules
// read, found by their ctid.
const qComplianceDeleteRows = `DELETE FROM compliance_results WHERE ctid = ANY($1::tid[])`

// ReplaceResults implements [compliance.Store.ReplaceResults] in one
// READ COMMITTED transaction of two round trips, BEGIN and COMMIT
// included (retryPipelined), run again whole as PutResults is:
//
//  1. begin; take the source's turn (complianceLockClass); read the
//     rules' results in the source, in key order (no other write of the
//     source's results runs until this one commits);
//  2. decide in Go, walking both in key order, which new results are not
//     there, which change a stored one, which change only its times, and
//     which stored ones go, and how each rule's counts change;
//  3. in one pipelined round trip, DELETE the results that go, set the
//     times of those that change only their times (one statement), UPDATE
//     the changed ones (by ctid), INSERT the new ones, apply the change
//     of the counts, deleting the rows of rules left without results,
//     record the rules' evaluation time, and commit.
//
// A replacement is thus one transaction, with the locks of PutResults
// (the source's turn, then results, counts and evaluation times, each in
// key order), however many rules it names. A re-evaluation mostly finds the same verdicts: it writes their
// times, in one statement, and its counts.
func (c *Compliance) ReplaceResults(ctx context.Context, src inventory.Source, rules []string, results []compliance.Result, evaluated time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.checkOpen(); err != nil {
		return err
	}
	if err := compliance.CheckReplace(src, rules, results); err != nil {
		return fmt.Errorf("postgres: compliance: ReplaceResults: %w", err)
	}
	for i := range results {
		if err := checkResult(&results[i]); err != nil {
			return fmt.Errorf("postgres: compliance: ReplaceResults: result %d: %w", i, err)
		}
	}
	rules = invSortedSet(rules)
	if len(rules) == 0 {
		return nil
	}
	p := planResults(results)
	return c.retryPipelined(ctx, "ReplaceResults", func(conn *pgx.Conn) error { return p.replace(ctx, conn, src, rules, evaluated) })
}

// retryPipelined is retry for an attempt that begins its transaction in
// its first batch of statements and commits it in its last, rather than
// in round trips of their own (qComplianceBegin, qComplianceCommit), on a
// connection of the pool: an attempt that fails is rolled back here.
func (c *Compliance) retryPipelined(ctx context.Context, op string, attempt func(conn *pgx.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.checkOpen(); err != nil {
		return err
	}
	for n := 1; ; n++ {
		err := c.s.db.pool.AcquireFunc(ctx, func(pc *pgxpool.Conn) error {
			err := attempt(pc.Conn())
			if err != nil && !pc.Conn().IsClosed() {
				// In a transaction or not (a batch that failed before its
				// BEGIN), ROLLBACK leaves the connection out of one; if it
				// fails, the connection is closed, and the pool drops it.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if _, rerr := pc.Conn().Exec(rctx, "ROLLBACK"); rerr != nil {
					_ = pc.Conn().Close(rctx)
				}
				cancel()
			}
			return err
		})
		if err == nil {
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return complianceErr(op, cerr)
		}
		if n >= c.s.opts.WriteAttempts || !(retryable(err) || errors.Is(err, errComplianceRaced)) {
			return complianceErr(op, err)
		}
		c.s.retries.Add(1)
		if err := invBackoff(ctx, n); err != nil {
			return complianceErr(op, err)
		}
	}
}

// qComplianceBegin and qComplianceCommit begin and commit the transaction
// of a pipelined write (retryPipelined).
const (
	qComplianceBegin  = `BEGIN ISOLATION LEVEL READ COMMITTED`
	qComplianceCommit = `COMMIT`
)

// runConnBatch sends b on conn and reads the results of its n statements.
func runConnBatch(ctx context.Context, conn *pgx.Conn, b *pgx.Batch, n int) error {
	br := conn.SendBatch(ctx, b)
	for range n {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// lockedResult is what qComplianceReadRules returns of a result.
type lockedResult struct {
	rule, typ, id, ct, annotation string
	ordering, rec, inv            time.Time
	row                           pgtype.TID
}

// cmpLocked orders a locked result and a result of the plan (of the same
// source) by key.
func cmpLocked(o *lockedResult, r *compliance.Result) int {
	if c := strings.Compare(o.rule, r.RuleName); c != 0 {
		return c
	}
	if c := strings.Compare(o.typ, r.ResourceType); c != 0 {
		return c
	}
	return strings.Compare(o.id, r.ResourceID)
}

// replace is one attempt at replacing the rules' results of src with the
// plan's, and recording evaluated (unless zero) as their evaluation time,
// in one transaction on conn.
func (p *compliancePlan) replace(ctx context.Context, conn *pgx.Conn, src inventory.Source, rules []string, evaluated time.Time) error {
	// 1. Begin; take the source's turn, then read the rules' results.
	b := &pgx.Batch{}
	b.Queue(qComplianceBegin)
	b.Queue(qComplianceLockSource, complianceLockClass, invSourceLockKey(src))
	b.Queue(qComplianceReadRules, src.AccountID, src.Region, rules)
	br := conn.SendBatch(ctx, b)
	for range 2 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return err
	}
	var old []lockedResult
	var o lockedResult
	_, err = pgx.ForEachRow(rows, []any{&o.rule, &o.typ, &o.id, &o.ct, &o.annotation, &o.ordering, &o.rec, &o.inv, &o.row}, func() error {
		old = append(old, o)
		return nil
	})
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	// 2. What changes, walking both in key order: the new results that
	// are not there; those that change a stored one (in their verdict,
	// annotation or ordering time); those that change only its times,
	// when every new result has the same ones (then one statement sets
	// them, qComplianceRetime); and the stored ones that go. The counts
	// change by the new results and the stored ones they replace or
	// delete, and each rule's latest is its new results' largest recorded
	// time.
	var ds complianceDeltas
	for i, r := range p.results {
		d := ds.of(src.AccountID, src.Region, r.RuleName)
		if !d.wrote || p.recordeds[i].After(d.latest) {
			d.latest, d.wrote = p.recordeds[i], true
		}
	}
	sameTimes := true
	for i := range p.results {
		sameTimes = sameTimes && p.recordeds[i].Equal(p.recordeds[0]) && p.invokeds[i].Equal(p.invokeds[0])
	}
	var ins, upd []int
	var updRows, retimed, delRows []pgtype.TID
	// changed moves a new result's count in for the stored one's.
	changed := func(i int, o *lockedResult) {
		d := ds.of(src.AccountID, src.Region, o.rule)
		d.add(o.ct, -1)
		d.add(p.cts[i], 1)
	}
	i := 0
	for j := range old {
		o := &old[j]
		for i < len(p.results) && cmpLocked(o, p.results[i]) > 0 {
			ins = append(ins, i)
			ds.of(src.AccountID, src.Region, p.rules[i]).add(p.cts[i], 1)
			i++
		}
		rec := invMillis(o.rec)
		if i < len(p.results) && cmpLocked(o, p.results[i]) == 0 {
			switch {
			case p.cts[i] != o.ct || p.annotations[i] != o.annotation || !p.orderings[i].Equal(o.ordering):
				upd, updRows = append(upd, i), append(updRows, o.row)
				changed(i, o)
			case !p.recordeds[i].Equal(rec) || !p.invokeds[i].Equal(invMillis(o.inv)):
				if sameTimes {
					retimed = append(retimed, o.row)
				} else {
					upd, updRows = append(upd, i), append(updRows, o.row)
				}
			}
			i++
		} else {
			delRows = append(delRows, o.row)
			ds.of(src.AccountID, src.Region, o.rule).add(o.ct, -1)
		}
		// The stored result's recorded time goes: the rule's latest
		// must be read again if it was that one, and the new results'
		// are all earlier.
		d := ds.of(src.AccountID, src.Region, o.rule)
		if (!d.wrote || rec.After(d.latest)) && (!d.took || rec.After(d.taken)) {
			d.taken, d.took = rec, true
		}
	}
	for ; i < len(p.results); i++ {
		ins = append(ins, i)
		ds.of(src.AccountID, src.Region, p.rules[i]).add(p.cts[i], 1)
	}

	// 3. One round trip for the rest.
	b = &pgx.Batch{}
	n := 0
	if len(delRows) > 0 {
		b.Queue(qComplianceDeleteRows, delRows)
		n++
	}
	if len(retimed) > 0 {
		b.Queue(qComplianceRetime, p.recordeds[0], p.invokeds[0], retimed)
		n++
	}
	if len(upd) > 0 {
		b.Queue(qComplianceReplaceRows, updRows, invGather(p.cts, upd), invGather(p.annotations, upd),
			invGather(p.orderings, upd), invGather(p.recordeds, upd), invGather(p.invokeds, upd))
		n++
	}
	if len(ins) > 0 {
		b.Queue(qComplianceInsert, invGather(p.accounts, ins), invGather(p.regions, ins), invGather(p.rules, ins),
			invGather(p.types, ins), invGather(p.ids, ins), invGather(p.cts, ins), invGather(p.annotations, ins),
			invGather(p.orderings, ins), invGather(p.recordeds, ins), invGather(p.invokeds, ins))
		n++
	}
	// The counts in key order, as every write locks them (the rules that
	// lost every result came after the others).
	slices.SortFunc(ds.list, func(a, b complianceDelta) int { return strings.Compare(a.rule, b.rule) })
	n += ds.queueCounts(b, false, true)
	if !evaluated.IsZero() {
		b.Queue(qComplianceMarkEvaluated, src.AccountID, src.Region, rules, invMillis(evaluated))
		n++
	}
	b.Queue(qComplianceCommit)
	err = runConnBatch(ctx, conn, b, n+1)
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", errComplianceRaced, err)
	}
	return err
}

// qComplianceMarkEvaluated records $4 as the evaluation time of the rules
// ($3, sorted: the order every write locks them in) of a source, unless a
// later one is recorded.
const qComplianceMarkEvaluated = `INSERT INTO compliance_evaluations AS e (account_id, region, rule_name, evaluated)
SELECT $1, $2, r.rule_name, $4 FROM unnest($3::text[]) WITH ORDINALITY AS r(rule_name, i) ORDER BY r.i
ON CONFLICT (account_id, region, rule_name) DO UPDATE SET evaluated = greatest(e.evaluated, excluded.evaluated)`

// qComplianceEvaluations reads the evaluation times of rules ($3) of a
// source.
const qComplianceEvaluations = `SELECT rule_name, evaluated FROM compliance_evaluations
WHERE account_id = $1 AND region = $2 AND rule_name = ANY($3::text[])`

// qComplianceForgetRule deletes the evaluation time of a rule of a source
// (DeleteResults).
const qComplianceForgetRule = `DELETE FROM compliance_evaluations WHERE account_id = $1 AND region = $2 AND rule_name = $3`

// MarkEvaluated implements [compliance.Store.MarkEvaluated]: one
// statement, in a transaction of its own.
func (c *Compliance) MarkEvaluated(ctx context.Context, src inventory.Source, rules []string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.checkOpen(); err != nil {
		return err
	}
	if err := compliance.CheckRules(src, rules); err != nil {
		return fmt.Errorf("postgres: compliance: MarkEvaluated: %w", err)
	}
	rules = invSortedSet(rules)
	if len(rules) == 0 {
		return nil
	}
	return c.retry(ctx, "MarkEvaluated", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, qComplianceMarkEvaluated, src.AccountID, src.Region, rules, invMillis(at))
		return err
	})
}

// Evaluations implements [compliance.Store.Evaluations] in one statement.
func (c *Compliance) Evaluations(ctx context.Context, src inventory.Source, rules []string) (map[string]time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.s.checkOpen(); err != nil {
		return nil, err
	}
	if err := compliance.CheckRules(src, rules); err != nil {
		return nil, fmt.Errorf("postgres: compliance: Evaluations: %w", err)
	}
	out := make(map[string]time.Time, len(rules))
	if len(rules) == 0 {
		return out, nil
	}
	rows, err := c.s.db.pool.Query(ctx, qComplianceEvaluations, src.AccountID, src.Region, rules)
	if err != nil {
		return nil, complianceErr("Evaluations", err)
	}
	var (
		rule string
		at   time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&rule, &at}, func() error {
		out[rule] = at.UTC()
		return nil
	})
	if err != nil {
		return nil, complianceErr("Evaluations", err)
	}
	return out, nil
}
