package check

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// The hunt: depth-first walks for violations that lie too deep for the
// breadth-first search.
//
// Breadth-first search gives shortest counterexamples, but it must store
// every state closer to the start than the violation. When the violation
// lies at the end of every run (the racy counter's final assert, say),
// that is nearly the whole state space, and the search runs out of time or
// memory before it gets there. A depth-first walk that takes the moves in
// a random order reaches the end of a run after as many transitions as the
// run is long, and in the racy counter almost every run loses an update.
//
// A hunter (hunter.walk) is a depth-first search with a visited set of its
// own (fingerprints, as in the breadth-first search), the same reduction
// (folding and ample cards: the cycle proviso is static, so it holds in any
// search order), the same moves numbered the same way as expand, and a
// random order of the moves of every state (two kinds of order alternate,
// see order). A walk stores at most a budget of states; then the hunter
// forgets them and starts again from the initial state with another order
// (swarm style: every walk is independent, and the budget doubles after
// every two walks, up to the hunter's share of the memory). A walk that
// empties its stack has explored every reachable state.
//
// What a hunter finds is a path of transition numbers. The report replays
// it as it replays the breadth-first search's paths (checker.replay), drops
// the moves the violation does not need (shortenHunted: chunks, then single
// moves, each try one replay with deal), and checks with deal that it
// replays to the same violation. It is not proven shortest, and the report
// says so (Counterexample.Hunted).
//
// Options.Search chooses who hunts:
//
//   - SearchBFS (the zero value): nobody.
//   - SearchAuto (the command line's default): the breadth-first search
//     runs as without it; once it has stored Options.HuntAfter states
//     without a verdict, one more goroutine hunts beside it. Programs whose
//     search stays below that size never see a hunter, and their report
//     is the breadth-first search's. When the hunter finds a violation
//     first, the breadth-first search stops where it is and the hunter's
//     violation is the report's, unless the search had found one in the
//     level it was expanding (with --all the search goes on, and the hunter's
//     violations are added only when it does not finish). Since a violation
//     the hunter finds is a real one, the verdict is the one a complete
//     breadth-first search would give; only the counterexample differs.
//     After huntFull of hunting the hunter works one slice in huntDuty, so
//     that a long search of a correct program loses little to it.
//   - SearchHunt: only hunters, one per worker, with different seeds. They
//     never say ok: the verdict is a violation or incomplete.

// Search chooses how Run looks for violations.
type Search uint8

// The searches (see above).
const (
	SearchBFS  Search = iota // breadth-first only: every counterexample shortest
	SearchAuto               // breadth-first, and a depth-first hunt once it grows past Options.HuntAfter states
	SearchHunt               // depth-first hunt only: finds violations, proves nothing
)

func (s Search) String() string {
	switch s {
	case SearchBFS:
		return "bfs"
	case SearchAuto:
		return "auto"
	case SearchHunt:
		return "hunt"
	}
	return fmt.Sprintf("Search(%d)", uint8(s))
}

// ParseSearch reads auto, bfs or hunt.
func ParseSearch(s string) (Search, error) {
	for _, v := range []Search{SearchAuto, SearchBFS, SearchHunt} {
		if s == v.String() {
			return v, nil
		}
	}
	return 0, fmt.Errorf("want auto, bfs or hunt, not %q", s)
}

// DefaultHuntAfter is the states the breadth-first search stores before
// SearchAuto starts hunting: a few tenths of a second on two workers.
const DefaultHuntAfter = 1 << 18

// HuntStats says what the hunt did.
type HuntStats struct {
	States  int64 // states the walks stored, every walk counted
	Walks   int64 // walks started
	Depth   int   // the deepest state a walk reached, in transitions
	Elapsed time.Duration
	// Exhausted reports that a walk explored every reachable state;
	// Reachable is then the states that walk stored.
	Exhausted bool
	Reachable int64
}

