package importer_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/importer"
	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invbench"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// benchTree writes the CIs of a store of n resources (invbench: about 1.1
// CIs per resource) as gzip'd snapshot files of one batch each, laid out
// as AWS Config delivers them, and returns the directory and the number of
// CIs.
func benchTree(b *testing.B, n int) (string, int) {
	b.Helper()
	dir := b.TempDir()
	var items []inventory.Item
	total := 0
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for batch := range invbench.Batches(n) {
		items = invbench.BatchItems(batch, n, items)
		total += len(items)
		src := items[0].Source
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if err := ingest.Encode(zw, items); err != nil {
			b.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(ingest.SnapshotKey(src.AccountID, src.Region, at, fmt.Sprintf("batch-%06d", batch))))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir, total
}

// BenchmarkImport imports gzip'd snapshot files of STARLING_BENCH_CIS
// resources (100,000 by default; about 1.1 CIs each) into an empty store of
// each backend, and reports CIs/s. Run it once per size:
//
//	STARLING_BENCH_CIS=1000000 go test -run '^$' -bench BenchmarkImport -benchtime 1x -timeout 1h ./internal/importer
//
// The postgres variant needs STARLING_TEST_POSTGRES.
func BenchmarkImport(b *testing.B) {
	n := invbench.CIs(b, 100_000)
	dir, total := benchTree(b, n)
	files, err := importer.Find([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	for _, be := range []struct {
		name    string
		open    func(b *testing.B) inventory.Store
		writers int
	}{
		{"sqlite", func(b *testing.B) inventory.Store { return openBench(b, b.TempDir(), "") }, 1},
		{"postgres", func(b *testing.B) inventory.Store { return openBench(b, "", pgtest.DSN(b)) }, 4},
	} {
		// The floor: the same CIs written straight into the store, in
		// the import's batches, with nothing to read or decode.
		b.Run(be.name+"/store", func(b *testing.B) {
			var elapsed time.Duration
			batches := make([][]inventory.Item, invbench.Batches(n))
			for i := range batches {
				batches[i] = invbench.BatchItems(i, n, nil)
			}
			for b.Loop() {
				b.StopTimer()
				inv := be.open(b)
				b.StartTimer()
				start := time.Now()
				for _, batch := range batches {
					if _, err := inv.Write(b.Context(), batch); err != nil {
						b.Fatal(err)
					}
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(total)*float64(b.N)/elapsed.Seconds(), "CIs/s")
			b.ReportMetric(0, "ns/op")
		})
		b.Run(be.name+"/import", func(b *testing.B) {
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				inv := be.open(b)
				b.StartTimer()
				start := time.Now()
				sum, err := importer.New(importer.StoreSink{Store: inv}, importer.Options{Writers: be.writers, BatchItems: benchBatch(b)}).Run(b.Context(), files)
				elapsed += time.Since(start)
				if err != nil || sum.Failed > 0 || sum.Items != int64(total) {
					b.Fatalf("Run() = %+v, %v; want %d items", sum, err, total)
				}
			}
			b.ReportMetric(float64(total)*float64(b.N)/elapsed.Seconds(), "CIs/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func openBench(b *testing.B, dir, dsn string) inventory.Store {
	b.Helper()
	return open(b, dir, dsn)
}

// benchBatch is STARLING_BENCH_BATCH, the import's batch size (0: the
// default).
func benchBatch(b *testing.B) int {
	n, _ := strconv.Atoi(os.Getenv("STARLING_BENCH_BATCH"))
	return n
}
