package check

import (
	"slices"

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

// shortenLasso removes ticks from a progress counterexample's lasso, one
// at a time from the end back, while deal still replays it, under
// fairness fair, to a cycle that repeats forever and shows a violation
// same accepts. It returns the lasso left, its replay with steps and that
// violation as the replay names it, or sch, nil and nil when no tick
// could go.
//
// The progress check's path to the cycle is shortest in its graph, whose
// edges carry a stack's folded local cards (and the cards settle adds), so
// in cards it can be longer than it needs to be: a spinning daemon's loop
// folded into one edge is dealt a pass of it before the cycle starts, say.
// What is left is not proven shortest, only that no single move of it can
// go.
func shortenLasso(m *vm.Machine, sch trace.Schedule, fair Fairness, same func(*trace.Violation) bool) (trace.Schedule, *deal.Result, *trace.Violation) {
	// A quarter of shorten's budget (about 0.1 s): the folds lengthen a
	// lasso by a few cards, which the first tries find; a long prefix
	// that is shortest already would spend it all on tries that fail.
	budget := int64(shortenBudget / 4)
	shows := func(res *deal.Result) *trace.Violation {
		if !res.Forever {
			return nil
		}
		for _, v := range append([]*trace.Violation{res.Violation}, res.Also...) {
			if v != nil && same(v) {
				return v
			}
		}
		return nil
	}
	orig := sch
	// keep makes a copy of c the lasso so far (cand is reused, and sch
	// must not write into the caller's arrays).
	keep := func(c *trace.Schedule) {
		sch = trace.Schedule{Moves: slices.Clone(c.Moves), Ends: slices.Clone(c.Ends), Cycle: c.Cycle}
	}
	keep(&orig)
	var cand trace.Schedule
	changed := false
	// A cycle that is the same few ticks over and over (a daemon's loop
	// the check's graph went round three times to come back to a state)
	// is tried as one round of them first.
	pre := sch.Prefix()
	for d := 1; d < sch.Cycle && budget > 0; d++ {
		if sch.Cycle%d != 0 || !periodic(&sch, pre, d) {
			continue
		}
		cand.Truncate(0)
		for t := 0; t < pre+d; t++ {
			cand.Add(sch.Tick(t)...)
		}
		cand.Cycle = d
		budget -= int64(cand.Len() + (deal.CyclePasses-1)*cand.CycleMoves())
		if res, err := deal.Run(m, deal.Options{Replay: &cand, NoSchedule: true, Fairness: fair}); err == nil && shows(res) != nil {
			keep(&cand)
			changed = true
			break
		}
	}
	for again := true; again && budget > 0; {
		again = false
		// Tick by tick from the end back: the cycle's, then the way's.
		for k := sch.NumTicks() - 1; k >= 0 && budget > 0; k-- {
			if k >= sch.Prefix() && sch.Cycle == 1 {
				continue // a cycle needs a tick
			}
			cand.Truncate(0)
			for t := 0; t < sch.NumTicks(); t++ {
				if t != k {
					cand.Add(sch.Tick(t)...)
				}
			}
			cand.Cycle = sch.Cycle
			if k >= sch.Prefix() {
				cand.Cycle--
			}
			budget -= int64(cand.Len() + (deal.CyclePasses-1)*cand.CycleMoves())
			res, err := deal.Run(m, deal.Options{Replay: &cand, NoSchedule: true, Fairness: fair})
			if err != nil || shows(res) == nil {
				continue
			}
			keep(&cand)
			again, changed = true, true
		}
	}
	if !changed {
		return orig, nil, nil
	}
	res, err := deal.Run(m, deal.Options{Replay: &sch, Steps: true, Fairness: fair})
	if err != nil {
		return orig, nil, nil // cannot happen: the same replay showed it
	}
	if v := shows(res); v != nil {
		return sch, res, v
	}
	return orig, nil, nil
}

// periodic reports whether the ticks of sch from tick pre on repeat every d
// ticks.
func periodic(sch *trace.Schedule, pre, d int) bool {
	for t := pre + d; t < sch.NumTicks(); t++ {
		if !slices.Equal(sch.Tick(t), sch.Tick(t-d)) {
			return false
		}
	}
	return true
}
