//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlite

import (
	"os"
	"syscall"
)

// SQLite's unix locks: record locks on a range of the database file at 1 GiB
// (the pending byte, the reserved byte and the 510 shared bytes), whatever
// the file's size.
const (
	lockRangeStart = 0x40000000
	lockRangeLen   = 512
)

// inUse reports whether another process holds one of SQLite's locks on the
// database file f, that is, has the database open. It asks without taking a
// lock, so it disturbs nobody; an error counts as no.
func inUse(f *os.File) bool {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: lockRangeStart, Len: lockRangeLen}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != syscall.F_UNLCK
}
