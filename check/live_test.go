package check

import (
	"os"
	"slices"
	"testing"

	"github.com/deck-lang/deck/vm"
)

// TestDeadLocalsChangeNothing: zeroing dead locals (the kill lists the
// compiler's liveness analysis puts on the cards' edges) only merges states
// whose futures are alike; it never changes what a program can do. Every
// example (in each configuration its header names) is checked as compiled
// and with every kill list removed: the verdict, the violation kinds and
// the outcomes must be the same, and the states no more.
func TestDeadLocalsChangeNothing(t *testing.T) {
	eachExample(t, func(name string, sec section, m *vm.Machine) {
		full := withoutKills(m)
		opt := Options{Workers: 2, All: true, MaxStates: 300_000}
		a := mustRun(t, m, opt)
		b := mustRun(t, full, opt)
		if a.Verdict == VerdictIncomplete || b.Verdict == VerdictIncomplete {
			return
		}
		if a.Verdict != b.Verdict || !slices.Equal(kinds(a), kinds(b)) || !slices.Equal(outcomeKeys(a), outcomeKeys(b)) {
			t.Errorf("%s %s: with dead locals zeroed %s %v %v, without %s %v %v", name, sec.with,
				a.Verdict, kinds(a), outcomeKeys(a), b.Verdict, kinds(b), outcomeKeys(b))
		}
		if a.States > b.States {
			t.Errorf("%s %s: zeroing dead locals made more states (%d > %d)", name, sec.with, a.States, b.States)
		}
	})
}

// TestDeadLocalsChangeNothingBEEM is TestDeadLocalsChangeNothing on the
// BEEM twins, whose atomic blocks set flags and counters that the liveness
// analysis follows (flagExit).
func TestDeadLocalsChangeNothingBEEM(t *testing.T) {
	for _, name := range []string{"lamport_n3", "bakery_n3_m3", "at_n3", "szymanski_n3", "peterson_n3", "anderson_n4"} {
		src, err := os.ReadFile("../bench/beem/models/" + name + ".deck")
		if err != nil {
			t.Fatal(err)
		}
		m := mustCompile(t, name+".deck", string(src))
		opt := Options{Workers: 2, All: true, MaxStates: 1_000_000}
		a := mustRun(t, m, opt)
		b := mustRun(t, withoutKills(m), opt)
		if a.Verdict == VerdictIncomplete || b.Verdict == VerdictIncomplete {
			t.Fatalf("%s: incomplete (%d, %d states)", name, a.States, b.States)
		}
		if a.Verdict != b.Verdict || !slices.Equal(kinds(a), kinds(b)) || !slices.Equal(outcomeKeys(a), outcomeKeys(b)) {
			t.Errorf("%s: with dead locals zeroed %s %v, without %s %v", name, a.Verdict, kinds(a), b.Verdict, kinds(b))
		}
		t.Logf("%s: %d states with dead locals zeroed, %d without", name, a.States, b.States)
	}
}

// withoutKills returns m's program with no dead local ever zeroed.
func withoutKills(m *vm.Machine) *vm.Machine {
	keep := *m.P
	keep.Cards = slices.Clone(m.P.Cards)
	for i := range keep.Cards {
		keep.Cards[i].KillNext, keep.Cards[i].KillTarget = 0, 0
	}
	keep.Procs = slices.Clone(m.P.Procs)
	for i := range keep.Procs {
		keep.Procs[i].DeadParams = 0
	}
	return vm.New(&keep)
}
