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
		{"list, all", NewList(all(srcs), &inventory.Filter{}).Encode(key), "AgE52FNsLwciGA9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"list, all, filter", NewList(all(srcs), &full).Encode(key), "AgH4O9m8CQpwcw9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"list, set", NewList(set(srcs), &inventory.Filter{}).Encode(key), "AgEQY7WGp8ZfRw9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"list, set, filter", NewList(set(srcs), &full).Encode(key), "AgGAz2VRGqWJmA9BV1M6OlMzOjpCdWNrZXQDYi0xATEBYQ"},
		{"count, all", NewCount(inventory.GroupNone, false, all(srcs), &inventory.Filter{}).Encode("grp"), "AgMJwX7P1kXuygNncnA"},
		{"count, all, type", NewCount(inventory.GroupResourceType, false, all(srcs), &inventory.Filter{}).Encode("grp"), "AgOtDXuAv1DHSQNncnA"},
		{"count, all, account", NewCount(inventory.GroupAccountID, false, all(srcs), &inventory.Filter{}).Encode("grp"), "AgMDLghxXFjs_ANncnA"},
		{"count, all, region", NewCount(inventory.GroupRegion, false, all(srcs), &inventory.Filter{}).Encode("grp"), "AgNgtgSPVJroywNncnA"},
		{"count, set, filter, type", NewCount(inventory.GroupResourceType, false, set(srcs), &full).Encode("grp"), "AgPW6rhQD1m7gANncnA"},
		{"history", NewHistory(&inventory.HistoryQuery{Key: key}).Encode(-77), "AgKaU5Si508Le5kB"},
		{"history, range, chronological", NewHistory(&inventory.HistoryQuery{Key: key, Earlier: time.UnixMilli(5), Later: time.UnixMilli(1e12),
			Chronological: true, Limit: 3, Cursor: "zz"}).Encode(-77), "AgL3ok-smqyqTJkB"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	l := NewList(set(srcs), &full)
	if k, err := l.Decode(l.Encode(key)); err != nil || k != key {
		t.Errorf("list: got %v, %v", k, err)
	}
	c := NewCount(inventory.GroupRegion, false, set(srcs), &full)
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
	if NewList(set(srcs), &f).fp() != NewList(set(srcs), &full).fp() {
		t.Error("list: the order of the filter's types matters")
	}
	if NewList(all(nil), &full).fp() != NewList(all(srcs), &full).fp() {
		t.Error("list of every source: the sources matter")
	}
	f = full
	f.IncludeDeleted = false
	if NewCount(inventory.GroupRegion, false, set(srcs), &f) != NewCount(inventory.GroupRegion, false, set(srcs), &full) {
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
	l := NewList(set(srcs), &full)
	cur := l.Encode(key)
	raw, _ := base64.RawURLEncoding.DecodeString(string(cur))
	other := full
	other.ResourceName = "m"
	bad := map[string]inventory.Cursor{
		"not base64":    "!!!",
		"short":         cur[:8],
		"truncated":     cur[:len(cur)-2],
		"left over":     inventory.Cursor(base64.RawURLEncoding.EncodeToString(append(raw, 0))),
		"version 1":     inventory.Cursor(base64.RawURLEncoding.EncodeToString(append([]byte{1}, raw[1:]...))),
		"other query":   NewList(set(srcs), &other).Encode(key),
		"other scope":   NewList(set(srcs[:1]), &full).Encode(key),
		"every source":  NewList(all(nil), &full).Encode(key),
		"count cursor":  NewCount(inventory.GroupNone, false, set(srcs), &full).Encode("g"),
		"history":       NewHistory(&inventory.HistoryQuery{Key: key}).Encode(1),
		"padded base64": inventory.Cursor(base64.URLEncoding.EncodeToString(raw) + "="),
	}
	for name, c := range bad {
		if _, err := l.Decode(c); !errors.Is(err, inventory.ErrInvalidCursor) {
			t.Errorf("list, %s: got %v, want ErrInvalidCursor", name, err)
		}
	}
	cnt := NewCount(inventory.GroupRegion, false, set(srcs), &full)
	for name, c := range map[string]inventory.Cursor{
		"other GroupBy": NewCount(inventory.GroupAccountID, false, set(srcs), &full).Encode("g"),
		"queried":       NewCount(inventory.GroupRegion, true, set(srcs), &full).Encode("g"),
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

// all and set are the scopes of every source and of the sources srcs.
func all(srcs []inventory.Source) *inventory.Scope { return &inventory.Scope{All: true, Sources: srcs} }
func set(srcs []inventory.Source) *inventory.Scope { return &inventory.Scope{Sources: srcs} }

// TestScopeDigest checks that a cursor depends on the scope's set of
// sources only: not on their order or duplicates, nor on whether NewScope
// computed the digest ahead.
func TestScopeDigest(t *testing.T) {
	shuffled := []inventory.Source{srcs[len(srcs)-1]}
	shuffled = append(append(shuffled, srcs...), srcs[0])
	want := NewList(set(srcs), &full).Encode(key)
	for name, sc := range map[string]*inventory.Scope{
		"NewScope":             inventory.NewScope(srcs),
		"shuffled, duplicated": set(shuffled),
		"NewScope of shuffled": inventory.NewScope(shuffled),
	} {
		if got := NewList(sc, &full).Encode(key); got != want {
			t.Errorf("%s: cursor %s, want %s", name, got, want)
		}
	}
	if got := NewList(inventory.NewScope(srcs[1:]), &full).Encode(key); got == want {
		t.Errorf("fewer sources: the same cursor %s", got)
	}
}
