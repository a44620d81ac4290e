package sqlite

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
//	byte    cursorVersion
//	byte    kind (cursorList, cursorHistory, cursorCount + GroupBy)
//	8 bytes fingerprint of the query (FNV-1a 64 of its scope, filter and
//	        kind), so that a cursor of another query is refused with
//	        inventory.ErrInvalidCursor instead of resuming at a key it does
//	        not know
//	...     the position: the last key returned (the strings of the encoding
//	        in inventory_codec.go, or a varint StateID)
const cursorVersion = 1

const (
	cursorList byte = iota + 1
	cursorHistory
	cursorCount // + GroupBy
)

// fingerprint hashes what a List or Count query admits: kind, the scope
// (srcs: sorted, without duplicates) and the filter (its lists sorted).
func fingerprint(kind byte, all bool, srcs []inventory.Source, f *inventory.Filter) uint64 {
	h := fnv.New64a()
	var b []byte
	b = append(b, kind)
	if all {
		b = append(b, 'A')
	} else {
		b = append(b, 'S')
		b = binary.AppendUvarint(b, uint64(len(srcs)))
		for _, s := range srcs {
			b = appendString(b, s.AccountID)
			b = appendString(b, s.Region)
			if len(b) > 4096 {
				h.Write(b)
				b = b[:0]
			}
		}
	}
	for _, list := range [][]string{f.ResourceTypes, f.ResourceIDs} {
		list = slices.Clone(list)
		slices.Sort(list)
		list = slices.Compact(list)
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	b = appendString(b, f.ResourceName)
	b = appendString(b, f.AccountID)
	b = appendString(b, f.Region)
	b = strconv.AppendBool(b, f.IncludeDeleted)
	h.Write(b)
	return h.Sum64()
}

func historyFingerprint(q *inventory.HistoryQuery) uint64 {
	h := fnv.New64a()
	b := []byte{cursorHistory}
	b = appendString(b, q.Key.AccountID)
	b = appendString(b, q.Key.Region)
	b = appendString(b, q.Key.ResourceType)
	b = appendString(b, q.Key.ResourceID)
	b = binary.AppendVarint(b, timeKey(q.Earlier))
	b = binary.AppendVarint(b, timeKey(q.Later))
	b = strconv.AppendBool(b, q.Chronological)
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

func cursorHead(kind byte, fp uint64) []byte {
	b := []byte{cursorVersion, kind}
	return binary.BigEndian.AppendUint64(b, fp)
}

func encodeCursor(b []byte) inventory.Cursor {
	return inventory.Cursor(base64.RawURLEncoding.EncodeToString(b))
}

// openCursor checks c's head and returns a decoder of its position.
func openCursor(c inventory.Cursor, kind byte, fp uint64) (*decoder, error) {
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil || len(b) < 10 || b[0] != cursorVersion || b[1] != kind || binary.BigEndian.Uint64(b[2:10]) != fp {
		return nil, inventory.ErrInvalidCursor
	}
	return &decoder{b: b[10:]}, nil
}

func encodeListCursor(fp uint64, k inventory.Key) inventory.Cursor {
	b := cursorHead(cursorList, fp)
	b = appendString(b, k.ResourceType)
	b = appendString(b, k.ResourceID)
	b = appendString(b, k.AccountID)
	b = appendString(b, k.Region)
	return encodeCursor(b)
}

func decodeListCursor(c inventory.Cursor, fp uint64) (inventory.Key, error) {
	d, err := openCursor(c, cursorList, fp)
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

func encodeCountCursor(fp uint64, group string) inventory.Cursor {
	b := cursorHead(cursorCount, fp)
	return encodeCursor(appendString(b, group))
}

func decodeCountCursor(c inventory.Cursor, fp uint64) (string, error) {
	d, err := openCursor(c, cursorCount, fp)
	if err != nil {
		return "", err
	}
	g := d.string()
	if d.done() != nil {
		return "", inventory.ErrInvalidCursor
	}
	return g, nil
}

func encodeHistoryCursor(fp uint64, stateID int64) inventory.Cursor {
	b := cursorHead(cursorHistory, fp)
	return encodeCursor(binary.AppendVarint(b, stateID))
}

func decodeHistoryCursor(c inventory.Cursor, fp uint64) (int64, error) {
	d, err := openCursor(c, cursorHistory, fp)
	if err != nil {
		return 0, err
	}
	v, n := binary.Varint(d.b)
	if n <= 0 || n != len(d.b) {
		return 0, inventory.ErrInvalidCursor
	}
	return v, nil
}
