package check

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// How the search works
//
// The search is a level-synchronous breadth-first search. A pass expands
// every state of one level (in parallel: workers claim chunks of 64
// frontier states, first those whose states they stored themselves:
// homeChunks) and builds the next level; then a barrier publishes the
// new level. A pass always completes unless a memory or state limit stops
// the search, so the states, transitions, violations and outcomes found do
// not depend on the number of workers or on how they race; the default
// search stops at the end of the first level that found a violation.
//
// Visited set. During a pass the visited set (fpTable: 64-bit xxh3
// fingerprints in a lock-free, linear-probing table, load at most 3/4) is
// read-only: it holds every level up to the one being expanded. New states
// go into the level table, which also keeps for each the smallest parent
// key (parent id, transition number) of all transitions reaching it, by
// compare-and-swap. At the barrier the new fingerprints are inserted into
// the visited set with compare-and-swap by all workers (after growing it),
// and the new states are sorted by parent key (a counting sort on the
// parent's rank, parallel), which fixes their ids: state ids, parents and
// so every reported schedule are the same for any number of workers.
// Fingerprints are not compared with the states themselves: two states
// with equal fingerprints count as one (hash compaction); with 64 bits the
// chance of a single collision among 10^8 states is about 3 in 10^4.
//
// Memory per state. The visited set costs 8 bytes a slot at a load
// between 3/8 and 3/4; the parent of each state is bit-packed (rank in the
// previous level and transition number: about 3 bytes), with a 16-byte
// header a level (parents.go). The frontier and the level table are
// transient: the states of one level as flat word vectors in per-worker
// arenas, and 24 bytes a slot for the level table, which starts small and
// grows on demand. Options.MaxMemory covers all of it (checker.memory),
// and every table, arena slab and level is checked before it is
// allocated, so that a search a million levels deep stops at its limit as
// a wide one does.
//
// A transition is one stack taking one card, with one alternative of a
// choose or either. Partial-order reduction (unless Options.NoPOR) has three
// parts. Folding: after its move the stack also takes, in the same
// transition, the cards that follow and that nobody else can observe
// (locals, branches, yield, asserts on locals), up to a card it has taken
// in this fold already or 1000 cards; the schedule still lists every card.
// Ample cards (see ample.go): a stack standing at a card that is
// independent of everything other stacks can do meanwhile moves alone, and
// a transition that reaches such a card folds it too (unless it makes a
// choice), so the state in between is not even stored. Sleep sets (see
// sleep.go) store the same states and skip the transitions that would only
// reach a state reached anyway.
// All three keep every deadlock, outcome, failed assert, runtime error, broken
// invariant and race; the tests compare them with the full search and with
// a brute-force search on every example and on random programs.

const chunk = 64 // frontier states a worker claims at a time

// Below these sizes a pass or a barrier runs on one goroutine: starting
// goroutines would cost more than it saves. Tests lower them to exercise
// the parallel paths on small programs.
var (
	parallelFrontier = 4 * chunk // states of a pass
	parallelSlots    = 1 << 12   // level-table slots to collect
	parallelOrder    = 1 << 11   // new states to order
)

// violation classes, for keying violations cheaply during the search.
const (
	vAssert uint8 = iota
	vError
	vAlways
	vDeadlock
)

type vkey struct {
	kind uint8
	at   int32 // pc of the failing card / first stuck card; invariant index
}

// inst names one occurrence of something on a shortest path: the number of
// transitions from the initial state and the parent key of the transition
// that ends the path (for a state: the key it was reached with).
type inst struct {
	depth int32
	key   uint64
}

func (a inst) less(b inst) bool {
	if a.depth != b.depth {
		return a.depth < b.depth
	}
	return a.key < b.key
}

type orec struct {
	at  inst
	out vm.Outcome
}

// frontier is one breadth-first level: the next to expand (checker.front)
// or the one being made (checker.next). Its arrays live in the checker's
// fmaps once they are large (growFront).
type frontier struct {
	base uint64   // id of refs[0]
	refs []uint64 // arena references, in id order
	keys []uint64 // parent key of each state
	// wakes, when the pass that found the states made sleep sets: the
	// stacks that must move from each (sleep.go).
	wakes []uint32
}

