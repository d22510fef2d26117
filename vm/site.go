package vm

import "github.com/deck-lang/deck/card"

// FaultSite finds the operation that made stack i's card r.PC fail in
// state s with an arithmetic or index error: its source position and the
// operation as written ("10 / a"), so that a report can point at it
// rather than at the start of the card's statement (a card has one
// position, and `let r = 10 / a + 10 / b` is one card).
//
// It runs the card's expressions again, on the compiler's code rather
// than the vm's fused code, one instruction more each time until one
// fails. That is quadratic in
// the expression's length, and happens once per report. It answers only
// when an expression fails there with the very fault r reports, so a
// state other than the one the card failed in gives no answer, never a
// wrong one.
func (m *Machine) FaultSite(s *State, i int, r Result) (card.Site, bool) {
	p := m.P
	if r.Fault == nil || r.PC < 0 || int(r.PC) >= len(p.Cards) || s == nil || i < 0 || i >= s.NumStacks() {
		return card.Site{}, false
	}
	switch r.Fault.Kind {
	case DivByZero, Overflow, IndexOutOfRange:
	default:
		return card.Site{}, false
	}
	c := &p.Cards[r.PC]
	sh, loc := s.Shared(p), s.Locals(i)
	try := func(e card.Expr) (card.Site, bool, bool) {
		if e == card.NoExpr || int(e) >= len(p.Exprs) {
			return card.Site{}, false, false
		}
		x := &p.Exprs[e]
		var st [MaxEvalDepth]int64
		for k := 1; k <= len(x.Code); k++ {
			_, f := run(x.Code[:k], st[:], sh, loc, nil)
			if f.Kind == NoFault {
				continue
			}
			site, ok := x.SiteAt(k - 1)
			return site, ok && f == *r.Fault && site.Pos.IsValid(), true
		}
		return card.Site{}, false, false
	}
	var exprs []card.Expr
	switch c.Op {
	case card.Print:
		for _, a := range p.Prints[c.A] {
			exprs = append(exprs, a.X)
		}
	case card.Spawn:
		exprs = append(exprs, p.Spawns[c.B].Args...)
	default:
		// Cards evaluate X and Y in different orders (a send works out
		// its channel's index, Y, before its value, X). When only one of
		// them fails here, it is the one; when both do, which the card
		// met first is not known here, and no answer is better than a
		// wrong one.
		sx, okx, fx := try(c.X)
		sy, oky, fy := try(c.Y)
		switch {
		case fx && !fy:
			return sx, okx
		case fy && !fx:
			return sy, oky
		}
		return card.Site{}, false
	}
	for _, e := range exprs {
		// Evaluated in order: the first that fails is the one the card
		// failed in.
		if site, ok, failed := try(e); failed {
			return site, ok
		}
	}
	return card.Site{}, false
}
