package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/migration"
)

// fill writes the records id0 … id(n-1), one Update each, with docs of size
// bytes.
func fill(t *testing.T, s *Store, prefix string, n, size int) {
	t.Helper()
	for i := range n {
		id := fmt.Sprintf("%s%03d", prefix, i)
		if err := s.Update(t.Context(), put(id, docOf(id, size))); err != nil {
			t.Fatalf("Update(%s): %v", id, err)
		}
	}
}

// docOf is the document fill writes for id.
func docOf(id string, size int) string {
	return id + strings.Repeat("x", max(0, size-len(id)))
}

// snapshot copies the database and its log, as they are on disk now, to a
// new directory: what a kill -9 of the store would leave.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	dir := t.TempDir()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(s.path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FileName+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ids returns the ids of kind's records in tn.
func ids(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	err := s.View(t.Context(), func(tx store.Tx) error {
		items, err := tx.List(tn, kind, "", 0)
		for _, it := range items {
			out = append(out, it.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// walFrame is one frame of a log, as the tests need it.
type walFrame struct {
	off    int64
	commit bool
}

// walFrames lists the whole frames of the log at path that carry its
// header's salts, in order.
func walFrames(t *testing.T, path string) (frames []walFrame, frameSize int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	frameSize = walFrameHeaderSize + int64(binary.BigEndian.Uint32(b[8:]))
	for off := int64(walHeaderSize); off+frameSize <= int64(len(b)); off += frameSize {
		if !bytes.Equal(b[off+8:off+16], b[16:24]) {
			break
		}
		frames = append(frames, walFrame{off: off, commit: binary.BigEndian.Uint32(b[off+4:]) != 0})
	}
	return frames, frameSize
}

// mustRefuse opens dir and requires ErrDamaged with a message that holds
// every one of want.
func mustRefuse(t *testing.T, dir string, want ...string) error {
	t.Helper()
	s, err := Open(t.Context(), dir, Options{})
	if err == nil {
		n := len(ids(t, s))
		s.Close()
		t.Fatalf("Open: got nil error (a store with %d records), want ErrDamaged", n)
	}
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open: got %v, want ErrDamaged", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Open: error %q does not say %q", err, w)
		}
	}
	return err
}

// fileBytes returns the file's contents, or nil if there is none.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return b
}

func TestStartupReport(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s := openT(t, dir, opts)
	rep := s.Startup()
	if !rep.Created || rep.QuickCheck != "ok" || rep.DatabaseBytes == 0 || rep.WAL.Bytes != 0 || rep.Path != filepath.Join(dir, FileName) {
		t.Errorf("report of a new store: got %+v, want created, quick_check ok, a database file and no log", rep)
	}
	if got := logs.String(); !strings.Contains(got, "store checked") || !strings.Contains(got, "quick_check=ok") || !strings.Contains(got, "created=true") {
		t.Errorf("log: got %q, want a store checked line", got)
	}
	fill(t, s, "k", 10, 100)
	snap := snapshot(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openT(t, dir, Options{})
	if rep := s.Startup(); rep.Created || rep.QuickCheck != "ok" || rep.WAL.Bytes != 0 {
		t.Errorf("report after a clean Close: got %+v, want not created, quick_check ok and no log", rep)
	}
	s.Close()

	// After a kill the log holds the ten commits, all of it in use.
	s = openT(t, snap, Options{})
	defer s.Close()
	if rep := s.Startup().WAL; rep.Commits != 10 || rep.IgnoredBytes() != 0 || rep.Damage != "" {
		t.Errorf("log report after a kill: got %+v, want 10 commits, nothing ignored", rep)
	}
	if got := len(ids(t, s)); got != 10 {
		t.Errorf("records after a kill: got %d, want 10", got)
	}
}

// TestOpenAfterTornTail cuts the log of a killed store inside its last
// transaction, as a crash during the write can: Open must start, without
// that transaction, and say so.
func TestOpenAfterTornTail(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	fill(t, s, "k", 5, 100)
	if err := s.Update(t.Context(), put("big", docOf("big", 40000))); err != nil { // one transaction of many frames
		t.Fatal(err)
	}
	snap := snapshot(t, s)
	s.Close()
	wal := filepath.Join(snap, FileName+"-wal")
	frames, frameSize := walFrames(t, wal)
	last := frames[len(frames)-1]
	if !last.commit || frames[len(frames)-2].commit {
		t.Fatalf("the last transaction should span frames; got frames %+v", frames)
	}
	whole := fileBytes(t, wal)

	for _, tt := range []struct {
		name string
		log  []byte
	}{
		{"commit frame half written", whole[:last.off+frameSize/2]},
		{"commit frame missing", whole[:last.off]},
		{"commit frame header only", whole[:last.off+walFrameHeaderSize]},
		{"junk after the commit frame", append(whole[:last.off:last.off], bytes.Repeat([]byte{0xAA}, int(2*frameSize))...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), fileBytes(t, filepath.Join(snap, FileName)), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, FileName+"-wal"), tt.log, 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			s, err := Open(t.Context(), dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open: got %v, want nil", err)
			}
			defer s.Close()
			if got, want := strings.Join(ids(t, s), ","), "k000,k001,k002,k003,k004"; got != want {
				t.Errorf("records: got %s, want %s", got, want)
			}
			rep := s.Startup().WAL
			if rep.Commits != 5 || rep.Uncommitted == 0 || rep.IgnoredBytes() == 0 {
				t.Errorf("log report: got %+v, want 5 commits and the cut transaction's frames ignored", rep)
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "never committed") {
				t.Errorf("log: got %q, want a warning about the cut transaction", logs.String())
			}
		})
	}
}

