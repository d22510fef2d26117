package check

import (
	"sync/atomic"
	"unsafe"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// foldBound bounds the cards one transition may fold, so that a stack
// looping forever on local cards still yields a state now and then.
const foldBound = 1000

type worker struct {
	_  [64]byte // keep workers' hot fields on cache lines of their own
	c  *checker
	id int

	s, t   vm.State
	en     []int32 // enabled stacks of the state being expanded: stack, choices
	nets   []int32 // the network's moves in that state: kind, message
	ks     []int32 // scratch for race checks: racy card index, stack
	readsA []int32 // scratch for vm.Touches
	readsB []int32
	arenas [2]arena
	budget int64 // level-table entries reserved and not used yet

	// The successors made and not filed yet (see flush): their
	// fingerprints, parent keys and flags, and their words end to end.
	pend  []pendingState
	pendW []int64

	created   atomic.Int64 // new states created in this pass
	published atomic.Int64 // transitions so far in this pass, for progress
	processed int64        // frontier states expanded in this pass
	trans     int64

	taken   cardSet   // fold proviso: the cards the current fold (or settle) took
	undo    vm.State  // the state a fold returns to when it must be undone
	pre     *vm.State // the state before the move, when the fold may rebuild from it (move)
	redo    int       // the cards an undone fold keeps (fold)
	touched bool      // the transition so far wrote a variable the conditions read

	rseen []uint64 // race pairs already looked at, one bit each
	races [][2]int32

	viols map[vkey]inst
	outs  map[string]*orec
	// publish's scratch: this worker's new states by bucket of parent
	// ranks and their largest transition number, and, when it orders a
	// bucket, how many states each parent of the bucket's ranks has.
	buckets [][]pair
	wakes   [][]uint32 // beside buckets, when the level made sleep sets: each state's wake
	counts  []int32
	maxOrd  uint64
	maps    hugeMaps // the mappings of buckets, wakes and counts, once large
	left    []uint64 // fingerprints collect left to publish to insert
	// scratch is what buckets, counts and the outcomes found in this pass
	// hold, for checker.memory.
	scratch atomic.Int64
	outMem  int64 // the outcomes' part of scratch

	touchSink uint64 // keeps flush's touching loads from being optimised away

	// Sleep sets (sleep.go): the moves the successor being made must
	// make, and the footprints and wake bits of the moves of the state
	// being expanded.
	wake   uint32
	movers []mover
	// In the level being expanded: the states that made sleep sets, and
	// the transitions skipped because their stack slept (sleepGate).
	sleepStates, pruned int64
	_                   [64]byte
}

// run claims chunks of the frontier and expands them.
func (w *worker) run() {
	c := w.c
	defer c.leave()
	n := int64(len(c.front.refs))
	list := w.id // the list of home chunks claimed from (homeChunks)
	for !c.stop.Load() {
		var start int64
		if c.byHome {
			if start, list = c.claimHome(list, w.id); start < 0 {
				return
			}
			c.claim.Add(chunk) // for progress: states claimed
		} else if start = c.claim.Add(chunk) - chunk; start >= n {
			return
		}
		if c.opt.MaxStates > 0 && c.states() >= c.opt.MaxStates {
			c.halt("states")
			return
		}
		if c.memory() > c.opt.MaxMemory {
			c.halt("memory")
			return
		}
		if c.stopped() {
			c.halt(haltInterrupted)
			return
		}
		end := min(start+chunk, n)
		for r := start; r < end; r++ {
			if c.growReq.Load() {
				c.park(0)
			}
			if c.stop.Load() {
				return
			}
			id := c.front.base + uint64(r)
			words, wake := c.frontWords(c.front.refs[r]), allAwake
			if c.frontWakes {
				wake = c.front.wakes[r]
			}
			if !w.expand(id, c.front.keys[r], wake, words) {
				return
			}
			w.processed++
			if len(w.pend) >= flushAt && !w.flush() {
				return
			}
		}
		if !w.flush() {
			return
		}
		w.published.Store(w.trans)
	}
}

// chunkCursor counts the chunks claimed from one worker's list of home
// chunks, on a cache line of its own: its owner claims from it all the
// pass, and the other workers only once theirs are done.
type chunkCursor struct {
	_ [cacheLine]byte
	n atomic.Int64
	_ [cacheLine - 8]byte
}

// homeChunks sorts the chunks of the frontier of n states into lists by
// the worker that stored their states, which claims them first.
//
// A worker stores the successors it makes in its own arena, and the next
// frontier is in parent order, so its chunks are runs of states from one
// arena, the children of a chunk of parents some worker expanded. Claimed
// in frontier order, half of a worker's chunks were the other's, whose
// states it then read from the other processor's cache; claimed by home,
// about one in eight (phil N=6 R=3). A chunk's home is that of its middle
// state. phil N=6 R=4 (6.4 M states) on two workers: 3.08 -> 2.95 s
// (medians of five runs, the two ways alternated in one binary); on the
// bench models of a million states or fewer the difference is within
// the noise, 1-3 %.
func (c *checker) homeChunks(n int) {
	k := len(c.workers)
	if len(c.homes) != k {
		c.homes = make([][]int32, k)
		c.homeAt = make([]chunkCursor, k)
	}
	for i := range c.homes {
		c.homes[i] = c.homes[i][:0]
		c.homeAt[i].n.Store(0)
	}
	for j := 0; j*chunk < n; j++ {
		mid := min(j*chunk+chunk/2, n-1)
		home := int((c.front.refs[mid] >> refWorkerSh) & (maxWorkers - 1))
		c.homes[home] = append(c.homes[home], int32(j))
	}
}

// claimHome claims the next chunk for worker self, from list (its own
// list at first) or, once that is done, from the lists after it in turn.
// It returns the chunk's first state and the list it came from, or -1
// when every list is done.
func (c *checker) claimHome(list, self int) (start int64, from int) {
	k := len(c.homes)
	for ; list < self+k; list++ {
		l := list % k
		if i := c.homeAt[l].n.Add(1) - 1; i < int64(len(c.homes[l])) {
			return int64(c.homes[l][i]) * chunk, list
		}
	}
	return -1, list
}

// stateMoves is what a state can do, numbered as expand numbers its
// successors: the stacks' moves first, then the network's.
type stateMoves struct {
	en     []int32 // the enabled stacks, as (stack, choices) pairs
	nets   []int32 // the network's moves, as (kind, message) pairs (net.go)
	amp    int     // the index in en of a stack at an ample card, or -1
	netAmp int     // a message delivered (or lost) alone, or -1
	moves  int     // the moves that do something (implicit drops, crashes and splits aside)
	total  int     // every move numbered
	stuck  int     // the first unfinished stack that is not a daemon, or -1
	lost   bool    // no stack can move, and losing what is in flight is a deadlock
	// lostEnd: every stack that is not a daemon has finished and no
	// daemon can move, so losing what is in flight ends the run.
	lostEnd bool
	// ready: the stacks (below 64) that EnabledAt found enabled without
	// a fault, whose first card a transition takes with vm.StepReady.
	ready uint64
}

// listMoves lists the moves of state s, using w's scratch slices. expand
// and the hunt's walks both number moves by it, so that a path of move
// numbers means the same in both.
func (c *checker) listMoves(w *worker, s *vm.State) stateMoves {
	m, p := c.m, c.p
	n := s.NumStacks()
	mv := stateMoves{en: w.en[:0], nets: w.nets[:0], amp: -1, netAmp: -1, stuck: -1}
	live := false
	// Each stack's card is read once: the questions below all start
	// from it, and this loop runs for every stack of every state.
	for i := 0; i < n; i++ {
		pc := s.PC(i)
		cd := &p.Cards[pc]
		if cd.Op == card.Done || p.Net != nil && m.StackDown(s, i) {
			continue
		}
		live = true
		if mv.stuck < 0 && !p.Procs[cd.Proc].Daemon {
			mv.stuck = i
		}
		// An either's guards decide both whether it can move and its
		// choices (MovesAt evaluates them once); other cards ask
		// EnabledAt directly, a call less.
		k := 0
		if cd.Op == card.Either {
			k = m.MovesAt(s, i, pc)
		} else if ok, clean := m.EnabledAt(s, i, pc); ok {
			k = 1
			if vm.MayChoose(cd.Op) {
				k = m.ChoicesAt(s.Shared(p), s.Locals(i), pc)
			}
			if clean && i < 64 {
				mv.ready |= 1 << i
			}
		}
		if k == 0 {
			continue
		}
		// With reduction, a stack standing at an ample card moves
		// alone: the first such stack.
		if mv.amp < 0 && c.ample != nil && c.ample[pc] {
			mv.amp = len(mv.en)
		}
		mv.en = append(mv.en, int32(i), int32(k))
		mv.total += k
	}
	w.en = mv.en
	// The network's moves (see net.go): numbered after the stacks'.
	mv.moves = mv.total
	if p.Net != nil && live {
		// On an unordered lossy network a message may stay in flight
		// for ever (drops are not moves): where no stack can move, the
		// run can end here, stuck or finished, whatever is in flight,
		// unless a message the network never loses is on its way.
		if mv.total == 0 && c.implicitDrops && !reliablePending(m, s) && !(m.CanHeal(s) && s.NumMsgs() > 0) {
			mv.lost, mv.lostEnd = mv.stuck >= 0, mv.stuck < 0
		}
		var signal, into int
		mv.nets, signal, into = netMoves(m, s, mv.nets, c.quietWords)
		w.nets = mv.nets
		if c.por && mv.amp < 0 {
			mv.netAmp = signal
			if signal < 0 {
				mv.netAmp = into
			}
		}
		nets := mv.nets
		for e := 0; e < len(nets); e += 2 {
			// A crash or a split moves no stack and delivers nothing: a
			// state where only they can happen is a deadlock. A heal may
			// let a waiting message through, when there is one.
			if !c.skipNet(nets[e], nets[e+1], mv.netAmp) && nets[e] != trace.NetCrash && nets[e] != trace.NetSplit &&
				(nets[e] != trace.NetHeal || s.NumMsgs() > 0) {
				mv.moves++
			}
		}
		mv.total += len(nets) / 2
	}
	return mv
}

// expand generates every successor of one state, but not the moves of the
// stacks wake leaves out (they sleep: see sleep.go). It returns false when
// the search must stop.
func (w *worker) expand(id, key uint64, wake uint32, words []int64) bool {
	c := w.c
	p := c.p
	s := &w.s
	// s only reads the frontier entry (transitions copy it into w.t), so it
	// can use the arena's words in place; the capacity limit keeps any
	// append from reaching the next entry.
	s.W = words[:len(words):len(words)]
	// Load a word of every cache line of the state before Reindex: it
	// walks the stacks one after the other, each load waiting for the
	// one before, so a state not in the caches missed once per stack in
	// turn (and the shared words later, one by one); loaded side by side
	// here, the misses overlap. 4-6 % of a search (phil, tpc placed).
	var acc int64
	for k := 0; k < len(words); k += 8 {
		acc += words[k]
	}
	w.touchSink += uint64(acc)
	s.Reindex(p)
	depth := int32(c.depth)
	mv := c.listMoves(w, s)
	if mv.lost {
		// No stack can move: losing what is in flight is a deadlock.
		w.note(vkey{vDeadlock, s.PC(c.m.DeadlockCause(s))}, inst{depth, key})
	}
	if mv.lostEnd && mv.moves > 0 {
		// The daemons wait for messages the network may yet lose: if it
		// does, the run is over (with none to deliver, below).
		w.terminal(inst{depth, key})
	}
	en, nets, amp, netAmp, total, stuck := mv.en, mv.nets, mv.amp, mv.netAmp, mv.total, mv.stuck
	if mv.moves == 0 {
		// Daemons left blocked once every other stack has finished: the
		// run is over, not stuck.
		if stuck < 0 {
			w.terminal(inst{depth, key})
			return true
		}
		w.note(vkey{vDeadlock, s.PC(c.m.DeadlockCause(s))}, inst{depth, key})
		// A crash or a split can still happen. It lets nothing move, but
		// a crash ends its node's stacks, and the run may end with an
		// outcome then: those moves are taken (below). Taking them also
		// keeps the reduction sound: an ample or folded card after which
		// only faults are left does not take the faults away.
		if len(nets) == 0 {
			return true
		}
	}
	if total > maxOrd {
		c.fail(errTooManyChoices)
		return false
	}
	if c.races != nil && len(en) > 2 {
		w.checkRaces()
	}
	// Successors wait in w.pend until flush files them: each may take a
	// level-table entry, so the budget covers those waiting too.
	if need := int64(total + len(w.pend)); w.budget < need && !w.reserve(need) {
		return false
	}
	parent := id << ordBits
	w.wake = allAwake
	// Only a state where every enabled stack and network move moves, two
	// of them at least, passes sleep sets on (sleep.go); the successors of
	// any other wake every move. A state with an ample card or a message
	// delivered alone ignores its own: that move must be made.
	if c.sleep && amp < 0 && netAmp < 0 && len(en)+len(nets) > 2 && (wake != allAwake || c.sleepGate.on) {
		w.expandSleepy(s, &mv, wake, parent, depth)
		return true
	}
	sink := false
	for pass := 0; pass < 2; pass++ {
		ord := uint64(0)
		for e := 0; e < len(en); e += 2 {
			i, k := int(en[e]), int(en[e+1])
			if amp >= 0 && (e == amp) != (pass == 0) || netAmp >= 0 {
				ord += uint64(k)
				continue
			}
			ready := mv.ready>>i&1 != 0
			for ch := 0; ch < k; ch++ {
				sink = w.transition(s, i, ch, parent|ord, depth, ready) || sink
				ord++
			}
		}
		for e := 0; e < len(nets); e += 2 {
			if amp >= 0 && pass == 0 || c.skipNet(nets[e], nets[e+1], netAmp) || netAmp >= 0 && int(nets[e+1]) != netAmp {
				ord++
				continue
			}
			sink = w.transition(s, int(nets[e]), int(nets[e+1]), parent|ord, depth, false) || sink
			ord++
		}
		// An ample transition that ends its path (a failure, a broken
		// invariant) leaves the other stacks unexplored: expand fully.
		if amp < 0 || !sink {
			break
		}
	}
	return true
}

// pendingState is a successor waiting to be filed: its fingerprint, its
// parent key, its flag (refFlag: it breaks an invariant), and where its
// words are in worker.pendW. In a pass that makes sleep sets (sleep.go),
// the last of its n words is not the state's: it holds the stacks that
// must move from it, which fileWaking ORs into its level-table entry.
// (There, not in a field, so that the passes without sleep sets file
// entries of 32 bytes.)
type pendingState struct {
	fp, pk, flag uint64
	off, n       int32
}

// flushAt is how many successors a worker gathers before filing them.
// Filing is mostly waiting for memory: the visited set and the level table
// are far larger than the caches, so each probe is a miss. Touching every
// probe's slot first lets the processor fetch them all at once instead of
// one after the other. Batching across frontier states gives it more to
// overlap than one state's few successors.
const flushAt = 32

// flush files the waiting successors: a state already seen is dropped, a
// new one goes into the level table (with the smallest parent key) and
// its words into the next level's arena. It returns false when the search
// must stop.
func (w *worker) flush() bool {
	c := w.c
	pend := w.pend
	if len(pend) == 0 {
		return true
	}
	w.pend, w.pendW = pend[:0], w.pendW[:0]
	// Touch each slot a probe will start at, so the loads overlap. The
	// level table's slots are fetched for writing (cpu_amd64.go): the
	// insert's compare-and-swap would otherwise wait, on two workers, for
	// the line to be taken from the other processor.
	main, level := c.main, &c.level
	acc := touchHomesForWrite(unsafe.Pointer(&level.slots[0]), level.mask, unsafe.Sizeof(levelSlot{}), unsafe.Pointer(&pend[0]), len(pend))
	for k := range pend {
		acc += main.slots[pend[k].fp&main.mask]
	}
	w.touchSink = acc
	if c.sleepGate.on {
		w.touchSink += touchHomesForWrite(unsafe.Pointer(&level.wakes[0]), level.mask, 4, unsafe.Pointer(&pend[0]), len(pend))
		created, ok := w.fileWaking(pend)
		w.budget -= created
		w.created.Add(created)
		return ok
	}
	next := &w.arenas[(c.depth+1)&1]
	var created int64
	for k := range pend {
		p := &pend[k]
		if main.contains(p.fp) {
			continue
		}
		slot, isNew := level.insertMin(p.fp, p.pk)
		if !isNew {
			continue
		}
		ref, ok := next.put(w.pendW[p.off : p.off+p.n])
		if !ok {
			c.halt("memory")
			return false
		}
		level.setRef(slot, ref|p.flag)
		created++
	}
	w.budget -= created
	w.created.Add(created)
	return true
}

// fileWaking is flush's filing loop in a pass that makes sleep sets: it
// also ORs the stacks that must move from each successor into its
// level-table entry, and stores the successor without that word. A loop
// of its own, so that the passes without sleep sets run flush's loop as
// it was: one condition more in that loop cost every search 0.4 % more
// instructions (tpc_n5, counter, filter), and a second loop after it,
// probing again, cost the searches with sleep sets 1-2 points of their
// gain (phil, buffer).
func (w *worker) fileWaking(pend []pendingState) (created int64, ok bool) {
	c := w.c
	main, level := c.main, &c.level
	next := &w.arenas[(c.depth+1)&1]
	for k := range pend {
		p := &pend[k]
		if main.contains(p.fp) {
			continue
		}
		slot, isNew := level.insertMin(p.fp, p.pk)
		level.addWake(slot, uint32(w.pendW[p.off : p.off+p.n][p.n-1]))
		if !isNew {
			continue
		}
		ref, ok := next.put(w.pendW[p.off : p.off+p.n-1])
		if !ok {
			c.halt("memory")
			return created, false
		}
		level.setRef(slot, ref|p.flag)
		created++
	}
	return created, true
}

// transition lets stack i take its next card with the given choice from
// state s, folding what follows, and either records a violation or queues
// the resulting state for flush to file. It reports whether the path ends
// there (a failure, or a state that breaks an invariant).
// ready says that EnabledAt found stack i enabled in s without a fault
// (stateMoves.ready), so that its card is taken with vm.StepReady.
func (w *worker) transition(s *vm.State, i, ch int, pk uint64, depth int32, ready bool) (end bool) {
	c := w.c
	m := c.m
	t := &w.t
	w.trans++
	// The successor is made in place at the end of w.pendW, where flush
	// will look for it, so that its words are copied once, not twice.
	off := len(w.pendW)
	w.pendW = append(w.pendW, s.W...)
	t.CopyWith(s, w.pendW[off:])
	var r vm.Result
	flag := uint64(0)
	// The conditions (invariants, properties) held in s: they can change
	// only when a card writes a variable they read. A network move writes
	// no variable.
	if i < 0 {
		// A network move: deliver, drop or duplicate message ch.
		w.touched = false
		applyNet(m, t, int32(i), ch)
	} else {
		r, flag = w.move(t, i, ch, nil, ready, s)
	}
	if r.Status != vm.OK {
		w.pendW = w.pendW[:off]
		if r.Status == vm.Failed {
			kind := vError
			if r.Fault.Kind == vm.AssertFailed {
				kind = vAssert
			}
			w.note(vkey{kind, r.PC}, inst{depth + 1, pk})
		}
		return true
	}
	if flag == 0 && c.always && w.touched {
		if k, _ := m.CheckAlways(t); k >= 0 {
			flag = refFlag
		}
	}
	if n := len(t.W); n <= cap(w.pendW)-off && n > 0 && &w.pendW[:off+n][off] == &t.W[0] {
		w.pendW = w.pendW[:off+n]
	} else {
		// A card grew the vector past the buffer's capacity, so it moved.
		w.pendW = append(w.pendW[:off], t.W...)
	}
	w.pend = append(w.pend, pendingState{fp: fingerprint(t.W), pk: pk, flag: flag, off: int32(off), n: int32(len(t.W))})
	if c.sleepGate.on {
		w.pendW = append(w.pendW, int64(w.wake))
		w.pend[len(w.pend)-1].n++
	}
	return flag != 0
}

// cardSet is a set of cards that empties in O(1): a card is in it when
// its mark is the current generation. The folds use it to stop before a
// card they have already taken (a loop).
type cardSet struct {
	mark []uint32
	gen  uint32
}

func newCardSet(cards int) cardSet { return cardSet{mark: alone[uint32](cards)} }

// reset empties the set.
func (s *cardSet) reset() {
	s.gen++
	if s.gen == 0 {
		clear(s.mark)
		s.gen = 1
	}
}

// take adds pc and reports whether it was not in the set yet.
func (s *cardSet) take(pc int32) bool {
	if s.mark[pc] == s.gen {
		return false
	}
	s.mark[pc] = s.gen
	return true
}

// move lets stack i of t take its card with choice ch and, with reduction,
// what folds into the same transition: the cards that follow it (fold),
// and the first cards of the stacks it spawned while they are constant
// local cards (settle). Moves are added to sched when it is not nil.
// ready: listMoves found the stack enabled in t without a fault (see
// stateMoves.ready), so its first card need not be decided again.
// pre, when not nil, is t as it was before the move (the caller made t a
// copy of it): a fold that must be undone (see fold) is then rebuilt from
// it instead of from a copy taken in every fold that might fail.
// Every search that numbers transitions as expand does (expand, the
// replay of a path, the hunt) moves with it.
func (w *worker) move(t *vm.State, i, ch int, sched *trace.Schedule, ready bool, pre *vm.State) (vm.Result, uint64) {
	c := w.c
	// The conditions (invariants, properties) held before: they can
	// change only when a card writes a variable they read.
	w.touched = c.always && c.condWrites[t.PC(i)]
	n0 := t.NumStacks()
	var r vm.Result
	if ready {
		r = c.m.StepReady(t, i, ch)
	} else {
		r = c.m.Step(t, i, ch)
	}
	var flag uint64
	if r.Status == vm.OK && c.por && c.foldable[t.PC(i)] {
		w.pre = nil
		if sched == nil {
			w.pre = pre
		}
		r, flag = w.fold(t, i, sched)
		if flag == redoFlag {
			// Undo the fold back to its first visible card: the
			// move again, then the w.redo cards before that card.
			// They went through before, and go the same way again.
			flag = 0
			t.CopyFrom(pre)
			if ready {
				c.m.StepReady(t, i, ch)
			} else {
				c.m.Step(t, i, ch)
			}
			for range w.redo {
				c.m.Step(t, i, 0)
			}
		}
	}
	if r.Status == vm.OK && flag == 0 && c.por {
		for j := n0; j < t.NumStacks(); j++ {
			w.settle(t, j, sched)
		}
	}
	return r, flag
}

// settle lets stack j, just spawned, take its first cards while they are
// constant local cards (`let c = 0`, `while true`: c.settles), which
// cannot fail, block or be seen by another stack. Without it a spawned
// stack rests at its first card, a state of its own for every stack a
// spawn makes (a Promela process starts at its first statement). It stops
// before a card it already took (a loop of such cards) and after
// foldBound cards.
func (w *worker) settle(t *vm.State, j int, sched *trace.Schedule) {
	c := w.c
	w.taken.reset()
	for n := 0; n < foldBound; n++ {
		pc := t.PC(j)
		if !c.settles[pc] || !w.taken.take(pc) {
			return
		}
		if sched != nil {
			sched.Add(trace.Move{Stack: int32(j)})
		}
		c.m.Step(t, j, 0)
	}
}

// fold lets stack i take the cards that follow, as part of the transition
// that brought it there, while they are foldable: invisible cards, and
// ample cards without a choice (see ample.go). A state where i stands at
// an ample card has i's move as its only successor anyway; folding the
// move saves storing that state.
//
// The fold stops at a card that is not foldable, when the chain comes back
// to a card it already took (a local loop), or after foldBound cards. When
// the state breaks an invariant nothing is folded, so that the schedule
// ends where the violation shows. When a card fails after the fold went
// through a visible ample card, the fold is undone back to the first such
// card and ends there: that state is stored, and its expansion, as in the
// search without this folding, explores every stack from it (an ample
// transition that fails does not reduce). When w.pre is set, fold leaves
// the undoing to its caller, which has the state before the move (see
// move): it returns redoFlag, with the number of its cards that came
// before that first visible card in w.redo, and copies nothing; failures
// are rare, and the copy was made in every fold that reached a visible
// card. Moves are appended to sched when it is not nil (then w.pre is
// nil). flag is refFlag when the invariant check failed.
func (w *worker) fold(t *vm.State, i int, sched *trace.Schedule) (vm.Result, uint64) {
	c := w.c
	if c.always && (w.touched || sched != nil) {
		if k, _ := c.m.CheckAlways(t); k >= 0 {
			return vm.Result{}, refFlag
		}
	}
	w.taken.reset()
	saved, ticks := false, 0
	for n := 0; n < foldBound; n++ {
		pc := t.PC(i)
		if !c.foldable[pc] || !w.taken.take(pc) {
			break
		}
		if !saved && c.visible[pc] {
			saved = true
			w.redo = n
			if w.pre == nil {
				w.undo.CopyFrom(t)
			}
			if sched != nil {
				ticks = sched.NumTicks()
			}
		}
		if sched != nil {
			sched.Add(trace.Move{Stack: int32(i)})
		}
		w.touched = w.touched || c.always && c.condWrites[pc]
		r := c.m.Step(t, i, 0)
		if r.Status != vm.OK {
			if !saved {
				return r, 0
			}
			if w.pre != nil {
				return vm.Result{}, redoFlag
			}
			t.CopyFrom(&w.undo)
			if sched != nil {
				sched.Truncate(ticks)
			}
			return vm.Result{}, 0
		}
	}
	return vm.Result{}, 0
}

// redoFlag is fold's answer that its caller must undo it (see fold).
const redoFlag = refFlag >> 1

// reserve makes sure the level table has room for need more entries from
// this worker, growing it (with every worker parked) when it has not.
func (w *worker) reserve(need int64) bool {
	c := w.c
	for w.budget < need {
		// Reserve in blocks of 512, or less in a small table, so that a
		// level of a few states does not grow its table for the block.
		get := max(need-w.budget, min(512, c.levelLimit.Load()/4))
		r := c.reserved.Add(get)
		if r <= c.levelLimit.Load() {
			w.budget += get
			continue
		}
		c.reserved.Add(-get)
		c.park(r)
		if c.stop.Load() {
			return false
		}
	}
	return true
}

// note records an occurrence of a violation, keeping the least.
func (w *worker) note(k vkey, at inst) {
	if old, ok := w.viols[k]; !ok || at.less(old) {
		w.viols[k] = at
	}
}

// terminal records the outcome of a state where every stack has finished.
func (w *worker) terminal(at inst) {
	o := w.c.m.Outcome(&w.s)
	key := o.Key()
	if old, ok := w.outs[key]; ok {
		if at.less(old.at) {
			old.at = at
		}
		return
	}
	w.outs[key] = &orec{at: at, out: o}
	b := outcomeBytes(key, o)
	w.outMem += b
	w.scratch.Add(b)
}

// outcomeBytes estimates what an outcome record holds: its key, its lines,
// its values, and the map entry and headers around them.
func outcomeBytes(key string, o vm.Outcome) int64 {
	b := int64(len(key)) + 160
	for _, l := range o.Output {
		b += int64(len(l)) + 16
	}
	for _, v := range o.Vars {
		b += int64(len(v.Values))*8 + 64
	}
	return b
}

// noteScratch updates scratch after buckets or counts grew.
func (w *worker) noteScratch() {
	b := int64(cap(w.counts))*4 + w.outMem
	for _, p := range w.buckets {
		b += int64(cap(p)) * 16
	}
	for _, k := range w.wakes {
		b += int64(cap(k)) * 4
	}
	w.scratch.Store(b)
}

// checkRaces records every pair of stacks of state w.s whose next cards
// race: both touch the same var, at least one writes, neither is a sync
// card.
func (w *worker) checkRaces() {
	rt := w.c.races
	s := &w.s
	ks := w.ks[:0]
	for e := 0; e < len(w.en); e += 2 {
		pc := s.PC(int(w.en[e]))
		if k := rt.idx[pc]; k >= 0 {
			ks = append(ks, k, w.en[e])
		}
	}
	w.ks = ks
	for a := 0; a < len(ks); a += 2 {
		for b := a + 2; b < len(ks); b += 2 {
			ka, kb := ks[a], ks[b]
			if ka > kb {
				ka, kb = kb, ka
			}
			bit := int(ka)*rt.k + int(kb)
			if w.rseen[bit>>6]&(1<<(bit&63)) != 0 {
				continue
			}
			if !rt.mayConflict(rt.pcs[ka], rt.pcs[kb]) {
				w.rseen[bit>>6] |= 1 << (bit & 63)
				continue
			}
			if !w.touchConflict(s, int(ks[a+1]), int(ks[b+1])) {
				// Not here (other elements, or a read a short-circuit
				// skips); another state may show it, so the pair stays
				// unseen.
				continue
			}
			w.rseen[bit>>6] |= 1 << (bit & 63)
			w.races = append(w.races, [2]int32{rt.pcs[ka], rt.pcs[kb]})
		}
	}
}

// cacheLine is the size of the processor's cache line (64 bytes on the
// machines deck runs on).
const cacheLine = 64

// alone returns a slice of n zero values that shares no cache line with
// another object: it is cut from a larger allocation with at least a line
// to spare on each side. Per-worker scratch that is written on every
// transition and made before the workers start (on one goroutine, so that
// the workers' arrays of a size would lie side by side in one span of the
// allocator) is made with it: on two workers, the line where one's array
// ended and the other's began went back and forth between the processors.
func alone[T any](n int) []T {
	var zero T
	size := max(int(unsafe.Sizeof(zero)), 1)
	pad := (cacheLine + size - 1) / size
	buf := make([]T, n+2*pad)
	return buf[pad : pad+n : pad+n]
}
