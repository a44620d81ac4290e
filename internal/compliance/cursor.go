package compliance

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
)

// The cursors of List, which every backend makes and takes alike: a cursor
// may outlive the process that made it (callers keep it in a page token),
// so the format changes only with its version byte, and a cursor of
// another version is refused (ErrInvalidCursor), as the page token of an
// expired query is. A cursor is base64url (unpadded) of:
//
//	byte    version (1)
//	byte    kind ('L', a List)
//	8 bytes big-endian fingerprint of the query: FNV-1a 64 of its scope
//	        (inventory.Scope's SourcesDigest, or "every source") and its
//	        filter (the lists sorted, without duplicates), so that a
//	        cursor of another query is refused with ErrInvalidCursor
//	        rather than resuming at a key the query does not admit
//	...     the position: the last key returned, its account, region,
//	        rule, resource type and resource id, each a string of package
//	        invcodec (a uvarint length and the bytes)
//
// The inventory's cursors (package invcursor) are of the same make, but
// of the inventory's queries and keys, which lack a rule.
const (
	cursorVersion  = 1
	cursorKindList = 'L'
	cursorHeadLen  = 10
)

// ListCursors makes and reads the cursors of one List query. The query's
// fingerprint is computed once, when ListCursors is made.
type ListCursors struct{ fp uint64 }

// NewListCursors returns the cursors of the List query of scope sc (not
// nil) and filter f; the query's Limit does not matter. Two queries of the
// same sources (in any order, with duplicates or not) and the same filter
// (its lists in any order) share their cursors.
func NewListCursors(sc *inventory.Scope, f *Filter) ListCursors {
	h := fnv.New64a()
	b := []byte{cursorKindList}
	if sc.All {
		b = append(b, 'A')
	} else {
		b = append(b, 'S')
		b = binary.BigEndian.AppendUint64(b, sc.SourcesDigest())
	}
	for _, list := range [][]string{f.RuleNames, f.ComplianceTypes} {
		list = slices.Clone(list)
		slices.Sort(list)
		list = slices.Compact(list)
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = invcodec.AppendString(b, s)
		}
	}
	for _, s := range []string{f.ResourceType, f.ResourceID, f.AccountID, f.Region} {
		b = invcodec.AppendString(b, s)
	}
	h.Write(b)
	return ListCursors{fp: h.Sum64()}
}

// Encode returns the cursor that resumes after the key k.
func (c ListCursors) Encode(k ResultKey) Cursor {
	b := []byte{cursorVersion, cursorKindList}
	b = binary.BigEndian.AppendUint64(b, c.fp)
	for _, s := range []string{k.AccountID, k.Region, k.RuleName, k.ResourceType, k.ResourceID} {
		b = invcodec.AppendString(b, s)
	}
	return Cursor(base64.RawURLEncoding.EncodeToString(b))
}

// Decode returns the key cur resumes after, or ErrInvalidCursor if cur is
// not a cursor of this query.
func (c ListCursors) Decode(cur Cursor) (ResultKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(string(cur))
	if err != nil || len(b) < cursorHeadLen || b[0] != cursorVersion || b[1] != cursorKindList ||
		binary.BigEndian.Uint64(b[2:cursorHeadLen]) != c.fp {
		return ResultKey{}, ErrInvalidCursor
	}
	d := invcodec.NewDecoder(b[cursorHeadLen:])
	var k ResultKey
	k.AccountID = d.ReadString()
	k.Region = d.ReadString()
	k.RuleName = d.ReadString()
	k.ResourceType = d.ReadString()
	k.ResourceID = d.ReadString()
	if d.Done() != nil {
		return ResultKey{}, ErrInvalidCursor
	}
	return k, nil
}

// ReadListPage runs one page of the List query q for a backend (named in
// its errors): it checks q (a scope, a positive limit), reads its cursor,
// calls read with the scope's sorted sources (nil for every source) and
// the key to resume after (nil: the first page), and makes the next page's
// cursor from the last result when read says more follow.
func ReadListPage(backend string, q *ListQuery,
	read func(srcs []inventory.Source, after *ResultKey) (results []Result, more bool, err error)) (ListPage, error) {
	switch {
	case q.Scope == nil:
		return ListPage{}, fmt.Errorf("%s: compliance: List: nil scope (use inventory.AllSources to read every source)", backend)
	case q.Limit <= 0:
		return ListPage{}, fmt.Errorf("%s: compliance: List: limit %d is not positive", backend, q.Limit)
	}
	cur := NewListCursors(q.Scope, &q.Filter)
	var after *ResultKey
	if q.Cursor != "" {
		k, err := cur.Decode(q.Cursor)
		if err != nil {
			return ListPage{}, err
		}
		after = &k
	}
	results, more, err := read(q.Scope.SortedSources(), after)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{Results: results}
	if more && len(results) > 0 {
		page.Next = cur.Encode(results[len(results)-1].ResultKey)
	}
	return page, nil
}
