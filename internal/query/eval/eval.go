// Package eval is the reference evaluator of AWS Config's advanced query:
// it gives a query (package query's syntax tree) its meaning over
// configuration items, one item at a time, in plain Go. It is meant to be
// obviously correct rather than fast; the planner that pushes work down to
// a store is tested against it.
//
// The pipeline of Run, each step exported so that it can be checked on its
// own:
//
//  1. Admits: only items of queryable types (the catalogue's, C.7) that
//     were recorded take part.
//  2. Document: the item in the query form of B.3.
//  3. Match: the WHERE condition over the document (C.3).
//  4. Project (plain queries) or grouping and aggregates (aggregate
//     queries), then ordering: Eval, giving Rows.
//  5. Render: each row as the JSON string of AWS's Results (B.3).
//
// The items are the current configuration items (each resource's latest
// version), as a store's Scan gives them; Eval does not pick versions.
package eval

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/catalog"
)

// ErrInvalid is wrapped by the errors of queries that Eval cannot give a
// meaning to (beyond what the parser checks).
var ErrInvalid = errors.New("invalid query")

// StarProperties are the properties SELECT * selects: the top-level
// scalars of a configuration item (C.4).
var StarProperties = []string{
	"accountId", "awsRegion", "arn", "availabilityZone", "configurationItemCaptureTime",
	"resourceCreationTime", "resourceId", "resourceName", "resourceType", "version",
}

// Admits reports whether the item takes part in queries at all (C.3
// "Record scope", C.7): its type is queryable (catalog.Queryable) and its
// status is neither ResourceNotRecorded nor ResourceDeletedNotRecorded.
// A deleted resource's current item (ResourceDeleted) does take part:
// community queries filter configurationItemStatus != 'ResourceDeleted',
// so AWS returns them.
func Admits(it *inventory.Item) bool {
	switch it.Status {
	case inventory.StatusResourceNotRecorded, inventory.StatusResourceDeletedNotRecorded:
		return false
	}
	return catalog.Queryable(it.ResourceType)
}

// SelectFields returns the names of the select list, in order, as
// QueryInfo.SelectFields lists them: each item as written in canonical
// form (query.SelectItem.String), * for SELECT * (not its ten properties),
// COUNT(*) for an aggregate.
func SelectFields(q *query.Query) []string {
	out := make([]string, len(q.Select))
	for i, it := range q.Select {
		out[i] = it.String()
	}
	return out
}

// Run evaluates the query over the items and returns its results
// rendered (Render), in order. It returns the first error of items, or an
// error wrapping ErrInvalid for a query Eval refuses.
func Run(q *query.Query, items iter.Seq2[inventory.Item, error]) ([]string, error) {
	return run(q, items, needsOf(q))
}

// RunWhole is Run decoding each item's whole configuration and
// supplementary configuration, where Run decodes only the members the
// query names: the plain definition, which the differential test holds
// Run's shortcut to.
func RunWhole(q *query.Query, items iter.Seq2[inventory.Item, error]) ([]string, error) {
	return run(q, items, nil)
}

func run(q *query.Query, items iter.Seq2[inventory.Item, error], need *needs) ([]string, error) {
	rows, err := eval(q, items, need)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = Render(r)
	}
	return out, nil
}

// record is an item that matched, and what ordering needs of it.
type record struct {
	key       inventory.Key
	awsRegion string
	doc       map[string]any
}

func (r *record) rt() string { return r.key.ResourceType }

// compareDefault is the order of plain results without ORDER BY, and the
// last key of every order of them: accountId, awsRegion, resourceType,
// resourceId, then the source region (an aggregator can hold one global
// resource from several source regions).
func compareDefault(a, b *record) int {
	return cmp.Or(
		strings.Compare(a.key.AccountID, b.key.AccountID),
		strings.Compare(a.awsRegion, b.awsRegion),
		strings.Compare(a.key.ResourceType, b.key.ResourceType),
		strings.Compare(a.key.ResourceID, b.key.ResourceID),
		strings.Compare(a.key.Region, b.key.Region),
	)
}

