package managed

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Verdict is one evaluation of one resource.
type Verdict struct {
	ResourceType, ResourceID string
	// ComplianceType is one of compliance.Compliant, NonCompliant,
	// NotApplicable and InsufficientData.
	ComplianceType string
	// Annotation is a short human explanation ("" allowed), at most
	// MaxAnnotation characters.
	Annotation string
}

// MaxAnnotation is the most characters (runes) a Verdict's Annotation has:
// AWS Config's limit on an evaluation's annotation. Longer explanations are
// cut, ending in "…".
const MaxAnnotation = 256

// Params are a rule's InputParameters (a JSON object of string values, as
// PutConfigRule carries them). A missing parameter, and one whose value is
// empty or only white space, takes the rule's default (see the package
// doc).
type Params map[string]string

// ParseParams parses InputParameters JSON ("" or "{}" = none). Non-string
// JSON values (numbers, booleans) are accepted and turned into their text
// (a number as written); a null value is the same as no value. Anything
// else (invalid JSON, a document that is not an object, a value that is an
// array or an object) is an error.
func ParseParams(inputParameters string) (Params, error) {
	s := strings.TrimSpace(inputParameters)
	if s == "" {
		return Params{}, nil
	}
	if s[0] != '{' {
		return nil, errors.New("InputParameters is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("InputParameters is not valid JSON: %v", err)
	}
	p := make(Params, len(raw))
	for k, v := range raw {
		switch v[0] { // a RawMessage starts at its value's first byte
		case '"':
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return nil, fmt.Errorf("parameter %q: %v", k, err)
			}
			p[k] = str
		case 'n': // null
		case '[', '{':
			return nil, fmt.Errorf("parameter %q: want a string, got %s", k, kindName(v[0]))
		default: // a number or a boolean: its text
			p[k] = string(v)
		}
	}
	return p, nil
}

// kindName names the JSON kind that starts with c.
func kindName(c byte) string {
	if c == '[' {
		return "an array"
	}
	return "an object"
}

// get returns the value of the parameter name, trimmed of white space, and
// whether it is set (present and not blank).
func (p Params) get(name string) (string, bool) {
	v := strings.TrimSpace(p[name])
	return v, v != ""
}

// Env gives a rule the configuration items of other resource types that it
// needs (its Rule.Related types), of the same source (account and region)
// as the item it evaluates. Related returns the latest version of each
// resource of the type, deleted ones included or not (rules skip deleted
// and not-recorded items, and items of another source, themselves). The
// caller must not modify the items while rules use them.
type Env interface {
	Related(resourceType string) []inventory.Item
}

// SourceEnv is an Env over a fixed set of items, meant to hold the items of
// Related types of one source. Besides answering Related, it remembers what
// rules derive from those items (the flow-log index of
// VPC_FLOW_LOGS_ENABLED, the account-level public access block of
// S3_BUCKET_PUBLIC_READ_PROHIBITED), so that evaluating every resource of a
// source decodes each related item once instead of once per resource.
// Evaluation stays a pure function of the items: what is remembered is
// derived from them only. It is safe for concurrent use.
type SourceEnv struct {
	byType map[string][]inventory.Item

	mu   sync.Mutex
	memo map[memoKey]any
}

// memoKey identifies one derived value of a SourceEnv: what (a rule's
// index) of which source.
type memoKey struct {
	what string
	src  inventory.Source
}

// NewSourceEnv returns an Env over items, grouped by resource type (in their
// order). It keeps the items it is given, without copying them.
func NewSourceEnv(items []inventory.Item) *SourceEnv {
	e := &SourceEnv{byType: map[string][]inventory.Item{}}
	for _, it := range items {
		e.byType[it.ResourceType] = append(e.byType[it.ResourceType], it)
	}
	return e
}

// Related returns the items of the resource type. A nil or zero
// *SourceEnv has none.
func (e *SourceEnv) Related(resourceType string) []inventory.Item {
	if e == nil {
		return nil
	}
	return e.byType[resourceType]
}

