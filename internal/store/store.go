// Package store defines the persistence contract that every backend (SQLite
// now, PostgreSQL later) implements, and that storetest checks.
//
// The store keeps opaque documents keyed by namespace, kind and id. It owns
// bytes and transactions; all AWS behaviour lives in the services above it.
package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
)

// Sentinel errors returned by Tx methods. Compare with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	// ErrUnavailable is wrapped by the errors of a backend whose database
	// cannot be reached or cannot serve for now (PostgreSQL restarting,
	// say): the request may succeed if sent again later. The server
	// answers it with ServiceUnavailable (HTTP 503), which AWS's SDKs
	// retry. The CI store's backends use it too.
	ErrUnavailable = errors.New("store: database unavailable")
)

// Namespace is who a record belongs to, and the unit of isolation: every Tx
// method names one, so that a record of one owner cannot be read or written
// through another's by accident.
//
//   - An account's records in one region: Regional(account, region).
//   - Global records, of an account, of an AWS Organizations organization,
//     or of a service-wide directory: Global(owner), whose Region is empty.
//   - Starling's own records, which belong to no account: System.
type Namespace struct {
	// Owner is an AWS account id (12 digits), an organization id (o-…), the
	// name of a service-wide directory, or SystemOwner.
	Owner string
	// Region is the AWS region of regional records; empty for global ones.
	Region string
}

// Regional returns the namespace of an account's records in a region.
func Regional(account, region string) Namespace {
	return Namespace{Owner: account, Region: region}
}

// Global returns the namespace of an owner's global records.
func Global(owner string) Namespace { return Namespace{Owner: owner} }

// CompareNamespaces orders namespaces by Owner, then Region, comparing
// bytes as Go compares strings (the order of ListKind): it returns -1, 0
// or +1 as a is before, the same as or after b.
func CompareNamespaces(a, b Namespace) int {
	return cmp.Or(strings.Compare(a.Owner, b.Owner), strings.Compare(a.Region, b.Region))
}

// SortedNamespaces returns the namespaces of ts in CompareNamespaces order,
// each once, in a new slice.
func SortedNamespaces(ts []Namespace) []Namespace {
	return slices.CompactFunc(slices.SortedFunc(slices.Values(ts), CompareNamespaces),
		func(a, b Namespace) bool { return a == b })
}

// SystemOwner is the Owner of System. It can be no account id (12 digits)
// nor organization id (o-…).
const SystemOwner = "starling"

// System is the namespace of Starling's own records, such as the key that
// signs pagination tokens. Reset keeps them: they are not state that a
// client created, and replicas sharing a store must keep agreeing on them.
var System = Global(SystemOwner)

// Kind names a record type, such as "ConfigurationAggregator".
type Kind string

// Item is one record returned by List.
type Item struct {
	ID  string
	Doc []byte
}

// NamespacedItem is one record returned by ListKind: an Item and the
// namespace it belongs to.
type NamespacedItem struct {
	Namespace Namespace
	Item
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
	//
	// fn may run more than once for one call: a backend on a database that
	// aborts conflicting transactions (PostgreSQL's SERIALIZABLE) runs it
	// again, on a fresh Tx, after a serialization failure, and only the last
	// run's writes and result count. So fn must decide from what it reads
	// through Tx, not from what an earlier run did (no counting of attempts,
	// no values carried out of the closure and reused on the next run). The
	// SQLite backend runs each fn once.
	Update(ctx context.Context, fn func(Tx) error) error
	// Reset deletes every record of every namespace but System, as one
	// durable, serializable write.
	Reset(ctx context.Context) error
	// Generation returns the store's write generation: a number that grows
	// each time an Update or Reset commits writes, in this process or (on a
	// shared database) in any other. It never decreases, and it may grow
	// without writes.
	//
	// It lets callers cache what they derive from the records: read g,
	// then derive the value in a View that begins after Generation returned;
	// while Generation still returns g, that value is current. Every write
	// whose Update returned before Generation was called has changed the
	// generation by then.
	Generation(ctx context.Context) (uint64, error)
	// Close releases the store's resources.
	Close() error
}

// Tx reads and writes records. It is valid only inside the View or Update
// callback that received it; write methods fail inside View.
type Tx interface {
	// Get returns the document, or ErrNotFound.
	Get(t Namespace, k Kind, id string) ([]byte, error)
	// Create adds a document, or returns ErrExists.
	Create(t Namespace, k Kind, id string, doc []byte) error
	// Put adds or replaces a document.
	Put(t Namespace, k Kind, id string, doc []byte) error
	// Delete removes a document, or returns ErrNotFound.
	Delete(t Namespace, k Kind, id string) error
	// List returns up to limit documents of the namespace and kind whose ids sort
	// after after (byte order), in id order. limit <= 0 means no limit.
	List(t Namespace, k Kind, after string, limit int) ([]Item, error)
	// Count returns the number of documents of the namespace and kind.
	Count(t Namespace, k Kind) (int, error)
	// ListKind returns every document of kind k of every namespace, in
	// one read: in namespace order (CompareNamespaces), then in id order
	// within a namespace, each naming its namespace; what List(t, k, "", 0)
	// returns for each namespace t, together. As List does, it sees the
	// writes the transaction made before it, and the documents are the
	// caller's own. It reads the whole kind, on a database without an
	// index for it: it is for rare reads (what a process derives from the
	// records when it starts), not for requests.
	ListKind(k Kind) ([]NamespacedItem, error)
}
