//go:build !linux || race

package check

// newSlots returns a zeroed id table of n slots, on the Go heap (see
// idtable_linux.go for Linux).
func newSlots(n int) ([]idSlot, []byte) { return make([]idSlot, n), nil }

// freeSlots does nothing: the table is the Go heap's.
func freeSlots(m []byte) {}
