package managed

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// The rules read the few members they need straight from the JSON text,
// with the small scanner below: it neither allocates (except to unescape a
// string that has escapes, or a document the API form wraps in a JSON
// string) nor builds anything for the members it skips, which is what
// keeps an evaluation within a few microseconds on 3 KB documents.
//
// The scanner checks the syntax of the objects and arrays a rule walks
// through (members, commas, colons, brackets, the end of the document);
// values it skips are only delimited (balanced brackets, terminated
// strings), not validated. Member names match ASCII case-insensitively, as
// with encoding/json. A leaf of an unexpected JSON type reads as absent (a
// string where a boolean is expected is false, …); a container of the
// wrong kind (an array where an object is expected) is an error, which
// rules report as INSUFFICIENT_DATA.

// maxWrap is how many levels of JSON-string encoding document removes: the
// API form encodes supplementary values once, S3's AccessControlList twice
// (config-data-and-query.md §A.3).
const maxWrap = 3

var (
	errEnd       = errors.New("unexpected end of JSON")
	errSyntax    = errors.New("invalid JSON syntax")
	errTrailing  = errors.New("data after the JSON value")
	errNotObject = errors.New("not a JSON object")
	errNotArray  = errors.New("not a JSON array")
)

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// skipSpace returns b without its leading white space.
func skipSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// trimSpace returns b without leading and trailing white space.
func trimSpace(b []byte) []byte {
	b = skipSpace(b)
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// isNull reports whether v is the JSON null.
func isNull(v []byte) bool { return string(v) == "null" }

// stringEnd returns the length of the JSON string token at the start of b
// (b[0] == '"'), or -1 if it is not terminated. Most strings of a CI are
// short (member names, ids), for which a plain loop beats IndexByte.
func stringEnd(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i++
		}
	}
	return -1
}

// containerEnd returns the length of the object or array at the start of
// b, found by balancing brackets outside strings, or -1.
func containerEnd(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// value splits b, which starts with a JSON value, into the value and the
// rest.
func value(b []byte) (v, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, errEnd
	}
	n := -1
	switch c := b[0]; {
	case c == '"':
		n = stringEnd(b)
	case c == '{' || c == '[':
		n = containerEnd(b)
	case c == 't' && bytes.HasPrefix(b, []byte("true")):
		n = 4
	case c == 'f' && bytes.HasPrefix(b, []byte("false")):
		n = 5
	case c == 'n' && bytes.HasPrefix(b, []byte("null")):
		n = 4
	case c == '-' || '0' <= c && c <= '9':
		n = 1
		for n < len(b) && (b[n] >= '0' && b[n] <= '9' || b[n] == '.' || b[n] == 'e' || b[n] == 'E' || b[n] == '+' || b[n] == '-') {
			n++
		}
	default:
		return nil, nil, errSyntax
	}
	if n < 0 {
		return nil, nil, errEnd
	}
	return b[:n], b[n:], nil
}

// document returns the JSON value that raw holds, with surrounding white
// space removed and up to maxWrap levels of string encoding undone: a
// configuration in the API form is a JSON string holding the object, a
// supplementary value may be one (or two) (managed-rules.md §"Rules common
// to all ten", item 3). It is nil when raw is empty or null.
func document(raw []byte) ([]byte, error) {
	raw = trimSpace(raw)
	for i := 0; i < maxWrap && len(raw) > 0 && raw[0] == '"'; i++ {
		v, rest, err := value(raw)
		if err != nil {
			return nil, err
		}
		if len(rest) != 0 {
			return nil, errTrailing
		}
		s, ok := unquote(v)
		if !ok {
			return nil, errSyntax
		}
		raw = trimSpace(s)
	}
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	return raw, nil
}

// memberIter iterates over the members of a JSON object:
//
//	m := members(v)
//	for m.next() {
//		if m.is("name") { … m.val … }
//	}
//	if err := m.end(); err != nil { … }
//
// A null v has no members; any other value that is not an object is
// errNotObject.
type memberIter struct {
	b        []byte // what follows the previous member (or '{')
	key, val []byte // the current member's name (raw, unquoted) and value
	err      error
	first    bool
	done     bool
}

// members returns an iterator over the object v. v may be followed by
// other text, which end reports as errTrailing unless white space.
func members(v []byte) memberIter {
	v = skipSpace(v)
	switch {
	case len(v) >= 4 && isNull(v[:4]):
		return memberIter{b: v[4:], done: true}
	case len(v) == 0 || v[0] != '{':
		return memberIter{done: true, err: errNotObject}
	}
	return memberIter{b: v[1:], first: true}
}

func (m *memberIter) fail(err error) bool {
	m.err, m.done = err, true
	return false
}

