package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/starlingcfg/starling/internal/store"
)

// The statements of the Tx methods, on the records table of
// migrations/0001_records.sql. Each is one round trip: the first of a
// transaction goes out together with its BEGIN (see tx.run).
const (
	qGet    = `SELECT doc FROM records WHERE owner = $1 AND region = $2 AND kind = $3 AND id = $4`
	qCreate = `INSERT INTO records (owner, region, kind, id, doc) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (owner, region, kind, id) DO NOTHING`
	qPut = `INSERT INTO records (owner, region, kind, id, doc) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (owner, region, kind, id) DO UPDATE SET doc = excluded.doc`
	qDelete = `DELETE FROM records WHERE owner = $1 AND region = $2 AND kind = $3 AND id = $4`
	// LIMIT NULL is no limit.
	qList = `SELECT id, doc FROM records WHERE owner = $1 AND region = $2 AND kind = $3 AND id > $4
		ORDER BY id LIMIT $5`
	qCount = `SELECT count(*) FROM records WHERE owner = $1 AND region = $2 AND kind = $3`
	// qListKind reads a kind of every namespace: a scan of the table, as
	// the primary key leads with the namespace.
	qListKind = `SELECT owner, region, id, doc FROM records WHERE kind = $1 AND id > ''::bytea ORDER BY owner, region, id`
	qReset    = `DELETE FROM records WHERE owner <> $1`
	// Every Update takes a lock on the table before its snapshot, in the
	// pipeline of its BEGIN: the ROW EXCLUSIVE lock that its first write
	// would take anyway (qLockWriter), or, to run alone among the writers
	// (aloneAfter), EXCLUSIVE (qLockAlone). EXCLUSIVE conflicts with ROW
	// EXCLUSIVE, not with the ACCESS SHARE of a SELECT: it waits for the
	// Updates under way to end, and the Updates that begin after it wait
	// until it ends; Views go on. The waiting happens before the snapshot
	// is taken, so the Update alone sees every write that could conflict
	// with it already committed, and the Updates that waited see its own.
	qLockWriter = `LOCK TABLE records IN ROW EXCLUSIVE MODE`
	qLockAlone  = `LOCK TABLE records IN EXCLUSIVE MODE`
)

var errTxDone = errors.New("postgres: Tx used after its View or Update callback returned")

// tx implements store.Tx on one pooled connection, for one run of a View or
// Update callback. The transaction begins with the first statement (BEGIN
// goes out with it), so a callback that reads nothing costs no round trip.
//
// After a statement fails, PostgreSQL refuses every other statement of the
// transaction, so tx remembers the first failure (err), returns it from
// every later call, and never commits: Store.run retries when it is a
// serialization failure, whatever the callback did with it.
type tx struct {
	ctx     context.Context
	conn    *pgx.Conn
	mode    txMode
	alone   bool  // lock with qLockAlone rather than mode.lock
	prepare bool  // prepare statements by name (Store.prepare)
	begun   bool  // BEGIN was sent
	wrote   bool  // a write statement was sent
	done    bool  // the callback returned
	err     error // the first failure of a statement
}

// check reports why t may not run a statement now.
func (t *tx) check(op string, write bool) error {
	switch {
	case t.done:
		return errTxDone
	case write && !t.mode.writable:
		return ErrReadOnly
	case t.err != nil:
		return t.err
	}
	if err := t.ctx.Err(); err != nil {
		return t.fail(op, err)
	}
	t.wrote = t.wrote || write
	return nil
}

// fail records err as the transaction's failure, and returns it classified.
func (t *tx) fail(op string, err error) error {
	err = fmt.Errorf("postgres: %s: %s: %w", t.mode.name, op, classify(err))
	if t.err == nil {
		t.err = err
	}
	return err
}

// run runs one statement, handing each row to scan (nil for a statement
// without rows), and returns its command tag. The transaction's first
// statement is sent in one pipeline with the BEGIN: one round trip for
// both. That is safe: BEGIN turns the pipeline's implicit transaction into
// the explicit one, and takes no snapshot, so its isolation level holds
// from the statement that follows.
func (t *tx) run(op, sql string, args []any, scan func(pgx.Rows) error) (pgconn.CommandTag, error) {
	var (
		tag pgconn.CommandTag
		err error
	)
	if err = t.prepared(sql); err == nil {
		if !t.begun {
			t.begun = true
			tag, err = t.runWithBegin(sql, args, scan)
		} else {
			var rows pgx.Rows
			if rows, err = t.conn.Query(t.ctx, sql, args...); err == nil {
				tag, err = collectRows(rows, scan)
			}
		}
	}
	if err != nil {
		return tag, t.fail(op, err)
	}
	return tag, nil
}

