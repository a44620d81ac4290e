package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	starcfg "github.com/starlingcfg/starling/internal/configservice"
	"github.com/starlingcfg/starling/internal/orgservice"
)

// Targets of the hostile-input tests.
const (
	hostilePut      = "StarlingDoveService.PutConfigurationAggregator"
	hostileDescribe = "StarlingDoveService.DescribeConfigurationAggregators"
	hostileTag      = "StarlingDoveService.TagResource"
	hostileRecorder = "StarlingDoveService.PutConfigurationRecorder"
	hostileListTags = "StarlingDoveService.ListTagsForResource"
	hostileSources  = "StarlingDoveService.DescribeConfigurationAggregatorSourcesStatus"
	hostileRegister = "AWSOrganizationsV20161128.RegisterDelegatedAdministrator"
	hostileAccounts = "AWSOrganizationsV20161128.ListAccounts"
	hostileInvite   = "AWSOrganizationsV20161128.InviteAccountToOrganization"
)

// A valid account source, to complete PutConfigurationAggregator bodies.
const hostileSource = `"AccountAggregationSources":[{"AccountIds":["111111111111"],"AllAwsRegions":true}]`

// Messages of the decoder.
const (
	msgNotObject = "Expected a JSON object as the request body."
	msgTrailing  = "Unexpected content after the JSON object in the request body."
	msgNotUTF8   = "Malformed JSON request body: it is not valid UTF-8."
	msgMalformed = "Malformed JSON request body"
)

// alive fails the test unless the server still answers a normal call.
func (s *server) alive(t *testing.T) {
	t.Helper()
	if r := s.post(t, hostileDescribe, `{}`); r.status != http.StatusOK {
		t.Fatalf("after the hostile request, DescribeConfigurationAggregators = %d %s; want 200", r.status, r.raw)
	}
}

// rawExchange sends request, bytes as they are, on a new connection and
// reads one response.
func (s *server) rawExchange(t *testing.T, request string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("writing the request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// hostileCase is one request that must be refused with a 4xx.
type hostileCase struct {
	name    string
	target  string
	body    string
	headers []string
	status  int
	code    string
	msg     string // the message, or its start when it ends with "…"
	reason  string // Organizations' Reason member
}

func (tc hostileCase) check(t *testing.T, s *server) {
	t.Helper()
	r := s.post(t, tc.target, tc.body, tc.headers...)
	msg := tc.msg
	exact := !strings.HasSuffix(msg, "…")
	msg = strings.TrimSuffix(msg, "…")
	wantRawError(t, r, tc.status, tc.code, "")
	got, _ := r.body["message"].(string)
	if got == "" {
		got, _ = r.body["Message"].(string) // Organizations' member
	}
	if exact && got != msg || !strings.HasPrefix(got, msg) {
		t.Errorf("message = %.300q;\nwant %.300q", got, tc.msg)
	}
	if tc.reason != "" && r.body["Reason"] != tc.reason {
		t.Errorf("Reason = %v; want %s", r.body["Reason"], tc.reason)
	}
	s.alive(t)
}

func runHostile(t *testing.T, s *server, cases []hostileCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, s) })
	}
}

func TestHostile_BodySize(t *testing.T) {
	s := startServer(t, func(c *configOpts) { c.MaxBodyBytes = 4096 })
	const tooLarge = "Request body is larger than 4096 bytes."
	runHostile(t, s, []hostileCase{
		{name: "one byte over", target: hostileDescribe, body: `{"NextToken":"` + strings.Repeat("x", 4096-15) + `"}`,
			status: 413, code: "SerializationException", msg: tooLarge},
		{name: "a megabyte", target: hostilePut, body: `{"ConfigurationAggregatorName":"` + strings.Repeat("x", 1<<20) + `"}`,
			status: 413, code: "SerializationException", msg: tooLarge},
	})
	t.Run("at the limit", func(t *testing.T) {
		body := `{"NextToken":"` + strings.Repeat("x", 4096-16) + `"}`
		if len(body) != 4096 {
			t.Fatalf("body has %d bytes", len(body))
		}
		// Within the limit, the token is read, and refused as a token.
		r := s.post(t, hostileDescribe, body)
		wantRawError(t, r, 400, "InvalidNextTokenException", "The nextToken provided is invalid")
	})
	t.Run("chunked, without Content-Length", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.url+"/", io.MultiReader(strings.NewReader(`{"NextToken":"`), strings.NewReader(strings.Repeat("x", 10000)+`"}`)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", hostileDescribe)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r := do(t, req)
		wantRawError(t, r, 413, "SerializationException", tooLarge)
		s.alive(t)
	})
	t.Run("query protocol", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.url+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15&Pad="+strings.Repeat("x", 5000)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := do(t, req)
		if r.status != 413 || !strings.Contains(r.raw, "<Code>SerializationException</Code>") || !strings.Contains(r.raw, tooLarge) {
			t.Errorf("oversized STS request = %d %s; want 413 with the SerializationException error document", r.status, r.raw)
		}
		s.alive(t)
	})
}

