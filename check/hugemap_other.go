//go:build !linux || race

package check

import "unsafe"

// mapHuge maps nothing here: callers allocate on the Go heap (see
// hugemap_linux.go).
func mapHuge(n int) (unsafe.Pointer, []byte) { return nil, nil }

// unmapHuge has nothing to unmap.
func unmapHuge(m []byte) {}