// lock returns the statement that locks the table at the beginning of the
// transaction, if any.
func (t *tx) lock() string {
	if t.alone {
		return qLockAlone
	}
	return t.mode.lock
}

// runWithBegin sends BEGIN, the table lock and the statement together.
func (t *tx) runWithBegin(sql string, args []any, scan func(pgx.Rows) error) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	b := &pgx.Batch{}
	b.Queue(t.mode.begin)
	if lock := t.lock(); lock != "" {
		b.Queue(lock)
	}
	b.Queue(sql, args...).Query(func(rows pgx.Rows) (err error) {
		tag, err = collectRows(rows, scan)
		return err
	})
	return tag, t.conn.SendBatch(t.ctx, b).Close()
}

// collectRows reads rows to the end, handing each to scan, and closes them.
func collectRows(rows pgx.Rows, scan func(pgx.Rows) error) (pgconn.CommandTag, error) {
	defer rows.Close()
	for rows.Next() {
		if scan == nil {
			continue
		}
		if err := scan(rows); err != nil {
			return pgconn.CommandTag{}, err
		}
	}
	rows.Close()
	return rows.CommandTag(), rows.Err()
}

// prepared prepares sql on the connection, and the BEGIN too before the
// first statement, unless they already are: then it costs a map lookup.
// A statement prepared by name, unlike one of pgx's statement cache, is
// kept when a statement fails (pgx drops cached ones then, to prepare them
// again in extra round trips, which would make every serialization failure
// costlier).
func (t *tx) prepared(sql string) error {
	if !t.prepare {
		return nil
	}
	if !t.begun {
		if _, err := t.conn.Prepare(t.ctx, t.mode.begin, t.mode.begin); err != nil {
			return err
		}
		if lock := t.lock(); lock != "" {
			if _, err := t.conn.Prepare(t.ctx, lock, lock); err != nil {
				return err
			}
		}
	}
	_, err := t.conn.Prepare(t.ctx, sql, sql)
	return err
}

// finish ends the transaction after the callback returned ferr: it commits
// if all went well. again says whether it failed to serialize and the
// callback may run again; the caller rolls back what is not committed.
func (t *tx) finish(ferr error) (again bool, err error) {
	switch {
	case retryable(t.err):
		return true, t.err
	case ferr != nil:
		return false, ferr
	case t.err != nil:
		// The callback dropped the error of a statement: the transaction
		// is aborted, and the callback's work is not all there.
		return false, t.err
	case !t.begun:
		return false, nil
	}
	if !t.wrote {
		tag, err := t.conn.Exec(t.ctx, "COMMIT")
		return t.committed(tag, err)
	}
	// One round trip: the COMMIT, then (only if it committed: a failed
	// statement ends a simple query) the step of the write generation.
	results, err := t.conn.PgConn().Exec(t.ctx, qCommitAndStep).ReadAll()
	if err == nil && len(results) == 0 {
		err = errors.New("no result")
	}
	var tag pgconn.CommandTag
	if len(results) > 0 {
		tag = results[0].CommandTag
	}
	return t.committed(tag, err)
}

// qCommitAndStep commits an Update that wrote and steps the write
// generation after it (migrations/0003_generation.sql): a reader that sees
// the new generation begins its snapshot after the commit.
const qCommitAndStep = "COMMIT; SELECT nextval('records_generation')"

// committed reports the outcome of a COMMIT.
func (t *tx) committed(tag pgconn.CommandTag, err error) (again bool, _ error) {
	if err != nil {
		err = fmt.Errorf("postgres: %s: commit: %w", t.mode.name, classify(err))
		return retryable(err), err
	}
	if tag.String() != "COMMIT" {
		return false, fmt.Errorf("postgres: %s: commit: the transaction was rolled back (%s)", t.mode.name, tag)
	}
	return false, nil
}

// rollback ends the transaction if the connection is still in one. If it
// cannot (ctx is done, the connection broke), the pool closes the
// connection on release, which ends the transaction too.
func (t *tx) rollback() {
	pc := t.conn.PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	_, _ = t.conn.Exec(t.ctx, "ROLLBACK")
}

