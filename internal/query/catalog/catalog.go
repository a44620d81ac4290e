// Package catalog is the catalogue of what AWS Config's advanced query can
// ask about: the resource types it answers for and the typed property paths
// of each. Both come from AWS Config's resource schema
// (awslabs/aws-config-resource-schema, config/properties): a resource type
// is queryable exactly when the schema has a resource-types/<Type>
// .properties.json file for it (config-data-and-query.md §C.7), and each
// file maps the type's property paths to their types (§C.8). Types that AWS
// Config records but the schema lacks, such as AWS::Cognito::UserPool, are
// not queryable: queries simply never return them.
//
// The data is generated from the schema into catalog.gen.txt by
// ./internal/catalogen (go generate ./internal/query/catalog), embedded, and
// parsed once, on first use. The package knows no HTTP and no store.
package catalog

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./internal/catalogen -schema ../../../../shared/models/resource-schema -out catalog.gen.txt

//go:embed catalog.gen.txt
var data string

// Type is the type the schema gives a property path; it decides how a
// query compares the property's values. The zero Type is no type.
type Type uint8

// The property types of the schema (§C.8).
const (
	String    Type = iota + 1 // "string"
	Integer                   // "integer"
	Boolean                   // "boolean"
	Date                      // "date", an ISO 8601 time
	Float                     // "float"
	IP                        // "ip", an IPv4 or IPv6 address
	CIDRBlock                 // "cidr_block", an address range in CIDR notation
)

// names are the schema's spellings of the types.
var names = [...]string{
	String: "string", Integer: "integer", Boolean: "boolean", Date: "date",
	Float: "float", IP: "ip", CIDRBlock: "cidr_block",
}

