package check

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/internal/progen"
	"github.com/deck-lang/deck/vm"
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
		if rapid.IntRange(0, 2).Draw(rt, "chans") == 0 {
			// Stacks that send each other values over buffered and
			// rendezvous channels, with choose and either.
			src = progen.ChanProgram(rt)
			stats["channels"]++
		}
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
		sameWithoutReduction(rt, src, m, limit, rep)
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

// sameWithoutReduction checks that rep, found with reduction, has the
// verdict, violations, outcomes and races of the search without it, and
// that both agree with brute force.
func sameWithoutReduction(rt *rapid.T, src string, m *vm.Machine, limit Options, rep *Report) {
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
}

// TestOwnedArraysRandom draws programs with an array that a procedure's
// stacks index by their own parameter (progen.OwnerProgram): the search
// with reduction, which treats an owned array's elements as the stacks'
// own (owned.go), must find what the search without it and brute force
// find, safety and progress.
func TestOwnedArraysRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("random programs with and without reduction: a full run covers them (the race run is -short)")
	}
	stats := map[string]int{}
	defer func() { t.Logf("programs drawn: %v", stats) }()
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.OwnerProgram(rt)
		m := mustCompile(rt, "rand.deck", src)
		for gi, g := range m.P.Globals {
			if g.Name == "o" {
				if ownedArrays(m.P, reachedCards(m.P))[gi] {
					stats["o owned"]++
				} else {
					stats["o shared"]++
				}
			}
		}
		limit := Options{All: true, Workers: 2, MaxStates: 20000, CheckProgress: true}
		rep := mustRun(rt, m, limit)
		if rep.Incomplete != "" {
			rt.Skip("state space too large")
		}
		stats[rep.Verdict]++
		sameWithoutReduction(rt, src, m, limit, rep)
		noPOR := limit
		noPOR.NoPOR = true
		full := mustRun(rt, m, noPOR)
		if (rep.Progress == nil) != (full.Progress == nil) || rep.Progress != nil && rep.Progress.Status != full.Progress.Status {
			rt.Fatalf("reduction changes progress:\n%s\nwith: %+v\nwithout: %+v", src, rep.Progress, full.Progress)
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

// TestCrossEnginePlaced draws random programs, places their procedures on
// random nodes (keeping the procedures that share a variable, mutex,
// semaphore or a channel's receiving end together, as ownership demands)
// and a random network mode, and holds the checker to brute force (which
// makes every delivery, drop and duplicate an explicit move), to itself
// without reduction, and to random runs of the dealer.
func TestCrossEnginePlaced(t *testing.T) {
	if testing.Short() {
		t.Skip("placed random programs: a full run covers them (the race run is -short)")
	}
	forceParallel(t)
	stats := map[string]int{}
	defer func() { t.Logf("placed programs drawn: %v", stats) }()
	modes := []card.NetMode{0, card.Unordered, card.Lossy, card.Unordered | card.Lossy, card.Dup, card.Unordered | card.Dup | card.Lossy}
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.Program(rt)
		if rapid.Bool().Draw(rt, "chans") {
			// Stacks that send each other channel values: their
			// deliveries cross the network.
			src = progen.ChanProgram(rt)
			stats["channels"]++
		}
		placed, pairs, mode := drawPlaced(rt, src, modes)
		if placed.Net != nil {
			// Now and then a node may crash, or the network split.
			var crash []string
			if rapid.IntRange(0, 3).Draw(rt, "crash") == 0 {
				crash = []string{placed.Net.Nodes[rapid.IntRange(0, len(placed.Net.Nodes)-1).Draw(rt, "crashnode")]}
				stats["crash"]++
			}
			parts := 0
			if rapid.IntRange(0, 4).Draw(rt, "split") == 0 {
				parts = 1
				stats["partitions"]++
			}
			if err := compile.Faults(placed, crash, parts); err != nil {
				rt.Fatalf("faults: %v", err)
			}
		}
		if placed.Net == nil {
			stats["all home"]++
		} else {
			stats[mode.String()]++
		}
		m := vm.New(placed)
		limit := Options{All: true, Workers: 2, MaxStates: 100000}
		rep := mustRun(rt, m, limit)
		noPOR := limit
		noPOR.NoPOR = true
		full := mustRun(rt, m, noPOR)
		if rep.Incomplete != "" || full.Incomplete != "" {
			rt.Skip("state space too large")
		}
		stats[rep.Verdict]++
		if rep.Verdict != full.Verdict || !slices.Equal(violationKeys(rep), violationKeys(full)) ||
			!slices.Equal(outcomeKeys(rep), outcomeKeys(full)) {
			rt.Fatalf("reduction changes the result (placement %v, %s):\n%s\nwith: %s %q %q\nwithout: %s %q %q", pairs, mode, src,
				rep.Verdict, violationKeys(rep), outcomeKeys(rep), full.Verdict, violationKeys(full), outcomeKeys(full))
		}
		if b := bruteForce(m, 50000); b != nil {
			compareBrute(rt, "reduced", rep, b, true)
			compareBrute(rt, "full", full, b, false)
		}
		vk, ok := violationKeys(rep), outcomeKeys(rep)
		for seed := 0; seed < 30; seed++ {
			kind := []deal.Kind{deal.Random, deal.RoundRobin, deal.Sequential}[seed%3]
			res, err := deal.Run(m, deal.Options{Dealer: kind, Seed: uint64(seed), CPUs: 1 + seed%2, Quantum: 1 + seed%3})
			if err != nil {
				rt.Fatalf("deal: %v", err)
			}
			switch {
			case res.Violation != nil:
				if !slices.Contains(vk, res.Violation.Key()) {
					rt.Fatalf("seed %d: run hits %s, which the checker does not report (it reports %q)\n%s\nplacement %v %s schedule %s",
						seed, res.Violation.Describe(), vk, src, pairs, mode, res.Schedule.String())
				}
			case res.Stopped == "":
				if key := m.Outcome(res.Final).Key(); !slices.Contains(ok, key) {
					rt.Fatalf("seed %d: run ends in %s, which the checker does not report (it reports %q)\n%s\nplacement %v %s", seed, key, ok, src, pairs, mode)
				}
			}
			// Every run replays to the same end.
			again, err := deal.Run(m, deal.Options{Replay: &res.Schedule})
			if err != nil {
				rt.Fatalf("seed %d: the run's schedule %s does not replay: %v\n%s\nplacement %v %s", seed, res.Schedule.String(), err, src, pairs, mode)
			}
			if (again.Violation == nil) != (res.Violation == nil) || m.Outcome(again.Final).Key() != m.Outcome(res.Final).Key() {
				rt.Fatalf("seed %d: replaying %s ends elsewhere", seed, res.Schedule.String())
			}
		}
	})
}

