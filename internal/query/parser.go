package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The parser is recursive descent over the grammar of the package comment,
// OR binding loosest, then AND, then NOT, then the predicates; AND and OR
// group to the left, and parentheses group a condition without adding a
// node. Beyond that grammar and the documented examples
// (config-data-and-query.md §C.1–C.3) it accepts, and decides:
//
//   - keywords and function names in any case (§C.1 "lower-case keywords");
//   - no WHERE, and * together with other select items, anywhere in the
//     list (§C.1 "Observed in real use");
//   - NOT IN, NOT BETWEEN and NOT LIKE (NOT IN is observed, §C.1; the other
//     two follow SQL), and NOT before any condition, nested or repeated;
//   - parentheses (§C.3 "Parentheses not shown in docs; support them"), up
//     to maxNesting levels of parentheses and NOTs;
//   - != and <> (§C.1, §C.10), <= and >= (§C.3, open question 6);
//   - literals: strings, numbers and unquoted TRUE/FALSE (§C.3 "Booleans,
//     numbers"); a quoted 'true' stays a string;
//   - up to three GROUP BY properties (§C.5, the current limit);
//   - after a ".", any word, keywords included, is an identifier
//     (configuration.Order, configuration.ruleSet.from), so only a path's
//     first identifier cannot be a keyword;
//   - a path has no blanks around its dots (a . b and a. b are syntax
//     errors): the documentation writes paths as single words, and a blank
//     after a dot would make "SELECT a. WHERE b = 1" select a.WHERE.
//
// It rejects, beyond the grammar, what AWS documents as unsupported
// (§C.3, §C.5, §C.9), each with a message that names the construct:
// ALL, AS, DISTINCT, FROM, HAVING, JOIN, UNION, LIMIT, NULL and IS [NOT]
// NULL; functions other than the five aggregates; an aggregate nested in
// another, with more than one argument, or in WHERE or GROUP BY; * other
// than as a select item or COUNT(*); more than three GROUP BY properties,
// or more than one when ORDER BY sorts on an aggregate; LIKE patterns
// against the wildcard rules (see checkLike); and mismatched identifiers
// (see checkMismatch). Everything else that does not fit the grammar is a
// plain syntax error, with AWS's text.

// Error is an expression that does not parse, and where.
type Error struct {
	// Line and Column are 1-based; Column counts characters. At the end of
	// input they are the position just past the last character.
	Line, Column int
	// Msg is MsgSyntax for a syntax error, otherwise a description of the
	// unsupported construct.
	Msg string
}

// MsgSyntax is the Msg of a syntax error, whose Error is AWS's text.
const MsgSyntax = "syntax error"

// Error returns AWS's text for a syntax error, "syntax error at line L,
// column C", and "<message> (line L, column C)" for the others.
func (e *Error) Error() string {
	if e.Msg == MsgSyntax {
		return fmt.Sprintf("syntax error at line %d, column %d", e.Line, e.Column)
	}
	return fmt.Sprintf("%s (line %d, column %d)", e.Msg, e.Line, e.Column)
}

// maxNesting bounds the nesting of parentheses and NOTs, so that no input
// can exhaust the stack. AWS's maximum Expression length (4,096
// characters) leaves room for about 2,000 levels; real queries use a few.
const maxNesting = 1000

// maxGroupBy is the number of GROUP BY properties AWS supports ("GROUP BY
// clauses may contain up to three properties", §C.5).
const maxGroupBy = 3

// Parse parses an expression of SelectResourceConfig or
// SelectAggregateResourceConfig. Its error is an *Error.
func Parse(expr string) (*Query, error) {
	p := &parser{toks: scanAll(expr)}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	return q, nil
}

// parser holds the state of one Parse.
type parser struct {
	toks  []token  // ending with tokEOF or tokIllegal
	i     int      // index of the current token
	depth int      // nesting of parentheses and NOTs
	paths []string // the query's paths so far, as written
}

// clause is where a path is parsed, for the messages about functions.
type clause int

const (
	inSelect clause = iota
	inAggregate
	inWhere
	inGroupBy
	inOrderBy
)

