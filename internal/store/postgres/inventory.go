package postgres

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// ErrInventoryClosed is returned by the methods of an Inventory after its
// Close.
var ErrInventoryClosed = errors.New("postgres: inventory: closed")

// Defaults for the zero values of InventoryOptions.
const (
	// DefaultInventoryWriteAttempts is how many times a Write runs its
	// batch when the database aborts it (InventoryOptions.WriteAttempts).
	DefaultInventoryWriteAttempts = 8
	// DefaultInventoryScanPage is the number of items each page of a Scan
	// reads.
	DefaultInventoryScanPage = 512
	// DefaultInventoryMatchPage is the number of matching keys each
	// statement of a Scan with Match reads: a statement hashes the scope's
	// sources again, which is worth doing once for thousands of keys (80
	// bytes each) rather than once per page of items.
	DefaultInventoryMatchPage = 8192
	// DefaultInventoryPruneChunk is the number of versions each
	// transaction of a Prune deletes at most.
	DefaultInventoryPruneChunk = 10000
)

// InventoryOptions tunes an Inventory. The zero value is ready to use.
type InventoryOptions struct {
	// WriteAttempts is how many times a Write runs its batch, in a new
	// transaction each time, when the database aborts it with an error
	// that a new attempt may not meet: a deadlock or a serialization
	// failure, or another Write (a replica's) inserting one of the batch's
	// new resources first. Zero or less means
	// DefaultInventoryWriteAttempts. (A database that cannot be reached is
	// not retried: the caller gets store.ErrUnavailable at once.)
	WriteAttempts int
	// ScanPage is the number of items each statement of a Scan reads.
	// Zero or less means DefaultInventoryScanPage.
	ScanPage int
	// MatchPage is the number of matching keys each statement of a Scan
	// with Match reads (their items are read ScanPage at a time). Zero or
	// less means DefaultInventoryMatchPage; tests make it small to page.
	MatchPage int
	// PruneChunk is the number of versions each transaction of a Prune
	// deletes at most. Zero or less means DefaultInventoryPruneChunk.
	PruneChunk int
	// UnlockTimeout bounds how long the function that LockSource returns
	// waits for the database to release the lock; past it, the lock's
	// connection is closed, which releases the lock as well. Zero or less
	// means 10 seconds.
	UnlockTimeout time.Duration
}

func (o InventoryOptions) withDefaults() InventoryOptions {
	if o.WriteAttempts <= 0 {
		o.WriteAttempts = DefaultInventoryWriteAttempts
	}
	if o.ScanPage <= 0 {
		o.ScanPage = DefaultInventoryScanPage
	}
	if o.MatchPage <= 0 {
		o.MatchPage = DefaultInventoryMatchPage
	}
	if o.PruneChunk <= 0 {
		o.PruneChunk = DefaultInventoryPruneChunk
	}
	if o.UnlockTimeout <= 0 {
		o.UnlockTimeout = 10 * time.Second
	}
	return o
}

// Inventory is the PostgreSQL backend of [inventory.Store], in the tables
// of migrations/0002_inventory.sql: inventory_resources (one row per
// resource, with its latest version's state), inventory_versions (every
// version) and inventory_counts (the number of live resources of each
// source and type).
//
// Several processes may share the database, each with its own Inventory:
// nothing is held in memory, every read is one statement (each page of a
// List, Count, History or Scan), and each Write is one READ COMMITTED
// transaction that locks the rows of the resources it writes, in key order,
// before it decides what is new (inventory_write.go). A Write that the
// database aborts (a deadlock between replicas, a serialization failure) is
// run again, whole.
//
// Every error of the database goes through classify, so that a database
// that cannot be reached gives errors that wrap store.ErrUnavailable; the
// context's errors are returned as they are.
//
// Inventory is safe for concurrent use.
type Inventory struct {
	db     *DB
	opts   InventoryOptions
	closed atomic.Bool
	// retries counts the Write attempts that the database aborted and that
	// ran again (a deadlock, a serialization failure, a race on a new
	// resource).
	retries atomic.Int64
	// groupsMu is this process's part of the compliance store's group
	// turn (SyncGroup, ReplaceGroups): its writers wait here, so that at
	// most one of them holds a connection while it waits for the
	// database's (complianceGroupsLock).
	groupsMu sync.Mutex
}

var _ inventory.Store = (*Inventory)(nil)

// NewInventory returns the CI store on db, whose schema Open has migrated.
// The Inventory does not own db: Close it before db.
func NewInventory(db *DB, opts InventoryOptions) *Inventory {
	return &Inventory{db: db, opts: opts.withDefaults()}
}

// Close implements [inventory.Store.Close]. It leaves the DB open (the
// control-plane store shares it) and makes every later call, Close
// included, return ErrInventoryClosed. Calls already running finish; a lock
// that LockSource handed out stays held until its unlock.
func (s *Inventory) Close() error {
	if s.closed.Swap(true) {
		return ErrInventoryClosed
	}
	return nil
}

// checkOpen returns ErrInventoryClosed after Close.
func (s *Inventory) checkOpen() error {
	if s.closed.Load() {
		return ErrInventoryClosed
	}
	return nil
}

// invErr wraps an error of the operation op: a database error goes
// through classify (store.ErrUnavailable for a database that cannot be
// reached), and the context's errors, the inventory's sentinels and
// ErrInventoryClosed stay recognizable with errors.Is.
func invErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: inventory: %s: %w", op, classify(err))
}

// errInvNilScope is returned for a query without a scope.
var errInvNilScope = errors.New("postgres: inventory: nil scope (use inventory.AllSources to read every source)")

// invMillis returns t truncated to the millisecond, in UTC: what the store
// keeps of a time.
func invMillis(t time.Time) time.Time {
	return time.UnixMilli(t.UnixMilli()).UTC()
}
