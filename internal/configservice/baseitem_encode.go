package configservice

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/jsonstr"
)

// The answers of the two BatchGet operations are up to 100 items, each
// with its configuration as one JSON string. They are written here by hand
// rather than through encoding/json's reflection, which was 15% of a
// BatchGetAggregateResourceConfig's CPU; the bytes are encoding/json's own
// (TestAppendBaseItem compares them).

// appendBaseItems appends items as encoding/json writes a
// []wireBaseConfigurationItem, each with its supplementary configuration
// present even when empty.
func appendBaseItems(dst []byte, items []configapi.BaseConfigurationItem) []byte {
	dst = append(dst, '[')
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendBaseItem(dst, &items[i])
	}
	return append(dst, ']')
}

// appendBaseItem appends b as encoding/json writes
// wireBaseConfigurationItem{b, b.SupplementaryConfiguration}: its members
// in declaration order, nil ones left out, and the supplementary
// configuration (the wire struct's own member) last, {} when empty.
func appendBaseItem(dst []byte, b *configapi.BaseConfigurationItem) []byte {
	first := true
	str := func(name string, v *string) {
		if v == nil {
			return
		}
		dst = appendMember(dst, &first, name)
		dst = jsonstr.Append(dst, *v, jsonstr.HTMLSafe)
	}
	ts := func(name string, v *shape.Timestamp) {
		if v == nil {
			return
		}
		dst = appendMember(dst, &first, name)
		enc, _ := v.MarshalJSON() // a number; never fails
		dst = append(dst, enc...)
	}
	dst = append(dst, '{')
	str("version", b.Version)
	str("accountId", b.AccountId)
	ts("configurationItemCaptureTime", b.ConfigurationItemCaptureTime)
	str("configurationItemStatus", b.ConfigurationItemStatus)
	str("configurationStateId", b.ConfigurationStateId)
	str("arn", b.Arn)
	str("resourceType", b.ResourceType)
	str("resourceId", b.ResourceId)
	str("resourceName", b.ResourceName)
	str("awsRegion", b.AwsRegion)
	str("availabilityZone", b.AvailabilityZone)
	ts("resourceCreationTime", b.ResourceCreationTime)
	str("configuration", b.Configuration)
	str("recordingFrequency", b.RecordingFrequency)
	ts("configurationItemDeliveryTime", b.ConfigurationItemDeliveryTime)
	dst = appendMember(dst, &first, "supplementaryConfiguration")
	dst = append(dst, '{')
	for i, k := range slices.Sorted(maps.Keys(b.SupplementaryConfiguration)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonstr.Append(dst, k, jsonstr.HTMLSafe)
		dst = append(dst, ':')
		dst = jsonstr.Append(dst, b.SupplementaryConfiguration[k], jsonstr.HTMLSafe)
	}
	return append(dst, '}', '}')
}

// appendMember appends an object member's name (a plain ASCII one), after
// a comma unless it is the first.
func appendMember(dst []byte, first *bool, name string) []byte {
	if !*first {
		dst = append(dst, ',')
	}
	*first = false
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

// appendBatchAnswer appends the object {"<itemsName>": items,
// "<restName>": rest} of a BatchGet's answer; rest is encoded by
// encoding/json.
func appendBatchAnswer(itemsName string, items []configapi.BaseConfigurationItem, restName string, rest any) (shape.RawJSON, error) {
	enc, err := json.Marshal(rest)
	if err != nil {
		return nil, err
	}
	dst := make([]byte, 0, 1024)
	dst = append(dst, `{"`...)
	dst = append(dst, itemsName...)
	dst = append(dst, `":`...)
	dst = appendBaseItems(dst, items)
	dst = append(dst, `,"`...)
	dst = append(dst, restName...)
	dst = append(dst, `":`...)
	dst = append(dst, enc...)
	return append(dst, '}'), nil
}
