package configservice

import (
	"fmt"
	"testing"

	"github.com/starlingcfg/starling/internal/compliance/managed"
)

// TestSplitTagsOnly checks which types the evaluation reads without their
// configuration: those whose every rule reads tags only, unless some rule
// reads them as related items.
func TestSplitTagsOnly(t *testing.T) {
	tags := &managed.Rule{TagsOnly: true}
	cfg := &managed.Rule{}
	run := func(m *managed.Rule, types ...string) ruleRun { return ruleRun{m: m, types: types} }
	for _, tt := range []struct {
		name          string
		runs          []ruleRun
		read, related []string
		whole, bare   string
	}{
		{"tags only", []ruleRun{run(tags, "A", "B")}, []string{"B", "A"}, nil, "[]", "[A B]"},
		{"configuration only", []ruleRun{run(cfg, "A")}, []string{"A"}, nil, "[A]", "[]"},
		{"shared type", []ruleRun{run(tags, "A", "B", "C"), run(cfg, "B")}, []string{"A", "B", "C"}, nil, "[B]", "[A C]"},
		{"related type", []ruleRun{run(tags, "A", "B"), run(cfg, "C")}, []string{"A", "B", "C", "D"}, []string{"B", "D"}, "[B C D]", "[A]"},
		{"no runs", nil, nil, nil, "[]", "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			whole, bare := splitTagsOnly(tt.runs, tt.read, tt.related)
			if fmt.Sprint(whole) != tt.whole || fmt.Sprint(bare) != tt.bare {
				t.Errorf("splitTagsOnly = %v, %v; want %s, %s", whole, bare, tt.whole, tt.bare)
			}
		})
	}
}
