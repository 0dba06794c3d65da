//go:build unix

package magnum_test

import "syscall"

// processCPU returns the user and system CPU time the process has used,
// in nanoseconds: next to wall time it shows how much of a tick is work
// and how much is waiting.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
