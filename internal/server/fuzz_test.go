package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/configservice"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/orgservice"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/server"
	"github.com/starlingcfg/starling/internal/store/sqlite"
	"github.com/starlingcfg/starling/internal/stsservice"
)

// fuzzMaxBody is the body limit of the fuzzed server: small, so that the
// fuzzer reaches the limit too.
const fuzzMaxBody = 16 << 10

// newFuzzServer returns a Server with the real Config, Organizations and STS
// operation tables over a SQLite store in dir, wired as internal/app wires
// them.
func newFuzzServer(tb testing.TB, dir string) *server.Server {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := st.Close(); err != nil {
			tb.Error(err)
		}
	})
	key, err := pagetoken.LoadKey(ctx, st)
	if err != nil {
		tb.Fatal(err)
	}
	tokens := pagetoken.NewCodec(key)
	orgSvc := orgservice.New(orgservice.Options{Store: st, Tokens: tokens})
	cfgSvc := configservice.New(configservice.Options{Store: st, Tokens: tokens, Organizations: orgSvc})
	return server.New(server.Options{
		APIs: []server.API{
			{Name: "config", TargetPrefix: configapi.TargetPrefix, Operations: configservice.Operations(cfgSvc)},
			{Name: "organizations", TargetPrefix: orgapi.TargetPrefix, Operations: orgservice.Operations(orgSvc)},
		},
		QueryAPIs: []server.QueryAPI{{
			Name:      "sts",
			Namespace: stsservice.Namespace,
			Actions:   map[string]server.QueryHandler{"GetCallerIdentity": stsservice.GetCallerIdentity},
		}},
		Resolver:     identity.Resolver{},
		MaxBodyBytes: fuzzMaxBody,
	})
}

// Fuzz modes: how the target suffix becomes a request.
const (
	modeConfig = iota // X-Amz-Target: StarlingDoveService.<suffix>
	modeOrgs          // X-Amz-Target: AWSOrganizationsV20161128.<suffix>
	modeRaw           // X-Amz-Target: <suffix>
	modeQuery         // no target, form-encoded: the query protocol (STS)
	modes
)

const sdkAuth = "AWS4-HMAC-SHA256 Credential=111111111111/20260102/us-east-1/config/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef"

