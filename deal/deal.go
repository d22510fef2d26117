// Package deal is the simulated operating system: dealers that hand cards
// from the live stacks to 1..N simulated processors, tick by tick, and
// record the shuffle as a replayable schedule. Every card runs through
// vm.Step.
//
// The model: each processor holds at most one stack at a time and takes at
// most one card from it per tick. A stack keeps its processor for a quantum
// of cards, or until it blocks or finishes; then the dealer gives the
// processor to another runnable stack. A stack never runs on two
// processors at once. Within a tick the moves take effect one after the
// other (sequential consistency at card granularity), in an order the
// schedule records.
package deal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Kind selects a dealer.
type Kind uint8

const (
	// Random gives each free processor a runnable stack picked at random,
	// and lets a stack keep it for Quantum cards. The seed fixes the run.
	Random Kind = iota
	// RoundRobin queues runnable stacks in order and gives each the
	// processor for Quantum cards.
	RoundRobin
	// Sequential lets a stack run until it finishes or blocks.
	Sequential
)

// ParseKind reads a dealer name: random, rr or seq.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "random":
		return Random, nil
	case "rr", "round-robin":
		return RoundRobin, nil
	case "seq", "sequential":
		return Sequential, nil
	}
	return 0, fmt.Errorf("unknown dealer %q (want random, rr or seq)", s)
}

func (k Kind) String() string { return [...]string{"random", "rr", "seq"}[k] }

// Options configure a run.
type Options struct {
	Dealer   Kind
	CPUs     int // processors; at least 1
	Quantum  int // cards a stack keeps its processor; at least 1
	Seed     uint64
	Replay   *trace.Schedule // when set, deal exactly these moves
	MaxTicks int64           // stop after this many ticks (0: DefaultMaxTicks)
	// Steps asks for a detailed record of every card (values read and
	// written) in Result.Steps; it costs time and memory per card.
	Steps bool
	// MaxSteps bounds Result.Steps to the first MaxSteps cards (0: no
	// bound), so that a long run keeps its detailed record in bounded
	// memory; Result.StepsCut says when cards were left out.
	MaxSteps int
	// NoSchedule skips recording the schedule (benchmarks, huge runs).
	NoSchedule bool
	// Stop, when closed, stops a dealt run as MaxTicks does, with Stopped
	// "interrupted"; it is polled every stopPoll ticks. A replay, bounded
	// by its schedule, does not look at it.
	Stop <-chan struct{}
	// Fairness judges a replayed cycle (trace.Schedule.Cycle): a cycle a
	// run of this fairness would not go round forever shows no progress
	// violation (Result.Unfair says why). Weak unless set, as in check.
	Fairness trace.Fairness
}

// MaxScheduleMoves bounds the moves a run records in Result.Schedule: a
// run of the default 10,000,000 ticks on 64 processors recorded 640
// million moves, gigabytes, for a schedule too long to show or replay by
// hand (the seed deals such a run again). Past it the schedule keeps its
// first moves and Result.ScheduleCut says so. (A variable so that tests
// can make it small.)
var MaxScheduleMoves = 1 << 22

// stopPoll is how many ticks pass between two looks at Options.Stop.
const stopPoll = 1 << 12

// DefaultMaxTicks stops runs that never end (a stack spinning forever).
const DefaultMaxTicks = 10_000_000

// Result is what a run did.
type Result struct {
	Seed      uint64
	Ticks     int64
	Cards     int64
	Schedule  trace.Schedule
	CPUs      []uint16 // the processor of each move of Schedule
	Final     *vm.State
	Violation *trace.Violation
	// Stopped says why a run ended before every stack finished without a
	// violation: "max-ticks", "replay-ended" or "interrupted" ("" otherwise).
	Stopped string
	Taken   []int64 // cards taken by each stack
	Steps   []trace.Step
	// StepsCut reports that the run dealt more cards than Options.MaxSteps
	// and Steps holds only the first ones.
	StepsCut bool
	// A replayed schedule with a cycle (trace.Schedule.Cycle) plays its
	// prefix, then the cycle CycleRuns times; Forever reports that every
	// pass of the cycle came back to the state it started from, so the
	// cycle can repeat forever. Schedule then holds every tick played.
	CycleRuns int
	Forever   bool
	// Unfair, for a cycle that repeats forever, says why a run that goes
	// round it is not fair (Options.Fairness): a stack or link it owes a
	// move never moves. Such a cycle shows no violation. "" otherwise.
	Unfair string
	// ScheduleCut: the run dealt more than MaxScheduleMoves moves, and
	// Schedule (with CPUs) holds only the first whole ticks of them.
	ScheduleCut bool
	// Also are the violations the same run shows besides Violation: a
	// cycle that leaves stacks unfinished (Violation) and never meets a
	// property, or a run that breaks two properties.
	Also []*trace.Violation
}

// ReplayCPUs returns the processors a replay of sch deals on: the most
// stack moves of one tick, or, for a program placed on nodes, the most
// moves of one node's stacks in one tick, since each node has that many
// processors of its own (a run of one processor a node has ticks where
// two nodes move at once). At least 1.
func ReplayCPUs(m *vm.Machine, sch *trace.Schedule) int {
	total := 1
	for t := 0; t < sch.NumTicks(); t++ {
		n := 0
		for _, mv := range sch.Tick(t) {
			if !mv.IsNet() {
				n++
			}
		}
		total = max(total, n)
	}
	if m.P.Net == nil || total == 1 {
		return total
	}
	// Which node a move's stack is on shows only as the run goes: deal
	// it with room for all, and see which of its node's processors each
	// move took (node*CPUs + k).
	res, _ := Run(m, Options{Replay: sch, CPUs: total})
	if res == nil {
		return total
	}
	need := 1
	for i, mv := range res.Schedule.Moves {
		if !mv.IsNet() && i < len(res.CPUs) {
			need = max(need, int(res.CPUs[i])%total+1)
		}
	}
	return need
}

// CyclePasses is how many times a replay plays a schedule's cycle.
const CyclePasses = 3

