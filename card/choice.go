package card

// Guarded choice. An either card whose branches begin with `await COND`
// tests those guards itself: a branch is open when it has no guard or its
// guard holds, the card is ready when some branch is open, and its choices
// are the open branches, numbered 0, 1, ... in source order among the
// branches open in the state at hand. The await that began a guarded
// branch is not a card of its own: the branch starts after it.

// EitherGuards returns the guards of either a (nil when none is guarded).
func EitherGuards(p *Program, a int32) []Expr {
	if int(a) < len(p.Guards) {
		return p.Guards[a]
	}
	return nil
}

// Guarded reports whether card pc is an either with at least one guard.
func Guarded(p *Program, pc int32) bool {
	c := &p.Cards[pc]
	return c.Op == Either && EitherGuards(p, c.A) != nil
}

// SyncCard reports whether card pc synchronises: a sync op (Op.IsSync), or
// an either with guards, which waits like an await.
func SyncCard(p *Program, pc int32) bool {
	return p.Cards[pc].Op.IsSync() || Guarded(p, pc)
}
