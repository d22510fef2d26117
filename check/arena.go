package check

import "sync/atomic"

// The frontier (the states of one breadth-first level waiting to be
// expanded) lives in flat arenas of int64 words, one per worker and level
// parity, so that a million queued states cost a few large allocations
// instead of a million small ones. An entry is [n, w0 .. wn-1]. A reference
// to an entry packs the worker, the slab and the offset:
//
//	bit 63      flag (used by the level table: the state breaks an invariant)
//	bits 56-62  worker
//	bits 32-55  slab
//	bits 0-31   offset of the entry within the slab
const (
	slabWords   = 1 << 20 // 8 MiB
	refFlag     = uint64(1) << 63
	maxWorkers  = MaxWorkers
	maxSlabs    = 1 << 24
	refWorkerSh = 56
	refSlabSh   = 32
)

type arena struct {
	wid   uint64
	slabs [][]int64
	cur   int // the slab being filled
	mem   *atomic.Int64
	// room, when set, reports whether that many more bytes fit the
	// search's budget; a slab that does not is not allocated.
	room func(int64) bool
	// mapped holds the mappings of the slabs that live outside the Go
	// heap (newSlab), for free.
	mapped [][]byte
}

// reset forgets every entry but keeps the slabs for reuse.
func (a *arena) reset() {
	a.cur = 0
	for i := range a.slabs {
		a.slabs[i] = a.slabs[i][:0]
	}
}

// put stores a word vector and returns its reference; ok is false when the
// arena cannot address more slabs, or a new one would not fit the budget.
func (a *arena) put(w []int64) (uint64, bool) {
	need := len(w) + 1
	for {
		if a.cur == len(a.slabs) {
			if a.cur >= maxSlabs {
				return 0, false
			}
			// Slabs start small, so that a small search stays small, and
			// double up to slabWords; from mapFrom on, a slab fills whole
			// huge pages (hugeLen), so the schedule runs 32, 64, 128 KiB,
			// then 2, 2, 2, 2, 4 and 8 MiB.
			size := slabWords
			if a.cur < 8 {
				size = slabWords >> (8 - a.cur)
			}
			if need > size {
				size = need
			}
			size = hugeLen[int64](size)
			if a.room != nil && !a.room(int64(size)*8) {
				return 0, false
			}
			a.slabs = append(a.slabs, a.newSlab(size))
			a.mem.Add(int64(size) * 8)
		}
		s := a.slabs[a.cur]
		if cap(s)-len(s) >= need {
			off := len(s)
			s = append(s, int64(len(w)))
			s = append(s, w...)
			a.slabs[a.cur] = s
			return a.wid<<refWorkerSh | uint64(a.cur)<<refSlabSh | uint64(off), true
		}
		a.cur++
	}
}

// newSlab returns an empty slab of the given capacity. A slab of a huge
// page or more is mapped on its own in huge pages where the system allows
// (hugeSlice): a search writes each slab from end to end, and with 4 KiB
// pages each page written for the first time was a page fault, up to a
// quarter of a search's time on the machines deck is measured on.
func (a *arena) newSlab(size int) []int64 {
	slab, m := hugeSlice[int64](size)
	if m != nil {
		a.mapped = append(a.mapped, m)
	}
	return slab[:0]
}

// free gives back the slabs mapped outside the Go heap and forgets every
// slab. Nothing may use the arena's words afterwards.
func (a *arena) free() {
	for _, m := range a.mapped {
		unmapHuge(m)
	}
	a.mapped, a.slabs, a.cur = nil, nil, 0
}

// get returns the words of entry at offset off of slab slab.
func (a *arena) get(slab, off uint64) []int64 {
	s := a.slabs[slab]
	n := s[off]
	return s[off+1 : off+1+uint64(n)]
}

func (a *arena) bytes() int64 {
	var b int64
	for _, s := range a.slabs {
		b += int64(cap(s)) * 8
	}
	return b
}
