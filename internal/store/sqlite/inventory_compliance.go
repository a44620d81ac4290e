package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Compliance is the SQLite backend of [compliance.Store]: the evaluation
// results live in the inventory's database, beside the configuration items
// (tables compliance_results and compliance_counts, migration 0006), and
// are written on the Inventory's writer connection, under its lock, one
// transaction per call, as durable as its Writes; they are read on its
// reader connections.
//
// compliance_counts holds, per source and rule, the number of results of
// each compliance type and the latest recorded time, kept by triggers in
// the transaction that changes the results: Counts reads one row per
// source and rule, never the results, and Summaries sums those rows in
// SQL. ReplaceResults, which sets whole rules' results at once, writes
// their counts itself, with the triggers off for its transaction
// (migration 0007, inventory_compliance_replace.go).
//
// Compliance is safe for concurrent use. Close the Inventory to close it:
// every call after that returns ErrClosed.
type Compliance struct {
	s *Inventory
}

var _ compliance.Store = (*Compliance)(nil)

// Compliance returns the evaluation-result store of the inventory's
// database. Every store it returns shares the Inventory's writer and its
// statements: it costs nothing to call again.
func (s *Inventory) Compliance() compliance.Store { return &Compliance{s: s} }

// The writer's statements. qCompliancePut stores a result unless its key
// has one with a later ordering time; an equal one is replaced. The
// triggers of migration 0006 keep compliance_counts.
const (
	qCompliancePut = `INSERT INTO compliance_results (account_id, region, rule_name, resource_type, resource_id,
compliance_type, annotation, ordering_time, recorded_time, invoked_time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE
SET compliance_type = excluded.compliance_type, annotation = excluded.annotation, ordering_time = excluded.ordering_time,
recorded_time = excluded.recorded_time, invoked_time = excluded.invoked_time
WHERE excluded.ordering_time >= compliance_results.ordering_time`
	// The counts row first: the trigger of each result deleted then finds
	// no row to update (migration 0006).
	qComplianceDeleteRuleCounts = `DELETE FROM compliance_counts WHERE account_id = ? AND region = ? AND rule_name = ?`
	qComplianceDeleteRule       = `DELETE FROM compliance_results WHERE account_id = ? AND region = ? AND rule_name = ?`
	qComplianceDeleteResource   = `DELETE FROM compliance_results` + byResource + `
WHERE account_id = ? AND region = ? AND resource_type = ? AND resource_id = ?`
	// The primary key: the triggers keep the counts.
	qComplianceDeleteResult = `DELETE FROM compliance_results
WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ?`
)

// byResource makes a statement that names a resource (its source, type and
// id) read its results through compliance_results_by_resource: SQLite's
// planner otherwise prefers the primary key, which covers every column,
// and reads the whole range of the resource's source.
const byResource = " INDEXED BY compliance_results_by_resource"

// resultsFrom is the table of a read of the results that f admits in the
// sources a statement names.
func resultsFrom(f *compliance.Filter) string {
	if f.ResourceType != "" && f.ResourceID != "" {
		return " FROM compliance_results r" + byResource
	}
	return " FROM compliance_results r"
}

type complianceStmts struct {
	put, deleteRuleCounts, deleteRule, deleteResource *sql.Stmt

	// ReplaceResults's (inventory_compliance_replace.go).
	bulkOn, bulkOff, deleteRulesCounts     *sql.Stmt
	readRules, setRulesTimes, deleteResult *sql.Stmt
	// The evaluation times' (MarkEvaluated, DeleteResults).
	markEvaluated, forgetRule *sql.Stmt
	// upsertRows[i] stores replaceSizes[i] results, insertCounts[i] the
	// counts of replaceSizes[i] rules.
	upsertRows, insertCounts [len(replaceSizes)]*sql.Stmt
}

// complianceStmtsOf holds the writer's statements of the compliance store
// of each Inventory that has written one, by a weak pointer to the
// Inventory, so that every Compliance of it shares them; an entry goes
// when its Inventory is garbage. (The Inventory's own fields are the
// inventory's.)
var complianceStmtsOf sync.Map // weak.Pointer[Inventory] → *complianceStmts

