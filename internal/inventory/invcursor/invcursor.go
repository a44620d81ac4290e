// Package invcursor is the format of the inventory.Cursor values that the
// inventory backends (SQLite, PostgreSQL) hand out for List, Count and
// History pages. Both backends make and take the same cursors, and a cursor
// may outlive the process that made it (callers keep it in a page token),
// so the format changes only with its version byte, and a cursor of
// another version is refused (inventory.ErrInvalidCursor), as the page
// token of an expired query is. Version 2 hashes the scope's
// SourcesDigest, which a shared scope computes once, rather than its
// sources (version 1, whose hash of 4,000 sources was 6% of a List
// page's CPU).
//
// A cursor is base64url (unpadded) of:
//
//	byte    version (2)
//	byte    kind (1 list, 2 history, 3 count)
//	8 bytes big-endian fingerprint of the query (FNV-1a 64 of its kind
//	        (for a count, 3 + its GroupBy), scope (inventory.Scope's
//	        SourcesDigest) and filter, or of its key, range and order),
//	        so that a cursor of another query is
//	        refused with inventory.ErrInvalidCursor instead of resuming at
//	        a key the query does not admit
//	...     the position: the last key returned (its type, id, account and
//	        region, as strings of package invcodec), the last group (one
//	        such string), or the last StateID (a varint)
//
// A backend makes a List, Count or History of its query once per page, and
// uses it to read the request's cursor and to make the next page's.
package invcursor

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
)

// version is the cursor format's version, its first byte.
const version = 2

// The kinds of cursor, their second byte.
const (
	kindList byte = iota + 1
	kindHistory
	kindCount // + GroupBy in a Count's fingerprint, not in its cursors
)

// headLen is the length of a cursor's version, kind and fingerprint.
const headLen = 10

// fingerprint hashes what a List or Count query admits: kind, the scope
// (its SourcesDigest) and the filter (its lists sorted, without
// duplicates).
func fingerprint(kind byte, sc *inventory.Scope, f *inventory.Filter) uint64 {
	h := fnv.New64a()
	var b []byte
	b = append(b, kind)
	if sc.All {
		b = append(b, 'A')
	} else {
		b = append(b, 'S')
		b = binary.BigEndian.AppendUint64(b, sc.SourcesDigest())
	}
	for _, list := range [][]string{f.ResourceTypes, f.ResourceIDs} {
		list = slices.Clone(list)
		slices.Sort(list)
		list = slices.Compact(list)
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = invcodec.AppendString(b, s)
		}
	}
	b = invcodec.AppendString(b, f.ResourceName)
	b = invcodec.AppendString(b, f.AccountID)
	b = invcodec.AppendString(b, f.Region)
	b = strconv.AppendBool(b, f.IncludeDeleted)
	h.Write(b)
	return h.Sum64()
}

// timeKey is t in milliseconds, or 0 for the zero time.
func timeKey(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// head returns the start of a cursor of kind and fingerprint fp.
func head(kind byte, fp uint64) []byte {
	b := []byte{version, kind}
	return binary.BigEndian.AppendUint64(b, fp)
}

func encode(b []byte) inventory.Cursor {
	return inventory.Cursor(base64.RawURLEncoding.EncodeToString(b))
}

// open checks c's head against kind and fp and returns its position.
func open(c inventory.Cursor, kind byte, fp uint64) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil || len(b) < headLen || b[0] != version || b[1] != kind || binary.BigEndian.Uint64(b[2:headLen]) != fp {
		return nil, inventory.ErrInvalidCursor
	}
	return b[headLen:], nil
}

// List makes and reads the cursors of one List query (and of the Scan
// that pages like it): their position is the last key returned. The
// query's fingerprint is computed when a cursor is made or read, not for a
// page that does neither.
type List struct {
	sc *inventory.Scope
	f  *inventory.Filter
}

// NewList returns the cursors of the List query of scope sc and filter f.
func NewList(sc *inventory.Scope, f *inventory.Filter) List {
	return List{sc: sc, f: f}
}

func (l List) fp() uint64 { return fingerprint(kindList, l.sc, l.f) }

// Encode returns the cursor that resumes after the key k.
func (l List) Encode(k inventory.Key) inventory.Cursor {
	b := head(kindList, l.fp())
	b = invcodec.AppendString(b, k.ResourceType)
	b = invcodec.AppendString(b, k.ResourceID)
	b = invcodec.AppendString(b, k.AccountID)
	b = invcodec.AppendString(b, k.Region)
	return encode(b)
}

// Decode returns the key c resumes after, or inventory.ErrInvalidCursor
// if c is not a cursor of this query.
func (l List) Decode(c inventory.Cursor) (inventory.Key, error) {
	b, err := open(c, kindList, l.fp())
	if err != nil {
		return inventory.Key{}, err
	}
	d := invcodec.NewDecoder(b)
	var k inventory.Key
	k.ResourceType = d.ReadString()
	k.ResourceID = d.ReadString()
	k.AccountID = d.ReadString()
	k.Region = d.ReadString()
	if d.Done() != nil {
		return inventory.Key{}, inventory.ErrInvalidCursor
	}
	return k, nil
}