// FuzzServeHTTP sends arbitrary requests to the real operation tables:
// whatever the target, body and Authorization header, the answer is not a
// server fault (status < 500), carries x-amzn-RequestId, and is a
// well-formed document of its protocol (JSON with __type and the same
// X-Amzn-ErrorType on errors; XML for the query protocol).
//
//	go test -run '^$' -fuzz FuzzServeHTTP -fuzztime 60s ./internal/server
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct {
		mode   uint8
		method bool // GET instead of POST
		suffix string
		body   string
		auth   string
	}{
		{modeConfig, false, "PutConfigurationAggregator", `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[{"AccountIds":["111111111111"],"AllAwsRegions":true}],"Tags":[{"Key":"env","Value":"test"}]}`, sdkAuth},
		{modeConfig, false, "PutConfigurationAggregator", `{"ConfigurationAggregatorName":"org","OrganizationAggregationSource":{"RoleArn":"arn:aws:iam::111111111111:role/r","AllAwsRegions":true}}`, sdkAuth},
		{modeConfig, false, "DescribeConfigurationAggregators", `{"Limit":1}`, sdkAuth},
		{modeConfig, false, "DescribeConfigurationAggregators", `{"NextToken":"YQ.AAAAAAAAAAAAAAAAAAAAAA"}`, sdkAuth},
		{modeConfig, false, "DeleteConfigurationAggregator", `{"ConfigurationAggregatorName":"agg"}`, sdkAuth},
		{modeConfig, false, "PutAggregationAuthorization", `{"AuthorizedAccountId":"222222222222","AuthorizedAwsRegion":"us-east-1","Tags":[{"Key":"k","Value":"v"}]}`, sdkAuth},
		{modeConfig, false, "DescribeAggregationAuthorizations", `{}`, sdkAuth},
		{modeConfig, false, "DeleteAggregationAuthorization", `{"AuthorizedAccountId":"222222222222","AuthorizedAwsRegion":"us-east-1"}`, sdkAuth},
		{modeConfig, false, "DescribePendingAggregationRequests", `{"Limit":20}`, sdkAuth},
		{modeConfig, false, "DeletePendingAggregationRequest", `{"RequesterAccountId":"222222222222","RequesterAwsRegion":"us-east-1"}`, sdkAuth},
		{modeConfig, false, "DescribeConfigurationAggregatorSourcesStatus", `{"ConfigurationAggregatorName":"agg","UpdateStatus":["FAILED"]}`, sdkAuth},
		{modeConfig, false, "PutConfigurationRecorder", `{"ConfigurationRecorder":{"name":"default","roleARN":"arn:aws:iam::111111111111:role/config"}}`, sdkAuth},
		{modeConfig, false, "DescribeConfigurationRecorders", `{"ConfigurationRecorderNames":["default"]}`, sdkAuth},
		{modeConfig, false, "DescribeConfigurationRecorderStatus", `{}`, sdkAuth},
		{modeConfig, false, "PutDeliveryChannel", `{"DeliveryChannel":{"name":"default","s3BucketName":"b"}}`, sdkAuth},
		{modeConfig, false, "DescribeDeliveryChannels", `{}`, sdkAuth},
		{modeConfig, false, "DescribeDeliveryChannelStatus", `{}`, sdkAuth},
		{modeConfig, false, "StartConfigurationRecorder", `{"ConfigurationRecorderName":"default"}`, sdkAuth},
		{modeConfig, false, "StopConfigurationRecorder", `{"ConfigurationRecorderName":"default"}`, sdkAuth},
		{modeConfig, false, "DeleteDeliveryChannel", `{"DeliveryChannelName":"default"}`, sdkAuth},
		{modeConfig, false, "DeleteConfigurationRecorder", `{"ConfigurationRecorderName":"default"}`, sdkAuth},
		{modeConfig, false, "TagResource", `{"ResourceArn":"arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-abcdefgh","Tags":[{"Key":"a","Value":"b"}]}`, sdkAuth},
		{modeConfig, false, "UntagResource", `{"ResourceArn":"arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-abcdefgh","TagKeys":["a"]}`, sdkAuth},
		{modeConfig, false, "ListTagsForResource", `{"ResourceArn":"not-an-arn","Limit":50}`, sdkAuth},
		{modeConfig, false, "GetResourceConfigHistory", `{"resourceType":"AWS::EC2::Instance","resourceId":"i-1","laterTime":1e300}`, sdkAuth},
		{modeOrgs, false, "CreateOrganization", `{"FeatureSet":"ALL"}`, sdkAuth},
		{modeOrgs, false, "DescribeOrganization", `{}`, sdkAuth},
		{modeOrgs, false, "InviteAccountToOrganization", `{"Target":{"Id":"222222222222","Type":"ACCOUNT"},"Notes":"hi"}`, sdkAuth},
		{modeOrgs, false, "AcceptHandshake", `{"HandshakeId":"h-0123456789abcdef0123456789abcdef"}`, strings.Replace(sdkAuth, "111111111111", "222222222222", 1)},
		{modeOrgs, false, "CreateAccount", `{"Email":"dev@corp.example","AccountName":"dev"}`, sdkAuth},
		{modeOrgs, false, "ListAccounts", `{"MaxResults":1}`, sdkAuth},
		{modeOrgs, false, "ListHandshakesForOrganization", `{"Filter":{"ActionType":"INVITE"}}`, sdkAuth},
		{modeOrgs, false, "EnableAWSServiceAccess", `{"ServicePrincipal":"config.amazonaws.com"}`, sdkAuth},
		{modeOrgs, false, "RegisterDelegatedAdministrator", `{"AccountId":"222222222222","ServicePrincipal":"config.amazonaws.com"}`, sdkAuth},
		{modeOrgs, false, "ListDelegatedAdministrators", `{"ServicePrincipal":"config.amazonaws.com"}`, sdkAuth},
		{modeOrgs, false, "DeleteOrganization", ``, sdkAuth},
		{modeRaw, false, "StarlingDoveService", `{}`, ""},
		{modeRaw, false, "DynamoDB_20120810.ListTables", `{}`, ""},
		{modeRaw, false, "\xff\x00.", `{}`, "Bearer x"},
		{modeQuery, false, "", "Action=GetCallerIdentity&Version=2011-06-15", strings.Replace(sdkAuth, "config", "sts", 1)},
		{modeQuery, false, "", "Action=%zz", ""},
		{modeQuery, false, "", "Action=Nope\x00&Version=<x>", ""},
		{modeConfig, true, "DescribeConfigurationAggregators", `{}`, ""},
		{modeConfig, false, "DescribeConfigurationAggregators", `{"Limit":2147483648}`, "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"},
		{modeConfig, false, "PutConfigurationAggregator", `{"ConfigurationAggregatorName":"a","AccountAggregationSources":[{"AccountIds":["111111111111"],"AwsRegions":["us-east-1"]}]}`, "AWS4-HMAC-SHA256 Credential=111111111111/d/\x00weird region/s/aws4_request, SignedHeaders=h, Signature=s"},
		{modeConfig, false, "DescribeConfigurationAggregators", strings.Repeat("x", fuzzMaxBody+1), ""},
	}
	for _, s := range seeds {
		mode := s.mode
		if s.method {
			mode |= 0x80
		}
		f.Add(mode, s.suffix, []byte(s.body), s.auth)
	}
	srv := newFuzzServer(f, f.TempDir())
	f.Fuzz(func(t *testing.T, mode uint8, suffix string, body []byte, auth string) {
		method := http.MethodPost
		if mode&0x80 != 0 {
			method = http.MethodGet
		}
		req := httptest.NewRequest(method, "/", bytes.NewReader(body))
		kind := int(mode&0x7f) % modes
		switch kind {
		case modeConfig:
			req.Header.Set("X-Amz-Target", configapi.TargetPrefix+"."+suffix)
		case modeOrgs:
			req.Header.Set("X-Amz-Target", orgapi.TargetPrefix+"."+suffix)
		case modeRaw:
			req.Header.Set("X-Amz-Target", suffix)
		}
		if kind == modeQuery {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		} else {
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		res := rec.Result()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q auth %q body %q: status %d %s; want < 500", method, req.Header.Get("X-Amz-Target"), auth, body, res.StatusCode, raw)
		}
		if res.Header.Get("x-amzn-RequestId") == "" {
			t.Fatalf("%s %q body %q: no x-amzn-RequestId", method, req.Header.Get("X-Amz-Target"), body)
		}
		// A form POST without a target, with no target set, is the query
		// protocol; everything else answers JSON (GET included).
		if kind == modeQuery && method == http.MethodPost {
			checkXML(t, res.StatusCode, raw, body)
			return
		}
		checkJSON(t, res, raw, body)
	})
}

