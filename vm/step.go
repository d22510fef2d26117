package vm

import (
	"math"

	"github.com/deck-lang/deck/card"
)

// MaxStacks bounds how many stacks a run may spawn, so that a program that
// spawns forever stops with a runtime error instead of exhausting memory.
const MaxStacks = 4096

// MaxEvalDepth is card.MaxEvalDepth, the size of the evaluation stack.
const MaxEvalDepth = card.MaxEvalDepth

// MaxAtomicSteps bounds the body cards one atomic card may run, so that a
// loop that never ends inside atomic is a runtime error, not a hang.
const MaxAtomicSteps = 1 << 20

// Machine executes the cards of one program. It holds no mutable state, so
// one Machine may serve many goroutines at once.
type Machine struct {
	P *card.Program
	// code is what eval runs for each expression: the compiler's code
	// with constants fused into the operations that take them (fuse).
	// A Machine made without New runs the compiler's code.
	code [][]card.Instr
	// hostless marks, in a placed program, the synchronisation cards
	// whose step posts no message and reads no acknowledgement, so that
	// step need not make them a host (see hostlessCards). nil: every
	// synchronisation card gets one.
	hostless []bool
	// IgnorePrints makes the states of InitHashed and Hashed keep no
	// trace of what is printed (State.IgnorePrints): a stack that prints
	// inside an endless loop then comes back to states it was in, and a
	// search of its states ends. Programs cannot read what they print, so
	// every other part of every state, and every move, is the same.
	IgnorePrints bool
}

// New returns a machine for p.
func New(p *card.Program) *Machine {
	m := &Machine{P: p, code: make([][]card.Instr, len(p.Exprs))}
	for e := range p.Exprs {
		m.code[e] = fuse(p.Exprs[e].Code)
	}
	m.hostless = hostlessCards(p)
	return m
}

// hostlessCards marks, for a placed program, the cards step may run
// without a host: locks, semaphores' acquires and event waits (whose
// objects live on their stack's node), sends that are not remote, and
// receives from buffered channels (a rendezvous receive may owe a remote
// sender its acknowledgement). With a host, step finds the stack's words
// again after the card, in case a message moved them; without, it writes
// the next card where it read this one: fewer instructions for the
// commonest cards of a placed protocol. nil when p is not placed.
func hostlessCards(p *card.Program) []bool {
	if p.Net == nil {
		return nil
	}
	marks := make([]bool, len(p.Cards))
	for pc := range p.Cards {
		c := &p.Cards[pc]
		switch c.Op {
		case card.Lock, card.Unlock, card.Acquire, card.Wait:
			marks[pc] = true
		case card.Send, card.SendWait:
			marks[pc] = !p.Net.Remote[pc]
		case card.Recv:
			marks[pc] = p.Globals[c.Obj].Cap > 0
		}
	}
	return marks
}

// exprCode returns the code eval runs for expression e.
func (m *Machine) exprCode(e card.Expr) []card.Instr {
	if m.code != nil {
		return m.code[e]
	}
	return m.P.Exprs[e].Code
}

// Init returns the initial state: shared memory at its initial values and
// one stack, main, at its first card.
func (m *Machine) Init() *State {
	p := m.P
	main := &p.Procs[p.Main]
	w := make([]int64, 1+p.SharedWords, 1+p.SharedWords+2+main.NLocals+16)
	w[0] = 1
	for gi := range p.Globals {
		g := &p.Globals[gi]
		switch g.Kind {
		case card.GVar, card.GSem:
			for e := int32(0); e < g.Elems(); e++ {
				w[1+g.Base+e*g.Stride] = g.Init
			}
		}
	}
	w = append(w, int64(main.Entry), 0)
	w = append(w, make([]int64, main.NLocals)...)
	if p.Net != nil {
		w = append(w, make([]int64, netHeader(p.Net))...) // no message in flight, no fault
	}
	s := &State{W: w}
	s.Reindex(p)
	return s
}

// InitHashed is Init for the checker: the state keeps the lines printed as
// a count and a digest (two words) instead of every record, so that a
// program that prints in a loop does not make every state longer than the
// last. The lines themselves come back by dealing the path again.
func (m *Machine) InitHashed() *State {
	s := m.Init()
	s.W = append(s.W, 0, 0)
	m.Hashed(s)
	return s
}

// Hashed marks s as a state of InitHashed's form, as m keeps them: a
// scratch state that will hold copies of such states.
func (m *Machine) Hashed(s *State) {
	s.HashOutput, s.IgnorePrints = true, m.IgnorePrints
}

