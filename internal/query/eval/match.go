package eval

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
)

// Match reports whether the document (Document's) of an item of
// resourceType satisfies cond; a nil cond is satisfied by every document.
//
// The model is that of an inverted index over (path, value) pairs, which is
// what AWS describes (C.3, C.10: "it smells like an Elasticsearch-style
// flattened index"):
//
//   - A path's values are the scalars reached by following it through the
//     document, descending into every element of every array on the way
//     and at the end (Values). An object at the end of a path has no
//     value: configuration.state = 'x' never matches when state is an
//     object. Names are matched exactly (case-sensitively).
//   - A predicate is existential: it holds when some value of its path
//     satisfies it. BETWEEN needs one value within both bounds. Each
//     predicate is evaluated on its own, so two predicates on one array
//     may hold on different elements (C.3: no correlation).
//   - A resource without the property has no value, so no positive
//     predicate (=, <, <=, >, >=, IN, BETWEEN, LIKE) holds for it.
//   - The negated forms are the negation of the whole positive predicate,
//     as an index's must_not is: != (and <>) is NOT =, NOT IN is NOT (IN),
//     NOT BETWEEN is NOT (BETWEEN), NOT LIKE is NOT (LIKE). So a resource
//     without the property satisfies every negated form, and
//     tags.key != 'Name' holds only when no tag has key Name. (Starling's
//     choice: AWS does not document it.)
//   - NOT, AND and OR are two-valued boolean logic.
//
// How a value and a literal compare depends on the type of the path: the
// catalogue's type for resourceType, else its type in any resource type
// (catalog.AnyType), else, for a path the catalogue does not know, the
// JSON type of the value (a number compares as an integer/float, a boolean
// as a boolean, a string as a string). See Compare for the rules.
func Match(cond query.Expr, doc map[string]any, resourceType string) bool {
	switch e := cond.(type) {
	case nil:
		return true
	case *query.And:
		return Match(e.L, doc, resourceType) && Match(e.R, doc, resourceType)
	case *query.Or:
		return Match(e.L, doc, resourceType) || Match(e.R, doc, resourceType)
	case *query.Not:
		return !Match(e.X, doc, resourceType)
	case *query.Compare:
		op := e.Op
		if op == query.OpNe || op == "<>" {
			return !exists(doc, resourceType, e.Path, func(v any, t catalog.Type) bool {
				return Compare(v, t, query.OpEq, e.Value)
			})
		}
		return exists(doc, resourceType, e.Path, func(v any, t catalog.Type) bool {
			return Compare(v, t, op, e.Value)
		})
	case *query.In:
		in := exists(doc, resourceType, e.Path, func(v any, t catalog.Type) bool {
			for _, l := range e.Values {
				if Compare(v, t, query.OpEq, l) {
					return true
				}
			}
			return false
		})
		return in != e.Not
	case *query.Between:
		in := exists(doc, resourceType, e.Path, func(v any, t catalog.Type) bool {
			return Between(v, t, e.Lo, e.Hi)
		})
		return in != e.Not
	case *query.Like:
		like := exists(doc, resourceType, e.Path, func(v any, _ catalog.Type) bool {
			return Like(text(v), e.Pattern)
		})
		return like != e.Not
	}
	return false
}

// exists reports whether some value of path satisfies f.
func exists(doc map[string]any, rt string, path query.Path, f func(v any, t catalog.Type) bool) bool {
	t := PathType(rt, path)
	for _, v := range Values(doc, path) {
		if f(v, t) {
			return true
		}
	}
	return false
}

// PathType returns the catalogue's type of path for resourceType, else
// its type in any resource type, else 0 (unknown: values then compare by
// their JSON type).
func PathType(resourceType string, path query.Path) catalog.Type {
	p := path.String()
	if t, ok := catalog.PropertyType(resourceType, p); ok {
		return t
	}
	t, _ := catalog.AnyType(p)
	return t
}

