package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
	"github.com/starlingcfg/starling/internal/inventory/invterms"
)

// How a Write stores a batch, correctly when several processes write at
// once: one READ COMMITTED transaction of three round trips besides BEGIN
// and COMMIT, each of statements over arrays (unnest) rather than one per
// CI.
//
//  1. Lock the rows of the batch's resources that exist (SELECT ... FOR
//     UPDATE), in key order, and read their latest StateID, deleted flag
//     and ctid. In READ COMMITTED a locked row is read as last committed,
//     and no other Write can change it until this one commits, so what
//     this Write decides from here on holds.
//  2. INSERT the resources that were missing, in key order, with the
//     batch's latest version of each (RETURNING their rids): the insert
//     is the lock of a new row. A plain INSERT, not ON CONFLICT (whose
//     speculative insertion costs more): a key that another Write
//     inserted meanwhile is a unique violation, which aborts the attempt,
//     and the next one finds the key in step 1.
//  3. In Go: which of the batch's versions become their resource's latest
//     (New), which resources change, and how the counts of live resources
//     change.
//  4. One pipelined round trip: UPDATE the resources whose latest version
//     changed (by ctid); INSERT the versions of the new resources (a plain
//     INSERT: a new rid has none) and those of the others with ON CONFLICT
//     (rid, state_id) DO NOTHING (a version already stored is unchanged;
//     RETURNING tells which were stored); add the changes to
//     inventory_counts, in key order. Then COMMIT.
//
// Writes lock in key order (resources, then counts), so Writes of the same
// resources queue rather than deadlock, but for rare interleavings; the
// database aborts one of those (a deadlock), or a serialization failure,
// and the Write runs the batch again from the start, up to
// InventoryOptions.WriteAttempts times: it is idempotent.
//
// An existing resource takes no rid; a new one takes one from the
// identity's sequence (an aborted attempt burns some, which is harmless:
// rids need only be unique).

// qInvLockKeys locks the rows of the keys that exist, one key after the
// other in the arrays' order (key order; the nested loop over the unnest
// keeps it): a LATERAL subquery with FOR UPDATE is not flattened, so each
// key is one probe of the primary key and one row lock, whatever the
// table's size (a join could hash the whole table). It returns each row's
// ctid, which stays the row's while the transaction holds the lock, for
// qInvUpdateResources.
const qInvLockKeys = `SELECT k.i, r.rid, r.state_id, r.deleted, r.ctid
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[]) AS k(account_id, region, type, resource_id, i)
CROSS JOIN LATERAL (
  SELECT r.rid, r.state_id, r.deleted, r.ctid FROM inventory_resources r
  WHERE r.account_id = k.account_id AND r.region = k.region AND r.type = k.type AND r.resource_id = k.resource_id
  FOR UPDATE) r`

const qInvInsertResources = `INSERT INTO inventory_resources (account_id, region, type, resource_id, state_id, deleted, name, status)
SELECT b.account_id, b.region, b.type, b.resource_id, b.state_id, b.deleted, NULLIF(b.name, ''), b.status
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::bool[], $7::text[], $8::text[])
  WITH ORDINALITY AS b(account_id, region, type, resource_id, state_id, deleted, name, status, i)
ORDER BY b.i
RETURNING account_id, region, type, resource_id, rid`

// qInvUpdateResources makes the batch's versions the latest of resources
// that qInvLockKeys locked, found by their ctid (a TID scan each, no index
// probe); the state_id check restates what Write decided.
const qInvUpdateResources = `UPDATE inventory_resources r
SET state_id = b.state_id, deleted = b.deleted, name = NULLIF(b.name, ''), status = b.status
FROM unnest($1::tid[], $2::int8[], $3::bool[], $4::text[], $5::text[]) AS b(row_id, state_id, deleted, name, status)
WHERE r.ctid = b.row_id AND b.state_id > r.state_id`

