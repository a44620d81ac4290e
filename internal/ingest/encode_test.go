package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

func TestAppendFileItemForm(t *testing.T) {
	it := inventory.Item{
		Key: inventory.Key{
			Source:       inventory.Source{AccountID: "123456789012", Region: "us-east-2"},
			ResourceType: "AWS::EC2::SecurityGroup",
			ResourceID:   "sg-3f1fef43",
		},
		StateID:       1484002215156,
		CaptureTime:   time.Date(2017, 1, 9, 22, 50, 15, 156e6, time.UTC),
		Status:        "ResourceDiscovered",
		Version:       "1.2",
		AWSRegion:     "us-east-2",
		ARN:           "arn:aws:ec2:us-east-2:123456789012:security-group/sg-3f1fef43",
		Configuration: json.RawMessage(`{"groupId":"sg-3f1fef43","vpcId":"vpc-14400670"}`),
		Tags:          map[string]string{"b": "<2>", "a": "1"},
		Relationships: []inventory.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-14400670", Name: "Is contained in Vpc"}},
	}
	got := string(AppendFileItem(nil, &it))
	want := `{"relatedEvents":[],"relationships":[{"resourceId":"vpc-14400670","resourceName":null,"resourceType":"AWS::EC2::VPC","name":"Is contained in Vpc"}],` +
		`"configuration":{"groupId":"sg-3f1fef43","vpcId":"vpc-14400670"},"supplementaryConfiguration":{},"tags":{"a":"1","b":"\u003c2\u003e"},` +
		`"configurationItemVersion":"1.2","configurationItemCaptureTime":"2017-01-09T22:50:15.156Z","configurationStateId":1484002215156,` +
		`"awsAccountId":"123456789012","configurationItemStatus":"ResourceDiscovered","resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-3f1fef43",` +
		`"resourceName":null,"ARN":"arn:aws:ec2:us-east-2:123456789012:security-group/sg-3f1fef43","awsRegion":"us-east-2","availabilityZone":null,` +
		`"configurationStateMd5Hash":"","resourceCreationTime":null}`
	if got != want {
		t.Errorf("AppendFileItem:\n got %s\nwant %s", got, want)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\`, "tab\tnl\ncr\r\x00\x1f", "<a&b>", "é ü 日本", "\u2028\u2029", "bad\xffutf8\xc3", "\x7f"} {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendTime(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2019, 2, 12, 7, 21, 45, 0, time.UTC), `"2019-02-12T07:21:45.000Z"`},
		{time.Date(2019, 2, 12, 7, 21, 45, 288e6, time.FixedZone("x", 3600)), `"2019-02-12T06:21:45.288Z"`},
		{time.Date(2019, 2, 12, 7, 21, 45, 288001, time.UTC), `"2019-02-12T07:21:45.000288001Z"`},
	} {
		if got := string(appendTime(nil, tc.t)); got != tc.want {
			t.Errorf("appendTime(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

// TestRoundTrip decodes the samples, encodes them and decodes the result:
// the items are the same, and the encoding is stable.
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"testdata/snapshot.json", "testdata/console-form.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		items, err := decodeAll(t, data)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, items); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("%s: encoding is not valid JSON: %s", name, buf.Bytes())
		}
		again, err := decodeAll(t, buf.Bytes())
		if err != nil {
			t.Fatalf("%s: decoding the encoding: %v", name, err)
		}
		fixGlobal(items)
		fixGlobal(again)
		if !reflect.DeepEqual(items, again) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v", name, again, items)
		}
		if b := AppendFile(nil, again); !bytes.Equal(b, buf.Bytes()) {
			t.Errorf("%s: AppendFile and Encode differ, or the encoding is not stable", name)
		}
	}
}

// fixGlobal gives global items a source region, as a caller of DecodeFile
// does.
func fixGlobal(items []inventory.Item) {
	for i := range items {
		if items[i].Region == "" {
			items[i].Region = "us-east-1"
		}
	}
}

func TestEncoderLarge(t *testing.T) {
	it := inventory.Item{
		Key:           inventory.Key{Source: inventory.Source{AccountID: "123456789012", Region: "eu-west-1"}, ResourceType: "AWS::S3::Bucket"},
		StateID:       1,
		CaptureTime:   time.Unix(1700000000, 0).UTC(),
		Status:        "OK",
		AWSRegion:     "eu-west-1",
		Configuration: json.RawMessage(`{"name":"` + strings.Repeat("x", 1000) + `"}`),
	}
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	const n = 500 // several flushes
	for i := range n {
		it.ResourceID = "bucket-" + string(rune('a'+i%26)) + strings.Repeat("0", i%7)
		if err := e.Encode(&it); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(&it); err == nil {
		t.Error("Encode after Close succeeded")
	}
	count := 0
	if err := DecodeFile(&buf, func(inventory.Item) error { count++; return nil }); err != nil || count != n {
		t.Fatalf("decoded %d items, %v", count, err)
	}
}

func TestSnapshotEncoder(t *testing.T) {
	it := inventory.Item{
		Key:           inventory.Key{Source: inventory.Source{AccountID: "123456789012", Region: "eu-west-1"}, ResourceType: "AWS::S3::Bucket", ResourceID: "b"},
		StateID:       7,
		CaptureTime:   time.Date(2024, 3, 1, 12, 0, 0, 5e6, time.UTC),
		Status:        "OK",
		Version:       "1.3",
		AWSRegion:     "eu-west-1",
		Configuration: json.RawMessage(`{"name":"b"}`),
	}
	const id = "6292fd47-f519-4323-9b79-6c3cbebe1b2e"
	for _, tc := range []struct {
		name  string
		items []inventory.Item
	}{
		{"empty", nil},
		{"one", []inventory.Item{it}},
		{"two", []inventory.Item{it, it}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewSnapshotEncoder(&buf, id)
			for i := range tc.items {
				if err := e.Encode(&tc.items[i]); err != nil {
					t.Fatal(err)
				}
			}
			if e.Count() != len(tc.items) {
				t.Errorf("Count = %d, want %d", e.Count(), len(tc.items))
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			want := `{"fileVersion":"1.0","configSnapshotId":"` + id + `","configurationItems":[`
			for i := range tc.items {
				if i > 0 {
					want += ","
				}
				want += string(AppendFileItem(nil, &tc.items[i]))
			}
			want += "]}"
			if buf.String() != want {
				t.Errorf("snapshot file:\n got %s\nwant %s", buf.String(), want)
			}
			var top struct {
				FileVersion        string            `json:"fileVersion"`
				ConfigSnapshotID   string            `json:"configSnapshotId"`
				ConfigurationItems []json.RawMessage `json:"configurationItems"`
			}
			if err := json.Unmarshal(buf.Bytes(), &top); err != nil || top.FileVersion != FileVersion || top.ConfigSnapshotID != id || len(top.ConfigurationItems) != len(tc.items) {
				t.Errorf("json.Unmarshal = %+v, %v", top, err)
			}
			var got []inventory.Item
			if err := DecodeFile(&buf, func(it inventory.Item) error { got = append(got, it); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.items) || len(got) > 0 && !reflect.DeepEqual(got[0], tc.items[0]) {
				t.Errorf("decoded %+v, want %+v", got, tc.items)
			}
		})
	}
	// The id is a JSON string, escaped as any other.
	var buf bytes.Buffer
	e := NewSnapshotEncoder(&buf, `a"b`)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if want := `{"fileVersion":"1.0","configSnapshotId":"a\"b","configurationItems":[]}`; buf.String() != want {
		t.Errorf("got %s, want %s", buf.String(), want)
	}
}
