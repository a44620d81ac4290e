package postgres

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
	"github.com/starlingcfg/starling/internal/jsonstr"
)

// The encodings of the columns of inventory_versions that are neither
// plain text nor the configuration:
//
//   - supplementary is the compact binary encoding of package invcodec
//     (the SQLite backend's), because it must keep every byte of each
//     value as recorded, which jsonb would not (it re-encodes numbers,
//     spacing, escapes);
//   - tags is a jsonb object of the tags;
//   - relationships is a jsonb array of objects with the members
//     resourceType, resourceId, resourceName and relationshipName (AWS's
//     names), those that are empty left out, in the item's order.
//
// tags and relationships are jsonb so that the query engine can reach them
// in SQL; they are strings only, which jsonb keeps exactly. Empty maps and
// lists are NULL (sent as "" and turned into NULL by the statement).

// errInvCodec is returned for an encoded column that cannot be decoded.
var errInvCodec = fmt.Errorf("postgres: %w", invcodec.ErrMalformed)

// invAppendTags encodes tags as a JSON object, sorted by key; it returns
// dst unchanged for an empty map.
func invAppendTags(dst []byte, tags map[string]string) []byte {
	if len(tags) == 0 {
		return dst
	}
	keys := slices.AppendSeq(make([]string, 0, len(tags)), maps.Keys(tags))
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, tags[k])
	}
	return append(dst, '}')
}

// invRelationship is a relationship as the jsonb column holds it.
type invRelationship struct {
	ResourceType     string `json:"resourceType,omitempty"`
	ResourceID       string `json:"resourceId,omitempty"`
	ResourceName     string `json:"resourceName,omitempty"`
	RelationshipName string `json:"relationshipName,omitempty"`
}

// invAppendRelationships encodes rels as a JSON array; it returns dst
// unchanged for none.
func invAppendRelationships(dst []byte, rels []inventory.Relationship) []byte {
	if len(rels) == 0 {
		return dst
	}
	dst = append(dst, '[')
	for i, r := range rels {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		first := true
		for _, m := range [...]struct{ name, value string }{
			{"resourceType", r.ResourceType}, {"resourceId", r.ResourceID},
			{"resourceName", r.ResourceName}, {"relationshipName", r.Name},
		} {
			if m.value == "" {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, '"')
			dst = append(dst, m.name...)
			dst = append(dst, '"', ':')
			dst = appendJSONString(dst, m.value)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// invDecodeTags decodes a tags column: jsonb's text of an object of
// strings. Tags whose strings have no escape, nearly all, are read by
// invDecodePlainTags, in a fraction of encoding/json's time (it was a
// sixth of the server's work in the evaluation of every rule); the others
// by encoding/json.
func invDecodeTags(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if m, ok := invDecodePlainTags(b); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, errInvCodec
	}
	return m, nil
}

// invDecodePlainTags decodes a JSON object of strings that have no escape
// and are valid UTF-8, as encoding/json would, or reports false for any
// other document (which encoding/json then decodes, or refuses).
func invDecodePlainTags(b []byte) (map[string]string, bool) {
	i := invSkipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return nil, false
	}
	m := make(map[string]string, 8)
	i = invSkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return m, invSkipSpace(b, i+1) == len(b)
	}
	for {
		k, j, ok := invPlainString(b, i)
		if !ok {
			return nil, false
		}
		if i = invSkipSpace(b, j); i == len(b) || b[i] != ':' {
			return nil, false
		}
		v, j, ok := invPlainString(b, invSkipSpace(b, i+1))
		if !ok {
			return nil, false
		}
		m[k] = v // of a key given twice, the last, as encoding/json keeps
		if i = invSkipSpace(b, j); i == len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = invSkipSpace(b, i+1)
		case '}':
			return m, invSkipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// invPlainString reads the JSON string at b[i], if it has neither escape
// nor control character and is valid UTF-8, and returns it and the index
// after it.
func invPlainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !utf8.Valid(b[i+1 : j]) {
				return "", 0, false
			}
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// invSkipSpace returns the index of the first byte at or after i that is
// not JSON whitespace.
func invSkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func invDecodeRelationships(b []byte) ([]inventory.Relationship, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var rs []invRelationship
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, errInvCodec
	}
	rels := make([]inventory.Relationship, len(rs))
	for i, r := range rs {
		rels[i] = inventory.Relationship{ResourceType: r.ResourceType, ResourceID: r.ResourceID, ResourceName: r.ResourceName, Name: r.RelationshipName}
	}
	return rels, nil
}

// Limits of PostgreSQL's numeric, which jsonb stores numbers in: 131072
// digits before the decimal point, 16383 after. invJSONBSafe stays well
// within them.
const (
	invMaxIntDigits  = 131000
	invMaxFracDigits = 16000
)

// invJSONBSafe reports whether PostgreSQL's jsonb input takes the document
// b: JSON in valid UTF-8, without the escape \u0000 or a lone surrogate
// (which jsonb refuses), and without a number beyond numeric's range. It
// errs on the side of false: a document it refuses is stored all the same,
// without its jsonb form.
func invJSONBSafe(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) || !json.Valid(b) {
		return false
	}
	// b is valid JSON, so a scan that skips strings sees every number, and
	// one inside strings sees every escape.
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			for i++; b[i] != '"'; i++ {
				if b[i] != '\\' {
					continue
				}
				i++
				if b[i] != 'u' {
					continue
				}
				r := invHex4(b[i+1 : i+5])
				i += 4
				switch {
				case r == 0:
					return false
				case r >= 0xd800 && r < 0xdc00: // a high surrogate: a low one must follow
					if i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
						if r2 := invHex4(b[i+3 : i+7]); r2 >= 0xdc00 && r2 < 0xe000 {
							i += 6
							continue
						}
					}
					return false
				case r >= 0xdc00 && r < 0xe000:
					return false
				}
			}
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(b) && invNumberByte(b[j]) {
				j++
			}
			if !invNumberFits(b[i:j]) {
				return false
			}
			i = j - 1
		}
	}
	return true
}

func invNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// invHex4 decodes four hex digits (valid JSON has them after \u).
func invHex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// invNumberFits reports whether the JSON number n fits numeric, counting
// its digits and exponent.
func invNumberFits(n []byte) bool {
	intDigits, fracDigits, i := 0, 0, 0
	if i < len(n) && n[i] == '-' {
		i++
	}
	for ; i < len(n) && n[i] >= '0' && n[i] <= '9'; i++ {
		intDigits++
	}
	if i < len(n) && n[i] == '.' {
		for i++; i < len(n) && n[i] >= '0' && n[i] <= '9'; i++ {
			fracDigits++
		}
	}
	exp := 0
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		neg := false
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			neg = n[i] == '-'
			i++
		}
		for ; i < len(n); i++ {
			exp = exp*10 + int(n[i]-'0')
			if exp > invMaxIntDigits {
				return false
			}
		}
		if neg {
			exp = -exp
		}
	}
	return intDigits+max(exp, 0) <= invMaxIntDigits && fracDigits+max(-exp, 0) <= invMaxFracDigits
}

// appendJSONString appends s as a JSON string: invalid UTF-8 as U+FFFD
// (jsonb takes only UTF-8), "<", ">" and "&" left as they are.
func appendJSONString(dst []byte, s string) []byte { return jsonstr.Append(dst, s, jsonstr.Plain) }
