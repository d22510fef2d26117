//go:build !amd64

package check

import (
	"sync/atomic"
	"unsafe"
)

// touchLevelForWrite loads the level-table slot each pending state will
// probe first (atomically: other workers insert), so that the misses
// overlap, and returns their sum. See cpu_amd64.go.
func touchLevelForWrite(slots unsafe.Pointer, mask uint64, pend unsafe.Pointer, n int) uint64 {
	ls := unsafe.Slice((*levelSlot)(slots), mask+1)
	ps := unsafe.Slice((*pendingState)(pend), n)
	var acc uint64
	for k := range ps {
		acc += atomic.LoadUint64(&ls[ps[k].fp&mask].fp)
	}
	return acc
}

// touchWakesForWrite loads the wake each pending state's entry starts
// at, atomically, and returns their sum.
func touchWakesForWrite(wakes unsafe.Pointer, mask uint64, pend unsafe.Pointer, n int) uint64 {
	ws := unsafe.Slice((*uint32)(wakes), mask+1)
	ps := unsafe.Slice((*pendingState)(pend), n)
	var acc uint64
	for k := range ps {
		acc += uint64(atomic.LoadUint32(&ws[ps[k].fp&mask]))
	}
	return acc
}

// touchForWrite loads *p and returns it.
func touchForWrite(p *uint64) uint64 { return *p }

// pause does nothing: a waiting loop calls runtime.Gosched often enough.
func pause(n int) {}
