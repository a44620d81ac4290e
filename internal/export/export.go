// Package export writes configuration snapshot files: the configuration
// items of one source (account and region) as they are now or were at a
// past time, in the file AWS Config delivers to S3 for a configuration
// snapshot, at the key it delivers it under (starling export).
//
// A file is gzip'd single-line JSON,
//
//	{"fileVersion":"1.0","configSnapshotId":"<uuid>","configurationItems":[…]}
//
// whose items are in AWS's file form (ingest.AppendFileItem), written one
// at a time as a Reader yields them: the items are never all in memory.
// The file is written beside its final name and renamed into place once it
// is complete and on disk, so that a crash never leaves a partial file
// under the final name. ingest.DecodeFile, and so starling import, reads it
// back.
//
// Items come from a Reader: FromStore reads a CI store (a stopped server's
// data directory, or its PostgreSQL database), FromAPI a running server,
// or AWS itself, through AWS Config's own API.
package export

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/uuid"

	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Reader reads a source's configuration items for a snapshot.
type Reader interface {
	// Items yields, for each resource of src that existed at at (the zero
	// time: now), its version then, in the order the snapshot lists them.
	// A resource whose version then records its deletion, or that had no
	// version yet, is left out. The sequence ends after the first error
	// it yields.
	Items(ctx context.Context, src inventory.Source, at time.Time) iter.Seq2[inventory.Item, error]
}

// Options say what snapshot Write takes.
type Options struct {
	// Source is the account and region whose items the snapshot holds.
	Source inventory.Source
	// At, when not zero, is the time of the snapshot: the items are the
	// versions current then. The zero time takes the current state.
	At time.Time
	// Now returns the current time, the snapshot's time when At is zero;
	// nil means time.Now.
	Now func() time.Time
	// SnapshotID is the configSnapshotId; "" means a random UUID
	// (version 4), as AWS Config gives.
	SnapshotID string
}

// Snapshot describes a file Write wrote.
type Snapshot struct {
	// Path is the file: the directory given to Write joined with Key.
	Path string
	// Key is the file's path relative to that directory, with slashes:
	// the S3 key AWS Config delivers the snapshot under
	// (ingest.SnapshotKey), relative to the delivery channel's prefix.
	Key string
	// ID is the snapshot's configSnapshotId.
	ID string
	// Time is the snapshot's time (in UTC): Options.At, or when Write
	// began.
	Time time.Time
	// Items is the number of configuration items in the file.
	Items int
}

// tmpSuffix ends the name of a file being written, beside its final name.
const tmpSuffix = ".tmp"

// Write writes a configuration snapshot file of o.Source, with the items r
// yields, under dir at its AWS key. The directories on the way are made
// as needed. An error before the file is complete leaves no file, neither
// the final one nor the temporary one, and removes the directories Write
// made.
func Write(ctx context.Context, dir string, r Reader, o Options) (snap Snapshot, err error) {
	src := o.Source
	if src.AccountID == "" || src.Region == "" {
		return Snapshot{}, errors.New("export: the source needs an account id and a region")
	}
	id := o.SnapshotID
	if id == "" {
		u, err := uuid.NewRandom()
		if err != nil {
			return Snapshot{}, fmt.Errorf("export: snapshot id: %w", err)
		}
		id = u.String()
	}
	t := o.At
	if t.IsZero() {
		now := time.Now
		if o.Now != nil {
			now = o.Now
		}
		t = now()
	}
	t = t.UTC()
	key := ingest.SnapshotKey(src.AccountID, src.Region, t, id)
	final := filepath.Join(dir, filepath.FromSlash(key))
	parent := filepath.Dir(final)
	made := missingDirs(parent)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Snapshot{}, fmt.Errorf("export: %w", err)
	}
	defer func() {
		if err != nil {
			for _, d := range made {
				os.Remove(d) // only if still empty
			}
		}
	}()
	tmp := final + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return Snapshot{}, fmt.Errorf("export: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close() // a second Close is harmless
			os.Remove(tmp)
		}
	}()
	zw := gzip.NewWriter(f)
	enc := ingest.NewSnapshotEncoder(zw, id)
	for it, rerr := range r.Items(ctx, src, o.At) {
		if rerr != nil {
			return Snapshot{}, fmt.Errorf("export: read the items of %s %s: %w", src.AccountID, src.Region, rerr)
		}
		if it.AccountID != src.AccountID || it.Region != src.Region {
			return Snapshot{}, fmt.Errorf("export: the reader gave an item of %s %s (%s %s) for a snapshot of %s %s",
				it.AccountID, it.Region, it.ResourceType, it.ResourceID, src.AccountID, src.Region)
		}
		if it.Deleted() {
			continue // a snapshot holds the resources that exist
		}
		if err := enc.Encode(&it); err != nil {
			return Snapshot{}, fmt.Errorf("export: write %s: %w", tmp, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return Snapshot{}, err
	}
	if err := enc.Close(); err != nil {
		return Snapshot{}, fmt.Errorf("export: write %s: %w", tmp, err)
	}
	if err := zw.Close(); err != nil {
		return Snapshot{}, fmt.Errorf("export: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return Snapshot{}, fmt.Errorf("export: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return Snapshot{}, fmt.Errorf("export: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Snapshot{}, fmt.Errorf("export: %w", err)
	}
	// The rename lasts once the directory is on disk too.
	if err := syncDir(parent); err != nil {
		return Snapshot{}, fmt.Errorf("export: sync %s: %w", parent, err)
	}
	return Snapshot{Path: final, Key: key, ID: id, Time: t, Items: enc.Count()}, nil
}

// missingDirs returns dir and those of its ancestors that do not exist,
// deepest first: what MkdirAll(dir) makes.
func missingDirs(dir string) []string {
	var missing []string
	for {
		if _, err := os.Lstat(dir); err == nil {
			return missing
		}
		missing = append(missing, dir)
		up := filepath.Dir(dir)
		if up == dir {
			return missing
		}
		dir = up
	}
}

// syncDir flushes a directory's entries to disk, where the system can
// (not on Windows, whose directories cannot be opened to sync).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
