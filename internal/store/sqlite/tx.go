package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/starlingcfg/starling/internal/store"
)

// The committer's statements, prepared once, and the query that Open loads
// the memory table with. No other query runs: every read is served from
// memory.
const (
	qPut = `INSERT INTO records (owner, region, kind, id, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (owner, region, kind, id) DO UPDATE SET doc = excluded.doc`
	qDelete = `DELETE FROM records WHERE owner = ? AND region = ? AND kind = ? AND id = ?`
	qReset  = `DELETE FROM records`
	qLoad   = `SELECT owner, region, kind, id, doc FROM records ORDER BY owner, region, kind, id`
)

var errTxDone = errors.New("sqlite: Tx used after its View or Update callback returned")

// conn is the store's one database connection with the committer's
// prepared statements. Open uses it, then only the committer (and Backup,
// between the committer's transactions: Store.connMu).
type conn struct {
	c  *sql.Conn
	st struct {
		begin, commit, rollback *sql.Stmt
		put, delete, reset      *sql.Stmt
	}
	all []*sql.Stmt
}

func newConn(ctx context.Context, db *sql.DB) (_ *conn, err error) {
	sc, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &conn{c: sc}
	defer func() {
		if err != nil {
			_ = c.close()
		}
	}()
	// Take the write lock at BEGIN, not at the first write, so a batch can
	// never fail half-way with SQLITE_BUSY.
	for _, x := range []struct {
		dst **sql.Stmt
		q   string
	}{{&c.st.begin, "BEGIN IMMEDIATE"}, {&c.st.commit, "COMMIT"}, {&c.st.rollback, "ROLLBACK"}} {
		if err := c.prepare(ctx, x.dst, x.q); err != nil {
			return nil, err
		}
	}
	// The statements on the records table are prepared by prepareRecords,
	// once migrate has created it.
	return c, nil
}

func (c *conn) prepare(ctx context.Context, dst **sql.Stmt, q string) error {
	st, err := c.c.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("sqlite: prepare %q: %w", q, err)
	}
	*dst = st
	c.all = append(c.all, st)
	return nil
}

// prepareRecords prepares the statements on the records table.
func (c *conn) prepareRecords(ctx context.Context) error {
	for _, x := range []struct {
		dst **sql.Stmt
		q   string
	}{{&c.st.put, qPut}, {&c.st.delete, qDelete}, {&c.st.reset, qReset}} {
		if err := c.prepare(ctx, x.dst, x.q); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) close() error {
	var errs []error
	for _, st := range c.all {
		errs = append(errs, st.Close())
	}
	errs = append(errs, c.c.Close())
	return errors.Join(errs...)
}

// tx implements store.Tx over the memory table, for the duration of one View
// or Update callback.
//
// In a View it reads the versions as of commit seq. In an Update it reads the
// newest committed versions, overlaid with the batches handed to the
// committer (the table's pending), with the writes of the earlier callbacks
// of its own batch (batch) and with its own (local); its writes go to local,
// which the writer adds to the batch if the callback succeeds.
type tx struct {
	m        *table
	ctx      context.Context
	writable bool
	done     atomic.Bool // set when the callback has returned

	seq   uint64   // View: the commit it reads at
	batch *changes // Update: the earlier callbacks' writes, not yet committed
	local changes  // Update: this callback's writes
}

func (t *tx) finish() { t.done.Store(true) }

// check reports why t may not be used now.
func (t *tx) check(write bool) error {
	if t.done.Load() {
		return errTxDone
	}
	if write && !t.writable {
		return ErrReadOnly
	}
	return t.ctx.Err()
}

// lookup finds id in partition p as t sees it.
func (t *tx) lookup(p partKey, id string) ([]byte, bool) {
	if !t.writable {
		return get(t.m.at(p, t.seq).recs(), id)
	}
	return t.m.latest(p, id, t.batch, &t.local)
}

// records returns partition p as t sees it. The tree and its documents may
// be shared: callers copy what they hand out.
func (t *tx) records(p partKey) *tree {
	if !t.writable {
		return t.m.at(p, t.seq).recs()
	}
	return t.m.latestRecords(p, t.batch, &t.local)
}

// Get implements store.Tx. The returned slice is the caller's own copy.
func (t *tx) Get(tn store.Namespace, k store.Kind, id string) ([]byte, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	doc, ok := t.lookup(keyOf(tn, k), id)
	if !ok {
		return nil, store.ErrNotFound
	}
	return clone(doc), nil
}

// Create implements store.Tx.
func (t *tx) Create(tn store.Namespace, k store.Kind, id string, doc []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	p := keyOf(tn, k)
	if _, ok := t.lookup(p, id); ok {
		return store.ErrExists
	}
	t.local.set(p, id, change{doc: clone(doc)})
	return nil
}

// Put implements store.Tx.
func (t *tx) Put(tn store.Namespace, k store.Kind, id string, doc []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	t.local.set(keyOf(tn, k), id, change{doc: clone(doc)})
	return nil
}

// Delete implements store.Tx.
func (t *tx) Delete(tn store.Namespace, k store.Kind, id string) error {
	if err := t.check(true); err != nil {
		return err
	}
	p := keyOf(tn, k)
	if _, ok := t.lookup(p, id); !ok {
		return store.ErrNotFound
	}
	t.local.set(p, id, change{deleted: true})
	return nil
}

// List implements store.Tx. The documents are the caller's own copies.
func (t *tx) List(tn store.Namespace, k store.Kind, afterID string, limit int) ([]store.Item, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out := after(t.records(keyOf(tn, k)), afterID, limit)
	for i := range out {
		out[i].Doc = clone(out[i].Doc)
	}
	return out, nil
}

// ListKind implements store.Tx: the partitions of kind k, in namespace
// order, from memory.
func (t *tx) ListKind(k store.Kind) ([]store.NamespacedItem, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var extra []*changes
	if t.writable {
		extra = []*changes{t.batch, &t.local}
	}
	parts := t.m.partitionsWhere(func(p partKey) bool { return p.kind == k }, extra...)
	ts := make([]store.Namespace, len(parts))
	for i, p := range parts {
		ts[i] = store.Namespace{Owner: p.owner, Region: p.region}
	}
	var out []store.NamespacedItem
	for _, tn := range store.SortedNamespaces(ts) {
		for _, it := range after(t.records(keyOf(tn, k)), "", 0) {
			out = append(out, store.NamespacedItem{Namespace: tn, Item: store.Item{ID: it.ID, Doc: clone(it.Doc)}})
		}
	}
	return out, nil
}

// Count implements store.Tx.
func (t *tx) Count(tn store.Namespace, k store.Kind) (int, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	return count(t.records(keyOf(tn, k))), nil
}

// deleteAll removes every record but those of store.System, which it
// writes again after the reset; Reset runs it as an Update.
func (t *tx) deleteAll() error {
	if err := t.check(true); err != nil {
		return err
	}
	kept := make(map[partKey][]store.Item)
	for _, p := range t.m.partitionsOf(store.SystemOwner, t.batch, &t.local) {
		kept[p] = after(t.records(p), "", 0)
	}
	t.local = changes{reset: true}
	for p, items := range kept {
		for _, it := range items {
			t.local.set(p, it.ID, change{doc: clone(it.Doc)})
		}
	}
	return nil
}

// clone copies doc; a nil or empty document becomes an empty, non-nil one
// (the driver would bind nil as NULL, which the NOT NULL doc column refuses).
func clone(doc []byte) []byte {
	if len(doc) == 0 {
		return []byte{}
	}
	return bytes.Clone(doc)
}