// next advances to the next member, and reports whether there is one.
func (m *memberIter) next() bool {
	if m.done {
		return false
	}
	b := skipSpace(m.b)
	if len(b) > 0 && b[0] == '}' && m.first {
		m.b, m.done = b[1:], true
		return false
	}
	if !m.first {
		switch {
		case len(b) > 0 && b[0] == '}':
			m.b, m.done = b[1:], true
			return false
		case len(b) == 0:
			return m.fail(errEnd)
		case b[0] != ',':
			return m.fail(errSyntax)
		}
		b = skipSpace(b[1:])
	}
	m.first = false
	if len(b) == 0 || b[0] != '"' {
		return m.fail(errSyntax)
	}
	n := stringEnd(b)
	if n < 0 {
		return m.fail(errEnd)
	}
	m.key = b[1 : n-1]
	b = skipSpace(b[n:])
	if len(b) == 0 || b[0] != ':' {
		return m.fail(errSyntax)
	}
	v, rest, err := value(skipSpace(b[1:]))
	if err != nil {
		return m.fail(err)
	}
	m.val, m.b = v, rest
	return true
}

// is reports whether the current member's name is name (ASCII
// case-insensitively).
func (m *memberIter) is(name string) bool {
	if len(m.key) != len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if lower(m.key[i]) != lower(name[i]) {
			return false
		}
	}
	return true
}

// end returns the iteration's error, or errTrailing if the object is
// followed by anything but white space. Call it after next returned false.
func (m *memberIter) end() error {
	if m.err != nil {
		return m.err
	}
	if len(skipSpace(m.b)) != 0 {
		return errTrailing
	}
	return nil
}

// elemIter iterates over the elements of a JSON array, like memberIter.
type elemIter struct {
	b     []byte
	val   []byte
	err   error
	first bool
	done  bool
}

// elements returns an iterator over the array v (exactly one value). A
// null v has no elements; any other value that is not an array is
// errNotArray.
func elements(v []byte) elemIter {
	switch {
	case isNull(v):
		return elemIter{done: true}
	case len(v) == 0 || v[0] != '[':
		return elemIter{done: true, err: errNotArray}
	}
	return elemIter{b: v[1:], first: true}
}

func (e *elemIter) fail(err error) bool {
	e.err, e.done = err, true
	return false
}

func (e *elemIter) next() bool {
	if e.done {
		return false
	}
	b := skipSpace(e.b)
	if len(b) > 0 && b[0] == ']' {
		e.done = true
		return false
	}
	if !e.first {
		switch {
		case len(b) == 0:
			return e.fail(errEnd)
		case b[0] != ',':
			return e.fail(errSyntax)
		}
		b = skipSpace(b[1:])
	}
	e.first = false
	v, rest, err := value(b)
	if err != nil {
		return e.fail(err)
	}
	e.val, e.b = v, rest
	return true
}

// unquote returns the content of the JSON string token v, unescaped: a
// subslice of v when it has no escapes, a new slice otherwise. ok is false
// if v is not a string or has an invalid escape.
func unquote(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	s := v[1 : len(v)-1]
	i := bytes.IndexByte(s, '\\')
	if i < 0 {
		return s, true
	}
	out := make([]byte, i, len(s))
	copy(out, s[:i])
	for i < len(s) {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return nil, false
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[i+2:])
			if !ok {
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// A valid pair is two \u escapes; anything else is U+FFFD,
				// as encoding/json decodes it.
				d := utf8.RuneError
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2, ok := hex4(s[i+2:]); ok {
						if d = utf16.DecodeRune(r, r2); d != utf8.RuneError {
							i += 6
						}
					}
				}
				r = d
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return out, true
}

// hex4 parses the 4 hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// str returns the content of the JSON string v, or nil if v is not a
// string (a leaf of another type reads as absent).
func str(v []byte) []byte {
	s, ok := unquote(v)
	if !ok {
		return nil
	}
	return s
}

// strIs reports whether v is the JSON string want (exactly).
func strIs(v []byte, want string) bool {
	s, ok := unquote(v)
	return ok && string(s) == want
}

// boolean is true for JSON true and for the strings "true" and "enabled"
// in any case; any other value reads as false.
func boolean(v []byte) bool {
	if string(v) == "true" {
		return true
	}
	s, ok := unquote(v)
	return ok && (bytes.EqualFold(s, []byte("true")) || bytes.EqualFold(s, []byte("enabled")))
}

// integer returns the integer v holds: a JSON number with no fractional
// part (22, or 22.0 as advanced query renders numbers) or a string holding
// one. ok is false for null, any other value, and values beyond ±2^53.
func integer(v []byte) (int64, bool) {
	if len(v) >= 2 && v[0] == '"' {
		v = v[1 : len(v)-1]
	}
	if len(v) == 0 || len(v) > 32 {
		return 0, false
	}
	if n, ok := parseDigits(v); ok {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// parseDigits parses an optional minus sign and 1 to 15 decimal digits,
// without allocating: the common case of integer.
func parseDigits(b []byte) (int64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// lower returns the ASCII lower case of c.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// configuration returns the item's configuration object. A configuration
// that is absent (empty or null, in an item that is neither deleted nor
// not recorded) or not a JSON object gives the INSUFFICIENT_DATA verdict
// to return, and false.
func configuration(it *inventory.Item) ([]byte, Verdict, bool) {
	doc, err := document(it.Configuration)
	switch {
	case err != nil:
		return nil, insufficient("the configuration", err), false
	case doc == nil:
		return nil, verdict(compliance.InsufficientData, "the configuration is not recorded"), false
	case doc[0] != '{':
		return nil, insufficient("the configuration", errNotObject), false
	}
	return doc, Verdict{}, true
}
