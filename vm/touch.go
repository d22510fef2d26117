package vm

import (
	"slices"

	"github.com/deck-lang/deck/card"
)

// Touches tells what the card stack i stands at would do to shared
// variables if it ran now, without running it: the words its expressions
// read (only those evaluated: a short-circuit skips the rest), appended to
// reads, and the word a store writes (-1 when it writes none). ok is false
// when that cannot be told: the card is not an ordinary card (a
// synchronisation card or an atomic block), or evaluating it fails.
//
// The checker uses it to tell whether two cards that may race, because one
// indexes an array at run time, touch the same element in a given state;
// traces use it to show the reads a card really made.
func (m *Machine) Touches(s *State, i int, reads []int32) (_ []int32, write int32, ok bool) {
	p := m.P
	c := &p.Cards[s.PC(i)]
	sh, loc := s.Shared(p), s.Locals(i)
	write = -1
	exprs := [2]card.Expr{c.X, c.Y}
	switch c.Op {
	case card.Local, card.Branch, card.Assert, card.Return, card.Choose:
	case card.Store:
		// Y, the index, is read like X; objWord evaluates it once more to
		// find the element written.
		w, f := m.objWord(sh, loc, c)
		if f.Kind != NoFault {
			return reads, -1, false
		}
		write = w
	case card.Print:
		for _, a := range p.Prints[c.A] {
			if a.X != card.NoExpr {
				var ok bool
				if reads, ok = m.logReads(a.X, sh, loc, reads); !ok {
					return reads, -1, false
				}
			}
		}
	default:
		return reads, -1, false
	}
	for _, e := range exprs {
		if e != card.NoExpr {
			var ok bool
			if reads, ok = m.logReads(e, sh, loc, reads); !ok {
				return reads, -1, false
			}
		}
	}
	return reads, write, true
}

// logReads evaluates e, appending the shared words it reads.
func (m *Machine) logReads(e card.Expr, sh, loc []int64, reads []int32) ([]int32, bool) {
	var st [MaxEvalDepth]int64
	code := m.exprCode(e)
	reads = slices.Grow(reads, len(code)) // at most one word an instruction
	log := readLog{buf: reads[:cap(reads)], n: len(reads)}
	_, f := run(code, st[:], sh, loc, &log)
	return log.buf[:log.n], f.Kind == NoFault
}