// ReplayError is returned when a schedule does not fit the program.
type ReplayError struct {
	Tick int
	Msg  string
}

func (e *ReplayError) Error() string { return fmt.Sprintf("replay: tick %d: %s", e.Tick+1, e.Msg) }

// checkTick, when a test sets it, is called once per tick after the queue
// of runnable stacks has been brought up to date.
var checkTick func(d *dealer)

// dealer holds the state of one run.
type dealer struct {
	m     *vm.Machine
	p     *card.Program
	opt   Options
	rng   *rand.Rand
	s     *vm.State
	res   *Result
	cpu   []int32 // the stack each processor holds, or -1
	used  []int   // cards taken in the current slice
	onCPU []bool  // by stack
	queue []int32 // round-robin order of stacks waiting for a processor
	inQ   []bool
	// released lists the stacks that lost their processor this tick.
	released []int32
	order    []int // scratch: processor order within a tick
	before   vm.State
	tick     []trace.Move // the moves of the current tick
	tickCPU  []uint16
	// Whether a stack can move is cached: enVal[st] holds while
	// enEpoch[st] == epoch, or for good (until the stack moves) when
	// enEpoch[st] is forever: the stack stands at a card that can always
	// be taken, or never (vm.EnabledByOp), or at a join on a handle in
	// its locals until a stack finishes (joinWaiters), in a program not
	// placed on nodes. A stack's own move forgets its entry, and a
	// card that may change whether another stack can move (a write to
	// shared memory, a synchronisation action, a spawn or a finish) starts
	// a new epoch. Cards that only compute locals, branch, print or choose
	// leave every other stack's answer as it was.
	enEpoch []uint64
	enVal   []bool
	epoch   uint64
	// joinWaiters lists the stacks whose answer is cached for good while
	// they wait at a join (see refresh); a finish or a spawn forgets them.
	joinWaiters []int32
	scanned     uint64 // the epoch of the last full scan for runnable stacks

	// A placed program has Options.CPUs processors per node: processor k
	// belongs to node cpuNode[k] and takes only that node's stacks.
	cpuNode  []int32
	netMoves []netMove // scratch: the network's possible moves this tick

	// The replay of a cycle: its first tick, its length, and the state
	// (without output) at the start of its first pass.
	loopStart, loopLen int
	loopSnap           []int64
	// A cycle names the messages it delivers, drops or copies by their
	// numbers in its first pass; every pass sends new ones. loopTags and
	// loopSent are the numbers of the messages in flight (in the state's
	// order) and the count sent, at the first pass's start; passTags and
	// passSent the same at the start of the pass under way (cycleTag).
	loopTags, passTags []int32
	loopSent, passSent int32
	// fair is what the first pass of a cycle's replay saw, for fairness.
	fair cycleFairness
	// moves counts the moves dealt, the network's with the cards, as the
	// listing numbers its rows and the check counts a property's moment.
	moves int64
	// recording: the run records its schedule (not Options.NoSchedule,
	// and it has not reached MaxScheduleMoves).
	recording bool

	// watch follows the program's eventually and leadsto properties (nil
	// when it has none); passMark and curMark are its marks at the last
	// two cycle boundaries of a cycle's replay.
	watch             *trace.Watch
	passMark, curMark int64

	// conds: the program has invariants or properties, whose conditions
	// are evaluated after every card.
	conds bool
}

// netMove is a move the network can make: deliver, drop or duplicate
// message k (kind is trace.NetDeliver, NetDrop or NetDup).
type netMove struct {
	kind int32
	k    int
}

// Run deals one run of the program.
func Run(m *vm.Machine, opt Options) (*Result, error) {
	if opt.CPUs < 1 {
		opt.CPUs = 1
	}
	if opt.Quantum < 1 {
		opt.Quantum = 1
	}
	if opt.MaxTicks <= 0 {
		opt.MaxTicks = DefaultMaxTicks
	}
	d := &dealer{
		m:     m,
		p:     m.P,
		opt:   opt,
		rng:   rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15)),
		s:     m.Init(),
		res:   &Result{Seed: opt.Seed},
		epoch: 1,
		conds: len(m.P.Always)+len(m.P.Props) > 0,
	}
	d.recording = !opt.NoSchedule
	ncpu := opt.CPUs
	if net := m.P.Net; net != nil {
		ncpu *= len(net.Nodes)
		d.s.Track = true
		for k := 0; k < ncpu; k++ {
			d.cpuNode = append(d.cpuNode, int32(k/opt.CPUs))
		}
	}
	d.cpu = make([]int32, ncpu)
	for k := range d.cpu {
		d.cpu[k] = -1
	}
	d.used = make([]int, ncpu)
	d.order = make([]int, ncpu)
	if k, f := m.CheckAlways(d.s); k >= 0 {
		d.res.Violation = trace.Always(m, d.s, k, f)
		d.res.Final = d.s
		return d.res, nil
	}
	if d.watch = trace.NewWatch(m); d.watch != nil {
		if v := d.watch.Observe(d.s, 0); v != nil {
			d.res.Violation = v
			d.res.Final = d.s
			return d.res, nil
		}
	}
	var err error
	if opt.Replay != nil && opt.Replay.Cycle > 0 {
		err = d.replayCycle()
	} else if opt.Replay != nil {
		err = d.replay()
	} else if forceGeneral || !d.oneCardTicks() {
		d.deal()
	} else {
		d.dealOne()
		d.oneCardEnds()
	}
	d.res.Final = d.s
	return d.res, err
}

// grow keeps the per-stack tables as long as the number of stacks.
func (d *dealer) grow() {
	for n := d.s.NumStacks(); len(d.onCPU) < n; {
		d.onCPU = append(d.onCPU, false)
		d.inQ = append(d.inQ, false)
		d.enEpoch = append(d.enEpoch, 0)
		d.enVal = append(d.enVal, false)
		d.res.Taken = append(d.res.Taken, 0)
	}
}

