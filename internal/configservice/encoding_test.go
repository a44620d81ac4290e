package configservice

import (
	stdjson "encoding/json"
	"testing"
	"time"

	json "github.com/segmentio/encoding/json"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
)

// TestStoredEncodingMatchesEncodingJSON guards the faster JSON package used
// for stored records: the stored aggregator is also the API's answer, so it
// must be byte for byte what encoding/json would send, and read back the same.
func TestStoredEncodingMatchesEncodingJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	yes := true
	at := shape.NewTimestamp(time.Date(2026, 11, 26, 1, 2, 3, 456_000_000, time.UTC))
	for _, tt := range []struct {
		name string
		agg  configapi.ConfigurationAggregator
	}{
		{"empty", configapi.ConfigurationAggregator{}},
		{"account sources", configapi.ConfigurationAggregator{
			ConfigurationAggregatorName: str("agg-1"),
			ConfigurationAggregatorArn:  str("arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-abcdefgh"),
			AccountAggregationSources: []configapi.AccountAggregationSource{
				{AccountIds: []string{"222222222222", "333333333333"}, AllAwsRegions: &yes},
				{AccountIds: []string{"444444444444"}, AwsRegions: []string{"eu-west-1", "us-west-2"}},
			},
			CreationTime:    at,
			LastUpdatedTime: at,
		}},
		{"characters that need escaping", configapi.ConfigurationAggregator{
			ConfigurationAggregatorName: str("<a>&\"b\"\\\u2028\u2029\x01é😀"),
			OrganizationAggregationSource: &configapi.OrganizationAggregationSource{
				RoleArn: str("arn:aws:iam::111111111111:role/<script>"), AllAwsRegions: &yes,
			},
			AggregatorFilters: &configapi.AggregatorFilters{},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := stdjson.Marshal(&tt.agg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(&tt.agg)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("encoding:\ngot  %s\nwant %s", got, want)
			}
			var back, stdBack configapi.ConfigurationAggregator
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if err := stdjson.Unmarshal(want, &stdBack); err != nil {
				t.Fatal(err)
			}
			again, _ := stdjson.Marshal(&back)
			stdAgain, _ := stdjson.Marshal(&stdBack)
			if string(again) != string(stdAgain) {
				t.Errorf("decoding:\ngot  %s\nwant %s", again, stdAgain)
			}
		})
	}
}
