package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// patch fills in a card reference once its target is known.
type patch func(to int32)

// procCompiler lowers the body of one procedure (and every call inlined
// into it) to cards.
type procCompiler struct {
	c         *compiler
	proc      int32 // the procedure whose stack runs these cards; -1 for invariants
	slots     []string
	slotTypes []ltype
	scopes    []map[string]int32
	readOnly  map[int32]bool // for-loop variables
	pending   []patch        // references to "the next card emitted"
	labels    []*int32       // labels that resolve to the next card emitted
	freeTemps []int32
	usedTemps []int32 // temps taken by statements still being compiled
	nTemps    int

	inAtomic bool
	inAlways bool
	// condWhat names the condition an invariant or property compiler
	// compiles, for messages: "an always condition".
	condWhat string
	dummies  map[int32]bool // slots standing in for undefined names
	inlines  []*inlineFrame
	// inlined counts the cards the procedure's inlined calls made; once
	// it passes maxInlinedCards, calls stop inlining (see call).
	inlined int
	// calls counts the calls expanded into the procedure: calls that make
	// no cards (an empty procedure, called twice at each level) would
	// otherwise expand without bound and without a card to count.
	calls int

	top    []int32           // the procedure's own cards, in order
	bodies map[int32][]int32 // atomic card -> its body cards
	body   *[]int32          // where cards go while compiling an atomic body

	arrays map[int32]*localArray // local arrays by their first slot
	binds  []objBind             // parameters bound to objects (scope entries -2, -3, ...)
}

// inlineFrame is a synchronous call being inlined.
type inlineFrame struct {
	proc    int32
	retSlot int32
	retType *ltype
	exits   []patch
	at      syntax.Pos
	bareAt  syntax.Pos // a return without a value, if any
}

func newProcCompiler(c *compiler, proc int32) *procCompiler {
	pc := &procCompiler{c: c, proc: proc, readOnly: map[int32]bool{}, bodies: map[int32][]int32{}, arrays: map[int32]*localArray{}}
	c.cur = pc // the one compiling now, whose inlined calls errorf names
	return pc
}

func (pc *procCompiler) pushScope() { pc.scopes = append(pc.scopes, map[string]int32{}) }
func (pc *procCompiler) popScope()  { pc.scopes = pc.scopes[:len(pc.scopes)-1] }

func (pc *procCompiler) lookup(name string) (int32, bool) {
	for i := len(pc.scopes) - 1; i >= 0; i-- {
		if s, ok := pc.scopes[i][name]; ok {
			return s, true
		}
	}
	return 0, false
}

// newSlot adds a local slot. A procedure has at most maxLocals of them
// (its own locals, its temporaries and those of the calls inlined into
// it): the liveness analysis holds a set of slots per card, and every
// stack carries them all in every state. The first slot beyond the limit
// is reported at pos, the place that needed it.
func (pc *procCompiler) newSlot(name string, t ltype, pos syntax.Pos) int32 {
	if len(pc.slots) == maxLocals {
		what := "procedure " + pc.c.prog.Procs[max(pc.proc, 0)].Name
		if pc.proc < 0 {
			what = "an always, eventually or leadsto condition"
		}
		pc.c.errorf(pos, "%s needs more than %d locals (its own, every element of its local arrays, the temporaries of hoisted shared reads, and those of inlined calls); use a shared array for a large one, split long expressions with let, or split the procedure", what, maxLocals)
	}
	pc.slots = append(pc.slots, name)
	pc.slotTypes = append(pc.slotTypes, t)
	return int32(len(pc.slots) - 1)
}

// checkNewLocal reports a local name that would hide a global or another
// local of the same procedure (deck has no shadowing: it only confuses).
func (pc *procCompiler) checkNewLocal(id *syntax.Ident) {
	c := pc.c
	if e, ok := c.names[id.Name]; ok {
		c.errorf(id.At, "%s hides the %s declared at %s; pick another name", id.Name, c.kindName(e), e.pos)
	} else if slot, ok := pc.lookup(id.Name); ok && !pc.dummies[slot] {
		c.errorf(id.At, "%s is already declared in this procedure", id.Name)
	}
}

