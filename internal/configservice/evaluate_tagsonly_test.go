package configservice

import (
	"fmt"
	"testing"

	"github.com/starlingcfg/starling/internal/compliance/managed"
)

// TestTagsOnlyTypes checks which types the evaluation reads without their
// configuration: those whose every rule reads tags only, unless some rule
// reads them as related items.
func TestTagsOnlyTypes(t *testing.T) {
	tags := &managed.Rule{TagsOnly: true}
	cfg := &managed.Rule{}
	run := func(m *managed.Rule, types ...string) ruleRun { return ruleRun{m: m, types: types} }
	for _, tt := range []struct {
		name          string
		runs          []ruleRun
		read, related []string
		bare          string
	}{
		{"tags only", []ruleRun{run(tags, "A", "B")}, []string{"B", "A"}, nil, "[A B]"},
		{"configuration only", []ruleRun{run(cfg, "A")}, []string{"A"}, nil, "[]"},
		{"shared type", []ruleRun{run(tags, "A", "B", "C"), run(cfg, "B")}, []string{"A", "B", "C"}, nil, "[A C]"},
		{"related type", []ruleRun{run(tags, "A", "B"), run(cfg, "C")}, []string{"A", "B", "C", "D"}, []string{"B", "D"}, "[A]"},
		{"no runs", nil, nil, nil, "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if bare := tagsOnlyTypes(tt.runs, tt.read, tt.related); fmt.Sprint(bare) != tt.bare {
				t.Errorf("tagsOnlyTypes = %v; want %s", bare, tt.bare)
			}
		})
	}
}
