package inventorytest

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Calls returns one call of each of st's methods but Close, by method
// name, for a test that every one fails the same way: after Close, with a
// cancelled context, on a database that is down. Each call passes ctx and
// returns the method's error (Scan's first). Write writes it; Get, BatchGet
// (of its key twice) and History read its key; List, Count (by region) and
// Scan read every source, "Scan at" as of its capture time (ScanQuery.At);
// Prune prunes its source before its capture time; LockSource takes its
// source's lock (and releases it if it got it).
func Calls(ctx context.Context, st inventory.Store, it inventory.Item) map[string]func() error {
	k := it.Key
	all := inventory.AllSources()
	return map[string]func() error{
		"Write":    func() error { _, err := st.Write(ctx, []inventory.Item{it}); return err },
		"Get":      func() error { _, err := st.Get(ctx, k); return err },
		"BatchGet": func() error { _, err := st.BatchGet(ctx, []inventory.Key{k, k}); return err },
		"List":     func() error { _, err := st.List(ctx, inventory.ListQuery{Scope: all, Limit: 10}); return err },
		"Count": func() error {
			_, err := st.Count(ctx, inventory.CountQuery{Scope: all, GroupBy: inventory.GroupRegion})
			return err
		},
		"History": func() error { _, err := st.History(ctx, inventory.HistoryQuery{Key: k, Limit: 10}); return err },
		"Prune":   func() error { _, err := st.Prune(ctx, k.Source, it.CaptureTime); return err },
		"Reset":   func() error { return st.Reset(ctx) },
		"LockSource": func() error {
			unlock, err := st.LockSource(ctx, k.Source)
			if err == nil {
				unlock()
			}
			return err
		},
		"Scan": func() error {
			for _, err := range st.Scan(ctx, inventory.ScanQuery{Scope: all}) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"Scan at": func() error {
			for _, err := range st.Scan(ctx, inventory.ScanQuery{Scope: all, At: it.CaptureTime}) {
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// Contend runs one goroutine per element of stores (a store may be given
// several times), each taking src's lock rounds times and holding it for
// hold (or yielding the processor, for 0), and returns the most holders the
// lock had at once: 1 if it excludes. A LockSource that fails fails t.
func Contend(t testing.TB, ctx context.Context, stores []inventory.Store, src inventory.Source, rounds int, hold time.Duration) int32 {
	var holders, most atomic.Int32
	var wg sync.WaitGroup
	for _, st := range stores {
		wg.Go(func() {
			for range rounds {
				unlock, err := st.LockSource(ctx, src)
				if err != nil {
					t.Error(err)
					return
				}
				n := holders.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				if hold > 0 {
					time.Sleep(hold)
				} else {
					runtime.Gosched()
				}
				holders.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	return most.Load()
}
