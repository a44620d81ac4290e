package exec

import (
	"slices"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
	"github.com/starlingcfg/starling/internal/query/eval"
)

// matchTerms returns what the store's terms can decide of cond
// (inventory.ScanQuery.Match): for each top-level conjunct of the forms
//
//	path = literal
//	path IN (literal, …)
//
// the terms one of which an item of the types (sorted; nil: every
// queryable type) must have to satisfy it. A conjunct is pushed down only
// when, for every type and literal, the evaluator compares the path's
// values by their text (eval.TextOnly) and the store keeps terms of the
// path (eval.TermPaths); the store then leaves out only items that cannot
// satisfy cond, and the evaluator decides the rest.
func matchTerms(cond query.Expr, types []string) [][]inventory.Term {
	if types == nil {
		types = catalog.Types()
	}
	var match [][]inventory.Term
	var walk func(e query.Expr)
	walk = func(e query.Expr) {
		switch e := e.(type) {
		case *query.And:
			walk(e.L)
			walk(e.R)
		case *query.Compare:
			if e.Op == query.OpEq {
				if terms := conjunctTerms(e.Path, []query.Literal{e.Value}, types); terms != nil {
					match = append(match, terms)
				}
			}
		case *query.In:
			if !e.Not {
				if terms := conjunctTerms(e.Path, e.Values, types); terms != nil {
					match = append(match, terms)
				}
			}
		}
	}
	walk(cond)
	return match
}

// conjunctTerms returns the terms of path = one of values over the types,
// or nil when the store's terms cannot decide it.
func conjunctTerms(path query.Path, values []query.Literal, types []string) []inventory.Term {
	var terms []inventory.Term
	for _, rt := range types {
		paths := eval.TermPaths(rt, path)
		if paths == nil {
			return nil
		}
		for _, l := range values {
			if !eval.TextOnly(rt, path, l) {
				return nil
			}
			for _, p := range paths {
				if t := (inventory.Term{Path: p, Text: l.Text}); !slices.Contains(terms, t) {
					terms = append(terms, t)
				}
			}
		}
	}
	return terms
}