type checker struct {
	m      *vm.Machine
	p      *card.Program
	opt    Options // MaxMemory: the search's share of limit (see newChecker)
	limit  int64   // the memory limit of the process, as the report gives it
	nw     int
	por    bool
	always bool
	// condWrites[pc]: card pc may write a variable that an invariant or a
	// property's condition reads; after any other card they still hold.
	condWrites []bool
	settles    []bool // settles[pc]: see settles
	// implicitDrops: on an unordered lossy network, drops are not moves
	// (see net.go).
	implicitDrops bool
	// quiet, by global: a channel whose values can be delivered alone
	// when it is empty (quietChans; nil: none); quietWords, the same by
	// shared word.
	quiet      []bool
	quietWords []bool
	visible    []bool // by pc: another stack could observe the card
	ample      []bool // by pc: a stack there may move alone (nil: none)
	// foldable, by pc: a transition that reaches the card may go on through
	// it: it is invisible, or (with ample cards) ample and choice-free.
	foldable []bool
	// sleep: sleep sets prune transitions (sleep.go), with each card's
	// footprint in feet. sleepGate decides, level by level, whether the
	// level being expanded makes them.
	sleep     bool
	feet      []cardFoot
	links     sleepLinks
	sleepGate sleepGate
	// frontWakes: the frontier's states have their wakes (front.wakes;
	// the pass that found them made sleep sets); nextWakes: so will the
	// next frontier's.
	frontWakes, nextWakes bool
	races                 *raceTable
	start                 time.Time

	main    *fpTable
	level   levelTable
	parents parentStore // the parent of every state of every level
	front   frontier
	next    frontier
	fmaps   hugeMaps // the mappings of front's and next's arrays
	depth   int      // the level being expanded
	// deepest is the deepest level that holds a state, counting the states
	// that break an invariant (they are stored but never expanded).
	deepest int
	// growth is the new states per frontier state of the last three
	// passes, the last first.
	growth [3]float64

	workers []*worker
	crew    *crew      // runs parallel phases during search; nil on one worker
	hunt    *huntState // the depth-first hunt (hunt.go); nil without one
	ph      phaseArgs  // the arguments of the phase parallel runs
	ranks   []int      // publish: the first parent rank of each bucket
	starts  []int      // publish: where each bucket's states start in next

	// pass coordination
	claim atomic.Int64
	// On two or more workers, each worker's home chunks of the frontier
	// and how far the claims have gone in each list (homeChunks).
	homes      [][]int32
	homeAt     []chunkCursor
	byHome     bool
	stop       atomic.Bool
	growReq    atomic.Bool
	reserved   atomic.Int64
	levelLimit atomic.Int64
	gmu        sync.Mutex
	gcond      *sync.Cond
	active     int
	parked     int
	gen        uint64
	growTarget int64
	arenaMem   atomic.Int64
	outMem     atomic.Int64 // an estimate of what the outcomes found hold
	peak       int64        // the most memory() seen at a pass start or barrier
	haltMu     sync.Mutex
	haltWhy    string
	err        error

	// results merged at every barrier
	viols       map[vkey]inst
	outs        map[string]*orec
	transitions int64

	// what the progress reporter reads
	pTransitions atomic.Int64
	pDepth       atomic.Int64
	pFront       atomic.Int64
	pMem         atomic.Int64 // memory() less the arenas, as of the last pass start
}

// Run explores every shuffle of the program run by m.
func Run(m *vm.Machine, opt Options) (*Report, error) {
	if opt.IgnorePrints && m != nil && !m.IgnorePrints {
		// A machine of the search's own: the caller's may be checking
		// other programs' states with their lines.
		own := *m
		own.IgnorePrints = true
		m = &own
	}
	c, err := newChecker(m, opt)
	if err != nil {
		return nil, err
	}
	defer c.release()
	if opt.Search == SearchHunt {
		return huntReport(c)
	}
	var stopProgress func()
	if opt.Progress != nil {
		stopProgress = c.progressLoop()
	}
	stopHunt := c.startHunt()
	err = c.search()
	stopHunt()
	if stopProgress != nil {
		stopProgress()
	}
	if err != nil {
		return nil, err
	}
	rep, err := c.report()
	if err != nil {
		return rep, err
	}
	rep.IgnorePrints = opt.IgnorePrints
	if err := c.addHunted(rep); err != nil {
		return nil, err
	}
	c.release() // before the searches below, which make their own
	if c.por && len(rep.Violations) > 0 && !rep.Violations[0].Hunted {
		exactCounterexamples(m, opt, rep, exactStates)
	}
	rep.Elapsed = time.Since(c.start) // the safety search's (Progress has its own)
	if opt.CheckProgress {
		switch {
		case rep.Verdict == VerdictIncomplete:
			rep.Progress = &ProgressReport{Status: ProgressUnchecked, Fairness: opt.Fairness, Why: "the safety search did not finish"}
		case len(rep.Violations) > 0 && !opt.All:
			rep.Progress = &ProgressReport{Status: ProgressUnchecked, Fairness: opt.Fairness, Why: "a safety violation was found first"}
		default:
			if err := checkProgress(m, opt, rep); err != nil {
				return nil, err
			}
			if pr := rep.Progress; pr.Stopped && rep.Verdict == VerdictOK {
				// Unchecked is not ok: the progress check stopped at a
				// limit, and a program that can never finish would pass.
				rep.Verdict = VerdictIncomplete
				rep.Incomplete = "the progress check " + pr.Why + ": every shuffle is safe, but nothing is claimed about progress (--progress off checks safety alone)"
			}
		}
	}
	return rep, nil
}

