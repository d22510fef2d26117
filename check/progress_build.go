package check

import (
	"fmt"
	"runtime"
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
// fingerprint map read only to resolve states filed before. The lists are
// filed piece by piece, as one goroutine would in state order: on two or
// three workers by one goroutine while the others expand the next chunk
// (pipelineWorkers), with more by all of them (fileParallel,
// progress_file.go). The graph is the same whatever the number of
// workers. What all this holds counts against --max-memory as
// progress_memory.go says.

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
	// seen is the piece's successors so far (add): the seen set of the
	// goroutine expanding it (builder.seens).
	seen *seenSet
}

// pexp is one expanded state.
type pexp struct {
	en, unf, props uint64
	succ           int // its successors: succ[succ:next state's succ]
}

// psucc is one successor of an expanded state.
type psucc struct {
	ent   uint8
	kind  int8
	first bool // the first of the piece's successors with its fingerprint
	ch    int32
	fp    uint64
	id    uint32 // its id when an earlier level has it, else unknown
	at    int32  // where its words (those of the first with its fingerprint) start in words
}

const unknownID = ^uint32(0)

func (g *pgraph) newScratch() *pscratch {
	sc := &pscratch{taken: newCardSet(len(g.m.P.Cards))}
	g.m.Hashed(&sc.s)
	g.m.Hashed(&sc.t)
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
	workers               int   // how many goroutines expand and file (pool)
	crew                  *crew // runs pool's goroutines, when it can (crew.go)
	// seens holds a seen set for each of pool's goroutines (its part),
	// not for each piece: the pieces go to whichever goroutine comes
	// first, and a piece's set, last used on the other processor, missed
	// the cache at every successor (seenSet.at: 0.19 s of processor time
	// on one worker, 0.90 s on two, in four progress checks of phil N=6
	// R=3).
	seens []*seenSet
	// The queue: the words of the level being expanded, in id order
	// (state base+k starts at buf[starts[k]]), and those of the next level
	// as file finds them. At the end of a level the next becomes the
	// current one and the current one's memory is reused for the next.
	buf, nbuf       []int64
	starts, nstarts []int
	view            queueView // where expand finds a state's words
	// spare is the other set of pieces' scratch when the build is
	// pipelined: the chunk being filed has one, the chunk being expanded
	// the other.
	spare []*pscratch
	// How many elements of each queue array have been written, in this
	// level or an earlier one: the pages stay resident (see resident).
	bufWritten, nbufWritten, startsWritten, nstartsWritten int
	base                                                   int
	claim                                                  levelTable // fileParallel's
}

// words returns the words of state v, which must be in the view of the
// queue (queueView).
func (b *builder) words(v int) []int64 {
	q := &b.view
	k := v - q.base
	end := len(q.buf)
	if k+1 < len(q.starts) {
		end = q.starts[k+1]
	}
	return q.buf[q.starts[k]:end]
}