// TestProgressReductionRandom draws random programs and checks that the
// progress check finds the same verdict and violation kinds with
// reduction (which folds mutex-protected ample cards into the move before
// them, progressFoldable) as without, under each fairness.
func TestProgressReductionRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("random programs three times each way: a full run covers them (the race run is -short)")
	}
	stats := map[string]int{}
	defer func() { t.Logf("programs drawn: %v", stats) }()
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.ProgressProgram(rt)
		if rapid.IntRange(0, 2).Draw(rt, "chans") == 0 {
			src = progen.ChanProgram(rt) // stacks that wait for values
			stats["channels"]++
		}
		m := mustCompile(rt, "rand.deck", src)
		reduced, full := progressFoldable(m.P, false, true), progressFoldable(m.P, true, true)
		if slices.Equal(reduced, full) {
			stats["nothing more to fold"]++
		} else {
			stats["folds protected cards"]++
		}
		for _, fair := range []Fairness{FairWeak, FairStrong, FairNone} {
			rep, ref := progressAgrees(rt, m, fair, src)
			if rep == nil {
				stats["unchecked"]++
				continue
			}
			stats[rep.Progress.Status]++
			if rep.Progress.States > ref.Progress.States {
				rt.Fatalf("fairness %s: reduction made more progress states (%d > %d)\n%s", fair, rep.Progress.States, ref.Progress.States, src)
			}
		}
	})
}

