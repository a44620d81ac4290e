package inventorytest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// scanProjections checks ScanQuery.WithoutRelationships and
// WithoutConfiguration, alone and together: every kind of Scan (the latest
// versions, of a past time, of Match) yields what it yields without them,
// each item's parts that they name left empty and the rest whole.
func (s suite) scanProjections(t *testing.T) {
	st := s.store(t)
	var items []inventory.Item
	for i := range 40 {
		it := ver(key([]inventory.Source{srcA, srcB}[i%2], []string{typBucket, typInstance}[i%2], fmt.Sprintf("r-%03d", i)), 1)
		it.Tags = map[string]string{"n": fmt.Sprint(i % 3)}
		if i%3 == 0 {
			it.SupplementaryConfiguration = map[string]json.RawMessage{"BucketVersioningConfiguration": json.RawMessage(`{"status":"Enabled"}`)}
		}
		if i%4 != 3 {
			it.Relationships = []inventory.Relationship{
				{ResourceType: "AWS::EC2::VPC", ResourceID: fmt.Sprintf("vpc-%d", i), Name: "Is contained in Vpc"},
				{ResourceType: "AWS::IAM::Role", ResourceName: "role", Name: "Is associated with Role"},
			}
		}
		items = append(items, it)
	}
	write(t, st, items...)
	queries := []struct {
		name string
		q    inventory.ScanQuery
	}{
		{"every source", inventory.ScanQuery{Scope: inventory.AllSources()}},
		{"one source, one type", inventory.ScanQuery{Scope: inventory.OneSource(srcA), Filter: inventory.Filter{ResourceTypes: []string{typBucket}}}},
		{"of a past time", inventory.ScanQuery{Scope: inventory.AllSources(), At: time.Now().Add(time.Hour)}},
		{"of terms", inventory.ScanQuery{Scope: inventory.AllSources(), Match: [][]inventory.Term{{term("relationships.resourceName", "role")}}}},
	}
	projections := []struct {
		name string
		rels bool
		bare []string
	}{
		{"WithoutRelationships", true, nil},
		{"WithoutConfigurationOf buckets", false, []string{typBucket}},
		{"both", true, []string{typBucket}},
		{"WithoutConfigurationOf every type", true, slices.Sorted(slices.Values([]string{typBucket, typInstance}))},
	}
	for _, tt := range queries {
		for _, p := range projections {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				whole := scanSorted(t, st, tt.q)
				losing := 0
				for i := range whole {
					it := &whole[i]
					bare := slices.Contains(p.bare, it.ResourceType)
					if (p.rels && len(it.Relationships) > 0) || (bare && len(it.Configuration) > 0 && len(it.SupplementaryConfiguration) > 0) {
						losing++
					}
					if p.rels {
						it.Relationships = nil
					}
					if bare {
						it.Configuration, it.SupplementaryConfiguration = nil, nil
					}
				}
				if losing == 0 {
					t.Fatalf("the Scan yields no item with what %s leaves out: the case checks nothing", p.name)
				}
				q := tt.q
				q.WithoutRelationships, q.WithoutConfigurationOf = p.rels, p.bare
				got := scanSorted(t, st, q)
				if d := diffItems(got, whole); d != "" {
					t.Errorf("%s vs the whole items, those parts left out: %s", p.name, d)
				}
			})
		}
	}
}
