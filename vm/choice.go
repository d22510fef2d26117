package vm

import "github.com/deck-lang/deck/card"

// Guarded choice (see card/choice.go). An either card's choices are its
// open branches, numbered in source order among those open now: choice k
// takes the k-th open branch. A guard that fails with a runtime error makes
// the card ready with one choice, so that Exec reports the error.

// eitherReady reports whether some branch of either card c is open.
func (m *Machine) eitherReady(sh, loc []int64, c *card.Card) (bool, Fault) {
	gs := card.EitherGuards(m.P, c.A)
	if gs == nil {
		return true, Fault{}
	}
	for _, g := range gs {
		if g == card.NoExpr {
			return true, Fault{}
		}
		v, f := m.eval(g, sh, loc)
		if f.Kind != NoFault {
			return true, f
		}
		if v != 0 {
			return true, Fault{}
		}
	}
	return false, Fault{}
}

// eitherMoves is eitherReady and eitherChoices in one pass over the
// guards: the number of open branches, 0 when none is open, and 1 when a
// guard fails to evaluate (Exec then reports the error).
func (m *Machine) eitherMoves(sh, loc []int64, c *card.Card) int {
	gs := card.EitherGuards(m.P, c.A)
	if gs == nil {
		return len(m.P.Eithers[c.A])
	}
	n := 0
	for _, g := range gs {
		if g != card.NoExpr {
			v, f := m.eval(g, sh, loc)
			if f.Kind != NoFault {
				return 1
			}
			if v == 0 {
				continue
			}
		}
		n++
	}
	return n
}

// eitherChoices is the number of open branches of either card c (1 when a
// guard fails, or none is open: Exec then reports the error, and Step
// reports a closed card as blocked before asking).
func (m *Machine) eitherChoices(sh, loc []int64, c *card.Card) int {
	return max(m.eitherMoves(sh, loc, c), 1)
}

// eitherBranch returns the branch that choice takes (its position among
// all the branches): the choice-th open branch (the first open one when
// choice is out of range).
func (m *Machine) eitherBranch(sh, loc []int64, c *card.Card, choice int) (int, Fault) {
	b, _, f := m.eitherPick(sh, loc, c, choice)
	return b, f
}

// eitherPick is eitherBranch that also tells whether any branch is open:
// when none is, the card is blocked (and b is 0). Step asks it instead of
// eitherReady and eitherBranch, so that the guards are evaluated once: the
// guards before the first open one are those eitherReady evaluates, so the
// same fault is found.
func (m *Machine) eitherPick(sh, loc []int64, c *card.Card, choice int) (b int, open bool, f Fault) {
	gs := card.EitherGuards(m.P, c.A)
	if gs == nil {
		if choice < 0 || choice >= len(m.P.Eithers[c.A]) {
			choice = 0
		}
		return choice, true, Fault{}
	}
	first, k := -1, 0
	for b, g := range gs {
		if g != card.NoExpr {
			v, f := m.eval(g, sh, loc)
			if f.Kind != NoFault {
				return 0, true, f
			}
			if v == 0 {
				continue
			}
		}
		if k == choice {
			return b, true, Fault{}
		}
		if first < 0 {
			first = b
		}
		k++
	}
	if first < 0 {
		return 0, false, Fault{}
	}
	return first, true, Fault{}
}

// EitherBranch returns which branch (its position among all branches of
// the either, from 0) choice takes when stack i stands at an either card,
// or -1 when the stack is elsewhere or no branch is open.
func (m *Machine) EitherBranch(s *State, i int, choice int) int {
	c := &m.P.Cards[s.PC(i)]
	if c.Op != card.Either {
		return -1
	}
	sh, loc := s.Shared(m.P), s.Locals(i)
	b, f := m.eitherBranch(sh, loc, c, choice)
	if f.Kind != NoFault {
		return -1
	}
	if ok, _ := m.eitherReady(sh, loc, c); !ok {
		return -1
	}
	return b
}