// enabled reports whether stack st can take its next card, from the cache
// when nothing has happened since it was last asked that could change it.
func (d *dealer) enabled(st int) bool {
	if d.enEpoch[st] >= d.epoch { // this epoch's answer, or forever
		return d.enVal[st]
	}
	return d.refresh(st)
}

// forever marks an answer of the enabled cache that holds until the stack
// moves, whatever the epoch.
const forever = math.MaxUint64

func (d *dealer) refresh(st int) bool {
	if d.p.Net == nil {
		c := &d.p.Cards[d.s.PC(st)]
		if v, known := vm.EnabledByOp(c.Op); known {
			d.enEpoch[st], d.enVal[st] = forever, v
			return v
		}
		if c.Op == card.Join && !d.p.ReadsShared(c.X) {
			// A join on a handle held in the stack's own locals waits
			// for that stack to finish, and for nothing else: its answer
			// holds until a stack finishes (or one is spawned, which
			// may make a handle valid), when moved forgets it.
			v := d.m.Enabled(d.s, st)
			d.enEpoch[st], d.enVal[st] = forever, v
			d.joinWaiters = append(d.joinWaiters, int32(st))
			return v
		}
	}
	v := d.m.Enabled(d.s, st)
	d.enEpoch[st], d.enVal[st] = d.epoch, v
	return v
}

// moved updates the cache after stack st took card pc.
func (d *dealer) moved(st int, pc int32) {
	d.enEpoch[st] = 0
	op := d.p.Cards[pc].Op
	if op == card.Either && card.HasBodies(d.p, pc) {
		op = card.Atomic // a branch's atomic body may have written anything
	}
	if op == card.Return || op == card.Spawn || op == card.Atomic {
		// A stack finished or was spawned (an atomic body may spawn): the
		// answers cached for stacks waiting at joins may have changed.
		for _, w := range d.joinWaiters {
			d.enEpoch[w] = 0
		}
		d.joinWaiters = d.joinWaiters[:0]
	}
	switch op {
	case card.Local, card.Nop, card.Branch, card.Assert, card.Print, card.Choose, card.Either,
		card.Await, card.Wait, card.SendWait, card.Join:
		// Nothing another stack could wait for has changed.
	default:
		d.epoch++
	}
}

// deal runs the chosen dealer until every stack finishes, a violation
// happens, or the tick limit is reached.
func (d *dealer) deal() {
	s, m := d.s, d.m
	for {
		d.grow()
		if d.stopped() {
			return
		}
		// Release processors whose stack cannot go on, or whose slice is up.
		d.released = d.released[:0]
		for k, st := range d.cpu {
			if st < 0 {
				continue
			}
			if !d.enabled(int(st)) || (d.opt.Dealer != Sequential && d.used[k] >= d.opt.Quantum) {
				d.onCPU[st] = false
				d.cpu[k] = -1
				d.released = append(d.released, st)
			}
		}
		// Runnable stacks without a processor join the round-robin queue,
		// in stack order, and stacks that can no longer move leave it.
		if d.epoch != d.scanned {
			d.rescan()
		} else {
			// Nothing that could block or unblock a stack has happened
			// since the last scan: the queue is still right, and the only
			// candidates are the stacks just released.
			if len(d.released) > 1 { // one, on one processor: not even a call
				slices.Sort(d.released)
			}
			for _, st := range d.released {
				if d.enabled(int(st)) {
					d.queue = append(d.queue, st)
					d.inQ[st] = true
				}
			}
		}
		if checkTick != nil {
			checkTick(d)
		}
		busy := 0
		for k := range d.cpu {
			if d.cpu[k] < 0 && len(d.queue) > 0 {
				pick := 0
				if d.cpuNode != nil {
					if pick = d.pickOnNode(d.cpuNode[k]); pick < 0 {
						continue
					}
				} else if d.opt.Dealer == Random {
					pick = d.rng.IntN(len(d.queue))
				}
				st := d.takeQueued(pick)
				d.cpu[k], d.used[k], d.onCPU[st] = st, 0, true
			}
			if d.cpu[k] >= 0 {
				busy++
			}
		}
		if busy == 0 {
			if d.allFinished() {
				d.ended()
				return
			}
			d.tick, d.tickCPU = d.tick[:0], d.tickCPU[:0]
			if !d.netTick(true) {
				if !d.onlyDaemons() {
					d.res.Violation = trace.Deadlock(m, s)
				} else {
					d.ended()
				}
				return
			}
			d.endTick()
			continue
		}
		// The processors take their cards in an order the dealer picks.
		n := 0
		for k := range d.cpu {
			if d.cpu[k] >= 0 {
				d.order[n] = k
				n++
			}
		}
		if d.opt.Dealer == Random && n > 1 {
			d.rng.Shuffle(n, func(a, b int) { d.order[a], d.order[b] = d.order[b], d.order[a] })
		}
		d.tick, d.tickCPU = d.tick[:0], d.tickCPU[:0]
		stop := false
		for _, k := range d.order[:n] {
			st := int(d.cpu[k])
			choice := d.drawChoice(st)
			switch d.step(st, choice, k) {
			case stepBlocked:
				continue // an earlier card of this tick blocked it: it idles
			case stepViolation:
				stop = true
			}
			d.used[k]++
			if stop {
				break
			}
		}
		if !stop && d.cpuNode != nil {
			// The network is dealt like a processor of its own: now and
			// then it delivers (or drops) a message.
			d.netTick(false)
		}
		d.endTick()
		if stop {
			return
		}
	}
}

// forceGeneral, when a test sets it, makes every run take the general loop
// (deal), so that dealOne can be compared with it.
var forceGeneral bool

// oneCardTicks reports whether every tick of this run moves one stack and
// then frees the processor: one processor, a quantum of one card, a dealer
// that gives the processor away when the quantum is up, and no nodes. That
// is what deck run does unless told otherwise.
func (d *dealer) oneCardTicks() bool {
	return len(d.cpu) == 1 && d.cpuNode == nil && d.opt.Quantum == 1 && d.opt.Dealer != Sequential
}

