package check

import "unsafe"

// Cache lines fetched for writing. The two processors of the machines
// deck is measured on do not share a cache, and a line the other
// processor has read is fetched for reading first and then, at the
// write, taken from it in a second round trip; a locked instruction (the
// level table's compare-and-swap) waits for that one. PREFETCHW asks for
// the line to write in one trip, and waits for nothing.

// touchHomesForWrite fetches, for writing, the home slot of each of the
// n pending states (pend points at the first) in a table of mask+1 slots
// of size bytes from table: the level table's slots, or its wakes. It
// returns 0; the other architectures' version loads the slots' first
// words and returns their sum, which its caller keeps so the loads stay.
//
//go:noescape
func touchHomesForWrite(table unsafe.Pointer, mask uint64, size uintptr, pend unsafe.Pointer, n int) uint64

// touchForWrite fetches the line of *p for writing, returning 0 (or, on
// other architectures, *p).
//
//go:noescape
func touchForWrite(p *uint64) uint64

// pause spins for n PAUSE instructions, about 20 ns each here: a waiting
// loop's step that leaves the processor's other work alone.
func pause(n int)
