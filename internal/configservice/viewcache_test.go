package configservice

import (
	"strconv"
	"testing"

	"github.com/starlingcfg/starling/internal/store"
)

func TestViewCache(t *testing.T) {
	a := viewKey{owner: store.Regional("111111111111", "us-east-1"), name: "a"}
	b := viewKey{owner: store.Regional("111111111111", "us-east-1"), name: "b"}
	va, vb, vNew := &aggregateView{}, &aggregateView{}, &aggregateView{}
	var c viewCache
	steps := []struct {
		name string
		put  *aggregateView // put at gen under key, when set
		gen  uint64
		key  viewKey
		want *aggregateView // then get(gen, key) of each check
	}{
		{name: "empty", gen: 1, key: a, want: nil},
		{name: "put a at 5", put: va, gen: 5, key: a, want: va},
		{name: "put b at 5", put: vb, gen: 5, key: b, want: vb},
		{name: "a at another generation", gen: 6, key: a, want: nil},
		{name: "a still at 5", gen: 5, key: a, want: va},
		{name: "an older generation is dropped", put: vNew, gen: 4, key: a, want: nil},
		{name: "the older generation left 5 alone", gen: 5, key: a, want: va},
		{name: "a newer generation empties the rest", put: vNew, gen: 7, key: a, want: vNew},
		{name: "b left with generation 5", gen: 7, key: b, want: nil},
		{name: "b of 5 no longer answered", gen: 5, key: b, want: nil},
	}
	for _, st := range steps {
		if st.put != nil {
			c.put(st.gen, st.key, st.put)
		}
		if got := c.get(st.gen, st.key); got != st.want {
			t.Errorf("%s: get(%d, %s) = %p, want %p", st.name, st.gen, st.key.name, got, st.want)
		}
	}
	// Full, it starts again empty, with the new view.
	var full viewCache
	for i := range viewCacheMax {
		full.put(7, viewKey{name: strconv.Itoa(i)}, va)
	}
	if n := len(full.views); n != viewCacheMax {
		t.Errorf("after %d puts: %d views kept, want all", viewCacheMax, n)
	}
	full.put(7, b, vb)
	if n := len(full.views); n != 1 || full.get(7, b) != vb {
		t.Errorf("one more put: %d views kept, want only the new one", n)
	}
}
