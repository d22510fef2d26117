// Package real runs a deck program on real goroutine workers: every stack
// is a value that N workers take turns running, card by card, with real
// parallelism, so the shuffle is whatever the hardware and the Go
// scheduler make of it. Every card executes through vm.Machine.Exec, after
// vm.Machine.Ready said it may; the package never re-implements a card.
//
// # Atomicity: lock stripes
//
// Every shared global has its own mutex (a stripe). A card runs with the
// stripes of every global it may touch held (its card.Access list; an
// atomic card lists its whole body), locked in ascending order so that two
// cards can never wait for each other's stripes. So a card, an atomic
// block included, is indivisible with respect to every card that touches
// one of the same globals, while cards on disjoint globals, and cards that
// touch no global at all, run truly in parallel. Two pseudo-stripes follow
// the globals: the stack table (held by spawn, join and return cards) and
// the output (held by print cards). A card that writes a global read by an
// `always` invariant also holds the stripes of every global the invariants
// read, and checks them before it lets go: the invariants are checked in
// every state of the recorded order, as the simulator does.
//
// # Blocking without occupying a worker
//
// A card that is not ready (lock of a held mutex, a false await, a join of
// a running stack, ...) parks its stack: while still holding the card's
// stripes the stack is registered as a waiter on each of them (a join
// holds the stack-table stripe, so it waits there), and the stripes are
// released. A card that writes a global takes that stripe's waiters and
// makes them runnable again after it released its stripes; a return card
// "writes" the stack table and so wakes the joins. Woken stacks simply try
// their card again (a spurious wake-up costs one retry).
//
// # Deadlock, failure, timeout
//
// The runner counts the stacks that are runnable or running. When the
// count drops to zero, every stack has finished or is parked on a card
// whose stripes nobody can write any more: a deadlock, reported with the
// same violation the simulator builds (from a vm.State snapshot). A failed
// assert, always or runtime error stops every worker at its next card. A
// wall-clock timeout stops runs that never end (livelock, endless loops).
//
// # Recording
//
// With Options.Record every card that takes stripes takes a ticket from
// one atomic counter while it still holds them (the table and output
// pseudo-stripes included). Cards that conflict share a stripe, so their
// tickets are in the order in which they took effect; cards that do not
// conflict commute. A card that takes no stripe only computes the stack's
// own locals and commutes with every card of every other stack: it takes
// no ticket and is recorded right after its stack's last ticketed card (or
// after the spawn that created the stack). Merged by ticket, the cards are
// therefore a sequential schedule, one card per tick, that deal.Run
// replays to the same final state.
//
// # Workers
//
// Runnable stacks wait in a FIFO queue. A worker takes one and runs a
// slice of its cards, of random length with mean Options.Quantum, then
// puts it back at the tail, unless no stack is waiting, in which case it
// keeps it. Stacks that park leave their worker at once.
package real

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Options configure a real run.
type Options struct {
	// Workers is the number of goroutines that run stacks (default
	// runtime.GOMAXPROCS(0)).
	Workers int
	// Quantum is the mean number of cards a worker runs of one stack
	// before it puts the stack back at the tail of the run queue (default
	// DefaultQuantum). Each slice is drawn at random from 1..2*Quantum-1,
	// from the worker's seeded generator.
	Quantum int
	// Seed seeds the workers' generators: choose/either alternatives and
	// slice lengths. With one worker a seed fixes the run.
	Seed uint64
	// Record asks for the order in which the cards took effect, as a
	// schedule that `deck run --replay` replays (Result.Schedule).
	Record bool
	// Timeout stops a run that has not ended after this long (default
	// DefaultTimeout; negative: never).
	Timeout time.Duration
	// Stop, when closed, stops the run as Timeout does, with
	// Result.Stopped StoppedInterrupted (deck closes it on Ctrl-C).
	Stop <-chan struct{}

	// globalLock makes every card take one global lock instead of its
	// stripes: the design this package avoids, kept for the benchmark.
	globalLock bool
}

// Defaults.
const (
	DefaultQuantum = 64
	DefaultTimeout = 60 * time.Second
)

