package check

import (
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// shortenBudget bounds the cards shorten replays for one counterexample.
const shortenBudget = 4 << 20

// shorten removes moves from a counterexample while deal still replays it
// to the same violation (kind and position), and returns what is left.
//
// Breadth-first search gives a shortest path in the graph it searched. With
// reduction that graph is coarser than the cards: a transition takes a
// stack's folded cards too, and a stack at an ample card moves alone (main
// spawns every stack before the others start, say), so the path can hold
// cards the violation does not need. Dropping them, one move at a time
// from the end, restores the shortest shuffle in the common cases (the
// search without reduction is shortest by construction and is not
// shortened). Each try is one replay; the work is bounded by
// shortenBudget cards.
func shorten(m *vm.Machine, sch trace.Schedule, key string) trace.Schedule {
	budget := int64(shortenBudget)
	var cand trace.Schedule
	for changed := true; changed && budget > 0; {
		changed = false
		for k := sch.Len() - 1; k >= 0 && budget > 0; k-- {
			cand.Truncate(0)
			for i, mv := range sch.Moves {
				if i != k {
					cand.Add(mv)
				}
			}
			budget -= int64(cand.Len())
			res, err := deal.Run(m, deal.Options{Replay: &cand, NoSchedule: true})
			if err != nil || res.Violation == nil || res.Violation.Key() != key {
				continue
			}
			sch.Truncate(0)
			for _, mv := range cand.Moves {
				sch.Add(mv)
			}
			changed = true
		}
	}
	return sch
}