// qInvInsertVersions stores versions; configuration_doc is the jsonb form
// of the configuration's bytes when Go found jsonb would take them
// (invJSONBSafe), so that the bytes cross the wire once.
// qInvInsertNewVersions stores those of new resources, a plain INSERT (a
// new rid has none); qInvInsertOldVersions those of the others, leaving
// the ones already stored as they are and returning the ones it stored.
const (
	qInvInsertVersions = `INSERT INTO inventory_versions (rid, state_id, capture_time, status, version, aws_region, name, arn, az,
  creation_time, configuration, configuration_doc, supplementary, tags, relationships)
SELECT b.rid, b.state_id, b.capture_time, b.status, b.version, b.aws_region, b.name, b.arn, b.az,
  b.creation_time, NULLIF(b.configuration, '\x'::bytea),
  CASE WHEN b.doc THEN convert_from(b.configuration, 'UTF8')::jsonb END,
  NULLIF(b.supplementary, '\x'::bytea), NULLIF(b.tags, '')::jsonb, NULLIF(b.relationships, '')::jsonb
FROM unnest($1::int8[], $2::int8[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
  $10::timestamptz[], $11::bytea[], $12::bool[], $13::bytea[], $14::text[], $15::text[])
  AS b(rid, state_id, capture_time, status, version, aws_region, name, arn, az,
    creation_time, configuration, doc, supplementary, tags, relationships)`
	qInvInsertNewVersions = qInvInsertVersions
	qInvInsertOldVersions = qInvInsertVersions + `
ON CONFLICT (rid, state_id) DO NOTHING
RETURNING rid, state_id`
)

// qInvAddCounts adds to the counts of live resources, in key order; a row
// whose count does not change (a new resource that is a deletion) is
// created if missing but not rewritten.
const qInvAddCounts = `INSERT INTO inventory_counts AS c (account_id, region, type, n)
SELECT b.account_id, b.region, b.type, b.n
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) WITH ORDINALITY AS b(account_id, region, type, n, i)
ORDER BY b.i
ON CONFLICT (account_id, region, type) DO UPDATE SET n = c.n + excluded.n WHERE excluded.n <> 0`

// qInvPutTerms keeps the terms of the resources whose latest version the
// Write changed, while it holds their rows' locks. Each resource's terms
// come as the text of an int4[] (invTermsArray): their numbers differ
// from resource to resource, which a two-dimensional array cannot hold.
const qInvPutTerms = `INSERT INTO inventory_terms AS t (type, rid, account_id, region, resource_id, terms)
SELECT b.type, b.rid, b.account_id, b.region, b.resource_id, b.terms::int4[]
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[]) AS b(account_id, region, type, resource_id, rid, terms)
ON CONFLICT (type, rid) DO UPDATE SET terms = excluded.terms`

// errInvRaced aborts an attempt of a Write that another Write overtook: it
// inserted a resource this one had found missing, or the store changed
// between this one's statements (a Reset). The Write runs again.
var errInvRaced = errors.New("postgres: inventory: a concurrent write changed a resource of the batch")

// invWriteKey is one resource of a batch.
type invWriteKey struct {
	key inventory.Key
	top int // index in the batch of its version with the largest StateID

	// What the attempt found, reset at its start.
	found      bool       // whether the row is locked (existing or inserted)
	existed    bool       // whether it existed before the batch
	rid        int64      // the resource's number
	latest     int64      // the latest StateID before the batch, if existed
	oldDeleted bool       // whether that version is a deletion, if existed
	row        pgtype.TID // the locked row's ctid, if existed
}

// invWritePlan is what a Write computes from its batch once, before any
// attempt.
type invWritePlan struct {
	items []inventory.Item
	keys  []invWriteKey         // the batch's resources, in key order
	index map[inventory.Key]int // keys' index by key
	// keyOf is the index in keys of each item's resource, or -1 for an item
	// whose (Key, StateID) an earlier item of the batch has (it is
	// Unchanged).
	keyOf []int
	// candidate is whether each item's StateID is larger than every
	// earlier item's of its resource: it is New if it is also larger than
	// the stored latest.
	candidate []bool
	dups      int
	// kept are the items to store (keyOf >= 0), in key and then StateID
	// order, so that new resources' versions go in rid order.
	kept []int

	// The resources' columns, in keys' order: the key's fields, the index
	// (0..len(keys)-1), and the batch's latest version's StateID, whether
	// it is a deletion, its name and its status.
	accounts, regions, types, ids []string
	order                         []int32
	topStates                     []int64
	topDeleted                    []bool
	topNames                      []string
	topStatuses                   []string
	topTerms                      []string // invTermsArray

	// The versions' columns, in kept's order, but for the rids (an
	// attempt's).
	states                                           []int64
	captures, creations                              []pgtype.Timestamptz
	statuses, versions, awsRegions, names, arns, azs []string
	configurations, supplementaries                  [][]byte
	docs                                             []bool
	tags, relationships                              []string
}

