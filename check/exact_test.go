package check

import (
	"fmt"
	"strings"
	"testing"
)

// localWorkers returns a program whose main spawns n workers that each
// take k local cards and then write done, and then tail. With reduction
// the local cards fold away; without it the workers' cards interleave in
// (k+2)^n ways.
func localWorkers(n, k int, tail string) string {
	var b strings.Builder
	b.WriteString("var done = 0\nvar flag = 0\n\nproc work() {\n    let x = 0\n")
	for range k {
		b.WriteString("    x = x + 1\n")
	}
	b.WriteString("    done = done + 1\n}\n\nproc setter() {\n    flag = 1\n}\n\nproc main() {\n")
	for i := range n {
		fmt.Fprintf(&b, "    let h%d = spawn work()\n", i)
	}
	b.WriteString(tail)
	b.WriteString("}\n")
	return b.String()
}

// joinAll is a tail that waits for the workers and then fails.
func joinAll(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "    join h%d\n", i)
	}
	fmt.Fprintf(&b, "    assert done != %d, \"every worker finished\"\n", n)
	return b.String()
}

// TestExactStopsAtTheDepthItNeeds: a shallow violation in a program whose
// unreduced graph is far larger than the bound. The search that confirms
// the counterexample's length stops after the levels it needs, and the
// counterexample is proven shortest.
func TestExactStopsAtTheDepthItNeeds(t *testing.T) {
	m := mustCompile(t, "shallow.deck", localWorkers(4, 25, "    let s = spawn setter()\n    assert flag == 0, \"flag set\"\n"))
	rep := mustRun(t, m, Options{Workers: 1})
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
		t.Fatalf("%s, %d violations", rep.Verdict, len(rep.Violations))
	}
	cx := rep.Violations[0]
	// Four spawns, the setter's spawn, its write and the assert.
	if n := cx.Schedule.Len(); n != 7 || cx.Unproven || cx.Hunted {
		t.Errorf("%d cards (want 7), unproven %v, hunted %v", n, cx.Unproven, cx.Hunted)
	}
	rep.Violations[0].Unproven = true // as if unknown: exact must decide again
	states := exactCounterexamples(m, Options{Workers: 1}, rep, exactStates)
	if rep.Violations[0].Unproven {
		t.Error("the confirming search did not prove 7 cards shortest")
	}
	// The levels up to 6 cards hold a few hundred states; the whole graph
	// has (25+2)^4 and more.
	if states <= 0 || states > 5000 {
		t.Errorf("the confirming search stored %d states; it needs only the first 6 levels", states)
	}
	t.Logf("the confirming search stored %d states", states)
}

// TestExactUnprovenPastItsBound: a counterexample deeper than the
// confirming search can reach within its bound is marked Unproven; with a
// bound large enough the same counterexample is proven shortest.
func TestExactUnprovenPastItsBound(t *testing.T) {
	m := mustCompile(t, "deep.deck", localWorkers(3, 25, joinAll(3)))
	run := func() *Report {
		rep := mustRun(t, m, Options{Workers: 1, Search: SearchBFS})
		if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
			t.Fatalf("%s, %d violations", rep.Verdict, len(rep.Violations))
		}
		return rep
	}
	rep := run()
	n := rep.Violations[0].Schedule.Len()
	exactCounterexamples(m, Options{Workers: 1}, rep, 1000)
	if cx := rep.Violations[0]; !cx.Unproven || cx.Hunted || cx.Schedule.Len() != n {
		t.Errorf("bound 1000: unproven %v, hunted %v, %d cards (was %d)", cx.Unproven, cx.Hunted, cx.Schedule.Len(), n)
	}
	rep = run()
	exactCounterexamples(m, Options{Workers: 1}, rep, 1<<20)
	if cx := rep.Violations[0]; cx.Unproven || cx.Schedule.Len() != n {
		t.Errorf("bound 2^20: unproven %v, %d cards (was %d)", cx.Unproven, cx.Schedule.Len(), n)
	}
}