// Eval evaluates the query over the items (Admits, Document, Match) and
// returns its rows in order.
//
// A query is an aggregate query when it has GROUP BY or an aggregate in
// its select list or ORDER BY; otherwise it is plain.
//
// Plain: each matching item gives one row, Project's. ORDER BY sorts by the
// values of the paths in the item's document (whether selected or not): a
// path with several values (through an array) sorts by its least value
// ascending and its greatest descending; an item without the path sorts
// after those with it, in either direction. Values compare in the order
// of Order. Ties, and queries without ORDER BY, follow compareDefault
// (accountId, awsRegion, resourceType, resourceId, source region).
//
// Aggregate: the matching items are grouped by the values of the GROUP BY
// paths (at most three). An item joins one group per distinct value of a
// path (a path through an array with values a and b puts it in the groups
// of a and of b, as a terms aggregation does); with several paths, one per
// combination. An item without a path's value joins the group where that
// key is absent. Values are distinct by JSON type and text, numbers by
// value (22 and 22.0 are one group). Without GROUP BY, all the matching
// items are one group, which gives one row even when no item matches
// (COUNT(*) 0). A group's row holds, for each select item: a path (which
// must be a GROUP BY path) nested as in the document but through objects
// only ({"tags":{"key":"Name"}} for tags.key), left out when the key is
// absent; an aggregate under its name ("COUNT(*)") with its value:
//
//   - COUNT(*): the number of items in the group (int64);
//   - COUNT(path): the number of those with some value of path (int64);
//   - MIN(path), MAX(path): the least or greatest value of path over the
//     group's items (every element of an array counts), in the order of
//     Order, as the document holds it (a number renders as a Java double,
//     a string as a string);
//   - SUM(path), AVG(path): the sum and the mean of the numeric values of
//     path (JSON numbers, and decimal strings of integer or float paths;
//     every element of an array counts), as float64 (rendered as a Java
//     double: SUM of 100 and 200 is 300.0);
//
// and MIN, MAX, SUM and AVG are left out when the group has no such value.
// ORDER BY sorts groups by a GROUP BY path's key (absent last) or by an
// aggregate's value (absent last), in the order of Order; ties, and
// queries without ORDER BY, follow the group keys in GROUP BY order,
// ascending, absent last.
//
// Eval refuses (ErrInvalid): an empty select list; more than three GROUP
// BY paths; in an aggregate query, * or a select or ORDER BY path that is
// not a GROUP BY path; an aggregate other than COUNT of *; an unknown
// function.
func Eval(q *query.Query, items iter.Seq2[inventory.Item, error]) ([]Row, error) {
	return eval(q, items, needsOf(q))
}

// eval is Eval with the documents built as need says.
func eval(q *query.Query, items iter.Seq2[inventory.Item, error], need *needs) ([]Row, error) {
	agg, err := check(q)
	if err != nil {
		return nil, err
	}
	var recs []*record
	for it, err := range items {
		if err != nil {
			return nil, err
		}
		if !Admits(&it) {
			continue
		}
		doc := document(&it, need)
		if !Match(q.Where, doc, it.ResourceType) {
			continue
		}
		recs = append(recs, &record{key: it.Key, awsRegion: it.AWSRegion, doc: doc})
	}
	slices.SortStableFunc(recs, compareDefault)
	if agg {
		return aggregate(q, recs), nil
	}
	return plain(q, recs), nil
}

// check validates what Eval needs of q and reports whether it is an
// aggregate query.
func check(q *query.Query) (bool, error) {
	if len(q.Select) == 0 {
		return false, fmt.Errorf("%w: empty select list", ErrInvalid)
	}
	if len(q.GroupBy) > 3 {
		return false, fmt.Errorf("%w: more than three GROUP BY properties", ErrInvalid)
	}
	agg := len(q.GroupBy) > 0
	checkAgg := func(a *query.Aggregate) error {
		switch a.Func {
		case query.FuncCount, query.FuncMin, query.FuncMax, query.FuncSum, query.FuncAvg:
		default:
			return fmt.Errorf("%w: unknown function %s", ErrInvalid, a.Func)
		}
		if a.Star && a.Func != query.FuncCount {
			return fmt.Errorf("%w: %s(*)", ErrInvalid, a.Func)
		}
		if !a.Star && len(a.Path) == 0 {
			return fmt.Errorf("%w: %s without an argument", ErrInvalid, a.Func)
		}
		agg = true
		return nil
	}
	for _, it := range q.Select {
		if it.Aggregate != nil {
			if err := checkAgg(it.Aggregate); err != nil {
				return false, err
			}
		}
	}
	for _, o := range q.OrderBy {
		if o.Aggregate != nil {
			if err := checkAgg(o.Aggregate); err != nil {
				return false, err
			}
		}
	}
	if !agg {
		return false, nil
	}
	grouped := func(p query.Path) bool {
		return slices.ContainsFunc(q.GroupBy, func(g query.Path) bool { return g.String() == p.String() })
	}
	for _, it := range q.Select {
		switch {
		case it.Star:
			return false, fmt.Errorf("%w: * in an aggregate query", ErrInvalid)
		case it.Aggregate == nil && !grouped(it.Path):
			return false, fmt.Errorf("%w: %s is neither aggregated nor a GROUP BY property", ErrInvalid, it.Path)
		}
	}
	for _, o := range q.OrderBy {
		if o.Aggregate == nil && !grouped(o.Path) {
			return false, fmt.Errorf("%w: ORDER BY %s is neither an aggregate nor a GROUP BY property", ErrInvalid, o.Path)
		}
	}
	return true, nil
}

