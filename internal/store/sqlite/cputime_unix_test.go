//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlite

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) this process has used,
// which, unlike the wall clock, other processes on the machine hardly move.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
