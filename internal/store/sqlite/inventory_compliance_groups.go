package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// The rule groups' statements (migration 0009). The rows to insert are
// one JSON array of [account, region, group, rule] rows (groupRows): a
// statement however many. WHERE true keeps SQLite from reading ON
// CONFLICT as a join's ON.
const (
	qGroupDelete  = `DELETE FROM compliance_groups WHERE account_id = ? AND region = ? AND group_name = ?`
	qGroupsClear  = `DELETE FROM compliance_groups`
	qGroupsInsert = `INSERT INTO compliance_groups (account_id, region, group_name, rule_name)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`
)

// groupRows checks groups (compliance.CheckGroup) and returns their rows
// for qGroupsInsert: each group's rules, and a row of the empty rule name
// (no rule has that name, so it joins no counts), so that a group without
// rules is still a group.
func groupRows(op string, groups ...compliance.Group) (string, error) {
	rows := [][4]string{}
	for i := range groups {
		g := &groups[i]
		if err := compliance.CheckGroup(g); err != nil {
			return "", fmt.Errorf("sqlite: compliance: %s: %w", op, err)
		}
		for _, r := range append([]string{""}, g.Rules...) {
			rows = append(rows, [4]string{g.AccountID, g.Region, g.Name, r})
		}
	}
	js, err := json.Marshal(rows) // strings always encode
	return string(js), err
}

// groupTurn takes the group turn, the Inventory's groupsMu: one process
// writes the database (its lock file), so a mutex is every writer's turn.
// It returns its release, or why the store cannot be written.
func (c *Compliance) groupTurn(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.s.groupsMu.Lock()
	if err := c.s.checkOpen(); err != nil {
		c.s.groupsMu.Unlock()
		return nil, err
	}
	return c.s.groupsMu.Unlock, nil
}

// SyncGroup implements [compliance.GroupStore.SyncGroup]: current, then
// one write, in the group turn.
func (c *Compliance) SyncGroup(ctx context.Context, src inventory.Source, name string, current func(context.Context) ([]string, bool, error)) error {
	release, err := c.groupTurn(ctx)
	if err != nil {
		return err
	}
	defer release()
	rules, ok, err := current(ctx)
	if err != nil {
		return err
	}
	g := compliance.Group{Source: src, Name: name, Rules: rules}
	rows, err := groupRows("SyncGroup", g)
	if err != nil {
		return err
	}
	return c.write(ctx, "SyncGroup", func(*complianceStmts) error {
		bg := context.Background()
		if _, err := c.s.w.ExecContext(bg, qGroupDelete, src.AccountID, src.Region, name); err != nil || !ok {
			return err
		}
		_, err := c.s.w.ExecContext(bg, qGroupsInsert, rows)
		return err
	})
}

// ReplaceGroups implements [compliance.GroupStore.ReplaceGroups]: current,
// then one write, in the group turn.
func (c *Compliance) ReplaceGroups(ctx context.Context, current func(context.Context) ([]compliance.Group, error)) error {
	release, err := c.groupTurn(ctx)
	if err != nil {
		return err
	}
	defer release()
	groups, err := current(ctx)
	if err != nil {
		return err
	}
	rows, err := groupRows("ReplaceGroups", groups...)
	if err != nil {
		return err
	}
	return c.write(ctx, "ReplaceGroups", func(*complianceStmts) error {
		bg := context.Background()
		if _, err := c.s.w.ExecContext(bg, qGroupsClear); err != nil {
			return err
		}
		_, err := c.s.w.ExecContext(bg, qGroupsInsert, rows)
		return err
	})
}

// groupSummaryStmt returns the statement of GroupSummaries of q and its
// arguments, w being the condition of q's sources on compliance_groups r.
// The inner query reads the groups' rows in primary-key order, so each
// group's rules come together and are folded as they come, each joined
// with its counts c by the counts' primary key (a rule without results
// has none: no compliance); the outer one sums the groups (a row per
// group, not per rule) by account, region or in all.
func groupSummaryStmt(q *compliance.SummaryQuery, w cond) (string, []any, error) {
	var group string
	switch q.GroupBy {
	case compliance.SummaryTotal:
		group = "''"
	case compliance.SummaryByAccount:
		group = "r.account_id"
	case compliance.SummaryByRegion:
		group = "r.region"
	default:
		return "", nil, fmt.Errorf("sqlite: compliance: GroupSummaries: unknown GroupBy %d", q.GroupBy)
	}
	if q.After != "" {
		w.add(group+" > ?", q.After)
	}
	stmt := `SELECT grp, sum(nc), sum(NOT nc AND comp) FROM (
SELECT ` + group + ` AS grp, max(coalesce(c.non_compliant, 0) > 0) AS nc, max(coalesce(c.compliant, 0) > 0) AS comp
FROM compliance_groups r LEFT JOIN compliance_counts c
  ON c.account_id = r.account_id AND c.region = r.region AND c.rule_name = r.rule_name` + w.sql() + `
GROUP BY r.account_id, r.region, r.group_name)
GROUP BY grp ORDER BY grp`
	if q.Limit > 0 {
		stmt += " LIMIT ?"
		w.args = append(w.args, q.Limit)
	}
	return stmt, w.args, nil
}