// tok returns the current token.
func (p *parser) tok() token { return p.toks[p.i] }

// peek returns the token n after the current one (the last token past the
// end).
func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

// next moves to the next token; it stays on the last one.
func (p *parser) next() {
	if p.i < len(p.toks)-1 {
		p.i++
	}
}

// errorAt returns an error with message msg at pos.
func errorAt(at pos, msg string, args ...any) *Error {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	return &Error{Line: at.line, Column: at.col, Msg: msg}
}

// unexpected returns the error for the current token where the grammar
// does not allow it: the construct's name for a keyword AWS does not
// support, otherwise a syntax error.
func (p *parser) unexpected() *Error {
	t := p.tok()
	if t.kind == tokKeyword && unsupportedKeywords[t.val] {
		name := t.val
		if t.val == "IS" {
			switch {
			case p.peek(1).is("NULL"):
				name = "IS NULL"
			case p.peek(1).is("NOT") && p.peek(2).is("NULL"):
				name = "IS NOT NULL"
			}
		}
		return errorAt(t.pos, "%s is not supported", name)
	}
	return errorAt(t.pos, MsgSyntax)
}

// starError is the error for a * where only a path may be.
func starError(at pos) *Error {
	return errorAt(at, "* is supported only as a select item and in COUNT(*)")
}

// expectKeyword consumes the keyword kw.
func (p *parser) expectKeyword(kw string) error {
	if !p.tok().is(kw) {
		return p.unexpected()
	}
	p.next()
	return nil
}

// expect consumes a token of kind k.
func (p *parser) expect(k tokenKind) error {
	if p.tok().kind != k {
		return p.unexpected()
	}
	p.next()
	return nil
}

// isCall reports whether the current token begins a function call: an
// identifier followed by "(".
func (p *parser) isCall() bool {
	return p.tok().kind == tokIdent && p.peek(1).kind == tokLParen
}

// isAggregate reports whether the current token begins an aggregate.
func (p *parser) isAggregate() bool {
	return p.isCall() && aggregateFuncs[strings.ToUpper(p.tok().val)]
}

