package configservice

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
)

// TestAppendBaseItem checks that the hand-written encoding of
// BaseConfigurationItems is byte for byte encoding/json's, for items with
// every member present or absent and strings that need every kind of
// escape.
func TestAppendBaseItem(t *testing.T) {
	hostile := []string{
		"", "plain", `{"a":"b\"c","d":[1,2.5e3,null],"e":"<tag>&amp;"}`, "\b\f\n\r\t\x00\x1f\x7f",
		"\u2028\u2029", "\xff\xfe invalid", "é日本語🙂", `back\slash`, "a=b'c",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() *string {
		if rng.IntN(4) == 0 {
			return nil
		}
		return ptr(hostile[rng.IntN(len(hostile))])
	}
	stamp := func() *shape.Timestamp {
		if rng.IntN(3) == 0 {
			return nil
		}
		return shape.NewTimestamp(time.UnixMilli(rng.Int64N(2e12)))
	}
	var items []configapi.BaseConfigurationItem
	for range 300 {
		b := configapi.BaseConfigurationItem{
			Version: pick(), AccountId: pick(), ConfigurationItemCaptureTime: stamp(), ConfigurationItemStatus: pick(),
			ConfigurationStateId: pick(), Arn: pick(), ResourceType: pick(), ResourceId: pick(), ResourceName: pick(),
			AwsRegion: pick(), AvailabilityZone: pick(), ResourceCreationTime: stamp(), Configuration: pick(),
			RecordingFrequency: pick(), ConfigurationItemDeliveryTime: stamp(),
		}
		switch rng.IntN(3) {
		case 0: // nil
		case 1:
			b.SupplementaryConfiguration = map[string]string{}
		default:
			b.SupplementaryConfiguration = map[string]string{}
			for range 1 + rng.IntN(4) {
				b.SupplementaryConfiguration[*ptr(hostile[rng.IntN(len(hostile))])] = hostile[rng.IntN(len(hostile))]
			}
		}
		items = append(items, b)
	}
	for i := range items {
		b := &items[i]
		w := wireBaseConfigurationItem{BaseConfigurationItem: b, SupplementaryConfiguration: b.SupplementaryConfiguration}
		if w.SupplementaryConfiguration == nil {
			w.SupplementaryConfiguration = map[string]string{}
		}
		want, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendBaseItem(nil, b); string(got) != string(want) {
			t.Fatalf("item %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// Whole answers, with and without items.
	for _, n := range []int{0, 1, 100} {
		out := &configapi.BatchGetAggregateResourceConfigResponse{
			BaseConfigurationItems:         items[:n],
			UnprocessedResourceIdentifiers: []configapi.AggregateResourceIdentifier{{SourceAccountId: ptr("111111111111"), ResourceId: ptr("<i>")}},
		}
		got, err := encodeBatchGetAggregate(out)
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			BaseConfigurationItems         []json.RawMessage
			UnprocessedResourceIdentifiers []configapi.AggregateResourceIdentifier
		}
		if err := json.Unmarshal(got, &back); err != nil || len(back.BaseConfigurationItems) != n || len(back.UnprocessedResourceIdentifiers) != 1 {
			t.Errorf("%d items: %s does not decode to them: %v", n, got, err)
		}
	}
}
