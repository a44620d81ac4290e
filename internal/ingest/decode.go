// Package ingest reads and writes configuration items (CIs) in the form AWS
// Config delivers them: the configuration snapshot and configuration history
// files it writes to S3 (`{"fileVersion":"1.0","configurationItems":[…]}`),
// whose items are also the configurationItem of its SNS and EventBridge
// change notifications. Starling's ingest operation takes the same object.
//
// The decoder follows what AWS's delivered files, notifications and
// documentation examples actually hold ("Example Configuration History
// File", "Example Amazon SNS Notifications from AWS Config",
// "Components of a Configuration Item" in the AWS Config Developer Guide),
// which is looser than any one of them:
//
//   - both spellings of the keys that differ between the file and the
//     console or API forms: ARN|arn, awsAccountId|accountId,
//     configurationItemVersion|version, availabilityZone (and the old
//     examples' availibilityZone), and a relationship's name|relationshipName;
//   - configurationStateId as a JSON number or a string of digits;
//   - timestamps as ISO 8601 strings ("2017-01-09T22:50:15.156Z", any
//     offset) or epoch seconds (1484002215.156, as a number or a string);
//   - null and absent alike for every optional field;
//   - configuration as an object (or null), or as the API's JSON string
//     holding one; it and each supplementaryConfiguration value are kept as
//     raw JSON, compacted without reordering keys or touching numbers;
//   - unknown keys ignored (relatedEvents, configurationStateMd5Hash,
//     resourceTransitionStatus, …). Key names match case-insensitively, as
//     encoding/json matches them, exact spellings first.
//
// Files are read as a stream, one item at a time, so a snapshot of hundreds
// of thousands of items needs the memory of one.
package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/inventory"
)

// GlobalRegion is the awsRegion of the items of global resource types
// (AWS::IAM::User, Role, Group, Policy).
const GlobalRegion = "global"

// itemsKey is the top-level member of a delivery file that holds the items.
const itemsKey = "configurationItems"

// DecodeFile reads a delivery file's top-level object from r and calls fn
// with each of its configuration items in file order, decoding one item at
// a time. It stops at the first error: a malformed file or item (the error
// names the item's index and field, such as
// "configurationItems[3]: missing resourceId"), or fn's error, returned as
// it is. Items before a malformed one have already been passed to fn.
//
// Only resourceType and resourceId are required. Every other member may be
// absent (or null), and is then the zero value of its Item field (StateID
// 0, zero times, "" strings, nil maps), for the caller to fill in or
// refuse: AWS's own files always have configurationStateId,
// configurationItemCaptureTime, awsAccountId, awsRegion and
// configurationItemStatus, while a test suite recording one item need not
// give them all. A member that is present must be well formed: an
// account id of 12 digits, a status AWS Config defines, a time, …
//
// The file does not say which source recorded an item; DecodeFile sets
// Source.AccountID from awsAccountId and Source.Region from awsRegion,
// except for global items (awsRegion "global"), whose Source.Region it
// leaves empty: the recording region is the delivery path's region, or the
// region of the caller that sends the items, and the caller fills it in.
func DecodeFile(r io.Reader, fn func(inventory.Item) error) error {
	d := &reader{r: r}
	c, ok := d.peek()
	switch {
	case !ok && d.err != nil && d.err != io.EOF:
		return fmt.Errorf("ingest: read: %w", d.err)
	case !ok:
		return errors.New("ingest: want a delivery file (a JSON object), got nothing")
	case c != '{':
		return fmt.Errorf("ingest: want a delivery file (a JSON object), got %s", kindOf(c))
	}
	d.pos++
	const top = "the file"
	sawItems := false
	if c, ok := d.peek(); ok && c == '}' {
		d.pos++
	} else {
		for {
			if _, err := d.delim(top, `"`, "looking for beginning of object key string"); err != nil {
				return err
			}
			d.pos-- // the key's opening quote
			k, err := d.value(top)
			if err != nil {
				return err
			}
			key := keyString(k[1 : len(k)-1])
			if _, err := d.delim(top, ":", "after object key"); err != nil {
				return err
			}
			if key == itemsKey {
				sawItems = true
				if err := decodeItems(d, fn); err != nil {
					return err
				}
			} else if _, err := d.value(fmt.Sprintf("the file's %q", key)); err != nil {
				return err
			}
			c, err := d.delim(top, ",}", "after object key:value pair")
			if err != nil {
				return err
			}
			if c == '}' {
				break
			}
		}
	}
	if _, ok := d.peek(); ok {
		return errors.New("ingest: unexpected data after the file's object")
	}
	if d.err != nil && d.err != io.EOF {
		return fmt.Errorf("ingest: read: %w", d.err)
	}
	if !sawItems {
		return fmt.Errorf("ingest: the file has no %s", itemsKey)
	}
	return nil
}

