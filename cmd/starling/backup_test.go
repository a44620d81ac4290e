package main

import (
	"bytes"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
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

// dataDir returns a data directory whose store holds n records.
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
	return dir
}

// restoredRecords restores the backup at path into a new data directory,
// as docs/operations.md says, and returns how many of dataDir's records
// the store there holds.
func restoredRecords(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sqlite.FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatalf("open the restored backup: %v", err)
	}
	defer st.Close()
	var n int
	err = st.View(t.Context(), func(tx store.Tx) (err error) {
		n, err = tx.Count(testTenant, testKind)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
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

func TestBackupOffline(t *testing.T) {
	dir := dataDir(t, 25)
	dest := filepath.Join(t.TempDir(), "copy.db")
	out, _, err := runCmd(t, nil, "backup", "--data", dir, dest)
	if err != nil {
		t.Fatalf("backup --data: %v", err)
	}
	if !strings.Contains(out, "backed up") || !strings.Contains(out, dest) {
		t.Errorf("output: got %q", out)
	}
	noFile(t, dest+".tmp")
	if got := restoredRecords(t, dest); got != 25 {
		t.Errorf("records in the backup: got %d, want 25", got)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode: got %v, %v; want 0600", fi.Mode(), err)
	}

	// An existing DEST is kept without --force, replaced with it (which may
	// follow DEST).
	before, _ := os.ReadFile(dest)
	if _, _, err := runCmd(t, nil, "backup", "--data", dataDir(t, 3), dest); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup onto an existing file: got %v, want a refusal that names --force", err)
	}
	if after, _ := os.ReadFile(dest); !bytes.Equal(before, after) {
		t.Errorf("the refused backup changed %s", dest)
	}
	if _, _, err := runCmd(t, nil, "backup", "--data", dataDir(t, 3), dest, "--force"); err != nil {
		t.Fatalf("backup --force: %v", err)
	}
	if got := restoredRecords(t, dest); got != 3 {
		t.Errorf("records in the replaced backup: got %d, want 3", got)
	}

	if _, _, err := runCmd(t, nil, "backup", "--data", dir, t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("backup to a directory: got %v, want a refusal", err)
	}
}

func TestBackupOfflineRefusals(t *testing.T) {
	// A store in use is the server's to copy.
	dir := dataDir(t, 1)
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	_, _, err = runCmd(t, nil, "backup", "--data", dir, dest)
	if !errors.Is(err, sqlite.ErrInUse) || !strings.Contains(err.Error(), "--endpoint") {
		t.Errorf("backup --data of a store in use: got %v, want ErrInUse and a pointer to --endpoint", err)
	}
	st.Close()
	noFile(t, dest)
	noFile(t, dest+".tmp")

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

	dest := filepath.Join(t.TempDir(), "copy.db")
	if _, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, dest); err != nil {
		t.Fatalf("backup --endpoint: %v", err)
	}
	if got := restoredRecords(t, dest); got != 40 {
		t.Errorf("records in the backup: got %d, want 40", got)
	}
	dest2 := filepath.Join(t.TempDir(), "copy.db")
	if _, _, err := runCmd(t, map[string]string{"STARLING_ENDPOINT": srv.URL + "/"}, "backup", dest2); err != nil {
		t.Fatalf("backup with STARLING_ENDPOINT: %v", err)
	}
	noFile(t, dest2+".tmp")
}

func TestBackupOverTLS(t *testing.T) {
	dir := dataDir(t, 5)
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewTLSServer(server.New(server.Options{Backup: st.Backup}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	if _, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, dest); err == nil {
		t.Errorf("backup from a server with an untrusted certificate: got nil, want an error")
	}
	noFile(t, dest)
	if _, _, err := runCmd(t, map[string]string{"STARLING_CA_CERT": ca}, "backup", "--endpoint", srv.URL, dest); err != nil {
		t.Fatalf("backup with STARLING_CA_CERT: %v", err)
	}
	if got := restoredRecords(t, dest); got != 5 {
		t.Errorf("records in the backup: got %d, want 5", got)
	}
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
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			dest := filepath.Join(t.TempDir(), "copy.db")
			_, _, err := runCmd(t, nil, "backup", "--endpoint", srv.URL, dest)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error that says %q", err, tt.want)
			}
			noFile(t, dest)
			noFile(t, dest+".tmp")
		})
	}

	// Nothing listens.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	dest := filepath.Join(t.TempDir(), "copy.db")
	if _, _, err := runCmd(t, nil, "backup", "--endpoint", url, dest); err == nil || !strings.Contains(err.Error(), "--data DIR") {
		t.Errorf("backup from nowhere: got %v, want an error that points to --data", err)
	}
	noFile(t, dest)
}
