package sqlite

import (
	"os"
	"syscall"
)

// datasync flushes f's data, and the metadata needed to read it back (its
// size), but not its timestamps: fdatasync(2). The log is overwritten in
// place once a checkpoint has emptied it, so most syncs change no size and
// skip a journal commit of the file system.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
