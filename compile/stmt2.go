package compile

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

func (pc *procCompiler) let(s *syntax.LetStmt) {
	c := pc.c
	if s.Size != nil {
		pc.letArray(s)
		return
	}
	if effectName(s.Value) != "" {
		// The destination exists before the effect runs but is bound to its
		// name only afterwards, once its type is known (`let x = f(x)` must
		// not see the new x).
		pc.checkNewLocal(s.Name)
		slot := pc.newSlot(pc.localName(s.Name.Name), tInt, s.Name.At)
		from := len(c.prog.Cards)
		t, _ := pc.effect(s.Value, slot, true)
		pc.slotTypes[slot] = t
		// The effect's cards were emitted before the type was known.
		for k := from; k < len(c.prog.Cards); k++ {
			if cd := &c.prog.Cards[k]; cd.Dst == slot && cd.Proc == pc.proc {
				cd.DstType = t.t
			}
		}
		pc.scopes[len(pc.scopes)-1][s.Name.Name] = slot
		return
	}
	x := pc.lower(pc.translate(s.Value), 1)
	if x.typ.t == card.TVoid {
		c.errorf(s.Value.Pos(), "%s has no value", x.src())
	}
	slot := pc.declareLocal(s.Name, x.typ)
	cd := pc.newCard(card.Local, s.At, pc.exprCode(x))
	cd.Dst = slot
	pc.emit(cd, "let "+pc.slots[slot]+" = "+x.src())
}

