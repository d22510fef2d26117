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
	// How many elements of each queue array have been written, in this
	// level or an earlier one: the pages stay resident (see resident).
	bufWritten, nbufWritten, startsWritten, nstartsWritten int
	base                                                   int
	claim                                                  levelTable // fileParallel's
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
		b.nbufWritten, b.nstartsWritten = max(b.nbufWritten, len(b.nbuf)), max(b.nstartsWritten, len(b.nstarts))
		b.buf, b.nbuf = b.nbuf, b.buf[:0]
		b.starts, b.nstarts = b.nstarts, b.starts[:0]
		b.bufWritten, b.nbufWritten = b.nbufWritten, b.bufWritten
		b.startsWritten, b.nstartsWritten = b.nstartsWritten, b.startsWritten
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
