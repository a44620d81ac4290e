package ingest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/starlingcfg/starling/internal/inventory"
)

// checkScan holds scanValue to encoding/json's judgement of v.
func checkScan(t *testing.T, v []byte) {
	t.Helper()
	padded := append(append([]byte{}, v...), ' ') // a number at the very end is complete
	end, err := scanValue(padded, 0)
	ok := err == nil && skipSpace(padded, end) == len(padded)
	if valid := json.Valid(v); ok != valid {
		t.Fatalf("scanValue(%q) = %d, %v; json.Valid = %v", v, end, err, valid)
	}
	if ok {
		start := skipSpace(padded, 0)
		if got := skipValue(padded, start); got != end {
			t.Fatalf("skipValue(%q) = %d, scanValue = %d", v, got, end)
		}
	}
	var se *syntaxError
	if err != nil && err != errIncomplete && !errors.As(err, &se) {
		t.Fatalf("scanValue(%q): error of type %T", v, err)
	}
}

func TestScanValue(t *testing.T) {
	for _, v := range []string{
		`{}`, `[]`, `{"a":1}`, ` { "a" : [ 1 , 2.5e-3 , -0 , true , false , null , "x\"\\\/\b\f\n\r\t\u00e9" ] } `,
		`"\ud83d\ude00"`, `[[[[]]]]`, `{"a":{"b":{}}}`, `-0.0E+1`, `0`, `123`,
		`{`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`,
		`1e+`, `tru`, `nul`, `falsy`, `"abc`, "\"a\x01b\"", `"\x"`, `"\u12G4"`, `]`, `}`, `{"a":1]`, `[1}`, `+1`,
		"\"\xff\"", `NaN`, `{"a":1}}`, ``, ` `,
	} {
		checkScan(t, []byte(v))
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := scanValue([]byte(deep), 0); err == nil || err == errIncomplete {
		t.Errorf("nesting deeper than %d accepted: %v", maxDepth, err)
	}
}

func FuzzScanValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null]}`, `-1.5e3`, `"\u00e9"`, `[{}]`, `tru`, `{"a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) { checkScan(t, v) })
}

// TestDecodeFileSmallReads reads the samples one byte at a time, so that
// every value crosses a read boundary.
func TestDecodeFileSmallReads(t *testing.T) {
	in := file(item(nil), item(map[string]any{"resourceId": "i-0fedcba9876543210", "configuration": map[string]any{"n": 12345678901234567890.5, "s": "é"}}))
	want, err := decodeAll(t, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []inventory.Item
	if err := DecodeFile(iotest.OneByteReader(strings.NewReader(in)), func(it inventory.Item) error {
		got = append(got, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ResourceID != want[1].ResourceID || string(got[1].Configuration) != string(want[1].Configuration) {
		t.Errorf("one byte at a time: got %+v, want %+v", got, want)
	}
	if err := DecodeFile(iotest.ErrReader(errors.New("disk on fire")), func(inventory.Item) error { return nil }); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: %v", err)
	}
	if err := DecodeFile(iotest.TimeoutReader(strings.NewReader(in)), func(inventory.Item) error { return nil }); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("read error mid-file: %v", err)
	}
}

func TestDecodeFileKeySpellings(t *testing.T) {
	in := `{"configurationItems":[{"resource\u0049d":"i-1","RESOURCETYPE":"AWS::EC2::Instance","Arn":"a","tags":{"k\u00e9":"v"},"relationships":[{"ResourceType":"AWS::EC2::VPC","resourceid":"vpc-1","RelationshipName":"Is contained in Vpc"}]}]}`
	items, err := decodeAll(t, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	it := items[0]
	if it.ResourceID != "i-1" || it.ResourceType != "AWS::EC2::Instance" || it.ARN != "a" || it.Tags["ké"] != "v" ||
		len(it.Relationships) != 1 || it.Relationships[0].ResourceID != "vpc-1" || it.Relationships[0].Name != "Is contained in Vpc" {
		t.Errorf("got %+v", it)
	}
}