// stopped reports, and records in the result, whether a dealt run must
// stop before its next tick: the tick limit is reached, or Options.Stop
// is closed (polled every stopPoll ticks).
func (d *dealer) stopped() bool {
	if d.res.Ticks >= d.opt.MaxTicks {
		d.res.Stopped = "max-ticks"
		return true
	}
	if d.opt.Stop != nil && d.res.Ticks%stopPoll == 0 {
		select {
		case <-d.opt.Stop:
			d.res.Stopped = "interrupted"
			return true
		default:
		}
	}
	return false
}

// dealOne is deal when oneCardTicks holds. There the general loop's work
// around the processors (which to release, which to fill, in what order
// they take their cards, each processor's slice) always comes to the same
// thing: the stack that took the last card goes back to the queue if it
// can still move, and one stack is drawn from the queue. dealOne does only
// that, in the same order with the same random draws, so a seed deals the
// same shuffle as the general loop would (TestDealOneSameAsGeneral); it
// costs a card less.
func (d *dealer) dealOne() {
	s, m := d.s, d.m
	random := d.opt.Dealer == Random
	last := -1 // the stack that took the previous card
	d.grow()
	for {
		if d.stopped() {
			return
		}
		if d.epoch != d.scanned {
			d.rescan() // the last stack too: it holds no processor here
		} else if last >= 0 && d.enabled(last) {
			d.queue = append(d.queue, int32(last))
			d.inQ[last] = true
		}
		if checkTick != nil {
			checkTick(d)
		}
		if len(d.queue) == 0 {
			if d.allFinished() {
				d.ended()
			} else if !d.onlyDaemons() {
				d.res.Violation = trace.Deadlock(m, s)
			} else {
				d.ended()
			}
			return
		}
		pick := 0
		if random {
			pick = d.rng.IntN(len(d.queue))
		}
		last = int(d.takeQueued(pick))
		choice := d.drawChoice(last)
		d.tick, d.tickCPU = d.tick[:0], d.tickCPU[:0]
		status := d.step(last, choice, 0)
		if len(d.tick) == 1 { // endTick, less what oneCardEnds does at the end
			d.res.Ticks++
			if d.recording {
				if len(d.res.Schedule.Moves) < MaxScheduleMoves {
					push(&d.res.Schedule.Moves, d.tick[0])
				} else {
					d.cutSchedule()
				}
			}
		}
		if status == stepViolation {
			return
		}
	}
}

// oneCardEnds completes the schedule dealOne recorded: every tick was one
// move on processor 0, so the ends of the ticks and the processors of the
// moves are written in one pass at the end instead of a card at a time.
func (d *dealer) oneCardEnds() {
	if d.opt.NoSchedule {
		return
	}
	sch := &d.res.Schedule
	n := len(sch.Moves)
	sch.Ends = slices.Grow(sch.Ends[:0], n)[:n]
	for i := range sch.Ends {
		sch.Ends[i] = int32(i + 1)
	}
	d.res.CPUs = make([]uint16, n)
}

// takeQueued removes the stack at index pick of the queue, keeping the
// others' order, and returns it. (A loop: the queue is short, and a
// memmove call cost more than the shift.)
func (d *dealer) takeQueued(pick int) int32 {
	q := d.queue
	st := q[pick]
	for j := pick; j+1 < len(q); j++ {
		q[j] = q[j+1]
	}
	d.queue = d.queue[:len(q)-1] // the length alone: no write barrier
	d.inQ[st] = false
	return st
}

// drawChoice draws which alternative stack st's next card takes (0 for a
// card with one; the random number is drawn only when there are more).
func (d *dealer) drawChoice(st int) int {
	if !vm.MayChoose(d.p.Cards[d.s.PC(st)].Op) {
		return 0 // no call: most cards have one alternative
	}
	if c := d.m.Choices(d.s, st); c > 1 {
		return d.rng.IntN(c)
	}
	return 0
}

// rescan brings the queue up to date after something may have blocked or
// unblocked a stack: runnable stacks without a processor join it in stack
// order, and stacks that can no longer move leave it.
func (d *dealer) rescan() {
	for st := 0; st < d.s.NumStacks(); st++ {
		if !d.onCPU[st] && !d.inQ[st] && d.enabled(st) {
			d.queue = append(d.queue, int32(st))
			d.inQ[st] = true
		}
	}
	kept := d.queue[:0]
	for _, st := range d.queue {
		if d.enabled(int(st)) {
			kept = append(kept, st)
		} else {
			d.inQ[st] = false
		}
	}
	d.queue = d.queue[:len(kept)]
	d.scanned = d.epoch
}

// pickOnNode picks, by the dealer's rule, the index in the queue of a
// stack of node n, or -1 when none waits.
func (d *dealer) pickOnNode(n int32) int {
	count := 0
	for _, st := range d.queue {
		if d.m.StackNode(d.s, int(st)) == n {
			count++
		}
	}
	if count == 0 {
		return -1
	}
	want := 0
	if d.opt.Dealer == Random {
		want = d.rng.IntN(count)
	}
	for i, st := range d.queue {
		if d.m.StackNode(d.s, int(st)) == n {
			if want == 0 {
				return i
			}
			want--
		}
	}
	return -1
}

