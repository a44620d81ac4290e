package sqlite

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// batch is a group of Updates whose fns the writer has run, with their
// writes, handed to the committer to make durable.
type batch struct {
	changes   changes
	ran       []ranReq
	size      int // fns run, a panicked one included
	committed int // fns that returned nil
	// failGen is the store's count of failed batches when the batch's first
	// fn ran. The fns read the batches handed over before them; if one of
	// those fails later, the count moves on and this batch fails too.
	failGen int64
}

// committer is the goroutine after the writer. For each batch the writer
// hands over it writes the changes to SQLite in one transaction and installs
// them in the memory table as the next commit; then, with SyncFull, it
// fsyncs the write-ahead log once for all the batches it just committed; and
// then it answers their callers. The writer runs the next fns meanwhile, and
// hands over what they wrote when the committer is idle, so a batch is
// everything that arrived while the last commit (and fsync) ran.
//
// With SyncFull this is synchronous=FULL done outside SQLite: in WAL mode a
// transaction is durable once the log frames that hold it are, and the log
// is one file ("Write-Ahead Logging" and "PRAGMA synchronous" in the SQLite
// documentation: with NORMAL the log is synced only at checkpoints, and a
// checkpoint syncs the log before, and the database after, copying frames).
type committer struct {
	s       *Store
	walPath string
	dbFile  *os.File // the store's; fsynced instead of the log if the log is gone

	mu      sync.Mutex
	queue   []*batch
	busy    bool // committing, fsyncing or answering
	stopped bool
	wake    chan struct{} // buffered(1)
	done    chan struct{} // closed when the loop has answered everything

	// Only the loop goroutine touches these.
	wal   *os.File
	flush func() error // fsync; tests replace it

	failed   atomic.Pointer[error] // set once, by the first fsync that fails
	failures atomic.Int64          // batches whose SQLite transaction failed
	syncs    atomic.Int64
}

func newCommitter(s *Store, dbPath string) *committer {
	c := &committer{
		s:       s,
		walPath: dbPath + "-wal",
		dbFile:  s.dbFile,
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	c.flush = c.fsync
	return c
}

func (c *committer) start() { go c.loop() }

// enqueue hands a batch over.
func (c *committer) enqueue(b *batch) {
	c.mu.Lock()
	c.queue = append(c.queue, b)
	c.mu.Unlock()
	c.poke()
}

func (c *committer) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// idle reports whether the committer has nothing queued and nothing under
// way: a batch handed over now would be committed at once.
func (c *committer) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.busy && len(c.queue) == 0
}

// stop makes the loop finish what is queued and exit, and waits for it.
func (c *committer) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	c.poke()
	<-c.done
}

// failure returns the error of the fsync that failed, if one has. After a
// failed fsync the kernel may have dropped the unwritten pages, so what the
// file holds is unknown: the store refuses every later Update, and only a
// restart (which recovers from what is on disk) makes it writable again.
func (c *committer) failure() error {
	if p := c.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *committer) loop() {
	defer close(c.done)
	var work []*batch
	for {
		c.mu.Lock()
		for len(c.queue) == 0 && !c.stopped {
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
		if len(c.queue) == 0 { // stopped, and nothing left
			c.mu.Unlock()
			c.close()
			return
		}
		work, c.queue = c.queue, work[:0]
		c.busy = true
		c.mu.Unlock()

		c.run(work)
		clear(work)

		c.mu.Lock()
		c.busy = false
		idle := len(c.queue) == 0
		c.mu.Unlock()
		if idle {
			c.s.signal() // the writer may be holding a batch for this moment
		}
	}
}

// run commits the batches in order, fsyncs once if it must, and answers.
func (c *committer) run(work []*batch) {
	s := c.s
	results := make([]error, len(work)) // a failure of the whole batch
	wrote := false
	// The connection is the committer's for the whole run: a Backup copies
	// its next pages before or after it, so an Update waits for at most one
	// of its steps.
	s.connMu.Lock()
	for i, b := range work {
		switch {
		case c.failure() != nil:
			results[i] = c.failure()
		case b.failGen != c.failures.Load():
			results[i] = errors.New("sqlite: an earlier write this Update read failed, so nothing of it was written")
		case b.changes.empty():
			// Nothing to write; its callers are answered in order with the rest.
		default:
			if err := s.write(&b.changes); err != nil {
				results[i] = fmt.Errorf("sqlite: group commit failed, nothing written: %w", err)
				break
			}
			s.seq++
			s.mem.apply(s.seq, &b.changes)
			s.commits.Add(1)
			s.updates.Add(int64(b.committed))
			wrote = true
			continue
		}
		if !b.changes.empty() {
			s.mem.dropPending(&b.changes)
			if results[i] != nil && c.failure() == nil {
				// Remove before counting: a batch that read these changes
				// either began before the count moved on, and fails, or
				// after, and could not see them.
				c.failures.Add(1)
			}
		}
	}
	s.connMu.Unlock()
	if wrote && s.opts.Sync == SyncFull && c.failure() == nil {
		if err := c.flush(); err != nil {
			err = fmt.Errorf("sqlite: fsync the write-ahead log, the store takes no more writes until restarted: %w", err)
			c.failed.CompareAndSwap(nil, &err)
		} else {
			c.syncs.Add(1)
		}
	}
	synced := c.failure()
	for i, b := range work {
		for _, x := range b.ran {
			switch {
			case results[i] != nil:
				x.r.res <- results[i]
			case synced != nil && s.opts.Sync == SyncFull:
				x.r.res <- synced
			default:
				x.r.res <- x.err
			}
		}
	}
}

// fsync flushes the write-ahead log. It keeps the log open between calls,
// and opens it again if SQLite has replaced the file. If there is no log,
// its frames are in the database file, which it flushes instead.
func (c *committer) fsync() error {
	fi, err := os.Stat(c.walPath)
	if errors.Is(err, os.ErrNotExist) {
		return datasync(c.dbFile)
	}
	if err != nil {
		return err
	}
	if c.wal != nil {
		if cur, err := c.wal.Stat(); err != nil || !os.SameFile(fi, cur) {
			_ = c.wal.Close()
			c.wal = nil
		}
	}
	if c.wal == nil {
		if c.wal, err = os.OpenFile(c.walPath, os.O_RDWR, 0); err != nil {
			return err
		}
	}
	return datasync(c.wal)
}

// close closes the log, which it opened itself; the database file is the
// store's, closed after SQLite's connection (see dirLocks).
func (c *committer) close() {
	if c.wal != nil {
		_ = c.wal.Close()
	}
}

// write writes the changes to SQLite in one transaction. COMMIT hands the
// frames to the operating system (synchronous=NORMAL), which is enough to
// survive the process being killed; the committer's fsync (SyncFull) makes
// them survive power loss. The caller holds connMu, so a Backup copies
// pages only between transactions.
func (s *Store) write(c *changes) (err error) {
	w := &s.w.st
	if _, err := w.begin.Exec(); err != nil {
		_, _ = w.rollback.Exec()
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = w.rollback.Exec() // fails harmlessly if SQLite already rolled back
		}
	}()
	if c.reset {
		if _, err := w.reset.Exec(); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	for p, byID := range c.parts {
		for id, ch := range byID {
			if ch.deleted {
				_, err = w.delete.Exec(p.owner, p.region, string(p.kind), id)
			} else {
				_, err = w.put.Exec(p.owner, p.region, string(p.kind), id, ch.doc)
			}
			if err != nil {
				return fmt.Errorf("write %s %q: %w", p.kind, id, err)
			}
		}
	}
	if _, err := w.commit.Exec(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
