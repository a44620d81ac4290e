package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/importer"
	"github.com/starlingcfg/starling/internal/ingestclient"
)

const importUsage = `Usage:
  starling import [--endpoint URL] [flags] PATH...   into a running server
  starling import --data DIR [flags] PATH...         into a stopped server's data directory
  starling import --store DSN [flags] PATH...        into a PostgreSQL database

Imports the configuration snapshot and configuration history files that AWS
Config delivers to S3, as they are: files (.json or .json.gz), directories,
and whole delivery trees (AWSLogs/<account>/Config/<region>/<yyyy>/<m>/<d>/
ConfigSnapshot|ConfigHistory/...) of any number of accounts and regions.
Every configuration item goes to the account and region that recorded it.

A file is imported whole or not at all: a file that is not JSON, not a
delivery file, a truncated gzip, or that holds an item without its keys is
reported with the reason, and the other files are still imported. Importing
the same files again changes nothing; snapshots and history files merge into
one history per resource. The exit status is not zero if any file failed.

With --endpoint, items go through the server's ingest API, signed as the
account that recorded them (in the default --auth accept mode, the account
id is the access key), and the server's rules apply: the account's recorder
must be recording in that region, and records only the types it records. If
AWS_ACCESS_KEY_ID is set, every request is signed with the environment's
credentials instead, and a server in --auth verify mode accepts only that
principal's own account's items. With --data or --store, the items are
written straight into the store, with no recorder needed; no server may have
the data directory open.

Give one of --data, --store and --endpoint. With none, the store of
STARLING_STORE if it is set, else the server at --endpoint's default
(STARLING_ENDPOINT, or http://127.0.0.1:4566).

Flags (--endpoint and --ca-cert can also be set with STARLING_ENDPOINT and
STARLING_CA_CERT):
`

// importOptions are the flags of starling import.
type importOptions struct {
	endpoint, caCert string
	dataDir, dsn     string
	sync             string
	workers, writers int
	batch            int
	progress         bool
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o importOptions
	fs := commandFlags("starling import", importUsage, stderr)
	serverFlags(fs, getenv, &o.endpoint, &o.caCert)
	fs.StringVar(&o.dataDir, "data", "", "import into this data directory (of a stopped server) instead")
	fs.StringVar(&o.dsn, "store", "", "import into this PostgreSQL database (postgres://user:password@host:5432/dbname) instead")
	fs.StringVar(&o.sync, "sync", config.SyncNormal, "with --data: what a written batch survives, full (power loss) or normal (kill -9)")
	fs.IntVar(&o.workers, "workers", 0, "files read at once (0: one per CPU)")
	fs.IntVar(&o.writers, "writers", 0, "batches written at once (0: 1 for --data, 4 otherwise)")
	fs.IntVar(&o.batch, "batch", importer.DefaultBatchItems, "configuration items per write")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(paths) == 0 {
		fs.Usage()
		return errors.New("import: name at least one file or directory to import")
	}
	if err := chooseTarget("import", set, &o.dataDir, &o.dsn, o.endpoint, getenv); err != nil {
		return err
	}
	switch {
	case o.sync != config.SyncFull && o.sync != config.SyncNormal:
		return fmt.Errorf("import: --sync %q is not full or normal", o.sync)
	case o.batch < 1 || o.workers < 0 || o.writers < 0:
		return errors.New("import: --batch must be at least 1, --workers and --writers at least 0")
	}
	if o.writers == 0 {
		o.writers = 4
		if o.dataDir != "" {
			o.writers = 1 // SQLite has one writer
		}
	}
	o.progress = isTerminal(stderr)
	files, err := importer.Find(paths)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}

	var sink importer.Sink
	where := ""
	switch {
	case o.dataDir != "" || o.dsn != "":
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		inv, closeInv, err := app.OpenInventory(ctx, o.dataDir, o.dsn, o.sync, log)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer func() { _ = closeInv() }()
		sink, where = importer.StoreSink{Store: inv}, o.dataDir
		if o.dsn != "" {
			where = "the PostgreSQL store"
		}
	default:
		client, err := serverClient(o.caCert)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		sink = importer.EndpointSink{Client: ingestclient.New(o.endpoint, client, signAs(getenv))}
		where = o.endpoint
	}

	im := importer.New(sink, importer.Options{
		Workers: o.workers, Writers: o.writers, BatchItems: o.batch,
		OnFileError: func(fe *importer.FileError) {
			if o.progress {
				fmt.Fprint(stderr, "\r\x1b[K")
			}
			fmt.Fprintf(stderr, "starling import: %s\n", fe)
		},
	})
	stop := showProgress(o.progress, stderr, im)
	sum, err := im.Run(ctx, files)
	stop()
	fmt.Fprintln(stdout, importSummary(sum, where))
	switch {
	case err != nil:
		return fmt.Errorf("import: stopped: %w", err)
	case sum.Failed > 0:
		return fmt.Errorf("import: %d of %d files failed", sum.Failed, sum.Files)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// showProgress redraws a progress line on w every 200 ms while an import
// runs, if on; stop clears it.
func showProgress(on bool, w io.Writer, im *importer.Importer) (stop func()) {
	if !on {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprint(w, "\r\x1b[K"+progressText(im.Progress()))
			}
		}
	}()
	return func() { close(done); <-finished }
}

// progressText is one frame of the progress line: files, items, rate.
func progressText(p importer.Progress) string {
	return fmt.Sprintf("files %d/%d  configuration items %d  %.0f/s",
		p.FilesDone, p.Files, p.Items, rate(p.Items, p.Elapsed))
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// importSummary is the last line of an import.
func importSummary(s importer.Summary, where string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "imported %d of %d files into %s", s.Imported, s.Files, where)
	if s.Failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", s.Failed)
	}
	fmt.Fprintf(&b, ": %d configuration items (%d new, %d unchanged, %d superseded) in %s (%.0f/s)",
		s.Items, s.Result.New, s.Result.Unchanged, s.Result.Superseded,
		s.Elapsed.Round(time.Millisecond), rate(s.Items, s.Elapsed))
	return b.String()
}
