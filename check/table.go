package check

import (
	"sync/atomic"
	"unsafe"

	"github.com/zeebo/xxh3"
)

// fingerprint hashes a state's word vector. 0 marks an empty slot in the
// tables, so a real 0 is remapped to 1.
func fingerprint(w []int64) uint64 {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), len(w)*8)
	h := xxh3.Hash(b)
	if h == 0 {
		h = 1
	}
	return h
}

// maxLoad is the load factor at which the tables grow (numerator over 4).
const maxLoadNum, maxLoadDen = 3, 4

// fpTable is the visited set: an open-addressing, linear-probing table of
// 64-bit fingerprints, 8 bytes a slot, 0 meaning empty. During a pass it is
// only read (every state in it belongs to a level already expanded or being
// expanded); between passes the new level's fingerprints are inserted by all
// workers at once with compare-and-swap, after the table has been grown to
// keep its load at most 3/4.
type fpTable struct {
	slots  []uint64
	mapped []byte // the mapping slots lives in, if any (hugeSlice)
	mask   uint64
	count  atomic.Int64
}

func newFPTable(capacity int) *fpTable {
	c := nextPow2(capacity)
	t := &fpTable{mask: uint64(c - 1)}
	t.slots, t.mapped = hugeSlice[uint64](c)
	return t
}

// contains reports whether fp is in the table. It is called only while no
// one inserts, so it reads without atomics.
func (t *fpTable) contains(fp uint64) bool {
	i := fp & t.mask
	for {
		v := t.slots[i]
		if v == fp {
			return true
		}
		if v == 0 {
			return false
		}
		i = (i + 1) & t.mask
	}
}

// insert adds fp; it is safe for concurrent use and reports whether fp was
// new.
func (t *fpTable) insert(fp uint64) bool {
	if t.place(fp) {
		t.count.Add(1)
		return true
	}
	return false
}

// place adds fp without counting it, and reports whether it was new; the
// caller adds what it placed to count. Safe for concurrent use. Workers
// that publish a level count their own and add once: an atomic add per
// entry on the one shared counter made the two workers' publishing slower
// than one worker's alone (the counter's cache line went back and forth).
func (t *fpTable) place(fp uint64) bool {
	i := fp & t.mask
	for {
		v := atomic.LoadUint64(&t.slots[i])
		if v == fp {
			return false
		}
		if v == 0 {
			if atomic.CompareAndSwapUint64(&t.slots[i], 0, fp) {
				return true
			}
			continue // someone took this slot: look at it again
		}
		i = (i + 1) & t.mask
	}
}

// placeOwn adds fp with plain loads and stores when its home and its
// whole probe lie in the caller's stripes of the table: the slots i with
// lo <= i&lmask < hi. In publish each worker collects the level-table
// slots [lo, hi) of a table of lmask+1 slots (no more than this one's),
// and the fingerprints there have their homes in those stripes, which no
// other worker touches meanwhile. A locked compare-and-swap (place) waits
// for its cache line to be this processor's alone, one line after the
// other; plain stores queue, and their lines are fetched side by side. It
// reports whether it dealt with fp, and whether fp was new; the caller
// leaves what it could not to place, once the workers are done.
func (t *fpTable) placeOwn(fp, lo, hi, lmask uint64) (done, isNew bool) {
	i := fp & t.mask
	for {
		if r := i & lmask; r < lo || r >= hi {
			return false, false
		}
		v := t.slots[i]
		if v == fp {
			return true, false
		}
		if v == 0 {
			t.slots[i] = fp
			return true, true
		}
		i = (i + 1) & t.mask
	}
}

// fits reports whether n more entries keep the load at most 3/4.
func (t *fpTable) fits(n int64) bool {
	return (t.count.Load()+n)*maxLoadDen <= int64(len(t.slots))*maxLoadNum
}

// capacityFor returns the smallest table size that holds n entries at a
// load of at most 3/4. Sizes are powers of two, so a table is at least 3/8
// full after it grows.
func capacityFor(n int64) int {
	return nextPow2(int((n*maxLoadDen+maxLoadNum-1)/maxLoadNum) + 1)
}

// grow rehashes into a table of the given size. It runs at the barrier,
// when nobody else reads or writes the table, so it uses plain stores.
func (t *fpTable) grow(size int) {
	old, oldMap := t.begin(size)
	t.rehash(old, 0, len(old), nil)
	unmapHuge(oldMap)
}

