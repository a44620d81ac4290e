package eval

import (
	"strings"

	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
)

// What a planner may push down of an equality to a store's terms (package
// invterms): the terms an item must have to satisfy path = literal, given
// the evaluator's rules here and in Document.

// TextOnly reports whether a value of path, in an item of resourceType,
// satisfies = l (Compare) only when its text is l.Text; then an item with
// no value of that text at path cannot satisfy path = l, nor path IN a
// list of such literals. It holds in string mode, and whenever the mode of
// the path's type cannot take l otherwise (l is not a number for a number,
// not an instant for a date, …: the comparison then falls back to text, or
// never holds).
func TextOnly(resourceType string, path query.Path, l query.Literal) bool {
	_, num := litNumber(l)
	_, boolean := litBool(l)
	switch PathType(resourceType, path) {
	case catalog.Integer, catalog.Float:
		return !num
	case catalog.Boolean:
		return !boolean
	case catalog.Date:
		_, instant := litInstant(l)
		return !instant
	case catalog.IP, catalog.CIDRBlock:
		_, ip := ipRangeOf(l.Text)
		return !ip
	case 0:
		// Values compare by their JSON type: numbers as numbers, booleans
		// as booleans, strings as text.
		return !num && !boolean
	}
	return true
}

// TermPaths returns the paths, as package invterms names them, at which an
// item of resourceType holds the values that Values finds at path in its
// document: path itself and, when path goes through a member that
// Document wraps as {"value": …}, path without that value segment. It
// returns nil for a path outside an item's configuration, supplementary
// configuration, tags (key and value) and relationships, for tags.tag,
// and for a path through more than one wrapped member.
func TermPaths(resourceType string, path query.Path) []string {
	if len(path) == 0 {
		return nil
	}
	switch path[0] {
	case "configuration", "supplementaryConfiguration":
	case "tags":
		if len(path) == 2 && (path[1] == "key" || path[1] == "value") {
			return []string{path.String()}
		}
		return nil
	case "relationships":
		if len(path) == 2 {
			switch path[1] {
			case "resourceId", "resourceName", "resourceType", "relationshipName":
				return []string{path.String()}
			}
		}
		return nil
	default:
		return nil
	}
	wrapped := -1
	for i := 1; i < len(path); i++ {
		if path[i] == "value" && wrapsValue(resourceType, strings.Join(path[:i], ".")) {
			if wrapped >= 0 {
				return nil
			}
			wrapped = i
		}
	}
	if wrapped < 0 {
		return []string{path.String()}
	}
	raw := append(append(query.Path{}, path[:wrapped]...), path[wrapped+1:]...)
	return []string{path.String(), raw.String()}
}
