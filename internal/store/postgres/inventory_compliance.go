package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Compliance is the PostgreSQL backend of [compliance.Store], in the tables
// of migrations/0006_compliance.sql: compliance_results (the latest result
// of each rule on each resource of each source) and compliance_counts (per
// source and rule, the number of results of each compliance type and the
// latest recorded time, which Counts reads instead of the results), and
// of migrations/0007_compliance_evaluations.sql: compliance_evaluations
// (per source and rule, when it last evaluated, and the times of its
// results that have none of their own, complianceTimeOf).
//
// Like the Inventory's, every read is one statement, and every write one
// READ COMMITTED transaction of a few round trips of set-based statements
// (arrays, unnest), run again whole when the database aborts it (a
// deadlock, a serialization failure, another replica inserting one of its
// new results first), up to InventoryOptions.WriteAttempts times: each is
// idempotent. Every write first takes the turn of each of its sources
// (complianceLockClass, in key order): the writes of a source's results
// run one at a time. A PutResults then
//
//  1. locks the rows of the batch's results that exist (SELECT ... FOR
//     UPDATE, in key order) and reads their compliance type, ordering and
//     recorded times: no other write can change them until it commits;
//  2. decides in Go which of its results replace the stored ones, which
//     are new, and how the counts of each rule change;
//  3. in one pipelined round trip, INSERTs the new results (a plain
//     INSERT: a key that another write inserted meanwhile is a unique
//     violation, and the attempt runs again), UPDATEs the replaced ones
//     (by ctid), and adds to compliance_counts, in key order.
//
// A ReplaceResults (inventory_compliance_replace.go) is the same three
// steps over the rules' whole range, reading rather than locking their
// rows, which its source's turn keeps as they are.
//
// Writes lock results before counts, each in key order, so that they
// queue rather than deadlock but for rare interleavings, which the
// database aborts and the write runs again. Deletes apply the change of
// the counts of the results they deleted (never set them), so that a
// concurrent PutResults's changes are kept.
//
// Counts and Summaries read compliance_counts, a row per source and rule:
// Summaries sums them in the database, and both read a page of it when
// asked for one (CountsQuery's After and Limit).
//
// A database that cannot be reached gives errors that wrap
// store.ErrUnavailable (classify), the context's errors are returned as
// they are, and every call after the Inventory's Close returns
// ErrInventoryClosed.
type Compliance struct {
	s *Inventory
}

var _ compliance.Store = (*Compliance)(nil)

// Compliance returns the evaluation-result store on the Inventory's
// database, which shares its options and its Close.
func (s *Inventory) Compliance() compliance.Store { return &Compliance{s: s} }

// complianceErr wraps an error of the operation op as invErr does: a
// database error goes through classify, and the context's errors stay
// recognizable with errors.Is.
func complianceErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: compliance: %s: %w", op, classify(err))
}

// errComplianceNilScope is returned for a read without a scope.
var errComplianceNilScope = errors.New("postgres: compliance: nil scope (use inventory.AllSources to read every source)")

// errComplianceRaced aborts an attempt of a write that another write
// overtook (it inserted a result this one had found missing). The write
// runs again.
var errComplianceRaced = errors.New("postgres: compliance: a concurrent write changed a result of the batch")

// retry runs attempt, in a transaction of its own each time, until it
// succeeds, fails otherwise than by a deadlock, a serialization failure or
// a race, or has run InventoryOptions.WriteAttempts times.
func (c *Compliance) retry(ctx context.Context, op string, attempt func(tx pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.checkOpen(); err != nil {
		return err
	}
	for n := 1; ; n++ {
		err := func() error {
			tx, err := c.s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
			if err != nil {
				return err
			}
			defer invRollback(ctx, tx)
			if err := attempt(tx); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}()
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

// checkResult returns an error naming what PutResults refuses in r: an
// empty key field, or an unknown compliance type.
func checkResult(r *compliance.Result) error {
	switch {
	case r.AccountID == "":
		return errors.New("empty account id")
	case r.Region == "":
		return errors.New("empty region")
	case r.RuleName == "":
		return errors.New("empty rule name")
	case r.ResourceType == "":
		return errors.New("empty resource type")
	case r.ResourceID == "":
		return errors.New("empty resource id")
	}
	switch r.ComplianceType {
	case compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable, compliance.InsufficientData:
		return nil
	}
	return fmt.Errorf("unknown compliance type %q", r.ComplianceType)
}

func cmpResultKey(a, b *compliance.ResultKey) int {
	return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Region, b.Region),
		strings.Compare(a.RuleName, b.RuleName), strings.Compare(a.ResourceType, b.ResourceType),
		strings.Compare(a.ResourceID, b.ResourceID))
}

// compliancePlan is what a PutResults computes from its batch once,
// before any attempt: the result of each key that the batch keeps, in key
// order, as the statements' arrays.
type compliancePlan struct {
	results []*compliance.Result

	accounts, regions, rules, types, ids []string
	order                                []int32
	cts, annotations                     []string
	orderings, recordeds, invokeds       []time.Time
}

// planResults returns the plan of a batch whose results are all valid: of
// several results of one key, the one with the latest OrderingTime (to the
// millisecond), the later in the batch of equal ones.
func planResults(results []compliance.Result) *compliancePlan {
	// The batch's indexes in key order (stable: equal keys keep their
	// batch order); of each run of one key, the last with the run's
	// latest time.
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpResultKey(&results[a].ResultKey, &results[b].ResultKey) })
	p := &compliancePlan{results: make([]*compliance.Result, 0, len(results))}
	for _, i := range order {
		r := &results[i]
		if n := len(p.results); n > 0 && p.results[n-1].ResultKey == r.ResultKey {
			if p.results[n-1].OrderingTime.UnixMilli() <= r.OrderingTime.UnixMilli() {
				p.results[n-1] = r
			}
			continue
		}
		p.results = append(p.results, r)
	}
	n := len(p.results)
	p.accounts, p.regions, p.rules, p.types, p.ids = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	p.order, p.cts, p.annotations = make([]int32, n), make([]string, n), make([]string, n)
	p.orderings, p.recordeds, p.invokeds = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	for i, r := range p.results {
		p.accounts[i], p.regions[i], p.rules[i], p.types[i], p.ids[i] = r.AccountID, r.Region, r.RuleName, r.ResourceType, r.ResourceID
		p.order[i], p.cts[i], p.annotations[i] = int32(i), r.ComplianceType, r.Annotation
		p.orderings[i], p.recordeds[i], p.invokeds[i] = invMillis(r.OrderingTime), invMillis(r.RecordedTime), invMillis(r.InvokedTime)
	}
	return p
}

