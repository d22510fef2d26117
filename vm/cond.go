package vm

import (
	"math"

	"github.com/deck-lang/deck/card"
)

// Condition variables and counted releases.
//
// A cond element is one shared word: how many stacks sleep on it. Which
// stacks sleep there is not stored anywhere else: a sleeping stack is one
// whose pc stands at a CondSleep card of that cond, with an index that
// names that element in its own locals. So the set of sleepers is part of
// the stacks' words, as canonical as the rest of a state, and needs no
// room of its own whatever the number of stacks; the count beside it is a
// function of the stacks and is kept only so that signal knows its number
// of choices at once.
//
// `wait c, m` is three cards: CondWait unlocks m and counts the stack as a
// sleeper (one step, so no signal can fall between the two), CondSleep is
// where the stack stands, never enabled, and a Lock of m takes the mutex
// again once a signal has moved the stack on. A signal moves the choice-th
// sleeper (in stack order) from its CondSleep card to the card after it;
// a broadcast moves every one; a signal with no sleeper changes nothing.

// CondHost is the part of a Host that signal and broadcast need: the
// stacks asleep on a cond.
type CondHost interface {
	// Wake moves on the stacks asleep on the cond element whose word is w:
	// the choice-th of them in stack order, or every one when all is set.
	Wake(w int32, choice int, all bool)
}

// condWord returns the shared word of the cond (or mutex) element that
// global gi indexed by y names.
func (m *Machine) elemWord(sh, loc []int64, gi int32, y card.Expr) (int32, Fault) {
	g := &m.P.Globals[gi]
	if y == card.NoExpr {
		return g.Base, Fault{}
	}
	idx, f := m.eval(y, sh, loc)
	if f.Kind != NoFault {
		return 0, f
	}
	if idx < 0 || idx >= int64(g.Len) {
		return 0, Fault{Kind: IndexOutOfRange, A: idx, B: int64(g.Len)}
	}
	return g.Base + int32(idx)*g.Stride, Fault{}
}

// execCond performs a CondWait, Signal, Broadcast or counted Release card
// (see Exec).
func (m *Machine) execCond(sh, loc []int64, id int, pc int32, choice int, h Host) (int32, Result) {
	c := &m.P.Cards[pc]
	fail := func(f Fault) (int32, Result) { return failed(pc, f) }
	w, f := m.objWord(sh, loc, c)
	if f.Kind != NoFault {
		return fail(f)
	}
	switch c.Op {
	case card.Release:
		n, f := m.eval(c.X, sh, loc)
		if f.Kind != NoFault {
			return fail(f)
		}
		if n < 0 {
			return fail(Fault{Kind: NegativeRelease, A: n})
		}
		if sh[w] > math.MaxInt64-n {
			return fail(Fault{Kind: Overflow})
		}
		sh[w] += n
	case card.CondWait:
		mw, f := m.elemWord(sh, loc, c.B, c.X)
		if f.Kind != NoFault {
			return fail(f)
		}
		if sh[mw] != int64(id)+1 {
			return fail(Fault{Kind: WaitNotHeld, A: sh[mw] - 1, B: int64(mw)})
		}
		sh[mw] = 0
		sh[w]++
	case card.Signal:
		if sh[w] > 0 {
			if choice < 0 || int64(choice) >= sh[w] {
				choice = 0
			}
			h.(CondHost).Wake(w, choice, false)
			sh[w]--
		}
	case card.Broadcast:
		if sh[w] > 0 {
			h.(CondHost).Wake(w, 0, true)
			sh[w] = 0
		}
	}
	return c.Next, Result{PC: pc}
}

// Asleep reports whether a stack standing at card pc with locals loc sleeps
// on the cond element whose word is w.
func (m *Machine) Asleep(sh, loc []int64, pc, w int32) bool {
	c := &m.P.Cards[pc]
	if c.Op != card.CondSleep {
		return false
	}
	at, f := m.objWord(sh, loc, c)
	return f.Kind == NoFault && at == w
}

// Wake moves on the sleepers of cond word w in s (see CondHost).
func (h *simHost) Wake(w int32, choice int, all bool) {
	m := Machine{P: h.p}
	s := h.s
	sh := s.Shared(h.p)
	k := 0
	for j := 0; j < s.NumStacks(); j++ {
		pc := s.PC(j)
		if !m.Asleep(sh, s.Locals(j), pc, w) {
			continue
		}
		if all || k == choice {
			c := &h.p.Cards[pc]
			s.W[s.off[j]] = int64(c.Next)
			m.Kill(s.Locals(j), c, c.Next)
			if !all {
				return
			}
		}
		k++
	}
}

// signalChoices is the number of alternatives of a signal card: one per
// sleeper (which one wakes), or 1 when nobody sleeps.
func (m *Machine) signalChoices(sh, loc []int64, c *card.Card) int {
	w, f := m.objWord(sh, loc, c)
	if f.Kind != NoFault || sh[w] <= 1 {
		return 1
	}
	return int(min(sh[w], MaxChoices))
}
