package awsjson_test

import (
	"net/http/httptest"
	"testing"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/awsjson"
)

// TestWriteResponseCollections checks that an output's list and map
// members are sent even when nil, as [] (AWS sends them; boto3 code indexes
// them), while nested optional members stay absent.
func TestWriteResponseCollections(t *testing.T) {
	name := "agg"
	tests := []struct {
		name string
		out  any
		want string
	}{
		{"nil list", &configapi.DescribeAggregationAuthorizationsResponse{}, `{"AggregationAuthorizations":[]}`},
		{"nil list of Organizations", &orgapi.ListAWSServiceAccessForOrganizationResponse{}, `{"EnabledServicePrincipals":[]}`},
		{"empty list", &configapi.ListTagsForResourceResponse{Tags: []configapi.Tag{}}, `{"Tags":[]}`},
		{"nested lists stay absent", &configapi.DescribeConfigurationAggregatorsResponse{
			ConfigurationAggregators: []configapi.ConfigurationAggregator{{ConfigurationAggregatorName: &name}},
		}, `{"ConfigurationAggregators":[{"ConfigurationAggregatorName":"agg"}]}`},
		{"no collections", &configapi.PutConfigurationAggregatorResponse{}, `{}`},
		{"empty output", &shape.Empty{}, `{}`},
		{"raw", shape.RawJSON(`{"ConfigurationAggregators":[]}`), `{"ConfigurationAggregators":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := awsjson.WriteResponse(w, "req-1", tt.out); err != nil {
				t.Fatal(err)
			}
			if got := w.Body.String(); w.Code != 200 || got != tt.want {
				t.Errorf("WriteResponse = %d %s; want 200 %s", w.Code, got, tt.want)
			}
			if ct := w.Header().Get("Content-Type"); ct != awsjson.ContentType {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}