// decodeItems reads the configurationItems array, the next value of d.
func decodeItems(d *reader, fn func(inventory.Item) error) error {
	c, ok := d.peek()
	switch {
	case !ok:
		return d.endErr(itemsKey)
	case c == 'n':
		_, err := d.value(itemsKey) // "configurationItems": null, no items
		return err
	case c != '[':
		if _, err := d.value(itemsKey); err != nil {
			return err
		}
		return fmt.Errorf("ingest: %s: want an array, got %s", itemsKey, kindOf(c))
	}
	d.pos++
	if c, ok := d.peek(); ok && c == ']' {
		d.pos++
		return nil
	}
	for i := 0; ; i++ {
		where := fmt.Sprintf("%s[%d]", itemsKey, i)
		v, err := d.value(where)
		if err != nil {
			return err
		}
		if v[0] != '{' {
			return fmt.Errorf("ingest: %s: want an object, got %s", where, kindOf(v[0]))
		}
		var raw rawItem
		raw.read(v)
		it, err := raw.item()
		if err != nil {
			return fmt.Errorf("ingest: %s: %w", where, err)
		}
		if err := fn(it); err != nil {
			return err
		}
		c, err := d.delim(itemsKey, ",]", "after array element")
		if err != nil {
			return err
		}
		if c == ']' {
			return nil
		}
	}
}

// rawItem holds one item's members undecoded, so that each is checked, and
// reported, on its own. Where two spellings exist the first named field is
// the file form's. The values alias the reader's buffer: item copies what
// it keeps.
type rawItem struct {
	ConfigurationItemVersion     json.RawMessage
	Version                      json.RawMessage
	ConfigurationItemCaptureTime json.RawMessage
	ConfigurationStateID         json.RawMessage
	AWSAccountID                 json.RawMessage
	AccountID                    json.RawMessage
	ConfigurationItemStatus      json.RawMessage
	ResourceType                 json.RawMessage
	ResourceID                   json.RawMessage
	ResourceName                 json.RawMessage
	ARNUpper                     json.RawMessage
	ARN                          json.RawMessage
	AWSRegion                    json.RawMessage
	AvailabilityZone             json.RawMessage
	AvailibilityZone             json.RawMessage // sic: the old documentation examples
	ResourceCreationTime         json.RawMessage
	Configuration                json.RawMessage
	SupplementaryConfiguration   json.RawMessage
	Tags                         json.RawMessage
	Relationships                json.RawMessage
}

