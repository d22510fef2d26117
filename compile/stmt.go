package compile

import (
	"fmt"

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
	dummies  map[int32]bool // slots standing in for undefined names
	inlines  []*inlineFrame

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
	return &procCompiler{c: c, proc: proc, readOnly: map[int32]bool{}, bodies: map[int32][]int32{}, arrays: map[int32]*localArray{}}
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
		pc.c.errorf(pos, "%s needs more than %d locals (its own, the temporaries of hoisted shared reads, and those of inlined calls); split long expressions with let, or the procedure", what, maxLocals)
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
		pc.assign(&syntax.AssignStmt{Target: s.Target, Op: op, OpPos: s.OpPos, Value: &syntax.IntLit{At: s.OpPos, Value: 1}})
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
