package compile

import (
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

func (pc *procCompiler) assign(s *syntax.AssignStmt) { pc.assignAs(s, s.Op) }

// assignAs compiles s, which the source wrote with the operator written
// (++ and -- are compiled as += 1 and -= 1), for messages.
func (pc *procCompiler) assignAs(s *syntax.AssignStmt, written syntax.Token) {
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
			pc.assignLocalArray(s, t, slot, written)
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
