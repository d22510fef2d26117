package trace

import (
	"fmt"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// Property builds the violation of eventually or leadsto property k in a
// run: for leadsto, its p held after card asked (0: in the initial state)
// and q never held from then on; for eventually, q never held at all.
// forever says whether the run goes round a cycle forever, else it ended
// in state s (every non-daemon stack finished). The checker and the
// dealer both describe a failure with it, so that a replay says what the
// check said.
func Property(m *vm.Machine, s *vm.State, k, asked int, forever bool) *Violation {
	p := m.P
	pr := &p.Props[k]
	how := "and the run goes round a cycle that can repeat forever"
	if !forever {
		how = "and the run ends with every stack done"
		var waits []string
		for i := 0; i < s.NumStacks(); i++ {
			if !s.Finished(p, i) && (p.Net == nil || !m.Stopped(s, i)) {
				waits = append(waits, m.StackName(s, i)+" waits at "+m.WaitReason(s, i))
			}
		}
		if len(waits) > 0 {
			how = fmt.Sprintf("and the run ends with only daemon stacks left, all waiting (%s)", joinList(waits))
		}
	}
	var msg string
	if pr.Kind == card.PropEventually {
		msg = fmt.Sprintf("%s: %s never holds in this run, %s", pr.Src, pr.QSrc, how)
	} else {
		when := "in the initial state"
		if asked > 0 {
			// The shuffle's own count, the first column of its listing:
			// "after card 7" read as the stack's card 7.
			when = fmt.Sprintf("after the %s card of the shuffle", ordinal(asked))
		}
		msg = fmt.Sprintf("%s: %s holds %s, and from then on %s never holds, %s", pr.Src, pr.PSrc, when, pr.QSrc, how)
	}
	return &Violation{Kind: pr.Kind, Message: msg, Pos: p.Position(pr.Pos)}
}

// PropertyFault builds the violation for property k's condition failing
// to evaluate in state s. Like an invariant's, it has the declaration's
// kind, and the message carries the error.
func PropertyFault(m *vm.Machine, s *vm.State, k int, f vm.Fault) *Violation {
	p := m.P
	pr := &p.Props[k]
	msg := pr.Src + ": " + m.FaultMessage(s, 0, vm.Failure(0, f))
	return &Violation{Kind: pr.Kind, Message: msg, Pos: p.Position(pr.Pos)}
}

// joinList joins names: "a", "a and b", "a, b and c".
func joinList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := names[0]
	for _, n := range names[1 : len(names)-1] {
		out += ", " + n
	}
	return out + " and " + names[len(names)-1]
}

// Watch follows a run's eventually and leadsto properties, state by
// state, to report the ones the run breaks when it ends or when it turns
// out to go round a cycle forever.
type Watch struct {
	m       *vm.Machine
	held    []bool  // eventually: q held in some state so far
	pending []int   // leadsto: the card after which p held with q not since; -1: none
	lastQ   []int64 // the state (counted in observations) where q last held; -1: never
	seen    int64   // observations so far
}

// NewWatch returns a watch of m's properties, or nil when it has none.
func NewWatch(m *vm.Machine) *Watch {
	n := len(m.P.Props)
	if n == 0 {
		return nil
	}
	w := &Watch{m: m, held: make([]bool, n), pending: make([]int, n), lastQ: make([]int64, n)}
	for k := range n {
		w.pending[k], w.lastQ[k] = -1, -1
	}
	return w
}

// Observe looks at state s, reached after card number cards (0: the
// initial state). It returns a violation when a condition cannot be
// evaluated.
func (w *Watch) Observe(s *vm.State, cards int) *Violation {
	m := w.m
	for k, pr := range m.P.Props {
		q, f := m.Holds(pr.Q, s)
		if f.Kind != vm.NoFault {
			return PropertyFault(m, s, k, f)
		}
		if q {
			w.held[k], w.pending[k], w.lastQ[k] = true, -1, w.seen
			continue
		}
		if pr.P == card.NoExpr || w.pending[k] >= 0 {
			continue
		}
		p, f := m.Holds(pr.P, s)
		if f.Kind != vm.NoFault {
			return PropertyFault(m, s, k, f)
		}
		if p {
			w.pending[k] = cards
		}
	}
	w.seen++
	return nil
}

// Mark returns a mark of the observations so far, for End.
func (w *Watch) Mark() int64 { return w.seen }

// End judges the properties when the run is over: it ended in state s
// (forever false), or it goes round a cycle forever whose last pass
// started at mark (forever true). It returns the violations of the broken
// properties, in the order the program declares them (nil when none is).
func (w *Watch) End(s *vm.State, forever bool, mark int64) []*Violation {
	var broken []*Violation
	for k, pr := range w.m.P.Props {
		switch {
		case pr.Kind == card.PropEventually && !w.held[k]:
		case pr.Kind == card.PropLeadsTo && w.pending[k] >= 0 && (!forever || w.lastQ[k] < mark):
		default:
			continue
		}
		broken = append(broken, Property(w.m, s, k, w.pending[k], forever))
	}
	return broken
}

// ordinal writes n as "1st", "2nd", "3rd", "4th", "11th", "22nd".
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