// remember returns the value derived for k, calling build the first time.
func (e *SourceEnv) remember(k memoKey, build func() any) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	if v, ok := e.memo[k]; ok {
		return v
	}
	if e.memo == nil {
		e.memo = map[memoKey]any{}
	}
	v := build()
	e.memo[k] = v
	return v
}

// derive returns build's value for the source, remembered by env if env is a
// *SourceEnv, computed anew otherwise.
func derive[T any](env Env, what string, src inventory.Source, build func() T) T {
	if se, ok := env.(*SourceEnv); ok && se != nil {
		return se.remember(memoKey{what, src}, func() any { return build() }).(T)
	}
	return build()
}

// related calls yield with each item of the type that env gives, of the
// source src, neither deleted nor not recorded, until yield returns false.
func related(env Env, resourceType string, src inventory.Source, yield func(*inventory.Item) bool) {
	if env == nil {
		return
	}
	items := env.Related(resourceType)
	for i := range items {
		it := &items[i]
		if it.Source != src || it.ResourceType != resourceType || !evaluable(it.Status) {
			continue
		}
		if !yield(it) {
			return
		}
	}
}

// Rule is a managed rule Starling evaluates. The rules Lookup returns are
// shared: callers must not modify them.
type Rule struct {
	// Identifier is the rule's SourceIdentifier, such as
	// "S3_BUCKET_VERSIONING_ENABLED".
	Identifier string
	// ResourceTypes are the types in its scope, sorted.
	ResourceTypes []string
	// Related, when not nil, lists the resource types the rule reads
	// through its Env besides its own, sorted: a change to an item of
	// one of them may change the verdicts on the rule's resources of the
	// same source.
	Related []string
	// Evaluate returns the verdict on one configuration item, given the
	// rule's parameters (defaults applied by the rule itself) and, for a
	// rule with Related types, env: the related items of the item's
	// source (rules without Related types ignore env; with a nil env,
	// VPC_FLOW_LOGS_ENABLED answers INSUFFICIENT_DATA and
	// S3_BUCKET_PUBLIC_READ_PROHIBITED reads the bucket's own settings
	// only). It is a pure function of its arguments: no I/O, no clock. It
	// does not panic on any input: a deleted or not-recorded item, or one
	// of a type outside ResourceTypes, is NOT_APPLICABLE; a document it
	// reads that is absent or not JSON of the expected shape, or invalid
	// parameters (see ValidateParams), give INSUFFICIENT_DATA (the package
	// doc says which per rule). It may be called concurrently.
	Evaluate func(it *inventory.Item, p Params, env Env) Verdict
	// TagsOnly is true when Evaluate reads, of an item, its own fields
	// (type, id, status) and its tags only, never its Configuration nor
	// its SupplementaryConfiguration: a reader of the items for this rule
	// alone may leave those out (inventory.ScanQuery.WithoutConfiguration).
	TagsOnly bool

	validate func(p Params) error
}

// ValidateParams reports an error when p is not valid for the rule: a
// parameter whose value is malformed (such as a blockedPort1 that is not
// an integer from 0 to 65535), the message naming the parameter. Unknown
// parameter names are not an error: AWS ignores them. PutConfigRule uses
// it.
func (r *Rule) ValidateParams(p Params) error {
	if r.validate == nil {
		return nil
	}
	return r.validate(p)
}

// InScope reports whether resourceType is one of the rule's ResourceTypes.
func (r *Rule) InScope(resourceType string) bool {
	_, ok := slices.BinarySearch(r.ResourceTypes, resourceType)
	return ok
}

// check is a rule's evaluation of an item that is in its scope and
// evaluable; the verdict's ResourceType and ResourceID are filled in by
// the caller.
type check func(it *inventory.Item, p Params, env Env) Verdict

