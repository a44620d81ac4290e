package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
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

// qComplianceSameDigest returns the rules ($3) of a source whose stored
// results_digest is their digest in $4 (migration 0009): their results are
// already what a replacement would make them.
const qComplianceSameDigest = `SELECT d.rule_name FROM unnest($3::text[], $4::bytea[]) AS d(rule_name, digest)
JOIN compliance_evaluations e ON e.account_id = $1 AND e.region = $2 AND e.rule_name = d.rule_name AND e.results_digest = d.digest`

// qComplianceReadRules reads, in key order, the results of rules ($3) of a
// source ($3, sorted), whose turn the transaction holds, but those of the
// rules that qComplianceSameDigest returns for $4: those rules first, then
// a range of the primary key per rule (OFFSET 0 keeps the planner from
// merging the two, and checking the digests on every result), so that
// the others' results are not even looked at.
// It is what ReplaceResults decides from, with each result's own times
// (NULL: its rule's, which qComplianceRuleTimes reads), and each row's
// ctid.
const qComplianceReadRules = `SELECT r.rule_name, r.resource_type, r.resource_id, r.compliance_type, r.annotation,
  r.ordering_time, r.recorded_time, r.invoked_time, r.ctid
FROM (SELECT d.rule_name, d.i FROM unnest($3::text[], $4::bytea[]) WITH ORDINALITY AS d(rule_name, digest, i)
  WHERE NOT EXISTS (SELECT FROM compliance_evaluations e
    WHERE e.account_id = $1 AND e.region = $2 AND e.rule_name = d.rule_name AND e.results_digest = d.digest)
  OFFSET 0) d
CROSS JOIN LATERAL (
  SELECT r.*, r.ctid FROM compliance_results r WHERE r.account_id = $1 AND r.region = $2 AND r.rule_name = d.rule_name
  ORDER BY r.resource_type, r.resource_id OFFSET 0) r
ORDER BY d.i, r.resource_type, r.resource_id`

// qComplianceRuleTimes reads the times of the results of rules ($3) of a
// source that have none of their own (complianceTimeOf). (Resolving them
// in qComplianceReadRules, a subquery per result, cost a replacement
// more than all its writes.)
const qComplianceRuleTimes = `SELECT rule_name, results_recorded, results_invoked FROM compliance_evaluations
WHERE account_id = $1 AND region = $2 AND rule_name = ANY($3::text[]) AND results_recorded IS NOT NULL`

// qComplianceUntime leaves the results that qComplianceReadRules read (by
// their ctid) without times of their own: they have their rule's.
const qComplianceUntime = `UPDATE compliance_results SET recorded_time = NULL, invoked_time = NULL WHERE ctid = ANY($1::tid[])`

// qComplianceReplaceRows replaces the results that qComplianceReadRules
// read, found by their ctid, whatever their ordering times.
const qComplianceReplaceRows = `UPDATE compliance_results r
SET compliance_type = b.compliance_type, annotation = b.annotation, ordering_time = b.ordering_time,
  recorded_time = b.recorded_time, invoked_time = b.invoked_time
FROM unnest($1::tid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
  AS b(row_id, compliance_type, annotation, ordering_time, recorded_time, invoked_time)
WHERE r.ctid = b.row_id`

// qComplianceReplaceRowsUntimed is qComplianceReplaceRows for results that
// have their rule's times.
const qComplianceReplaceRowsUntimed = `UPDATE compliance_results r
SET compliance_type = b.compliance_type, annotation = b.annotation, ordering_time = b.ordering_time,
  recorded_time = NULL, invoked_time = NULL
FROM unnest($1::tid[], $2::text[], $3::text[], $4::timestamptz[])
  AS b(row_id, compliance_type, annotation, ordering_time)
WHERE r.ctid = b.row_id`

// qComplianceInsertUntimed is qComplianceInsert for results that have
// their rule's times.
const qComplianceInsertUntimed = `INSERT INTO compliance_results (account_id, region, rule_name, resource_type, resource_id,
  compliance_type, annotation, ordering_time)
SELECT b.account_id, b.region, b.rule_name, b.resource_type, b.resource_id, b.compliance_type, b.annotation, b.ordering_time
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
  WITH ORDINALITY AS b(account_id, region, rule_name, resource_type, resource_id, compliance_type, annotation, ordering_time, i)
ORDER BY b.i`