const (
	// The auto hunter works without pause for huntFull, then one slice of
	// huntSlice in huntDuty: short slices, so that the breadth-first
	// workers it displaces (there is one goroutine more than processors)
	// do not hold up a barrier for long.
	huntFull       = 20 * time.Millisecond
	huntDuty       = 16
	huntSlice      = 5 * time.Millisecond
	huntFirstWalk  = 1 << 10          // states the first two walks may store; each next two twice as many
	huntAutoMemory = int64(256 << 20) // the auto hunter's share: at most this, and an eighth of the budget
	huntPoll       = 256              // transitions between two looks at the clock and the flags
	huntWait       = 5 * time.Millisecond
)

// huntState is what the hunters share with the search and each other.
type huntState struct {
	mu     sync.Mutex
	found  []huntFind // one per violation key, in the order found
	quit   atomic.Bool
	wg     sync.WaitGroup
	mem    atomic.Int64 // bytes the hunters hold
	peak   atomic.Int64 // the most mem was
	states atomic.Int64
	walks  atomic.Int64
	trans  atomic.Int64
	depth  atomic.Int64
	ran    atomic.Bool
	done   atomic.Bool // a walk explored every reachable state
	// exhausted is the states of the first walk that did.
	exhausted atomic.Int64
	start     time.Time
	// hunting is the time the hunters spent, set when they stop.
	hunting time.Duration
}

type huntFind struct {
	k    vkey
	ords []uint64
}

// startHunt starts the auto hunter, which waits until the breadth-first
// search has stored huntAfter states. The function it returns stops it.
func (c *checker) startHunt() func() {
	if c.opt.Search != SearchAuto {
		return func() {}
	}
	hs := &huntState{}
	c.hunt = hs
	after := c.opt.HuntAfter
	if after <= 0 {
		after = DefaultHuntAfter
	}
	hs.wg.Add(1)
	go func() {
		defer hs.wg.Done()
		for c.states() < after {
			if hs.quit.Load() {
				return
			}
			time.Sleep(huntWait)
		}
		share := min(huntAutoMemory, c.opt.MaxMemory/8)
		hs.start = time.Now()
		hs.ran.Store(true)
		newHunter(c, hs, 0, share, true).run()
		hs.hunting = time.Since(hs.start)
	}()
	return func() {
		hs.quit.Store(true)
		hs.wg.Wait()
	}
}

// record files a violation a hunter found. Without Options.All the first
// one ends the hunt, and the breadth-first search with it.
func (hs *huntState) record(c *checker, k vkey, ords []uint64) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for _, f := range hs.found {
		if f.k == k {
			return
		}
	}
	hs.found = append(hs.found, huntFind{k, ords})
	if !c.opt.All {
		hs.quit.Store(true)
		c.stop.Store(true) // the breadth-first search stops where it is
	}
}

// stats returns what the hunters did, or nil when none ran.
func (hs *huntState) stats() *HuntStats {
	if hs == nil || !hs.ran.Load() {
		return nil
	}
	return &HuntStats{States: hs.states.Load(), Walks: hs.walks.Load(), Depth: int(hs.depth.Load()),
		Elapsed: hs.hunting, Exhausted: hs.done.Load(), Reachable: hs.exhausted.Load()}
}

// addHunted adds what the auto hunter found to a breadth-first report:
// its violations when the search found none (or, with All, those of other
// keys when the search did not finish).
func (c *checker) addHunted(rep *Report) error {
	hs := c.hunt
	if hs == nil {
		return nil
	}
	rep.Hunt = hs.stats()
	if len(hs.found) == 0 || len(rep.Violations) > 0 && (!c.opt.All || rep.Incomplete == "") {
		return nil
	}
	have := map[string]bool{}
	for _, cx := range rep.Violations {
		have[cx.Violation.Key()] = true
	}
	for _, f := range hs.found {
		cx, err := c.counterexampleOf(f.k, f.ords, true)
		if err != nil {
			return err
		}
		if !have[cx.Violation.Key()] {
			have[cx.Violation.Key()] = true
			rep.Violations = append(rep.Violations, cx)
		}
		if !c.opt.All {
			break
		}
	}
	if len(rep.Violations) > 0 {
		rep.Verdict = VerdictViolation
	}
	return nil
}