// newRule returns the rule, its Evaluate being ev behind the checks common
// to all rules.
func newRule(id string, types, rel []string, validate func(Params) error, ev check) *Rule {
	r := &Rule{
		Identifier:    id,
		ResourceTypes: slices.Sorted(slices.Values(types)),
		validate:      validate,
	}
	if rel != nil {
		r.Related = slices.Sorted(slices.Values(rel))
	}
	r.Evaluate = func(it *inventory.Item, p Params, env Env) Verdict {
		if it == nil {
			return Verdict{ComplianceType: compliance.NotApplicable, Annotation: "no configuration item"}
		}
		var v Verdict
		switch {
		case it.Status == inventory.StatusResourceDeleted || it.Status == inventory.StatusResourceDeletedNotRecorded:
			v = verdict(compliance.NotApplicable, "the resource is deleted")
		case it.Status == inventory.StatusResourceNotRecorded:
			v = verdict(compliance.NotApplicable, "the resource is not recorded")
		case !r.InScope(it.ResourceType):
			v = verdict(compliance.NotApplicable, "resource type "+it.ResourceType+" is not in the rule's scope")
		default:
			v = ev(it, p, env)
		}
		v.ResourceType, v.ResourceID = it.ResourceType, it.ResourceID
		v.Annotation = truncate(v.Annotation)
		return v
	}
	return r
}

// tagsOnly marks r as a rule that reads items' tags only (Rule.TagsOnly).
func tagsOnly(r *Rule) *Rule {
	r.TagsOnly = true
	return r
}

// evaluable reports whether an item of the status records a resource's
// configuration: not deleted, not "not recorded" (§ "Rules common to all
// ten", item 2).
func evaluable(status string) bool {
	switch status {
	case inventory.StatusResourceDeleted, inventory.StatusResourceDeletedNotRecorded, inventory.StatusResourceNotRecorded:
		return false
	}
	return true
}

// verdict returns a verdict without resource.
func verdict(ct, annotation string) Verdict {
	return Verdict{ComplianceType: ct, Annotation: annotation}
}

// insufficient is the verdict on an item whose document what is not JSON
// of the expected shape.
func insufficient(what string, err error) Verdict {
	return verdict(compliance.InsufficientData, what+" is not JSON of the expected shape: "+err.Error())
}

// invalidParams is the verdict under invalid parameters.
func invalidParams(err error) Verdict {
	return verdict(compliance.InsufficientData, "invalid parameters: "+err.Error())
}

// truncate cuts s to MaxAnnotation runes, the last being "…".
func truncate(s string) string {
	if len(s) <= MaxAnnotation || utf8.RuneCountInString(s) <= MaxAnnotation {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxAnnotation-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// quote returns s quoted for an annotation, itself cut to 128 bytes so that
// one long value does not push the rest out.
func quote(s string) string {
	if len(s) > 128 {
		s = strings.ToValidUTF8(s[:128], "") + "…"
	}
	return `"` + s + `"`
}

// rules are the rules Starling evaluates, by identifier.
var rules = map[string]*Rule{}

func register(r *Rule) {
	if _, dup := rules[r.Identifier]; dup {
		panic("managed: rule " + r.Identifier + " registered twice")
	}
	rules[r.Identifier] = r
}

func init() {
	register(s3BucketVersioningEnabled)
	register(encryptedVolumes)
	register(incomingSSHDisabled)
	register(restrictedIncomingTraffic)
	register(requiredTags)
	register(rdsStorageEncrypted)
	register(s3BucketPublicReadProhibited)
	register(ec2InstanceNoPublicIP)
	register(vpcFlowLogsEnabled)
}

// Lookup returns the rule with the identifier (case-sensitive, as AWS's
// SourceIdentifier), or false if Starling does not evaluate it.
func Lookup(identifier string) (*Rule, bool) {
	r, ok := rules[identifier]
	return r, ok
}

// Identifiers returns the identifiers Starling evaluates, sorted.
func Identifiers() []string {
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
