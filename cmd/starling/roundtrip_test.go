package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/importer/importertest"
	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

// decodeSnapshot decodes a snapshot file (gzip'd or not) of the source, in
// key order, global items recorded in the source's region.
func decodeSnapshot(t *testing.T, data []byte, region string) []inventory.Item {
	t.Helper()
	var r io.Reader = bytes.NewReader(data)
	if len(data) > 1 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	var items []inventory.Item
	if err := ingest.DecodeFile(r, func(it inventory.Item) error {
		if it.Region == "" {
			it.Region = region
		}
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(items, func(a, b inventory.Item) int {
		return strings.Compare(a.ResourceType+" "+a.ResourceID, b.ResourceType+" "+b.ResourceID)
	})
	return items
}

// exported runs starling export with args and returns the file it wrote.
func exported(t *testing.T, args ...string) []byte {
	t.Helper()
	out, errOut, err := runCmd(t, nil, append([]string{"export"}, args...)...)
	if err != nil {
		t.Fatalf("export %v: %v\n%s", args, err, errOut)
	}
	path, ok := strings.CutPrefix(strings.TrimSpace(out), "wrote ")
	if !ok {
		t.Fatalf("export printed %q", out)
	}
	path = path[strings.Index(path, " to ")+len(" to "):]
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkSame fails unless got and want hold the same items, field for field.
func checkSame(t *testing.T, what string, got, want []inventory.Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: item %d =\n%+v\nwant\n%+v", what, i, got[i], want[i])
		}
	}
}

// TestImportExportRoundTrip imports the delivery tree, then exports each
// snapshot's source at the snapshot's time: the export holds the imported
// snapshot's items, field for field, although the history file holds a
// later version of one of them. It does so offline on each backend, and
// through a server.
func TestImportExportRoundTrip(t *testing.T) {
	snapshots := []struct {
		fixture, region, at string
	}{
		// Taken at 10:30; the history file has the instance's 11:30
		// version too.
		{"snapshot-a-us-east-1.json", "us-east-1", "2026-06-01T10:30:00Z"},
		{"snapshot-a-eu-west-1.json", "eu-west-1", ""}, // nothing changed since
	}
	for _, target := range importTargets {
		t.Run(target.name, func(t *testing.T) {
			args, cfg := target.flags(t)
			if _, errOut, err := runCmd(t, nil, append(append([]string{"import"}, args...), importertest.Tree(t))...); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			var offline [][]inventory.Item
			for _, s := range snapshots {
				want := decodeSnapshot(t, importertest.Fixture(t, s.fixture), s.region)
				exportArgs := append(slices.Clone(args), "--account", importertest.AccountA, "--region", s.region)
				if s.at != "" {
					exportArgs = append(exportArgs, "--at", s.at)
				}
				got := decodeSnapshot(t, exported(t, append(exportArgs, t.TempDir())...), s.region)
				checkSame(t, "export of "+s.fixture, got, want)
				offline = append(offline, got)
			}

			// The same through a server on the store, by its API.
			url, _ := apptest.Start(t, cfg, app.Options{})
			for i, s := range snapshots {
				exportArgs := []string{"--endpoint", url, "--account", importertest.AccountA, "--region", s.region}
				if s.at != "" {
					exportArgs = append(exportArgs, "--at", s.at)
				}
				got := decodeSnapshot(t, exported(t, append(exportArgs, t.TempDir())...), s.region)
				checkSame(t, "export through the API of "+s.fixture, got, offline[i])
			}
		})
	}
}