// itemFields are the members of rawItem by key.
var itemFields = []struct {
	key   string
	field func(*rawItem) *json.RawMessage
}{
	{"configurationItemVersion", func(r *rawItem) *json.RawMessage { return &r.ConfigurationItemVersion }},
	{"version", func(r *rawItem) *json.RawMessage { return &r.Version }},
	{"configurationItemCaptureTime", func(r *rawItem) *json.RawMessage { return &r.ConfigurationItemCaptureTime }},
	{"configurationStateId", func(r *rawItem) *json.RawMessage { return &r.ConfigurationStateID }},
	{"awsAccountId", func(r *rawItem) *json.RawMessage { return &r.AWSAccountID }},
	{"accountId", func(r *rawItem) *json.RawMessage { return &r.AccountID }},
	{"configurationItemStatus", func(r *rawItem) *json.RawMessage { return &r.ConfigurationItemStatus }},
	{"resourceType", func(r *rawItem) *json.RawMessage { return &r.ResourceType }},
	{"resourceId", func(r *rawItem) *json.RawMessage { return &r.ResourceID }},
	{"resourceName", func(r *rawItem) *json.RawMessage { return &r.ResourceName }},
	{"ARN", func(r *rawItem) *json.RawMessage { return &r.ARNUpper }},
	{"arn", func(r *rawItem) *json.RawMessage { return &r.ARN }},
	{"awsRegion", func(r *rawItem) *json.RawMessage { return &r.AWSRegion }},
	{"availabilityZone", func(r *rawItem) *json.RawMessage { return &r.AvailabilityZone }},
	{"availibilityZone", func(r *rawItem) *json.RawMessage { return &r.AvailibilityZone }},
	{"resourceCreationTime", func(r *rawItem) *json.RawMessage { return &r.ResourceCreationTime }},
	{"configuration", func(r *rawItem) *json.RawMessage { return &r.Configuration }},
	{"supplementaryConfiguration", func(r *rawItem) *json.RawMessage { return &r.SupplementaryConfiguration }},
	{"tags", func(r *rawItem) *json.RawMessage { return &r.Tags }},
	{"relationships", func(r *rawItem) *json.RawMessage { return &r.Relationships }},
}

// read sets the members of the valid object v: a key matches its exact
// spelling first, then any spelling that differs only in case (as
// encoding/json matches keys); a later duplicate replaces an earlier one.
func (r *rawItem) read(v []byte) {
	_ = members(v, func(key, val []byte) error {
		if f := r.field(key); f != nil {
			*f = val
		}
		return nil
	})
}

func (r *rawItem) field(key []byte) *json.RawMessage {
	switch string(key) { // the common case, compiled to a fast lookup
	case "configurationItemVersion":
		return &r.ConfigurationItemVersion
	case "configurationItemCaptureTime":
		return &r.ConfigurationItemCaptureTime
	case "configurationStateId":
		return &r.ConfigurationStateID
	case "awsAccountId":
		return &r.AWSAccountID
	case "configurationItemStatus":
		return &r.ConfigurationItemStatus
	case "resourceType":
		return &r.ResourceType
	case "resourceId":
		return &r.ResourceID
	case "resourceName":
		return &r.ResourceName
	case "ARN":
		return &r.ARNUpper
	case "awsRegion":
		return &r.AWSRegion
	case "availabilityZone":
		return &r.AvailabilityZone
	case "resourceCreationTime":
		return &r.ResourceCreationTime
	case "configuration":
		return &r.Configuration
	case "supplementaryConfiguration":
		return &r.SupplementaryConfiguration
	case "tags":
		return &r.Tags
	case "relationships":
		return &r.Relationships
	case "relatedEvents", "configurationStateMd5Hash":
		return nil
	}
	k := keyString(key)
	for _, f := range itemFields {
		if k == f.key {
			return f.field(r)
		}
	}
	for _, f := range itemFields {
		if strings.EqualFold(k, f.key) {
			return f.field(r)
		}
	}
	return nil
}

// rawRelationship holds one relationship's members undecoded.
type rawRelationship struct {
	ResourceType, ResourceID, ResourceName, Name, RelationshipName json.RawMessage
}

