package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/server"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// defaultEndpoint is where `starling backup` looks for the server: the
// address `starling serve` listens on by default.
const defaultEndpoint = "http://127.0.0.1:4566"

const backupUsage = `Usage:
  starling backup [--endpoint URL] [--force] DEST   copy a running server's data directory
  starling backup --data DIR [--force] DEST         copy the data directory of a stopped server

Writes a copy of Starling's data to the directory DEST: its two databases,
starling.db (the control plane: organization, aggregators, recorders) and
inventory.db (the recorded configuration items), each one consistent state
of its data. DEST is a data directory: 'starling serve --data DEST'
restores it (see docs/operations.md).

A running server holds its databases to itself, so it makes the copies: the
command asks it with POST URL/_starling/backup?database=starling and
?database=inventory. With --data, the command copies the databases in DIR
itself, if no server has them open.

Each copy goes to a .tmp file in DEST, is flushed to disk and checked
(SQLite's quick_check), and only once both are sound are they renamed into
place. DEST must not exist or be an empty directory; with --force, the
databases of an existing directory DEST are replaced.

Flags (--endpoint and --ca-cert can also be set with STARLING_ENDPOINT and
STARLING_CA_CERT; --data only on the command line):
`

// backupOptions are the flags of `starling backup`.
type backupOptions struct {
	endpoint string
	caCert   string
	dataDir  string
	force    bool
	dest     string
}

func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o backupOptions
	fs := commandFlags("starling backup", backupUsage, stderr)
	serverFlags(fs, getenv, &o.endpoint, &o.caCert)
	fs.StringVar(&o.dataDir, "data", "", "copy the databases in this data directory instead, which no server may have open")
	fs.BoolVar(&o.force, "force", false, "replace the databases in DEST if it is a directory that holds some")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		fs.Usage()
		return errors.New("backup: give the directory to write the copy to")
	case len(pos) > 1:
		return fmt.Errorf("backup: one destination directory, not %d: %q", len(pos), pos)
	}
	o.dest = pos[0]
	return backup(ctx, o, stdout)
}

// backupFile is one database of a backup.
type backupFile struct {
	database string // the name the server knows it by (?database=)
	file     string // its file in a data directory
	tmp      string // where it is copied to
	skipped  bool   // a stopped server's directory has none
	summary  string
}

// backup copies the databases to the directory o.dest, each by way of a
// .tmp file beside it.
func backup(ctx context.Context, o backupOptions, stdout io.Writer) (err error) {
	dest := o.dest
	created, err := prepareDest(dest, o.force)
	if err != nil {
		return err
	}
	files := []*backupFile{
		{database: server.BackupDatabaseStarling, file: sqlite.FileName},
		{database: server.BackupDatabaseInventory, file: sqlite.InventoryFileName},
	}
	var placed []string
	defer func() {
		for _, bf := range files {
			if bf.tmp != "" {
				_ = os.Remove(bf.tmp)
			}
		}
		if err != nil && created {
			for _, p := range placed {
				_ = os.Remove(p)
			}
			_ = os.Remove(dest) // empty again, unless something else wrote to it
		}
	}()
	var client *http.Client
	if o.dataDir == "" {
		if client, err = backupClient(o.caCert); err != nil {
			return err
		}
	}
	for _, bf := range files {
		if err := copyOne(ctx, o, client, bf); err != nil {
			return err
		}
	}
	// Both copies are sound: only now does DEST get them.
	for _, bf := range files {
		target := filepath.Join(dest, bf.file)
		if bf.skipped {
			// DEST is to be the data directory's copy, which has no
			// inventory: an older one in DEST (--force) must go.
			if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("backup: %w", err)
			}
			continue
		}
		if err := placeFile(bf.tmp, target, o.force); err != nil {
			return err
		}
		bf.tmp = ""
		placed = append(placed, target)
	}
	syncDir(dest)
	if created {
		syncDir(filepath.Dir(filepath.Clean(dest)))
	}
	fmt.Fprintf(stdout, "backed up to %s:\n", dest)
	for _, bf := range files {
		fmt.Fprintf(stdout, "  %s\n", bf.summary)
	}
	return nil
}

