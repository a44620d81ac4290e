package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invcodec"
)

// The writer's statements.
const (
	// qInvUpsert makes the version the resource's latest if it is later
	// than the latest, or the first (with the rid it is given). It returns
	// the resource's rid if it did, no row if the resource already has
	// this or a later version.
	qInvUpsert = `INSERT INTO resources (account_id, region, type, resource_id, rid, state_id, deleted, name, status)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, region, type, resource_id) DO UPDATE
SET state_id = excluded.state_id, deleted = excluded.deleted, name = excluded.name, status = excluded.status
WHERE excluded.state_id > resources.state_id
RETURNING rid`
	// qInvInsertVersion stores a version of the resource (which qInvUpsert
	// has made sure of) unless it is stored already; it changes no row then.
	qInvInsertVersion = `INSERT INTO versions (rid, state_id, capture_time, status, version, aws_region, name, arn, az,
creation_time, configuration, supplementary, tags, relationships)
SELECT rid, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
FROM resources WHERE account_id = ? AND region = ? AND type = ? AND resource_id = ?
ON CONFLICT (rid, state_id) DO NOTHING`
)

type writeStmts struct {
	begin, commit, rollback *sql.Stmt
	upsert, version, terms  *sql.Stmt
	all                     []*sql.Stmt
}

func (w *writeStmts) prepare(ctx context.Context, c *sql.Conn) error {
	for _, x := range []struct {
		dst **sql.Stmt
		q   string
	}{
		// Take the write lock at BEGIN, so a batch never fails half-way
		// with SQLITE_BUSY.
		{&w.begin, "BEGIN IMMEDIATE"}, {&w.commit, "COMMIT"}, {&w.rollback, "ROLLBACK"},
		{&w.upsert, qInvUpsert}, {&w.version, qInvInsertVersion}, {&w.terms, qInvUpsertTerms},
	} {
		st, err := c.PrepareContext(ctx, x.q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", x.q, err)
		}
		*x.dst = st
		w.all = append(w.all, st)
	}
	return nil
}

func (w *writeStmts) close() error {
	var errs []error
	for _, st := range w.all {
		errs = append(errs, st.Close())
	}
	w.all = nil
	return errors.Join(errs...)
}

// ctxCheckEvery is how many items Write stores between looks at its
// context. The statements themselves run without it: modernc.org/sqlite
// starts a goroutine per statement to watch a context that can be done.
const ctxCheckEvery = 64