// netTick lets the network make at most one move in this tick: the random
// dealer delivers a random deliverable message half of the time (so that
// messages arrive after a random delay), drops one now and then on a lossy
// network and duplicates one on a dup network; the other dealers deliver
// the oldest deliverable message at once. With must (no processor had
// anything to do) the network moves whenever it can. It reports whether
// it moved.
func (d *dealer) netTick(must bool) bool {
	m, s := d.m, d.s
	if d.p.Net == nil {
		return false
	}
	mv := d.netMoves[:0]
	for k := 0; k < s.NumMsgs(); k++ {
		if m.Deliverable(s, k) {
			mv = append(mv, netMove{trace.NetDeliver, k})
		}
	}
	deliverable := len(mv)
	if d.opt.Dealer == Random {
		for k := 0; k < s.NumMsgs(); k++ {
			if m.Droppable(s, k) {
				mv = append(mv, netMove{trace.NetDrop, k})
			}
			if m.Duplicable(s, k) {
				mv = append(mv, netMove{trace.NetDup, k})
			}
		}
	}
	d.netMoves = mv
	if d.opt.Dealer == Random && d.p.Net.Faulty() && d.fault(must) {
		return true
	}
	var pick netMove
	switch {
	case len(mv) == 0 && d.opt.Dealer == Random:
		return false
	case d.opt.Dealer != Random:
		if deliverable == 0 {
			// Nothing else can move: a lossy network loses its oldest
			// message that it may drop, which may let the one behind it
			// through (the checker takes that drop as a move too).
			if !must || !d.oldestDrop(&pick) {
				return false
			}
			break
		}
		pick = mv[0]
		for _, c := range mv[:deliverable] {
			if s.Tags[c.k] < s.Tags[pick.k] {
				pick = c
			}
		}
	default:
		if !must && d.rng.IntN(2) == 0 {
			return false
		}
		// Deliveries are the rule; a drop or a duplicate, one move in
		// four when the network allows them.
		if deliverable > 0 && (len(mv) == deliverable || d.rng.IntN(4) != 0) {
			pick = mv[d.rng.IntN(deliverable)]
		} else {
			pick = mv[deliverable+d.rng.IntN(len(mv)-deliverable)]
		}
	}
	d.netStep(pick)
	return true
}

// oldestDrop sets pick to the drop of the oldest message the network may
// drop now, and reports whether there is one.
func (d *dealer) oldestDrop(pick *netMove) bool {
	m, s := d.m, d.s
	found := false
	for k := 0; k < s.NumMsgs(); k++ {
		if m.Droppable(s, k) && (!found || s.Tags[k] < s.Tags[pick.k]) {
			*pick, found = netMove{trace.NetDrop, k}, true
		}
	}
	return found
}

// fault lets the random dealer crash a node or split the network (one tick
// in 32 when it may) or heal it (one tick in 8 while it is split). It
// reports whether it did.
func (d *dealer) fault(must bool) bool {
	m, s := d.m, d.s
	var opts []netMove
	for n := int32(0); n < int32(len(d.p.Net.Nodes)); n++ {
		if m.CanCrash(s, n) {
			opts = append(opts, netMove{trace.NetCrash, int(n)})
		}
	}
	for _, cut := range m.Cuts(s) {
		opts = append(opts, netMove{trace.NetSplit, int(cut)})
	}
	switch {
	case m.CanHeal(s) && (d.rng.IntN(8) == 0 || must && len(d.netMoves) == 0):
		d.faultStep(netMove{trace.NetHeal, 0})
	case len(opts) > 0 && d.rng.IntN(32) == 0:
		d.faultStep(opts[d.rng.IntN(len(opts))])
	default:
		return false
	}
	return true
}

// faultStep makes a node fault happen and records it.
func (d *dealer) faultStep(mv netMove) {
	m, s := d.m, d.s
	lost := len(s.Lost)
	switch mv.kind {
	case trace.NetCrash:
		m.Crash(s, int32(mv.k))
	case trace.NetSplit:
		m.Split(s, uint64(mv.k))
	case trace.NetHeal:
		m.Heal(s)
	}
	d.epoch++
	d.moves++
	d.tick = append(d.tick, trace.Move{Stack: mv.kind, Choice: int32(mv.k)})
	d.tickCPU = append(d.tickCPU, uint16(len(d.cpu)))
	if d.opt.Steps && (d.opt.MaxSteps == 0 || len(d.res.Steps) < d.opt.MaxSteps) {
		d.res.Steps = append(d.res.Steps, trace.RecordFault(m, s, s.Lost[lost:], mv.kind, int64(mv.k), d.res.Ticks))
	} else if d.opt.Steps {
		d.res.StepsCut = true
	}
}

// netStep makes one network move and records it.
func (d *dealer) netStep(mv netMove) {
	m, s := d.m, d.s
	record := d.opt.Steps && (d.opt.MaxSteps == 0 || len(d.res.Steps) < d.opt.MaxSteps)
	if record {
		d.before.CopyFrom(s)
	}
	tag := s.Tags[mv.k]
	switch mv.kind {
	case trace.NetDrop:
		m.Drop(s, mv.k)
	default:
		m.Deliver(s, mv.k, mv.kind == trace.NetDup)
	}
	d.epoch++
	d.moves++
	d.tick = append(d.tick, trace.Move{Stack: mv.kind, Choice: tag})
	d.tickCPU = append(d.tickCPU, uint16(len(d.cpu)))
	if record {
		d.res.Steps = append(d.res.Steps, trace.RecordNet(m, &d.before, s, mv.kind, mv.k, d.res.Ticks))
	} else if d.opt.Steps {
		d.res.StepsCut = true
	}
}

type stepStatus uint8

const (
	stepOK stepStatus = iota
	stepBlocked
	stepViolation
)

// step lets stack st take its next card on processor cpu, and records it.
func (d *dealer) step(st, choice, cpu int) stepStatus {
	m, s := d.m, d.s
	record := d.opt.Steps && (d.opt.MaxSteps == 0 || len(d.res.Steps) < d.opt.MaxSteps)
	if record {
		d.before.CopyFrom(s)
	}
	pc := s.PC(st)
	r := m.Step(s, st, choice)
	if r.Status == vm.Blocked {
		return stepBlocked
	}
	d.grow()
	d.moved(st, pc)
	d.tick = append(d.tick, trace.Move{Stack: int32(st), Choice: int32(choice)})
	d.tickCPU = append(d.tickCPU, uint16(cpu))
	d.res.Cards++
	d.moves++
	d.res.Taken[st]++
	if record {
		rec := trace.Record(m, &d.before, s, st, pc, choice, r, d.res.Ticks, cpu)
		d.res.Steps = append(d.res.Steps, rec)
	} else if d.opt.Steps {
		d.res.StepsCut = true
	}
	if r.Status == vm.Failed {
		d.res.Violation = trace.Fault(m, s, st, r)
		return stepViolation
	}
	if d.conds {
		if k, f := m.CheckAlways(s); k >= 0 {
			d.res.Violation = trace.Always(m, s, k, f)
			return stepViolation
		}
	}
	if d.watch != nil {
		if v := d.watch.Observe(s, int(d.moves)); v != nil {
			d.res.Violation = v
			return stepViolation
		}
	}
	return stepOK
}