func TestHostile_Bodies(t *testing.T) {
	s := startServer(t)
	nestedArrays := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	nestedObjects := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	put := func(members string) string {
		return `{"ConfigurationAggregatorName":"agg",` + hostileSource + members + `}`
	}
	runHostile(t, s, []hostileCase{
		// Not a JSON object.
		{name: "null", target: hostileDescribe, body: `null`, status: 400, code: "SerializationException", msg: msgNotObject},
		{name: "array", target: hostileDescribe, body: `[]`, status: 400, code: "SerializationException", msg: msgNotObject},
		{name: "string", target: hostileDescribe, body: `"x"`, status: 400, code: "SerializationException", msg: msgNotObject},
		{name: "number", target: hostileDescribe, body: `123`, status: 400, code: "SerializationException", msg: msgNotObject},
		{name: "true", target: hostileDescribe, body: `true`, status: 400, code: "SerializationException", msg: msgNotObject},
		{name: "byte order mark", target: hostileDescribe, body: "\xef\xbb\xbf{}", status: 400, code: "SerializationException", msg: msgNotObject},
		{name: "empty body of an operation with required members", target: hostilePut, body: ``, status: 400, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null"},
		{name: "two objects", target: hostileDescribe, body: `{} {}`, status: 400, code: "SerializationException", msg: msgTrailing},
		{name: "stray closing brace", target: hostileDescribe, body: `{}}`, status: 400, code: "SerializationException", msg: msgTrailing},
		{name: "stray closing bracket", target: hostileDescribe, body: `{"Limit":1}]`, status: 400, code: "SerializationException", msg: msgTrailing},
		{name: "object then null", target: hostileDescribe, body: `{}null`, status: 400, code: "SerializationException", msg: msgTrailing},
		{name: "truncated", target: hostileDescribe, body: `{"Limit":`, status: 400, code: "SerializationException", msg: "Malformed JSON request body: unexpected end of input."},

		// Deep nesting.
		{name: "100000 nested arrays in a member", target: hostileDescribe, body: `{"ConfigurationAggregatorNames":` + nestedArrays + `}`,
			status: 400, code: "SerializationException", msg: "Malformed JSON request body: invalid character '[' exceeded max depth."},
		{name: "100000 nested objects in an unknown member", target: hostileDescribe, body: `{"Future":` + nestedObjects + `}`,
			status: 400, code: "SerializationException", msg: "Malformed JSON request body: invalid character '{' exceeded max depth."},
		{name: "100000 nested arrays in a list of structures", target: hostilePut, body: put(`,"Tags":` + nestedArrays),
			status: 400, code: "SerializationException", msg: "Malformed JSON request body: invalid character '[' exceeded max depth."},

		// Invalid UTF-8: encoding/json would store U+FFFD in its place.
		{name: "invalid UTF-8 in a name", target: hostilePut, body: "{\"ConfigurationAggregatorName\":\"agg\xff\xfe\"," + hostileSource + "}",
			status: 400, code: "SerializationException", msg: msgNotUTF8},
		{name: "invalid UTF-8 in a tag value", target: hostilePut, body: put(",\"Tags\":[{\"Key\":\"k\",\"Value\":\"\xc3\x28\"}]"),
			status: 400, code: "SerializationException", msg: msgNotUTF8},
		{name: "invalid UTF-8 in a tag key", target: hostileTag, body: "{\"ResourceArn\":\"arn:aws:config:us-east-1:000000000000:config-aggregator/config-aggregator-x\",\"Tags\":[{\"Key\":\"\xed\xa0\x80\",\"Value\":\"v\"}]}",
			status: 400, code: "SerializationException", msg: msgNotUTF8},
		{name: "invalid UTF-8 in an unknown member", target: hostileDescribe, body: "{\"Future\":\"\x80\"}",
			status: 400, code: "SerializationException", msg: msgNotUTF8},

		// Duplicate keys: the last wins, as in Jackson; case variants are
		// refused rather than bound as encoding/json would bind them.
		{name: "duplicate key, the last is checked", target: hostilePut, body: put(`,"ConfigurationAggregatorName":"bad name"`), status: 400, code: "ValidationException",
			msg: `1 validation error detected: Value 'bad name' at 'configurationAggregatorName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\-]+`},
		{name: "duplicate key of another type", target: hostileDescribe, body: `{"Limit":1,"Limit":"x"}`, status: 400, code: "SerializationException",
			msg: "Value of type string at 'limit' cannot be converted to an integer."},
		{name: "duplicate key differing in case", target: hostilePut, body: put(`,"configurationAggregatorName":"evil"`), status: 400, code: "SerializationException",
			msg: "Member 'configurationAggregatorName' is not 'ConfigurationAggregatorName': member names are case-sensitive."},
		{name: "member in the wrong case", target: hostileDescribe, body: `{"limit":1}`, status: 400, code: "SerializationException",
			msg: "Member 'limit' is not 'Limit': member names are case-sensitive."},
		{name: "nested member in the wrong case", target: hostilePut, body: `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[{"ACCOUNTIDS":["111111111111"],"AllAwsRegions":true}]}`,
			status: 400, code: "SerializationException", msg: "Member 'ACCOUNTIDS' is not 'AccountIds': member names are case-sensitive."},

		// null for required members.
		{name: "null name", target: hostilePut, body: `{"ConfigurationAggregatorName":null,` + hostileSource + `}`, status: 400, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null"},
		{name: "null structure", target: hostileRecorder, body: `{"ConfigurationRecorder":null}`, status: 400, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'configurationRecorder' failed to satisfy constraint: Member must not be null"},
		{name: "null list element", target: hostilePut, body: `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[null]}`, status: 400, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'accountAggregationSources.1.member.accountIds' failed to satisfy constraint: Member must not be null"},
		{name: "null tag", target: hostilePut, body: put(`,"Tags":[null]`), status: 400, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"},
		{name: "tag without a key", target: hostileTag, body: `{"ResourceArn":"arn:aws:config:us-east-1:000000000000:config-aggregator/config-aggregator-x","Tags":[{"Key":"a","Value":"1"},{"Value":"v"}]}`,
			status: 400, code: "ValidationException",
			msg: "1 validation error detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null"},
		{name: "null required Organizations member", target: hostileRegister, body: `{"AccountId":null,"ServicePrincipal":"config.amazonaws.com"}`,
			status: 400, code: "InvalidInputException", msg: "You must include a value for all required parameters.", reason: "INPUT_REQUIRED"},

		// Wrongly typed members, at every level.
		{name: "number for string", target: hostilePut, body: `{"ConfigurationAggregatorName":7}`, status: 400, code: "SerializationException",
			msg: "Value of type number at 'configurationAggregatorName' cannot be converted to a string."},
		{name: "number for string in a list in a list", target: hostilePut, body: `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[{"AccountIds":[111111111111],"AllAwsRegions":true}]}`,
			status: 400, code: "SerializationException", msg: "Value of type number at 'accountAggregationSources.accountIds' cannot be converted to a string."},
		{name: "object for list", target: hostileDescribe, body: `{"ConfigurationAggregatorNames":{"a":"b"}}`, status: 400, code: "SerializationException",
			msg: "Value of type object at 'configurationAggregatorNames' cannot be converted to a list."},
		{name: "list for structure", target: hostileRecorder, body: `{"ConfigurationRecorder":[]}`, status: 400, code: "SerializationException",
			msg: "Value of type array at 'configurationRecorder' cannot be converted to a structure."},
		{name: "string for bool", target: hostilePut, body: `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[{"AccountIds":["111111111111"],"AllAwsRegions":"true"}]}`,
			status: 400, code: "SerializationException", msg: "Value of type string at 'accountAggregationSources.allAwsRegions' cannot be converted to a boolean."},
		{name: "bool for structure in a list", target: hostilePut, body: put(`,"Tags":[true]`), status: 400, code: "SerializationException",
			msg: "Value of type bool at 'tags' cannot be converted to a structure."},
		{name: "string for integer", target: hostileDescribe, body: `{"Limit":"10"}`, status: 400, code: "SerializationException",
			msg: "Value of type string at 'limit' cannot be converted to an integer."},
		{name: "float for integer", target: hostileDescribe, body: `{"Limit":1.5}`, status: 400, code: "SerializationException",
			msg: "Value of type number 1.5 at 'limit' cannot be converted to an integer."},
		{name: "1e30 for integer", target: hostileDescribe, body: `{"Limit":1e30}`, status: 400, code: "SerializationException",
			msg: "Value of type number 1e30 at 'limit' cannot be converted to an integer."},
		{name: "integer above int32", target: hostileDescribe, body: `{"Limit":2147483648}`, status: 400, code: "SerializationException",
			msg: "Value of type number 2147483648 at 'limit' cannot be converted to an integer."},
		{name: "wrong type in Organizations", target: hostileAccounts, body: `{"MaxResults":"1"}`, status: 400, code: "SerializationException",
			msg: "Value of type string at 'maxResults' cannot be converted to an integer."},
		{name: "wrong type in a nested Organizations member", target: hostileInvite, body: `{"Target":{"Id":210000000002,"Type":"ACCOUNT"}}`, status: 400, code: "SerializationException",
			msg: "Value of type number at 'target.id' cannot be converted to a string."},

		// Absurd limits.
		{name: "Limit -1", target: hostileDescribe, body: `{"Limit":-1}`, status: 400, code: "InvalidLimitException",
			msg: "Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{name: "Limit 2147483647", target: hostileDescribe, body: `{"Limit":2147483647}`, status: 400, code: "InvalidLimitException",
			msg: "Value '2147483647' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{name: "Limit 9223372036854775807", target: hostileDescribe, body: `{"Limit":9223372036854775807}`, status: 400, code: "SerializationException",
			msg: "Value of type number 9223372036854775807 at 'limit' cannot be converted to an integer."},
		{name: "tags Limit 2147483647", target: hostileListTags, body: `{"ResourceArn":"arn:aws:config:us-east-1:000000000000:config-aggregator/config-aggregator-x","Limit":2147483647}`,
			status: 400, code: "InvalidLimitException", msg: "Value '2147483647' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{name: "sources status Limit -2147483648", target: hostileSources, body: `{"ConfigurationAggregatorName":"agg","Limit":-2147483648}`,
			status: 400, code: "InvalidLimitException", msg: "Value '-2147483648' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{name: "MaxResults -1", target: hostileAccounts, body: `{"MaxResults":-1}`, status: 400, code: "InvalidInputException",
			msg: "You provided a numeric parameter that has a smaller value than allowed.", reason: "MIN_VALUE_EXCEEDED"},
		{name: "MaxResults 2147483647", target: hostileAccounts, body: `{"MaxResults":2147483647}`, status: 400, code: "InvalidInputException",
			msg: "You provided a numeric parameter that has a larger value than allowed.", reason: "MAX_VALUE_EXCEEDED"},
	})
	// Bodies that are valid after all: empty and blank mean {}.
	for _, body := range []string{``, " \n\t", `{}`} {
		if r := s.post(t, hostileDescribe, body); r.status != 200 {
			t.Errorf("DescribeConfigurationAggregators with body %q = %d %s; want 200", body, r.status, r.raw)
		}
	}
}

// TestHostile_ManyViolations sends a list with a violation in each of
// 200000 elements: the answer counts them all but lists the first
// shape.MaxViolations, instead of a message 50 times the request's size.
func TestHostile_ManyViolations(t *testing.T) {
	s := startServer(t)
	const n = 200000
	body := `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[{"AllAwsRegions":true,"AccountIds":[` +
		strings.Repeat(`"",`, n-1) + `""]}]}`
	r := s.post(t, hostilePut, body)
	wantRawError(t, r, 400, "ValidationException", fmt.Sprintf("%d validation errors detected: Value '' at 'accountAggregationSources.1.member.accountIds.1.member' failed to satisfy constraint: ", n))
	msg, _ := r.body["message"].(string)
	if got := strings.Count(msg, "failed to satisfy constraint"); got != shape.MaxViolations {
		t.Errorf("message lists %d violations; want %d", got, shape.MaxViolations)
	}
	if len(r.raw) > len(body) {
		t.Errorf("response has %d bytes for a request of %d", len(r.raw), len(body))
	}
	// A list of n structures over its size limit renders at most
	// shape.MaxRenderedElements of them.
	r = s.post(t, hostilePut, `{"ConfigurationAggregatorName":"agg",`+hostileSource+`,"Tags":[`+strings.Repeat(`{"Key":"k","Value":"v"},`, n-1)+`{"Key":"k","Value":"v"}]}`)
	wantRawError(t, r, 400, "ValidationException", "1 validation error detected: Value '[com.amazonaws.starling.dove.Tag@")
	msg, _ = r.body["message"].(string)
	if !strings.HasSuffix(msg, ", ...]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50") ||
		strings.Count(msg, "com.amazonaws.starling.dove.Tag@") != shape.MaxRenderedElements {
		t.Errorf("message renders %d tags (%.200s...); want %d and ...", strings.Count(msg, "Tag@"), msg, shape.MaxRenderedElements)
	}
	s.alive(t)
}

// namePath is a member of a request that holds a name, an id or an ARN.
type namePath struct {
	path []string // JSON member names from the top
	list bool     // a list of strings
}

func (p namePath) String() string { return strings.Join(p.path, ".") }

// isARN reports whether the member holds an ARN.
func (p namePath) isARN() bool {
	return strings.HasSuffix(strings.ToLower(p.path[len(p.path)-1]), "arn")
}

// namePaths returns the string members of request type t, and of the
// structures it holds directly, that hold names, ids, ARNs, email
// addresses or service principals.
func namePaths(t reflect.Type) []namePath {
	var out []namePath
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.String,
			ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			l := strings.ToLower(name)
			for _, suffix := range []string{"name", "names", "arn", "id", "email", "principal"} {
				if strings.HasSuffix(l, suffix) {
					out = append(out, namePath{[]string{name}, ft.Kind() == reflect.Slice})
					break
				}
			}
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && ft.Elem() != reflect.TypeOf(shape.Timestamp{}):
			for _, sub := range namePaths(ft.Elem()) {
				out = append(out, namePath{append([]string{name}, sub.path...), sub.list})
			}
		}
	}
	return out
}

// longARN returns a 10 KB ARN of the kind the member holds, well formed
// but for its length.
func longARN(member string) string {
	pad := strings.Repeat("a", 10<<10)
	switch m := strings.ToLower(member); {
	case strings.Contains(m, "kms"):
		return "arn:aws:kms:us-east-1:000000000000:alias/" + pad
	case strings.Contains(m, "sns"):
		return "arn:aws:sns:us-east-1:000000000000:" + pad
	case strings.Contains(m, "role"):
		return "arn:aws:iam::000000000000:role/" + pad
	}
	return "arn:aws:config:us-east-1:000000000000:config-aggregator/config-aggregator-" + pad
}

// withMember returns the JSON object base with the member at path set to v.
func withMember(t *testing.T, base string, path []string, v any) string {
	t.Helper()
	root := map[string]any{}
	if err := json.Unmarshal([]byte(base), &root); err != nil {
		t.Fatalf("base %s: %v", base, err)
	}
	m := root
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHostile_LongNames sends a 100 KB name or id, or a 10 KB ARN, in every
// member of every served operation that takes one, the rest of the request
// valid: each is refused with the exact code, and nothing is stored.
func TestHostile_LongNames(t *testing.T) {
	s := startServer(t)
	// The default account needs a recorder for PutDeliveryChannel to get
	// as far as the channel's members.
	if r := s.post(t, hostileRecorder, `{"ConfigurationRecorder":{"name":"default","roleARN":"arn:aws:iam::000000000000:role/config"}}`); r.status != 200 {
		t.Fatalf("PutConfigurationRecorder = %d %s", r.status, r.raw)
	}
	const validation, invalidInput = "ValidationException", "InvalidInputException"
	type want struct {
		base   string // the rest of a valid request
		code   string
		reason string
	}
	// Keyed by operation and member path.
	table := map[string]want{
		"DeleteAggregationAuthorization.AuthorizedAccountId":                       {`{"AuthorizedAwsRegion":"us-east-1"}`, validation, ""},
		"DeleteConfigurationAggregator.ConfigurationAggregatorName":                {`{}`, validation, ""},
		"DeleteConfigurationRecorder.ConfigurationRecorderName":                    {`{}`, validation, ""},
		"DeleteDeliveryChannel.DeliveryChannelName":                                {`{}`, validation, ""},
		"DeletePendingAggregationRequest.RequesterAccountId":                       {`{"RequesterAwsRegion":"us-east-1"}`, validation, ""},
		"DescribeConfigurationAggregatorSourcesStatus.ConfigurationAggregatorName": {`{}`, validation, ""},
		"DescribeConfigurationAggregators.ConfigurationAggregatorNames":            {`{}`, validation, ""},
		"DescribeConfigurationRecorderStatus.ConfigurationRecorderNames":           {`{}`, validation, ""},
		"DescribeConfigurationRecorderStatus.ServicePrincipal":                     {`{}`, validation, ""},
		"DescribeConfigurationRecorderStatus.Arn":                                  {`{}`, validation, ""},
		"DescribeConfigurationRecorders.ConfigurationRecorderNames":                {`{}`, validation, ""},
		"DescribeConfigurationRecorders.ServicePrincipal":                          {`{}`, validation, ""},
		"DescribeConfigurationRecorders.Arn":                                       {`{}`, validation, ""},
		"DescribeDeliveryChannelStatus.DeliveryChannelNames":                       {`{}`, validation, ""},
		"DescribeDeliveryChannels.DeliveryChannelNames":                            {`{}`, validation, ""},
		"ListTagsForResource.ResourceArn":                                          {`{}`, validation, ""},
		"PutAggregationAuthorization.AuthorizedAccountId":                          {`{"AuthorizedAwsRegion":"us-east-1"}`, validation, ""},
		"PutConfigurationAggregator.ConfigurationAggregatorName":                   {`{` + hostileSource + `}`, validation, ""},
		"PutConfigurationAggregator.OrganizationAggregationSource.RoleArn": {`{"ConfigurationAggregatorName":"agg","OrganizationAggregationSource":{"AllAwsRegions":true}}`,
			"InvalidRoleException", ""},
		"PutConfigurationRecorder.ConfigurationRecorder.arn":              {`{"ConfigurationRecorder":{"roleARN":"arn:aws:iam::000000000000:role/config"}}`, validation, ""},
		"PutConfigurationRecorder.ConfigurationRecorder.name":             {`{"ConfigurationRecorder":{"roleARN":"arn:aws:iam::000000000000:role/config"}}`, validation, ""},
		"PutConfigurationRecorder.ConfigurationRecorder.roleARN":          {`{"ConfigurationRecorder":{}}`, "InvalidRoleException", ""},
		"PutConfigurationRecorder.ConfigurationRecorder.servicePrincipal": {`{"ConfigurationRecorder":{"roleARN":"arn:aws:iam::000000000000:role/config"}}`, validation, ""},
		"PutConfigurationRecorder.ConfigurationRecorder.connectorArn":     {`{"ConfigurationRecorder":{"roleARN":"arn:aws:iam::000000000000:role/config"}}`, validation, ""},
		"PutDeliveryChannel.DeliveryChannel.name":                         {`{"DeliveryChannel":{"s3BucketName":"bucket"}}`, validation, ""},
		"PutDeliveryChannel.DeliveryChannel.s3BucketName":                 {`{"DeliveryChannel":{}}`, "NoSuchBucketException", ""},
		"PutDeliveryChannel.DeliveryChannel.s3KmsKeyArn":                  {`{"DeliveryChannel":{"s3BucketName":"bucket"}}`, "InvalidS3KmsKeyArnException", ""},
		"PutDeliveryChannel.DeliveryChannel.snsTopicARN":                  {`{"DeliveryChannel":{"s3BucketName":"bucket"}}`, "InvalidSNSTopicARNException", ""},
		"StartConfigurationRecorder.ConfigurationRecorderName":            {`{}`, validation, ""},
		"StopConfigurationRecorder.ConfigurationRecorderName":             {`{}`, validation, ""},
		"TagResource.ResourceArn":                                         {`{"Tags":[{"Key":"k","Value":"v"}]}`, validation, ""},
		"UntagResource.ResourceArn":                                       {`{"TagKeys":["k"]}`, validation, ""},

		"AcceptHandshake.HandshakeId":                            {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"CancelHandshake.HandshakeId":                            {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"DeclineHandshake.HandshakeId":                           {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"CreateAccount.Email":                                    {`{"AccountName":"a"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"CreateAccount.AccountName":                              {`{"Email":"a@corp.example"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"CreateAccount.RoleName":                                 {`{"Email":"a@corp.example","AccountName":"a"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"DeregisterDelegatedAdministrator.AccountId":             {`{"ServicePrincipal":"config.amazonaws.com"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"DeregisterDelegatedAdministrator.ServicePrincipal":      {`{"AccountId":"111111111111"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"DescribeAccount.AccountId":                              {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"DescribeCreateAccountStatus.CreateAccountRequestId":     {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"DisableAWSServiceAccess.ServicePrincipal":               {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"EnableAWSServiceAccess.ServicePrincipal":                {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"InviteAccountToOrganization.Target.Id":                  {`{"Target":{"Type":"ACCOUNT"}}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"ListDelegatedAdministrators.ServicePrincipal":           {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"ListHandshakesForAccount.Filter.ParentHandshakeId":      {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"ListHandshakesForOrganization.Filter.ParentHandshakeId": {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"RegisterDelegatedAdministrator.AccountId":               {`{"ServicePrincipal":"config.amazonaws.com"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"RegisterDelegatedAdministrator.ServicePrincipal":        {`{"AccountId":"111111111111"}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
		"RemoveAccountFromOrganization.AccountId":                {`{}`, invalidInput, "MAX_LENGTH_EXCEEDED"},
	}
	for key, w := range hostileInventoryNames { // inventory_isolation_test.go
		table[key] = want(w)
	}
	for key, w := range hostileComplianceNames { // meta_compliance_test.go
		table[key] = want(w)
	}
	servedConfig, servedOrgs := servedSets(t, s)
	var seen []string
	for _, set := range []struct {
		prefix string
		svc    reflect.Type
		ops    []string
	}{
		{configapi.TargetPrefix, reflect.TypeOf((*starcfg.Service)(nil)), servedConfig},
		{orgapi.TargetPrefix, reflect.TypeOf((*orgservice.Service)(nil)), servedOrgs},
	} {
		for _, op := range set.ops {
			m, _ := set.svc.MethodByName(op)
			for _, p := range namePaths(m.Type.In(2).Elem()) {
				key := op + "." + p.String()
				seen = append(seen, key)
				w, ok := table[key]
				if !ok {
					t.Errorf("%s takes a name, id or ARN but is not in the table: add it", key)
					continue
				}
				t.Run(key, func(t *testing.T) {
					var long any = strings.Repeat("n", 100<<10)
					if p.isARN() {
						long = longARN(p.path[len(p.path)-1])
					}
					if p.list {
						long = []any{long}
					}
					r := s.post(t, set.prefix+"."+op, withMember(t, w.base, p.path, long))
					wantRawError(t, r, 400, w.code, "")
					if w.reason != "" && r.body["Reason"] != w.reason {
						t.Errorf("Reason = %v; want %s", r.body["Reason"], w.reason)
					}
					s.alive(t)
				})
			}
		}
	}
	for key := range table {
		if !slices.Contains(seen, key) {
			t.Errorf("the table has %s, which no served operation takes", key)
		}
	}
	// Nothing was stored.
	if r := s.post(t, "StarlingDoveService.DescribeDeliveryChannels", `{}`); r.status != 200 || r.raw != `{"DeliveryChannels":[]}` {
		t.Errorf("DescribeDeliveryChannels = %d %s; want none", r.status, r.raw)
	}
	if r := s.post(t, "StarlingDoveService.DescribeConfigurationRecorders", `{}`); r.status != 200 || strings.Contains(r.raw, "nnnn") || strings.Contains(r.raw, "aaaa") {
		t.Errorf("DescribeConfigurationRecorders = %d %.300s; want the recorder unchanged", r.status, r.raw)
	}
	// The default account has a recorder: a rule or pack that got past
	// validation would have been created.
	if r := s.post(t, "StarlingDoveService.DescribeConfigRules", `{}`); r.status != 200 || r.raw != `{"ConfigRules":[]}` {
		t.Errorf("DescribeConfigRules = %d %.300s; want none", r.status, r.raw)
	}
	if r := s.post(t, "StarlingDoveService.DescribeConformancePacks", `{}`); r.status != 200 || r.raw != `{"ConformancePackDetails":[]}` {
		t.Errorf("DescribeConformancePacks = %d %.300s; want none", r.status, r.raw)
	}
}

func TestHostile_Headers(t *testing.T) {
	s := startServer(t)
	runHostile(t, s, []hostileCase{
		{name: "binary X-Amz-Target", target: "\xff\xfe\x80.\xc0", body: `{}`, status: 400, code: "UnknownOperationException", msg: "Unknown operation …"},
		{name: "60 KB X-Amz-Target", target: "StarlingDoveService." + strings.Repeat("A", 60<<10), body: `{}`, status: 400, code: "UnknownOperationException",
			msg: "Unknown operation StarlingDoveService.AAAA…"},
		{name: "X-Amz-Target of dots", target: "...", body: `{}`, status: 400, code: "UnknownOperationException", msg: "Unknown operation ..."},
		{name: "X-Amz-Target with a trailing dot", target: "StarlingDoveService.DescribeConfigurationAggregators.", body: `{}`, status: 400, code: "UnknownOperationException",
			msg: "Unknown operation StarlingDoveService.DescribeConfigurationAggregators."},
		{name: "Authorization with a tab", target: hostileDescribe, body: `{}`, status: 400, code: "IncompleteSignatureException",
			headers: []string{"Authorization", "AWS4-HMAC-SHA256\tCredential=111111111111/20260102/us-east-1/config/aws4_request, SignedHeaders=host, Signature=00"},
			msg:     "Authorization header requires the AWS4-HMAC-SHA256 algorithm."},
		{name: "Authorization with high bytes", target: hostileDescribe, body: `{}`, status: 400, code: "IncompleteSignatureException",
			headers: []string{"Authorization", "AWS4-HMAC-SHA256 \xff\xfe"}, msg: "Authorization header has a malformed element '\ufffd\ufffd'."},
		{name: "Authorization of 60 KB", target: hostileDescribe, body: `{}`, status: 400, code: "IncompleteSignatureException",
			headers: []string{"Authorization", "AWS4-HMAC-SHA256 " + strings.Repeat("x", 60<<10)},
			msg:     "Authorization header has a malformed element '" + strings.Repeat("x", 64) + "...'."},
		{name: "form Content-Type with a target", target: hostileDescribe, body: `Action=GetCallerIdentity`, headers: []string{"Content-Type", "application/x-www-form-urlencoded"},
			status: 400, code: "SerializationException", msg: msgNotObject},
	})
	// Content types: awsJson1_1 bodies are read as JSON whatever the
	// Content-Type says, as long as there is an X-Amz-Target.
	for _, ct := range []string{"application/json", "text/plain", "application/x-amz-json-1.0", "", "\xff"} {
		t.Run("Content-Type "+ct, func(t *testing.T) {
			r := s.post(t, hostileDescribe, `{"Limit":1}`, "Content-Type", ct)
			if r.status != 200 {
				t.Errorf("status = %d %s; want 200", r.status, r.raw)
			}
		})
	}
	t.Run("multipart without a target", func(t *testing.T) {
		r := s.post(t, "", `{}`, "Content-Type", "multipart/form-data; boundary=x")
		wantRawError(t, r, 400, "UnknownOperationException", "Missing X-Amz-Target header")
		s.alive(t)
	})

	// What the HTTP server refuses before Starling sees it: control
	// characters in header values, and headers over the 64 KiB limit.
	target := "X-Amz-Target: " + hostileDescribe + "\r\n"
	for _, tc := range []struct {
		name    string
		headers string
		status  int
	}{
		{"NUL in X-Amz-Target", "X-Amz-Target: StarlingDoveService.\x00Describe\r\n", 400},
		{"control characters in X-Amz-Target", "X-Amz-Target: \x01\x02\x1b[31m\r\n", 400},
		{"control characters in Authorization", target + "Authorization: AWS4-HMAC-SHA256 Credential=\x00\x07/x/y/z/aws4_request\r\n", 400},
		{"DEL in Authorization", target + "Authorization: AWS4-HMAC-SHA256 \x7f\r\n", 400},
		{"header name with a space", target + "Bad Header: x\r\n", 400},
		{"100 KB X-Amz-Target", "X-Amz-Target: StarlingDoveService." + strings.Repeat("A", 100<<10) + "\r\n", 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := "POST / HTTP/1.1\r\nHost: starling\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n" + tc.headers + "\r\n{}"
			resp, body := s.rawExchange(t, req)
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d %q; want %d", resp.StatusCode, body, tc.status)
			}
			s.alive(t)
		})
	}
}

// TestHostile_DuplicateHeaders sends two Authorization headers naming
// different accounts, and two X-Amz-Targets. Go's Header.Get takes the
// first; a proxy in front may take the last, so the request means one
// thing to it and another to Starling.
func TestHostile_DuplicateHeaders(t *testing.T) {
	s := startServer(t)
	auth := func(account string) string {
		return "AWS4-HMAC-SHA256 Credential=" + account + "/20260102/us-east-1/config/aws4_request, SignedHeaders=host, Signature=00"
	}
	for _, tc := range []struct {
		name, headers, code string
	}{
		{"two Authorization headers", "X-Amz-Target: " + hostileDescribe + "\r\nAuthorization: " + auth(acctA) + "\r\nAuthorization: " + auth(acctB) + "\r\n", "IncompleteSignatureException"},
		{"two X-Amz-Target headers", "X-Amz-Target: " + hostileDescribe + "\r\nX-Amz-Target: " + hostilePut + "\r\n", "UnknownOperationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.rawExchange(t, "POST / HTTP/1.1\r\nHost: starling\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n"+tc.headers+"\r\n{}")
			var doc map[string]any
			_ = json.Unmarshal([]byte(body), &doc)
			if resp.StatusCode != 400 || doc["__type"] != tc.code {
				t.Errorf("status = %d %s; want 400 %s", resp.StatusCode, body, tc.code)
			}
			s.alive(t)
		})
	}
}

func TestHostile_Methods(t *testing.T) {
	s := startServer(t)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, "TRACE", "BREW"} {
		t.Run(method, func(t *testing.T) {
			req, err := http.NewRequest(method, s.url+"/", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", hostileDescribe)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			wantRawError(t, do(t, req), 400, "UnknownOperationException", "AWS JSON operations are sent with POST, not "+method+".")
			req, _ = http.NewRequest(method, s.url+"/", nil)
			wantRawError(t, do(t, req), 400, "UnknownOperationException", "Missing X-Amz-Target header")
			s.alive(t)
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodHead, s.url+"/", nil)
		req.Header.Set("X-Amz-Target", hostileDescribe)
		r := do(t, req)
		if r.status != 400 || r.header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("HEAD = %d %v; want 400 UnknownOperationException", r.status, r.header)
		}
		s.alive(t)
	})
	t.Run("other path", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/../../etc/passwd", nil)
		wantRawError(t, do(t, req), 400, "UnknownOperationException", "Missing X-Amz-Target header")
		s.alive(t)
	})
}

// TestHostile_Slowloris sends a request's headers one byte at a time and
// checks that the server hangs up once the header timeout passes.
func TestHostile_Slowloris(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := startServer(t, func(c *configOpts) { c.ReadHeaderTimeout = timeout })
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Well above the timeout, well below what a test may take.
	deadline := time.Now().Add(10 * time.Second)
	if err := conn.SetDeadline(deadline); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn)
		closed <- err
	}()
	headers := "POST / HTTP/1.1\r\nHost: starling\r\nX-Amz-Target: " + hostileDescribe + "\r\nX-Pad: " + strings.Repeat("a", 1<<20)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case err := <-closed:
			// The server closes the connection; a byte written after that
			// may make the close arrive as a reset. Only our own deadline
			// passing means the server never hung up.
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("reading from the connection: %v; want the server to close it", err)
			}
			t.Logf("closed after %v and %d bytes", time.Since(start).Round(time.Millisecond), i)
			s.alive(t)
			return
		case <-tick.C:
			if i == len(headers) {
				t.Fatal("sent all headers without being cut off")
			}
			// A write may fail once the server has hung up.
			_, _ = conn.Write([]byte{headers[i]})
		}
	}
}

// TestHostile_SlowBody sends headers at once and the body one byte at a
// time: the read timeout ends the request with a 4xx, or the connection.
func TestHostile_SlowBody(t *testing.T) {
	s := startServer(t, func(c *configOpts) { c.ReadTimeout = 500 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	body := `{"NextToken":"` + strings.Repeat("x", 4096) + `"}`
	if _, err := fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: starling\r\nX-Amz-Target: %s\r\nContent-Length: %d\r\n\r\n", hostileDescribe, len(body)); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		resp *http.Response
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{resp: resp, body: string(b)}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case a := <-answered:
			switch {
			case a.err != nil:
				// Hung up without an answer: also a way to end it.
			case a.resp.StatusCode >= 500 || a.resp.StatusCode < 400:
				t.Errorf("slow body answered %d %s; want a 4xx", a.resp.StatusCode, a.body)
			}
			s.alive(t)
			return
		case <-tick.C:
			if i == len(body) {
				t.Fatal("sent the whole body without being cut off")
			}
			_, _ = conn.Write([]byte{body[i]})
		}
	}
}
