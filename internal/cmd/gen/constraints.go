package main

// findConstrained works out, for every shape, whether validating a value of
// it checks anything. A structure is constrained if it requires a member
// or has a constrained member; lists and maps if they limit their size or
// their elements are constrained. Recursive shapes are resolved by
// iterating to a fixed point: a shape only ever turns from unconstrained
// to constrained, so the loop ends.
func (g *generator) findConstrained() map[string]bool {
	c := map[string]bool{}
	names := sortedKeys(g.model.Shapes)
	for changed := true; changed; {
		changed = false
		for _, name := range names {
			if !c[name] && g.isConstrained(g.model.Shapes[name], c) {
				c[name], changed = true, true
			}
		}
	}
	return c
}

// isConstrained reports whether shape s has checks of its own or, going by
// the facts in c so far, through the shapes it contains.
func (g *generator) isConstrained(s *Shape, c map[string]bool) bool {
	switch s.Type {
	case "string":
		p, hasPattern := g.patterns[s.Name]
		return hasLength(s) || (hasPattern && p.OK()) || isEnum(s)
	case "integer", "long", "float", "double":
		return s.Min != nil || s.Max != nil
	case "list":
		return hasLength(s) || c[s.Member.Shape]
	case "map":
		return hasLength(s) || c[s.Key.Shape] || c[s.Value.Shape]
	case "structure":
		if !s.IsStruct() {
			return false
		}
		if len(s.Required) > 0 {
			return true
		}
		for _, m := range s.Members {
			if c[m.Shape] {
				return true
			}
		}
	}
	return false
}
