package managed

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestDocument(t *testing.T) {
	obj := `{"status":"Enabled"}`
	tests := []struct {
		raw, want string
		err       error
	}{
		{"", "", nil},
		{"  null ", "", nil},
		{obj, obj, nil},
		{" \n" + obj + "\t", obj, nil},
		{jsonString(obj), obj, nil},
		{jsonString(" " + obj + " "), obj, nil},
		{jsonString(jsonString(obj)), obj, nil},
		{jsonString(jsonString(jsonString(obj))), obj, nil},
		{jsonString(jsonString(jsonString(jsonString(obj)))), jsonString(obj), nil}, // maxWrap levels only
		{jsonString("null"), "", nil},
		{`[1]`, `[1]`, nil},
		{`"abc`, "", errEnd},
		{`"a" x`, "", errTrailing},
		{`"\x"`, "", errSyntax},
	}
	for _, tc := range tests {
		got, err := document([]byte(tc.raw))
		if string(got) != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("document(%q) = %q, %v; want %q, %v", tc.raw, got, err, tc.want, tc.err)
		}
	}
}

// collect returns the members of v (name=value, raw) and the iteration's
// error.
func collect(v string) ([]string, error) {
	var out []string
	m := members([]byte(v))
	for m.next() {
		out = append(out, string(m.key)+"="+string(m.val))
	}
	return out, m.end()
}

func TestMembers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{`{}`, nil, nil},
		{` { } `, nil, nil},
		{`null`, nil, nil},
		{`{"a":1,"b":[1,{"c":"]}"}],"d":{"e":null}}`, []string{`a=1`, `b=[1,{"c":"]}"}]`, `d={"e":null}`}, nil},
		{"{ \"a\" :\t\"x\\\"y\" ,\n\"b\":true }", []string{`a="x\"y"`, `b=true`}, nil},
		{`{"a":-1.5e3,"b":false,"c":null}`, []string{`a=-1.5e3`, `b=false`, `c=null`}, nil},
		{`[]`, nil, errNotObject},
		{`"{}"`, nil, errNotObject},
		{`{"a":1`, []string{`a=1`}, errEnd},
		{`{"a":1,}`, []string{`a=1`}, errSyntax},
		{`{"a" 1}`, nil, errSyntax},
		{`{a:1}`, nil, errSyntax},
		{`{"a":1 "b":2}`, []string{`a=1`}, errSyntax},
		{`{"a":[1,2}`, []string{`a=[1,2}`}, errEnd}, // skipped values are only delimited
		{`{"a":"b}`, nil, errEnd},
		{`{"a":x}`, nil, errSyntax},
		{`{"a":1} {}`, []string{`a=1`}, errTrailing},
		{`{,}`, nil, errSyntax},
	}
	for _, tc := range tests {
		got, err := collect(tc.in)
		if !equalStrings(got, tc.want) || !errors.Is(err, tc.err) {
			t.Errorf("members(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestElements(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{`[]`, nil, nil},
		{`[ ]`, nil, nil},
		{`null`, nil, nil},
		{`[1, "a" ,{"b":[2]}]`, []string{`1`, `"a"`, `{"b":[2]}`}, nil},
		{`{}`, nil, errNotArray},
		{`[1,]`, []string{`1`}, errSyntax},
		{`[1 2]`, []string{`1`}, errSyntax},
		{`[,1]`, nil, errSyntax},
	}
	for _, tc := range tests {
		var got []string
		e := elements([]byte(tc.in))
		for e.next() {
			got = append(got, string(e.val))
		}
		if !equalStrings(got, tc.want) || !errors.Is(e.err, tc.err) {
			t.Errorf("elements(%q) = %q, %v; want %q, %v", tc.in, got, e.err, tc.want, tc.err)
		}
	}
}

func TestUnquote(t *testing.T) {
	for _, s := range []string{
		`""`, `"abc"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`, "\"caf\xc3\xa9\"",
	} {
		var want string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, ok := unquote([]byte(s))
		if !ok || string(got) != want {
			t.Errorf("unquote(%s) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{``, `"`, `abc`, `"\x"`, `"\u12"`, `"\u12g4"`, `"a\"`} {
		if got, ok := unquote([]byte(s)); ok {
			t.Errorf("unquote(%s) = %q, true", s, got)
		}
	}
}

// FuzzUnquote checks unquote against encoding/json on valid JSON strings
// of valid UTF-8 (encoding/json replaces invalid bytes with U+FFFD, which
// unquote keeps: rules only compare them).
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"a"`, `"\ud83d\ude00"`, `"\u0000\n"`, `"\\\""`, `"\ud800\u0041"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := unquote(b)
		var want string
		if !utf8.Valid(b) || len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' || json.Unmarshal(b, &want) != nil {
			return
		}
		if !ok || string(got) != want {
			t.Fatalf("unquote(%q) = %q, %v; encoding/json: %q", b, got, ok, want)
		}
	})
}

func TestLeaves(t *testing.T) {
	for _, tc := range []struct {
		v     string
		n     int64
		isInt bool
	}{
		{`22`, 22, true}, {`-1`, -1, true}, {`22.0`, 22, true}, {`"8080"`, 8080, true}, {`2.2e1`, 22, true},
		{`22.5`, 0, false}, {`null`, 0, false}, {`true`, 0, false}, {`"x"`, 0, false}, {`1e300`, 0, false}, {``, 0, false}, {`"`, 0, false},
	} {
		if n, ok := integer([]byte(tc.v)); n != tc.n || ok != tc.isInt {
			t.Errorf("integer(%s) = %d, %v", tc.v, n, ok)
		}
	}
	for v, want := range map[string]bool{`true`: true, `"true"`: true, `"TRUE"`: true, `"Enabled"`: true, `false`: false, `null`: false, `1`: false, `"yes"`: false, `"false"`: false} {
		if got := boolean([]byte(v)); got != want {
			t.Errorf("boolean(%s) = %v", v, got)
		}
	}
	if got := str([]byte(`"a\nb"`)); string(got) != "a\nb" {
		t.Errorf("str = %q", got)
	}
	if got := str([]byte(`12`)); got != nil {
		t.Errorf("str(12) = %q", got)
	}
}