// exactStates bounds the search without reduction that exactCounterexamples
// makes: about a tenth of a second. (The hunt alone uses an eighth of it.)
const exactStates = 1 << 18

// exactCounterexamples makes the counterexamples of a search with
// reduction shortest, or says that it could not. A reduced search finds
// shortest paths in its coarser graph, and shorten removes the cards they
// do not need, which leaves a few percent of them longer than the shortest
// shuffle (measured on random programs). A breadth-first search without
// reduction, where a transition is one card, finds shortest ones by
// construction. It runs bounded by bound states and by depth: a
// counterexample of n cards is shortest once every level up to n-1 has been
// expanded without finding a shorter one, so the search stops after the
// level one card short of the longest counterexample. It replaces every
// counterexample it finds shorter (or that a walk found), proves the
// others whose levels it completed, and marks the rest Unproven. (An
// outcome that depends on the shuffle, under Options.Deterministic, is
// not a violation it looks for.) It returns the states it stored.
func exactCounterexamples(m *vm.Machine, opt Options, rep *Report, bound int64) int64 {
	longest := 0
	for i := range rep.Violations {
		if cx := &rep.Violations[i]; !cx.Progress && cx.Violation.Kind != KindOutcome {
			longest = max(longest, cx.Schedule.Len())
		}
	}
	if longest == 0 {
		return 0 // nothing is shorter than a violation of the initial state
	}
	o := opt
	o.NoPOR, o.All, o.Deterministic, o.Progress, o.CheckProgress = true, true, false, nil, false
	o.Search = SearchBFS
	o.maxDepth = max(longest-1, 1)
	if o.MaxStates <= 0 || o.MaxStates > bound {
		o.MaxStates = bound
	}
	// complete: every violation of at most this many cards was found.
	complete := -1
	var exact *Report
	c, err := newChecker(m, o)
	if err == nil {
		defer c.release()
	}
	if err == nil && c.search() == nil {
		switch {
		case c.haltWhy != "":
			// Stopped while expanding level c.depth: the levels before
			// it are complete, and with them the violations up to it
			// but for deadlocks of its own states.
			complete = c.depth - 1
		case c.depth > o.maxDepth:
			complete = o.maxDepth
		default:
			complete = math.MaxInt // the whole graph
		}
		if exact, err = c.report(); err != nil {
			complete, exact = -1, nil
		}
	}
	shortest := map[string]*Counterexample{}
	if exact != nil {
		for i := range exact.Violations {
			cx := &exact.Violations[i]
			shortest[cx.Violation.Key()] = cx
		}
	}
	for i := range rep.Violations {
		cx := &rep.Violations[i]
		if cx.Progress || cx.Violation.Kind == KindOutcome {
			continue
		}
		if e := shortest[cx.Violation.Key()]; e != nil && (e.Schedule.Len() < cx.Schedule.Len() || cx.Hunted) {
			*cx = *e
			continue
		}
		if cx.Schedule.Len()-1 <= complete {
			cx.Hunted, cx.Unproven = false, false
		} else if !cx.Hunted {
			cx.Unproven = true
		}
	}
	if c == nil {
		return 0
	}
	return c.states()
}