// qComplianceLock locks the rows of the keys that exist, one key after the
// other in the arrays' (key) order, as qInvLockKeys does, and returns what
// PutResults decides from, and each row's ctid for qComplianceUpdate.
var qComplianceLock = `SELECT k.i, r.compliance_type, r.ordering_time, ` + complianceTimeOf("r", "recorded") + `, r.ctid
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[]) AS k(account_id, region, rule_name, resource_type, resource_id, i)
CROSS JOIN LATERAL (
  SELECT r.account_id, r.region, r.rule_name, r.compliance_type, r.ordering_time, r.recorded_time, r.ctid FROM compliance_results r
  WHERE r.account_id = k.account_id AND r.region = k.region AND r.rule_name = k.rule_name
    AND r.resource_type = k.resource_type AND r.resource_id = k.resource_id
  FOR UPDATE) r`

const qComplianceInsert = `INSERT INTO compliance_results (account_id, region, rule_name, resource_type, resource_id,
  compliance_type, annotation, ordering_time, recorded_time, invoked_time)
SELECT b.account_id, b.region, b.rule_name, b.resource_type, b.resource_id, b.compliance_type, b.annotation,
  b.ordering_time, b.recorded_time, b.invoked_time
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
  WITH ORDINALITY AS b(account_id, region, rule_name, resource_type, resource_id, compliance_type, annotation,
    ordering_time, recorded_time, invoked_time, i)
ORDER BY b.i`

// qComplianceUpdate replaces the results that qComplianceLock locked,
// found by their ctid; the ordering check restates what PutResults
// decided.
const qComplianceUpdate = `UPDATE compliance_results r
SET compliance_type = b.compliance_type, annotation = b.annotation, ordering_time = b.ordering_time,
  recorded_time = b.recorded_time, invoked_time = b.invoked_time
FROM unnest($1::tid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
  AS b(row_id, compliance_type, annotation, ordering_time, recorded_time, invoked_time)
WHERE r.ctid = b.row_id AND b.ordering_time >= r.ordering_time`

// qComplianceAddCounts adds to the counts of rules, in key order, and
// raises their latest time to the largest recorded time of the rule's new
// and replacing results.
const qComplianceAddCounts = `INSERT INTO compliance_counts AS c (account_id, region, rule_name, compliant, non_compliant,
  not_applicable, insufficient, latest)
SELECT b.account_id, b.region, b.rule_name, b.compliant, b.non_compliant, b.not_applicable, b.insufficient, b.latest
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::timestamptz[])
  WITH ORDINALITY AS b(account_id, region, rule_name, compliant, non_compliant, not_applicable, insufficient, latest, i)
ORDER BY b.i
ON CONFLICT (account_id, region, rule_name) DO UPDATE SET
  compliant = c.compliant + excluded.compliant, non_compliant = c.non_compliant + excluded.non_compliant,
  not_applicable = c.not_applicable + excluded.not_applicable, insufficient = c.insufficient + excluded.insufficient,
  latest = greatest(c.latest, excluded.latest)`

// qComplianceRelatest reads the latest time of rules again from their
// results, for those whose latest result the write took away: a
// replacement recorded before the result it replaced (clocks of two
// writers), or a deletion. $4 is the largest recorded time the write took
// away from each; a rule whose latest is later kept it.
var qComplianceRelatest = `UPDATE compliance_counts c
SET latest = coalesce((SELECT max(` + complianceTimeOf("r", "recorded") + `) FROM compliance_results r
  WHERE r.account_id = c.account_id AND r.region = c.region AND r.rule_name = c.rule_name), c.latest)
FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS b(account_id, region, rule_name, taken)
WHERE c.account_id = b.account_id AND c.region = b.region AND c.rule_name = b.rule_name AND c.latest <= b.taken`

// complianceDelta is how a write changes the counts of one rule of one
// source.
type complianceDelta struct {
	account, region, rule string
	c, nc, na, id         int64
	latest                time.Time // the largest recorded time written, if any
	taken                 time.Time // the largest recorded time taken away, if any
	wrote, took           bool
}

func (d *complianceDelta) add(ct string, n int64) {
	switch ct {
	case compliance.Compliant:
		d.c += n
	case compliance.NonCompliant:
		d.nc += n
	case compliance.NotApplicable:
		d.na += n
	case compliance.InsufficientData:
		d.id += n
	}
}

