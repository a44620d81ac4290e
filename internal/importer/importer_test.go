package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/importer"
	"github.com/starlingcfg/starling/internal/importer/importertest"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// backends opens an empty CI store of each backend: SQLite always,
// PostgreSQL when STARLING_TEST_POSTGRES names one (the subtest skips
// otherwise, saying how to enable it).
var backends = []struct {
	name string
	open func(t *testing.T) inventory.Store
}{
	{"sqlite", func(t *testing.T) inventory.Store { return open(t, t.TempDir(), "") }},
	{"postgres", func(t *testing.T) inventory.Store { return open(t, "", pgtest.DSN(t)) }},
}

func open(t testing.TB, dir, dsn string) inventory.Store {
	t.Helper()
	inv, closeInv, err := app.OpenInventory(t.Context(), dir, dsn, config.SyncNormal, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := closeInv(); err != nil {
			t.Error(err)
		}
	})
	return inv
}

func run(t *testing.T, inv inventory.Store, opts importer.Options, paths ...string) importer.Summary {
	t.Helper()
	files, err := importer.Find(paths)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importer.New(importer.StoreSink{Store: inv}, opts).Run(t.Context(), files)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	return sum
}

var (
	srcAEast = inventory.Source{AccountID: importertest.AccountA, Region: "us-east-1"}
	srcAWest = inventory.Source{AccountID: importertest.AccountA, Region: "eu-west-1"}
	srcBWest = inventory.Source{AccountID: importertest.AccountB, Region: "eu-west-1"}
)

const instance = "i-0a1b2c3d4e5f60001"

// listKeys returns "type id" of each resource a List of the scope returns,
// reading every page.
func listKeys(t *testing.T, inv inventory.Store, sc *inventory.Scope) []string {
	t.Helper()
	var keys []string
	q := inventory.ListQuery{Scope: sc, Limit: 2}
	for {
		page, err := inv.List(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			keys = append(keys, it.AccountID+" "+it.Region+" "+it.ResourceType+" "+it.ResourceID)
		}
		if page.Next == "" {
			return keys
		}
		q.Cursor = page.Next
	}
}