func newChecker(m *vm.Machine, opt Options) (*checker, error) {
	if m == nil || m.P == nil {
		return nil, errors.New("check: no program")
	}
	c := &checker{m: m, p: m.P, opt: opt, start: time.Now()}
	c.nw = opt.Workers
	if c.nw <= 0 {
		c.nw = runtime.GOMAXPROCS(0)
	}
	if c.nw > maxWorkers {
		c.nw = maxWorkers
	}
	if c.opt.MaxMemory <= 0 {
		c.opt.MaxMemory = DefaultMaxMemory()
	}
	// From here on opt.MaxMemory is what the search itself may hold: the
	// limit less what the process held before it (Options.MemoryBase).
	c.limit = c.opt.MaxMemory
	c.opt.MaxMemory = max(c.opt.MaxMemory-max(opt.MemoryBase, 0), 1)
	c.por = !opt.NoPOR
	c.always = len(c.p.Always) > 0 || len(c.p.Props) > 0 // a property's condition can fail to evaluate
	if c.always {
		read := c.p.ConditionGlobals()
		c.condWrites = make([]bool, len(c.p.Cards))
		for pc := range c.p.Cards {
			c.condWrites[pc] = c.p.WritesAny(int32(pc), read)
		}
	}
	c.implicitDrops = implicitDrops(c.p)
	if c.por {
		c.quiet = quietChans(c.p)
		c.quietWords = wordsOf(c.p, c.quiet)
	}
	c.gcond = sync.NewCond(&c.gmu)
	c.viols = map[vkey]inst{}
	c.outs = map[string]*orec{}
	c.growth = [3]float64{2}
	c.settles = make([]bool, len(c.p.Cards))
	for pc := range c.p.Cards {
		c.settles[pc] = settles(c.p, int32(pc))
	}
	c.visible = make([]bool, len(c.p.Cards))
	for pc := range c.p.Cards {
		c.visible[pc] = !invisible(c.p, int32(pc))
	}
	if c.por {
		c.ample = ampleWithNet(c.p, c.visible)
		c.foldable = make([]bool, len(c.p.Cards))
		for pc := range c.p.Cards {
			op := c.p.Cards[pc].Op
			c.foldable[pc] = !c.visible[pc] ||
				c.ample != nil && c.ample[pc] && op != card.Choose && op != card.Either && !op.IsSync()
		}
	}
	c.races = newRaceTable(c.p)
	if c.por && (c.p.Net == nil || !c.p.Net.Faulty()) && !opt.NoSleepSets {
		c.feet = cardFeet(c.p, c.condWrites, c.quiet)
		c.links = newSleepLinks(c.p, c.quiet)
		// A placed program's deliveries of channel values may commute with
		// the stacks' moves and with each other, whatever the cards do.
		c.sleep = mayCommute(c.p, c.feet, c.foldable) || c.p.Net != nil && sendsValues(c.p)
		c.sleepGate = sleepGate{on: c.sleep, probe: minSleepProbe}
		c.level.sleep = c.sleep
	}
	c.main = newFPTable(1 << 10)
	for i := 0; i < c.nw; i++ {
		w := &worker{c: c, id: i, viols: map[vkey]inst{}, outs: map[string]*orec{}}
		c.m.Hashed(&w.s) // every state the worker expands comes from InitHashed
		for k := range w.arenas {
			w.arenas[k].wid = uint64(i)
			w.arenas[k].mem = &c.arenaMem
			w.arenas[k].room = c.room
		}
		w.taken = newCardSet(len(c.p.Cards))
		if c.races != nil {
			w.rseen = alone[uint64]((c.races.k*c.races.k + 63) / 64)
		}
		c.workers = append(c.workers, w)
	}
	return c, nil
}

// settles reports whether a just spawned stack may take card pc at once
// (worker.settle): a local card whose expression is a constant, a branch
// on a constant, or a no-op. Such a card touches no shared state, makes no
// choice, cannot block, and cannot fail.
func settles(p *card.Program, pc int32) bool {
	c := &p.Cards[pc]
	constant := func(e card.Expr) bool {
		if e == card.NoExpr {
			return true
		}
		code := p.Exprs[e].Code
		return len(code) == 1 && code[0].Op == card.XConst
	}
	switch c.Op {
	case card.Nop:
		return true
	case card.Local:
		return len(p.Accesses[pc]) == 0 && constant(c.X) && c.Y == card.NoExpr
	case card.Branch:
		return len(p.Accesses[pc]) == 0 && c.X != card.NoExpr && constant(c.X)
	}
	return false
}

