package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/google/uuid"

	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

var (
	srcA     = inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	srcOther = inventory.Source{AccountID: "111111111111", Region: "eu-west-1"}
	t0       = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

func hour(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

// version is one version of a resource of srcA.
func version(typ, id string, stateID int64, capture time.Time, conf string) inventory.Item {
	it := inventory.Item{
		Key:           inventory.Key{Source: srcA, ResourceType: typ, ResourceID: id},
		StateID:       stateID,
		CaptureTime:   capture,
		Status:        inventory.StatusOK,
		Version:       "1.3",
		AWSRegion:     srcA.Region,
		ARN:           "arn:aws:x:us-east-1:111111111111:" + id,
		Configuration: json.RawMessage(conf),
	}
	if stateID == 1 {
		it.Status = inventory.StatusResourceDiscovered
	}
	return it
}

func deletion(typ, id string, stateID int64, capture time.Time) inventory.Item {
	it := version(typ, id, stateID, capture, "null")
	it.Status = inventory.StatusResourceDeleted
	it.ARN = ""
	return it
}

// fixture is the history the tests read: vpc-1 changes at 3h, i-1 exists
// from 2h to its deletion at 4h, b-1 appears at 5h, the global role-1 and
// the custom x-1 exist from 1h on; srcOther has a resource of its own.
func fixture() (vpcV1, vpcV2, inst, instDel, bucket, role, custom, other inventory.Item) {
	vpcV1 = version("AWS::EC2::VPC", "vpc-1", 1, hour(1), `{"cidrBlock":"10.0.0.0/16","n":1.50}`)
	vpcV1.Tags = map[string]string{"env": "dev"}
	vpcV1.AvailabilityZone = "Multiple Availability Zones"
	vpcV2 = version("AWS::EC2::VPC", "vpc-1", 2, hour(3), `{"cidrBlock":"10.1.0.0/16","n":2e3}`)
	vpcV2.Tags = map[string]string{"env": "prod", "team": "<net>"}
	inst = version("AWS::EC2::Instance", "i-1", 1, hour(2).Add(157*time.Millisecond), `{"instanceType":"t3.micro","nested":{"b":[1,2],"a":null}}`)
	inst.ResourceName = "web"
	inst.ResourceCreationTime = hour(1.5).Add(999 * time.Millisecond)
	inst.Relationships = []inventory.Relationship{
		{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"},
		{ResourceType: "AWS::EC2::SecurityGroup", ResourceName: "sg-name", Name: "Is associated with SecurityGroup"},
	}
	instDel = deletion("AWS::EC2::Instance", "i-1", 2, hour(4))
	bucket = version("AWS::S3::Bucket", "b-1", 1, hour(5), `{"name":"b-1"}`)
	bucket.SupplementaryConfiguration = map[string]json.RawMessage{
		"BucketPolicy":           json.RawMessage(`{"policyText":null}`),
		"IsRequesterPaysEnabled": json.RawMessage(`false`),
	}
	role = version("AWS::IAM::Role", "AROAEXAMPLE", 1, hour(1).Add(1*time.Millisecond), `{"roleName":"r","path":"/"}`)
	role.AWSRegion = "global"
	role.ResourceName = "r"
	custom = version("Acme::Widget::Thing", "x-1", 1, hour(1), `{"size":3}`)
	other = version("AWS::EC2::VPC", "vpc-9", 1, hour(1), `{}`)
	other.Source = srcOther
	other.AWSRegion = srcOther.Region
	return
}

func allVersions() []inventory.Item {
	vpcV1, vpcV2, inst, instDel, bucket, role, custom, other := fixture()
	return []inventory.Item{vpcV1, vpcV2, inst, instDel, bucket, role, custom, other}
}

// snapshotCases are the snapshots taken of the fixture, and what they hold
// (in order).
func snapshotCases() []struct {
	name string
	src  inventory.Source
	at   time.Time
	want []inventory.Item
} {
	vpcV1, vpcV2, inst, _, bucket, role, custom, _ := fixture()
	return []struct {
		name string
		src  inventory.Source
		at   time.Time
		want []inventory.Item
	}{
		{"now", srcA, time.Time{}, []inventory.Item{vpcV2, role, bucket, custom}},
		{"between versions", srcA, hour(2.5), []inventory.Item{inst, vpcV1, role, custom}},
		{"at a capture time", srcA, hour(3), []inventory.Item{inst, vpcV2, role, custom}},
		{"after a deletion", srcA, hour(4), []inventory.Item{vpcV2, role, custom}},
		{"before anything", srcA, hour(0.5), nil},
		{"empty source", inventory.Source{AccountID: "222222222222", Region: "us-east-1"}, time.Time{}, nil},
		{"other region", srcOther, time.Time{}, []inventory.Item{allVersions()[7]}},
	}
}

func openStore(t *testing.T) inventory.Store {
	t.Helper()
	st, err := sqlite.OpenInventory(t.Context(), t.TempDir(), sqlite.InventoryOptions{Sync: sqlite.SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Write(t.Context(), allVersions()); err != nil {
		t.Fatal(err)
	}
	return st
}

// normalize makes items comparable: empty maps and slices nil, the source
// region of global items (which a file does not hold) the source's.
func normalize(items []inventory.Item, src inventory.Source) []inventory.Item {
	var out []inventory.Item
	for _, it := range items {
		if it.Region == "" {
			it.Region = src.Region
		}
		if len(it.Tags) == 0 {
			it.Tags = nil
		}
		if len(it.SupplementaryConfiguration) == 0 {
			it.SupplementaryConfiguration = nil
		}
		if len(it.Relationships) == 0 {
			it.Relationships = nil
		}
		if len(it.Configuration) == 0 {
			it.Configuration = json.RawMessage("null")
		}
		out = append(out, it)
	}
	return out
}

// readSnapshot checks the file's form and returns its id and items.
func readSnapshot(t *testing.T, path string, src inventory.Source) (string, []inventory.Item) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	if bytes.Count(data, []byte("\n")) != 0 {
		t.Errorf("the file has %d newlines, want one line", bytes.Count(data, []byte("\n")))
	}
	var top struct {
		FileVersion        string            `json:"fileVersion"`
		ConfigSnapshotID   string            `json:"configSnapshotId"`
		ConfigurationItems []json.RawMessage `json:"configurationItems"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if top.FileVersion != "1.0" || top.ConfigurationItems == nil {
		t.Errorf("fileVersion %q, configurationItems %v", top.FileVersion, top.ConfigurationItems)
	}
	if !bytes.HasPrefix(data, []byte(`{"fileVersion":"1.0","configSnapshotId":"`)) {
		t.Errorf("the file begins %.60s", data)
	}
	var items []inventory.Item
	if err := ingest.DecodeFile(bytes.NewReader(data), func(it inventory.Item) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return top.ConfigSnapshotID, normalize(items, src)
}

// noTemp fails if a temporary file is left under dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, tmpSuffix) {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

var keyRE = regexp.MustCompile(`^AWSLogs/(\d{12})/Config/([a-z0-9-]+)/(\d{4})/(\d{1,2})/(\d{1,2})/ConfigSnapshot/(\d{12})_Config_([a-z0-9-]+)_ConfigSnapshot_(\d{8}T\d{6}Z)_([0-9a-f-]{36})\.json\.gz$`)

func checkSnapshot(t *testing.T, dir string, snap Snapshot, src inventory.Source, at time.Time, want []inventory.Item) {
	t.Helper()
	m := keyRE.FindStringSubmatch(snap.Key)
	if m == nil {
		t.Fatalf("key %q is not AWS's snapshot key", snap.Key)
	}
	if m[1] != src.AccountID || m[6] != src.AccountID || m[2] != src.Region || m[7] != src.Region || m[9] != snap.ID {
		t.Errorf("key %q: want account %s, region %s, id %s", snap.Key, src.AccountID, src.Region, snap.ID)
	}
	if !at.IsZero() && !snap.Time.Equal(at) {
		t.Errorf("Time = %v, want %v", snap.Time, at)
	}
	if want := ingest.SnapshotKey(src.AccountID, src.Region, snap.Time, snap.ID); snap.Key != want {
		t.Errorf("Key = %q, want %q", snap.Key, want)
	}
	if snap.Path != filepath.Join(dir, filepath.FromSlash(snap.Key)) {
		t.Errorf("Path = %q, want %q under %q", snap.Path, snap.Key, dir)
	}
	if u, err := uuid.Parse(snap.ID); err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		t.Errorf("snapshot id %q is not a random UUID: %v", snap.ID, err)
	}
	d, err := ingest.ParseDelivery(snap.Path)
	if err != nil || d != (ingest.Delivery{AccountID: src.AccountID, Region: src.Region, Kind: ingest.KindSnapshot}) {
		t.Errorf("ParseDelivery(%q) = %+v, %v", snap.Path, d, err)
	}
	id, got := readSnapshot(t, snap.Path, src)
	if id != snap.ID {
		t.Errorf("configSnapshotId %q, want %q", id, snap.ID)
	}
	want = normalize(want, src)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n got %s\nwant %s", describe(got), describe(want))
	}
	if snap.Items != len(want) {
		t.Errorf("Items = %d, want %d", snap.Items, len(want))
	}
	noTemp(t, dir)
}

func describe(items []inventory.Item) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("\n  ")
		b.Write(ingest.AppendFileItem(nil, &it))
	}
	return b.String()
}

func TestWriteFromStore(t *testing.T) {
	st := openStore(t)
	for _, tc := range snapshotCases() {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			snap, err := Write(t.Context(), dir, FromStore(st), Options{Source: tc.src, At: tc.at})
			if err != nil {
				t.Fatal(err)
			}
			checkSnapshot(t, dir, snap, tc.src, tc.at, tc.want)
		})
	}
}

