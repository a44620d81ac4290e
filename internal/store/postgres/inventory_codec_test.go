package postgres

import (
	"encoding/json"
	"errors"
	"maps"
	"testing"
)

// tagsDocs are tags columns: jsonb's text, and others, which
// invDecodeTags must decode as encoding/json does, or refuse as it does.
var tagsDocs = []string{
	`{}`,
	` { } `,
	`{"Name": "web-1"}`,
	`{"Name": "web-1", "team": "ops", "": "", "ünï": "cödé"}`,
	"{\n\t\"a\" :\r\"b\" ,\"c\":\"d\"}",
	`{"a": "1", "a": "2"}`, // the last of a key given twice
	`{"q\"": "x"}`,         // an escape: encoding/json's
	`{"a": "\u00e9\n"}`,    // likewise
	"{\"a\": \"\xff\"}",    // invalid UTF-8 becomes U+FFFD
	"{\"a\": \"x\x01\"}",   // a control character: refused
	`{"a": 1}`,             // not a string: refused
	`{"a": null}`,          // not a string: encoding/json's
	`{"a": "b"`, `{"a" "b"}`, `{"a": "b",}`, `{,}`, `[]`, `"a"`, `{"a": "b"} x`, `{"a": "b"}}`, ``,
}

func TestInvDecodeTags(t *testing.T) {
	for _, doc := range tagsDocs {
		checkDecodeTags(t, doc)
	}
	// The documents of jsonb's form take the plain path.
	for _, doc := range []string{`{}`, `{"Name": "web-1", "team": "ops", "": "", "ünï": "cödé"}`} {
		if _, ok := invDecodePlainTags([]byte(doc)); !ok {
			t.Errorf("invDecodePlainTags(%s): not plain", doc)
		}
	}
}

// checkDecodeTags checks that invDecodeTags decodes doc as encoding/json
// does, and refuses it when encoding/json does.
func checkDecodeTags(t *testing.T, doc string) {
	t.Helper()
	got, err := invDecodeTags([]byte(doc))
	if doc == "" {
		if got != nil || err != nil {
			t.Errorf("invDecodeTags of nothing: %v, %v", got, err)
		}
		return
	}
	var want map[string]string
	if jerr := json.Unmarshal([]byte(doc), &want); jerr != nil {
		if !errors.Is(err, errInvCodec) {
			t.Errorf("invDecodeTags(%q) = %v, %v; want errInvCodec (encoding/json: %v)", doc, got, err, jerr)
		}
		return
	}
	if err != nil || !maps.Equal(got, want) || (got == nil) != (want == nil) {
		t.Errorf("invDecodeTags(%q) = %#v, %v; want %#v", doc, got, err, want)
	}
}

func FuzzInvDecodeTags(f *testing.F) {
	for _, doc := range tagsDocs {
		f.Add(doc)
	}
	f.Fuzz(checkDecodeTags)
}
