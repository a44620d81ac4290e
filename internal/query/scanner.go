package query

import (
	"strings"
	"unicode/utf8"
)

// The lexical rules, and what they accept beyond the examples AWS
// documents (config-data-and-query.md §C, aws-config-api.md §4.6):
//
//   - Whitespace is space, tab, \n, \r and \f, anywhere between tokens;
//     only \n ends a line. A trailing newline is accepted (whether AWS
//     accepts one is open question 3 of config-data-and-query.md). There are
//     no comments: AWS documents none.
//   - An identifier is an ASCII letter or _ followed by ASCII letters,
//     digits and _. Every one of the 6,506 property paths of the AWS Config
//     resource schema (AWS.properties.json and resource-types/*, §C.8) is
//     dot-separated segments of exactly that form: none holds a "-", a
//     non-ASCII letter, or a segment that begins with a digit.
//   - A word is a keyword when it spells one case-insensitively (§C.3 "Case
//     of keywords"); otherwise it is an identifier, which keeps its case.
//   - A string is quoted with ' and a ' inside is doubled (''); any other
//     character, newlines included, stands for itself — there are no
//     backslash escapes. AWS documents single-quoted strings only (§4.6
//     "String literals in single quotes"; every example in §C.2 uses them);
//     in SQL "…" quotes an identifier, so " is not accepted at all.
//   - A number is an optional -, digits, an optional fraction (. and
//     digits) and an optional exponent (e or E, an optional sign, digits):
//     -1, 22, 100.0, 1.5E10. Unquoted numbers are observed (`= 22`, §C.3
//     "Booleans, numbers"); the fraction covers float properties and the
//     exponent the way AWS renders large doubles (Java Double.toString,
//     §B.3). A leading + or . is not accepted.
//   - The operators are = != <> < <= > >=. <> is accepted as the SQL
//     spelling of != (§C.10), and canonicalised to != (OpNe).

// scanner splits an expression into tokens.
type scanner struct {
	src string
	off int // byte offset of the next character
	pos pos // position of the next character
}

func newScanner(src string) *scanner {
	return &scanner{src: src, pos: pos{1, 1}}
}

// scanAll returns the tokens of src up to and including the first tokEOF or
// tokIllegal.
func scanAll(src string) []token {
	s := newScanner(src)
	var toks []token
	for {
		t := s.next()
		toks = append(toks, t)
		if t.kind == tokEOF || t.kind == tokIllegal {
			return toks
		}
	}
}

// advance consumes the next character.
func (s *scanner) advance() {
	if s.off >= len(s.src) {
		return
	}
	c := s.src[s.off]
	if c < utf8.RuneSelf {
		s.off++
	} else {
		_, n := utf8.DecodeRuneInString(s.src[s.off:])
		s.off += n
	}
	if c == '\n' {
		s.pos.line++
		s.pos.col = 1
	} else {
		s.pos.col++
	}
}

// peek returns the byte i bytes after the next character's start, or 0 past
// the end.
func (s *scanner) peek(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// next returns the next token; at the end of input it returns tokEOF,
// positioned just past the last character, every time.
func (s *scanner) next() token {
	for s.off < len(s.src) && isSpace(s.src[s.off]) {
		s.advance()
	}
	start, p := s.off, s.pos
	tok := func(k tokenKind, val string) token {
		return token{kind: k, text: s.src[start:s.off], val: val, pos: p, off: start}
	}
	if s.off >= len(s.src) {
		return token{kind: tokEOF, pos: p, off: start}
	}
	c := s.src[s.off]
	switch {
	case isLetter(c):
		for isLetter(s.peek(0)) || isDigit(s.peek(0)) {
			s.advance()
		}
		w := s.src[start:s.off]
		if u := strings.ToUpper(w); keywords[u] {
			return tok(tokKeyword, u)
		}
		return tok(tokIdent, w)
	case isDigit(c) || c == '-' && isDigit(s.peek(1)):
		s.scanNumber()
		t := tok(tokNumber, "")
		t.val = t.text
		return t
	case c == '\'':
		return s.scanString(p)
	}
	s.advance()
	switch c {
	case ',':
		return tok(tokComma, ",")
	case '.':
		return tok(tokDot, ".")
	case '(':
		return tok(tokLParen, "(")
	case ')':
		return tok(tokRParen, ")")
	case '*':
		return tok(tokStar, "*")
	case '=':
		return tok(tokOp, OpEq)
	case '!':
		if s.peek(0) == '=' {
			s.advance()
			return tok(tokOp, OpNe)
		}
	case '<':
		switch s.peek(0) {
		case '=':
			s.advance()
			return tok(tokOp, OpLe)
		case '>':
			s.advance()
			return tok(tokOp, OpNe)
		}
		return tok(tokOp, OpLt)
	case '>':
		if s.peek(0) == '=' {
			s.advance()
			return tok(tokOp, OpGe)
		}
		return tok(tokOp, OpGt)
	}
	t := tok(tokIllegal, "")
	t.val = t.text
	return t
}

// scanNumber consumes a number: -?digits(.digits)?([eE][+-]?digits)?. It
// stops before a "." or "e" that no digit follows, which is then the next
// token.
func (s *scanner) scanNumber() {
	if s.peek(0) == '-' {
		s.advance()
	}
	digits := func() {
		for isDigit(s.peek(0)) {
			s.advance()
		}
	}
	digits()
	if s.peek(0) == '.' && isDigit(s.peek(1)) {
		s.advance()
		digits()
	}
	if e := s.peek(0); e == 'e' || e == 'E' {
		if isDigit(s.peek(1)) {
			s.advance()
			digits()
		} else if (s.peek(1) == '+' || s.peek(1) == '-') && isDigit(s.peek(2)) {
			s.advance()
			s.advance()
			digits()
		}
	}
}

// scanString consumes a string that begins at p; an unterminated one is a
// tokIllegal at its opening quote.
func (s *scanner) scanString(p pos) token {
	start := s.off
	s.advance() // the opening quote
	var b strings.Builder
	from := s.off // start of the run not yet copied to b
	for s.off < len(s.src) {
		if s.src[s.off] != '\'' {
			s.advance()
			continue
		}
		b.WriteString(s.src[from:s.off])
		s.advance()
		if s.peek(0) != '\'' {
			return token{kind: tokString, text: s.src[start:s.off], val: b.String(), pos: p, off: start}
		}
		s.advance() // '' stands for '
		b.WriteByte('\'')
		from = s.off
	}
	return token{kind: tokIllegal, text: s.src[start:], val: s.src[start:], pos: p, off: start}
}
