package shape

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/apierr"
)

// Validator collects model-constraint violations and renders them the way
// AWS's request validation does (the ValidationException of the "Common
// Errors" page of the AWS service API references, in the text real AWS
// responses carry):
//
//	1 validation error detected: Value '<v>' at '<path>' failed to satisfy constraint: Member must ...
//	2 validation errors detected: Value ...; Value ...
//
// Paths are lowerCamel member names joined with dots; list elements are
// "<list>.<n>.member" with n counted from 1, and map values
// "<map>.<key>.member".
type Validator struct {
	errs  Violations
	total int
}

// MaxViolations caps the violations a Validator keeps and renders. A
// request can break a constraint in every element of a long list: rendered
// in full, an 8 MB body of empty strings made a 450 MB message. The count in
// the message stays exact; only the first MaxViolations are listed.
const MaxViolations = 100

// MaxRenderedElements caps how many elements of a list Structs renders in a
// message; longer lists end with "...".
const MaxRenderedElements = 1000

// Constraint names the kind of model constraint a value failed.
type Constraint string

// The constraints a Validator checks.
const (
	Required  Constraint = "required"
	MinLength Constraint = "minLength"
	MaxLength Constraint = "maxLength"
	Pattern   Constraint = "pattern"
	Enum      Constraint = "enum"
	MinValue  Constraint = "minValue"
	MaxValue  Constraint = "maxValue"
	MinSize   Constraint = "minSize"
	MaxSize   Constraint = "maxSize"
)

// Violation is one failed constraint.
type Violation struct {
	// Path is the member path, such as "tags.1.member.key".
	Path string
	// Constraint is the kind of constraint that failed.
	Constraint Constraint
	// Text is the rendered sentence: Value '…' at '…' failed to satisfy constraint: ….
	Text string
}

// Violations are the constraints a request failed. A ValidationException
// made by Validator.Err carries them as its cause (apierr.Error.Err), so
// that an operation can answer a particular violation differently.
type Violations []Violation

func (vs Violations) Error() string {
	texts := make([]string, len(vs))
	for i, v := range vs {
		texts[i] = v.Text
	}
	return strings.Join(texts, "; ")
}

// Err returns the collected violations as a ValidationException, or nil.
// Its cause (Err) holds the first MaxViolations of them.
func (v *Validator) Err() error {
	switch v.total {
	case 0:
		return nil
	case 1:
		return &apierr.Error{Code: "ValidationException", Message: "1 validation error detected: " + v.errs.Error(), Err: v.errs}
	}
	return &apierr.Error{Code: "ValidationException",
		Message: strconv.Itoa(v.total) + " validation errors detected: " + v.errs.Error(), Err: v.errs}
}

// Count returns the number of violations found so far.
func (v *Validator) Count() int { return v.total }

// Violations returns the violations recorded so far: the first
// MaxViolations of them, in the order they were found.
func (v *Validator) Violations() Violations { return v.errs }

// keep counts a violation and reports whether to record it: the first
// MaxViolations are recorded, so a value is rendered only for those.
func (v *Validator) keep() bool {
	v.total++
	return len(v.errs) < MaxViolations
}

func (v *Validator) add(kind Constraint, value, path, constraint string) {
	v.errs = append(v.errs, Violation{Path: path, Constraint: kind,
		Text: "Value " + value + " at '" + path + "' failed to satisfy constraint: " + constraint})
}

func quote(s string) string { return "'" + s + "'" }

// Null reports a missing required member.
func (v *Validator) Null(path string) {
	if v.keep() {
		v.add(Required, "null", path, "Member must not be null")
	}
}