// ended judges the eventually and leadsto properties of a run that ended
// with every non-daemon stack finished.
func (d *dealer) ended() {
	if d.watch != nil && d.loopLen == 0 {
		d.setViolations(d.watch.End(d.s, false, 0))
	}
}

// endTick closes the current tick.
func (d *dealer) endTick() {
	if len(d.tick) == 0 {
		return
	}
	d.res.Ticks++
	if !d.recording {
		return
	}
	if len(d.res.Schedule.Moves)+len(d.tick) > MaxScheduleMoves {
		d.cutSchedule()
		return
	}
	// Grow the record by doubling: append grows large slices by a
	// quarter, which copied a long schedule over and over. A tick of one
	// move (every tick on one processor) is stored element by element:
	// appending the tick's slices cost two calls of memmove a card.
	sch := &d.res.Schedule
	if len(d.tick) == 1 {
		push(&sch.Moves, d.tick[0])
		push(&d.res.CPUs, d.tickCPU[0])
	} else {
		sch.Moves = reserve(sch.Moves, len(d.tick))
		d.res.CPUs = reserve(d.res.CPUs, len(d.tickCPU))
		sch.Moves = append(sch.Moves, d.tick...)
		d.res.CPUs = append(d.res.CPUs, d.tickCPU...)
	}
	push(&sch.Ends, int32(len(sch.Moves))) // as Schedule.Add
}

// cutSchedule stops recording the schedule: it is full.
func (d *dealer) cutSchedule() {
	d.recording = false
	d.res.ScheduleCut = true
}

// push appends v to *s, at least doubling the capacity when it has to
// reallocate. Through a pointer, the append stores only the new length
// unless it reallocates: storing the whole slice would store its pointer
// too, and while the collector marks, every pointer stored in the heap
// costs a write barrier.
func push[T any](s *[]T, v T) {
	if len(*s) == cap(*s) {
		*s = slices.Grow(*s, max(len(*s), 256))
	}
	*s = append(*s, v)
}

// reserve makes room for n more elements, at least doubling the capacity
// when it has to reallocate.
func reserve[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	return slices.Grow(s, max(n, len(s), 256))
}

func (d *dealer) allFinished() bool {
	for st := 0; st < d.s.NumStacks(); st++ {
		if !d.s.Finished(d.p, st) && (d.p.Net == nil || !d.m.Stopped(d.s, st)) {
			return false
		}
	}
	return true
}

// replayCycle plays a schedule's prefix, then its cycle CyclePasses
// times, checking that every pass ends in the state it started from.
func (d *dealer) replayCycle() error {
	sch := d.opt.Replay
	if sch.Cycle > sch.NumTicks() {
		return &ReplayError{Tick: 0, Msg: "the cycle is longer than the schedule"}
	}
	if sch.Len()+(CyclePasses-1)*sch.CycleMoves() > trace.MaxMoves {
		return &ReplayError{Tick: 0, Msg: fmt.Sprintf("the cycle, played %d times, makes more than %d moves", CyclePasses, trace.MaxMoves)}
	}
	full := &trace.Schedule{}
	for t := 0; t < sch.NumTicks(); t++ {
		full.Add(sch.Tick(t)...)
	}
	pre := sch.Prefix()
	for k := 1; k < CyclePasses; k++ {
		for t := pre; t < sch.NumTicks(); t++ {
			full.Add(sch.Tick(t)...)
		}
	}
	d.opt.Replay = full
	d.loopStart, d.loopLen = pre, sch.Cycle
	d.res.Forever = true
	err := d.replay()
	d.opt.Replay = sch
	if d.res.Violation != nil || err != nil {
		d.res.Forever = false
	}
	if d.res.Forever {
		d.res.Unfair = d.fair.unfair(d)
	}
	if d.res.Forever && d.res.Unfair == "" {
		// The stacks that never finish, as the check names them first,
		// then a property the cycle never meets: a run that goes round
		// the cycle forever never ends, so what it did not reach in the
		// last pass, it never reaches.
		var vs []*trace.Violation
		if v := d.cycleViolation(); v != nil {
			vs = append(vs, v)
		}
		if d.watch != nil {
			vs = append(vs, d.watch.End(d.s, true, d.passMark)...)
		}
		d.setViolations(vs)
	}
	d.res.Schedule.Cycle = 0
	return err
}

// setViolations reports the violations a run's end shows: the first as
// the run's, the others as Also.
func (d *dealer) setViolations(vs []*trace.Violation) {
	if len(vs) > 0 {
		d.res.Violation, d.res.Also = vs[0], vs[1:]
	}
}

// cycleViolation is the livelock or starvation a cycle that repeats
// forever shows, as the progress check names them: stacks that are not
// daemons and never finish, a livelock when one of them takes cards in
// the cycle, a starvation when they only wait. nil when every stack but
// the daemons has finished (or stopped with its crashed node).
func (d *dealer) cycleViolation() *trace.Violation {
	m, s, p := d.m, d.s, d.p
	// The stacks that took cards in the cycle, as its first pass noted.
	moved := func(i int) bool { return i < len(d.fair.moved) && d.fair.moved[i] }
	anyEn := func(i int) bool { return i < len(d.fair.anyEn) && d.fair.anyEn[i] }
	var busy, waiting, waits []string
	first := -1
	// Name the stack the cycle is about, as the check does: one that
	// keeps moving, else one that waits for its own turn rather than in
	// a join for another stack that never finishes.
	joins := func(k int) bool { return p.Cards[s.PC(k)].Op == card.Join }
	for i := 0; i < s.NumStacks(); i++ {
		if s.Finished(p, i) || p.Procs[s.ProcOf(p, i)].Daemon || p.Net != nil && m.Stopped(s, i) {
			continue
		}
		if moved(i) {
			if len(busy) == 0 {
				first = i
			}
			busy = append(busy, m.StackName(s, i))
		} else {
			if first < 0 || len(busy) == 0 && joins(first) && !joins(i) {
				first = i
			}
			name := m.StackName(s, i)
			waiting = append(waiting, name)
			why := m.WaitReason(s, i)
			if anyEn(i) {
				// It can move in some state of the cycle: it waits for
				// its turn, not for its card's condition.
				why = ""
			}
			waits = append(waits, trace.WaitsAt(name, p.Labels[s.PC(i)], why, d.opt.Fairness))
		}
	}
	if first < 0 {
		return nil
	}
	v := &trace.Violation{}
	var msg string
	v.Kind, msg = trace.NeverFinish(busy, waiting)
	v.Message = trace.NeverFinishWhy(msg, waits, d.opt.Fairness)
	pc := s.PC(first)
	v.Pos = p.Position(p.Cards[pc].Pos)
	v.Stack = m.StackName(s, first)
	v.Card = p.Numbers[pc]
	return v
}

