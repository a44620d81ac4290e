package logbuf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an io.Writer that keeps what it is given and counts calls;
// delay slows each call down, fail makes them fail.
type recorder struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	calls int
	delay time.Duration
	fail  error
}

func (r *recorder) Write(p []byte) (int, error) {
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		return 0, r.fail
	}
	return r.buf.Write(p)
}

func (r *recorder) snapshot() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String(), r.calls
}

// TestOrderAndCompleteness writes numbered lines from many goroutines
// through a slow writer and checks that every line arrives whole, once,
// each goroutine's in its order, in fewer writes than lines.
func TestOrderAndCompleteness(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit int
	}{
		{"roomy", DefaultLimit},
		{"tight: Write flushes itself", 64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := &recorder{delay: 50 * time.Microsecond}
			w := NewLimit(out, tt.limit)
			const writers, lines = 8, 500
			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					for i := range lines {
						if _, err := fmt.Fprintf(w, "g%d %d\n", g, i); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, calls := out.snapshot()
			next := make([]int, writers)
			n := 0
			for line := range strings.Lines(got) {
				var g, i int
				if _, err := fmt.Sscanf(line, "g%d %d\n", &g, &i); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				if i != next[g] {
					t.Fatalf("goroutine %d: got line %d, want %d", g, i, next[g])
				}
				next[g]++
				n++
			}
			if n != writers*lines {
				t.Errorf("got %d lines, want %d", n, writers*lines)
			}
			if calls >= n {
				t.Errorf("%d writes for %d lines: nothing was gathered", calls, n)
			}
		})
	}
}

// TestWritesPromptly checks that a lone line is written without waiting
// for more, or for Close.
func TestWritesPromptly(t *testing.T) {
	out := &recorder{}
	w := New(out)
	defer w.Close()
	if _, err := w.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := out.snapshot(); got == "one\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the line was not written within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAfterClose checks that Close writes what is held, that later
// Writes go straight through, and that a second Close is harmless.
func TestAfterClose(t *testing.T) {
	out := &recorder{delay: time.Millisecond}
	w := New(out)
	for i := range 100 {
		if _, err := w.Write([]byte(strconv.Itoa(i) + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := out.snapshot()
	if n := strings.Count(got, "\n"); n != 100 {
		t.Fatalf("after Close: %d lines written, want 100", n)
	}
	if _, err := w.Write([]byte("late\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := out.snapshot(); !strings.HasSuffix(got, "99\nlate\n") {
		t.Errorf("write after Close: output ends %q", got[max(0, len(got)-20):])
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestError checks that the underlying writer's error reaches the callers.
func TestError(t *testing.T) {
	boom := errors.New("disk full")
	w := New(&recorder{fail: boom})
	_, _ = w.Write([]byte("a\n"))
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close: got %v, want %v", err, boom)
	}
	if _, err := w.Write([]byte("b\n")); !errors.Is(err, boom) {
		t.Errorf("Write after a failure: got %v, want %v", err, boom)
	}
}