// sortVal is a value to sort by: absent, or a value and the type of its
// path.
type sortVal struct {
	ok bool
	v  any
	t  catalog.Type
}

// compareSortVals orders two sort values, absent last in either direction
// (desc reverses the present values only).
func compareSortVals(a, b sortVal, desc bool) int {
	switch {
	case !a.ok && !b.ok:
		return 0
	case !a.ok:
		return 1
	case !b.ok:
		return -1
	}
	c := Order(a.v, a.t, b.v, b.t)
	if desc {
		c = -c
	}
	return c
}

func plain(q *query.Query, recs []*record) []Row {
	keys := make(map[*record][]sortVal, len(recs))
	for _, r := range recs {
		var ks []sortVal
		for _, o := range q.OrderBy {
			t := PathType(r.rt(), o.Path)
			var k sortVal
			for _, v := range Values(r.doc, o.Path) {
				c := Order(v, t, k.v, k.t)
				if !k.ok || (!o.Desc && c < 0) || (o.Desc && c > 0) {
					k = sortVal{true, v, t}
				}
			}
			ks = append(ks, k)
		}
		keys[r] = ks
	}
	slices.SortStableFunc(recs, func(a, b *record) int {
		for i, o := range q.OrderBy {
			if c := compareSortVals(keys[a][i], keys[b][i], o.Desc); c != 0 {
				return c
			}
		}
		return compareDefault(a, b)
	})
	rows := make([]Row, len(recs))
	for i, r := range recs {
		rows[i] = Project(r.doc, q.Select)
	}
	return rows
}

// Project returns the row of a plain query's select list for a document
// (C.4):
//
//   - * selects the StarProperties;
//   - a path selects the value at the path nested as in the document: an
//     object keeps only the selected members, an array keeps, in order,
//     those of its elements that hold something selected (each cut the
//     same way), so configuration.ipPermissions.fromPort gives
//     {"configuration":{"ipPermissions":[{"fromPort":22},…]}}; the value
//     at the end of a path is kept whole (configuration, tags,
//     relationships, supplementaryConfiguration, an object or an array);
//   - several items merge into one tree, an element of an array keeping
//     every selected member (fromPort and toPort stay together); a path
//     inside another selected path adds nothing;
//   - what the document lacks is left out, and so is an object or array
//     left empty by the cut (but a selected empty value, such as "tags":[],
//     is kept); a document with nothing selected gives {};
//   - tags.tag, which the document does not hold, selects
//     {"tags":[{"tag":"key=value"},…]}.
//
// Aggregates in items are ignored.
func Project(doc map[string]any, items []query.SelectItem) Row {
	root := &selection{}
	for _, it := range items {
		switch {
		case it.Star:
			for _, p := range StarProperties {
				root.add([]string{p})
			}
		case it.Aggregate == nil:
			root.add(it.Path)
		}
	}
	if t := root.kids["tags"]; t != nil && !t.whole && t.kids["tag"] != nil {
		doc = withTagTags(doc)
	}
	v, ok := root.cut(doc)
	if !ok {
		return Row{}
	}
	return Row(v.(map[string]any))
}

// withTagTags returns a shallow copy of doc whose tags hold their "tag"
// member ("key=value").
func withTagTags(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	tags, _ := doc["tags"].([]any)
	nt := make([]any, len(tags))
	for i, t := range tags {
		m, _ := t.(map[string]any)
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		if k, ok := m["key"].(string); ok {
			v, _ := m["value"].(string)
			c["tag"] = k + "=" + v
		}
		nt[i] = c
	}
	out["tags"] = nt
	return out
}

// selection is the tree of the selected paths.
type selection struct {
	whole bool // the value here is selected whole
	kids  map[string]*selection
}

