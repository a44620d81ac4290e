package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// ReplaceResults's statements. With the row of compliance_bulk (migration
// 0007) in place, the triggers that keep compliance_counts do nothing: the
// transaction deletes the rules' counts, reads their stored results,
// stores the new and changed ones (replaceSizes[i] a statement), sets the
// times of the others, deletes those that go, and inserts the rules'
// counts, which it computed from the new results.
const (
	qComplianceBulkOn  = `INSERT INTO compliance_bulk (id) VALUES (1)`
	qComplianceBulkOff = `DELETE FROM compliance_bulk`
	// $3 is a JSON array of the rules.
	qComplianceDeleteRulesCounts = `DELETE FROM compliance_counts WHERE account_id = ? AND region = ? AND rule_name IN (SELECT value FROM json_each(?))`
	// The stored results of the rules ($3), in key order.
	qComplianceReadRules = `SELECT rule_name, resource_type, resource_id, compliance_type, annotation, ordering_time, recorded_time, invoked_time
FROM compliance_results WHERE account_id = ? AND region = ? AND rule_name IN (SELECT value FROM json_each(?))
ORDER BY rule_name, resource_type, resource_id`
	// Sets the recorded and invoked times ($1, $2) of every result of the
	// rules ($5).
	qComplianceSetRulesTimes = `UPDATE compliance_results SET recorded_time = ?, invoked_time = ?
WHERE account_id = ? AND region = ? AND rule_name IN (SELECT value FROM json_each(?))`
)

// The evaluation times' statements (migration 0008).
const (
	// Records $3 as the evaluation time of the rules ($4, a JSON array) of
	// a source, unless a later one is recorded. (WHERE true: the upsert
	// of a SELECT needs it, or ON would be read as a join's.)
	qComplianceMarkEvaluated = `INSERT INTO compliance_evaluations (account_id, region, rule_name, evaluated)
SELECT ?1, ?2, value, ?3 FROM json_each(?4) WHERE true
ON CONFLICT (account_id, region, rule_name) DO UPDATE SET evaluated = max(evaluated, excluded.evaluated)`
	qComplianceForgetRule = `DELETE FROM compliance_evaluations WHERE account_id = ? AND region = ? AND rule_name = ?`
	// The evaluation times of the rules ($3, a JSON array) of a source.
	qComplianceEvaluations = `SELECT rule_name, evaluated FROM compliance_evaluations
WHERE account_id = ? AND region = ? AND rule_name IN (SELECT value FROM json_each(?))`
)

// MarkEvaluated implements [compliance.Store.MarkEvaluated] in one
// transaction of the writer.
func (c *Compliance) MarkEvaluated(ctx context.Context, src inventory.Source, rules []string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := compliance.CheckRules(src, rules); err != nil {
		return fmt.Errorf("sqlite: compliance: MarkEvaluated: %w", err)
	}
	if len(rules) == 0 {
		return c.s.checkOpen()
	}
	ruleSet := jsonStrings(slices.Compact(slices.Sorted(slices.Values(rules))))
	return c.write(ctx, "MarkEvaluated", func(ws *complianceStmts) error {
		_, err := ws.markEvaluated.ExecContext(context.Background(), src.AccountID, src.Region, at.UnixMilli(), ruleSet)
		return err
	})
}

// Evaluations implements [compliance.Store.Evaluations] in one statement
// of a reader.
func (c *Compliance) Evaluations(ctx context.Context, src inventory.Source, rules []string) (map[string]time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := compliance.CheckRules(src, rules); err != nil {
		return nil, fmt.Errorf("sqlite: compliance: Evaluations: %w", err)
	}
	if err := c.s.checkOpen(); err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(rules))
	if len(rules) == 0 {
		return out, nil
	}
	rows, err := c.s.reads.query(ctx, qComplianceEvaluations, src.AccountID, src.Region, jsonStrings(rules))
	if err != nil {
		return nil, complianceReadErr("Evaluations", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rule string
		var ms int64
		if err := rows.Scan(&rule, &ms); err != nil {
			return nil, complianceReadErr("Evaluations", err)
		}
		out[rule] = time.UnixMilli(ms).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, complianceReadErr("Evaluations", err)
	}
	return out, nil
}

// replaceSizes are the numbers of rows of the INSERT statements of
// ReplaceResults: a batch is written with as many of the largest as fit,
// then of the next, and so on (a hundred results, 64+16+16+4), so that a
// few prepared statements write any number of rows, a statement per 64
// rows rather than one per row. (The array is never written.)
var replaceSizes = [...]int{64, 16, 4, 1}

