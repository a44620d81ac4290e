package shape

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/apierr"
)

// Empty is the input or output of an operation that has no modeled shape.
// It encodes as {}.
type Empty struct{}

// Validatable is implemented by every generated structure.
type Validatable interface {
	Validate() error
}

// Handler decodes, validates and runs one operation. It returns the output
// value to encode, or an error (an *apierr.Error for anything the client
// should see).
type Handler func(ctx context.Context, body []byte) (any, error)

// Handle adapts a typed operation method to a Handler: it decodes the body
// into a new In (SerializationException on failure), validates it against
// the model (ValidationException), then calls fn. A nil output encodes as {}.
func Handle[In, Out any](fn func(context.Context, *In) (*Out, error)) Handler {
	names := newMemberChecker(reflect.TypeFor[In]())
	return func(ctx context.Context, body []byte) (any, error) {
		in, err := decodeValid[In](body, names)
		if err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return Empty{}, nil
		}
		return out, nil
	}
}

// RawJSON is an operation's output already encoded as its JSON body. The
// response writer sends it as it is, without encoding it again.
type RawJSON []byte

// RawJSONBody returns the body to send.
func (r RawJSON) RawJSONBody() []byte { return r }

// HandleRaw is Handle for an operation that encodes its own output, so that
// a hot path can send stored JSON without decoding and re-encoding it.
func HandleRaw[In any](fn func(context.Context, *In) (RawJSON, error)) Handler {
	names := newMemberChecker(reflect.TypeFor[In]())
	return func(ctx context.Context, body []byte) (any, error) {
		in, err := decodeValid[In](body, names)
		if err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// decodeValid decodes body into a new In, checking member names with
// names, and validates it.
func decodeValid[In any](body []byte, names *memberChecker) (*In, error) {
	in := new(In)
	if err := decode(body, in, names); err != nil {
		return nil, err
	}
	if v, ok := any(in).(Validatable); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// Decode decodes an awsJson1_1 request body into v. An empty body is read as
// {}. Members v does not know are ignored, so that newer SDKs keep working
// (spec §1.1.5). Anything that is not a JSON object, or a member of the wrong
// JSON type, is a SerializationException; so is a member whose name matches
// a modelled member only when case is ignored.
func Decode(body []byte, v any) error {
	return decode(body, v, newMemberChecker(reflect.TypeOf(v)))
}

func decode(body []byte, v any, names *memberChecker) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		return apierr.Serialization("Expected a JSON object as the request body.")
	}
	// JSON text is UTF-8 (RFC 8259 §8.1); encoding/json would silently
	// replace invalid bytes with U+FFFD and store what the client never sent.
	if !utf8.Valid(body) {
		return apierr.Serialization("Malformed JSON request body: it is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return serializationError(err)
	}
	// Decoder.More is false before a stray '}' or ']', so look at the rest.
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return apierr.Serialization("Unexpected content after the JSON object in the request body.")
	}
	return names.check(body)
}

func serializationError(err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		field := ute.Field
		if field == "" {
			field = "request"
		}
		return apierr.Serialization("Value of type " + ute.Value + " at '" + lowerPath(field) +
			"' cannot be converted to " + goKind(ute.Type) + ".")
	}
	var te *typeError
	if errors.As(err, &te) {
		return apierr.Serialization("Value cannot be converted to a " + te.want + ".")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return apierr.Serialization("Malformed JSON request body: " + se.Error() + ".")
	}
	if errors.Is(err, errUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF") {
		return apierr.Serialization("Malformed JSON request body: unexpected end of input.")
	}
	return apierr.Serialization("Malformed JSON request body.")
}

var errUnexpectedEOF = errors.New("unexpected EOF")

// lowerPath turns encoding/json's dotted Go field path into the model's
// lowerCamel member path.
func lowerPath(p string) string {
	parts := strings.Split(p, ".")
	for i, s := range parts {
		parts[i] = LowerFirst(s)
	}
	return strings.Join(parts, ".")
}

func goKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map:
		return "a map"
	case reflect.Struct:
		if t == reflect.TypeOf(Timestamp{}) {
			return "a timestamp"
		}
		return "a structure"
	}
	return t.String()
}

// LowerFirst lower-cases the first letter of a member name, the way AWS's
// validation messages name members ("ConfigurationAggregatorName" becomes
// "configurationAggregatorName").
func LowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}