// stmts returns the writer's statements of the compliance store, preparing
// them on first use. The caller holds s.wmu, and has checked that the
// Inventory is open: the statements join the writer's, which its Close
// closes.
func (c *Compliance) stmts(ctx context.Context) (*complianceStmts, error) {
	key := weak.Make(c.s)
	if ws, ok := complianceStmtsOf.Load(key); ok {
		return ws.(*complianceStmts), nil
	}
	ws := &complianceStmts{}
	var prepared []*sql.Stmt
	type stmt struct {
		dst **sql.Stmt
		q   string
	}
	all := []stmt{
		{&ws.put, qCompliancePut}, {&ws.deleteRuleCounts, qComplianceDeleteRuleCounts},
		{&ws.deleteRule, qComplianceDeleteRule}, {&ws.deleteResource, qComplianceDeleteResource},
		{&ws.bulkOn, qComplianceBulkOn}, {&ws.bulkOff, qComplianceBulkOff},
		{&ws.deleteRulesCounts, qComplianceDeleteRulesCounts}, {&ws.readRules, qComplianceReadRules},
		{&ws.setRulesTimes, qComplianceSetRulesTimes}, {&ws.deleteResult, qComplianceDeleteResult},
		{&ws.markEvaluated, qComplianceMarkEvaluated}, {&ws.forgetRule, qComplianceForgetRule},
	}
	for i, n := range replaceSizes {
		all = append(all, stmt{&ws.upsertRows[i], qComplianceUpsertRows(n)}, stmt{&ws.insertCounts[i], qComplianceInsertCounts(n)})
	}
	for _, x := range all {
		st, err := c.s.w.PrepareContext(ctx, x.q)
		if err != nil {
			for _, st := range prepared {
				_ = st.Close()
			}
			return nil, fmt.Errorf("sqlite: prepare %q: %w", x.q, err)
		}
		*x.dst = st
		prepared = append(prepared, st)
	}
	c.s.ws.all = append(c.s.ws.all, prepared...)
	complianceStmtsOf.Store(key, ws)
	runtime.AddCleanup(c.s, func(key weak.Pointer[Inventory]) { complianceStmtsOf.Delete(key) }, key)
	return ws, nil
}

