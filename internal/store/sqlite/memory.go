package sqlite

import (
	"slices"
	"strings"
	"sync"

	"github.com/starlingcfg/starling/internal/store"
)

// partKey names a partition: every record of one tenant and kind. List and
// Count work on one partition, so it is the unit the memory table versions.
type partKey struct {
	account, region string
	kind            store.Kind
}

func keyOf(t store.Tenant, k store.Kind) partKey {
	return partKey{account: t.AccountID, region: t.Region, kind: k}
}

// version is one partition as of one commit. Its items never change once it
// is installed, so a View reads it without locks.
type version struct {
	seq   uint64       // the commit that made this version
	items []store.Item // sorted by ID; never modified once installed
	// prev is an older version that a running View needs, if any; guarded
	// by table.mu.
	prev *version
}

// find returns the index of id in v.items, or where it would go.
func (v *version) find(id string) (int, bool) {
	if v == nil {
		return 0, false
	}
	return slices.BinarySearchFunc(v.items, id, func(it store.Item, id string) int { return strings.Compare(it.ID, id) })
}

// table is the whole records table in memory, versioned by commit sequence
// number (multi-version concurrency control): a View reads the versions as of
// the commit that was the newest when it began, so it sees one consistent
// snapshot without ever waiting for the writer, and the writer never waits
// for a View.
type table struct {
	mu      sync.Mutex
	parts   map[partKey]*version // newest version of each partition
	applied uint64               // the newest commit installed
	views   map[uint64]int       // running Views, by the commit they read at
	// pending are the batches handed to the committer and not yet installed,
	// oldest first. Views never see them; the writer's fns read through them.
	pending []*changes
}

func newTable() *table {
	return &table{parts: make(map[partKey]*version), views: make(map[uint64]int)}
}

// beginView registers a View and returns the commit it reads at.
func (m *table) beginView() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := m.applied
	m.views[seq]++
	return seq
}

// endView unregisters a View that began at seq.
func (m *table) endView(seq uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.views[seq]--; m.views[seq] <= 0 {
		delete(m.views, seq)
	}
}

// at returns partition p as of commit seq, or nil if it was empty then.
func (m *table) at(p partKey, seq uint64) *version {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.parts[p]
	for v != nil && v.seq > seq {
		v = v.prev
	}
	return v
}

// addPending adds a batch handed to the committer.
func (m *table) addPending(c *changes) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, c)
}

// dropPending forgets a pending batch that will not be installed.
func (m *table) dropPending(c *changes) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removePending(c)
}

func (m *table) removePending(c *changes) {
	if i := slices.Index(m.pending, c); i >= 0 {
		m.pending = slices.Delete(m.pending, i, i+1)
	}
}

// latest finds id in partition p as the writer sees it: in the newest
// pending batch that changes it, else in the newest committed version.
func (m *table) latest(p partKey, id string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.pending) - 1; i >= 0; i-- {
		c := m.pending[i]
		if ch, ok := c.lookup(p, id); ok {
			return ch.doc, !ch.deleted
		}
		if c.reset {
			return nil, false
		}
	}
	v := m.parts[p]
	if i, ok := v.find(id); ok {
		return v.items[i].Doc, true
	}
	return nil, false
}

// latestItems returns partition p as the writer sees it: the newest
// committed version with the pending batches applied. The slice is shared
// when no pending batch changes p.
func (m *table) latestItems(p partKey) []store.Item {
	m.mu.Lock()
	defer m.mu.Unlock()
	from := 0 // the pending batches that matter start here
	touched := false
	for i, c := range m.pending {
		if c.reset {
			from, touched = i, true
		} else if len(c.parts[p]) > 0 {
			touched = true
		}
	}
	cur := m.parts[p]
	if !touched {
		if cur == nil {
			return nil
		}
		return cur.items
	}
	if from < len(m.pending) && m.pending[from].reset {
		cur = nil
	}
	for _, c := range m.pending[from:] {
		cur = &version{items: merge(cur, c.parts[p])}
	}
	return cur.items
}

// load installs a partition read from the database at Open, before any
// View or Update runs. items must be sorted by ID.
func (m *table) load(p partKey, items []store.Item) {
	m.parts[p] = &version{items: items}
}

// apply installs a committed batch of changes as commit number seq, in place
// of the pending batch it was, and drops the versions no running View can
// need any more.
func (m *table) apply(seq uint64, c *changes) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The commits running Views read at, newest first. Each needs the newest
	// version at or before its commit; no other old version is kept.
	reading := make([]uint64, 0, len(m.views))
	for s := range m.views {
		reading = append(reading, s)
	}
	slices.Sort(reading)
	slices.Reverse(reading)
	install := func(p partKey, items []store.Item) {
		v := &version{seq: seq, items: items, prev: m.parts[p]}
		last, next := v, v.prev
		for _, at := range reading {
			for next != nil && next.seq > at {
				next = next.prev
			}
			if next == nil {
				break
			}
			if next != last {
				last.prev, last = next, next
			}
		}
		last.prev = nil
		if len(items) == 0 && v.prev == nil {
			delete(m.parts, p) // empty, and no View needs what it held
			return
		}
		m.parts[p] = v
	}
	if c.reset {
		for p, v := range m.parts {
			if len(v.items) > 0 || v.prev != nil {
				install(p, nil)
			}
		}
	}
	for p, byID := range c.parts {
		install(p, merge(m.parts[p], byID))
	}
	m.applied = seq
	m.removePending(c)
}

// change is one record's new document, or its deletion.
type change struct {
	doc     []byte
	deleted bool
}

// changes is a set of writes not yet installed: one Update's, or one batch's.
type changes struct {
	reset bool // every record was deleted before the writes in parts
	parts map[partKey]map[string]change
}

func (c *changes) set(p partKey, id string, ch change) {
	if c.parts == nil {
		c.parts = make(map[partKey]map[string]change)
	}
	byID := c.parts[p]
	if byID == nil {
		byID = make(map[string]change)
		c.parts[p] = byID
	}
	byID[id] = ch
}

// lookup returns the change to id in p, if there is one.
func (c *changes) lookup(p partKey, id string) (change, bool) {
	ch, ok := c.parts[p][id]
	return ch, ok
}

// touches reports whether c changes partition p.
func (c *changes) touches(p partKey) bool {
	return c.reset || len(c.parts[p]) > 0
}

// empty reports whether c changes nothing.
func (c *changes) empty() bool { return !c.reset && len(c.parts) == 0 }

// absorb adds the later changes in o to c.
func (c *changes) absorb(o *changes) {
	if o.reset {
		*c = changes{reset: true}
	}
	for p, byID := range o.parts {
		for id, ch := range byID {
			c.set(p, id, ch)
		}
	}
}

// merge returns the items of v with the changes applied, sorted by ID, in a
// new slice; v is left as it was.
func merge(v *version, byID map[string]change) []store.Item {
	var base []store.Item
	if v != nil {
		base = v.items
	}
	if len(byID) == 0 {
		return base
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]store.Item, 0, len(base)+len(ids))
	i := 0
	for _, id := range ids {
		for i < len(base) && base[i].ID < id {
			out = append(out, base[i])
			i++
		}
		if i < len(base) && base[i].ID == id {
			i++ // replaced or deleted
		}
		if ch := byID[id]; !ch.deleted {
			out = append(out, store.Item{ID: id, Doc: ch.doc})
		}
	}
	return append(out, base[i:]...)
}
