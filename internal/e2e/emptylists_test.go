package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
)

// emptyCase is how to call one operation so that it answers on a fresh
// account, with empty lists where it can.
type emptyCase struct {
	// body returns the request body, after any setup the call needs. c
	// calls an operation of the same API as the account under test.
	body func(t *testing.T, c emptyCaller) string
}

// emptyCaller calls operations of one API as one account, over raw HTTP.
type emptyCaller struct {
	s                        *server
	prefix, signing, account string
}

// call sends the request and fails the test unless it succeeds. It returns
// the top-level members of the response body, undecoded.
func (c emptyCaller) call(t *testing.T, op, body string) map[string]json.RawMessage {
	t.Helper()
	auth := "AWS4-HMAC-SHA256 Credential=" + c.account + "/20260102/us-east-1/" + c.signing +
		"/aws4_request, SignedHeaders=host, Signature=00"
	r := c.s.post(t, c.prefix+"."+op, body, "Authorization", auth)
	if r.status != 200 {
		t.Fatalf("%s(%s) = %d %s; want 200", op, body, r.status, r.raw)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.raw), &members); err != nil {
		t.Fatalf("%s(%s) body %s: %v", op, body, r.raw, err)
	}
	return members
}

// emptyConfigCases covers every served Config operation whose output has
// list or map members.
var emptyConfigCases = map[string]emptyCase{
	"DescribeAggregationAuthorizations":   {body: plain(`{}`)},
	"DescribeConfigurationAggregators":    {body: plain(`{}`)},
	"DescribeConfigurationRecorderStatus": {body: plain(`{}`)},
	"DescribeConfigurationRecorders":      {body: plain(`{}`)},
	"DescribeDeliveryChannelStatus":       {body: plain(`{}`)},
	"DescribeDeliveryChannels":            {body: plain(`{}`)},
	"DescribePendingAggregationRequests":  {body: plain(`{}`)},
	"ListStoredQueries":                   {body: plain(`{}`)},
	"SelectResourceConfig":                {body: plain(`{"Expression":"SELECT resourceId"}`)},
	"SelectAggregateResourceConfig": {body: func(t *testing.T, c emptyCaller) string {
		emptyAggregator(t, c)
		return `{"ConfigurationAggregatorName":"empty-lists","Expression":"SELECT resourceId"}`
	}},
	"DescribeConfigurationAggregatorSourcesStatus": {body: func(t *testing.T, c emptyCaller) string {
		emptyAggregator(t, c)
		return `{"ConfigurationAggregatorName":"empty-lists"}`
	}},
	"ListAggregateDiscoveredResources": {body: func(t *testing.T, c emptyCaller) string {
		emptyAggregator(t, c)
		return `{"ConfigurationAggregatorName":"empty-lists","ResourceType":"AWS::EC2::Instance"}`
	}},
	"GetAggregateDiscoveredResourceCounts": {body: func(t *testing.T, c emptyCaller) string {
		emptyAggregator(t, c)
		return `{"ConfigurationAggregatorName":"empty-lists"}`
	}},
	"BatchGetAggregateResourceConfig": {body: func(t *testing.T, c emptyCaller) string {
		emptyAggregator(t, c)
		return `{"ConfigurationAggregatorName":"empty-lists","ResourceIdentifiers":[{"SourceAccountId":"` + c.account +
			`","SourceRegion":"us-east-1","ResourceId":"i-1","ResourceType":"AWS::EC2::Instance"}]}`
	}},
	"ListTagsForResource": {body: func(t *testing.T, c emptyCaller) string {
		return fmt.Sprintf(`{"ResourceArn":%q}`, emptyAggregator(t, c))
	}},
}