// TestOpenAfterLogRestart writes enough for SQLite to checkpoint and start
// the log again from its beginning, leaving frames of the earlier log after
// the current ones: normal, and not damage.
func TestOpenAfterLogRestart(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	fill(t, s, "k", 400, 3000)
	snap := snapshot(t, s)
	s.Close()
	rep, err := checkWAL(filepath.Join(snap, FileName+"-wal"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stale == 0 {
		t.Fatalf("log report: got %+v, want frames of an earlier log after the current ones", rep)
	}
	s = openT(t, snap, Options{})
	defer s.Close()
	if got := len(ids(t, s)); got != 400 {
		t.Errorf("records: got %d, want 400", got)
	}
}

// TestOpenRefusesDamagedLog garbles a frame in the middle of a killed
// store's log. SQLite would start with the commits before it and silently
// drop those after; Open must refuse, leave the files as they are, and say
// how to start from what is readable, which must then work.
func TestOpenRefusesDamagedLog(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	fill(t, s, "k", 20, 100)
	snap := snapshot(t, s)
	s.Close()
	dbPath := filepath.Join(snap, FileName)
	wal := dbPath + "-wal"
	frames, _ := walFrames(t, wal)
	// The frame that commits the 9th Update: k008.
	commits := 0
	var bad walFrame
	for _, f := range frames {
		if f.commit {
			if commits++; commits == 9 {
				bad = f
				break
			}
		}
	}
	b := fileBytes(t, wal)
	b[bad.off+walFrameHeaderSize+100] ^= 0xFF // a byte of its page
	if err := os.WriteFile(wal, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dbBefore := fileBytes(t, dbPath)

	err := mustRefuse(t, snap, wal, "damaged", fmt.Sprintf("byte %d", bad.off), "truncate -s ", "backup")
	t.Log(err)
	if !bytes.Equal(fileBytes(t, wal), b) || !bytes.Equal(fileBytes(t, dbPath), dbBefore) {
		t.Errorf("the refused Open changed the files")
	}

	// The remedy the message gives: cut the log where SQLite stops.
	rep, cerr := checkWAL(wal)
	if cerr != nil {
		t.Fatal(cerr)
	}
	if want := fmt.Sprintf("truncate -s %d %s", rep.UsedBytes, wal); !strings.Contains(err.Error(), want) {
		t.Fatalf("error: got %q, want it to say %q", err, want)
	}
	if err := os.Truncate(wal, rep.UsedBytes); err != nil {
		t.Fatal(err)
	}
	s = openT(t, snap, Options{})
	defer s.Close()
	if got, want := strings.Join(ids(t, s), ","), "k000,k001,k002,k003,k004,k005,k006,k007"; got != want {
		t.Errorf("records after cutting the log: got %s, want %s", got, want)
	}
}

func TestOpenRefusesDamagedLogHeader(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	fill(t, s, "k", 3, 100)
	snap := snapshot(t, s)
	s.Close()
	wal := filepath.Join(snap, FileName+"-wal")
	b := fileBytes(t, wal)
	b[12] ^= 0x01 // the checkpoint sequence: only the header's checksum notices
	if err := os.WriteFile(wal, b, 0o600); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, snap, wal, "checksum of its header", "mv "+wal)
}

// TestOpenRefusesEmptyDatabase empties the database file, with and without
// a log beside it. SQLite takes an empty file for a new database (and
// deletes its log): Open must refuse and leave both files alone.
func TestOpenRefusesEmptyDatabase(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir, Options{})
		fill(t, s, "k", 3, 100)
		s.Close()
		if err := os.Truncate(filepath.Join(dir, FileName), 0); err != nil {
			t.Fatal(err)
		}
		mustRefuse(t, dir, filepath.Join(dir, FileName), "empty (0 bytes)", "backup")
	})
	t.Run("killed", func(t *testing.T) {
		s := openT(t, t.TempDir(), Options{})
		fill(t, s, "k", 3, 100)
		snap := snapshot(t, s)
		s.Close()
		if err := os.Truncate(filepath.Join(snap, FileName), 0); err != nil {
			t.Fatal(err)
		}
		wal := filepath.Join(snap, FileName+"-wal")
		before := fileBytes(t, wal)
		mustRefuse(t, snap, "empty (0 bytes)", "3 commits")
		if !bytes.Equal(fileBytes(t, wal), before) {
			t.Errorf("the refused Open changed the log")
		}
	})
}

