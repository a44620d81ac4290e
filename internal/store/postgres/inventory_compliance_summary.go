package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// ruleComplianceCond is the condition, on compliance_counts c, that the
// rule's compliance (compliance.RuleCounts.Compliance) is one of want; an
// unknown one admits nothing.
func ruleComplianceCond(want []string) string {
	var or []string
	for _, ct := range slices.Compact(slices.Sorted(slices.Values(want))) {
		switch ct {
		case compliance.NonCompliant:
			or = append(or, "c.non_compliant > 0")
		case compliance.Compliant:
			or = append(or, "(c.non_compliant = 0 AND c.compliant > 0)")
		case "":
			or = append(or, "(c.non_compliant = 0 AND c.compliant = 0)")
		}
	}
	if len(or) == 0 {
		return "false"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// Summaries implements [compliance.Store.Summaries]: one statement that
// sums the rows of compliance_counts of the scope, grouped by account or
// region.
func (c *Compliance) Summaries(ctx context.Context, q compliance.SummaryQuery) ([]compliance.RuleSummary, error) {
	if err := c.readable(ctx, q.Scope); err != nil {
		return nil, err
	}
	group, err := summaryGroupExpr("Summaries", q.GroupBy, "c")
	if err != nil {
		return nil, err
	}
	var a invArgs
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	conds, none := complianceScopeConds(&a, "c", q.Scope, q.Scope.SortedSources(), &f)
	if none {
		return nil, nil
	}
	if q.After != "" {
		conds = append(conds, group+" > "+a.add(q.After))
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + a.add(q.Limit)
	}
	rows, err := c.s.db.pool.Query(ctx, `SELECT `+group+`, count(*) FILTER (WHERE c.non_compliant > 0),
  count(*) FILTER (WHERE c.non_compliant = 0 AND c.compliant > 0),
  max(c.latest) FILTER (WHERE c.non_compliant > 0 OR c.compliant > 0)
FROM compliance_counts c`+invWhere(conds)+` GROUP BY 1 ORDER BY 1`+limit, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, complianceErr("Summaries", err)
	}
	var out []compliance.RuleSummary
	var s compliance.RuleSummary
	var latest *time.Time
	_, err = pgx.ForEachRow(rows, []any{&s.Group, &s.NonCompliant, &s.Compliant, &latest}, func() error {
		s.Latest = time.Time{}
		if latest != nil {
			s.Latest = latest.UTC()
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, complianceErr("Summaries", err)
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

// summaryGroupExpr is the SQL expression of the group of a row (of the
// alias) that GroupBy sums it in: ” for the total, else its account or
// its region. op names the read in the error of an unknown GroupBy.
func summaryGroupExpr(op string, by compliance.SummaryGroupBy, alias string) (string, error) {
	switch by {
	case compliance.SummaryTotal:
		return "''::text", nil
	case compliance.SummaryByAccount:
		return alias + ".account_id", nil
	case compliance.SummaryByRegion:
		return alias + ".region", nil
	}
	return "", fmt.Errorf("postgres: compliance: %s: unknown GroupBy %d", op, by)
}
