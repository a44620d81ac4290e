package shape

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/apierr"
)

func TestTimestampJSON(t *testing.T) {
	ts := NewTimestamp(time.Date(2018, 2, 6, 18, 41, 1, 442_999_000, time.UTC))
	b, err := json.Marshal(ts)
	if err != nil || string(b) != "1517942461.442" {
		t.Errorf("Marshal = %s, %v; want 1517942461.442", b, err)
	}
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: `1517942461.442`, want: time.UnixMilli(1517942461442)},
		{in: `1517942461`, want: time.Unix(1517942461, 0)},
		{in: `1.517942461442E9`, want: time.UnixMilli(1517942461442)},
		{in: `"1517942461.442"`, want: time.UnixMilli(1517942461442)},
		{in: `"2018-02-06T18:41:01.442Z"`, want: time.UnixMilli(1517942461442)},
		{in: `"yesterday"`, bad: true},
		{in: `true`, bad: true},
	}
	for _, tt := range tests {
		var got Timestamp
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.bad {
			if err == nil {
				t.Errorf("Unmarshal(%s) = %v; want an error", tt.in, got.Time)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tt.in, got.Time, err, tt.want)
		}
	}
}

type sample struct {
	Name  *string    `json:"Name,omitempty"`
	Limit *int32     `json:"Limit,omitempty"`
	List  []string   `json:"List,omitempty"`
	When  *Timestamp `json:"When,omitempty"`
}

func (s *sample) CheckConstraints() Validator {
	var v Validator
	if s.Name == nil {
		v.Null("name")
	}
	return v
}

func TestHandle(t *testing.T) {
	h := Handle(func(_ context.Context, in *sample) (*sample, error) { return in, nil })
	tests := []struct {
		name string
		body string
		code string
		msg  string
	}{
		{name: "ok", body: `{"Name":"a","Limit":3,"Unknown":{"x":[1]}}`},
		{name: "empty body is {}", body: ``, code: "ValidationException", msg: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{name: "not JSON", body: `nope`, code: "SerializationException"},
		{name: "array", body: `[1]`, code: "SerializationException"},
		{name: "truncated", body: `{"Name":"a"`, code: "SerializationException", msg: "Malformed JSON request body: unexpected end of input."},
		{name: "two objects", body: `{"Name":"a"}{}`, code: "SerializationException"},
		{name: "string for integer", body: `{"Name":"a","Limit":"3"}`, code: "SerializationException", msg: "Value of type string at 'limit' cannot be converted to an integer."},
		{name: "integer overflow", body: `{"Name":"a","Limit":99999999999}`, code: "SerializationException"},
		{name: "object for list", body: `{"Name":"a","List":{}}`, code: "SerializationException", msg: "Value of type object at 'list' cannot be converted to a list."},
		{name: "bad timestamp", body: `{"Name":"a","When":"soon"}`, code: "SerializationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h(context.Background(), []byte(tt.body))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("handler = %v", err)
				}
				if s := out.(*sample); *s.Name != "a" || *s.Limit != 3 {
					t.Errorf("decoded %+v", s)
				}
				return
			}
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("handler error = %v; want %s", err, tt.code)
			}
			if tt.msg != "" && e.Message != tt.msg {
				t.Errorf("message = %q; want %q", e.Message, tt.msg)
			}
		})
	}
	// A nil output is the zero output, so that the response writer still
	// sends the output's lists and maps.
	nilOut := Handle(func(context.Context, *Empty) (*sample, error) { return nil, nil })
	if out, err := nilOut(context.Background(), []byte(`{}`)); err != nil || !reflect.DeepEqual(out, &sample{}) {
		t.Errorf("nil output = %#v, %v; want a zero *sample", out, err)
	}
}

func TestValidatorMessages(t *testing.T) {
	var v Validator
	v.Length("name", strings.Repeat("é", 3), 4, 10)
	v.Length("name", "😀😀", 0, 3) // 4 UTF-16 code units
	v.Range("limit", 101, 0, true, 100, true)
	v.Enum("status", "BOGUS", []string{"A", "B"})
	v.Size("list", 2, 0, 1, Strings([]string{"x", "y"}))
	err := v.Err().(*apierr.Error)
	want := "5 validation errors detected: " +
		"Value 'ééé' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 4; " +
		"Value '😀😀' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3; " +
		"Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100; " +
		"Value 'BOGUS' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [A, B]; " +
		"Value '[x, y]' at 'list' failed to satisfy constraint: Member must have length less than or equal to 1"
	if err.Code != "ValidationException" || err.Message != want {
		t.Errorf("Err() = %s %q;\nwant ValidationException %q", err.Code, err.Message, want)
	}
	var vs Violations
	if !errors.As(err, &vs) || len(vs) != 5 || vs[2].Path != "limit" {
		t.Errorf("violations = %+v; want 5 with paths", vs)
	}
	if (&Validator{}).Err() != nil {
		t.Error("empty Validator.Err() != nil")
	}
}

// TestHandleOpInvalid checks that an operation's answer to an invalid
// request is the InvalidFunc's, called with the operation and every
// violation, and that errors of the operation itself pass unchanged, even
// a ValidationException.
func TestHandleOpInvalid(t *testing.T) {
	var gotOp string
	var gotCount int
	invalid := func(op string, v *Validator) error {
		gotOp, gotCount = op, v.Count()
		return apierr.New("InvalidInputException", v.Violations()[0].Path)
	}
	own := &apierr.Error{Code: "ValidationException", Message: "own", Err: Violations{{Path: "name"}}}
	typed := HandleOp("Typed", invalid, func(_ context.Context, in *sample) (*sample, error) {
		if *in.Name == "own" {
			return nil, own
		}
		return in, nil
	})
	raw := HandleRawOp("Raw", invalid, func(context.Context, *sample) (RawJSON, error) { return RawJSON(`{}`), nil })
	for _, h := range []struct {
		op string
		h  Handler
	}{{"Typed", typed}, {"Raw", raw}} {
		_, err := h.h(context.Background(), []byte(`{}`))
		var e *apierr.Error
		if !errors.As(err, &e) || e.Code != "InvalidInputException" || e.Message != "name" || gotOp != h.op || gotCount != 1 {
			t.Errorf("%s: invalid request = %v (InvalidFunc called for %q with %d violations); want InvalidInputException name for %s, 1",
				h.op, err, gotOp, gotCount, h.op)
		}
	}
	if _, err := typed(context.Background(), []byte(`{"Name":"own"}`)); err != own {
		t.Errorf("the operation's own error = %v; want it unchanged", err)
	}
	if out, err := raw(context.Background(), []byte(`{"Name":"a"}`)); err != nil || string(out.(RawJSON)) != `{}` {
		t.Errorf("raw = %v, %v", out, err)
	}
	// A nil InvalidFunc answers ValidationException.
	_, err := HandleOp[sample, sample]("Typed", nil, nil)(context.Background(), []byte(`{}`))
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != "ValidationException" {
		t.Errorf("nil InvalidFunc: %v; want ValidationException", err)
	}
}
