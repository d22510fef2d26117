package check

import (
	"fmt"
	"math/bits"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/deck-lang/deck/card"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Progress checking
//
// Safety says nothing bad happens; progress says every stack that is not
// a daemon eventually finishes, in every fair run. A run that never
// finishes in a finite state space ends up going round a cycle forever, so
// a violation is a lasso: a path to a state, then a cycle back to it. The
// check looks for one in three steps:
//
//  1. It builds the explicit graph of the reachable states, breadth-first
//     (so ids are BFS order and the BFS parents give shortest prefixes),
//     one shared card a transition (the local cards after it folded in,
//     see fold) and WITHOUT partial-order reduction. The
//     reduction of the safety search keeps every deadlock, failure and
//     outcome, and its cycle proviso keeps a stack from being ignored
//     forever for safety's sake; neither promises that the reduced graph
//     keeps the fair cycles of the full one (a stack that moves alone
//     hides the states where the others are enabled, which is exactly
//     what fairness is about). So this graph is the full one, bounded by
//     Options.MaxProgressStates: above it progress is reported
//     "unchecked", never ok.
//  2. It splits the graph into strongly connected components (Tarjan's
//     algorithm, iterative), after the workers have trimmed away the
//     states from which every path ends (trim, progress_trim.go: all of
//     them when every run ends). An infinite run stays, from some point on,
//     inside one non-trivial component and may visit all of it, so a
//     component holds a fair violating run exactly when it is fair and
//     some non-daemon stack is unfinished in it (finished stacks never
//     come back, so every state of a component has the same unfinished
//     stacks).
//  3. Fairness of a component C. Weak: every stack enabled in every state
//     of C moves on some edge inside C. Strong: every stack enabled in
//     some state of C moves inside C; when one does not, the states where
//     it is enabled are removed and the rest is split again (a fair run
//     cannot visit them infinitely often). None: every cycle counts.
//
// The violation reported is the fair component whose first state in BFS
// order is shallowest; its prefix is the BFS path there, and its cycle is
// the shortest cycle back to that state, lengthened by detours through
// the moves and states that fairness asks for. The graph is built and
// trimmed by the workers; Tarjan's algorithm and the lasso are sequential
// (docs/performance.md has the costs).

// Fairness is what a run must grant the stacks to count as fair (see
// trace.Fairness, which deal's replays of cycles judge by too).
type Fairness = trace.Fairness

const (
	FairWeak   = trace.FairWeak
	FairStrong = trace.FairStrong
	FairNone   = trace.FairNone
)

// ParseFairness reads weak, strong or none.
func ParseFairness(s string) (Fairness, error) { return trace.ParseFairness(s) }

// Progress violation kinds.
const (
	KindLivelock   = trace.KindLivelock
	KindStarvation = trace.KindStarvation
)

// DefaultMaxProgressStates bounds the graph of the progress check.
const DefaultMaxProgressStates = 10_000_000

// Progress check results (ProgressReport.Status).
const (
	ProgressOK        = "ok"
	ProgressViolation = "violation"
	ProgressUnchecked = "unchecked"
)

// ProgressReport says what the progress check did.
type ProgressReport struct {
	Status string // ProgressOK, ProgressViolation or ProgressUnchecked
	Why    string // for unchecked: why
	// Stopped: unchecked because the progress check itself stopped at a
	// limit, after a complete safety search (the verdict is then
	// incomplete: unchecked is not ok).
	Stopped     bool
	Fairness    Fairness
	States      int64
	Transitions int64
	Memory      int64 // bytes the graph took (an estimate of what it holds)
	Elapsed     time.Duration
}

// maxProgressStacks: a state's enabled and unfinished stacks are bit sets.
const maxProgressStacks = 64

// Fairness entities of placed programs. Each link (an ordered pair of
// nodes) that carries messages is an entity besides the stacks: it moves
// when it delivers a message (or a copy). A link is owed strong fairness
// whatever --fairness says (except none): a link that has something to
// deliver again and again eventually delivers, so a retry over a lossy
// network gets through in the end, as on a real fair-loss link, instead of
// being dropped forever. A drop, a crash and a split are no entity's move
// and owe nothing; a split network owes a heal (weak fairness: a partition
// heals in the end).
const (
	healEntity = maxProgressStacks - 1
	noEntity   = 255 // 1<<noEntity is 0 in a uint64
)

// linkEntity returns the entity of the link from one node to another.
// When every link of the placement fits in the entities (staticLinks),
// each has its own from the top down, in the order of its nodes: then
// linkEntity only reads, and the workers may expand side by side. Else
// links are numbered from the top down as they are met, on one worker.
func (g *pgraph) linkEntity(from, to int32) (uint8, string) {
	if g.staticLinks > 0 {
		k := int(from)*(g.nodes-1) + int(to)
		if to > from {
			k-- // no link from a node to itself
		}
		return uint8(healEntity - 1 - k), ""
	}
	key := uint64(from)<<32 | uint64(to)
	if e, ok := g.links[key]; ok {
		return e, ""
	}
	e := healEntity - 1 - len(g.links)
	if e < g.nstk {
		return 0, fmt.Sprintf("the stacks and links would be more than %d", maxProgressStacks-1)
	}
	if g.links == nil {
		g.links = map[uint64]uint8{}
	}
	g.links[key] = uint8(e)
	g.strong |= 1 << e
	return uint8(e), ""
}

// owed returns the entities a fair run must move in a set of states: en
// is what is enabled in all of them, anyEn in some, moved what moves
// inside. weak are those whose debt rules out the whole set; strong those
// whose states a fair run cannot visit forever.
func (g *pgraph) owed(fair Fairness, allEn, anyEn, moved uint64) (weak, strong uint64) {
	switch fair {
	case FairNone:
		return 0, 0
	case FairStrong:
		return 0, anyEn &^ moved
	}
	return allEn &^ moved &^ g.strong, anyEn &^ moved & g.strong
}

// pgraph is the explicit state graph, edges in CSR form.
type pgraph struct {
	m      *vm.Machine
	ids    idTable
	parent []uint32 // BFS parent (the root's is itself)
	pedge  []uint32 // the parent's edge that reached the state
	off    []uint32 // edges of state v: [off[v], off[v+1])
	to     []uint32
	stk    []uint8  // the fairness entity that moves: a stack, a link, the heal (noEntity: none)
	kind   []int8   // 0 for a stack's card, else the network move (trace.NetDeliver...)
	ch     []int32  // the stack's choice, or the message index (node, cut) of a network move
	en     []uint64 // stacks enabled in the state
	unf    []uint64 // non-daemon stacks unfinished in the state
	props  []uint64 // the truth of the properties' conditions (see evalProps)
	// strong: the entities owed strong fairness whatever the option
	// (links: see linkEntity); links numbers the links seen so far.
	strong uint64
	links  map[uint64]uint8
	// staticLinks, when not 0, is how many links the placement has, each
	// numbered by its nodes (see linkEntity); nodes is how many nodes.
	// linksAsMet asks for the numbering as met even when they would fit.
	staticLinks, nodes int
	linksAsMet         bool
	// foldable[pc]: card pc is local (no shared access, no choice, never
	// blocks), so a stack's move goes on through such cards (see fold).
	foldable []bool
	scratch  *pscratch // fold's, for the sequential parts
	nstk     int       // the most stacks a state has had
	mem      int64     // the most memory the graph took so far (see builder.inUse)
	trans    int64
	// hintStates and hintEdges: the states and transitions the safety
	// search found, which build sizes the graph's arrays for (0: none).
	hintStates, hintEdges int64
	// levels[k] is the first state of BFS level k (ids are BFS order);
	// workers is how many goroutines the analysis may use (trim).
	levels  []uint32
	workers int
	// maps holds the mappings of the arrays above that live outside the
	// Go heap (reserve), for free.
	maps hugeMaps
}

// free gives back the graph's arrays that live outside the Go heap and
// forgets them all: the graph is done with.
func (g *pgraph) free() {
	g.maps.free()
	g.parent, g.pedge, g.off, g.to, g.stk, g.kind, g.ch = nil, nil, nil, nil, nil, nil, nil
	g.en, g.unf, g.props = nil, nil, nil
}

func (g *pgraph) n() int { return len(g.en) }

// inUse is what the graph's slices hold at their lengths: the figure the
// report shows. (The memory limit counts the huge pages written, see
// progress_memory.go.) Their capacities run ahead of the graph by up to
// twice, but the part not written yet takes no memory: counting
// capacities, deck said the graph took more than the whole process.
func (g *pgraph) inUse() int64 {
	four := len(g.parent) + len(g.pedge) + len(g.off) + len(g.to) + len(g.ch)
	return int64(four)*4 + int64(len(g.stk)+len(g.kind)) + int64(len(g.en)+len(g.unf)+len(g.props))*8
}

// build explores the reachable states. It returns "" or why it stopped.
// States are expanded level by level (see progress_build.go): with two
// workers or more, each level's states are expanded in parallel and their
// successors filed in order, so that the graph, its ids and its edges are
// the same whatever the number of workers.
func (g *pgraph) build(opt Options) string {
	m := g.m
	p := m.P
	limit := opt.MaxProgressStates
	if limit <= 0 {
		limit = DefaultMaxProgressStates
	}
	if opt.MaxStates > 0 && opt.MaxStates < limit {
		limit = opt.MaxStates
	}
	init := m.InitHashed()
	if k, _ := m.CheckAlways(init); k >= 0 {
		return ""
	}
	g.foldable = progressFoldable(p, opt.NoPOR, opt.Fairness != FairNone)
	g.scratch = g.newScratch()
	shown := opt.MaxMemory
	if shown <= 0 {
		shown = DefaultMaxMemory()
	}
	maxMem := shown - max(opt.MemoryBase, 0) // see Options.MemoryBase
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g.workers = workers // the analysis may use them all
	if p.Net != nil {
		// Links numbered by their nodes leave the expansion parallel; they
		// must leave room for the heal and a stack, and when a state has
		// more stacks than the room left, the graph is built again with
		// links numbered as met (checkProgress).
		if nodes := len(p.Net.Nodes); !g.linksAsMet && !progressLinksAsMet && nodes*(nodes-1)+2 <= maxProgressStacks {
			g.nodes, g.staticLinks = nodes, nodes*(nodes-1)
			for k := range g.staticLinks {
				g.strong |= 1 << (healEntity - 1 - k)
			}
		} else {
			workers = 1 // links are numbered as they are met (linkEntity)
		}
	}
	b := &builder{g: g, limit: limit, maxMem: maxMem, shown: shown, stop: opt.Stop}
	if g.hintStates > 0 {
		// A quarter more than the safety search found: the progress
		// graph has about its states (docs/performance.md), a few more
		// where its folds differ from the reduction's.
		b.hintStates = int(min(g.hintStates+g.hintStates/4, limit+1))
		b.hintEdges = int(min(g.hintEdges+g.hintEdges/4, 1<<31))
	}
	return b.run(init, workers)
}

// noProgressFold turns fold off, for the test that compares the two.
var noProgressFold = false

// progressLinksAsMet numbers links as met even when they would fit by
// their nodes, for the test that compares the two.
var progressLinksAsMet = false

// progressFoldable returns the cards a stack's move goes on through in the
// progress graph (see fold):
//
//   - local cards: no shared access, no choice, never block;
//   - with reduction, ample cards (ample.go) that only read and write
//     variables, with one choice, writing nothing a condition reads: in
//     practice a card whose every shared access is under a mutex that its
//     stack holds and that every conflicting access holds too, or is to
//     an owned array (owned.go);
//   - with reduction and a fairness (fair), an ample return or spawn.
//
// An ample card of the second kind is taken by its stack sooner or later in
// every weakly fair run (nothing can disable it), commutes with every card
// another stack can take meanwhile, and changes no other stack's
// enabledness: a card that could read what it writes needs the mutex its
// stack holds, so no other stack can stand there. Taking it right after
// the move before it changes the run's states only in what no other stack
// sees, so fair cycles are kept; and without fairness, a stack that never
// takes it stays unfinished past it as before it (it is not a return). Sync
// cards (an unlock can enable a waiting stack, and folding it would hide a
// stack that is disabled now and then: a starving lock taker), print and
// choices are never folded, and a return only under a fairness (see the
// case below).
func progressFoldable(p *card.Program, noPOR, fair bool) []bool {
	fold := make([]bool, len(p.Cards))
	if noProgressFold {
		return fold
	}
	for pc := range p.Cards {
		switch p.Cards[pc].Op {
		case card.Local, card.Nop, card.Branch:
			fold[pc] = len(p.Accesses[pc]) == 0
		}
	}
	if noPOR {
		return fold
	}
	visible := make([]bool, len(p.Cards))
	for pc := range p.Cards {
		visible[pc] = !invisible(p, int32(pc))
	}
	ample := ampleWithNet(p, visible)
	if ample == nil {
		return fold
	}
	read := p.ConditionGlobals()
	for pc := range p.Cards {
		switch p.Cards[pc].Op {
		case card.Local, card.Nop, card.Store, card.Branch, card.Assert:
			if ample[pc] && !p.WritesAny(int32(pc), read) {
				fold[pc] = true
			}
		case card.Return:
			// An ample return (it sends no done message) lets joins of
			// its stack go on, for good. Under a fairness it is taken
			// sooner or later (nothing disables it), so a joiner merely
			// becomes able to move a few moves sooner, once. Without
			// fairness a stack may stand at its return forever, unfinished,
			// which folding would hide.
			fold[pc] = fair && ample[pc]
		case card.Spawn:
			// Ample when only main spawns: it commutes with the other
			// stacks' cards, so the states after it are the same either
			// way. A state where a stack stands at a spawn is on no fair
			// cycle: the spawn cannot be undone (the stacks only grow), so
			// on a cycle the stack would stand there, able to move, for
			// ever.
			fold[pc] = fair && ample[pc]
		}
	}
	return fold
}

// fold lets stack i, which has just moved in t, go on through the local
// cards that follow (see foldable), as one edge of the graph: nothing
// another stack or a condition can see happens in them, and they are
// always enabled, so the states where i stands at one are stutter: the
// same shared state and the same stacks enabled as the state the fold
// ends in. Fair cycles are kept: a stack enabled in all of a cycle is
// enabled in its stutter too, and i itself moves on the edge. The fold
// stops before a card it has taken already (a local loop keeps a state
// to cycle through), before a card that fails (its state is kept, as the
// safety search reports the failure), and after foldBound cards. With sch
// it adds a move for each card it takes.
func (g *pgraph) fold(t *vm.State, i int, sch *trace.Schedule) { g.scratch.fold(g, t, i, sch) }

// fold is pgraph.fold with a worker's scratch space.
func (sc *pscratch) fold(g *pgraph, t *vm.State, i int, sch *trace.Schedule) {
	sc.taken.reset()
	for n := 0; n < foldBound; n++ {
		pc := t.PC(i)
		if !g.foldable[pc] || !sc.taken.take(pc) {
			return
		}
		sc.undo.CopyFrom(t)
		if r := g.m.Step(t, i, 0); r.Status != vm.OK {
			t.CopyFrom(&sc.undo)
			return
		}
		if sch != nil {
			sch.Add(trace.Move{Stack: int32(i)})
		}
	}
}

// settle lets each stack from the from-th on, just spawned by the move in
// t, take the foldable cards at its start (fold), in the same edge: a
// stack created standing at `let r = 0` or at the test of `for r in 0..R`
// would otherwise be a state of its own for every stack a spawn makes. It
// is fold's argument again, the spawn being the new stack's move before
// those cards: they are always enabled, nobody else can tell when they
// run, and the stack stays unfinished past them. With sch it adds a move
// for each card taken.
func (sc *pscratch) settle(g *pgraph, t *vm.State, from int, sch *trace.Schedule) {
	for j := from; j < t.NumStacks(); j++ {
		sc.fold(g, t, j, sch)
	}
}

// tarjan finds strongly connected components, iteratively.
type tarjan struct {
	g *pgraph
	// num[v]: v's index (0: not visited) and low link, side by side so
	// that an edge costs one load; a low link of offStack marks a state
	// whose component has been emitted.
	num    []tnum
	out    []uint64 // for run with in nil: the states outside (bit set)
	stack  []uint32
	calls  []tcall
	counts int32
}

type tnum struct{ index, low int32 }

const offStack = -1

type tcall struct{ v, e uint32 }

func newTarjan(g *pgraph) *tarjan { return &tarjan{g: g, num: make([]tnum, g.n())} }

// run splits the subgraph of the states in nodes (in(v) must hold for
// exactly them; when in is nil, t.out must leave exactly them) and calls
// emit with each component.
func (t *tarjan) run(nodes []uint32, in func(uint32) bool, emit func([]uint32)) {
	g := t.g
	num := t.num
	for _, root := range nodes {
		if num[root].index != 0 {
			continue
		}
		t.push(root)
		for len(t.calls) > 0 {
			top := &t.calls[len(t.calls)-1]
			v := top.v
			if top.e < g.off[v+1] {
				w := g.to[top.e]
				top.e++
				if in == nil {
					if t.out[w>>6]&(1<<(w&63)) != 0 {
						continue
					}
				} else if !in(w) {
					continue
				}
				if nw := num[w]; nw.index == 0 {
					t.push(w)
				} else if nw.low != offStack {
					num[v].low = min(num[v].low, nw.index)
				}
				continue
			}
			t.calls = t.calls[:len(t.calls)-1]
			if len(t.calls) > 0 {
				u := t.calls[len(t.calls)-1].v
				num[u].low = min(num[u].low, num[v].low)
			}
			if num[v].low == num[v].index {
				k := len(t.stack) - 1
				for t.stack[k] != v {
					k--
				}
				comp := t.stack[k:]
				for _, w := range comp {
					num[w].low = offStack
				}
				emit(comp)
				t.stack = t.stack[:k]
			}
		}
	}
	for _, v := range nodes {
		num[v] = tnum{}
	}
}

func (t *tarjan) push(v uint32) {
	t.counts++
	t.num[v] = tnum{t.counts, t.counts}
	t.stack = append(t.stack, v)
	t.calls = append(t.calls, tcall{v, t.g.off[v]})
}

// lasso is a fair component: a run can go round it forever.
type lasso struct {
	states []uint32 // sorted ascending
	entry  uint32   // the state where the cycle starts and ends
	unf    uint64   // the non-daemon stacks unfinished in it
}

// findLasso returns the fair component with an unfinished non-daemon stack
// whose first state in BFS order is shallowest, or nil.
func (g *pgraph) findLasso(fair Fairness) *lasso {
	var best *lasso
	g.fairComponents(nil, fair, func(set []uint32) {
		if g.unf[set[0]] == 0 {
			return
		}
		if first := minOf(set); best == nil || first < best.entry {
			best = &lasso{states: sortedCopy(set), entry: first, unf: g.unf[set[0]]}
		}
	})
	return best
}

// fairComponents calls emit with each fair component of the subgraph of
// the states where in holds (nil: every state): a set of states that a
// fair run can stay in forever, visiting all of it. Tarjan's algorithm
// only splits what trim leaves (see progress_trim.go).
func (g *pgraph) fairComponents(in func(uint32) bool, fair Fairness, emit func([]uint32)) {
	n := g.n()
	nodes, out := g.trim(in)
	if len(nodes) == 0 {
		return
	}
	t := newTarjan(g)
	t.out = out
	mark := make([]uint32, n)
	gen := uint32(0)
	// moves returns the stacks enabled in every state of set, those
	// enabled in some state, and those that move inside it.
	moves := func(set []uint32) (allEn, anyEn, moved uint64, edges bool) {
		gen++
		for _, v := range set {
			mark[v] = gen
		}
		allEn = ^uint64(0)
		for _, v := range set {
			allEn &= g.en[v]
			anyEn |= g.en[v]
			for e := g.off[v]; e < g.off[v+1]; e++ {
				if mark[g.to[e]] == gen {
					moved |= 1 << g.stk[e]
					edges = true
				}
			}
		}
		return
	}
	// judge emits a component that is fair, keeps one of which a part may
	// be for another split (strong fairness), and forgets the others. It
	// is handed Tarjan's stack, copied only when kept: a busy-waiting lock
	// makes hundreds of thousands of small unfair components.
	type split struct {
		set []uint32
		bad uint64
	}
	var again []split
	judge := func(set []uint32) {
		if len(set) == 1 && !g.selfLoop(set[0]) {
			return // one state without a loop: no infinite run stays here
		}
		allEn, anyEn, moved, edges := moves(set)
		if !edges {
			return
		}
		weak, bad := g.owed(fair, allEn, anyEn, moved)
		switch {
		case weak != 0:
			// A stack enabled everywhere here never moves: no run that
			// stays here, in all of it or a part, is fair.
		case bad == 0:
			emit(set)
		default:
			again = append(again, split{append([]uint32(nil), set...), bad})
		}
	}
	t.run(nodes, nil, judge)
	for len(again) > 0 {
		sp := again[len(again)-1]
		again = again[:len(again)-1]
		// A fair run cannot visit infinitely often the states where a
		// stack that never moves inside the set is enabled: drop them and
		// split what is left again.
		keep := make(map[uint32]bool, len(sp.set))
		var kept []uint32
		for _, v := range sp.set {
			if g.en[v]&sp.bad == 0 {
				keep[v] = true
				kept = append(kept, v)
			}
		}
		t.run(kept, func(v uint32) bool { return keep[v] }, judge)
	}
}

func (g *pgraph) selfLoop(v uint32) bool {
	for e := g.off[v]; e < g.off[v+1]; e++ {
		if g.to[e] == v {
			return true
		}
	}
	return false
}

func minOf(s []uint32) uint32 {
	m := s[0]
	for _, v := range s {
		m = min(m, v)
	}
	return m
}

func sortedCopy(s []uint32) []uint32 {
	c := append([]uint32(nil), s...)
	slices.Sort(c) // a component can be most of the graph
	return c
}

// path returns the edges of a shortest path inside set from v to a state
// where goal holds, taking at least one edge (nil when there is none).
func (g *pgraph) path(in func(uint32) bool, v uint32, goal func(uint32) bool) []uint32 {
	prev := map[uint32]uint32{} // state -> edge that reached it
	queue := []uint32{}
	visit := func(from uint32) (uint32, bool) {
		for e := g.off[from]; e < g.off[from+1]; e++ {
			w := g.to[e]
			if !in(w) {
				continue
			}
			if _, seen := prev[w]; seen {
				continue
			}
			prev[w] = e
			if goal(w) {
				return w, true
			}
			queue = append(queue, w)
		}
		return 0, false
	}
	end, ok := visit(v)
	for q := 0; !ok && q < len(queue); q++ {
		end, ok = visit(queue[q])
	}
	if !ok {
		return nil
	}
	var es []uint32
	for w := end; ; {
		e := prev[w]
		es = append(es, e)
		w = g.source(e)
		if w == v && len(es) > 0 {
			break
		}
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// source returns the state edge e leaves.
func (g *pgraph) source(e uint32) uint32 {
	lo, hi := 0, g.n()
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if g.off[mid] <= e {
			lo = mid
		} else {
			hi = mid
		}
	}
	return uint32(lo)
}

// cycle returns a fair cycle through the lasso's entry, as edges.
func (g *pgraph) cycle(l *lasso, fair Fairness) []uint32 {
	inSet := make(map[uint32]bool, len(l.states))
	for _, v := range l.states {
		inSet[v] = true
	}
	set := func(v uint32) bool { return inSet[v] }
	r := l.entry
	back := func(v uint32) []uint32 {
		if v == r {
			return nil
		}
		return g.path(set, v, func(w uint32) bool { return w == r })
	}
	cyc := g.path(set, r, func(w uint32) bool { return w == r })
	for range maxProgressStacks + 1 {
		en, anyEn := ^uint64(0), uint64(0)
		var moved uint64
		for _, e := range cyc {
			s := g.source(e)
			en &= g.en[s]
			anyEn |= g.en[s]
			moved |= 1 << g.stk[e]
		}
		weak, strong := g.owed(fair, en, anyEn, moved)
		need := weak | strong
		if need == 0 {
			return cyc
		}
		j := uint8(bits.TrailingZeros64(need))
		// A detour from r: through a move of j inside the set if there is
		// one, else (weak fairness) through a state where j is disabled.
		jEdge := func(w uint32) int64 {
			for e := g.off[w]; e < g.off[w+1]; e++ {
				if g.stk[e] == j && set(g.to[e]) {
					return int64(e)
				}
			}
			return -1
		}
		var det []uint32
		at := r
		if jEdge(r) < 0 {
			det = g.path(set, r, func(w uint32) bool { return jEdge(w) >= 0 })
			if det == nil {
				det = g.path(set, r, func(w uint32) bool { return g.en[w]&(1<<j) == 0 })
			}
			if det == nil {
				return cyc // cannot happen in a fair component
			}
			at = g.to[det[len(det)-1]]
		}
		if e := jEdge(at); e >= 0 {
			det = append(det, uint32(e))
			at = g.to[e]
		}
		cyc = append(cyc, append(det, back(at)...)...)
	}
	return cyc
}

// checkProgress runs the progress check and adds what it finds to rep.
func checkProgress(m *vm.Machine, opt Options, rep *Report) error {
	start := time.Now()
	pr := &ProgressReport{Fairness: opt.Fairness}
	rep.Progress = pr
	if opt.MemoryBase > 0 {
		// The process has grown since the safety search began, beyond the
		// search's own memory, which is given back by now: code run for
		// the first time, the report, the heap's garbage. What it holds
		// now is the base of the graph's budget: with the base of before,
		// deck check passed its limit by 9 MiB at --max-memory 250MiB
		// (phil N=6 R=3). When the limit may stop the graph, the garbage
		// is given back first, so that it does not count; not for every
		// check, since that takes a collection (5 ms).
		limit := opt.MaxMemory
		if limit <= 0 {
			limit = DefaultMaxMemory()
		}
		base := ResidentMemory()
		if 2*(base+graphGuess(rep.States, rep.Transitions)) > limit {
			debug.FreeOSMemory()
			base = ResidentMemory()
		}
		opt.MemoryBase = max(opt.MemoryBase, base)
	}
	defer func() { pr.Elapsed = time.Since(start) }()
	g := &pgraph{m: m, hintStates: rep.States, hintEdges: rep.Transitions}
	defer func() { g.free() }()
	why := g.build(opt)
	if why == whyStaticLinksFull {
		// A state has more stacks than the links numbered by their nodes
		// left room for: number them as met, on one worker.
		g.free()
		g = &pgraph{m: m, hintStates: rep.States, hintEdges: rep.Transitions, linksAsMet: true}
		why = g.build(opt)
	}
	pr.States, pr.Transitions = int64(g.n()), g.trans
	g.mem = max(g.mem, g.inUse())
	pr.Memory = g.mem
	if why != "" {
		pr.Status, pr.Why, pr.Stopped = ProgressUnchecked, "stopped: "+why, true
		return nil
	}
	var found []Counterexample
	if l := g.findLasso(opt.Fairness); l != nil {
		ce, err := g.counterexample(l, opt.Fairness)
		if err != nil {
			return err
		}
		found = append(found, ce)
	}
	props, err := g.checkProps(opt.Fairness)
	if err != nil {
		return err
	}
	found = append(found, props...)
	pr.Status = ProgressOK
	for i := range found {
		found[i].Progress = true
	}
	if len(found) > 0 {
		pr.Status = ProgressViolation
		rep.Violations = append(rep.Violations, found...)
		rep.Verdict = VerdictViolation
	}
	return nil
}

// bfsPath returns the edges of the BFS tree's path from the initial state
// to v: a shortest path.
func (g *pgraph) bfsPath(v uint32) []uint32 {
	var pre []uint32
	for ; v != 0; v = g.parent[v] {
		pre = append(pre, g.pedge[v])
	}
	for i, j := 0, len(pre)-1; i < j; i, j = i+1, j-1 {
		pre[i], pre[j] = pre[j], pre[i]
	}
	return pre
}

// replay turns a path (and a cycle after it, when cyc is not empty) into
// a schedule, replays it, and returns the schedule, the replay's result
// and the state where the path ends (where the cycle starts).
func (g *pgraph) replay(pre, cyc []uint32) (trace.Schedule, *deal.Result, *vm.State, error) {
	var sch trace.Schedule
	k := g.moves(&sch, append(append([]uint32(nil), pre...), cyc...), len(pre))
	sch.Cycle = sch.Len() - k
	res, err := deal.Run(g.m, deal.Options{Replay: &sch, Steps: true})
	if err != nil {
		return sch, nil, nil, internalError("schedule %s does not replay: %v", sch.String(), err)
	}
	if len(cyc) == 0 {
		return sch, res, res.Final, nil
	}
	if !res.Forever {
		return sch, nil, nil, internalError("lasso %s: the cycle does not come back to its first state", sch.String())
	}
	// The state where the cycle starts: replay the prefix alone.
	prefix := sch
	prefix.Truncate(sch.Prefix())
	pres, err := deal.Run(g.m, deal.Options{Replay: &prefix})
	if err != nil {
		return sch, nil, nil, internalError("lasso prefix %s does not replay: %v", prefix.String(), err)
	}
	return sch, res, pres.Final, nil
}

// moves adds the moves of a path of edges from the initial state to sch,
// and returns how many the first split edges made. The path is played
// again: an edge of a stack is its card and the local cards it folded
// (see fold), and a network move names its message by number, which
// depends on the path.
func (g *pgraph) moves(sch *trace.Schedule, path []uint32, split int) int {
	s := g.m.InitHashed()
	s.Track = g.m.P.Net != nil
	at := 0
	for n, e := range path {
		if n == split {
			at = sch.Len()
		}
		kind, ch := int32(g.kind[e]), g.ch[e]
		if kind == 0 {
			// g.stk is the stack for a card.
			i := int(g.stk[e])
			sch.Add(trace.Move{Stack: int32(i), Choice: ch})
			n := s.NumStacks()
			g.m.Step(s, i, int(ch))
			g.fold(s, i, sch)
			g.scratch.settle(g, s, n, sch)
			continue
		}
		mv := trace.Move{Stack: kind, Choice: ch}
		if kind >= trace.NetDup {
			mv.Choice = s.Tags[ch] // a message, by number
		}
		sch.Add(mv)
		applyNet(g.m, s, kind, int(ch))
	}
	if split >= len(path) {
		at = sch.Len()
	}
	return at
}

// steps returns the replay's steps for the schedule's moves (a replay of a
// cycle plays it several times).
func steps(res *deal.Result, sch trace.Schedule) []trace.Step {
	st := res.Steps
	if k := sch.Len(); len(st) > k {
		st = st[:k]
	}
	return st
}

// counterexample turns a lasso into a schedule with a cycle, replays it,
// and describes it.
func (g *pgraph) counterexample(l *lasso, fair Fairness) (Counterexample, error) {
	m, p := g.m, g.m.P
	cyc := g.cycle(l, fair)
	var moved, anyEn uint64 // what moves in the cycle, what can in some state of it
	for _, e := range cyc {
		moved |= 1 << g.stk[e]
		anyEn |= g.en[g.source(e)]
	}
	sch, res, s, err := g.replay(g.bfsPath(l.entry), cyc)
	if err != nil {
		return Counterexample{}, err
	}
	v := &trace.Violation{Kind: KindStarvation}
	if l.unf&moved != 0 {
		v.Kind = KindLivelock
	}
	var busy, waiting, waits []string
	first := -1
	for i := 0; i < s.NumStacks(); i++ {
		if l.unf&(1<<i) == 0 {
			continue
		}
		// Name the stack the cycle is about: for a livelock one that
		// keeps moving, for a starvation one that waits for its own turn
		// rather than in a join for another stack that never finishes.
		joins := func(k int) bool { return p.Cards[s.PC(k)].Op == card.Join }
		if first < 0 || v.Kind == KindLivelock && moved&(1<<i) != 0 && moved&(1<<first) == 0 ||
			v.Kind == KindStarvation && joins(first) && !joins(i) {
			first = i
		}
		name := m.StackName(s, i)
		if moved&(1<<i) != 0 {
			busy = append(busy, name)
			continue
		}
		waiting = append(waiting, name)
		why := m.WaitReason(s, i)
		if anyEn&(1<<i) != 0 {
			// Blocked where the cycle starts, perhaps, but not in all of
			// it: the reason is that it never gets its turn.
			why = ""
		}
		waits = append(waits, trace.WaitsAt(name, p.Labels[s.PC(i)], why, fair))
	}
	_, msg := trace.NeverFinish(busy, waiting)
	v.Message = trace.NeverFinishWhy(msg, waits, fair)
	pc := s.PC(first)
	v.Pos = p.Position(p.Cards[pc].Pos)
	v.Stack = m.StackName(s, first)
	v.Card = p.Numbers[pc]
	same := func(rv *trace.Violation) bool { return rv.Kind == v.Kind && rv.Message == v.Message }
	if short, sres, rv := shortenLasso(m, sch, fair, same); rv != nil {
		// Where the shorter lasso's cycle starts, the stack it is about
		// may wait at another card of the same loop.
		sch, res = short, sres
		v.Pos, v.Stack, v.Card = rv.Pos, rv.Stack, rv.Card
	}
	return Counterexample{Violation: v, Schedule: sch, Steps: steps(res, sch)}, nil
}
