package check

import (
	"math"
	"math/bits"
	"sort"
	"sync/atomic"

	"github.com/deck-lang/deck/vm"
)

// Publishing a level
//
// At the barrier, once the visited set has room, the level table becomes
// the next frontier in two parallel phases:
//
//  1. collect: each worker takes a slice of the level table, inserts its
//     fingerprints into the visited set and sorts its new states into
//     buckets by parent rank, one bucket per worker (bucket b holds the
//     ranks in [ranks[b], ranks[b+1])), with their wakes when the level
//     made sleep sets.
//  2. order: worker b counts every worker's bucket b's states per rank of
//     its range, turns the counts into positions, moves the states there,
//     orders each parent's states by transition number and packs their
//     parents.
//
// In between, one goroutine adds up the buckets' sizes. Since the buckets
// are ranges of whole parents, each worker of the second phase writes a
// range of the frontier of its own. Two phases, not more, because on a
// virtual machine waking a goroutine on the other processor costs tens of
// microseconds, about what ordering a small level costs: with four phases
// (count, scatter, sort, pack, each over every worker's pairs) ordering took
// as long on two workers as on one, and a scatter from interleaved parents
// wrote both workers' cache lines.

type pair struct{ key, ref uint64 }

// phaseArgs are what the phases of a barrier pass to parallel's functions.
type phaseArgs struct {
	n       int    // states in the frontier expanded
	per     int    // level-table slots a worker collects
	buckets int    // workers that collect, and buckets of parent ranks
	base    uint64 // id of the frontier's first state
	recip   uint64 // bucketOf's multiplier
	lr      levelRec
	old     []uint64 // the visited set's array being rehashed (growVisited)
}

// bucketRecip returns the multiplier with which bucketOf spreads the ranks
// [0, n) over k buckets: k/n as a 64-bit fraction, rounded up (at most
// just under 1, when there are fewer ranks than buckets).
func bucketRecip(k, n int) uint64 {
	if k >= n {
		return math.MaxUint64
	}
	q, rem := bits.Div64(uint64(k), 0, uint64(n))
	if rem != 0 {
		q++
	}
	return q
}

// bucketOf returns the bucket of parent rank r: the high word of a
// multiplication, not a division or a branch per state.
func bucketOf(r, recip uint64, k int) int {
	hi, _ := bits.Mul64(r, recip)
	return min(int(hi), k-1)
}

// bucketStart returns the first rank of bucket b (n when it is empty):
// the least r with r*recip >= b<<64.
func bucketStart(b int, recip uint64, n int) uint64 {
	q, rem := bits.Div64(uint64(b), 0, recip)
	if rem != 0 {
		q++
	}
	return min(q, uint64(n))
}

// publish turns the level table into the next frontier and stores the
// level's parents. n is the size of the frontier just expanded.
func (c *checker) publish(n int) {
	slots := c.level.slots
	k := c.nw
	if len(slots) < parallelSlots {
		k = 1
	}
	c.ph.n, c.ph.base, c.ph.buckets = n, c.front.base, k
	c.ph.per = (len(slots) + k - 1) / k
	c.ph.recip = bucketRecip(k, n)
	c.parallel(k, func(c *checker, i int) {
		slots, per := c.level.slots, c.ph.per
		lo, hi := min(i*per, len(slots)), min((i+1)*per, len(slots))
		var wakes []uint32
		if c.nextWakes {
			wakes = c.level.wakes[lo:hi]
		}
		c.workers[i].collect(slots[lo:hi], wakes, uint64(lo), uint64(hi))
	})
	// The fingerprints collect left (their probes ran out of the worker's
	// stripes of the visited set), now that nobody else writes it.
	var placed int64
	for _, w := range c.workers[:k] {
		for _, fp := range w.left {
			if c.main.place(fp) {
				placed++
			}
		}
		w.left = w.left[:0]
	}
	c.main.count.Add(placed)

	// The buckets' sizes give each its place in the frontier.
	ws := c.workers[:k]
	c.ranks = resize(c.ranks, k+1)
	c.starts = resize(c.starts, k+1)
	total := 0
	var maxOrdSeen uint64
	for b := 0; b < k; b++ {
		c.ranks[b] = int(bucketStart(b, c.ph.recip, n))
		c.starts[b] = total
		for _, w := range ws {
			total += len(w.buckets[b])
		}
	}
	c.ranks[k], c.starts[k] = n, total
	for _, w := range ws {
		maxOrdSeen = max(maxOrdSeen, w.maxOrd)
	}
	nx := &c.next
	nx.base = c.ph.base + uint64(n)
	nx.refs = growFront(&c.fmaps, nx.refs, total)
	nx.keys = growFront(&c.fmaps, nx.keys, total)
	if c.nextWakes {
		nx.wakes = growFront(&c.fmaps, nx.wakes, total)
	} else {
		nx.wakes = nx.wakes[:0]
	}
	if c.parents.end != nx.base {
		c.fail(internalError("level %d starts at id %d, the parent store at %d", c.depth+1, nx.base, c.parents.end))
		return
	}
	// Workers pack whole multiples of 64 records (the level then starts
	// on a word of its own), so that no two write the same word; the few
	// records at the buckets' edges are packed after.
	c.ph.lr = c.parents.add(uint64(total), uint64(max(n-1, 0)), maxOrdSeen, k > 1)
	if k > 1 && total >= parallelOrder {
		c.parallel(k, (*checker).orderBucket)
	} else {
		for b := 0; b < k; b++ {
			c.orderBucket(b)
		}
	}
	for b := 0; b < k; b++ {
		lo, hi := c.starts[b], c.starts[b+1]
		a, z := packed(lo, hi)
		c.pack(lo, a)
		c.pack(z, hi)
	}
}

