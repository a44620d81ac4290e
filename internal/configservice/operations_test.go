package configservice

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// TestOperationsInvalidRequests checks AWS Config's answers to requests that
// break the model's constraints: InvalidLimitException when the page size
// is the only violation of an operation that models it, ValidationException
// otherwise. Validation runs before any method, so the service needs no
// store, and operations Starling does not serve answer the same way.
func TestOperationsInvalidRequests(t *testing.T) {
	ops := Operations(New(Options{}))
	tests := []struct {
		op, body, code, msg string
	}{
		{"DescribeConfigurationAggregators", `{"Limit":101}`, "InvalidLimitException",
			"Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"DescribeConfigurationAggregators", `{"Limit":-1}`, "InvalidLimitException",
			"Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"DescribePendingAggregationRequests", `{"Limit":21}`, "InvalidLimitException",
			"Value '21' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 20"},
		// The member is "limit" in lower case.
		{"GetResourceConfigHistory", `{"resourceType":"AWS::EC2::Instance","resourceId":"i-1","limit":101}`, "InvalidLimitException",
			"Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"SelectAggregateResourceConfig", `{"Expression":"SELECT 1","ConfigurationAggregatorName":"a","MaxResults":101}`, "InvalidLimitException",
			"Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		// Another violation besides the page size.
		{"DescribeConfigurationAggregators", `{"Limit":101,"ConfigurationAggregatorNames":["bad name"]}`, "ValidationException",
			"2 validation errors detected: Value 'bad name' at 'configurationAggregatorNames.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\-]+; " +
				"Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		// The operation does not model InvalidLimitException.
		{"DescribeComplianceByResource", `{"Limit":101}`, "ValidationException",
			"1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"PutConfigurationAggregator", `{}`, "ValidationException",
			"1 validation error detected: Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.body, func(t *testing.T) {
			_, err := ops[tt.op](context.Background(), []byte(tt.body))
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("got %v\nwant %s: %s", err, tt.code, tt.msg)
			}
		})
	}
}

// TestOperationsServeRawAggregators checks that the table serves the
// aggregator operations with their encoded answers, empty lists included.
func TestOperationsServeRawAggregators(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ops := Operations(New(Options{Store: st, Tokens: pagetoken.NewCodec(make([]byte, 32))}))
	ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "111111111111", Region: "us-east-1"})
	call := func(op, body string) string {
		t.Helper()
		out, err := ops[op](ctx, []byte(body))
		raw, ok := out.(shape.RawJSON)
		if err != nil || !ok {
			t.Fatalf("%s = %#v, %v; want shape.RawJSON", op, out, err)
		}
		return string(raw)
	}
	if got := call("DescribeConfigurationAggregators", `{}`); got != `{"ConfigurationAggregators":[]}` {
		t.Errorf("DescribeConfigurationAggregators = %s; want an empty list", got)
	}
	put := call("PutConfigurationAggregator", `{"ConfigurationAggregatorName":"agg","AccountAggregationSources":[{"AccountIds":["222222222222"],"AllAwsRegions":true}]}`)
	if !strings.HasPrefix(put, `{"ConfigurationAggregator":{"ConfigurationAggregatorName":"agg"`) {
		t.Errorf("PutConfigurationAggregator = %s", put)
	}
	if got := call("DescribeConfigurationAggregators", `{}`); got != `{"ConfigurationAggregators":[`+strings.TrimSuffix(strings.TrimPrefix(put, `{"ConfigurationAggregator":`), "}")+`]}` {
		t.Errorf("DescribeConfigurationAggregators = %s; want the aggregator Put answered, %s", got, put)
	}
}