func (s *selection) add(path []string) {
	if s.whole {
		return
	}
	if len(path) == 0 {
		s.whole, s.kids = true, nil
		return
	}
	if s.kids == nil {
		s.kids = map[string]*selection{}
	}
	k := s.kids[path[0]]
	if k == nil {
		k = &selection{}
		s.kids[path[0]] = k
	}
	k.add(path[1:])
}

// cut returns what the selection keeps of v, and whether it keeps
// anything.
func (s *selection) cut(v any) (any, bool) {
	if s.whole {
		return v, true
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for name, k := range s.kids {
			if c, ok := x[name]; ok {
				if kept, ok := k.cut(c); ok {
					out[name] = kept
				}
			}
		}
		return out, len(out) > 0
	case []any:
		var out []any
		for _, e := range x {
			if kept, ok := s.cut(e); ok {
				out = append(out, kept)
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

// group is one group of an aggregate query.
type group struct {
	keys []sortVal // one per GROUP BY path
	recs []*record
}

func aggregate(q *query.Query, recs []*record) []Row {
	var groups []*group
	if len(q.GroupBy) == 0 {
		groups = []*group{{recs: recs}}
	} else {
		byKey := map[string]*group{}
		for _, r := range recs {
			for _, keys := range groupKeys(r, q.GroupBy) {
				id := groupID(keys)
				g := byKey[id]
				if g == nil {
					g = &group{keys: keys}
					byKey[id] = g
					groups = append(groups, g)
				}
				g.recs = append(g.recs, r)
			}
		}
	}

	type result struct {
		g     *group
		row   Row
		order []sortVal
	}
	results := make([]result, len(groups))
	for i, g := range groups {
		row := Row{}
		for _, it := range q.Select {
			if it.Aggregate != nil {
				if v, ok := aggValue(it.Aggregate, g.recs); ok {
					row[it.Aggregate.String()] = v
				}
				continue
			}
			if k := g.keys[groupIndex(q.GroupBy, it.Path)]; k.ok {
				setPath(row, it.Path, k.v)
			}
		}
		var order []sortVal
		for _, o := range q.OrderBy {
			if o.Aggregate != nil {
				v, ok := aggValue(o.Aggregate, g.recs)
				var t catalog.Type
				if !o.Aggregate.Star {
					t = PathType("", o.Aggregate.Path) // for MIN and MAX
				}
				order = append(order, sortVal{ok, v, t})
			} else {
				order = append(order, g.keys[groupIndex(q.GroupBy, o.Path)])
			}
		}
		results[i] = result{g, row, order}
	}
	slices.SortStableFunc(results, func(a, b result) int {
		for i, o := range q.OrderBy {
			if c := compareSortVals(a.order[i], b.order[i], o.Desc); c != 0 {
				return c
			}
		}
		for i := range a.g.keys {
			if c := compareSortVals(a.g.keys[i], b.g.keys[i], false); c != 0 {
				return c
			}
		}
		return 0
	})
	rows := make([]Row, len(results))
	for i, r := range results {
		rows[i] = r.row
	}
	return rows
}

// groupIndex returns the index of the GROUP BY path p (check made sure it
// is one).
func groupIndex(groupBy []query.Path, p query.Path) int {
	return slices.IndexFunc(groupBy, func(g query.Path) bool { return g.String() == p.String() })
}

// setPath sets the value at path in row, making the objects on the way.
func setPath(row Row, path query.Path, v any) {
	m := map[string]any(row)
	for _, name := range path[:len(path)-1] {
		c, ok := m[name].(map[string]any)
		if !ok {
			c = map[string]any{}
			m[name] = c
		}
		m = c
	}
	m[path[len(path)-1]] = v
}

// groupKeys returns the key tuples under which r is grouped: the product
// of the distinct values of each path (absent when it has none).
func groupKeys(r *record, paths []query.Path) [][]sortVal {
	tuples := [][]sortVal{nil}
	for _, p := range paths {
		t := PathType(r.rt(), p)
		var vals []sortVal
		seen := map[string]bool{}
		for _, v := range Values(r.doc, p) {
			if id := valueID(v); !seen[id] {
				seen[id] = true
				vals = append(vals, sortVal{true, v, t})
			}
		}
		if len(vals) == 0 {
			vals = []sortVal{{}}
		}
		var next [][]sortVal
		for _, tu := range tuples {
			for _, v := range vals {
				next = append(next, append(slices.Clip(tu), v))
			}
		}
		tuples = next
	}
	return tuples
}

// valueID identifies a value for grouping: its JSON type and text, a
// number by its value.
func valueID(v any) string {
	switch x := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return "n" + FormatDouble(f)
		}
		return "n" + string(x)
	case bool:
		return "b" + strconv.FormatBool(x)
	}
	return "s" + text(v)
}

func groupID(keys []sortVal) string {
	var b strings.Builder
	for _, k := range keys {
		if k.ok {
			b.WriteString(strconv.Quote(valueID(k.v)))
		} else {
			b.WriteString("-")
		}
	}
	return b.String()
}

// aggValue computes an aggregate over a group's records; ok is false when
// the value is absent.
func aggValue(a *query.Aggregate, recs []*record) (any, bool) {
	if a.Func == query.FuncCount {
		if a.Star {
			return int64(len(recs)), true
		}
		n := int64(0)
		for _, r := range recs {
			if len(Values(r.doc, a.Path)) > 0 {
				n++
			}
		}
		return n, true
	}
	var best sortVal
	sum, n := 0.0, 0
	for _, r := range recs {
		t := PathType(r.rt(), a.Path)
		for _, v := range Values(r.doc, a.Path) {
			switch a.Func {
			case query.FuncMin, query.FuncMax:
				c := Order(v, t, best.v, best.t)
				if !best.ok || (a.Func == query.FuncMin && c < 0) || (a.Func == query.FuncMax && c > 0) {
					best = sortVal{true, v, t}
				}
			default:
				if f, ok := summand(v, t); ok {
					sum += f
					n++
				}
			}
		}
	}
	switch a.Func {
	case query.FuncMin, query.FuncMax:
		return best.v, best.ok
	case query.FuncSum:
		return sum, n > 0
	}
	if n == 0 {
		return nil, false
	}
	return sum / float64(n), true
}

// summand returns the value as a number for SUM and AVG: a JSON number, or
// a decimal string of an integer or float path.
func summand(v any, t catalog.Type) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		return parseNumber(string(x))
	case string:
		if t == catalog.Integer || t == catalog.Float {
			return parseNumber(x)
		}
	}
	return 0, false
}