func (p *parser) query() (*Query, error) {
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	q := &Query{}
	for {
		it, err := p.selectItem()
		if err != nil {
			return nil, err
		}
		q.Select = append(q.Select, it)
		if p.tok().kind != tokComma {
			break
		}
		p.next()
	}
	if p.tok().is("WHERE") {
		p.next()
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		q.Where = c
	}
	if p.tok().is("GROUP") {
		p.next()
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			if len(q.GroupBy) == maxGroupBy {
				return nil, errorAt(p.tok().pos, "GROUP BY with more than %d properties is not supported", maxGroupBy)
			}
			path, err := p.path(inGroupBy)
			if err != nil {
				return nil, err
			}
			q.GroupBy = append(q.GroupBy, path)
			if p.tok().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if p.tok().is("ORDER") {
		p.next()
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			o, err := p.orderItem(len(q.GroupBy))
			if err != nil {
				return nil, err
			}
			q.OrderBy = append(q.OrderBy, o)
			if p.tok().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if p.tok().kind != tokEOF {
		return nil, p.unexpected()
	}
	return q, nil
}

func (p *parser) selectItem() (SelectItem, error) {
	if p.tok().kind == tokStar {
		p.next()
		return SelectItem{Star: true}, nil
	}
	if p.isAggregate() {
		a, err := p.aggregate()
		return SelectItem{Aggregate: a}, err
	}
	path, err := p.path(inSelect)
	return SelectItem{Path: path}, err
}

// orderItem parses a sort key of a query with groupBy GROUP BY properties.
func (p *parser) orderItem(groupBy int) (OrderItem, error) {
	var o OrderItem
	if p.isAggregate() {
		if groupBy > 1 {
			return o, errorAt(p.tok().pos, "ORDER BY an aggregate function with more than one GROUP BY property is not supported")
		}
		a, err := p.aggregate()
		if err != nil {
			return o, err
		}
		o.Aggregate = a
	} else {
		path, err := p.path(inOrderBy)
		if err != nil {
			return o, err
		}
		o.Path = path
	}
	switch {
	case p.tok().is("ASC"):
		p.next()
	case p.tok().is("DESC"):
		p.next()
		o.Desc = true
	}
	return o, nil
}

// aggregate parses FUNC "(" ("*" | path) ")", the current token being
// FUNC.
func (p *parser) aggregate() (*Aggregate, error) {
	a := &Aggregate{Func: strings.ToUpper(p.tok().val)}
	p.next()
	p.next() // "("
	if t := p.tok(); t.kind == tokStar {
		if a.Func != FuncCount {
			return nil, starError(t.pos)
		}
		p.next()
		a.Star = true
	} else {
		path, err := p.path(inAggregate)
		if err != nil {
			return nil, err
		}
		a.Path = path
	}
	if t := p.tok(); t.kind == tokComma {
		return nil, errorAt(t.pos, "aggregate functions with more than one argument are not supported")
	}
	if err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	return a, nil
}

// path parses identifier {"." identifier} in clause c.
func (p *parser) path(c clause) (Path, error) {
	t := p.tok()
	switch {
	case t.kind == tokStar:
		return nil, starError(t.pos)
	case p.isAggregate():
		switch c {
		case inAggregate:
			return nil, errorAt(t.pos, "nested aggregate functions are not supported")
		case inWhere:
			return nil, errorAt(t.pos, "aggregate functions are not supported in WHERE")
		case inGroupBy:
			return nil, errorAt(t.pos, "aggregate functions are not supported in GROUP BY")
		}
		// The select list and ORDER BY parse aggregates themselves.
	case p.isCall():
		return nil, errorAt(t.pos, "function %s is not supported", strings.ToUpper(t.val))
	case t.kind != tokIdent:
		return nil, p.unexpected()
	}
	path := Path{t.val}
	p.next()
	// A path is written without blanks: a "." joins the identifiers on
	// either side of it, and any word may follow it.
	for prev := t; p.tok().kind == tokDot && p.tok().off == prev.end(); {
		dot := p.tok()
		p.next()
		switch id := p.tok(); {
		case id.off != dot.end():
			return nil, p.unexpected()
		case id.isWord():
			path = append(path, id.text)
			prev = id
			p.next()
		case id.kind == tokStar:
			return nil, starError(id.pos)
		default:
			return nil, p.unexpected()
		}
	}
	if err := p.checkMismatch(path.String(), t.pos); err != nil {
		return nil, err
	}
	return path, nil
}

// checkMismatch records the path text at pos, and refuses it if an earlier
// path of the query is a mismatched identifier: §C.3 "Case of property
// names" (AWS: "mismatched identifiers" are not supported), the same
// spelling in different case (configuration.dbclusterIdentifier and
// configuration.dBClusterIdentifier) or one a case variant of a prefix of
// the other (configuration.ipAddress and configuration.ipaddressPermissions;
// configuration and Configuration.state). A path that repeats another
// exactly, or extends it in the same case, is fine.
func (p *parser) checkMismatch(text string, at pos) error {
	for _, prev := range p.paths {
		a, b := prev, text
		if len(a) > len(b) {
			a, b = b, a
		}
		// Identifiers are ASCII, so b[:len(a)] is whole characters.
		if b[:len(a)] != a && strings.EqualFold(b[:len(a)], a) {
			return errorAt(at, "mismatched identifiers %s and %s are not supported: property names must not differ only in case", prev, text)
		}
	}
	p.paths = append(p.paths, text)
	return nil
}

// or parses cond = term {OR term}.
func (p *parser) or() (Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.tok().is("OR") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Or{L: l, R: r}
	}
	return l, nil
}

// and parses term = factor {AND factor}.
func (p *parser) and() (Expr, error) {
	l, err := p.factor()
	if err != nil {
		return nil, err
	}
	for p.tok().is("AND") {
		p.next()
		r, err := p.factor()
		if err != nil {
			return nil, err
		}
		l = &And{L: l, R: r}
	}
	return l, nil
}

// factor parses NOT factor | "(" cond ")" | predicate.
func (p *parser) factor() (Expr, error) {
	t := p.tok()
	if !t.is("NOT") && t.kind != tokLParen {
		return p.predicate()
	}
	if p.depth == maxNesting {
		return nil, errorAt(t.pos, "conditions nested more than %d levels deep are not supported", maxNesting)
	}
	p.depth++
	defer func() { p.depth-- }()
	p.next()
	if t.kind == tokLParen {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		return c, nil
	}
	x, err := p.factor()
	if err != nil {
		return nil, err
	}
	return &Not{X: x}, nil
}

// predicate parses path op literal | path [NOT] IN (…) | path [NOT]
// BETWEEN … AND … | path [NOT] LIKE string.
func (p *parser) predicate() (Expr, error) {
	if t := p.tok(); t.kind == tokString && p.peek(1).is("LIKE") {
		return nil, errorAt(t.pos, "LIKE on a string is not supported: wildcards are supported only in property values, not in property keys")
	}
	path, err := p.path(inWhere)
	if err != nil {
		return nil, err
	}
	if t := p.tok(); t.kind == tokOp {
		p.next()
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &Compare{Path: path, Op: t.val, Value: v}, nil
	}
	not := false
	if p.tok().is("NOT") {
		not = true
		p.next()
	}
	switch t := p.tok(); {
	case t.is("IN"):
		p.next()
		if err := p.expect(tokLParen); err != nil {
			return nil, err
		}
		e := &In{Path: path, Not: not}
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			e.Values = append(e.Values, v)
			if p.tok().kind != tokComma {
				break
			}
			p.next()
		}
		if err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		return e, nil
	case t.is("BETWEEN"):
		p.next()
		lo, err := p.literal()
		if err != nil {
			return nil, err
		}
		if err := p.expectKeyword("AND"); err != nil {
			return nil, err
		}
		hi, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &Between{Path: path, Not: not, Lo: lo, Hi: hi}, nil
	case t.is("LIKE"):
		p.next()
		s := p.tok()
		if s.kind != tokString {
			return nil, p.unexpected()
		}
		if err := checkLike(s); err != nil {
			return nil, err
		}
		p.next()
		return &Like{Path: path, Not: not, Pattern: s.val}, nil
	}
	return nil, p.unexpected()
}

