package main

import (
	"regexp"
	"strconv"
	"strings"
)

// pattern is a model pattern prepared for the generated code.
type pattern struct {
	// Model is the pattern as the model spells it; validation messages
	// quote it.
	Model string
	// Go is the pattern handed to shape.MustCompile: Model itself, or
	// Model with Java-only syntax rewritten. Empty if RE2 cannot compile it.
	Go string
}

// OK reports whether the pattern can be checked.
func (p pattern) OK() bool { return p.Go != "" }

// Translated reports whether the Go pattern differs from the model's.
func (p pattern) Translated() bool { return p.OK() && p.Go != p.Model }

// preparePattern test-compiles a model pattern the way shape.MustCompile
// will. If RE2 rejects it, Java's \uXXXX escapes are rewritten as RE2's
// \x{XXXX} (the only Java-only syntax that has an exact RE2 equivalent) and
// compiling is tried again. A pattern that still fails has an empty Go
// field and is not checked.
func preparePattern(src string) pattern {
	p := pattern{Model: src}
	if compiles(src) {
		p.Go = src
	} else if t := rewriteUnicodeEscapes(src); t != src && compiles(t) {
		p.Go = t
	}
	return p
}

// compiles reports whether RE2 accepts src anchored as shape.MustCompile
// anchors it.
func compiles(src string) bool {
	_, err := regexp.Compile(`^(?:` + src + `)$`)
	return err == nil
}

// rewriteUnicodeEscapes rewrites each Java escape \uXXXX in src as
// \x{XXXX}, leaving escaped backslashes (\\u) alone.
func rewriteUnicodeEscapes(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		if src[i] != '\\' || i+1 >= len(src) {
			b.WriteByte(src[i])
			continue
		}
		if src[i+1] == 'u' && i+6 <= len(src) && isHex(src[i+2:i+6]) {
			b.WriteString(`\x{` + src[i+2:i+6] + `}`)
			i += 5
			continue
		}
		b.WriteString(src[i : i+2]) // any other escape, including \\
		i++
	}
	return b.String()
}

// isHex reports whether s is non-empty and all hexadecimal digits.
func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return s != ""
}

// goString renders s as a Go string literal, as a raw string when it can
// be (patterns read better without doubled backslashes).
func goString(s string) string {
	if !strings.ContainsAny(s, "`\r") && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}