// begin gives the table a new, empty array of size slots and returns the
// old one and its mapping, whose entries rehash must then place and whose
// mapping the caller gives back (unmapHuge) after.
func (t *fpTable) begin(size int) (old []uint64, oldMap []byte) {
	old, oldMap = t.slots, t.mapped
	t.slots, t.mapped = hugeSlice[uint64](size)
	t.mask = uint64(size - 1)
	return old, oldMap
}

// rehash places the entries of old whose homes there lie in [lo, hi) into
// the table (at least twice old's size), with plain stores into the
// stripes of the table that match that range (placeOwn with old's mask).
// Several goroutines may rehash disjoint ranges at once; an entry whose
// probe would leave the stripes is appended to left, to be placed once
// they are done. The entries homed in [lo, hi) lie from lo on, up to the
// first empty slot at or after hi (linear probing leaves no gap before
// an entry), wrapping round the end of old.
func (t *fpTable) rehash(old []uint64, lo, hi int, left []uint64) []uint64 {
	omask := uint64(len(old) - 1)
	ulo, uhi := uint64(lo), uint64(hi)
	slots, mask := t.slots, t.mask
	for p := lo; p < lo+len(old); p++ {
		v := old[uint64(p)&omask]
		if v == 0 {
			if p >= hi {
				break
			}
			continue
		}
		if h := v & omask; h < ulo || h >= uhi {
			continue // another range's, probed into this one
		}
		i := v & mask
		for {
			if r := i & omask; r < ulo || r >= uhi {
				left = append(left, v)
				break
			}
			if slots[i] == 0 {
				slots[i] = v
				break
			}
			i = (i + 1) & mask
		}
	}
	return left
}

// free gives back the table's mapping, if it has one. Nothing may use the
// table afterwards.
func (t *fpTable) free() {
	unmapHuge(t.mapped)
	t.slots, t.mapped = nil, nil
}

// put inserts a fingerprint known to be absent (concurrently safe).
func (t *fpTable) put(fp uint64) {
	for i := fp & t.mask; ; i = (i + 1) & t.mask {
		if atomic.LoadUint64(&t.slots[i]) == 0 && atomic.CompareAndSwapUint64(&t.slots[i], 0, fp) {
			return
		}
	}
}

func (t *fpTable) bytes() int64 { return int64(len(t.slots)) * 8 }

// heapBytes is what the table holds on the Go heap: nothing when mapped.
func (t *fpTable) heapBytes() int64 {
	if t.mapped != nil {
		return 0
	}
	return t.bytes()
}

// levelSlot is one entry of the level table: a fingerprint, the smallest
// parent key seen for it plus one (0: none yet), and where its word vector
// is stored.
type levelSlot struct {
	fp, key1, ref uint64
}

// levelTable holds the states discovered by the pass in progress (the next
// breadth-first level) and, for each, the smallest parent key (parent id,
// move number) among all the transitions that reach it. Taking the minimum
// makes the parent of every state, and so every reported schedule, the same
// whatever the number of workers and however they race. Inserts are
// lock-free; growth happens with every worker parked (see checker.park).
type levelTable struct {
	mem   []levelSlot // the allocation, reused from level to level
	slots []levelSlot // the table in use: a power-of-two prefix of mem
	mask  uint64
	// In a pass that makes sleep sets (sleep.go), wakes[i] holds the
	// stacks that must move from slot i's state: the complement of its
	// sleep set, an OR over the transitions that reached it. Beside the
	// slots, not in them, so that other passes keep 24-byte slots.
	wakes, wmem []uint32
	sleep       bool // the search may make sleep sets: keep wakes
	// The mappings mem and wmem live in, if any (hugeSlice).
	memMap, wmemMap []byte
}

// reset empties the table, giving it size slots (a power of two), and
// reports whether it allocated. Between passes the whole allocation is
// zero: fresh memory is, and collect clears the slots it reads.
func (t *levelTable) reset(size int) bool {
	grew := cap(t.mem) < size
	if grew {
		t.free() // let the old allocation go before making the new one
		t.mem, t.memMap = hugeSlice[levelSlot](hugeLen[levelSlot](size))
	}
	if t.sleep && cap(t.wmem) < size {
		unmapHuge(t.wmemMap)
		t.wmem, t.wmemMap = hugeSlice[uint32](hugeLen[uint32](cap(t.mem)))
	}
	t.slots = t.mem[:size]
	if t.sleep {
		t.wakes = t.wmem[:size]
	}
	t.mask = uint64(size - 1)
	return grew
}