// TestOpenRefusesLogWithoutDatabase removes the database file of a killed
// store: SQLite would create a new, empty database and delete the log.
func TestOpenRefusesLogWithoutDatabase(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	fill(t, s, "k", 3, 100)
	snap := snapshot(t, s)
	s.Close()
	if err := os.Remove(filepath.Join(snap, FileName)); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, snap, "database file is missing", FileName+"-wal")
	if _, err := os.Stat(filepath.Join(snap, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused Open created a database: %v", err)
	}
}

// TestOpenRefusesCorruptDatabase damages the database file of a closed
// store in three ways; SQLite's quick_check, or the header check, must
// catch each.
func TestOpenRefusesCorruptDatabase(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(b []byte) []byte
		want   string
	}{
		{"garbled pages", func(b []byte) []byte {
			for i := 20 * 4096; i < 22*4096; i++ {
				b[i] = 0xA5
			}
			return b
		}, "quick_check"},
		{"cut in half", func(b []byte) []byte { return b[:len(b)/2] }, ""},
		{"garbled header", func(b []byte) []byte {
			copy(b, "not a database!!")
			return b
		}, "SQLite database header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, Options{})
			fill(t, s, "k", 100, 3000)
			s.Close()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, tt.damage(fileBytes(t, path)), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Log(mustRefuse(t, dir, path, tt.want, "backup"))
		})
	}
}

// TestOpenRefusesStrayLog restores a backup over the database of a killed
// store but leaves the store's log: SQLite would apply that log to the
// backup.
func TestOpenRefusesStrayLog(t *testing.T) {
	a := t.TempDir()
	s := openT(t, a, Options{})
	fill(t, s, "a", 50, 1000)
	var backup bytes.Buffer
	if err := s.Backup(t.Context(), &backup); err != nil {
		t.Fatal(err)
	}
	fill(t, s, "b", 50, 1000)
	snap := snapshot(t, s)
	s.Close()
	path := filepath.Join(snap, FileName)
	if err := os.WriteFile(path, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, snap, FileName+"-wal", "does not belong", "restored backup")

	// With the log moved away, the backup opens.
	if err := os.Rename(path+"-wal", filepath.Join(t.TempDir(), "old-wal")); err != nil {
		t.Fatal(err)
	}
	s = openT(t, snap, Options{})
	defer s.Close()
	if got := len(ids(t, s)); got != 50 {
		t.Errorf("records of the restored backup: got %d, want 50", got)
	}
}

// TestFailedCreateLeavesNoDatabase fails the first Open in its migrations:
// no database file may be left, since a database file always has its schema.
func TestFailedCreateLeavesNoDatabase(t *testing.T) {
	dir := t.TempDir()
	bad := []migration.Migration{{Version: 1, Name: "0001_bad.sql", SQL: "CREATE TABLE a (x INTEGER); NOT SQL;"}}
	if s, err := open(t.Context(), dir, Options{}, bad); err == nil {
		s.Close()
		t.Fatal("open with a failing migration: got nil error, want one")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the directory: %s", e.Name())
	}
	s := openT(t, dir, Options{})
	s.Close()
}

