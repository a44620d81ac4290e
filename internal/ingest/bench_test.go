package ingest

import (
	"bytes"
	"os"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
)

// BenchmarkDecodeFile decodes a file of realistic items (the samples,
// repeated).
func BenchmarkDecodeFile(b *testing.B) {
	data, err := os.ReadFile("testdata/snapshot.json")
	if err != nil {
		b.Fatal(err)
	}
	var items []inventory.Item
	if err := DecodeFile(bytes.NewReader(data), func(it inventory.Item) error {
		if it.Region == "" {
			it.Region = "us-east-1"
		}
		items = append(items, it)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var many []inventory.Item
	for range 100 {
		many = append(many, items...)
	}
	file := AppendFile(nil, many)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := DecodeFile(bytes.NewReader(file), func(inventory.Item) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
}

func BenchmarkAppendFileItem(b *testing.B) {
	data, err := os.ReadFile("testdata/snapshot.json")
	if err != nil {
		b.Fatal(err)
	}
	var items []inventory.Item
	_ = DecodeFile(bytes.NewReader(data), func(it inventory.Item) error { items = append(items, it); return nil })
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		for i := range items {
			buf = AppendFileItem(buf[:0], &items[i])
		}
	}
	b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "items/s")
}