// Length checks a string's length. AWS counts UTF-16 code units, as Java
// does. max < 0 means no maximum.
func (v *Validator) Length(path, s string, min, max int) {
	n := utf16Len(s)
	switch {
	case (n < min || max >= 0 && n > max) && !v.keep():
	case n < min:
		v.add(MinLength, quote(s), path, "Member must have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		v.add(MaxLength, quote(s), path, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// Pattern checks that the whole of s matches re. src is the model's pattern,
// quoted as-is in the message.
func (v *Validator) Pattern(path, s string, re *regexp.Regexp, src string) {
	if !re.MatchString(s) && v.keep() {
		v.add(Pattern, quote(s), path, "Member must satisfy regular expression pattern: "+src)
	}
}

// Enum checks that s is one of values.
func (v *Validator) Enum(path, s string, values []string) {
	for _, e := range values {
		if s == e {
			return
		}
	}
	if v.keep() {
		v.add(Enum, quote(s), path, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
}

// Range checks an integer. hasMin and hasMax say which bounds the model sets.
func (v *Validator) Range(path string, n int64, min int64, hasMin bool, max int64, hasMax bool) {
	switch {
	case (hasMin && n < min || hasMax && n > max) && !v.keep():
	case hasMin && n < min:
		v.add(MinValue, quote(strconv.FormatInt(n, 10)), path, "Member must have value greater than or equal to "+strconv.FormatInt(min, 10))
	case hasMax && n > max:
		v.add(MaxValue, quote(strconv.FormatInt(n, 10)), path, "Member must have value less than or equal to "+strconv.FormatInt(max, 10))
	}
}

// FloatRange checks a floating-point number.
func (v *Validator) FloatRange(path string, f float64, min float64, hasMin bool, max float64, hasMax bool) {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	switch {
	case (hasMin && f < min || hasMax && f > max) && !v.keep():
	case hasMin && f < min:
		v.add(MinValue, quote(s), path, "Member must have value greater than or equal to "+strconv.FormatFloat(min, 'f', -1, 64))
	case hasMax && f > max:
		v.add(MaxValue, quote(s), path, "Member must have value less than or equal to "+strconv.FormatFloat(max, 'f', -1, 64))
	}
}

// Size checks the number of elements of a list or map. render formats the
// value for the message and is called only on a violation. max < 0 means no
// maximum.
func (v *Validator) Size(path string, n, min, max int, render func() string) {
	switch {
	case (n < min || max >= 0 && n > max) && !v.keep():
	case n < min:
		v.add(MinSize, quote(render()), path, "Member must have length greater than or equal to "+strconv.Itoa(min))
	case max >= 0 && n > max:
		v.add(MaxSize, quote(render()), path, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// Elem returns the path of the i-th (0-based) element of the list at path.
func Elem(path string, i int) string {
	return path + "." + strconv.Itoa(i+1) + ".member"
}

// Key returns the path of the map value under key.
func Key(path, key string) string {
	return path + "." + key + ".member"
}

// Member returns the path of member name inside the structure at path.
func Member(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Strings renders a list of strings as Java's List.toString does: [a, b].
func Strings(list []string) func() string {
	return func() string { return "[" + strings.Join(list, ", ") + "]" }
}

// Structs renders a list of n structures of the model shape name as AWS
// does, with Java object identities: [com.amazonaws.starling.dove.Tag@1a2b3c4d, ...].
// The identities are made up but stable. At most MaxRenderedElements are
// rendered.
func Structs(name string, n int) func() string {
	return func() string {
		parts := make([]string, min(n, MaxRenderedElements), min(n, MaxRenderedElements)+1)
		for i := range parts {
			h := fnv.New32a()
			fmt.Fprintf(h, "%s#%d", name, i)
			parts[i] = "com.amazonaws.starling.dove." + name + "@" + strconv.FormatUint(uint64(h.Sum32()), 16)
		}
		if n > MaxRenderedElements {
			parts = append(parts, "...")
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
}

// Values renders any other list or map with fmt.
func Values(x any) func() string {
	return func() string { return fmt.Sprint(x) }
}

// utf16Len is the length of s in UTF-16 code units, as java.lang.String
// counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// MustCompile compiles a model pattern so that it must match the whole
// value, as the model's Java patterns do.
func MustCompile(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`^(?:` + pattern + `)$`)
}