// Stopped reasons.
const (
	StoppedTimeout     = "timeout"
	StoppedInterrupted = "interrupted"
	// StoppedRecordFull: Options.Record noted MaxRecorded cards that take
	// tickets, and the run stopped there, as a timeout stops it.
	StoppedRecordFull = "record-full"
	// StoppedOutputFull: the program printed MaxPrinted lines, and the
	// run stopped there, as a timeout stops it.
	StoppedOutputFull = "output-full"
)

// MaxPrinted bounds the lines a real run keeps: a program that prints in
// a loop until its minute's timeout printed millions of lines a second,
// kept them all for its outcome, and ran out of memory. (A variable so
// that tests can make it small.)
var MaxPrinted = 1 << 20

// MaxRecorded bounds the cards that take tickets in a recorded run (the
// cards that touch nothing shared ride along without one): a recording
// costs about 40 bytes a card, and a run recorded until its minute's
// timeout at millions of cards a second took gigabytes.
// (A variable so that tests can make it small.)
var MaxRecorded uint64 = 1 << 22

// Result is what a real run did.
type Result struct {
	Outcome   vm.Outcome
	Final     *vm.State // a snapshot of the machine after the workers stopped
	Violation *trace.Violation
	Cards     int64   // cards executed
	PerStack  []int64 // cards executed by each stack
	Schedule  *trace.Schedule
	Elapsed   time.Duration // from the start of the workers to the last one's end
	// Stopped is "timeout" when the run was stopped by Options.Timeout,
	// "interrupted" when Options.Stop stopped it, before every stack
	// finished ("" otherwise).
	Stopped string
	Workers int // the workers that ran
	Quantum int // the mean slice
}

// The two pseudo-stripes that follow the globals.
const (
	tableStripe  = 0 // offset after the globals
	outputStripe = 1
)

// cardInfo is what the runner precomputes for each card.
type cardInfo struct {
	stripes []int32 // locked in this (ascending) order
	writes  []int32 // stripes whose waiters this card wakes
	block   bool    // the card may block: ask Ready first
	choice  bool    // choose or either
	always  bool    // check the invariants after the card
	plain   bool    // none of the above: the card only computes locals
}

// stripe is a lock with the stacks parked on it. It fills a cache line of
// its own, so that two workers on different stripes do not share one.
type stripe struct {
	mu      sync.Mutex
	waiters []*stack
	_       [64 - 8 - 24]byte
}

// stack is one running procedure.
type stack struct {
	_ [64]byte // keep the fields that change every card off other stacks' lines

	id    int
	proc  int32
	pc    int32
	loc   []int64
	taken int64
	// With Options.Record: the recorded cards, the cards taken since the
	// last entry (see flush), and the ticket of the spawn that created
	// the stack.
	rec     []entry
	pending int32
	base    uint64

	// Guarded by the table stripe.
	ret      int64
	finished bool

	// mu guards parked; wakes counts wake-ups that found the stack not
	// parked (it was about to park, or running).
	mu     sync.Mutex
	parked bool
	wakes  atomic.Uint32

	_ [64]byte
}

// newLocals allocates n local slots on cache lines of their own.
func newLocals(n int32) []int64 {
	const pad = 8
	return make([]int64, int(n)+2*pad)[pad : pad+int(n) : pad+int(n)]
}

// entry is a stretch of recorded cards of one stack: the card that took
// ticket (when head is set; with its choice), followed by n-1 (or n, when
// head is not set) cards that touched nothing but the stack's own locals.
// Such cards commute with every card of every other stack, so they can go
// right after the stack's last ticketed card (or after the spawn that
// created the stack) without a ticket of their own.
type entry struct {
	ticket uint64
	stack  int32
	choice int32
	n      int32
	head   bool
}

// ending says why a run ends.
type ending uint8

const (
	running ending = iota
	endDone
	endDeadlock
	endFailed
	endTimeout
	endInterrupted
	endRecordFull
	endOutputFull
)

type runner struct {
	m       *vm.Machine
	p       *card.Program
	opt     Options
	words   []int64 // [unused, shared section...]: a vm.State's word layout
	sh      []int64 // words[1:]
	always  vm.State
	cards   []cardInfo
	stripes []stripe
	nglob   int

	// The fields above are read by every card; those below change while
	// the workers run, so each group keeps to cache lines of its own.
	_     [64]byte
	table []*stack // guarded by the table stripe
	live  int      // stacks not finished, daemons left out; guarded by the table stripe
	out   []int64  // output records; guarded by the output stripe
	lines int      // the records in out; guarded by the output stripe
	_     [64]byte
	q     queue
	_     [64]byte
	// active counts the stacks runnable or running.
	active atomic.Int64
	_      [64]byte
	stop   atomic.Bool
	_      [64]byte
	ticket atomic.Uint64
	_      [64]byte

	endMu   sync.Mutex
	end     ending
	failure failure
}

