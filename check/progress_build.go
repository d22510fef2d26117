package check

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Building the progress graph, level by level.
//
// The graph's ids are breadth-first order and its edges are kept in
// compressed rows, state after state, so a state's successors must be
// filed in order. Expanding a state (stepping its stacks, folding local
// cards, hashing the successors) is most of the work and needs nothing
// but the state; filing (the fingerprint map, new ids, the rows) is
// cheaper. So each level is cut in chunks and each chunk in pieces, which
// the workers expand in parallel, each piece into its own list, with the
// fingerprint map read only to resolve the states of earlier levels; then
// the workers file the lists, piece by piece, as one goroutine would in
// state order (fileParallel, progress_file.go). The graph is the same
// whatever the number of workers.

// pscratch is one worker's scratch space for expanding states.
type pscratch struct {
	s, t  vm.State
	taken cardSet // fold: the cards taken by the current fold
	undo  vm.State
	nets  []int32
	// The expansion of a run of states: per state, its bits and its
	// successors, and the words of successors not known yet.
	exps  []pexp
	succ  []psucc
	words []int64
	trans int64
	nstk  int
	// unknown counts the successors in succ that no earlier level has.
	unknown int
	why     string
	touch   uint64 // keeps resolve's and file's touching loads from being optimised away
	// fileParallel's: each successor's claim-table slot, the successors
	// this worker owns and their words, and where its ids, edges, states
	// and words start.
	slots                                 []uint64
	owners, ownWords                      int
	idBase, edgeBase, stateBase, wordBase int
	maps                                  hugeMaps // words' mapping, if any
}

// pexp is one expanded state.
type pexp struct {
	en, unf, props uint64
	succ           int // its successors: succ[succ:next state's succ]
}

// psucc is one successor of an expanded state.
type psucc struct {
	ent  uint8
	kind int8
	ch   int32
	fp   uint64
	id   uint32 // its id when an earlier level has it, else unknown
	at   int32  // else where its words start in words
}

const unknownID = ^uint32(0)

func (g *pgraph) newScratch() *pscratch {
	sc := &pscratch{taken: newCardSet(len(g.m.P.Cards))}
	sc.s.HashOutput, sc.t.HashOutput = true, true
	return sc
}

// builder builds a pgraph (see build).
type builder struct {
	g      *pgraph
	limit  int64
	maxMem int64 // the graph's share of the memory limit
	shown  int64 // the memory limit, as the user gave it
	// perState is the most scratch an expanded state has taken (its
	// bits, its successors and their words), in bytes.
	perState int64
	stop     <-chan struct{}
	// hintStates and hintEdges are what the graph will probably hold: the
	// safety search's states and transitions (0: no hint). reserve sizes
	// the graph's arrays for them at once when the budget allows, since
	// growing them by doubling copies each element again and rehashes
	// the id table, all of it on one core.
	hintStates, hintEdges int
	workers               int // how many goroutines expand and file (pool)
	// The queue: the words of the level being expanded, in id order
	// (state base+k starts at buf[starts[k]]), and those of the next level
	// as file finds them. At the end of a level the next becomes the
	// current one and the current one's memory is reused for the next.
	buf, nbuf       []int64
	starts, nstarts []int
	base            int
	claim           levelTable // fileParallel's
}

// words returns the words of state v, which must be in the level being
// expanded.
func (b *builder) words(v int) []int64 {
	k := v - b.base
	end := len(b.buf)
	if k+1 < len(b.starts) {
		end = b.starts[k+1]
	}
	return b.buf[b.starts[k]:end]
}

