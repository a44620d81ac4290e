package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// qComplianceSummaryCols sums the rules of compliance_counts r of a group:
// those with a NON_COMPLIANT result, those with a COMPLIANT one and none
// NON_COMPLIANT, and the latest time of those.
const qComplianceSummaryCols = `sum(r.non_compliant > 0), sum(r.non_compliant = 0 AND r.compliant > 0),
max(CASE WHEN r.non_compliant > 0 OR r.compliant > 0 THEN r.latest END) FROM compliance_counts r`

// complianceSummaryStmt returns the statement of Summaries of q and its
// arguments, w being the condition of q's sources on compliance_counts r.
// Each reads the rows of compliance_counts in primary-key order: by
// account, they are grouped as they come; by region, they are summed per
// source as they come, and only those sums (a row per source, not per
// rule) are sorted by region and summed again; in all, summed without a
// group.
func complianceSummaryStmt(q *compliance.SummaryQuery, w cond) (string, []any, error) {
	var stmt string
	switch q.GroupBy {
	case compliance.SummaryTotal:
		if q.After != "" {
			w.add("'' > ?", q.After)
		}
		stmt = "SELECT '', " + qComplianceSummaryCols + w.sql() + " HAVING count(*) > 0"
	case compliance.SummaryByAccount:
		if q.After != "" {
			w.add("r.account_id > ?", q.After)
		}
		stmt = "SELECT r.account_id, " + qComplianceSummaryCols + w.sql() + " GROUP BY r.account_id ORDER BY r.account_id"
	case compliance.SummaryByRegion:
		if q.After != "" {
			w.add("r.region > ?", q.After)
		}
		stmt = `SELECT region, sum(nc), sum(c), max(latest) FROM (
SELECT r.region AS region, sum(r.non_compliant > 0) AS nc, sum(r.non_compliant = 0 AND r.compliant > 0) AS c,
max(CASE WHEN r.non_compliant > 0 OR r.compliant > 0 THEN r.latest END) AS latest FROM compliance_counts r` + w.sql() + `
GROUP BY r.account_id, r.region)
GROUP BY region ORDER BY region`
	default:
		return "", nil, fmt.Errorf("sqlite: compliance: Summaries: unknown GroupBy %d", q.GroupBy)
	}
	if q.Limit > 0 {
		stmt += " LIMIT ?"
		w.args = append(w.args, q.Limit)
	}
	return stmt, w.args, nil
}

// Summaries implements [compliance.Store.Summaries]: one statement that
// sums the rows of compliance_counts of the scope (complianceSummaryStmt).
func (c *Compliance) Summaries(ctx context.Context, q compliance.SummaryQuery) ([]compliance.RuleSummary, error) {
	if err := c.readable(ctx, q.Scope); err != nil {
		return nil, err
	}
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	w := scopeCond(q.Scope, q.Scope.SortedSources(), &f)
	if w.none {
		return nil, nil
	}
	stmt, args, err := complianceSummaryStmt(&q, w)
	if err != nil {
		return nil, err
	}
	rows, err := c.s.reads.query(ctx, stmt, args...)
	if err != nil {
		return nil, complianceReadErr("Summaries", err)
	}
	defer rows.Close()
	var out []compliance.RuleSummary
	for rows.Next() {
		var s compliance.RuleSummary
		var latest sql.NullInt64
		if err := rows.Scan(&s.Group, &s.NonCompliant, &s.Compliant, &latest); err != nil {
			return nil, complianceReadErr("Summaries", err)
		}
		if latest.Valid {
			s.Latest = time.UnixMilli(latest.Int64).UTC()
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, complianceReadErr("Summaries", err)
	}
	return out, nil
}

// readable returns why a read of the scope sc cannot run, or nil: the
// context's error, the store's being closed, or a nil scope.
func (c *Compliance) readable(ctx context.Context, sc *inventory.Scope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.checkOpen(); err != nil {
		return err
	}
	if sc == nil {
		return errComplianceNilScope
	}
	return nil
}
