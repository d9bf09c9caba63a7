//go:build unix

package ops

import "syscall"

// processCPU returns the CPU time (user + system) the process has used, in
// milliseconds. Benchmarks report it per op because wall time is noisy on a
// shared machine.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec)*1e3 + float64(ru.Utime.Usec+ru.Stime.Usec)/1e3
}
