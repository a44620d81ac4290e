package sqlite

import (
	"context"
	"runtime"
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

// request is one queued Update. The writer and the caller talk over two
// one-slot channels, so neither ever blocks on a send.
type request struct {
	ctx   context.Context
	fn    func(store.Tx) error
	state atomic.Int32

	res     chan error     // the final answer, once the batch is durable
	unwound chan unwinding // fn panicked or called runtime.Goexit
}

// unwinding is how fn left without returning: a panic with its value, or
// runtime.Goexit.
type unwinding struct {
	panicked bool
	value    any
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{
		ctx:     ctx,
		fn:      fn,
		res:     make(chan error, 1),
		unwound: make(chan unwinding, 1),
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
		case err := <-r.res:
			return err
		case u := <-r.unwound:
			// Unwind the caller as fn unwound the writer.
			if u.panicked {
				panic(u.value)
			}
			runtime.Goexit()
		case <-done:
			if r.state.CompareAndSwap(stateQueued, stateWithdrawn) {
				return ctx.Err() // the writer will skip it
			}
			// The writer has it: wait for the true outcome.
			done = nil
		}
	}
}

// signal wakes the writer loop if it is waiting.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the writer goroutine. It runs queued Updates one after
// another into an open batch, and hands the batch to the committer when the
// committer is idle (or the batch is full, or the store is closing), so that
// a batch is everything that arrived while the last commit ran. When the
// store is closed and nothing is left, it lets the committer finish and stop.
func (s *Store) writeLoop() {
	for {
		if s.next == len(s.taken) {
			clear(s.taken) // drop references for the garbage collector
			var ok bool
			if s.taken, ok = s.nextRequests(s.taken[:0]); !ok {
				break
			}
			s.next = 0
		}
		for s.next < len(s.taken) {
			r := s.taken[s.next]
			s.next++
			s.runFn(r)
		}
		if s.open != nil && (s.open.size >= s.opts.MaxBatch || s.commit.idle() || s.isClosed()) {
			if s.open.size < s.opts.MaxBatch && s.yields < maxYields && s.yieldForMore() {
				continue // more arrived: run them into this batch first
			}
			s.yields = 0
			s.handOff()
		}
	}
	// Not deferred: if fn calls runtime.Goexit, the writer goroutine unwinds
	// through here, and a new one carries on (see runFn).
	s.commit.stop()
	close(s.writerDone)
}

// maxYields bounds how many times in a row the writer yields for more
// requests before it hands an unfull batch to an idle committer.
const maxYields = 2

// yieldForMore yields the processor once, so that goroutines about to call
// Update (request handlers between reading a body and calling the service)
// can run, and reports whether any Update was queued meanwhile. Under load a
// batch grows this way from about one Update to several, and every Update
// after the first saves its share of a commit: BEGIN, COMMIT and the write
// of the log's frames, most of the store's CPU per Update. With nothing else
// runnable it costs well under a microsecond.
func (s *Store) yieldForMore() bool {
	s.yields++
	runtime.Gosched()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0
}

// nextRequests waits until there is something to do and moves up to
// MaxBatch queued requests into buf (fewer once the open batch holds some),
// leaving out those whose callers withdrew. It returns with an empty buf when
// the open batch should be handed over now (the committer went idle), and
// false once the store is closed and nothing is left to do.
func (s *Store) nextRequests(buf []*request) ([]*request, bool) {
	s.mu.Lock()
	for len(s.pending) == 0 {
		if s.open != nil && (s.closed || s.commit.idle()) {
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
	room := s.opts.MaxBatch
	if s.open != nil {
		room = max(1, room-s.open.size)
	}
	n := min(len(s.pending), room)
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

// runFn runs r's fn on the writer goroutine against the memory table: fn
// sees the committed records overlaid with the writes of the batches handed
// to the committer and of the fns before it in the open batch, and its own
// writes join the open batch only if it returns nil.
//
// If fn panics, its caller panics with the same value; if fn calls
// runtime.Goexit, its caller does too, and since that ends the writer
// goroutine, a new one takes over the requests this one had taken.
func (s *Store) runFn(r *request) {
	if err := r.ctx.Err(); err != nil {
		r.res <- err // ctx ended before its turn: fn does not run
		return
	}
	if s.open == nil {
		s.open = &batch{failGen: s.commit.failures.Load()}
	}
	b := s.open
	b.size++
	t := &tx{m: s.mem, ctx: r.ctx, writable: true, batch: &b.changes}
	returned := false
	defer func() {
		t.finish()
		if returned {
			return
		}
		if v := recover(); v != nil {
			r.unwound <- unwinding{panicked: true, value: v}
			return // the writer goes on; fn's writes are dropped
		}
		r.unwound <- unwinding{}
		go s.writeLoop() // this goroutine is ending: hand over to a new one
	}()
	err := r.fn(t)
	returned = true
	if err == nil {
		b.changes.absorb(&t.local)
		b.committed++
	}
	// Even a failed fn's caller waits for the batch: its failure may rest on
	// what an earlier, not yet durable write made true (ErrExists, say).
	b.ran = append(b.ran, ranReq{r, err})
}

// handOff gives the open batch to the committer. Its changes stay visible to
// the writer's later fns (as pending in the memory table) until the committer
// has installed them, or dropped them because they could not be written.
func (s *Store) handOff() {
	b := s.open
	s.open = nil
	if !b.changes.empty() {
		s.mem.addPending(&b.changes)
	}
	s.commit.enqueue(b)
}

// ranReq is a request whose fn has run, and fn's result, to be answered once
// the batch is durable.
type ranReq struct {
	r   *request
	err error
}
