package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

// rawResponse is a response read whole.
type rawResponse struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// post sends an awsJson1_1 request with the given target, body and extra
// headers (name, value pairs).
func (s *server) post(t *testing.T, target, body string, headers ...string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := rawResponse{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// wantRawError checks an error response's status, headers and body.
func wantRawError(t *testing.T, r rawResponse, status int, code, messagePrefix string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d; want %d (body %s)", r.status, status, r.raw)
	}
	if got := r.body["__type"]; got != code {
		t.Errorf("__type = %v; want %s (body %s)", got, code, r.raw)
	}
	if got := r.header.Get("X-Amzn-ErrorType"); got != code {
		t.Errorf("X-Amzn-ErrorType = %q; want %q", got, code)
	}
	msg, _ := r.body["message"].(string)
	if !strings.HasPrefix(msg, messagePrefix) {
		t.Errorf("message = %q; want prefix %q", msg, messagePrefix)
	}
	if r.header.Get("x-amzn-RequestId") == "" {
		t.Errorf("no x-amzn-RequestId header")
	}
	if ct := r.header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q; want application/x-amz-json-1.1", ct)
	}
}

const (
	targetPut      = "StarlingDoveService.PutConfigurationAggregator"
	targetDescribe = "StarlingDoveService.DescribeConfigurationAggregators"
)

func TestProtocol_Errors(t *testing.T) {
	s := startServer(t, func(c *configOpts) { c.MaxBodyBytes = 4096 })
	tests := []struct {
		name   string
		target string
		body   string
		status int
		code   string
		msg    string
	}{
		{"unknown operation", "StarlingDoveService.MakeCoffee", `{}`, 400, "UnknownOperationException", "Unknown operation StarlingDoveService.MakeCoffee"},
		{"unknown service", "DynamoDB_20120810.ListTables", `{}`, 400, "UnknownOperationException", ""},
		{"no target", "", `{}`, 400, "UnknownOperationException", ""},
		{"target without operation", "StarlingDoveService", `{}`, 400, "UnknownOperationException", ""},
		{"not JSON", targetDescribe, `this is not json`, 400, "SerializationException", ""},
		{"truncated JSON", targetDescribe, `{"Limit": 1`, 400, "SerializationException", ""},
		{"JSON array body", targetDescribe, `[]`, 400, "SerializationException", ""},
		{"trailing garbage", targetDescribe, `{} {}`, 400, "SerializationException", ""},
		{"string for integer", targetDescribe, `{"Limit": "ten"}`, 400, "SerializationException", ""},
		{"number for string", targetPut, `{"ConfigurationAggregatorName": 7}`, 400, "SerializationException", ""},
		{"object for list", targetDescribe, `{"ConfigurationAggregatorNames": {"a": 1}}`, 400, "SerializationException", ""},
		{"oversized body", targetDescribe, `{"NextToken": "` + strings.Repeat("x", 5000) + `"}`, 413, "SerializationException", ""},
		{"modeled but not served", "StarlingDoveService.ListResourceEvaluations", `{}`, 400, "NotImplementedException",
			"Starling does not implement the Config Service operation ListResourceEvaluations yet."},
		{"missing required member", targetPut, `{"AccountAggregationSources": [{"AccountIds": ["111111111111"], "AllAwsRegions": true}]}`, 400, "ValidationException",
			"1 validation error detected: Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null"},
		{"missing role arn", targetPut, `{"ConfigurationAggregatorName": "a", "OrganizationAggregationSource": {"AllAwsRegions": true}}`, 400, "ValidationException",
			"1 validation error detected: Value null at 'organizationAggregationSource.roleArn' failed to satisfy constraint: Member must not be null"},
		{"missing account ids", targetPut, `{"ConfigurationAggregatorName": "a", "AccountAggregationSources": [{"AllAwsRegions": true}]}`, 400, "ValidationException",
			"1 validation error detected: Value null at 'accountAggregationSources.1.member.accountIds' failed to satisfy constraint: Member must not be null"},
		{"two violations", targetPut, `{"ConfigurationAggregatorName": "bad name", "Tags": [{"Key": "", "Value": "v"}], "AccountAggregationSources": [{"AccountIds": ["1"], "AllAwsRegions": true}]}`, 400, "ValidationException",
			"3 validation errors detected: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRawError(t, s.post(t, tt.target, tt.body), tt.status, tt.code, tt.msg)
		})
	}
}

