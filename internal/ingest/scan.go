package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A small JSON scanner of its own: the decoder validates each item once
// with scanValue as it streams the file, then walks the item's members
// without reflection. It accepts exactly the JSON that encoding/json
// accepts (RFC 8259), nested at most maxDepth deep.

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// errIncomplete reports that a value runs past the end of the bytes read so
// far.
var errIncomplete = errors.New("incomplete")

// syntaxError is malformed JSON at an offset of the scanned bytes.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := fmt.Sprintf("%q", string(rune(c)))
	if c >= utf8.RuneSelf {
		s = fmt.Sprintf("%q", string([]byte{c}))
	}
	return "'" + s[1:len(s)-1] + "'"
}

func badChar(i int, c byte, context string) error {
	return &syntaxError{i, "invalid character " + quoteChar(c) + " " + context}
}

// Scanner states.
const (
	stValue = iota // a value is due
	stAfter        // a value has ended
	stKey          // an object key is due
)

// scanValue checks the JSON value starting at b[i] (after any white space)
// and returns the offset just past it: errIncomplete if b ends first, a
// *syntaxError if it is malformed.
func scanValue(b []byte, i int) (int, error) {
	var stack []byte
	state := stValue
	for {
		if state == stAfter && len(stack) == 0 {
			return i, nil
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errIncomplete
		}
		c := b[i]
		switch state {
		case stValue:
			switch {
			case c == '{' || c == '[':
				if len(stack) >= maxDepth {
					return i, &syntaxError{i, "exceeded max depth"}
				}
				j := skipSpace(b, i+1)
				if j >= len(b) {
					return j, errIncomplete
				}
				if c == '{' && b[j] == '}' || c == '[' && b[j] == ']' {
					i, state = j+1, stAfter
					continue
				}
				stack = append(stack, c)
				i = j
				if c == '{' {
					state = stKey
				}
				continue
			case c == '"':
				j, err := scanString(b, i)
				if err != nil {
					return j, err
				}
				i = j
			case c == '-' || c >= '0' && c <= '9':
				j, err := scanNumber(b, i)
				if err != nil {
					return j, err
				}
				i = j
			case c == 't' || c == 'f' || c == 'n':
				lit := "true"
				if c == 'f' {
					lit = "false"
				} else if c == 'n' {
					lit = "null"
				}
				for k := 1; k < len(lit); k++ {
					if i+k >= len(b) {
						return i + k, errIncomplete
					}
					if b[i+k] != lit[k] {
						return i + k, badChar(i+k, b[i+k], "in literal "+lit+" (expecting "+quoteChar(lit[k])+")")
					}
				}
				i += len(lit)
			default:
				return i, badChar(i, c, "looking for beginning of value")
			}
			state = stAfter
		case stAfter:
			top := stack[len(stack)-1]
			switch {
			case c == ',':
				i++
				if top == '{' {
					state = stKey
				} else {
					state = stValue
				}
			case c == '}' && top == '{', c == ']' && top == '[':
				stack = stack[:len(stack)-1]
				i++
			case top == '{':
				return i, badChar(i, c, "after object key:value pair")
			default:
				return i, badChar(i, c, "after array element")
			}
		case stKey:
			if c != '"' {
				return i, badChar(i, c, "looking for beginning of object key string")
			}
			j, err := scanString(b, i)
			if err != nil {
				return j, err
			}
			j = skipSpace(b, j)
			if j >= len(b) {
				return j, errIncomplete
			}
			if b[j] != ':' {
				return j, badChar(j, b[j], "after object key")
			}
			i, state = j+1, stValue
		}
	}
}

