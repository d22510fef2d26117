package check

import (
	"math/bits"
	"sync/atomic"
)

// Trimming before the component search.
//
// A state is on a cycle only if an infinite path starts from it, and every
// state of a fair component is on one. So before Tarjan's algorithm runs
// (sequentially), trim removes, in parallel, the states from which every
// path ends: those without a successor, then those whose successors have
// all been removed, until nothing changes. What is left is the greatest
// set where every state has a successor in the set: it holds every cycle,
// so the non-trivial components of the subgraph it induces are those of
// the whole graph, and Tarjan's algorithm has only it to split. A program
// whose every run ends (a bounded loop, a bounded number of rounds) has a
// graph without cycles, and trim removes all of it.
//
// The removal goes backwards through the BFS levels, the states of a level
// shared among the workers, each taking its states from the highest id
// down. Most edges lead to the next level, whose states are decided by
// then, so one sweep removes most of what is to go; a state whose
// successor is still undecided (in the same level or an earlier one) is
// kept for now and looked at again in the next sweep. A state is removed
// only when each of its successors has been removed, so what a sweep keeps
// is always a superset of the final set; trim stops after trimSweeps
// sweeps, or after a sweep that removed less than a sixteenth of what was
// left (most states lead to a cycle then: a busy-waiting lock), even if
// the last one removed something, and hands Tarjan's algorithm the
// superset, which has the same non-trivial components. The components
// found do not depend on the number of workers, nor on when trim stops.

// trimSweeps bounds the sweeps of trim.
const trimSweeps = 4

// trimParallelMin is the smallest level whose states trim shares among the
// workers (a variable for the tests).
var trimParallelMin = 4096

// trim returns, in ascending order, the states of the subgraph induced by
// in (nil: every state) that may be on a cycle of it, and a bit set of the
// others (bit v of word v/64 set: v is out).
func (g *pgraph) trim(in func(uint32) bool) (alive []uint32, out []uint64) {
	n := g.n()
	out = make([]uint64, (n+63)/64)
	if in != nil {
		for v := range n {
			if !in(uint32(v)) {
				out[v>>6] |= 1 << (v & 63)
			}
		}
	}
	levels := g.levels
	if len(levels) == 0 {
		levels = []uint32{0}
	}
	workers := max(g.workers, 1)
	left := n
	for sweep := 0; sweep < trimSweeps && left > 0; sweep++ {
		removed := 0
		for k := len(levels) - 1; k >= 0; k-- {
			lo, hi := int(levels[k]), n
			if k+1 < len(levels) {
				hi = int(levels[k+1])
			}
			removed += g.trimRange(out, lo, hi, workers)
		}
		// A sweep that removed little says that most states lead to a
		// cycle: another would cost as much and remove as little.
		few := removed < left/16
		left -= removed
		if few {
			break
		}
	}
	for w, word := range out {
		free := ^word
		if w == len(out)-1 && n&63 != 0 {
			free &= 1<<(n&63) - 1
		}
		for ; free != 0; free &= free - 1 {
			alive = append(alive, uint32(w<<6+bits.TrailingZeros64(free)))
		}
	}
	return alive, out
}

// trimRange sweeps states [lo, hi) from the highest down, shared among
// the workers in ranges of whole words of out, and returns how many it
// removed.
func (g *pgraph) trimRange(out []uint64, lo, hi, workers int) int {
	if hi-lo < trimParallelMin || workers == 1 {
		return g.trimRun(out, lo, hi)
	}
	// Worker k takes [bound(k+1), bound(k)): worker 0 the highest states,
	// which the others' lead to more often than the other way round. The
	// bounds are whole words of out, but for lo and hi.
	per := (hi - lo + workers - 1) / workers
	bound := func(k int) int {
		if k == 0 {
			return hi
		}
		if k >= workers {
			return lo
		}
		return max(lo, (hi-k*per)&^63)
	}
	counts := make([]int, workers)
	runParts(nil, workers, func(k int) {
		if a, z := bound(k+1), bound(k); a < z {
			counts[k] = g.trimRun(out, a, z)
		}
	})
	removed := 0
	for _, c := range counts {
		removed += c
	}
	return removed
}

// trimRun removes the states of [lo, hi) that have no successor left, from
// the highest down, and returns how many it removed. Other goroutines may
// remove states meanwhile: a bit read as clear only keeps a state for now.
func (g *pgraph) trimRun(out []uint64, lo, hi int) int {
	removed := 0
	for v := hi - 1; v >= lo; v-- {
		bit := uint64(1) << (v & 63)
		if atomic.LoadUint64(&out[v>>6])&bit != 0 {
			continue
		}
		keep := false
		for e := g.off[v]; e < g.off[v+1]; e++ {
			w := g.to[e]
			if atomic.LoadUint64(&out[w>>6])&(1<<(w&63)) == 0 {
				keep = true
				break
			}
		}
		if !keep {
			atomic.OrUint64(&out[v>>6], bit)
			removed++
		}
	}
	return removed
}
