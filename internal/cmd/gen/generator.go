package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// generator turns one model into the files of one Go package. It holds the
// names it has given out and facts computed once about the model's shapes.
type generator struct {
	model *Model
	pkg   string
	ns    namespace

	typeName    map[string]string   // structure shape → Go type name
	errFunc     map[string]string   // exception shape → constructor name
	errCode     map[string]string   // exception shape → code constant name
	enumVar     map[string]string   // enum shape → name of its []string of values
	enumConsts  map[string][]string // enum shape → constant names, in value order
	patterns    map[string]pattern  // string shape with a pattern → the pattern
	constrained map[string]bool     // shape → whether validation checks anything in it
	raw         map[string]bool     // operations whose method answers shape.RawJSON
	opInputs    map[string]bool     // structures that are an operation's input
	inInputs    map[string]bool     // structures that are, or are inside, an operation's input
	outputs     map[string]bool     // structures that are an operation's output
}

// rawOperations lists, per service ID, the operations whose Service method
// answers with its output already encoded as JSON (shape.RawJSON), so that
// a hot path can send stored JSON without decoding and encoding it again.
var rawOperations = map[string][]string{
	"Config Service": {"DescribeConfigurationAggregators", "PutConfigurationAggregator"},
}

// stats counts what a generator produced.
type stats struct {
	Types, Enums, Errors, Operations int
	// Skipped lists the model patterns RE2 cannot compile; Translated the
	// ones compiled after rewriting Java-only syntax.
	Skipped, Translated []string
}

// newGenerator prepares a generator for model, writing package pkg. The
// operations named in raw are served raw: their methods answer
// shape.RawJSON.
func newGenerator(model *Model, pkg string, raw []string) (*generator, error) {
	g := &generator{
		model:      model,
		pkg:        pkg,
		ns:         namespace{},
		typeName:   map[string]string{},
		errFunc:    map[string]string{},
		errCode:    map[string]string{},
		enumVar:    map[string]string{},
		enumConsts: map[string][]string{},
		patterns:   map[string]pattern{},
		raw:        map[string]bool{},
		opInputs:   map[string]bool{},
		outputs:    map[string]bool{},
	}
	for _, name := range sortedKeys(model.Shapes) {
		if p := model.Shapes[name].Pattern; p != nil {
			g.patterns[name] = preparePattern(*p)
		}
	}
	if err := g.nameTypes(); err != nil {
		return nil, err
	}
	if err := g.nameErrors(); err != nil {
		return nil, err
	}
	if err := g.nameEnums(); err != nil {
		return nil, err
	}
	g.constrained = g.findConstrained()
	for _, name := range raw {
		op := model.Operations[name]
		if op == nil || op.Output == nil {
			return nil, fmt.Errorf("raw operation %s is not an operation with an output", name)
		}
		g.raw[name] = true
	}
	for _, op := range model.Operations {
		if op.Input != nil {
			g.opInputs[op.Input.Shape] = true
		}
		if op.Output != nil {
			g.outputs[op.Output.Shape] = true
		}
	}
	g.inInputs = g.reachable(sortedKeys(g.opInputs))
	if err := g.checkOutputs(); err != nil {
		return nil, err
	}
	return g, nil
}

// reachable returns the structures among roots and the shapes they contain,
// through members, list elements and map keys and values.
func (g *generator) reachable(roots []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		s := g.model.Shapes[name]
		for _, m := range s.Members {
			visit(m.Shape)
		}
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if r != nil {
				visit(r.Shape)
			}
		}
	}
	for _, name := range roots {
		visit(name)
	}
	structs := map[string]bool{}
	for name := range seen {
		if g.model.Shapes[name].IsStruct() {
			structs[name] = true
		}
	}
	return structs
}