// lassoKinds is kinds with livelock and starvation as one: the progress
// check reports the fair component whose first state comes first in
// breadth-first order, and a program that both livelocks and starves
// (one stack looping, another waiting for a value nobody will set) may
// show either first, depending on the graph, which reduction changes.
func lassoKinds(rep *Report) []string {
	var ks []string
	for _, k := range kinds(rep) {
		if k == KindLivelock || k == KindStarvation {
			k = "livelock or starvation"
		}
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// TestProgressPlacedRandom draws programs, places them on random nodes
// with a random network mode, and checks that the progress check finds
// the same verdict and violation kinds with reduction as without.
func TestProgressPlacedRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("random placed programs twice each: a full run covers them (the race run is -short)")
	}
	stats := map[string]int{}
	defer func() { t.Logf("programs drawn: %v", stats) }()
	modes := []card.NetMode{0, card.Unordered, card.Lossy, card.Unordered | card.Lossy, card.Dup}
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.ProgressProgram(rt)
		if rapid.Bool().Draw(rt, "chans") {
			src = progen.ChanProgram(rt)
			stats["channels"]++
		}
		placed, pairs, mode := drawPlaced(rt, src, modes)
		m := vm.New(placed)
		fair := []Fairness{FairWeak, FairStrong, FairNone}[rapid.IntRange(0, 2).Draw(rt, "fair")]
		rep, _ := progressAgrees(rt, m, fair, fmt.Sprintf("%s\nplaced %v, network %s", src, pairs, mode))
		if rep == nil {
			stats["unchecked"]++
			return
		}
		stats[rep.Progress.Status]++
	})
}

// progressAgrees checks m's progress under fair with reduction and
// without, and fails when the verdicts or the kinds of violation differ.
// It returns both reports, or nils when they cannot be compared: a
// search the state limit stopped after a violation still checks progress
// (All), but its violations are those found so far.
func progressAgrees(rt *rapid.T, m *vm.Machine, fair Fairness, what string) (rep, ref *Report) {
	opt := Options{All: true, Workers: 1, MaxStates: 50000, CheckProgress: true, Fairness: fair, MaxProgressStates: 50000}
	rep = mustRun(rt, m, opt)
	opt.NoPOR = true
	ref = mustRun(rt, m, opt)
	if rep.Progress == nil || ref.Progress == nil || ref.Progress.Status == ProgressUnchecked || rep.Progress.Status == ProgressUnchecked ||
		rep.Incomplete != "" || ref.Incomplete != "" {
		return nil, nil
	}
	if rep.Progress.Status != ref.Progress.Status || !slices.Equal(lassoKinds(rep), lassoKinds(ref)) {
		rt.Fatalf("fairness %s: reduction changes the progress verdict:\n%s\nwith: %s %v\nwithout: %s %v", fair, what,
			rep.Progress.Status, kinds(rep), ref.Progress.Status, kinds(ref))
	}
	return rep, ref
}

// drawPlaced compiles src and places it: a placement drawn as ownership
// allows (progen.Placement) on a network of one of modes.
func drawPlaced(rt *rapid.T, src string, modes []card.NetMode) (*card.Program, [][2]string, card.NetMode) {
	p, err := compile.Source("rand.deck", []byte(src))
	if err != nil {
		rt.Fatalf("does not compile: %v\n%s", err, src)
	}
	mode := modes[rapid.IntRange(0, len(modes)-1).Draw(rt, "mode")]
	pairs := progen.Placement(rt, p)
	placed, err := compile.Place(p, pairs, mode)
	if err != nil {
		rt.Fatalf("placement %v rejected: %v\n%s", pairs, err, src)
	}
	return placed, pairs, mode
}
