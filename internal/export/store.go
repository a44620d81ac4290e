package export

import (
	"context"
	"iter"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// FromStore returns the Reader of a CI store: a Scan of the source (with
// ScanQuery.At for a past time), in the store's order, by resource type,
// then id.
func FromStore(st inventory.Store) Reader { return storeReader{st} }

type storeReader struct{ st inventory.Store }

func (r storeReader) Items(ctx context.Context, src inventory.Source, at time.Time) iter.Seq2[inventory.Item, error] {
	return r.st.Scan(ctx, inventory.ScanQuery{Scope: inventory.OneSource(src), At: at})
}