// run explores from init with the given number of workers.
func (b *builder) run(init *vm.State, workers int) string {
	g := b.g
	g.ids.put(fingerprint(init.W), 0)
	g.parent, g.pedge = []uint32{0}, []uint32{0}
	b.buf = append([]int64(nil), init.W...)
	b.starts = []int{0}
	// A chunk is cut in pieces, several a worker, which the workers take
	// as they come (pool): a worker slowed down (a page fault, another
	// process on its core) holds the others up at the end of the chunk
	// for a piece, not for its share. Each piece has its own scratch.
	b.workers = workers
	scs := []*pscratch{g.scratch}
	if workers > 1 {
		for len(scs) < workers*piecesPerWorker {
			scs = append(scs, g.newScratch())
		}
	}
	defer func() {
		g.off = append(g.off, uint32(len(g.to)))
		unmapHuge(g.ids.mapped)
		g.ids = idTable{} // not needed any more (nor its mapping)
		for _, sc := range scs {
			sc.maps.free()
			sc.exps, sc.succ, sc.words = nil, nil, nil
		}
	}()
	for lo := 0; lo < len(g.parent); {
		hi := len(g.parent)
		g.levels = append(g.levels, uint32(lo))
		// Expand [lo, hi) in chunks small enough to file and forget
		// soon, large enough to share among the workers.
		for from := lo; from < hi; {
			select {
			case <-b.stop:
				return "interrupted"
			default:
			}
			to := min(hi, from+b.chunk(scs))
			n := len(scs)
			if to-from < parallelFileMin {
				n = 1
			}
			per := (to - from + n - 1) / n
			for _, sc := range scs[:n] {
				sc.exps, sc.succ, sc.words, sc.why, sc.unknown = sc.exps[:0], sc.succ[:0], sc.words[:0], "", 0
			}
			if n == 1 {
				b.expandRun(scs[0], from, to)
			} else {
				b.pool(n, func(k int) {
					if a, z := from+k*per, min(to, from+(k+1)*per); a < z {
						b.expandRun(scs[k], a, z)
					}
				})
			}
			b.noteScratch(scs[:n], to-from)
			if why := b.reserve(scs[:n]); why != "" {
				return why
			}
			if n == 1 {
				if why := b.file(scs[0], from); why != "" {
					return why
				}
			} else {
				firsts := make([]int, 0, n)
				for k := 0; k < n && from+k*per < to; k++ {
					firsts = append(firsts, from+k*per)
				}
				if why := b.fileParallel(scs[:len(firsts)], firsts); why != "" {
					return why
				}
			}
			from = to
		}
		// The next level becomes the one to expand.
		b.buf, b.nbuf = b.nbuf, b.buf[:0]
		b.starts, b.nstarts = b.nstarts, b.starts[:0]
		b.base = hi
		lo = hi
	}
	return ""
}

// piecesPerWorker is how many pieces a chunk is cut in, per worker.
const piecesPerWorker = 4

// pool calls f(k) for each k in [0, n), on at most b.workers goroutines
// (the caller's one of them), which take the ks as they come.
func (b *builder) pool(n int, f func(k int)) {
	var next atomic.Int32
	run := func() {
		for k := int(next.Add(1)) - 1; k < n; k = int(next.Add(1)) - 1 {
			f(k)
		}
	}
	var wg sync.WaitGroup
	for range min(b.workers, n) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	run()
	wg.Wait()
}

// chunkStates is how many states are expanded before their successors are
// filed.
const chunkStates = 8192

// chunk returns how many states to expand next: chunkStates, or fewer when
// the scratch they would take (at the most an expanded state has taken,
// twice over since the scratch grows by appending) does not fit in the
// budget. Expanding comes before filing, where reserve checks the budget,
// so a chunk's scratch must fit before it is taken: 8192 states of a big
// program take tens of MiB.
func (b *builder) chunk(scs []*pscratch) int {
	if b.perState == 0 {
		return chunkStates
	}
	var scratch int64
	for _, sc := range scs {
		scratch += sc.bytes()
	}
	room := b.maxMem - (b.memory(scs) - scratch)
	return int(max(min(room/(2*b.perState), chunkStates), 64))
}

// noteScratch records the scratch the expansion of states states took.
func (b *builder) noteScratch(scs []*pscratch, states int) {
	var used int64
	for _, sc := range scs {
		used += int64(len(sc.exps))*int64(unsafe.Sizeof(pexp{})) + int64(len(sc.succ))*int64(unsafe.Sizeof(psucc{})) + int64(len(sc.words))*8
	}
	if states > 0 {
		b.perState = max(b.perState, (used+int64(states)-1)/int64(states))
	}
}

// bytes is the scratch's memory, at its capacities.
func (sc *pscratch) bytes() int64 {
	return int64(cap(sc.exps))*int64(unsafe.Sizeof(pexp{})) + int64(cap(sc.succ))*int64(unsafe.Sizeof(psucc{})) +
		int64(cap(sc.words))*8 + int64(cap(sc.nets))*4 + int64(cap(sc.slots))*8
}

// memory is what the graph and the builder hold: the graph's slices, the
// fingerprint map, the queue and the workers' scratch, at their capacities.
func (b *builder) memory(scs []*pscratch) int64 { return b.held(scs, false) }

