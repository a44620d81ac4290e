package main

import (
	"encoding/json"
	"fmt"
	"maps"
)

// genValidate renders validate.go: the package's compiled patterns and the
// validate methods of every structure that is, or is inside, an operation's
// input. Only requests are validated: structures found only in outputs get
// none.
func (g *generator) genValidate(st *stats) *file {
	methods := newFile("")
	used := map[string]bool{} // string shapes whose pattern the methods use
	for _, name := range sortedKeys(g.inInputs) {
		g.genValidateMethods(methods, g.model.Shapes[name], used)
	}
	f := newFile("validate.go")
	g.genPatterns(f, used, st)
	f.body.Write(methods.body.Bytes())
	maps.Copy(f.imports, methods.imports)
	return f
}

// patternVar names the compiled pattern of a string shape.
func patternVar(shapeName string) string { return "pattern" + exported(shapeName) }

// genPatterns renders the package-level regexps that the validate methods
// use, and a comment listing the model patterns RE2 cannot compile.
func (g *generator) genPatterns(f *file, used map[string]bool, st *stats) {
	var skipped []string
	for _, name := range sortedKeys(g.patterns) {
		switch p := g.patterns[name]; {
		case !p.OK():
			skipped = append(skipped, name+": "+p.Model)
			st.Skipped = append(st.Skipped, name+": "+p.Model)
		case p.Translated():
			st.Translated = append(st.Translated, name+": "+p.Model+" => "+p.Go)
		}
	}
	if len(skipped) > 0 {
		f.printf("// These model patterns are not checked: Go's RE2 cannot compile them.\n//\n")
		for _, s := range skipped {
			f.printf("//\t%s\n", s)
		}
		f.printf("\n")
	}
	if len(used) == 0 {
		return
	}
	f.use(shapeImport)
	f.printf("// Model patterns, compiled to match whole values.\nvar (\n")
	for _, name := range sortedKeys(used) {
		p := g.patterns[name]
		if p.Translated() {
			f.printf("// %s is the model pattern %s with Java's \\u escapes rewritten for RE2.\n", patternVar(name), p.Model)
		}
		f.printf("%s = shape.MustCompile(%s)\n", patternVar(name), goString(p.Go))
	}
	f.printf(")\n\n")
}

// genValidateMethods renders the Validate and validate methods of one
// structure, and CheckConstraints (which shape.Handle calls) if the
// structure is an operation's input.
func (g *generator) genValidateMethods(f *file, s *Shape, used map[string]bool) {
	typ := g.typeName[s.Name]
	f.use(shapeImport)
	f.printf("%s", comment("", fmt.Sprintf("Validate checks s against the constraints of the model's %s shape. "+
		"It returns a ValidationException describing every violation, or nil.", s.Name)))
	f.printf("func (s *%s) Validate() error {\nvar v shape.Validator\ns.validate(&v, \"\")\nreturn v.Err()\n}\n\n", typ)
	if g.opInputs[s.Name] {
		f.printf("%s", comment("", fmt.Sprintf("CheckConstraints checks s against the constraints of the model's %s shape "+
			"and returns the Validator holding the violations found.", s.Name)))
		f.printf("func (s *%s) CheckConstraints() shape.Validator {\nvar v shape.Validator\ns.validate(&v, \"\")\nreturn v\n}\n\n", typ)
	}
	f.printf("// validate adds the violations in s, the value at path, to v.\n")
	f.printf("func (s *%s) validate(v *shape.Validator, path string) {\n", typ)
	for _, m := range s.Members {
		g.genMemberCheck(f, s, m, used)
	}
	f.printf("}\n\n")
}

// genMemberCheck renders the checks of one structure member: the null
// check if it is required, then the checks of its value if it has any.
func (g *generator) genMemberCheck(f *file, s *Shape, m Member, used map[string]bool) {
	required, checked := s.IsRequired(m.Name), g.constrained[m.Shape]
	if !required && !checked {
		return
	}
	field := "s." + fieldName(m.Name)
	path := fmt.Sprintf("shape.Member(path, %q)", lowerFirst(m.Name))
	switch {
	case required && !checked:
		f.printf("if %s == nil {\nv.Null(%s)\n}\n", field, path)
		return
	case required:
		f.printf("if %s == nil {\nv.Null(%s)\n} else {\n", field, path)
	default:
		f.printf("if %s != nil {\n", field)
	}
	f.printf("p := %s\n", path)
	target := g.model.Shapes[m.Shape]
	expr := field
	if isScalar(target) {
		expr = "*" + field
	}
	g.genValueChecks(f, target, expr, "p", 0, used)
	f.printf("}\n")
}

// isScalar reports whether a member of shape s is a pointer that must be
// dereferenced to get at the value.
func isScalar(s *Shape) bool {
	switch s.Type {
	case "string", "boolean", "integer", "long", "float", "double", "timestamp":
		return true
	}
	return false
}

