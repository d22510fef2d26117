// Package card defines the instruction set of deck and the Program type:
// the only thing the engines (vm, deal, check, real) ever see of a source
// file.
//
// A card is one atomic step of a stack. It performs at most one access to
// shared state or one synchronisation action, plus any amount of local
// computation. Cards carry their own control flow (Next, and Target for
// branches), so a jump never costs a tick of its own.
//
// Expressions inside cards are small stack-machine programs (Instr) over
// the stack's locals, constants and, at most once per ordinary card, shared
// memory. The compiler guarantees the one-access rule; the VM trusts it.
package card

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/syntax"
)

// Op is what a card does. The table below is the whole instruction set.
//
//	op        operands                       effect                                    blocks while
//	Local     Dst, X                         local[Dst] = X
//	          Dst, B (len), Y (index), X     local[Dst+Y] = X (a local array; error unless 0 <= Y < B)
//	          Dst, B (len), X                local[Dst..Dst+B) = X (a local array, every element)
//	Nop       -                              nothing (yield, or a pure jump target)
//	Store     Obj, Y (index), X              shared Obj[Y] = X
//	Branch    X, Target                      if X: pc = Next else pc = Target
//	Assert    X, A (message index)           fail unless X
//	Print     A (print index)                append one output line
//	Await     X                              -                                         X is false
//	Atomic    X (guard), A (first body card) run the body cards to the end, as one step X is false
//	Lock      Obj, Y                         owner = this stack                        held
//	Unlock    Obj, Y                         owner = none (error unless held by us)
//	Acquire   Obj, Y                         count--                                   count == 0
//	Release   Obj, Y, X (count, or none: 1)  count += X (error if X < 0)
//	Notify    Obj, Y                         set the latch
//	Wait      Obj, Y                         -                                         latch not set
//	Send      Obj, Y, X                      enqueue X / offer X (rendezvous)          full / slot taken
//	SendWait  Obj, Y                         - (second half of a rendezvous send)      our offer not taken
//	Recv      Obj, Y, Dst                    local[Dst] = dequeue / take the offer     empty
//	Spawn     A (proc), B (spawn index), Dst local[Dst] = handle of a new stack
//	Join      X (handle), Dst (or -1)        local[Dst] = its return value             it has not finished
//	Choose    X (lo), Y (hi), Dst            local[Dst] = lo + choice                  -
//	Either    A (either index)               pc = Eithers[A][choice]            no guard holds
//	                                         (choice counts open branches: see Guards;
//	                                         a branch's atomic body runs first: see
//	                                         GuardBodies)
//	Return    X (or none)                    finish the stack with value X
//	Done      -                              never executed: the stack has finished
//	Start     -                              never executed: a stack spawned on another
//	                                         node waits here for its start message
//	CondWait  Obj, Y (cond); B, X (mutex)    unlock the mutex (error unless held by
//	                                         us), count a waiter, pc = Next (the
//	                                         CondSleep card)
//	CondSleep Obj, Y                         never executed: the stack sleeps here
//	                                         until a signal moves it to Next (a Lock
//	                                         of the mutex)
//	Signal    Obj, Y                         wake one sleeper (choice: which), if any
//	Broadcast Obj, Y                         wake every sleeper
//	Select    A (select index)               take the choice-th ready case of           no case is ready
//	                                         Selects[A] (recv, send or timeout) and
//	                                         go to its body (see select.go)
type Op uint8

const (
	Local Op = iota
	Nop
	Store
	Branch
	Assert
	Print
	Await
	Atomic
	Lock
	Unlock
	Acquire
	Release
	Notify
	Wait
	Send
	SendWait
	Recv
	Spawn
	Join
	Choose
	Either
	Return
	Done
	Start
	CondWait
	CondSleep
	Signal
	Broadcast
	Select
	numOps
)

var opNames = [...]string{
	Local: "local", Nop: "nop", Store: "store", Branch: "branch", Assert: "assert", Print: "print",
	Await: "await", Atomic: "atomic", Lock: "lock", Unlock: "unlock", Acquire: "acquire",
	Release: "release", Notify: "notify", Wait: "wait", Send: "send", SendWait: "sendwait",
	Recv: "recv", Spawn: "spawn", Join: "join", Choose: "choose", Either: "either",
	Return: "return", Done: "done", Start: "start",
	CondWait: "condwait", CondSleep: "condsleep", Signal: "signal", Broadcast: "broadcast",
	Select: "select",
}

func (op Op) String() string {
	if op < numOps {
		return opNames[op]
	}
	return fmt.Sprintf("op(%d)", op)
}

// MayWait reports whether a card of op may have to wait: an engine asks
// vm.Machine.Ready before it executes one (an unguarded either is always
// ready; Ready says so).
func (op Op) MayWait() bool { return op < numOps && mayWait[op] }

// mayWait is MayWait as a table: the dealer and the checker ask it for
// every card.
var mayWait = [numOps]bool{Await: true, Atomic: true, Join: true, Lock: true, Acquire: true, Wait: true,
	Send: true, SendWait: true, Recv: true, Either: true, Select: true}

