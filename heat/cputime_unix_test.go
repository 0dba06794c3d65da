//go:build unix

package heat

import "syscall"

// processCPU returns the CPU time the process has used (user + system), in
// nanoseconds, so that benchmarks can report it next to wall time on a
// loaded machine.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