func TestWriteFromAPI(t *testing.T) {
	for _, tc := range snapshotCases() {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(tc.src, allVersions())
			dir := t.TempDir()
			snap, err := Write(t.Context(), dir, FromAPI(api, APIOptions{Concurrency: 3}), Options{Source: tc.src, At: tc.at})
			if err != nil {
				t.Fatal(err)
			}
			checkSnapshot(t, dir, snap, tc.src, tc.at, tc.want)
			if api.maxInFlight.Load() > 3 {
				t.Errorf("%d requests in flight at once, want at most 3", api.maxInFlight.Load())
			}
		})
	}
}

// TestWriteFromAPIOrder checks that many resources, answered in any
// order, are written sorted by type and id.
func TestWriteFromAPIOrder(t *testing.T) {
	var items, want []inventory.Item
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::EC2::VPC"} {
		for i := range 60 {
			it := version(typ, strings.Repeat("z", i%5)+string(rune('a'+i%26))+time.Duration(i).String(), 1, hour(1), `{}`)
			items = append(items, it)
		}
	}
	want = append(want, items...)
	sortItems(want)
	api := newFakeAPI(srcA, items)
	api.jitter = true
	dir := t.TempDir()
	snap, err := Write(t.Context(), dir, FromAPI(api, APIOptions{}), Options{Source: srcA})
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, dir, snap, srcA, time.Time{}, want)
}

