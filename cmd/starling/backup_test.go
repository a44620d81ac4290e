package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/server"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

var (
	testTenant = store.Namespace{Owner: "111111111111", Region: "us-east-1"}
	testKind   = store.Kind("Thing")
)

// runCmd runs the command line args with the environment env.
func runCmd(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// dataDir returns a data directory whose store holds n records and whose
// inventory holds configuration items of n resources.
func dataDir(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		err := st.Update(t.Context(), func(tx store.Tx) error {
			return tx.Put(testTenant, testKind, fmt.Sprintf("r%03d", i), []byte("doc"))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	inv, err := sqlite.OpenInventory(t.Context(), dir, sqlite.InventoryOptions{Sync: sqlite.SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	var items []inventory.Item
	for i := range n {
		items = append(items, testItem(i))
	}
	if _, err := inv.Write(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testItem is the configuration item of dataDir's resource i.
func testItem(i int) inventory.Item {
	return inventory.Item{
		Key: inventory.Key{
			Source:       inventory.Source{AccountID: testTenant.Owner, Region: testTenant.Region},
			ResourceType: "AWS::S3::Bucket",
			ResourceID:   fmt.Sprintf("bucket-%03d", i),
		},
		StateID:       1,
		CaptureTime:   time.UnixMilli(1_700_000_000_000).UTC(),
		Status:        inventory.StatusOK,
		Configuration: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
	}
}

// restored copies the backup directory dest into a new data directory, as
// docs/operations.md says, and returns how many of dataDir's records and
// configuration items the store and the inventory there hold.
func restored(t *testing.T, dest string) (records, items int) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{sqlite.FileName, sqlite.InventoryFileName} {
		b, err := os.ReadFile(filepath.Join(dest, name))
		if errors.Is(err, os.ErrNotExist) && name == sqlite.InventoryFileName {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dest, "*.tmp"))
	for _, n := range left {
		t.Errorf("left behind: %s", n)
	}
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatalf("open the restored backup: %v", err)
	}
	defer st.Close()
	err = st.View(t.Context(), func(tx store.Tx) (err error) {
		records, err = tx.Count(testTenant, testKind)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := sqlite.OpenInventory(t.Context(), dir, sqlite.InventoryOptions{})
	if err != nil {
		t.Fatalf("open the restored inventory: %v", err)
	}
	defer inv.Close()
	for ; ; items++ {
		want := testItem(items)
		it, err := inv.Get(t.Context(), want.Key)
		if errors.Is(err, inventory.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(it.Configuration) != string(want.Configuration) {
			t.Fatalf("restored item %d: got %s, want %s", items, it.Configuration, want.Configuration)
		}
	}
	return records, items
}

// wantRestored fails unless the backup in dest holds n records and n
// configuration items.
func wantRestored(t *testing.T, dest string, n int) {
	t.Helper()
	if records, items := restored(t, dest); records != n || items != n {
		t.Errorf("the backup in %s holds %d records and %d configuration items; want %d of each", dest, records, items, n)
	}
}

// noFile fails if path exists.
func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: got %v, want no such file", path, err)
	}
}

func TestHelpListsBackup(t *testing.T) {
	out, _, err := runCmd(t, nil, "help")
	if err != nil || !strings.Contains(out, "starling backup [flags] DEST") {
		t.Errorf("help: got %q, %v; want the backup command listed", out, err)
	}
	_, errOut, err := runCmd(t, nil, "backup", "-h")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut, "--data DIR") || !strings.Contains(errOut, "STARLING_ENDPOINT") {
		t.Errorf("backup -h: got %q, %v; want the backup's usage", errOut, err)
	}
}

func TestBackupUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"backup"}, {"backup", "a", "b"}} {
		if _, _, err := runCmd(t, nil, args...); err == nil {
			t.Errorf("%q: got nil, want an error", args)
		}
	}
}

// dirFiles returns the names in dir, sorted.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestBackupOffline(t *testing.T) {
	dir := dataDir(t, 25)
	dest := filepath.Join(t.TempDir(), "copy")
	out, _, err := runCmd(t, nil, "backup", "--data", dir, dest)
	if err != nil {
		t.Fatalf("backup --data: %v", err)
	}
	if !strings.Contains(out, "backed up") || !strings.Contains(out, dest) || !strings.Contains(out, sqlite.InventoryFileName) {
		t.Errorf("output: got %q", out)
	}
	if got, want := dirFiles(t, dest), []string{sqlite.InventoryFileName, sqlite.FileName}; !slices.Equal(got, want) {
		t.Errorf("backup directory: got %q, want %q", got, want)
	}
	wantRestored(t, dest, 25)
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("backup directory mode: got %v, %v; want 0700", fi.Mode(), err)
	}
	for _, name := range []string{sqlite.FileName, sqlite.InventoryFileName} {
		if fi, err := os.Stat(filepath.Join(dest, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode: got %v, %v; want 0600", name, fi.Mode(), err)
		}
	}

	// A DEST that holds files is kept without --force; with it, its
	// databases are replaced (and --force may follow DEST).
	before, _ := os.ReadFile(filepath.Join(dest, sqlite.InventoryFileName))
	if _, _, err := runCmd(t, nil, "backup", "--data", dataDir(t, 3), dest); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup into a directory that is not empty: got %v, want a refusal that names --force", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dest, sqlite.InventoryFileName)); !bytes.Equal(before, after) {
		t.Errorf("the refused backup changed %s", dest)
	}
	if _, _, err := runCmd(t, nil, "backup", "--data", dataDir(t, 3), dest, "--force"); err != nil {
		t.Fatalf("backup --force: %v", err)
	}
	wantRestored(t, dest, 3)

	// An empty directory will do.
	empty := t.TempDir()
	if _, _, err := runCmd(t, nil, "backup", "--data", dir, empty); err != nil {
		t.Fatalf("backup into an empty directory: %v", err)
	}
	wantRestored(t, empty, 25)

	// A file is not a backup directory, even with --force.
	file := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(file, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, nil, "backup", "--data", dir, "--force", file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("backup to a file: got %v, want a refusal", err)
	}

	// A data directory without an inventory (no CI recorded yet) is backed
	// up without one, and --force takes out the older one.
	old := t.TempDir()
	st, err := sqlite.Open(t.Context(), old, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, _, err = runCmd(t, nil, "backup", "--force", "--data", old, dest)
	if err != nil {
		t.Fatalf("backup --data of a directory without an inventory: %v", err)
	}
	if !strings.Contains(out, "none") {
		t.Errorf("output: got %q, want it to say there is no inventory", out)
	}
	if got, want := dirFiles(t, dest), []string{sqlite.FileName}; !slices.Equal(got, want) {
		t.Errorf("backup directory: got %q, want %q", got, want)
	}
}

func TestBackupOfflineRefusals(t *testing.T) {
	// A store in use is the server's to copy; so is an inventory.
	dir := dataDir(t, 1)
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy")
	_, _, err = runCmd(t, nil, "backup", "--data", dir, dest)
	if !errors.Is(err, sqlite.ErrInUse) || !strings.Contains(err.Error(), "--endpoint") {
		t.Errorf("backup --data of a store in use: got %v, want ErrInUse and a pointer to --endpoint", err)
	}
	st.Close()
	noFile(t, dest)
	inv, err := sqlite.OpenInventory(t.Context(), dir, sqlite.InventoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, nil, "backup", "--data", dir, dest)
	if !errors.Is(err, sqlite.ErrInUse) || !strings.Contains(err.Error(), "--endpoint") {
		t.Errorf("backup --data of an inventory in use: got %v, want ErrInUse and a pointer to --endpoint", err)
	}
	inv.Close()
	noFile(t, dest)

	// No database: nothing is created.
	missing := filepath.Join(t.TempDir(), "none")
	if _, _, err := runCmd(t, nil, "backup", "--data", missing, dest); err == nil || !strings.Contains(err.Error(), "no Starling database") {
		t.Errorf("backup --data of a missing directory: got %v, want an error that says so", err)
	}
	noFile(t, missing)
	noFile(t, dest)
}

// TestBackupOnline backs up a running Starling (the real handler) over
// HTTP, found through --endpoint and through STARLING_ENDPOINT.
func TestBackupOnline(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = dataDir(t, 40)
	a, err := app.New(t.Context(), cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	dest := filepath.Join(t.TempDir(), "copy")
	if _, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, dest); err != nil {
		t.Fatalf("backup --endpoint: %v", err)
	}
	wantRestored(t, dest, 40)
	dest2 := filepath.Join(t.TempDir(), "copy")
	if _, _, err := runCmd(t, map[string]string{"STARLING_ENDPOINT": srv.URL + "/"}, "backup", dest2); err != nil {
		t.Fatalf("backup with STARLING_ENDPOINT: %v", err)
	}
	if got, want := dirFiles(t, dest2), []string{sqlite.InventoryFileName, sqlite.FileName}; !slices.Equal(got, want) {
		t.Errorf("backup directory: got %q, want %q", got, want)
	}
}

func TestBackupOverTLS(t *testing.T) {
	dir := dataDir(t, 5)
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inv, err := sqlite.OpenInventory(t.Context(), dir, sqlite.InventoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	srv := httptest.NewTLSServer(server.New(server.Options{Backup: func(ctx context.Context, database string, w io.Writer) error {
		if database == server.BackupDatabaseInventory {
			return inv.Backup(ctx, w)
		}
		return st.Backup(ctx, w)
	}}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy")
	if _, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, dest); err == nil {
		t.Errorf("backup from a server with an untrusted certificate: got nil, want an error")
	}
	noFile(t, dest)
	if _, _, err := runCmd(t, map[string]string{"STARLING_CA_CERT": ca}, "backup", "--endpoint", srv.URL, dest); err != nil {
		t.Fatalf("backup with STARLING_CA_CERT: %v", err)
	}
	wantRestored(t, dest, 5)
}

// TestBackupOnlineFailures checks that no answer but a whole, sound
// database leaves a file behind, and that the error says what went wrong.
func TestBackupOnlineFailures(t *testing.T) {
	dir := dataDir(t, 200)
	var whole bytes.Buffer
	if err := sqlite.BackupDir(t.Context(), dir, &whole, sqlite.Options{}); err != nil {
		t.Fatal(err)
	}
	sqliteType := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", server.BackupContentType)
	}
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"refused", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":"backup is disabled on this server"}`)
		}, "403 Forbidden: backup is disabled on this server"},
		{"no endpoint", http.NotFound, "backup endpoint"},
		{"not a backup", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>")
		}, "Content-Type"},
		{"cut off", func(w http.ResponseWriter, r *http.Request) {
			sqliteType(w)
			_, _ = w.Write(whole.Bytes()[:whole.Len()/2])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // as the server does when a backup fails midway
		}, "broke off"},
		{"not a database", func(w http.ResponseWriter, r *http.Request) {
			sqliteType(w)
			_, _ = w.Write(bytes.Repeat([]byte("garbage!"), 4096))
		}, "not a sound database"},
		{"truncated database", func(w http.ResponseWriter, r *http.Request) {
			sqliteType(w)
			w.Header().Set("Content-Length", fmt.Sprint(whole.Len()/2))
			_, _ = w.Write(whole.Bytes()[:whole.Len()/2])
		}, "not a sound database"},
		{"no inventory", func(w http.ResponseWriter, r *http.Request) {
			// An older Starling ignores ?database= and sends its only one.
			sqliteType(w)
			_, _ = w.Write(whole.Bytes())
		}, "not a sound inventory database"},
		{"inventory refused", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("database") == server.BackupDatabaseInventory {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":"unknown database"}`)
				return
			}
			sqliteType(w)
			_, _ = w.Write(whole.Bytes())
		}, "400 Bad Request: unknown database"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			dest := filepath.Join(t.TempDir(), "copy")
			_, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, dest)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error that says %q", err, tt.want)
			}
			noFile(t, dest)
			// Into an existing empty directory: it stays empty.
			empty := t.TempDir()
			if _, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, empty); err == nil {
				t.Errorf("into an empty directory: got nil, want an error")
			}
			if names := dirFiles(t, empty); len(names) > 0 {
				t.Errorf("the failed backup left %q", names)
			}
		})
	}

	// Nothing listens.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	dest := filepath.Join(t.TempDir(), "copy")
	if _, _, err := runCmd(t, nil, "backup", "--endpoint", url, dest); err == nil || !strings.Contains(err.Error(), "--data DIR") {
		t.Errorf("backup from nowhere: got %v, want an error that points to --data", err)
	}
	noFile(t, dest)
}
