package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/internal/progen"
	"github.com/deck-lang/deck/vm"
	"pgregory.net/rapid"
)

// sameAsWithoutSleep checks that the search with sleep sets (rep) found
// what the search without them (NoSleepSets) finds: the same states, the
// same depth, verdict, violations with counterexamples of the same length,
// outcomes and races, in no more transitions.
func sameAsWithoutSleep(t tb, what string, rep, full *Report) {
	if rep.States != full.States || rep.Depth != full.Depth || rep.Verdict != full.Verdict ||
		!slices.Equal(violationKeys(rep), violationKeys(full)) || !slices.Equal(outcomeKeys(rep), outcomeKeys(full)) ||
		!sameRaces(rep.Races, full.Races) {
		t.Fatalf("%s: sleep sets change the result: with %s %d states depth %d %q %q; without %s %d states depth %d %q %q",
			what, rep.Verdict, rep.States, rep.Depth, violationKeys(rep), outcomeKeys(rep),
			full.Verdict, full.States, full.Depth, violationKeys(full), outcomeKeys(full))
	}
	for i := range rep.Violations {
		if a, b := rep.Violations[i].Schedule.NumTicks(), full.Violations[i].Schedule.NumTicks(); a != b {
			t.Fatalf("%s: %s: counterexample of %d ticks with sleep sets, %d without", what, violationKeys(rep)[i], a, b)
		}
	}
	if rep.Transitions > full.Transitions {
		t.Fatalf("%s: sleep sets take more transitions (%d > %d)", what, rep.Transitions, full.Transitions)
	}
}

// TestSleepSetsKeepStates checks sleep sets on every example and on the
// bench and BEEM models that fit a test: every state is still found, at
// its depth, and so are the verdicts, counterexamples and outcomes. On
// the dining philosophers, where stacks mostly commute, they must prune.
func TestSleepSetsKeepStates(t *testing.T) {
	eachExample(t, func(name string, sec section, m *vm.Machine) {
		opt := Options{Workers: 2, All: true, MaxStates: 300_000}
		rep := mustRun(t, m, opt)
		if rep.Verdict == VerdictIncomplete {
			return
		}
		opt.NoSleepSets = true
		sameAsWithoutSleep(t, name+" "+sec.with, rep, mustRun(t, m, opt))
	})
	// The philosophers come first: on them sleep sets must prune. The
	// short run (CI's race detector) takes the small ones only.
	models := []string{
		"../bench/models/phil_n4_r4.deck", "../bench/beem/models/peterson_n3.deck",
		"../bench/beem/models/lamport_n3.deck", "../bench/beem/models/anderson_n4.deck",
	}
	workers := []int{2}
	if !testing.Short() {
		models = append(models,
			"../bench/models/phil_n5_r3.deck", "../bench/models/counter_n6_r3.deck",
			"../bench/models/filter_n3_r3.deck", "../bench/models/buffer_n2_s3_i4.deck",
			"../bench/beem/models/szymanski_n3.deck", "../bench/beem/models/at_n3.deck",
			"../bench/beem/models/msmie_s4_m4_b4.deck")
		workers = []int{1, 2}
	}
	for _, path := range models {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := mustCompile(t, filepath.Base(path), string(src))
		for _, nw := range workers {
			opt := Options{Workers: nw, All: true}
			rep := mustRun(t, m, opt)
			opt.NoSleepSets = true
			full := mustRun(t, m, opt)
			sameAsWithoutSleep(t, path, rep, full)
			if strings.HasPrefix(filepath.Base(path), "phil_") && rep.Transitions*10 > full.Transitions*8 {
				t.Errorf("%s: sleep sets left %d of %d transitions, want under 80 %%", path, rep.Transitions, full.Transitions)
			}
		}
	}
}

// TestSleepSetsRandom draws random programs (progen) and checks that
// sleep sets change nothing but the transitions, and that the transitions
// they take are the same on 1 and 3 workers (the gate decides from each
// level's sums, not from how the workers raced).
func TestSleepSetsRandom(t *testing.T) {
	forceParallel(t)
	pruned := 0
	defer func() { t.Logf("programs where sleep sets pruned: %d", pruned) }()
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.Program(rt)
		rep, full := sleepAgainstFull(rt, mustCompile(rt, "rand.deck", src), src)
		if rep.Transitions < full.Transitions {
			pruned++
		}
	})
}

