package eval

import (
	"bytes"
	"encoding/json"

	sjson "github.com/segmentio/encoding/json"

	"github.com/starlingcfg/starling/internal/query"
)

// needs is what a query reads of an item's configuration and
// supplementary configuration, so that Document decodes no more: decoding
// a 3 KB configuration whole, to read one of its members, was most of a
// selective query's time. A nil *needs reads everything.
type needs struct {
	allConfig, allSup bool
	config, sup       map[string]bool // top-level members, by name
}

// needsOf returns what q reads: the first segment below configuration or
// supplementaryConfiguration of every path of its select list, condition,
// GROUP BY and ORDER BY, and all of it for a path that names the whole
// configuration (or supplementaryConfiguration).
func needsOf(q *query.Query) *needs {
	n := &needs{config: map[string]bool{}, sup: map[string]bool{}}
	add := func(p query.Path) {
		if len(p) == 0 {
			return
		}
		switch p[0] {
		case "configuration":
			if len(p) == 1 {
				n.allConfig = true
			} else {
				n.config[p[1]] = true
			}
		case "supplementaryConfiguration":
			if len(p) == 1 {
				n.allSup = true
			} else {
				n.sup[p[1]] = true
			}
		}
	}
	addAgg := func(a *query.Aggregate) {
		if a != nil {
			add(a.Path)
		}
	}
	for _, it := range q.Select {
		// * selects top-level scalars (StarProperties), no configuration.
		add(it.Path)
		addAgg(it.Aggregate)
	}
	var walk func(e query.Expr)
	walk = func(e query.Expr) {
		switch e := e.(type) {
		case *query.And:
			walk(e.L)
			walk(e.R)
		case *query.Or:
			walk(e.L)
			walk(e.R)
		case *query.Not:
			walk(e.X)
		case *query.Compare:
			add(e.Path)
		case *query.In:
			add(e.Path)
		case *query.Between:
			add(e.Path)
		case *query.Like:
			add(e.Path)
		}
	}
	walk(q.Where)
	for _, p := range q.GroupBy {
		add(p)
	}
	for _, o := range q.OrderBy {
		add(o.Path)
		addAgg(o.Aggregate)
	}
	return n
}

// decodeMembers is decode for a configuration of which only the members
// names are read: the same answer as decode's with the other members left
// out. The whole document is still checked (json.Valid: an invalid one has
// no members, as decode says), then its top-level members are found with
// a tokenizer, and only those named are decoded.
func decodeMembers(raw json.RawMessage, names map[string]bool) (any, bool) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return decode(raw) // not an object: no members to leave out
	}
	if !json.Valid(trimmed) {
		return nil, false
	}
	out := map[string]any{}
	tok := sjson.NewTokenizer(trimmed)
	depth := 0     // of the tokenizer's position
	name := ""     // the member whose value is next, at depth 1
	start := -1    // where the value of a member being read starts
	isName := true // whether the next string at depth 1 is a name
	offset := func() int { return len(trimmed) - tok.Remaining() }
	for tok.Next() {
		switch tok.Delim {
		case '{', '[':
			if depth == 1 && names[name] {
				start = offset() - 1
			}
			depth++
			continue
		case '}', ']':
			depth--
			if depth == 1 && start >= 0 {
				if !decodeMember(out, name, trimmed[start:offset()]) {
					return nil, false
				}
				start = -1
			}
			continue
		case ',':
			isName = depth == 1
			continue
		case ':':
			continue
		}
		if depth != 1 {
			continue
		}
		if isName {
			name, isName = memberName(tok.Value), false
			continue
		}
		if names[name] && !decodeMember(out, name, tok.Value) {
			return nil, false
		}
	}
	if tok.Err != nil {
		return decode(raw) // what json.Valid took and the tokenizer did not: decode decides
	}
	return dropNulls(out), true
}

// decodeMember decodes the value of the member name (a later duplicate
// replaces an earlier one, as in decode) into out.
func decodeMember(out map[string]any, name string, value []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return false
	}
	out[name] = v
	return true
}

// memberName returns a member's name from its JSON string token, decoded
// as encoding/json decodes names.
func memberName(tok []byte) string {
	if len(tok) >= 2 && bytes.IndexByte(tok, '\\') < 0 && isASCII(tok) {
		return string(tok[1 : len(tok)-1])
	}
	var s string
	_ = json.Unmarshal(tok, &s) // json.Valid checked the document
	return s
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