// localName is how a local appears in labels: inlined locals are prefixed
// with their procedure ("inc.t").
func (pc *procCompiler) localName(name string) string {
	if n := len(pc.inlines); n > 0 {
		return pc.c.prog.Procs[pc.inlines[n-1].proc].Name + "." + name
	}
	return name
}

// declareLocal introduces a local variable in the innermost scope.
func (pc *procCompiler) declareLocal(id *syntax.Ident, t ltype) int32 {
	pc.checkNewLocal(id)
	slot := pc.newSlot(pc.localName(id.Name), t, id.At)
	pc.scopes[len(pc.scopes)-1][id.Name] = slot
	return slot
}

// declareDummy silences repeated "undefined" errors for one name.
func (pc *procCompiler) declareDummy(name string, pos syntax.Pos) {
	if len(pc.scopes) == 0 {
		return
	}
	slot := pc.newSlot(name, tInt, pos)
	pc.scopes[len(pc.scopes)-1][name] = slot
	if pc.dummies == nil {
		pc.dummies = map[int32]bool{}
	}
	pc.dummies[slot] = true
}

// temp returns a temporary slot, free again when the statement that took
// it is done.
func (pc *procCompiler) temp(t ltype, pos syntax.Pos) int32 {
	var s int32
	if n := len(pc.freeTemps); n > 0 {
		s = pc.freeTemps[n-1]
		pc.freeTemps = pc.freeTemps[:n-1]
	} else {
		pc.nTemps++
		s = pc.newSlot(fmt.Sprintf("t%d", pc.nTemps), t, pos)
	}
	pc.slotTypes[s] = t
	pc.usedTemps = append(pc.usedTemps, s)
	return s
}

func (pc *procCompiler) newCard(op card.Op, pos syntax.Pos, x card.Expr) card.Card {
	return card.Card{Op: op, Dst: -1, Obj: -1, X: x, Y: card.NoExpr, Target: -1, Pos: pos}
}

// emit appends a card, links every pending reference to it, and makes its
// own Next the new pending reference.
func (pc *procCompiler) emit(cd card.Card, label string) int32 {
	p := pc.c.prog
	idx := int32(len(p.Cards))
	for _, f := range pc.pending {
		f(idx)
	}
	for _, l := range pc.labels {
		*l = idx
	}
	pc.labels = pc.labels[:0]
	cd.Proc = pc.proc
	if cd.Dst >= 0 && int(cd.Dst) < len(pc.slotTypes) {
		cd.DstType = pc.slotTypes[cd.Dst].t
	}
	p.Cards = append(p.Cards, cd)
	p.Labels = append(p.Labels, label)
	via := ""
	if n := len(pc.inlines); n > 0 {
		pc.inlined++
		f := pc.inlines[n-1]
		via = fmt.Sprintf("in %s, called at %d:%d", pc.c.decls[f.proc].Name.Name, f.at.Line, f.at.Col)
	}
	p.Via = append(p.Via, via)
	// A fresh slice: callers keep earlier pending lists (if/else, atomic).
	pc.pending = []patch{func(to int32) { p.Cards[idx].Next = to }}
	if pc.body != nil {
		*pc.body = append(*pc.body, idx)
	} else {
		pc.top = append(pc.top, idx)
	}
	return idx
}

func (pc *procCompiler) targetPatch(idx int32) patch {
	p := pc.c.prog
	return func(to int32) { p.Cards[idx].Target = to }
}

// emitDone appends the procedure's Done card (never linked from a pending
// reference: nothing runs after it).
func (pc *procCompiler) emitDone(pos syntax.Pos) int32 {
	pc.pending = pc.pending[:0]
	p := pc.c.prog
	idx := int32(len(p.Cards))
	cd := pc.newCard(card.Done, pos, card.NoExpr)
	cd.Proc, cd.Next = pc.proc, idx
	p.Cards = append(p.Cards, cd)
	p.Labels = append(p.Labels, "(finished)")
	p.Via = append(p.Via, "")
	return idx
}

// block compiles a block in a new scope.
func (pc *procCompiler) block(b *syntax.Block, ownScope bool) {
	if ownScope {
		pc.pushScope()
		defer pc.popScope()
	}
	for _, s := range b.Stmts {
		pc.stmt(s)
	}
}

