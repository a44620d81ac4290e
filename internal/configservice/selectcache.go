package configservice

import (
	"sync"
	"time"
)

// Limits of selectCache: how long a query's results are kept for its later
// pages, and how much of them in all.
const (
	selectCacheTTL   = 5 * time.Minute
	selectCacheBytes = 64 << 20
)

// selectCache keeps the results of advanced queries that span several
// pages, so that a later page reads them rather than running the query
// again: a token holds the offset of its page, and each page used to
// evaluate the whole query (23 pages of a query over 25,000 instances took
// 15 s, each as long as the first).
//
// An entry is keyed by the token's scope (operation, caller, aggregator
// and query) and holds the control plane's write generation its view was
// computed at (aggregateView.gen): once an aggregator loses a source, or
// anything else in the control plane changes, the next page runs the query
// again over the view of now, so lost access still takes effect at once.
// Configuration items recorded between pages are not in the kept results
// (a query's pages are one snapshot) for up to selectCacheTTL.
type selectCache struct {
	mu      sync.Mutex
	entries map[string]*selectEntry
	bytes   int
}

type selectEntry struct {
	gen   uint64
	rows  []string
	bytes int
	until time.Time
}

// get returns the results kept for scope at generation gen, or nil.
func (c *selectCache) get(scope string, gen uint64, now time.Time) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[scope]
	switch {
	case e == nil:
		return nil
	case e.gen != gen || !now.Before(e.until):
		c.drop(scope, e)
		return nil
	}
	return e.rows
}

// put keeps rows for scope at generation gen, making room by dropping
// expired entries and then the ones that expire first. Results larger
// than the whole cache are not kept.
func (c *selectCache) put(scope string, gen uint64, rows []string, now time.Time) {
	n := 0
	for _, r := range rows {
		n += len(r) + 16
	}
	if n > selectCacheBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]*selectEntry)
	}
	if old := c.entries[scope]; old != nil {
		c.drop(scope, old)
	}
	for c.bytes+n > selectCacheBytes {
		var first string
		var firstE *selectEntry
		for k, e := range c.entries {
			if firstE == nil || e.until.Before(firstE.until) {
				first, firstE = k, e
			}
		}
		c.drop(first, firstE)
	}
	c.entries[scope] = &selectEntry{gen: gen, rows: rows, bytes: n, until: now.Add(selectCacheTTL)}
	c.bytes += n
}

func (c *selectCache) drop(scope string, e *selectEntry) {
	delete(c.entries, scope)
	c.bytes -= e.bytes
}
