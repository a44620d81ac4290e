package inventorytest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invterms"
)

// hasTerms reports whether it has, for each element of match, one of its
// terms (invterms.Of): what ScanQuery.Match admits.
func hasTerms(it inventory.Item, match [][]inventory.Term) bool {
	set := invterms.Of(&it)
	has := func(t inventory.Term) bool {
		h := invterms.Hash(t.Path, t.Text)
		for i := 0; i+invterms.Size <= len(set); i += invterms.Size {
			if binary.LittleEndian.Uint32(set[i:]) == h {
				return true
			}
		}
		return false
	}
	for _, terms := range match {
		if !slices.ContainsFunc(terms, has) {
			return false
		}
	}
	return true
}

// scanSorted returns what the Scan q yields, sorted in List order (with
// Match, a backend's order is its own).
func scanSorted(t *testing.T, st inventory.Store, q inventory.ScanQuery) []inventory.Item {
	t.Helper()
	got := scanAll(t, st, q)
	slices.SortFunc(got, listCmp)
	return got
}

func term(path, text string) inventory.Term { return inventory.Term{Path: path, Text: text} }

// scanMatch checks ScanQuery.Match: a backend returns exactly the items
// whose latest version has the terms (a backend keeps terms hashed, so it
// could return more on a collision; these few terms have none), within the
// scope and filter, whatever else the resource's older versions held.
func (s suite) scanMatch(t *testing.T) {
	st := s.store(t)
	m := seedFixture(t, st)
	// Configurations with arrays and a tag of another value, and a
	// resource whose new version drops a value its older one had.
	kArr, kGone := key(srcB, typBucket, "arrays"), key(srcC, typInstance, "gone")
	arr := ver(kArr, 1)
	arr.Configuration = json.RawMessage(`{"rules":[{"ports":[22,"443"]},{"ports":[[3389]]}],"owner":"ops","state":"2"}`)
	arr.Tags = map[string]string{"team": "ops"}
	gone1, gone2 := ver(kGone, 1), ver(kGone, 2)
	gone1.Configuration = json.RawMessage(`{"owner":"ops"}`)
	gone2.Configuration = json.RawMessage(`{"owner":"dev"}`)
	del := deleted(ver(key(srcA, typVolume, "vol-del"), 3))
	del.Relationships = []inventory.Relationship{{ResourceType: typInstance, ResourceID: "i-9", Name: "Is attached to Instance"}}
	for _, it := range []inventory.Item{arr, gone1, gone2, del} {
		write(t, st, it)
		m.add(it)
	}

	all := inventory.AllSources()
	two := inventory.NewScope([]inventory.Source{srcA, srcC})
	// The same two among a hundred that hold nothing: a backend may read
	// a large set of sources otherwise than a small one.
	many := []inventory.Source{srcA, srcC}
	for i := range 100 {
		many = append(many, inventory.Source{AccountID: fmt.Sprintf("9%011d", i), Region: "us-east-1"})
	}
	hundred := inventory.NewScope(many)
	for _, tc := range []struct {
		name   string
		scope  *inventory.Scope
		filter inventory.Filter
		match  [][]inventory.Term
		want   int // how many items the model admits, so that no row is vacuous
	}{
		{"one term", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "2")}}, 37},
		{"older versions' terms do not count", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "1")}}, 0},
		{"a deleted resource", all, inventory.Filter{}, [][]inventory.Term{{term("relationships.resourceId", "i-9")}}, 0},
		{"with deleted", all, inventory.Filter{IncludeDeleted: true}, [][]inventory.Term{{term("relationships.resourceId", "i-9")}}, 1},
		{"a disjunction", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "1"), term("configuration.state", "3")}}, 1},
		{"a conjunction", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "2")}, {term("tags.value", "r1")}}, 12},
		{"no resource has it", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "2")}, {term("tags.value", "nothing")}}, 0},
		{"through arrays, any depth", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.rules.ports", "3389")}, {term("configuration.rules.ports", "443")}}, 1},
		{"a number's text", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.rules.ports", "22")}}, 1},
		{"tags", all, inventory.Filter{}, [][]inventory.Term{{term("tags.key", "team")}, {term("tags.value", "ops")}}, 1},
		{"a value the latest version dropped", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.owner", "ops")}}, 1},
		{"a value the latest version has", all, inventory.Filter{}, [][]inventory.Term{{term("configuration.owner", "dev")}}, 1},
		{"a set of sources", two, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "2")}}, 18},
		{"a hundred sources", hundred, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "2")}}, 18},
		{"a hundred sources, one type", hundred, inventory.Filter{ResourceTypes: []string{typInstance}}, [][]inventory.Term{{term("configuration.state", "2")}}, 6},
		{"a hundred sources, an account", hundred, inventory.Filter{AccountID: srcC.AccountID}, [][]inventory.Term{{term("configuration.state", "2")}}, 9},
		{"one type", two, inventory.Filter{ResourceTypes: []string{typInstance}}, [][]inventory.Term{{term("configuration.state", "2")}}, 6},
		{"two types", all, inventory.Filter{ResourceTypes: []string{typInstance, typRole}}, [][]inventory.Term{{term("configuration.state", "2")}}, 24},
		{"an account", all, inventory.Filter{AccountID: srcA.AccountID}, [][]inventory.Term{{term("configuration.state", "2")}}, 18},
		{"ids", all, inventory.Filter{ResourceIDs: []string{"r1", "r3"}}, [][]inventory.Term{{term("configuration.state", "2")}}, 24},
		{"a name", all, inventory.Filter{ResourceName: "shared-r2"}, [][]inventory.Term{{term("configuration.state", "2")}}, 12},
		{"an empty scope", &inventory.Scope{}, inventory.Filter{}, [][]inventory.Term{{term("configuration.state", "2")}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := slices.DeleteFunc(m.list(tc.scope, tc.filter), func(it inventory.Item) bool { return !hasTerms(it, tc.match) })
			if len(want) != tc.want {
				t.Fatalf("the model admits %d items, the table says %d", len(want), tc.want)
			}
			got := scanSorted(t, st, inventory.ScanQuery{Scope: tc.scope, Filter: tc.filter, Match: tc.match})
			if d := diffItems(got, want); d != "" {
				t.Errorf("Scan with Match: %s", d)
			}
		})
	}

	t.Run("ignored with At", func(t *testing.T) {
		at := t0.Add(90 * time.Second) // StateID 1's versions
		q := inventory.ScanQuery{Scope: all, At: at}
		want := scanAll(t, st, q)
		q.Match = [][]inventory.Term{{term("configuration.state", "2")}}
		if d := diffItems(scanAll(t, st, q), want); d != "" || len(want) == 0 {
			t.Errorf("Scan At with Match (%d items without): %s", len(want), d)
		}
	})
}