// scanString checks the string starting at b[i] == '"' and returns the
// offset past its closing quote.
func scanString(b []byte, i int) (int, error) {
	for i++; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i, errIncomplete
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 2; k < 6; k++ {
					if i+k >= len(b) {
						return i + k, errIncomplete
					}
					if !isHex(b[i+k]) {
						return i + k, badChar(i+k, b[i+k], "in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				return i + 1, badChar(i+1, b[i+1], "in string escape code")
			}
		case c < 0x20:
			return i, badChar(i, c, "in string literal")
		default:
			i++
		}
	}
	return i, errIncomplete
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber checks the number starting at b[i]. A number that reaches
// the end of b is incomplete: more digits may follow.
func scanNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
		if i >= len(b) {
			return i, errIncomplete
		}
		if !isDigit(b[i]) {
			return i, badChar(i, b[i], "in numeric literal")
		}
	}
	if b[i] == '0' {
		i++
	} else {
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i >= len(b) {
		return i, errIncomplete
	}
	if b[i] == '.' {
		i++
		if i >= len(b) {
			return i, errIncomplete
		}
		if !isDigit(b[i]) {
			return i, badChar(i, b[i], "after decimal point in numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i >= len(b) {
			return i, errIncomplete
		}
	}
	if b[i] == 'e' || b[i] == 'E' {
		i++
		if i >= len(b) {
			return i, errIncomplete
		}
		if b[i] == '+' || b[i] == '-' {
			i++
			if i >= len(b) {
				return i, errIncomplete
			}
		}
		if !isDigit(b[i]) {
			return i, badChar(i, b[i], "in exponent of numeric literal")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i >= len(b) {
			return i, errIncomplete
		}
	}
	return i, nil
}

// skipValue returns the offset past the value starting at b[i], which is
// known to be valid JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the offset past the valid string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// members calls fn with each member of the valid object b: its key, as
// written between the quotes, and its value.
func members(b []byte, fn func(key, val []byte) error) error {
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != '}' {
		end := skipString(b, i)
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // past ':'
		vend := skipValue(b, i)
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// elements calls fn with each element of the valid array b.
func elements(b []byte, fn func(i int, val []byte) error) error {
	i := skipSpace(b, 1)
	for n := 0; i < len(b) && b[i] != ']'; n++ {
		vend := skipValue(b, i)
		if err := fn(n, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// keyString decodes a key as members passes it.
func keyString(key []byte) string {
	if bytes.IndexByte(key, '\\') < 0 && utf8.Valid(key) {
		return string(key)
	}
	var s string
	quoted := make([]byte, 0, len(key)+2)
	quoted = append(append(append(quoted, '"'), key...), '"')
	_ = json.Unmarshal(quoted, &s) // valid: scanned before
	return s
}

// reader streams a file's bytes for the scanner.
type reader struct {
	r   io.Reader
	buf []byte // buf[pos:] is read and not yet consumed
	pos int
	off int64 // file offset of buf[0]
	err error // the read error that ended the input (io.EOF at its end)
}

// readChunk is how much a reader asks for at least.
const readChunk = 64 << 10

// more reads at least one more byte, after keeping room for need more;
// false at the end of the input.
func (d *reader) more(need int) bool {
	if d.err != nil {
		return false
	}
	if d.pos > 0 {
		n := copy(d.buf, d.buf[d.pos:])
		d.buf = d.buf[:n]
		d.off += int64(d.pos)
		d.pos = 0
	}
	if want := len(d.buf) + max(need, readChunk); cap(d.buf) < want {
		nb := make([]byte, len(d.buf), want)
		copy(nb, d.buf)
		d.buf = nb
	}
	for {
		n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+n]
		if err != nil {
			d.err = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// peek skips white space and returns the next byte, without consuming it;
// ok is false at the end of the input.
func (d *reader) peek() (c byte, ok bool) {
	for {
		d.pos = skipSpace(d.buf, d.pos)
		if d.pos < len(d.buf) {
			return d.buf[d.pos], true
		}
		if !d.more(0) {
			return 0, false
		}
	}
}

// value reads the next value; its bytes are valid until the next read.
func (d *reader) value(where string) ([]byte, error) {
	if _, ok := d.peek(); !ok {
		return nil, d.endErr(where)
	}
	for {
		end, err := scanValue(d.buf, d.pos)
		if err == errIncomplete {
			if !d.more(len(d.buf) - d.pos) {
				return nil, d.endErr(where)
			}
			continue
		}
		if err != nil {
			return nil, d.syntaxErr(where, err)
		}
		v := d.buf[d.pos:end]
		d.pos = end
		return v, nil
	}
}

func (d *reader) endErr(where string) error {
	if d.err != nil && d.err != io.EOF {
		return fmt.Errorf("ingest: %s: read: %w", where, d.err)
	}
	return fmt.Errorf("ingest: %s: unexpected end of input", where)
}

func (d *reader) syntaxErr(where string, err error) error {
	var se *syntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("ingest: %s: invalid JSON at byte %d: %s", where, d.off+int64(se.off), se.msg)
	}
	return fmt.Errorf("ingest: %s: %w", where, err)
}

// delim consumes the next byte, which must be one of want.
func (d *reader) delim(where, want, context string) (byte, error) {
	c, ok := d.peek()
	if !ok {
		return 0, d.endErr(where)
	}
	if !strings.ContainsRune(want, rune(c)) {
		return 0, d.syntaxErr(where, badChar(d.pos, c, context))
	}
	d.pos++
	return c, nil
}

// kindOf names the JSON type of a value for error messages.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "text that is not JSON (it begins with " + quoteChar(c) + ")"
}
