package check

import (
	"fmt"
	"sync"

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
// cheap. So each level is expanded by the workers in parallel, each into
// its own list, with the fingerprint map read only to resolve the states
// of earlier levels; then one goroutine files the lists in state order.
// The graph is the same whatever the number of workers.

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
	why   string
	touch uint64 // keeps resolve's touching loads from being optimised away
	// fileParallel's: each successor's claim-table slot, the successors
	// this worker owns and their words, and where its ids, edges, states
	// and words start.
	slots                                 []uint64
	owners, ownWords                      int
	idBase, edgeBase, stateBase, wordBase int
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
	maxMem int64
	stop   <-chan struct{}
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
	scs := []*pscratch{g.scratch}
	for len(scs) < workers {
		scs = append(scs, g.newScratch())
	}
	defer func() {
		g.off = append(g.off, uint32(len(g.to)))
		g.ids = idTable{} // not needed any more
	}()
	for lo := 0; lo < len(g.parent); {
		hi := len(g.parent)
		// Expand [lo, hi) in chunks small enough to file and forget
		// soon, large enough to share among the workers.
		for from := lo; from < hi; {
			select {
			case <-b.stop:
				return "interrupted"
			default:
			}
			if g.mem = max(g.mem, g.memory(cap(b.buf)+cap(b.nbuf))); g.mem > b.maxMem {
				return fmt.Sprintf("the graph would take more than %s (--max-memory)", sizeText(b.maxMem))
			}
			to := min(hi, from+chunkStates)
			n := len(scs)
			if to-from < parallelFileMin {
				n = 1
			}
			var wg sync.WaitGroup
			per := (to - from + n - 1) / n
			for k := 0; k < n; k++ {
				a, z := from+k*per, min(to, from+(k+1)*per)
				sc := scs[k]
				sc.exps, sc.succ, sc.words, sc.why = sc.exps[:0], sc.succ[:0], sc.words[:0], ""
				if a >= z {
					continue
				}
				if n == 1 {
					b.expandRun(sc, a, z)
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					b.expandRun(sc, a, z)
				}()
			}
			wg.Wait()
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
	touchSink = acc
	return ""
}

// fileAhead is how far ahead file touches the id table.
const fileAhead = 8

// touchSink keeps the touching loads of file from being optimised away.
var touchSink uint64

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
	if p.Net != nil {
		g.nstk = max(g.nstk, n) // one worker: linkEntity reads it
	}
	if n+len(g.links)+1 > maxProgressStacks {
		sc.why = fmt.Sprintf("a state has more than %d stacks and links", maxProgressStacks-1)
		return false
	}
	e := pexp{succ: len(sc.succ)}
	wordsAt := len(sc.words)
	// Successors are looked up in the id table all at once, after the
	// state's expansion (resolve), so that their cache misses overlap;
	// until then each keeps its words.
	add := func(ent uint8, kind int8, ch int32) {
		su := psucc{ent: ent, kind: kind, ch: ch, fp: fingerprint(t.W), id: unknownID, at: int32(len(sc.words))}
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
			add(uint8(i), 0, int32(ch))
		}
	}
	if p.Net != nil {
		// The network's moves: every delivery, duplicate, drop and
		// fault the mode allows (none is left implicit here). One
		// worker only: links are numbered as they are met.
		sc.nets = netMoves(m, s, sc.nets[:0])
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
	slots []idSlot
	n     int
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

func (t *idTable) grow() {
	old := t.slots
	t.slots = make([]idSlot, max(1024, 2*len(old)))
	t.n = 0
	for _, s := range old {
		if s.id != 0 {
			t.put(s.fp, s.id-1)
		}
	}
}
