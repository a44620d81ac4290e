package postgres

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// An inventory cursor is base64url (unpadded) of:
//
//	byte    invCursorVersion
//	byte    kind (invCursorList, invCursorHistory, invCursorCount + GroupBy)
//	8 bytes fingerprint of the query (FNV-1a 64 of its kind, scope and
//	        filter), so that a cursor of another query is refused with
//	        inventory.ErrInvalidCursor instead of resuming at a key it does
//	        not admit
//	...     the position: the last key returned (strings as in
//	        inventory_codec.go), the last group, or the last StateID
//
// It is the SQLite backend's format.
const invCursorVersion = 1

const (
	invCursorList byte = iota + 1
	invCursorHistory
	invCursorCount // + GroupBy
)

// invFingerprint hashes what a List or Count query admits: kind, the scope
// (srcs: sorted, without duplicates; nil with all) and the filter (its
// lists sorted).
func invFingerprint(kind byte, all bool, srcs []inventory.Source, f *inventory.Filter) uint64 {
	h := fnv.New64a()
	var b []byte
	b = append(b, kind)
	if all {
		b = append(b, 'A')
	} else {
		b = append(b, 'S')
		b = binary.AppendUvarint(b, uint64(len(srcs)))
		for _, s := range srcs {
			b = invAppendString(b, s.AccountID)
			b = invAppendString(b, s.Region)
			if len(b) > 4096 {
				h.Write(b)
				b = b[:0]
			}
		}
	}
	for _, list := range [][]string{f.ResourceTypes, f.ResourceIDs} {
		list = invSortedSet(list)
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = invAppendString(b, s)
		}
	}
	b = invAppendString(b, f.ResourceName)
	b = invAppendString(b, f.AccountID)
	b = invAppendString(b, f.Region)
	b = strconv.AppendBool(b, f.IncludeDeleted)
	h.Write(b)
	return h.Sum64()
}

// invSortedSet returns the strings of ss sorted, without duplicates, in a
// new slice.
func invSortedSet(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return slices.Compact(ss)
}

func invHistoryFingerprint(q *inventory.HistoryQuery) uint64 {
	h := fnv.New64a()
	b := []byte{invCursorHistory}
	b = invAppendString(b, q.Key.AccountID)
	b = invAppendString(b, q.Key.Region)
	b = invAppendString(b, q.Key.ResourceType)
	b = invAppendString(b, q.Key.ResourceID)
	b = binary.AppendVarint(b, invTimeKey(q.Earlier))
	b = binary.AppendVarint(b, invTimeKey(q.Later))
	b = strconv.AppendBool(b, q.Chronological)
	h.Write(b)
	return h.Sum64()
}

// invTimeKey is t in milliseconds, or 0 for the zero time.
func invTimeKey(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func invCursorHead(kind byte, fp uint64) []byte {
	b := []byte{invCursorVersion, kind}
	return binary.BigEndian.AppendUint64(b, fp)
}

func invEncodeCursor(b []byte) inventory.Cursor {
	return inventory.Cursor(base64.RawURLEncoding.EncodeToString(b))
}

// invOpenCursor checks c's head and returns a decoder of its position.
func invOpenCursor(c inventory.Cursor, kind byte, fp uint64) (*invDecoder, error) {
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil || len(b) < 10 || b[0] != invCursorVersion || b[1] != kind || binary.BigEndian.Uint64(b[2:10]) != fp {
		return nil, inventory.ErrInvalidCursor
	}
	return &invDecoder{b: b[10:]}, nil
}

func invEncodeListCursor(fp uint64, k inventory.Key) inventory.Cursor {
	b := invCursorHead(invCursorList, fp)
	b = invAppendString(b, k.ResourceType)
	b = invAppendString(b, k.ResourceID)
	b = invAppendString(b, k.AccountID)
	b = invAppendString(b, k.Region)
	return invEncodeCursor(b)
}

func invDecodeListCursor(c inventory.Cursor, fp uint64) (inventory.Key, error) {
	d, err := invOpenCursor(c, invCursorList, fp)
	if err != nil {
		return inventory.Key{}, err
	}
	var k inventory.Key
	k.ResourceType = d.string()
	k.ResourceID = d.string()
	k.AccountID = d.string()
	k.Region = d.string()
	if d.done() != nil {
		return inventory.Key{}, inventory.ErrInvalidCursor
	}
	return k, nil
}

func invEncodeCountCursor(fp uint64, group string) inventory.Cursor {
	b := invCursorHead(invCursorCount, fp)
	return invEncodeCursor(invAppendString(b, group))
}

func invDecodeCountCursor(c inventory.Cursor, fp uint64) (string, error) {
	d, err := invOpenCursor(c, invCursorCount, fp)
	if err != nil {
		return "", err
	}
	g := d.string()
	if d.done() != nil {
		return "", inventory.ErrInvalidCursor
	}
	return g, nil
}

func invEncodeHistoryCursor(fp uint64, stateID int64) inventory.Cursor {
	b := invCursorHead(invCursorHistory, fp)
	return invEncodeCursor(binary.AppendVarint(b, stateID))
}

func invDecodeHistoryCursor(c inventory.Cursor, fp uint64) (int64, error) {
	d, err := invOpenCursor(c, invCursorHistory, fp)
	if err != nil {
		return 0, err
	}
	v, n := binary.Varint(d.b)
	if n <= 0 || n != len(d.b) {
		return 0, inventory.ErrInvalidCursor
	}
	return v, nil
}