type invRidState struct{ rid, state int64 }

func invCmpKey(a, b inventory.Key) int {
	return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Region, b.Region),
		strings.Compare(a.ResourceType, b.ResourceType), strings.Compare(a.ResourceID, b.ResourceID))
}

// invPlanWrite computes the plan of a batch whose keys are all valid.
func invPlanWrite(items []inventory.Item) *invWritePlan {
	p := &invWritePlan{
		items:     items,
		index:     make(map[inventory.Key]int, len(items)),
		keyOf:     make([]int, len(items)),
		candidate: make([]bool, len(items)),
	}
	type version struct {
		k     inventory.Key
		state int64
	}
	seen := make(map[version]struct{}, len(items))
	for i := range items {
		it := &items[i]
		v := version{it.Key, it.StateID}
		if _, dup := seen[v]; dup {
			p.keyOf[i] = -1
			p.dups++
			continue
		}
		seen[v] = struct{}{}
		k, ok := p.index[it.Key]
		switch {
		case !ok:
			k = len(p.keys)
			p.index[it.Key] = k
			p.keys = append(p.keys, invWriteKey{key: it.Key, top: i})
			p.candidate[i] = true
		case it.StateID > items[p.keys[k].top].StateID:
			p.keys[k].top = i
			p.candidate[i] = true
		}
		p.keyOf[i] = k
	}
	// Key order: every Write locks rows in it.
	perm := make([]int, len(p.keys))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(a, b int) int { return invCmpKey(p.keys[a].key, p.keys[b].key) })
	rank := make([]int, len(perm))
	sorted := make([]invWriteKey, len(perm))
	for r, old := range perm {
		rank[old] = r
		sorted[r] = p.keys[old]
	}
	p.keys = sorted
	for i, k := range p.keyOf {
		if k >= 0 {
			p.keyOf[i] = rank[k]
			p.kept = append(p.kept, i)
		}
	}
	for k := range p.index {
		p.index[k] = rank[p.index[k]]
	}
	slices.SortFunc(p.kept, func(a, b int) int {
		return cmp.Or(cmp.Compare(p.keyOf[a], p.keyOf[b]), cmp.Compare(items[a].StateID, items[b].StateID))
	})

	n := len(p.keys)
	p.accounts, p.regions, p.types, p.ids = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	p.order, p.topStates, p.topDeleted, p.topNames = make([]int32, n), make([]int64, n), make([]bool, n), make([]string, n)
	p.topStatuses, p.topTerms = make([]string, n), make([]string, n)
	for i, k := range p.keys {
		p.accounts[i], p.regions[i], p.types[i], p.ids[i] = k.key.AccountID, k.key.Region, k.key.ResourceType, k.key.ResourceID
		p.order[i] = int32(i)
		top := &items[k.top]
		p.topStates[i], p.topDeleted[i], p.topNames[i], p.topStatuses[i] = top.StateID, top.Deleted(), top.ResourceName, top.Status
		p.topTerms[i] = invTermsArray(invterms.Of(top))
	}

	m := len(p.kept)
	p.states = make([]int64, m)
	p.captures, p.creations = make([]pgtype.Timestamptz, m), make([]pgtype.Timestamptz, m)
	p.statuses, p.versions, p.awsRegions = make([]string, m), make([]string, m), make([]string, m)
	p.names, p.arns, p.azs = make([]string, m), make([]string, m), make([]string, m)
	p.configurations, p.supplementaries = make([][]byte, m), make([][]byte, m)
	p.docs = make([]bool, m)
	p.tags, p.relationships = make([]string, m), make([]string, m)
	var scratch []byte
	for j, i := range p.kept {
		it := &items[i]
		p.states[j] = it.StateID
		p.captures[j] = pgtype.Timestamptz{Time: invMillis(it.CaptureTime), Valid: true}
		if !it.ResourceCreationTime.IsZero() {
			p.creations[j] = pgtype.Timestamptz{Time: invMillis(it.ResourceCreationTime), Valid: true}
		}
		p.statuses[j], p.versions[j], p.awsRegions[j] = it.Status, it.Version, it.AWSRegion
		p.names[j], p.arns[j], p.azs[j] = it.ResourceName, it.ARN, it.AvailabilityZone
		p.configurations[j] = it.Configuration
		p.docs[j] = invJSONBSafe(it.Configuration)
		p.supplementaries[j] = invcodec.AppendSupplementary(nil, it.SupplementaryConfiguration)
		scratch = invAppendTags(scratch[:0], it.Tags)
		p.tags[j] = string(scratch)
		scratch = invAppendRelationships(scratch[:0], it.Relationships)
		p.relationships[j] = string(scratch)
	}
	return p
}