func TestWriteTime(t *testing.T) {
	now := time.Date(2026, 2, 3, 4, 5, 6, 7e8, time.FixedZone("x", 3600))
	dir := t.TempDir()
	snap, err := Write(t.Context(), dir, FromAPI(newFakeAPI(srcA, nil), APIOptions{}), Options{Source: srcA, Now: func() time.Time { return now }, SnapshotID: "6292fd47-f519-4323-9b79-6c3cbebe1b2e"})
	if err != nil {
		t.Fatal(err)
	}
	want := "AWSLogs/111111111111/Config/us-east-1/2026/2/3/ConfigSnapshot/111111111111_Config_us-east-1_ConfigSnapshot_20260203T030506Z_6292fd47-f519-4323-9b79-6c3cbebe1b2e.json.gz"
	if snap.Key != want || !snap.Time.Equal(now) || snap.Time.Location() != time.UTC || snap.Items != 0 {
		t.Errorf("snapshot = %+v, want key %s at %v", snap, want, now.UTC())
	}
	if _, items := readSnapshot(t, snap.Path, srcA); len(items) != 0 {
		t.Errorf("items = %v, want none", items)
	}
}

// failingReader yields n items, then an error.
type failingReader struct {
	n   int
	err error
}

func (r failingReader) Items(ctx context.Context, src inventory.Source, at time.Time) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		for i := range r.n {
			it := version("AWS::EC2::VPC", "vpc-"+string(rune('a'+i)), 1, hour(1), `{}`)
			it.Source = src
			if !yield(it, nil) {
				return
			}
		}
		yield(inventory.Item{}, r.err)
	}
}

// sliceReader yields its items, whatever the source.
type sliceReader []inventory.Item

func (r sliceReader) Items(context.Context, inventory.Source, time.Time) iter.Seq2[inventory.Item, error] {
	return func(yield func(inventory.Item, error) bool) {
		for _, it := range r {
			if !yield(it, nil) {
				return
			}
		}
	}
}