func (pc *procCompiler) stmt(s syntax.Stmt) {
	mark := len(pc.usedTemps)
	defer func() {
		// Temporaries die with their statement.
		pc.freeTemps = append(pc.freeTemps, pc.usedTemps[mark:]...)
		pc.usedTemps = pc.usedTemps[:mark]
	}()
	c := pc.c
	switch s := s.(type) {
	case *syntax.Block:
		pc.block(s, true)
	case *syntax.LetStmt:
		pc.let(s)
	case *syntax.AssignStmt:
		pc.assign(s)
	case *syntax.IncDecStmt:
		op := syntax.ADD_ASSIGN
		if s.Op == syntax.DEC {
			op = syntax.SUB_ASSIGN
		}
		pc.assignAs(&syntax.AssignStmt{Target: s.Target, Op: op, OpPos: s.OpPos, Value: &syntax.IntLit{At: s.OpPos, Value: 1}}, s.Op)
	case *syntax.IfStmt:
		cond := pc.cond(s.Cond, "if")
		br := pc.emit(pc.newCard(card.Branch, s.At, pc.exprCode(cond)), "if "+cond.src())
		pc.block(s.Then, true)
		afterThen := pc.pending
		pc.pending = []patch{pc.targetPatch(br)}
		if s.Else != nil {
			pc.stmt(s.Else)
		}
		pc.pending = append(pc.pending, afterThen...)
	case *syntax.WhileStmt:
		var start int32 = -1
		pc.labels = append(pc.labels, &start)
		cond := pc.cond(s.Cond, "while")
		br := pc.emit(pc.newCard(card.Branch, s.At, pc.exprCode(cond)), "while "+cond.src())
		pc.block(s.Body, true)
		for _, f := range pc.pending {
			f(start)
		}
		pc.pending = []patch{pc.targetPatch(br)}
	case *syntax.ForStmt:
		pc.forStmt(s)
	case *syntax.AssertStmt:
		x := pc.cond(s.Cond, "assert")
		cd := pc.newCard(card.Assert, s.At, pc.exprCode(x))
		msg := ""
		if s.Msg != nil {
			msg = s.Msg.Value
		}
		cd.A = int32(len(c.prog.Messages))
		c.prog.Messages = append(c.prog.Messages, msg)
		pc.emit(cd, "assert "+x.src())
	case *syntax.PrintStmt:
		pc.print(s)
	case *syntax.AtomicStmt:
		pc.atomic(s)
	case *syntax.AwaitStmt:
		if pc.inAtomic {
			c.errorf(s.At, "await inside atomic must be the block's first statement")
			return
		}
		x := pc.translate(s.Cond)
		pc.checkBool(x, s.Cond, "await")
		pc.emit(pc.newCard(card.Await, s.At, pc.exprCode(x)), "await "+x.src())
	case *syntax.YieldStmt:
		if pc.inAtomic {
			return // a step that does nothing, inside a step: nothing at all
		}
		pc.emit(pc.newCard(card.Nop, s.At, card.NoExpr), "yield")
	case *syntax.SyncStmt:
		pc.sync(s)
	case *syntax.SendStmt:
		pc.send(s)
	case *syntax.ExprStmt:
		pc.exprStmt(s)
	case *syntax.ReturnStmt:
		pc.ret(s)
	case *syntax.EitherStmt:
		pc.either(s)
	case *syntax.SelectStmt:
		pc.selectStmt(s)
	default:
		c.errorf(s.Pos(), "unexpected statement")
	}
}

// cond translates and lowers a condition of an if, while or assert.
func (pc *procCompiler) cond(e syntax.Expr, what string) *ir {
	x := pc.translate(e)
	pc.checkBool(x, e, what)
	return pc.lower(x, 1)
}

func (pc *procCompiler) checkBool(x *ir, e syntax.Expr, what string) {
	if x.typ.t != card.TBool {
		pc.c.errorf(e.Pos(), "%s needs a bool condition, not %s", what, an(x.typ.t))
	}
}