// write runs fn in a transaction of the writer (BEGIN IMMEDIATE), holding
// its lock, and commits unless fn or ctx fails.
func (c *Compliance) write(ctx context.Context, op string, fn func(ws *complianceStmts) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := c.s
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	ws, err := c.stmts(ctx)
	if err != nil {
		return err
	}
	bg := context.Background()
	if _, err := s.ws.begin.ExecContext(bg); err != nil {
		return fmt.Errorf("sqlite: compliance: %s: begin: %w", op, err)
	}
	defer func() {
		if err != nil {
			_, _ = s.ws.rollback.ExecContext(bg)
		}
	}()
	if err := fn(ws); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("sqlite: compliance: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := s.ws.commit.ExecContext(bg); err != nil {
		return fmt.Errorf("sqlite: compliance: %s: commit: %w", op, err)
	}
	s.afterCommit(bg)
	return nil
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

// latestResults returns the result of each key of the batch that the batch
// keeps: the one with the latest OrderingTime (to the millisecond), the
// later in the batch of equal ones; in key order. It sorts the batch's
// indexes (stably, so that equal keys keep their batch order) and keeps
// the last of each run of one key that has the run's latest time: no map
// of the keys, which cost more than the sort.
func latestResults(results []compliance.Result) []*compliance.Result {
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpResultKey(&results[a].ResultKey, &results[b].ResultKey) })
	out := make([]*compliance.Result, 0, len(results))
	for _, i := range order {
		r := &results[i]
		if n := len(out); n > 0 && out[n-1].ResultKey == r.ResultKey {
			if out[n-1].OrderingTime.UnixMilli() <= r.OrderingTime.UnixMilli() {
				out[n-1] = r
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func cmpResultKey(a, b *compliance.ResultKey) int {
	return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Region, b.Region),
		strings.Compare(a.RuleName, b.RuleName), strings.Compare(a.ResourceType, b.ResourceType),
		strings.Compare(a.ResourceID, b.ResourceID))
}

// PutResults implements [compliance.Store.PutResults]: the batch is one
// transaction; of several results of one key in it, the one with the
// latest OrderingTime is stored (the later in the batch of equal ones),
// and it replaces the stored one unless that one's OrderingTime is later
// (an equal one is replaced).
func (c *Compliance) PutResults(ctx context.Context, results []compliance.Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range results {
		if err := checkResult(&results[i]); err != nil {
			return fmt.Errorf("sqlite: compliance: PutResults: result %d: %w", i, err)
		}
	}
	if len(results) == 0 {
		return c.s.checkOpen()
	}
	batch := latestResults(results)
	return c.write(ctx, "PutResults", func(ws *complianceStmts) error {
		bg := context.Background()
		for i, r := range batch {
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if _, err := ws.put.ExecContext(bg, r.AccountID, r.Region, r.RuleName, r.ResourceType, r.ResourceID,
				r.ComplianceType, r.Annotation, r.OrderingTime.UnixMilli(), r.RecordedTime.UnixMilli(), r.InvokedTime.UnixMilli()); err != nil {
				return fmt.Errorf("result %v: %w", r.ResultKey, err)
			}
		}
		return nil
	})
}

// DeleteResults implements [compliance.Store.DeleteResults] in one
// transaction.
func (c *Compliance) DeleteResults(ctx context.Context, src inventory.Source, rule string) (int64, error) {
	var n int64
	err := c.write(ctx, "DeleteResults", func(ws *complianceStmts) error {
		bg := context.Background()
		if _, err := ws.deleteRuleCounts.ExecContext(bg, src.AccountID, src.Region, rule); err != nil {
			return err
		}
		r, err := ws.deleteRule.ExecContext(bg, src.AccountID, src.Region, rule)
		if err != nil {
			return err
		}
		if n, err = r.RowsAffected(); err != nil {
			return err
		}
		// The rule is gone: its evaluation time too.
		_, err = ws.forgetRule.ExecContext(bg, src.AccountID, src.Region, rule)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeleteResource implements [compliance.Store.DeleteResource] in one
// transaction.
func (c *Compliance) DeleteResource(ctx context.Context, src inventory.Source, resourceType, resourceID string) error {
	return c.write(ctx, "DeleteResource", func(ws *complianceStmts) error {
		_, err := ws.deleteResource.ExecContext(context.Background(), src.AccountID, src.Region, resourceType, resourceID)
		return err
	})
}

// DeleteResult implements [compliance.Store.DeleteResult].
func (c *Compliance) DeleteResult(ctx context.Context, k compliance.ResultKey) error {
	return c.write(ctx, "DeleteResult", func(ws *complianceStmts) error {
		_, err := ws.deleteResult.ExecContext(context.Background(), k.AccountID, k.Region, k.RuleName, k.ResourceType, k.ResourceID)
		return err
	})
}

// Reset implements [compliance.Store.Reset] in one transaction, the
// evaluation times too. It leaves
// the configuration items as they are (Inventory.Reset deletes those).
func (c *Compliance) Reset(ctx context.Context) error {
	return c.write(ctx, "Reset", func(*complianceStmts) error {
		// The counts first, as DeleteResults does.
		for _, q := range []string{"DELETE FROM compliance_counts", "DELETE FROM compliance_results", "DELETE FROM compliance_evaluations", qGroupsClear} {
			if _, err := c.s.w.ExecContext(context.Background(), q); err != nil {
				return err
			}
		}
		return nil
	})
}

// errComplianceNilScope is returned for a read without a scope.
var errComplianceNilScope = errors.New("sqlite: compliance: nil scope (use inventory.AllSources to read every source)")

// complianceReadErr wraps an error of a read, leaving the context's errors
// recognizable.
func complianceReadErr(op string, err error) error {
	return fmt.Errorf("sqlite: compliance: %s: %w", op, err)
}

// narrowSources returns the sources of srcs that the filter's account and
// region admit: srcs itself if it has neither.
func narrowSources(srcs []inventory.Source, f *compliance.Filter) []inventory.Source {
	inf := inventory.Filter{AccountID: f.AccountID, Region: f.Region}
	return inf.NarrowSources(srcs)
}

// complianceResultCols are the columns scanResult reads, of
// compliance_results r.
const complianceResultCols = `r.account_id, r.region, r.rule_name, r.resource_type, r.resource_id,
r.compliance_type, r.annotation, r.ordering_time, r.recorded_time, r.invoked_time`

const complianceListOrder = " ORDER BY r.account_id, r.region, r.rule_name, r.resource_type, r.resource_id LIMIT ?"

func scanResult(rows interface{ Scan(...any) error }) (compliance.Result, error) {
	var r compliance.Result
	var ordering, recorded, invoked int64
	err := rows.Scan(&r.AccountID, &r.Region, &r.RuleName, &r.ResourceType, &r.ResourceID,
		&r.ComplianceType, &r.Annotation, &ordering, &recorded, &invoked)
	r.OrderingTime = time.UnixMilli(ordering).UTC()
	r.RecordedTime = time.UnixMilli(recorded).UTC()
	r.InvokedTime = time.UnixMilli(invoked).UTC()
	return r, err
}

// resultsFilter adds what f admits besides the source: its rules, type,
// id and, with types, its compliance types.
func (c *cond) resultsFilter(f *compliance.Filter, types bool) {
	c.inStrings("r.rule_name", f.RuleNames)
	if f.ResourceType != "" {
		c.add("r.resource_type = ?", f.ResourceType)
	}
	if f.ResourceID != "" {
		c.add("r.resource_id = ?", f.ResourceID)
	}
	if types {
		c.inStrings("r.compliance_type", f.ComplianceTypes)
	}
}

// inStrings adds the condition that col is one of vals, if there are any.
func (c *cond) inStrings(col string, vals []string) {
	if len(vals) > 0 {
		c.add(inStrings(col, vals), inArg(vals))
	}
}

// resultSourcesCond admits the sources srcs (sorted, without duplicates)
// of the table r (compliance_results or compliance_counts), as the
// inventory's sourcesCond does: an IN on their accounts and one on their
// regions, which SQLite seeks in primary-key order, and a check of the
// pairs on each row if those admit more.
func resultSourcesCond(srcs []inventory.Source) cond {
	var c cond
	var accounts, regions []string
	for _, src := range srcs {
		if len(accounts) == 0 || accounts[len(accounts)-1] != src.AccountID {
			accounts = append(accounts, src.AccountID)
		}
		regions = append(regions, src.Region)
	}
	slices.Sort(regions)
	regions = slices.Compact(regions)
	c.inStrings("r.account_id", accounts)
	c.inStrings("r.region", regions)
	if len(srcs) < len(accounts)*len(regions) {
		pairs := make([][2]string, len(srcs))
		for i, src := range srcs {
			pairs[i] = [2]string{src.AccountID, src.Region}
		}
		js, _ := json.Marshal(pairs) // strings always encode
		// The unary + keeps SQLite from seeking with this row-value IN
		// (and then sorting): it only checks each row.
		c.add("(+r.account_id, +r.region) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))", string(js))
	}
	return c
}

// scopeCond is the condition of the sources that sc and f's account and
// region admit, on the table r; srcs are sc.SortedSources().
func scopeCond(sc *inventory.Scope, srcs []inventory.Source, f *compliance.Filter) cond {
	if !sc.All {
		srcs = narrowSources(srcs, f)
		if len(srcs) == 0 {
			return cond{none: true}
		}
		return resultSourcesCond(srcs)
	}
	var c cond
	if f.AccountID != "" {
		c.add("r.account_id = ?", f.AccountID)
	}
	if f.Region != "" {
		c.add("r.region = ?", f.Region)
	}
	return c
}

// complianceListStmts returns the statements that read, in List order,
// the results that sc and f admit after the key after (nil: from the
// start); srcs are sc.SortedSources(). As for the inventory's List
// (inventory_list.go), a set of sources after a cursor is up to three
// statements, each starting where the one before ended, so that each
// seeks the primary key rather than reading a source's range from its
// start: the rest of the cursor's source, the later regions of its
// account, the later accounts.
func complianceListStmts(sc *inventory.Scope, srcs []inventory.Source, f *compliance.Filter, after *compliance.ResultKey) []cond {
	if sc.All && f.AccountID != "" && f.Region != "" {
		sc, srcs = &inventory.Scope{}, []inventory.Source{{AccountID: f.AccountID, Region: f.Region}}
	}
	if sc.All {
		// Every source: one range of the primary key.
		var c cond
		cols := []string{"r.account_id", "r.region", "r.rule_name", "r.resource_type", "r.resource_id"}
		var vals []any
		if after != nil {
			vals = []any{after.AccountID, after.Region, after.RuleName, after.ResourceType, after.ResourceID}
		}
		if f.AccountID != "" {
			c.add("r.account_id = ?", f.AccountID)
			cols = cols[1:]
			if vals != nil {
				vals = vals[1:]
			}
		}
		if f.Region != "" {
			c.add("r.region = ?", f.Region)
		}
		if after != nil {
			c.add(rowAfter(cols), vals...)
		}
		c.resultsFilter(f, true)
		return []cond{c}
	}
	srcs = narrowSources(srcs, f)
	var stmts []cond
	if after != nil {
		src := after.Source
		i, found := slices.BinarySearchFunc(srcs, src, inventory.CompareSources)
		if found {
			// 1: the rest of the cursor's source.
			var c cond
			c.add("r.account_id = ? AND r.region = ?", src.AccountID, src.Region)
			c.add("(r.rule_name, r.resource_type, r.resource_id) > (?, ?, ?)", after.RuleName, after.ResourceType, after.ResourceID)
			c.resultsFilter(f, true)
			stmts = append(stmts, c)
			i++
		}
		srcs = srcs[i:]
		// 2: the later regions of the cursor's account.
		j := 0
		for j < len(srcs) && srcs[j].AccountID == src.AccountID {
			j++
		}
		if j > 0 {
			c := resultSourcesCond(srcs[:j])
			c.resultsFilter(f, true)
			stmts = append(stmts, c)
		}
		srcs = srcs[j:]
	}
	// 3 (or the only one): the later accounts.
	if len(srcs) > 0 {
		c := resultSourcesCond(srcs)
		c.resultsFilter(f, true)
		stmts = append(stmts, c)
	}
	return stmts
}

// List implements [compliance.Store.List]: each page is up to three
// statements (complianceListStmts), keyset paginated on the primary key.
func (c *Compliance) List(ctx context.Context, q compliance.ListQuery) (compliance.ListPage, error) {
	if err := ctx.Err(); err != nil {
		return compliance.ListPage{}, err
	}
	if err := c.s.checkOpen(); err != nil {
		return compliance.ListPage{}, err
	}
	return compliance.ReadListPage("sqlite", &q, func(srcs []inventory.Source, after *compliance.ResultKey) ([]compliance.Result, bool, error) {
		return c.list(ctx, q.Scope, srcs, &q.Filter, after, q.Limit)
	})
}

func (c *Compliance) list(ctx context.Context, sc *inventory.Scope, srcs []inventory.Source, f *compliance.Filter,
	after *compliance.ResultKey, limit int) ([]compliance.Result, bool, error) {
	results := make([]compliance.Result, 0, min(limit, 1024))
	from := " FROM compliance_results r"
	if !sc.All || (f.AccountID != "" && f.Region != "") {
		from = resultsFrom(f)
	}
	for _, st := range complianceListStmts(sc, srcs, f, after) {
		more, err := c.listInto(ctx, "SELECT "+complianceResultCols+from+st.sql()+complianceListOrder,
			append(st.args, limit+1-len(results)), &results, limit)
		if err != nil || more {
			return results, more, err
		}
	}
	return results, false, ctx.Err()
}

// listInto appends the rows of q to results until they hold limit, and
// reports whether a row was left over.
func (c *Compliance) listInto(ctx context.Context, q string, args []any, results *[]compliance.Result, limit int) (bool, error) {
	rows, err := c.s.reads.query(ctx, q, args...)
	if err != nil {
		return false, complianceReadErr("List", err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(*results) == limit {
			return true, nil
		}
		r, err := scanResult(rows)
		if err != nil {
			return false, complianceReadErr("List", err)
		}
		*results = append(*results, r)
	}
	if err := rows.Err(); err != nil {
		return false, complianceReadErr("List", err)
	}
	return false, nil
}

// qComplianceCounts reads the rows of compliance_counts (as r) that its
// WHERE clause admits, in its primary key's order, as one string: each
// row is the lengths in bytes of its account, region and rule, its four
// counts and its latest time, each followed by a space, then the three
// strings. Returning 40,000 rows (an aggregator's 4,000 sources of 10
// rules) a column at a time took 120 ms, most of it in the driver's calls
// per column; as one string, 50 ms (BenchmarkComplianceCounts).
const (
	qComplianceCountsHead = `SELECT group_concat(x, '') FROM (
SELECT printf('%d %d %d %d %d %d %d %d ', octet_length(r.account_id), octet_length(r.region), octet_length(r.rule_name),
r.compliant, r.non_compliant, r.not_applicable, r.insufficient, r.latest) || r.account_id || r.region || r.rule_name AS x
FROM compliance_counts r`
	qComplianceCountsTail = ` ORDER BY r.account_id, r.region, r.rule_name`
)

// errCountsMalformed is returned for a string of qComplianceCounts that
// does not parse.
var errCountsMalformed = errors.New("malformed counts")

// parseCounts parses the string of qComplianceCounts. The strings of the
// counts share its memory.
func parseCounts(s string) ([]compliance.RuleCounts, error) {
	// A row takes about 60 bytes (a 12-digit account, a region, a rule
	// name of 20-odd bytes): grow the slice once or twice, not 20 times.
	out := make([]compliance.RuleCounts, 0, len(s)/48)
	var nums [8]int64
	for len(s) > 0 {
		for i := range nums {
			sp := strings.IndexByte(s, ' ')
			if sp < 0 {
				return nil, errCountsMalformed
			}
			n, err := strconv.ParseInt(s[:sp], 10, 64)
			if err != nil || (i < 3 && n < 0) {
				return nil, errCountsMalformed
			}
			nums[i], s = n, s[sp+1:]
		}
		la, lr, lu := nums[0], nums[1], nums[2]
		if la+lr+lu > int64(len(s)) {
			return nil, errCountsMalformed
		}
		out = append(out, compliance.RuleCounts{
			Source:        inventory.Source{AccountID: s[:la], Region: s[la : la+lr]},
			RuleName:      s[la+lr : la+lr+lu],
			Compliant:     nums[3],
			NonCompliant:  nums[4],
			NotApplicable: nums[5],
			Insufficient:  nums[6],
			Latest:        time.UnixMilli(nums[7]).UTC(),
		})
		s = s[la+lr+lu:]
	}
	return out, nil
}

// complianceCountsStmt returns the statement of Counts of q (its Scope
// not nil) and its arguments; none is true when nothing can be admitted.
// countsSoughtRules is the most rule names of a Counts filter that are
// sought in the primary key rather than checked on each row.
const countsSoughtRules = 16

func complianceCountsStmt(q *compliance.CountsQuery) (stmt string, args []any, none bool) {
	w := scopeCond(q.Scope, q.Scope.SortedSources(), &q.Filter)
	if w.none {
		return "", nil, true
	}
	// A few rules are sought in the primary key, under each source; more
	// are checked on each row of the sources' ranges (the unary + keeps
	// SQLite from seeking them): seeking every pair of a source and a
	// rule multiplies them (the 12,000 rules of the packs of 4,000
	// sources took 19 s, where checking the sources' rows takes 40 ms).
	col := "r.rule_name"
	if len(q.Filter.RuleNames) > countsSoughtRules {
		col = "+r.rule_name"
	}
	w.inStrings(col, q.Filter.RuleNames)
	if len(q.Compliance) > 0 {
		w.add(ruleComplianceCond(q.Compliance))
	}
	if q.After != nil {
		w.add("(r.account_id, r.region, r.rule_name) > (?, ?, ?)", q.After.AccountID, q.After.Region, q.After.RuleName)
	}
	tail := qComplianceCountsTail + ")"
	if q.Limit > 0 {
		tail = qComplianceCountsTail + " LIMIT ?)"
		w.args = append(w.args, q.Limit)
	}
	return qComplianceCountsHead + w.sql() + tail, w.args, false
}

// ruleComplianceCond is the condition, on compliance_counts r, that the
// rule's compliance (compliance.RuleCounts.Compliance) is one of want; an
// unknown one admits nothing.
func ruleComplianceCond(want []string) string {
	var or []string
	for _, ct := range slices.Compact(slices.Sorted(slices.Values(want))) {
		switch ct {
		case compliance.NonCompliant:
			or = append(or, "r.non_compliant > 0")
		case compliance.Compliant:
			or = append(or, "(r.non_compliant = 0 AND r.compliant > 0)")
		case "":
			or = append(or, "(r.non_compliant = 0 AND r.compliant = 0)")
		}
	}
	if len(or) == 0 {
		return "0"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

func cmpRuleCounts(a, b compliance.RuleCounts) int {
	return cmp.Or(inventory.CompareSources(a.Source, b.Source), strings.Compare(a.RuleName, b.RuleName))
}

// Counts implements [compliance.Store.Counts]: one statement on
// compliance_counts, one row per source and rule, in its primary key's
// order (a set of sources is sought as List seeks it), read as one string
// (qComplianceCounts).
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
	stmt, args, none := complianceCountsStmt(&q)
	if none {
		return nil, nil
	}
	var packed sql.NullString
	if err := c.s.reads.queryRow(ctx, stmt, args...).Scan(&packed); err != nil {
		return nil, complianceReadErr("Counts", err)
	}
	out, err := parseCounts(packed.String)
	if err != nil {
		return nil, complianceReadErr("Counts", err)
	}
	// SQLite concatenates the rows in the subquery's order; should a
	// version not, they are sorted here.
	if !slices.IsSortedFunc(out, cmpRuleCounts) {
		slices.SortFunc(out, cmpRuleCounts)
	}
	return out, nil
}

// qComplianceResourceCounts judges each resource over the results the
// WHERE clause admits, then counts the judged resources by type. Latest
// is the largest recorded time of the COMPLIANT and NON_COMPLIANT results.
const (
	qComplianceResourceCountsHead = `SELECT resource_type, sum(nc), sum(c AND NOT nc), max(latest) FROM (
SELECT r.resource_type, max(r.compliance_type = 'NON_COMPLIANT') AS nc, max(r.compliance_type = 'COMPLIANT') AS c,
max(CASE WHEN r.compliance_type IN ('COMPLIANT', 'NON_COMPLIANT') THEN r.recorded_time END) AS latest`
	qComplianceResourceCountsTail = `
GROUP BY r.account_id, r.region, r.resource_type, r.resource_id)
GROUP BY resource_type ORDER BY resource_type`
)

// ResourceCounts implements [compliance.Store.ResourceCounts] in one
// statement over the results the scope and f admit: f's rules, resource
// type and id, account and region narrow them; its compliance types do
// not (they would change the verdicts).
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
	w := scopeCond(scope, scope.SortedSources(), &f)
	if w.none {
		return nil, nil
	}
	w.resultsFilter(&f, false)
	from := " FROM compliance_results r"
	if !scope.All {
		from = resultsFrom(&f)
	}
	rows, err := c.s.reads.query(ctx, qComplianceResourceCountsHead+from+w.sql()+qComplianceResourceCountsTail, w.args...)
	if err != nil {
		return nil, complianceReadErr("ResourceCounts", err)
	}
	defer rows.Close()
	var out []compliance.ResourceCounts
	for rows.Next() {
		var rc compliance.ResourceCounts
		var latest sql.NullInt64
		if err := rows.Scan(&rc.ResourceType, &rc.NonCompliant, &rc.Compliant, &latest); err != nil {
			return nil, complianceReadErr("ResourceCounts", err)
		}
		if latest.Valid {
			rc.Latest = time.UnixMilli(latest.Int64).UTC()
		}
		out = append(out, rc)
	}
	if err := rows.Err(); err != nil {
		return nil, complianceReadErr("ResourceCounts", err)
	}
	return out, nil
}