// TestOpenRemovesTemporaries checks that Open removes what a crash during
// a first Open or a Backup leaves.
func TestOpenRemovesTemporaries(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	s.Close()
	left := []string{FileName + newSuffix + "123", FileName + newSuffix + "123-wal", FileName + backupSuffix + "456", FileName + backupSuffix + "456-journal"}
	for _, n := range left {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keep := filepath.Join(dir, "starling.db.mine")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, Options{})
	defer s.Close()
	for _, n := range left {
		if _, err := os.Stat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: got %v, want it removed", n, err)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file of another name: got %v, want it kept", err)
	}
}

func TestScanWAL(t *testing.T) {
	// An empty or short log holds nothing, and is no damage.
	for _, b := range [][]byte{nil, []byte("short")} {
		rep, err := scanWAL(bytes.NewReader(b), int64(len(b)))
		if err != nil || rep.Damage != "" || rep.Commits != 0 {
			t.Errorf("scanWAL(%q): got %+v, %v; want nothing", b, rep, err)
		}
	}
	// A header alone, even a bad one, loses nothing.
	hdr := make([]byte, walHeaderSize)
	if rep, err := scanWAL(bytes.NewReader(hdr), walHeaderSize); err != nil || rep.Damage != "" {
		t.Errorf("scanWAL(zero header): got %+v, %v; want no damage", rep, err)
	}
	// Frames behind a zeroed header are lost.
	b := make([]byte, walHeaderSize+walFrameHeaderSize+4096)
	if rep, err := scanWAL(bytes.NewReader(b), int64(len(b))); err != nil || !strings.Contains(rep.Damage, "bad magic") {
		t.Errorf("scanWAL(zeroed log): got %+v, %v; want damage", rep, err)
	}
}

// The in-use tests run this test binary again as a child that holds a
// store open until its standard input closes, or that tries to open one.
const (
	childDirEnv  = "STARLING_SQLITE_CHILD_DIR"
	childModeEnv = "STARLING_SQLITE_CHILD_MODE"
)

func TestChildProcess(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("helper process for the in-use tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dir, Options{BusyTimeout: 10 * time.Millisecond})
	switch os.Getenv(childModeEnv) {
	case "hold":
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println("open")
		_, _ = os.Stdin.Read(make([]byte, 1)) // until the parent closes it
		s.Close()
	case "try":
		switch {
		case err == nil:
			fmt.Println("opened")
			s.Close()
		case errors.Is(err, ErrInUse):
			fmt.Println("in use")
		default:
			fmt.Println("error:", err)
		}
	}
	os.Exit(0)
}

// child starts the helper process on dir in mode.
func child(t *testing.T, dir, mode string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childModeEnv+"="+mode)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	return cmd, &out
}

// tryOpen reports what the helper process found when it opened dir.
func tryOpen(t *testing.T, dir string) string {
	t.Helper()
	cmd, out := child(t, dir, "try")
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v", err)
	}
	return strings.TrimSpace(out.String())
}

// TestCloseKeepsLockToTheEnd checks that the store keeps its lock until its
// connection is closed: closing its own descriptor of the file first would
// drop SQLite's locks, and a second Starling could start while the first
// still checkpoints.
func TestCloseKeepsLockToTheEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	fill(t, s, "k", 3, 100)
	if got := tryOpen(t, dir); got != "in use" {
		t.Fatalf("second process while the store is open: got %q, want in use", got)
	}
	var during string
	s.beforeCloseConns = func() { during = tryOpen(t, dir) }
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if during != "in use" {
		t.Errorf("second process while the store closes: got %q, want in use", during)
	}
	if got := tryOpen(t, dir); got != "opened" {
		t.Errorf("second process after Close: got %q, want opened", got)
	}
}

// TestInUseProbe checks the probe that tells a damaged-looking log from one
// that another process is writing.
func TestInUseProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	s.Close()
	f, err := os.Open(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if inUse(f) {
		t.Fatalf("inUse of a closed store: got true, want false")
	}
	cmd, _ := child(t, dir, "hold")
	cmd.Stdout = nil
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	// The child says when it has the store open.
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "open\n" {
		t.Fatalf("child: got %q, %v; want open", line, err)
	}
	if !inUse(f) {
		t.Errorf("inUse of a store another process holds: got false, want true")
	}
}
