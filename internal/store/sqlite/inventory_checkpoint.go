package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// The inventory's write-ahead log is checkpointed off the writer's path.
//
// SQLite's automatic checkpoint runs inside the commit that takes the log
// past its threshold, on the writer's connection: the Write that happens to
// commit then copies tens of megabytes into the database before it returns,
// and no other Write runs meanwhile. That was a quarter of ingest's time. A
// checkpoint only needs a connection of its own, and runs alongside the
// writer (it copies the frames committed before it started while the writer
// appends new ones), so here a goroutine with its own connection does it, on
// the machine's other core:
//
//   - the writer's automatic checkpoint is off (wal_autocheckpoint(0));
//   - after each commit the writer wakes the checkpointer, which runs a
//     PASSIVE checkpoint (it neither waits for nor blocks anyone) and then
//     sleeps at least checkpointEvery, so that a page that many commits
//     rewrite is copied once per interval rather than once per commit;
//   - the log restarts from its beginning only at a commit that finds it
//     fully copied, which a checkpoint racing with a steady writer rarely
//     leaves it; so when the log has grown past checkpointRestartFrames,
//     the writer itself, between two Writes, runs a RESTART checkpoint,
//     which copies the little the checkpointer has not and makes the next
//     commit write from the start of the log again (journal_size_limit
//     then truncates the file).
const (
	checkpointEvery         = 200 * time.Millisecond
	checkpointRestartFrames = 64 << 10 // 256 MB of log in 4 KB pages
)

// checkpointer runs the inventory's checkpoints on a connection of its own.
type checkpointer struct {
	db   *sql.DB
	kick chan struct{}
	stop chan struct{}
	done sync.WaitGroup
	// frames is the size of the log, in frames, that the last checkpoint
	// found; the writer reads it to decide on a RESTART.
	frames atomic.Int64
	// restartFrames is checkpointRestartFrames (tests lower it).
	restartFrames int64
}

// startCheckpointer opens the checkpointer's connection with dsn and starts
// it.
func startCheckpointer(ctx context.Context, dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), restartFrames: checkpointRestartFrames}
	c.done.Add(1)
	go c.run()
	return c, nil
}

// wake asks for a checkpoint; it never blocks.
func (c *checkpointer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer c.done.Done()
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		var busy, frames, copied int64
		// An error (SQLITE_BUSY while another checkpoint runs, say) leaves
		// the log to the next one; the RESTART and Close's final checkpoint
		// bound what is left.
		if err := c.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err == nil {
			c.frames.Store(frames)
		}
		pause.Reset(checkpointEvery)
		select {
		case <-c.stop:
			return
		case <-pause.C:
		}
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	c.done.Wait()
	return c.db.Close()
}

// afterCommit is what the writer does after each commit, holding wmu: it
// wakes the checkpointer, and restarts the log once it has grown too long.
// The commit has happened whatever this finds: a RESTART that fails, or
// that readers keep from finishing within the busy timeout, is logged and
// left to be tried again once the checkpointer has measured the log anew.
func (s *Inventory) afterCommit(ctx context.Context) {
	s.ckpt.wake()
	if s.ckpt.frames.Load() < s.ckpt.restartFrames {
		return
	}
	s.ckpt.frames.Store(0)
	var busy, frames, copied int64
	err := s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &copied)
	if err == nil && busy != 0 {
		err = fmt.Errorf("readers kept it from finishing (%d of %d frames copied)", copied, frames)
	}
	if err != nil {
		s.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "inventory log restart", slog.String("path", s.path), slog.Any("error", err))
	}
}