// effect compiles an effectful form (recv, spawn, join, choose or a call)
// whose result goes to local slot dst (-1: dropped). It returns the type of
// the result.
func (pc *procCompiler) effect(e syntax.Expr, dst int32, want bool) (ltype, bool) {
	c := pc.c
	if pc.inAtomic {
		switch e.(type) {
		case *syntax.SpawnExpr, *syntax.CallExpr:
		default:
			c.errorf(e.Pos(), "%s may block or choose, so it cannot be inside atomic", effectName(e))
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

// objRef is a resolved synchronisation operand: a global and, for arrays,
// the expression that picks the element.
type objRef struct {
	obj   int32
	index card.Expr
	label string
	g     *card.Global
}

// nameAndIndex splits `m` or `m[i]` into the name and the index (nil for
// `m`); ok is false for any other expression.
func nameAndIndex(e syntax.Expr) (id *syntax.Ident, index syntax.Expr, ok bool) {
	switch e := e.(type) {
	case *syntax.Ident:
		return e, nil, true
	case *syntax.IndexExpr:
		return e.X, e.Index, true
	}
	return nil, nil, false
}

// object resolves `m` or `m[i]` naming an object of the given kind. The
// index is lowered so that the card's own action is its only shared access.
func (pc *procCompiler) object(e syntax.Expr, kind card.GlobalKind) (objRef, bool) {
	c := pc.c
	id, index, ok := nameAndIndex(e)
	if !ok {
		c.errorf(e.Pos(), "expected the name of a %s", kind)
		return objRef{}, false
	}
	label := id.Name
	var gi int32
	if slot, ok := pc.lookup(id.Name); ok && isBind(slot) {
		// A parameter bound to an object (see objparam.go).
		b := *pc.bindOf(slot)
		g := &c.prog.Globals[b.g]
		if g.Kind != kind {
			c.errorf(id.At, "%s is %s (%s), not %s", id.Name, article(g.Kind.String()), g.Name, article(kind.String()))
			return objRef{}, false
		}
		if !b.whole {
			if index != nil {
				c.errorf(id.At, "%s is one %s (%s), not an array", id.Name, kind, pc.bindLabel(b))
				return objRef{}, false
			}
			r := objRef{obj: b.g, index: card.NoExpr, label: pc.bindLabel(b), g: g}
			if b.slot >= 0 {
				r.index = pc.exprCode(&ir{kind: irLocal, typ: tInt, val: int64(b.slot), name: pc.slots[b.slot], prec: 9, pos: id.At})
			}
			return r, true
		}
		gi, label = b.g, g.Name
	} else {
		gi, ok = pc.globalIndex(id, kind)
		if !ok {
			return objRef{}, false
		}
	}
	g := &c.prog.Globals[gi]
	r := objRef{obj: gi, index: card.NoExpr, label: label, g: g}
	if index == nil {
		if g.Len > 0 {
			c.errorf(id.At, "%s is an array of %s: name one element, like %s[0]", id.Name, kind, id.Name)
			return objRef{}, false
		}
		return r, true
	}
	if g.Len == 0 {
		c.errorf(id.At, "%s is not an array", id.Name)
		return objRef{}, false
	}
	x := pc.translate(index)
	if x.typ.t != card.TInt {
		c.errorf(index.Pos(), "an index must be an int, not %s", an(x.typ.t))
	}
	x = pc.lower(x, 0)
	r.index = pc.exprCode(x)
	r.label = label + "[" + x.src() + "]"
	return r, true
}

// globalIndex resolves a name that must denote a global of the given kind.
func (pc *procCompiler) globalIndex(id *syntax.Ident, kind card.GlobalKind) (int32, bool) {
	c := pc.c
	if slot, ok := pc.lookup(id.Name); ok {
		if isBind(slot) {
			c.errorf(id.At, "%s is a %s, not a shared %s", id.Name, c.prog.Globals[pc.bindOf(slot).g].Kind, kind)
			return 0, false
		}
		c.errorf(id.At, "%s is a local variable, not a shared %s", id.Name, kind)
		return 0, false
	}
	ent, ok := c.names[id.Name]
	if !ok {
		c.errorf(id.At, "undefined: %s", id.Name)
		return 0, false
	}
	if ent.kind != entGlobal || c.prog.Globals[ent.global].Kind != kind {
		c.errorf(id.At, "%s is %s, not %s", id.Name, article(c.kindName(ent)), article(kind.String()))
		return 0, false
	}
	return ent.global, true
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
		return tInt, false
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

func (pc *procCompiler) assign(s *syntax.AssignStmt) {
	c := pc.c
	// Resolve the target: a local slot, or a shared variable element.
	local := int32(-1)
	var g *card.Global
	var gi int32
	var idx *ir
	name := ""
	switch t := s.Target.(type) {
	case *syntax.Ident:
		name = t.Name
		if slot, ok := pc.lookup(t.Name); ok {
			if isBind(slot) {
				c.errorf(t.At, "cannot assign to %s: it is a %s", t.Name, c.prog.Globals[pc.bindOf(slot).g].Kind)
				return
			}
			if a := pc.array(slot); a != nil {
				c.errorf(t.At, "%s is an array: assign to an element, like %s[0]", t.Name, t.Name)
				return
			}
			if pc.readOnly[slot] {
				c.errorf(t.At, "cannot assign to %s: it is the loop variable", t.Name)
				return
			}
			local = slot
		} else {
			ent, ok := c.names[t.Name]
			switch {
			case !ok:
				c.errorf(t.At, "undefined: %s", t.Name)
				return
			case ent.kind == entConst:
				c.errorf(t.At, "cannot assign to %s: it is a constant", t.Name)
				return
			case ent.kind != entGlobal || c.prog.Globals[ent.global].Kind != card.GVar:
				c.errorf(t.At, "cannot assign to %s: it is a %s", t.Name, c.kindName(ent))
				return
			}
			gi = ent.global
			g = &c.prog.Globals[gi]
			if g.Len > 0 {
				c.errorf(t.At, "%s is an array: assign to an element, like %s[0]", t.Name, t.Name)
				return
			}
		}
	case *syntax.IndexExpr:
		if slot, ok := pc.lookup(t.X.Name); ok && pc.array(slot) != nil {
			pc.assignLocalArray(s, t, slot)
			return
		}
		var ok bool
		gi, ok = pc.globalIndex(t.X, card.GVar)
		if !ok {
			return
		}
		g = &c.prog.Globals[gi]
		if g.Len == 0 {
			c.errorf(t.Lbrack, "%s is not an array", t.X.Name)
			return
		}
		idx = pc.translate(t.Index)
		if idx.typ.t != card.TInt {
			c.errorf(t.Index.Pos(), "an index must be an int, not %s", an(idx.typ.t))
		}
		// A constant index out of range fails when the card runs (the
		// store checks its index), not here: the code may never run.
		idx = pc.lower(idx, 0)
		name = t.X.Name + "[" + idx.src() + "]"
	default:
		c.errorf(s.Target.Pos(), "cannot assign to this expression")
		return
	}
	var want ltype
	untyped := local < 0 && c.untyped[gi] && s.Op == syntax.ASSIGN
	if local >= 0 {
		want = pc.slotTypes[local]
	} else if !untyped {
		want = c.globalType(gi)
	}
	if s.Op == syntax.ASSIGN && effectName(s.Value) != "" {
		dst := local
		if dst < 0 {
			dst = pc.temp(want, s.OpPos)
		}
		from := len(c.prog.Cards)
		t, ok := pc.effect(s.Value, dst, true)
		if untyped && ok {
			// The first store into a shared variable declared without a
			// value gives it its type.
			want = c.storeType(gi, t)
			pc.slotTypes[dst] = t
			for k := from; k < len(c.prog.Cards); k++ {
				if cd := &c.prog.Cards[k]; cd.Dst == dst && cd.Proc == pc.proc {
					cd.DstType = t.t
				}
			}
		}
		if ok && t.t != want.t {
			c.errorf(s.Value.Pos(), "cannot assign %s to %s, which is %s", an(t.t), name, an(want.t))
		} else if why := c.handlesDisagree(want, t); ok && (local >= 0 || want.proc >= 0) && why != "" {
			c.errorf(s.Value.Pos(), "%s holds a handle to %s, and this is a handle to %s; %s", name,
				c.procName(want.proc), c.procName(t.proc), why)
		}
		if local < 0 {
			pc.store(gi, g, idx, &ir{kind: irLocal, typ: want, val: int64(dst), name: pc.slots[dst], prec: 9}, s.OpPos, name)
		}
		return
	}
	value := pc.translate(s.Value)
	if untyped && value.typ.t != card.TVoid {
		want = c.storeType(gi, value.typ)
	}
	if s.Op != syntax.ASSIGN {
		// x op= v reads x then v, computes, and writes x.
		var cur *ir
		if local >= 0 {
			cur = &ir{kind: irLocal, typ: want, val: int64(local), name: pc.slots[local], prec: 9, pos: s.Target.Pos()}
		} else if idx == nil {
			cur = &ir{kind: irRead, typ: want, val: int64(g.Base), reads: 1, name: name, prec: 9, pos: s.Target.Pos()}
		} else if idx.kind == irConst && idx.val >= 0 && idx.val < int64(g.Len) {
			cur = &ir{kind: irRead, typ: want, val: int64(g.Base) + idx.val, reads: 1, name: name, prec: 9, pos: s.Target.Pos()}
		} else {
			cur = &ir{kind: irReadAt, typ: want, val: int64(g.Base), n: g.Len, x: idx, reads: 1 + idx.reads, opTxt: g.Name, name: name, prec: 9, pos: s.Target.Pos()}
		}
		op, tok := card.XAdd, syntax.ADD
		if s.Op == syntax.SUB_ASSIGN {
			op, tok = card.XSub, syntax.SUB
		}
		if want.t != card.TInt || value.typ.t != card.TInt {
			c.errorf(s.OpPos, "operator %s needs ints, not %s and %s", s.Op, want.t, value.typ.t)
			return
		}
		value = &ir{kind: irBinary, op: op, opTxt: tok.String(), typ: tInt, x: cur, y: value,
			reads: cur.reads + value.reads, prec: 4, pos: s.OpPos}
	} else if value.typ.t != want.t {
		c.errorf(s.Value.Pos(), "cannot assign %s to %s, which is %s", an(value.typ.t), name, an(want.t))
		return
	} else if local >= 0 || want.proc >= 0 {
		if why := c.handlesDisagree(want, value.typ); why != "" {
			c.errorf(s.Value.Pos(), "%s holds a handle to %s, and this is a handle to %s; %s", name,
				c.procName(want.proc), c.procName(value.typ.proc), why)
			return
		}
	}
	if local >= 0 {
		x := pc.lower(value, 1)
		cd := pc.newCard(card.Local, s.OpPos, pc.exprCode(x))
		cd.Dst = local
		pc.emit(cd, pc.slots[local]+" = "+x.src())
		return
	}
	pc.store(gi, g, idx, value, s.OpPos, name)
}

// store emits a write of value to a shared variable element.
func (pc *procCompiler) store(gi int32, g *card.Global, idx *ir, value *ir, pos syntax.Pos, name string) {
	x := pc.lower(value, 0)
	cd := pc.newCard(card.Store, pos, pc.exprCode(x))
	cd.Obj = gi
	if idx != nil {
		cd.Y = pc.exprCode(idx)
	}
	pc.emit(cd, name+" = "+x.src())
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
	saved := pc.pending
	var body []int32
	pc.body = &body
	p := pc.c.prog
	p.Cards[a].A = -1
	pc.pending = []patch{func(to int32) { p.Cards[a].A = to }}
	pc.inAtomic = true
	pc.pushScope()
	for _, st := range stmts {
		pc.stmt(st)
	}
	pc.popScope()
	for _, f := range pc.pending {
		f(-1) // the end of the body
	}
	pc.inAtomic = false
	pc.body = nil
	pc.bodies[a] = body
	pc.pending = saved
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
	branches, label := pc.eitherGuards(s, ai)
	cd := pc.newCard(card.Either, s.At, card.NoExpr)
	cd.A = ai
	pc.emit(cd, label)
	var after []patch
	for k, b := range branches {
		k := k
		pc.pending = []patch{func(to int32) { p.Eithers[ai][k] = to }}
		pc.block(b, true)
		after = append(after, pc.pending...)
	}
	pc.pending = after
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