func (r *rawRelationship) read(v []byte) {
	_ = members(v, func(key, val []byte) error {
		var f *json.RawMessage
		switch k := keyString(key); {
		case k == "resourceType":
			f = &r.ResourceType
		case k == "resourceId":
			f = &r.ResourceID
		case k == "resourceName":
			f = &r.ResourceName
		case k == "name":
			f = &r.Name
		case k == "relationshipName":
			f = &r.RelationshipName
		case strings.EqualFold(k, "resourceType"):
			f = &r.ResourceType
		case strings.EqualFold(k, "resourceId"):
			f = &r.ResourceID
		case strings.EqualFold(k, "resourceName"):
			f = &r.ResourceName
		case strings.EqualFold(k, "name"):
			f = &r.Name
		case strings.EqualFold(k, "relationshipName"):
			f = &r.RelationshipName
		default:
			return nil
		}
		*f = val
		return nil
	})
}

// item checks the members and builds the Item.
func (r *rawItem) item() (inventory.Item, error) {
	var it inventory.Item
	var err error
	if it.ResourceType, err = required("resourceType", r.ResourceType); err != nil {
		return it, err
	}
	if it.ResourceID, err = required("resourceId", r.ResourceID); err != nil {
		return it, err
	}
	acctField, acct := pick("awsAccountId", r.AWSAccountID, "accountId", r.AccountID)
	if it.AccountID, err = optional(acctField, acct); err != nil {
		return it, err
	}
	if it.AccountID != "" && !isAccountID(it.AccountID) {
		return it, fmt.Errorf("%s: %q is not a 12-digit account id", acctField, it.AccountID)
	}
	if it.AWSRegion, err = optional("awsRegion", r.AWSRegion); err != nil {
		return it, err
	}
	if it.AWSRegion != GlobalRegion {
		it.Region = it.AWSRegion
	}
	if it.StateID, err = stateID(r.ConfigurationStateID); err != nil {
		return it, err
	}
	if !isNull(r.ConfigurationItemCaptureTime) {
		if it.CaptureTime, err = timestamp("configurationItemCaptureTime", r.ConfigurationItemCaptureTime); err != nil {
			return it, err
		}
	}
	if it.Status, err = optional("configurationItemStatus", r.ConfigurationItemStatus); err != nil {
		return it, err
	}
	if it.Status != "" && !validStatus(it.Status) {
		return it, fmt.Errorf("configurationItemStatus: %q is not one of OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded", it.Status)
	}
	versionField, version := pick("configurationItemVersion", r.ConfigurationItemVersion, "version", r.Version)
	if it.Version, err = optional(versionField, version); err != nil {
		return it, err
	}
	if it.ResourceName, err = optional("resourceName", r.ResourceName); err != nil {
		return it, err
	}
	arnField, arn := pick("ARN", r.ARNUpper, "arn", r.ARN)
	if it.ARN, err = optional(arnField, arn); err != nil {
		return it, err
	}
	azField, az := pick("availabilityZone", r.AvailabilityZone, "availibilityZone", r.AvailibilityZone)
	if it.AvailabilityZone, err = optional(azField, az); err != nil {
		return it, err
	}
	if !isNull(r.ResourceCreationTime) {
		if it.ResourceCreationTime, err = timestamp("resourceCreationTime", r.ResourceCreationTime); err != nil {
			return it, err
		}
	}
	if it.Configuration, err = configuration(r.Configuration); err != nil {
		return it, err
	}
	if it.SupplementaryConfiguration, err = supplementary(r.SupplementaryConfiguration); err != nil {
		return it, err
	}
	if it.Tags, err = tags(r.Tags); err != nil {
		return it, err
	}
	if it.Relationships, err = relationships(r.Relationships); err != nil {
		return it, err
	}
	return it, nil
}

// pick returns the first spelling that is present and not null.
func pick(name1 string, v1 json.RawMessage, name2 string, v2 json.RawMessage) (string, json.RawMessage) {
	if isNull(v1) && !isNull(v2) {
		return name2, v2
	}
	return name1, v1
}

