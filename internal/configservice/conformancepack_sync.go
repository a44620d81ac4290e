package configservice

import (
	"context"
	"errors"
	"fmt"

	json "github.com/segmentio/encoding/json"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/store"
)

// The results store keeps a copy of each source's conformance packs and
// their rules (compliance.GroupStore), which the aggregated pack summary
// sums in one statement. The control plane decides: every write of a pack
// (PutConformancePack, DeleteConformancePack, and the organization packs'
// deployments and removals) copies the pack as the control plane holds it
// once its own write has committed (syncPack), and a process copies every
// pack when it starts (SyncPacks), which catches up with a copy that a
// crash cut off between the two writes and with packs put before the copy
// was kept.

// syncPack copies the pack name of ns, as the control plane holds it now,
// to the results store: its rules, or no pack when it is gone. The results
// store reads it under its group turn, so of two writers of one pack the
// later copy is never the older.
func (s *Service) syncPack(ctx context.Context, ns store.Namespace, name string) error {
	return s.results.SyncGroup(ctx, sourceOf(ns), name, func(ctx context.Context) ([]string, bool, error) {
		var pack packRecord
		err := s.store.View(ctx, func(tx store.Tx) error { return store.GetJSON(tx, ns, kindConformancePack, name, &pack) })
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, false, nil
		case err != nil:
			return nil, false, err
		}
		return pack.ruleNames(), true, nil
	})
}

// SyncPacks copies every pack of every account and region from the control
// plane to the results store, replacing what the results store held. A
// process calls it when it starts (app.New), before it serves.
func (s *Service) SyncPacks(ctx context.Context) error {
	return s.results.ReplaceGroups(ctx, func(ctx context.Context) ([]compliance.Group, error) {
		var items []store.NamespacedItem
		err := s.store.View(ctx, func(tx store.Tx) (err error) {
			items, err = tx.ListKind(kindConformancePack)
			return err
		})
		if err != nil {
			return nil, err
		}
		groups := make([]compliance.Group, 0, len(items))
		for i := range items {
			it := &items[i]
			var pack packRecord
			if err := json.Unmarshal(it.Doc, &pack); err != nil {
				return nil, fmt.Errorf("decode %s %q of %s/%s: %w", kindConformancePack, it.ID, it.Namespace.Owner, it.Namespace.Region, err)
			}
			groups = append(groups, compliance.Group{Source: sourceOf(it.Namespace), Name: it.ID, Rules: pack.ruleNames()})
		}
		return groups, nil
	})
}