// huntOnly runs SearchHunt: a hunter per worker, and no breadth-first
// search.
func (c *checker) huntOnly() (*Report, error) {
	hs := &huntState{start: time.Now()}
	c.hunt = hs
	hs.ran.Store(true)
	var stopProgress func()
	if c.opt.Progress != nil {
		stopProgress = c.huntProgress()
	}
	share := c.opt.MaxMemory / int64(c.nw)
	for i := 0; i < c.nw; i++ {
		hs.wg.Add(1)
		go func() {
			defer hs.wg.Done()
			newHunter(c, hs, i, share, false).run()
		}()
	}
	hs.wg.Wait()
	hs.hunting = time.Since(hs.start)
	if stopProgress != nil {
		stopProgress()
	}
	rep := &Report{Workers: c.nw, Hunt: hs.stats()}
	rep.States = rep.Hunt.States
	rep.Depth = rep.Hunt.Depth
	rep.Transitions = hs.trans.Load()
	sort.SliceStable(hs.found, func(i, j int) bool { return len(hs.found[i].ords) < len(hs.found[j].ords) })
	for _, f := range hs.found {
		cx, err := c.counterexampleOf(f.k, f.ords, true)
		if err != nil {
			return nil, err
		}
		rep.Violations = append(rep.Violations, cx)
		if !c.opt.All {
			break
		}
	}
	if len(rep.Violations) > 0 {
		rep.Verdict = VerdictViolation
	} else {
		rep.Verdict = VerdictIncomplete
	}
	if len(rep.Violations) == 0 || c.opt.All {
		rep.Incomplete = c.huntIncomplete(rep)
	}
	if rep.States > 0 {
		rep.BytesPerState = float64(hs.peak.Load()) / float64(rep.States)
	}
	rep.Elapsed = time.Since(c.start)
	return rep, nil
}

// huntIncomplete says why a hunt without a breadth-first search proves
// nothing.
func (c *checker) huntIncomplete(rep *Report) string {
	var b strings.Builder
	h := rep.Hunt
	switch {
	case c.haltWhy == haltInterrupted:
		fmt.Fprintf(&b, "interrupted after %s in %s", count(h.States, "state"), count(h.Walks, "depth-first walk"))
	case c.haltWhy == "states":
		fmt.Fprintf(&b, "stopped by the state limit (%d) after %s in %s", c.opt.MaxStates, count(h.States, "state"), count(h.Walks, "depth-first walk"))
	case h.Exhausted:
		fmt.Fprintf(&b, "a depth-first walk explored all %d reachable states and found no violation; the hunt collects no outcomes and checks no races (--search bfs or auto does)", h.Reachable)
		return b.String()
	default:
		fmt.Fprintf(&b, "stopped after %s in %s", count(h.States, "state"), count(h.Walks, "depth-first walk"))
	}
	b.WriteString("; the hunt proves nothing, collects no outcomes and checks no races (--search bfs or auto does)")
	return b.String()
}

// huntProgress calls Options.Progress with the hunters' figures.
func (c *checker) huntProgress() func() {
	return c.every(func() {
		hs := c.hunt
		c.opt.Progress(Progress{States: hs.states.Load(), Depth: int(hs.depth.Load()),
			Memory: hs.mem.Load(), Elapsed: time.Since(c.start)})
	})
}

// hunter is one depth-first walker.
type hunter struct {
	c     *checker
	hs    *huntState
	w     *worker // scratch for fold; not one of c.workers
	id    int
	auto  bool
	rng   uint64
	share int64 // bytes this hunter may hold

	seen   []uint64 // the walk's visited set: fingerprints, 0 empty
	nseen  int64
	frames []hframe
	words  []int64 // the frames' states, one after the other
	moves  []hmove // the frames' untried moves
	path   []uint64
	s, t   vm.State
	loaded int // the frame whose state s holds (-1: none)

	held    int64 // bytes last added to hs.mem
	budget  int64 // states this walk may store
	stored  int64 // states this walk stored
	polls   int
	slice   time.Time // start of the current work slice
	stopped bool
	trans   int64 // transitions not yet added to hs.trans
	cut     bool  // the walk left a state unexplored (memory, too many moves)
	// walks counts this hunter's walks; ranked walks order the moves by a
	// random rank of their stack, drawn from rankSeed (see order).
	walks    int
	ranked   bool
	rankSeed uint64
}

