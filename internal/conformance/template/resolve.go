package template

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Pseudo parameters (AWS CloudFormation User Guide, "Pseudo parameters
// reference").
const (
	pseudoNoValue  = "AWS::NoValue"
	pseudoRegion   = "AWS::Region"
	pseudoAccount  = "AWS::AccountId"
	pseudoPart     = "AWS::Partition"
	pseudoSuffix   = "AWS::URLSuffix"
	pseudoNotifARN = "AWS::NotificationARNs"
)

// unsupportedPseudo are pseudo parameters a conformance pack's stack has
// but Starling, which creates no stack, cannot give.
var unsupportedPseudo = []string{"AWS::StackName", "AWS::StackId"}

// conditionFuncs are the functions of the Conditions section.
var conditionFuncs = []string{"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"}

// unsupportedFuncs are CloudFormation functions Starling does not evaluate
// in a conformance pack.
var unsupportedFuncs = []string{"Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Base64", "Fn::Cidr", "Fn::Transform",
	"Fn::Length", "Fn::ToJsonString", "Fn::ForEach"}

// intrinsic returns the function that n calls and its argument: n is an
// object with one key, Ref, Condition or Fn::….
func intrinsic(n *node) (string, *node, bool) {
	if n.kind != kMap || len(n.keys) != 1 {
		return "", nil, false
	}
	k := n.keys[0]
	if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k, n.vals[k], true
	}
	return "", nil, false
}

// paramAttrs are the attributes a parameter may have.
var paramAttrs = []string{"Type", "Default", "Description", "AllowedValues", "AllowedPattern", "ConstraintDescription",
	"MinLength", "MaxLength", "MinValue", "MaxValue", "NoEcho"}

