// Package store defines the persistence contract that every backend (SQLite
// now, PostgreSQL later) implements, and that storetest checks.
//
// The store keeps opaque documents keyed by tenant, kind and id. It owns bytes
// and transactions; all AWS behaviour lives in the services above it.
package store

import (
	"context"
	"errors"
)

// Sentinel errors returned by Tx methods. Compare with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
)

// Tenant is the isolation unit of every record: one account in one region.
// Global resources (AWS Organizations) use an empty Region.
type Tenant struct {
	AccountID string
	Region    string
}

// Kind names a record type, such as "ConfigurationAggregator".
type Kind string

// Item is one record returned by List.
type Item struct {
	ID  string
	Doc []byte
}

// Store runs transactions.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it if fn returns
	// nil; if fn returns an error none of its writes are kept. Updates are
	// serializable. When Update returns nil the writes are durable: they
	// survive a crash of the process.
	//
	// fn must not keep Tx or the byte slices it returns after it returns, and
	// must have no side effects outside the transaction: a backend may run
	// several callers' fns inside one database transaction (group commit).
	Update(ctx context.Context, fn func(Tx) error) error
	// Reset deletes every record of every tenant.
	Reset(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// Tx reads and writes records. It is valid only inside the View or Update
// callback that received it; write methods fail inside View.
type Tx interface {
	// Get returns the document, or ErrNotFound.
	Get(t Tenant, k Kind, id string) ([]byte, error)
	// Create adds a document, or returns ErrExists.
	Create(t Tenant, k Kind, id string, doc []byte) error
	// Put adds or replaces a document.
	Put(t Tenant, k Kind, id string, doc []byte) error
	// Delete removes a document, or returns ErrNotFound.
	Delete(t Tenant, k Kind, id string) error
	// List returns up to limit documents of the tenant and kind whose ids sort
	// after after (byte order), in id order. limit <= 0 means no limit.
	List(t Tenant, k Kind, after string, limit int) ([]Item, error)
	// Count returns the number of documents of the tenant and kind.
	Count(t Tenant, k Kind) (int, error)
}