type hframe struct {
	at, n    int    // the state: words[at : at+n]
	mlo, mhi int    // its untried moves: moves[mlo:mhi]
	ord      uint64 // the transition that reached it from the frame below
	amp      bool   // its moves are an ample stack's alone (see sink)
}

type hmove struct {
	ord   uint32
	i, ch int32
}

func newHunter(c *checker, hs *huntState, id int, share int64, auto bool) *hunter {
	w := &worker{c: c, id: -1, viols: map[vkey]inst{}, outs: map[string]*orec{}}
	w.taken = newCardSet(len(c.p.Cards))
	h := &hunter{c: c, hs: hs, w: w, id: id, auto: auto, share: max(share, 1<<20)}
	h.rng = mix64(uint64(id)*0x9e3779b97f4a7c15 + c.opt.HuntSeed + 1)
	c.m.Hashed(&h.s)
	c.m.Hashed(&h.t)
	h.budget = huntFirstWalk
	return h
}

// mix64 is splitmix64's finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func (h *hunter) rand(n int) int {
	h.rng += 0x9e3779b97f4a7c15
	hi, _ := bits.Mul64(mix64(h.rng), uint64(n))
	return int(hi)
}

// run walks until the hunt ends.
func (h *hunter) run() {
	defer h.account(true)
	h.slice = time.Now()
	for !h.stop() {
		h.hs.walks.Add(1)
		if h.walk() {
			h.hs.exhausted.CompareAndSwap(0, h.stored)
			h.hs.done.Store(true)
			h.hs.quit.Store(true)
			return
		}
		if h.stored >= h.budget && h.walks%2 == 0 {
			h.budget = min(2*h.budget, 1<<40) // after a walk of each kind
		}
	}
}

// stop reports whether the hunt must end, and paces the auto hunter.
func (h *hunter) stop() bool {
	c, hs := h.c, h.hs
	if h.stopped || hs.quit.Load() {
		h.stopped = true
		return true
	}
	if c.stopped() {
		if !h.auto {
			c.halt(haltInterrupted)
		}
		h.stopped = true
		return true
	}
	if !h.auto && c.opt.MaxStates > 0 && hs.states.Load() >= c.opt.MaxStates {
		c.halt("states")
		hs.quit.Store(true)
		h.stopped = true
		return true
	}
	if h.auto && time.Since(hs.start) > huntFull {
		if d := time.Since(h.slice); d >= huntSlice {
			h.account(false)
			t := time.NewTimer(d * (huntDuty - 1))
			for waited := false; !waited; {
				select {
				case <-t.C:
					waited = true
				case <-time.After(huntWait):
					if hs.quit.Load() {
						t.Stop()
						h.stopped = true
						return true
					}
				}
			}
			h.slice = time.Now()
		}
	}
	return false
}

// account publishes the memory this hunter holds (release: none).
func (h *hunter) account(release bool) {
	b := int64(0)
	if !release {
		b = int64(cap(h.seen))*8 + int64(cap(h.words))*8 + int64(cap(h.moves))*12 +
			int64(cap(h.frames))*40 + int64(cap(h.path))*8
	}
	if m := h.hs.mem.Add(b - h.held); m > h.hs.peak.Load() {
		h.hs.peak.Store(m) // racy between hunters, which is fine for a figure
	}
	h.held = b
	h.hs.trans.Add(h.trans)
	h.trans = 0
}