// IsSync reports whether op is a synchronisation action (a card that may
// block or that changes a synchronisation object).
func (op Op) IsSync() bool {
	switch op {
	case Await, Atomic, Lock, Unlock, Acquire, Release, Notify, Wait, Send, SendWait, Recv, Spawn, Join,
		CondWait, CondSleep, Signal, Broadcast, Select:
		return true
	}
	return false
}

// NoExpr marks an absent expression operand.
const NoExpr Expr = -1

// Expr is the index of an expression in Program.Exprs.
type Expr int32

// NoStack is the handle value that names no stack: what a procedure that
// returns handles gives when it falls off its end. Joining it is a runtime
// error; printed, it is "none".
const NoStack = -1

// Card is one atomic step.
type Card struct {
	Op      Op
	DstType Type  // the type of the value the card sets in Dst, for traces
	Dst     int32 // destination local slot, or -1
	A, B    int32 // op-specific operands (see the table on Op)
	Obj     int32 // index into Program.Globals for shared operands, or -1
	X, Y    Expr  // expression operands, NoExpr when absent
	Next    int32 // the card that follows; -1 ends an atomic body
	Target  int32 // Branch: where to go when X is false
	Proc    int32 // the procedure whose stack runs this card
	// KillNext and KillTarget index Program.Kills: the local slots that
	// are dead once the card has gone to Next (or Target) and are zeroed
	// then, so that states which differ only in dead values are one state.
	KillNext, KillTarget int32
	Pos                  syntax.Pos
}

// Global is a named piece of shared state: a variable or array, or a
// synchronisation object or array of them. Its words live at
// [Base, Base+Len*Stride) of the shared section of the state.
type Global struct {
	Name   string
	Kind   GlobalKind
	Type   Type  // element type of a var
	Base   int32 // first word in the shared section
	Len    int32 // number of elements; 0 for a scalar
	Stride int32 // words per element
	Cap    int32 // channel capacity (0: rendezvous)
	Init   int64 // initial value of every element (var, sem)
	// Hidden marks a var left out of outcomes by the file's observe
	// declaration.
	Hidden bool
	Pos    syntax.Pos
}

// Elems returns the number of elements (1 for a scalar).
func (g *Global) Elems() int32 {
	if g.Len == 0 {
		return 1
	}
	return g.Len
}

// GlobalKind says what a Global is.
type GlobalKind uint8

const (
	GVar GlobalKind = iota
	GMutex
	GSem
	GChan
	GEvent
	GCond // one word: how many stacks sleep on it (see CondWait)
)

func (k GlobalKind) String() string {
	return [...]string{"var", "mutex", "sem", "chan", "event", "cond"}[k]
}

// Type is the type of a value.
type Type uint8

const (
	TInt Type = iota
	TBool
	THandle
	TVoid // a call or join whose procedure returns nothing
)

func (t Type) String() string {
	return [...]string{"int", "bool", "handle", "void"}[t]
}

// Proc is a compiled procedure: its cards start at Entry and it needs
// NLocals local slots (parameters first, then lets, temporaries and the
// locals of every call inlined into it).
type Proc struct {
	Name    string
	Params  []string
	NLocals int32
	Entry   int32 // first card
	Exit    int32 // its Done card
	Returns Type  // TVoid when it never returns a value
	// Start is the card a stack of this procedure stands at while its
	// start message is in flight (placed programs only), or -1.
	Start  int32
	Pos    syntax.Pos
	Locals []string // slot names, for traces ("t1" for temporaries)
	// Daemon: declared `daemon proc`; its stacks may run forever, and may
	// be left blocked once every other stack has finished.
	Daemon bool
	// DeadParams has bit k set when parameter k is never read: a spawn
	// stores 0 there, so that stacks that differ only in it are one
	// state (the value is still evaluated, for its faults).
	DeadParams uint32
}

// PrintArg is one argument of a print card: a literal string or an
// expression with its type (for formatting).
type PrintArg struct {
	Str  string
	X    Expr // NoExpr for a string literal
	Type Type
}

// SpawnInfo describes a spawn: the procedure and its argument expressions.
type SpawnInfo struct {
	Args []Expr
}

// Invariant is an `always` declaration.
type Invariant struct {
	X   Expr
	Pos syntax.Pos
	Src string // the condition as written
}

// Property is an `eventually` or `leadsto` declaration: a condition on
// fair runs, checked by the progress search.
type Property struct {
	Kind string // PropEventually or PropLeadsTo
	P    Expr   // leadsto: the condition that asks for Q; NoExpr for eventually
	Q    Expr   // the condition that must come
	PSrc string // P as written ("" for eventually)
	QSrc string // Q as written
	Pos  syntax.Pos
	Src  string // the declaration as written, for messages
}

// Property kinds (also the kinds of their violations).
const (
	PropEventually = "eventually"
	PropLeadsTo    = "leadsto"
)

// MaxProperties bounds the eventually and leadsto declarations of a
// program: the progress search keeps their truth as bits per state.
const MaxProperties = 32