// invisible reports whether card pc may be folded into the transition of
// the stack that reaches it: it touches no shared state, cannot block, is
// not output, and makes no choice, so no other stack can tell when it runs.
// ampleWithNet is ampleCards with what a placed program's faults take
// away: nil when the program is too large for the analysis.
func ampleWithNet(p *card.Program, visible []bool) []bool {
	ample := ampleCards(p, visible)
	if net := p.Net; net != nil && net.Partitions > 0 && ample != nil {
		// Whether a message survives depends on whether it is sent
		// before or after the network heals: a card that sends one
		// does not commute with a heal, so it is not ample.
		for pc := range ample {
			if ample[pc] && sendsMessage(p, int32(pc)) {
				ample[pc] = false
			}
		}
	}
	if net := p.Net; net != nil && net.Crashable != 0 && ample != nil {
		// A crash stops a stack before its next card: a card on a node
		// that may crash does not commute with the crash, so it is
		// not ample.
		for pc := range ample {
			if net.Crashable&(1<<net.NodeOf(p, int32(pc))) != 0 {
				ample[pc] = false
			}
		}
	}
	return ample
}

func invisible(p *card.Program, pc int32) bool {
	switch p.Cards[pc].Op {
	case card.Local, card.Nop, card.Branch, card.Assert:
		return len(p.Accesses[pc]) == 0
	}
	return false
}

// search runs the passes. When a limit or Options.Stop ends it within a
// pass, what the workers found in that pass is merged too, so that the
// report shows every violation and outcome found so far.
func (c *checker) search() error {
	defer c.merge()
	// A crew needs a processor for each of its goroutines: with fewer,
	// its spinning would take turns with the work.
	if c.nw > 1 && runtime.GOMAXPROCS(0) >= c.nw {
		c.crew = newCrew(c.nw - 1)
		defer func() {
			c.crew.stop()
			c.crew = nil
		}()
	}
	w0 := c.workers[0]
	init := c.m.InitHashed()
	fp := fingerprint(init.W)
	c.main.insert(fp)
	c.parents.init()
	if k, _ := c.m.CheckAlways(init); k >= 0 {
		c.viols[vkey{vAlways, int32(k)}] = inst{0, noParent}
		return nil // nothing after a violating state is explored
	}
	ref, ok := w0.arenas[0].put(init.W)
	if !ok {
		c.halt("memory")
		return nil
	}
	c.front = frontier{base: 0, refs: []uint64{ref}, keys: []uint64{noParent}}
	for len(c.front.refs) > 0 {
		if c.stopped() {
			// At a level barrier: the frontier is the level not expanded.
			for _, w := range c.workers {
				w.processed = 0
			}
			c.halt(haltInterrupted)
			return nil
		}
		c.pass()
		if c.err != nil {
			return c.err
		}
		if c.stop.Load() {
			return nil
		}
		c.barrier()
		if c.err != nil {
			return c.err
		}
		c.depth++
		if c.stop.Load() || c.opt.maxDepth > 0 && c.depth > c.opt.maxDepth {
			return nil
		}
		if !c.opt.All && (len(c.viols) > 0 || c.opt.Deterministic && len(c.outs) > 1) {
			return nil
		}
		c.front, c.next = c.next, c.front
		c.frontWakes = c.nextWakes
	}
	return nil
}

// haltInterrupted is the halt reason of a search stopped by Options.Stop.
const haltInterrupted = "interrupted"

// stopped reports whether Options.Stop is closed.
func (c *checker) stopped() bool {
	select {
	case <-c.opt.Stop:
		return true
	default:
		return false
	}
}

// halt stops the search because of a limit.
func (c *checker) halt(why string) {
	c.haltMu.Lock()
	if c.haltWhy == "" {
		c.haltWhy = why
	}
	c.haltMu.Unlock()
	c.stop.Store(true)
}

func (c *checker) fail(err error) {
	c.haltMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.haltMu.Unlock()
	c.stop.Store(true)
}

// memory is what the search holds: the visited set, the parent records,
// the level table, the queued states (arenas and the frontier's ids), the
// workers' scratch and the outcomes found. What the process held before
// the search (Options.MemoryBase) is off the budget already (newChecker).
// The garbage the search leaves (a table replaced by a bigger one, a
// frontier's old ids) is not counted: it is the Go runtime's to collect,
// and deck check sets the runtime's soft memory limit to the same limit,
// so that the collector runs before the process would pass it (with its
// default pacing a heap grows to twice what is live between collections).
func (c *checker) memory() int64 {
	b := c.main.bytes() + c.level.bytes() + c.arenaMem.Load() + c.parents.bytes()
	b += int64(cap(c.front.refs)+cap(c.front.keys)+cap(c.next.refs)+cap(c.next.keys)) * 8
	b += int64(cap(c.front.wakes)+cap(c.next.wakes)) * 4
	b += c.outMem.Load()
	if c.hunt != nil {
		b += c.hunt.mem.Load()
	}
	for _, w := range c.workers {
		b += w.scratch.Load()
	}
	return b
}