// run explores from init with the given number of workers.
func (b *builder) run(init *vm.State, workers int) string {
	g := b.g
	g.ids.put(fingerprint(init.W), 0)
	g.parent, g.pedge = []uint32{0}, []uint32{0}
	b.buf = append([]int64(nil), init.W...)
	b.starts = []int{0}
	b.view = queueView{buf: b.buf, starts: b.starts}
	// A chunk is cut in pieces, several a worker, which the workers take
	// as they come (pool): a worker slowed down (a page fault, another
	// process on its core) holds the others up at the end of the chunk
	// for a piece, not for its share. Each piece has its own scratch.
	b.workers = workers
	for range workers {
		b.seens = append(b.seens, &seenSet{})
	}
	if workers > 1 && runtime.GOMAXPROCS(0) >= workers {
		b.crew = newCrew(workers - 1)
		defer func() {
			b.crew.stop()
			b.crew = nil
		}()
	}
	scs := []*pscratch{g.scratch}
	if workers > 1 {
		for len(scs) < workers*piecesPerWorker {
			scs = append(scs, g.newScratch())
		}
	}
	// With two or three workers a chunk is filed on this goroutine while
	// the others expand the next chunk (see pipelineWorkers), each
	// chunk in a set of pieces of its own.
	if pipelined := workers > 1 && workers <= pipelineWorkers; pipelined {
		for range scs {
			b.spare = append(b.spare, g.newScratch())
		}
		g.ids.shared = true
	}
	defer func() {
		g.off = append(g.off, uint32(len(g.to)))
		unmapHuge(g.ids.mapped)
		g.ids = idTable{} // not needed any more (nor its mapping)
		for _, sc := range append(scs, b.spare...) {
			sc.maps.free()
			sc.exps, sc.succ, sc.words = nil, nil, nil
		}
	}()
	var pend filing // a chunk expanded and not filed yet (pipelined)
	ahead := 0      // the states of the level expanded before it began (pend's)
	for lo := 0; lo < len(g.parent); {
		hi := len(g.parent)
		g.levels = append(g.levels, uint32(lo))
		// Expand [lo, hi) in chunks small enough to file and forget
		// soon, large enough to share among the workers.
		for from := lo + ahead; from < hi; {
			select {
			case <-b.stop:
				return "interrupted"
			default:
			}
			to := min(hi, from+b.chunk(scs))
			cut, why := b.expandChunk(scs, from, to, pend)
			if why != "" {
				return why
			}
			if why := b.reserve(cut.scs); why != "" {
				return why
			}
			switch {
			case b.spare != nil:
				pend = cut
				scs, b.spare = b.spare, scs
			case len(cut.scs) == 1:
				if why := b.file(scs[0], from); why != "" {
					return why
				}
			default:
				if why := b.fileParallel(cut.scs, cut.firsts()); why != "" {
					return why
				}
			}
			from = to
		}
		// Pipelined, the level's last chunk is filed while the others
		// expand the first states of the next level, those the level's
		// other chunks have filed: with levels of one or two chunks, as
		// in most programs, filing would otherwise overlap nothing.
		ahead = 0
		var next filing
		if filed := len(g.parent); pend.scs != nil && filed > hi {
			b.view = queueView{buf: b.nbuf, starts: b.nstarts, base: hi}
			var why string
			if next, why = b.expandChunk(scs, hi, min(filed, hi+b.chunk(scs)), pend); why != "" {
				return why
			}
			ahead = next.to - hi
		} else if pend.scs != nil {
			if why := pend.file(); why != "" {
				return why
			}
		}
		// The next level becomes the one to expand.
		b.nbufWritten, b.nstartsWritten = max(b.nbufWritten, len(b.nbuf)), max(b.nstartsWritten, len(b.nstarts))
		b.buf, b.nbuf = b.nbuf, b.buf[:0]
		b.starts, b.nstarts = b.nstarts, b.starts[:0]
		b.bufWritten, b.nbufWritten = b.nbufWritten, b.bufWritten
		b.startsWritten, b.nstartsWritten = b.nstartsWritten, b.startsWritten
		b.base = hi
		b.view = queueView{buf: b.buf, starts: b.starts, base: b.base}
		pend = filing{}
		if next.scs != nil {
			// Its successors go to the queue's next level, which only
			// now has its room.
			if why := b.reserve(next.scs); why != "" {
				return why
			}
			pend = next
			scs, b.spare = b.spare, scs
		}
		lo = hi
	}
	return ""
}

// expandChunk expands the states [from, to) into the pieces of scs it
// cuts them in, with every worker; when pend holds a chunk, this
// goroutine files it first (the others expanding meanwhile). It returns
// the chunk to file, or why the graph cannot be built.
func (b *builder) expandChunk(scs []*pscratch, from, to int, pend filing) (filing, string) {
	n := len(scs)
	if to-from < parallelFileMin {
		n = 1
	}
	per := (to - from + n - 1) / n
	for _, sc := range scs[:n] {
		sc.exps, sc.succ, sc.words, sc.why, sc.unknown = sc.exps[:0], sc.succ[:0], sc.words[:0], "", 0
	}
	piece := func(part, k int) {
		if a, z := from+k*per, min(to, from+(k+1)*per); a < z {
			b.expandRun(b.seens[part], scs[k], a, z)
		}
	}
	switch {
	case pend.scs != nil:
		if why := b.poolAfter(n, piece, pend.file); why != "" {
			return filing{}, why
		}
	case n == 1:
		b.expandRun(b.seens[0], scs[0], from, to)
	default:
		b.pool(n, piece)
	}
	b.noteScratch(scs[:n], to-from)
	return filing{b: b, scs: scs[:n], from: from, to: to, per: per}, ""
}