// qComplianceDeleteRows deletes the results that qComplianceReadRules
// read, found by their ctid.
const qComplianceDeleteRows = `DELETE FROM compliance_results WHERE ctid = ANY($1::tid[])`

// ReplaceResults implements [compliance.Store.ReplaceResults] in one
// READ COMMITTED transaction of two round trips, BEGIN and COMMIT
// included (retryPipelined), run again whole as PutResults is:
//
//  1. begin; take the source's turn (complianceLockClass); read the
//     rules' results in the source, in key order (no other write of the
//     source's results runs until this one commits), but those of the
//     rules whose new results have the digest stored (migration 0009):
//     their results are already these;
//  2. decide in Go, walking both in key order, which new results are not
//     there, which change a stored one, which change only its times, and
//     which stored ones go, and how each rule's counts change;
//  3. in one pipelined round trip, DELETE the results that go, UPDATE
//     the changed ones (by ctid), INSERT the new ones, record the rules'
//     evaluation time and, when every new result has the same times (an
//     evaluation's), make those the rules' (compliance_evaluations), which
//     the results then have rather than times of their own; apply the
//     change of the counts, deleting the rows of rules left without
//     results, and commit.
//
// A replacement is thus one transaction, with the locks of PutResults
// (the source's turn, then results, the rules' times and counts, each in
// key order), however many rules it names. A re-evaluation mostly finds
// the same verdicts: it reads no result, and writes a row of
// compliance_evaluations and one of compliance_counts per rule (it read
// every result before, and rewrote every result's times before that: ten
// times the rows, and the vacuuming after).
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
	untimed                       bool // its times are its rule's
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

// readReplaced sends b, whose statements are BEGIN, the source's turn,
// qComplianceRuleTimes, qComplianceSameDigest and qComplianceReadRules,
// and returns the rules whose digest is the same, and the stored results
// of the others, each with its times or, when it has none of its own, its
// rule's.
func readReplaced(ctx context.Context, conn *pgx.Conn, b *pgx.Batch) (same []string, old []lockedResult, err error) {
	br := conn.SendBatch(ctx, b)
	for range 2 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, nil, err
		}
	}
	type times struct{ rec, inv time.Time }
	ruleTimes := map[string]times{}
	var (
		rule string
		t    times
	)
	rows, err := br.Query()
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&rule, &t.rec, &t.inv}, func() error {
			ruleTimes[rule] = t
			return nil
		})
	}
	if err == nil {
		rows, err = br.Query()
	}
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&rule}, func() error {
			same = append(same, rule)
			return nil
		})
	}
	if err == nil {
		rows, err = br.Query()
	}
	if err == nil {
		var o lockedResult
		var rec, inv *time.Time
		_, err = pgx.ForEachRow(rows, []any{&o.rule, &o.typ, &o.id, &o.ct, &o.annotation, &o.ordering, &rec, &inv, &o.row}, func() error {
			o.untimed = rec == nil || inv == nil
			if o.untimed {
				rt, ok := ruleTimes[o.rule]
				if !ok {
					return fmt.Errorf("postgres: compliance: result %s/%s of rule %s has no times, nor has its rule", o.typ, o.id, o.rule)
				}
				o.rec, o.inv = rt.rec, rt.inv
			} else {
				o.rec, o.inv = *rec, *inv
			}
			old = append(old, o)
			return nil
		})
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return same, old, err
}

// ruleDigests returns the digest (results_digest, migration 0009) of the
// plan's results of each of rules (sorted), in their order: a SHA-256 of
// each result's key, verdict, annotation and ordering time, in key order,
// each field length-prefixed.
func (p *compliancePlan) ruleDigests(rules []string) [][]byte {
	out := make([][]byte, len(rules))
	var buf []byte
	i := 0
	for j, rule := range rules {
		h := sha256.New()
		for ; i < len(p.results) && p.rules[i] < rule; i++ {
		}
		for ; i < len(p.results) && p.rules[i] == rule; i++ {
			buf = buf[:0]
			for _, f := range [...]string{p.types[i], p.ids[i], p.cts[i], p.annotations[i]} {
				buf = binary.AppendUvarint(buf, uint64(len(f)))
				buf = append(buf, f...)
			}
			buf = binary.AppendVarint(buf, p.orderings[i].UnixMilli())
			h.Write(buf)
		}
		out[j] = h.Sum(nil)
	}
	return out
}