// loopCheck, at the start of tick t of a cycle's replay, compares the
// state with the one the cycle's first pass started from.
func (d *dealer) loopCheck(t int) {
	if d.loopLen == 0 || t < d.loopStart || (t-d.loopStart)%d.loopLen != 0 {
		return
	}
	if d.watch != nil {
		d.passMark, d.curMark = d.curMark, d.watch.Mark()
	}
	w := d.s.W[:d.s.OutputStart()]
	d.passTags, d.passSent = append(d.passTags[:0], d.s.Tags...), d.s.Sent
	if t == d.loopStart {
		d.loopSnap = append(d.loopSnap[:0], w...)
		d.loopTags, d.loopSent = append(d.loopTags[:0], d.s.Tags...), d.s.Sent
		return
	}
	d.res.CycleRuns++
	if !slices.Equal(w, d.loopSnap) {
		d.res.Forever = false
	}
}

// replay deals exactly the moves of a schedule.
func (d *dealer) replay() error {
	m, s, sch := d.m, d.s, d.opt.Replay
	for t := 0; t < sch.NumTicks(); t++ {
		d.loopCheck(t)
		if d.loopLen > 0 && t >= d.loopStart && t < d.loopStart+d.loopLen {
			d.fair.note(d, sch.Tick(t))
		}
		d.tick, d.tickCPU = d.tick[:0], d.tickCPU[:0]
		for k, mv := range sch.Tick(t) {
			if mv.IsNet() {
				if err := d.replayNet(t, mv); err != nil {
					return err
				}
				continue
			}
			st := int(mv.Stack)
			for _, earlier := range sch.Tick(t)[:k] {
				if earlier.Stack == mv.Stack {
					return &ReplayError{Tick: t, Msg: fmt.Sprintf("stack %d moves twice in one tick (a stack is on one processor at a time)", st)}
				}
			}
			if st >= s.NumStacks() {
				return &ReplayError{Tick: t, Msg: fmt.Sprintf("there is no stack %d (the program has %d stack%s at this point)", st, s.NumStacks(), trace.Plural(s.NumStacks()))}
			}
			if s.Finished(d.p, st) {
				return &ReplayError{Tick: t, Msg: fmt.Sprintf("stack %s has already finished", m.StackName(s, st))}
			}
			if !m.Enabled(s, st) {
				return &ReplayError{Tick: t, Msg: fmt.Sprintf("stack %s cannot move: it waits at %s", m.StackName(s, st), m.WaitReason(s, st))}
			}
			if c := m.Choices(s, st); int(mv.Choice) >= c {
				return &ReplayError{Tick: t, Msg: fmt.Sprintf("stack %s has %s here, not %d", m.StackName(s, st), choicesText(c), int64(mv.Choice)+1)}
			}
			cpu := k
			if d.cpuNode != nil {
				// The processors of the stack's node, in the order its
				// moves come in this tick.
				cpu = int(m.StackNode(s, st)) * d.opt.CPUs
				for _, earlier := range sch.Tick(t)[:k] {
					if !earlier.IsNet() && m.StackNode(s, int(earlier.Stack)) == m.StackNode(s, st) {
						cpu++
					}
				}
			}
			if d.step(st, int(mv.Choice), cpu) == stepViolation {
				d.endTick()
				if t+1 < sch.NumTicks() || k+1 < len(sch.Tick(t)) {
					return &ReplayError{Tick: t, Msg: "the run failed before the schedule ended"}
				}
				return nil
			}
		}
		d.endTick()
	}
	d.loopCheck(sch.NumTicks())
	d.grow()
	switch {
	case d.allFinished():
		d.ended()
	case d.anyEnabled() || (d.p.Net != nil && (m.NetEnabled(s) || m.NetDroppable(s) || m.CanHeal(s) && s.NumMsgs() > 0)):
		// The network could still move: on a lossy network a drop may let
		// the message behind it through, so the checker takes it as a
		// move, and a replay that stops before it shows no deadlock.
		d.res.Stopped = "replay-ended"
	case d.onlyDaemons():
		// Daemons left blocked once every other stack has finished.
		d.ended()
	default:
		d.res.Violation = trace.Deadlock(m, s)
	}
	return nil
}

// onlyDaemons reports whether every stack still unfinished is a daemon:
// when none of them can move either, the run is over, not deadlocked.
func (d *dealer) onlyDaemons() bool {
	for st := 0; st < d.s.NumStacks(); st++ {
		if !d.s.Finished(d.p, st) && (d.p.Net == nil || !d.m.Stopped(d.s, st)) && !d.p.Procs[d.s.ProcOf(d.p, st)].Daemon {
			return false
		}
	}
	return true
}

