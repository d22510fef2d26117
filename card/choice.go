package card

// Guarded choice. An either card whose branches begin with `await COND`
// tests those guards itself: a branch is open when it has no guard or its
// guard holds, the card is ready when some branch is open, and its choices
// are the open branches, numbered 0, 1, ... in source order among the
// branches open in the state at hand. The await that began a guarded
// branch is not a card of its own: the branch starts after it.
//
// A branch that begins with `atomic { await G; rest }` is guarded by G
// too, and the either card runs rest, as an atomic body (cards with Next
// -1 at its end), in the same step as the choice, before the stack goes to
// the branch's target (the card after the atomic block). Such an either
// lists its bodies' cards as an atomic card does (AtomicBody), and its
// accesses include theirs.

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

// EitherBodies returns the first body card of each branch of either a (-1
// for a branch without an atomic body), or nil when no branch has one.
func EitherBodies(p *Program, a int32) []int32 {
	if int(a) < len(p.GuardBodies) {
		return p.GuardBodies[a]
	}
	return nil
}

// HasBodies reports whether card pc is an either with at least one branch
// that runs an atomic body.
func HasBodies(p *Program, pc int32) bool {
	c := &p.Cards[pc]
	return c.Op == Either && EitherBodies(p, c.A) != nil
}

// SyncCard reports whether card pc synchronises: a sync op (Op.IsSync), or
// an either with guards, which waits like an await.
func SyncCard(p *Program, pc int32) bool {
	return p.Cards[pc].Op.IsSync() || Guarded(p, pc)
}
