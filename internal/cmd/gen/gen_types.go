package main

import "fmt"

// genTypes renders types.go: one struct per structure shape, and for each
// operation output with list or map members a FillEmptyCollections method.
func (g *generator) genTypes(st *stats) *file {
	f := newFile("types.go")
	for _, name := range g.shapesWhere((*Shape).IsStruct) {
		g.genStruct(f, g.model.Shapes[name])
		st.Types++
	}
	return f
}

// genStruct renders the struct of one structure shape.
func (g *generator) genStruct(f *file, s *Shape) {
	typ := g.typeName[s.Name]
	f.printf("%s", comment("", summary(s.Documentation, g.structFallbackDoc(s))))
	if len(s.Members) == 0 {
		f.printf("type %s struct{}\n\n", typ)
		return
	}
	f.printf("type %s struct {\n", typ)
	for i, m := range s.Members {
		if i > 0 {
			f.printf("\n")
		}
		target := g.model.Shapes[m.Shape]
		field := fieldName(m.Name)
		f.printf("%s", comment("\t", summary(m.Documentation, summary(target.Documentation,
			fmt.Sprintf("%s is the %s member.", field, m.Name)))))
		opts := ",omitempty"
		switch {
		case g.alwaysEncoded(s, m):
			opts = ""
		case s.IsRequired(m.Name) && (target.Type == "list" || target.Type == "map"):
			// A required list that a client sent empty ([]) is present,
			// and AWS sends it back so; omitempty would drop it, and a
			// request re-encoded from it would be refused for a missing
			// member (found by FuzzDecodeValidate). omitzero drops only a
			// nil one.
			opts = ",omitzero"
		}
		f.printf("%s %s `json:\"%s%s\"`\n", field, g.goType(f, target, true), m.Name, opts)
	}
	f.printf("}\n\n")
	g.genFillEmpty(f, s)
}

// genFillEmpty renders the FillEmptyCollections method of an operation
// output with list or map members. Those members are encoded without
// omitempty; the method turns nil ones into empty ones, so that the
// response carries [] or {} for them, never null or nothing, as AWS does.
func (g *generator) genFillEmpty(f *file, s *Shape) {
	if !g.outputs[s.Name] {
		return
	}
	ms := g.collections(s)
	if len(ms) == 0 {
		return
	}
	f.printf("// FillEmptyCollections sets each nil list or map member of s to an empty\n")
	f.printf("// one, so that s encodes every one of them, as AWS does. The response\n")
	f.printf("// writer calls it.\n")
	f.printf("func (s *%s) FillEmptyCollections() {\n", g.typeName[s.Name])
	for _, m := range ms {
		field := "s." + fieldName(m.Name)
		f.printf("if %s == nil {\n%s = %s{}\n}\n", field, field, g.goType(f, g.model.Shapes[m.Shape], true))
	}
	f.printf("}\n\n")
}

// structFallbackDoc describes an undocumented structure by the operation
// it is the input or output of, if any.
func (g *generator) structFallbackDoc(s *Shape) string {
	typ := g.typeName[s.Name]
	for _, name := range sortedKeys(g.model.Operations) {
		op := g.model.Operations[name]
		switch {
		case op.Input != nil && op.Input.Shape == s.Name:
			return fmt.Sprintf("%s is the input of the %s operation.", typ, name)
		case op.Output != nil && op.Output.Shape == s.Name:
			return fmt.Sprintf("%s is the output of the %s operation.", typ, name)
		}
	}
	return fmt.Sprintf("%s is the %s structure of the %s API.", typ, s.Name, g.model.Metadata.ServiceID)
}

// goType is the Go type of a value of shape s. Scalars and structures are
// pointers when ptr is set (structure members, where nil means absent);
// lists, maps, blobs and documents never are.
func (g *generator) goType(f *file, s *Shape, ptr bool) string {
	star := ""
	if ptr {
		star = "*"
	}
	switch s.Type {
	case "string":
		return star + "string"
	case "boolean":
		return star + "bool"
	case "integer":
		return star + "int32"
	case "long":
		return star + "int64"
	case "float", "double":
		return star + "float64"
	case "timestamp":
		f.use(shapeImport)
		return star + "shape.Timestamp"
	case "blob":
		return "[]byte"
	case "list":
		return "[]" + g.goType(f, g.model.Shapes[s.Member.Shape], false)
	case "map":
		return "map[string]" + g.goType(f, g.model.Shapes[s.Value.Shape], false)
	case "structure":
		if s.IsDocument() {
			f.use("encoding/json")
			return "json.RawMessage"
		}
		return star + g.typeName[s.Name]
	}
	// Unknown shape types decode as raw JSON rather than failing.
	f.use("encoding/json")
	return "json.RawMessage"
}
