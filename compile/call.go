package compile

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// effect compiles an effectful form (recv, spawn, join, choose or a call)
// whose result goes to local slot dst (-1: dropped). It returns the type of
// the result.
func (pc *procCompiler) effect(e syntax.Expr, dst int32, want bool) (ltype, bool) {
	c := pc.c
	if pc.inAtomic {
		switch e.(type) {
		case *syntax.SpawnExpr, *syntax.CallExpr:
		case *syntax.ChooseExpr:
			c.errorf(e.Pos(), "choose cannot be inside atomic (the checker tries each value as a move of its own)")
			return tInt, false
		default:
			c.errorf(e.Pos(), "%s may block, so it cannot be inside atomic", effectName(e))
			return tInt, false
		}
	}
	dstName := func() string {
		if dst < 0 {
			return ""
		}
		return pc.slots[dst] + " = "
	}
	switch e := e.(type) {
	case *syntax.RecvExpr:
		o, ok := pc.object(e.Chan, card.GChan)
		if !ok {
			return tInt, false
		}
		cd := pc.newCard(card.Recv, e.At, card.NoExpr)
		cd.Obj, cd.Y, cd.Dst = o.obj, o.index, dst
		pc.emit(cd, dstName()+"recv "+o.label)
		return tInt, true
	case *syntax.SpawnExpr:
		return pc.spawn(e, dst, dstName())
	case *syntax.JoinExpr:
		h := pc.lower(pc.translate(e.X), 0)
		if h.typ.t != card.THandle {
			c.errorf(e.X.Pos(), "join needs a stack handle (from spawn), not %s", an(h.typ.t))
			return tInt, false
		}
		rt := tInt
		if h.typ.proc >= 0 {
			c.compileProc(h.typ.proc)
			info := &c.info[h.typ.proc]
			rt = ltype{t: info.returns, proc: -1}
			if info.returns == card.THandle {
				rt.proc = info.retProc
			}
			if want && info.returns == card.TVoid {
				name := c.prog.Procs[h.typ.proc].Name
				if info.compiling {
					c.errorf(e.At, "cannot tell yet what %s returns: put a return with a value before this join", name)
				} else {
					c.errorf(e.At, "%s returns no value", name)
				}
				return tInt, false
			}
		}
		cd := pc.newCard(card.Join, e.At, pc.exprCode(h))
		cd.Dst = dst
		cd.A = h.typ.proc // the procedure of the stack joined, or -1 when unknown
		pc.emit(cd, dstName()+"join "+h.src())
		return rt, true
	case *syntax.ChooseExpr:
		lo := pc.translate(e.Lo)
		hi := pc.translate(e.Hi)
		if lo.typ.t != card.TInt || hi.typ.t != card.TInt {
			c.errorf(e.At, "choose needs an int range")
			return tInt, false
		}
		if lo.kind == irConst && hi.kind == irConst && hi.val <= lo.val {
			c.errorf(e.At, "choose from an empty range %d..%d", lo.val, hi.val)
			return tInt, false
		}
		lo = pc.lower(lo, 0)
		hi = pc.lower(hi, 0)
		if dst < 0 {
			dst = pc.temp(tInt, e.At)
		}
		cd := pc.newCard(card.Choose, e.At, pc.exprCode(lo))
		cd.Y, cd.Dst = pc.exprCode(hi), dst
		pc.emit(cd, pc.slots[dst]+" = choose "+lo.src()+".."+hi.src())
		return tInt, true
	case *syntax.CallExpr:
		return pc.call(e, dst, want)
	}
	return tInt, false
}