func TestProtocol_SuccessShape(t *testing.T) {
	s := startServer(t)
	// Unknown members are ignored; a request without Authorization is the
	// default account in us-east-1.
	r := s.post(t, targetPut, `{"ConfigurationAggregatorName": "anon", "FutureMember": {"x": [1, 2]},
		"AccountAggregationSources": [{"AccountIds": ["111111111111"], "AllAwsRegions": true, "AlsoNew": true}]}`)
	if r.status != 200 {
		t.Fatalf("status = %d; want 200 (body %s)", r.status, r.raw)
	}
	if r.header.Get("x-amzn-RequestId") == "" || r.header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("headers = %v; want x-amzn-RequestId and the awsJson content type", r.header)
	}
	agg, _ := r.body["ConfigurationAggregator"].(map[string]any)
	arn, _ := agg["ConfigurationAggregatorArn"].(string)
	if !strings.HasPrefix(arn, "arn:aws:config:us-east-1:000000000000:config-aggregator/config-aggregator-") {
		t.Errorf("anonymous aggregator ARN = %q; want account 000000000000 in us-east-1", arn)
	}
	if _, ok := agg["CreationTime"].(float64); !ok {
		t.Errorf("CreationTime = %#v; want a JSON number of epoch seconds", agg["CreationTime"])
	}
	if strings.Contains(r.raw, "null") {
		t.Errorf("body %s contains null; absent members must be omitted", r.raw)
	}
	// Operations without output answer {}.
	r = s.post(t, "StarlingDoveService.DeleteConfigurationAggregator", `{"ConfigurationAggregatorName": "anon"}`)
	if r.status != 200 || r.raw != "{}" {
		t.Errorf("Delete = %d %q; want 200 {}", r.status, r.raw)
	}
	// A request with an unparseable Authorization header is refused.
	r = s.post(t, targetDescribe, `{}`, "Authorization", "Bearer abc")
	wantRawError(t, r, 400, "IncompleteSignatureException", "")
}

func TestOperatorEndpoints(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	_ = must(c.PutConfigurationAggregator(ctx, putAccounts("agg", acctA))).get(t)

	get := func(path string) rawResponse {
		req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
		return do(t, req)
	}
	if r := get("/_starling/health"); r.status != 200 || r.body["status"] != "ok" {
		t.Errorf("health = %d %s; want 200 status ok", r.status, r.raw)
	}
	m := get("/metrics")
	for _, want := range []string{
		`starling_requests_total{operation="PutConfigurationAggregator",service="config",status="200"} 1`,
		`starling_request_duration_seconds_count{operation="PutConfigurationAggregator",service="config"} 1`,
	} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_, err := c.DeleteConfigurationAggregator(ctx, &configservice.DeleteConfigurationAggregatorInput{ConfigurationAggregatorName: strPtr("nope")})
	wantError(t, err, "NoSuchConfigurationAggregatorException", "")
	if m := get("/metrics"); !strings.Contains(m.raw, `starling_request_errors_total{code="NoSuchConfigurationAggregatorException",operation="DeleteConfigurationAggregator",service="config"} 1`) {
		t.Errorf("/metrics lacks the error count by code")
	}

	for _, path := range []string{"/_starling/reset", "/moto-api/reset"} {
		_ = must(c.PutConfigurationAggregator(ctx, putAccounts("agg", acctA))).get(t)
		req, _ := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(nil))
		if r := do(t, req); r.status != 200 {
			t.Fatalf("POST %s = %d %s; want 200", path, r.status, r.raw)
		}
		desc := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
		if len(desc.ConfigurationAggregators) != 0 {
			t.Errorf("after POST %s Describe found %d aggregators; want 0", path, len(desc.ConfigurationAggregators))
		}
	}
	// Pagination still works after a reset (the token key survives it).
	for _, n := range []string{"a", "b"} {
		_ = must(c.PutConfigurationAggregator(ctx, putAccounts(n, acctA))).get(t)
	}
	page := must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 1})).get(t)
	_ = must(c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 1, NextToken: page.NextToken})).get(t)
}

func TestOperatorEndpoints_ResetDisabled(t *testing.T) {
	s := startServer(t, func(c *configOpts) { c.DisableReset = true })
	for _, path := range []string{"/_starling/reset", "/moto-api/reset"} {
		req, _ := http.NewRequest(http.MethodPost, s.url+path, nil)
		if r := do(t, req); r.status != http.StatusForbidden {
			t.Errorf("POST %s with reset disabled = %d; want 403", path, r.status)
		}
	}
}

func strPtr(s string) *string { return &s }