// qComplianceUpsertRows stores n results, each with the columns of
// compliance_results in order, whatever the results they replace: an
// UPDATE of a result that is there (in place, and the index by resource
// untouched), an INSERT of one that is not.
func qComplianceUpsertRows(n int) string {
	return `INSERT INTO compliance_results (account_id, region, rule_name, resource_type, resource_id,
compliance_type, annotation, ordering_time, recorded_time, invoked_time) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ") + `
ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE
SET compliance_type = excluded.compliance_type, annotation = excluded.annotation, ordering_time = excluded.ordering_time,
recorded_time = excluded.recorded_time, invoked_time = excluded.invoked_time`
}

// qComplianceInsertCounts is the INSERT of the counts of n rules.
func qComplianceInsertCounts(n int) string {
	return `INSERT INTO compliance_counts (account_id, region, rule_name, compliant, non_compliant, not_applicable,
insufficient, latest) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
}

// execRows runs, for rows (each the arguments of one row), the statements
// of stmts (of replaceSizes[i] rows each), as many of each as fit, largest
// first.
func execRows(ctx context.Context, stmts []*sql.Stmt, rows int, args func(dst []any, i int) []any) error {
	var buf []any
	for i := 0; i < rows; {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := 0
		for replaceSizes[k] > rows-i {
			k++
		}
		n := replaceSizes[k]
		buf = buf[:0]
		for j := i; j < i+n; j++ {
			buf = args(buf, j)
		}
		if _, err := stmts[k].ExecContext(context.Background(), buf...); err != nil {
			return err
		}
		i += n
	}
	return nil
}

// ReplaceResults implements [compliance.Store.ReplaceResults] in one
// transaction of the writer, with compliance_bulk's row in place
// (migration 0007): the rules' counts are deleted; their stored results
// are read and compared with the new ones (diffReplace); the new and
// changed results are stored, 64 a statement, each replacing the stored
// one of its key in place (deleting the rules' results and inserting
// them all again took twice as long: two b-trees to change, not one);
// those that only change times have them set in one statement; those
// that go are deleted; the counts of the rules, computed from the
// results, are inserted; and evaluated, unless zero, becomes the rules'
// evaluation time.
func (c *Compliance) ReplaceResults(ctx context.Context, src inventory.Source, rules []string, results []compliance.Result, evaluated time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := compliance.CheckReplace(src, rules, results); err != nil {
		return fmt.Errorf("sqlite: compliance: ReplaceResults: %w", err)
	}
	for i := range results {
		if err := checkResult(&results[i]); err != nil {
			return fmt.Errorf("sqlite: compliance: ReplaceResults: result %d: %w", i, err)
		}
	}
	rules = slices.Compact(slices.Sorted(slices.Values(rules)))
	if len(rules) == 0 {
		return c.s.checkOpen()
	}
	batch := latestResults(results)
	counts := countResults(batch)
	return c.write(ctx, "ReplaceResults", func(ws *complianceStmts) error {
		bg := context.Background()
		if _, err := ws.bulkOn.ExecContext(bg); err != nil {
			return err
		}
		ruleSet := jsonStrings(rules)
		if _, err := ws.deleteRulesCounts.ExecContext(bg, src.AccountID, src.Region, ruleSet); err != nil {
			return err
		}
		d, err := diffReplace(ws.readRules, src, ruleSet, batch)
		if err != nil {
			return err
		}
		if d.times {
			r := batch[0]
			if _, err := ws.setRulesTimes.ExecContext(bg, r.RecordedTime.UnixMilli(), r.InvokedTime.UnixMilli(), src.AccountID, src.Region, ruleSet); err != nil {
				return err
			}
		}
		err = execRows(ctx, ws.upsertRows[:], len(d.write), func(dst []any, i int) []any {
			r := d.write[i]
			return append(dst, r.AccountID, r.Region, r.RuleName, r.ResourceType, r.ResourceID,
				r.ComplianceType, r.Annotation, r.OrderingTime.UnixMilli(), r.RecordedTime.UnixMilli(), r.InvokedTime.UnixMilli())
		})
		if err != nil {
			return err
		}
		for _, k := range d.gone {
			if _, err := ws.deleteResult.ExecContext(bg, src.AccountID, src.Region, k[0], k[1], k[2]); err != nil {
				return err
			}
		}
		err = execRows(ctx, ws.insertCounts[:], len(counts), func(dst []any, i int) []any {
			rc := &counts[i]
			return append(dst, rc.AccountID, rc.Region, rc.RuleName, rc.Compliant, rc.NonCompliant, rc.NotApplicable,
				rc.Insufficient, rc.Latest.UnixMilli())
		})
		if err != nil {
			return err
		}
		if !evaluated.IsZero() {
			if _, err := ws.markEvaluated.ExecContext(bg, src.AccountID, src.Region, evaluated.UnixMilli(), ruleSet); err != nil {
				return err
			}
		}
		_, err = ws.bulkOff.ExecContext(bg)
		return err
	})
}