// digestRecord folds one output record into a digest of the lines so far.
// It digests what the line reads: the print's form (two prints that look
// alike are one form), its values, and for a handle the procedure of its
// stack, whose name the line shows. The form fixes the record's length, so
// the words alone say where each record ends.
func digestRecord(p *card.Program, s *State, h uint64, rec []int64) uint64 {
	mix := func(v int64) {
		h ^= uint64(v) + 0x9e3779b97f4a7c15 + h<<6 + h>>2
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	form := rec[0]
	if int(rec[0]) < len(p.PrintForm) {
		form = int64(p.PrintForm[rec[0]])
	}
	mix(form)
	k := 1
	for _, a := range p.Prints[rec[0]] {
		if a.X == card.NoExpr {
			continue
		}
		v := rec[k]
		k++
		mix(v)
		if a.Type == card.THandle {
			proc := int64(-1)
			if v >= 0 && v < int64(s.NumStacks()) {
				proc = int64(s.ProcOf(p, int(v)))
			}
			mix(proc)
		}
	}
	return h
}

// OutputDigest returns the number of lines printed in s and their digest,
// whether s keeps the records or only the digest.
func (m *Machine) OutputDigest(s *State) (int64, uint64) {
	at := s.OutputStart()
	if s.HashOutput {
		return s.W[at], uint64(s.W[at+1])
	}
	var n int64
	var h uint64
	for at < len(s.W) {
		k := 1
		for _, a := range m.P.Prints[s.W[at]] {
			if a.X != card.NoExpr {
				k++
			}
		}
		h = digestRecord(m.P, s, h, s.W[at:at+k])
		at += k
		n++
	}
	return n, h
}

// Status is what happened when a stack was asked to take a card.
type Status uint8

const (
	OK      Status = iota // the card executed
	Blocked               // the card cannot execute now; nothing changed
	Failed                // an assert failed or a runtime error happened; see Fault
)

// FaultKind classifies a failure.
type FaultKind uint8

const (
	NoFault FaultKind = iota
	AssertFailed
	DivByZero
	Overflow
	IndexOutOfRange
	UnlockNotHeld
	TooManyStacks
	BadHandle
	EmptyChoice
	AtomicTooLong
	WideChoice
	WaitNotHeld     // wait c, m without holding m; A: its holder, B: its word
	NegativeRelease // release s, n with n < 0; A: n
)

// Fault describes a failure; A and B carry the values involved.
type Fault struct {
	Kind FaultKind
	A, B int64
}

// Result is the outcome of Step.
//
// It is kept to four fields of at most 32 bytes, so that the compiler
// passes it in registers from call to call: a larger Result went through
// the stack at every card, spilled in pieces and read back whole, which
// stalls the processor (a store it cannot forward to the wider load). The
// fault, needed only when a card fails, is therefore behind a pointer.
type Result struct {
	Status Status
	PC     int32  // the card that failed (inside an atomic block: the body card)
	Value  int64  // the value the card stored in a local, for traces
	Fault  *Fault // what went wrong, when Status is Failed; nil otherwise
}

// Host is what a card needs beyond shared memory and its own stack's
// locals: the other stacks and the output. The simulator's host is the
// state vector (see simHost); the real runner's host is its table of
// goroutine stacks. Exec calls the host only for spawn, join, print and
// return, so ordinary cards never pay for the indirection.
type Host interface {
	// Shared and Locals return shared memory and the running stack's
	// locals again after Spawn or Print, or a card that sent a message,
	// which may have moved them.
	Shared() []int64
	Locals() []int64
	// StackDone reports whether stack h exists, whether it has finished,
	// and its return value.
	StackDone(h int64) (exists, finished bool, ret int64)
	// Spawn starts a stack running proc with args and returns its handle,
	// or false when no more stacks may be started.
	Spawn(proc int32, args []int64) (int64, bool)
	// Print appends one output record: the print index, then the values.
	Print(rec []int64)
	// Finish ends the running stack with a return value.
	Finish(ret int64)
}

// Enabled reports whether stack i can take its next card now.
func (m *Machine) Enabled(s *State, i int) bool {
	ok, _ := m.EnabledAt(s, i, s.PC(i))
	return ok
}

// EnabledAt is Enabled for a caller that has read stack i's card already:
// pc must be s.PC(i). The checker asks it of every stack of every state.
// clean is true when the card is enabled and deciding it met no fault:
// then StepReady may take it in this state without deciding again.
func (m *Machine) EnabledAt(s *State, i int, pc int32) (ok, clean bool) {
	c := &m.P.Cards[pc]
	if s.net && m.stackDown(s, i) {
		return false, false
	}
	if v, known := EnabledByOp(c.Op); known {
		return v, v
	}
	switch c.Op {
	case card.Start, card.CondSleep:
		return false, false
	case card.Either:
		ok, f := m.eitherReady(s.Shared(m.P), s.Locals(i), c)
		return ok, ok && f.Kind == NoFault
	}
	// The commonest waits answered from the state's words, as Ready
	// answers them (TestEnabledAtSameAsReady): a lock, semaphore, event
	// or channel named directly or by a local index (simpleWait, written
	// out here: a call for every stack of every state cost more than it
	// saved), and, off nodes, a join on a handle in a local.
	switch c.Op {
	case card.Lock, card.Acquire, card.Wait, card.Recv:
		g := &m.P.Globals[c.Obj]
		w, simple := g.Base, true
		if c.Y != card.NoExpr {
			code := m.exprCode(c.Y)
			simple = len(code) == 1 && code[0].Op == card.XLocal
			if simple {
				idx := s.Locals(i)[code[0].A]
				if idx < 0 || idx >= int64(g.Len) {
					return true, false // Step reports the index
				}
				w += int32(idx) * g.Stride
			}
		}
		if simple {
			var ok bool
			switch v := s.W[1+w]; c.Op {
			case card.Lock:
				ok = v == 0
			case card.Acquire:
				ok = v > 0
			default:
				ok = v != 0
			}
			return ok, ok
		}
	case card.Join:
		if code := m.exprCode(c.X); !s.net && len(code) == 1 && code[0].Op == card.XLocal {
			hd := s.Locals(i)[code[0].A]
			if hd < 0 || hd >= int64(s.NumStacks()) {
				return true, false // Step reports the bad handle
			}
			ok := s.Finished(m.P, int(hd))
			return ok, ok
		}
	}
	// Only a join, and a send on nodes, ask the host: the others are
	// spared making one.
	var h Host
	if c.Op == card.Join || s.net && (c.Op == card.Send || c.Op == card.SendWait) {
		h = s.host(m.P, i)
	}
	ok, f := m.Ready(s.Shared(m.P), s.Locals(i), i, pc, h)
	return ok, ok && f.Kind == NoFault
}

// simpleWait answers Ready for a lock, a semaphore's acquire, an event's
// wait or a channel's receive, from shared memory sh and the stack's
// locals loc, with the same object word (objWord): ok is whether the
// stack may go on. known is false for every other card, and when finding
// the object faults (Ready reports the fault).
func (m *Machine) simpleWait(c *card.Card, sh, loc []int64) (ok, known bool) {
	switch c.Op {
	case card.Lock, card.Acquire, card.Wait, card.Recv:
	default:
		return false, false
	}
	w, f := m.objWord(sh, loc, c)
	if f.Kind != NoFault {
		return false, false
	}
	switch v := sh[w]; c.Op {
	case card.Lock:
		return v == 0, true
	case card.Acquire:
		return v > 0, true
	default:
		return v != 0, true
	}
}

// MovesAt returns how many moves stack i has: 0 when Enabled says it
// cannot move, and otherwise what Choices says. pc must be s.PC(i). An
// either's guards are evaluated once for both answers; the checker asks
// this of every stack of every state.
func (m *Machine) MovesAt(s *State, i int, pc int32) int {
	c := &m.P.Cards[pc]
	if c.Op == card.Either {
		if s.net && m.stackDown(s, i) {
			return 0
		}
		return m.eitherMoves(s.Shared(m.P), s.Locals(i), c)
	}
	if ok, _ := m.EnabledAt(s, i, pc); !ok {
		return 0
	}
	if MayChoose(c.Op) {
		return m.ChoicesAt(s.Shared(m.P), s.Locals(i), pc)
	}
	return 1
}

// EnabledByOp tells what Enabled says of a stack standing at a card with
// operation op when the operation alone decides it, in a program not
// placed on nodes: such a card can always be taken (Done: never),
// whatever shared memory holds and whatever the other stacks do, so the
// answer holds until that stack moves. known is false for the others. The
// dealer keeps such answers across the other stacks' moves. It must agree
// with Enabled, which asks it first.
func EnabledByOp(op card.Op) (enabled, known bool) {
	if int(op) >= len(enabledByOp) {
		return false, false
	}
	v := enabledByOp[op]
	return v > 0, v != 0
}

// enabledByOp is EnabledByOp as a table: 1 can always be taken, -1 never
// (Done), 0 it depends.
var enabledByOp = [...]int8{
	card.Done:  -1,
	card.Local: 1, card.Nop: 1, card.Store: 1, card.Branch: 1, card.Assert: 1, card.Print: 1,
	card.Unlock: 1, card.Release: 1, card.Notify: 1, card.Spawn: 1, card.Choose: 1, card.Return: 1,
	card.CondWait: 1, card.Signal: 1, card.Broadcast: 1,
	card.Select: 0, // the last op: the table covers them all
}

// Ready reports whether card pc of stack id can execute now, for cards
// that may block (others are always ready; Done never is). A guard that
// fails with a runtime error counts as ready, so that Exec reports the
// error instead of hiding it.
func (m *Machine) Ready(sh, loc []int64, id int, pc int32, h Host) (bool, Fault) {
	c := &m.P.Cards[pc]
	switch c.Op {
	case card.Done, card.Start, card.CondSleep:
		return false, Fault{}
	case card.Either:
		return m.eitherReady(sh, loc, c)
	case card.Select:
		return m.selectReady(sh, loc, c)
	case card.Await, card.Atomic:
		if c.X == card.NoExpr {
			return true, Fault{}
		}
		v, f := m.eval(c.X, sh, loc)
		return f.Kind != NoFault || v != 0, f
	case card.Join:
		hd, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return true, f
		}
		exists, finished, _ := h.StackDone(hd)
		if !exists {
			return true, Fault{Kind: BadHandle, A: hd}
		}
		return finished, f
	case card.Send, card.SendWait:
		if net := m.P.Net; net != nil && net.Remote[pc] {
			// A remote send never waits for room: its message does. A
			// rendezvous sender then waits for the acknowledgement.
			if c.Op == card.SendWait {
				return !h.(NetHost).AwaitingAck(), Fault{}
			}
			_, f := m.objWord(sh, loc, c)
			return true, f
		}
	case card.Lock, card.Acquire, card.Wait, card.Recv:
	default:
		return true, Fault{}
	}
	w, f := m.objWord(sh, loc, c)
	if f.Kind != NoFault {
		return true, f
	}
	g := &m.P.Globals[c.Obj]
	switch c.Op {
	case card.Lock:
		return sh[w] == 0, f
	case card.Acquire:
		return sh[w] > 0, f
	case card.Wait:
		return sh[w] != 0, f
	case card.Send:
		if g.Cap == 0 {
			return sh[w] == 0, f
		}
		return sh[w] < int64(g.Cap), f
	case card.SendWait:
		return sh[w] != int64(id)+1, f
	case card.Recv:
		return sh[w] != 0, f
	}
	return true, f
}

