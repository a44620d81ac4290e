package sqlite

import (
	"context"
	"hash/fnv"

	"github.com/starlingcfg/starling/internal/inventory"
)

// sourceLocks are the numbering locks of [Inventory.LockSource], striped:
// a source hashes to one of them. One process holds the database (the
// flock on inventory.lock), so locks in its memory are enough. Each is a
// channel of one slot, so that a waiter can give up when its context ends.
type sourceLocks [64]chan struct{}

func newSourceLocks() *sourceLocks {
	var l sourceLocks
	for i := range l {
		l[i] = make(chan struct{}, 1)
	}
	return &l
}

// LockSource implements [inventory.Store.LockSource].
func (s *Inventory) LockSource(ctx context.Context, src inventory.Source) (func(), error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	h := fnv.New32a()
	h.Write([]byte(src.AccountID))
	h.Write([]byte{0})
	h.Write([]byte(src.Region))
	ch := s.locks[h.Sum32()%uint32(len(s.locks))]
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
