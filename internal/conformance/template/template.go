// Package template reads AWS Config conformance pack templates: the part of
// AWS CloudFormation's template language that conformance packs use, in
// YAML (with the short-form tags !Ref, !Sub, !If, …) or JSON. It turns a
// template and the pack's input parameters into the Config rules the pack
// deploys. It knows neither HTTP nor AWS's wire shapes; package
// configservice checks each rule as PutConfigRule does and stores it.
//
// What it reads:
//
//   - Parameters with Type (String, Number, List<Number>,
//     CommaDelimitedList, and AWS-specific types, read as strings), Default,
//     AllowedValues, AllowedPattern, MinLength, MaxLength, MinValue,
//     MaxValue, ConstraintDescription, Description and NoEcho; their values
//     come from the pack's input parameters, else their Default.
//   - Mappings, for Fn::FindInMap.
//   - Conditions built of Fn::Equals, Fn::Not, Fn::And, Fn::Or and
//     Condition.
//   - Resources of type AWS::Config::ConfigRule with the attributes Type,
//     Properties, Condition, DependsOn, Metadata, DeletionPolicy,
//     UpdateReplacePolicy, Description, and Controls (the compliance
//     controls a rule maps to, shown by DescribeConformancePackCompliance),
//     and the properties ConfigRuleName, Description, InputParameters,
//     Scope, Source, MaximumExecutionFrequency and EvaluationModes.
//   - The intrinsic functions Ref (to parameters and to the pseudo
//     parameters AWS::AccountId, AWS::Region, AWS::Partition,
//     AWS::URLSuffix, AWS::NotificationARNs and AWS::NoValue), Fn::If,
//     Fn::Sub, Fn::Join, Fn::Select, Fn::Split and Fn::FindInMap.
//   - AWSTemplateFormatVersion, Description, Metadata and Outputs, which
//     change nothing.
//
// Anything else is an error naming the construct and where it is (Error):
// another resource type (AWS::Config::RemediationConfiguration included:
// Starling has no remediation), another intrinsic function, a Ref to a
// name the template does not define, Transform, an SSM parameter type,
// the pseudo parameters AWS::StackName and AWS::StackId, YAML aliases, more
// than MaxResources resources.
//
// The errors' messages marked "CloudFormation's text" in the code are the
// texts AWS CloudFormation gives, as its users quote them, without its
// "Template format error: " prefix; "after CloudFormation's text" are in
// their form where the exact text is not known; "ours" are Starling's.
package template

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MaxResources is the most resources a template may declare: "Maximum
// number of AWS Config Rules per conformance pack: 130", not adjustable
// (AWS Config Developer Guide, "Service Limits").
const MaxResources = 130

// MsgTooManyResources is AWS's text when a template declares more
// (awslabs/aws-config-rules#430, quoting PutConformancePack's
// ConformancePackTemplateValidationException).
const MsgTooManyResources = "Number of resources provided in the template exceeds the allowed limit"

// RuleType is the one resource type a template may declare.
const RuleType = "AWS::Config::ConfigRule"

// Options are what a template is read with.
type Options struct {
	// Parameters are the pack's input parameters, by name.
	Parameters map[string]string
	// AccountID and Region are the values of AWS::AccountId and
	// AWS::Region.
	AccountID, Region string
}

