package inventorytest

import (
	"encoding/json"
	"fmt"
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
		name        string
		rels, cfg   bool
		leaveOut    func(*inventory.Item)
		hasWhatGoes func(*inventory.Item) bool
	}{
		{"WithoutRelationships", true, false, func(it *inventory.Item) { it.Relationships = nil },
			func(it *inventory.Item) bool { return len(it.Relationships) > 0 }},
		{"WithoutConfiguration", false, true, func(it *inventory.Item) { it.Configuration, it.SupplementaryConfiguration = nil, nil },
			func(it *inventory.Item) bool {
				return len(it.Configuration) > 0 && len(it.SupplementaryConfiguration) > 0
			}},
		{"both", true, true, func(it *inventory.Item) {
			it.Relationships, it.Configuration, it.SupplementaryConfiguration = nil, nil, nil
		}, func(it *inventory.Item) bool {
			return len(it.Relationships) > 0 && len(it.Configuration) > 0 && len(it.SupplementaryConfiguration) > 0
		}},
	}
	for _, tt := range queries {
		for _, p := range projections {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				whole := scanSorted(t, st, tt.q)
				having := 0
				for i := range whole {
					if p.hasWhatGoes(&whole[i]) {
						having++
					}
					p.leaveOut(&whole[i])
				}
				if having == 0 {
					t.Fatalf("the Scan yields no item with what %s leaves out: the case checks nothing", p.name)
				}
				q := tt.q
				q.WithoutRelationships, q.WithoutConfiguration = p.rels, p.cfg
				got := scanSorted(t, st, q)
				for _, it := range got {
					if (p.rels && it.Relationships != nil) || (p.cfg && (it.Configuration != nil || it.SupplementaryConfiguration != nil)) {
						t.Errorf("%v: %s left %+v", it.Key, p.name, it)
					}
				}
				if d := diffItems(got, whole); d != "" {
					t.Errorf("%s vs the whole items, those parts left out: %s", p.name, d)
				}
			})
		}
	}
}
