package shape

import (
	"bytes"
	"strconv"
	"time"
)

// Timestamp is a model timestamp. On the wire it is a JSON number of epoch
// seconds with millisecond precision, as AWS sends it (Smithy's "AWS JSON
// 1.1 protocol" page, section "Shape serialization": timestamps default to
// epoch-seconds; the Go and JS SDKs reject strings). On input it also
// accepts a numeric string or an ISO-8601 string, as botocore may send
// either.
type Timestamp struct {
	time.Time
}

// NewTimestamp returns t truncated to milliseconds.
func NewTimestamp(t time.Time) *Timestamp {
	return &Timestamp{Time: t.Truncate(time.Millisecond)}
}

// MarshalJSON encodes epoch seconds, for example 1517942461.442.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON decodes a number of epoch seconds, a numeric string or an
// ISO-8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 1 && b[0] == '"' {
		unq, err := strconv.Unquote(s)
		if err != nil {
			return &typeError{want: "timestamp"}
		}
		if tm, err := time.Parse(time.RFC3339Nano, unq); err == nil {
			t.Time = tm.UTC()
			return nil
		}
		s = unq
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return &typeError{want: "timestamp"}
	}
	sec := int64(f)
	ns := int64((f - float64(sec)) * 1e9)
	t.Time = time.Unix(sec, ns).UTC().Round(time.Millisecond)
	return nil
}

// typeError is a wrongly typed JSON value found by a custom decoder.
type typeError struct{ want string }

func (e *typeError) Error() string { return "expected " + e.want }
