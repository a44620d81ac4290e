// Package invterms computes the terms of a configuration item: a digest of
// every (path, value) pair its configuration, supplementary configuration,
// tags and relationships hold. A configuration-item store keeps each
// resource's latest terms beside it, so that the query engine can find the
// resources that may hold a value at a path (inventory.ScanQuery.Match)
// without reading every configuration of a type.
//
// A term is the 32-bit FNV-1a hash of the path, a zero byte and the value's
// text, where:
//
//   - the path is the names followed from the item to the value, joined by
//     dots, with no segment for arrays: configuration.a.b for the value "x"
//     in {"a": [{"b": ["x"]}]}, supplementaryConfiguration.N.… for the
//     supplementary value N, tags.key and tags.value for each tag, and
//     relationships.resourceId (resourceName, resourceType,
//     relationshipName) for each relationship's non-empty fields;
//   - the text of a scalar is that of the query evaluator (package
//     query/eval): a string's characters, a number as written, true or
//     false. Nulls, objects and arrays have none.
//
// These are the query evaluator's values of the path (eval.Values) before
// its {"value": …} wrapping, so that an item whose document has the value
// v at path p has the term Hash(p, text(v)). An item may have more terms
// than that (the text of a member whose name holds a dot, or of a member
// the evaluator's decoding overrode with a later duplicate); a hash may
// collide. Terms therefore find a superset of the items that hold a value,
// and the evaluator decides.
package invterms

import (
	"encoding/binary"
	"encoding/json"
	"slices"

	sjson "github.com/segmentio/encoding/json"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Version names the definition of terms above. A store that kept terms of
// another version rebuilds them when it opens.
const Version = 1

// Size is the size of one term in an encoded set.
const Size = 4

// Hash returns the term of the value whose text is text at path.
func Hash(path, text string) uint32 {
	h := newHash()
	h.add(path)
	h.addByte(0)
	h.add(text)
	return uint32(h)
}

// Encode returns the term of path and text as a set's members are encoded:
// 4 bytes, little-endian.
func Encode(path, text string) []byte {
	return binary.LittleEndian.AppendUint32(nil, Hash(path, text))
}

// Of returns the terms of the item, sorted and without duplicates, each
// encoded as Encode's: the set a store keeps for the item's resource.
func Of(it *inventory.Item) []byte {
	var w walker
	w.value("configuration", it.Configuration)
	for name, raw := range it.SupplementaryConfiguration {
		w.value("supplementaryConfiguration."+name, raw)
	}
	for k, v := range it.Tags {
		w.add("tags.key", k)
		w.add("tags.value", v)
	}
	for _, r := range it.Relationships {
		for _, f := range [...]struct{ path, v string }{
			{"relationships.resourceId", r.ResourceID}, {"relationships.resourceName", r.ResourceName},
			{"relationships.resourceType", r.ResourceType}, {"relationships.relationshipName", r.Name},
		} {
			if f.v != "" {
				w.add(f.path, f.v)
			}
		}
	}
	slices.Sort(w.terms)
	w.terms = slices.Compact(w.terms)
	out := make([]byte, 0, Size*len(w.terms))
	for _, t := range w.terms {
		out = binary.LittleEndian.AppendUint32(out, t)
	}
	return out
}

// walker collects terms.
type walker struct {
	terms []uint32
	tok   sjson.Tokenizer
	// paths[d] is the hash of the path of the values in the object or
	// array entered at depth d, so that a member's path is hashed from its
	// parent's, not from the start.
	paths   []fnv
	objects []bool // whether each level is an object
}

func (w *walker) add(path, text string) { w.terms = append(w.terms, Hash(path, text)) }

// value adds the terms of the JSON document raw at path. A document that
// is not valid JSON adds what its valid beginning holds: the evaluator
// reads none of it, so any terms are a superset.
//
// Whether a string is a member's name is decided here, not by the
// tokenizer's IsKey, which stays set after an empty object ({}) in an
// array and would take the array's next string for a name.
func (w *walker) value(path string, raw []byte) {
	if len(raw) == 0 {
		return
	}
	w.tok.Reset(raw)
	cur := newHash() // the hash of the current value's path
	cur.add(path)
	w.paths, w.objects = append(w.paths[:0], cur), append(w.objects[:0], false)
	name := false // whether the next string is a member's name
	for w.tok.Next() {
		t := &w.tok
		top := len(w.paths) - 1
		switch t.Delim {
		case '{', '[':
			w.paths, w.objects = append(w.paths, cur), append(w.objects, t.Delim == '{')
			name = t.Delim == '{'
			continue
		case '}', ']':
			// What follows has the enclosing array's path, or is the
			// enclosing object's next name.
			w.paths, w.objects = w.paths[:top], w.objects[:top]
			cur, name = w.paths[top-1], false
			continue
		case ',':
			cur, name = w.paths[top], w.objects[top]
			continue
		case ':':
			continue
		}
		if name {
			cur = w.paths[top]
			cur.addByte('.')
			cur.addBytes(text(t.Value))
			name = false
			continue
		}
		var tx []byte
		switch t.Value[0] {
		case '"':
			tx = text(t.Value)
		case 'n': // null has no text
			continue
		default: // true, false, a number: as written
			tx = t.Value
		}
		h := cur
		h.addByte(0)
		h.addBytes(tx)
		w.terms = append(w.terms, uint32(h))
	}
}

// text returns the characters of a JSON string token as encoding/json
// decodes them (the query evaluator's decoding): the bytes between the
// quotes when they need no decoding, else the decoded string.
func text(tok []byte) []byte {
	if len(tok) < 2 || tok[0] != '"' {
		return tok
	}
	inner := tok[1 : len(tok)-1]
	for _, c := range inner {
		if c == '\\' || c >= 0x80 || c < 0x20 {
			var s string
			if json.Unmarshal(tok, &s) != nil {
				return inner
			}
			return []byte(s)
		}
	}
	return inner
}

// fnv is 32-bit FNV-1a, written out so that hashing a term allocates
// nothing.
type fnv uint32

func newHash() fnv { return 2166136261 }

func (h *fnv) addByte(c byte) { *h = (*h ^ fnv(c)) * 16777619 }

func (h *fnv) add(s string) {
	for i := 0; i < len(s); i++ {
		h.addByte(s[i])
	}
}

func (h *fnv) addBytes(b []byte) {
	for _, c := range b {
		h.addByte(c)
	}
}