// callee resolves the procedure of a call or spawn and checks its arity.
func (pc *procCompiler) callee(ce *syntax.CallExpr) (int32, bool) {
	c := pc.c
	idx, ok := c.procIdx[ce.Fun.Name]
	if !ok {
		if _, isLocal := pc.lookup(ce.Fun.Name); isLocal {
			c.errorf(ce.Fun.At, "%s is a local variable, not a procedure", ce.Fun.Name)
		} else if e, isName := c.names[ce.Fun.Name]; isName {
			c.errorf(ce.Fun.At, "%s is a %s, not a procedure", ce.Fun.Name, c.kindName(e))
		} else {
			c.errorf(ce.Fun.At, "undefined procedure: %s", ce.Fun.Name)
		}
		return 0, false
	}
	want := len(c.decls[idx].Params)
	if len(ce.Args) != want {
		c.errorf(ce.Lparen, "%s takes %d argument%s, not %d", ce.Fun.Name, want, plural(want), len(ce.Args))
		return 0, false
	}
	if idx == c.prog.Main {
		c.errorf(ce.Fun.At, "main cannot be called or spawned")
		return 0, false
	}
	return idx, true
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// argTypes records the parameter types of a procedure from its first call
// site and checks every later one against them.
func (pc *procCompiler) argTypes(idx int32, args []*ir, at syntax.Pos, binds []*objBind) {
	c := pc.c
	info := &c.info[idx]
	if info.paramTypes == nil {
		info.paramTypes = make([]ltype, len(args))
		for k, a := range args {
			info.paramTypes[k] = a.typ
		}
		info.paramsFrom = at
		// A stack of the procedure compiled on its own binds the objects
		// of this first site.
		info.binds = binds
		return
	}
	for k, a := range args {
		want := info.paramTypes[k]
		if a.typ.obj != want.obj || a.typ.arr != want.arr {
			c.errorf(a.pos, "argument %d of %s is %s here but %s at %s", k+1, c.prog.Procs[idx].Name, describeType(a.typ), describeType(want), info.paramsFrom)
		} else if a.typ.t != want.t {
			c.errorf(a.pos, "argument %d of %s is %s here but %s at %s", k+1, c.prog.Procs[idx].Name, an(a.typ.t), an(want.t), info.paramsFrom)
		} else if why := c.handlesDisagree(want, a.typ); why != "" {
			c.errorf(a.pos, "argument %d of %s is a handle to %s here but to %s at %s; %s", k+1, c.prog.Procs[idx].Name,
				c.procName(a.typ.proc), c.procName(want.proc), info.paramsFrom, why)
		}
	}
}

// spawn compiles `spawn f(args)`.
func (pc *procCompiler) spawn(e *syntax.SpawnExpr, dst int32, dstName string) (ltype, bool) {
	c := pc.c
	idx, ok := pc.callee(e.Call)
	if !ok {
		// Still a handle, so that a later join of it reports nothing
		// more: to the procedure named, when there is one whose
		// parameter types are known (a join compiles it, and must not
		// fix them before a good call site does).
		h := ltype{t: card.THandle, proc: -1}
		if p, isProc := c.procIdx[e.Call.Fun.Name]; isProc && p != c.prog.Main &&
			(c.info[p].paramTypes != nil || len(c.decls[p].Params) == 0) {
			h.proc = p
		}
		return h, false
	}
	var args, vals []*ir
	var srcs []string
	binds := make([]*objBind, len(e.Call.Args))
	for k, a := range e.Call.Args {
		if o, isObj := pc.objectArg(a); isObj {
			// The object is bound in the spawned procedure's copy; an
			// element's index travels as the argument's value.
			args = append(args, &ir{kind: irConst, typ: pc.objType(o.b), name: o.src, prec: 9, pos: a.Pos()})
			v := constIR(0, tInt, a.Pos())
			if o.index != nil {
				v = o.index
			} else if o.b.slot >= 0 {
				v = &ir{kind: irLocal, typ: tInt, val: int64(o.b.slot), name: pc.slots[o.b.slot], prec: 9, pos: a.Pos()}
			}
			vals = append(vals, v)
			b := objBind{g: o.b.g, slot: -1, whole: o.b.whole}
			if !o.b.whole && (o.index != nil || o.b.slot >= 0) {
				b.slot = int32(k)
			}
			binds[k] = &b
			continue
		}
		x := pc.translate(a)
		if x.typ.t == card.TVoid {
			c.errorf(a.Pos(), "%s has no value", x.src())
		}
		args = append(args, x)
		vals = append(vals, x)
	}
	pc.argTypes(idx, args, e.Call.Fun.At, binds)
	idx = c.specialise(idx, binds)
	var exprs []card.Expr
	for k, x := range vals {
		x = pc.lower(x, 0)
		exprs = append(exprs, pc.exprCode(x))
		if binds[k] != nil {
			srcs = append(srcs, args[k].name)
		} else {
			srcs = append(srcs, x.src())
		}
	}
	cd := pc.newCard(card.Spawn, e.At, card.NoExpr)
	cd.A, cd.B, cd.Dst = idx, int32(len(c.prog.Spawns)), dst
	c.prog.Spawns = append(c.prog.Spawns, card.SpawnInfo{Args: exprs})
	pc.emit(cd, dstName+"spawn "+e.Call.Fun.Name+"("+strings.Join(srcs, ", ")+")")
	c.compileProc(idx)
	return ltype{t: card.THandle, proc: idx}, true
}

// maxInline bounds how deeply calls inline into each other.
const maxInline = 32

// maxInlinedCards bounds the cards one procedure's calls may expand to.
// Depth alone does not bound them: a procedure that calls another twice,
// which calls another twice, and so on, doubles its cards at each level,
// and 24 such levels (a program of a few hundred bytes) took tens of GiB.
const maxInlinedCards = 1 << 16

// maxInlinedCalls bounds the calls one procedure's calls may expand: calls
// that make no cards (empty procedures, called twice at each level) would
// otherwise expand for hours with no card to count. A doubling that makes
// cards expands about two calls a card, so it meets the card bound first.
const maxInlinedCalls = 4 * maxInlinedCards

// call inlines a synchronous call: the callee's cards run on this stack.
func (pc *procCompiler) call(e *syntax.CallExpr, dst int32, want bool) (ltype, bool) {
	c := pc.c
	idx, ok := pc.callee(e)
	if !ok {
		return tInt, false
	}
	name := e.Fun.Name
	recursive := pc.proc >= 0 && c.decls[idx] == c.decls[pc.proc]
	for _, f := range pc.inlines {
		recursive = recursive || f.proc == idx
	}
	if recursive {
		chain := ""
		if idx != c.callerOf(pc) {
			// Say how the call comes back: f → g → f.
			names := []string{c.prog.Procs[pc.proc].Name}
			for _, f := range pc.inlines {
				names = append(names, c.prog.Procs[f.proc].Name)
			}
			for len(names) > 0 && names[0] != name {
				names = names[1:]
			}
			chain = " (" + strings.Join(append(names, name), " → ") + ")"
		}
		c.errorf(e.Fun.At, "%s calls itself%s: a call runs on the caller's stack and is expanded in place, so it cannot recurse (spawn it instead)", name, chain)
		return tInt, false
	}
	if len(pc.inlines) >= maxInline {
		c.errorf(e.Fun.At, "calls nest more than %d deep", maxInline)
		return tInt, false
	}
	if c.inlinedTooMuch {
		// Reported already (below): every procedure that calls into the
		// same tree would pay as much again, for the same error.
		return tInt, false
	}
	pc.calls++
	if pc.inlined > maxInlinedCards || pc.calls > maxInlinedCalls {
		if !c.inlinedTooMuch {
			c.inlinedTooMuch = true
			who := "the program's invariants"
			if pc.proc >= 0 {
				who = "procedure " + c.prog.Procs[pc.proc].Name
			}
			// The calls being expanded when it happened, outermost first.
			var chain []string
			for _, f := range pc.inlines {
				chain = append(chain, c.prog.Procs[f.proc].Name)
			}
			if len(chain) > 6 {
				chain = append(append(chain[:3:3], "…"), chain[len(chain)-2:]...)
			}
			what := fmt.Sprintf("make more than %d cards", maxInlinedCards)
			if pc.inlined <= maxInlinedCards {
				what = fmt.Sprintf("expand more than %d calls", maxInlinedCalls)
			}
			c.errorf(e.Fun.At, "the calls inlined into %s (%s) %s: a call is expanded in place, so a procedure that calls another twice, which calls another twice, doubles its cards at each level; call once in a loop, or spawn the work", who, strings.Join(append(chain, name), " → "), what)
		}
		return tInt, false
	}
	d := c.decls[idx]
	var args []*ir
	objs := make([]*objArg, len(e.Args))
	binds := make([]*objBind, len(e.Args))
	for k, a := range e.Args {
		if o, isObj := pc.objectArg(a); isObj {
			objs[k] = &o
			args = append(args, &ir{kind: irConst, typ: pc.objType(o.b), name: o.src, prec: 9, pos: a.Pos()})
			b := objBind{g: o.b.g, slot: -1, whole: o.b.whole}
			if !o.b.whole && (o.index != nil || o.b.slot >= 0) {
				b.slot = int32(k)
			}
			binds[k] = &b
			continue
		}
		args = append(args, pc.translate(a))
	}
	pc.argTypes(idx, args, e.Fun.At, binds)
	// Bind the arguments to fresh parameter slots, one card each.
	scope := map[string]int32{}
	frame := &inlineFrame{proc: idx, retSlot: dst, at: e.Fun.At}
	pc.inlines = append(pc.inlines, frame)
	for k, x := range args {
		if o := objs[k]; o != nil {
			// Bound at compile time: an element picked here gets a slot
			// for its index; a bound element passed on keeps its slot.
			b := o.b
			if o.index != nil {
				ix := pc.lower(o.index, 1)
				b.slot = pc.newSlot(pc.localName(d.Params[k].Name), tInt, e.Args[k].Pos())
				pc.emitLocal(b.slot, ix, e.Args[k].Pos())
			}
			scope[d.Params[k].Name] = pc.addBind(b)
			continue
		}
		x = pc.lower(x, 1)
		slot := pc.newSlot(pc.localName(d.Params[k].Name), x.typ, e.Args[k].Pos())
		pc.emitLocal(slot, x, e.Args[k].Pos())
		scope[d.Params[k].Name] = slot
	}
	saved := pc.scopes
	pc.scopes = []map[string]int32{scope}
	pc.block(d.Body, false)
	pc.scopes = saved
	pc.inlines = pc.inlines[:len(pc.inlines)-1]
	if frame.retType != nil && dst >= 0 && len(pc.pending) > 0 {
		// Falling off the end of a procedure that returns a value elsewhere
		// returns the zero value, as it does for a spawned stack; without
		// this card the destination would keep whatever it held before
		// (a let inside a loop holds the previous iteration's result).
		zero := int64(0)
		if frame.retType.t == card.THandle {
			zero = card.NoStack
		}
		pc.emitLocal(dst, constIR(zero, *frame.retType, d.Body.Rbrace), d.Body.Rbrace)
	}
	pc.pending = append(pc.pending, frame.exits...)
	if frame.retType == nil {
		if want {
			c.errorf(e.Fun.At, "%s returns no value", name)
			return tInt, false
		}
		return ltype{t: card.TVoid, proc: -1}, true
	}
	return *frame.retType, true
}

func (pc *procCompiler) ret(s *syntax.ReturnStmt) {
	c := pc.c
	if n := len(pc.inlines); n > 0 {
		f := pc.inlines[n-1]
		if s.Value != nil {
			x := pc.lower(pc.translate(s.Value), 1)
			if f.retType != nil && f.retType.t != x.typ.t {
				c.errorf(s.Value.Pos(), "%s returns %s here but %s elsewhere", c.prog.Procs[f.proc].Name, an(x.typ.t), an(f.retType.t))
			} else if f.retType != nil {
				if why := c.handlesDisagree(*f.retType, x.typ); why != "" {
					c.errorf(s.Value.Pos(), "%s returns a handle to %s here but to %s elsewhere; %s", c.prog.Procs[f.proc].Name,
						c.procName(x.typ.proc), c.procName(f.retType.proc), why)
				}
			}
			if f.retType == nil {
				t := x.typ
				f.retType = &t
			}
			if f.retSlot < 0 {
				f.retSlot = pc.newSlot(pc.localName("result"), x.typ, s.At)
			}
			pc.emitLocal(f.retSlot, x, s.At)
		} else if f.retType != nil {
			c.errorf(s.At, "%s returns a value elsewhere, so this return needs one too", c.prog.Procs[f.proc].Name)
		} else if !f.bareAt.IsValid() {
			f.bareAt = s.At
		}
		if s.Value != nil && f.bareAt.IsValid() {
			c.errorf(f.bareAt, "%s returns a value at %s, so this return needs one too", c.prog.Procs[f.proc].Name, s.At)
			f.bareAt = syntax.Pos{}
		}
		// Leave the inlined body: whatever comes next after the call.
		f.exits = append(f.exits, pc.pending...)
		pc.pending = nil
		return
	}
	if pc.inAtomic {
		c.errorf(s.At, "return cannot be inside atomic")
		return
	}
	info := &c.info[pc.proc]
	cd := pc.newCard(card.Return, s.At, card.NoExpr)
	label := "return"
	if s.Value != nil {
		x := pc.lower(pc.translate(s.Value), 1)
		if info.hasReturn && info.returns != x.typ.t {
			c.errorf(s.Value.Pos(), "%s returns %s here but %s at %s", c.prog.Procs[pc.proc].Name, an(x.typ.t), an(info.returns), info.retFrom)
		} else if !info.hasReturn {
			info.hasReturn, info.returns, info.retProc, info.retFrom = true, x.typ.t, x.typ.proc, s.At
		} else if why := c.handlesDisagree(ltype{t: info.returns, proc: info.retProc}, x.typ); why != "" {
			c.errorf(s.Value.Pos(), "%s returns a handle to %s here but to %s at %s; %s", c.prog.Procs[pc.proc].Name,
				c.procName(x.typ.proc), c.procName(info.retProc), info.retFrom, why)
		}
		cd.X = pc.exprCode(x)
		label += " " + x.src()
		if info.bareAt.IsValid() {
			c.errorf(info.bareAt, "%s returns a value at %s, so this return needs one too", c.prog.Procs[pc.proc].Name, s.At)
			info.bareAt = syntax.Pos{}
		}
	} else if info.hasReturn {
		c.errorf(s.At, "%s returns a value at %s, so this return needs one too", c.prog.Procs[pc.proc].Name, info.retFrom)
	} else if !info.bareAt.IsValid() {
		info.bareAt = s.At
	}
	pc.emit(cd, label)
	pc.pending = nil
}

// handlesDisagree says why values of types x and y, when both are handles,
// cannot share a local, a parameter or a return value, or returns "" when
// they can: other types, handles to one procedure, or handles whose joins
// give the same type, since that type is all the compiler keeps of them.
func (c *compiler) handlesDisagree(x, y ltype) string {
	if x.t != card.THandle || y.t != card.THandle {
		return ""
	}
	a, b := x.proc, y.proc
	for depth := 0; a != b; depth++ {
		if depth > len(c.info) {
			return "" // handles to handles to ... in a cycle: they agree
		}
		if a < 0 || b < 0 {
			return "a handle's procedure must be known here"
		}
		c.compileProc(a)
		c.compileProc(b)
		ia, ib := &c.info[a], &c.info[b]
		if ia.compiling || ib.compiling {
			return fmt.Sprintf("cannot tell yet what %s and %s return: put this after their returns", c.procName(a), c.procName(b))
		}
		if ia.returns != ib.returns {
			return fmt.Sprintf("joining a stack of %s gives %s but one of %s gives %s, and one variable cannot hold both",
				c.procName(a), an(ia.returns), c.procName(b), an(ib.returns))
		}
		if ia.returns != card.THandle {
			return ""
		}
		a, b = ia.retProc, ib.retProc
	}
	return ""
}

// procName names a procedure for messages.
func (c *compiler) procName(p int32) string {
	if p < 0 {
		return "an unknown procedure"
	}
	return c.prog.Procs[p].Name
}

// callerOf is the procedure whose body is being compiled at this point: the
// innermost inlined call, or the stack's own procedure.
func (c *compiler) callerOf(pc *procCompiler) int32 {
	if n := len(pc.inlines); n > 0 {
		return pc.inlines[n-1].proc
	}
	return pc.proc
}
