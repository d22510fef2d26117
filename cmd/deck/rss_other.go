//go:build !linux && !darwin

package main

// peakMemory is the most memory the process has held; 0: this system does
// not say.
func peakMemory() int64 { return 0 }