// complianceDeltas collects the deltas of a write's rules, in the order
// they are first seen (key order, for a write that sees its keys so).
type complianceDeltas struct {
	index map[[3]string]int
	list  []complianceDelta
}

func (ds *complianceDeltas) of(account, region, rule string) *complianceDelta {
	k := [3]string{account, region, rule}
	i, ok := ds.index[k]
	if !ok {
		if ds.index == nil {
			ds.index = map[[3]string]int{}
		}
		i = len(ds.list)
		ds.index[k] = i
		ds.list = append(ds.list, complianceDelta{account: account, region: region, rule: rule})
	}
	return &ds.list[i]
}

// qComplianceForgetDigests makes the digests (results_digest, migration
// 0009) of rules of sources unknown: a write other than a uniform
// replacement changed their results.
const qComplianceForgetDigests = `UPDATE compliance_evaluations e SET results_digest = NULL
FROM unnest($1::text[], $2::text[], $3::text[]) AS k(account_id, region, rule_name)
WHERE e.account_id = k.account_id AND e.region = k.region AND e.rule_name = k.rule_name AND e.results_digest IS NOT NULL`

// queueForgetDigests queues qComplianceForgetDigests of the rules of the
// deltas, and returns how many statements it queued.
func (ds *complianceDeltas) queueForgetDigests(b *pgx.Batch) int {
	if len(ds.list) == 0 {
		return 0
	}
	n := len(ds.list)
	acc, reg, rule := make([]string, n), make([]string, n), make([]string, n)
	for i, d := range ds.list {
		acc[i], reg[i], rule[i] = d.account, d.region, d.rule
	}
	b.Queue(qComplianceForgetDigests, acc, reg, rule)
	return 1
}

// emptiable reports whether a rule of the deltas may be left without
// results by a replacement whose new results are of the rules kept: one
// that has none among them.
func (ds *complianceDeltas) emptiable(kept []string) bool {
	for _, d := range ds.list {
		if !slices.Contains(kept, d.rule) {
			return true
		}
	}
	return false
}

// queueCounts queues the statements that apply the deltas to
// compliance_counts: subtract gives them as taken away (a deletion's);
// with dropEmpty (or subtract), the rows of rules left without results
// are deleted.
func (ds *complianceDeltas) queueCounts(b *pgx.Batch, subtract, dropEmpty bool) int {
	n := len(ds.list)
	if n == 0 {
		return 0
	}
	acc, reg, rule := make([]string, n), make([]string, n), make([]string, n)
	c, nc, na, id := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	latest := make([]time.Time, n)
	var tacc, treg, trule []string
	var taken []time.Time
	sign := int64(1)
	if subtract {
		sign = -1
	}
	for i, d := range ds.list {
		acc[i], reg[i], rule[i] = d.account, d.region, d.rule
		c[i], nc[i], na[i], id[i] = sign*d.c, sign*d.nc, sign*d.na, sign*d.id
		latest[i] = d.latest
		if d.took {
			tacc, treg, trule, taken = append(tacc, d.account), append(treg, d.region), append(trule, d.rule), append(taken, d.taken)
		}
	}
	queued := 0
	if subtract {
		b.Queue(qComplianceSubtractCounts, acc, reg, rule, c, nc, na, id)
	} else {
		b.Queue(qComplianceAddCounts, acc, reg, rule, c, nc, na, id, latest)
	}
	queued++
	if len(taken) > 0 {
		b.Queue(qComplianceRelatest, tacc, treg, trule, taken)
		queued++
	}
	if subtract || dropEmpty {
		b.Queue(qComplianceDeleteEmptyCounts, acc, reg, rule)
		queued++
	}
	return queued
}

// qComplianceSubtractCounts takes a deletion's results away from the
// counts of their rules (in key order).
const qComplianceSubtractCounts = `UPDATE compliance_counts c
SET compliant = c.compliant + b.compliant, non_compliant = c.non_compliant + b.non_compliant,
  not_applicable = c.not_applicable + b.not_applicable, insufficient = c.insufficient + b.insufficient
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[])
  AS b(account_id, region, rule_name, compliant, non_compliant, not_applicable, insufficient)
WHERE c.account_id = b.account_id AND c.region = b.region AND c.rule_name = b.rule_name`

// qComplianceDeleteEmptyCounts deletes the counts of the rules left
// without results.
const qComplianceDeleteEmptyCounts = `DELETE FROM compliance_counts c
USING unnest($1::text[], $2::text[], $3::text[]) AS b(account_id, region, rule_name)
WHERE c.account_id = b.account_id AND c.region = b.region AND c.rule_name = b.rule_name
  AND c.compliant = 0 AND c.non_compliant = 0 AND c.not_applicable = 0 AND c.insufficient = 0`

