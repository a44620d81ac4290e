//go:build !linux

package sqlite

import "os"

// datasync flushes f to stable storage; fdatasync(2) is not available
// everywhere, so other systems use fsync.
func datasync(f *os.File) error { return f.Sync() }
