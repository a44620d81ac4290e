package sqlite

import (
	"bytes"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/starlingcfg/starling/internal/store"
)

var benchDoc = bytes.Repeat([]byte(`{"k":"v"}`), 57) // ~512 bytes, a small JSON document

func benchStore(b *testing.B) *Store { return benchStoreOpts(b, Options{}) }

func benchStoreOpts(b *testing.B, opts Options) *Store {
	b.Helper()
	s, err := Open(b.Context(), b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// reportGroup reports the average number of Updates per commit since before.
func reportGroup(b *testing.B, s *Store, before Stats) {
	st := s.Stats()
	if c := st.Commits - before.Commits; c > 0 {
		b.ReportMetric(float64(st.Updates-before.Updates)/float64(c), "updates/commit")
	}
}

// BenchmarkUpdatePut measures durable single-Put Updates: one caller at a
// time (each pays a whole fsync), then many at once (group commit shares it).
func BenchmarkUpdatePut(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		s := benchStore(b)
		before := s.Stats()
		serialPuts(b, s)
		reportGroup(b, s, before)
	})
	for _, p := range []int{4, 32} {
		b.Run("parallel-"+strconv.Itoa(p)+"xGOMAXPROCS", func(b *testing.B) {
			s := benchStore(b)
			before := s.Stats()
			var next atomic.Int64
			b.SetParallelism(p)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := strconv.Itoa(int(next.Add(1) % 10000))
					if err := s.Update(b.Context(), func(tx store.Tx) error { return tx.Put(tn, kind, id, benchDoc) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportGroup(b, s, before)
		})
	}
}

func seedBench(b *testing.B, s *Store, n int) {
	b.Helper()
	err := s.Update(b.Context(), func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put(tn, kind, benchID(i), benchDoc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchID(i int) string { return "id-" + strconv.Itoa(100000+i) }

// BenchmarkViewGet measures a View holding one Get, among 1000 records.
func BenchmarkViewGet(b *testing.B) {
	s := benchStore(b)
	seedBench(b, s, 1000)
	get := func(i int) {
		err := s.View(b.Context(), func(tx store.Tx) error {
			_, err := tx.Get(tn, kind, benchID(i%1000))
			return err
		})
		if err != nil {
			b.Error(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			get(i)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(int(next.Add(1)))
			}
		})
	})
}

// BenchmarkList measures a View listing a page of 100 documents of ~512
// bytes, among 1000 records of the kind.
func BenchmarkList(b *testing.B) {
	s := benchStore(b)
	seedBench(b, s, 1000)
	for b.Loop() {
		err := s.View(b.Context(), func(tx store.Tx) error {
			items, err := tx.List(tn, kind, benchID(400), 100)
			if err == nil && len(items) != 100 {
				b.Fatalf("List: got %d items, want 100", len(items))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdatePutNormal is BenchmarkUpdatePut/serial without the fsync
// (SyncNormal): what one Update costs besides the disk.
func BenchmarkUpdatePutNormal(b *testing.B) {
	serialPuts(b, benchStoreOpts(b, Options{Sync: SyncNormal}))
}

// serialPuts runs one Put Update per iteration, cycling over 10,000 ids of
// one partition.
func serialPuts(b *testing.B, s *Store) {
	i := 0
	for b.Loop() {
		id := strconv.Itoa(i % 10000)
		i++
		if err := s.Update(b.Context(), func(tx store.Tx) error { return tx.Put(tn, kind, id, benchDoc) }); err != nil {
			b.Fatal(err)
		}
	}
}
