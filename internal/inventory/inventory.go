// Package inventory defines the contract of the configuration-item (CI)
// store: every version of every resource that the source accounts' recorders
// have recorded, indexed for the reads of AWS Config's inventory, aggregate
// and query operations. It knows neither HTTP, nor AWS's wire shapes, nor SQL;
// backends (SQLite, PostgreSQL) implement Store, and inventorytest is the
// conformance suite every backend runs unchanged.
//
// It is separate from the control-plane store (package store), whose
// documents are few, small and held in memory: CIs grow with every account's
// resources, so a backend keeps them in indexed tables, serves reads from
// the database, and never loads everything.
package inventory

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/fnv"
	"iter"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned when a resource has no recorded version.
var ErrNotFound = errors.New("inventory: not found")

// ErrInvalidCursor is returned for a Cursor the backend did not make for the
// same query.
var ErrInvalidCursor = errors.New("inventory: invalid cursor")

// Source is one (account, region) that records configuration items: the
// unit an aggregator reads, and the unit of isolation of every read.
// Region is the region the item was recorded in (the delivery path's region
// segment), which for global resource types (IAM) differs from the item's
// AWSRegion ("global").
type Source struct {
	AccountID string
	Region    string
}

// CompareSources orders sources by AccountID, then Region (the order of
// List): it returns -1, 0 or +1 as a is before, the same as or after b.
func CompareSources(a, b Source) int {
	return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Region, b.Region))
}

// Key identifies one resource in one source.
type Key struct {
	Source
	ResourceType string
	ResourceID   string
}

// Check returns an error naming the first empty field of k (what Store.Write
// refuses), or nil.
func (k Key) Check() error {
	switch {
	case k.AccountID == "":
		return errors.New("empty account id")
	case k.Region == "":
		return errors.New("empty region")
	case k.ResourceType == "":
		return errors.New("empty resource type")
	case k.ResourceID == "":
		return errors.New("empty resource id")
	}
	return nil
}

// Configuration item statuses (ConfigurationItemStatus in the AWS model).
const (
	StatusOK                         = "OK"
	StatusResourceDiscovered         = "ResourceDiscovered"
	StatusResourceNotRecorded        = "ResourceNotRecorded"
	StatusResourceDeleted            = "ResourceDeleted"
	StatusResourceDeletedNotRecorded = "ResourceDeletedNotRecorded"
)

// Relationship is one relationship of a CI to another resource.
type Relationship struct {
	ResourceType string
	// ResourceID or ResourceName may be empty: some relationships carry
	// only one of them.
	ResourceID   string
	ResourceName string
	// Name is the relationship's name, such as "Is associated with
	// SecurityGroup".
	Name string
}

// Item is one version of one resource's configuration.
//
// A store keeps its times to the millisecond (AWS Config's precision) and
// returns them in UTC; it keeps Configuration and the supplementary values
// byte for byte. Empty and nil maps, slices and Configuration may come back
// either way.
type Item struct {
	Key
	// StateID is configurationStateId: per resource, a larger StateID is a
	// later version. (Key, StateID) identifies a version.
	StateID     int64
	CaptureTime time.Time
	// Status is one of the Status constants; a deleted resource's latest
	// version has StatusResourceDeleted (or ResourceDeletedNotRecorded).
	Status string
	// Version is configurationItemVersion, such as "1.3".
	Version string
	// AWSRegion is the item's awsRegion: Source.Region, or "global" for
	// global resource types.
	AWSRegion        string
	ResourceName     string // "" when the resource has none
	ARN              string
	AvailabilityZone string // "" when absent
	// ResourceCreationTime is the zero time when unknown.
	ResourceCreationTime time.Time
	// Configuration is the configuration document as recorded, compact JSON
	// (an object, or null for a deleted resource); never re-encoded, so that
	// key order and numbers are kept.
	Configuration json.RawMessage
	// SupplementaryConfiguration maps names to JSON values as recorded.
	SupplementaryConfiguration map[string]json.RawMessage
	Tags                       map[string]string
	Relationships              []Relationship
}

// Deleted reports whether the version records the resource's deletion.
func (it *Item) Deleted() bool {
	return it.Status == StatusResourceDeleted || it.Status == StatusResourceDeletedNotRecorded
}

// Scope is the set of sources a read may see. A nil *Scope in a query is
// an error; use AllSources only where no caller boundary applies (tools,
// tests). A backend turns a scope into one join or IN list, never into a
// query per source, so an aggregator of 10,000 accounts is one query.
type Scope struct {
	// All, when true, admits every source and Sources is ignored.
	All bool
	// Sources are the admitted sources; duplicates are harmless, and none
	// admits nothing.
	Sources []Source

	// built is true for a scope NewScope made: Sources are sorted,
	// without duplicates, and digest is SourcesDigest's answer.
	built  bool
	digest uint64
}

