//go:build !linux || race

package check

import "unsafe"

// hugeMapping: mapHuge does not map here.
const hugeMapping = false

// mapHuge maps nothing here: callers allocate on the Go heap (see
// hugemap_linux.go).
func mapHuge(n int) (unsafe.Pointer, []byte) { return nil, nil }

// unmapHuge has nothing to unmap.
func unmapHuge(m []byte) {}

// moveHuge moves nothing here (mapHuge maps nothing).
func moveHuge(body unsafe.Pointer, old []byte, n int) (unsafe.Pointer, []byte) { return nil, nil }
