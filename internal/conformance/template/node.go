package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kind is the kind of a template value.
type kind uint8

const (
	kNull kind = iota
	kString
	kNumber // str holds its text
	kBool   // str holds "true" or "false"
	kList
	kMap
	// kNoValue is what Ref AWS::NoValue resolves to: the property, list
	// element or map entry that holds it is left out.
	kNoValue
)

// node is a value of a template, the same whether the template was YAML or
// JSON. Maps keep their keys in the template's order, so that errors and
// InputParameters come out in a stable order.
type node struct {
	kind kind
	str  string
	list []*node
	keys []string
	vals map[string]*node
}

func (n *node) scalar() bool { return n.kind == kString || n.kind == kNumber || n.kind == kBool }

func (n *node) get(key string) *node {
	if n.kind != kMap {
		return nil
	}
	return n.vals[key]
}

// typeName names the kind of n in errors.
func (n *node) typeName() string {
	switch n.kind {
	case kNull:
		return "null"
	case kString:
		return "a string"
	case kNumber:
		return "a number"
	case kBool:
		return "a boolean"
	case kList:
		return "a list"
	case kMap:
		return "an object"
	}
	return "AWS::NoValue"
}

func strNode(s string) *node { return &node{kind: kString, str: s} }

func newMap() *node { return &node{kind: kMap, vals: map[string]*node{}} }

func (n *node) set(key string, v *node) {
	if _, ok := n.vals[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.vals[key] = v
}

// maxDepth bounds how deeply a template's values nest. Real templates nest
// a dozen levels at most.
const maxDepth = 64

// shortForms maps the YAML short-form tags of CloudFormation's intrinsic
// functions to their long-form keys (AWS CloudFormation User Guide,
// "Intrinsic function reference": "!Ref" is "Ref", "!Sub" is "Fn::Sub", …).
// Functions Starling does not evaluate are here too, so that they are
// refused by name rather than as unknown tags.
var shortForms = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!Sub":          "Fn::Sub",
	"!If":           "Fn::If",
	"!Equals":       "Fn::Equals",
	"!Not":          "Fn::Not",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!FindInMap":    "Fn::FindInMap",
	"!GetAtt":       "Fn::GetAtt",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

// load reads a template's text: JSON when it starts with "{", else YAML.
func load(body []byte) (*node, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return loadJSON(t)
	}
	return loadYAML(body)
}

func loadYAML(body []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(body))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Message: "The template is empty."}
		}
		return nil, &Error{Message: "The template is not valid YAML or JSON: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		// CloudFormation reads one document (ours).
		return nil, &Error{Message: "The template holds more than one YAML document."}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &Error{Message: "The template is empty."}
	}
	return fromYAML(doc.Content[0], "", 0)
}

// fromYAML converts a YAML node, whose path in the template is path.
func fromYAML(y *yaml.Node, path string, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &Error{Path: path, Message: "The template nests values more than " + strconv.Itoa(maxDepth) + " levels deep."}
	}
	if y.Kind == yaml.AliasNode {
		// After CloudFormation's text.
		return nil, &Error{Path: path, Message: "YAML aliases are not allowed in CloudFormation templates"}
	}
	tag := y.ShortTag()
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		fn, ok := shortForms[tag]
		if !ok {
			return nil, &Error{Path: path, Message: "Unsupported YAML tag " + tag + " at line " + strconv.Itoa(y.Line) + "."}
		}
		inner := *y
		inner.Tag = ""
		if y.Kind == yaml.ScalarNode {
			inner.Tag = "!!str"
		}
		arg, err := fromYAML(&inner, path+"."+fn, depth+1)
		if err != nil {
			return nil, err
		}
		if fn == "Fn::GetAtt" && arg.kind == kString {
			// !GetAtt Resource.Attribute is [Resource, Attribute].
			a, b, _ := strings.Cut(arg.str, ".")
			arg = &node{kind: kList, list: []*node{strNode(a), strNode(b)}}
		}
		m := newMap()
		m.set(fn, arg)
		return m, nil
	}
	switch y.Kind {
	case yaml.ScalarNode:
		switch tag {
		case "!!null":
			return &node{kind: kNull}, nil
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(y.Value))
			if err != nil {
				return strNode(y.Value), nil
			}
			return &node{kind: kBool, str: strconv.FormatBool(b)}, nil
		case "!!int", "!!float":
			return &node{kind: kNumber, str: y.Value}, nil
		case "!!str", "!!timestamp":
			return strNode(y.Value), nil
		case "!!binary":
			return nil, &Error{Path: path, Message: "Binary YAML values are not supported (line " + strconv.Itoa(y.Line) + ")."}
		}
		return nil, &Error{Path: path, Message: "Unsupported YAML tag " + tag + " at line " + strconv.Itoa(y.Line) + "."}
	case yaml.SequenceNode:
		n := &node{kind: kList, list: make([]*node, 0, len(y.Content))}
		for i, c := range y.Content {
			v, err := fromYAML(c, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, v)
		}
		return n, nil
	case yaml.MappingNode:
		n := newMap()
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			if k.Kind == yaml.AliasNode {
				return nil, &Error{Path: path, Message: "YAML aliases are not allowed in CloudFormation templates"}
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &Error{Path: path, Message: "A key at line " + strconv.Itoa(k.Line) + " is not a string."}
			}
			if k.ShortTag() == "!!merge" {
				return nil, &Error{Path: path, Message: "YAML merge keys (<<) are not allowed in CloudFormation templates."}
			}
			if _, dup := n.vals[k.Value]; dup {
				return nil, &Error{Path: path, Message: "Duplicate key '" + k.Value + "' at line " + strconv.Itoa(k.Line) + "."}
			}
			v, err := fromYAML(y.Content[i+1], join(path, k.Value), depth+1)
			if err != nil {
				return nil, err
			}
			n.set(k.Value, v)
		}
		return n, nil
	}
	return nil, &Error{Path: path, Message: "Unsupported YAML construct at line " + strconv.Itoa(y.Line) + "."}
}

func loadJSON(body []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	n, err := fromJSON(dec, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Message: "The template is not valid JSON: text after the top-level object."}
	}
	return n, nil
}

func jsonErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &Error{Message: "The template is not valid JSON: " + err.Error()}
}

func fromJSON(dec *json.Decoder, path string, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &Error{Path: path, Message: "The template nests values more than " + strconv.Itoa(maxDepth) + " levels deep."}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr(err)
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: kNull}, nil
	case bool:
		return &node{kind: kBool, str: strconv.FormatBool(t)}, nil
	case json.Number:
		return &node{kind: kNumber, str: t.String()}, nil
	case string:
		return strNode(t), nil
	case json.Delim:
		switch t {
		case '[':
			n := &node{kind: kList, list: []*node{}}
			for dec.More() {
				v, err := fromJSON(dec, path+"["+strconv.Itoa(len(n.list))+"]", depth+1)
				if err != nil {
					return nil, err
				}
				n.list = append(n.list, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonErr(err)
			}
			return n, nil
		case '{':
			n := newMap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonErr(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &Error{Message: "The template is not valid JSON: an object key is not a string."}
				}
				if _, dup := n.vals[k]; dup {
					return nil, &Error{Path: path, Message: "Duplicate key '" + k + "'."}
				}
				v, err := fromJSON(dec, join(path, k), depth+1)
				if err != nil {
					return nil, err
				}
				n.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonErr(err)
			}
			return n, nil
		}
	}
	return nil, &Error{Message: fmt.Sprintf("The template is not valid JSON: unexpected %v.", tok)}
}

// join appends a map key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
