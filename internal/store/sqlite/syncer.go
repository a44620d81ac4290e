package sqlite

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// syncer makes committed batches durable and answers their callers: it
// fsyncs the write-ahead log once for every commit made since its last fsync,
// so the writer goes on to the next batch while the disk flushes the last
// one, and one fsync covers however many commits the writer made meanwhile.
//
// This is what synchronous=FULL would do inside COMMIT, moved off the writer:
// in WAL mode a transaction is durable once the log frames that hold it are,
// and the log is one file (the SQLite documentation, "Write-Ahead Logging",
// and "PRAGMA synchronous": with NORMAL, the log is synced only at
// checkpoints, and a checkpoint syncs the log before and the database after
// it copies frames across).
type syncer struct {
	walPath string
	dbFile  *os.File // fsynced instead of the log if the log is gone

	onIdle func() // called each time the syncer has answered everything queued

	mu      sync.Mutex
	queue   []ranReq // callers waiting for their commit to be durable
	busy    bool     // an fsync, or answering its callers, is under way
	through uint64   // the newest commit queued
	stopped bool
	wake    chan struct{} // buffered(1)
	done    chan struct{} // closed when the loop has answered everything

	// Only the loop goroutine touches these.
	wal    *os.File
	synced uint64 // the newest commit known durable

	flush func() error // fsync; tests replace it

	failed atomic.Pointer[error] // set once, by the first fsync that fails
	syncs  atomic.Int64
}

func newSyncer(dbPath string, onIdle func()) (*syncer, error) {
	db, err := os.Open(dbPath)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	sy := &syncer{
		walPath: dbPath + "-wal",
		dbFile:  db,
		onIdle:  onIdle,
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	sy.flush = sy.fsync
	go sy.loop()
	return sy, nil
}

// enqueue hands over callers whose fns ran in commit seq (0 if their batch
// wrote nothing; they still wait for the commits before theirs).
func (sy *syncer) enqueue(ran []ranReq, seq uint64) {
	sy.mu.Lock()
	sy.queue = append(sy.queue, ran...)
	sy.through = max(sy.through, seq)
	sy.mu.Unlock()
	select {
	case sy.wake <- struct{}{}:
	default:
	}
}

// idle reports whether the syncer has nothing queued and nothing under way:
// a commit handed over now would be fsynced at once.
func (sy *syncer) idle() bool {
	sy.mu.Lock()
	defer sy.mu.Unlock()
	return !sy.busy && len(sy.queue) == 0
}

// stop makes the loop answer what is queued and exit, and waits for it.
func (sy *syncer) stop() {
	sy.mu.Lock()
	sy.stopped = true
	sy.mu.Unlock()
	select {
	case sy.wake <- struct{}{}:
	default:
	}
	<-sy.done
}

// failure returns the error of the fsync that failed, if one has. After a
// failed fsync the kernel may have dropped the unwritten pages, so what the
// file holds is unknown: the store refuses every later Update, and only a
// restart (which recovers from what is on disk) makes it writable again.
func (sy *syncer) failure() error {
	if p := sy.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (sy *syncer) loop() {
	defer close(sy.done)
	var work []ranReq
	for {
		sy.mu.Lock()
		for len(sy.queue) == 0 && !sy.stopped {
			sy.mu.Unlock()
			<-sy.wake
			sy.mu.Lock()
		}
		if len(sy.queue) == 0 { // stopped, and nothing left
			sy.mu.Unlock()
			sy.close()
			return
		}
		work, sy.queue = sy.queue, work[:0]
		through := sy.through
		sy.busy = true
		sy.mu.Unlock()

		if through > sy.synced && sy.failure() == nil {
			if err := sy.flush(); err != nil {
				err = fmt.Errorf("sqlite: fsync the write-ahead log, the store takes no more writes until restarted: %w", err)
				sy.failed.CompareAndSwap(nil, &err)
			} else {
				sy.synced = through
				sy.syncs.Add(1)
			}
		}
		err := sy.failure()
		for _, x := range work {
			if err != nil {
				x.r.res <- err
			} else {
				x.r.res <- x.err
			}
		}
		clear(work)
		sy.mu.Lock()
		sy.busy = false
		idle := len(sy.queue) == 0
		sy.mu.Unlock()
		if idle {
			sy.onIdle()
		}
	}
}

// fsync flushes the write-ahead log. It keeps the log open between calls,
// and opens it again if SQLite has replaced the file. If there is no log,
// its frames are in the database file, which it flushes instead.
func (sy *syncer) fsync() error {
	fi, err := os.Stat(sy.walPath)
	if errors.Is(err, os.ErrNotExist) {
		return datasync(sy.dbFile)
	}
	if err != nil {
		return err
	}
	if sy.wal != nil {
		if cur, err := sy.wal.Stat(); err != nil || !os.SameFile(fi, cur) {
			_ = sy.wal.Close()
			sy.wal = nil
		}
	}
	if sy.wal == nil {
		if sy.wal, err = os.OpenFile(sy.walPath, os.O_RDWR, 0); err != nil {
			return err
		}
	}
	return datasync(sy.wal)
}

func (sy *syncer) close() {
	if sy.wal != nil {
		_ = sy.wal.Close()
	}
	_ = sy.dbFile.Close()
}