// isNull reports whether a member is absent or null.
func isNull(v json.RawMessage) bool {
	return len(v) == 0 || string(v) == "null"
}

func required(field string, v json.RawMessage) (string, error) {
	if isNull(v) {
		return "", fmt.Errorf("missing %s", field)
	}
	s, err := str(field, v)
	if err == nil && s == "" {
		err = fmt.Errorf("%s is empty", field)
	}
	return s, err
}

func optional(field string, v json.RawMessage) (string, error) {
	if isNull(v) {
		return "", nil
	}
	return str(field, v)
}

// str decodes a JSON string, quickly when it has no escapes.
func str(field string, v json.RawMessage) (string, error) {
	if len(v) < 2 || v[0] != '"' {
		return "", fmt.Errorf("%s: want a string, got %s", field, kind(v))
	}
	if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	return s, nil
}

// kind names the JSON type of a raw value for error messages.
func kind(v json.RawMessage) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validStatus(s string) bool {
	switch s {
	case inventory.StatusOK, inventory.StatusResourceDiscovered, inventory.StatusResourceNotRecorded,
		inventory.StatusResourceDeleted, inventory.StatusResourceDeletedNotRecorded:
		return true
	}
	return false
}

// stateID decodes configurationStateId: a JSON number (the file form) or a
// string (the API and console forms) holding a non-negative integer; 0
// when it is absent.
func stateID(v json.RawMessage) (int64, error) {
	const field = "configurationStateId"
	if isNull(v) {
		return 0, nil
	}
	text := string(v)
	if v[0] == '"' {
		s, err := str(field, v)
		if err != nil {
			return 0, err
		}
		text = s
	} else if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
		return 0, fmt.Errorf("%s: want a number or a string, got %s", field, kind(v))
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: %q is not a non-negative integer", field, text)
	}
	return n, nil
}

// The range of timestamps DecodeFile accepts: the years an ISO 8601 string
// of four digits can write.
var (
	minTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// timestamp decodes an ISO 8601 string or epoch seconds (a number, or a
// string holding one), returned in UTC.
func timestamp(field string, v json.RawMessage) (time.Time, error) {
	var t time.Time
	var err error
	if v[0] == '"' {
		s, serr := str(field, v)
		if serr != nil {
			return t, serr
		}
		if s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && !strings.ContainsAny(s, "T:") {
			t, err = epoch(s)
		} else {
			t, err = parseISO(s)
		}
		if err != nil {
			return t, fmt.Errorf("%s: %q is not an ISO 8601 time or epoch seconds", field, s)
		}
	} else {
		if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
			return t, fmt.Errorf("%s: want a string or a number, got %s", field, kind(v))
		}
		if t, err = epoch(string(v)); err != nil {
			return t, fmt.Errorf("%s: %s is not epoch seconds: %v", field, v, err)
		}
	}
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, fmt.Errorf("%s: %s is out of range (years 0000 to 9999)", field, v)
	}
	return t, nil
}

// isoLayouts are the forms of ISO 8601 seen in AWS Config's files and
// documentation: "Z" or a numeric offset with or without a colon, any
// number of fractional digits.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
}

func parseISO(s string) (time.Time, error) {
	var err error
	for _, layout := range isoLayouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}