// Write implements [inventory.Store.Write]: the batch is one transaction,
// with the statements prepared once at open. It refuses an item whose key
// has an empty field.
func (s *Inventory) Write(ctx context.Context, items []inventory.Item) (res inventory.WriteResult, err error) {
	if err := ctx.Err(); err != nil {
		return res, err
	}
	for i := range items {
		if err := items[i].Key.Check(); err != nil {
			return res, fmt.Errorf("sqlite: inventory: Write: item %d: %w", i, err)
		}
	}
	if len(items) == 0 {
		return res, s.checkOpen()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.checkOpen(); err != nil {
		return res, err
	}
	bg := context.Background()
	if _, err := s.ws.begin.ExecContext(bg); err != nil {
		return res, fmt.Errorf("sqlite: inventory: begin: %w", err)
	}
	defer func() {
		if err != nil {
			res = inventory.WriteResult{}
			_, _ = s.ws.rollback.ExecContext(bg)
		}
	}()
	next := s.nextRID
	var buf []byte
	var tb termsBatch
	terms := computeTerms(items)
	defer terms() // the goroutine reads items: it must end before Write returns
	for i := range items {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		if buf, err = s.writeItem(items, i, &next, &res, &tb, buf[:0]); err != nil {
			return res, fmt.Errorf("sqlite: inventory: Write: item %d: %w", i, err)
		}
	}
	if err := s.putTerms(&tb, terms()); err != nil {
		return res, fmt.Errorf("sqlite: inventory: Write: terms: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if _, err := s.ws.commit.ExecContext(bg); err != nil {
		return res, fmt.Errorf("sqlite: inventory: commit: %w", err)
	}
	s.nextRID = next
	s.afterCommit(bg)
	return res, nil
}

// writeItem stores items[i] inside Write's transaction, counts it in res,
// and adds it to tb if it became its resource's latest. buf is scratch
// space, returned for reuse.
func (s *Inventory) writeItem(items []inventory.Item, i int, next *int64, res *inventory.WriteResult, tb *termsBatch, buf []byte) ([]byte, error) {
	bg := context.Background()
	it := &items[i]
	var deleted int64
	if it.Deleted() {
		deleted = 1
	}
	var name any
	if it.ResourceName != "" {
		name = it.ResourceName
	}
	// Two statements, no round trip for the rid: the first makes the
	// version the latest if it is (and returns the resource's rid then),
	// the second finds the rid itself. A rid given to a resource that
	// already has one is skipped; rids need only be unique.
	var rid int64
	latest := int64(1)
	err := s.ws.upsert.QueryRowContext(bg, it.AccountID, it.Region, it.ResourceType, it.ResourceID,
		*next, it.StateID, deleted, name, it.Status).Scan(&rid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		latest = 0
	case err != nil:
		return buf, err
	default:
		tb.add(items, i, rid)
	}
	*next++

	// One buffer holds the three encoded columns (inventory_codec.go); each
	// is bound (copied by the driver) before buf is reused.
	buf = invcodec.AppendSupplementary(buf, it.SupplementaryConfiguration)
	sup := len(buf)
	buf = invcodec.AppendTags(buf, it.Tags)
	tags := len(buf)
	buf = invcodec.AppendRelationships(buf, it.Relationships)
	r, err := s.ws.version.ExecContext(bg, it.StateID, it.CaptureTime.UnixMilli(), it.Status, it.Version,
		it.AWSRegion, it.ResourceName, it.ARN, it.AvailabilityZone, nullTime(it.ResourceCreationTime),
		nullBytes(it.Configuration), nullBytes(buf[:sup]), nullBytes(buf[sup:tags]), nullBytes(buf[tags:]),
		it.AccountID, it.Region, it.ResourceType, it.ResourceID)
	if err != nil {
		return buf, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return buf, err
	}
	switch {
	case latest == 1:
		res.New++
	case n == 0:
		res.Unchanged++
	default:
		res.Superseded++
	}
	return buf, nil
}

// nullBytes binds b, or NULL if it is empty.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullTime binds t as milliseconds since the epoch, or NULL if it is zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Prune implements [inventory.Store.Prune]. It deletes in transactions of
// at most pruneChunk versions, so that Writes get their turn in between.
func (s *Inventory) Prune(ctx context.Context, src inventory.Source, cutoff time.Time) (int64, error) {
	var total int64
	for {
		n, err := s.pruneChunk(ctx, src, cutoff)
		total += n
		if err != nil || n < pruneChunk {
			return total, err
		}
	}
}

// pruneChunk is how many versions one transaction of Prune deletes at most.
const pruneChunk = 10000

const qInvPrune = `DELETE FROM versions WHERE rowid IN (
SELECT v.rowid FROM resources r JOIN versions v ON v.rid = r.rid AND v.state_id < r.state_id
WHERE r.account_id = ? AND r.region = ? AND v.capture_time < ?
LIMIT ?)`

func (s *Inventory) pruneChunk(ctx context.Context, src inventory.Source, cutoff time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	r, err := s.w.ExecContext(ctx, qInvPrune, src.AccountID, src.Region, cutoff.UnixMilli(), pruneChunk)
	if err != nil {
		return 0, fmt.Errorf("sqlite: inventory: Prune: %w", err)
	}
	return r.RowsAffected()
}

// Reset implements [inventory.Store.Reset], in one transaction.
func (s *Inventory) Reset(ctx context.Context) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.checkOpen(); err != nil {
		return err
	}
	bg := context.Background()
	if _, err := s.ws.begin.ExecContext(bg); err != nil {
		return fmt.Errorf("sqlite: inventory: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = s.ws.rollback.ExecContext(bg)
		}
	}()
	for _, q := range []string{"DELETE FROM versions", "DELETE FROM resources", "DELETE FROM counts", "DELETE FROM terms"} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite: inventory: Reset: %w", err)
		}
	}
	if _, err := s.ws.commit.ExecContext(bg); err != nil {
		return fmt.Errorf("sqlite: inventory: Reset: commit: %w", err)
	}
	s.nextRID = 1
	return nil
}
