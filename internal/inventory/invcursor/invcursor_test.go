package invcursor

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

var (
	srcs = []inventory.Source{{AccountID: "1", Region: "a"}, {AccountID: "2", Region: "b"}}
	key  = inventory.Key{Source: srcs[0], ResourceType: "AWS::S3::Bucket", ResourceID: "b-1"}
	full = inventory.Filter{ResourceTypes: []string{"b", "a", "b"}, ResourceIDs: []string{"x"}, ResourceName: "n",
		AccountID: "1", Region: "a", IncludeDeleted: true}
)

// TestFormat pins the cursors: callers keep them in page tokens, across
// restarts and upgrades, and either backend takes the other's.
func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  inventory.Cursor
		want inventory.Cursor
	}{
		{"list, all", NewList(true, srcs, &inventory.Filter{}).Encode(key), "AQE52FNsLwciGA9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"list, all, filter", NewList(true, srcs, &full).Encode(key), "AQH4O9m8CQpwcw9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"list, set", NewList(false, srcs, &inventory.Filter{}).Encode(key), "AQHY84PmFb_gHg9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"list, set, filter", NewList(false, srcs, &full).Encode(key), "AQGQ8HSTe9MtiQ9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"count, all", NewCount(inventory.GroupNone, true, srcs, &inventory.Filter{}).Encode("grp"), "AQMJwX7P1kXuygNncnA"},
		{"count, all, type", NewCount(inventory.GroupResourceType, true, srcs, &inventory.Filter{}).Encode("grp"), "AQOtDXuAv1DHSQNncnA"},
		{"count, all, account", NewCount(inventory.GroupAccountID, true, srcs, &inventory.Filter{}).Encode("grp"), "AQMDLghxXFjs_ANncnA"},
		{"count, all, region", NewCount(inventory.GroupRegion, true, srcs, &inventory.Filter{}).Encode("grp"), "AQNgtgSPVJroywNncnA"},
		{"count, set, filter, type", NewCount(inventory.GroupResourceType, false, srcs, &full).Encode("grp"), "AQM0OaGdPVz67QNncnA"},
		{"history", NewHistory(&inventory.HistoryQuery{Key: key}).Encode(-77), "AQKaU5Si508Le5kB"},
		{"history, range, chronological", NewHistory(&inventory.HistoryQuery{Key: key, Earlier: time.UnixMilli(5), Later: time.UnixMilli(1e12),
			Chronological: true, Limit: 3, Cursor: "zz"}).Encode(-77), "AQL3ok-smqyqTJkB"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	l := NewList(false, srcs, &full)
	if k, err := l.Decode(l.Encode(key)); err != nil || k != key {
		t.Errorf("list: got %v, %v", k, err)
	}
	c := NewCount(inventory.GroupRegion, false, srcs, &full)
	if g, err := c.Decode(c.Encode("")); err != nil || g != "" {
		t.Errorf("count: got %q, %v", g, err)
	}
	h := NewHistory(&inventory.HistoryQuery{Key: key})
	for _, id := range []int64{0, 1, -1, 1 << 62} {
		if got, err := h.Decode(h.Encode(id)); err != nil || got != id {
			t.Errorf("history %d: got %d, %v", id, got, err)
		}
	}
}

// TestSameQuery checks what a fingerprint leaves out: the order and
// duplicates of the filter's lists, the sources with all, a Count's
// IncludeDeleted, a History's Limit, Cursor and sub-millisecond times.
func TestSameQuery(t *testing.T) {
	f := full
	f.ResourceTypes = []string{"a", "b"}
	if NewList(false, srcs, &f).fp() != NewList(false, srcs, &full).fp() {
		t.Error("list: the order of the filter's types matters")
	}
	if NewList(true, nil, &full).fp() != NewList(true, srcs, &full).fp() {
		t.Error("list of every source: the sources matter")
	}
	f = full
	f.IncludeDeleted = false
	if NewCount(inventory.GroupRegion, false, srcs, &f) != NewCount(inventory.GroupRegion, false, srcs, &full) {
		t.Error("count: IncludeDeleted matters")
	}
	q := inventory.HistoryQuery{Key: key, Earlier: time.UnixMilli(5), Limit: 3}
	q2 := q
	q2.Limit, q2.Cursor, q2.Earlier = 10, "x", q.Earlier.Add(time.Microsecond)
	if NewHistory(&q) != NewHistory(&q2) {
		t.Error("history: Limit, Cursor or microseconds matter")
	}
}

func TestRefused(t *testing.T) {
	l := NewList(false, srcs, &full)
	cur := l.Encode(key)
	raw, _ := base64.RawURLEncoding.DecodeString(string(cur))
	other := full
	other.ResourceName = "m"
	bad := map[string]inventory.Cursor{
		"not base64":    "!!!",
		"short":         cur[:8],
		"truncated":     cur[:len(cur)-2],
		"left over":     inventory.Cursor(base64.RawURLEncoding.EncodeToString(append(raw, 0))),
		"version":       inventory.Cursor(base64.RawURLEncoding.EncodeToString(append([]byte{2}, raw[1:]...))),
		"other query":   NewList(false, srcs, &other).Encode(key),
		"other scope":   NewList(false, srcs[:1], &full).Encode(key),
		"every source":  NewList(true, nil, &full).Encode(key),
		"count cursor":  NewCount(inventory.GroupNone, false, srcs, &full).Encode("g"),
		"history":       NewHistory(&inventory.HistoryQuery{Key: key}).Encode(1),
		"padded base64": inventory.Cursor(base64.URLEncoding.EncodeToString(raw) + "="),
	}
	for name, c := range bad {
		if _, err := l.Decode(c); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("list, %s: got %v, want ErrInvalidCursor", name, err)
		}
	}
	cnt := NewCount(inventory.GroupRegion, false, srcs, &full)
	for name, c := range map[string]inventory.Cursor{
		"other GroupBy": NewCount(inventory.GroupAccountID, false, srcs, &full).Encode("g"),
		"list cursor":   cur,
	} {
		if _, err := cnt.Decode(c); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("count, %s: got %v, want ErrInvalidCursor", name, err)
		}
	}
	h := NewHistory(&inventory.HistoryQuery{Key: key})
	hc := h.Encode(5)
	for name, c := range map[string]inventory.Cursor{
		"chronological": NewHistory(&inventory.HistoryQuery{Key: key, Chronological: true}).Encode(5),
		"truncated":     inventory.Cursor(base64.RawURLEncoding.EncodeToString(mustDecode(t, hc)[:headLen])),
		"left over":     inventory.Cursor(base64.RawURLEncoding.EncodeToString(append(mustDecode(t, hc), 0))),
	} {
		if _, err := h.Decode(c); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("history, %s: got %v, want ErrInvalidCursor", name, err)
		}
	}
}

func mustDecode(t *testing.T, c inventory.Cursor) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
