// Package jsonstr writes Go strings as JSON strings, in the escaping styles
// Starling's hand-written encoders need: plain (PostgreSQL jsonb input),
// encoding/json's HTML-safe style (delivery files), and Gson's (advanced
// query results, as AWS's Java service writes them).
package jsonstr

import "unicode/utf8"

// Style is how a string is escaped besides what JSON requires (quotes,
// backslashes and control characters; \n, \r and \t by name, the others as
// \u00XX). Invalid UTF-8 is always written as \ufffd.
type Style struct {
	// Escape lists the ASCII characters also written as \u00XX.
	Escape string
	// LineSeparators writes U+2028 and U+2029 as \u2028 and \u2029.
	LineSeparators bool
	// ShortBF writes backspace and form feed as \b and \f rather than
	// \u0008 and \u000c.
	ShortBF bool
}

// The styles in use.
var (
	// Plain escapes only what JSON requires.
	Plain = Style{}
	// HTMLSafe is encoding/json's default: <, > and & too, the line
	// separators, and backspace and form feed by name (since Go 1.22).
	HTMLSafe = Style{Escape: "<>&", LineSeparators: true, ShortBF: true}
	// Gson is Gson's JsonWriter with HTML-safe escaping, its default, which
	// adds = and ' (AWS Config advanced query results: "\u003d" in
	// recorded responses).
	Gson = Style{Escape: "<>&='", LineSeparators: true, ShortBF: true}
)

const hex = "0123456789abcdef"

// Append appends s to dst as a JSON string in style st.
func Append(dst []byte, s string, st Style) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && !st.escapes(c) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b' && st.ShortBF:
				dst = append(dst, '\\', 'b')
			case c == '\f' && st.ShortBF:
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case st.LineSeparators && (r == '\u2028' || r == '\u2029'):
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// escapes reports whether st writes the ASCII character c as \u00XX.
func (st Style) escapes(c byte) bool {
	for i := 0; i < len(st.Escape); i++ {
		if st.Escape[i] == c {
			return true
		}
	}
	return false
}