func (pc *procCompiler) forStmt(s *syntax.ForStmt) {
	c := pc.c
	lo := pc.translate(s.Lo)
	hi := pc.translate(s.Hi)
	if lo.typ.t != card.TInt || hi.typ.t != card.TInt {
		c.errorf(s.Lo.Pos(), "a for range needs ints")
	}
	pc.pushScope()
	defer pc.popScope()
	v := pc.declareLocal(s.Var, tInt)
	pc.readOnly[v] = true
	name := pc.slots[v]
	lo = pc.lower(lo, 1)
	pc.emitLocal(v, lo, s.At)
	end := hi
	if hi.kind != irConst {
		// The bound is evaluated once, before the first iteration.
		hi = pc.lower(hi, 1)
		slot := pc.newSlot(name+".end", tInt, s.Hi.Pos())
		pc.emitLocal(slot, hi, s.Hi.Pos())
		end = &ir{kind: irLocal, typ: tInt, val: int64(slot), name: pc.slots[slot], prec: 9}
	}
	var start int32 = -1
	pc.labels = append(pc.labels, &start)
	vx := &ir{kind: irLocal, typ: tInt, val: int64(v), name: name, prec: 9}
	cond := &ir{kind: irBinary, op: card.XLt, opTxt: "<", typ: tBool, x: vx, y: end, prec: 3}
	br := pc.emit(pc.newCard(card.Branch, s.At, pc.exprCode(cond)), "for "+cond.src())
	pc.block(s.Body, true)
	inc := &ir{kind: irBinary, op: card.XAdd, opTxt: "+", typ: tInt, x: vx, y: constIR(1, tInt, s.At), prec: 4}
	step := pc.emitLocal(v, inc, s.At)
	c.prog.LoopSteps = append(c.prog.LoopSteps, step)
	for _, f := range pc.pending {
		f(start)
	}
	pc.pending = []patch{pc.targetPatch(br)}
}

func (pc *procCompiler) print(s *syntax.PrintStmt) {
	c := pc.c
	var xs []*ir
	last := -1 // the last argument that reads shared memory keeps its last read
	for k, a := range s.Args {
		if _, ok := a.(*syntax.StringLit); ok {
			xs = append(xs, nil)
			continue
		}
		x := pc.translate(a)
		if x.typ.t == card.TVoid {
			c.errorf(a.Pos(), "%s has no value", x.src())
		}
		if x.reads > 0 {
			last = k
		}
		xs = append(xs, x)
	}
	var args []card.PrintArg
	var srcs []string
	for k, a := range s.Args {
		if str, ok := a.(*syntax.StringLit); ok {
			args = append(args, card.PrintArg{Str: str.Value, X: card.NoExpr})
			srcs = append(srcs, quote(str.Value))
			continue
		}
		keep := 0
		if k == last {
			keep = 1
		}
		x := pc.lower(xs[k], keep)
		args = append(args, card.PrintArg{X: pc.exprCode(x), Type: x.typ.t})
		srcs = append(srcs, x.src())
	}
	cd := pc.newCard(card.Print, s.At, card.NoExpr)
	cd.A = int32(len(c.prog.Prints))
	c.prog.Prints = append(c.prog.Prints, args)
	pc.emit(cd, "print "+strings.Join(srcs, ", "))
}

func (pc *procCompiler) atomic(s *syntax.AtomicStmt) {
	if pc.inAtomic {
		pc.block(s.Body, true) // an atomic block inside one is just its statements
		return
	}
	stmts := s.Body.Stmts
	guard := card.NoExpr
	label := "atomic"
	if len(stmts) > 0 {
		if aw, ok := stmts[0].(*syntax.AwaitStmt); ok {
			x := pc.translate(aw.Cond)
			pc.checkBool(x, aw.Cond, "await")
			guard = pc.exprCode(x)
			label = "atomic await " + x.src()
			stmts = stmts[1:]
		}
	}
	a := pc.emit(pc.newCard(card.Atomic, s.At, guard), label)
	p := pc.c.prog
	p.Cards[a].A = -1
	saved := pc.pending
	pc.atomicBody(a, stmts, func(to int32) { p.Cards[a].A = to })
	pc.pending = saved
}

// atomicBody compiles stmts as an atomic body of card a (an atomic card,
// or an either whose branch begins with a guarded atomic block): its cards
// go to pc.bodies[a], start is told the first (or -1 for an empty body),
// and the body's last cards end it (Next -1). It leaves pc.pending empty.
func (pc *procCompiler) atomicBody(a int32, stmts []syntax.Stmt, start patch) {
	body := pc.bodies[a]
	pc.body = &body
	pc.pending = []patch{start}
	pc.inAtomic = true
	pc.pushScope()
	for _, st := range stmts {
		pc.stmt(st)
	}
	pc.popScope()
	for _, f := range pc.pending {
		f(-1) // the end of the body
	}
	pc.pending = nil
	pc.inAtomic = false
	pc.body = nil
	pc.bodies[a] = body
}

