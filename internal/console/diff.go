package console

import (
	"encoding/json"
	"sort"
	"strconv"

	"github.com/starlingcfg/starling/internal/api/configapi"
)

// change is one difference between two versions of a resource: a value
// at a path that was added, removed or changed.
type change struct {
	Path   string
	Kind   string // added, removed or changed
	Before string
	After  string
}

// diffItems returns what changed from version a to version b: their
// configuration, supplementary configuration (each value a JSON document,
// as the API gives them), tags, relationships and status, as the leaf
// values that differ, by path, in path order.
func diffItems(a, b *configapi.ConfigurationItem) []change {
	fa, fb := flatItem(a), flatItem(b)
	var out []change
	for p, va := range fa {
		vb, ok := fb[p]
		switch {
		case !ok:
			out = append(out, change{Path: p, Kind: "removed", Before: va})
		case va != vb:
			out = append(out, change{Path: p, Kind: "changed", Before: va, After: vb})
		}
	}
	for p, vb := range fb {
		if _, ok := fa[p]; !ok {
			out = append(out, change{Path: p, Kind: "added", After: vb})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// flatItem returns an item's compared values by path.
func flatItem(it *configapi.ConfigurationItem) map[string]string {
	m := map[string]string{}
	m["configurationItemStatus"] = deref(it.ConfigurationItemStatus)
	flatten(m, "configuration", parseJSON(deref(it.Configuration)))
	for k, v := range it.SupplementaryConfiguration {
		flatten(m, "supplementaryConfiguration."+k, parseJSON(v))
	}
	for k, v := range it.Tags {
		m["tags."+k] = v
	}
	for _, r := range it.Relationships {
		m["relationships."+deref(r.RelationshipName)+" "+deref(r.ResourceType)+" "+deref(r.ResourceId)] = "present"
	}
	return m
}

// parseJSON decodes doc, or returns it as a string when it is not JSON.
func parseJSON(doc string) any {
	if doc == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	return v
}

// flatten adds v's leaf values to m under prefix: members as .name,
// elements as [i].
func flatten(m map[string]string, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			m[prefix] = "{}"
		}
		for k, e := range x {
			flatten(m, prefix+"."+k, e)
		}
	case []any:
		if len(x) == 0 {
			m[prefix] = "[]"
		}
		for i, e := range x {
			flatten(m, prefix+"["+strconv.Itoa(i)+"]", e)
		}
	case nil:
		m[prefix] = "null"
	case string:
		m[prefix] = strconv.Quote(x)
	default:
		b, _ := json.Marshal(x)
		m[prefix] = string(b)
	}
}
