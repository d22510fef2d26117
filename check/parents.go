package check

import "math/bits"

// State ids are dense and assigned level by level: the initial state is 0,
// then the states of level 1 in order of their parent keys, and so on. A
// parent key is parentID<<ordBits | ord, where ord numbers the transitions
// of the parent state (stacks in order, then choices in order). Ordering a
// level's states by parent key orders them by their lexicographically least
// shortest path, so ids do not depend on the number of workers.
const (
	ordBits  = 24
	ordMask  = 1<<ordBits - 1
	maxOrd   = 1 << ordBits // transitions one state may have
	noParent = ^uint64(0)   // the parent key of the initial state
)

// levelRec stores, bit-packed, the parent of every state of one level: its
// rank within the previous level and the number of the transition that led
// here. With a million states in the previous level and up to 16
// transitions a state, that is 24 bits a state.
type levelRec struct {
	base   uint64 // id of the first state of the level
	n      uint64
	rbits  uint
	obits  uint
	packed []uint64
}

func newLevelRec(base, n, maxRank, maxOrdSeen uint64) levelRec {
	l := levelRec{base: base, n: n, rbits: uint(bits.Len64(maxRank)), obits: uint(bits.Len64(maxOrdSeen))}
	if l.rbits == 0 {
		l.rbits = 1
	}
	if l.obits == 0 {
		l.obits = 1
	}
	w := uint64(l.rbits + l.obits)
	l.packed = make([]uint64, (n*w+63)/64+1)
	return l
}

func (l *levelRec) width() uint { return l.rbits + l.obits }

// set stores the parent of the level's i-th state. Entries are written in
// order by one goroutine.
func (l *levelRec) set(i, rank, ord uint64) {
	w := l.width()
	v := rank<<l.obits | ord
	bit := i * uint64(w)
	k, sh := bit/64, uint(bit%64)
	l.packed[k] |= v << sh
	if sh+w > 64 {
		l.packed[k+1] |= v >> (64 - sh)
	}
}

func (l *levelRec) get(i uint64) (rank, ord uint64) {
	w := l.width()
	bit := i * uint64(w)
	k, sh := bit/64, uint(bit%64)
	v := l.packed[k] >> sh
	if sh+w > 64 {
		v |= l.packed[k+1] << (64 - sh)
	}
	v &= 1<<w - 1
	return v >> l.obits, v & (1<<l.obits - 1)
}

func (l *levelRec) bytes() int64 { return int64(cap(l.packed)) * 8 }