// objWord returns the index in the shared section of the first word of the
// object element a card operates on.
func (m *Machine) objWord(sh, loc []int64, c *card.Card) (int32, Fault) {
	g := &m.P.Globals[c.Obj]
	if c.Y == card.NoExpr {
		return g.Base, Fault{}
	}
	var idx int64
	if code := m.exprCode(c.Y); len(code) == 1 && code[0].Op == card.XLocal {
		idx = loc[code[0].A] // fork[first]: the common index, without a call
	} else {
		var f Fault
		if idx, f = m.eval(c.Y, sh, loc); f.Kind != NoFault {
			return 0, f
		}
	}
	if idx < 0 || idx >= int64(g.Len) {
		return 0, Fault{Kind: IndexOutOfRange, A: idx, B: int64(g.Len)}
	}
	return g.Base + int32(idx)*g.Stride, Fault{}
}

// MaxChoices bounds the alternatives of one choose card.
const MaxChoices = 1 << 20

// Choices returns how many alternatives stack i's next card has: the size
// of a choose range or the number of either branches; 1 for other cards.
func (m *Machine) Choices(s *State, i int) int {
	pc := s.PC(i)
	if MayChoose(m.P.Cards[pc].Op) {
		return m.ChoicesAt(s.Shared(m.P), s.Locals(i), pc)
	}
	return 1
}

// MayChoose reports whether a card with operation op can have more than
// one alternative (Choices above 1); for every other card Choices is 1.
func MayChoose(op card.Op) bool {
	switch op {
	case card.Choose, card.Either, card.Signal, card.Select:
		return true
	}
	return false
}