// replayNet makes the network move mv of tick t, after checking that the
// program is placed, that the message is in flight and that the network
// mode allows the move.
func (d *dealer) replayNet(t int, mv trace.Move) error {
	m, s := d.m, d.s
	if mv.Stack <= trace.NetCrash {
		return d.replayFault(t, mv)
	}
	what := map[int32]string{trace.NetDeliver: "deliver", trace.NetDrop: "drop", trace.NetDup: "duplicate"}[mv.Stack]
	if d.p.Net == nil {
		return &ReplayError{Tick: t, Msg: fmt.Sprintf("cannot %s message %d: the program is not placed on nodes (use the same --place as the run that printed the schedule)", what, mv.Choice)}
	}
	if d.loopLen > 0 && t >= d.loopStart+d.loopLen {
		mv.Choice = d.cycleTag(mv.Choice)
	}
	k := s.FindMsg(mv.Choice)
	if k < 0 {
		if mv.Choice > s.Sent {
			return &ReplayError{Tick: t, Msg: fmt.Sprintf("cannot %s message %d: only %d message%s sent so far", what, mv.Choice, s.Sent, trace.Plural(int(s.Sent)))}
		}
		return &ReplayError{Tick: t, Msg: fmt.Sprintf("cannot %s message %d: it is no longer in flight", what, mv.Choice)}
	}
	switch mv.Stack {
	case trace.NetDeliver:
		if !m.Deliverable(s, k) {
			return &ReplayError{Tick: t, Msg: fmt.Sprintf("message %d cannot be delivered now (%s)", mv.Choice, d.whyNot(k))}
		}
	case trace.NetDrop:
		if !m.Droppable(s, k) {
			return &ReplayError{Tick: t, Msg: fmt.Sprintf("message %d cannot be dropped: %s", mv.Choice, d.whyNoDrop(k))}
		}
	case trace.NetDup:
		if !m.Duplicable(s, k) {
			return &ReplayError{Tick: t, Msg: fmt.Sprintf("message %d cannot be duplicated: %s", mv.Choice, d.whyNoDup(k))}
		}
	}
	d.netStep(netMove{mv.Stack, k})
	return nil
}

// cycleTag returns the number, in the pass of a cycle under way, of the
// message the cycle's text numbers tag (its number in the first pass).
// The passes start in the same state (loopCheck), so a message that was
// in flight when the first pass began has its counterpart at the same
// place in the state when this one began; one that the first pass sent
// as its j-th message, this pass's j-th message.
func (d *dealer) cycleTag(tag int32) int32 {
	if i := slices.Index(d.loopTags, tag); i >= 0 && i < len(d.passTags) {
		return d.passTags[i]
	}
	if tag > d.loopSent {
		return d.passSent + tag - d.loopSent
	}
	return tag
}

// replayFault makes the node fault mv of tick t, after checking that the
// program's placement allows it now.
func (d *dealer) replayFault(t int, mv trace.Move) error {
	m, s := d.m, d.s
	fail := func(format string, args ...any) error {
		return &ReplayError{Tick: t, Msg: fmt.Sprintf(format, args...)}
	}
	if d.p.Net == nil {
		return fail("the program is not placed on nodes: no node can crash and the network cannot split")
	}
	switch mv.Stack {
	case trace.NetCrash:
		n := mv.Choice
		if n < 0 || int(n) >= len(d.p.Net.Nodes) {
			return fail("there is no node %d (nodes are numbered from 0, home)", n)
		}
		if !m.CanCrash(s, n) {
			if s.Down(n) {
				return fail("node %s has already crashed", m.NodeName(n))
			}
			return fail("node %s may not crash (use --crash %s)", m.NodeName(n), m.NodeName(n))
		}
	case trace.NetSplit:
		if !slices.Contains(m.Cuts(s), uint64(mv.Choice)) {
			return fail("the network cannot split as p%d says now (it is split already, the --partitions allowed are used up, or the set names no node but home's others)", mv.Choice)
		}
	case trace.NetHeal:
		if !m.CanHeal(s) {
			return fail("the network is not split: nothing to heal")
		}
	}
	d.faultStep(netMove{mv.Stack, int(mv.Choice)})
	return nil
}

// whyNot says why message k cannot be delivered.
func (d *dealer) whyNot(k int) string {
	if d.p.Net.Mode&card.Unordered == 0 && k > 0 && d.s.Msg(k-1).From == d.s.Msg(k).From && d.s.Msg(k-1).To == d.s.Msg(k).To {
		return fmt.Sprintf("message %d was sent before it on the same link, and the network is ordered", d.s.Msg(k-1).Tag)
	}
	return "the channel has no room"
}

// whyNoDrop says why message k may not be dropped now.
func (d *dealer) whyNoDrop(k int) string {
	msg := d.s.Msg(k)
	switch {
	case d.p.Net.Mode&card.Lossy == 0:
		return fmt.Sprintf("the network is %s, not lossy", d.p.Net.Mode)
	case !vm.LossyKind(msg.Kind):
		return fmt.Sprintf("it is deck's own %s message, which is sent again until it arrives (a lossy network loses channel values and notifications)", msg.Kind)
	default:
		return fmt.Sprintf("message %d was sent before it on the same link, and the network is ordered: only the oldest message of a link can be lost", d.s.Msg(k-1).Tag)
	}
}

// whyNoDup says why message k cannot be duplicated now.
func (d *dealer) whyNoDup(k int) string {
	msg := d.s.Msg(k)
	switch {
	case d.p.Net.Mode&card.Dup == 0:
		return fmt.Sprintf("the network is %s, not dup", d.p.Net.Mode)
	case msg.Kind != vm.MsgChan:
		return fmt.Sprintf("it is deck's own %s message, whose copy deck's protocol would ignore (a dup network copies channel values)", msg.Kind)
	case d.s.Copied(k):
		return "it is the copy a duplicate left in flight, which is not copied again"
	}
	return fmt.Sprintf("it cannot be delivered now (%s)", d.whyNot(k))
}

func (d *dealer) anyEnabled() bool {
	for st := 0; st < d.s.NumStacks(); st++ {
		if d.m.Enabled(d.s, st) {
			return true
		}
	}
	return false
}

// choicesText writes "1 choice" or "3 choices".
func choicesText(n int) string {
	if n == 1 {
		return "1 choice"
	}
	return fmt.Sprintf("%d choices", n)
}