// growFront returns an array of n elements whose old contents do not
// matter (the frontier's arrays, which orderBucket writes whole, and its
// counts, which it clears): s, or, when s is too small, a new array with
// room for half as many more, in huge pages once it is large (hugeLen);
// h keeps the mappings.
func growFront[T any](h *hugeMaps, s []T, n int) []T {
	if cap(s) < n {
		s = regrowMapped(h, s[:0], hugeLen[T](n+n/2))
	}
	return s[:n]
}

// packed returns the records of [lo, hi) that orderBucket packs: whole
// multiples of 64 (an empty range at hi when there are none).
func packed(lo, hi int) (a, z int) {
	a, z = (lo+63)&^63, hi&^63
	if a >= z {
		return hi, hi
	}
	return a, z
}

// orderBucket places bucket b's states in the next frontier, in parent-key
// order, and packs their parents: a counting sort by parent rank over
// every worker's pairs of the bucket, with counts of its own ranks only,
// then each parent's states by transition number.
func (c *checker) orderBucket(b int) {
	ws := c.workers[:c.ph.buckets]
	nx, base := &c.next, c.ph.base
	first := uint64(c.ranks[b])
	own := c.workers[b]
	own.counts = growFront(&own.maps, own.counts, c.ranks[b+1]-c.ranks[b])
	counts := own.counts
	clear(counts)
	for _, w := range ws {
		for _, pr := range w.buckets[b] {
			counts[(pr.key>>ordBits)-base-first]++
		}
	}
	at := int32(c.starts[b])
	for r, cnt := range counts {
		counts[r] = at
		at += cnt
	}
	for _, w := range ws {
		var wakes []uint32
		if c.nextWakes {
			wakes = w.wakes[b]
		}
		for j, pr := range w.buckets[b] {
			r := (pr.key >> ordBits) - base - first
			i := counts[r]
			counts[r]++
			nx.refs[i] = pr.ref
			nx.keys[i] = pr.key
			if wakes != nil {
				nx.wakes[i] = wakes[j]
			}
		}
	}
	lo, hi := c.starts[b], c.starts[b+1]
	var wakes []uint32
	if c.nextWakes {
		wakes = nx.wakes[lo:hi]
	}
	sortGroups(nx.keys[lo:hi], nx.refs[lo:hi], wakes)
	a, z := packed(lo, hi)
	c.pack(a, z)
	own.noteScratch()
}

// pack stores the parents of the next frontier's states [lo, hi).
func (c *checker) pack(lo, hi int) {
	nx, lr, base := &c.next, &c.ph.lr, c.ph.base
	for i := lo; i < hi; i++ {
		key := nx.keys[i]
		lr.set(uint64(i), (key>>ordBits)-base, key&ordMask)
	}
}

// sortGroups orders runs of equal parents by transition number, and
// wakes (when not nil) with them.
func sortGroups(keys, refs []uint64, wakes []uint32) {
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && keys[hi]>>ordBits == keys[lo]>>ordBits {
			hi++
		}
		switch {
		case hi-lo > 32:
			g := byKey{keys[lo:hi], refs[lo:hi], nil}
			if wakes != nil {
				g.wakes = wakes[lo:hi]
			}
			sort.Sort(g)
		case wakes != nil:
			for i := lo + 1; i < hi; i++ {
				k, r, wk := keys[i], refs[i], wakes[i]
				j := i
				for j > lo && keys[j-1] > k {
					keys[j], refs[j], wakes[j] = keys[j-1], refs[j-1], wakes[j-1]
					j--
				}
				keys[j], refs[j], wakes[j] = k, r, wk
			}
		default:
			for i := lo + 1; i < hi; i++ {
				k, r := keys[i], refs[i]
				j := i
				for j > lo && keys[j-1] > k {
					keys[j], refs[j] = keys[j-1], refs[j-1]
					j--
				}
				keys[j], refs[j] = k, r
			}
		}
		lo = hi
	}
}