// ChoicesAt is Choices for card pc with the given memory. A choose whose
// range is empty or wider than MaxChoices reports 1, and Exec then fails.
func (m *Machine) ChoicesAt(sh, loc []int64, pc int32) int {
	c := &m.P.Cards[pc]
	switch c.Op {
	case card.Choose:
		lo, f1 := m.eval(c.X, sh, loc)
		hi, f2 := m.eval(c.Y, sh, loc)
		if f1.Kind != NoFault || f2.Kind != NoFault || hi <= lo || hi-lo > MaxChoices || hi-lo < 0 {
			return 1
		}
		return int(hi - lo)
	case card.Either:
		return m.eitherChoices(sh, loc, c)
	case card.Signal:
		return m.signalChoices(sh, loc, c)
	case card.Select:
		return m.selectChoices(sh, loc, c)
	}
	return 1
}

// Step lets stack i take its next card, with choice picking the alternative
// of a choose or either card (0 otherwise). When the card is blocked, Step
// returns Blocked and leaves s unchanged.
func (m *Machine) Step(s *State, i int, choice int) Result { return m.step(s, i, choice, false) }

// StepReady is Step for a stack that EnabledAt found enabled, and clean,
// in this very state: it does not decide again whether the card may go
// on (an await's guard, a join's stack), and otherwise does what Step
// does. The checker takes the first card of every transition with it.
func (m *Machine) StepReady(s *State, i int, choice int) Result { return m.step(s, i, choice, true) }

// step is Step, and StepReady when ready is true.
func (m *Machine) step(s *State, i int, choice int, ready bool) Result {
	// The stack's words are found once here (Step runs for every card the
	// checker and the dealer take): its card, its locals, shared memory.
	w, off, end := s.W, s.off[i], s.off[i+1]
	pc := int32(w[off])
	c := &m.P.Cards[pc]
	sh, loc := w[1:1+m.P.SharedWords], w[off+2:end]
	var h Host // only the cards that reach other stacks or the output need it
	switch c.Op {
	case card.Join, card.Spawn, card.Print, card.Return, card.Atomic, card.Either, card.Signal, card.Broadcast:
		h = s.host(m.P, i) // (an either: for the atomic body of a branch)
	default:
		// On nodes a synchronisation card may post a message; the
		// cards that only compute on memory never use the host.
		if m.P.Net != nil && !memoryOnly(c.Op) && (m.hostless == nil || !m.hostless[pc]) {
			h = s.host(m.P, i)
		}
	}
	if s.net && m.stackDown(s, i) {
		return Result{Status: Blocked, PC: pc}
	}
	switch op := c.Op; {
	case op == card.Either:
		return m.stepEither(s, i, pc, c, sh, loc, choice, h)
	case ready:
	case op.MayWait():
		if ok, known := m.simpleWait(c, sh, loc); known {
			if !ok {
				return Result{Status: Blocked, PC: pc}
			}
			break
		}
		ok, f := m.Ready(sh, loc, i, pc, h)
		if f.Kind != NoFault {
			return Failure(pc, f)
		}
		if !ok {
			return Result{Status: Blocked, PC: pc}
		}
	case op == card.Done || op == card.Start || op == card.CondSleep:
		return Result{Status: Blocked, PC: pc}
	}
	next, r := m.Exec(sh, loc, i, pc, choice, h)
	if r.Status != OK {
		return r
	}
	if next >= 0 {
		if h == nil {
			// Without the host a card can only write memory: the
			// stack's words have not moved.
			w[off] = int64(next)
			m.Kill(loc, c, next)
		} else {
			s.W[s.off[i]] = int64(next)
			m.Kill(s.Locals(i), c, next)
		}
	}
	return r
}

// stepEither is Step for an either card c at pc. Ready and Exec would
// each evaluate the guards: the branch is picked once, and the card is
// blocked when none is open. It is a function of its own so that Step's
// path for the other cards stays as it was.
func (m *Machine) stepEither(s *State, i int, pc int32, c *card.Card, sh, loc []int64, choice int, h Host) Result {
	b, open, f := m.eitherPick(sh, loc, c, choice)
	if f.Kind != NoFault {
		return Failure(pc, f)
	}
	if !open {
		return Result{Status: Blocked, PC: pc}
	}
	next, r := m.execEither(sh, loc, i, pc, c, b, h)
	if r.Status != OK {
		return r
	}
	if next >= 0 {
		// A branch's atomic body may spawn or print, which moves the
		// words: find the stack again.
		s.W[s.off[i]] = int64(next)
		m.Kill(s.Locals(i), c, next)
	}
	return r
}

// execEither takes branch b of either card c (at pc) for stack id: it
// runs the branch's atomic body, when the branch begins with a guarded
// one, and returns the card the branch starts at.
func (m *Machine) execEither(sh, loc []int64, id int, pc int32, c *card.Card, b int, h Host) (int32, Result) {
	if bs := card.EitherBodies(m.P, c.A); bs != nil && bs[b] >= 0 {
		// A branch that begins with a guarded atomic block: its guard
		// held, and its body runs in this step too.
		if r := m.runBody(sh, loc, id, pc, bs[b], h); r.Status != OK {
			return 0, r
		}
	}
	return m.P.Eithers[c.A][b], Result{PC: pc}
}

// memoryOnly reports whether Ready and Exec of operation op read and
// write memory only, and so never use the host.
func memoryOnly(op card.Op) bool {
	switch op {
	case card.Nop, card.Await, card.Local, card.Store, card.Branch, card.Assert, card.Choose:
		return true
	}
	return false
}

// afterPost returns the locals of the stack whose card may just have sent
// a message: sending grows the state's words, which may move them, so that
// loc, taken before, would be a copy nobody reads any more. With a host the
// stack's locals are found again; without one nothing was sent.
func afterPost(loc []int64, h Host) []int64 {
	if h != nil {
		return h.Locals()
	}
	return loc
}

