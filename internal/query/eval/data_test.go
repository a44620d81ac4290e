package eval

import (
	"iter"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/querytest/golden"
)

// dataset returns the golden table's items.
func dataset() []inventory.Item { return golden.Dataset() }

// seq returns the items as a store's Scan would.
func seq(items []inventory.Item) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

func mustParse(t *testing.T, expr string) *query.Query {
	t.Helper()
	q, err := query.Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return q
}

// docOf returns the document of the dataset's item of that type and id.
func docOf(t *testing.T, rt, id string) map[string]any {
	t.Helper()
	for _, it := range dataset() {
		if it.ResourceType == rt && it.ResourceID == id {
			return Document(&it)
		}
	}
	t.Fatalf("no item %s %s", rt, id)
	return nil
}