// Values returns the scalar values (string, json.Number, bool) of path in
// the document: following the path's names through objects, through every
// element of the arrays met on the way and, at the end, every element of an
// array (arrays of arrays are flattened). Objects at the end are not
// values. tags.tag, which the document does not hold, yields "key=value"
// for each tag (C.8).
func Values(doc map[string]any, path query.Path) []any {
	if len(path) == 2 && path[0] == "tags" && path[1] == "tag" {
		var out []any
		for _, t := range tagTags(doc) {
			out = append(out, t)
		}
		return out
	}
	cur := []any{doc}
	for _, name := range path {
		var next []any
		for _, v := range flatten(cur, nil) {
			if m, ok := v.(map[string]any); ok {
				if c, ok := m[name]; ok {
					next = append(next, c)
				}
			}
		}
		cur = next
	}
	var out []any
	for _, v := range flatten(cur, nil) {
		if isScalar(v) {
			out = append(out, v)
		}
	}
	return out
}

// flatten appends vs to out with every array replaced by its elements,
// recursively.
func flatten(vs []any, out []any) []any {
	for _, v := range vs {
		if a, ok := v.([]any); ok {
			out = flatten(a, out)
		} else {
			out = append(out, v)
		}
	}
	return out
}

// tagTags returns the "key=value" of each tag of the document.
func tagTags(doc map[string]any) []string {
	tags, _ := doc["tags"].([]any)
	var out []string
	for _, t := range tags {
		m, ok := t.(map[string]any)
		if !ok {
			continue
		}
		k, ok := m["key"].(string)
		if !ok {
			continue
		}
		v, _ := m["value"].(string)
		out = append(out, k+"="+v)
	}
	return out
}

// mode is how a value and a literal compare.
type mode int

const (
	modeString mode = iota
	modeNumber
	modeBool
	modeDate
	modeIP
)

// modeOf returns the mode of a value of a path of type t.
func modeOf(v any, t catalog.Type) mode {
	switch t {
	case catalog.Integer, catalog.Float:
		return modeNumber
	case catalog.Boolean:
		return modeBool
	case catalog.Date:
		return modeDate
	case catalog.IP, catalog.CIDRBlock:
		return modeIP
	case 0:
		switch v.(type) {
		case json.Number:
			return modeNumber
		case bool:
			return modeBool
		}
	}
	return modeString
}

// Compare reports whether the value v (a scalar of a path of type t, 0 if
// unknown) stands in relation op (=, <, <=, >, >=) to the literal l. By
// the mode that t gives (for 0, the value's JSON type):
//
//   - integer, float (and an unknown path's JSON number): both sides must
//     be numbers, a string that is a decimal number (such as '22' or
//     '1.5e3') counting as one, and compare as IEEE doubles (22 = 22.0 =
//     '22'); if either side is not a number, the predicate is false.
//   - boolean (and an unknown path's JSON boolean): both sides must be
//     booleans, the strings 'true' and 'false' (any case) counting as
//     ones, so = false and = 'false' are the same; false < true. If either
//     side is not one, the predicate is false.
//   - date: when both sides are instants (an ISO 8601 time, such as
//     2021-01-01T00:00:00.000Z, 2018-10-17T15:12:52.533+0000,
//     2021-01-01T00:00:00 (UTC) or 2021-01-01 (midnight UTC); or a number,
//     epoch milliseconds, as RDS records them), they compare as instants;
//     otherwise as strings.
//   - ip, cidr_block: when both sides are IP addresses or CIDR blocks,
//     each stands for its range of addresses (an address for itself, a
//     block, its host bits cleared, for all its addresses; IPv4-mapped
//     IPv6 addresses as IPv4) and, for a stored range R and a literal
//     range L (C.3): = holds when R and L overlap (for a literal address,
//     when R contains it); < when R has an address below all of L; <=
//     when R has one at or below some address of L; > when R has one above
//     all of L; >= when R has one at or above some address of L. An IPv4
//     and an IPv6 side never compare (false). When a side is not an
//     address or a block, they compare as strings.
//   - string (and everything else): the value's text (a number as
//     written, a boolean as true or false) and the literal's text compare
//     byte by byte, case-sensitively.
func Compare(v any, t catalog.Type, op string, l query.Literal) bool {
	switch modeOf(v, t) {
	case modeNumber:
		x, ok1 := number(v)
		y, ok2 := litNumber(l)
		return ok1 && ok2 && holds(op, cmpFloat(x, y))
	case modeBool:
		x, ok1 := boolean(v)
		y, ok2 := litBool(l)
		return ok1 && ok2 && holds(op, cmpBool(x, y))
	case modeDate:
		x, ok1 := instant(v)
		y, ok2 := litInstant(l)
		if ok1 && ok2 {
			return holds(op, x.Compare(y))
		}
	case modeIP:
		r, ok1 := ipRangeOf(text(v))
		lr, ok2 := ipRangeOf(l.Text)
		if ok1 && ok2 {
			return ipHolds(op, r, lr)
		}
	}
	return holds(op, strings.Compare(text(v), l.Text))
}