// replaceDiff is what a replacement writes, given the rules' stored
// results.
type replaceDiff struct {
	// write are the results to store: new, or changed otherwise than in
	// their recorded and invoked times.
	write []*compliance.Result
	// times is true when the others' times change, all to those of
	// batch[0]: every result has the same (setRulesTimes sets them over the
	// rules' range, in one statement); otherwise they are in write.
	times bool
	// gone are the (rule, type, id) of the stored results that go.
	gone [][3]string
}

// diffReplace reads, with readRules, the stored results of the rules
// ruleSet (a JSON array) of src, in key order, and walks them beside batch
// (the new results, of src, in key order). A re-evaluation mostly finds
// the same verdicts, whose times alone change: setting those over the
// rules' range in one statement costs a fraction of storing each result
// again (the binding of its ten values, the seek of its key).
func diffReplace(readRules *sql.Stmt, src inventory.Source, ruleSet string, batch []*compliance.Result) (replaceDiff, error) {
	var d replaceDiff
	rows, err := readRules.QueryContext(context.Background(), src.AccountID, src.Region, ruleSet)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	sameTimes := true
	for _, r := range batch {
		sameTimes = sameTimes && r.RecordedTime.UnixMilli() == batch[0].RecordedTime.UnixMilli() &&
			r.InvokedTime.UnixMilli() == batch[0].InvokedTime.UnixMilli()
	}
	var retimed []*compliance.Result
	i := 0
	var old compliance.Result
	var ordering, recorded, invoked int64
	for rows.Next() {
		if err := rows.Scan(&old.RuleName, &old.ResourceType, &old.ResourceID, &old.ComplianceType, &old.Annotation,
			&ordering, &recorded, &invoked); err != nil {
			return d, err
		}
		old.Source = src
		for i < len(batch) && cmpResultKey(&batch[i].ResultKey, &old.ResultKey) < 0 {
			d.write = append(d.write, batch[i]) // new
			i++
		}
		if i == len(batch) || cmpResultKey(&batch[i].ResultKey, &old.ResultKey) > 0 {
			d.gone = append(d.gone, [3]string{old.RuleName, old.ResourceType, old.ResourceID})
			continue
		}
		r := batch[i]
		i++
		switch {
		case r.ComplianceType != old.ComplianceType || r.Annotation != old.Annotation || r.OrderingTime.UnixMilli() != ordering:
			d.write = append(d.write, r)
		case r.RecordedTime.UnixMilli() != recorded || r.InvokedTime.UnixMilli() != invoked:
			retimed = append(retimed, r)
		}
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	d.write = append(d.write, batch[i:]...)
	switch {
	case len(retimed) == 0:
	case sameTimes:
		d.times = true
	default:
		d.write = append(d.write, retimed...)
	}
	return d, nil
}

// countResults returns the counts of the rules of results, which are in
// key order, in the same order.
func countResults(results []*compliance.Result) []compliance.RuleCounts {
	var out []compliance.RuleCounts
	for _, r := range results {
		if n := len(out); n == 0 || out[n-1].Source != r.Source || out[n-1].RuleName != r.RuleName {
			out = append(out, compliance.RuleCounts{Source: r.Source, RuleName: r.RuleName, Latest: r.RecordedTime})
		}
		rc := &out[len(out)-1]
		switch r.ComplianceType {
		case compliance.Compliant:
			rc.Compliant++
		case compliance.NonCompliant:
			rc.NonCompliant++
		case compliance.NotApplicable:
			rc.NotApplicable++
		case compliance.InsufficientData:
			rc.Insufficient++
		}
		if r.RecordedTime.UnixMilli() > rc.Latest.UnixMilli() {
			rc.Latest = r.RecordedTime
		}
	}
	return out
}
