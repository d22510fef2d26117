//go:build linux && !race

package check

import (
	"math"
	"runtime/debug"
	"sync"
	"syscall"
	"unsafe"
)

// newSlots returns a zeroed id table of n slots and, when it is mapped
// outside the Go heap, its mapping (for freeSlots).
//
// A table of more than a few MiB is mapped on its own and backed by huge
// pages (2 MiB) where the kernel allows it (transparent huge pages in
// "madvise" mode, the common default, only serve the memory that asks):
// every successor the workers expand is looked up in the table at a
// random place, and with 4 KiB pages nearly every lookup missed the TLB as
// well as the cache (a page walk, which the processor does few of at once,
// so the lookups' misses did not overlap): about a sixth of expanding and
// a quarter of filing on one worker, measured (docs/performance.md). The
// Go heap does not take the advice (its pages are reused), hence the
// mapping. The Go runtime does not see it, so its soft memory limit (see
// makeRoom) is lowered by the table's size while it is mapped, and the
// process stays within --max-memory as before. Race builds keep the table
// on the heap, where the race detector sees it.
func newSlots(n int) ([]idSlot, []byte) {
	size := n * int(idSlotBytes)
	if size < 8<<20 {
		return make([]idSlot, n), nil
	}
	const huge = 2 << 20
	m, err := syscall.Mmap(-1, 0, size+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]idSlot, n), nil
	}
	p := unsafe.Pointer(unsafe.SliceData(m))
	at := (huge - uintptr(p)%huge) % huge
	body := m[at : at+uintptr(size)]
	_ = syscall.Madvise(body, syscall.MADV_HUGEPAGE) // only advice
	adjustLimit(-int64(len(m)))
	return unsafe.Slice((*idSlot)(unsafe.Pointer(unsafe.SliceData(body))), n), m
}

// freeSlots unmaps a table newSlots mapped.
func freeSlots(m []byte) {
	if m == nil {
		return
	}
	if syscall.Munmap(m) == nil {
		adjustLimit(int64(len(m)))
	}
}

// limitMu makes adjustLimit's read and write one step (checks may run
// side by side, in deck serve).
var limitMu sync.Mutex

// adjustLimit moves the Go runtime's soft memory limit by d bytes, when
// there is one.
func adjustLimit(d int64) {
	limitMu.Lock()
	defer limitMu.Unlock()
	if lim := debug.SetMemoryLimit(-1); lim != math.MaxInt64 {
		debug.SetMemoryLimit(max(lim+d, 1))
	}
}
