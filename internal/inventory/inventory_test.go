package inventory

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestKeyCheck(t *testing.T) {
	ok := Key{Source: Source{AccountID: "1", Region: "r"}, ResourceType: "t", ResourceID: "i"}
	if err := ok.Check(); err != nil {
		t.Errorf("Check of a full key: %v", err)
	}
	for _, tt := range []struct {
		clear func(*Key)
		want  string
	}{
		{func(k *Key) { k.AccountID = "" }, "empty account id"},
		{func(k *Key) { k.Region = "" }, "empty region"},
		{func(k *Key) { k.ResourceType = "" }, "empty resource type"},
		{func(k *Key) { k.ResourceID = "" }, "empty resource id"},
		{func(k *Key) { *k = Key{} }, "empty account id"},
	} {
		k := ok
		tt.clear(&k)
		if err := k.Check(); err == nil || err.Error() != tt.want {
			t.Errorf("Check(%+v): got %v, want %q", k, err, tt.want)
		}
	}
}

func TestSortedSources(t *testing.T) {
	a1, a2, b1 := Source{"a", "1"}, Source{"a", "2"}, Source{"b", "1"}
	sc := &Scope{Sources: []Source{b1, a2, a1, b1, a2}}
	got := sc.SortedSources()
	if want := []Source{a1, a2, b1}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if sc.Sources[0] != b1 || len(sc.Sources) != 5 {
		t.Errorf("SortedSources changed the scope: %v", sc.Sources)
	}
	if got := AllSources().SortedSources(); got != nil {
		t.Errorf("every source: got %v, want nil", got)
	}
	if got := (&Scope{All: true, Sources: []Source{a1}}).SortedSources(); got != nil {
		t.Errorf("every source, with sources: got %v, want nil", got)
	}
	if got := (&Scope{}).SortedSources(); len(got) != 0 {
		t.Errorf("no source: got %v", got)
	}
	// Sources already in order come back as they are, without a copy;
	// duplicates or disorder anywhere make a sorted copy.
	for _, tt := range []struct {
		name string
		in   []Source
		want []Source
		same bool
	}{
		{"sorted", []Source{a1, a2, b1}, []Source{a1, a2, b1}, true},
		{"one", []Source{b1}, []Source{b1}, true},
		{"duplicate at the end", []Source{a1, b1, b1}, []Source{a1, b1}, false},
		{"duplicate at the start", []Source{a1, a1, a2}, []Source{a1, a2}, false},
		{"out of order at the end", []Source{a1, b1, a2}, []Source{a1, a2, b1}, false},
	} {
		got := (&Scope{Sources: tt.in}).SortedSources()
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		if same := &got[0] == &tt.in[0]; same != tt.same {
			t.Errorf("%s: result is the scope's own slice: %v, want %v", tt.name, same, tt.same)
		}
	}
}

func TestNarrowSources(t *testing.T) {
	a1, a2, b1 := Source{"a", "1"}, Source{"a", "2"}, Source{"b", "1"}
	srcs := []Source{a1, a2, b1}
	for _, tt := range []struct {
		f    Filter
		want []Source
	}{
		{Filter{}, srcs},
		{Filter{AccountID: "a"}, []Source{a1, a2}},
		{Filter{Region: "1"}, []Source{a1, b1}},
		{Filter{AccountID: "a", Region: "2"}, []Source{a2}},
		{Filter{AccountID: "c"}, nil},
	} {
		if got := tt.f.NarrowSources(srcs); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
		}
	}
}

func TestCompareSources(t *testing.T) {
	for _, tt := range []struct {
		a, b Source
		want int
	}{
		{Source{"a", "2"}, Source{"b", "1"}, -1},
		{Source{"a", "2"}, Source{"a", "1"}, 1},
		{Source{"a", "1"}, Source{"a", "1"}, 0},
	} {
		if got := CompareSources(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSources(%v, %v): got %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestScanPages(t *testing.T) {
	item := func(id string) Item { return Item{Key: Key{ResourceID: id}} }
	pages := [][]Item{{item("a"), item("b")}, {item("c")}, {item("d"), item("e")}}
	var afters []string
	read := func(after *Key) ([]Item, bool, error) {
		i := 0
		if after != nil {
			afters = append(afters, after.ResourceID)
			for i < len(pages) && pages[i][0].ResourceID <= after.ResourceID {
				i++
			}
		}
		return pages[i], i < len(pages)-1, nil
	}
	var got []string
	for it, err := range ScanPages(t.Context(), read) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it.ResourceID)
	}
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("items: got %v, want %v", got, want)
	}
	if want := []string{"b", "c"}; !slices.Equal(afters, want) {
		t.Errorf("pages read after %v, want %v", afters, want)
	}

	// A break stops reading; an error ends the sequence.
	afters, got = nil, nil
	for it := range ScanPages(t.Context(), read) {
		got = append(got, it.ResourceID)
		break
	}
	if len(got) != 1 || len(afters) != 0 {
		t.Errorf("break: got %v, read after %v", got, afters)
	}
	errRead := errors.New("read")
	n := 0
	for _, err := range ScanPages(t.Context(), func(*Key) ([]Item, bool, error) { return nil, true, errRead }) {
		n++
		if !errors.Is(err, errRead) {
			t.Errorf("got %v, want the read's error", err)
		}
	}
	if n != 1 {
		t.Errorf("an error: %d elements, want 1", n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, err := range ScanPages(ctx, func(*Key) ([]Item, bool, error) { t.Error("read with a cancelled context"); return nil, false, nil }) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: got %v", err)
		}
	}
}
