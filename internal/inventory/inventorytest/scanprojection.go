package inventorytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// scanWithoutRelationships checks ScanQuery.WithoutRelationships: every
// kind of Scan (the latest versions, of a past time, of Match) yields what
// it yields without it, each item's Relationships left empty and the rest
// whole.
func (s suite) scanWithoutRelationships(t *testing.T) {
	st := s.store(t)
	var items []inventory.Item
	for i := range 40 {
		it := ver(key([]inventory.Source{srcA, srcB}[i%2], []string{typBucket, typInstance}[i%2], fmt.Sprintf("r-%03d", i)), 1)
		it.Tags = map[string]string{"n": fmt.Sprint(i % 3)}
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
	for _, tt := range queries {
		t.Run(tt.name, func(t *testing.T) {
			whole := scanSorted(t, st, tt.q)
			related := 0
			for i := range whole {
				if len(whole[i].Relationships) > 0 {
					related++
				}
				whole[i].Relationships = nil
			}
			if related == 0 {
				t.Fatalf("the Scan yields no item with relationships: the case checks nothing")
			}
			q := tt.q
			q.WithoutRelationships = true
			got := scanSorted(t, st, q)
			for _, it := range got {
				if it.Relationships != nil {
					t.Errorf("%v: Relationships %v; want none", it.Key, it.Relationships)
				}
			}
			if d := diffItems(got, whole); d != "" {
				t.Errorf("WithoutRelationships vs the whole items, relationships left out: %s", d)
			}
		})
	}
}