// queueView is where expand finds the words of the states it expands:
// the level being expanded, or, while its last chunk is filed, the part of
// the next level filed before (a copy of the slices, which filing appends
// to meanwhile, within their capacity).
type queueView struct {
	buf    []int64
	starts []int
	base   int
}

// piecesPerWorker is how many pieces a chunk is cut in, per worker.
const piecesPerWorker = 4

// pipelineWorkers is the most workers that build the graph pipelined: one
// of them files a chunk (file, on one goroutine) while the others expand
// the next chunk of the level, and then helps them. Filing in parallel
// (fileParallel) takes five passes over a chunk's successors, and on two
// workers it took longer than filing on one: pipelined, filing costs the
// others nothing as long as they expand more slowly than one files, which
// holds up to three workers or so (expanding a state takes about three
// times as long as filing it). With more, the chunks are filed in
// parallel, after their expansion.
const pipelineWorkers = 3

// filing is a chunk of the level expanded into scs, the states [from, to)
// cut in pieces of per states, to be filed.
type filing struct {
	b             *builder
	scs           []*pscratch
	from, to, per int
}

// firsts is the first state of each piece (fileParallel's).
func (f filing) firsts() []int {
	firsts := make([]int, 0, len(f.scs))
	for k := 0; k < len(f.scs) && f.from+k*f.per < f.to; k++ {
		firsts = append(firsts, f.from+k*f.per)
	}
	return firsts
}

// file files the pieces in order on this goroutine: the graph is the one
// a single worker makes. It returns why the graph cannot be built, or "".
func (f filing) file() string {
	for k, first := range f.firsts() {
		if why := f.b.file(f.scs[k], first); why != "" {
			return why
		}
	}
	return ""
}

// pool calls f(part, k) for each k in [0, n), on at most b.workers
// goroutines (the caller's one of them, part 0), which take the ks as
// they come; part tells the goroutines apart, below b.workers.
func (b *builder) pool(n int, f func(part, k int)) { b.poolAfter(n, f, nil) }

// poolAfter is pool, but the caller first runs first (when not nil), the
// other goroutines taking the ks meanwhile, and then takes what is left
// of them, unless first failed. It returns what first returned.
func (b *builder) poolAfter(n int, f func(part, k int), first func() string) string {
	var next atomic.Int32
	run := func(part int) {
		for k := int(next.Add(1)) - 1; k < n; k = int(next.Add(1)) - 1 {
			f(part, k)
		}
	}
	helpers := min(b.workers, n) - 1
	if first != nil {
		helpers = min(b.workers-1, n)
	}
	var why string
	runParts(b.crew, helpers+1, func(part int) {
		if part == 0 && first != nil {
			if why = first(); why != "" {
				return
			}
		}
		run(part)
	})
	return why
}

// chunkStates is how many states are expanded before their successors are
// filed.
const chunkStates = 8192

// progressChunk is chunkStates, but a variable: the tests cut levels in
// small chunks to pipeline the build of small graphs.
var progressChunk = chunkStates

// expandRun expands states [a, z) into sc, with seen, the calling
// goroutine's seen set.
func (b *builder) expandRun(seen *seenSet, sc *pscratch, a, z int) {
	sc.seen = seen
	seen.reset()
	for v := a; v < z; {
		// The successors of resolveGroup states are looked up in the id
		// table together (resolve), so that their cache misses overlap:
		// a state's own successors, looked up after it, were too few to
		// (the lookups took a fifth of the progress check).
		succ := len(sc.succ)
		for end := min(z, v+resolveGroup); v < end; v++ {
			if !b.expand(sc, v) {
				return
			}
		}
		sc.resolve(b.g, succ)
	}
}

