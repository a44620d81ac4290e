package shape

import (
	"errors"
	"testing"

	"github.com/starlingcfg/starling/internal/apierr"
)

type inner struct {
	Key   *string `json:"Key,omitempty"`
	RoleX *string `json:"roleARN,omitempty"`
}

type outer struct {
	Name  *string          `json:"Name,omitempty"`
	Limit *int32           `json:"Limit,omitempty"`
	Items []inner          `json:"Items,omitempty"`
	One   *inner           `json:"One,omitempty"`
	ByKey map[string]inner `json:"ByKey,omitempty"`
	When  *Timestamp       `json:"When,omitempty"`
}

func TestMemberChecker(t *testing.T) {
	tests := []struct {
		name string
		body string
		bad  string // the offending member, "" when the body is fine
	}{
		{"exact names", `{"Name":"a","Limit":1,"Items":[{"Key":"k","roleARN":"r"}],"One":{"Key":"k"},"When":1}`, ""},
		{"unknown members are ignored", `{"Name":"a","Future":{"limit":[1,{"x":null}]},"Items":[{"NewField":true}]}`, ""},
		{"map keys are data, not members", `{"ByKey":{"name":{"Key":"v"},"LIMIT":{}}}`, ""},
		{"escaped exact name", `{"\u004cimit":1}`, ""},
		{"strings that look like names", `{"Name":"limit","Items":[{"Key":"\"name\":1"}]}`, ""},
		{"top-level case", `{"limit":1}`, "limit"},
		{"escaped case", `{"\u006cimit":1}`, "limit"},
		{"inside a list element", `{"Items":[{"Key":"k"},{"key":"k"}]}`, "key"},
		{"inside a nested structure", `{"One":{"RoleARN":"r"}}`, "RoleARN"},
		{"inside a map value", `{"ByKey":{"a":{"KEY":"v"}}}`, "KEY"},
		{"Kelvin sign folds to K", `{"One":{"\u212aey":"v"}}`, "\u212aey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v outer
			err := Decode([]byte(tt.body), &v)
			if tt.bad == "" {
				if err != nil {
					t.Fatalf("Decode(%s) = %v; want success", tt.body, err)
				}
				return
			}
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != "SerializationException" || e.Message[:len("Member '"+tt.bad+"'")] != "Member '"+tt.bad+"'" {
				t.Errorf("Decode(%s) = %v; want SerializationException naming %q", tt.body, err, tt.bad)
			}
		})
	}
}
