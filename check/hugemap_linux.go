//go:build linux && !race

package check

import (
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeMapping: mapHuge maps here.
const hugeMapping = true

// mapHuge returns n zeroed bytes (n at least hugePage) in a mapping of their
// own outside the Go heap, aligned to 2 MiB and advised to be backed by
// huge pages, and the mapping, for unmapHuge. It returns nil when n is
// smaller or the mapping fails: the caller then allocates on the heap.
//
// The memory deck maps this way (hugeSlice) is its hash tables, looked up
// at random (with 4 KiB pages nearly every lookup missed the TLB as well
// as the cache, and the page walks do not overlap the way cache misses
// do), and arrays written from end to end: the frontier's arena slabs,
// the progress graph and its scratch. Every
// 4 KiB page written for the first time is a page fault, 10-15 µs each on
// the virtual machines deck is measured on: before the search's memory was
// mapped this way, faults took up to a quarter of a search
// (docs/performance.md, "Huge pages"). The Go heap gives neither the
// alignment nor the advice (it reuses pages an earlier search touched).
// The Go runtime does not see the mapping, so its soft memory limit (see
// makeRoom) is lowered by the mapping's body while it lives, and the
// process stays within --max-memory as before. Race builds keep
// everything on the heap, where the race detector sees it.
func mapHuge(n int) (unsafe.Pointer, []byte) {
	if n < hugePage {
		return nil, nil
	}
	// Whole huge pages, so that moveHuge moves whole pages.
	n = (n + hugePage - 1) &^ (hugePage - 1)
	// Mapped with x/sys/unix, not syscall.Mmap: that one keeps a record
	// of each mapping until the whole mapping is unmapped through it, and
	// moveHuge unmaps a mapping in pieces (a record would stay behind for
	// every array moved, in a process that checks again and again: deck
	// serve).
	size := uintptr(n + hugePage)
	at0, err := unix.MmapPtr(-1, 0, nil, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, nil
	}
	m := unsafe.Slice((*byte)(at0), size)
	at := (hugePage - uintptr(at0)%hugePage) % hugePage
	body := m[at : at+uintptr(n)]
	_ = syscall.Madvise(body, syscall.MADV_HUGEPAGE) // only advice
	adjustLimit(-bodyBytes(m))
	mappedBytes.Add(int64(len(m)))
	return unsafe.Pointer(unsafe.SliceData(body)), m
}

// moveHuge returns a mapping of n bytes, as mapHuge does, whose first
// bytes are those of old (a mapping from mapHuge, whose data start at
// body), and unmaps old; or nil, leaving old as it was, when the system
// will not. The kernel moves old's pages into the new mapping (mremap)
// instead of copying them: a growing array (the progress graph's, its
// queue) was copied, into pages faulted in for the copy, each time it
// doubled, a tenth of the progress check on one worker (docs/performance.md).
func moveHuge(body unsafe.Pointer, old []byte, n int) (unsafe.Pointer, []byte) {
	p, m := mapHuge(n)
	if p == nil {
		return nil, nil
	}
	base := unsafe.Pointer(unsafe.SliceData(old))
	size := uintptr(len(old)) - hugePage // the old body, whole huge pages (mapHuge)
	// MREMAP_FIXED puts the pages at p, in place of the new mapping's
	// first pages; both ends are 2 MiB aligned, so huge pages move whole.
	r, err := unix.MremapPtr(body, size, p, size, unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED)
	if err != nil || r != p {
		unmapHuge(m)
		return nil, nil
	}
	// Unmap what is left of old: the space before its body and after
	// it. Not old as a whole: the range the body left is free now, and
	// another thread may have mapped something there.
	before := uintptr(body) - uintptr(base)
	if before > 0 {
		_ = unix.MunmapPtr(base, before)
	}
	if after := uintptr(len(old)) - before - size; after > 0 {
		_ = unix.MunmapPtr(unsafe.Add(body, size), after)
	}
	adjustLimit(bodyBytes(old))
	mappedBytes.Add(-int64(len(old)))
	return p, m
}

// unmapHuge unmaps what mapHuge mapped; nothing may use it afterwards.
func unmapHuge(m []byte) {
	if m == nil {
		return
	}
	if unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(m)), uintptr(len(m))) == nil {
		adjustLimit(bodyBytes(m))
		mappedBytes.Add(-int64(len(m)))
	}
}

// mappedBytes is what mapHuge holds mapped now, in the whole process: the
// tests check that a finished search gave everything back.
var mappedBytes atomic.Int64

// bodyBytes is the size of a mapping from mapHuge less the huge page it
// maps beyond its body, for alignment, and never touches: what the Go
// runtime's soft memory limit is lowered by while the mapping lives.
func bodyBytes(m []byte) int64 { return int64(len(m)) - hugePage }

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
