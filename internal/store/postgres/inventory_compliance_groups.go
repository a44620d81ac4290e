package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// complianceGroupsLockClass is the first key of the transaction advisory
// lock that is the group turn (compliance.GroupStore) of every process on
// the database, its second 0: a class of its own, apart from the sources'
// turns (complianceLockClass), since group writes are rare (a conformance
// pack's put or deletion) and all take the one turn. ("sgrp" in ASCII.)
const complianceGroupsLockClass int32 = 0x73677270

// The rule groups' statements (migration 0008). The rules, and
// ReplaceGroups's rows, are arrays unnested: a statement however many.
// Every group has a row of the empty rule name besides its rules' (no rule
// has that name, so it has no counts): a group without rules is still a
// group. A row's flags are its rule's, read from compliance_counts as the
// row is written; the counts' triggers keep them after that.
const (
	qGroupsLock  = `SELECT pg_advisory_xact_lock($1, $2)`
	qGroupDelete = `DELETE FROM compliance_groups WHERE account_id = $1 AND region = $2 AND group_name = $3`
	qGroupInsert = `INSERT INTO compliance_groups (account_id, region, group_name, rule_name, non_compliant, compliant)
SELECT $1, $2, $3, b.rule_name, coalesce(c.non_compliant > 0, false), coalesce(c.compliant > 0, false)
FROM unnest($4::text[]) AS b(rule_name)
LEFT JOIN compliance_counts c ON c.account_id = $1 AND c.region = $2 AND c.rule_name = b.rule_name
ON CONFLICT DO NOTHING`
	qGroupsClear = `DELETE FROM compliance_groups`
	// qGroupsLockCounts keeps every write of the counts (and so of the
	// flags, by the counts' triggers) out until ReplaceGroups commits:
	// SHARE conflicts with the ROW EXCLUSIVE lock that such a write takes.
	qGroupsLockCounts = `LOCK TABLE compliance_counts IN SHARE MODE`
	qGroupsInsert     = `INSERT INTO compliance_groups (account_id, region, group_name, rule_name, non_compliant, compliant)
SELECT b.account_id, b.region, b.group_name, b.rule_name, coalesce(c.non_compliant > 0, false), coalesce(c.compliant > 0, false)
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS b(account_id, region, group_name, rule_name)
LEFT JOIN compliance_counts c ON c.account_id = b.account_id AND c.region = b.region AND c.rule_name = b.rule_name
ON CONFLICT DO NOTHING`
)

// groupsTurn takes the group turn for the rest of tx (qGroupsLock).
func groupsTurn(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, qGroupsLock, complianceGroupsLockClass, 0)
	return err
}

