package main

import "fmt"

// genEnums renders enums.go: constants and a value list per enum shape.
func (g *generator) genEnums(st *stats) *file {
	f := newFile("enums.go")
	for _, name := range g.shapesWhere(isEnum) {
		g.genEnum(f, g.model.Shapes[name])
		st.Enums++
	}
	return f
}

// genEnum renders the constants and value list of one enum shape.
func (g *generator) genEnum(f *file, s *Shape) {
	f.printf("%s", comment("", fmt.Sprintf("Values of the %s enum. %s", s.Name, summary(s.Documentation, ""))))
	f.printf("const (\n")
	for i, val := range s.Enum {
		f.printf("%s = %q\n", g.enumConsts[s.Name][i], val)
	}
	f.printf(")\n\n")
	v := g.enumVar[s.Name]
	f.printf("%s", comment("", fmt.Sprintf("%s lists the values of the %s enum in model order.", v, s.Name)))
	f.printf("var %s = []string{\n", v)
	for _, c := range g.enumConsts[s.Name] {
		f.printf("%s,\n", c)
	}
	f.printf("}\n\n")
}