// walk is one depth-first walk from the initial state. It returns true
// when it explored every reachable state (its stack emptied before its
// budget or its memory ran out).
func (h *hunter) walk() bool {
	c := h.c
	m := c.m
	h.frames, h.words, h.moves, h.path = h.frames[:0], h.words[:0], h.moves[:0], h.path[:0]
	h.stored = 0
	h.loaded = -1
	h.cut = false
	if len(h.seen) == 0 {
		h.seen = make([]uint64, 1<<12)
	} else {
		clear(h.seen)
	}
	h.nseen = 0
	h.rng = mix64(h.rng ^ uint64(h.hs.walks.Load()))
	// Every other walk ranks the stacks (see order).
	h.walks++
	h.ranked = (h.walks+h.id)%2 == 0
	h.rankSeed = mix64(h.rng + 1)
	init := m.InitHashed()
	if k, _ := m.CheckAlways(init); k >= 0 {
		h.hs.record(c, vkey{vAlways, int32(k)}, nil)
		return false
	}
	h.insert(fingerprint(init.W))
	h.stored = 1
	h.hs.states.Add(1)
	h.push(init, noParent)
	for len(h.frames) > 0 {
		if h.polls++; h.polls >= huntPoll {
			h.polls = 0
			h.account(false)
			if h.stop() {
				return false
			}
		}
		top := len(h.frames) - 1
		f := &h.frames[top]
		if f.mlo == f.mhi {
			h.pop()
			continue
		}
		mv := h.moves[f.mlo]
		f.mlo++
		if h.loaded != top {
			h.s.W = h.words[f.at : f.at+f.n : f.at+f.n]
			h.s.Reindex(c.p)
			h.loaded = top
		}
		if !h.step(mv) {
			return false
		}
	}
	return !h.cut
}

// step takes move mv from the top frame's state (h.s) and files the
// result: a violation, a state seen, or a new frame. It returns false when
// the walk ends: it must stop, or its budget or visited set is full.
func (h *hunter) step(mv hmove) bool {
	c := h.c
	m := c.m
	t := &h.t
	h.trans++
	t.CopyFrom(&h.s)
	var r vm.Result
	flag := uint64(0)
	if mv.i < 0 {
		applyNet(m, t, mv.i, int(mv.ch))
	} else {
		r, flag = h.w.move(t, int(mv.i), int(mv.ch), nil, false, &h.s)
	}
	if r.Status != vm.OK {
		if r.Status == vm.Failed {
			kind := vError
			if r.Fault.Kind == vm.AssertFailed {
				kind = vAssert
			}
			h.found(vkey{kind, r.PC}, uint64(mv.ord))
		}
		h.sink()
		return !h.stopped
	}
	// As in transition: a network move writes no variable.
	if flag != 0 || c.always && mv.i >= 0 {
		if k, _ := m.CheckAlways(t); k >= 0 {
			h.found(vkey{vAlways, int32(k)}, uint64(mv.ord))
			h.sink()
			return !h.stopped
		}
	}
	fp := fingerprint(t.W)
	if h.has(fp) {
		return true
	}
	if h.stored >= h.budget || !h.insert(fp) {
		return false
	}
	h.stored++
	h.hs.states.Add(1)
	h.push(t, uint64(mv.ord))
	return !h.stopped
}

// found records a violation at the end of the path to the top frame and
// move ord.
func (h *hunter) found(k vkey, ord uint64) {
	ords := make([]uint64, 0, len(h.frames))
	for _, f := range h.frames[1:] {
		ords = append(ords, f.ord)
	}
	if ord != noParent {
		ords = append(ords, ord)
	}
	h.hs.record(h.c, k, ords)
	if h.hs.quit.Load() {
		h.stopped = true
	}
}

// push makes s the top frame, with its moves in a random order. When the
// hunter's memory is full, s is a leaf: it is not pushed.
func (h *hunter) push(s *vm.State, ord uint64) {
	if h.bytes()+int64(len(s.W))*8 > h.share/2 {
		h.cut = true
		return
	}
	h.frames = append(h.frames, hframe{ord: ord, at: len(h.words), n: len(s.W)})
	top := len(h.frames) - 1
	if d := int64(top); d > h.hs.depth.Load() {
		h.hs.depth.Store(d)
	}
	lo := len(h.moves)
	amp := h.successors(s, 0) // may find a deadlock: the path to it is the frames'
	h.words = append(h.words, s.W...)
	f := &h.frames[top]
	f.mlo, f.mhi, f.amp = lo, len(h.moves), amp
	h.order(lo)
	h.loaded = -1
}