// inUse is the same, counting the graph's slices and the queue at their
// lengths (see pgraph.inUse): what the report shows.
func (b *builder) inUse(scs []*pscratch) int64 { return b.held(scs, true) }

func (b *builder) held(scs []*pscratch, lengths bool) int64 {
	m := b.g.memory() + int64(cap(b.buf)+cap(b.nbuf))*8 + int64(cap(b.starts)+cap(b.nstarts))*8
	if lengths {
		m = b.g.inUse() + int64(len(b.buf)+len(b.nbuf))*8 + int64(len(b.starts)+len(b.nstarts))*8
	}
	m += int64(len(b.g.ids.slots))*idSlotBytes + b.claim.bytes()
	for _, sc := range scs {
		m += sc.bytes()
	}
	return m
}

// analysisBytes bounds what the analysis of a graph of n states and e edges
// allocates once the graph is built (findLasso, fairComponents, checkProps):
// by state, Tarjan's index and low, on, mark, trim's bit set and the list
// of the states it keeps (22 bytes), Tarjan's stack and calls (at most 12 bytes, up to twice that as
// they grow by appending), and the copies of the components and of the
// lasso (8 bytes); with properties, the reverse graph (4 bytes a state and
// an edge) and checkProp's own arrays (13 bytes a state). It is a bound on
// arrays, not a measure: the maps that strong fairness and the cycle's
// detours keep for one component are left out.
func (g *pgraph) analysisBytes(n, e int64) int64 {
	b := n * (22 + 24 + 8)
	if len(g.m.P.Props) > 0 {
		b += n*(4+13) + e*4
	}
	return b
}

