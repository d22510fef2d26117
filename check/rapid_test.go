package check

import (
	"slices"
	"testing"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/internal/progen"
	"pgregory.net/rapid"
)

// TestCrossEngine draws random programs and checks that the checker agrees
// with the naive brute-force search, with itself without reduction, and
// with random runs of the dealer: every outcome a run ends in and every
// violation it hits must be among those the checker reports.
func TestCrossEngine(t *testing.T) {
	forceParallel(t)
	seeds := 50
	stats := map[string]int{}
	defer func() { t.Logf("programs drawn: %v", stats) }()
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.Program(rt)
		m := mustCompile(rt, "rand.deck", src)
		limit := Options{All: true, Workers: 2, MaxStates: 100000}
		rep := mustRun(rt, m, limit)
		if rep.Incomplete != "" {
			stats["too large"]++
			rt.Skip("state space too large")
		}
		stats[rep.Verdict]++
		if c, _ := newChecker(m, Options{}); c.ample != nil {
			for pc, ok := range c.ample {
				if ok && len(m.P.Accesses[pc]) > 0 {
					stats["protected ample card"]++
					break
				}
			}
		}
		for _, k := range kinds(rep) {
			stats[k]++
		}
		if len(rep.Outcomes) > 1 {
			stats["several outcomes"]++
		}
		noPOR := limit
		noPOR.NoPOR = true
		full := mustRun(rt, m, noPOR)
		if full.Incomplete != "" {
			rt.Skip("state space too large")
		}
		if rep.Verdict != full.Verdict || !slices.Equal(violationKeys(rep), violationKeys(full)) ||
			!slices.Equal(outcomeKeys(rep), outcomeKeys(full)) || !sameRaces(rep.Races, full.Races) {
			rt.Fatalf("reduction changes the result:\n%s\nwith: %s %q %q\nwithout: %s %q %q", src,
				rep.Verdict, violationKeys(rep), outcomeKeys(rep), full.Verdict, violationKeys(full), outcomeKeys(full))
		}
		if b := bruteForce(m, 50000); b != nil {
			compareBrute(rt, "reduced", rep, b, true)
			compareBrute(rt, "full", full, b, false)
		}
		one := limit
		one.Workers = 1
		sameCounts(rt, mustRun(rt, m, one), rep)
		vk := violationKeys(rep)
		ok := outcomeKeys(rep)
		for seed := 0; seed < seeds; seed++ {
			res, err := deal.Run(m, deal.Options{Seed: uint64(seed), CPUs: 1 + seed%2, Quantum: 1 + seed%3})
			if err != nil {
				rt.Fatalf("deal: %v", err)
			}
			switch {
			case res.Violation != nil:
				if !slices.Contains(vk, res.Violation.Key()) {
					rt.Fatalf("seed %d: run hits %s, which the checker does not report (it reports %q)\n%s\nschedule %s",
						seed, res.Violation.Describe(), vk, src, res.Schedule.String())
				}
			case res.Stopped == "":
				key := m.Outcome(res.Final)
				if !slices.Contains(ok, key.Key()) {
					rt.Fatalf("seed %d: run ends in %s, which the checker does not report (it reports %q)\n%s", seed, key.Key(), ok, src)
				}
			}
		}
	})
}

func sameCounts(t tb, a, b *Report) {
	if a.States != b.States || a.Transitions != b.Transitions || a.Verdict != b.Verdict {
		t.Fatalf("1 worker: %s %d states %d transitions; 2 workers: %s %d states %d transitions",
			a.Verdict, a.States, a.Transitions, b.Verdict, b.States, b.Transitions)
	}
	for i := range a.Violations {
		if a.Violations[i].Schedule.String() != b.Violations[i].Schedule.String() {
			t.Fatalf("counterexamples differ with the number of workers: %s vs %s", a.Violations[i].Schedule.String(), b.Violations[i].Schedule.String())
		}
	}
}