// Kill zeroes the locals that are dead once card c has gone to next.
func (m *Machine) Kill(loc []int64, c *card.Card, next int32) {
	k := c.KillNext
	if c.Op == card.Branch && next != c.Next {
		k = c.KillTarget
	}
	if k == 0 {
		return
	}
	for _, slot := range m.P.Kills[k] {
		loc[slot] = 0
	}
}

// Exec performs card pc for stack id, which must be ready (see Ready), on
// shared memory sh and the stack's locals loc, and returns the card that
// follows: -1 when the stack finished (Host.Finish was called) or at the
// end of an atomic body. An atomic card runs its whole body. Exec (with
// execOther, which it calls for every other kind of card) is the single
// definition of what every card does; the caller stores the next pc and
// applies Kill.
//
// Exec itself takes the ordinary cards that make up most of a run (local
// computation, stores, branches, asserts) and leaves the rest to
// execOther, so that those cards do not pay for its large frame (the
// buffers of print and spawn) and the spilling of every argument.
func (m *Machine) Exec(sh, loc []int64, id int, pc int32, choice int, h Host) (int32, Result) {
	c := &m.P.Cards[pc]
	switch c.Op {
	case card.Nop, card.Await, card.SendWait:
	case card.Local:
		v, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return failed(pc, f)
		}
		switch {
		case c.B == 0:
			loc[c.Dst] = v
		case c.Y == card.NoExpr:
			// let a[N] = v: every element of a local array.
			for k := c.Dst; k < c.Dst+c.B; k++ {
				loc[k] = v
			}
		default:
			idx, f := m.eval(c.Y, sh, loc)
			if f.Kind != NoFault {
				return failed(pc, f)
			}
			if idx < 0 || idx >= int64(c.B) {
				return failed(pc, Fault{Kind: IndexOutOfRange, A: idx, B: int64(c.B)})
			}
			loc[int64(c.Dst)+idx] = v
		}
		return c.Next, Result{PC: pc, Value: v}
	case card.Store:
		v, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return failed(pc, f)
		}
		w, f := m.objWord(sh, loc, c)
		if f.Kind != NoFault {
			return failed(pc, f)
		}
		sh[w] = v
	case card.Branch:
		v, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return failed(pc, f)
		}
		if v == 0 {
			return c.Target, Result{PC: pc}
		}
	case card.Assert:
		v, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return failed(pc, f)
		}
		if v == 0 {
			return failed(pc, Fault{Kind: AssertFailed})
		}
	default:
		return m.execOther(sh, loc, id, pc, choice, h)
	}
	return c.Next, Result{PC: pc}
}

// failed is Exec's answer when card pc fails with f.
func failed(pc int32, f Fault) (int32, Result) {
	return 0, Failure(pc, f)
}

// Failure is the Result of card pc failing with f. It must not be
// inlined: the fault goes to the heap, and inlined into a caller that
// holds f in a variable, that variable would go to the heap on every
// card, not only when one fails.
//
//go:noinline
func Failure(pc int32, f Fault) Result {
	return Result{Status: Failed, Fault: &f, PC: pc}
}