// Error is a template that cannot be deployed: Message says why, Path
// where (Resources.Versioning.Properties.Scope, say; "" for the template
// as a whole).
type Error struct {
	Path    string
	Message string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Rule is a Config rule that a template deploys, with every intrinsic
// function evaluated. Optional members are nil when the template leaves
// them out.
type Rule struct {
	// LogicalID is the rule's key in Resources.
	LogicalID string
	// Controls are the resource's Controls.
	Controls []string
	// ConfigRuleName is the name the template gives the rule (the
	// resource's logical id when it gives none).
	ConfigRuleName string
	Description    *string
	// InputParameters is the rule's parameters as a JSON object.
	InputParameters           *string
	MaximumExecutionFrequency *string
	Scope                     *Scope
	Source                    Source
	EvaluationModes           []string
}

// Scope is a rule's Scope.
type Scope struct {
	ComplianceResourceTypes []string
	ComplianceResourceID    *string
	TagKey, TagValue        *string
}

// Source is a rule's Source.
type Source struct {
	Owner               string
	SourceIdentifier    *string
	SourceDetails       []SourceDetail
	CustomPolicyDetails *CustomPolicyDetails
}

// SourceDetail is one of a Source's SourceDetails.
type SourceDetail struct {
	EventSource, MessageType, MaximumExecutionFrequency *string
}

// CustomPolicyDetails are a CUSTOM_POLICY rule's policy.
type CustomPolicyDetails struct {
	PolicyRuntime, PolicyText *string
	EnableDebugLogDelivery    *bool
}

// topLevel are the template sections Starling reads or ignores.
var topLevel = []string{"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings", "Conditions", "Resources", "Outputs"}

// logicalID is the form of parameter and resource names: "The logical ID
// must be alphanumeric (A-Za-z0-9)" (AWS CloudFormation User Guide,
// "Resources").
var logicalID = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Parse reads a template and returns the rules it deploys, in the order
// the template declares them. An error is an *Error.
func Parse(body []byte, opts Options) ([]Rule, error) {
	root, err := load(body)
	if err != nil {
		return nil, err
	}
	if root.kind != kMap {
		return nil, &Error{Message: "The template is not an object: it is " + root.typeName() + "."}
	}
	var bad []string
	for _, k := range root.keys {
		if k == "Transform" {
			return nil, &Error{Path: "Transform", Message: "Transform is not supported: Starling runs no CloudFormation macros."}
		}
		if !slices.Contains(topLevel, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		// CloudFormation's text.
		return nil, &Error{Message: "Invalid template property or properties [" + strings.Join(bad, ", ") + "]"}
	}
	if v := root.get("AWSTemplateFormatVersion"); v != nil && (!v.scalar() || v.str != "2010-09-09") {
		return nil, &Error{Path: "AWSTemplateFormatVersion", Message: "The only valid AWSTemplateFormatVersion is 2010-09-09."}
	}
	p := &parser{opts: opts, conds: map[string]*condState{}}
	if err := p.readMappings(root.get("Mappings")); err != nil {
		return nil, err
	}
	res := root.get("Resources")
	if res == nil || res.kind != kMap || len(res.keys) == 0 {
		// CloudFormation's text.
		return nil, &Error{Path: "Resources", Message: "At least one Resources member must be defined."}
	}
	if len(res.keys) > MaxResources {
		return nil, &Error{Message: MsgTooManyResources}
	}
	p.resources = res
	if err := p.readConditions(root.get("Conditions")); err != nil {
		return nil, err
	}
	if err := p.readParameters(root.get("Parameters")); err != nil {
		return nil, err
	}
	// Every name the template refers to must exist, whichever branch of
	// an Fn::If is taken.
	for _, name := range p.condKeys {
		if err := p.checkRefs(p.conds[name].def, join("Conditions", name), true, 0); err != nil {
			return nil, err
		}
	}
	for _, id := range res.keys {
		if err := p.checkResource(id, res.vals[id]); err != nil {
			return nil, err
		}
	}
	var rules []Rule
	names := map[string]string{}
	for _, id := range res.keys {
		r, ok, err := p.rule(id, res.vals[id])
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if other, dup := names[r.ConfigRuleName]; dup {
			// ours
			return nil, &Error{Path: join("Resources", id), Message: "The ConfigRuleName " + r.ConfigRuleName + " is also the name of the rule of " + other + "."}
		}
		names[r.ConfigRuleName] = id
		rules = append(rules, r)
	}
	return rules, nil
}

// parser holds what a template's evaluation needs.
type parser struct {
	opts      Options
	params    map[string]*node // value of each parameter: a string or a list of strings
	mappings  *node
	resources *node
	conds     map[string]*condState
	condKeys  []string
}

// resourceAttrs are the attributes a resource may have.
var resourceAttrs = []string{"Type", "Properties", "Condition", "DependsOn", "Metadata", "DeletionPolicy", "UpdateReplacePolicy", "Description", "Controls"}

// checkResource checks a resource's declaration: its attributes, type,
// condition, dependencies, and that what it refers to exists.
func (p *parser) checkResource(id string, r *node) error {
	path := join("Resources", id)
	if !logicalID.MatchString(id) {
		// CloudFormation's text.
		return &Error{Path: path, Message: "Resource name " + id + " is non alphanumeric."}
	}
	if r.kind != kMap {
		return &Error{Path: path, Message: "A resource must be an object, not " + r.typeName() + "."}
	}
	for _, k := range r.keys {
		if !slices.Contains(resourceAttrs, k) {
			// After CloudFormation's text.
			return &Error{Path: path, Message: "Invalid template resource property '" + k + "'"}
		}
	}
	typ := r.get("Type")
	switch {
	case typ == nil:
		return &Error{Path: path, Message: "The resource has no Type."}
	case typ.kind != kString:
		return &Error{Path: join(path, "Type"), Message: "The Type of a resource must be a string."}
	case typ.str == "AWS::Config::RemediationConfiguration":
		return &Error{Path: join(path, "Type"), Message: "Resource type AWS::Config::RemediationConfiguration is not supported: Starling has no remediation. " +
			"A conformance pack template may only declare " + RuleType + " resources."}
	case typ.str != RuleType:
		return &Error{Path: join(path, "Type"), Message: "Resource type " + typ.str + " is not supported in a conformance pack: " +
			"a conformance pack template may only declare " + RuleType + " resources."}
	}
	if c := r.get("Condition"); c != nil {
		if c.kind != kString {
			return &Error{Path: join(path, "Condition"), Message: "A resource's Condition must be the name of a condition."}
		}
		if _, ok := p.conds[c.str]; !ok {
			// After CloudFormation's text.
			return &Error{Path: join(path, "Condition"), Message: "Unresolved condition dependency " + c.str + " in the Resources block of the template"}
		}
	}
	if d := r.get("DependsOn"); d != nil {
		deps := []*node{d}
		if d.kind == kList {
			deps = d.list
		}
		for _, dep := range deps {
			if dep.kind != kString {
				return &Error{Path: join(path, "DependsOn"), Message: "DependsOn must name resources."}
			}
			if p.resources.get(dep.str) == nil {
				// CloudFormation's text.
				return &Error{Path: join(path, "DependsOn"), Message: "Unresolved resource dependencies [" + dep.str + "] in the Resources block of the template"}
			}
		}
	}
	if props := r.get("Properties"); props != nil {
		if err := p.checkRefs(props, join(path, "Properties"), false, 0); err != nil {
			return err
		}
	}
	if c := r.get("Controls"); c != nil {
		return p.checkRefs(c, join(path, "Controls"), false, 0)
	}
	return nil
}

// rule evaluates the resource id into the rule it deploys; false when its
// condition is false.
func (p *parser) rule(id string, r *node) (Rule, bool, error) {
	path := join("Resources", id)
	if c := r.get("Condition"); c != nil {
		ok, err := p.condition(c.str, join(path, "Condition"))
		if err != nil || !ok {
			return Rule{}, false, err
		}
	}
	rule := Rule{LogicalID: id, ConfigRuleName: id}
	if c := r.get("Controls"); c != nil {
		v, err := p.value(c, join(path, "Controls"), 0)
		if err != nil {
			return rule, false, err
		}
		if rule.Controls, err = strList(v, join(path, "Controls")); err != nil {
			return rule, false, err
		}
	}
	propsPath := join(path, "Properties")
	raw := r.get("Properties")
	if raw == nil {
		return rule, false, &Error{Path: path, Message: "required key [Properties] not found"}
	}
	props, err := p.value(raw, propsPath, 0)
	if err != nil {
		return rule, false, err
	}
	if props.kind != kMap {
		return rule, false, &Error{Path: propsPath, Message: "Properties must be an object, not " + props.typeName() + "."}
	}
	var src *node
	for _, k := range props.keys {
		v, at := props.vals[k], join(propsPath, k)
		switch k {
		case "ConfigRuleName":
			s, err := str(v, at)
			if err != nil {
				return rule, false, err
			}
			rule.ConfigRuleName = s
		case "Description":
			if rule.Description, err = optStr(v, at); err != nil {
				return rule, false, err
			}
		case "MaximumExecutionFrequency":
			if rule.MaximumExecutionFrequency, err = optStr(v, at); err != nil {
				return rule, false, err
			}
		case "InputParameters":
			if rule.InputParameters, err = inputParameters(v, at); err != nil {
				return rule, false, err
			}
		case "Scope":
			if rule.Scope, err = scope(v, at); err != nil {
				return rule, false, err
			}
		case "Source":
			src = v
		case "EvaluationModes":
			if rule.EvaluationModes, err = evaluationModes(v, at); err != nil {
				return rule, false, err
			}
		default:
			// CloudFormation's text.
			return rule, false, &Error{Path: propsPath, Message: "Encountered unsupported property " + k}
		}
	}
	if src == nil {
		// CloudFormation's text (its resource schema validation).
		return rule, false, &Error{Path: propsPath, Message: "required key [Source] not found"}
	}
	if rule.Source, err = source(src, join(propsPath, "Source")); err != nil {
		return rule, false, err
	}
	return rule, true, nil
}

// str returns a scalar property's text; numbers and booleans are strings
// to CloudFormation.
func str(v *node, path string) (string, error) {
	if !v.scalar() {
		return "", &Error{Path: path, Message: "The value must be a string, not " + v.typeName() + "."}
	}
	return v.str, nil
}

func optStr(v *node, path string) (*string, error) {
	if v.kind == kNull {
		return nil, nil
	}
	s, err := str(v, path)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func strList(v *node, path string) ([]string, error) {
	if v.kind != kList {
		return nil, &Error{Path: path, Message: "The value must be a list, not " + v.typeName() + "."}
	}
	out := make([]string, 0, len(v.list))
	for i, e := range v.list {
		s, err := str(e, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// object checks that v is an object whose keys are among allowed.
func object(v *node, path string, allowed ...string) error {
	if v.kind != kMap {
		return &Error{Path: path, Message: "The value must be an object, not " + v.typeName() + "."}
	}
	for _, k := range v.keys {
		if !slices.Contains(allowed, k) {
			// CloudFormation's text.
			return &Error{Path: path, Message: "Encountered unsupported property " + k}
		}
	}
	return nil
}

// inputParameters returns a rule's InputParameters as a JSON object: an
// object's scalars become strings (as a parameter's value is), keys whose
// value is AWS::NoValue are left out (value has done that); a string is
// taken as the JSON text it should be.
func inputParameters(v *node, path string) (*string, error) {
	switch v.kind {
	case kNull:
		return nil, nil
	case kString:
		return &v.str, nil
	case kMap:
		b, err := json.Marshal(toJSON(v))
		if err != nil {
			return nil, &Error{Path: path, Message: err.Error()}
		}
		s := string(b)
		return &s, nil
	}
	return nil, &Error{Path: path, Message: "InputParameters must be an object, not " + v.typeName() + "."}
}

// orderedJSON is a JSON object that keeps its keys' order.
type orderedJSON struct {
	keys []string
	vals map[string]any
}

func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// toJSON returns n as a value encoding/json encodes, scalars as strings.
func toJSON(n *node) any {
	switch n.kind {
	case kList:
		out := make([]any, len(n.list))
		for i, e := range n.list {
			out[i] = toJSON(e)
		}
		return out
	case kMap:
		o := orderedJSON{keys: n.keys, vals: make(map[string]any, len(n.keys))}
		for _, k := range n.keys {
			o.vals[k] = toJSON(n.vals[k])
		}
		return o
	case kNull:
		return nil
	}
	return n.str
}

func scope(v *node, path string) (*Scope, error) {
	if v.kind == kNull {
		return nil, nil
	}
	if err := object(v, path, "ComplianceResourceTypes", "ComplianceResourceId", "TagKey", "TagValue"); err != nil {
		return nil, err
	}
	sc := &Scope{}
	var err error
	if t := v.get("ComplianceResourceTypes"); t != nil {
		if sc.ComplianceResourceTypes, err = strList(t, join(path, "ComplianceResourceTypes")); err != nil {
			return nil, err
		}
	}
	if sc.ComplianceResourceID, err = optMember(v, path, "ComplianceResourceId"); err != nil {
		return nil, err
	}
	if sc.TagKey, err = optMember(v, path, "TagKey"); err != nil {
		return nil, err
	}
	if sc.TagValue, err = optMember(v, path, "TagValue"); err != nil {
		return nil, err
	}
	return sc, nil
}

func optMember(v *node, path, key string) (*string, error) {
	m := v.get(key)
	if m == nil {
		return nil, nil
	}
	return optStr(m, join(path, key))
}

func source(v *node, path string) (Source, error) {
	var src Source
	if err := object(v, path, "Owner", "SourceIdentifier", "SourceDetails", "CustomPolicyDetails"); err != nil {
		return src, err
	}
	owner := v.get("Owner")
	if owner == nil {
		// CloudFormation's text (its resource schema validation).
		return src, &Error{Path: path, Message: "required key [Owner] not found"}
	}
	var err error
	if src.Owner, err = str(owner, join(path, "Owner")); err != nil {
		return src, err
	}
	if src.SourceIdentifier, err = optMember(v, path, "SourceIdentifier"); err != nil {
		return src, err
	}
	if d := v.get("SourceDetails"); d != nil {
		at := join(path, "SourceDetails")
		if d.kind != kList {
			return src, &Error{Path: at, Message: "SourceDetails must be a list, not " + d.typeName() + "."}
		}
		for i, e := range d.list {
			ep := at + "[" + strconv.Itoa(i) + "]"
			if err := object(e, ep, "EventSource", "MessageType", "MaximumExecutionFrequency"); err != nil {
				return src, err
			}
			var sd SourceDetail
			if sd.EventSource, err = optMember(e, ep, "EventSource"); err != nil {
				return src, err
			}
			if sd.MessageType, err = optMember(e, ep, "MessageType"); err != nil {
				return src, err
			}
			if sd.MaximumExecutionFrequency, err = optMember(e, ep, "MaximumExecutionFrequency"); err != nil {
				return src, err
			}
			src.SourceDetails = append(src.SourceDetails, sd)
		}
	}
	if c := v.get("CustomPolicyDetails"); c != nil && c.kind != kNull {
		at := join(path, "CustomPolicyDetails")
		if err := object(c, at, "PolicyRuntime", "PolicyText", "EnableDebugLogDelivery"); err != nil {
			return src, err
		}
		cp := &CustomPolicyDetails{}
		if cp.PolicyRuntime, err = optMember(c, at, "PolicyRuntime"); err != nil {
			return src, err
		}
		if cp.PolicyText, err = optMember(c, at, "PolicyText"); err != nil {
			return src, err
		}
		if b := c.get("EnableDebugLogDelivery"); b != nil && b.kind != kNull {
			s, err := str(b, join(at, "EnableDebugLogDelivery"))
			if err != nil {
				return src, err
			}
			on, perr := strconv.ParseBool(s)
			if perr != nil {
				return src, &Error{Path: join(at, "EnableDebugLogDelivery"), Message: "The value must be a boolean, not '" + s + "'."}
			}
			cp.EnableDebugLogDelivery = &on
		}
		src.CustomPolicyDetails = cp
	}
	return src, nil
}

func evaluationModes(v *node, path string) ([]string, error) {
	if v.kind != kList {
		return nil, &Error{Path: path, Message: "EvaluationModes must be a list, not " + v.typeName() + "."}
	}
	var out []string
	for i, e := range v.list {
		ep := path + "[" + strconv.Itoa(i) + "]"
		if err := object(e, ep, "Mode"); err != nil {
			return nil, err
		}
		m, err := optMember(e, ep, "Mode")
		if err != nil {
			return nil, err
		}
		if m == nil {
			return nil, &Error{Path: ep, Message: "required key [Mode] not found"}
		}
		out = append(out, *m)
	}
	return out, nil
}
