package managed

import (
	"path/filepath"
	"testing"
)

// TestTagsOnly checks Rule.TagsOnly against every sample: a rule that says
// it reads tags only gives each item, with every parameter set below, the
// verdict it gives the item without its configuration and supplementary
// configuration (what the evaluation's Scan leaves out for such a rule).
// The items are also taken as if of each of the rule's types, so that the
// check runs in its scope.
func TestTagsOnly(t *testing.T) {
	samples, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(samples) == 0 {
		t.Fatalf("samples: %v, %v", samples, err)
	}
	params := []Params{nil, {"tag1Key": "team"}, {"tag1Key": "Name", "tag2Key": "env", "tag2Value": "prod,dev"}, {"tag1Key": "CostCenter", "tag1Value": "1"}}
	tagsOnly, evaluated := 0, 0
	for _, id := range Identifiers() {
		r := mustRule(t, id)
		if !r.TagsOnly {
			continue
		}
		tagsOnly++
		for _, sample := range samples {
			for _, it := range loadItems(t, filepath.Base(sample)) {
				for _, typ := range r.ResourceTypes {
					it.ResourceType = typ
					bare := it
					bare.Configuration, bare.SupplementaryConfiguration = nil, nil
					for _, p := range params {
						v, w := r.Evaluate(&it, p, nil), r.Evaluate(&bare, p, nil)
						if v != w {
							t.Errorf("%s on %s as %s %v: %+v; without the configuration %+v", id, sample, typ, p, v, w)
						}
						evaluated++
					}
				}
			}
		}
	}
	if tagsOnly == 0 || evaluated == 0 {
		t.Fatalf("%d rules read tags only, %d verdicts compared: the test checks nothing", tagsOnly, evaluated)
	}
	if r := mustRule(t, "REQUIRED_TAGS"); !r.TagsOnly {
		t.Error("REQUIRED_TAGS is not TagsOnly: the evaluation reads every configuration of its 30 types")
	}
}