// execOther is Exec for the cards Exec does not take itself.
func (m *Machine) execOther(sh, loc []int64, id int, pc int32, choice int, h Host) (int32, Result) {
	p := m.P
	c := &p.Cards[pc]
	fail := func(f Fault) (int32, Result) { return failed(pc, f) }
	switch c.Op {
	case card.CondWait, card.Signal, card.Broadcast:
		return m.execCond(sh, loc, id, pc, choice, h)
	case card.Select:
		return m.execSelect(sh, loc, id, pc, choice, h)
	case card.Release:
		if c.X != card.NoExpr {
			return m.execCond(sh, loc, id, pc, choice, h)
		}
		w, f := m.objWord(sh, loc, c)
		if f.Kind != NoFault {
			return fail(f)
		}
		if sh[w] == math.MaxInt64 {
			return fail(Fault{Kind: Overflow})
		}
		sh[w]++
	case card.Atomic:
		// The guard held; run the body to its end as one step.
		if r := m.runBody(sh, loc, id, pc, c.A, h); r.Status != OK {
			return 0, r
		}
	case card.Print:
		var buf [16]int64
		rec := append(buf[:0], int64(c.A))
		for _, a := range p.Prints[c.A] {
			if a.X == card.NoExpr {
				continue
			}
			v, f := m.eval(a.X, sh, loc)
			if f.Kind != NoFault {
				return fail(f)
			}
			rec = append(rec, v)
		}
		h.Print(rec)
	case card.Lock, card.Unlock, card.Acquire, card.Notify, card.Wait,
		card.Send, card.Recv:
		w, f := m.objWord(sh, loc, c)
		if f.Kind != NoFault {
			return fail(f)
		}
		g := &p.Globals[c.Obj]
		switch c.Op {
		case card.Lock:
			sh[w] = int64(id) + 1
		case card.Unlock:
			if sh[w] != int64(id)+1 {
				return fail(Fault{Kind: UnlockNotHeld, A: sh[w] - 1})
			}
			sh[w] = 0
		case card.Acquire:
			sh[w]--
		case card.Notify:
			sh[w] = 1
			if p.Net != nil {
				// Every other node that waits on the event hears of it.
				nh := h.(NetHost)
				from := p.Net.ProcNode[c.Proc]
				for _, r := range p.Net.NotifyTo[pc] {
					rg := &p.Globals[r]
					nh.Post(Message{Kind: MsgNotify, From: from, To: p.Net.GlobalNode[r], A: int64(rg.Base + w - g.Base)})
				}
			}
		case card.Send:
			v, f := m.eval(c.X, sh, loc)
			if f.Kind != NoFault {
				return fail(f)
			}
			if p.Net != nil && p.Net.Remote[pc] {
				nh := h.(NetHost)
				msg := Message{Kind: MsgChan, From: p.Net.ProcNode[c.Proc], To: p.Net.GlobalNode[c.Obj], A: int64(w), Value: v}
				if g.Cap == 0 {
					msg.B = int64(id) + 1
					nh.SetAwaitingAck(true)
				}
				nh.Post(msg)
				break
			}
			if g.Cap == 0 {
				sh[w], sh[w+1] = int64(id)+1, v
			} else {
				n := sh[w]
				sh[w+1+int32(n)] = v
				sh[w] = n + 1
			}
		case card.Recv:
			// A sender on another node learns by message that its
			// rendezvous value was taken.
			v := m.take(sh, w, c.Obj, c.Proc, h)
			if c.Dst >= 0 {
				afterPost(loc, h)[c.Dst] = v
			}
			return c.Next, Result{PC: pc, Value: v}
		}
	case card.Spawn:
		// Evaluate the arguments before the new stack moves any words.
		var argv [16]int64
		vals := argv[:0]
		dead := p.Procs[c.A].DeadParams
		for k, a := range p.Spawns[c.B].Args {
			v, f := m.eval(a, sh, loc)
			if f.Kind != NoFault {
				return fail(f)
			}
			if dead>>k&1 != 0 {
				v = 0 // never read: see card.Proc.DeadParams
			}
			vals = append(vals, v)
		}
		hd, ok := h.Spawn(c.A, vals)
		if !ok {
			return fail(Fault{Kind: TooManyStacks, A: MaxStacks})
		}
		if c.Dst >= 0 {
			h.Locals()[c.Dst] = hd
		}
		return c.Next, Result{PC: pc, Value: hd}
	case card.Join:
		hd, _ := m.eval(c.X, sh, loc)
		_, _, ret := h.StackDone(hd)
		if c.Dst >= 0 {
			loc[c.Dst] = ret
		}
		return c.Next, Result{PC: pc, Value: ret}
	case card.Choose:
		lo, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return fail(f)
		}
		hi, f := m.eval(c.Y, sh, loc)
		if f.Kind != NoFault {
			return fail(f)
		}
		if hi <= lo {
			return fail(Fault{Kind: EmptyChoice, A: lo, B: hi})
		}
		if hi-lo > MaxChoices || hi-lo < 0 {
			return fail(Fault{Kind: WideChoice, A: lo, B: hi})
		}
		if choice < 0 || int64(choice) >= hi-lo {
			choice = 0
		}
		loc[c.Dst] = lo + int64(choice)
		return c.Next, Result{PC: pc, Value: loc[c.Dst]}
	case card.Either:
		b, f := m.eitherBranch(sh, loc, c, choice)
		if f.Kind != NoFault {
			return fail(f)
		}
		return m.execEither(sh, loc, id, pc, c, b, h)
	case card.Return:
		var v int64
		if c.X != card.NoExpr {
			var f Fault
			v, f = m.eval(c.X, sh, loc)
			if f.Kind != NoFault {
				return fail(f)
			}
		}
		h.Finish(v)
		return -1, Result{PC: pc}
	}
	return c.Next, Result{PC: pc}
}

// runBody runs the atomic body that starts at card start (-1: an empty
// one) to its end, for card pc (an atomic card, or an either whose chosen
// branch begins with a guarded atomic block), as part of one step. A body
// card that fails ends it with that card's fault; a body that runs more
// than MaxAtomicSteps cards fails at pc.
func (m *Machine) runBody(sh, loc []int64, id int, pc, start int32, h Host) Result {
	p := m.P
	n := 0
	for at := start; at >= 0; n++ {
		if n == MaxAtomicSteps {
			return Failure(pc, Fault{Kind: AtomicTooLong, A: MaxAtomicSteps})
		}
		op := p.Cards[at].Op
		next, r := m.Exec(sh, loc, id, at, 0, h)
		if r.Status != OK {
			return r
		}
		if op == card.Spawn || op == card.Print || p.Net != nil && !memoryOnly(op) {
			// (On nodes a notify may have sent messages: afterPost.)
			sh, loc = h.Shared(), h.Locals()
		}
		at = next
	}
	return Result{PC: pc}
}

// simHost is the simulator's Host: stack i of a state vector.
type simHost struct {
	s *State
	p *card.Program
	i int
}

func (h *simHost) Shared() []int64 { return h.s.Shared(h.p) }
func (h *simHost) Locals() []int64 { return h.s.Locals(h.i) }

func (h *simHost) StackDone(hd int64) (bool, bool, int64) {
	if hd < 0 || hd >= int64(h.s.NumStacks()) {
		return false, false, 0
	}
	done := h.s.Finished(h.p, int(hd))
	if net := h.p.Net; done && net != nil {
		// A stack on another node has finished here once its done
		// message has arrived.
		mine, its := net.ProcNode[h.s.ProcOf(h.p, h.i)], net.ProcNode[h.s.ProcOf(h.p, int(hd))]
		if mine != its && net.DoneTo[h.s.ProcOf(h.p, int(hd))] != 0 {
			done = h.s.W[h.s.off[hd]+2]&(1<<mine) != 0
		}
	}
	return true, done, h.s.Ret(int(hd))
}

func (h *simHost) Print(rec []int64) {
	s := h.s
	if s.HashOutput {
		if s.IgnorePrints {
			return
		}
		at := s.OutputStart()
		s.W[at]++
		s.W[at+1] = int64(digestRecord(h.p, s, uint64(s.W[at+1]), rec))
		return
	}
	s.W = append(s.W, rec...)
}

func (h *simHost) Finish(ret int64) {
	s, i := h.s, h.i
	at := s.off[i]
	proc := h.p.Cards[s.PC(i)].Proc
	exit := h.p.Procs[proc].Exit
	if net := h.p.Net; net != nil && net.DoneTo[proc] != 0 {
		// Keep a word for the nodes that have heard this stack finish,
		// and tell them.
		s.resize(at+2, s.off[i+1]-at-2, 1, i)
		s.W[at], s.W[at+1], s.W[at+2] = int64(exit), ret, 0
		from := net.ProcNode[proc]
		for to := int32(0); to < int32(len(net.Nodes)); to++ {
			if net.DoneTo[proc]&(1<<to) != 0 {
				s.post(h.p, Message{Kind: MsgDone, From: from, To: to, A: int64(i), Value: ret})
			}
		}
		return
	}
	s.resize(at+2, s.off[i+1]-at-2, 0, i)
	s.W[at], s.W[at+1] = int64(exit), ret
}

