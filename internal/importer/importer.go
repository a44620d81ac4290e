// Package importer imports the configuration snapshot and configuration
// history files that AWS Config delivers to S3, as they are: single files
// (.json or .json.gz), directories, and whole delivery trees
// (AWSLogs/<account>/Config/<region>/<yyyy>/<m>/<d>/ConfigSnapshot|ConfigHistory/…)
// holding many accounts and regions. Each configuration item goes to the
// source (account, region) that recorded it, into a Sink: the CI store
// itself (starling import --data, --store) or a running server's ingest API
// (--endpoint).
//
// A file is imported whole or not at all: its items are all checked before
// any of them is written, and a file that is not JSON, not a delivery file,
// a truncated gzip or holds an item without its keys is reported with its
// path and the reason, while the other files are still imported. Importing
// the same files again changes nothing: a version is identified by its
// resource and configurationStateId, and a snapshot's items and the history
// files' merge into one history per resource.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Sink receives the items of checked files, in batches that may mix
// sources.
type Sink interface {
	// Write records the items and counts what it did with them. It
	// returns a *Refused error when it refused some sources' items for a
	// reason of theirs (the files holding them fail, the import goes on);
	// any other error stops the import.
	Write(ctx context.Context, items []inventory.Item) (inventory.WriteResult, error)
}

// Refused is the error of a Sink that recorded some of a batch's sources
// and refused others: Result counts what it recorded, Sources says why
// each refused source was refused.
type Refused struct {
	Result  inventory.WriteResult
	Sources map[inventory.Source]error
}

func (e *Refused) Error() string {
	var msgs []string
	for src, err := range e.Sources {
		msgs = append(msgs, fmt.Sprintf("%s %s: %v", src.AccountID, src.Region, err))
	}
	slices.Sort(msgs)
	return "refused: " + strings.Join(msgs, "; ")
}

// Defaults of Options.
const (
	DefaultBatchItems   = 2000
	DefaultMaxFileItems = 20000
)

// Options tunes an import. The zero value is ready to use.
type Options struct {
	// Workers is how many files are read at once; 0 means GOMAXPROCS.
	Workers int
	// Writers is how many batches are written at once; 0 means 1 (SQLite
	// has one writer; PostgreSQL and a server take several).
	Writers int
	// BatchItems is the number of items per Sink.Write; 0 means
	// DefaultBatchItems.
	BatchItems int
	// MaxFileItems is how many items of one file are held in memory while
	// it is checked; a larger file is checked first and read again to be
	// written, so that memory stays bounded. 0 means DefaultMaxFileItems.
	MaxFileItems int
	// OnFileError, when set, is called with each file that fails, as it
	// fails, from any goroutine (one call at a time).
	OnFileError func(*FileError)
}

// FileError is a file that was not imported, and why.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Summary is what an import did.
type Summary struct {
	// Files is the number of files found; Imported of them were imported
	// whole, Failed were not (Errors says why).
	Files, Imported, Failed int
	// Items is the number of configuration items written (of files
	// imported whole or not); Result what the sink did with them.
	Items  int64
	Result inventory.WriteResult
	Errors []*FileError
	// Elapsed is the time from the start to the end of the import.
	Elapsed time.Duration
}

// Progress is a running import's state, for a progress display.
type Progress struct {
	Files, FilesDone int
	Items            int64 // items written so far
	Elapsed          time.Duration
}

// Importer runs one import. Make it with New, then call Run once; Progress
// may be called from another goroutine meanwhile.
type Importer struct {
	sink  Sink
	opts  Options
	start time.Time
	paths []string // the files of Run

	files     atomic.Int64
	filesDone atomic.Int64
	items     atomic.Int64

	mu       sync.Mutex // guards what follows, and calls of OnFileError
	state    []fileState
	failed   []*FileError
	result   inventory.WriteResult
	imported int
}

// fileState follows one file's chunks to the sink.
type fileState struct {
	written int  // chunks written
	total   int  // chunks sent, known once the last is (last)
	last    bool // the last chunk was sent
	failed  bool
}

// New returns an importer into sink.
func New(sink Sink, opts Options) *Importer {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Writers <= 0 {
		opts.Writers = 1
	}
	if opts.BatchItems <= 0 {
		opts.BatchItems = DefaultBatchItems
	}
	if opts.MaxFileItems <= 0 {
		opts.MaxFileItems = DefaultMaxFileItems
	}
	opts.MaxFileItems = max(opts.MaxFileItems, opts.BatchItems)
	return &Importer{sink: sink, opts: opts}
}

// Progress returns the import's progress so far.
func (im *Importer) Progress() Progress {
	p := Progress{Files: int(im.files.Load()), FilesDone: int(im.filesDone.Load()), Items: im.items.Load()}
	if !im.start.IsZero() {
		p.Elapsed = time.Since(im.start)
	}
	return p
}