// String returns the schema's spelling of t ("string", "cidr_block", …).
func (t Type) String() string {
	if t >= String && int(t) < len(names) {
		return names[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// codes maps the one-letter codes of catalog.gen.txt to types.
var codes = map[byte]Type{
	's': String, 'i': Integer, 'b': Boolean, 'd': Date, 'f': Float, 'p': IP, 'c': CIDRBlock,
}

// catalog is the parsed catalog.gen.txt.
type catalog struct {
	paths []string           // every property path, sorted
	kinds []Type             // kinds[i] is the type of paths[i]
	index map[string]int32   // path → its index in paths
	types map[string][]int32 // resource type → indexes of its paths, sorted
	names []string           // the resource types, sorted
}

var load = sync.OnceValue(func() *catalog {
	c, err := parse(data)
	if err != nil {
		panic("catalog: catalog.gen.txt: " + err.Error())
	}
	return c
})

// Queryable reports whether advanced queries answer for resourceType, that
// is, whether the schema has a file for it (§C.7).
func Queryable(resourceType string) bool {
	_, ok := load().types[resourceType]
	return ok
}

// Types returns the queryable resource types, sorted.
func Types() []string {
	return slices.Clone(load().names)
}

// Properties returns the property paths of resourceType, sorted, or nil if
// it is not queryable.
func Properties(resourceType string) []string {
	c := load()
	ids, ok := c.types[resourceType]
	if !ok {
		return nil
	}
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = c.paths[id]
	}
	return ps
}

// PropertyType returns the type of the property path of resourceType, as
// the schema spells the path (case matters), and whether the type has it.
func PropertyType(resourceType, path string) (Type, bool) {
	c := load()
	id, ok := c.index[path]
	if !ok {
		return 0, false
	}
	if _, ok := slices.BinarySearch(c.types[resourceType], id); !ok {
		return 0, false
	}
	return c.kinds[id], true
}

// AnyType returns the type of path in the catalogue of all resource types
// together, for queries that do not fix a resource type, and whether any
// type has it. The catalogue is AWS.properties.json, the schema's merged
// file, together with the paths of every per-type file (the merged file
// lacks a few of them); a path has the same type in every resource type.
func AnyType(path string) (Type, bool) {
	c := load()
	id, ok := c.index[path]
	if !ok {
		return 0, false
	}
	return c.kinds[id], true
}

// HasPrefix reports whether path is a proper prefix of some property path
// in the catalogue of all resource types, segment by segment: whether some
// path is path + "." + more. configuration.state is a prefix of
// configuration.state.name; configuration.sta is not.
func HasPrefix(path string) bool {
	c := load()
	p := path + "."
	i, _ := slices.BinarySearch(c.paths, p)
	return i < len(c.paths) && strings.HasPrefix(c.paths[i], p)
}

// TypeHasPrefix is HasPrefix for the property paths of resourceType.
func TypeHasPrefix(resourceType, path string) bool {
	c := load()
	ids := c.types[resourceType]
	p := path + "."
	i, _ := slices.BinarySearchFunc(ids, p, func(id int32, p string) int {
		return strings.Compare(c.paths[id], p)
	})
	return i < len(ids) && strings.HasPrefix(c.paths[ids[i]], p)
}

// parse reads catalog.gen.txt; internal/catalogen describes the format.
func parse(text string) (*catalog, error) {
	c := &catalog{types: map[string][]int32{}}
	all := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	i := 0
	for i < len(all) && strings.HasPrefix(all[i], "#") {
		i++
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("line %d: %s", i+1, fmt.Sprintf(format, args...))
	}
	count := func(section string) (int, error) {
		if i >= len(all) {
			return 0, fail("missing %q", section)
		}
		rest, ok := strings.CutPrefix(all[i], section+" ")
		n, err := strconv.Atoi(rest)
		if !ok || err != nil || n < 0 {
			return 0, fail("want %q and a count", section)
		}
		i++
		return n, nil
	}

	n, err := count("paths")
	if err != nil {
		return nil, err
	}
	c.paths = make([]string, 0, n)
	c.kinds = make([]Type, 0, n)
	c.index = make(map[string]int32, n)
	var prev string
	for ; n > 0; n-- {
		if i >= len(all) {
			return nil, fail("missing paths")
		}
		f := strings.Fields(all[i])
		if len(f) != 3 || len(f[2]) != 1 {
			return nil, fail("malformed path line")
		}
		k, err := strconv.Atoi(f[0])
		t, ok := codes[f[2][0]]
		if err != nil || k < 0 || !ok {
			return nil, fail("malformed path line")
		}
		head, ok := segments(prev, k)
		if !ok {
			return nil, fail("previous path has fewer than %d segments", k)
		}
		p := f[1]
		if k > 0 {
			p = head + "." + f[1]
		}
		if len(c.paths) > 0 && p <= prev {
			return nil, fail("path %q out of order", p)
		}
		c.index[p] = int32(len(c.paths))
		c.paths = append(c.paths, p)
		c.kinds = append(c.kinds, t)
		prev = p
		i++
	}

	n, err = count("types")
	if err != nil {
		return nil, err
	}
	if i >= len(all) {
		return nil, fail(`missing the "*" line`)
	}
	star, common, err := c.runs(all[i])
	if err != nil {
		return nil, fail("%v", err)
	}
	if star != "*" {
		return nil, fail(`want the "*" line`)
	}
	i++
	for ; n > 0; n-- {
		if i >= len(all) {
			return nil, fail("missing types")
		}
		name, own, err := c.runs(all[i])
		if err != nil {
			return nil, fail("%v", err)
		}
		if len(c.names) > 0 && name <= c.names[len(c.names)-1] {
			return nil, fail("type %q out of order", name)
		}
		ids := append(slices.Clone(common), own...)
		slices.Sort(ids)
		if len(slices.Compact(ids)) != len(common)+len(own) {
			return nil, fail("type %q repeats a common path", name)
		}
		c.types[name] = slices.Clip(ids)
		c.names = append(c.names, name)
		i++
	}
	if i != len(all) {
		return nil, fail("trailing data")
	}
	return c, nil
}

// runs parses a "NAME RUN..." line into the name and the path indexes.
func (c *catalog) runs(line string) (string, []int32, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", nil, fmt.Errorf("empty line")
	}
	var ids []int32
	next := 0
	for _, r := range f[1:] {
		g, m, hasM := strings.Cut(r, "+")
		skip, err := strconv.Atoi(g)
		more := 0
		if err == nil && hasM {
			more, err = strconv.Atoi(m)
		}
		if err != nil || skip < 0 || more < 0 || next+skip+more >= len(c.paths) {
			return "", nil, fmt.Errorf("malformed run %q", r)
		}
		for id := next + skip; id <= next+skip+more; id++ {
			ids = append(ids, int32(id))
		}
		next += skip + more + 1
	}
	return f[0], ids, nil
}

// segments returns the first k dot-separated segments of s, and whether s
// has k segments.
func segments(s string, k int) (string, bool) {
	end := -1 // the end of the segments so far
	for range k {
		if end == len(s) {
			return "", false
		}
		if d := strings.IndexByte(s[end+1:], '.'); d >= 0 {
			end += 1 + d
		} else {
			end = len(s)
		}
	}
	return s[:max(end, 0)], true
}