// reserve makes room for filing the states the workers expanded (scs): it
// grows the graph's slices, the queue and the fingerprint map to what the
// expansions may add, after counting the new arrays (the old ones are live
// while they are copied), so that filing allocates nothing. It returns why
// the graph cannot grow, or "". It also checks that the graph, once built,
// leaves room for its analysis (the map and the queue are gone by then).
func (b *builder) reserve(scs []*pscratch) string {
	g := b.g
	var states, edges, fresh, words int
	for _, sc := range scs {
		if sc.why != "" {
			return "" // file reports it
		}
		states += len(sc.exps)
		edges += len(sc.succ)
		fresh += sc.unknown
		words += len(sc.words)
	}
	// New states: at most the successors no earlier level has, and the
	// state limit (filing stops there). The claim table takes them all.
	unknown := fresh
	fresh = int(min(int64(fresh), max(b.limit-int64(len(g.parent)), 0)+1))
	props := 0
	if len(g.m.P.Props) > 0 {
		props = states
	}
	// Arrays grow by doubling, which copies each element about once; when
	// that does not fit in the budget, by a quarter (more copying, less
	// memory). ok reports whether the plan fits.
	var grow int64 // the new arrays' bytes
	var cOff, cEn, cUnf, cProps, cTo, cStk, cKind, cCh, cParent, cPedge, cStarts, cBuf, ids int
	held := b.memory(scs)
	g.mem = max(g.mem, b.inUse(scs))
	fits := false
	// The first plan sizes the graph's arrays for the states and edges the
	// safety search suggests (hint), so that they need not grow again; the
	// others grow them by doubling, then by a quarter.
	for _, mode := range []growMode{growHint, growDouble, growQuarter} {
		if mode == growHint && b.hintStates <= 0 {
			continue
		}
		grow = 0
		plan := func(length, capacity, add int, size int64, hint int) int {
			c := growCap(length, capacity, add, mode == growQuarter)
			if mode == growHint && hint > capacity && length+add > capacity {
				c = max(length+add, hint) // once: past the hint, doubling
			}
			if c > capacity {
				grow += int64(c) * size
			}
			return c
		}
		he := b.hintEdges
		cOff = plan(len(g.off), cap(g.off), states+1, 4, b.hintStates+1) // +1: the last row's end
		cEn = plan(len(g.en), cap(g.en), states, 8, b.hintStates)
		cUnf = plan(len(g.unf), cap(g.unf), states, 8, b.hintStates)
		cProps = plan(len(g.props), cap(g.props), props, 8, b.hintStates)
		cTo = plan(len(g.to), cap(g.to), edges, 4, he)
		cStk = plan(len(g.stk), cap(g.stk), edges, 1, he)
		cKind = plan(len(g.kind), cap(g.kind), edges, 1, he)
		cCh = plan(len(g.ch), cap(g.ch), edges, 4, he)
		cParent = plan(len(g.parent), cap(g.parent), fresh, 4, b.hintStates)
		cPedge = plan(len(g.pedge), cap(g.pedge), fresh, 4, b.hintStates)
		// The queue holds a level, not the graph: no hint.
		cStarts = plan(len(b.nstarts), cap(b.nstarts), fresh, 8, 0)
		cBuf = plan(len(b.nbuf), cap(b.nbuf), words, 8, 0)
		// Filing in parallel takes a claim table and a slot a successor.
		if len(scs) > 1 {
			if c := levelSize(unknown*maxLoadDen/maxLoadNum + 16); c > cap(b.claim.mem) {
				grow += int64(c) * levelSlotBytes
			}
			for _, sc := range scs {
				if len(sc.succ) > cap(sc.slots) {
					grow += int64(len(sc.succ)) * 8
				}
			}
		}
		ids = g.ids.sizeFor(g.ids.n + fresh)
		if mode == growHint && ids > len(g.ids.slots) {
			ids = g.ids.sizeFor(max(g.ids.n+fresh, b.hintStates))
		}
		if ids > len(g.ids.slots) {
			grow += int64(ids) * idSlotBytes
		}
		// Built, the graph keeps its slices (at their new capacities): the
		// map, the queue and the scratch go, and the analysis comes.
		built := int64(cOff+cTo+cCh+cParent+cPedge)*4 + int64(cStk+cKind) + int64(cEn+cUnf+cProps)*8
		n, e := int64(len(g.parent)+fresh), int64(len(g.to)+edges)
		if fits = held+grow <= b.maxMem && built+g.analysisBytes(n, e) <= b.maxMem; fits {
			break
		}
	}
	if !fits {
		return fmt.Sprintf("the graph would take more than %s (--max-memory)", sizeText(b.shown))
	}
	makeRoom(grow)
	// The arrays are written once from end to end: in huge pages where the
	// system allows (hugeSlice), since a page fault for every 4 KiB took
	// a third of the progress check (docs/performance.md, "Huge pages").
	h := &g.maps
	g.off = regrowMapped(h, g.off, cOff)
	g.en, g.unf, g.props = regrowMapped(h, g.en, cEn), regrowMapped(h, g.unf, cUnf), regrowMapped(h, g.props, cProps)
	g.to, g.stk, g.kind, g.ch = regrowMapped(h, g.to, cTo), regrowMapped(h, g.stk, cStk), regrowMapped(h, g.kind, cKind), regrowMapped(h, g.ch, cCh)
	g.parent, g.pedge = regrowMapped(h, g.parent, cParent), regrowMapped(h, g.pedge, cPedge)
	b.nstarts, b.nbuf = regrowMapped(h, b.nstarts, cStarts), regrowMapped(h, b.nbuf, cBuf)
	if ids > len(g.ids.slots) {
		g.ids.resize(ids)
	}
	return ""
}

// growMode is how reserve grows the graph's arrays.
type growMode uint8

const (
	growHint    growMode = iota // to the size the safety search suggests
	growDouble                  // twice over
	growQuarter                 // by a quarter
)

// growCap is the capacity a slice of length length and capacity capacity
// needs for add more elements: its own when they fit, else twice it (or a
// quarter more, when quarter is set: growing still costs amortized
// constant time), and at least 1024.
func growCap(length, capacity, add int, quarter bool) int {
	if length+add <= capacity {
		return capacity
	}
	more := capacity
	if quarter {
		more = capacity / 4
	}
	return max(length+add, capacity+more, 1024)
}

// expandRun expands states [a, z) into sc.
func (b *builder) expandRun(sc *pscratch, a, z int) {
	for v := a; v < z; v++ {
		if !b.expand(sc, v) {
			return
		}
	}
}

