package eval

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/starlingcfg/starling/internal/query"
)

// TestDecodeMembers checks that decodeMembers gives decode's answer with
// the members not named left out, on the documents where they could part.
func TestDecodeMembers(t *testing.T) {
	names := map[string]bool{"a": true, "n": true}
	for _, raw := range []string{
		`{"a":1,"b":{"c":[1,2]},"n":null}`,
		`{"a":1,"a":{"x":2}}`,  // a duplicate: the last wins
		`{"b":1,"a":[null,1]}`, // nulls dropped inside too
		` {"b":{"a":1}} `,      // a nested a is not a member
		`{"a":1} {"a":2}`,      // trailing data: invalid
		`{"a":1,"b":[}`,        // invalid in a member not read
		`{"a":1,"b":"\ud800"}`, // a lone surrogate: valid, replaced
		`["a"]`,                // not an object
		`"a"`,
		`null`,
		``,
		`{}`,
		`{"\u0061":1,"b":2}`, // an escaped name
		`{"a":{"b":[1,{"c":null}],"d":{}},"n":[[]]}`, // nested values read whole
		`{"x":{"a":1},"a":[{"a":2}],"z":3}`,
		"{\"a\":\"caf\xe9\"}", // invalid UTF-8: valid JSON, replaced
	} {
		want, wantOK := decode(json.RawMessage(raw))
		if m, ok := want.(map[string]any); ok {
			for k := range m {
				if !names[k] {
					delete(m, k)
				}
			}
		}
		got, ok := decodeMembers(json.RawMessage(raw), names)
		if ok != wantOK || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeMembers(%s) = %#v, %v; want %#v, %v", raw, got, ok, want, wantOK)
		}
	}
}

func TestNeedsOf(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want *needs
	}{
		{"SELECT *", &needs{config: map[string]bool{}, sup: map[string]bool{}}},
		{"SELECT *, configuration.a WHERE configuration.b = 'x'", &needs{config: map[string]bool{"a": true, "b": true}, sup: map[string]bool{}}},
		{"SELECT resourceId WHERE configuration.instanceType = 'x' AND NOT (configuration.state.name LIKE 'run%' OR supplementaryConfiguration.P.q BETWEEN 1 AND 2)",
			&needs{config: map[string]bool{"instanceType": true, "state": true}, sup: map[string]bool{"P": true}}},
		{"SELECT configuration, COUNT(*) GROUP BY configuration", &needs{allConfig: true, config: map[string]bool{}, sup: map[string]bool{}}},
		{"SELECT configuration.a.b, MAX(configuration.c) WHERE configuration.d IN ('x') GROUP BY configuration.a.b ORDER BY MAX(configuration.c)",
			&needs{config: map[string]bool{"a": true, "c": true, "d": true}, sup: map[string]bool{}}},
		{"SELECT resourceId ORDER BY configuration.e DESC", &needs{config: map[string]bool{"e": true}, sup: map[string]bool{}}},
		{"SELECT supplementaryConfiguration", &needs{allSup: true, config: map[string]bool{}, sup: map[string]bool{}}},
	} {
		q, err := query.Parse(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := needsOf(q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("needsOf(%s) = %+v, want %+v", tc.expr, got, tc.want)
		}
	}
}
