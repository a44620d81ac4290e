package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
)

// Model is the part of a botocore service-2.json model that the generator
// reads.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the model's service metadata.
type Metadata struct {
	APIVersion     string `json:"apiVersion"`
	EndpointPrefix string `json:"endpointPrefix"`
	ServiceID      string `json:"serviceId"`
	SigningName    string `json:"signingName"`
	TargetPrefix   string `json:"targetPrefix"`
}

// Operation is one API operation.
type Operation struct {
	Name          string `json:"name"`
	Input         *Ref   `json:"input"`
	Output        *Ref   `json:"output"`
	Errors        []Ref  `json:"errors"`
	Documentation string `json:"documentation"`
}

// Ref points at a shape, as an operation's input or output, a list's member
// or a map's key or value do.
type Ref struct {
	Shape string `json:"shape"`
}

// Shape is one model shape. Which fields are set depends on Type.
type Shape struct {
	Name          string       `json:"-"`
	Type          string       `json:"type"`
	Members       Members      `json:"members"`
	Required      []string     `json:"required"`
	Member        *Ref         `json:"member"`
	Key           *Ref         `json:"key"`
	Value         *Ref         `json:"value"`
	Enum          []string     `json:"enum"`
	Pattern       *string      `json:"pattern"`
	Min           *json.Number `json:"min"`
	Max           *json.Number `json:"max"`
	Exception     bool         `json:"exception"`
	Document      bool         `json:"document"`
	Documentation string       `json:"documentation"`
}

// Member is one member of a structure shape.
type Member struct {
	Name          string `json:"-"`
	Shape         string `json:"shape"`
	Documentation string `json:"documentation"`
}

// Members are a structure's members in model order (a JSON object decoded
// into a Go map would lose it).
type Members []Member

// UnmarshalJSON decodes a JSON object of members, keeping their order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // the opening '{'
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("unexpected member name %v", tok)
		}
		m := Member{Name: name}
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, m)
	}
	return nil
}

// IsRequired reports whether the structure requires member name.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// HasMember reports whether the structure has a member called name.
func (s *Shape) HasMember(name string) bool {
	for _, m := range s.Members {
		if m.Name == name {
			return true
		}
	}
	return false
}

// IsDocument reports whether the shape is a free-form JSON document.
func (s *Shape) IsDocument() bool {
	return s.Type == "structure" && s.Document
}

// IsStruct reports whether the shape becomes a generated Go struct.
func (s *Shape) IsStruct() bool {
	return s.Type == "structure" && !s.Document && !s.Exception
}

// loadModel reads and checks a botocore model file.
func loadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseModel(b)
}

// parseModel decodes a botocore model and checks that every shape it
// refers to exists.
func parseModel(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding model: %w", err)
	}
	if m.Metadata.ServiceID == "" || m.Metadata.TargetPrefix == "" {
		return nil, fmt.Errorf("model metadata lacks serviceId or targetPrefix")
	}
	for name, s := range m.Shapes {
		s.Name = name
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
	}
	if err := m.checkRefs(); err != nil {
		return nil, err
	}
	return &m, nil
}

// checkRefs reports the first reference to an unknown shape.
func (m *Model) checkRefs() error {
	check := func(from string, r *Ref) error {
		if r != nil && m.Shapes[r.Shape] == nil {
			return fmt.Errorf("%s refers to unknown shape %q", from, r.Shape)
		}
		return nil
	}
	for _, name := range sortedKeys(m.Operations) {
		op := m.Operations[name]
		if err := check(name, op.Input); err != nil {
			return err
		}
		if err := check(name, op.Output); err != nil {
			return err
		}
		for _, e := range op.Errors {
			if err := check(name, &e); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		for _, mem := range s.Members {
			if err := check(name+"."+mem.Name, &Ref{Shape: mem.Shape}); err != nil {
				return err
			}
		}
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if err := check(name, r); err != nil {
				return err
			}
		}
		if (s.Type == "list" && s.Member == nil) || (s.Type == "map" && (s.Key == nil || s.Value == nil)) {
			return fmt.Errorf("%s %s lacks its element shapes", s.Type, name)
		}
		if s.Type == "map" && m.Shapes[s.Key.Shape].Type != "string" {
			return fmt.Errorf("map %s has a non-string key", name)
		}
	}
	return nil
}

// sortedKeys returns the keys of a string-keyed map in sorted order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