// runBatch sends b and reads the results of its n statements.
func runBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, n int) error {
	if n == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	for range n {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// PutResults implements [compliance.Store.PutResults]: of several results
// of one key in the batch, the one with the latest OrderingTime is stored
// (the later in the batch of equal ones), and it replaces the stored one
// unless that one's OrderingTime is later (an equal one is replaced).
func (c *Compliance) PutResults(ctx context.Context, results []compliance.Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.checkOpen(); err != nil {
		return err
	}
	for i := range results {
		if err := checkResult(&results[i]); err != nil {
			return fmt.Errorf("postgres: compliance: PutResults: result %d: %w", i, err)
		}
	}
	if len(results) == 0 {
		return nil
	}
	p := planResults(results)
	return c.retry(ctx, "PutResults", func(tx pgx.Tx) error { return p.put(ctx, tx) })
}

// sourceKeys returns the lock keys (invSourceLockKey) of the plan's
// sources, sorted, without repeats: the order in which a write takes their
// turns.
func (p *compliancePlan) sourceKeys() []int32 {
	var keys []int32
	for i := range p.results {
		if i == 0 || p.accounts[i] != p.accounts[i-1] || p.regions[i] != p.regions[i-1] {
			keys = append(keys, invSourceLockKey(inventory.Source{AccountID: p.accounts[i], Region: p.regions[i]}))
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// stored is what qComplianceLock found of a key.
type stored struct {
	found         bool
	ct            string
	ordering, rec time.Time
	row           pgtype.TID
}

// put is one attempt at the plan's batch, in tx.
func (p *compliancePlan) put(ctx context.Context, tx pgx.Tx) error {
	// 1. Take the sources' turns, then lock the results that exist.
	if _, err := tx.Exec(ctx, qComplianceLockSources, complianceLockClass, p.sourceKeys()); err != nil {
		return err
	}
	old := make([]stored, len(p.results))
	rows, err := tx.Query(ctx, qComplianceLock, p.accounts, p.regions, p.rules, p.types, p.ids, p.order)
	if err != nil {
		return err
	}
	var (
		i  int32
		st stored
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &st.ct, &st.ordering, &st.rec, &st.row}, func() error {
		if i < 0 || int(i) >= len(old) {
			return fmt.Errorf("postgres: compliance: lock: key %d out of range", i)
		}
		st.found = true
		old[i] = st
		return nil
	})
	if err != nil {
		return err
	}

	// 2. What changes.
	var ins, upd []int
	var ds complianceDeltas
	for i, r := range p.results {
		o := &old[i]
		if o.found && o.ordering.After(p.orderings[i]) {
			continue // the stored result is of a later evaluation
		}
		d := ds.of(r.AccountID, r.Region, r.RuleName)
		d.add(r.ComplianceType, 1)
		if !d.wrote || p.recordeds[i].After(d.latest) {
			d.latest, d.wrote = p.recordeds[i], true
		}
		if !o.found {
			ins = append(ins, i)
			continue
		}
		upd = append(upd, i)
		d.add(o.ct, -1)
		if p.recordeds[i].Before(o.rec) && (!d.took || o.rec.After(d.taken)) {
			d.taken, d.took = o.rec, true
		}
	}

	// 3. One round trip for the rest.
	b := &pgx.Batch{}
	n := 0
	if len(ins) > 0 {
		b.Queue(qComplianceInsert, invGather(p.accounts, ins), invGather(p.regions, ins), invGather(p.rules, ins),
			invGather(p.types, ins), invGather(p.ids, ins), invGather(p.cts, ins), invGather(p.annotations, ins),
			invGather(p.orderings, ins), invGather(p.recordeds, ins), invGather(p.invokeds, ins))
		n++
	}
	if len(upd) > 0 {
		tids := make([]pgtype.TID, len(upd))
		for j, i := range upd {
			tids[j] = old[i].row
		}
		b.Queue(qComplianceUpdate, tids, invGather(p.cts, upd), invGather(p.annotations, upd),
			invGather(p.orderings, upd), invGather(p.recordeds, upd), invGather(p.invokeds, upd))
		n++
	}
	n += ds.queueForgetDigests(b)
	n += ds.queueCounts(b, false, false)
	err = runBatch(ctx, tx, b, n)
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", errComplianceRaced, err)
	}
	return err
}

// qComplianceDeleteRule, qComplianceDeleteResource and
// qComplianceDeleteResult delete results and
// return, per rule, how many of each compliance type they deleted and
// the largest recorded time, for the counts.
const (
	complianceDeletedCounts = `
SELECT account_id, region, rule_name,
  count(*) FILTER (WHERE compliance_type = 'COMPLIANT'), count(*) FILTER (WHERE compliance_type = 'NON_COMPLIANT'),
  count(*) FILTER (WHERE compliance_type = 'NOT_APPLICABLE'), count(*) FILTER (WHERE compliance_type = 'INSUFFICIENT_DATA'),
  max(recorded_time)
FROM d GROUP BY account_id, region, rule_name ORDER BY account_id, region, rule_name`
	complianceDeletedCols = `
  RETURNING r.account_id, r.region, r.rule_name, r.compliance_type, `
)

var (
	qComplianceDeleteRule = `WITH d AS (
  DELETE FROM compliance_results r WHERE account_id = $1 AND region = $2 AND rule_name = $3` +
		complianceDeletedCols + complianceTimeOf("r", "recorded") + ` AS recorded_time)` + complianceDeletedCounts
	qComplianceDeleteResource = `WITH d AS (
  DELETE FROM compliance_results r WHERE account_id = $1 AND region = $2 AND resource_type = $3 AND resource_id = $4` +
		complianceDeletedCols + complianceTimeOf("r", "recorded") + ` AS recorded_time)` + complianceDeletedCounts
	qComplianceDeleteResult = `WITH d AS (
  DELETE FROM compliance_results r
  WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND resource_type = $4 AND resource_id = $5` +
		complianceDeletedCols + complianceTimeOf("r", "recorded") + ` AS recorded_time)` + complianceDeletedCounts
)

// deleteResults runs the deletion q (one of qComplianceDeleteRule,
// qComplianceDeleteResource and qComplianceDeleteResult) with args, of
// results of src, and takes what it deleted away from the counts, in one
// transaction, after taking the turn of src (complianceLockClass), and,
// with forget, deletes the evaluation time of the rule of args
// (qComplianceForgetRule); it returns how many results it deleted.
func (c *Compliance) deleteResults(ctx context.Context, op string, src inventory.Source, forget bool, q string, args ...any) (int64, error) {
	var total int64
	err := c.retry(ctx, op, func(tx pgx.Tx) error {
		total = 0
		if _, err := tx.Exec(ctx, qComplianceLockSource, complianceLockClass, invSourceLockKey(src)); err != nil {
			return err
		}

		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		var ds complianceDeltas
		var d complianceDelta
		_, err = pgx.ForEachRow(rows, []any{&d.account, &d.region, &d.rule, &d.c, &d.nc, &d.na, &d.id, &d.taken}, func() error {
			d.took = true
			total += d.c + d.nc + d.na + d.id
			*ds.of(d.account, d.region, d.rule) = d
			return nil
		})
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		n := ds.queueForgetDigests(b)
		n += ds.queueCounts(b, true, false)
		if forget {
			// After the counts, as ReplaceResults writes it.
			b.Queue(qComplianceForgetRule, args...)
			n++
		}
		return runBatch(ctx, tx, b, n)
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// DeleteResults implements [compliance.Store.DeleteResults].
func (c *Compliance) DeleteResults(ctx context.Context, src inventory.Source, rule string) (int64, error) {
	// A rule's whole range, as ReplaceResults sets it: in the source's
	// turn.
	return c.deleteResults(ctx, "DeleteResults", src, true, qComplianceDeleteRule, src.AccountID, src.Region, rule)
}

// DeleteResource implements [compliance.Store.DeleteResource].
func (c *Compliance) DeleteResource(ctx context.Context, src inventory.Source, resourceType, resourceID string) error {
	_, err := c.deleteResults(ctx, "DeleteResource", src, false, qComplianceDeleteResource, src.AccountID, src.Region, resourceType, resourceID)
	return err
}

// DeleteResult implements [compliance.Store.DeleteResult].
func (c *Compliance) DeleteResult(ctx context.Context, k compliance.ResultKey) error {
	_, err := c.deleteResults(ctx, "DeleteResult", k.Source, false, qComplianceDeleteResult, k.AccountID, k.Region, k.RuleName, k.ResourceType, k.ResourceID)
	return err
}

// Reset implements [compliance.Store.Reset]: one TRUNCATE of the three
// tables, results first (the order every write locks them in). It leaves the
// configuration items as they are (Inventory.Reset deletes those).
func (c *Compliance) Reset(ctx context.Context) error {
	return c.retry(ctx, "Reset", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "TRUNCATE compliance_results, compliance_counts, compliance_evaluations, compliance_groups")
		return err
	})
}

// complianceTimeOf is the recorded (col "recorded") or invoked (col
// "invoked") time of the result row alias: its own, or when that is NULL
// its rule's (compliance_evaluations, migration 0007), in a subquery that
// runs only then.
func complianceTimeOf(alias, col string) string {
	return "coalesce(" + alias + "." + col + "_time, (SELECT e.results_" + col + " FROM compliance_evaluations e" +
		" WHERE e.account_id = " + alias + ".account_id AND e.region = " + alias + ".region AND e.rule_name = " + alias + ".rule_name))"
}

// complianceResultCols are the columns scanResult reads, of a row r of
// compliance_results, named as its columns.
var complianceResultCols = `r.account_id, r.region, r.rule_name, r.resource_type, r.resource_id,
r.compliance_type, r.annotation, r.ordering_time, ` + complianceTimeOf("r", "recorded") + ` AS recorded_time, ` +
	complianceTimeOf("r", "invoked") + ` AS invoked_time`

func scanResult(row pgx.Row) (compliance.Result, error) {
	var r compliance.Result
	err := row.Scan(&r.AccountID, &r.Region, &r.RuleName, &r.ResourceType, &r.ResourceID,
		&r.ComplianceType, &r.Annotation, &r.OrderingTime, &r.RecordedTime, &r.InvokedTime)
	r.OrderingTime, r.RecordedTime, r.InvokedTime = r.OrderingTime.UTC(), r.RecordedTime.UTC(), r.InvokedTime.UTC()
	return r, err
}

// complianceFilterConds returns the conditions on the results row alias
// of what f admits besides the source: its rules (unless ruled, when the
// query fixes the rule already), type, id and, with types, its compliance
// types.
func complianceFilterConds(a *invArgs, alias string, f *compliance.Filter, ruled, types bool) []string {
	var c []string
	if !ruled {
		c = append(c, invIn(a, alias+".rule_name", f.RuleNames)...)
	}
	if f.ResourceType != "" {
		c = append(c, alias+".resource_type = "+a.add(f.ResourceType))
	}
	if f.ResourceID != "" {
		c = append(c, alias+".resource_id = "+a.add(f.ResourceID))
	}
	if types {
		c = append(c, invIn(a, alias+".compliance_type", f.ComplianceTypes)...)
	}
	return c
}

// narrowSources returns the sources of srcs that the filter's account and
// region admit: srcs itself if it has neither.
func narrowSources(srcs []inventory.Source, f *compliance.Filter) []inventory.Source {
	inf := inventory.Filter{AccountID: f.AccountID, Region: f.Region}
	return inf.NarrowSources(srcs)
}

// complianceListSQL returns the statement and arguments of the page of up
// to limit+1 results that sc and f admit after the key after (nil: from
// the start); srcs are sc.SortedSources(). ok is false when nothing can be
// admitted. Its shapes are the inventory's List's (inventory_list.go),
// each a walk along the primary key that stops at the page's end:
//
//   - every source, without a rule or a region to filter by: one range of
//     the primary key, from the cursor on;
//   - a set of sources: the sources (crossed with the filter's rules, if
//     any, so that each is a prefix of the primary key) as arrays,
//     unnested WITH ORDINALITY, each read by a LATERAL range of the
//     primary key, at most a page of it;
//   - every source with rules or a region to filter by: the same LATERAL
//     walk over the (account, region, rule) prefixes that
//     compliance_counts lists for them.
func complianceListSQL(sc *inventory.Scope, srcs []inventory.Source, f *compliance.Filter, after *compliance.ResultKey, limit int) (string, invArgs, bool) {
	var a invArgs
	if sc.All && f.AccountID != "" && f.Region != "" {
		sc, srcs = &inventory.Scope{}, []inventory.Source{{AccountID: f.AccountID, Region: f.Region}}
	}
	switch {
	case sc.All && len(f.RuleNames) == 0 && f.Region == "":
		var conds []string
		if f.AccountID != "" {
			conds = append(conds, "r.account_id = "+a.add(f.AccountID))
		}
		if after != nil {
			conds = append(conds, "(r.account_id, r.region, r.rule_name, r.resource_type, r.resource_id) > ("+
				a.add(after.AccountID)+", "+a.add(after.Region)+", "+a.add(after.RuleName)+", "+a.add(after.ResourceType)+", "+a.add(after.ResourceID)+")")
		}
		conds = append(conds, complianceFilterConds(&a, "r", f, false, true)...)
		return "SELECT " + complianceResultCols + " FROM compliance_results r" + invWhere(conds) +
			" ORDER BY r.account_id, r.region, r.rule_name, r.resource_type, r.resource_id LIMIT " + a.add(limit+1), a, true
	case sc.All:
		return complianceListCounts(&a, f, after, limit), a, true
	}
	return complianceListSources(&a, narrowSources(srcs, f), f, after, limit)
}

// complianceListSources reads the sources srcs (sorted, without
// duplicates), one LATERAL range of the primary key each (or one per
// source and rule of the filter).
func complianceListSources(a *invArgs, srcs []inventory.Source, f *compliance.Filter, after *compliance.ResultKey, limit int) (string, invArgs, bool) {
	rules := invSortedSet(f.RuleNames)
	var acc, reg, rule, fromType, fromID []string
	for _, src := range srcs {
		if after != nil && inventory.CompareSources(src, after.Source) < 0 {
			continue // before the cursor's source
		}
		cursorSource := after != nil && src == after.Source
		if len(rules) == 0 {
			fr, ft, fi := "", "", "" // every rule, type and id is larger: none is empty
			if cursorSource {
				fr, ft, fi = after.RuleName, after.ResourceType, after.ResourceID
			}
			acc, reg, rule, fromType, fromID = append(acc, src.AccountID), append(reg, src.Region), append(rule, fr), append(fromType, ft), append(fromID, fi)
			continue
		}
		for _, r := range rules {
			ft, fi := "", ""
			if cursorSource {
				if c := strings.Compare(r, after.RuleName); c < 0 {
					continue
				} else if c == 0 {
					ft, fi = after.ResourceType, after.ResourceID
				}
			}
			acc, reg, rule, fromType, fromID = append(acc, src.AccountID), append(reg, src.Region), append(rule, r), append(fromType, ft), append(fromID, fi)
		}
	}
	if len(acc) == 0 {
		return "", nil, false
	}
	lim := a.add(limit + 1)
	pa, pr, pu, pt, pi := a.add(acc), a.add(reg), a.add(rule), a.add(fromType), a.add(fromID)
	if len(rules) == 0 {
		fconds := complianceFilterConds(a, "r", f, false, true)
		return `SELECT ` + complianceXCols + ` FROM unnest(` + pa + `::text[], ` + pr + `::text[], ` + pu + `::text[], ` + pt + `::text[], ` + pi + `::text[])
  WITH ORDINALITY AS s(account_id, region, from_rule, from_type, from_id, ord)
CROSS JOIN LATERAL (
  SELECT ` + complianceResultCols + ` FROM compliance_results r
  WHERE r.account_id = s.account_id AND r.region = s.region
    AND (r.rule_name, r.resource_type, r.resource_id) > (s.from_rule, s.from_type, s.from_id)` + invAnd(fconds) + `
  ORDER BY r.rule_name, r.resource_type, r.resource_id LIMIT ` + lim + `) x
ORDER BY s.ord, x.rule_name, x.resource_type, x.resource_id LIMIT ` + lim, *a, true
	}
	fconds := complianceFilterConds(a, "r", f, true, true)
	return `SELECT ` + complianceXCols + ` FROM unnest(` + pa + `::text[], ` + pr + `::text[], ` + pu + `::text[], ` + pt + `::text[], ` + pi + `::text[])
  WITH ORDINALITY AS s(account_id, region, rule_name, from_type, from_id, ord)
CROSS JOIN LATERAL (
  SELECT ` + complianceResultCols + ` FROM compliance_results r
  WHERE r.account_id = s.account_id AND r.region = s.region AND r.rule_name = s.rule_name
    AND (r.resource_type, r.resource_id) > (s.from_type, s.from_id)` + invAnd(fconds) + `
  ORDER BY r.resource_type, r.resource_id LIMIT ` + lim + `) x
ORDER BY s.ord, x.resource_type, x.resource_id LIMIT ` + lim, *a, true
}

// complianceXCols are the columns of complianceResultCols of a LATERAL x.
const complianceXCols = `x.account_id, x.region, x.rule_name, x.resource_type, x.resource_id,
x.compliance_type, x.annotation, x.ordering_time, x.recorded_time, x.invoked_time`

// complianceListCounts reads every source's results of the filter's rules
// or region, through the prefixes compliance_counts lists for them.
func complianceListCounts(a *invArgs, f *compliance.Filter, after *compliance.ResultKey, limit int) string {
	conds := invIn(a, "c.rule_name", f.RuleNames)
	if f.AccountID != "" {
		conds = append(conds, "c.account_id = "+a.add(f.AccountID))
	}
	if f.Region != "" {
		conds = append(conds, "c.region = "+a.add(f.Region))
	}
	from := ""
	if after != nil {
		ca, cr, cu := a.add(after.AccountID), a.add(after.Region), a.add(after.RuleName)
		conds = append(conds, "(c.account_id, c.region, c.rule_name) >= ("+ca+", "+cr+", "+cu+")")
		// The cursor's prefix resumes after its type and id; the later
		// ones start at their beginning (no type is empty).
		same := "(c.account_id, c.region, c.rule_name) = (" + ca + ", " + cr + ", " + cu + ")"
		from = " AND (r.resource_type, r.resource_id) > (CASE WHEN " + same + " THEN " + a.add(after.ResourceType) + " ELSE '' END, CASE WHEN " +
			same + " THEN " + a.add(after.ResourceID) + " ELSE '' END)"
	}
	lim := a.add(limit + 1)
	fconds := complianceFilterConds(a, "r", f, true, true)
	return `SELECT ` + complianceXCols + ` FROM compliance_counts c
CROSS JOIN LATERAL (
  SELECT ` + complianceResultCols + ` FROM compliance_results r
  WHERE r.account_id = c.account_id AND r.region = c.region AND r.rule_name = c.rule_name` + from + invAnd(fconds) + `
  ORDER BY r.resource_type, r.resource_id LIMIT ` + lim + `) x` + invWhere(conds) + `
ORDER BY c.account_id, c.region, c.rule_name, x.resource_type, x.resource_id LIMIT ` + lim
}

// List implements [compliance.Store.List]: one statement per page
// (complianceListSQL), keyset paginated on the primary key.
func (c *Compliance) List(ctx context.Context, q compliance.ListQuery) (compliance.ListPage, error) {
	if err := ctx.Err(); err != nil {
		return compliance.ListPage{}, err
	}
	if err := c.s.checkOpen(); err != nil {
		return compliance.ListPage{}, err
	}
	return compliance.ReadListPage("postgres", &q, func(srcs []inventory.Source, after *compliance.ResultKey) ([]compliance.Result, bool, error) {
		qs, a, ok := complianceListSQL(q.Scope, srcs, &q.Filter, after, q.Limit)
		if !ok {
			return nil, false, nil
		}
		rows, err := c.s.db.pool.Query(ctx, qs, a...)
		if err != nil {
			return nil, false, complianceErr("List", err)
		}
		defer rows.Close()
		results := make([]compliance.Result, 0, min(q.Limit, 1024))
		for rows.Next() {
			if len(results) == q.Limit {
				return results, true, nil
			}
			r, err := scanResult(rows)
			if err != nil {
				return nil, false, complianceErr("List", err)
			}
			results = append(results, r)
		}
		if err := rows.Err(); err != nil {
			return nil, false, complianceErr("List", err)
		}
		return results, false, nil
	})
}

// complianceScopeConds returns the conditions on the row alias of the
// sources that sc and f's account and region admit; srcs are
// sc.SortedSources(). none is true when nothing is admitted.
func complianceScopeConds(a *invArgs, alias string, sc *inventory.Scope, srcs []inventory.Source, f *compliance.Filter) (conds []string, none bool) {
	if sc.All {
		if f.AccountID != "" {
			conds = append(conds, alias+".account_id = "+a.add(f.AccountID))
		}
		if f.Region != "" {
			conds = append(conds, alias+".region = "+a.add(f.Region))
		}
		return conds, false
	}
	in := narrowSources(srcs, f)
	switch len(in) {
	case 0:
		return nil, true
	case 1:
		return []string{alias + ".account_id = " + a.add(in[0].AccountID), alias + ".region = " + a.add(in[0].Region)}, false
	}
	// Every combination of a set of accounts and one of regions (an
	// organization's accounts, an aggregator's regions), as most scopes
	// are: a hashed = ANY of each, checked on each row. Otherwise the
	// pairs, as a hashed set of them.
	var accounts, regions []string
	for _, src := range in {
		if len(accounts) == 0 || accounts[len(accounts)-1] != src.AccountID {
			accounts = append(accounts, src.AccountID)
		}
		regions = append(regions, src.Region)
	}
	regions = invSortedSet(regions)
	if len(in) == len(accounts)*len(regions) {
		return []string{alias + ".account_id = ANY(" + a.add(accounts) + "::text[])", alias + ".region = ANY(" + a.add(regions) + "::text[])"}, false
	}
	acc, reg := make([]string, len(in)), make([]string, len(in))
	for i, src := range in {
		acc[i], reg[i] = src.AccountID, src.Region
	}
	return []string{"(" + alias + ".account_id, " + alias + ".region) IN (SELECT * FROM unnest(" + a.add(acc) + "::text[], " + a.add(reg) + "::text[]))"}, false
}

// Counts implements [compliance.Store.Counts]: one statement on
// compliance_counts, one row per source and rule, planned for its own
// arguments (a set of sources of unknown size made a poor generic plan
// for the inventory's counts, inventory_read.go).
func (c *Compliance) Counts(ctx context.Context, q compliance.CountsQuery) ([]compliance.RuleCounts, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.s.checkOpen(); err != nil {
		return nil, err
	}
	if q.Scope == nil {
		return nil, errComplianceNilScope
	}
	var a invArgs
	conds, none := complianceScopeConds(&a, "c", q.Scope, q.Scope.SortedSources(), &q.Filter)
	if none {
		return nil, nil
	}
	conds = append(conds, invIn(&a, "c.rule_name", q.Filter.RuleNames)...)
	if len(q.Compliance) > 0 {
		conds = append(conds, ruleComplianceCond(q.Compliance))
	}
	if q.After != nil {
		conds = append(conds, "(c.account_id, c.region, c.rule_name) > ("+a.add(q.After.AccountID)+", "+a.add(q.After.Region)+", "+a.add(q.After.RuleName)+")")
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + a.add(q.Limit)
	}
	rows, err := c.s.db.pool.Query(ctx, `SELECT c.account_id, c.region, c.rule_name, c.compliant, c.non_compliant, c.not_applicable,
  c.insufficient, c.latest FROM compliance_counts c`+invWhere(conds)+` ORDER BY c.account_id, c.region, c.rule_name`+limit, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, complianceErr("Counts", err)
	}
	var out []compliance.RuleCounts
	var rc compliance.RuleCounts
	_, err = pgx.ForEachRow(rows, []any{&rc.AccountID, &rc.Region, &rc.RuleName, &rc.Compliant, &rc.NonCompliant, &rc.NotApplicable,
		&rc.Insufficient, &rc.Latest}, func() error {
		rc.Latest = rc.Latest.UTC()
		out = append(out, rc)
		return nil
	})
	if err != nil {
		return nil, complianceErr("Counts", err)
	}
	return out, nil
}

// ResourceCounts implements [compliance.Store.ResourceCounts] in one
// statement, which judges each resource over the results the scope and f
// admit (f's rules, resource type and id, account and region narrow them;
// its compliance types do not: they would change the verdicts), then
// counts the judged resources by type. Latest is the largest recorded time
// of the COMPLIANT and NON_COMPLIANT results. A set of sources is read a
// range of the primary key each.
func (c *Compliance) ResourceCounts(ctx context.Context, scope *inventory.Scope, f compliance.Filter) ([]compliance.ResourceCounts, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.s.checkOpen(); err != nil {
		return nil, err
	}
	if scope == nil {
		return nil, errComplianceNilScope
	}
	var a invArgs
	from := "compliance_results r"
	conds := complianceFilterConds(&a, "r", &f, false, false)
	// recorded is a result's recorded time, of a row of from.
	recorded := complianceTimeOf("r", "recorded")
	if scope.All {
		sc, _ := complianceScopeConds(&a, "r", scope, nil, &f)
		conds = append(conds, sc...)
	} else {
		in := narrowSources(scope.SortedSources(), &f)
		if len(in) == 0 {
			return nil, nil
		}
		acc, reg := make([]string, len(in)), make([]string, len(in))
		for i, src := range in {
			acc[i], reg[i] = src.AccountID, src.Region
		}
		// Each source's range of the primary key (OFFSET 0 keeps the
		// subquery from being flattened into a join that could read the
		// whole table).
		from = "unnest(" + a.add(acc) + "::text[], " + a.add(reg) + "::text[]) AS s(account_id, region) CROSS JOIN LATERAL (" +
			"SELECT r.account_id, r.region, r.resource_type, r.resource_id, r.compliance_type, " + complianceTimeOf("r", "recorded") +
			" AS recorded_time FROM compliance_results r" +
			" WHERE r.account_id = s.account_id AND r.region = s.region" + invAnd(conds) + " OFFSET 0) r"
		conds, recorded = nil, "r.recorded_time"
	}
	rows, err := c.s.db.pool.Query(ctx, `SELECT resource_type, count(*) FILTER (WHERE nc), count(*) FILTER (WHERE c AND NOT nc), max(latest)
FROM (
  SELECT r.resource_type, bool_or(r.compliance_type = 'NON_COMPLIANT') AS nc, bool_or(r.compliance_type = 'COMPLIANT') AS c,
    max(`+recorded+`) FILTER (WHERE r.compliance_type IN ('COMPLIANT', 'NON_COMPLIANT')) AS latest
  FROM `+from+invWhere(conds)+`
  GROUP BY r.account_id, r.region, r.resource_type, r.resource_id) x
GROUP BY resource_type ORDER BY resource_type`, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, complianceErr("ResourceCounts", err)
	}
	var out []compliance.ResourceCounts
	var rc compliance.ResourceCounts
	var latest *time.Time
	_, err = pgx.ForEachRow(rows, []any{&rc.ResourceType, &rc.NonCompliant, &rc.Compliant, &latest}, func() error {
		rc.Latest = time.Time{}
		if latest != nil {
			rc.Latest = latest.UTC()
		}
		out = append(out, rc)
		return nil
	})
	if err != nil {
		return nil, complianceErr("ResourceCounts", err)
	}
	return out, nil
}