// Order is the total order of values (document scalars, and int64 and
// float64 aggregate values) that ORDER BY, MIN and MAX use; a and b are of
// paths of types ta and tb (0 if unknown). It returns -1, 0 or +1. Each
// value falls in a class by the mode of Compare: numbers (by value), then
// instants (by time), then IP ranges (by first address, then last, IPv4
// before IPv6), then booleans (false first), then everything else (by
// text, byte order); a value that its mode cannot read (a date that is not
// an instant) falls in the last class. Values equal so far are ordered by
// text, then JSON type (number, string, boolean), so only identical values
// tie.
func Order(a any, ta catalog.Type, b any, tb catalog.Type) int {
	ka, kb := sortKeyOf(a, ta), sortKeyOf(b, tb)
	if c := cmp.Compare(ka.class, kb.class); c != 0 {
		return c
	}
	var c int
	switch ka.class {
	case classNumber:
		c = cmpFloat(ka.f, kb.f)
	case classInstant:
		c = ka.t.Compare(kb.t)
	case classIP:
		c = cmp.Or(ka.r.lo.Compare(kb.r.lo), ka.r.hi.Compare(kb.r.hi))
	case classBool:
		c = cmpBool(ka.b, kb.b)
	}
	return cmp.Or(c, strings.Compare(text(a), text(b)), cmp.Compare(kindOf(a), kindOf(b)))
}

const (
	classNumber = iota
	classInstant
	classIP
	classBool
	classText
)

type sortKey struct {
	class int
	f     float64
	t     time.Time
	r     ipRange
	b     bool
}

func sortKeyOf(v any, t catalog.Type) sortKey {
	switch x := v.(type) {
	case int64:
		return sortKey{class: classNumber, f: float64(x)}
	case float64:
		return sortKey{class: classNumber, f: x}
	}
	switch modeOf(v, t) {
	case modeNumber:
		if f, ok := number(v); ok {
			return sortKey{class: classNumber, f: f}
		}
	case modeDate:
		if tm, ok := instant(v); ok {
			return sortKey{class: classInstant, t: tm}
		}
	case modeIP:
		if r, ok := ipRangeOf(text(v)); ok {
			return sortKey{class: classIP, r: r}
		}
	case modeBool:
		if b, ok := boolean(v); ok {
			return sortKey{class: classBool, b: b}
		}
	}
	return sortKey{class: classText}
}

// kindOf ranks a value's JSON type for Order's last tie-break.
func kindOf(v any) int {
	switch v.(type) {
	case json.Number, int64, float64:
		return 0
	case string:
		return 1
	}
	return 2
}