// order puts the moves from lo on in the walk's order (the first is taken
// first). Two kinds of walks alternate, swarm style:
//
//   - uniform: a random order in every state. Runs switch stacks all the
//     time, which finds at once the bugs that most shuffles show (the
//     racy counter loses an increment in nearly every run).
//   - ranked: the stacks (and the network's kinds of move) get a random
//     rank for the walk, and a state's moves go by the rank of their stack,
//     choices of one stack in a random order. The first run is then
//     nearly sequential, and backtracking adds a few switches at a time
//     near its end, as Spin's depth-first search does: that finds the bugs
//     that need few switches in a long run (exactly one lost increment).
func (h *hunter) order(lo int) {
	mv := h.moves[lo:]
	for i := len(mv) - 1; i > 0; i-- {
		j := h.rand(i + 1)
		mv[i], mv[j] = mv[j], mv[i]
	}
	if !h.ranked {
		return
	}
	for i := 1; i < len(mv); i++ { // insertion sort: stable, and the lists are short
		x := mv[i]
		r := h.rank(x)
		j := i
		for ; j > 0 && h.rank(mv[j-1]) > r; j-- {
			mv[j] = mv[j-1]
		}
		mv[j] = x
	}
}

// rank is the rank of a move's stack (or network move kind) in a ranked
// walk.
func (h *hunter) rank(mv hmove) uint64 {
	return mix64(h.rankSeed ^ uint64(int64(mv.i))*0x9e3779b97f4a7c15)
}

// sink is expand's second pass: an ample move of the top frame (whose
// state h.s holds) ended its path, so the frame takes every other move
// too. The top frame's moves are the last ones of h.moves.
func (h *hunter) sink() {
	f := &h.frames[len(h.frames)-1]
	if !f.amp {
		return
	}
	f.amp = false
	lo := len(h.moves)
	h.successors(&h.s, 1)
	h.order(lo)
	f.mhi = len(h.moves)
}

func (h *hunter) pop() {
	f := h.frames[len(h.frames)-1]
	h.words = h.words[:f.at]
	h.moves = h.moves[:f.mlo]
	h.frames = h.frames[:len(h.frames)-1]
	h.loaded = -1
}

// bytes is what the walk's stack holds.
func (h *hunter) bytes() int64 {
	return int64(cap(h.seen))*8 + int64(len(h.words))*8 + int64(len(h.moves))*12 + int64(len(h.frames))*40
}

// successors appends the moves of s that expand would explore (numbered as
// expand numbers them, see expand and net.go), and records a deadlock.
// The top frame's path leads to s. With pass 0 they are expand's first
// pass (an ample stack's moves alone, when there is one, and it reports
// whether there is); pass 1 appends what expand's second pass adds when
// an ample move ends its path: every other move.
func (h *hunter) successors(s *vm.State, pass int) (ample bool) {
	c := h.c
	mv := c.listMoves(h.w, s)
	if mv.lost {
		h.found(vkey{vDeadlock, s.PC(c.m.DeadlockCause(s))}, noParent)
		if h.stopped {
			return
		}
	}
	en, nets, amp, netAmp, total, stuck := mv.en, mv.nets, mv.amp, mv.netAmp, mv.total, mv.stuck
	if mv.moves == 0 {
		if stuck >= 0 && pass == 0 {
			h.found(vkey{vDeadlock, s.PC(c.m.DeadlockCause(s))}, noParent)
		}
		return false
	}
	if total > maxOrd {
		h.cut = true // expand fails the search here; the hunt leaves the state alone
		return false
	}
	ord := uint32(0)
	for e := 0; e < len(en); e += 2 {
		i, k := en[e], en[e+1]
		if amp >= 0 && (e == amp) != (pass == 0) || netAmp >= 0 {
			ord += uint32(k)
			continue
		}
		for ch := int32(0); ch < k; ch++ {
			h.moves = append(h.moves, hmove{ord, i, ch})
			ord++
		}
	}
	for e := 0; e < len(nets); e += 2 {
		if amp >= 0 && pass == 0 || c.skipNet(nets[e], nets[e+1], netAmp) || netAmp >= 0 && int(nets[e+1]) != netAmp {
			ord++
			continue
		}
		h.moves = append(h.moves, hmove{ord, nets[e], nets[e+1]})
		ord++
	}
	return amp >= 0
}