// Between reports whether the value v of a path of type t lies within
// [lo, hi], inclusive, in the order of Compare: v >= lo and v <= hi, with
// all three in one mode (a date or ip comparison falls back to strings
// when any of the three is not an instant or an address). For ip and
// cidr_block, it holds when the value's range overlaps [lo's first
// address, hi's last] (C.3).
func Between(v any, t catalog.Type, lo, hi query.Literal) bool {
	switch modeOf(v, t) {
	case modeNumber:
		x, ok1 := number(v)
		a, ok2 := litNumber(lo)
		b, ok3 := litNumber(hi)
		return ok1 && ok2 && ok3 && cmpFloat(x, a) >= 0 && cmpFloat(x, b) <= 0
	case modeBool:
		x, ok1 := boolean(v)
		a, ok2 := litBool(lo)
		b, ok3 := litBool(hi)
		return ok1 && ok2 && ok3 && cmpBool(x, a) >= 0 && cmpBool(x, b) <= 0
	case modeDate:
		x, ok1 := instant(v)
		a, ok2 := litInstant(lo)
		b, ok3 := litInstant(hi)
		if ok1 && ok2 && ok3 {
			return x.Compare(a) >= 0 && x.Compare(b) <= 0
		}
	case modeIP:
		r, ok1 := ipRangeOf(text(v))
		a, ok2 := ipRangeOf(lo.Text)
		b, ok3 := ipRangeOf(hi.Text)
		if ok1 && ok2 && ok3 {
			if r.lo.Is4() != a.lo.Is4() || r.lo.Is4() != b.lo.Is4() || a.lo.Compare(b.hi) > 0 {
				return false // another family, or an empty range
			}
			return ipHolds(query.OpEq, r, ipRange{a.lo, b.hi})
		}
	}
	s := text(v)
	return strings.Compare(s, lo.Text) >= 0 && strings.Compare(s, hi.Text) <= 0
}

// holds reports whether a comparison c (-1, 0, +1 for <, =, >) satisfies
// op.
func holds(op string, c int) bool {
	switch op {
	case query.OpEq:
		return c == 0
	case query.OpLt:
		return c < 0
	case query.OpLe:
		return c <= 0
	case query.OpGt:
		return c > 0
	case query.OpGe:
		return c >= 0
	}
	return false
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// text returns a scalar's text: a string itself, a number as written, a
// boolean as true or false.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// parseNumber parses a decimal number: an optional sign, digits with an
// optional fraction and exponent (no hexadecimal, infinity, NaN or
// underscores), whose value is finite.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789+-.eE", rune(s[i])) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// number returns a stored value as a number: a JSON number, or a string
// that is a decimal number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		return parseNumber(string(x))
	case string:
		return parseNumber(x)
	}
	return 0, false
}

func litNumber(l query.Literal) (float64, bool) {
	if l.Kind == query.LitBool {
		return 0, false
	}
	return parseNumber(l.Text)
}