// checkOutputs refuses an output structure with list or map members that is
// also an input or inside another shape: its collections are always
// encoded, which only the top level of a response may do.
func (g *generator) checkOutputs() error {
	inside := map[string]bool{}
	for _, s := range g.model.Shapes {
		for _, m := range s.Members {
			inside[m.Shape] = true
		}
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if r != nil {
				inside[r.Shape] = true
			}
		}
	}
	for _, name := range sortedKeys(g.outputs) {
		if len(g.collections(g.model.Shapes[name])) > 0 && (inside[name] || g.inInputs[name]) {
			return fmt.Errorf("output structure %s has list or map members and is also an input or a member", name)
		}
	}
	return nil
}

// collections returns the list and map members of structure s, in model
// order.
func (g *generator) collections(s *Shape) []Member {
	var ms []Member
	for _, m := range s.Members {
		if t := g.model.Shapes[m.Shape].Type; t == "list" || t == "map" {
			ms = append(ms, m)
		}
	}
	return ms
}

// alwaysEncoded reports whether member m of structure s is encoded even
// when empty: the list and map members of an operation's output are, as
// AWS sends them ([] or {}) rather than leaving them out.
func (g *generator) alwaysEncoded(s *Shape, m Member) bool {
	t := g.model.Shapes[m.Shape].Type
	return g.outputs[s.Name] && (t == "list" || t == "map")
}

// shapesWhere returns the names of the shapes for which keep is true, in
// sorted order.
func (g *generator) shapesWhere(keep func(*Shape) bool) []string {
	var names []string
	for _, name := range sortedKeys(g.model.Shapes) {
		if keep(g.model.Shapes[name]) {
			names = append(names, name)
		}
	}
	return names
}

func isException(s *Shape) bool { return s.Type == "structure" && s.Exception }
func isEnum(s *Shape) bool      { return s.Type == "string" && len(s.Enum) > 0 }

// nameTypes names the Go struct of every structure shape: the shape name,
// or the shape name plus "Shape" where that would be reserved or taken.
func (g *generator) nameTypes() error {
	for _, name := range g.shapesWhere((*Shape).IsStruct) {
		base := exported(name)
		n, err := g.ns.claimFirst("structure "+name, base, base+"Shape")
		if err != nil {
			return err
		}
		g.typeName[name] = n
	}
	return nil
}

// nameErrors names the code constant and constructor of every exception.
// A constructor whose name is taken (Organizations' ServiceException would
// be Service, the name of the service interface) is called by the full
// shape name instead.
func (g *generator) nameErrors() error {
	for _, name := range g.shapesWhere(isException) {
		base := errorName(name)
		code := "Code" + base
		if err := g.ns.claim(code, "exception "+name); err != nil {
			return err
		}
		fn, err := g.ns.claimFirst("exception "+name, base, exported(name), base+"Error")
		if err != nil {
			return err
		}
		g.errCode[name], g.errFunc[name] = code, fn
	}
	return nil
}

// nameEnums names the value list and constants of every enum. Constants
// that would share a name are numbered in model order.
func (g *generator) nameEnums() error {
	for _, name := range g.shapesWhere(isEnum) {
		prefix := exported(name)
		v, err := g.ns.claimFirst("enum "+name, prefix+"Values", prefix+"EnumValues")
		if err != nil {
			return err
		}
		g.enumVar[name] = v
		consts := make([]string, len(g.model.Shapes[name].Enum))
		for i, val := range g.model.Shapes[name].Enum {
			consts[i] = g.ns.claimNumbered(prefix+enumIdent(val), fmt.Sprintf("enum %s value %q", name, val))
		}
		g.enumConsts[name] = consts
	}
	return nil
}

// generate renders every file of the package.
func (g *generator) generate() (map[string][]byte, stats, error) {
	var st stats
	files := []*file{g.genTypes(&st), g.genEnums(&st), g.genValidate(&st), g.genErrors(&st), g.genService(&st)}
	out := map[string][]byte{}
	for _, f := range files {
		src, err := f.render(g.model.Metadata.ServiceID, g.pkg)
		if err != nil {
			return nil, st, err
		}
		out[f.name] = src
	}
	return out, st, nil
}

// writeFiles writes the generated files into dir, creating it if needed.
func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