// replace is one attempt at replacing the rules' results of src with the
// plan's, and recording evaluated (unless zero) as their evaluation time,
// in one transaction on conn.
func (p *compliancePlan) replace(ctx context.Context, conn *pgx.Conn, src inventory.Source, rules []string, evaluated time.Time) error {
	// 1. Begin; take the source's turn, then read the rules' results.
	uniform := len(p.results) > 0
	for i := range p.results {
		uniform = uniform && p.recordeds[i].Equal(p.recordeds[0]) && p.invokeds[i].Equal(p.invokeds[0])
	}
	// The rules' digests, when the results will have their rule's times
	// (uniform): a rule whose stored digest is the same keeps its results
	// as they are, unread. Otherwise none is the same, and the rules'
	// digests become unknown (NULL).
	digests := make([][]byte, len(rules))
	if uniform {
		digests = p.ruleDigests(rules)
	}
	b := &pgx.Batch{}
	b.Queue(qComplianceBegin)
	b.Queue(qComplianceLockSource, complianceLockClass, invSourceLockKey(src))
	b.Queue(qComplianceRuleTimes, src.AccountID, src.Region, rules)
	b.Queue(qComplianceSameDigest, src.AccountID, src.Region, rules, digests)
	b.Queue(qComplianceReadRules, src.AccountID, src.Region, rules, digests)
	same, old, err := readReplaced(ctx, conn, b)
	if err != nil {
		return err
	}

	// 2. What changes, walking both in key order: the new results that
	// are not there; those that change a stored one (in their verdict,
	// annotation or ordering time); those that change only its times; and
	// the stored ones that go. When every new result has the same times
	// (uniform: an evaluation's), those become the rules' (results_recorded
	// and results_invoked of compliance_evaluations), and the results have
	// none of their own: a result whose verdict stays, and has no times of
	// its own, is not written at all. The counts change by the new results
	// and the stored ones they replace or delete, and each rule's latest
	// is its new results' largest recorded time.
	var ds complianceDeltas
	for i, r := range p.results {
		d := ds.of(src.AccountID, src.Region, r.RuleName)
		if !d.wrote || p.recordeds[i].After(d.latest) {
			d.latest, d.wrote = p.recordeds[i], true
		}
	}
	var ins, upd []int
	var updRows, untimed, delRows []pgtype.TID
	// changed moves a new result's count in for the stored one's.
	changed := func(i int, o *lockedResult) {
		d := ds.of(src.AccountID, src.Region, o.rule)
		d.add(o.ct, -1)
		d.add(p.cts[i], 1)
	}
	// The new results of the rules whose digest is the same are there
	// already (and have their rule's times): they are neither compared nor
	// written, and count nothing new; their rule's latest is theirs.
	isSame := func(i int) bool { return len(same) > 0 && slices.Contains(same, p.rules[i]) }
	i := 0
	for j := range old {
		o := &old[j]
		for i < len(p.results) && cmpLocked(o, p.results[i]) > 0 {
			if !isSame(i) {
				ins = append(ins, i)
				ds.of(src.AccountID, src.Region, p.rules[i]).add(p.cts[i], 1)
			}
			i++
		}
		rec := invMillis(o.rec)
		if i < len(p.results) && cmpLocked(o, p.results[i]) == 0 {
			switch {
			case p.cts[i] != o.ct || p.annotations[i] != o.annotation || !p.orderings[i].Equal(o.ordering):
				upd, updRows = append(upd, i), append(updRows, o.row)
				changed(i, o)
			case uniform:
				if !o.untimed {
					untimed = append(untimed, o.row)
				}
			case !p.recordeds[i].Equal(rec) || !p.invokeds[i].Equal(invMillis(o.inv)):
				// (A result with its rule's times, which are these, may
				// keep them: only a uniform replacement changes them.)
				upd, updRows = append(upd, i), append(updRows, o.row)
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
		if !isSame(i) {
			ins = append(ins, i)
			ds.of(src.AccountID, src.Region, p.rules[i]).add(p.cts[i], 1)
		}
	}

	// 3. One round trip for the rest: the results, then the rules' times,
	// then the counts (whose latest may be read again from the results
	// and the rules' times: qComplianceRelatest).
	b = &pgx.Batch{}
	n := 0
	if len(delRows) > 0 {
		b.Queue(qComplianceDeleteRows, delRows)
		n++
	}
	if len(untimed) > 0 {
		b.Queue(qComplianceUntime, untimed)
		n++
	}
	switch {
	case len(upd) > 0 && uniform:
		b.Queue(qComplianceReplaceRowsUntimed, updRows, invGather(p.cts, upd), invGather(p.annotations, upd), invGather(p.orderings, upd))
		n++
	case len(upd) > 0:
		b.Queue(qComplianceReplaceRows, updRows, invGather(p.cts, upd), invGather(p.annotations, upd),
			invGather(p.orderings, upd), invGather(p.recordeds, upd), invGather(p.invokeds, upd))
		n++
	}
	switch {
	case len(ins) > 0 && uniform:
		b.Queue(qComplianceInsertUntimed, invGather(p.accounts, ins), invGather(p.regions, ins), invGather(p.rules, ins),
			invGather(p.types, ins), invGather(p.ids, ins), invGather(p.cts, ins), invGather(p.annotations, ins),
			invGather(p.orderings, ins))
		n++
	case len(ins) > 0:
		b.Queue(qComplianceInsert, invGather(p.accounts, ins), invGather(p.regions, ins), invGather(p.rules, ins),
			invGather(p.types, ins), invGather(p.ids, ins), invGather(p.cts, ins), invGather(p.annotations, ins),
			invGather(p.orderings, ins), invGather(p.recordeds, ins), invGather(p.invokeds, ins))
		n++
	}
	var at, rec, inv *time.Time
	if !evaluated.IsZero() {
		t := invMillis(evaluated)
		at = &t
	}
	if uniform {
		rec, inv = &p.recordeds[0], &p.invokeds[0]
	}
	// Every replacement writes the rules' digests: their results' now,
	// or NULL (not uniform).
	b.Queue(qComplianceSetRules, src.AccountID, src.Region, rules, at, rec, inv, digests)
	n++
	// The counts in key order, as every write locks them (the rules that
	// lost every result came after the others).
	slices.SortFunc(ds.list, func(a, b complianceDelta) int { return strings.Compare(a.rule, b.rule) })
	// Only a rule without new results can be left without results: when
	// every changed rule has some (a re-evaluation), no count row can
	// empty, and none is looked for.
	n += ds.queueCounts(b, false, ds.emptiable(p.rules))
	b.Queue(qComplianceCommit)
	err = runConnBatch(ctx, conn, b, n+1)
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", errComplianceRaced, err)
	}
	return err
}

// qComplianceSetRules records, for the rules ($3, sorted: the order every
// write locks them in) of a source: $4, unless NULL, as their evaluation
// time, unless a later one is recorded; $5 and $6, unless NULL, as the
// recorded and invoked times of their results that have none of their
// own; and each rule's digest in $7 (NULL: unknown).
const qComplianceSetRules = `INSERT INTO compliance_evaluations AS e (account_id, region, rule_name, evaluated,
  results_recorded, results_invoked, results_digest)
SELECT $1, $2, r.rule_name, $4, $5, $6, r.digest FROM unnest($3::text[], $7::bytea[]) WITH ORDINALITY AS r(rule_name, digest, i) ORDER BY r.i
ON CONFLICT (account_id, region, rule_name) DO UPDATE SET evaluated = greatest(e.evaluated, excluded.evaluated),
  results_recorded = coalesce(excluded.results_recorded, e.results_recorded),
  results_invoked = coalesce(excluded.results_invoked, e.results_invoked), results_digest = excluded.results_digest`

// qComplianceMarkRules records $4 as the evaluation time of the rules ($3,
// sorted) of a source, unless a later one is recorded (MarkEvaluated): it
// changes neither their results' times nor their digests.
const qComplianceMarkRules = `INSERT INTO compliance_evaluations AS e (account_id, region, rule_name, evaluated)
SELECT $1, $2, r.rule_name, $4 FROM unnest($3::text[]) WITH ORDINALITY AS r(rule_name, i) ORDER BY r.i
ON CONFLICT (account_id, region, rule_name) DO UPDATE SET evaluated = greatest(e.evaluated, excluded.evaluated)`

// qComplianceEvaluations reads the evaluation times of rules ($3) of a
// source.
const qComplianceEvaluations = `SELECT rule_name, evaluated FROM compliance_evaluations
WHERE account_id = $1 AND region = $2 AND rule_name = ANY($3::text[]) AND evaluated IS NOT NULL`

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
		at := invMillis(at)
		_, err := tx.Exec(ctx, qComplianceMarkRules, src.AccountID, src.Region, rules, &at)
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
