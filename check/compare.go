package check

import (
	"github.com/deck-lang/deck/trace"
)

// Ending is one way a program can end, for comparing two checks of it: an
// outcome (every stack finished) or a violation (a deadlock, a failed
// assert, ...), with the shortest schedule that reaches it.
type Ending struct {
	Key       string // the outcome's key, or the violation's kind@position
	Outcome   *Outcome
	Violation *Counterexample
}

// Schedule is the shortest shuffle that ends this way.
func (e *Ending) Schedule() *trace.Schedule {
	if e.Outcome != nil {
		return &e.Outcome.Schedule
	}
	return &e.Violation.Schedule
}

// Comparison says how the endings of a placed program differ from those of
// the same program on one machine.
type Comparison struct {
	Added []Ending // endings the placement adds, with the placed shuffle
	Lost  []Ending // endings only one machine has, with its shuffle
	// Complete is false when either search stopped early, so that an
	// ending missing on one side may only not have been reached.
	Complete bool
}

// Same reports whether the placement adds no ending.
func (c *Comparison) Same() bool { return len(c.Added) == 0 }

// Compare compares the report of a check of a program on one machine
// (local) with that of the same program placed on nodes. Both should come
// from searches with Options.All, so that every violation is listed.
func Compare(local, placed *Report) *Comparison {
	cmp := &Comparison{Complete: local.Verdict != VerdictIncomplete && placed.Verdict != VerdictIncomplete &&
		local.OutcomesFound <= len(local.Outcomes) && placed.OutcomesFound <= len(placed.Outcomes)}
	lk, pk := endings(local), endings(placed)
	seen := map[string]bool{}
	for _, e := range lk {
		seen[e.Key] = true
	}
	for _, e := range pk {
		if !seen[e.Key] {
			cmp.Added = append(cmp.Added, e)
		}
	}
	seen = map[string]bool{}
	for _, e := range pk {
		seen[e.Key] = true
	}
	for _, e := range lk {
		if !seen[e.Key] {
			cmp.Lost = append(cmp.Lost, e)
		}
	}
	return cmp
}

// endings lists a report's violations, then its outcomes.
func endings(r *Report) []Ending {
	var out []Ending
	for k := range r.Violations {
		out = append(out, Ending{Key: r.Violations[k].Violation.Key(), Violation: &r.Violations[k]})
	}
	for k := range r.Outcomes {
		out = append(out, Ending{Key: r.Outcomes[k].Key, Outcome: &r.Outcomes[k]})
	}
	return out
}
