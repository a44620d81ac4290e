package query

import (
	"slices"
)

// Narrowing is what a condition requires of every item it admits, in terms
// a store can use before any item is read: the first step of pushing a
// query down. Each field is nil when the condition does not constrain it;
// an empty, non-nil list admits nothing.
type Narrowing struct {
	// ResourceTypes, ResourceIDs and AccountIDs are the only values of
	// resourceType, resourceId and accountId the condition admits.
	ResourceTypes, ResourceIDs, AccountIDs []string
	// Exact is true when the condition says no more than the lists: it is
	// absent, or every conjunct is an = or IN of string literals on one of
	// those properties. Every item the lists admit then satisfies it.
	Exact bool
}

// Narrow returns what cond (nil: no condition) requires of the top-level
// properties resourceType, resourceId and accountId. It reads the
// conjuncts of cond: an `=` or an IN on one of those properties, with
// string literals, narrows it; conjuncts are intersected; anything else
// (OR, NOT, other properties) narrows nothing. Items it admits must still
// be checked against cond.
func Narrow(cond Expr) Narrowing {
	n := Narrowing{Exact: true}
	for _, c := range conjuncts(cond, nil) {
		var path Path
		var values []Literal
		switch c := c.(type) {
		case *Compare:
			if c.Op != OpEq {
				n.Exact = false
				continue
			}
			path, values = c.Path, []Literal{c.Value}
		case *In:
			if c.Not {
				n.Exact = false
				continue
			}
			path, values = c.Path, c.Values
		default:
			n.Exact = false
			continue
		}
		if len(path) != 1 {
			n.Exact = false
			continue
		}
		var field *[]string
		switch path[0] {
		case "resourceType":
			field = &n.ResourceTypes
		case "resourceId":
			field = &n.ResourceIDs
		case "accountId":
			field = &n.AccountIDs
		default:
			n.Exact = false
			continue
		}
		set := []string{}
		for _, v := range values {
			if v.Kind == LitString {
				set = append(set, v.Text)
			} else {
				n.Exact = false
			}
		}
		slices.Sort(set)
		set = slices.Compact(set)
		if *field == nil {
			*field = set
			continue
		}
		*field = slices.DeleteFunc(*field, func(s string) bool {
			_, found := slices.BinarySearch(set, s)
			return !found
		})
	}
	return n
}

// conjuncts appends the operands of the top-level ANDs of e to dst.
func conjuncts(e Expr, dst []Expr) []Expr {
	switch e := e.(type) {
	case nil:
		return dst
	case *And:
		return conjuncts(e.R, conjuncts(e.L, dst))
	}
	return append(dst, e)
}

// IsAggregate reports whether q aggregates: it has a GROUP BY or an
// aggregate function in its select list. AWS pages such queries by
// 500 by default, others by 25 (AWS Config API Reference,
// SelectAggregateResourceConfig).
func (q *Query) IsAggregate() bool {
	if len(q.GroupBy) > 0 {
		return true
	}
	for _, it := range q.Select {
		if it.Aggregate != nil {
			return true
		}
	}
	return false
}
