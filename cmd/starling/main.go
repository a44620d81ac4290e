// Command starling serves the AWS Config aggregator API (and the parts of
// AWS Organizations and STS it depends on) on the AWS wire protocol.
//
// Usage:
//
//	starling [serve] [flags]        run the server (the default)
//	starling backup [flags] DEST    copy the server's database to the file DEST
//	starling generate [flags]       fill a server with a generated organization
//	starling version                print the version
//	starling help                   print this help
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
	"log/slog"
	"mime"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/server"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// version is set at build time with -ldflags "-X main.version=..."; without
// it the module version from the build info is used.
var version = ""

// gcPercent is the garbage collector's target (GOGC) unless the environment
// sets one. Starling's live heap is small and every request allocates, so
// the default of 100 collects hundreds of times a second under load; 400
// spends a few tens of megabytes more for about 10-15% less CPU per request
// (docs/performance.md).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "starling:", err)
		}
		os.Exit(2)
	}
}

const usage = `starling serves the AWS Config aggregator API on the AWS wire protocol.

Usage:
  starling [serve] [flags]        run the server (the default)
  starling backup [flags] DEST    copy the server's database to the file DEST
  starling generate [flags]       fill a server with a generated organization
  starling version                print the version
  starling help                   print this help

Run 'starling serve -h' for the server's flags, 'starling backup -h' for
the backup's and 'starling generate -h' for the generator's. Every flag
--name of serve can also be set with the environment variable
STARLING_NAME (dashes become underscores).
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := config.Load("starling serve", args, getenv, stderr)
		if err != nil {
			return err
		}
		return app.Run(ctx, cfg, app.Options{Logger: newLogger(cfg, stderr), Version: versionString()})
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "generate":
		return runGenerate(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "starling", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// defaultEndpoint is where `starling backup` looks for the server: the
// address `starling serve` listens on by default.
const defaultEndpoint = "http://127.0.0.1:4566"

const backupUsage = `Usage:
  starling backup [--endpoint URL] [--force] DEST   copy a running server's database
  starling backup --data DIR [--force] DEST         copy the database of a stopped server

Writes a copy of Starling's database to the file DEST: one consistent state
of all its data, an SQLite database that a data directory takes as
starling.db (see docs/operations.md for restoring it).

A running server holds its database to itself, so it makes the copy: the
command asks it with POST URL/_starling/backup. With --data, the command
copies the database in DIR itself, if no server has it open.

The copy goes to DEST.tmp, is checked (SQLite's quick_check) and flushed to
disk, and only then renamed to DEST. An existing DEST is replaced only with
--force.

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
	fs := flag.NewFlagSet("starling backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), backupUsage)
		fs.PrintDefaults()
	}
	endpoint := defaultEndpoint
	if v := getenv(config.EnvPrefix + "ENDPOINT"); v != "" {
		endpoint = v
	}
	fs.StringVar(&o.endpoint, "endpoint", endpoint, "base URL of the running server")
	fs.StringVar(&o.caCert, "ca-cert", getenv(config.EnvPrefix+"CA_CERT"), "PEM file of the certificates to trust for an https endpoint, besides the system's")
	fs.StringVar(&o.dataDir, "data", "", "copy the database in this data directory instead, which no server may have open")
	fs.BoolVar(&o.force, "force", false, "replace DEST if it exists")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...) // after --, everything is an argument
			break
		}
		pos, args = append(pos, rest[0]), rest[1:] // flags may follow DEST
	}
	switch {
	case len(pos) == 0:
		fs.Usage()
		return errors.New("backup: give the file to write the copy to")
	case len(pos) > 1:
		return fmt.Errorf("backup: one destination file, not %d: %q", len(pos), pos)
	}
	o.dest = pos[0]
	return backup(ctx, o, stdout)
}

// backup copies the database to o.dest by way of o.dest+".tmp".
func backup(ctx context.Context, o backupOptions, stdout io.Writer) (err error) {
	dest := o.dest
	switch fi, err := os.Lstat(dest); {
	case err == nil && fi.IsDir():
		return fmt.Errorf("backup: %s is a directory; give the name of the file to write", dest)
	case err == nil && !o.force:
		return fmt.Errorf("backup: %s exists; give --force to replace it", dest)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("backup: %w", err)
	}
	var client *http.Client
	if o.dataDir == "" {
		if client, err = backupClient(o.caCert); err != nil {
			return err
		}
	}

	tmp := dest + ".tmp"
	// 0600: the copy holds all of the server's data.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if o.dataDir != "" {
		// A short wait for the lock: a server that holds it keeps it.
		err = sqlite.BackupDir(ctx, o.dataDir, f, sqlite.Options{BusyTimeout: 500 * time.Millisecond})
		switch {
		case errors.Is(err, sqlite.ErrInUse):
			return fmt.Errorf("backup: %w\nA running Starling makes the copy itself: starling backup --endpoint URL %s", err, dest)
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("backup: there is no Starling database (%s) in %s", sqlite.FileName, o.dataDir)
		case err != nil:
			return fmt.Errorf("backup: %w", err)
		}
	} else if err = fetchBackup(ctx, client, o.endpoint, f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("backup: flush %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	info, err := sqlite.CheckBackup(ctx, tmp)
	if err != nil {
		return fmt.Errorf("backup: the copy is not a sound database, so it was not kept: %w", err)
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err = placeFile(tmp, dest, o.force); err != nil {
		return err
	}
	syncDir(filepath.Dir(dest))
	fmt.Fprintf(stdout, "backed up %d records (%d bytes, schema version %d) to %s\n", info.Records, fi.Size(), info.SchemaVersion, dest)
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

// fetchBackup asks the server at endpoint for a copy of its database and
// writes it to w.
func fetchBackup(ctx context.Context, client *http.Client, endpoint string, w io.Writer) error {
	u := strings.TrimRight(endpoint, "/") + server.PathBackup
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return fmt.Errorf("backup: --endpoint %q: %w", endpoint, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("backup: %w", ctx.Err())
		}
		return fmt.Errorf("backup: cannot reach Starling at %s: %w\nIs the server running there (--endpoint, STARLING_ENDPOINT)? To copy the database of a stopped server, give --data DIR", endpoint, err)
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
		return fmt.Errorf("backup: the copy broke off after %d bytes: %w (the server's log says why)", n, err)
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
