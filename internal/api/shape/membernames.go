package shape

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/starlingcfg/starling/internal/apierr"
)

// memberChecker refuses members whose name matches a modelled member only
// when case is ignored. encoding/json binds such names (and of duplicates
// that differ in case, the last one wins), where AWS matches names exactly
// and ignores unknown ones; refusing keeps a request from meaning one thing
// to Starling and another to AWS or to a proxy in front of it.
//
// It is built once per operation from the input type, and then checks a
// body in one pass over its bytes, after encoding/json has accepted the body
// (so the scanner may assume valid JSON). It is immutable once built, so
// handlers share it across requests.
type memberChecker struct {
	root    reflect.Type
	structs map[reflect.Type]*memberSet
}

// memberSet is the JSON member names of one structure type.
type memberSet struct {
	exact map[string]reflect.Type // member name → field type
	names []string                // the member names, for the case-folded search
}

var timestampType = reflect.TypeFor[Timestamp]()

// newMemberChecker describes every structure reachable from t.
func newMemberChecker(t reflect.Type) *memberChecker {
	c := &memberChecker{root: t, structs: map[reflect.Type]*memberSet{}}
	c.add(t)
	return c
}

func (c *memberChecker) add(t reflect.Type) {
	t = deref(t)
	if t == nil {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == timestampType || c.structs[t] != nil {
			return
		}
		set := &memberSet{exact: map[string]reflect.Type{}}
		c.structs[t] = set
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch name {
			case "-":
				continue
			case "":
				name = f.Name
			}
			set.exact[name] = f.Type
			set.names = append(set.names, name)
			c.add(f.Type)
		}
	case reflect.Slice, reflect.Array, reflect.Map:
		c.add(t.Elem())
	}
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// check scans body, valid JSON already decoded into the checker's type.
func (c *memberChecker) check(body []byte) error {
	s := memberScanner{c: c, b: body}
	return s.value(c.root)
}

// memberScanner walks valid JSON, knowing the Go type each value decodes
// into (nil where it decodes into nothing, as unknown members do).
type memberScanner struct {
	c *memberChecker
	b []byte
	i int
}

func (s *memberScanner) value(t reflect.Type) error {
	t = deref(t)
	s.ws()
	switch s.b[s.i] {
	case '{':
		var set *memberSet
		var elem reflect.Type
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				set = s.c.structs[t]
			case reflect.Map:
				elem = t.Elem()
			}
		}
		return s.object(set, elem)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		return s.array(elem)
	case '"':
		s.str()
	default:
		s.literal()
	}
	return nil
}

// object checks an object's members against set (a structure), or, for a
// map (set nil), checks only its values, of type elem.
func (s *memberScanner) object(set *memberSet, elem reflect.Type) error {
	s.i++ // {
	s.ws()
	if s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.ws()
		key := s.str()
		s.ws()
		s.i++ // :
		valueType := elem
		if set != nil {
			t, ok := set.exact[key]
			if !ok {
				for _, name := range set.names {
					if strings.EqualFold(name, key) {
						return apierr.Serialization("Member '" + key + "' is not '" + name + "': member names are case-sensitive.")
					}
				}
			}
			valueType = t
		}
		if err := s.value(valueType); err != nil {
			return err
		}
		s.ws()
		c := s.b[s.i]
		s.i++ // , or }
		if c == '}' {
			return nil
		}
	}
}

func (s *memberScanner) array(elem reflect.Type) error {
	s.i++ // [
	s.ws()
	if s.b[s.i] == ']' {
		s.i++
		return nil
	}
	for {
		if err := s.value(elem); err != nil {
			return err
		}
		s.ws()
		c := s.b[s.i]
		s.i++ // , or ]
		if c == ']' {
			return nil
		}
	}
}

// str reads a string and returns its value, unescaping only when needed.
func (s *memberScanner) str() string {
	s.i++ // opening quote
	start, escaped := s.i, false
	for s.b[s.i] != '"' {
		if s.b[s.i] == '\\' {
			escaped = true
			s.i++
		}
		s.i++
	}
	raw := s.b[start:s.i]
	s.i++ // closing quote
	if !escaped {
		return string(raw)
	}
	return unescape(raw)
}

// literal skips a number, true, false or null.
func (s *memberScanner) literal() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return
		}
		s.i++
	}
}

func (s *memberScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// unescape decodes the JSON escapes of a string's contents.
func unescape(raw []byte) string {
	var out string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	if err := json.Unmarshal(quoted, &out); err != nil {
		return string(raw)
	}
	return out
}
