package eval

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query/catalog"
)

// TimeLayout is how the document writes the top-level times
// (configurationItemCaptureTime, resourceCreationTime): ISO 8601 in UTC to
// the millisecond, "2020-02-21T07:39:43.771Z" (B.3 item 12).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Document returns the configuration item in the query form (B.3), the
// tree that Match reads and Project cuts the results from. Its values are
// map[string]any (objects), []any (arrays), string, json.Number and bool;
// there is no nil anywhere.
//
//   - The scalars accountId, awsRegion, arn, availabilityZone,
//     configurationItemCaptureTime, configurationItemStatus,
//     configurationStateId, resourceCreationTime, resourceId, resourceName,
//     resourceType and version are strings; the times are in TimeLayout;
//     configurationStateId is StateID in decimal and always present. Those
//     the item has empty (zero times, "" strings) are absent. The item has
//     no configurationItemDeliveryTime or recordingFrequency, so the
//     document never has them.
//   - configuration is the recorded JSON, numbers kept as written
//     (json.Number), with every null dropped (object members and array
//     elements); it is absent when the item's is empty, null or not valid
//     JSON.
//   - supplementaryConfiguration is an object, always present (maybe {}),
//     of the recorded values (nulls dropped the same way); a value that is
//     null or not valid JSON is left out.
//   - tags is an array, always present (maybe []), of {"key","value"}
//     objects in key order (a "" value is kept: it is a value, not a
//     null). The derived tags.tag ("key=value") is not in the document;
//     Match and Project make it on demand.
//   - relationships is an array, always present (maybe []), of objects with
//     resourceId, resourceName, resourceType and relationshipName, each
//     left out when empty, in the item's order.
//
// Inside configuration and supplementaryConfiguration, a member whose
// value is a scalar or an array of scalars is wrapped as {"value": v} (an
// array element by element, [{"value": e}, …]) when the catalogue has the
// path X.value for the item's resource type but not X itself (B.3 item 7):
// AWS::EC2::Volume's "state":"available" becomes "state":{"value":
// "available"}, while AWS::EC2::Instance's state, an object, is kept. Paths
// are the members' names joined by dots; arrays add no segment. Types that
// are not queryable have no catalogue, so nothing is wrapped for them.
func Document(it *inventory.Item) map[string]any { return document(it, nil) }

// document is Document with, when need is not nil, only the members of
// configuration and supplementaryConfiguration that need names.
func document(it *inventory.Item, need *needs) map[string]any {
	d := map[string]any{}
	put := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	putTime := func(k string, t time.Time) {
		if !t.IsZero() {
			d[k] = t.UTC().Format(TimeLayout)
		}
	}
	put("accountId", it.AccountID)
	put("awsRegion", it.AWSRegion)
	put("arn", it.ARN)
	put("availabilityZone", it.AvailabilityZone)
	putTime("configurationItemCaptureTime", it.CaptureTime)
	put("configurationItemStatus", it.Status)
	d["configurationStateId"] = strconv.FormatInt(it.StateID, 10)
	putTime("resourceCreationTime", it.ResourceCreationTime)
	put("resourceId", it.ResourceID)
	put("resourceName", it.ResourceName)
	put("resourceType", it.ResourceType)
	put("version", it.Version)

	rt := it.ResourceType
	var conf any
	var ok bool
	if need == nil || need.allConfig {
		conf, ok = decode(it.Configuration)
	} else {
		conf, ok = decodeMembers(it.Configuration, need.config)
	}
	if ok {
		d["configuration"] = wrap(rt, "configuration", conf)
	}
	sc := map[string]any{}
	for k, raw := range it.SupplementaryConfiguration {
		if need != nil && !need.allSup && !need.sup[k] {
			continue
		}
		if v, ok := decode(raw); ok {
			sc[k] = v
		}
	}
	d["supplementaryConfiguration"] = wrap(rt, "supplementaryConfiguration", sc)

	tags := []any{}
	for _, k := range slices.Sorted(maps.Keys(it.Tags)) {
		tags = append(tags, map[string]any{"key": k, "value": it.Tags[k]})
	}
	d["tags"] = tags

	rels := []any{}
	for _, r := range it.Relationships {
		m := map[string]any{}
		for k, v := range map[string]string{
			"resourceId": r.ResourceID, "resourceName": r.ResourceName,
			"resourceType": r.ResourceType, "relationshipName": r.Name,
		} {
			if v != "" {
				m[k] = v
			}
		}
		rels = append(rels, m)
	}
	d["relationships"] = rels
	return d
}

// decode parses one JSON value, numbers as json.Number, and drops its
// nulls; ok is false for empty or invalid text and for null.
func decode(raw json.RawMessage) (v any, ok bool) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing data
	}
	v = dropNulls(v)
	return v, v != nil
}

// dropNulls removes the null members of objects and the null elements of
// arrays, at every depth. An object or array that only held nulls stays,
// empty ({} or []), as AWS renders BucketLoggingConfiguration {} (B.3
// item 6).
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if c == nil {
				delete(x, k)
			} else {
				x[k] = dropNulls(c)
			}
		}
	case []any:
		out := x[:0]
		for _, c := range x {
			if c != nil {
				out = append(out, dropNulls(c))
			}
		}
		return out
	}
	return v
}

// wrap applies the {"value": …} wrapping to the members of v, the value at
// path.
func wrap(rt, path string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := path + "." + k
			if wrapsValue(rt, p) && scalarOrScalars(c) {
				x[k] = wrapOne(c)
			} else {
				x[k] = wrap(rt, p, c)
			}
		}
	case []any:
		for i, c := range x {
			x[i] = wrap(rt, path, c)
		}
	}
	return v
}

// wrapsValue reports whether the catalogue addresses path of rt as
// path.value (and not as path itself).
func wrapsValue(rt, path string) bool {
	if _, ok := catalog.PropertyType(rt, path+".value"); !ok {
		return false
	}
	_, leaf := catalog.PropertyType(rt, path)
	return !leaf
}

func scalarOrScalars(v any) bool {
	if a, ok := v.([]any); ok {
		for _, e := range a {
			if !isScalar(e) {
				return false
			}
		}
		return true
	}
	return isScalar(v)
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, json.Number, bool:
		return true
	}
	return false
}

func wrapOne(v any) any {
	if a, ok := v.([]any); ok {
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = map[string]any{"value": e}
		}
		return out
	}
	return map[string]any{"value": v}
}