// Find returns the files that paths name: each path that is a file, and
// under each directory (recursively) the files whose names end in .json or
// .json.gz, in lexical order; other files under a directory (such as AWS
// Config's ConfigWritabilityCheckFile) are not delivery files and are
// passed over. A path that does not exist is an error.
func Find(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.Type().IsRegular() && (strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// chunk is some of one file's items, on their way to the sink.
type chunk struct {
	file  int
	seq   int  // the chunk's number within its file, from 0
	last  bool // no chunk of the file follows
	items []inventory.Item
	srcs  []inventory.Source // the sources of items, each once
}

// Run imports files (as Find returns them) and returns what it did. It
// returns an error only for what stops the whole import: the sink's
// failures (a store that cannot be written, a server that cannot be
// reached) or ctx's end; files that fail are in the Summary, and the
// import goes on without them.
func (im *Importer) Run(ctx context.Context, files []string) (Summary, error) {
	im.start = time.Now()
	im.paths = files
	im.files.Store(int64(len(files)))
	im.state = make([]fileState, len(files))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Readers check files and send their chunks; writers gather chunks
	// into batches for the sink.
	next := make(chan int)
	chunks := make(chan chunk, 2*im.opts.Workers)
	var readers sync.WaitGroup
	for range im.opts.Workers {
		readers.Go(func() {
			for i := range next {
				if err := im.readFile(ctx, i, files[i], chunks); err != nil {
					im.fail(i, err)
				}
			}
		})
	}
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		readers.Wait()
		close(chunks)
	}()

	var writers sync.WaitGroup
	for range im.opts.Writers {
		writers.Go(func() {
			if err := im.write(ctx, chunks); err != nil {
				cancel(err)
			}
		})
	}
	writers.Wait()
	for range chunks { // after a fatal error: let the readers end
	}

	im.mu.Lock()
	defer im.mu.Unlock()
	sum := Summary{
		Files: len(files), Imported: im.imported, Failed: len(im.failed),
		Items: im.items.Load(), Result: im.result, Errors: im.failed, Elapsed: time.Since(im.start),
	}
	slices.SortFunc(sum.Errors, func(a, b *FileError) int { return strings.Compare(a.Path, b.Path) })
	if err := context.Cause(ctx); err != nil {
		return sum, err
	}
	return sum, nil
}

// write gathers chunks into batches of about BatchItems and writes them,
// until chunks is closed or the sink fails.
func (im *Importer) write(ctx context.Context, chunks <-chan chunk) error {
	var batch []inventory.Item
	var parts []chunk // the chunks in batch, items dropped
	flush := func() error {
		if len(parts) == 0 {
			return nil
		}
		var res inventory.WriteResult
		var refused *Refused
		if len(batch) > 0 {
			var err error
			res, err = im.sink.Write(ctx, batch)
			switch {
			case errors.As(err, &refused):
				res = refused.Result
			case err != nil:
				return err
			}
		}
		written := len(batch)
		if refused != nil {
			for i := range batch {
				if refused.Sources[batch[i].Source] != nil {
					written--
				}
			}
		}
		im.items.Add(int64(written))
		im.mu.Lock()
		im.result.Add(res)
		im.mu.Unlock()
		for _, c := range parts {
			var why error
			if refused != nil {
				for _, src := range c.srcs {
					if why = refused.Sources[src]; why != nil {
						break
					}
				}
			}
			im.chunkWritten(c, why)
		}
		batch, parts = batch[:0], parts[:0]
		return nil
	}
	for c := range chunks {
		if ctx.Err() != nil {
			continue // drain
		}
		if im.isFailed(c.file) {
			im.chunkWritten(c, nil)
			continue
		}
		c.items, batch = nil, append(batch, c.items...)
		parts = append(parts, c)
		if len(batch) >= im.opts.BatchItems {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return flush()
}

// isFailed reports whether file i has failed.
func (im *Importer) isFailed(i int) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.state[i].failed
}

// sent records that chunk c of a file is on its way.
func (im *Importer) sent(c chunk) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if c.last {
		im.state[c.file].last = true
		im.state[c.file].total = c.seq + 1
	}
}

// chunkWritten records that chunk c was written, or refused for why.
func (im *Importer) chunkWritten(c chunk, why error) {
	im.mu.Lock()
	st := &im.state[c.file]
	st.written++
	done := !st.failed && st.last && st.written == st.total
	im.mu.Unlock()
	if why != nil {
		im.fail(c.file, why)
		return
	}
	if done {
		im.mu.Lock()
		im.imported++
		im.mu.Unlock()
		im.filesDone.Add(1)
	}
}

// fail records that file i failed for err (once per file).
func (im *Importer) fail(i int, err error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	st := &im.state[i]
	if st.failed {
		return
	}
	st.failed = true
	var fe *FileError
	if !errors.As(err, &fe) {
		fe = &FileError{Path: im.paths[i], Err: err}
	}
	im.failed = append(im.failed, fe)
	im.filesDone.Add(1)
	if im.opts.OnFileError != nil {
		im.opts.OnFileError(fe)
	}
}
