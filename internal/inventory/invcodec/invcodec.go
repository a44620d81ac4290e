// Package invcodec is the compact binary encoding that the inventory
// backends store a configuration item's supplementary configuration in
// (SQLite and PostgreSQL), and its tags and relationships (SQLite; the
// PostgreSQL backend keeps those as jsonb). It keeps every byte of a
// supplementary value as recorded (a JSON encoder would compact and
// HTML-escape it, and jsonb would re-encode numbers and escapes), and it
// costs a fraction of JSON to write and read on the ingest path.
//
// The format is stored on disk and must not change:
//
//	pairs (supplementary, tags): uvarint n, then n × (string name, string value), sorted by name
//	relationships:               uvarint n, then n × (string type, string id, string name, string relationship name), in order
//	string:                      uvarint length, then the bytes
//
// An empty map or list encodes to nothing (a backend stores NULL), and
// nothing decodes to nil.
//
// The strings are also the building block of package invcursor's cursors.
package invcodec

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/starlingcfg/starling/internal/inventory"
)

// ErrMalformed is returned for bytes that are not a valid encoding. A
// backend wraps it with its name ("sqlite: ", "postgres: ").
var ErrMalformed = errors.New("inventory: malformed encoded column")

// AppendString appends the encoding of s to dst: its length as a uvarint,
// then its bytes.
func AppendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendTags appends the encoding of tags to dst, sorted by key; it returns
// dst unchanged for an empty map.
func AppendTags(dst []byte, tags map[string]string) []byte {
	return appendPairs(dst, tags)
}

// AppendSupplementary appends the encoding of supplementary values to dst,
// sorted by name, each value's bytes as they are; it returns dst unchanged
// for an empty map.
func AppendSupplementary(dst []byte, sup map[string]json.RawMessage) []byte {
	return appendPairs(dst, sup)
}

// appendPairs appends the encoding of the pairs of m, sorted by name; it
// returns dst unchanged for an empty map.
func appendPairs[V ~string | ~[]byte](dst []byte, m map[string]V) []byte {
	if len(m) == 0 {
		return dst
	}
	names := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(names)
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, name := range names {
		dst = AppendString(dst, name)
		v := m[name]
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// AppendRelationships appends the encoding of rels to dst, in their order;
// it returns dst unchanged for none.
func AppendRelationships(dst []byte, rels []inventory.Relationship) []byte {
	if len(rels) == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(rels)))
	for _, r := range rels {
		dst = AppendString(dst, r.ResourceType)
		dst = AppendString(dst, r.ResourceID)
		dst = AppendString(dst, r.ResourceName)
		dst = AppendString(dst, r.Name)
	}
	return dst
}

// A Decoder reads the encoding from a byte slice. The first malformed read
// records ErrMalformed, after which every read returns a zero value; Done
// reports it.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder returns a Decoder of b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

func (d *Decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = ErrMalformed
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes reads a string as a slice of the decoder's input, capped to its
// length.
func (d *Decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = ErrMalformed
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// ReadString reads a string.
func (d *Decoder) ReadString() string { return string(d.bytes()) }

// count reads a number of entries, each at least least bytes long.
func (d *Decoder) count(least int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/least) {
		d.err = ErrMalformed
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

// Done returns the error of the first malformed read, or ErrMalformed if
// bytes are left over, or nil.
func (d *Decoder) Done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = ErrMalformed
	}
	return d.err
}

// DecodeTags decodes what AppendTags encoded; nothing decodes to nil.
func DecodeTags(b []byte) (map[string]string, error) {
	return decodePairs[string](b)
}

// DecodeSupplementary decodes what AppendSupplementary encoded; the values
// share b's memory, and nothing decodes to nil.
func DecodeSupplementary(b []byte) (map[string]json.RawMessage, error) {
	return decodePairs[json.RawMessage](b)
}

// decodePairs decodes what appendPairs encoded. Values of a slice type
// share b's memory; strings are copies.
func decodePairs[V ~string | ~[]byte](b []byte) (map[string]V, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := Decoder{b: b}
	n := d.count(2)
	m := make(map[string]V, n)
	for range n {
		name := d.ReadString()
		m[name] = V(d.bytes())
	}
	return m, d.Done()
}

// DecodeRelationships decodes what AppendRelationships encoded; nothing
// decodes to nil.
func DecodeRelationships(b []byte) ([]inventory.Relationship, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := Decoder{b: b}
	n := d.count(4)
	rels := make([]inventory.Relationship, n)
	for i := range rels {
		rels[i] = inventory.Relationship{ResourceType: d.ReadString(), ResourceID: d.ReadString(), ResourceName: d.ReadString(), Name: d.ReadString()}
	}
	return rels, d.Done()
}