func (h *simHost) Spawn(proc int32, args []int64) (int64, bool) {
	s := h.s
	n := s.NumStacks()
	if n >= MaxStacks {
		return 0, false
	}
	pr := &h.p.Procs[proc]
	at := s.off[n]
	s.resize(at, 0, 2+pr.NLocals, n-1)
	s.W[at] = int64(pr.Entry)
	if net := h.p.Net; net != nil {
		from, to := net.ProcNode[h.p.Cards[s.PC(h.i)].Proc], net.ProcNode[proc]
		if from != to {
			// The new stack waits for its start message.
			s.W[at] = int64(pr.Start)
			defer s.post(h.p, Message{Kind: MsgStart, From: from, To: to, A: int64(n)})
		}
	}
	copy(s.W[at+2:], args)
	s.off = append(s.off, 0)
	copy(s.off[n+1:], s.off[n:])
	s.off[n] = at
	s.W[0] = int64(n + 1)
	return int64(n), true
}

// CheckAlways evaluates every invariant and returns the index of the first
// that fails (with a fault if evaluating it failed), or -1. An index k of
// len(P.Always) or more says that the condition of property
// k-len(P.Always) (eventually, leadsto) cannot be evaluated in s: such a
// fault is a runtime error of the state, like an invariant's, so every
// engine stops there and the progress check never meets one.
func (m *Machine) CheckAlways(s *State) (int, Fault) { return m.CheckAlwaysOn(s.Shared(m.P)) }

// CheckAlwaysOn is CheckAlways on shared memory sh.
func (m *Machine) CheckAlwaysOn(sh []int64) (int, Fault) {
	for k := range m.P.Always {
		v, f := m.eval(m.P.Always[k].X, sh, nil)
		if f.Kind != NoFault {
			return k, f
		}
		if v == 0 {
			return k, Fault{}
		}
	}
	for k := range m.P.Props {
		pr := &m.P.Props[k]
		if pr.P != card.NoExpr {
			if _, f := m.eval(pr.P, sh, nil); f.Kind != NoFault {
				return len(m.P.Always) + k, f
			}
		}
		if _, f := m.eval(pr.Q, sh, nil); f.Kind != NoFault {
			return len(m.P.Always) + k, f
		}
	}
	return -1, Fault{}
}

// Holds evaluates condition e (an invariant's or a property's, over
// shared variables and constants) in state s.
func (m *Machine) Holds(e card.Expr, s *State) (bool, Fault) {
	v, f := m.eval(e, s.Shared(m.P), nil)
	return v != 0, f
}

// smallEval is the evaluation stack size that covers almost every
// expression; deeper ones get the full MaxEvalDepth.
const smallEval = 8

// eval runs an expression. It never allocates: the evaluation stack lives
// in a fixed array on the Go stack. A single operand is read directly, and
// shallow expressions use a small array, because zeroing the full
// MaxEvalDepth array on every card was a measurable share of a run.
func (m *Machine) eval(e card.Expr, sh, locals []int64) (int64, Fault) {
	code := m.exprCode(e)
	if len(code) == 1 {
		// The one-instruction expressions, without run's loop: a
		// variable, and (fused) a local compared with a constant, the
		// condition of most loops.
		switch in := &code[0]; in.Op {
		case card.XConst:
			return in.A, Fault{}
		case card.XLocal:
			return locals[in.A], Fault{}
		case card.XGlobal:
			return sh[in.A], Fault{}
		case card.XEqLK:
			return b2i(locals[in.B] == in.A), Fault{}
		case card.XNeLK:
			return b2i(locals[in.B] != in.A), Fault{}
		case card.XLtLK:
			return b2i(locals[in.B] < in.A), Fault{}
		case card.XLeLK:
			return b2i(locals[in.B] <= in.A), Fault{}
		case card.XGtLK:
			return b2i(locals[in.B] > in.A), Fault{}
		case card.XGeLK:
			return b2i(locals[in.B] >= in.A), Fault{}
		}
	}
	if m.P.Exprs[e].Depth <= smallEval {
		var st [smallEval]int64
		return run(code, st[:], sh, locals, nil)
	}
	var st [MaxEvalDepth]int64
	return run(code, st[:], sh, locals, nil)
}