// room reports whether b more bytes fit the budget; when they do, the
// caller allocates them (see makeRoom).
func (c *checker) room(b int64) bool {
	if c.memory()+b > c.opt.MaxMemory {
		return false
	}
	makeRoom(b)
	return true
}

// notePeak records the memory held, for Report.BytesPerState.
func (c *checker) notePeak() int64 {
	m := c.memory()
	c.peak = max(c.peak, m)
	return m
}

func (c *checker) states() int64 {
	n := c.main.count.Load()
	for _, w := range c.workers {
		n += w.created.Load()
	}
	return n
}

// pass expands every state of the current frontier.
func (c *checker) pass() {
	n := len(c.front.refs)
	if c.notePeak() > c.opt.MaxMemory {
		c.halt("memory")
		return
	}
	// The level table starts at the size the last pass's growth projects,
	// and grows on demand (reserve, park, grow), which is where the memory
	// limit holds. The projection only saves rehashes, so it is capped at
	// eight successors a state and at a quarter of the budget left: a
	// projection must not stop, or swell, a search that fits (the states
	// of a first level of 30,000 choices project 30,000 successors each,
	// and have one). It takes the largest growth of the last three
	// levels: in programs whose levels alternate between few and many
	// successors (the mutex counter: 0.3, 5, 1.1, again and again) the
	// last level's growth missed every third level by far, and the table
	// grew twice within it, each time with every worker parked (counter
	// N=7 R=4 on two workers: 12-17 ms a worker of 370-440, against none
	// now). An oversized table costs only its scan at the barrier.
	est := min(float64(n)*min(max(c.growth[0], c.growth[1], c.growth[2])*1.25, 8), 1<<40) + 16
	size := levelSize(int(est * maxLoadDen / maxLoadNum))
	for size > minLevelSlots && size > cap(c.level.mem) && c.memory()+4*int64(size)*c.level.slotBytes() > c.opt.MaxMemory {
		size >>= 1
	}
	if size > cap(c.level.mem) && c.memory()+int64(size)*c.level.slotBytes() > c.opt.MaxMemory {
		c.halt("memory")
		return
	}
	old := c.level.heapBytes()
	if size > cap(c.level.mem) {
		makeRoom(int64(size) * c.level.slotBytes())
	}
	if c.level.reset(size) {
		releaseOld(old)
	}
	c.levelLimit.Store(int64(size) * maxLoadNum / maxLoadDen)
	c.reserved.Store(0)
	c.claim.Store(0)
	c.growReq.Store(false)
	c.growTarget = 0
	nextPar := (c.depth + 1) & 1
	for _, w := range c.workers {
		w.arenas[nextPar].reset()
		w.created.Store(0)
		w.budget = 0
		w.processed = 0
	}
	c.pDepth.Store(int64(c.depth))
	c.pFront.Store(int64(n))
	c.pTransitions.Store(c.transitions)
	c.pMem.Store(c.memory() - c.arenaMem.Load())
	workers := c.nw
	if n < parallelFrontier {
		workers = 1
	}
	c.active = workers
	c.parked = 0
	c.byHome = workers > 1
	if c.byHome {
		c.homeChunks(n)
	}
	c.parallel(workers, func(c *checker, k int) { c.workers[k].run() })
}

// park waits, with every other worker, at a safe point while the level
// table grows. target > 0 asks for room for that many reserved entries.
func (c *checker) park(target int64) {
	c.gmu.Lock()
	defer c.gmu.Unlock()
	if target > 0 {
		if target > c.growTarget {
			c.growTarget = target
		}
		c.growReq.Store(true)
	} else if !c.growReq.Load() {
		return
	}
	c.parked++
	if c.parked == c.active {
		c.grow()
		return
	}
	for g := c.gen; g == c.gen; {
		c.gcond.Wait()
	}
}