// resolveGroup is how many states' successors resolve looks up together.
const resolveGroup = 16

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
		if k%fileGroup == 0 && len(g.ids.slots) > 0 {
			// Touch the id table where the successors not known yet of
			// the next fileGroup states will probe, so that their cache
			// misses overlap. For writing (cpu_amd64.go): a new state's
			// id is put there, and, pipelined, the expanding goroutines
			// on the other processor read the table meanwhile.
			mask := uint64(len(g.ids.slots) - 1)
			last := len(sc.succ)
			if k+fileGroup < len(sc.exps) {
				last = sc.exps[k+fileGroup].succ
			}
			for _, su := range sc.succ[e.succ:last] {
				// Without a branch, which would mispredict (one
				// successor in four is new) and cancel the loads
				// issued after it: known ones touch slot 0.
				i := su.fp & mask
				if su.id != unknownID {
					i = 0
				}
				acc += touchForWrite(&g.ids.slots[i].fp)
			}
		}
		for j := e.succ; j < end; j++ {
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

// fileGroup is how many states' successors file touches the id table for
// at a time.
const fileGroup = 16

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
	// Successors are looked up in the id table a group of states at a
	// time (expandRun, resolve), so that their cache misses overlap;
	// until then each keeps its words.
	add := func(ent uint8, kind int8, ch int32) {
		su := psucc{ent: ent, kind: kind, ch: ch, fp: fingerprint(t.W), id: unknownID, at: int32(len(sc.words))}
		// A state the piece has reached already keeps the words it has:
		// most successors are (a new state is reached 1.4 to 5 times
		// from its level, nearly always from one chunk).
		if at, seen := sc.seen.at(su.fp, su.at); seen {
			su.at = at
			sc.succ = append(sc.succ, su)
			return
		}
		su.first = true
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
		sc.nets, _, _ = netMoves(m, s, sc.nets[:0], nil)
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
	sc.exps = append(sc.exps, e)
	return true
}

// resolve gives the successors from sc.succ[from] on the ids earlier
// levels gave them (the table is only read while workers expand, or
// beside one put when the build is pipelined), and counts the others
// (each fingerprint once: see add).
func (sc *pscratch) resolve(g *pgraph, from int) {
	succ := sc.succ[from:]
	if len(g.ids.slots) > 0 {
		// Touch every probe's first slot so the misses overlap.
		mask := uint64(len(g.ids.slots) - 1)
		var acc uint64
		for k := range succ {
			acc += uint64(atomic.LoadUint32(&g.ids.slots[succ[k].fp&mask].id))
		}
		sc.touch = acc
	}
	for k := range succ {
		su := &succ[k]
		if id, ok := g.ids.get(su.fp); ok {
			su.id = id
		} else if su.first {
			sc.unknown++
		}
	}
}

// seenSet remembers, for the successors a piece has made lately, where
// the words of the first with each fingerprint start (add): a cache of
// seenSlots slots, one per fingerprint's low bits, small enough to stay in
// the processor's cache (a table of every successor of the piece missed
// it, and cost more than the copies it saved). Its entries carry the
// generation of the piece, so that a new piece starts with an empty set
// without clearing it.
type seenSet struct {
	slots []seenSlot
	gen   uint32
}

type seenSlot struct {
	fp  uint64
	at  int32
	gen uint32
}

// seenSlots is the size of a seenSet: 64 KiB.
const seenSlots = 4096

// reset empties the set.
func (t *seenSet) reset() {
	if t.slots == nil {
		t.slots = make([]seenSlot, seenSlots)
	}
	if t.gen++; t.gen == 0 { // wrapped: clear the old generations
		clear(t.slots)
		t.gen = 1
	}
}

// at returns where the words of fp start and true, when the set has fp;
// else it keeps fp with at (in place of what its slot had) and returns at
// and false.
func (t *seenSet) at(fp uint64, at int32) (int32, bool) {
	s := &t.slots[fp&(seenSlots-1)]
	if s.gen == t.gen && s.fp == fp {
		return s.at, true
	}
	*s = seenSlot{fp, at, t.gen}
	return at, false
}

// idTable maps a state's fingerprint to its id: open addressing with
// linear probing, the fingerprint (already a good hash) picking the slot.
// A lookup is one cache line where Go's map was several. When the table
// is shared, lookups (get) run beside one put: put fills a slot's
// fingerprint and then publishes its id with an atomic store, which get
// loads first. A lookup that meets a slot being filled misses it, which
// the expansion's lookups may (filing looks a successor up again), and a
// put never grows the table then (reserve sized it).
type idTable struct {
	slots  []idSlot
	n      int
	mapped []byte // the mapping slots lives in, when not on the Go heap (hugeSlice)
	shared bool   // lookups run beside put (the build is pipelined)
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
		id := atomic.LoadUint32(&s.id)
		if id == 0 {
			return 0, false
		}
		if s.fp == fp {
			return id - 1, true
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
	t.slots[i].fp = fp
	if t.shared {
		atomic.StoreUint32(&t.slots[i].id, id+1)
	} else {
		// A locked store would wait for the state's words copied before
		// to leave the store buffer: 2-3 % of a check on one worker.
		t.slots[i].id = id + 1
	}
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
