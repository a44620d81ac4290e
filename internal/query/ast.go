// Package query is AWS Config's advanced query language (the Expression of
// SelectResourceConfig and SelectAggregateResourceConfig), in phases: the
// scanner turns an expression into tokens, the parser builds the syntax
// tree of this file, whose String returns an expression that parses back
// to the same tree. It knows no HTTP, AWS wire shape or storage: the
// reference evaluator (package query/eval) gives a tree its meaning over
// configuration items, and the planner pushes what it can down to a store.
//
// The grammar (AWS Config Developer Guide, "Components of an Advanced
// Query" and "Querying the Current Configuration State of AWS Resources"):
//
//	query      = SELECT item {"," item} [WHERE cond] [GROUP BY path {"," path}] [ORDER BY key [ASC|DESC] {"," key [ASC|DESC]}]
//	item       = "*" | path | aggregate
//	aggregate  = (COUNT|MIN|MAX|SUM|AVG) "(" ("*" | path) ")"
//	key        = path | aggregate
//	cond       = term {OR term}
//	term       = factor {AND factor}
//	factor     = NOT factor | "(" cond ")" | predicate
//	predicate  = path ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") literal
//	           | path [NOT] IN "(" literal {"," literal} ")"
//	           | path [NOT] BETWEEN literal AND literal
//	           | path [NOT] LIKE string
//	path       = identifier {"." identifier}
//	literal    = string | number | TRUE | FALSE
//
// Keywords and function names are case-insensitive; identifiers keep their
// case. What an identifier, a string and a number may hold, and the edges
// the grammar above leaves open (<> for !=, which prints as !=; NOT BETWEEN
// and NOT LIKE; what is refused and with which message), are in the
// comments at the top of scanner.go and parser.go. Parse returns its errors
// as *Error, with 1-based line and column.
package query

// Query is one parsed expression.
type Query struct {
	// Select is the select list, in order; it is never empty.
	Select []SelectItem
	// Where is the condition, or nil.
	Where Expr
	// GroupBy are the grouping properties, in order (at most three).
	GroupBy []Path
	// OrderBy are the sort keys, in order.
	OrderBy []OrderItem
}

// Path is a property path, such as configuration.state.value: its
// identifiers, as written.
type Path []string

// SelectItem is one item of the select list: exactly one of Star, Path and
// Aggregate is set.
type SelectItem struct {
	// Star is SELECT *: the top-level scalar properties of a CI.
	Star      bool
	Path      Path
	Aggregate *Aggregate
}

// The aggregate functions.
const (
	FuncCount = "COUNT"
	FuncMin   = "MIN"
	FuncMax   = "MAX"
	FuncSum   = "SUM"
	FuncAvg   = "AVG"
)

// Aggregate is an aggregate function applied to * (COUNT only) or to a
// path.
type Aggregate struct {
	// Func is one of the Func constants, upper case.
	Func string
	// Star is COUNT(*); otherwise Path is the argument.
	Star bool
	Path Path
}

// OrderItem is one sort key: a path or an aggregate, and its direction.
type OrderItem struct {
	Path      Path
	Aggregate *Aggregate
	Desc      bool
}

// Expr is a condition of the WHERE clause: *And, *Or, *Not, *Compare, *In,
// *Between or *Like.
type Expr interface {
	// String returns the condition as an expression that parses back to
	// the same tree.
	String() string
	expr()
}

// And is L AND R.
type And struct{ L, R Expr }

// Or is L OR R.
type Or struct{ L, R Expr }

// Not is NOT X.
type Not struct{ X Expr }

// The comparison operators.
const (
	OpEq = "="
	OpNe = "!=" // also written <>
	OpLt = "<"
	OpLe = "<="
	OpGt = ">"
	OpGe = ">="
)

// Compare is Path Op Value.
type Compare struct {
	Path  Path
	Op    string // one of the Op constants
	Value Literal
}

// In is Path [NOT] IN (Values...).
type In struct {
	Path   Path
	Not    bool
	Values []Literal
}

// Between is Path [NOT] BETWEEN Lo AND Hi, inclusive.
type Between struct {
	Path   Path
	Not    bool
	Lo, Hi Literal
}

// Like is Path [NOT] LIKE Pattern, where % stands for any run of characters
// and _ for one.
type Like struct {
	Path    Path
	Not     bool
	Pattern string
}

// The kinds of literal.
const (
	LitString = iota
	LitNumber
	LitBool
)

// Literal is a constant of a condition.
type Literal struct {
	// Kind is LitString, LitNumber or LitBool.
	Kind int
	// Text is the string's value (unquoted), the number as written, or
	// "true" or "false".
	Text string
}

func (*And) expr()     {}
func (*Or) expr()      {}
func (*Not) expr()     {}
func (*Compare) expr() {}
func (*In) expr()      {}
func (*Between) expr() {}
func (*Like) expr()    {}
