package jsonstr

import (
	"encoding/json"
	"testing"
)

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		st   Style
		want string
	}{
		{"plain text", "abc", Plain, `"abc"`},
		{"quotes and backslashes", `a"b\c`, Plain, `"a\"b\\c"`},
		{"named controls", "a\nb\rc\td", Plain, `"a\nb\rc\td"`},
		{"other controls", "\x01\b\f", Plain, `"\u0001\u0008\u000c"`},
		{"Gson names \\b and \\f", "\b\f", Gson, `"\b\f"`},
		{"plain leaves html", "<a>&b='c'", Plain, `"<a>&b='c'"`},
		{"html safe", "<a>&b='c'", HTMLSafe, `"\u003ca\u003e\u0026b='c'"`},
		{"Gson", "<a>&b='c'", Gson, `"\u003ca\u003e\u0026b\u003d\u0027c\u0027"`},
		{"invalid utf-8", "a\xffb", Plain, `"a\ufffdb"`},
		{"line separators kept plain", "a\u2028b", Plain, "\"a\u2028b\""},
		{"line separators escaped", "a\u2028b\u2029", HTMLSafe, `"a\u2028b\u2029"`},
		{"multibyte", "é漢", Gson, `"é漢"`},
	} {
		if got := string(Append(nil, tc.s, tc.st)); got != tc.want {
			t.Errorf("%s: Append(%q) = %s, want %s", tc.name, tc.s, got, tc.want)
		}
	}
}

// TestHTMLSafeIsEncodingJSON checks HTMLSafe against encoding/json.
func TestHTMLSafeIsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "a\"\\\n\r\t\x00\x1f<>&", "\b\f\x7f", "\u2028\u2029x", "a\xffb\xc3", "é漢\U0001F600"} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := Append(nil, s, HTMLSafe); string(got) != string(want) {
			t.Errorf("Append(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}