// grow runs with gmu held and every active worker parked.
func (c *checker) grow() {
	if c.growTarget > c.levelLimit.Load() {
		size := levelSize(int(c.growTarget * 2))
		if c.memory()+int64(size)*c.level.slotBytes() > c.opt.MaxMemory {
			c.halt("memory")
		} else {
			old := c.level.heapBytes()
			makeRoom(int64(size) * c.level.slotBytes())
			c.level.grow(size)
			releaseOld(old)
			c.levelLimit.Store(int64(size) * maxLoadNum / maxLoadDen)
		}
	}
	c.growTarget = 0
	c.growReq.Store(false)
	c.parked = 0
	c.gen++
	c.gcond.Broadcast()
}

func (c *checker) leave() {
	c.gmu.Lock()
	c.active--
	if c.active > 0 && c.parked == c.active && c.growReq.Load() {
		c.grow()
	}
	c.gmu.Unlock()
}

// barrier turns the level table into the next frontier.
func (c *checker) barrier() {
	var created int64
	for _, w := range c.workers {
		created += w.created.Load()
	}
	c.nextWakes = c.sleep && c.sleepGate.on
	if c.sleep {
		c.gateSleep()
	}
	n := len(c.front.refs)
	if n > 0 {
		c.growth = [3]float64{float64(created) / float64(n), c.growth[0], c.growth[1]}
	}
	if created > 0 {
		c.deepest = c.depth + 1
	}
	// What publishing the level will allocate must fit before anything is:
	// the visited set's growth, the parent records, the next frontier's
	// ids and the workers' scratch for ordering.
	need := c.levelNeed(created, n)
	if c.memory()+need > c.opt.MaxMemory {
		c.halt("memory")
		return
	}
	makeRoom(need)
	if !c.main.fits(created) {
		size := capacityFor(c.main.count.Load() + created)
		if size < 1<<20 {
			// While the table is small, grow it fourfold: fewer rehashes
			// for little memory.
			size = max(size, min(4*len(c.main.slots), 1<<20))
		}
		if size*8 >= mapFrom {
			// At least a huge page (mapFrom).
			size = max(size, hugePage/8)
		}
		if c.memory()+int64(size)*8+need > c.opt.MaxMemory {
			c.halt("memory")
			return
		}
		old := c.main.heapBytes()
		makeRoom(int64(size)*8 + need)
		c.growVisited(size)
		releaseOld(old)
	}
	// The new states move into the visited set: forget them as created
	// first, so that states() (which progress reads meanwhile) counts
	// each once at most, never twice.
	for _, w := range c.workers {
		w.created.Store(0)
	}
	c.publish(n)
	if c.err != nil {
		return
	}

	c.merge()
	c.notePeak()
}

// parallelRehash is the smallest visited set whose growth is split over
// the workers.
const parallelRehash = 1 << 16

// growVisited grows the visited set to size slots, rehashing on every
// worker when the crew can and the table is large enough.
func (c *checker) growVisited(size int) {
	if c.crew == nil || len(c.main.slots) < parallelRehash {
		c.main.grow(size)
		return
	}
	old, oldMap := c.main.begin(size)
	c.ph.old = old
	c.parallel(c.nw, func(c *checker, i int) {
		old, k := c.ph.old, c.nw
		w := c.workers[i]
		w.left = c.main.rehash(old, i*len(old)/k, (i+1)*len(old)/k, w.left[:0])
	})
	for _, w := range c.workers {
		for _, fp := range w.left {
			c.main.put(fp)
		}
		w.left = w.left[:0]
	}
	c.ph.old = nil
	unmapHuge(oldMap)
}

// merge takes in what the workers found: transitions, violations and
// outcomes.
func (c *checker) merge() {
	for _, w := range c.workers {
		c.transitions += w.trans
		w.trans = 0
		w.published.Store(0)
		for k, v := range w.viols {
			if old, ok := c.viols[k]; !ok || v.less(old) {
				c.viols[k] = v
			}
		}
		clear(w.viols)
		for k, v := range w.outs {
			old, ok := c.outs[k]
			if !ok {
				c.outMem.Add(outcomeBytes(k, v.out))
			}
			if !ok || v.at.less(old.at) {
				c.outs[k] = v
			}
		}
		clear(w.outs)
		w.outMem = 0
		w.noteScratch()
	}
}

