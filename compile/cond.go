package compile

import (
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// This file compiles condition variables (`wait c, m`, `signal c`,
// `broadcast c`), `release s, n` and the `observe` declaration.

// syncExtra compiles the synchronisation statements that are not one plain
// card on one object, and reports whether s was one of them.
func (pc *procCompiler) syncExtra(s *syntax.SyncStmt) bool {
	switch s.Op {
	case syntax.SyncSignal, syntax.SyncBroadcast:
		pc.signal(s)
		return true
	case syntax.SyncWait:
		if s.Arg != nil || pc.objectKind(s.Target) == card.GCond {
			pc.condWait(s)
			return true
		}
	case syntax.SyncRelease:
		if s.Arg != nil {
			pc.releaseN(s)
			return true
		}
	}
	return false
}

// objectKind says what kind of global e names (NAME or NAME[i]), or
// returns 255 when it names none.
func (pc *procCompiler) objectKind(e syntax.Expr) card.GlobalKind {
	var id *syntax.Ident
	switch e := e.(type) {
	case *syntax.Ident:
		id = e
	case *syntax.IndexExpr:
		id = e.X
	default:
		return 255
	}
	if slot, local := pc.lookup(id.Name); local {
		if isBind(slot) {
			return pc.c.prog.Globals[pc.bindOf(slot).g].Kind
		}
		return 255
	}
	ent, ok := pc.c.names[id.Name]
	if !ok || ent.kind != entGlobal {
		return 255
	}
	return pc.c.prog.Globals[ent.global].Kind
}

// condWait compiles `wait c, m` into three cards: the wait itself (unlock
// m and go to sleep on c, one step), the sleep card where the stack stands
// until a signal moves it on, and a lock of m that blocks while another
// stack holds it.
func (pc *procCompiler) condWait(s *syntax.SyncStmt) {
	c := pc.c
	if pc.inAtomic {
		c.errorf(s.At, "wait may block, so it cannot be inside atomic")
		return
	}
	o, ok := pc.object(s.Target, card.GCond)
	if !ok {
		return
	}
	if s.Arg == nil {
		c.errorf(s.Target.Pos(), "wait on the cond %s needs the mutex it guards: wait %s, m", o.label, o.label)
		return
	}
	mo, ok := pc.object(s.Arg, card.GMutex)
	if !ok {
		return
	}
	w := pc.newCard(card.CondWait, s.At, mo.index)
	w.Obj, w.Y, w.B = o.obj, o.index, mo.obj
	pc.emit(w, "wait "+o.label+", "+mo.label+" (unlock "+mo.label+", sleep)")
	sl := pc.newCard(card.CondSleep, s.At, card.NoExpr)
	sl.Obj, sl.Y = o.obj, o.index
	pc.emit(sl, "asleep on "+o.label+" (until signalled)")
	l := pc.newCard(card.Lock, s.At, card.NoExpr)
	l.Obj, l.Y = mo.obj, mo.index
	pc.emit(l, "lock "+mo.label+" (woken from "+o.label+")")
}

// signal compiles `signal c` and `broadcast c`: one card each.
func (pc *procCompiler) signal(s *syntax.SyncStmt) {
	if pc.inAtomic && s.Op == syntax.SyncSignal {
		// A signal with several sleepers is a choice of which one wakes,
		// which the checker makes a move of its own; an atomic card has
		// none to give it, and waking always the first would hide every
		// order in which another one wakes.
		pc.c.errorf(s.At, "signal chooses which sleeper wakes, so it cannot be inside atomic: put it after the block, or use broadcast")
		return
	}
	o, ok := pc.object(s.Target, card.GCond)
	if !ok {
		return
	}
	op := card.Signal
	if s.Op == syntax.SyncBroadcast {
		op = card.Broadcast
	}
	cd := pc.newCard(op, s.At, card.NoExpr)
	cd.Obj, cd.Y = o.obj, o.index
	pc.emit(cd, s.Op.String()+" "+o.label)
}

// releaseN compiles `release s, n`: one card that adds n to the count.
func (pc *procCompiler) releaseN(s *syntax.SyncStmt) {
	c := pc.c
	o, ok := pc.object(s.Target, card.GSem)
	if !ok {
		return
	}
	n := pc.translate(s.Arg)
	if n.typ.t != card.TInt {
		c.errorf(s.Arg.Pos(), "release %s, n needs an int count, not %s", o.label, an(n.typ.t))
	}
	n = pc.lower(n, 0)
	cd := pc.newCard(card.Release, s.At, pc.exprCode(n))
	cd.Obj, cd.Y = o.obj, o.index
	pc.emit(cd, "release "+o.label+", "+n.src())
}

// observe applies the file's observe declarations: the variables they
// name make up an outcome, and the others are hidden from it.
func (c *compiler) observe(ds []*syntax.ObserveDecl) {
	if len(ds) == 0 {
		return
	}
	seen := map[string]syntax.Pos{}
	for _, d := range ds {
		for _, id := range d.Names {
			if at, dup := seen[id.Name]; dup {
				c.errorf(id.At, "%s is already observed at %s", id.Name, at)
				continue
			}
			seen[id.Name] = id.At
			e, ok := c.names[id.Name]
			switch {
			case !ok:
				c.errorf(id.At, "observe: there is no shared variable %s", id.Name)
			case e.kind != entGlobal || c.prog.Globals[e.global].Kind != card.GVar:
				c.errorf(id.At, "observe: %s is %s, not a shared variable", id.Name, article(c.kindName(e)))
			}
		}
	}
	for gi := range c.prog.Globals {
		g := &c.prog.Globals[gi]
		if _, ok := seen[g.Name]; !ok && g.Kind == card.GVar {
			g.Hidden = true
		}
	}
}
