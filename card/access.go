package card

import "sort"

// MaxEvalDepth is the deepest evaluation stack an expression may use; the
// compiler rejects deeper expressions and the VM relies on it.
const MaxEvalDepth = 64

// GlobalAt returns the global whose words contain shared word w, or -1.
func (p *Program) GlobalAt(w int32) int32 {
	lo, hi := 0, len(p.Globals)
	for lo < hi {
		m := (lo + hi) / 2
		g := &p.Globals[m]
		if w < g.Base {
			hi = m
		} else if w >= g.Base+g.Elems()*g.Stride {
			lo = m + 1
		} else {
			return int32(m)
		}
	}
	return -1
}

// ConditionGlobals returns, as a set by global index, the globals that the
// state conditions read: the always invariants and the conditions of the
// eventually and leadsto properties (which can fail to evaluate, so they
// are checked wherever an invariant is).
func (p *Program) ConditionGlobals() []bool {
	read := make([]bool, len(p.Globals))
	mark := func(e Expr) {
		if e == NoExpr {
			return
		}
		for _, in := range p.Exprs[e].Code {
			if in.Op == XGlobal || in.Op == XGlobalAt {
				if g := p.GlobalAt(int32(in.A)); g >= 0 {
					read[g] = true
				}
			}
		}
	}
	for k := range p.Always {
		mark(p.Always[k].X)
	}
	for k := range p.Props {
		mark(p.Props[k].P)
		mark(p.Props[k].Q)
	}
	return read
}

// ReadsShared reports whether expression x reads shared memory (false for
// NoExpr).
func (p *Program) ReadsShared(x Expr) bool {
	if x == NoExpr {
		return false
	}
	for _, in := range p.Exprs[x].Code {
		if in.Op == XGlobal || in.Op == XGlobalAt {
			return true
		}
	}
	return false
}

// WritesAny reports whether card pc may write one of the globals in set
// (an atomic card: anything its body may write).
func (p *Program) WritesAny(pc int32, set []bool) bool {
	if int(pc) >= len(p.Accesses) {
		return true // not analysed: assume it may
	}
	for _, a := range p.Accesses[pc] {
		if a.Write && set[a.Global] {
			return true
		}
	}
	return false
}

// CardAccesses computes the shared accesses of card pc: the reads of its
// expressions, the write of a store, and the object a synchronisation card
// changes or waits on (recorded as a write). An atomic card lists every
// access its body may make.
func CardAccesses(p *Program, pc int32) []Access {
	var out []Access
	add := func(a Access) {
		for k := range out {
			if out[k] == a {
				return
			}
		}
		out = append(out, a)
	}
	reads := func(e Expr) {
		if e == NoExpr {
			return
		}
		for _, in := range p.Exprs[e].Code {
			switch in.Op {
			case XGlobal:
				g := p.GlobalAt(int32(in.A))
				elem := int32(in.A) - p.Globals[g].Base
				if p.Globals[g].Len == 0 {
					elem = 0
				}
				add(Access{Global: g, Elem: elem})
			case XGlobalAt:
				add(Access{Global: p.GlobalAt(int32(in.A)), Elem: -1})
			}
		}
	}
	one := func(c *Card) {
		reads(c.X)
		reads(c.Y)
		switch c.Op {
		case Print:
			for _, a := range p.Prints[c.A] {
				reads(a.X)
			}
		case Spawn:
			for _, a := range p.Spawns[c.B].Args {
				reads(a)
			}
		case Either:
			for _, g := range EitherGuards(p, c.A) {
				reads(g)
			}
		case Select:
			for _, sc := range p.Selects[c.A] {
				reads(sc.Y)
				reads(sc.X)
				if sc.Kind != CaseTimeout {
					add(Access{Global: sc.Obj, Elem: elemOf(p, sc.Y), Write: true})
				}
			}
		case Store, Lock, Unlock, Acquire, Release, Notify, Wait, Send, SendWait, Recv, CondWait, Signal, Broadcast:
			add(Access{Global: c.Obj, Elem: elemOf(p, c.Y), Write: true})
			if c.Op == CondWait {
				add(Access{Global: c.B, Elem: elemOf(p, c.X), Write: true}) // the mutex
			}
		}
	}
	one(&p.Cards[pc])
	for _, b := range AtomicBody(p, pc) {
		one(&p.Cards[b])
	}
	return out
}

// elemOf is the element an object index expression names: 0 for none (a
// scalar), the constant, or -1 when it depends on a runtime value.
func elemOf(p *Program, y Expr) int32 {
	if y == NoExpr {
		return 0
	}
	if code := p.Exprs[y].Code; len(code) == 1 && code[0].Op == XConst {
		return int32(code[0].A)
	}
	return -1
}

// AtomicBody lists the body cards of atomic card pc, in card order; for an
// either card, the body cards of all its branches (see EitherBodies); for
// any other card, none.
func AtomicBody(p *Program, pc int32) []int32 {
	c := &p.Cards[pc]
	switch c.Op {
	case Atomic:
		return BodyFrom(p, c.A)
	case Either:
		var body []int32
		for _, start := range EitherBodies(p, c.A) {
			body = append(body, BodyFrom(p, start)...)
		}
		sort.Slice(body, func(i, j int) bool { return body[i] < body[j] })
		return body
	}
	return nil
}

// BodyFrom lists, in card order, the cards of the atomic body that starts
// at card start (none when start is -1).
func BodyFrom(p *Program, start int32) []int32 {
	seen := map[int32]bool{}
	work := []int32{start}
	var body []int32
	for len(work) > 0 {
		at := work[len(work)-1]
		work = work[:len(work)-1]
		if at < 0 || seen[at] {
			continue
		}
		seen[at] = true
		body = append(body, at)
		c := &p.Cards[at]
		work = append(work, c.Next)
		if c.Op == Branch {
			work = append(work, c.Target)
		}
	}
	sort.Slice(body, func(i, j int) bool { return body[i] < body[j] })
	return body
}