// Write implements [inventory.Store.Write].
func (s *Inventory) Write(ctx context.Context, items []inventory.Item) (inventory.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return inventory.WriteResult{}, err
	}
	if err := s.checkOpen(); err != nil {
		return inventory.WriteResult{}, err
	}
	for i := range items {
		if err := items[i].Key.Check(); err != nil {
			return inventory.WriteResult{}, fmt.Errorf("postgres: inventory: Write: item %d: %w", i, err)
		}
	}
	if len(items) == 0 {
		return inventory.WriteResult{}, nil
	}
	p := invPlanWrite(items)
	for attempt := 1; ; attempt++ {
		res, err := s.writeOnce(ctx, p)
		if err == nil {
			return res, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return inventory.WriteResult{}, invErr("Write", cerr)
		}
		if attempt >= s.opts.WriteAttempts || !(retryable(err) || errors.Is(err, errInvRaced)) {
			return inventory.WriteResult{}, invErr("Write", err)
		}
		s.retries.Add(1)
		if err := invBackoff(ctx, attempt); err != nil {
			return inventory.WriteResult{}, invErr("Write", err)
		}
	}
}

// invBackoff waits before attempt+1: a few milliseconds, doubling, with
// jitter so that the Writes that deadlocked do not meet again.
func invBackoff(ctx context.Context, attempt int) error {
	d := time.Duration(1<<min(attempt, 7)) * time.Millisecond
	d += rand.N(d)
	return sleep(ctx, d)
}

// invRollback ends tx if it is still open; an error (a broken connection)
// leaves the pool to discard the connection.
func invRollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx)
}