// levelSlotBytes is the size of a level-table slot.
const levelSlotBytes = int64(unsafe.Sizeof(levelSlot{}))

// slotBytes is what one slot of the table takes, with its wake if any.
func (t *levelTable) slotBytes() int64 {
	if t.sleep {
		return levelSlotBytes + 4
	}
	return levelSlotBytes
}

// minLevelSlots is the smallest level table. It is small on purpose: a
// pass scans its whole table at the barrier, and a deep, narrow search
// (a state or two a level) has millions of levels.
const minLevelSlots = 16

// levelSize returns the level-table size for n slots: a power of two, at
// least minLevelSlots.
func levelSize(n int) int {
	c := minLevelSlots
	for c < n {
		c <<= 1
	}
	return c
}

// insertMin adds fp with parent key key, or lowers the key of fp to key.
// It returns the slot and whether this call created the entry.
func (t *levelTable) insertMin(fp, key uint64) (uint64, bool) {
	i := fp & t.mask
	for {
		s := &t.slots[i]
		v := atomic.LoadUint64(&s.fp)
		if v == 0 {
			if atomic.CompareAndSwapUint64(&s.fp, 0, fp) {
				casMin(&s.key1, key+1)
				return i, true
			}
			v = atomic.LoadUint64(&s.fp)
		}
		if v == fp {
			casMin(&s.key1, key+1)
			return i, false
		}
		i = (i + 1) & t.mask
	}
}

// casMin lowers *p to v; 0 counts as infinity.
func casMin(p *uint64, v uint64) {
	for {
		old := atomic.LoadUint64(p)
		if (old != 0 && old <= v) || atomic.CompareAndSwapUint64(p, old, v) {
			return
		}
	}
}

// setRef records where the entry's word vector lives. Only the worker
// that created the entry writes its ref, and nobody reads it before the
// pass's barrier, so a plain store is enough. (An atomic store is a locked
// instruction on amd64, which waits for the state's words just copied into
// the arena to leave the store buffer; the profile put 6 % of a search on
// it, though the whole search measured the same within the noise after.)
func (t *levelTable) setRef(slot, ref uint64) { t.slots[slot].ref = ref }

// addWake adds the stacks in wake to those that must move from the
// entry's state. The OR is a locked instruction, which waits for the
// worker's earlier stores (the state's words) to leave the store buffer:
// it is skipped when the entry has those stacks already, as it mostly
// has.
func (t *levelTable) addWake(slot uint64, wake uint32) {
	p := &t.wakes[slot]
	if old := atomic.LoadUint32(p); old|wake != old {
		atomic.OrUint32(p, wake)
	}
}

// grow rehashes into a table of the given size; every worker is parked.
func (t *levelTable) grow(size int) {
	mem, memMap := hugeSlice[levelSlot](hugeLen[levelSlot](size))
	var wmem []uint32
	var wmemMap []byte
	if t.sleep {
		wmem, wmemMap = hugeSlice[uint32](hugeLen[uint32](cap(mem)))
	}
	mask := uint64(size - 1)
	for k, s := range t.slots {
		if s.fp == 0 {
			continue
		}
		i := s.fp & mask
		for mem[i].fp != 0 {
			i = (i + 1) & mask
		}
		mem[i] = s
		if t.sleep {
			wmem[i] = t.wakes[k]
		}
	}
	t.free()
	t.mem, t.slots, t.mask, t.memMap = mem, mem[:size], mask, memMap
	t.wmem, t.wmemMap = wmem, wmemMap
	if t.sleep {
		t.wakes = wmem[:size]
	}
}

// free gives back the table's mappings, if it has any, and forgets its
// memory. Nothing may use the table afterwards.
func (t *levelTable) free() {
	unmapHuge(t.memMap)
	unmapHuge(t.wmemMap)
	t.mem, t.slots, t.wmem, t.wakes, t.memMap, t.wmemMap = nil, nil, nil, nil, nil, nil
}

func (t *levelTable) bytes() int64 { return int64(cap(t.mem)) * t.slotBytes() }

// heapBytes is what the table holds on the Go heap: nothing of what is
// mapped.
func (t *levelTable) heapBytes() int64 {
	var b int64
	if t.memMap == nil {
		b += int64(cap(t.mem)) * levelSlotBytes
	}
	if t.wmemMap == nil {
		b += int64(cap(t.wmem)) * 4
	}
	return b
}

func nextPow2(n int) int {
	c := 1024
	for c < n {
		c <<= 1
	}
	return c
}
