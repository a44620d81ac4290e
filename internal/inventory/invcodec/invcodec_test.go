package invcodec

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
)

func TestRoundTrip(t *testing.T) {
	tags := map[string]string{"": "", "a": "b", "ü": strings.Repeat("x", 300)}
	sup := map[string]json.RawMessage{"x": json.RawMessage(`{"a": 1}`), "y": json.RawMessage(`"<&>"`), "z": json.RawMessage(`{"x": 1.50}`)}
	rels := []inventory.Relationship{{ResourceType: "t", ResourceID: "i"}, {ResourceName: "n", Name: "r"}, {}}
	gotTags, err := DecodeTags(AppendTags(nil, tags))
	if err != nil || !maps.Equal(gotTags, tags) {
		t.Errorf("tags: got %v, %v", gotTags, err)
	}
	gotSup, err := DecodeSupplementary(AppendSupplementary(nil, sup))
	if err != nil || !maps.EqualFunc(gotSup, sup, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
		t.Errorf("supplementary: got %v, %v", gotSup, err)
	}
	gotRels, err := DecodeRelationships(AppendRelationships(nil, rels))
	if err != nil || !slices.Equal(gotRels, rels) {
		t.Errorf("relationships: got %v, %v", gotRels, err)
	}
	// Empty encodes to nothing, and nothing decodes to nil.
	if b := AppendTags(AppendSupplementary(AppendRelationships([]byte("x"), nil), nil), nil); string(b) != "x" {
		t.Errorf("empty: got %q, want the prefix alone", b)
	}
	if m, err := DecodeTags(nil); m != nil || err != nil {
		t.Errorf("DecodeTags(nil): got %v, %v", m, err)
	}
	if m, err := DecodeSupplementary(nil); m != nil || err != nil {
		t.Errorf("DecodeSupplementary(nil): got %v, %v", m, err)
	}
	if r, err := DecodeRelationships(nil); r != nil || err != nil {
		t.Errorf("DecodeRelationships(nil): got %v, %v", r, err)
	}
}

// TestFormat pins the encoding: both backends have it on disk.
func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  []byte
		want string
	}{
		{"tags", AppendTags(nil, map[string]string{"b": "2", "": "", "a": "1"}), "030000016101310162013" + "2"},
		{"tags long", AppendTags(nil, map[string]string{"k": strings.Repeat("x", 200)}), "01016bc801" + strings.Repeat("78", 200)},
		{"supplementary", AppendSupplementary(nil, map[string]json.RawMessage{"y": json.RawMessage(`"<&>"`), "x": json.RawMessage(`{"a": 1}`)}),
			"020178087b2261223a20317d017905223c263e22"},
		{"relationships", AppendRelationships(nil, []inventory.Relationship{{ResourceType: "t", ResourceID: "i"}, {ResourceName: "n", Name: "r"}, {}}),
			"030174016900000000016e017200000000"},
		{"string", AppendString([]byte{0xff}, "ab"), "ff026162"},
	} {
		if got := hex.EncodeToString(tt.got); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestMalformed(t *testing.T) {
	enc := AppendTags(nil, map[string]string{"": "", "a": "b", "ü": strings.Repeat("x", 300)})
	for _, bad := range [][]byte{enc[:len(enc)-1], append(slices.Clone(enc), 0), {0xff}, {5, 1, 'a'}, {5, 1},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}} {
		if _, err := DecodeTags(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeTags(%x): got %v, want ErrMalformed", bad, err)
		}
		if _, err := DecodeSupplementary(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeSupplementary(%x): got %v, want ErrMalformed", bad, err)
		}
		if _, err := DecodeRelationships(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeRelationships(%x): got %v, want ErrMalformed", bad, err)
		}
	}
}

func TestDecoder(t *testing.T) {
	b := AppendString(AppendString(nil, "ab"), "")
	d := NewDecoder(b)
	if s1, s2 := d.ReadString(), d.ReadString(); s1 != "ab" || s2 != "" || d.Done() != nil {
		t.Errorf("got %q, %q, %v", s1, s2, d.Done())
	}
	d = NewDecoder(b)
	if s := d.ReadString(); s != "ab" || !errors.Is(d.Done(), ErrMalformed) {
		t.Errorf("bytes left over: got %q, %v; want ErrMalformed", s, d.Done())
	}
	d = NewDecoder([]byte{3, 'a'})
	if s := d.ReadString(); s != "" || !errors.Is(d.Done(), ErrMalformed) {
		t.Errorf("short string: got %q, %v; want ErrMalformed", s, d.Done())
	}
	// After the first error, reads return zero values.
	if s := d.ReadString(); s != "" {
		t.Errorf("read after an error: got %q", s)
	}
}

// TestValuesShareInput checks that DecodeSupplementary's values are
// capped slices of its input, so that appending to one cannot overwrite
// the next.
func TestValuesShareInput(t *testing.T) {
	b := AppendSupplementary(nil, map[string]json.RawMessage{"a": json.RawMessage("1"), "b": json.RawMessage("2")})
	m, err := DecodeSupplementary(b)
	if err != nil {
		t.Fatal(err)
	}
	if cap(m["a"]) != 1 {
		t.Errorf("cap of a value: got %d, want 1", cap(m["a"]))
	}
	_ = append(m["a"], '9')
	if string(m["b"]) != "2" {
		t.Errorf("appending to a value changed the next: %q", m["b"])
	}
}