var syncOps = [...]struct {
	op     card.Op
	kind   card.GlobalKind
	blocks bool
}{
	syntax.SyncLock:    {card.Lock, card.GMutex, true},
	syntax.SyncUnlock:  {card.Unlock, card.GMutex, false},
	syntax.SyncAcquire: {card.Acquire, card.GSem, true},
	syntax.SyncRelease: {card.Release, card.GSem, false},
	syntax.SyncNotify:  {card.Notify, card.GEvent, false},
	syntax.SyncWait:    {card.Wait, card.GEvent, true},
}

func (pc *procCompiler) sync(s *syntax.SyncStmt) {
	if pc.syncExtra(s) {
		return
	}
	so := syncOps[s.Op]
	if pc.inAtomic && so.blocks {
		pc.c.errorf(s.At, "%s may block, so it cannot be inside atomic", s.Op)
		return
	}
	o, ok := pc.object(s.Target, so.kind)
	if !ok {
		return
	}
	cd := pc.newCard(so.op, s.At, card.NoExpr)
	cd.Obj, cd.Y = o.obj, o.index
	pc.emit(cd, s.Op.String()+" "+o.label)
}

func (pc *procCompiler) send(s *syntax.SendStmt) {
	c := pc.c
	if pc.inAtomic {
		c.errorf(s.At, "send may block, so it cannot be inside atomic")
		return
	}
	o, ok := pc.object(s.Chan, card.GChan)
	if !ok {
		return
	}
	v := pc.translate(s.Value)
	if v.typ.t != card.TInt {
		c.errorf(s.Value.Pos(), "channels carry ints, not %s", an(v.typ.t))
	}
	v = pc.lower(v, 0)
	cd := pc.newCard(card.Send, s.At, pc.exprCode(v))
	cd.Obj, cd.Y = o.obj, o.index
	pc.emit(cd, "send "+o.label+", "+v.src())
	if o.g.Cap == 0 {
		// A rendezvous: the value is offered, then the sender waits until a
		// receiver has taken it.
		w := pc.newCard(card.SendWait, s.At, card.NoExpr)
		w.Obj, w.Y = o.obj, o.index
		pc.emit(w, "send "+o.label+" (until taken)")
	}
}

func (pc *procCompiler) exprStmt(s *syntax.ExprStmt) {
	if effectName(s.X) != "" {
		pc.effect(s.X, -1, false)
		return
	}
	x := pc.translate(s.X)
	pc.c.errorf(s.X.Pos(), "%s is not a statement: its value would be lost", x.src())
}

func (pc *procCompiler) either(s *syntax.EitherStmt) {
	c := pc.c
	if pc.inAtomic {
		c.errorf(s.At, "either chooses, so it cannot be inside atomic")
		return
	}
	p := c.prog
	ai := int32(len(p.Eithers))
	p.Eithers = append(p.Eithers, make([]int32, len(s.Branches)))
	branches, atomics, label := pc.eitherGuards(s, ai)
	cd := pc.newCard(card.Either, s.At, card.NoExpr)
	cd.A = ai
	e := pc.emit(cd, label)
	if atomics != nil {
		// The atomic bodies of branches that begin with a guarded atomic
		// block, listed right after the either card (e.1, e.2, ...).
		starts := make([]int32, len(s.Branches))
		for k, stmts := range atomics {
			starts[k] = -1
			if stmts != nil {
				pc.atomicBody(e, stmts, func(to int32) { starts[k] = to })
			}
		}
		if slices.ContainsFunc(starts, func(t int32) bool { return t >= 0 }) {
			for len(p.GuardBodies) <= int(ai) {
				p.GuardBodies = append(p.GuardBodies, nil)
			}
			p.GuardBodies[ai] = starts
		}
	}
	var after []patch
	for k, b := range branches {
		k := k
		pc.pending = []patch{func(to int32) { p.Eithers[ai][k] = to }}
		pc.block(b, true)
		after = append(after, pc.pending...)
	}
	pc.pending = after
}