// file files the states sc expanded, the first of them v, and their
// successors; it returns why the graph cannot be built, or "".
func (b *builder) file(sc *pscratch, v int) string {
	g := b.g
	if sc.why != "" {
		return sc.why
	}
	g.trans += sc.trans
	sc.trans = 0
	g.nstk = max(g.nstk, sc.nstk)
	p := g.m.P
	var acc uint64
	for k, e := range sc.exps {
		g.off = append(g.off, uint32(len(g.to)))
		end := len(sc.succ)
		if k+1 < len(sc.exps) {
			end = sc.exps[k+1].succ
		}
		for j := e.succ; j < end; j++ {
			// Touch the id table where a successor fileAhead on will
			// probe, so that its cache miss overlaps this one's.
			if a := j + fileAhead; a < len(sc.succ) && sc.succ[a].id == unknownID && len(g.ids.slots) > 0 {
				acc += g.ids.slots[sc.succ[a].fp&uint64(len(g.ids.slots)-1)].fp
			}
			su := sc.succ[j]
			id := su.id
			if id == unknownID {
				var ok bool
				if id, ok = g.ids.get(su.fp); !ok {
					if int64(len(g.parent)) >= b.limit {
						return fmt.Sprintf("the graph would have more than %d states", b.limit)
					}
					id = uint32(len(g.parent))
					g.ids.put(su.fp, id)
					g.parent = append(g.parent, uint32(v+k))
					g.pedge = append(g.pedge, uint32(len(g.to)))
					n := int(sc.words[su.at])
					b.nstarts = append(b.nstarts, len(b.nbuf))
					b.nbuf = append(b.nbuf, sc.words[su.at+1:int(su.at)+1+n]...)
				}
			}
			g.to = append(g.to, id)
			g.stk = append(g.stk, su.ent)
			g.kind = append(g.kind, su.kind)
			g.ch = append(g.ch, su.ch)
		}
		g.en = append(g.en, e.en)
		g.unf = append(g.unf, e.unf)
		if len(p.Props) > 0 {
			g.props = append(g.props, e.props)
		}
	}
	sc.touch += acc
	return ""
}

// whyStaticLinksFull is why a build with links numbered by their nodes
// stops: a state has more stacks than they left room for. checkProgress
// builds the graph again with links numbered as met; nobody sees it.
const whyStaticLinksFull = "the stacks and the links numbered by their nodes would be more than the entities"

// fileAhead is how far ahead file touches the id table.
const fileAhead = 8

// expand expands state v into sc. It returns false when the graph cannot
// be built (sc.why says why).
func (b *builder) expand(sc *pscratch, v int) bool {
	g := b.g
	m := g.m
	p := m.P
	s, t := &sc.s, &sc.t
	// s only reads the queued words (each move works on a copy, t), so it
	// uses them in place; the capacity limit keeps any append from
	// reaching the next state's.
	w := b.words(v)
	s.W = w[:len(w):len(w)]
	s.Reindex(p)
	n := s.NumStacks()
	sc.nstk = max(sc.nstk, n)
	if p.Net != nil && g.staticLinks == 0 {
		g.nstk = max(g.nstk, n) // one worker: linkEntity reads it
	}
	// Links numbered by their nodes are all there from the start (and
	// g.links stays empty); links numbered as met are those seen so far.
	if n+g.staticLinks+len(g.links)+1 > maxProgressStacks {
		sc.why = fmt.Sprintf("a state has more than %d stacks and links", maxProgressStacks-1)
		if g.staticLinks > 0 {
			sc.why = whyStaticLinksFull
		}
		return false
	}
	e := pexp{succ: len(sc.succ)}
	wordsAt := len(sc.words)
	// Successors are looked up in the id table all at once, after the
	// state's expansion (resolve), so that their cache misses overlap;
	// until then each keeps its words.
	add := func(ent uint8, kind int8, ch int32) {
		su := psucc{ent: ent, kind: kind, ch: ch, fp: fingerprint(t.W), id: unknownID, at: int32(len(sc.words))}
		if need := len(sc.words) + 1 + len(t.W); need > cap(sc.words) {
			// The words of a chunk's successors take tens of MiB: in huge
			// pages, like the graph's arrays (see reserve).
			sc.words = regrowMapped(&sc.maps, sc.words, max(need, 2*cap(sc.words), 1024))
		}
		sc.words = append(sc.words, int64(len(t.W)))
		sc.words = append(sc.words, t.W...)
		sc.succ = append(sc.succ, su)
	}
	for i := 0; i < n; i++ {
		if s.Finished(p, i) || p.Net != nil && m.Stopped(s, i) {
			continue
		}
		if !p.Procs[s.ProcOf(p, i)].Daemon {
			e.unf |= 1 << i
		}
		if !m.Enabled(s, i) {
			continue
		}
		e.en |= 1 << i
		k := m.Choices(s, i)
		for ch := 0; ch < k; ch++ {
			sc.trans++
			t.CopyFrom(s)
			if r := m.Step(t, i, ch); r.Status != vm.OK {
				continue // a failure ends the run: safety's business
			}
			if k, _ := m.CheckAlways(t); k >= 0 {
				continue
			}
			sc.fold(g, t, i, nil)
			sc.settle(g, t, n, nil)
			add(uint8(i), 0, int32(ch))
		}
	}
	if p.Net != nil {
		// The network's moves: every delivery, duplicate, drop and
		// fault the mode allows (none is left implicit here). Links
		// numbered as they are met take one worker (linkEntity).
		sc.nets, _ = netMoves(m, s, sc.nets[:0])
		for j := 0; j < len(sc.nets); j += 2 {
			kind, k := sc.nets[j], int(sc.nets[j+1])
			ent := uint8(noEntity)
			switch kind {
			case trace.NetDeliver, trace.NetDup:
				msg := s.Msg(k)
				var why string
				if ent, why = g.linkEntity(msg.From, msg.To); why != "" {
					sc.why = why
					return false
				}
				e.en |= 1 << ent
			case trace.NetHeal:
				ent = healEntity
				e.en |= 1 << ent
			}
			t.CopyFrom(s)
			applyNet(m, t, kind, k)
			add(ent, int8(kind), int32(k))
		}
	}
	if len(p.Props) > 0 {
		e.props = g.evalProps(s)
	}
	sc.resolve(g, e.succ, wordsAt)
	sc.exps = append(sc.exps, e)
	return true
}

