package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/starlingcfg/starling/internal/store"
)

// SQLSTATEs the backend treats specially
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	sqlstateSerializationFailure = "40001"
	sqlstateDeadlockDetected     = "40P01"
	sqlstateUniqueViolation      = "23505"
)

// retryable reports whether err aborted a transaction that may succeed if
// run again from the start: a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == sqlstateSerializationFailure || pe.Code == sqlstateDeadlockDetected
	}
	return false
}

// isUniqueViolation reports whether err is a unique-key violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == sqlstateUniqueViolation
}

// unavailableError is an error that means the database could not be
// reached or could not serve; it wraps store.ErrUnavailable and the cause.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("postgres: %s: database unavailable: %v", e.op, e.err)
}

func (e *unavailableError) Unwrap() []error { return []error{store.ErrUnavailable, e.err} }

func unavailable(op string, err error) error { return &unavailableError{op: op, err: err} }

// classify returns err, wrapped with store.ErrUnavailable when it means
// the database is down or unreachable rather than that the statement was
// wrong: a connection that could not be made or broke, or a server
// shutting down, starting up or refusing connections (SQLSTATE classes 08
// and 57P, 53300 too many connections). The context's own errors are left
// as they are: the caller gave up.
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && pe.Code[:2] == "08", // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // admin/crash shutdown, cannot connect now
			pe.Code == "53300": // too many connections
			return unavailable("query", err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || isClosedConn(err) {
		return unavailable("query", err)
	}
	return err
}

// isClosedConn reports whether err says the connection was closed under
// the statement (the server went away mid-query).
func isClosedConn(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
