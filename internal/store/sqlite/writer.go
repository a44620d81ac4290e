package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/starlingcfg/starling/internal/store"
)

// Request states. A request is queued until the writer takes it or its caller
// withdraws it; exactly one of the two wins the compare-and-swap.
const (
	stateQueued int32 = iota
	stateTaken
	stateWithdrawn
)

// request is one queued Update. The writer and the caller talk over three
// one-slot channels, so neither ever blocks on a send.
type request struct {
	ctx   context.Context
	fn    func(store.Tx) error
	state atomic.Int32

	turn chan *tx      // writer → caller: run fn now, with this Tx
	ran  chan fnResult // caller → writer: fn has returned, or unwound
	res  chan error    // writer → caller: the final answer
}

// fnResult is how fn ended. returned is false if fn panicked or called
// runtime.Goexit.
type fnResult struct {
	err      error
	returned bool
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{
		ctx:  ctx,
		fn:   fn,
		turn: make(chan *tx, 1),
		ran:  make(chan fnResult, 1),
		res:  make(chan error, 1),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.pending = append(s.pending, r)
	s.mu.Unlock()
	s.signal()

	done := ctx.Done()
	for {
		select {
		case t := <-r.turn:
			r.run(t)
		case err := <-r.res:
			return err
		case <-done:
			if r.state.CompareAndSwap(stateQueued, stateWithdrawn) {
				return ctx.Err() // the writer will skip it
			}
			// The writer has it: wait for the true outcome.
			done = nil
		}
	}
}

// run calls fn on the caller's goroutine and reports to the writer how it
// ended. A panic is not recovered: it goes on unwinding the caller once the
// deferred report is sent, and the writer drops fn's writes.
func (r *request) run(t *tx) {
	var res fnResult
	defer func() { r.ran <- res }()
	err := r.fn(t)
	res = fnResult{err: err, returned: true}
}

// signal wakes the writer loop if it is waiting.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the writer goroutine. It runs queued Updates one after
// another into an open batch, and commits the batch when the syncer is idle
// (or the batch is full, or the store is closing), so that the batch is
// everything that arrived while the last fsync ran: one commit and one fsync
// for all of it. When the store is closed and nothing is left, it lets the
// syncer answer the last batches and stop.
func (s *Store) writeLoop() {
	defer close(s.writerDone)
	defer s.sync.stop()
	var buf []*request
	for {
		var ok bool
		buf, ok = s.nextRequests(buf[:0])
		if !ok {
			return
		}
		for _, r := range buf {
			s.runFn(r)
		}
		clear(buf) // drop references for the garbage collector
		if len(s.open.ran) > 0 && (len(s.open.ran) >= s.opts.MaxBatch || s.sync.idle() || s.isClosed()) {
			s.commitOpen()
		}
	}
}

// openBatch is the batch the writer is filling: the fns that have run and
// their writes, not yet committed.
type openBatch struct {
	changes   changes
	ran       []ranReq
	committed int // fns that returned nil
}

// nextRequests waits until there is something to do and moves up to
// MaxBatch queued requests into buf (fewer once the open batch holds some),
// leaving out those whose callers withdrew. It returns with an empty buf when
// the open batch should be committed now (the syncer went idle), and false
// once the store is closed and nothing is left to do.
func (s *Store) nextRequests(buf []*request) ([]*request, bool) {
	s.mu.Lock()
	for len(s.pending) == 0 {
		if len(s.open.ran) > 0 && (s.closed || s.sync.idle()) {
			s.mu.Unlock()
			return buf, true
		}
		if s.closed {
			s.mu.Unlock()
			return buf, false
		}
		s.mu.Unlock()
		<-s.wake
		s.mu.Lock()
	}
	n := min(len(s.pending), max(1, s.opts.MaxBatch-len(s.open.ran)))
	for _, r := range s.pending[:n] {
		if r.state.CompareAndSwap(stateQueued, stateTaken) {
			buf = append(buf, r)
		}
	}
	left := copy(s.pending, s.pending[n:])
	clear(s.pending[left:])
	s.pending = s.pending[:left]
	s.mu.Unlock()
	return buf, true
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// runFn runs r's fn, on its caller's goroutine, against the memory table: it
// sees the committed records overlaid with the writes of the fns before it in
// the open batch, and its own writes join the batch only if it returns nil.
func (s *Store) runFn(r *request) {
	if err := r.ctx.Err(); err != nil {
		r.res <- err // ctx ended before its turn: fn does not run
		return
	}
	t := &tx{m: s.mem, ctx: r.ctx, writable: true, batch: &s.open.changes}
	r.turn <- t
	res := <-r.ran
	t.finish()
	if res.returned && res.err == nil {
		s.open.changes.absorb(&t.local)
		s.open.committed++
	}
	if res.returned { // after a panic nobody is listening
		s.open.ran = append(s.open.ran, ranReq{r, res.err})
	} else {
		// Nobody waits for a panicked caller's answer, but the batch still
		// has to be committed for the callers after it.
		s.open.ran = append(s.open.ran, ranReq{r: nil})
	}
}

// commitOpen writes the open batch's changes to SQLite in one transaction,
// installs them in the memory table as the next commit, and hands the
// callers to the syncer, which answers them once the write-ahead log holding
// that commit is on disk.
//
// Every caller whose fn ran waits for that fsync, even one whose fn failed:
// the failure may rest on what an earlier, not yet durable write made true
// (ErrExists, say). If the SQLite transaction fails, nothing of the batch is
// kept and every caller whose fn ran gets that failure; so does every caller
// once an fsync has failed.
func (s *Store) commitOpen() {
	b := &s.open
	ran := make([]ranReq, 0, len(b.ran))
	for _, x := range b.ran {
		if x.r != nil {
			ran = append(ran, x)
		}
	}
	defer func() {
		b.changes.clear()
		clear(b.ran)
		b.ran = b.ran[:0]
		b.committed = 0
	}()
	if err := s.sync.failure(); err != nil {
		for _, x := range ran {
			x.r.res <- err
		}
		return
	}
	if b.changes.empty() {
		s.sync.enqueue(ran, 0) // nothing to write
		return
	}
	if err := s.write(&b.changes); err != nil {
		err = fmt.Errorf("sqlite: group commit failed, nothing written: %w", err)
		for _, x := range ran {
			x.r.res <- err
		}
		return
	}
	s.seq++
	s.mem.apply(s.seq, &b.changes)
	s.commits.Add(1)
	s.updates.Add(int64(b.committed))
	if s.opts.Sync == SyncNormal {
		for _, x := range ran {
			x.r.res <- x.err
		}
		return
	}
	s.sync.enqueue(ran, s.seq)
}

// write writes the changes to SQLite in one transaction. COMMIT hands the
// frames to the operating system (synchronous=NORMAL), which is enough to
// survive the process being killed; the syncer's fsync makes them survive
// power loss.
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
				_, err = w.delete.Exec(p.account, p.region, string(p.kind), id)
			} else {
				_, err = w.put.Exec(p.account, p.region, string(p.kind), id, ch.doc)
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

// ranReq is a request whose fn has run, and fn's result, to be answered once
// the batch is durable.
type ranReq struct {
	r   *request
	err error
}