// has and insert use the walk's visited set, which grows by doubling up to
// the hunter's share; insert reports false when it is full.
func (h *hunter) has(fp uint64) bool {
	mask := uint64(len(h.seen) - 1)
	for i := fp & mask; ; i = (i + 1) & mask {
		switch h.seen[i] {
		case fp:
			return true
		case 0:
			return false
		}
	}
}

func (h *hunter) insert(fp uint64) bool {
	if (h.nseen+1)*maxLoadDen > int64(len(h.seen))*maxLoadNum {
		size := 2 * len(h.seen)
		if int64(size)*8 > h.share/2 {
			return false
		}
		old := h.seen
		h.seen = make([]uint64, size)
		mask := uint64(size - 1)
		for _, v := range old {
			if v == 0 {
				continue
			}
			i := v & mask
			for h.seen[i] != 0 {
				i = (i + 1) & mask
			}
			h.seen[i] = v
		}
	}
	mask := uint64(len(h.seen) - 1)
	i := fp & mask
	for h.seen[i] != 0 {
		i = (i + 1) & mask
	}
	h.seen[i] = fp
	h.nseen++
	return true
}

// huntShortenBudget bounds the cards shortenHunted replays for one
// counterexample, before shorten's own budget.
const huntShortenBudget = 16 << 20

// shortenHunted removes moves from a counterexample a walk found while
// deal still replays it to the same violation. A depth-first path can be
// long and hold whole detours, so it first tries to drop chunks (half the
// schedule, then quarters, and so on, from the end), each try one replay;
// then shorten drops single moves.
func shortenHunted(m *vm.Machine, sch trace.Schedule, key string) trace.Schedule {
	budget := int64(huntShortenBudget)
	var cand trace.Schedule
	for size := sch.Len() / 2; size >= 2 && budget > 0; size /= 2 {
		for end := sch.Len(); end-size >= 0 && budget > 0; {
			lo := end - size
			cand.Truncate(0)
			for i, mv := range sch.Moves {
				if i < lo || i >= end {
					cand.Add(mv)
				}
			}
			budget -= int64(cand.Len())
			res, err := deal.Run(m, deal.Options{Replay: &cand, NoSchedule: true})
			if err == nil && res.Violation != nil && res.Violation.Key() == key {
				sch.Truncate(0)
				for _, mv := range cand.Moves {
					sch.Add(mv)
				}
				end = min(lo, sch.Len())
				continue
			}
			end = lo
		}
	}
	return shorten(m, sch, key)
}

// huntReport is Run for SearchHunt. A violation the hunt found is then
// looked for by exactCounterexamples too, which makes it shortest when
// the violation lies within its bound.
func huntReport(c *checker) (*Report, error) {
	rep, err := c.huntOnly()
	if err != nil {
		return nil, err
	}
	if len(rep.Violations) > 0 {
		exactCounterexamples(c.m, c.opt, rep, exactStates/8)
	}
	rep.Elapsed = time.Since(c.start)
	if c.opt.CheckProgress {
		why := "the hunt checks safety only"
		if len(rep.Violations) > 0 && !c.opt.All {
			why = "a safety violation was found first"
		}
		rep.Progress = &ProgressReport{Status: ProgressUnchecked, Fairness: c.opt.Fairness, Why: why}
	}
	return rep, nil
}
