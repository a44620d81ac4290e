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

	turn chan *tx      // writer → caller: run fn now, in this transaction
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
// deferred report is sent, and the writer rolls fn's savepoint back.
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

// writeLoop is the writer goroutine: it runs queued Updates in batches until
// the store is closed and nothing is left in the queue.
func (s *Store) writeLoop() {
	defer close(s.writerDone)
	var buf []*request
	for {
		var ok bool
		buf, ok = s.nextBatch(buf[:0])
		if !ok {
			return
		}
		for rest := buf; len(rest) > 0; {
			rest = s.runTxn(rest)
		}
		clear(buf) // drop references for the garbage collector
	}
}

// nextBatch waits for queued requests and moves up to MaxBatch of them into
// buf, leaving out those whose callers withdrew. It returns false once the
// store is closed and the queue is empty.
func (s *Store) nextBatch(buf []*request) ([]*request, bool) {
	s.mu.Lock()
	for len(s.pending) == 0 {
		if s.closed {
			s.mu.Unlock()
			return buf, false
		}
		s.mu.Unlock()
		<-s.wake
		s.mu.Lock()
	}
	n := min(len(s.pending), s.opts.MaxBatch)
	taken := s.pending[:n]
	for _, r := range taken {
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

// runTxn runs reqs in one transaction and answers them: each fn in its own
// savepoint, then one COMMIT. Every caller whose fn ran is answered only after
// that COMMIT: with nil (its writes are durable) or with its fn's error. The
// error waits too, because fn may have failed on what an earlier fn of the
// batch wrote (ErrExists, say), which is only true once committed. If the
// COMMIT fails, every caller gets that failure.
//
// If the transaction breaks part-way (SQLite rolls the whole transaction back
// on some I/O errors, say), the callers whose fns ran in it get an error, and
// runTxn returns the requests it has not run yet, for a new transaction.
func (s *Store) runTxn(reqs []*request) (rest []*request) {
	w := &s.w.st
	if _, err := w.begin.Exec(); err != nil {
		err = fmt.Errorf("sqlite: begin transaction: %w", err)
		_, _ = w.rollback.Exec()
		for _, r := range reqs {
			r.res <- err
		}
		return nil
	}
	ran := s.ran[:0]
	defer func() { s.ran = ran[:0]; clear(ran[:cap(ran)]) }()
	committed := 0
	for i, r := range reqs {
		if err := r.ctx.Err(); err != nil {
			r.res <- err // ctx ended before its turn: fn does not run
			continue
		}
		if _, err := w.savepoint.Exec(); err != nil {
			r.res <- fmt.Errorf("sqlite: savepoint: %w", err)
			s.abort(ran, err)
			return reqs[i+1:]
		}
		t := &tx{c: s.w, ctx: r.ctx, writable: true}
		r.turn <- t
		res := <-r.ran
		t.finish()
		var err error
		if res.returned && res.err == nil {
			_, err = w.release.Exec()
			committed++
		} else {
			// fn failed or panicked: undo its writes, and only its writes.
			if _, err = w.undoSub.Exec(); err == nil {
				_, err = w.release.Exec()
			}
		}
		if res.returned { // after a panic nobody is listening
			ran = append(ran, ranReq{r, res.err})
		}
		if err != nil {
			s.abort(ran, fmt.Errorf("sqlite: end savepoint: %w", err))
			return reqs[i+1:]
		}
	}
	if _, err := w.commit.Exec(); err != nil {
		s.abort(ran, fmt.Errorf("sqlite: commit: %w", err))
		return nil
	}
	s.commits.Add(1)
	s.updates.Add(int64(committed))
	for _, x := range ran {
		x.r.res <- x.err
	}
	return nil
}

// ranReq is a request whose fn has run in the open transaction, and fn's
// result, to be answered after the COMMIT.
type ranReq struct {
	r   *request
	err error
}

// abort rolls back the open transaction, if SQLite has not already done so,
// and fails the callers whose fns ran in it.
func (s *Store) abort(ran []ranReq, cause error) {
	_, _ = s.w.st.rollback.Exec() // fails harmlessly if no transaction is open
	err := fmt.Errorf("sqlite: group commit failed, nothing written: %w", cause)
	for _, x := range ran {
		x.r.res <- err
	}
}
