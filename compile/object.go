package compile

import (
	"fmt"
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

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
				// Not bindLabel: the slot that holds the element's index
				// has a name of the compiler's making (fork[take.f]).
				what := g.Name
				if b.slot >= 0 {
					what = "an element of " + g.Name
				}
				c.errorf(id.At, "%s is one %s (%s), not an array", id.Name, kind, what)
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
		hint := ""
		if ent.kind == entGlobal {
			hint = kindHint(c.prog.Globals[ent.global].Kind, kind, id.Name)
		}
		c.errorf(id.At, "%s is %s, not %s%s", id.Name, article(c.kindName(ent)), article(kind.String()), hint)
		return 0, false
	}
	return ent.global, true
}

// kindHint says how an object of kind have is used, for a statement that
// wanted kind want: textbooks write a semaphore's operations as wait and
// signal (or P and V), and a mutex's as acquire and release.
func kindHint(have, want card.GlobalKind, name string) string {
	switch {
	case have == card.GSem && (want == card.GEvent || want == card.GCond || want == card.GMutex):
		return fmt.Sprintf(": a semaphore is taken with acquire %s and given back with release %s", name, name)
	case have == card.GMutex && want == card.GSem:
		return fmt.Sprintf(": a mutex is taken with lock %s and given back with unlock %s", name, name)
	case have == card.GEvent && want == card.GCond:
		return fmt.Sprintf(": an event is set with notify %s, and wait %s waits until it is", name, name)
	}
	return ""
}
