package main

import "syscall"

// peakMemory is the most memory the process has held (its maximum
// resident set size), in bytes; 0 when the system does not say.
func peakMemory() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Maxrss) // macOS counts bytes
}