// NewScope returns the scope of srcs, sorted and without duplicates, with
// SourcesDigest computed once. A scope that many reads share (an
// aggregator's readable sources) so costs them neither a sort nor a hash
// of thousands of sources each. It must not be modified afterwards.
func NewScope(srcs []Source) *Scope {
	sc := &Scope{Sources: srcs}
	sc.Sources = sc.SortedSources()
	sc.digest, sc.built = digestSources(sc.Sources), true
	return sc
}

// SourcesDigest returns a 64-bit digest of the scope's sources, sorted and
// without duplicates, or 0 if the scope admits all. It is FNV-1a over each
// source's account and region, each as a uvarint length and its bytes,
// after their number as a uvarint: stable across processes and versions,
// since store cursors carry it.
func (sc *Scope) SourcesDigest() uint64 {
	switch {
	case sc.All:
		return 0
	case sc.built:
		return sc.digest
	}
	return digestSources(sc.SortedSources())
}

// digestSources is SourcesDigest of srcs, sorted and without duplicates.
func digestSources(srcs []Source) uint64 {
	h := fnv.New64a()
	b := binary.AppendUvarint(nil, uint64(len(srcs)))
	for _, s := range srcs {
		b = binary.AppendUvarint(b, uint64(len(s.AccountID)))
		b = append(b, s.AccountID...)
		b = binary.AppendUvarint(b, uint64(len(s.Region)))
		b = append(b, s.Region...)
		if len(b) > 4096 {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	return h.Sum64()
}

// SortedSources returns the scope's sources sorted (CompareSources) and
// without duplicates, or nil if the scope admits all: Sources itself when
// it already is (a scope built in order, and one that a caller reuses for
// many reads, costs one pass and no copy), or else a sorted copy. Callers
// must not modify the result.
func (sc *Scope) SortedSources() []Source {
	if sc.All {
		return nil
	}
	if sc.built || strictlySorted(sc.Sources) {
		return sc.Sources
	}
	srcs := slices.Clone(sc.Sources)
	slices.SortFunc(srcs, CompareSources)
	return slices.Compact(srcs)
}

// strictlySorted reports whether each source sorts after the one before.
func strictlySorted(srcs []Source) bool {
	for i := 1; i < len(srcs); i++ {
		if CompareSources(srcs[i-1], srcs[i]) >= 0 {
			return false
		}
	}
	return true
}

// OneSource returns the scope of a single source.
func OneSource(s Source) *Scope { return &Scope{Sources: []Source{s}} }

// AllSources returns the scope that admits every source.
func AllSources() *Scope { return &Scope{All: true} }

// Filter narrows the resources a List, Count or Scan sees. Empty fields do
// not narrow. Only each resource's latest version is considered, and a
// resource whose latest version is a deletion is excluded unless
// IncludeDeleted.
type Filter struct {
	// ResourceTypes admits these types only.
	ResourceTypes []string
	// ResourceIDs admits these ids only.
	ResourceIDs []string
	// ResourceName admits resources of exactly this name.
	ResourceName string
	// AccountID and Region narrow the scope further (the aggregate
	// operations' filters).
	AccountID string
	Region    string
	// IncludeDeleted also admits resources whose latest version records
	// their deletion.
	IncludeDeleted bool
}

// AdmitsSource reports whether f's AccountID and Region admit the source.
func (f *Filter) AdmitsSource(src Source) bool {
	return (f.AccountID == "" || src.AccountID == f.AccountID) && (f.Region == "" || src.Region == f.Region)
}

// NarrowSources returns the sources of srcs that f's AccountID and Region
// admit, in their order: srcs itself if f has neither, else a new slice
// (nil if none is admitted).
func (f *Filter) NarrowSources(srcs []Source) []Source {
	if f.AccountID == "" && f.Region == "" {
		return srcs
	}
	var in []Source
	for _, src := range srcs {
		if f.AdmitsSource(src) {
			in = append(in, src)
		}
	}
	return in
}

// Cursor resumes a paged read after the last item of the previous page. It
// is opaque to callers (who wrap it in a signed page token) and "" for the
// first page. A page resumes after the previous page's last key (keyset
// paging), so writes between pages never make a page repeat a resource, nor
// skip one that is admitted throughout. A cursor made for another query,
// or not made by the store, is refused with ErrInvalidCursor (a backend
// that cannot tell may instead resume within the query's own results, never
// outside them).
type Cursor string

// ListQuery is a paged list of the latest version of each resource.
type ListQuery struct {
	Scope  *Scope
	Filter Filter
	// Limit is the page size; it must be positive.
	Limit  int
	Cursor Cursor
	// KeysOnly reads each item's Key and ResourceName (its latest
	// version's) only, and leaves the other fields zero: what a listing of
	// identifiers needs, without reading the versions. The pages and their
	// cursors are those of the same query without it.
	KeysOnly bool
}

// ListPage is one page of a List, ordered by (AccountID, Region,
// ResourceType, ResourceID): source by source, the order a store keeps them
// in. Next is "" on the last page.
type ListPage struct {
	Items []Item
	Next  Cursor
}

// GroupBy is the key a Count groups by.
type GroupBy int

// The keys of GetDiscoveredResourceCounts and
// GetAggregateDiscoveredResourceCounts.
const (
	GroupNone GroupBy = iota
	GroupResourceType
	GroupAccountID
	GroupRegion
)

// CountQuery counts the latest, non-deleted versions of the resources that
// Scope and Filter admit (Filter.IncludeDeleted is ignored), grouped by
// GroupBy, one page of groups at a time in ascending group order.
type CountQuery struct {
	Scope   *Scope
	Filter  Filter
	GroupBy GroupBy
	// Queried counts the resources that advanced query sees instead of the
	// live ones: those whose latest version's status is neither
	// ResourceNotRecorded nor ResourceDeletedNotRecorded, deleted ones
	// (ResourceDeleted) included. Filter.IncludeDeleted is ignored then.
	Queried bool
	// Limit is the number of groups per page; <= 0 means all.
	Limit  int
	Cursor Cursor
}

// Group is the count of one group key.
type Group struct {
	Key   string
	Count int64
}

// CountResult is one page of groups. Total counts every admitted resource,
// whichever page this is. With GroupNone, Groups is empty.
type CountResult struct {
	Total  int64
	Groups []Group
	Next   Cursor
}

// HistoryQuery pages through one resource's versions captured within
// [Earlier, Later] (zero times do not bound), in StateID order.
type HistoryQuery struct {
	Key            Key
	Earlier, Later time.Time
	// Chronological is oldest first (ascending StateID); the default is
	// newest first.
	Chronological bool
	// Limit is the page size; it must be positive.
	Limit  int
	Cursor Cursor
}

// HistoryPage is one page of a History. Next is "" on the last page.
type HistoryPage struct {
	Items []Item
	Next  Cursor
}

// ScanQuery streams the latest version of each admitted resource, in List
// order. It is what the query engine pushes its work down into. A scan is
// not one snapshot: a backend may read it in pages, like List, each
// consistent in itself.
type ScanQuery struct {
	Scope  *Scope
	Filter Filter
	// At, when not zero, reads the past: each admitted resource's version
	// that was current at At, the one with the largest StateID among its
	// versions captured at or before At, instead of its latest. A resource
	// with no version captured by then is left out, and so is one whose
	// version then records its deletion, unless Filter.IncludeDeleted.
	// Filter.ResourceName is matched against that version's name. It is
	// how a configuration snapshot of a past time is taken (starling
	// export --at).
	At time.Time
	// Match, when not empty, lets the backend leave out resources whose
	// latest version lacks, for some element of Match, every Term in it:
	// the elements are a conjunction of disjunctions of terms (package
	// invterms says which terms an item has). It is a hint for the query
	// engine, which checks every item it gets: a backend may return
	// resources that lack the terms (it keeps terms hashed), but never
	// leaves out one that has them. It is ignored with At. With Match,
	// items come in an order of the backend's choosing, each resource
	// once.
	Match [][]Term
	// WithoutRelationships leaves every item's Relationships empty, so
	// that a backend need neither read nor decode them: for readers that
	// never look at them (the managed rules' evaluation).
	WithoutRelationships bool
	// WithoutConfigurationOf lists resource types (sorted) whose items
	// come with Configuration and SupplementaryConfiguration empty, as
	// WithoutRelationships leaves Relationships: for a reader of those
	// types' own fields and tags only (the rule of tags, of the types no
	// other rule evaluated with it reads), so that a backend need neither
	// read nor send their documents.
	WithoutConfigurationOf []string
}

// Term is a value at a path of an item, as package invterms defines them:
// Path such as configuration.instanceType or tags.key, and the value's
// Text.
type Term struct {
	Path, Text string
}

// Project returns yield, or, when q leaves parts of the items out
// (WithoutRelationships, WithoutConfigurationOf), a yield that hands its
// items on without those parts: for a backend's Scan of a kind that reads
// them anyway (of a past time, of terms), or whose statement leaves out
// only some of them.
func (q *ScanQuery) Project(yield func(Item, error) bool) func(Item, error) bool {
	rels, bare := q.WithoutRelationships, q.WithoutConfigurationOf
	if !rels && len(bare) == 0 {
		return yield
	}
	return func(it Item, err error) bool {
		if rels {
			it.Relationships = nil
		}
		if _, ok := slices.BinarySearch(bare, it.ResourceType); ok {
			it.Configuration, it.SupplementaryConfiguration = nil, nil
		}
		return yield(it, err)
	}
}

// ScanPages returns the sequence of the items of successive pages, for a
// backend whose Scan reads List pages: read returns the page after the key
// after (nil: the first page) and whether another page follows; ScanPages
// reads the next page after the previous page's last key, checking ctx
// before each, and ends after the first error (read's or ctx's). Nothing is
// read until the sequence is iterated.
func ScanPages(ctx context.Context, read func(after *Key) (items []Item, more bool, err error)) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		var after *Key
		for {
			if err := ctx.Err(); err != nil {
				yield(Item{}, err)
				return
			}
			items, more, err := read(after)
			if err != nil {
				yield(Item{}, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !more {
				return
			}
			last := items[len(items)-1].Key
			after = &last
		}
	}
}

// WriteResult counts what a Write did with the versions it was given.
type WriteResult struct {
	// New versions became a resource's latest.
	New int
	// Unchanged versions were already stored (same Key and StateID).
	Unchanged int
	// Superseded versions were stored as history only: the resource already
	// had a later version.
	Superseded int
}

// Add adds o's counts to r.
func (r *WriteResult) Add(o WriteResult) {
	r.New += o.New
	r.Unchanged += o.Unchanged
	r.Superseded += o.Superseded
}

// Store is a CI store. Every method is safe for concurrent use.
//
// There are no update functions to retry: each write is one batch that the
// backend commits atomically, and is idempotent (a version already stored is
// left as it is), so a backend may retry a batch after a serialization
// failure or a lost connection without the caller noticing.
type Store interface {
	// Write stores the versions atomically: all of them or none. A version
	// whose (Key, StateID) is already stored is unchanged (even if its
	// other fields differ; within one batch, the first of two such wins);
	// the latest version of each resource is the one with the largest
	// StateID. A batch with an item whose Key has an empty field is refused
	// whole. When Write returns nil the versions are durable (as the
	// backend's sync setting defines).
	Write(ctx context.Context, items []Item) (WriteResult, error)
	// Get returns the latest version of the resource, deleted or not, or
	// ErrNotFound.
	Get(ctx context.Context, k Key) (Item, error)
	// BatchGet returns the latest version of each resource that has one, in
	// the order of keys; keys without a version are left out, and a key
	// given twice is answered twice.
	BatchGet(ctx context.Context, keys []Key) ([]Item, error)
	// BatchGetBase is BatchGet without each item's Tags and Relationships,
	// which a BaseConfigurationItem does not have, so that a backend need
	// not read nor decode them.
	BatchGetBase(ctx context.Context, keys []Key) ([]Item, error)
	// List returns a page of the latest versions that q admits.
	List(ctx context.Context, q ListQuery) (ListPage, error)
	// Count counts the latest versions that q admits.
	Count(ctx context.Context, q CountQuery) (CountResult, error)
	// History returns a page of one resource's versions, or ErrNotFound if
	// the resource has none (a resource with versions, none of them in the
	// range, has an empty page).
	History(ctx context.Context, q HistoryQuery) (HistoryPage, error)
	// Scan streams the latest versions that q admits without holding them
	// all in memory. The sequence ends after the first error it yields.
	Scan(ctx context.Context, q ScanQuery) iter.Seq2[Item, error]
	// Prune deletes the versions of the source captured before cutoff,
	// except each resource's latest version (retention keeps the current
	// state), and returns how many it deleted. It may delete in several
	// transactions, so that writers are not held up for long; each leaves
	// the store consistent.
	Prune(ctx context.Context, src Source, cutoff time.Time) (int64, error)
	// LockSource takes the source's numbering lock and returns the function
	// that releases it: the writes that number versions themselves (read a
	// resource's latest version, then write the next) hold it, so that two
	// of them cannot pick the same StateID. It holds across every process
	// that shares the store (PostgreSQL replicas), not only within one. A
	// backend may share one lock among several sources (striping, hashing),
	// so a holder must not wait for another source's lock. It waits until
	// the lock is free or ctx is done (returning ctx's error). unlock must
	// be called exactly once.
	LockSource(ctx context.Context, src Source) (unlock func(), err error)
	// Reset deletes every version of every resource.
	Reset(ctx context.Context) error
	// Close releases the store.
	Close() error
}
