package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/starlingcfg/starling/internal/store"
)

// The hot queries, prepared once per connection. TEXT columns compare with
// memcmp, so "id > ? ORDER BY id" is byte order; LIMIT -1 means no limit.
const (
	qGet    = `SELECT doc FROM records WHERE account_id = ? AND region = ? AND kind = ? AND id = ?`
	qCreate = `INSERT INTO records (account_id, region, kind, id, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	qPut    = `INSERT INTO records (account_id, region, kind, id, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, kind, id) DO UPDATE SET doc = excluded.doc`
	qDelete = `DELETE FROM records WHERE account_id = ? AND region = ? AND kind = ? AND id = ?`
	qList   = `SELECT id, doc FROM records WHERE account_id = ? AND region = ? AND kind = ? AND id > ? ORDER BY id LIMIT ?`
	qCount  = `SELECT count(*) FROM records WHERE account_id = ? AND region = ? AND kind = ?`
	qReset  = `DELETE FROM records`
)

var errTxDone = errors.New("sqlite: Tx used after its View or Update callback returned")

// conn is one database connection with its prepared statements. Writer-only
// statements are nil on read connections.
type conn struct {
	c  *sql.Conn
	st struct {
		get, list, count            *sql.Stmt
		create, put, delete, reset  *sql.Stmt
		begin, commit, rollback     *sql.Stmt
		savepoint, release, undoSub *sql.Stmt
	}
	all []*sql.Stmt
}

func newConn(ctx context.Context, db *sql.DB, writer bool) (_ *conn, err error) {
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
	prep := func(dst **sql.Stmt, q string) {
		if err != nil {
			return
		}
		var st *sql.Stmt
		if st, err = sc.PrepareContext(ctx, q); err != nil {
			err = fmt.Errorf("prepare %q: %w", q, err)
			return
		}
		*dst = st
		c.all = append(c.all, st)
	}
	begin := "BEGIN"
	if writer {
		// Take the write lock at BEGIN, not at the first write, so a batch
		// can never fail half-way with SQLITE_BUSY.
		begin = "BEGIN IMMEDIATE"
	}
	prep(&c.st.begin, begin)
	prep(&c.st.commit, "COMMIT")
	prep(&c.st.rollback, "ROLLBACK")
	if writer {
		prep(&c.st.savepoint, "SAVEPOINT fn")
		prep(&c.st.release, "RELEASE fn")
		prep(&c.st.undoSub, "ROLLBACK TO fn")
	}
	if err != nil {
		return nil, err
	}
	// The statements on the records table are prepared lazily (by
	// prepareRecords) because the table does not exist before migrate.
	return c, nil
}

// prepareRecords prepares the statements on the records table.
func (c *conn) prepareRecords(ctx context.Context, writer bool) error {
	qs := []struct {
		dst **sql.Stmt
		q   string
	}{{&c.st.get, qGet}, {&c.st.list, qList}, {&c.st.count, qCount}}
	if writer {
		qs = append(qs, []struct {
			dst **sql.Stmt
			q   string
		}{{&c.st.create, qCreate}, {&c.st.put, qPut}, {&c.st.delete, qDelete}, {&c.st.reset, qReset}}...)
	}
	for _, x := range qs {
		st, err := c.c.PrepareContext(ctx, x.q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", x.q, err)
		}
		*x.dst = st
		c.all = append(c.all, st)
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

// tx implements store.Tx on one connection, for the duration of one View or
// Update callback.
type tx struct {
	c        *conn
	ctx      context.Context
	writable bool
	done     atomic.Bool // set when the callback has returned

	mu     sync.Mutex
	broken error // first database error; later calls fail with it
}

func (t *tx) finish() { t.done.Store(true) }

// check reports why t may not run a statement now.
func (t *tx) check(write bool) error {
	if t.done.Load() {
		return errTxDone
	}
	if write && !t.writable {
		return ErrReadOnly
	}
	t.mu.Lock()
	err := t.broken
	t.mu.Unlock()
	if err != nil {
		return err
	}
	return t.ctx.Err()
}

// fail records a database error. After one, SQLite may have rolled back the
// whole transaction, and any further statement would run outside it, in
// autocommit mode; so every later call on t fails too, and the writer
// finds out from its SAVEPOINT bookkeeping whether the batch survived.
func (t *tx) fail(op string, err error) error {
	err = fmt.Errorf("sqlite: %s: %w", op, err)
	t.mu.Lock()
	if t.broken == nil {
		t.broken = err
	}
	t.mu.Unlock()
	return err
}

// Get implements store.Tx. The returned slice is the caller's own copy.
func (t *tx) Get(tn store.Tenant, k store.Kind, id string) ([]byte, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var doc []byte
	// database/sql's Scan into *[]byte copies the bytes.
	err := t.c.st.get.QueryRow(tn.AccountID, tn.Region, string(k), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, t.fail("get", err)
	}
	if doc == nil {
		doc = []byte{}
	}
	return doc, nil
}

// Create implements store.Tx.
func (t *tx) Create(tn store.Tenant, k store.Kind, id string, doc []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	res, err := t.c.st.create.Exec(tn.AccountID, tn.Region, string(k), id, blob(doc))
	if err != nil {
		return t.fail("create", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.fail("create", err)
	}
	if n == 0 {
		return store.ErrExists
	}
	return nil
}

// Put implements store.Tx.
func (t *tx) Put(tn store.Tenant, k store.Kind, id string, doc []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.c.st.put.Exec(tn.AccountID, tn.Region, string(k), id, blob(doc)); err != nil {
		return t.fail("put", err)
	}
	return nil
}

// Delete implements store.Tx.
func (t *tx) Delete(tn store.Tenant, k store.Kind, id string) error {
	if err := t.check(true); err != nil {
		return err
	}
	res, err := t.c.st.delete.Exec(tn.AccountID, tn.Region, string(k), id)
	if err != nil {
		return t.fail("delete", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.fail("delete", err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// List implements store.Tx. The documents are the caller's own copies.
func (t *tx) List(tn store.Tenant, k store.Kind, after string, limit int) (_ []store.Item, err error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1
	}
	rows, err := t.c.st.list.Query(tn.AccountID, tn.Region, string(k), after, limit)
	if err != nil {
		return nil, t.fail("list", err)
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = t.fail("list", cerr)
		}
	}()
	var items []store.Item
	for rows.Next() {
		var it store.Item
		if err := rows.Scan(&it.ID, &it.Doc); err != nil {
			return nil, t.fail("list", err)
		}
		if it.Doc == nil {
			it.Doc = []byte{}
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail("list", err)
	}
	return items, nil
}

// Count implements store.Tx.
func (t *tx) Count(tn store.Tenant, k store.Kind) (int, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int
	if err := t.c.st.count.QueryRow(tn.AccountID, tn.Region, string(k)).Scan(&n); err != nil {
		return 0, t.fail("count", err)
	}
	return n, nil
}

// deleteAll removes every record; Reset runs it as an Update.
func (t *tx) deleteAll() error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.c.st.reset.Exec(); err != nil {
		return t.fail("reset", err)
	}
	return nil
}

// blob makes a nil document an empty one: the driver binds nil as NULL,
// which the NOT NULL doc column refuses.
func blob(doc []byte) []byte {
	if doc == nil {
		return []byte{}
	}
	return doc
}
