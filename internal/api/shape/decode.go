package shape

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/apierr"
)

// Empty is the input or output of an operation that has no modeled shape.
// It encodes as {}.
type Empty struct{}

// Validatable is implemented by the generated structure of every operation
// input.
type Validatable interface {
	// CheckConstraints returns a Validator holding the value's violations
	// of the model's constraints. It returns it by value, so that a valid
	// request costs no allocation.
	CheckConstraints() Validator
}

// Handler decodes, validates and runs one operation. It returns the output
// value to encode, or an error (an *apierr.Error for anything the client
// should see).
type Handler func(ctx context.Context, body []byte) (any, error)

// InvalidFunc returns the error an API answers to a request for operation op
// that broke the model's constraints; v holds the violations (v.Count() > 0).
// A nil InvalidFunc answers v.Err(), the ValidationException most AWS APIs
// send.
type InvalidFunc func(op string, v *Validator) error

// invalid returns the error for a request that failed validation.
func (f InvalidFunc) invalid(op string, v *Validator) error {
	if f == nil {
		return v.Err()
	}
	return f(op, v)
}

// Handle adapts a typed operation method to a Handler: it decodes the body
// into a new In (SerializationException on failure), validates it against
// the model (ValidationException), then calls fn. A nil output encodes as
// the zero Out.
func Handle[In, Out any](fn func(context.Context, *In) (*Out, error)) Handler {
	return HandleOp("", nil, fn)
}

// HandleOp is Handle for operation op of an API whose answer to a request
// that breaks the model's constraints is invalid(op, violations) rather
// than ValidationException.
func HandleOp[In, Out any](op string, invalid InvalidFunc, fn func(context.Context, *In) (*Out, error)) Handler {
	d := newDecoder[In](op, invalid)
	return func(ctx context.Context, body []byte) (any, error) {
		in, err := d.decodeValid(body)
		if err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return new(Out), nil
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
	return HandleRawOp("", nil, fn)
}

// HandleRawOp is HandleOp for an operation that encodes its own output.
func HandleRawOp[In any](op string, invalid InvalidFunc, fn func(context.Context, *In) (RawJSON, error)) Handler {
	d := newDecoder[In](op, invalid)
	return func(ctx context.Context, body []byte) (any, error) {
		in, err := d.decodeValid(body)
		if err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
}

// decoder decodes and validates the requests of one operation.
type decoder[In any] struct {
	op      string
	invalid InvalidFunc
	names   *memberChecker
}

func newDecoder[In any](op string, invalid InvalidFunc) *decoder[In] {
	return &decoder[In]{op: op, invalid: invalid, names: newMemberChecker(reflect.TypeFor[In]())}
}

// decodeValid decodes body into a new In, checking member names, and
// validates it.
func (d *decoder[In]) decodeValid(body []byte) (*In, error) {
	in := new(In)
	if err := decode(body, in, d.names); err != nil {
		return nil, err
	}
	if val, ok := any(in).(Validatable); ok {
		if v := val.CheckConstraints(); v.Count() > 0 {
			return nil, d.fail(v)
		}
	}
	return in, nil
}

// fail returns the error for a request that failed validation. It takes v
// by value so that only a failed request moves it to the heap.
func (d *decoder[In]) fail(v Validator) error {
	return d.invalid.invalid(d.op, &v)
}

// Decode decodes an awsJson1_1 request body into v. An empty body is read as
// {}. Members v does not know are ignored, so that newer SDKs, which may
// send members this model does not know yet, keep working. Anything that is
// not a JSON object, or a member of the wrong JSON type, is a
// SerializationException; so is a member whose name matches a modelled
// member only when case is ignored.
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
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return apierr.Serialization("Malformed JSON request body: unexpected end of input.")
	}
	return apierr.Serialization("Malformed JSON request body.")
}

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