// epoch parses decimal epoch seconds exactly, to the nanosecond, without
// passing the fraction through a float; exponent forms go through one.
func epoch(s string) (time.Time, error) {
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e12 {
			return time.Time{}, errors.New("not a number in range")
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
	}
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || sec > 1e12 || sec < -1e12 {
		return time.Time{}, errors.New("not a number in range")
	}
	var nsec int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		for i := range len(frac) {
			if frac[i] < '0' || frac[i] > '9' {
				return time.Time{}, errors.New("not a number")
			}
		}
		n, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		nsec = n
		if neg {
			nsec = -nsec
		}
	} else if strings.HasSuffix(s, ".") {
		return time.Time{}, errors.New("not a number")
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// nullConfiguration is the configuration of an item without one (a deleted
// resource's).
var nullConfiguration = json.RawMessage("null")

// configuration compacts the configuration document: an object, null (or
// absent), or the API form's JSON string holding an object or null.
func configuration(v json.RawMessage) (json.RawMessage, error) {
	const field = "configuration"
	if isNull(v) {
		return nullConfiguration, nil
	}
	if v[0] == '"' {
		s, err := str(field, v)
		if err != nil {
			return nil, err
		}
		v = json.RawMessage(s)
		if !json.Valid(v) {
			return nil, fmt.Errorf("%s: the string is not a JSON document", field)
		}
		v = bytes.TrimSpace(v)
		if isNull(v) {
			return nullConfiguration, nil
		}
	}
	if v[0] != '{' {
		return nil, fmt.Errorf("%s: want an object, got %s", field, kind(v))
	}
	return compact(v), nil
}

// compact returns v without insignificant white space; v is valid JSON.
func compact(v json.RawMessage) json.RawMessage {
	if !needsCompact(v) {
		return bytes.Clone(v)
	}
	var b bytes.Buffer
	b.Grow(len(v))
	if err := json.Compact(&b, v); err != nil {
		panic("ingest: compact of valid JSON: " + err.Error())
	}
	return b.Bytes()
}

// needsCompact reports whether v has white space outside strings.
func needsCompact(v []byte) bool {
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return true
		}
	}
	return false
}

func supplementary(v json.RawMessage) (map[string]json.RawMessage, error) {
	const field = "supplementaryConfiguration"
	if isNull(v) {
		return nil, nil
	}
	if v[0] != '{' {
		return nil, fmt.Errorf("%s: want an object, got %s", field, kind(v))
	}
	var m map[string]json.RawMessage
	_ = members(v, func(key, val []byte) error {
		if m == nil {
			m = map[string]json.RawMessage{}
		}
		m[keyString(key)] = compact(val)
		return nil
	})
	return m, nil
}

func tags(v json.RawMessage) (map[string]string, error) {
	const field = "tags"
	if isNull(v) {
		return nil, nil
	}
	if v[0] != '{' {
		return nil, fmt.Errorf("%s: want an object, got %s", field, kind(v))
	}
	var out map[string]string
	err := members(v, func(key, val []byte) error {
		k := keyString(key)
		s, err := optional(field+"."+k, val) // a null value is an empty one
		if err != nil {
			return err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = s
		return nil
	})
	return out, err
}

func relationships(v json.RawMessage) ([]inventory.Relationship, error) {
	const field = "relationships"
	if isNull(v) {
		return nil, nil
	}
	if v[0] != '[' {
		return nil, fmt.Errorf("%s: want an array, got %s", field, kind(v))
	}
	var out []inventory.Relationship
	err := elements(v, func(i int, raw []byte) error {
		where := fmt.Sprintf("%s[%d]", field, i)
		if raw[0] != '{' {
			return fmt.Errorf("%s: want an object, got %s", where, kind(raw))
		}
		var rr rawRelationship
		rr.read(raw)
		var rel inventory.Relationship
		var err error
		if rel.ResourceType, err = required(where+".resourceType", rr.ResourceType); err != nil {
			return err
		}
		if rel.ResourceID, err = optional(where+".resourceId", rr.ResourceID); err != nil {
			return err
		}
		if rel.ResourceName, err = optional(where+".resourceName", rr.ResourceName); err != nil {
			return err
		}
		if rel.ResourceID == "" && rel.ResourceName == "" {
			return fmt.Errorf("%s: missing resourceId and resourceName (one is needed)", where)
		}
		nameField, name := pick(where+".name", rr.Name, where+".relationshipName", rr.RelationshipName)
		if rel.Name, err = optional(nameField, name); err != nil {
			return err
		}
		out = append(out, rel)
		return nil
	})
	return out, err
}
