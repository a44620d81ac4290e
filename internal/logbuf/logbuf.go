// Package logbuf batches log lines into few writes.
//
// A server that logs a line per request with a handler writing to stderr
// makes a write(2) per request, which on the project's VM cost as much
// server CPU as the rest of a BatchGetResourceConfig's logging and half as
// much as its database read (docs/performance.md, "Access log"). A Writer
// hands lines to a goroutine that writes what gathered within a millisecond
// of the first in one call: under load, many lines share a write.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// DefaultLimit is the number of bytes a Writer holds before Write waits
// for them to be written.
const DefaultLimit = 256 << 10

// gather is how long the goroutine lets lines gather after the first
// before it writes them: long enough that a busy server's lines share a
// write (a wake-up per line costs about what the write did), short enough
// that a line is in the log before anyone looks.
const gather = time.Millisecond

// Writer is an io.Writer that passes what it is given to another writer
// from a goroutine of its own, in order, gathering what arrives while a
// write is under way into the next one. Lines it holds when the process is
// killed are lost; Close writes them all. Safe for concurrent use.
type Writer struct {
	out   io.Writer
	limit int

	// wmu is held while writing to out, and while taking the buffer to
	// write, so that batches reach out in the order they were taken.
	wmu   sync.Mutex
	spare []byte // guarded by wmu

	mu     sync.Mutex
	buf    []byte // guarded by mu
	closed bool   // guarded by mu
	err    error  // the first error out returned; guarded by mu

	kick chan struct{}
	done chan struct{}
}

// New returns a Writer to out that holds at most DefaultLimit bytes, and
// starts its goroutine; Close stops it.
func New(out io.Writer) *Writer {
	return NewLimit(out, DefaultLimit)
}

// NewLimit is New with a limit of its own.
func NewLimit(out io.Writer, limit int) *Writer {
	w := &Writer{out: out, limit: limit, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// Write copies p to the buffer and returns; the goroutine writes it. When
// the buffer holds limit bytes it first writes them itself. After Close it
// writes p directly. It returns the first error the underlying writer
// returned, if any, but keeps passing lines on.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.wmu.Lock()
		defer w.wmu.Unlock()
		w.flushLocked() // anything Close has not written yet goes first
		return w.out.Write(p)
	}
	if len(w.buf) > 0 && len(w.buf)+len(p) > w.limit {
		w.mu.Unlock()
		w.flush()
		w.mu.Lock()
		if w.closed { // Close ran meanwhile
			w.mu.Unlock()
			return w.Write(p)
		}
	}
	w.buf = append(w.buf, p...)
	err := w.err
	// The kick is sent under mu, so never after Close has closed the
	// channel (it sets closed first, under mu).
	select {
	case w.kick <- struct{}{}:
	default:
	}
	w.mu.Unlock()
	return len(p), err
}

// flush writes what the buffer holds.
func (w *Writer) flush() {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.flushLocked()
}

// flushLocked is flush with wmu held.
func (w *Writer) flushLocked() {
	w.mu.Lock()
	b := w.buf
	w.buf = w.spare[:0]
	w.mu.Unlock()
	if len(b) == 0 {
		w.spare = b
		return
	}
	_, err := w.out.Write(b)
	if cap(b) > 4*w.limit {
		b = nil // a huge line: let it go
	}
	w.spare = b[:0]
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
}

func (w *Writer) run() {
	defer close(w.done)
	for range w.kick {
		time.Sleep(gather)
		w.flush()
	}
}

// Close writes what is buffered and stops the goroutine; later Writes go
// straight to the underlying writer. It returns the first error that writer
// returned.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		err := w.err
		w.mu.Unlock()
		return err
	}
	w.closed = true
	close(w.kick)
	w.mu.Unlock()
	<-w.done
	w.flush()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