// checkTree checks that inv holds what the delivery tree holds.
func checkTree(t *testing.T, inv inventory.Store) {
	t.Helper()
	ctx := t.Context()
	want := []string{
		"111111111111 eu-west-1 AWS::EC2::VPC vpc-0eu0west0fixture01",
		"111111111111 us-east-1 AWS::EC2::Instance " + instance,
		"111111111111 us-east-1 AWS::EC2::SecurityGroup sg-0f1e2d3c4b5a69788",
		"111111111111 us-east-1 AWS::IAM::Role AROAEXAMPLEFIXTURE0001",
		"111111111111 us-east-1 AWS::S3::Bucket starling-fixture-logs",
		"222222222222 eu-west-1 AWS::S3::Bucket fixture-b-data",
	}
	if got := listKeys(t, inv, &inventory.Scope{Sources: []inventory.Source{srcAEast, srcAWest, srcBWest}}); !slices.Equal(got, want) {
		t.Errorf("resources =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The instance's history merges the snapshot's version with the
	// history file's, once each, and the latest is the history's last.
	key := inventory.Key{Source: srcAEast, ResourceType: "AWS::EC2::Instance", ResourceID: instance}
	hist, err := inv.History(ctx, inventory.HistoryQuery{Key: key, Chronological: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var times []string
	for _, it := range hist.Items {
		times = append(times, it.CaptureTime.Format(time.RFC3339))
	}
	if want := []string{"2026-06-01T08:00:00Z", "2026-06-01T10:00:00Z", "2026-06-01T11:30:00Z"}; !slices.Equal(times, want) {
		t.Errorf("instance history = %v, want %v", times, want)
	}
	latest, err := inv.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(latest.Configuration, []byte(`"instanceType":"t3.large"`)) || latest.StateID != 1780313400000 {
		t.Errorf("latest instance version: StateID %d, configuration %s", latest.StateID, latest.Configuration)
	}

	// The instance that the history file created and deleted is deleted
	// from its deletion on: out of List, its latest version the deletion.
	dead, err := inv.Get(ctx, inventory.Key{Source: srcAEast, ResourceType: "AWS::EC2::Instance", ResourceID: "i-0deadbeefdeadbeef"})
	if err != nil {
		t.Fatal(err)
	}
	if dead.Status != inventory.StatusResourceDeleted || dead.CaptureTime != time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) {
		t.Errorf("deleted instance: status %s at %s", dead.Status, dead.CaptureTime)
	}

	// The global role was recorded in the path's region.
	role, err := inv.Get(ctx, inventory.Key{Source: srcAEast, ResourceType: "AWS::IAM::Role", ResourceID: "AROAEXAMPLEFIXTURE0001"})
	if err != nil {
		t.Fatal(err)
	}
	if role.AWSRegion != "global" || role.ResourceName != "fixture-admin" {
		t.Errorf("role: awsRegion %q, name %q", role.AWSRegion, role.ResourceName)
	}

	// The bucket's fields are kept as the file has them.
	bucket, err := inv.Get(ctx, inventory.Key{Source: srcAEast, ResourceType: "AWS::S3::Bucket", ResourceID: "starling-fixture-logs"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(bucket.SupplementaryConfiguration["BucketVersioningConfiguration"]); got != `{"status":"Enabled","isMfaDeleteEnabled":null}` {
		t.Errorf("bucket BucketVersioningConfiguration = %s", got)
	}
	if bucket.Tags["team"] != "platform" || bucket.AvailabilityZone != "Regional" ||
		bucket.CaptureTime != time.Date(2026, 6, 1, 9, 15, 27, 123e6, time.UTC) ||
		bucket.ResourceCreationTime != time.Date(2026, 5, 2, 7, 21, 45, 0, time.UTC) {
		t.Errorf("bucket = %+v", bucket)
	}
}

func TestImportTree(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			inv := b.open(t)
			tree := importertest.Tree(t)
			sum := run(t, inv, importer.Options{}, tree)
			// Ten versions in eleven items: the snapshot's instance
			// version is also in the history file.
			if sum.Files != 4 || sum.Imported != 4 || sum.Failed != 0 || sum.Items != 11 ||
				sum.Result.New+sum.Result.Superseded != 10 || sum.Result.Unchanged != 1 {
				t.Errorf("first import: %+v", sum)
			}
			checkTree(t, inv)

			// Again: nothing changes.
			sum = run(t, inv, importer.Options{}, tree)
			if sum.Imported != 4 || sum.Result != (inventory.WriteResult{Unchanged: 11}) {
				t.Errorf("second import: %+v", sum)
			}
			checkTree(t, inv)
		})
	}
}

// TestImportOrder imports the files one at a time, in each order, through
// large-file reading (every file read twice, written a chunk of two items
// at a time): the result is the same.
func TestImportOrder(t *testing.T) {
	tree := importertest.Tree(t)
	files, err := importer.Find([]string{tree})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			reversed := slices.Clone(files)
			slices.Reverse(reversed)
			for _, order := range [][]string{files, reversed} {
				inv := b.open(t)
				for _, f := range order {
					sum := run(t, inv, importer.Options{Workers: 1, BatchItems: 2, MaxFileItems: 2}, f)
					if sum.Imported != 1 {
						t.Fatalf("import %s: %+v", f, sum)
					}
				}
				checkTree(t, inv)
			}
		})
	}
}

func TestImportBadFiles(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			inv := b.open(t)
			dir, bad := importertest.BadFiles(t)
			var reported []string
			files, err := importer.Find([]string{dir, importertest.Tree(t)})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := importer.New(importer.StoreSink{Store: inv}, importer.Options{
				OnFileError: func(fe *importer.FileError) { reported = append(reported, fe.Path) },
			}).Run(t.Context(), files)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Files != 4+len(bad) || sum.Imported != 4 || sum.Failed != len(bad) || len(reported) != len(bad) {
				t.Errorf("summary %+v, reported %v", sum, reported)
			}
			for _, want := range bad {
				path := filepath.Join(dir, filepath.FromSlash(want.Name))
				i := slices.IndexFunc(sum.Errors, func(fe *importer.FileError) bool { return fe.Path == path })
				if i < 0 {
					t.Errorf("%s: not reported", want.Name)
					continue
				}
				if msg := sum.Errors[i].Err.Error(); !strings.Contains(msg, want.Reason) {
					t.Errorf("%s: reason %q, want it to contain %q", want.Name, msg, want.Reason)
				}
			}
			checkTree(t, inv) // the good files are all there
		})
	}
}

