package main

import (
	"fmt"
	"go/token"
	"strings"
	"unicode"
)

// exported turns a model name into an exported Go identifier: characters
// that cannot appear in an identifier are dropped and the first letter is
// upper-cased ("roleARN" becomes "RoleARN"). A name that would start with a
// digit is prefixed with "X".
func exported(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" {
		return "X"
	}
	if unicode.IsDigit(rune(s[0])) {
		s = "X" + s
	}
	return upperFirst(s)
}

// upperFirst upper-cases the first letter of an ASCII name.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-('a'-'A')) + s[1:]
}

// lowerFirst lower-cases the first letter of an ASCII name. It must agree
// with shape.LowerFirst, which names members in validation messages.
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+('a'-'A')) + s[1:]
}

// enumIdent turns an enum value into the identifier suffix of its constant.
// The value is split into words at every character that is not a letter or
// digit; a word without lower-case letters is title-cased ("FAILED" becomes
// "Failed", "EC2" "Ec2") and any other word keeps its case with its first
// letter upper-cased ("CustomerGateway", "recordingScope" becomes
// "RecordingScope"). So "AWS::EC2::Instance" becomes "AwsEc2Instance" and
// "us-east-1" "UsEast1". The empty value becomes "Empty".
func enumIdent(value string) string {
	words := strings.FieldsFunc(value, func(r rune) bool {
		return !(r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	if len(words) == 0 {
		return "Empty"
	}
	var b strings.Builder
	for _, w := range words {
		if strings.ToUpper(w) == w {
			w = strings.ToLower(w)
		}
		b.WriteString(upperFirst(w))
	}
	return b.String()
}

// isPredeclared reports whether name is one of Go's predeclared identifiers.
func isPredeclared(name string) bool {
	switch name {
	case "any", "bool", "byte", "comparable", "complex64", "complex128", "error",
		"float32", "float64", "int", "int8", "int16", "int32", "int64", "rune",
		"string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
		"true", "false", "iota", "nil",
		"append", "cap", "clear", "close", "complex", "copy", "delete", "imag",
		"len", "make", "max", "min", "new", "panic", "print", "println", "real",
		"recover":
		return true
	}
	return false
}

// isReserved reports whether a generated package-level identifier may not
// be called name: Go keywords and predeclared identifiers, and the names of
// the generated package's own fixed API.
func isReserved(name string) bool {
	if token.IsKeyword(name) || isPredeclared(name) {
		return true
	}
	switch name {
	case "Service", "UnimplementedService", "Operations", "OperationNames", "OperationErrors",
		"TargetPrefix", "SigningName", "APIVersion", "ServiceID":
		return true
	}
	return false
}

// namespace records the package-level identifiers already given out, so
// that no two generated declarations share a name.
type namespace map[string]string

// claim gives name to owner (a description used in error messages). It
// fails if name is reserved or already taken.
func (ns namespace) claim(name, owner string) error {
	if isReserved(name) {
		return fmt.Errorf("%s: %s is a reserved identifier", owner, name)
	}
	if prev, ok := ns[name]; ok {
		return fmt.Errorf("%s: %s is already used by %s", owner, name, prev)
	}
	ns[name] = owner
	return nil
}

// claimFirst claims the first free name of candidates and returns it.
func (ns namespace) claimFirst(owner string, candidates ...string) (string, error) {
	var err error
	for _, c := range candidates {
		if err = ns.claim(c, owner); err == nil {
			return c, nil
		}
	}
	return "", err
}

// claimNumbered claims name, or name_2, name_3, ... if it is taken.
func (ns namespace) claimNumbered(name, owner string) string {
	c := name
	for n := 2; ns.claim(c, owner) != nil; n++ {
		c = fmt.Sprintf("%s_%d", name, n)
	}
	return c
}

// fieldName is the Go field name of a structure member: the member name
// with its first letter upper-cased. Names that would clash with a
// generated method (Validate, CheckConstraints, FillEmptyCollections) get a
// trailing underscore.
func fieldName(member string) string {
	f := exported(member)
	switch f {
	case "Validate", "CheckConstraints", "FillEmptyCollections":
		f += "_"
	}
	return f
}

// errorName is the base name of an exception shape's code constant and
// constructor: the shape name minus a trailing "Exception".
func errorName(shape string) string {
	if n := strings.TrimSuffix(shape, "Exception"); n != "" {
		return exported(n)
	}
	return exported(shape)
}