// GroupSummaries implements [compliance.GroupStore.GroupSummaries] in one
// statement (groupSummaryStmt).
func (c *Compliance) GroupSummaries(ctx context.Context, q compliance.SummaryQuery) ([]compliance.GroupSummary, error) {
	if err := c.readable(ctx, q.Scope); err != nil {
		return nil, err
	}
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	w := scopeCond(q.Scope, q.Scope.SortedSources(), &f)
	if w.none {
		return nil, nil
	}
	stmt, args, err := groupSummaryStmt(&q, w)
	if err != nil {
		return nil, err
	}
	rows, err := c.s.reads.query(ctx, stmt, args...)
	if err != nil {
		return nil, complianceReadErr("GroupSummaries", err)
	}
	defer rows.Close()
	var out []compliance.GroupSummary
	for rows.Next() {
		var s compliance.GroupSummary
		if err := rows.Scan(&s.Group, &s.NonCompliant, &s.Compliant); err != nil {
			return nil, complianceReadErr("GroupSummaries", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, complianceReadErr("GroupSummaries", err)
	}
	return out, nil
}

// groupComplianceHaving is the HAVING condition, on the sums nc and c of
// a group (its noncompliant and compliant rules), of the compliance want
// (compliance.GroupCounts.Compliance); "" admits every group.
func groupComplianceHaving(want string) (string, error) {
	switch want {
	case "":
		return "", nil
	case compliance.NonCompliant:
		return " HAVING nc > 0", nil
	case compliance.Compliant:
		return " HAVING nc = 0 AND c > 0", nil
	case compliance.InsufficientData:
		return " HAVING nc = 0 AND c = 0", nil
	}
	return "", fmt.Errorf("sqlite: compliance: GroupCounts: unknown compliance %q", want)
}

// GroupCounts implements [compliance.GroupStore.GroupCounts]: the groups'
// rows in primary-key order (a group's rows together, folded as they
// come), each joined with its rule's counts as GroupSummaries does, up to
// the limit.
func (c *Compliance) GroupCounts(ctx context.Context, q compliance.GroupCountsQuery) ([]compliance.GroupCounts, error) {
	if err := c.readable(ctx, q.Scope); err != nil {
		return nil, err
	}
	having, err := groupComplianceHaving(q.Compliance)
	if err != nil {
		return nil, err
	}
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	w := scopeCond(q.Scope, q.Scope.SortedSources(), &f)
	if w.none {
		return nil, nil
	}
	if q.Name != "" {
		w.add("r.group_name = ?", q.Name)
	}
	if a := q.After; a != nil {
		w.add(rowAfter([]string{"r.account_id", "r.region", "r.group_name"}), a.AccountID, a.Region, a.Name)
	}
	stmt := `SELECT r.account_id, r.region, r.group_name, sum(r.rule_name <> ''),
  sum(coalesce(c.non_compliant, 0) = 0 AND coalesce(c.compliant, 0) > 0) AS c, sum(coalesce(c.non_compliant, 0) > 0) AS nc
FROM compliance_groups r LEFT JOIN compliance_counts c
  ON c.account_id = r.account_id AND c.region = r.region AND c.rule_name = r.rule_name` + w.sql() + `
GROUP BY r.account_id, r.region, r.group_name` + having + `
ORDER BY r.account_id, r.region, r.group_name`
	if q.Limit > 0 {
		stmt += " LIMIT ?"
		w.args = append(w.args, q.Limit)
	}
	rows, err := c.s.reads.query(ctx, stmt, w.args...)
	if err != nil {
		return nil, complianceReadErr("GroupCounts", err)
	}
	defer rows.Close()
	var out []compliance.GroupCounts
	for rows.Next() {
		var g compliance.GroupCounts
		if err := rows.Scan(&g.AccountID, &g.Region, &g.Name, &g.Rules, &g.Compliant, &g.NonCompliant); err != nil {
			return nil, complianceReadErr("GroupCounts", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, complianceReadErr("GroupCounts", err)
	}
	return out, nil
}