// TestImportBadFilesCommitNothing imports only bad files: nothing of them
// is in the store, not even the items before the one that is wrong.
func TestImportBadFilesCommitNothing(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			inv := b.open(t)
			dir, bad := importertest.BadFiles(t)
			for _, large := range []bool{false, true} {
				opts := importer.Options{}
				if large {
					opts = importer.Options{BatchItems: 1, MaxFileItems: 1}
				}
				sum := run(t, inv, opts, dir)
				if sum.Failed != len(bad) || sum.Imported != 0 || sum.Items != 0 {
					t.Errorf("large %v: %+v", large, sum)
				}
				if got := listKeys(t, inv, inventory.AllSources()); len(got) != 0 {
					t.Errorf("large %v: the store holds %v", large, got)
				}
			}
		})
	}
}

// refusingSink refuses the items of one source, and records the others.
type refusingSink struct {
	importer.StoreSink
	refuse inventory.Source
}

func (s refusingSink) Write(ctx context.Context, items []inventory.Item) (inventory.WriteResult, error) {
	var keep []inventory.Item
	for _, it := range items {
		if it.Source != s.refuse {
			keep = append(keep, it)
		}
	}
	res, err := s.StoreSink.Write(ctx, keep)
	if err != nil || len(keep) == len(items) {
		return res, err
	}
	return res, &importer.Refused{Result: res, Sources: map[inventory.Source]error{s.refuse: errors.New("no recorder")}}
}

// TestImportRefusedSource checks that a sink's refusal of one source fails
// that source's files only.
func TestImportRefusedSource(t *testing.T) {
	inv := open(t, t.TempDir(), "")
	files, err := importer.Find([]string{importertest.Tree(t)})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importer.New(refusingSink{importer.StoreSink{Store: inv}, srcAEast}, importer.Options{}).Run(t.Context(), files)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Imported != 2 || sum.Failed != 2 || sum.Items != 2 {
		t.Fatalf("summary %+v", sum)
	}
	for _, fe := range sum.Errors {
		if !strings.Contains(fe.Path, "us-east-1") || fe.Err.Error() != "no recorder" {
			t.Errorf("failed: %v", fe)
		}
	}
	if got := listKeys(t, inv, inventory.AllSources()); len(got) != 2 {
		t.Errorf("the store holds %v, want the two eu-west-1 resources", got)
	}
}

// failingSink fails every write.
type failingSink struct{}

var errStore = errors.New("disk full")

func (failingSink) Write(context.Context, []inventory.Item) (inventory.WriteResult, error) {
	return inventory.WriteResult{}, errStore
}

// TestImportSinkFailure checks that a failing store stops the import.
func TestImportSinkFailure(t *testing.T) {
	files, err := importer.Find([]string{importertest.Tree(t)})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importer.New(failingSink{}, importer.Options{BatchItems: 1}).Run(t.Context(), files)
	if !errors.Is(err, errStore) {
		t.Fatalf("Run() error = %v, want %v", err, errStore)
	}
	if sum.Imported != 0 || sum.Items != 0 {
		t.Errorf("summary %+v", sum)
	}
}

