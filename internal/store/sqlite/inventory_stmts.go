package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxReadStmts bounds the statements readStmts keeps prepared. The reads
// build their statements from a few fixed shapes (a scope's sources and a
// filter's lists are bound as arguments, never written into the text), so
// this is far more than they make; a text past it runs unprepared.
const maxReadStmts = 512

// readStmts keeps the reader connections' statements prepared, by text.
// Parsing and planning a statement took 15–20% of a List page's CPU when
// each query prepared its own; database/sql prepares a kept statement
// once on each connection that runs it.
type readStmts struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement of q, preparing it on first use, or
// nil when maxReadStmts are kept already.
func (r *readStmts) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.m[q]; ok {
		return st, nil
	}
	if len(r.m) >= maxReadStmts {
		return nil, nil
	}
	st, err := r.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if r.m == nil {
		r.m = make(map[string]*sql.Stmt)
	}
	r.m[q] = st
	return st, nil
}

// query runs q on a reader connection.
func (r *readStmts) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(ctx, q)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return r.db.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs q, which returns at most one row, on a reader connection.
func (r *readStmts) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	st, err := r.stmt(ctx, q)
	switch {
	case err != nil:
		return errRow{err}
	case st == nil:
		return r.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// rowScanner is what queryRow returns: a *sql.Row, or the error of the
// statement's preparation.
type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// close closes the kept statements.
func (r *readStmts) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, st := range r.m {
		errs = append(errs, st.Close())
	}
	r.m = nil
	return errors.Join(errs...)
}
