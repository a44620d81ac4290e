package main

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// commentWidth is the width doc comments are wrapped at, not counting
// indentation and the leading "// ".
const commentWidth = 76

// cleanDoc turns model documentation (HTML) into plain text: tags are
// removed (block-level ones leave a space so that paragraphs do not run
// together), entities are decoded and runs of white space collapse to one
// space.
func cleanDoc(doc string) string {
	var b strings.Builder
	for doc != "" {
		i := strings.IndexByte(doc, '<')
		if i < 0 {
			b.WriteString(doc)
			break
		}
		b.WriteString(doc[:i])
		j := strings.IndexByte(doc[i:], '>')
		if j < 0 { // a stray '<': keep it as text
			b.WriteString(doc[i:])
			break
		}
		if isBlockTag(doc[i+1 : i+j]) {
			b.WriteByte(' ')
		}
		doc = doc[i+j+1:]
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// isBlockTag reports whether the tag (the text between '<' and '>')
// separates words, as <p> or <li> do, rather than marking up text inside a
// sentence, as <code> or <a> do.
func isBlockTag(tag string) bool {
	tag = strings.TrimPrefix(tag, "/")
	name, _, _ := strings.Cut(tag, " ")
	switch strings.ToLower(strings.TrimSuffix(name, "/")) {
	case "a", "b", "i", "code", "em", "strong", "u":
		return false
	}
	return true
}

// firstSentence returns the first sentence of plain text: everything up to
// the first '.', '?' or '!' that is followed by white space and then not
// by a lower-case letter, and that does not end a common abbreviation.
func firstSentence(text string) string {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		if i+1 < len(text) && text[i+1] != ' ' {
			continue
		}
		if c == '.' && endsWithAbbreviation(text[:i+1]) {
			continue
		}
		next, _ := utf8.DecodeRuneInString(strings.TrimLeft(text[i+1:], " "))
		if unicode.IsLower(next) {
			continue
		}
		return text[:i+1]
	}
	return text
}

// endsWithAbbreviation reports whether the last word of s is a common
// abbreviation, whose period does not end a sentence.
func endsWithAbbreviation(s string) bool {
	word := s[strings.LastIndexByte(s, ' ')+1:]
	switch strings.ToLower(strings.TrimLeft(word, "(\"'")) {
	case "e.g.", "i.e.", "etc.", "vs.", "inc.", "approx.", "no.":
		return true
	}
	return false
}

// summary is the first sentence of model documentation as plain text, or
// fallback if there is none.
func summary(doc, fallback string) string {
	if s := firstSentence(cleanDoc(doc)); s != "" {
		return s
	}
	return fallback
}

// wrap splits text into lines of at most width bytes, breaking at spaces
// (a single longer word gets a line of its own). Lines are never indented,
// so gofmt never reads them as code blocks or lists.
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// comment renders text as a // comment, wrapped, each line prefixed with
// indent.
func comment(indent, text string) string {
	var b strings.Builder
	for _, l := range wrap(text, commentWidth) {
		b.WriteString(indent + "// " + l + "\n")
	}
	return b.String()
}
