package exec

import (
	"bytes"
	"iter"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
	"github.com/starlingcfg/starling/internal/query/eval"
)

// A prefilter rejects, from the recorded bytes alone, items that a
// condition cannot admit, before they reach the evaluator, which would
// decode their configuration (two thirds of a selective query's time) to
// find that out.
//
// It reads the condition's top-level conjuncts of the forms
//
//	configuration.p = 'text'
//	configuration.p IN ('text', …)
//
// An item satisfies such a conjunct only if some value v at p has
// text(v) equal to one of the literals. That holds in string mode, which
// eval.Compare uses when the catalogue's type of p for the item's type is
// string. In that
// mode every value's text is in the recorded bytes as it is: a string's
// characters, a number's digits, true or false. The exception is a string
// written with escapes, so configurations that hold a backslash are never
// rejected. An item whose configuration contains none of a conjunct's
// literals cannot satisfy it.
type prefilter struct {
	conjuncts []textConjunct
}

// textConjunct is one conjunct the prefilter reads: a configuration path
// and the literals one of which must be the text of a value there.
type textConjunct struct {
	path     query.Path
	literals [][]byte
}

// newPrefilter returns the prefilter of cond, or nil when no conjunct of it
// is of a form it reads.
func newPrefilter(cond query.Expr) *prefilter {
	var p prefilter
	var walk func(e query.Expr)
	walk = func(e query.Expr) {
		switch e := e.(type) {
		case *query.And:
			walk(e.L)
			walk(e.R)
		case *query.Compare:
			if e.Op == query.OpEq && e.Value.Kind == query.LitString {
				p.add(e.Path, []query.Literal{e.Value})
			}
		case *query.In:
			if !e.Not {
				p.add(e.Path, e.Values)
			}
		}
	}
	walk(cond)
	if len(p.conjuncts) == 0 {
		return nil
	}
	return &p
}

func (p *prefilter) add(path query.Path, values []query.Literal) {
	if len(path) < 2 || path[0] != "configuration" {
		return
	}
	c := textConjunct{path: path}
	for _, v := range values {
		if v.Kind != query.LitString {
			return
		}
		c.literals = append(c.literals, []byte(v.Text))
	}
	p.conjuncts = append(p.conjuncts, c)
}

// rejects reports whether the item cannot satisfy the condition.
func (p *prefilter) rejects(it *inventory.Item) bool {
	if p == nil || bytes.IndexByte(it.Configuration, '\\') >= 0 {
		return false
	}
	for _, c := range p.conjuncts {
		if !stringMode(eval.PathType(it.ResourceType, c.path)) {
			continue
		}
		found := false
		for _, l := range c.literals {
			if bytes.Contains(it.Configuration, l) {
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	return false
}

// stringMode reports whether values of a path of type t compare as
// strings whatever their JSON type: the catalogue says string (eval.Compare).
func stringMode(t catalog.Type) bool { return t == catalog.String }

// filter passes on the items it does not reject.
func (p *prefilter) filter(items iter.Seq2[inventory.Item, error]) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		for it, err := range items {
			if err == nil && p.rejects(&it) {
				continue
			}
			if !yield(it, err) {
				return
			}
		}
	}
}
