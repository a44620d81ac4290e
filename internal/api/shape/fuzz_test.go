package shape_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
)

// fuzzOp is one request type under fuzzing: Handle around an operation that
// does nothing but report the input it was given.
type fuzzOp struct {
	name string
	// handler runs shape.Handle for the type; got is the input the
	// operation received, nil if it was not called.
	handler func(body []byte) (out any, got any, err error)
	// decode decodes body into a new value of the type, without Handle.
	decode func(body []byte) (any, error)
}

func opFor[In any](name string) fuzzOp {
	return fuzzOp{
		name: name,
		handler: func(body []byte) (any, any, error) {
			var got *In
			calls := 0
			h := shape.Handle(func(_ context.Context, in *In) (*shape.Empty, error) {
				calls++
				got = in
				return nil, nil
			})
			out, err := h(context.Background(), body)
			if calls > 1 {
				panic(fmt.Sprintf("%s: the operation ran %d times", name, calls))
			}
			if got == nil {
				return out, nil, err
			}
			return out, got, err
		},
		decode: func(body []byte) (any, error) {
			in := new(In)
			err := shape.Decode(body, in)
			return in, err
		},
	}
}

// fuzzOps are the request types fuzzed: every input shape of the aggregator,
// recorder, channel and tagging operations, and one of Organizations.
var fuzzOps = []fuzzOp{
	opFor[configapi.PutConfigurationAggregatorRequest]("PutConfigurationAggregator"),
	opFor[configapi.PutConfigurationRecorderRequest]("PutConfigurationRecorder"),
	opFor[configapi.PutDeliveryChannelRequest]("PutDeliveryChannel"),
	opFor[configapi.TagResourceRequest]("TagResource"),
	opFor[configapi.DescribeConfigurationAggregatorSourcesStatusRequest]("DescribeConfigurationAggregatorSourcesStatus"),
	opFor[configapi.DescribeConfigurationAggregatorsRequest]("DescribeConfigurationAggregators"),
	opFor[orgapi.InviteAccountToOrganizationRequest]("InviteAccountToOrganization"),
	opFor[orgapi.ListCreateAccountStatusRequest]("ListCreateAccountStatus"),
}

// memberNames returns the JSON member names of struct type t.
func memberNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// validationCount reads N from "N validation error(s) detected: ...".
func validationCount(msg string) (int, bool) {
	n, rest, ok := strings.Cut(msg, " ")
	if !ok {
		return 0, false
	}
	count, err := strconv.Atoi(n)
	switch {
	case err != nil:
		return 0, false
	case count == 1:
		return 1, strings.HasPrefix(rest, "validation error detected: ")
	default:
		return count, count > 1 && strings.HasPrefix(rest, "validation errors detected: ")
	}
}

