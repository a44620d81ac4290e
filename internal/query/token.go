package query

import "fmt"

// tokenKind is the kind of a token.
type tokenKind int

const (
	tokEOF     tokenKind = iota // end of input
	tokIllegal                  // a character no token begins with, or an unterminated string
	tokIdent                    // a word that is not a keyword: a property name or a function name
	tokKeyword                  // a reserved word; token.val is it in upper case
	tokString                   // '…'; token.val is the value, '' undoubled
	tokNumber                   // token.val is the number as written
	tokOp                       // a comparison operator; token.val is its Op constant (<> is OpNe)
	tokComma                    // ,
	tokDot                      // .
	tokLParen                   // (
	tokRParen                   // )
	tokStar                     // *
)

var kindNames = [...]string{
	tokEOF:     "end of input",
	tokIllegal: "illegal",
	tokIdent:   "identifier",
	tokKeyword: "keyword",
	tokString:  "string",
	tokNumber:  "number",
	tokOp:      "operator",
	tokComma:   "','",
	tokDot:     "'.'",
	tokLParen:  "'('",
	tokRParen:  "')'",
	tokStar:    "'*'",
}

func (k tokenKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("tokenKind(%d)", int(k))
}

// pos is a position in an expression: 1-based line and column, the column
// counted in characters (a tab is one column; only \n ends a line).
type pos struct {
	line, col int
}

// token is one token of an expression.
type token struct {
	kind tokenKind
	// text is the token as written in the source ("" at end of input).
	text string
	// val is the token's value: see the tokenKind constants. For
	// identifiers it is the text.
	val string
	pos pos
	off int // byte offset of the token in the source
}

// end returns the byte offset just past the token.
func (t token) end() int { return t.off + len(t.text) }

// isWord reports whether the token is a word: an identifier or a keyword.
// After a "." any word names a property (configuration.state.value,
// configuration.Order, …).
func (t token) isWord() bool { return t.kind == tokIdent || t.kind == tokKeyword }

// is reports whether the token is the keyword kw (upper case).
func (t token) is(kw string) bool { return t.kind == tokKeyword && t.val == kw }

// The keywords, reserved as the first identifier of a path (they may still
// name a later segment). Besides the grammar's own, the words AWS documents
// as unsupported are reserved so that the parser can name them in its error
// ("No support for ALL, AS, DISTINCT, FROM, HAVING, JOIN, and UNION
// keywords", "NULL value queries are not supported": querying-AWS-resources,
// config-data-and-query.md §C.9), and LIMIT and IS for the same reason.
// The aggregate function names are not keywords: COUNT is a function only
// when "(" follows it.
var keywords = map[string]bool{
	"SELECT": true, "WHERE": true, "GROUP": true, "BY": true, "ORDER": true,
	"ASC": true, "DESC": true, "AND": true, "OR": true, "NOT": true,
	"IN": true, "BETWEEN": true, "LIKE": true, "TRUE": true, "FALSE": true,
	// Unsupported by AWS.
	"ALL": true, "AS": true, "DISTINCT": true, "FROM": true, "HAVING": true,
	"JOIN": true, "UNION": true, "LIMIT": true, "IS": true, "NULL": true,
}

// unsupportedKeywords are the keywords that name a construct AWS does not
// support.
var unsupportedKeywords = map[string]bool{
	"ALL": true, "AS": true, "DISTINCT": true, "FROM": true, "HAVING": true,
	"JOIN": true, "UNION": true, "LIMIT": true, "IS": true, "NULL": true,
}

// aggregateFuncs are the aggregate function names, upper case.
var aggregateFuncs = map[string]bool{
	FuncCount: true, FuncMin: true, FuncMax: true, FuncSum: true, FuncAvg: true,
}
