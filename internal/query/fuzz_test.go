package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are *Error
// with a position inside (or just past) the input, and that every tree it
// returns prints to an expression that parses back to the same tree and
// prints the same again.
func FuzzParse(f *testing.F) {
	for _, s := range documentedExamples {
		f.Add(s)
	}
	for _, s := range observedExamples {
		f.Add(s)
	}
	for _, s := range []string{
		"SELECT a WHERE NOT (a = 1 OR b <> -2.5e3) AND c NOT IN ('x''y', TRUE) OR d NOT BETWEEN 1 AND 2",
		"select count(*), a group by a order by count(*) desc, a asc",
		"SELECT a WHERE a LIKE 'abc%' AND b NOT LIKE 'com.amazonaws.%.s3'",
		"SELECT configuration.Order WHERE configuration.from.select = 'é\n'",
		"SELECT a FROM b",
		"SELECT a WHERE b IS NOT NULL",
		"SELECT COUNT(MAX(x))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T %v is not *Error", src, err, err)
			}
			lines := strings.Count(src, "\n") + 1
			if pe.Line < 1 || pe.Line > lines || pe.Column < 1 || pe.Column > len(src)+1 || pe.Msg == "" {
				t.Fatalf("Parse(%q) error %+v is out of the input", src, *pe)
			}
			return
		}
		s := q.String()
		q2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %v; it printed as %q, which does not parse: %v", src, q, s, err)
		}
		if !reflect.DeepEqual(q, q2) {
			t.Fatalf("Parse(%q) printed as %q, which parses to another tree:\n%#v\n%#v", src, s, q, q2)
		}
		if s2 := q2.String(); s2 != s {
			t.Fatalf("printing is not a fixed point: %q, then %q", s, s2)
		}
	})
}