// TestImportItemRules checks what an import requires of an item and what
// it fills in, one file per case.
func TestImportItemRules(t *testing.T) {
	const path = "AWSLogs/111111111111/Config/us-east-1/2026/6/1/ConfigHistory/f.json"
	item := func(edit func(m map[string]any)) []byte {
		m := map[string]any{
			"configurationItemCaptureTime": "2026-06-01T10:00:00.123456Z",
			"configurationItemStatus":      "OK",
			"resourceType":                 "AWS::EC2::VPC",
			"resourceId":                   "vpc-1",
			"awsRegion":                    "us-east-1",
			"awsAccountId":                 "111111111111",
		}
		edit(m)
		b, err := json.Marshal(map[string]any{"fileVersion": "1.0", "configurationItems": []any{m}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		path    string
		edit    func(m map[string]any)
		wantErr string
		check   func(t *testing.T, it inventory.Item)
	}{
		{
			name: "defaults", path: path, edit: func(map[string]any) {},
			check: func(t *testing.T, it inventory.Item) {
				if it.StateID != 1780308000123 || it.Version != "1.3" || it.AWSRegion != "us-east-1" ||
					it.CaptureTime != time.Date(2026, 6, 1, 10, 0, 0, 123e6, time.UTC) {
					t.Errorf("item = %+v", it)
				}
			},
		},
		{
			name: "account from the path", path: path, edit: func(m map[string]any) { delete(m, "awsAccountId") },
			check: func(t *testing.T, it inventory.Item) {
				if it.AccountID != "111111111111" {
					t.Errorf("account %q", it.AccountID)
				}
			},
		},
		{
			name: "global item recorded in the path's region", path: path,
			edit: func(m map[string]any) { m["awsRegion"] = "global"; m["resourceType"] = "AWS::IAM::User" },
			check: func(t *testing.T, it inventory.Item) {
				if it.Region != "us-east-1" || it.AWSRegion != "global" {
					t.Errorf("region %q, awsRegion %q", it.Region, it.AWSRegion)
				}
			},
		},
		{
			name: "global item without a path", path: "f.json",
			edit:    func(m map[string]any) { m["awsRegion"] = "global" },
			wantErr: "configurationItems[0] (AWS::EC2::VPC vpc-1): a global resource, and the path does not name the region that recorded it",
		},
		{
			name: "no account anywhere", path: "f.json", edit: func(m map[string]any) { delete(m, "awsAccountId") },
			wantErr: "configurationItems[0] (AWS::EC2::VPC vpc-1): missing awsAccountId, and the path does not name the account",
		},
		{
			name: "no region anywhere", path: "f.json", edit: func(m map[string]any) { delete(m, "awsRegion") },
			wantErr: "configurationItems[0] (AWS::EC2::VPC vpc-1): missing awsRegion, and the path does not name the region",
		},
		{
			name: "another region than the path's", path: path, edit: func(m map[string]any) { m["awsRegion"] = "eu-west-1" },
			wantErr: "configurationItems[0] (AWS::EC2::VPC vpc-1): of region eu-west-1, in a file delivered for region us-east-1",
		},
		{
			name: "no capture time", path: path, edit: func(m map[string]any) { delete(m, "configurationItemCaptureTime") },
			wantErr: "configurationItems[0] (AWS::EC2::VPC vpc-1): missing configurationItemCaptureTime",
		},
		{
			name: "no status", path: path, edit: func(m map[string]any) { delete(m, "configurationItemStatus") },
			wantErr: "configurationItems[0] (AWS::EC2::VPC vpc-1): missing configurationItemStatus",
		},
		{
			name: "no resource id", path: path, edit: func(m map[string]any) { delete(m, "resourceId") },
			wantErr: "configurationItems[0]: missing resourceId",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := open(t, t.TempDir(), "")
			file := importertest.Write(t, t.TempDir(), tc.path, item(tc.edit))
			sum := run(t, inv, importer.Options{}, file)
			if tc.wantErr != "" {
				if sum.Failed != 1 || sum.Errors[0].Err.Error() != tc.wantErr {
					t.Fatalf("errors = %v, want %q", sum.Errors, tc.wantErr)
				}
				return
			}
			if sum.Imported != 1 {
				t.Fatalf("summary %+v", sum)
			}
			var got []inventory.Item
			for it, err := range inv.Scan(t.Context(), inventory.ScanQuery{Scope: inventory.AllSources()}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, it)
			}
			if len(got) != 1 {
				t.Fatalf("store holds %d items", len(got))
			}
			tc.check(t, got[0])
		})
	}
}

// TestFind checks which files an import reads.
func TestFind(t *testing.T) {
	tree := importertest.Tree(t)
	notes := importertest.Write(t, t.TempDir(), "notes.txt", []byte("hello"))
	files, err := importer.Find([]string{tree, notes})
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files[:len(files)-1] {
		r, _ := filepath.Rel(tree, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{importertest.SnapshotAEUWest1, importertest.HistoryAUSEast1, importertest.SnapshotAUSEast1, importertest.HistoryBEUWest1}
	if !slices.Equal(rel, want) || files[len(files)-1] != notes {
		t.Errorf("Find = %v, want %v and the named file", files, want)
	}
	if _, err := importer.Find([]string{filepath.Join(tree, "nope")}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Find(missing) error = %v", err)
	}
}