// levelNeed bounds what the barrier allocates, besides the visited set,
// to publish created new states found from a frontier of n: the parent
// records (a record is at most 64 bits, and a level may open a chunk of
// headers and one of records), the next frontier's ids and keys, and the
// workers' pairs and counts.
func (c *checker) levelNeed(created int64, n int) int64 {
	need := int64(headChunk*16+streamChunk*8) + created*8
	if int64(cap(c.next.refs)) < created {
		need += created * 16
	}
	if c.nextWakes && int64(cap(c.next.wakes)) < created {
		need += created * 4
	}
	var pairs int64
	for _, w := range c.workers {
		for _, b := range w.buckets {
			pairs += int64(cap(b))
		}
		if cap(w.counts) < n { // a bucket's ranks, at most n
			need += int64(n) * 4
		}
	}
	if pairs < created {
		// Pairs grow by appending: up to twice what they hold.
		need += 2 * created * 16
		if c.nextWakes {
			need += 2 * created * 4 // and their wakes
		}
	}
	return need
}

// releaseOld collects a large table that was just replaced, so that the
// heap does not hold the old and the new one for long: the memory budget
// counts only what the search holds. bytes is what the old table held on
// the heap: a mapped one was given back already (hugeSlice).
func releaseOld(bytes int64) {
	if bytes >= 64<<20 {
		runtime.GC()
	}
}

// resize returns s with length n, reusing its memory when it can (the
// contents are not kept). A new allocation has room to grow by half
// again: the frontier's arrays grow level after level while a search
// widens, and an allocation of exactly n at every level wrote fresh
// memory each time, a page fault per 4 KiB (see hugeSlice).
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/2)
	}
	return s[:n]
}

// parallel runs f(c, 0), ..., f(c, k-1), each on a goroutine of its own
// when k > 1: the search's crew (crew.go) when it has one (runParts). f
// takes what it needs from c (c.ph holds a phase's arguments), so that it
// can be a function literal that captures nothing: one level of a deep,
// narrow search, whose phases run on one goroutine, allocates nothing.
func (c *checker) parallel(k int, f func(*checker, int)) {
	if k == 1 {
		f(c, 0)
		return
	}
	runParts(c.crew, k, func(i int) { f(c, i) })
}

// release gives back the memory of the search that lives outside the Go
// heap (the tables and arena slabs hugeSlice mapped) once the report is
// made: the Go runtime cannot collect it. Nothing reads a table or a
// frontier state afterwards.
func (c *checker) release() {
	c.fmaps.free()
	c.main.free()
	c.level.free()
	for _, w := range c.workers {
		for k := range w.arenas {
			w.arenas[k].free()
		}
		w.maps.free()
		w.buckets, w.wakes, w.counts = nil, nil, nil
		w.s.W = nil
	}
}

// words returns the word vector an arena reference points to.
func (c *checker) words(ref uint64) []int64 {
	w := c.workers[(ref>>refWorkerSh)&(maxWorkers-1)]
	par := c.depth & 1
	return w.arenas[par^1].get((ref>>refSlabSh)&(maxSlabs-1), ref&0xffffffff)
}

// frontWords returns the words of a frontier state of the current pass.
func (c *checker) frontWords(ref uint64) []int64 {
	w := c.workers[(ref>>refWorkerSh)&(maxWorkers-1)]
	return w.arenas[c.depth&1].get((ref>>refSlabSh)&(maxSlabs-1), ref&0xffffffff)
}

// progressLoop calls opt.Progress about once a second until stopped.
func (c *checker) progressLoop() func() {
	return c.every(func() { c.opt.Progress(c.snapshot()) })
}

// every calls f every progressInterval until the function it returns is
// called (which waits for the last call to end).
func (c *checker) every(f func()) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func (c *checker) snapshot() Progress {
	var tr int64
	for _, w := range c.workers {
		tr += w.published.Load()
	}
	q := c.pFront.Load() - c.claim.Load()
	if q < 0 {
		q = 0
	}
	return Progress{
		States:      c.states(),
		Transitions: c.pTransitions.Load() + tr,
		Depth:       int(c.pDepth.Load()),
		Queue:       q,
		Memory:      c.pMem.Load() + c.arenaMem.Load(),
		Elapsed:     time.Since(c.start),
	}
}

// progressInterval is how often Options.Progress is called.
var progressInterval = time.Second

var errTooManyChoices = errors.New("check: a state has more than 16777216 transitions (a choose over a huge range?)")

func internalError(format string, args ...any) error {
	return fmt.Errorf("check: internal error: "+format, args...)
}
