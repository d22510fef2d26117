package check

import (
	"fmt"
	"slices"
	"sync/atomic"
)

// Filing a chunk of expanded states in parallel.
//
// file (progress_build.go) gives new states their ids in the order in which
// they first appear among the successors, state after state, and appends
// the rows of edges in that order. fileParallel makes exactly the same
// graph with the workers filing the pieces they expanded (below, "a
// worker" is a piece, whichever goroutine takes it in each step):
//
//  1. claim: each successor not known yet is entered in a claim table (the
//     safety search's level table) with its position in that order; the
//     table keeps the least position, so each new state's first appearance
//     is its owner;
//  2. count: each worker counts the owners among its successors, and the
//     words they take; prefix sums over the workers give each worker where
//     its ids, edges, states and words start;
//  3. own: each worker numbers its owners, records their parent, parent
//     edge and words, enters them in the id table, and writes the id into
//     the claim table for the others;
//  4. rows: each worker writes its states' rows, reading the ids of the
//     successors it does not own from the claim table.

// parallelFileMin is the smallest chunk filed in parallel (a variable for
// the test that compares the graphs).
var parallelFileMin = 256

// fileParallel files the states scs expanded: scs[k] expanded the states
// from first[k] on. It returns why the graph cannot be built, or "".
func (b *builder) fileParallel(scs []*pscratch, first []int) string {
	g := b.g
	n := len(scs)
	for _, sc := range scs {
		if sc.why != "" {
			return sc.why
		}
		g.trans += sc.trans
		sc.trans = 0
		g.nstk = max(g.nstk, sc.nstk)
	}
	unknown := 0
	for _, sc := range scs {
		unknown += sc.unknown
	}
	claim := &b.claim
	size := levelSize(unknown*maxLoadDen/maxLoadNum + 16)
	claim.reset(size)
	parallel := func(f func(k int, sc *pscratch)) {
		b.pool(n, func(_, k int) { f(k, scs[k]) })
	}
	// 1. claim.
	parallel(func(k int, sc *pscratch) {
		sc.slots = slices.Grow(sc.slots[:0], len(sc.succ))[:len(sc.succ)]
		for j := range sc.succ {
			su := &sc.succ[j]
			if su.id != unknownID {
				continue
			}
			sc.slots[j], _ = claim.insertMin(su.fp, uint64(k)<<40|uint64(j))
		}
	})
	// 2. count.
	parallel(func(k int, sc *pscratch) {
		sc.owners, sc.ownWords = 0, 0
		for j := range sc.succ {
			su := &sc.succ[j]
			if su.id == unknownID && claim.slots[sc.slots[j]].key1-1 == uint64(k)<<40|uint64(j) {
				sc.owners++
				sc.ownWords += int(sc.words[su.at])
			}
		}
	})
	oldIDs := len(g.parent)
	ids, edges, states, words := len(g.parent), len(g.to), len(g.en), len(b.nbuf)
	for _, sc := range scs {
		sc.idBase, sc.edgeBase, sc.stateBase, sc.wordBase = ids, edges, states, words
		ids += sc.owners
		edges += len(sc.succ)
		states += len(sc.exps)
		words += sc.ownWords
	}
	if int64(ids) > b.limit {
		return fmt.Sprintf("the graph would have more than %d states", b.limit)
	}
	startsBase := len(g.parent) - len(b.nstarts) // the id of nstarts[0]
	// reserve (progress_build.go) has made the room: no array moves here.
	g.parent, g.pedge = extend(g.parent, ids), extend(g.pedge, ids)
	g.to, g.ch, g.stk, g.kind = extend(g.to, edges), extend(g.ch, edges), extend(g.stk, edges), extend(g.kind, edges)
	g.off, g.en, g.unf = extend(g.off, states), extend(g.en, states), extend(g.unf, states)
	props := len(g.m.P.Props) > 0
	if props {
		g.props = extend(g.props, states)
	}
	b.nbuf, b.nstarts = extend(b.nbuf, words), extend(b.nstarts, ids-startsBase)
	g.ids.reserve(ids - oldIDs)
	// 3. own.
	parallel(func(k int, sc *pscratch) {
		id, w := sc.idBase, sc.wordBase
		for s, e := range sc.exps {
			end := len(sc.succ)
			if s+1 < len(sc.exps) {
				end = sc.exps[s+1].succ
			}
			for j := e.succ; j < end; j++ {
				su := &sc.succ[j]
				if su.id != unknownID || claim.slots[sc.slots[j]].key1-1 != uint64(k)<<40|uint64(j) {
					continue
				}
				atomic.StoreUint64(&claim.slots[sc.slots[j]].ref, uint64(id))
				g.parent[id] = uint32(first[k] + s)
				g.pedge[id] = uint32(sc.edgeBase + j)
				nw := int(sc.words[su.at])
				b.nstarts[id-startsBase] = w
				copy(b.nbuf[w:w+nw], sc.words[int(su.at)+1:int(su.at)+1+nw])
				g.ids.putShared(su.fp, uint32(id))
				id++
				w += nw
			}
		}
	})
	// 4. rows.
	parallel(func(k int, sc *pscratch) {
		for s, e := range sc.exps {
			at := sc.stateBase + s
			g.off[at] = uint32(sc.edgeBase + e.succ)
			g.en[at], g.unf[at] = e.en, e.unf
			if props {
				g.props[at] = e.props
			}
		}
		for j := range sc.succ {
			su := &sc.succ[j]
			id := su.id
			if id == unknownID {
				id = uint32(atomic.LoadUint64(&claim.slots[sc.slots[j]].ref))
			}
			at := sc.edgeBase + j
			g.to[at], g.stk[at], g.kind[at], g.ch[at] = id, su.ent, su.kind, su.ch
		}
	})
	g.ids.n += ids - oldIDs
	// reset expects a zeroed table; each worker clears a part.
	parallel(func(k int, _ *pscratch) {
		per := (len(claim.slots) + n - 1) / n
		clear(claim.slots[min(k*per, len(claim.slots)):min((k+1)*per, len(claim.slots))])
	})
	return ""
}

// extend returns s lengthened to n elements.
func extend[T any](s []T, n int) []T { return slices.Grow(s, n-len(s))[:n] }

// reserve grows the table, if need be, so that n more entries keep its
// load at most a half.
func (t *idTable) reserve(n int) {
	for (t.n+n)*2 > len(t.slots) {
		t.grow()
	}
}

// putShared adds fp with its id, like put, but safely beside other
// goroutines' putShared; the table must have room (reserve), and nobody
// reads it meanwhile.
func (t *idTable) putShared(fp uint64, id uint32) {
	mask := uint64(len(t.slots) - 1)
	for i := fp & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if atomic.LoadUint64(&s.fp) == 0 && atomic.CompareAndSwapUint64(&s.fp, 0, fp) {
			atomic.StoreUint32(&s.id, id+1)
			return
		}
	}
}
