//go:build !amd64

package check

import (
	"sync/atomic"
	"unsafe"
)

// touchHomesForWrite loads the first word of each pending state's home
// slot (atomically: other workers insert), so that the misses overlap,
// and returns their sum. See cpu_amd64.go.
func touchHomesForWrite(table unsafe.Pointer, mask uint64, size uintptr, pend unsafe.Pointer, n int) uint64 {
	ps := unsafe.Slice((*pendingState)(pend), n)
	var acc uint64
	for k := range ps {
		p := unsafe.Add(table, uintptr(ps[k].fp&mask)*size)
		if size >= 8 {
			acc += atomic.LoadUint64((*uint64)(p))
		} else {
			acc += uint64(atomic.LoadUint32((*uint32)(p)))
		}
	}
	return acc
}

// touchForWrite loads *p and returns it.
func touchForWrite(p *uint64) uint64 { return *p }

// pause does nothing: a waiting loop calls runtime.Gosched often enough.
func pause(n int) {}
