package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// peakMemory is the most memory the process has held (its maximum
// resident set size), in bytes; 0 when the system does not say. It is
// VmHWM, the peak of the process's own memory since it started deck: the
// maximum resident set size of getrusage also counts, for a process
// started by vfork (as Go's os/exec starts one), the peak of its parent.
func peakMemory() int64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" && f[2] == "kB" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10 // Linux counts KiB
}