// failure is the first violation a worker met.
type failure struct {
	stack  int
	res    vm.Result
	always int // the invariant that failed, or -1
	fault  vm.Fault
	ticket uint64
}

// Supported returns an error when p uses something real workers cannot
// run: condition variables, whose signal moves another stack's pc while
// that stack is parked off its worker (the simulator and the checker
// handle them; see docs/architecture.md).
func Supported(p *card.Program) error {
	for gi := range p.Globals {
		if g := &p.Globals[gi]; g.Kind == card.GCond {
			return fmt.Errorf("%s: cond %s: real runs do not support condition variables yet; use deck run without --real, or deck check", p.Position(g.Pos), g.Name)
		}
	}
	return nil
}

// Run runs the program of m on real goroutine workers until every stack
// has finished, a violation happens, or the timeout fires.
func Run(m *vm.Machine, opt Options) (*Result, error) {
	if m == nil || m.P == nil {
		return nil, errors.New("real: no program")
	}
	if err := Supported(m.P); err != nil {
		return nil, err
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Quantum <= 0 {
		opt.Quantum = DefaultQuantum
	}
	if opt.Timeout == 0 {
		opt.Timeout = DefaultTimeout
	}
	p := m.P
	r := &runner{m: m, p: p, opt: opt, nglob: len(p.Globals)}
	init := m.Init()
	r.words = make([]int64, 1+p.SharedWords)
	copy(r.words[1:], init.Shared(p))
	r.sh = r.words[1:]
	r.always.W = r.words
	r.stripes = make([]stripe, r.nglob+2)
	r.prepare()
	r.q.init()

	res := &Result{Workers: opt.Workers, Quantum: opt.Quantum}
	main := &p.Procs[p.Main]
	st := &stack{id: 0, proc: p.Main, pc: main.Entry, loc: newLocals(main.NLocals)}
	r.table = append(r.table, st)
	r.live = 1

	start := time.Now()
	if k, f := m.CheckAlways(&r.always); k >= 0 {
		r.end = endFailed
		r.failure = failure{always: k, fault: f, stack: -1}
	} else {
		r.active.Store(1)
		r.q.push(st)
		var timer *time.Timer
		if opt.Timeout > 0 {
			timer = time.AfterFunc(opt.Timeout, func() { r.finish(endTimeout) })
		}
		ended := make(chan struct{})
		if opt.Stop != nil {
			go func() {
				select {
				case <-opt.Stop:
					r.finish(endInterrupted)
				case <-ended:
				}
			}()
		}
		workers := make([]*worker, opt.Workers)
		var wg sync.WaitGroup
		for k := range workers {
			w := &worker{r: r, id: k, rng: rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15+uint64(k)))}
			w.host.w = w
			workers[k] = w
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.loop()
			}()
		}
		wg.Wait()
		close(ended)
		res.Elapsed = time.Since(start)
		if timer != nil {
			timer.Stop()
		}
		for _, w := range workers {
			res.Cards += w.cards
		}
		if opt.Record {
			res.Schedule = r.schedule()
		}
	}

	s := r.snapshot()
	res.Final = s
	res.Outcome = m.Outcome(s)
	for _, st := range r.table {
		res.PerStack = append(res.PerStack, st.taken)
	}
	switch r.end {
	case endDeadlock:
		res.Violation = trace.Deadlock(m, s)
	case endFailed:
		f := &r.failure
		if f.always >= 0 {
			res.Violation = trace.Always(m, s, f.always, f.fault)
		} else {
			// s is the run's end, not the state the card failed in:
			// other workers may have gone on.
			res.Violation = trace.FaultAfter(m, s, f.stack, f.res)
		}
	case endTimeout:
		res.Stopped = StoppedTimeout
	case endInterrupted:
		res.Stopped = StoppedInterrupted
	case endRecordFull:
		res.Stopped = StoppedRecordFull
	case endOutputFull:
		res.Stopped = StoppedOutputFull
	}
	if res.Schedule == nil && opt.Record {
		res.Schedule = &trace.Schedule{}
	}
	return res, nil
}