// writeOnce is one attempt at the batch, in a transaction of its own.
func (s *Inventory) writeOnce(ctx context.Context, p *invWritePlan) (res inventory.WriteResult, err error) {
	for i := range p.keys {
		k := &p.keys[i]
		k.found, k.existed, k.rid, k.latest, k.oldDeleted, k.row = false, false, 0, 0, false, pgtype.TID{}
	}
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return res, err
	}
	defer invRollback(ctx, tx)

	// 1. Lock the resources that exist.
	if err := p.lock(ctx, tx); err != nil {
		return res, err
	}
	// 2. Insert the others.
	var missing []int
	for i := range p.keys {
		if !p.keys[i].found {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		if err := p.insert(ctx, tx, missing); err != nil {
			return res, err
		}
	}

	// 3. What changes: the resources to update, the versions of new and
	// of existing resources, the counts.
	var upd, changed []int // updated resources; new and updated ones
	type prefix struct{ account, region, typ string }
	deltas := map[prefix]int64{}
	var prefixes []prefix
	addDelta := func(k inventory.Key, d int64) {
		pf := prefix{k.AccountID, k.Region, k.ResourceType}
		if _, ok := deltas[pf]; !ok {
			prefixes = append(prefixes, pf) // in key order, as keys are
		}
		deltas[pf] += d
	}
	live := func(deleted bool) int64 {
		if deleted {
			return 0
		}
		return 1
	}
	for i := range p.keys {
		k := &p.keys[i]
		switch {
		case !k.existed:
			addDelta(k.key, live(p.topDeleted[i]))
			changed = append(changed, i)
		case p.topStates[i] > k.latest:
			upd = append(upd, i)
			changed = append(changed, i)
			if d := live(p.topDeleted[i]) - live(k.oldDeleted); d != 0 {
				addDelta(k.key, d)
			}
		}
	}
	rids := make([]int64, len(p.kept))
	var newVersions, oldVersions []int // positions in kept
	for j, i := range p.kept {
		k := &p.keys[p.keyOf[i]]
		rids[j] = k.rid
		if k.existed {
			oldVersions = append(oldVersions, j)
		} else {
			newVersions = append(newVersions, j)
		}
	}

	// 4. One round trip for the rest, then COMMIT.
	b := &pgx.Batch{}
	if len(upd) > 0 {
		rows, states, dels, names := make([]pgtype.TID, len(upd)), make([]int64, len(upd)), make([]bool, len(upd)), make([]string, len(upd))
		statuses := make([]string, len(upd))
		for j, i := range upd {
			rows[j], states[j], dels[j], names[j] = p.keys[i].row, p.topStates[i], p.topDeleted[i], p.topNames[i]
			statuses[j] = p.topStatuses[i]
		}
		b.Queue(qInvUpdateResources, rows, states, dels, names, statuses)
	}
	if len(newVersions) > 0 {
		b.Queue(qInvInsertNewVersions, p.versionArgs(newVersions, rids)...)
	}
	if len(oldVersions) > 0 {
		b.Queue(qInvInsertOldVersions, p.versionArgs(oldVersions, rids)...)
	}
	if len(prefixes) > 0 {
		acc, reg, typ, ns := make([]string, len(prefixes)), make([]string, len(prefixes)), make([]string, len(prefixes)), make([]int64, len(prefixes))
		for j, pf := range prefixes {
			acc[j], reg[j], typ[j], ns[j] = pf.account, pf.region, pf.typ, deltas[pf]
		}
		b.Queue(qInvAddCounts, acc, reg, typ, ns)
	}
	if len(changed) > 0 {
		rids := make([]int64, len(changed))
		for j, i := range changed {
			rids[j] = p.keys[i].rid
		}
		b.Queue(qInvPutTerms, invGather(p.accounts, changed), invGather(p.regions, changed), invGather(p.types, changed),
			invGather(p.ids, changed), rids, invGather(p.topTerms, changed))
	}
	inserted := make([]bool, len(p.items))
	for _, j := range newVersions {
		inserted[p.kept[j]] = true
	}
	err = func() error {
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if len(upd) > 0 {
			tag, err := br.Exec()
			if err != nil {
				return err
			}
			if tag.RowsAffected() != int64(len(upd)) {
				return errInvRaced // a ctid that is no longer the row's: cannot be while it is locked
			}
		}
		if len(newVersions) > 0 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if len(oldVersions) > 0 {
			// The stored versions, by (rid, state_id).
			versionOf := make(map[invRidState]int, len(oldVersions))
			for _, j := range oldVersions {
				versionOf[invRidState{rids[j], p.states[j]}] = p.kept[j]
			}
			rows, err := br.Query()
			if err != nil {
				return err
			}
			var rs invRidState
			_, err = pgx.ForEachRow(rows, []any{&rs.rid, &rs.state}, func() error {
				if i, ok := versionOf[rs]; ok {
					inserted[i] = true
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if len(prefixes) > 0 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if len(changed) > 0 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return br.Close()
	}()
	if err != nil {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, err
	}

	res.Unchanged = p.dups
	for i := range p.items {
		k := p.keyOf[i]
		switch {
		case k < 0:
		case !inserted[i]:
			res.Unchanged++
		case p.candidate[i] && (!p.keys[k].existed || p.items[i].StateID > p.keys[k].latest):
			res.New++
		default:
			res.Superseded++
		}
	}
	return res, nil
}

// versionArgs returns the arguments of qInvInsertVersions for the kept
// items at the positions js, with rids the resources' rids in kept's order.
func (p *invWritePlan) versionArgs(js []int, rids []int64) []any {
	if len(js) == len(p.kept) {
		return []any{rids, p.states, p.captures, p.statuses, p.versions, p.awsRegions, p.names, p.arns, p.azs,
			p.creations, p.configurations, p.docs, p.supplementaries, p.tags, p.relationships}
	}
	return []any{invGather(rids, js), invGather(p.states, js), invGather(p.captures, js), invGather(p.statuses, js),
		invGather(p.versions, js), invGather(p.awsRegions, js), invGather(p.names, js), invGather(p.arns, js),
		invGather(p.azs, js), invGather(p.creations, js), invGather(p.configurations, js), invGather(p.docs, js),
		invGather(p.supplementaries, js), invGather(p.tags, js), invGather(p.relationships, js)}
}

// invGather returns the elements of src at the positions js.
func invGather[T any](src []T, js []int) []T {
	dst := make([]T, len(js))
	for i, j := range js {
		dst[i] = src[j]
	}
	return dst
}

// lock locks the rows of the batch's resources that exist and records
// what they hold.
func (p *invWritePlan) lock(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, qInvLockKeys, p.accounts, p.regions, p.types, p.ids, p.order)
	if err != nil {
		return err
	}
	var (
		i       int32
		rid     int64
		state   int64
		deleted bool
		row     pgtype.TID
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &rid, &state, &deleted, &row}, func() error {
		if i < 0 || int(i) >= len(p.keys) {
			return fmt.Errorf("postgres: inventory: lock: key %d out of range", i)
		}
		k := &p.keys[i]
		k.found, k.existed, k.rid, k.latest, k.oldDeleted, k.row = true, true, rid, state, deleted, row
		return nil
	})
	return err
}

// insert inserts the rows of the keys at idx (ascending), with their
// batch's latest version. A key that a concurrent Write inserted since
// lock looked is errInvRaced.
func (p *invWritePlan) insert(ctx context.Context, tx pgx.Tx, idx []int) error {
	n := len(idx)
	acc, reg, typ, ids := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	states, dels, names, statuses := make([]int64, n), make([]bool, n), make([]string, n), make([]string, n)
	for j, i := range idx {
		acc[j], reg[j], typ[j], ids[j] = p.accounts[i], p.regions[i], p.types[i], p.ids[i]
		states[j], dels[j], names[j], statuses[j] = p.topStates[i], p.topDeleted[i], p.topNames[i], p.topStatuses[i]
	}
	rows, err := tx.Query(ctx, qInvInsertResources, acc, reg, typ, ids, states, dels, names, statuses)
	if err != nil {
		return err
	}
	var (
		k     inventory.Key
		rid   int64
		found int
	)
	_, err = pgx.ForEachRow(rows, []any{&k.AccountID, &k.Region, &k.ResourceType, &k.ResourceID, &rid}, func() error {
		i, ok := p.index[k]
		if !ok {
			return fmt.Errorf("postgres: inventory: insert returned a key not in the batch")
		}
		wk := &p.keys[i]
		wk.found, wk.existed, wk.rid = true, false, rid
		found++
		return nil
	})
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", errInvRaced, err)
	}
	if err == nil && found != n {
		return errInvRaced
	}
	return err
}

// Prune implements [inventory.Store.Prune]: transactions of at most
// InventoryOptions.PruneChunk versions each, so that Writes of the same
// resources wait for none of them long.
func (s *Inventory) Prune(ctx context.Context, src inventory.Source, cutoff time.Time) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		if err := s.checkOpen(); err != nil {
			return total, err
		}
		tag, err := s.db.pool.Exec(ctx, qInvPrune, src.AccountID, src.Region, invMillis(cutoff), s.opts.PruneChunk)
		if err != nil {
			return total, invErr("Prune", err)
		}
		n := tag.RowsAffected()
		total += n
		if n < int64(s.opts.PruneChunk) {
			return total, nil
		}
	}
}