// resolve gives the successors from sc.succ[from] on the ids earlier
// levels gave them (the table is only read while workers expand), and
// keeps the words of the others only, packed from sc.words[wordsAt] on.
func (sc *pscratch) resolve(g *pgraph, from, wordsAt int) {
	succ := sc.succ[from:]
	if len(g.ids.slots) > 0 {
		// Touch every probe's first slot so the misses overlap.
		mask := uint64(len(g.ids.slots) - 1)
		var acc uint64
		for k := range succ {
			acc += g.ids.slots[succ[k].fp&mask].fp
		}
		sc.touch = acc
	}
	w := wordsAt
	for k := range succ {
		su := &succ[k]
		if id, ok := g.ids.get(su.fp); ok {
			su.id = id
			continue
		}
		sc.unknown++
		at, n := int(su.at), 1+int(sc.words[su.at])
		if at != w {
			copy(sc.words[w:w+n], sc.words[at:at+n])
		}
		su.at = int32(w)
		w += n
	}
	sc.words = sc.words[:w]
}

// idTable maps a state's fingerprint to its id: open addressing with
// linear probing, the fingerprint (already a good hash) picking the slot.
// A lookup is one cache line where Go's map was several; it may be read by
// several goroutines while nobody writes.
type idTable struct {
	slots  []idSlot
	n      int
	mapped []byte // the mapping slots lives in, when not on the Go heap (hugeSlice)
}

type idSlot struct {
	fp uint64
	id uint32 // id + 1; 0: empty
}

func (t *idTable) get(fp uint64) (uint32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := fp & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			return 0, false
		}
		if s.fp == fp {
			return s.id - 1, true
		}
	}
}

// put adds fp with its id; fp must not be there yet.
func (t *idTable) put(fp uint64, id uint32) {
	if (t.n+1)*2 > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	i := fp & mask
	for t.slots[i].id != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = idSlot{fp, id + 1}
	t.n++
}

func (t *idTable) grow() { t.resize(t.sizeFor(t.n + 1)) }

// sizeFor is the size the table needs to hold n entries (a power of two,
// at least 1024, at most half full).
func (t *idTable) sizeFor(n int) int {
	size := max(1024, len(t.slots))
	for n*2 > size {
		size *= 2
	}
	return size
}

// resize rehashes the table into size slots.
func (t *idTable) resize(size int) {
	old, oldMap := t.slots, t.mapped
	t.slots, t.mapped = hugeSlice[idSlot](size)
	t.n = 0
	for _, s := range old {
		if s.id != 0 {
			t.put(s.fp, s.id-1)
		}
	}
	unmapHuge(oldMap)
}

// idSlotBytes is the size of an idTable slot.
const idSlotBytes = int64(unsafe.Sizeof(idSlot{}))
