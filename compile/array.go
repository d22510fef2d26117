package compile

import (
	"strconv"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// A local array `let a[N] = v` is N consecutive local slots, named a[0]
// … a[N-1]; the name is bound to the first. Calls are inlined, so every
// procedure already has a fixed number of slots, and an array is just N
// more of them. An element picked at run time is read with the XLocalAt
// instruction and written by a Local card with a length (card.Card.B) and
// an index (Y); see card.Op.

// localArray is what the compiler knows of one local array.
type localArray struct {
	n     int32
	name  string     // as declared, for messages
	typed bool       // false until the first store of `let a[N]` without a value
	fill  card.Expr  // the declaration's value, patched to none for handles
	at    syntax.Pos // the declaration
}

// array returns the local array whose first slot is slot, or nil.
func (pc *procCompiler) array(slot int32) *localArray {
	if slot < 0 {
		return nil
	}
	return pc.arrays[slot]
}

// letArray compiles `let a[N] = v` and `let a[N]`: one card that sets
// every element (so that an array declared in a loop starts afresh on each
// iteration, and liveness sees where it begins).
func (pc *procCompiler) letArray(s *syntax.LetStmt) {
	c := pc.c
	var n int32
	if id := pc.localIn(s.Size); id != nil {
		c.errorf(id.At, "%s is a local variable: an array size must be a constant (a stack's locals are fixed slots)", id.Name)
		// Declared all the same, with one element, so that its uses
		// report nothing more.
		n = 1
	} else {
		n = c.arraySize(s.Size)
	}
	var x *ir
	typed := true
	if s.Value == nil {
		typed = false
		x = constIR(0, tInt, s.At)
	} else if name := effectName(s.Value); name != "" {
		c.errorf(s.Value.Pos(), "an array's elements start as a plain value, not %s: declare it with let %s[%d], then store into it", name, s.Name.Name, n)
		// Declared all the same (the program will not run), so that its
		// uses report nothing more.
		t := tInt
		if _, spawn := s.Value.(*syntax.SpawnExpr); spawn {
			t = ltype{t: card.THandle, proc: -1}
		}
		x = constIR(0, t, s.At)
	} else {
		x = pc.lower(pc.translate(s.Value), 1)
		if x.typ.t == card.TVoid {
			c.errorf(s.Value.Pos(), "%s has no value", x.src())
		}
	}
	pc.checkNewLocal(s.Name)
	name := pc.localName(s.Name.Name)
	base := int32(len(pc.slots))
	for k := int32(0); k < n; k++ {
		pc.newSlot(name+"["+strconv.Itoa(int(k))+"]", x.typ, s.Name.At)
		if len(pc.slots) > maxLocals {
			break // reported by newSlot
		}
	}
	n = int32(len(pc.slots)) - base
	if n == 0 {
		return
	}
	pc.scopes[len(pc.scopes)-1][s.Name.Name] = base
	a := &localArray{n: n, name: s.Name.Name, typed: typed, at: s.Name.At}
	pc.arrays[base] = a
	cd := pc.newCard(card.Local, s.At, pc.exprCode(x))
	cd.Dst, cd.B = base, n
	a.fill = cd.X
	label := "let " + name + "[" + strconv.Itoa(int(n)) + "]"
	if typed {
		label += " = " + x.src()
	}
	pc.emit(cd, label)
}

// localIn returns the first name in e that is a local, or nil.
func (pc *procCompiler) localIn(e syntax.Expr) *syntax.Ident {
	switch e := e.(type) {
	case *syntax.Ident:
		if _, local := pc.lookup(e.Name); local {
			return e
		}
	case *syntax.ParenExpr:
		return pc.localIn(e.X)
	case *syntax.UnaryExpr:
		return pc.localIn(e.X)
	case *syntax.BinaryExpr:
		if id := pc.localIn(e.X); id != nil {
			return id
		}
		return pc.localIn(e.Y)
	}
	return nil
}

// setArrayType fixes the element type of an array declared without a
// value, at its first store. Unset elements of an array of handles hold
// none, as a handle that names no stack.
func (pc *procCompiler) setArrayType(base int32, t ltype) {
	a := pc.arrays[base]
	a.typed = true
	for k := base; k < base+a.n; k++ {
		pc.slotTypes[k] = t
	}
	p := pc.c.prog
	if t.t == card.THandle && a.fill != card.NoExpr {
		p.Exprs[a.fill].Code[0].A = card.NoStack
		p.Exprs[a.fill].Src = "none"
	}
	for k := range p.Cards {
		if cd := &p.Cards[k]; cd.Proc == pc.proc && cd.Op == card.Local && cd.Dst == base && cd.B > 0 {
			cd.DstType = t.t
		}
	}
}

// localIndex resolves `a[i]` read from a local array.
func (pc *procCompiler) localIndex(e *syntax.IndexExpr, base int32, idx *ir) *ir {
	c := pc.c
	a := pc.arrays[base]
	t := pc.slotTypes[base]
	if !a.typed {
		c.errorf(e.X.At, "%s has no element type yet: store into it before reading it, or declare it with a value (let %s[%d] = 0)", a.name, a.name, a.n)
		return constIR(0, tInt, e.X.At)
	}
	name := pc.slots[base]
	name = name[:len(name)-3] // without "[0]"
	if idx.kind == irConst && idx.val >= 0 && idx.val < int64(a.n) {
		slot := base + int32(idx.val)
		return &ir{kind: irLocal, typ: t, val: int64(slot), name: pc.slots[slot], prec: 9, pos: e.X.At}
	}
	return &ir{kind: irLocalAt, typ: t, val: int64(base), n: a.n, x: idx, reads: idx.reads, opTxt: name, prec: 9, pos: e.X.At}
}

// arrayName is how a local array appears in labels (with its inlined
// procedure's prefix).
func (pc *procCompiler) arrayName(base int32) string {
	name := pc.slots[base]
	return name[:len(name)-3]
}

// assignLocalArray compiles `a[i] = v`, `a[i] += v` and `a[i] = effect`;
// written is the operator the source wrote (++ for += 1), for messages.
func (pc *procCompiler) assignLocalArray(s *syntax.AssignStmt, t *syntax.IndexExpr, base int32, written syntax.Token) {
	c := pc.c
	a := pc.arrays[base]
	idx := pc.translate(t.Index)
	if idx.typ.t != card.TInt {
		c.errorf(t.Index.Pos(), "an index must be an int, not %s", an(idx.typ.t))
	}
	idx = pc.lower(idx, 0)
	aname := pc.arrayName(base)
	name := aname + "[" + idx.src() + "]"
	want := pc.slotTypes[base]
	var value *ir
	if s.Op == syntax.ASSIGN && effectName(s.Value) != "" {
		dst := pc.temp(want, s.OpPos)
		from := len(c.prog.Cards)
		got, ok := pc.effect(s.Value, dst, true)
		if !ok {
			return
		}
		pc.slotTypes[dst] = got
		for k := from; k < len(c.prog.Cards); k++ {
			if cd := &c.prog.Cards[k]; cd.Dst == dst && cd.Proc == pc.proc {
				cd.DstType = got.t
			}
		}
		value = &ir{kind: irLocal, typ: got, val: int64(dst), name: pc.slots[dst], prec: 9, pos: s.Value.Pos()}
	} else {
		value = pc.translate(s.Value)
		if s.Op != syntax.ASSIGN {
			if !a.typed {
				c.errorf(t.X.At, "%s has no element type yet: store into it with = first", a.name)
				return
			}
			cur := &ir{kind: irLocalAt, typ: want, val: int64(base), n: a.n, x: idx, opTxt: aname, prec: 9, pos: t.X.At}
			if idx.kind == irConst && idx.val >= 0 && idx.val < int64(a.n) {
				cur = &ir{kind: irLocal, typ: want, val: int64(base) + idx.val, name: pc.slots[base+int32(idx.val)], prec: 9, pos: t.X.At}
			}
			op, tok := card.XAdd, syntax.ADD
			if s.Op == syntax.SUB_ASSIGN {
				op, tok = card.XSub, syntax.SUB
			}
			if written != s.Op && want.t != card.TInt {
				c.errorf(s.OpPos, "operator %s needs an int, not %s", written, an(want.t))
				return
			}
			if want.t != card.TInt || value.typ.t != card.TInt {
				c.errorf(s.OpPos, "operator %s needs ints, not %s and %s", s.Op, want.t, value.typ.t)
				return
			}
			value = &ir{kind: irBinary, op: op, opTxt: tok.String(), typ: tInt, x: cur, y: value,
				reads: cur.reads + value.reads, prec: 4, pos: s.OpPos}
		}
	}
	if value.typ.t == card.TVoid {
		c.errorf(s.Value.Pos(), "%s has no value", value.src())
		return
	}
	if !a.typed {
		pc.setArrayType(base, value.typ)
		want = value.typ
	} else if value.typ.t != want.t {
		c.errorf(s.Value.Pos(), "cannot assign %s to %s, whose elements are %s", an(value.typ.t), name, an(want.t))
		return
	} else if why := c.handlesDisagree(want, value.typ); why != "" {
		c.errorf(s.Value.Pos(), "%s holds handles to %s, and this is a handle to %s; %s", aname,
			c.procName(want.proc), c.procName(value.typ.proc), why)
		return
	}
	x := pc.lower(value, 1)
	cd := pc.newCard(card.Local, s.OpPos, pc.exprCode(x))
	cd.Dst, cd.B = base, a.n
	if idx.kind == irConst && idx.val >= 0 && idx.val < int64(a.n) {
		cd.Dst, cd.B = base+int32(idx.val), 0
	} else {
		cd.Y = pc.exprCode(idx)
	}
	pc.emit(cd, name+" = "+x.src())
}