// sleepAgainstFull searches a random program (what describes it) with
// sleep sets on 1 and 3 workers and without them on 1, checks that the
// three agree (sameCounts, sameAsWithoutSleep), and returns the first
// and the last search. A program too large for a test is skipped.
func sleepAgainstFull(rt *rapid.T, m *vm.Machine, what string) (rep, full *Report) {
	opt := Options{All: true, Workers: 1, MaxStates: 100000}
	rep = mustRun(rt, m, opt)
	if rep.Incomplete != "" {
		rt.Skip("state space too large")
	}
	three := opt
	three.Workers = 3
	sameCounts(rt, rep, mustRun(rt, m, three))
	opt.NoSleepSets = true
	full = mustRun(rt, m, opt)
	sameAsWithoutSleep(rt, what, rep, full)
	return rep, full
}

// TestSleepSetsPlacedRandom draws programs whose stacks send channel
// values to each other (progen.ChanProgram), places them on random nodes
// in a random network mode without faults, and checks that sleep sets,
// which there put deliveries to sleep as well as stacks, change nothing
// but the transitions, on 1 and 3 workers alike. Some of them must prune.
func TestSleepSetsPlacedRandom(t *testing.T) {
	forceParallel(t)
	pruned, placed := 0, 0
	modes := []card.NetMode{0, card.Unordered, card.Lossy, card.Unordered | card.Lossy, card.Dup, card.Lossy | card.Dup}
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.ChanProgram(rt)
		p, pairs, mode := drawPlaced(rt, src, modes)
		rep, full := sleepAgainstFull(rt, vm.New(p), fmt.Sprintf("%s\nplaced %v, network %s", src, pairs, mode))
		if p.Net != nil {
			placed++
			if rep.Transitions < full.Transitions {
				pruned++
			}
		}
	})
	t.Logf("placed programs: %d, where sleep sets pruned: %d", placed, pruned)
	if pruned == 0 {
		t.Errorf("sleep sets pruned in none of %d placed programs", placed)
	}
}

// TestFootprints checks what cardFootOf makes of the cards that matter:
// an indexed lock finds its word per stack, a print writes the output, a
// spawn conflicts with everything, and a card touching nothing shared
// with nothing but those.
func TestFootprints(t *testing.T) {
	m := mustCompile(t, "feet.deck", `
mutex fork[3]
var x = 0
var y = 0

proc phil(i) {
    let first = i
    lock fork[first]
    x = 1
    print y
    unlock fork[first]
}

proc main() {
    let a = spawn phil(0)
    let b = spawn phil(2)
    join a
    join b
}
`)
	p := m.P
	feet := cardFeet(p, nil, nil)
	at := func(label string) *cardFoot {
		for pc := range p.Cards {
			if p.Labels[pc] == label {
				return &feet[pc]
			}
		}
		t.Fatalf("no card %q in %q", label, p.Labels)
		return nil
	}
	lock := at("lock fork[first]")
	if !lock.indexed || !lock.write {
		t.Fatalf("lock fork[first]: %+v, want an indexed write", lock)
	}
	// Two stacks locking different forks commute; the same fork does not.
	l0, l2 := lock.at(localsWith(int(lock.slot), 0)), lock.at(localsWith(int(lock.slot), 2))
	if l0.conflicts(l2) || !l0.conflicts(l0) {
		t.Errorf("fork 0 against fork 2: conflict %v (want false); fork 0 against itself: %v (want true)", l0.conflicts(l2), l0.conflicts(l0))
	}
	if out := lock.at(localsWith(int(lock.slot), 3)); out != everything {
		t.Errorf("an index out of range: %+v, want everything", out)
	}
	store, print := at("x = 1").foot, at("print y").foot
	if store.conflicts(print) || !print.conflicts(print) {
		t.Errorf("x = 1 against print y: %v (want false); print against print: %v (want true)", store.conflicts(print), print.conflicts(print))
	}
	spawn := at("a = spawn phil(0)").foot
	if !spawn.conflicts(store) || !spawn.conflicts(foot{r: anyBit}) {
		t.Errorf("a spawn must conflict with every card")
	}
}

func localsWith(slot int, v int64) []int64 {
	l := make([]int64, slot+1)
	l[slot] = v
	return l
}
