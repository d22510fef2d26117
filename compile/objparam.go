package compile

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// Synchronisation objects as parameters.
//
// Objects are not values: no card reads a mutex into a local. A parameter
// that receives one is bound, at compile time, to the object's global,
// and, when the argument is one element picked at run time (`forks[i]`),
// to a local slot that holds the element's index; the cards that use the
// parameter then carry the global as their Obj and read the index from
// that slot. A call is inlined, so each call binds its own objects. A
// spawned stack runs its procedure's cards, so the procedure is compiled
// once per distinct binding (which global each object parameter names):
// `spawn worker(m1)` and `spawn worker(m2)` run two copies of worker, and
// the index of an element travels as an ordinary int argument.

// objBind is a parameter bound to a synchronisation object.
type objBind struct {
	g     int32 // the global
	slot  int32 // the local slot holding the element's index, or -1
	whole bool  // the whole array (`forks` passed as it is)
}

// isBind says whether a scope entry is a binding rather than a slot.
func isBind(slot int32) bool { return slot <= -2 }

func (pc *procCompiler) addBind(b objBind) int32 {
	pc.binds = append(pc.binds, b)
	return -2 - int32(len(pc.binds)-1)
}

func (pc *procCompiler) bindOf(slot int32) *objBind { return &pc.binds[-2-slot] }

// objArg is an argument that names a synchronisation object.
type objArg struct {
	b     objBind
	index *ir // the element's index, when picked here (forks[i])
	src   string
}

// objectArg recognises an argument naming an object: a global mutex,
// semaphore, channel, event or cond (or an element of an array of them),
// or a parameter bound to one.
func (pc *procCompiler) objectArg(e syntax.Expr) (objArg, bool) {
	c := pc.c
	id, index, ok := nameAndIndex(e)
	if !ok {
		return objArg{}, false
	}
	var b objBind
	if slot, ok := pc.lookup(id.Name); ok {
		if !isBind(slot) {
			return objArg{}, false
		}
		b = *pc.bindOf(slot)
	} else {
		ent, ok := c.names[id.Name]
		if !ok || ent.kind != entGlobal || c.prog.Globals[ent.global].Kind == card.GVar {
			return objArg{}, false
		}
		b = objBind{g: ent.global, slot: -1, whole: c.prog.Globals[ent.global].Len > 0}
	}
	g := &c.prog.Globals[b.g]
	a := objArg{b: b, src: id.Name}
	if index == nil {
		return a, true
	}
	if !b.whole {
		c.errorf(id.At, "%s is not an array", id.Name)
		return a, true
	}
	x := pc.translate(index)
	if x.typ.t != card.TInt {
		c.errorf(index.Pos(), "an index must be an int, not %s", an(x.typ.t))
	}
	a.b.whole = false
	a.index = x
	a.src = g.Name + "[" + x.src() + "]"
	return a, true
}

// objType is the type an object argument gives its parameter.
func (pc *procCompiler) objType(b objBind) ltype {
	return ltype{t: card.TInt, proc: -1, obj: pc.c.prog.Globals[b.g].Kind, arr: b.whole}
}

// describeType names a parameter's type for messages: "an int", "a
// mutex", "an array of mutexes".
func describeType(t ltype) string {
	if t.obj == card.GVar {
		return an(t.t)
	}
	if t.arr {
		if t.obj == card.GMutex {
			return "an array of mutexes"
		}
		return "an array of " + t.obj.String() + "s"
	}
	return article(t.obj.String())
}

// bindLabel renders what a bound parameter names, for labels.
func (pc *procCompiler) bindLabel(b objBind) string {
	name := pc.c.prog.Globals[b.g].Name
	if b.slot >= 0 {
		return name + "[" + pc.slots[b.slot] + "]"
	}
	return name
}

// bindKey identifies the objects bound to a procedure's parameters (nil
// entries are values), for its specialised copies.
func bindKey(binds []*objBind) string {
	var sb strings.Builder
	for _, b := range binds {
		switch {
		case b == nil:
			sb.WriteString("v,")
		case b.whole:
			fmt.Fprintf(&sb, "%d[],", b.g)
		case b.slot >= 0:
			fmt.Fprintf(&sb, "%d[i],", b.g)
		default:
			fmt.Fprintf(&sb, "%d,", b.g)
		}
	}
	return sb.String()
}

// specialise returns the procedure a spawn with these object bindings
// runs: idx itself when its bindings are these (or it has none yet), or
// a copy of idx compiled with them.
func (c *compiler) specialise(idx int32, binds []*objBind) int32 {
	any := false
	for _, b := range binds {
		any = any || b != nil
	}
	if !any {
		return idx
	}
	key := bindKey(binds)
	info := &c.info[idx]
	if !info.compiled && !info.compiling && info.binds == nil {
		info.binds = binds
	}
	if bindKey(info.binds) == key {
		return idx
	}
	k := fmt.Sprint(idx, ":", key)
	if s, ok := c.specs[k]; ok {
		return s
	}
	s := int32(len(c.prog.Procs))
	proc := c.prog.Procs[idx]
	proc.Params = append([]string(nil), c.prog.Procs[idx].Params...)
	c.prog.Procs = append(c.prog.Procs, proc)
	c.decls = append(c.decls, c.decls[idx])
	c.info = append(c.info, procInfo{
		returns:    card.TVoid,
		paramTypes: append([]ltype(nil), c.info[idx].paramTypes...),
		paramsFrom: c.info[idx].paramsFrom,
		binds:      binds,
	})
	c.specs[k] = s
	return s
}
