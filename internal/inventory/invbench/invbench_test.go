package invbench

import (
	"reflect"
	"testing"
)

func TestItems(t *testing.T) {
	n := 2*PerSource + 17
	seen := map[any]bool{}
	cis := 0
	for batch := range Batches(n) {
		items := BatchItems(batch, n, nil)
		cis += len(items)
		for _, it := range items {
			if err := it.Key.Check(); err != nil {
				t.Fatalf("%+v: %v", it.Key, err)
			}
			type version struct {
				k  any
				id int64
			}
			if v := (version{it.Key, it.StateID}); seen[v] {
				t.Fatalf("version %v twice", v)
			} else {
				seen[v] = true
			}
		}
	}
	if want := n + (n+9)/10; cis != want {
		t.Errorf("got %d CIs, want %d", cis, want)
	}
	if Source(PerSource-1) == Source(PerSource) || Source(0).AccountID != Source(PerSource).AccountID {
		t.Errorf("sources: %v, %v, %v", Source(0), Source(PerSource-1), Source(PerSource))
	}
	if !reflect.DeepEqual(Item(123, 1), Item(123, 1)) {
		t.Error("Item is not deterministic")
	}
	// The generator is the benchmarks' figures' baseline: it must not change.
	if k := Key(12345); k.AccountID != "100000000001" || k.Region != "us-east-1" || k.ResourceType != "AWS::EC2::VPC" ||
		k.ResourceID != "vpc-002f45280db2a36a0" || Item(12345, 1).StateID != 1735705545000 {
		t.Errorf("resource 12345: got %+v", k)
	}
	if k := Key(7); k.ResourceType != "AWS::IAM::Role" || k.ResourceID != "AROAF5C5CE19F29D15BE" {
		t.Errorf("resource 7: got %+v", k)
	}
	if it := Item(50, 1); !it.Deleted() {
		t.Errorf("version 1 of resource 50: status %s, want a deletion", it.Status)
	}
}
