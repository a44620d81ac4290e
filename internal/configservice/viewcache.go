package configservice

import (
	"sync"

	"github.com/starlingcfg/starling/internal/store"
)

// viewCacheMax bounds the aggregate views kept: past it, the cache starts
// again empty. An account has at most 50 aggregators a region (quota), so
// this holds every aggregator of about twenty busy accounts and regions.
const viewCacheMax = 1024

// viewCache keeps the aggregate views computed at the newest write
// generation of the control-plane store seen (store.Store.Generation).
// Which sources an aggregator may read changes only when the control
// plane does: its aggregator, its organization, an authorization. So a
// view computed in a snapshot that began after the generation was read
// stays right while the generation is the same, and a read that sees
// another generation computes the view again. The set of readable sources
// is still decided in one place (walkSources); the cache only spares
// computing the same set again for each request.
//
// The views it holds are shared between requests and must not be
// modified.
type viewCache struct {
	mu    sync.Mutex
	gen   uint64
	views map[viewKey]*aggregateView
}

// viewKey names an aggregator: its owner's account and region, and its
// name.
type viewKey struct {
	owner store.Namespace
	name  string
}

// get returns the view of k computed at generation gen, or nil.
func (c *viewCache) get(gen uint64, k viewKey) *aggregateView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return nil
	}
	return c.views[k]
}

// put keeps v as the view of k at generation gen. A view of a generation
// older than the newest seen is dropped; a newer generation empties the
// cache first.
func (c *viewCache) put(gen uint64, k viewKey, v *aggregateView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.views != nil && gen < c.gen:
		return
	case c.views == nil || gen > c.gen || len(c.views) >= viewCacheMax:
		c.gen, c.views = gen, make(map[viewKey]*aggregateView)
	}
	c.views[k] = v
}
