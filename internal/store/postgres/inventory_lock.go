package postgres

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// invLockClass is the first key of the two-key form of PostgreSQL's
// advisory locks, pg_advisory_lock(int, int), that LockSource takes: "sinv"
// (Starling inventory) in ASCII. The two-key form is a key space of its own,
// apart from the one-key (bigint) form that the migration lock
// (migrationLockKey) uses, so the two never meet whatever the hash.
const invLockClass int32 = 0x73696e76

// invSourceLockKey is the second key of src's lock: FNV-1a 32 of its
// account and region. Two sources may share a key (the contract allows
// it); with 32 bits that takes tens of thousands of sources to be likely
// for a pair, and costs only a wait.
func invSourceLockKey(src inventory.Source) int32 {
	h := fnv.New32a()
	h.Write([]byte(src.AccountID))
	h.Write([]byte{0})
	h.Write([]byte(src.Region))
	return int32(h.Sum32())
}

// LockSource implements [inventory.Store.LockSource] with a session
// advisory lock, which holds across every process that shares the
// database: it takes a connection from the pool and holds it, with the
// lock, until unlock. Waiting is pg_advisory_lock's, which the context
// cancels (pgx then closes the connection, and a lock granted just as the
// wait was cancelled dies with its session). unlock runs
// pg_advisory_unlock and gives the connection back, or closes it, which
// releases the lock too, if that fails.
func (s *Inventory) LockSource(ctx context.Context, src inventory.Source) (func(), error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return nil, invErr("LockSource", err)
	}
	key := invSourceLockKey(src)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", invLockClass, key); err != nil {
		// Whether or not the server granted the lock, a session that ends
		// holds none.
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = conn.Conn().Close(closeCtx)
		cancel()
		conn.Release()
		if cerr := ctx.Err(); cerr != nil {
			return nil, invErr("LockSource", cerr)
		}
		return nil, invErr("LockSource", err)
	}
	var once sync.Once
	timeout := s.opts.UnlockTimeout
	return func() {
		once.Do(func() {
			uctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			var released bool
			err := conn.QueryRow(uctx, "SELECT pg_advisory_unlock($1, $2)", invLockClass, key).Scan(&released)
			if err != nil || !released {
				_ = conn.Conn().Close(uctx)
			}
			conn.Release()
		})
	}, nil
}
