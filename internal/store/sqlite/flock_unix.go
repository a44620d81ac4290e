//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flockFile creates the file at path if needed and takes an exclusive
// flock(2) on it, or returns ErrInUse if another open file description (of
// this process or another) holds it. The lock lasts until release, or until
// the process ends, however it ends. flock locks are not the POSIX record
// locks SQLite takes, so neither disturbs the other.
func flockFile(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked", ErrInUse, path)
		}
		return nil, fmt.Errorf("sqlite: lock %s: %w", path, err)
	}
	return func() { _ = f.Close() }, nil // closing the last descriptor releases the lock
}