// literal parses string | number | TRUE | FALSE.
func (p *parser) literal() (Literal, error) {
	t := p.tok()
	var l Literal
	switch {
	case t.kind == tokString:
		l = Literal{Kind: LitString, Text: t.val}
	case t.kind == tokNumber:
		l = Literal{Kind: LitNumber, Text: t.val}
	case t.is("TRUE"), t.is("FALSE"):
		l = Literal{Kind: LitBool, Text: strings.ToLower(t.val)}
	default:
		return l, p.unexpected()
	}
	p.next()
	return l, nil
}

// checkLike applies AWS's wildcard rules (querying-AWS-resources
// "Wildcard limitations", §C.3, §C.9) to the pattern of string token s:
// % and _ are wildcards; "support for only suffix wildcards" ('AWS::EC2::%'
// and 'AWS::EC2::_', not '%::EC2::Instance'); "wildcard matches must be at
// least three characters long" ('abc%', not 'ab%'). Read as §C.3 infers:
// a pattern with a wildcard must begin with at least three literal
// characters, and what follows the first wildcard is free — AWS's own
// sample data-perimeter-helper queries LIKE 'com.amazonaws.%.s3' (§C.1). A
// pattern without wildcards is an exact match, and fine. There is no escape
// for a literal % or _.
func checkLike(s token) error {
	i := strings.IndexAny(s.val, "%_")
	if i < 0 {
		return nil
	}
	if i == 0 {
		return errorAt(s.pos, "LIKE pattern %s begins with a wildcard: only suffix wildcards are supported", quote(s.val))
	}
	if utf8.RuneCountInString(s.val[:i]) < 3 {
		return errorAt(s.pos, "LIKE pattern %s needs at least 3 characters before its first wildcard: wildcard matches must be at least three characters long", quote(s.val))
	}
	return nil
}