// boolean returns a stored value as a boolean: a JSON boolean, or the
// string true or false in any case.
func boolean(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		return parseBool(x)
	}
	return false, false
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func litBool(l query.Literal) (bool, bool) {
	if l.Kind == query.LitNumber {
		return false, false
	}
	return parseBool(l.Text)
}

// timeLayouts are the ISO 8601 forms an instant may take; time.Parse also
// takes a fraction of a second after the seconds.
var timeLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// parseInstant parses an ISO 8601 time (no zone is UTC) or a decimal
// number of milliseconds since the epoch.
func parseInstant(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if ms, ok := parseNumber(s); ok {
		return epochMillis(ms)
	}
	return time.Time{}, false
}

// epochMillis returns the instant ms milliseconds after the epoch, for ms
// within ±2^53 (beyond, a double has no millisecond precision anyway).
func epochMillis(ms float64) (time.Time, bool) {
	if math.Abs(ms) > 1<<53 {
		return time.Time{}, false
	}
	whole, frac := math.Modf(ms)
	return time.UnixMilli(int64(whole)).Add(time.Duration(frac * float64(time.Millisecond))).UTC(), true
}

func instant(v any) (time.Time, bool) {
	switch x := v.(type) {
	case json.Number:
		if ms, ok := parseNumber(string(x)); ok {
			return epochMillis(ms)
		}
	case string:
		return parseInstant(x)
	}
	return time.Time{}, false
}

func litInstant(l query.Literal) (time.Time, bool) {
	if l.Kind == query.LitBool {
		return time.Time{}, false
	}
	return parseInstant(l.Text)
}

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

// ipRangeOf parses an address (its range is itself) or a CIDR block (its
// addresses, host bits ignored). Zones are dropped and IPv4-mapped IPv6
// addresses are taken as IPv4.
func ipRangeOf(s string) (ipRange, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return ipRange{}, false
		}
		a, bits := p.Addr(), p.Bits()
		if a.Is4In6() {
			if bits < 96 {
				return ipRange{}, false
			}
			a, bits = a.Unmap(), bits-96
		}
		p = netip.PrefixFrom(a, bits).Masked()
		return ipRange{p.Addr(), lastAddr(p)}, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ipRange{}, false
	}
	a = a.WithZone("").Unmap()
	return ipRange{a, a}, true
}

// lastAddr returns the last address of the (masked) prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		keep := p.Bits() - 8*i // network bits in this byte
		switch {
		case keep <= 0:
			b[i] = 0xff
		case keep < 8:
			b[i] |= 0xff >> keep
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// ipHolds applies op to a stored range r and a literal range l (see
// Compare).
func ipHolds(op string, r, l ipRange) bool {
	if r.lo.Is4() != l.lo.Is4() {
		return false
	}
	switch op {
	case query.OpEq:
		return r.lo.Compare(l.hi) <= 0 && l.lo.Compare(r.hi) <= 0
	case query.OpLt:
		return r.lo.Compare(l.lo) < 0
	case query.OpLe:
		return r.lo.Compare(l.hi) <= 0
	case query.OpGt:
		return r.hi.Compare(l.hi) > 0
	case query.OpGe:
		return r.hi.Compare(l.lo) >= 0
	}
	return false
}

// Like reports whether s matches the LIKE pattern: % stands for any run of
// characters (maybe none), _ for exactly one character (a Unicode code
// point), and every other character for itself, case-sensitively. There
// is no escape (C.3). The whole of s must match.
func Like(s, pattern string) bool {
	str, pat := []rune(s), []rune(pattern)
	// Iterative matching with backtracking to the last %: linear for
	// patterns without %, O(len(s)·len(pattern)) at worst.
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(str) {
		switch {
		case pi < len(pat) && pat[pi] == '%':
			star, mark = pi, si
			pi++
		case pi < len(pat) && (pat[pi] == '_' || pat[pi] == str[si]):
			si++
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}