// genValueChecks renders the checks of one value of shape s: expr is the
// value (not a pointer, except for structures), path the name of the
// variable holding its path, and depth the nesting of list and map loops.
func (g *generator) genValueChecks(f *file, s *Shape, expr, path string, depth int, used map[string]bool) {
	switch s.Type {
	case "string":
		g.genStringChecks(f, s, expr, path, used)
	case "integer", "long":
		if s.Min != nil || s.Max != nil {
			if s.Type == "integer" {
				expr = "int64(" + expr + ")"
			}
			min, hasMin := bound(s.Min)
			max, hasMax := bound(s.Max)
			f.printf("v.Range(%s, %s, %s, %t, %s, %t)\n", path, expr, min, hasMin, max, hasMax)
		}
	case "float", "double":
		if s.Min != nil || s.Max != nil {
			min, hasMin := bound(s.Min)
			max, hasMax := bound(s.Max)
			f.printf("v.FloatRange(%s, %s, %s, %t, %s, %t)\n", path, expr, min, hasMin, max, hasMax)
		}
	case "list":
		g.genListChecks(f, s, expr, path, depth, used)
	case "map":
		g.genMapChecks(f, s, expr, path, depth, used)
	case "structure":
		if s.IsStruct() && g.constrained[s.Name] {
			f.printf("%s.validate(v, %s)\n", expr, path)
		}
	}
}

// genStringChecks renders a string's length, pattern and enum checks.
func (g *generator) genStringChecks(f *file, s *Shape, expr, path string, used map[string]bool) {
	if hasLength(s) {
		f.printf("v.Length(%s, %s, %s, %s)\n", path, expr, lengthMin(s), lengthMax(s))
	}
	if p, ok := g.patterns[s.Name]; ok && p.OK() {
		used[s.Name] = true
		f.printf("v.Pattern(%s, %s, %s, %s)\n", path, expr, patternVar(s.Name), goString(p.Model))
	}
	if isEnum(s) {
		f.printf("v.Enum(%s, %s, %s)\n", path, expr, g.enumVar[s.Name])
	}
}

// genListChecks renders a list's size check and a loop checking each
// element.
func (g *generator) genListChecks(f *file, s *Shape, expr, path string, depth int, used map[string]bool) {
	elem := g.model.Shapes[s.Member.Shape]
	if hasLength(s) {
		f.printf("v.Size(%s, len(%s), %s, %s, %s)\n", path, expr, lengthMin(s), lengthMax(s), g.renderList(f, elem, expr))
	}
	if !g.constrained[elem.Name] {
		return
	}
	d := depth + 1
	i, e, p := fmt.Sprintf("i%d", d), fmt.Sprintf("e%d", d), fmt.Sprintf("p%d", d)
	elemExpr := e
	if elem.Type == "structure" { // index, so that validate gets the element, not a copy
		f.printf("for %s := range %s {\n", i, expr)
		elemExpr = expr + "[" + i + "]"
	} else {
		f.printf("for %s, %s := range %s {\n", i, e, expr)
	}
	f.printf("%s := shape.Elem(%s, %s)\n", p, path, i)
	g.genValueChecks(f, elem, elemExpr, p, d, used)
	f.printf("}\n")
}

// renderList is the expression that renders a list for a size violation.
func (g *generator) renderList(f *file, elem *Shape, expr string) string {
	switch {
	case elem.Type == "string":
		return "shape.Strings(" + expr + ")"
	case elem.IsStruct():
		return fmt.Sprintf("shape.Structs(%q, len(%s))", elem.Name, expr)
	}
	return "shape.Values(" + expr + ")"
}

// genMapChecks renders a map's size check and a loop, in sorted key order,
// checking each key and value.
func (g *generator) genMapChecks(f *file, s *Shape, expr, path string, depth int, used map[string]bool) {
	key, val := g.model.Shapes[s.Key.Shape], g.model.Shapes[s.Value.Shape]
	if hasLength(s) {
		f.printf("v.Size(%s, len(%s), %s, %s, shape.Values(%s))\n", path, expr, lengthMin(s), lengthMax(s), expr)
	}
	keyChecked, valChecked := g.constrained[key.Name], g.constrained[val.Name]
	if !keyChecked && !valChecked {
		return
	}
	f.use("maps")
	f.use("slices")
	d := depth + 1
	k, e, p := fmt.Sprintf("k%d", d), fmt.Sprintf("e%d", d), fmt.Sprintf("p%d", d)
	f.printf("for _, %s := range slices.Sorted(maps.Keys(%s)) {\n", k, expr)
	f.printf("%s := shape.Key(%s, %s)\n", p, path, k)
	if keyChecked {
		g.genValueChecks(f, key, k, p, d, used)
	}
	if valChecked { // a local copy: map values are not addressable
		f.printf("%s := %s[%s]\n", e, expr, k)
		g.genValueChecks(f, val, e, p, d, used)
	}
	f.printf("}\n")
}

// hasLength reports whether a string, list or map shape limits its length.
func hasLength(s *Shape) bool {
	min, _ := bound(s.Min)
	return (s.Min != nil && min != "0") || s.Max != nil
}

// lengthMin is the minimum length of a shape, 0 if it has none.
func lengthMin(s *Shape) string {
	min, _ := bound(s.Min)
	return min
}

// lengthMax is the maximum length of a shape, -1 if it has none.
func lengthMax(s *Shape) string {
	if max, ok := bound(s.Max); ok {
		return max
	}
	return "-1"
}

// bound renders a model min or max as a Go constant, and whether the model
// sets it ("0", false if it does not).
func bound(n *json.Number) (string, bool) {
	if n == nil {
		return "0", false
	}
	return n.String(), true
}
