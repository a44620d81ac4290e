package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/starlingcfg/starling/internal/ingestclient"
	"github.com/starlingcfg/starling/internal/inventory"
)

// StoreSink writes into a CI store directly (starling import --data,
// --store): each batch is one atomic Write.
type StoreSink struct{ Store inventory.Store }

// Write implements Sink.
func (s StoreSink) Write(ctx context.Context, items []inventory.Item) (inventory.WriteResult, error) {
	return s.Store.Write(ctx, items)
}

// EndpointSink sends the items to a running server's ingest API (starling
// import --endpoint), one request per source of a batch (or more, for a
// body above ingestclient.MaxBatchBytes), signed as that source, so that
// the server applies its rules: the source's recorder must be recording,
// and records only the types it records; in --auth verify mode a
// principal records its own account's items only.
type EndpointSink struct{ Client *ingestclient.Client }

// Write implements Sink: the server's refusal of a source's items (a 4xx
// answer) is reported in a *Refused, and the other sources are still sent.
func (s EndpointSink) Write(ctx context.Context, items []inventory.Item) (inventory.WriteResult, error) {
	bySource := make(map[inventory.Source][]inventory.Item)
	var order []inventory.Source
	for _, it := range items {
		if _, ok := bySource[it.Source]; !ok {
			order = append(order, it.Source)
		}
		bySource[it.Source] = append(bySource[it.Source], it)
	}
	slices.SortFunc(order, inventory.CompareSources)
	var total inventory.WriteResult
	var refused map[inventory.Source]error
	for _, src := range order {
		for part := range parts(bySource[src]) {
			res, err := s.Client.Put(ctx, src, part)
			var apiErr *ingestclient.Error
			switch {
			case errors.As(err, &apiErr) && apiErr.Status < 500:
				if refused == nil {
					refused = make(map[inventory.Source]error)
				}
				refused[src] = apiErr
				if apiErr.Code == "NoRunningConfigurationRecorderException" {
					refused[src] = fmt.Errorf("%w (a server records an account's items only while its recorder records in that region: "+
						"start one there, or import into the store with --data or --store)", apiErr)
				}
			case err != nil:
				return total, err
			}
			total.Add(res)
			if refused[src] != nil {
				break
			}
		}
	}
	if refused != nil {
		return total, &Refused{Result: total, Sources: refused}
	}
	return total, nil
}

// parts splits one source's items into request bodies of at most about
// ingestclient.MaxBatchBytes.
func parts(items []inventory.Item) func(yield func([]inventory.Item) bool) {
	return func(yield func([]inventory.Item) bool) {
		start, size := 0, 0
		for i := range items {
			n := itemSize(&items[i])
			if i > start && size+n > ingestclient.MaxBatchBytes {
				if !yield(items[start:i]) {
					return
				}
				start, size = i, 0
			}
			size += n
		}
		if start < len(items) {
			yield(items[start:])
		}
	}
}

// itemSize estimates an item's size in a request body.
func itemSize(it *inventory.Item) int {
	n := 600 + len(it.Configuration) + len(it.ARN) + len(it.ResourceID) + len(it.ResourceName)
	for k, v := range it.SupplementaryConfiguration {
		n += len(k) + len(v) + 8
	}
	for k, v := range it.Tags {
		n += len(k) + len(v) + 8
	}
	for _, r := range it.Relationships {
		n += 80 + len(r.ResourceID) + len(r.ResourceName) + len(r.Name) + len(r.ResourceType)
	}
	return n
}
