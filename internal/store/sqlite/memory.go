package sqlite

import (
	"slices"
	"sync"

	"github.com/google/btree"

	"github.com/starlingcfg/starling/internal/store"
)

// partKey names a partition: every record of one namespace and kind. List and
// Count work on one partition, so it is the unit the memory table versions.
type partKey struct {
	owner, region string
	kind          store.Kind
}

func keyOf(t store.Namespace, k store.Kind) partKey {
	return partKey{owner: t.Owner, region: t.Region, kind: k}
}

// tree is one partition's records ordered by ID: a copy-on-write B-tree, so
// a new version shares every node but those on the changed paths with the
// version before, and a commit costs O(changes × log n), not a copy of the
// partition. A nil *tree is an empty partition.
type tree = btree.BTreeG[store.Item]

// treeDegree is the B-tree's degree: nodes of 31 to 63 items.
const treeDegree = 32

func newTree() *tree {
	return btree.NewG(treeDegree, func(a, b store.Item) bool { return a.ID < b.ID })
}

// get returns the document of id in d.
func get(d *tree, id string) ([]byte, bool) {
	if d == nil {
		return nil, false
	}
	it, ok := d.Get(store.Item{ID: id})
	return it.Doc, ok
}

// count returns the number of records in d.
func count(d *tree) int {
	if d == nil {
		return 0
	}
	return d.Len()
}

// after returns up to limit records of d whose IDs sort after the given one
// (no limit if limit <= 0), sharing their documents with d.
func after(d *tree, id string, limit int) []store.Item {
	if d == nil {
		return nil
	}
	var out []store.Item
	d.AscendGreaterOrEqual(store.Item{ID: id}, func(it store.Item) bool {
		if it.ID == id {
			return true
		}
		out = append(out, it)
		return limit <= 0 || len(out) < limit
	})
	return out
}

// withChanges returns d with the changes applied, leaving d as it was. The
// caller must hold table.mu unless d is its own: cloning a tree writes to it.
func withChanges(d *tree, byID map[string]change) *tree {
	if len(byID) == 0 {
		return d
	}
	var out *tree
	if d == nil {
		out = newTree()
	} else {
		out = d.Clone()
	}
	for id, ch := range byID {
		if ch.deleted {
			out.Delete(store.Item{ID: id})
		} else {
			out.ReplaceOrInsert(store.Item{ID: id, Doc: ch.doc})
		}
	}
	return out
}

// version is one partition as of one commit. Its records never change once
// it is installed, so a View reads it without locks.
type version struct {
	seq     uint64 // the commit that made this version
	records *tree  // never modified once installed
	// prev is an older version that a running View needs, if any; guarded
	// by table.mu.
	prev *version
}

// recs returns v's records; nil for a nil version.
func (v *version) recs() *tree {
	if v == nil {
		return nil
	}
	return v.records
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

// generation returns the newest commit installed.
func (m *table) generation() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.applied
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

// The writer sees the newest committed version of a partition under layers
// of changes not yet installed, oldest first: the batches pending at the
// committer, then the layers its caller adds (the writer's open batch, then
// the running fn's own writes). latest and latestRecords read through them.

// layer returns layer i of m.pending followed by extra.
func (m *table) layer(i int, extra []*changes) *changes {
	if i < len(m.pending) {
		return m.pending[i]
	}
	return extra[i-len(m.pending)]
}

// latest finds id in partition p as the writer sees it.
func (m *table) latest(p partKey, id string, extra ...*changes) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.pending) + len(extra) - 1; i >= 0; i-- {
		c := m.layer(i, extra)
		if ch, ok := c.lookup(p, id); ok {
			return ch.doc, !ch.deleted
		}
		if c.reset {
			return nil, false
		}
	}
	return get(m.parts[p].recs(), id)
}

// latestRecords returns partition p as the writer sees it. The tree is
// shared when no layer changes p.
func (m *table) latestRecords(p partKey, extra ...*changes) *tree {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.pending) + len(extra)
	cur, from := m.parts[p].recs(), 0
	for i := range n {
		if m.layer(i, extra).reset {
			cur, from = nil, i // the writes in the resetting layer come after it
		}
	}
	for i := from; i < n; i++ {
		cur = withChanges(cur, m.layer(i, extra).parts[p])
	}
	return cur
}

// partitionsOf returns the partitions of owner's namespaces that the writer
// may see records in: those committed and those the layers write to.
func (m *table) partitionsOf(owner string, extra ...*changes) []partKey {
	return m.partitionsWhere(func(p partKey) bool { return p.owner == owner }, extra...)
}

// partitionsWhere returns the partitions that keep admits and that the
// writer may see records in (or a View: a View's partitions were
// committed, so they are all in parts), in no order.
func (m *table) partitionsWhere(keep func(partKey) bool, extra ...*changes) []partKey {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := make(map[partKey]bool)
	for p := range m.parts {
		if keep(p) {
			seen[p] = true
		}
	}
	for i := range len(m.pending) + len(extra) {
		for p := range m.layer(i, extra).parts {
			if keep(p) {
				seen[p] = true
			}
		}
	}
	out := make([]partKey, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	return out
}

// load adds a record read from the database at Open, before any View or
// Update runs.
func (m *table) load(p partKey, it store.Item) {
	v := m.parts[p]
	if v == nil {
		v = &version{records: newTree()}
		m.parts[p] = v
	}
	v.records.ReplaceOrInsert(it)
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
	install := func(p partKey, records *tree) {
		v := &version{seq: seq, records: records, prev: m.parts[p]}
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
		if count(records) == 0 && v.prev == nil {
			delete(m.parts, p) // empty, and no View needs what it held
			return
		}
		m.parts[p] = v
	}
	if c.reset {
		for p, v := range m.parts {
			if count(v.records) > 0 || v.prev != nil {
				install(p, nil)
			}
		}
	}
	for p, byID := range c.parts {
		install(p, withChanges(m.parts[p].recs(), byID))
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