// Count makes and reads the cursors of one Count query: their position is
// the last group key returned.
type Count struct{ fp uint64 }

// NewCount returns the cursors of the Count query grouped by g, of scope
// sc and filter f, but for f.IncludeDeleted (which Count ignores), counting
// the queried resources or the live ones (inventory.CountQuery.Queried).
// The fingerprint holds queried where a List's holds IncludeDeleted.
func NewCount(g inventory.GroupBy, queried bool, sc *inventory.Scope, f *inventory.Filter) Count {
	counted := *f
	counted.IncludeDeleted = queried
	return Count{fp: fingerprint(kindCount+byte(g), sc, &counted)}
}

// Encode returns the cursor that resumes after the group key group.
func (c Count) Encode(group string) inventory.Cursor {
	return encode(invcodec.AppendString(head(kindCount, c.fp), group))
}

// Decode returns the group key cur resumes after, or
// inventory.ErrInvalidCursor if cur is not a cursor of this query.
func (c Count) Decode(cur inventory.Cursor) (string, error) {
	b, err := open(cur, kindCount, c.fp)
	if err != nil {
		return "", err
	}
	d := invcodec.NewDecoder(b)
	g := d.ReadString()
	if d.Done() != nil {
		return "", inventory.ErrInvalidCursor
	}
	return g, nil
}

// History makes and reads the cursors of one History query: their
// position is the last StateID returned.
type History struct{ fp uint64 }

// NewHistory returns the cursors of the History query q: of its key, its
// range (to the millisecond) and its order; its Limit and Cursor do not
// matter.
func NewHistory(q *inventory.HistoryQuery) History {
	h := fnv.New64a()
	b := []byte{kindHistory}
	b = invcodec.AppendString(b, q.Key.AccountID)
	b = invcodec.AppendString(b, q.Key.Region)
	b = invcodec.AppendString(b, q.Key.ResourceType)
	b = invcodec.AppendString(b, q.Key.ResourceID)
	b = binary.AppendVarint(b, timeKey(q.Earlier))
	b = binary.AppendVarint(b, timeKey(q.Later))
	b = strconv.AppendBool(b, q.Chronological)
	h.Write(b)
	return History{fp: h.Sum64()}
}

// Encode returns the cursor that resumes after the version stateID.
func (h History) Encode(stateID int64) inventory.Cursor {
	return encode(binary.AppendVarint(head(kindHistory, h.fp), stateID))
}

// Decode returns the StateID c resumes after, or
// inventory.ErrInvalidCursor if c is not a cursor of this query.
func (h History) Decode(c inventory.Cursor) (int64, error) {
	b, err := open(c, kindHistory, h.fp)
	if err != nil {
		return 0, err
	}
	v, n := binary.Varint(b)
	if n <= 0 || n != len(b) {
		return 0, inventory.ErrInvalidCursor
	}
	return v, nil
}

// ListPage runs one page of a List query q for a backend (named in its
// errors): it checks q, reads the cursor, calls read with the scope's
// sorted sources and the key to resume after (nil: the first page), and
// makes the next page's cursor from the last item when read says more
// follow. nilScope is the backend's error for a nil scope.
func ListPage(backend string, q *inventory.ListQuery, nilScope error,
	read func(srcs []inventory.Source, after *inventory.Key) (items []inventory.Item, more bool, err error)) (inventory.ListPage, error) {
	switch {
	case q.Scope == nil:
		return inventory.ListPage{}, nilScope
	case q.Limit <= 0:
		return inventory.ListPage{}, fmt.Errorf("%s: inventory: List: limit %d is not positive", backend, q.Limit)
	}
	srcs := q.Scope.SortedSources()
	cur := NewList(q.Scope, &q.Filter)
	var after *inventory.Key
	if q.Cursor != "" {
		k, err := cur.Decode(q.Cursor)
		if err != nil {
			return inventory.ListPage{}, err
		}
		after = &k
	}
	items, more, err := read(srcs, after)
	if err != nil {
		return inventory.ListPage{}, err
	}
	page := inventory.ListPage{Items: items}
	if more {
		page.Next = cur.Encode(items[len(items)-1].Key)
	}
	return page, nil
}

// CountStart is what every backend's Count of a query needs before its
// statement: the scope's sorted sources, the filter (IncludeDeleted
// cleared: Count ignores it), the query's cursors and the group key the
// page resumes after ("" for the first page).
type CountStart struct {
	Sources []inventory.Source
	Filter  inventory.Filter
	Cursors Count
	After   string
}

// StartCount checks q and reads its cursor; nilScope is the backend's
// error for a nil scope.
func StartCount(q *inventory.CountQuery, nilScope error) (CountStart, error) {
	if q.Scope == nil {
		return CountStart{}, nilScope
	}
	c := CountStart{Sources: q.Scope.SortedSources(), Filter: q.Filter}
	c.Filter.IncludeDeleted = false
	c.Cursors = NewCount(q.GroupBy, q.Queried, q.Scope, &c.Filter)
	if q.Cursor != "" {
		var err error
		if c.After, err = c.Cursors.Decode(q.Cursor); err != nil {
			return CountStart{}, err
		}
	}
	return c, nil
}