// FuzzDecodeValidate feeds arbitrary bodies to shape.Handle for several
// generated request types. Invariants: the operation runs exactly when
// decoding and validation pass; otherwise the error is an *apierr.Error,
// a 400 client fault, SerializationException or ValidationException, and a
// ValidationException counts its violations correctly. An accepted input
// re-encodes to JSON that decodes and validates again to the same value
// (encoding is a fixed point after one round).
//
//	go test -run '^$' -fuzz FuzzDecodeValidate -fuzztime 60s ./internal/api/shape
func FuzzDecodeValidate(f *testing.F) {
	seeds := []struct {
		op   int
		body string
	}{
		// Requests as the AWS SDKs send them.
		{0, `{"ConfigurationAggregatorName":"MyAggregator","AccountAggregationSources":[{"AccountIds":["111111111111","222222222222"],"AllAwsRegions":true}],"Tags":[{"Key":"env","Value":"test"}]}`},
		{0, `{"ConfigurationAggregatorName":"org","OrganizationAggregationSource":{"RoleArn":"arn:aws:iam::100000000001:role/ConfigOrgRole","AwsRegions":["us-east-1","eu-west-1"]},"AggregatorFilters":{"ResourceFilters":{"Type":"INCLUDE","Value":["AWS::EC2::Instance"]}}}`},
		{1, `{"ConfigurationRecorder":{"name":"default","roleARN":"arn:aws:iam::111111111111:role/config","recordingGroup":{"allSupported":false,"includeGlobalResourceTypes":false,"resourceTypes":["AWS::EC2::Instance","AWS::S3::Bucket"],"recordingStrategy":{"useOnly":"INCLUSION_BY_RESOURCE_TYPES"}},"recordingMode":{"recordingFrequency":"DAILY","recordingModeOverrides":[{"description":"x","resourceTypes":["AWS::EC2::Instance"],"recordingFrequency":"CONTINUOUS"}]}},"Tags":[{"Key":"k","Value":"v"}]}`},
		{2, `{"DeliveryChannel":{"name":"default","s3BucketName":"config-bucket","s3KeyPrefix":"config/logs","snsTopicARN":"arn:aws:sns:us-east-1:111111111111:t","configSnapshotDeliveryProperties":{"deliveryFrequency":"Six_Hours"}}}`},
		{3, `{"ResourceArn":"arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-abcdefgh","Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}]}`},
		{4, `{"ConfigurationAggregatorName":"agg","UpdateStatus":["FAILED","SUCCEEDED"],"NextToken":"abc.def","Limit":10}`},
		{5, `{"ConfigurationAggregatorNames":["a","b"],"Limit":1}`},
		{6, `{"Target":{"Id":"210000000002","Type":"ACCOUNT"},"Notes":"Welcome aboard"}`},
		{7, `{"States":["SUCCEEDED","FAILED"],"MaxResults":2}`},
		// Hostile ones.
		{0, ``},
		{0, `{}`},
		{0, `null`},
		{0, `[]`},
		{0, `"x"`},
		{0, `123`},
		{0, `{} {}`},
		{0, `{}}`},
		{0, `{"ConfigurationAggregatorName":null}`},
		{0, `{"ConfigurationAggregatorName":"a","ConfigurationAggregatorName":"b c"}`},
		{0, `{"configurationaggregatorname":"lower"}`},
		{0, "{\"ConfigurationAggregatorName\":\"\xff\xfe\"}"},
		{0, `{"ConfigurationAggregatorName":"\ud800"}`},
		{0, `{"AccountAggregationSources":[null],"Tags":[null,{}]}`},
		{0, `{"AccountAggregationSources":{"a":1}}`},
		{0, `{"AccountAggregationSources":[{"AccountIds":[1],"AllAwsRegions":"true"}]}`},
		{0, `{"ConfigurationAggregatorName":7}`},
		{4, `{"Limit":1.5}`},
		{4, `{"Limit":1e30}`},
		{4, `{"Limit":2147483648}`},
		{4, `{"Limit":-1}`},
		{4, `{"Limit":9223372036854775807}`},
		{5, `{"ConfigurationAggregatorNames":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`},
		{5, `{"X":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat("}", 200) + `}`},
		{6, `{"Target":{"Id":null,"Type":null}}`},
		{7, `{"States":["DONE"],"MaxResults":0}`},
	}
	for _, s := range seeds {
		f.Add(uint8(s.op), []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := fuzzOps[int(which)%len(fuzzOps)]
		out, got, err := op.handler(body)
		if err != nil {
			if got != nil {
				t.Fatalf("%s(%q): the operation ran, then Handle failed with %v", op.name, body, err)
			}
			var e *apierr.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s(%q) error = %T %v; want *apierr.Error", op.name, body, err, err)
			}
			if e.HTTPStatus() != 400 || e.Fault != apierr.Client || e.Message == "" {
				t.Fatalf("%s(%q) error = %d %s fault %d %q; want a 400 client fault with a message", op.name, body, e.HTTPStatus(), e.Code, e.Fault, e.Message)
			}
			switch e.Code {
			case "SerializationException":
			case "ValidationException":
				var vs shape.Violations
				if !errors.As(e.Err, &vs) || len(vs) == 0 {
					t.Fatalf("%s(%q) ValidationException without violations: %q", op.name, body, e.Message)
				}
				if n, ok := validationCount(e.Message); !ok || len(vs) != min(n, shape.MaxViolations) {
					t.Fatalf("%s(%q) message %q counts %d with %d violations listed; want the count, listing at most %d", op.name, body, e.Message, n, len(vs), shape.MaxViolations)
				}
			default:
				t.Fatalf("%s(%q) error code = %s; want SerializationException or ValidationException", op.name, body, e.Code)
			}
			return
		}
		if got == nil {
			t.Fatalf("%s(%q) succeeded without running the operation", op.name, body)
		}
		if e, ok := out.(*shape.Empty); !ok || e == nil {
			t.Fatalf("%s(%q) output = %#v; want a *shape.Empty for a nil result", op.name, body, out)
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] != '{' {
			t.Fatalf("%s(%q) accepted a body that is not a JSON object", op.name, body)
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && !json.Valid(trimmed) {
			t.Fatalf("%s(%q) accepted a body that is not valid JSON", op.name, body)
		}
		// Round trip: the accepted value re-encodes to JSON that decodes and
		// validates again, and encodes the same way a second time.
		first, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%s(%q): encoding the accepted input: %v", op.name, body, err)
		}
		_, again, err := op.handler(first)
		if err != nil {
			t.Fatalf("%s(%q) accepted; its re-encoding %s is refused: %v", op.name, body, first, err)
		}
		second, err := json.Marshal(again)
		if err != nil {
			t.Fatalf("%s(%q): encoding the re-decoded input: %v", op.name, body, err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("%s(%q) re-encodes as\n %s\nthen as\n %s", op.name, body, first, second)
		}
		// Member names bind case-sensitively, as AWS binds them.
		var members map[string]json.RawMessage
		if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &members) == nil {
			names := memberNames(reflect.TypeOf(got).Elem())
			for key := range members {
				for _, name := range names {
					if key != name && strings.EqualFold(key, name) {
						t.Fatalf("%s(%q) accepted member %q for %q", op.name, body, key, name)
					}
				}
			}
		}
		// Decode alone agrees with Handle.
		if _, err := op.decode(body); err != nil {
			t.Fatalf("%s(%q): Handle accepted what Decode refuses: %v", op.name, body, err)
		}
	})
}

// TestDecode_Hostile pins what FuzzDecodeValidate found, and the other
// hostile bodies the decoder refuses.
func TestDecode_Hostile(t *testing.T) {
	const (
		trailing  = "Unexpected content after the JSON object in the request body."
		notUTF8   = "Malformed JSON request body: it is not valid UTF-8."
		caseNames = "member names are case-sensitive."
	)
	tests := []struct {
		name string
		body string
		msg  string // SerializationException message, or its end
	}{
		// Found by the fuzzer: Decoder.More is false before '}' and ']', and
		// encoding/json binds member names ignoring case.
		{"stray brace after a member in the wrong case", `{"ConfigurAtionAggregAtorNAme":"0"}}`, trailing},
		{"stray brace", `{}}`, trailing},
		{"stray bracket", `{} ]`, trailing},
		{"invalid UTF-8 in a value", "{\"ConfigurationAggregatorName\":\"a\xff\"}", notUTF8},
		{"invalid UTF-8 in an unknown member name", "{\"\xc0\":1}", notUTF8},
		{"encoded surrogate", "{\"ConfigurationAggregatorName\":\"\xed\xa0\x80\"}", notUTF8},
		{"member in the wrong case", `{"configurationAggregatorName":"a"}`, "Member 'configurationAggregatorName' is not 'ConfigurationAggregatorName': " + caseNames},
		{"case variant after the member", `{"ConfigurationAggregatorName":"a","CONFIGURATIONAGGREGATORNAME":"b"}`, "Member 'CONFIGURATIONAGGREGATORNAME' is not 'ConfigurationAggregatorName': " + caseNames},
		{"Kelvin sign for K", `{"ConfigurationAggregatorName":"a","Tags":[{"\u212aey":"k"}]}`, "Member '\u212aey' is not 'Key': " + caseNames},
		{"long s for s", `{"ConfigurationAggregatorName":"a","Tag\u017f":[]}`, "Member 'Tag\u017f' is not 'Tags': " + caseNames},
		{"nested in a list", `{"AccountAggregationSources":[{"AccountIds":["111111111111"]},{"accountIds":[]}]}`, "Member 'accountIds' is not 'AccountIds': " + caseNames},
		{"nested in a structure", `{"OrganizationAggregationSource":{"roleArn":"r"}}`, "Member 'roleArn' is not 'RoleArn': " + caseNames},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in configapi.PutConfigurationAggregatorRequest
			err := shape.Decode([]byte(tt.body), &in)
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != "SerializationException" || e.Message != tt.msg {
				t.Errorf("Decode(%q) = %v; want SerializationException %q", tt.body, err, tt.msg)
			}
		})
	}
	// Unknown members stay ignored, and maps keep their keys as sent.
	var in configapi.PutConfigurationAggregatorRequest
	if err := shape.Decode([]byte(`{"ConfigurationAggregatorName":"a","FutureMember":{"x":1},"Tags":[{"Key":"k","Value":"v","Extra":true}]}`), &in); err != nil {
		t.Errorf("unknown members: %v", err)
	}
}

// TestValidator_ManyViolations checks that a request with a violation in
// each element of a long list is counted in full but listed in part.
func TestValidator_ManyViolations(t *testing.T) {
	const n = 5000
	body := `{"ConfigurationAggregatorName":"a","AccountAggregationSources":[{"AllAwsRegions":true,"AccountIds":[` +
		strings.Repeat(`"x",`, n-1) + `"x"]}],"Tags":[` + strings.Repeat(`{"Key":"k"},`, n-1) + `{"Key":"k"}]}`
	_, _, err := fuzzOps[0].handler([]byte(body))
	var e *apierr.Error
	var vs shape.Violations
	if !errors.As(err, &e) || !errors.As(e.Err, &vs) {
		t.Fatalf("error = %v; want a ValidationException", err)
	}
	// n patterns, and the size of the tag list.
	if want := fmt.Sprintf("%d validation errors detected: ", n+1); !strings.HasPrefix(e.Message, want) {
		t.Errorf("message starts %.60q; want %q", e.Message, want)
	}
	if len(vs) != shape.MaxViolations || strings.Count(e.Message, "failed to satisfy constraint") != shape.MaxViolations {
		t.Errorf("%d violations kept, %d listed; want %d", len(vs), strings.Count(e.Message, "failed to satisfy constraint"), shape.MaxViolations)
	}
	if len(e.Message) > 20000 {
		t.Errorf("message has %d bytes", len(e.Message))
	}
	var v shape.Validator
	v.Size("list", n, 0, 1, shape.Structs("Tag", n))
	msg := v.Err().Error()
	if strings.Count(msg, "com.amazonaws.starling.dove.Tag@") != shape.MaxRenderedElements || !strings.Contains(msg, ", ...]'") {
		t.Errorf("a list of %d structures renders %d of them: %.100s…", n, strings.Count(msg, "Tag@"), msg)
	}
}