// Access is one shared access of a card, for `deck cards` and for the
// checker's independence analysis.
type Access struct {
	Global int32 // index into Program.Globals
	Elem   int32 // element index, or -1 when it depends on a runtime value
	Write  bool
}

// Program is a compiled deck program.
type Program struct {
	File    string
	Src     []byte
	Cards   []Card
	Exprs   []ExprCode
	Consts  []int64
	Globals []Global
	Procs   []Proc
	Main    int32 // index of proc main

	SharedWords int32 // size of the shared section of a state

	Prints   [][]PrintArg
	Messages []string // assert messages ("" when none)
	Spawns   []SpawnInfo
	Eithers  [][]int32
	Always   []Invariant
	Props    []Property // eventually and leadsto, in source order

	// Guards[A][k] is the guard of branch k of either A (NoExpr when the
	// branch is unguarded); Guards[A] is nil when no branch is guarded.
	// See choice.go.
	Guards [][]Expr
	// GuardBodies[A][k] is the first card of the atomic body that branch
	// k of either A runs in the same step as its choice, when the branch
	// begins with `atomic { await G; ... }` (-1 when it has none);
	// GuardBodies[A] is nil when no branch has one. See choice.go.
	GuardBodies [][]int32

	// Selects[A] are the cases of select card A, in source order. See
	// select.go.
	Selects [][]SelectCase

	// Accesses[pc] lists what card pc reads and writes in shared memory
	// (an atomic card lists everything its body may touch, and so does an
	// either whose branches run atomic bodies).
	Accesses [][]Access
	// Numbers[pc] is card pc's number within its procedure: "3", or
	// "3.1" for the first body card of atomic card 3 (or of either card 3
	// with atomic bodies).
	Numbers []string
	// Labels[pc] is a short human description of card pc, e.g. "read x",
	// "x = t1 + 1", "lock m": what `deck cards` and traces show.
	Labels []string
	// Via[pc], for a card a call inlined into its caller, names the call
	// ("in div, called at 6:13", the innermost one), for a runtime error
	// at a position in the callee; "" otherwise. It may be shorter than
	// Cards (cards added after compiling have none).
	Via []string
	// Kills are lists of local slots to zero; Kills[0] is empty.
	Kills [][]int32
	// MaxEval is the deepest evaluation stack any expression needs.
	MaxEval int
	// LoopSteps lists the cards that step the variable of a for loop. The
	// edge from one to its loop's guard closes a loop that runs a bounded
	// number of times (the variable is read-only in the body and the bound
	// is evaluated once), which the checker's cycle proviso may ignore.
	LoopSteps []int32
	// StackWords, by pc: the words a stack standing at that card takes in
	// a state vector (pc, return value and its procedure's locals; no
	// locals once finished). Derived from Cards and Procs by SetStackWords,
	// so that indexing a state reads one small table.
	StackWords []int32
	// PrintForm, by print index: the same number for two prints whose
	// lines look alike for the same values (the same strings and value
	// types in the same places), so that a digest of the output can tell
	// apart exactly the outputs that read differently.
	PrintForm []int32
	// Net describes the nodes and the network of a placed program (see
	// compile.Place); nil when every stack runs on one machine.
	Net *Network
	// Places are the file's place declarations, in order; compile.Place
	// applies them.
	Places []PlaceDecl
}

// StackName is how traces and messages name stack id of a program whose
// stack runs procedure proc: main is "main", others "proc#id".
func (p *Program) StackName(proc int32, id int) string {
	if id == 0 {
		return p.Procs[proc].Name
	}
	return fmt.Sprintf("%s#%d", p.Procs[proc].Name, id)
}

// Position renders a card's position as file:line:col.
func (p *Program) Position(pos syntax.Pos) string {
	return fmt.Sprintf("%s:%d:%d", p.File, pos.Line, pos.Col)
}

// SetPrintForms fills PrintForm from Prints.
func (p *Program) SetPrintForms() {
	forms := map[string]int32{}
	p.PrintForm = make([]int32, len(p.Prints))
	for i, args := range p.Prints {
		var b strings.Builder
		for _, a := range args {
			if a.X == NoExpr {
				fmt.Fprintf(&b, "s%q", a.Str)
			} else {
				fmt.Fprintf(&b, "v%d", a.Type)
			}
		}
		k, ok := forms[b.String()]
		if !ok {
			k = int32(len(forms))
			forms[b.String()] = k
		}
		p.PrintForm[i] = k
	}
}

// SetStackWords fills StackWords from Cards and Procs.
func (p *Program) SetStackWords() {
	p.StackWords = make([]int32, len(p.Cards))
	for pc := range p.Cards {
		c := &p.Cards[pc]
		p.StackWords[pc] = 2
		if c.Op != Done {
			p.StackWords[pc] += p.Procs[c.Proc].NLocals
		} else if p.Net != nil && p.Net.DoneTo[c.Proc] != 0 {
			p.StackWords[pc]++ // the nodes that have heard it finish
		}
	}
}
