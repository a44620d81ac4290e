package main

import (
	"fmt"
	"strings"
)

// genErrors renders errors.go: a code constant and a constructor per
// exception shape.
func (g *generator) genErrors(st *stats) *file {
	f := newFile("errors.go")
	for _, name := range g.shapesWhere(isException) {
		g.genError(f, g.model.Shapes[name])
		st.Errors++
	}
	return f
}

// genError renders the code constant and constructor of one exception.
// Exceptions that model a capitalised "Message" member (Organizations')
// send their message under that key; those with a "Reason" member take
// the reason as their first argument. Other members (such as
// Organizations' TooManyRequestsException Type) are not set.
func (g *generator) genError(f *file, s *Shape) {
	f.use(apierrImport)
	code, fn := g.errCode[s.Name], g.errFunc[s.Name]
	f.printf("%sconst %s = %q\n\n", comment("", fmt.Sprintf("%s is the error code of %s.", code, s.Name)), code, s.Name)
	doc := summary(s.Documentation, "")
	f.printf("%s", comment("", fmt.Sprintf("%s returns %s %s. %s", fn, article(s.Name), s.Name, doc)))
	capital := s.HasMember("Message")
	switch {
	case s.HasMember("Reason"):
		f.printf("func %s(reason, message string) *apierr.Error {\n", fn)
		f.printf("return &apierr.Error{Code: %s, Message: message, CapitalMessage: %t, Fields: map[string]string{\"Reason\": reason}}\n}\n\n", code, capital)
	case capital:
		f.printf("func %s(message string) *apierr.Error {\n", fn)
		f.printf("return &apierr.Error{Code: %s, Message: message, CapitalMessage: true}\n}\n\n", code)
	default:
		f.printf("func %s(message string) *apierr.Error {\nreturn apierr.New(%s, message)\n}\n\n", fn, code)
	}
}

// article is the indefinite article for a word: "an" before a vowel.
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