type byKey struct {
	keys, refs []uint64
	wakes      []uint32 // nil when the frontier has none
}

func (b byKey) Len() int           { return len(b.keys) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
	b.refs[i], b.refs[j] = b.refs[j], b.refs[i]
	if b.wakes != nil {
		b.wakes[i], b.wakes[j] = b.wakes[j], b.wakes[i]
	}
}

// collect publishes the fingerprints of a slice of the level table, its
// slots [lo, hi), and buckets its new states by parent rank; states that
// break an invariant are violations, not frontier. wakes, when the level
// made sleep sets, is the same slice of the table's wakes: each new
// state's goes into w.wakes beside its pair, and the table's is cleared.
// It inserts into the visited set's stripes that match its slice
// (placeOwn) and leaves in w.left the fingerprints it could not insert
// there.
func (w *worker) collect(slots []levelSlot, wakes []uint32, lo, hi uint64) {
	c := w.c
	nb, base, recip := c.ph.buckets, c.ph.base, c.ph.recip
	if len(w.buckets) < nb {
		w.buckets = make([][]pair, c.nw)
		w.wakes = make([][]uint32, c.nw)
	}
	for b := range w.buckets[:nb] {
		w.buckets[b] = w.buckets[b][:0]
		w.wakes[b] = w.wakes[b][:0]
	}
	maxOrd := uint64(0)
	main := c.main
	var acc uint64
	placed := int64(0)
	// The stripes are this worker's alone when the visited set is at
	// least as big as the level table (else a stripe is all of it).
	lmask := c.level.mask
	own := main.mask >= lmask
	for i := range slots {
		// Touch the visited-set slot of a fingerprint collectAhead
		// entries on, so that its cache miss overlaps this one's (the
		// level table itself is read in order, which the processor's
		// own prefetching covers). Only in this worker's stripes, which
		// no one else writes, unless the set is smaller than the level
		// table (and then atomically: other workers insert). In its
		// stripes it fetches the line for writing: both workers probed
		// it during the pass.
		if j := i + collectAhead; j < len(slots) {
			if h := slots[j].fp & main.mask; !own {
				acc += atomic.LoadUint64(&main.slots[h])
			} else if r := h & lmask; r >= lo && r < hi {
				acc += touchForWrite(&main.slots[h])
			}
		}
		s := &slots[i]
		if s.fp == 0 {
			continue
		}
		if !own {
			if main.place(s.fp) {
				placed++
			}
		} else if done, isNew := main.placeOwn(s.fp, lo, hi, lmask); !done {
			w.left = append(w.left, s.fp)
		} else if isNew {
			placed++
		}
		key := s.key1 - 1
		if s.ref&refFlag != 0 {
			st := vm.State{W: c.words(s.ref &^ refFlag)}
			if k, _ := c.m.CheckAlways(&st); k >= 0 {
				w.note(vkey{vAlways, int32(k)}, inst{int32(c.depth + 1), key})
			}
		} else {
			maxOrd = max(maxOrd, key&ordMask)
			b := bucketOf((key>>ordBits)-base, recip, nb)
			if len(w.buckets[b]) == cap(w.buckets[b]) {
				w.growBucket(b)
			}
			w.buckets[b] = append(w.buckets[b], pair{key, s.ref})
			if wakes != nil {
				w.wakes[b] = append(w.wakes[b], wakes[i])
			}
		}
		*s = levelSlot{} // leave the table empty for the next pass
		if wakes != nil {
			wakes[i] = 0
		}
	}
	w.maxOrd = maxOrd
	main.count.Add(placed)
	w.touchSink = acc
	w.noteScratch()
}

// growBucket doubles the room of bucket b's pairs (and their wakes), in
// huge pages once they are large (hugeLen), so that collect's appends
// do not fault in fresh heap pages one by one. (A level without sleep
// sets has no wakes.)
func (w *worker) growBucket(b int) {
	c := 2*cap(w.buckets[b]) + 256
	w.buckets[b] = regrowMapped(&w.maps, w.buckets[b], hugeLen[pair](c))
	if w.c.nextWakes {
		w.wakes[b] = regrowMapped(&w.maps, w.wakes[b], hugeLen[uint32](c))
	}
}

// collectAhead is how far ahead collect touches the visited set.
const collectAhead = 16