// scanMatchPages checks Match over more resources than a backend's page,
// and after Writes that change, and Reset that clears, the terms.
func (s suite) scanMatchPages(t *testing.T) {
	st := s.store(t)
	var items []inventory.Item
	for i := range 1300 {
		it := ver(key([]inventory.Source{srcA, srcB, srcC}[i%3], []string{typBucket, typInstance}[i%2], fmt.Sprintf("res-%05d", i)), 1)
		it.Configuration = json.RawMessage(fmt.Sprintf(`{"parity":"%d","tens":"%d"}`, i%2, i/10%10))
		items = append(items, it)
	}
	write(t, st, items...)
	m := newModel(items...)
	match := [][]inventory.Term{{term("configuration.tens", "3"), term("configuration.tens", "4"), term("configuration.tens", "5"),
		term("configuration.tens", "6"), term("configuration.tens", "7"), term("configuration.tens", "8")}}
	check := func(step string, wantN int) {
		t.Helper()
		want := slices.DeleteFunc(m.list(inventory.AllSources(), inventory.Filter{}), func(it inventory.Item) bool { return !hasTerms(it, match) })
		if len(want) != wantN {
			t.Fatalf("%s: the model admits %d items, want %d", step, len(want), wantN)
		}
		got := scanSorted(t, st, inventory.ScanQuery{Scope: inventory.AllSources(), Match: match})
		if d := diffItems(got, want); d != "" {
			t.Errorf("%s: Scan with Match: %s", step, d)
		}
	}
	check("written", 780)
	// New versions of 300 resources move them out of the match.
	var next []inventory.Item
	for i := 300; i < 600; i++ {
		it := ver(items[i].Key, 2)
		it.Configuration = json.RawMessage(`{"tens":"0"}`)
		next = append(next, it)
		m.add(it)
	}
	write(t, st, next...)
	check("after new versions", 600)
	if err := st.Reset(t.Context()); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	m = newModel()
	check("after Reset", 0)
}
