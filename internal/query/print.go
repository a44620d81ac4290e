package query

import (
	"strings"
)

// String returns the query as an expression in canonical form (keywords in
// upper case, single spaces, parentheses only where the tree needs them)
// that parses back to the same tree.
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, it := range q.Select {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.String())
	}
	if q.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(q.Where.String())
	}
	if len(q.GroupBy) > 0 {
		b.WriteString(" GROUP BY ")
		for i, p := range q.GroupBy {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.String())
		}
	}
	if len(q.OrderBy) > 0 {
		b.WriteString(" ORDER BY ")
		for i, o := range q.OrderBy {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.String())
		}
	}
	return b.String()
}

// String returns the path as written: its identifiers joined by dots.
func (p Path) String() string { return strings.Join(p, ".") }

// String returns the item as the select list writes it; it is also the
// item's name in QueryInfo.SelectFields and the key of an aggregate in a
// result (COUNT(*)).
func (it SelectItem) String() string {
	switch {
	case it.Star:
		return "*"
	case it.Aggregate != nil:
		return it.Aggregate.String()
	}
	return it.Path.String()
}

// String returns the aggregate as FUNC(argument).
func (a *Aggregate) String() string {
	if a.Star {
		return a.Func + "(*)"
	}
	return a.Func + "(" + a.Path.String() + ")"
}

// String returns the sort key and its direction (ASC is not written).
func (o OrderItem) String() string {
	s := o.Path.String()
	if o.Aggregate != nil {
		s = o.Aggregate.String()
	}
	if o.Desc {
		s += " DESC"
	}
	return s
}

// String returns the literal as an expression writes it: a string quoted
// with ' (a ' inside doubled), a number as written, TRUE or FALSE.
func (l Literal) String() string {
	switch l.Kind {
	case LitString:
		return quote(l.Text)
	case LitBool:
		return strings.ToUpper(l.Text)
	}
	return l.Text
}

// quote returns s as a string literal.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Precedence, loosest first: OR, AND, NOT, predicates.
const (
	precOr = iota
	precAnd
	precNot
	precPredicate
)

func prec(e Expr) int {
	switch e.(type) {
	case *Or:
		return precOr
	case *And:
		return precAnd
	case *Not:
		return precNot
	}
	return precPredicate
}

// operand prints e as an operand of an operator of precedence p: in
// parentheses when it binds more loosely, or, as a right operand (right),
// as loosely (AND and OR group to the left).
func operand(e Expr, p int, right bool) string {
	if q := prec(e); q < p || (right && q == p && q != precPredicate && q != precNot) {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func (e *And) String() string {
	return operand(e.L, precAnd, false) + " AND " + operand(e.R, precAnd, true)
}

func (e *Or) String() string {
	return operand(e.L, precOr, false) + " OR " + operand(e.R, precOr, true)
}

func (e *Not) String() string { return "NOT " + operand(e.X, precNot, false) }

func (e *Compare) String() string {
	return e.Path.String() + " " + e.Op + " " + e.Value.String()
}

func (e *In) String() string {
	var b strings.Builder
	b.WriteString(e.Path.String())
	if e.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" IN (")
	for i, v := range e.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.String())
	}
	b.WriteString(")")
	return b.String()
}

func (e *Between) String() string {
	not := ""
	if e.Not {
		not = " NOT"
	}
	return e.Path.String() + not + " BETWEEN " + e.Lo.String() + " AND " + e.Hi.String()
}

func (e *Like) String() string {
	not := ""
	if e.Not {
		not = " NOT"
	}
	return e.Path.String() + not + " LIKE " + quote(e.Pattern)
}