// readParameters gives each parameter its value: the pack's input
// parameter of its name, else its Default.
func (p *parser) readParameters(sec *node) error {
	p.params = map[string]*node{}
	if sec != nil && sec.kind != kMap {
		return &Error{Path: "Parameters", Message: "Parameters must be an object."}
	}
	var missing []string
	if sec != nil {
		for _, name := range sec.keys {
			path := join("Parameters", name)
			if !logicalID.MatchString(name) {
				return &Error{Path: path, Message: "Parameter name " + name + " is non alphanumeric."}
			}
			if p.resources.get(name) != nil {
				return &Error{Path: path, Message: "The name " + name + " is both a parameter and a resource."}
			}
			def := sec.vals[name]
			if def.kind != kMap {
				return &Error{Path: path, Message: "A parameter must be an object, not " + def.typeName() + "."}
			}
			for _, k := range def.keys {
				if !slices.Contains(paramAttrs, k) {
					// CloudFormation's text.
					return &Error{Path: path, Message: "Invalid template parameter property '" + k + "'"}
				}
			}
			raw, given := p.opts.Parameters[name]
			if !given {
				d := def.get("Default")
				if d == nil || d.kind == kNull {
					missing = append(missing, name)
					continue
				}
				if !d.scalar() {
					return &Error{Path: join(path, "Default"), Message: "A parameter's Default must be a string, not " + d.typeName() + "."}
				}
				raw = d.str
			}
			v, err := paramValue(name, def, raw, path)
			if err != nil {
				return err
			}
			p.params[name] = v
		}
	}
	if len(missing) > 0 {
		// CloudFormation's text.
		return &Error{Path: "Parameters", Message: "Parameters: [" + strings.Join(missing, ", ") + "] must have values"}
	}
	var extra []string
	for name := range p.opts.Parameters {
		if sec == nil || sec.get(name) == nil {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		// CloudFormation's text.
		return &Error{Path: "Parameters", Message: "Parameters: [" + strings.Join(extra, ", ") + "] do not exist in the template"}
	}
	return nil
}

// paramValue checks the value raw of the parameter name against its
// declaration def, and returns it as a string, or a list of strings for a
// list type.
func paramValue(name string, def *node, raw, path string) (*node, error) {
	t := def.get("Type")
	if t == nil {
		// CloudFormation's text.
		return nil, &Error{Path: path, Message: "Every Parameters object must contain a Type member."}
	}
	if t.kind != kString {
		return nil, &Error{Path: join(path, "Type"), Message: "A parameter's Type must be a string."}
	}
	typ := t.str
	list, number := false, false
	switch {
	case typ == "String", typ == "AWS::SSM::Parameter::Name":
	case typ == "Number":
		number = true
	case typ == "CommaDelimitedList":
		list = true
	case typ == "List<Number>":
		list, number = true, true
	case strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<"):
		return nil, &Error{Path: join(path, "Type"), Message: "Parameter type " + typ + " is not supported: Starling has no SSM parameters."}
	case strings.HasPrefix(typ, "List<AWS::") && strings.HasSuffix(typ, ">"):
		// AWS-specific types are strings whose resources CloudFormation
		// looks up; Starling cannot.
		list = true
	case strings.HasPrefix(typ, "AWS::"):
	default:
		// CloudFormation's text.
		return nil, &Error{Path: join(path, "Type"), Message: "Unrecognized parameter type: " + typ}
	}
	fail := func(msg string) error {
		if cd := def.get("ConstraintDescription"); cd != nil && cd.scalar() {
			msg = "Parameter '" + name + "' failed to satisfy constraint: " + cd.str
		}
		return &Error{Path: path, Message: msg}
	}
	values := []string{raw}
	if list {
		values = strings.Split(raw, ",")
		if raw == "" {
			values = []string{""}
		}
	}
	var pattern *regexp.Regexp
	if ap := def.get("AllowedPattern"); ap != nil {
		if ap.kind != kString {
			return nil, &Error{Path: join(path, "AllowedPattern"), Message: "AllowedPattern must be a string."}
		}
		re, err := regexp.Compile(`^(?:` + ap.str + `)$`)
		if err != nil {
			return nil, &Error{Path: join(path, "AllowedPattern"), Message: "AllowedPattern is not a valid regular expression: " + err.Error()}
		}
		pattern = re
	}
	for _, v := range values {
		if err := checkParam(name, def, v, number, pattern, path, fail); err != nil {
			return nil, err
		}
	}
	if !list {
		return strNode(raw), nil
	}
	n := &node{kind: kList}
	for _, v := range values {
		n.list = append(n.list, strNode(v))
	}
	return n, nil
}

// checkParam checks one value of a parameter against its constraints. The
// messages are CloudFormation's.
func checkParam(name string, def *node, v string, number bool, pattern *regexp.Regexp, path string, fail func(string) error) error {
	if number {
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return fail("Parameter '" + name + "' must be a number.")
		}
	}
	if av := def.get("AllowedValues"); av != nil {
		if av.kind != kList {
			return &Error{Path: join(path, "AllowedValues"), Message: "AllowedValues must be a list."}
		}
		if !slices.ContainsFunc(av.list, func(a *node) bool { return a.scalar() && a.str == v }) {
			return fail("Parameter '" + name + "' must be one of AllowedValues")
		}
	}
	if pattern != nil && !pattern.MatchString(v) {
		return fail("Parameter '" + name + "' must match pattern " + def.get("AllowedPattern").str)
	}
	bound := func(attr string) (float64, bool, error) {
		b := def.get(attr)
		if b == nil {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(b.str, 64)
		if !b.scalar() || err != nil {
			return 0, false, &Error{Path: join(path, attr), Message: attr + " must be a number."}
		}
		return f, true, nil
	}
	n := float64(len([]rune(v)))
	if b, ok, err := bound("MinLength"); err != nil {
		return err
	} else if ok && n < b {
		return fail("Parameter '" + name + "' must contain at least " + def.get("MinLength").str + " characters")
	}
	if b, ok, err := bound("MaxLength"); err != nil {
		return err
	} else if ok && n > b {
		return fail("Parameter '" + name + "' must contain at most " + def.get("MaxLength").str + " characters")
	}
	f, ferr := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if b, ok, err := bound("MinValue"); err != nil {
		return err
	} else if ok && (ferr != nil || f < b) {
		return fail("Parameter '" + name + "' must be a number not less than " + def.get("MinValue").str)
	}
	if b, ok, err := bound("MaxValue"); err != nil {
		return err
	} else if ok && (ferr != nil || f > b) {
		return fail("Parameter '" + name + "' must be a number not greater than " + def.get("MaxValue").str)
	}
	return nil
}

// readMappings checks the Mappings section: map → top-level key → second-
// level key → a string or a list of strings.
func (p *parser) readMappings(sec *node) error {
	if sec == nil {
		return nil
	}
	if sec.kind != kMap {
		return &Error{Path: "Mappings", Message: "Mappings must be an object."}
	}
	for _, m := range sec.keys {
		top := sec.vals[m]
		if top.kind != kMap {
			return &Error{Path: join("Mappings", m), Message: "A mapping must be an object."}
		}
		for _, k := range top.keys {
			second := top.vals[k]
			if second.kind != kMap {
				return &Error{Path: join(join("Mappings", m), k), Message: "A mapping's top-level key must hold an object."}
			}
			for _, k2 := range second.keys {
				v := second.vals[k2]
				if _, err := strList(v, join(join(join("Mappings", m), k), k2)); v.kind == kList && err != nil {
					return err
				} else if v.kind != kList && !v.scalar() {
					return &Error{Path: join(join(join("Mappings", m), k), k2), Message: "A mapping's value must be a string or a list of strings."}
				}
			}
		}
	}
	p.mappings = sec
	return nil
}

// condState is a condition and, once evaluated, its value.
type condState struct {
	def      *node
	done     bool
	visiting bool
	value    bool
}

func (p *parser) readConditions(sec *node) error {
	if sec == nil {
		return nil
	}
	if sec.kind != kMap {
		return &Error{Path: "Conditions", Message: "Conditions must be an object."}
	}
	for _, name := range sec.keys {
		p.conds[name] = &condState{def: sec.vals[name]}
		p.condKeys = append(p.condKeys, name)
	}
	return nil
}

// condition returns the value of the condition name.
func (p *parser) condition(name, path string) (bool, error) {
	c, ok := p.conds[name]
	if !ok {
		return false, &Error{Path: path, Message: "Unresolved condition dependency " + name}
	}
	if c.done {
		return c.value, nil
	}
	if c.visiting {
		// ours, after CloudFormation's "Circular dependency" errors.
		return false, &Error{Path: join("Conditions", name), Message: "Circular dependency between conditions: " + name + " depends on itself."}
	}
	c.visiting = true
	v, err := p.condExpr(c.def, join("Conditions", name), 0)
	c.visiting = false
	if err != nil {
		return false, err
	}
	c.done, c.value = true, v
	return v, nil
}

// condExpr evaluates a condition function.
func (p *parser) condExpr(n *node, path string, depth int) (bool, error) {
	if depth > maxDepth {
		return false, &Error{Path: path, Message: "The condition nests more than " + strconv.Itoa(maxDepth) + " levels deep."}
	}
	fn, arg, ok := intrinsic(n)
	if !ok || !slices.Contains(conditionFuncs, fn) {
		return false, &Error{Path: path, Message: "A condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition."}
	}
	at := join(path, fn)
	switch fn {
	case "Condition":
		if arg.kind != kString {
			return false, &Error{Path: at, Message: "Condition must name a condition."}
		}
		return p.condition(arg.str, at)
	case "Fn::Equals":
		if arg.kind != kList || len(arg.list) != 2 {
			return false, &Error{Path: at, Message: "Fn::Equals takes a list of two values."}
		}
		a, err := p.value(arg.list[0], at+"[0]", depth+1)
		if err != nil {
			return false, err
		}
		b, err := p.value(arg.list[1], at+"[1]", depth+1)
		if err != nil {
			return false, err
		}
		return equal(a, b), nil
	case "Fn::Not":
		if arg.kind != kList || len(arg.list) != 1 {
			return false, &Error{Path: at, Message: "Fn::Not takes a list of one condition."}
		}
		v, err := p.condExpr(arg.list[0], at+"[0]", depth+1)
		return !v, err
	}
	// Fn::And, Fn::Or: "minimum number of conditions that you can include
	// is 2, and the maximum is 10" (AWS CloudFormation User Guide,
	// "Condition functions").
	if arg.kind != kList || len(arg.list) < 2 || len(arg.list) > 10 {
		return false, &Error{Path: at, Message: fn + " takes a list of 2 to 10 conditions."}
	}
	and := fn == "Fn::And"
	result := and
	for i, c := range arg.list {
		v, err := p.condExpr(c, at+"["+strconv.Itoa(i)+"]", depth+1)
		if err != nil {
			return false, err
		}
		if and {
			result = result && v
		} else {
			result = result || v
		}
	}
	return result, nil
}

// equal compares two values as Fn::Equals does: as the strings they are.
func equal(a, b *node) bool {
	if a.kind == kList || b.kind == kList {
		return a.kind == b.kind && slices.EqualFunc(a.list, b.list, equal)
	}
	if a.kind == kMap || b.kind == kMap || a.kind == kNoValue || b.kind == kNoValue {
		return false
	}
	return a.str == b.str
}

// refError returns nil if name is what a Ref may name, a parameter or a
// pseudo parameter, else the error that says why not.
func (p *parser) refError(name, path string) error {
	switch {
	case p.params[name] != nil:
		return nil
	case slices.Contains([]string{pseudoNoValue, pseudoRegion, pseudoAccount, pseudoPart, pseudoSuffix, pseudoNotifARN}, name):
		return nil
	case slices.Contains(unsupportedPseudo, name):
		return &Error{Path: path, Message: "The pseudo parameter " + name + " is not supported: Starling deploys no CloudFormation stack."}
	case p.resources.get(name) != nil:
		return &Error{Path: path, Message: "Ref to the resource " + name + " is not supported: a conformance pack's values may refer to parameters and pseudo parameters only."}
	}
	// ours
	return &Error{Path: path, Message: "Unresolved reference " + name + ": the template has no parameter of this name."}
}

// checkRefs checks that every name that n refers to exists: Refs, Fn::Sub
// variables, the conditions of Fn::If and Condition, the functions
// themselves.
func (p *parser) checkRefs(n *node, path string, inConditions bool, depth int) error {
	if depth > maxDepth {
		return &Error{Path: path, Message: "The template nests values more than " + strconv.Itoa(maxDepth) + " levels deep."}
	}
	switch n.kind {
	case kList:
		for i, e := range n.list {
			if err := p.checkRefs(e, path+"["+strconv.Itoa(i)+"]", inConditions, depth+1); err != nil {
				return err
			}
		}
		return nil
	case kMap:
	default:
		return nil
	}
	fn, arg, ok := intrinsic(n)
	if !ok {
		for _, k := range n.keys {
			if err := p.checkRefs(n.vals[k], join(path, k), inConditions, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	at := join(path, fn)
	switch {
	case fn == "Ref":
		if arg.kind != kString {
			return &Error{Path: at, Message: "Ref must name a parameter."}
		}
		return p.refError(arg.str, at)
	case fn == "Condition":
		if !inConditions {
			return &Error{Path: at, Message: "Condition can only be used in the Conditions section."}
		}
		if arg.kind != kString {
			return &Error{Path: at, Message: "Condition must name a condition."}
		}
		if _, ok := p.conds[arg.str]; !ok {
			return &Error{Path: at, Message: "Unresolved condition dependency " + arg.str}
		}
		return nil
	case slices.Contains(conditionFuncs, fn):
		if !inConditions {
			// ours
			return &Error{Path: at, Message: fn + " can only be used in the Conditions section."}
		}
	case fn == "Fn::If":
		if arg.kind != kList || len(arg.list) != 3 {
			return &Error{Path: at, Message: "Fn::If takes a list of a condition name and two values."}
		}
		if arg.list[0].kind != kString {
			return &Error{Path: at + "[0]", Message: "The first element of Fn::If must name a condition."}
		}
		if _, ok := p.conds[arg.list[0].str]; !ok {
			// CloudFormation's text.
			return &Error{Path: at + "[0]", Message: "unresolved condition dependency " + arg.list[0].str + " in Fn::If"}
		}
		for i := 1; i < 3; i++ {
			if err := p.checkRefs(arg.list[i], at+"["+strconv.Itoa(i)+"]", inConditions, depth+1); err != nil {
				return err
			}
		}
		return nil
	case fn == "Fn::Sub":
		return p.checkSub(arg, at, inConditions, depth)
	case fn == "Fn::Join", fn == "Fn::Select", fn == "Fn::Split", fn == "Fn::FindInMap":
	case slices.Contains(unsupportedFuncs, fn):
		return &Error{Path: at, Message: fn + " is not supported in a conformance pack template by Starling."}
	default:
		// After CloudFormation's text.
		return &Error{Path: at, Message: "Encountered unsupported function: " + fn}
	}
	return p.checkRefs(arg, at, inConditions, depth+1)
}

// subVar matches the variables of an Fn::Sub string: ${Name}, and ${!…}
// for a literal ${…}.
var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (p *parser) checkSub(arg *node, path string, inConditions bool, depth int) error {
	text, vars, err := subArgs(arg, path)
	if err != nil {
		return err
	}
	if vars != nil {
		for _, k := range vars.keys {
			if err := p.checkRefs(vars.vals[k], join(path, k), inConditions, depth+1); err != nil {
				return err
			}
		}
	}
	for _, m := range subVar.FindAllStringSubmatch(text, -1) {
		name := strings.TrimSpace(m[1])
		if strings.HasPrefix(name, "!") || (vars != nil && vars.get(name) != nil) {
			continue
		}
		if name == pseudoNoValue {
			return &Error{Path: path, Message: "Fn::Sub cannot refer to AWS::NoValue."}
		}
		if strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::") {
			return &Error{Path: path, Message: "Fn::Sub variable ${" + name + "} refers to a resource attribute, which Starling does not support."}
		}
		if err := p.refError(name, path); err != nil {
			return err
		}
	}
	return nil
}

// subArgs returns the text of an Fn::Sub and its variables, if any.
func subArgs(arg *node, path string) (string, *node, error) {
	switch {
	case arg.kind == kString:
		return arg.str, nil, nil
	case arg.kind == kList && len(arg.list) == 2 && arg.list[0].kind == kString && arg.list[1].kind == kMap:
		return arg.list[0].str, arg.list[1], nil
	}
	return "", nil, &Error{Path: path, Message: "Fn::Sub takes a string, or a list of a string and an object of variables."}
}

// value evaluates the intrinsic functions in n: the result holds none, and
// drops the list elements and object entries that are AWS::NoValue.
func (p *parser) value(n *node, path string, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &Error{Path: path, Message: "The template nests values more than " + strconv.Itoa(maxDepth) + " levels deep."}
	}
	switch n.kind {
	case kList:
		out := &node{kind: kList, list: make([]*node, 0, len(n.list))}
		for i, e := range n.list {
			v, err := p.value(e, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return nil, err
			}
			if v.kind != kNoValue {
				out.list = append(out.list, v)
			}
		}
		return out, nil
	case kMap:
		if fn, arg, ok := intrinsic(n); ok {
			return p.call(fn, arg, join(path, fn), depth+1)
		}
		out := newMap()
		for _, k := range n.keys {
			v, err := p.value(n.vals[k], join(path, k), depth+1)
			if err != nil {
				return nil, err
			}
			if v.kind != kNoValue {
				out.set(k, v)
			}
		}
		return out, nil
	}
	return n, nil
}

// call evaluates the function fn on arg.
func (p *parser) call(fn string, arg *node, path string, depth int) (*node, error) {
	switch fn {
	case "Ref":
		return p.ref(arg, path)
	case "Fn::If":
		if arg.kind != kList || len(arg.list) != 3 || arg.list[0].kind != kString {
			return nil, &Error{Path: path, Message: "Fn::If takes a list of a condition name and two values."}
		}
		ok, err := p.condition(arg.list[0].str, path+"[0]")
		if err != nil {
			return nil, err
		}
		if ok {
			return p.value(arg.list[1], path+"[1]", depth)
		}
		return p.value(arg.list[2], path+"[2]", depth)
	case "Fn::Sub":
		return p.sub(arg, path, depth)
	case "Fn::Join":
		if arg.kind != kList || len(arg.list) != 2 {
			return nil, &Error{Path: path, Message: "Fn::Join takes a list of a delimiter and a list of values."}
		}
		delim, err := p.scalarValue(arg.list[0], path+"[0]", depth)
		if err != nil {
			return nil, err
		}
		list, err := p.listValue(arg.list[1], path+"[1]", depth)
		if err != nil {
			return nil, err
		}
		return strNode(strings.Join(list, delim)), nil
	case "Fn::Select":
		if arg.kind != kList || len(arg.list) != 2 {
			return nil, &Error{Path: path, Message: "Fn::Select takes a list of an index and a list of values."}
		}
		is, err := p.scalarValue(arg.list[0], path+"[0]", depth)
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(strings.TrimSpace(is))
		if err != nil {
			return nil, &Error{Path: path + "[0]", Message: "The index of Fn::Select must be a number, not '" + is + "'."}
		}
		l, err := p.value(arg.list[1], path+"[1]", depth)
		if err != nil {
			return nil, err
		}
		if l.kind != kList {
			return nil, &Error{Path: path + "[1]", Message: "Fn::Select selects from a list, not " + l.typeName() + "."}
		}
		if i < 0 || i >= len(l.list) {
			// CloudFormation's text.
			return nil, &Error{Path: path, Message: "Fn::Select cannot select nonexistent value at index " + strconv.Itoa(i)}
		}
		return l.list[i], nil
	case "Fn::Split":
		if arg.kind != kList || len(arg.list) != 2 {
			return nil, &Error{Path: path, Message: "Fn::Split takes a list of a delimiter and a string."}
		}
		delim, err := p.scalarValue(arg.list[0], path+"[0]", depth)
		if err != nil {
			return nil, err
		}
		if delim == "" {
			return nil, &Error{Path: path + "[0]", Message: "The delimiter of Fn::Split cannot be empty."}
		}
		s, err := p.scalarValue(arg.list[1], path+"[1]", depth)
		if err != nil {
			return nil, err
		}
		out := &node{kind: kList}
		for _, e := range strings.Split(s, delim) {
			out.list = append(out.list, strNode(e))
		}
		return out, nil
	case "Fn::FindInMap":
		if arg.kind != kList || len(arg.list) != 3 {
			return nil, &Error{Path: path, Message: "Fn::FindInMap takes a list of a map name, a top-level key and a second-level key."}
		}
		var keys [3]string
		for i := range keys {
			s, err := p.scalarValue(arg.list[i], path+"["+strconv.Itoa(i)+"]", depth)
			if err != nil {
				return nil, err
			}
			keys[i] = s
		}
		v := p.mappings
		for _, k := range keys {
			if v = v.get(k); v == nil {
				// ours
				return nil, &Error{Path: path, Message: "Fn::FindInMap finds no value at [" + strings.Join(keys[:], ", ") + "] in Mappings."}
			}
		}
		return v, nil
	}
	// checkRefs has refused every other function; a condition function
	// under Fn::If's chosen branch in Conditions is evaluated by condExpr.
	return nil, &Error{Path: path, Message: fn + " cannot be used here."}
}

func (p *parser) ref(arg *node, path string) (*node, error) {
	if arg.kind != kString {
		return nil, &Error{Path: path, Message: "Ref must name a parameter."}
	}
	name := arg.str
	if v := p.params[name]; v != nil {
		return v, nil
	}
	switch name {
	case pseudoNoValue:
		return &node{kind: kNoValue}, nil
	case pseudoRegion:
		return strNode(p.opts.Region), nil
	case pseudoAccount:
		return strNode(p.opts.AccountID), nil
	case pseudoPart:
		return strNode("aws"), nil
	case pseudoSuffix:
		return strNode("amazonaws.com"), nil
	case pseudoNotifARN:
		return &node{kind: kList}, nil
	}
	return nil, p.refError(name, path)
}

// sub evaluates an Fn::Sub.
func (p *parser) sub(arg *node, path string, depth int) (*node, error) {
	text, vars, err := subArgs(arg, path)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	last := 0
	for _, m := range subVar.FindAllStringSubmatchIndex(text, -1) {
		b.WriteString(text[last:m[0]])
		last = m[1]
		name := strings.TrimSpace(text[m[2]:m[3]])
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var v *node
		if vars != nil && vars.get(name) != nil {
			if v, err = p.value(vars.vals[name], join(path, name), depth); err != nil {
				return nil, err
			}
		} else if v, err = p.ref(strNode(name), path); err != nil {
			return nil, err
		}
		if !v.scalar() {
			return nil, &Error{Path: path, Message: "Fn::Sub variable ${" + name + "} must be a string, not " + v.typeName() + "."}
		}
		b.WriteString(v.str)
	}
	b.WriteString(text[last:])
	return strNode(b.String()), nil
}

// scalarValue evaluates n, which must come out a string.
func (p *parser) scalarValue(n *node, path string, depth int) (string, error) {
	v, err := p.value(n, path, depth)
	if err != nil {
		return "", err
	}
	return str(v, path)
}

// listValue evaluates n, which must come out a list of strings.
func (p *parser) listValue(n *node, path string, depth int) ([]string, error) {
	v, err := p.value(n, path, depth)
	if err != nil {
		return nil, err
	}
	return strList(v, path)
}
