//go:build !linux && !darwin

package main

// peakMemory is the most memory the process has held; 0: this system does
// not say.
func peakMemory() int64 { return 0 }

// residentMemory is the memory the process holds now; 0: not known here
// (the Go runtime's own count stands in for it).
func residentMemory() int64 { return 0 }