// SyncGroup implements [compliance.GroupStore.SyncGroup]: in one
// transaction, the group turn, current, the source's turn (which every
// write of the source's results and counts takes: none changes the flags
// the new rows copy), and the group's rows. A retried attempt runs current
// again, under the group turn again.
func (c *Compliance) SyncGroup(ctx context.Context, src inventory.Source, name string, current func(context.Context) ([]string, bool, error)) error {
	c.s.groupsMu.Lock()
	defer c.s.groupsMu.Unlock()
	return c.retry(ctx, "SyncGroup", func(tx pgx.Tx) error {
		if err := groupsTurn(ctx, tx); err != nil {
			return err
		}
		rules, ok, err := current(ctx)
		if err != nil {
			return err
		}
		g := compliance.Group{Source: src, Name: name, Rules: rules}
		if err := compliance.CheckGroup(&g); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(qComplianceLockSource, complianceLockClass, invSourceLockKey(src))
		b.Queue(qGroupDelete, src.AccountID, src.Region, name)
		if ok {
			b.Queue(qGroupInsert, src.AccountID, src.Region, name, append([]string{""}, rules...))
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// ReplaceGroups implements [compliance.GroupStore.ReplaceGroups], in one
// transaction as SyncGroup, with the counts locked (qGroupsLockCounts)
// rather than one source's turn: after current has read the control
// plane, so that the results' writers wait for the rows' writing only.
func (c *Compliance) ReplaceGroups(ctx context.Context, current func(context.Context) ([]compliance.Group, error)) error {
	c.s.groupsMu.Lock()
	defer c.s.groupsMu.Unlock()
	return c.retry(ctx, "ReplaceGroups", func(tx pgx.Tx) error {
		if err := groupsTurn(ctx, tx); err != nil {
			return err
		}
		groups, err := current(ctx)
		if err != nil {
			return err
		}
		var accounts, regions, names, rules []string
		for i := range groups {
			g := &groups[i]
			if err := compliance.CheckGroup(g); err != nil {
				return err
			}
			for _, r := range append([]string{""}, g.Rules...) {
				accounts, regions, names, rules = append(accounts, g.AccountID), append(regions, g.Region), append(names, g.Name), append(rules, r)
			}
		}
		b := &pgx.Batch{}
		b.Queue(qGroupsLockCounts)
		b.Queue(qGroupsClear)
		b.Queue(qGroupsInsert, accounts, regions, names, rules)
		return tx.SendBatch(ctx, b).Close()
	})
}

// GroupSummaries implements [compliance.GroupStore.GroupSummaries]: one
// statement that folds each group's rows of compliance_groups r (their
// rules' flags) into the group's compliance, and counts the groups by
// account, region or in all. It reads the groups' rows only: the flags
// stand for the rules' counts.
func (c *Compliance) GroupSummaries(ctx context.Context, q compliance.SummaryQuery) ([]compliance.GroupSummary, error) {
	if err := c.readable(ctx, q.Scope); err != nil {
		return nil, err
	}
	group, err := summaryGroupExpr("GroupSummaries", q.GroupBy, "r")
	if err != nil {
		return nil, err
	}
	var a invArgs
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	conds, none := complianceScopeConds(&a, "r", q.Scope, q.Scope.SortedSources(), &f)
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
	rows, err := c.s.db.pool.Query(ctx, `SELECT grp, count(*) FILTER (WHERE nc), count(*) FILTER (WHERE NOT nc AND comp)
FROM (SELECT `+group+` AS grp, bool_or(r.non_compliant) AS nc, bool_or(r.compliant) AS comp
  FROM compliance_groups r`+invWhere(conds)+`
  GROUP BY r.account_id, r.region, r.group_name) g
GROUP BY 1 ORDER BY 1`+limit, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, complianceErr("GroupSummaries", err)
	}
	var out []compliance.GroupSummary
	var s compliance.GroupSummary
	_, err = pgx.ForEachRow(rows, []any{&s.Group, &s.NonCompliant, &s.Compliant}, func() error {
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, complianceErr("GroupSummaries", err)
	}
	return out, nil
}

// groupComplianceCond is the condition, on the counts nc and c of a group
// (its noncompliant and compliant rules), of the compliance want
// (compliance.GroupCounts.Compliance); "" admits every group.
func groupComplianceCond(want string) (string, error) {
	switch want {
	case "":
		return "", nil
	case compliance.NonCompliant:
		return " WHERE g.nc > 0", nil
	case compliance.Compliant:
		return " WHERE g.nc = 0 AND g.c > 0", nil
	case compliance.InsufficientData:
		return " WHERE g.nc = 0 AND g.c = 0", nil
	}
	return "", fmt.Errorf("postgres: compliance: GroupCounts: unknown compliance %q", want)
}

// GroupCounts implements [compliance.GroupStore.GroupCounts]: the groups'
// rows in primary-key order, each group's folded as they come (their
// rules' flags), up to the limit.
func (c *Compliance) GroupCounts(ctx context.Context, q compliance.GroupCountsQuery) ([]compliance.GroupCounts, error) {
	if err := c.readable(ctx, q.Scope); err != nil {
		return nil, err
	}
	where, err := groupComplianceCond(q.Compliance)
	if err != nil {
		return nil, err
	}
	var a invArgs
	f := compliance.Filter{AccountID: q.AccountID, Region: q.Region}
	conds, none := complianceScopeConds(&a, "r", q.Scope, q.Scope.SortedSources(), &f)
	if none {
		return nil, nil
	}
	if q.Name != "" {
		conds = append(conds, "r.group_name = "+a.add(q.Name))
	}
	if k := q.After; k != nil {
		conds = append(conds, "(r.account_id, r.region, r.group_name) > ("+a.add(k.AccountID)+"::text, "+a.add(k.Region)+"::text, "+a.add(k.Name)+"::text)")
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + a.add(q.Limit)
	}
	rows, err := c.s.db.pool.Query(ctx, `SELECT g.account_id, g.region, g.group_name, g.rules, g.c, g.nc
FROM (SELECT r.account_id, r.region, r.group_name, count(*) FILTER (WHERE r.rule_name <> '') AS rules,
    count(*) FILTER (WHERE r.compliant AND NOT r.non_compliant) AS c, count(*) FILTER (WHERE r.non_compliant) AS nc
  FROM compliance_groups r`+invWhere(conds)+`
  GROUP BY r.account_id, r.region, r.group_name) g`+where+`
ORDER BY g.account_id, g.region, g.group_name`+limit, append(invArgs{pgx.QueryExecModeExec}, a...)...)
	if err != nil {
		return nil, complianceErr("GroupCounts", err)
	}
	var out []compliance.GroupCounts
	var g compliance.GroupCounts
	_, err = pgx.ForEachRow(rows, []any{&g.AccountID, &g.Region, &g.Name, &g.Rules, &g.Compliant, &g.NonCompliant}, func() error {
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, complianceErr("GroupCounts", err)
	}
	return out, nil
}