// emptyOrgCases covers every served Organizations operation whose output
// has list or map members.
var emptyOrgCases = map[string]emptyCase{
	"ListHandshakesForAccount":            {body: plain(`{}`)},
	"ListAWSServiceAccessForOrganization": {body: inOrganization(`{}`)},
	"ListAccounts":                        {body: inOrganization(`{}`)},
	"ListCreateAccountStatus":             {body: inOrganization(`{}`)},
	"ListDelegatedAdministrators":         {body: inOrganization(`{}`)},
	"ListHandshakesForOrganization":       {body: inOrganization(`{}`)},
}

// plain is a case that needs no setup.
func plain(body string) func(*testing.T, emptyCaller) string {
	return func(*testing.T, emptyCaller) string { return body }
}

// inOrganization is a case whose account must manage an organization.
func inOrganization(body string) func(*testing.T, emptyCaller) string {
	return func(t *testing.T, c emptyCaller) string {
		c.call(t, "CreateOrganization", `{"FeatureSet":"ALL"}`)
		return body
	}
}

// emptyAggregator creates an aggregator without tags and returns its ARN.
func emptyAggregator(t *testing.T, c emptyCaller) string {
	t.Helper()
	out := c.call(t, "PutConfigurationAggregator", `{"ConfigurationAggregatorName":"empty-lists",`+
		`"AccountAggregationSources":[{"AccountIds":["`+c.account+`"],"AllAwsRegions":true}]}`)
	var agg struct{ ConfigurationAggregatorArn string }
	if err := json.Unmarshal(out["ConfigurationAggregator"], &agg); err != nil || agg.ConfigurationAggregatorArn == "" {
		t.Fatalf("PutConfigurationAggregator answered %s, %v; want an aggregator with an ARN", out["ConfigurationAggregator"], err)
	}
	return agg.ConfigurationAggregatorArn
}

// TestEmptyCollections calls every served operation whose output has list
// or map members as a fresh account, each in its own account, and checks
// that the response carries every one of those members, as [] or {} when
// empty: AWS sends them, and boto3 code such as
// describe_aggregation_authorizations()["AggregationAuthorizations"] relies
// on it. The members come from the model (OutputCollections); a newly
// served operation with such members needs a case here.
func TestEmptyCollections(t *testing.T) {
	// servedSets calls every operation with {} through the server it is
	// given: a scratch one, so that the accounts below stay fresh.
	servedConfig, servedOrgs := servedSets(t, startServer(t))
	s := startServer(t)
	next := 0
	for _, api := range []struct {
		name, prefix, signing string
		served                []string
		collections           map[string][]string
		cases                 map[string]emptyCase
	}{
		{"Config", configapi.TargetPrefix, configapi.SigningName, servedConfig, configapi.OutputCollections, emptyConfigCases},
		{"Organizations", orgapi.TargetPrefix, orgapi.SigningName, servedOrgs, orgapi.OutputCollections, emptyOrgCases},
	} {
		for op := range api.cases {
			if !slices.Contains(api.served, op) || len(api.collections[op]) == 0 {
				t.Errorf("%s operation %s has a case but is not served or has no list or map output members", api.name, op)
			}
		}
		for _, op := range api.served {
			members := api.collections[op]
			if len(members) == 0 {
				continue
			}
			tc, ok := api.cases[op]
			if !ok {
				t.Errorf("%s operation %s is served and its output has list or map members %v: add a case", api.name, op, members)
				continue
			}
			next++
			c := emptyCaller{s: s, prefix: api.prefix, signing: api.signing, account: fmt.Sprintf("5000000000%02d", next)}
			t.Run(api.name+"/"+op, func(t *testing.T) {
				out := c.call(t, op, tc.body(t, c))
				for _, m := range members {
					v, ok := out[m]
					switch {
					case !ok:
						t.Errorf("%s response lacks %s; want it even when empty", op, m)
					case len(v) == 0 || (v[0] != '[' && v[0] != '{'):
						t.Errorf("%s response has %s = %s; want a list or map, [] or {} when empty", op, m, v)
					}
				}
			})
		}
	}
}