// run interprets expression code on the evaluation stack st, which must be
// at least as deep as the expression needs. When reads is not nil, every
// shared word the expression reads is noted in it (for Touches; the
// engines pass nil); it must have room for len(code) more words. run calls
// nothing but the runtime's panics (no growing of a slice, no write
// barrier), so that it needs no stack frame and keeps its loop in
// registers: when it appended to a slice, the real engine's cost per card
// rose 15 %, though no read was ever logged on that path.
func run(code []card.Instr, st, sh, locals []int64, reads *readLog) (int64, Fault) {
	sp := 0
	for k := 0; k < len(code); k++ {
		in := &code[k]
		switch in.Op {
		case card.XConst:
			st[sp] = in.A
			sp++
		case card.XLocal:
			st[sp] = locals[in.A]
			sp++
		case card.XGlobal:
			if reads != nil {
				reads.add(int32(in.A))
			}
			st[sp] = sh[in.A]
			sp++
		case card.XGlobalAt:
			idx := st[sp-1]
			if idx < 0 || idx >= int64(in.B) {
				return 0, Fault{Kind: IndexOutOfRange, A: idx, B: int64(in.B)}
			}
			if reads != nil {
				reads.add(int32(in.A + idx))
			}
			st[sp-1] = sh[in.A+idx]
		case card.XLocalAt:
			idx := st[sp-1]
			if idx < 0 || idx >= int64(in.B) {
				return 0, Fault{Kind: IndexOutOfRange, A: idx, B: int64(in.B)}
			}
			st[sp-1] = locals[in.A+idx]
		case card.XNeg:
			if st[sp-1] == math.MinInt64 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = -st[sp-1]
		case card.XNot:
			st[sp-1] ^= 1
		case card.XAndJump:
			if st[sp-1] == 0 {
				k += int(in.A)
			} else {
				sp--
			}
		case card.XOrJump:
			if st[sp-1] != 0 {
				k += int(in.A)
			} else {
				sp--
			}
		// The binary operations pop y and replace x with x op y. Each is a
		// case of its own: a second switch inside a shared case cost a
		// second jump through a table for every operation.
		case card.XAdd:
			sp--
			x, y := st[sp-1], st[sp]
			r := x + y
			if (x^r)&(y^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XSub:
			sp--
			x, y := st[sp-1], st[sp]
			r := x - y
			if (x^y)&(x^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XMul:
			sp--
			x, y := st[sp-1], st[sp]
			r := x * y
			if x != 0 && (r/x != y || (x == -1 && y == math.MinInt64)) {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XDiv:
			sp--
			x, y := st[sp-1], st[sp]
			if y == 0 {
				return 0, Fault{Kind: DivByZero}
			}
			// The smallest integer divided by -1 does not fit.
			if x == math.MinInt64 && y == -1 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = x / y
		case card.XMod:
			sp--
			x, y := st[sp-1], st[sp]
			if y == 0 {
				return 0, Fault{Kind: DivByZero}
			}
			// The smallest integer modulo -1 is 0; Go's % gives it too.
			st[sp-1] = x % y
		// The fused forms (see fuse): the right operand is in.A.
		case card.XAddK:
			x, y := st[sp-1], in.A
			r := x + y
			if (x^r)&(y^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XSubK:
			x, y := st[sp-1], in.A
			r := x - y
			if (x^y)&(x^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XModK:
			if in.A == 0 {
				return 0, Fault{Kind: DivByZero}
			}
			st[sp-1] %= in.A
		case card.XEqK:
			st[sp-1] = b2i(st[sp-1] == in.A)
		case card.XNeK:
			st[sp-1] = b2i(st[sp-1] != in.A)
		case card.XLtK:
			st[sp-1] = b2i(st[sp-1] < in.A)
		case card.XLeK:
			st[sp-1] = b2i(st[sp-1] <= in.A)
		case card.XGtK:
			st[sp-1] = b2i(st[sp-1] > in.A)
		case card.XGeK:
			st[sp-1] = b2i(st[sp-1] >= in.A)
		case card.XAddL:
			x, y := st[sp-1], locals[in.A]
			r := x + y
			if (x^r)&(y^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XSubL:
			x, y := st[sp-1], locals[in.A]
			r := x - y
			if (x^y)&(x^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp-1] = r
		case card.XEqL:
			st[sp-1] = b2i(st[sp-1] == locals[in.A])
		case card.XNeL:
			st[sp-1] = b2i(st[sp-1] != locals[in.A])
		case card.XLtL:
			st[sp-1] = b2i(st[sp-1] < locals[in.A])
		case card.XLeL:
			st[sp-1] = b2i(st[sp-1] <= locals[in.A])
		case card.XGtL:
			st[sp-1] = b2i(st[sp-1] > locals[in.A])
		case card.XGeL:
			st[sp-1] = b2i(st[sp-1] >= locals[in.A])
		case card.XAddLK:
			x, y := locals[in.B], in.A
			r := x + y
			if (x^r)&(y^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp] = r
			sp++
		case card.XSubLK:
			x, y := locals[in.B], in.A
			r := x - y
			if (x^y)&(x^r) < 0 {
				return 0, Fault{Kind: Overflow}
			}
			st[sp] = r
			sp++
		case card.XEqLK:
			st[sp] = b2i(locals[in.B] == in.A)
			sp++
		case card.XNeLK:
			st[sp] = b2i(locals[in.B] != in.A)
			sp++
		case card.XLtLK:
			st[sp] = b2i(locals[in.B] < in.A)
			sp++
		case card.XLeLK:
			st[sp] = b2i(locals[in.B] <= in.A)
			sp++
		case card.XGtLK:
			st[sp] = b2i(locals[in.B] > in.A)
			sp++
		case card.XGeLK:
			st[sp] = b2i(locals[in.B] >= in.A)
			sp++
		case card.XGlobalAtL:
			base, idx := in.A&0xffffffff, locals[in.A>>32]
			if idx < 0 || idx >= int64(in.B) {
				return 0, Fault{Kind: IndexOutOfRange, A: idx, B: int64(in.B)}
			}
			if reads != nil {
				reads.add(int32(base + idx))
			}
			st[sp] = sh[base+idx]
			sp++
		case card.XEq:
			sp--
			st[sp-1] = b2i(st[sp-1] == st[sp])
		case card.XNe:
			sp--
			st[sp-1] = b2i(st[sp-1] != st[sp])
		case card.XLt:
			sp--
			st[sp-1] = b2i(st[sp-1] < st[sp])
		case card.XLe:
			sp--
			st[sp-1] = b2i(st[sp-1] <= st[sp])
		case card.XGt:
			sp--
			st[sp-1] = b2i(st[sp-1] > st[sp])
		case card.XGe:
			sp--
			st[sp-1] = b2i(st[sp-1] >= st[sp])
		}
	}
	return st[0], Fault{}
}

// readLog is where run notes the shared words an expression reads: buf
// holds n of them and has room for the rest (see run).
type readLog struct {
	buf []int32
	n   int
}

// add notes word w. It stores no pointer (a write barrier is a call) and
// never grows buf (growing is a call too).
func (l *readLog) add(w int32) {
	l.buf[l.n] = w
	l.n++
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