// prepare computes each card's stripes, the stripes it wakes, and whether
// it may block.
func (r *runner) prepare() {
	p := r.p
	// The globals the invariants read.
	var alwaysGlobals []int32
	for g, read := range p.ConditionGlobals() {
		if read {
			alwaysGlobals = append(alwaysGlobals, int32(g))
		}
	}
	table, output := int32(r.nglob+tableStripe), int32(r.nglob+outputStripe)
	r.cards = make([]cardInfo, len(p.Cards))
	for pc := range p.Cards {
		c := &p.Cards[pc]
		ci := &r.cards[pc]
		var stripes, writes []int32
		var acc []card.Access
		if pc < len(p.Accesses) {
			acc = p.Accesses[pc]
		}
		for _, a := range acc {
			stripes = append(stripes, a.Global)
			// wait and the second half of a send only look.
			if a.Write && !(a.Global == c.Obj && (c.Op == card.Wait || c.Op == card.SendWait)) {
				writes = append(writes, a.Global)
			}
		}
		ops := []card.Op{c.Op}
		for _, b := range card.AtomicBody(p, int32(pc)) { // an atomic card's, or an either's
			ops = append(ops, p.Cards[b].Op)
		}
		for _, op := range ops {
			switch op {
			case card.Return:
				// A stack finishing is what joins wait for.
				writes = append(writes, table)
				stripes = append(stripes, table)
			case card.Spawn, card.Join:
				stripes = append(stripes, table)
			case card.Print:
				stripes = append(stripes, output)
			}
		}
		for _, g := range writes {
			if slices.Contains(alwaysGlobals, g) {
				ci.always = true
				stripes = append(stripes, alwaysGlobals...)
				break
			}
		}
		slices.Sort(stripes)
		stripes = slices.Compact(stripes)
		slices.Sort(writes)
		writes = slices.Compact(writes)
		if r.opt.globalLock {
			stripes = []int32{0}
			if len(writes) > 0 {
				writes = []int32{0}
			}
		}
		ci.stripes, ci.writes = stripes, writes
		switch c.Op {
		case card.Choose, card.Either:
			ci.choice = true
			ci.block = card.Guarded(r.m.P, int32(pc))
		case card.Select:
			// Its stripes are all its channels: a blocked select parks on
			// every one of them, and any change to one wakes it.
			ci.choice, ci.block = true, true
		default:
			ci.block = c.Op.MayWait()
		}
		ci.plain = len(ci.stripes) == 0 && !ci.block && !ci.choice && !ci.always
	}
}

// finish ends the run (the first reason wins) and stops the workers.
func (r *runner) finish(why ending) {
	r.endMu.Lock()
	if r.end == running {
		r.end = why
	}
	r.endMu.Unlock()
	r.stop.Store(true)
	r.q.close()
}

// fail records a violation and stops the run. The first to report wins,
// but for a failure that took effect before it (an earlier ticket).
func (r *runner) fail(f failure) {
	r.endMu.Lock()
	switch {
	case r.end == running:
		r.end = endFailed
		r.failure = f
	case r.end == endFailed && f.ticket > 0 && f.ticket < r.failure.ticket:
		// Two stacks failed at once, and the one that took effect first
		// (its ticket) reported second. Its failure is the run's: the
		// schedule ends at the failure's ticket, and a replay that met
		// the earlier failing card before the end would stop there.
		r.failure = f
	}
	r.endMu.Unlock()
	r.stop.Store(true)
	r.q.close()
}

// idle is called when a stack parked or finished and the count of
// runnable or running stacks has dropped to zero: every stack has finished
// (the run is over) or waits for something no stack can do (deadlock).
func (r *runner) idle() {
	s := &r.stripes[r.nglob+tableStripe]
	s.mu.Lock()
	live := r.live
	s.mu.Unlock()
	if live == 0 {
		r.finish(endDone)
	} else {
		r.finish(endDeadlock)
	}
}

