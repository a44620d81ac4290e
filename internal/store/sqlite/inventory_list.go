package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/inventory"
)

// List order is the primary key's, (account_id, region, type, resource_id),
// so a page is a walk along the primary key with no sort: every statement
// below reads its rows in that order and stops at the page's end.
//
// SQLite keeps that order through an IN on one column (it seeks to each
// value in turn, in order), but not through an IN on a row value such as
// (account_id, region), where it reads every match and sorts them. So a
// set of sources is sought through an IN on the accounts and one on the
// regions, with the exact pairs checked on each row when the set is not all
// of their combinations; and a page after a cursor is up to three
// statements, each starting where the one before ended:
//
//  1. the rest of the cursor's source (its type and id after the cursor's);
//  2. the later regions of the cursor's account;
//  3. the later accounts.
//
// A type across every source (AllSources) seeks the same way to the
// accounts and regions that counts lists for the type, rather than reading
// the whole primary key for the type's rows.

const listOrder = " ORDER BY r.account_id, r.region, r.type, r.resource_id LIMIT ?"

// invLatestViaCounts is invLatest reached through the counts of the
// sources (sourcesCond), and listOrderViaCounts List order there: the type
// is fixed, and counts is sought in (account_id, region) order. CROSS JOIN
// keeps counts the outer loop whatever the planner estimates: each seek
// there finds at most one row (a unique key), so the rows of resources
// come in List order and nothing is sorted.
const (
	invLatestViaCounts = " FROM counts c CROSS JOIN resources r ON r.account_id = c.account_id AND r.region = c.region AND r.type = c.type" +
		invVersionsJoin
	listOrderViaCounts = " ORDER BY c.account_id, c.region, r.resource_id LIMIT ?"
)