// keyArgs returns the arguments $1 to $4 of a statement on one record.
func keyArgs(tn store.Namespace, k store.Kind, id string) []any {
	return []any{tn.Owner, tn.Region, string(k), bytesOf(id)}
}

// recordArgs returns the arguments of an insert: key, then the document.
func recordArgs(tn store.Namespace, k store.Kind, id string, doc []byte) []any {
	if doc == nil {
		doc = []byte{} // pgx sends a nil slice as NULL
	}
	return []any{tn.Owner, tn.Region, string(k), bytesOf(id), doc}
}

// bytesOf returns s as a bytea argument, never nil (NULL).
func bytesOf(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return []byte(s)
}

// Get implements store.Tx. The returned slice is the caller's own.
func (t *tx) Get(tn store.Namespace, k store.Kind, id string) ([]byte, error) {
	if err := t.check("get", false); err != nil {
		return nil, err
	}
	var doc []byte
	found := false
	_, err := t.run("get", qGet, keyArgs(tn, k, id), func(rows pgx.Rows) error {
		found = true
		return rows.Scan(&doc)
	})
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, store.ErrNotFound
	case doc == nil:
		return []byte{}, nil
	}
	return doc, nil
}

// Create implements store.Tx. A record that exists leaves the transaction
// as it was (ON CONFLICT DO NOTHING: no unique violation aborts it).
func (t *tx) Create(tn store.Namespace, k store.Kind, id string, doc []byte) error {
	if err := t.check("create", true); err != nil {
		return err
	}
	tag, err := t.run("create", qCreate, recordArgs(tn, k, id, doc), nil)
	switch {
	case err != nil:
		return err
	case tag.RowsAffected() == 0:
		return store.ErrExists
	}
	return nil
}

// Put implements store.Tx.
func (t *tx) Put(tn store.Namespace, k store.Kind, id string, doc []byte) error {
	if err := t.check("put", true); err != nil {
		return err
	}
	_, err := t.run("put", qPut, recordArgs(tn, k, id, doc), nil)
	return err
}

// Delete implements store.Tx.
func (t *tx) Delete(tn store.Namespace, k store.Kind, id string) error {
	if err := t.check("delete", true); err != nil {
		return err
	}
	tag, err := t.run("delete", qDelete, keyArgs(tn, k, id), nil)
	switch {
	case err != nil:
		return err
	case tag.RowsAffected() == 0:
		return store.ErrNotFound
	}
	return nil
}

// List implements store.Tx. The documents are the caller's own.
func (t *tx) List(tn store.Namespace, k store.Kind, after string, limit int) ([]store.Item, error) {
	if err := t.check("list", false); err != nil {
		return nil, err
	}
	var lim any // NULL: no limit
	if limit > 0 {
		lim = int64(limit)
	}
	var items []store.Item
	args := []any{tn.Owner, tn.Region, string(k), bytesOf(after), lim}
	_, err := t.run("list", qList, args, func(rows pgx.Rows) error {
		var id, doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return err
		}
		if doc == nil {
			doc = []byte{}
		}
		items = append(items, store.Item{ID: string(id), Doc: doc})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// ListKind implements store.Tx in one statement (qListKind).
func (t *tx) ListKind(k store.Kind) ([]store.NamespacedItem, error) {
	if err := t.check("list kind", false); err != nil {
		return nil, err
	}
	var items []store.NamespacedItem
	_, err := t.run("list kind", qListKind, []any{string(k)}, func(rows pgx.Rows) error {
		var (
			owner, region string
			id, doc       []byte
		)
		if err := rows.Scan(&owner, &region, &id, &doc); err != nil {
			return err
		}
		if doc == nil {
			doc = []byte{}
		}
		items = append(items, store.NamespacedItem{Namespace: store.Namespace{Owner: owner, Region: region}, Item: store.Item{ID: string(id), Doc: doc}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// Count implements store.Tx.
func (t *tx) Count(tn store.Namespace, k store.Kind) (int, error) {
	if err := t.check("count", false); err != nil {
		return 0, err
	}
	var n int
	_, err := t.run("count", qCount, []any{tn.Owner, tn.Region, string(k)}, func(rows pgx.Rows) error {
		return rows.Scan(&n)
	})
	return n, err
}

// deleteAllButSystem deletes every record but those of owner
// store.SystemOwner (store.System); Reset runs it as an Update.
func (t *tx) deleteAllButSystem() error {
	if err := t.check("reset", true); err != nil {
		return err
	}
	_, err := t.run("reset", qReset, []any{store.SystemOwner}, nil)
	return err
}