func checkXML(t *testing.T, status int, raw, body []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(raw))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("query %q: response is not XML (%v): %s", body, err, raw)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	want := "ErrorResponse"
	if status == http.StatusOK {
		want = "GetCallerIdentityResponse"
	}
	if root != want {
		t.Fatalf("query %q: status %d with root element %q; want %q", body, status, root, want)
	}
}

func checkJSON(t *testing.T, res *http.Response, raw, body []byte) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Fatalf("body %q: Content-Type %q; want application/x-amz-json-1.1 (%s)", body, ct, raw)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("body %q: status %d response is not a JSON object (%v): %q", body, res.StatusCode, err, raw)
	}
	if res.StatusCode == http.StatusOK {
		if _, ok := doc["__type"]; ok {
			t.Fatalf("body %q: 200 with __type: %s", body, raw)
		}
		return
	}
	code, _ := doc["__type"].(string)
	if code == "" {
		t.Fatalf("body %q: status %d without __type: %s", body, res.StatusCode, raw)
	}
	if got := res.Header.Get("X-Amzn-ErrorType"); got != code {
		t.Fatalf("body %q: X-Amzn-ErrorType %q; want __type %q", body, got, code)
	}
	if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("body %q: status %d %s; want 400 or 413", body, res.StatusCode, raw)
	}
}