func TestWriteFailureLeavesNoFile(t *testing.T) {
	boom := errors.New("boom")
	dir := t.TempDir()
	_, err := Write(t.Context(), dir, failingReader{n: 3, err: boom}, Options{Source: srcA})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want boom", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("%d files left in %s, such as %s", len(ents), dir, ents[0].Name())
	}

	// An item of another source is refused.
	_, err = Write(t.Context(), dir, sliceReader{allVersions()[7]}, Options{Source: srcA})
	if err == nil || !strings.Contains(err.Error(), "gave an item of 111111111111 eu-west-1") {
		t.Errorf("Write of another source's item = %v", err)
	}
	_, err = Write(t.Context(), dir, FromStore(openStore(t)), Options{Source: inventory.Source{AccountID: srcA.AccountID}})
	if err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("Write without a region = %v", err)
	}

	// A reader of another source's items.
	wrong := newFakeAPI(srcA, allVersions())
	_, err = Write(t.Context(), dir, FromAPI(wrong, APIOptions{}), Options{Source: inventory.Source{AccountID: "333333333333", Region: srcA.Region}})
	if err == nil || !strings.Contains(err.Error(), "not 333333333333") {
		t.Errorf("Write of the wrong account's items = %v", err)
	}
	// An API error.
	api := newFakeAPI(srcA, allVersions())
	api.fail = "vpc-1"
	_, err = Write(t.Context(), dir, FromAPI(api, APIOptions{}), Options{Source: srcA})
	if err == nil || !strings.Contains(err.Error(), "GetResourceConfigHistory AWS::EC2::VPC vpc-1") {
		t.Errorf("Write with a failing API = %v", err)
	}
	noTemp(t, dir)
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		t.Errorf("%d files left in %s, such as %s", len(ents), dir, ents[0].Name())
	}
}

func TestWriteCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	dir := t.TempDir()
	_, err := Write(ctx, dir, FromAPI(newFakeAPI(srcA, allVersions()), APIOptions{}), Options{Source: srcA})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write = %v, want context.Canceled", err)
	}
	noTemp(t, dir)
}

func TestItemFromAPI(t *testing.T) {
	capture := time.Unix(1700000000, 157_000_001).In(time.FixedZone("x", -7200))
	ci := cstypes.ConfigurationItem{
		AccountId:                    aws.String(srcA.AccountID),
		ConfigurationItemCaptureTime: &capture,
		ConfigurationItemStatus:      cstypes.ConfigurationItemStatusOk,
		ConfigurationStateId:         aws.String("1700000000157"),
		ResourceType:                 "AWS::EC2::VPC",
		ResourceId:                   aws.String("vpc-1"),
		AwsRegion:                    aws.String("us-east-1"),
		Configuration:                aws.String(`{ "b" : 1.50,  "a" : [ "x y" ] }`),
		SupplementaryConfiguration:   map[string]string{"Json": ` {"k": true} `, "Text": "not json", "Empty": ""},
		Relationships:                []cstypes.Relationship{{ResourceType: "AWS::EC2::Subnet", ResourceId: aws.String("s-1"), RelationshipName: aws.String("Contains Subnet")}},
		Tags:                         map[string]string{},
	}
	it, err := itemFromAPI(srcA, &ci)
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Item{
		Key:           inventory.Key{Source: srcA, ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1"},
		StateID:       1700000000157,
		CaptureTime:   time.UnixMilli(1700000000157).UTC(),
		Status:        "OK",
		AWSRegion:     "us-east-1",
		Configuration: json.RawMessage(`{"b":1.50,"a":["x y"]}`),
		SupplementaryConfiguration: map[string]json.RawMessage{
			"Json": json.RawMessage(`{"k":true}`), "Text": json.RawMessage(`"not json"`), "Empty": json.RawMessage(`""`),
		},
		Relationships: []inventory.Relationship{{ResourceType: "AWS::EC2::Subnet", ResourceID: "s-1", Name: "Contains Subnet"}},
	}
	if !reflect.DeepEqual(it, want) {
		t.Errorf("itemFromAPI:\n got %+v\nwant %+v", it, want)
	}
	if it.CaptureTime.Location() != time.UTC {
		t.Error("capture time not in UTC")
	}

	for _, tc := range []struct {
		name string
		edit func(*cstypes.ConfigurationItem)
		want string
	}{
		{"state id", func(c *cstypes.ConfigurationItem) { c.ConfigurationStateId = aws.String("x1") }, "configurationStateId"},
		{"configuration", func(c *cstypes.ConfigurationItem) { c.Configuration = aws.String("{") }, "not JSON"},
		{"account", func(c *cstypes.ConfigurationItem) { c.AccountId = aws.String("999999999999") }, "of account 999999999999"},
		{"id", func(c *cstypes.ConfigurationItem) { c.ResourceId = nil }, "no resourceType or resourceId"},
	} {
		c := ci
		tc.edit(&c)
		if _, err := itemFromAPI(srcA, &c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: itemFromAPI = %v, want %q", tc.name, err, tc.want)
		}
	}
	// Without configuration: null, as a file without one decodes.
	c := ci
	c.Configuration = nil
	if it, err := itemFromAPI(srcA, &c); err != nil || string(it.Configuration) != "null" {
		t.Errorf("no configuration: %s, %v", it.Configuration, err)
	}
}
