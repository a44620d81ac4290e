//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlite

import "time"

// cpuTime is unknown on this platform.
func cpuTime() time.Duration { return 0 }
