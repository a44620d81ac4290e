package ingest

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/jsonstr"
)

// FileVersion is the fileVersion of the delivery files AWS Config writes,
// and of those Encoder writes.
const FileVersion = "1.0"

// fileHead and fileTail surround the items of a delivery file.
const (
	fileHead = `{"fileVersion":"` + FileVersion + `","` + itemsKey + `":[`
	fileTail = `]}`
)

// AppendFile appends a delivery file holding items to dst: the body of
// Starling's ingest operation, or a snapshot file's content.
func AppendFile(dst []byte, items []inventory.Item) []byte {
	dst = append(dst, fileHead...)
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendFileItem(dst, &items[i])
	}
	return append(dst, fileTail...)
}

// AppendFileItem appends it in AWS Config's file form, as one compact JSON
// object with the members in the order AWS writes them (relatedEvents,
// relationships, configuration, supplementaryConfiguration, tags,
// configurationItemVersion, …, resourceCreationTime); map members are in
// key order. Empty strings (but resourceType, resourceId and the
// relationship names) and zero times are written as null, times as ISO 8601 in UTC with milliseconds (more digits
// only when the time has them), configurationStateId as a number and
// configurationStateMd5Hash as "", as AWS has written it since version 1.3.
//
// Configuration and the SupplementaryConfiguration values are written as
// they are and must be valid JSON, as DecodeFile makes them; a nil
// Configuration is written as null.
func AppendFileItem(dst []byte, it *inventory.Item) []byte {
	dst = append(dst, `{"relatedEvents":[],"relationships":[`...)
	for i, r := range it.Relationships {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		if r.ResourceID != "" {
			dst = append(dst, `"resourceId":`...)
			dst = appendString(dst, r.ResourceID)
			dst = append(dst, ',')
		}
		dst = append(dst, `"resourceName":`...)
		dst = appendOptString(dst, r.ResourceName)
		dst = append(dst, `,"resourceType":`...)
		dst = appendString(dst, r.ResourceType)
		dst = append(dst, `,"name":`...)
		dst = appendString(dst, r.Name)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"configuration":`...)
	if len(it.Configuration) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, it.Configuration...)
	}
	dst = append(dst, `,"supplementaryConfiguration":{`...)
	for i, k := range sortedKeys(it.SupplementaryConfiguration) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if v := it.SupplementaryConfiguration[k]; len(v) == 0 {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, v...)
		}
	}
	dst = append(dst, `},"tags":{`...)
	for i, k := range sortedKeys(it.Tags) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, it.Tags[k])
	}
	dst = append(dst, `},"configurationItemVersion":`...)
	dst = appendOptString(dst, it.Version)
	dst = append(dst, `,"configurationItemCaptureTime":`...)
	if it.CaptureTime.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = appendTime(dst, it.CaptureTime)
	}
	dst = append(dst, `,"configurationStateId":`...)
	dst = strconv.AppendInt(dst, it.StateID, 10)
	dst = append(dst, `,"awsAccountId":`...)
	dst = appendOptString(dst, it.AccountID)
	dst = append(dst, `,"configurationItemStatus":`...)
	dst = appendOptString(dst, it.Status)
	dst = append(dst, `,"resourceType":`...)
	dst = appendString(dst, it.ResourceType)
	dst = append(dst, `,"resourceId":`...)
	dst = appendString(dst, it.ResourceID)
	dst = append(dst, `,"resourceName":`...)
	dst = appendOptString(dst, it.ResourceName)
	dst = append(dst, `,"ARN":`...)
	dst = appendOptString(dst, it.ARN)
	dst = append(dst, `,"awsRegion":`...)
	region := it.AWSRegion
	if region == "" {
		region = it.Region
	}
	dst = appendOptString(dst, region)
	dst = append(dst, `,"availabilityZone":`...)
	dst = appendOptString(dst, it.AvailabilityZone)
	dst = append(dst, `,"configurationStateMd5Hash":"","resourceCreationTime":`...)
	if it.ResourceCreationTime.IsZero() {
		dst = append(dst, "null"...)
	} else {
		dst = appendTime(dst, it.ResourceCreationTime)
	}
	return append(dst, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendTime writes t in UTC as AWS does ("2017-01-09T22:50:15.156Z"),
// with all of its fractional digits when it has more than milliseconds.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	layout := "2006-01-02T15:04:05.000Z07:00"
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		layout = time.RFC3339Nano
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, layout)
	return append(dst, '"')
}

func appendOptString(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, s)
}

// Encoder writes a delivery file, one item at a time.
type Encoder struct {
	w      io.Writer
	buf    []byte
	n      int
	closed bool
	err    error
}

// encoderFlush is the size at which an Encoder hands its buffer to w.
const encoderFlush = 64 << 10

// NewEncoder returns an Encoder writing a delivery file to w. Close ends
// the file.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: w, buf: append(make([]byte, 0, encoderFlush+4096), fileHead...)}
}

// NewSnapshotEncoder returns an Encoder writing a configuration snapshot
// file to w: a delivery file whose configSnapshotId member, between
// fileVersion and configurationItems as AWS Config writes it, is
// snapshotID. Close ends the file.
func NewSnapshotEncoder(w io.Writer, snapshotID string) *Encoder {
	buf := make([]byte, 0, encoderFlush+4096)
	buf = append(buf, `{"fileVersion":"`+FileVersion+`","`+SnapshotIDKey+`":`...)
	buf = appendString(buf, snapshotID)
	buf = append(buf, `,"`+itemsKey+`":[`...)
	return &Encoder{w: w, buf: buf}
}

// SnapshotIDKey is the top-level member of a configuration snapshot file
// that holds its id (a UUID).
const SnapshotIDKey = "configSnapshotId"

// Count returns the number of items encoded so far.
func (e *Encoder) Count() int { return e.n }

// Encode adds an item to the file.
func (e *Encoder) Encode(it *inventory.Item) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return errors.New("ingest: Encode after Close")
	}
	if e.n > 0 {
		e.buf = append(e.buf, ',')
	}
	e.n++
	e.buf = AppendFileItem(e.buf, it)
	if len(e.buf) >= encoderFlush {
		return e.flush()
	}
	return nil
}

// Close ends the file and writes what is buffered; it does not close the
// underlying writer.
func (e *Encoder) Close() error {
	if e.err != nil || e.closed {
		return e.err
	}
	e.closed = true
	e.buf = append(e.buf, fileTail...)
	return e.flush()
}

func (e *Encoder) flush() error {
	if _, err := e.w.Write(e.buf); err != nil {
		e.err = err
		return err
	}
	e.buf = e.buf[:0]
	return nil
}

// Encode writes a delivery file holding items to w.
func Encode(w io.Writer, items []inventory.Item) error {
	e := NewEncoder(w)
	for i := range items {
		if err := e.Encode(&items[i]); err != nil {
			return err
		}
	}
	return e.Close()
}

// appendString writes s as a JSON string, escaped as encoding/json escapes
// (quotes, backslashes, control characters, \b and \f by name, <, >, &,
// U+2028, U+2029), invalid UTF-8 as U+FFFD.
func appendString(dst []byte, s string) []byte { return jsonstr.Append(dst, s, jsonstr.HTMLSafe) }