// prepareDest makes sure that dest is a directory a backup may write to,
// creating it (then created is true) if it does not exist.
func prepareDest(dest string, force bool) (created bool, err error) {
	fi, err := os.Stat(dest)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// 0700: the copy holds all of the server's data.
		if err := os.Mkdir(dest, 0o700); err != nil {
			return false, fmt.Errorf("backup: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("backup: %w", err)
	case !fi.IsDir():
		return false, fmt.Errorf("backup: %s exists and is not a directory; a backup is a directory (give a new name)", dest)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		return false, fmt.Errorf("backup: %w", err)
	}
	if len(entries) > 0 && !force {
		return false, fmt.Errorf("backup: %s is a directory that is not empty; give --force to replace the databases in it", dest)
	}
	return false, nil
}

// copyOne copies the database of bf into a temporary file in o.dest, and
// checks it.
func copyOne(ctx context.Context, o backupOptions, client *http.Client, bf *backupFile) (err error) {
	// 0600: the copy holds all of the server's data.
	f, err := os.CreateTemp(o.dest, bf.file+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	bf.tmp = f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	if o.dataDir != "" {
		// A short wait for the lock: a server that holds it keeps it.
		opts := sqlite.Options{BusyTimeout: 500 * time.Millisecond}
		if bf.database == server.BackupDatabaseInventory {
			err = sqlite.BackupInventoryDir(ctx, o.dataDir, f, opts)
		} else {
			err = sqlite.BackupDir(ctx, o.dataDir, f, opts)
		}
		switch {
		case errors.Is(err, sqlite.ErrInUse):
			return fmt.Errorf("backup: %w\nA running Starling makes the copy itself: starling backup --endpoint URL %s", err, o.dest)
		case errors.Is(err, os.ErrNotExist) && bf.database == server.BackupDatabaseInventory:
			bf.skipped = true
			bf.summary = fmt.Sprintf("%s: none in %s (no configuration items recorded)", bf.file, o.dataDir)
			_ = f.Close()
			return nil
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("backup: there is no Starling database (%s) in %s", sqlite.FileName, o.dataDir)
		case err != nil:
			return fmt.Errorf("backup: %w", err)
		}
	} else if err = fetchBackup(ctx, client, o.endpoint, bf.database, f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("backup: flush %s: %w", f.Name(), err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fi, err := os.Stat(bf.tmp)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if bf.database == server.BackupDatabaseInventory {
		info, err := sqlite.CheckInventoryBackup(ctx, bf.tmp)
		if err != nil {
			return fmt.Errorf("backup: the copy of %s is not a sound inventory database, so the backup was not kept: %w", bf.file, err)
		}
		bf.summary = fmt.Sprintf("%s: configuration items of %d resources (%d bytes, schema version %d)", bf.file, info.Resources, fi.Size(), info.SchemaVersion)
		return nil
	}
	info, err := sqlite.CheckBackup(ctx, bf.tmp)
	if err != nil {
		return fmt.Errorf("backup: the copy of %s is not a sound database, so the backup was not kept: %w", bf.file, err)
	}
	bf.summary = fmt.Sprintf("%s: %d records (%d bytes, schema version %d)", bf.file, info.Records, fi.Size(), info.SchemaVersion)
	return nil
}

// backupClient is the HTTP client of an online backup. It has no overall
// timeout, since a large database takes long to send; ctx (Ctrl-C) ends it.
func backupClient(caCert string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caCert != "" {
		pem, err := os.ReadFile(caCert)
		if err != nil {
			return nil, fmt.Errorf("backup: --ca-cert: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("backup: --ca-cert %s holds no PEM certificate", caCert)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// fetchBackup asks the server at endpoint for a copy of its database named
// database and writes it to w.
func fetchBackup(ctx context.Context, client *http.Client, endpoint, database string, w io.Writer) error {
	u := strings.TrimRight(endpoint, "/") + server.PathBackup + "?database=" + url.QueryEscape(database)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("backup: --endpoint %q: %w", endpoint, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("backup: %w", ctx.Err())
		}
		return fmt.Errorf("backup: cannot reach Starling at %s: %w\nIs the server running there (--endpoint, STARLING_ENDPOINT)? To copy the data directory of a stopped server, give --data DIR", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		msg := strings.TrimSpace(string(body))
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		hint := ""
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			hint = " (is it a Starling with the backup endpoint?)"
		}
		return fmt.Errorf("backup: %s answered %s%s: %s", u, resp.Status, hint, msg)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != server.BackupContentType {
		return fmt.Errorf("backup: %s answered with Content-Type %q, not %s: is it a Starling server?", u, resp.Header.Get("Content-Type"), server.BackupContentType)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("backup: %w", ctx.Err())
		}
		return fmt.Errorf("backup: the copy of the %s database broke off after %d bytes: %w (the server's log says why)", database, n, err)
	}
	return nil
}

// placeFile renames tmp to dest. Without force it never replaces a dest,
// even one that appeared while the copy was being made.
func placeFile(tmp, dest string, force bool) error {
	if force {
		if err := os.Rename(tmp, dest); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	}
	if err := os.Link(tmp, dest); err != nil {
		if _, serr := os.Lstat(dest); serr == nil {
			return fmt.Errorf("backup: %s appeared while the copy was made; give --force to replace it", dest)
		}
		if err := os.Rename(tmp, dest); err != nil { // a file system without hard links
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// syncDir makes a rename in dir durable, where the platform can.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// serverFlags defines the flags that name a running server, --endpoint
// (default $STARLING_ENDPOINT, else defaultEndpoint) and --ca-cert, shared
// by the commands that talk to one.
func serverFlags(fs *flag.FlagSet, getenv func(string) string, endpoint, caCert *string) {
	def := defaultEndpoint
	if v := getenv(config.EnvPrefix + "ENDPOINT"); v != "" {
		def = v
	}
	fs.StringVar(endpoint, "endpoint", def, "base URL of the running server")
	fs.StringVar(caCert, "ca-cert", getenv(config.EnvPrefix+"CA_CERT"), "PEM file of the certificates to trust for an https endpoint, besides the system's")
}
