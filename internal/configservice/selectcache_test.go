package configservice

import (
	"strings"
	"testing"
	"time"
)

func TestSelectCache(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := []string{`{"a":1}`, `{"a":2}`}
	var c selectCache
	if got := c.get("q", 1, t0); got != nil {
		t.Fatalf("empty: got %v", got)
	}
	c.put("q", 1, rows, t0)
	for _, tc := range []struct {
		name string
		gen  uint64
		at   time.Time
		hit  bool
	}{
		{"same generation, in time", 1, t0.Add(time.Minute), true},
		{"another generation", 2, t0.Add(time.Minute), false},
		{"dropped by the miss before", 1, t0.Add(time.Minute), false},
	} {
		if got := c.get("q", tc.gen, tc.at); (got != nil) != tc.hit {
			t.Errorf("%s: got %v, want a hit: %v", tc.name, got, tc.hit)
		}
	}
	c.put("q", 1, rows, t0)
	if got := c.get("q", 1, t0.Add(selectCacheTTL)); got != nil {
		t.Errorf("expired: got %v", got)
	}
	if c.bytes != 0 || len(c.entries) != 0 {
		t.Errorf("after every entry is gone: %d bytes in %d entries", c.bytes, len(c.entries))
	}

	// Full: the entries that expire first make room.
	big := []string{strings.Repeat("x", selectCacheBytes/3)}
	for i, q := range []string{"a", "b", "c"} {
		c.put(q, 1, big, t0.Add(time.Duration(i)*time.Second))
	}
	if c.get("a", 1, t0) != nil || c.get("b", 1, t0) == nil || c.get("c", 1, t0) == nil {
		t.Errorf("full: want a dropped (the first to expire), b and c kept; entries %d", len(c.entries))
	}
	if c.bytes > selectCacheBytes {
		t.Errorf("%d bytes kept, more than %d", c.bytes, selectCacheBytes)
	}
	// Larger than the whole cache: not kept.
	c.put("huge", 1, []string{strings.Repeat("x", selectCacheBytes)}, t0)
	if c.get("huge", 1, t0) != nil {
		t.Errorf("results larger than the cache were kept")
	}
}