// qInvPrune deletes a chunk of the source's versions captured before the
// cutoff, but the latest of each resource (state_id < the resource's
// state_id). It walks the source's range of the primary key of resources,
// and for each resource its range of versions (the LATERAL, which OFFSET 0
// keeps from being flattened into a join that could read every version);
// the DELETE finds the rows by ctid (versions are never updated, so a
// version's ctid is its own until it is deleted).
const qInvPrune = `DELETE FROM inventory_versions
WHERE ctid = ANY(ARRAY(
  SELECT v.ctid
  FROM inventory_resources r
  CROSS JOIN LATERAL (
    SELECT v.ctid FROM inventory_versions v
    WHERE v.rid = r.rid AND v.state_id < r.state_id AND v.capture_time < $3
    OFFSET 0) v
  WHERE r.account_id = $1 AND r.region = $2
  LIMIT $4))`

// Reset implements [inventory.Store.Reset]: one TRUNCATE of the four
// tables, which waits for the Writes and reads in progress and makes the
// next ones wait for it. Resources first: the table every Write locks
// first, so that the two take their locks in the same order.
func (s *Inventory) Reset(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		_, err := s.db.pool.Exec(ctx, "TRUNCATE inventory_resources, inventory_versions, inventory_counts, inventory_terms")
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt >= s.opts.WriteAttempts || !retryable(err) {
			return invErr("Reset", err)
		}
		if err := invBackoff(ctx, attempt); err != nil {
			return invErr("Reset", err)
		}
	}
}