// listStmts returns the statements that read, in List order, the latest
// versions that sc and f admit after the key after (nil: from the start);
// srcs are sc.SortedSources(). None means nothing is admitted.
func listStmts(sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter, after *inventory.Key) []cond {
	switch {
	case !sc.All:
		return setStmts(f.NarrowSources(srcs), f, after)
	case f.AccountID != "" && f.Region != "":
		return setStmts([]inventory.Source{{AccountID: f.AccountID, Region: f.Region}}, f, after)
	case len(f.ResourceTypes) > 0:
		return typeStmts(f, after)
	}
	// Every source: one range of the primary key.
	var c cond
	cols := []string{"r.account_id", "r.region", "r.type", "r.resource_id"}
	var vals []any
	if after != nil {
		vals = []any{after.AccountID, after.Region, after.ResourceType, after.ResourceID}
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
	c.filter(f, f.IncludeDeleted)
	return []cond{c}
}

// rowAfter is the condition that the row value of cols follows the values
// bound to it. Its first column must not be fixed by an equality: SQLite
// does not seek an index to a row value that starts with one.
func rowAfter(cols []string) string {
	if len(cols) == 1 {
		return cols[0] + " > ?"
	}
	return "(" + strings.Join(cols, ", ") + ") > (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
}

// rest is statement 1: the rows of after's source that follow it.
func rest(f *inventory.Filter, after *inventory.Key) cond {
	var c cond
	c.add("r.account_id = ? AND r.region = ?", after.AccountID, after.Region)
	if len(f.ResourceTypes) == 1 {
		c.add("r.resource_id > ?", after.ResourceID) // the filter fixes the type
	} else {
		c.add("(r.type, r.resource_id) > (?, ?)", after.ResourceType, after.ResourceID)
	}
	c.filter(f, f.IncludeDeleted)
	return c
}

// setStmts reads the sources srcs (sorted, without duplicates).
func setStmts(srcs []inventory.Source, f *inventory.Filter, after *inventory.Key) []cond {
	var stmts []cond
	if after != nil {
		src := after.Source
		i, found := slices.BinarySearchFunc(srcs, src, inventory.CompareSources)
		if found {
			stmts = append(stmts, rest(f, after))
			i++
		}
		srcs = srcs[i:]
		// 2: the later regions of the cursor's account.
		j := 0
		for j < len(srcs) && srcs[j].AccountID == src.AccountID {
			j++
		}
		if j > 0 {
			stmts = append(stmts, sourcesCond(srcs[:j], f))
		}
		srcs = srcs[j:]
	}
	if len(srcs) > 0 {
		stmts = append(stmts, sourcesCond(srcs, f))
	}
	return stmts
}

// sourcesCond admits the sources srcs (sorted, without duplicates): an IN
// on their accounts and one on their regions, and a check of the pairs if
// those admit more.
//
// A page of one type that leaves deleted resources out is read through
// counts (viaCounts): the sources are sought there, and only those that
// hold resources of the type are sought in resources. A type that most of
// the sources lack (IAM roles outside us-east-1, say) then costs a seek of
// counts_by_type each instead of one of the primary key, and the page does
// not step over hundreds of empty sources.
func sourcesCond(srcs []inventory.Source, f *inventory.Filter) cond {
	var c cond
	col := "r."
	if len(f.ResourceTypes) == 1 && !f.IncludeDeleted {
		c.viaCounts, col = true, "c."
		c.add("c.type = ? AND c.n > 0", f.ResourceTypes[0])
	}
	var accounts, regions []string
	for _, src := range srcs {
		if len(accounts) == 0 || accounts[len(accounts)-1] != src.AccountID {
			accounts = append(accounts, src.AccountID)
		}
		regions = append(regions, src.Region)
	}
	slices.Sort(regions)
	regions = slices.Compact(regions)
	c.add(inStrings(col+"account_id", accounts))
	c.args = append(c.args, inArg(accounts))
	c.add(inStrings(col+"region", regions))
	c.args = append(c.args, inArg(regions))
	if len(srcs) < len(accounts)*len(regions) {
		pairs := make([][2]string, len(srcs))
		for i, src := range srcs {
			pairs[i] = [2]string{src.AccountID, src.Region}
		}
		js, _ := json.Marshal(pairs) // strings always encode
		// The unary + keeps SQLite from seeking with this row-value IN
		// (and then sorting): it only checks each row.
		c.add("(+"+col+"account_id, +"+col+"region) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))", string(js))
	}
	c.filter(f, f.IncludeDeleted)
	return c
}

// inStrings is col = ? for one value, or an IN over a JSON array of them.
func inStrings(col string, vals []string) string {
	if len(vals) == 1 {
		return col + " = ?"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

func inArg(vals []string) any {
	if len(vals) == 1 {
		return vals[0]
	}
	return jsonStrings(vals)
}

// typeStmts reads the filter's types across every source (the filter
// fixes no source), through the accounts and regions counts lists for
// them. A combination that counts does not list has no rows to seek.
func typeStmts(f *inventory.Filter, after *inventory.Key) []cond {
	types := " FROM counts WHERE " + inStrings("type", f.ResourceTypes)
	typeArg := inArg(f.ResourceTypes)
	var stmts []cond
	regions := func(c *cond, account string, afterRegion string) {
		if f.Region != "" {
			c.add("r.region = ?", f.Region)
			return
		}
		q := "r.region IN (SELECT region" + types
		args := []any{typeArg}
		if account != "" {
			q += " AND account_id = ?"
			args = append(args, account)
		}
		if afterRegion != "" {
			q += " AND region > ?"
			args = append(args, afterRegion)
		}
		c.add(q+")", args...)
	}
	if after != nil {
		stmts = append(stmts, rest(f, after))
		if f.Region == "" {
			// 2: the later regions of the cursor's account.
			var c cond
			c.add("r.account_id = ?", after.AccountID)
			regions(&c, after.AccountID, after.Region)
			c.filter(f, f.IncludeDeleted)
			stmts = append(stmts, c)
		}
		if f.AccountID != "" {
			return stmts
		}
	}
	// 3 (or the only one): the accounts, after the cursor's if any.
	var c cond
	if f.AccountID != "" {
		c.add("r.account_id = ?", f.AccountID)
		regions(&c, f.AccountID, "")
	} else {
		q := "r.account_id IN (SELECT account_id" + types
		args := []any{typeArg}
		if f.Region != "" {
			q += " AND region = ?"
			args = append(args, f.Region)
		}
		if after != nil {
			q += " AND account_id > ?"
			args = append(args, after.AccountID)
		}
		c.add(q+")", args...)
		regions(&c, "", "")
	}
	c.filter(f, f.IncludeDeleted)
	return append(stmts, c)
}

// listCols is what a page of list reads of each item.
type listCols int

const (
	// colsItem reads whole items.
	colsItem listCols = iota
	// colsKeys reads their keys and names only
	// (inventory.ListQuery.KeysOnly).
	colsKeys
	// colsNoRelationships reads them without their relationships
	// (inventory.ScanQuery.WithoutRelationships).
	colsNoRelationships
)

// list reads up to limit latest versions after the key after (nil: from the
// start), of them what cols says, and reports whether there are more.
func (s *Inventory) list(ctx context.Context, sc *inventory.Scope, srcs []inventory.Source, f *inventory.Filter,
	after *inventory.Key, limit int, cols listCols) ([]inventory.Item, bool, error) {
	items := make([]inventory.Item, 0, min(limit, 1024))
	scan := scanItem
	if cols == colsKeys {
		scan = scanKey
	}
	for _, c := range listStmts(sc, srcs, f, after) {
		if c.none {
			continue
		}
		more, err := s.listInto(ctx, c.listSQL(cols), append(c.args, limit+1-len(items)), &items, limit, scan)
		if err != nil || more {
			return items, more, err
		}
	}
	return items, false, ctx.Err()
}

// listSQL is the statement that reads a page of latest versions that c
// admits, in List order, of them what cols says (the keys and names only
// from resources, without versions); its last argument is the LIMIT.
func (c *cond) listSQL(cols listCols) string {
	sel, from, order := invItemCols, invLatest, listOrder
	if c.viaCounts {
		from, order = invLatestViaCounts, listOrderViaCounts
	}
	switch cols {
	case colsKeys:
		sel, from = keyCols, strings.TrimSuffix(from, invVersionsJoin)
	case colsNoRelationships:
		sel = invItemColsNoRelationships
	}
	return "SELECT " + sel + from + c.sql() + order
}

// keyCols are the columns of a List page with KeysOnly (scanKey).
const keyCols = "r.account_id, r.region, r.type, r.resource_id, r.name"

// scanKey reads one row of keyCols.
func scanKey(rows interface{ Scan(...any) error }) (inventory.Item, error) {
	var it inventory.Item
	var name sql.NullString
	err := rows.Scan(&it.AccountID, &it.Region, &it.ResourceType, &it.ResourceID, &name)
	it.ResourceName = name.String
	return it, err
}

// listInto appends the rows of q to items until they hold limit, and
// reports whether a row was left over.
func (s *Inventory) listInto(ctx context.Context, q string, args []any, items *[]inventory.Item, limit int,
	scan func(interface{ Scan(...any) error }) (inventory.Item, error)) (bool, error) {
	rows, err := s.reads.query(ctx, q, args...)
	if err != nil {
		return false, readErr("List", err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(*items) == limit {
			return true, nil
		}
		it, err := scan(rows)
		if err != nil {
			return false, readErr("List", err)
		}
		*items = append(*items, it)
	}
	if err := rows.Err(); err != nil {
		return false, readErr("List", err)
	}
	return false, nil
}
