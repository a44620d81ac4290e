package sqlite

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"

	"github.com/starlingcfg/starling/internal/inventory"
)

// The columns supplementary, tags and relationships of the versions table
// hold a compact binary encoding, not JSON: it keeps every byte of a
// supplementary value as recorded (a JSON encoder would compact and
// HTML-escape it), and it costs a fraction of JSON to write and read on the
// ingest path. An empty map or list is NULL.
//
//	pairs (supplementary, tags): uvarint n, then n × (string name, string value), sorted by name
//	relationships:               uvarint n, then n × (string type, string id, string name, string relationship name), in order
//	string:                      uvarint length, then the bytes

var errCodec = errors.New("sqlite: inventory: malformed encoded column")

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBytes(dst, s []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendTags encodes tags; it returns dst unchanged for an empty map.
func appendTags(dst []byte, tags map[string]string) []byte {
	if len(tags) == 0 {
		return dst
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = appendString(dst, tags[k])
	}
	return dst
}

// appendSupplementary encodes supplementary values; it returns dst
// unchanged for an empty map.
func appendSupplementary(dst []byte, sup map[string]json.RawMessage) []byte {
	if len(sup) == 0 {
		return dst
	}
	keys := make([]string, 0, len(sup))
	for k := range sup {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = appendBytes(dst, sup[k])
	}
	return dst
}

// appendRelationships encodes rels; it returns dst unchanged for none.
func appendRelationships(dst []byte, rels []inventory.Relationship) []byte {
	if len(rels) == 0 {
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(rels)))
	for _, r := range rels {
		dst = appendString(dst, r.ResourceType)
		dst = appendString(dst, r.ResourceID)
		dst = appendString(dst, r.ResourceName)
		dst = appendString(dst, r.Name)
	}
	return dst
}

// decoder reads the encoding; the first malformed read sets err, after which
// every read returns zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCodec
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errCodec
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) string() string { return string(d.bytes()) }

// count reads a number of entries, each at least min bytes long.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.err = errCodec
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errCodec
	}
	return d.err
}

func decodeTags(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := decoder{b: b}
	n := d.count(2)
	m := make(map[string]string, n)
	for range n {
		k := d.string()
		m[k] = d.string()
	}
	return m, d.done()
}

// decodeSupplementary decodes supplementary values, which share b's
// memory.
func decodeSupplementary(b []byte) (map[string]json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := decoder{b: b}
	n := d.count(2)
	m := make(map[string]json.RawMessage, n)
	for range n {
		k := d.string()
		m[k] = json.RawMessage(d.bytes())
	}
	return m, d.done()
}

func decodeRelationships(b []byte) ([]inventory.Relationship, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := decoder{b: b}
	n := d.count(4)
	rels := make([]inventory.Relationship, n)
	for i := range rels {
		rels[i] = inventory.Relationship{ResourceType: d.string(), ResourceID: d.string(), ResourceName: d.string(), Name: d.string()}
	}
	return rels, d.done()
}
