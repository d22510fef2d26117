package compile

import (
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// selectStmt compiles `select { case ... }` to one Select card (see
// card/select.go) followed by the case bodies. The element indices and
// the values sent are lowered first, so that the card's only shared
// accesses are its channels. `case v = recv c` stores into the local v,
// which is declared for the case's body when no local of that name is in
// scope; into a shared variable v, it stores with a card of its own at the
// start of the case's body.
func (pc *procCompiler) selectStmt(s *syntax.SelectStmt) {
	c := pc.c
	p := c.prog
	if pc.inAtomic {
		c.errorf(s.At, "select may block and chooses, so it cannot be inside atomic")
		return
	}
	if len(s.Cases) == 0 {
		c.errorf(s.At, "select needs at least one case (recv, send or timeout); a select with none would wait for ever")
		return
	}
	cases := make([]card.SelectCase, len(s.Cases))
	fresh := make([]*syntax.Ident, len(s.Cases)) // recv into a new local
	// recv into a shared variable: the case receives into a temporary,
	// and its body begins with a card that stores it, as `got = recv c`
	// outside a select is a recv and a store.
	shared := make([]int32, len(s.Cases))
	for k := range shared {
		shared[k] = -1
	}
	var srcs []string
	timeout := -1
	ok := true
	for k, sc := range s.Cases {
		cs := card.SelectCase{Obj: -1, Y: card.NoExpr, X: card.NoExpr, Dst: -1}
		switch sc.Kind {
		case syntax.CaseTimeout:
			cs.Kind = card.CaseTimeout
			if timeout >= 0 {
				c.errorf(sc.At, "select has a second timeout case (the first is at %s); one is enough", s.Cases[timeout].At)
				ok = false
			}
			timeout = k
			srcs = append(srcs, "timeout")
		case syntax.CaseRecv:
			cs.Kind = card.CaseRecv
			o, good := pc.object(sc.Chan, card.GChan)
			if !good {
				ok = false
				break
			}
			cs.Obj, cs.Y = o.obj, o.index
			src := "recv " + o.label
			if gi, good := pc.sharedDst(sc.Dst); sc.Dst != nil && gi >= 0 {
				if good {
					shared[k] = gi
					cs.Dst = pc.temp(tInt, sc.Dst.At)
					cs.DstType = card.TInt
					src = pc.slots[cs.Dst] + " = " + src
				} else {
					ok = false
				}
			} else if sc.Dst != nil {
				slot, good := pc.selectDst(sc.Dst)
				switch {
				case !good:
					ok = false
				case slot < 0:
					fresh[k] = sc.Dst
					pc.checkNewLocal(sc.Dst)
					cs.Dst = pc.newSlot(pc.localName(sc.Dst.Name), tInt, sc.Dst.At)
				default:
					cs.Dst = slot
				}
				if cs.Dst >= 0 {
					cs.DstType = card.TInt
					src = pc.slots[cs.Dst] + " = " + src
				}
			}
			srcs = append(srcs, src)
		case syntax.CaseSend:
			cs.Kind = card.CaseSend
			o, good := pc.object(sc.Chan, card.GChan)
			if !good {
				ok = false
				break
			}
			if o.g.Cap == 0 {
				c.errorf(sc.Chan.Pos(), "select cannot send on %s: it is a rendezvous channel (capacity 0), and a rendezvous send is two steps (offer the value, then wait until it is taken) while a select commits to one case in one step; give %s a buffer, like chan %s(1), or send outside the select", o.label, o.g.Name, o.g.Name)
				ok = false
				break
			}
			v := pc.translate(sc.Value)
			if v.typ.t != card.TInt {
				c.errorf(sc.Value.Pos(), "channels carry ints, not %s", an(v.typ.t))
				ok = false
			}
			v = pc.lower(v, 0)
			cs.Obj, cs.Y, cs.X = o.obj, o.index, pc.exprCode(v)
			srcs = append(srcs, "send "+o.label+", "+v.src())
		}
		if len(srcs) == k+1 {
			cs.Src = srcs[k]
		}
		cases[k] = cs
	}
	if !ok {
		return
	}
	si := int32(len(p.Selects))
	p.Selects = append(p.Selects, cases)
	cd := pc.newCard(card.Select, s.At, card.NoExpr)
	cd.A = si
	pc.emit(cd, "select ("+strings.Join(srcs, " | ")+")")
	var after []patch
	for k, sc := range s.Cases {
		k := k
		pc.pending = []patch{func(to int32) { p.Selects[si][k].Target = to }}
		pc.pushScope()
		if id := fresh[k]; id != nil {
			pc.scopes[len(pc.scopes)-1][id.Name] = cases[k].Dst
		}
		if gi := shared[k]; gi >= 0 {
			t := cases[k].Dst
			pc.store(gi, &p.Globals[gi], nil, &ir{kind: irLocal, typ: tInt, val: int64(t), name: pc.slots[t], prec: 9}, sc.Dst.At, sc.Dst.Name)
		}
		pc.block(sc.Body, false)
		pc.popScope()
		after = append(after, pc.pending...)
	}
	pc.pending = after
}

// sharedDst resolves the shared variable a recv case stores into: its
// global, or -1 when id names a local or nothing shared (selectDst then
// judges it). ok is false when it names a shared variable that cannot
// hold what a channel carries.
func (pc *procCompiler) sharedDst(id *syntax.Ident) (gi int32, ok bool) {
	c := pc.c
	if id == nil {
		return -1, true
	}
	if _, local := pc.lookup(id.Name); local {
		return -1, true
	}
	ent, found := c.names[id.Name]
	if !found || ent.kind != entGlobal || c.prog.Globals[ent.global].Kind != card.GVar {
		return -1, true
	}
	gi = ent.global
	g := &c.prog.Globals[gi]
	switch {
	case g.Len > 0:
		c.errorf(id.At, "cannot receive into %s: it is an array (receive into a new name, then store it in an element)", id.Name)
		return gi, false
	case c.untyped[gi]:
		c.storeType(gi, tInt)
	case c.globalType(gi).t != card.TInt:
		c.errorf(id.At, "cannot receive into %s: it holds %s, and channels carry ints", id.Name, an(g.Type))
		return gi, false
	}
	return gi, true
}

// selectDst resolves the local a recv case stores into: the slot of a
// local in scope, or -1 when the name is new (the case declares it).
func (pc *procCompiler) selectDst(id *syntax.Ident) (int32, bool) {
	c := pc.c
	if slot, ok := pc.lookup(id.Name); ok {
		if isBind(slot) {
			c.errorf(id.At, "cannot receive into %s: it is a %s", id.Name, c.prog.Globals[pc.bindOf(slot).g].Kind)
			return 0, false
		}
		if pc.array(slot) != nil {
			c.errorf(id.At, "cannot receive into %s: it is an array (receive into a new name, then store it in an element)", id.Name)
			return 0, false
		}
		if pc.readOnly[slot] {
			c.errorf(id.At, "cannot receive into %s: it is the loop variable", id.Name)
			return 0, false
		}
		if t := pc.slotTypes[slot].t; t != card.TInt && !pc.dummies[slot] {
			c.errorf(id.At, "cannot receive into %s: it holds %s, and channels carry ints", id.Name, an(t))
			return 0, false
		}
		return slot, true
	}
	if ent, ok := c.names[id.Name]; ok {
		c.errorf(id.At, "a select receives into a variable, and %s is %s; receive into a new name and use it in the case's body", id.Name, article(c.kindName(ent)))
		return 0, false
	}
	return -1, true
}

// placeSelects refuses a select on a channel that lives on another node
// (a channel lives on the node of its receivers): a select tests and takes
// its cases in one step, which needs the channels in its own node's memory.
func placeSelects(q *card.Program, nodes []string, stack []bool, describe func(pc int) string) error {
	var errs syntax.ErrorList
	for pc := range q.Cards {
		c := &q.Cards[pc]
		if !stack[c.Proc] {
			continue // a procedure only called: its cards never run as they are
		}
		n := q.Net.ProcNode[c.Proc]
		for _, sc := range card.SelectCases(q, c) {
			if sc.Kind == card.CaseTimeout || q.Net.GlobalNode[sc.Obj] == n {
				continue
			}
			g := &q.Globals[sc.Obj]
			errs.Add(q.File, c.Pos, "select in %s uses chan %s, which lives on node %s: a select tests and takes its cases in one step, so its channels must live on its own node (a channel lives on the node of its receivers); send outside the select, or place the stacks together",
				describe(pc), g.Name, nodes[q.Net.GlobalNode[sc.Obj]])
			break
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		return errs
	}
	return nil
}