// snapshot builds the machine state after the workers stopped, in the
// simulator's layout, so that outcomes, deadlock reasons and stack names
// come from the same code as the simulator's.
func (r *runner) snapshot() *vm.State {
	p := r.p
	w := []int64{int64(len(r.table))}
	w = append(w, r.sh...)
	for _, st := range r.table {
		if st.finished {
			w = append(w, int64(p.Procs[st.proc].Exit), st.ret)
			continue
		}
		w = append(w, int64(st.pc), 0)
		w = append(w, st.loc...)
	}
	w = append(w, r.out...)
	s := &vm.State{}
	s.Load(p, w)
	return s
}

// schedule merges the stacks' records (each already in ticket order) by
// ticket. A failure ends the schedule: the cards other workers ran after
// it are left out, so that the schedule replays to the failure.
func (r *runner) schedule() *trace.Schedule {
	last := ^uint64(0)
	if r.end == endFailed && r.failure.ticket > 0 {
		last = r.failure.ticket
	}
	// A heap of the stacks with entries left, by their next entry.
	type cursor struct {
		rec []entry
	}
	before := func(a, b *entry) bool {
		if a.ticket != b.ticket {
			return a.ticket < b.ticket
		}
		// The ticketed card first, then the cards of the stacks it spawned.
		if a.head != b.head {
			return a.head
		}
		return a.stack < b.stack
	}
	var h []cursor
	n := 0
	for _, st := range r.table {
		st.flush()
		for _, e := range st.rec {
			if e.ticket <= last {
				n += int(e.n)
			}
		}
		if len(st.rec) > 0 {
			h = append(h, cursor{st.rec})
		}
	}
	less := func(i, j int) bool { return before(&h[i].rec[0], &h[j].rec[0]) }
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && less(c+1, c) {
				c++
			}
			if !less(c, i) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	sch := &trace.Schedule{Moves: make([]trace.Move, 0, n), Ends: make([]int32, 0, n)}
	for len(h) > 0 {
		e := h[0].rec[0]
		if e.ticket > last {
			break
		}
		for k := int32(0); k < e.n; k++ {
			mv := trace.Move{Stack: e.stack}
			if k == 0 && e.head {
				mv.Choice = e.choice
			}
			sch.Moves = append(sch.Moves, mv)
			sch.Ends = append(sch.Ends, int32(len(sch.Moves)))
		}
		if h[0].rec = h[0].rec[1:]; len(h[0].rec) == 0 {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return sch
}

// queue is the run queue: stacks waiting for a worker, oldest first.
type queue struct {
	mu      sync.Mutex
	cond    sync.Cond
	items   []*stack // a ring
	head, n int
	closed  bool
	len     atomic.Int32 // n, readable without the lock
}

func (q *queue) init() {
	q.cond.L = &q.mu
	q.items = make([]*stack, 16)
}

func (q *queue) push(st *stack) {
	q.mu.Lock()
	if q.n == len(q.items) {
		items := make([]*stack, 2*len(q.items))
		for k := 0; k < q.n; k++ {
			items[k] = q.items[(q.head+k)%len(q.items)]
		}
		q.items, q.head = items, 0
	}
	q.items[(q.head+q.n)%len(q.items)] = st
	q.n++
	q.len.Store(int32(q.n))
	q.mu.Unlock()
	q.cond.Signal()
}

// pop takes the oldest stack, waiting for one; nil once the queue closed.
func (q *queue) pop() *stack {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return nil
	}
	st := q.items[q.head]
	q.items[q.head] = nil
	q.head = (q.head + 1) % len(q.items)
	q.n--
	q.len.Store(int32(q.n))
	return st
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// worker is one goroutine running stacks.
type worker struct {
	_     [64]byte
	r     *runner
	id    int
	rng   *rand.Rand
	host  host
	cards int64
	wake  []*stack // stacks to wake after the current card
	born  []*stack // stacks the current card spawned
	_     [64]byte
}

// loop takes stacks from the queue and runs slices of them.
func (w *worker) loop() {
	r := w.r
	q2 := 2*r.opt.Quantum - 1
	for {
		st := r.q.pop()
		if st == nil {
			return
		}
		for st != nil {
			n := 1
			if q2 > 1 {
				n += w.rng.IntN(q2)
			}
			for k := 0; k < n; k++ {
				if r.stop.Load() {
					return
				}
				if w.step(st) != stepOK {
					st = nil
					break
				}
			}
			// Nobody waits for a worker: keep the stack, skip the queue.
			if st != nil && r.q.len.Load() > 0 {
				r.q.push(st)
				st = nil
			}
		}
	}
}

type stepStatus uint8

const (
	stepOK   stepStatus = iota // the card ran, or the stack should try again
	stepGone                   // parked, finished or failed
)

// step runs stack st's next card.
func (w *worker) step(st *stack) stepStatus {
	r := w.r
	pc := st.pc
	ci := &r.cards[pc]
	if !ci.plain {
		return w.stepShared(st, pc, ci)
	}
	// A card that touches nothing another stack can see: no stripe, no
	// waking, never blocks.
	next, res := r.m.Exec(r.sh, st.loc, st.id, pc, 0, &w.host)
	w.cards++
	st.taken++
	if res.Status != vm.OK {
		var ticket uint64
		if r.opt.Record {
			ticket = w.record(st, 0) // the end of the schedule
		}
		r.fail(failure{stack: st.id, res: res, always: -1, ticket: ticket})
		return stepGone
	}
	if r.opt.Record {
		st.pending++ // no ticket: the card extends the stack's last stretch
	}
	st.pc = next
	r.m.Kill(st.loc, &r.p.Cards[pc], next)
	return stepOK
}

// record takes a ticket for the card stack st is taking and notes the
// move; the card's stripes are held.
func (w *worker) record(st *stack, choice int) uint64 {
	st.flush()
	t := w.r.ticket.Add(1)
	st.rec = append(st.rec, entry{ticket: t, stack: int32(st.id), choice: int32(choice), n: 1, head: true})
	if t == MaxRecorded {
		// This card is recorded, as is any card another worker has
		// taken a ticket for meanwhile; the workers stop at their next
		// card.
		w.r.finish(endRecordFull)
	}
	return t
}

// flush adds the cards that took no ticket to the stack's last stretch
// (or, before its first ticket, to a stretch after the spawn).
func (st *stack) flush() {
	if st.pending == 0 {
		return
	}
	if n := len(st.rec); n > 0 {
		st.rec[n-1].n += st.pending
	} else {
		st.rec = append(st.rec, entry{ticket: st.base, stack: int32(st.id), n: st.pending})
	}
	st.pending = 0
}

// stepShared runs a card that takes stripes, may block or chooses.
func (w *worker) stepShared(st *stack, pc int32, ci *cardInfo) stepStatus {
	r := w.r
	m := r.m
	var seen uint32
	if ci.block {
		seen = st.wakes.Load()
	}
	for _, g := range ci.stripes {
		r.stripes[g].mu.Lock()
	}
	w.host.st = st
	if ci.block {
		ok, f := m.Ready(r.sh, st.loc, st.id, pc, &w.host)
		if f.Kind != vm.NoFault {
			var ticket uint64
			if r.opt.Record {
				ticket = w.record(st, 0)
			}
			w.unlock(ci)
			w.cards++
			st.taken++
			r.fail(failure{stack: st.id, res: vm.Failure(pc, f), always: -1, ticket: ticket})
			return stepGone
		}
		if !ok {
			w.register(st, ci)
			w.unlock(ci)
			return w.park(st, seen)
		}
	}
	choice := 0
	if ci.choice {
		if n := m.ChoicesAt(r.sh, st.loc, pc); n > 1 {
			choice = w.rng.IntN(n)
		}
	}
	next, res := m.Exec(r.sh, st.loc, st.id, pc, choice, &w.host)
	var ticket uint64
	if r.opt.Record {
		ticket = w.record(st, choice)
	}
	if res.Status == vm.OK && ci.always {
		if k, f := m.CheckAlways(&r.always); k >= 0 {
			w.cards++
			st.taken++
			w.takeWaiters(ci)
			w.unlock(ci)
			r.fail(failure{stack: st.id, always: k, fault: f, ticket: ticket})
			return stepGone
		}
	}
	w.takeWaiters(ci)
	w.unlock(ci)
	w.cards++
	st.taken++
	if res.Status != vm.OK {
		r.fail(failure{stack: st.id, res: res, always: -1, ticket: ticket})
		return stepGone
	}
	if next >= 0 {
		st.pc = next
		m.Kill(st.loc, &r.p.Cards[pc], next)
	}
	for _, b := range w.born {
		b.base = ticket
		r.q.push(b)
	}
	w.born = w.born[:0]
	for _, t := range w.wake {
		w.wakeUp(t)
	}
	w.wake = w.wake[:0]
	if st.finished {
		if r.active.Add(-1) == 0 {
			r.idle()
		}
		return stepGone
	}
	return stepOK
}

func (w *worker) unlock(ci *cardInfo) {
	for k := len(ci.stripes) - 1; k >= 0; k-- {
		w.r.stripes[ci.stripes[k]].mu.Unlock()
	}
}

// takeWaiters moves the waiters of the stripes the card wrote to w.wake;
// the card's stripes are held.
func (w *worker) takeWaiters(ci *cardInfo) {
	for _, g := range ci.writes {
		s := &w.r.stripes[g]
		if len(s.waiters) > 0 {
			w.wake = append(w.wake, s.waiters...)
			clear(s.waiters)
			s.waiters = s.waiters[:0]
		}
	}
}

// register makes st a waiter on the stripes of its blocked card: the
// globals it reads, and the stack table for a join (every return wakes
// the table's waiters). The card's stripes are held.
func (w *worker) register(st *stack, ci *cardInfo) {
	r := w.r
	for _, g := range ci.stripes {
		if int(g) == r.nglob+outputStripe && !r.opt.globalLock {
			continue
		}
		s := &r.stripes[g]
		if !slices.Contains(s.waiters, st) {
			s.waiters = append(s.waiters, st)
		}
	}
}

// park takes st off its worker: it waits until a card it registered with
// wakes it. seen is the wake count before the card looked at memory; a
// wake since then means the card may be ready after all.
func (w *worker) park(st *stack, seen uint32) stepStatus {
	st.mu.Lock()
	if st.wakes.Load() != seen {
		st.mu.Unlock()
		return stepOK // try again
	}
	st.parked = true
	st.mu.Unlock()
	if w.r.active.Add(-1) == 0 {
		w.r.idle()
	}
	return stepGone
}

// wakeUp makes a parked stack runnable again, or tells a stack that is
// still running that something it may wait for has changed.
func (w *worker) wakeUp(t *stack) {
	t.mu.Lock()
	if !t.parked {
		t.wakes.Add(1)
		t.mu.Unlock()
		return
	}
	t.parked = false
	t.mu.Unlock()
	w.r.active.Add(1)
	w.r.q.push(t)
}

// host is the vm.Host of the stack a worker runs. Its methods run while
// the card holds the table stripe (Spawn, StackDone, Finish) or the output
// stripe (Print).
type host struct {
	w  *worker
	st *stack
}

func (h *host) Shared() []int64 { return h.w.r.sh }
func (h *host) Locals() []int64 { return h.st.loc }

func (h *host) StackDone(id int64) (bool, bool, int64) {
	t := h.w.r.table
	if id < 0 || id >= int64(len(t)) {
		return false, false, 0
	}
	return true, t[id].finished, t[id].ret
}

func (h *host) Spawn(proc int32, args []int64) (int64, bool) {
	r := h.w.r
	if len(r.table) >= vm.MaxStacks {
		return 0, false
	}
	pr := &r.p.Procs[proc]
	st := &stack{id: len(r.table), proc: proc, pc: pr.Entry, loc: newLocals(pr.NLocals)}
	copy(st.loc, args)
	r.table = append(r.table, st)
	if !pr.Daemon {
		r.live++ // a daemon may be left waiting when the run is over
	}
	r.active.Add(1)
	h.w.born = append(h.w.born, st)
	return int64(st.id), true
}

func (h *host) Print(rec []int64) {
	r := h.w.r
	r.out = append(r.out, rec...)
	if r.lines++; r.lines == MaxPrinted {
		// This line is kept; the workers stop at their next card.
		r.finish(endOutputFull)
	}
}

func (h *host) Finish(ret int64) {
	st := h.st
	st.ret, st.finished = ret, true
	st.pc = h.w.r.p.Procs[st.proc].Exit
	if !h.w.r.p.Procs[st.proc].Daemon {
		h.w.r.live--
	}
}
