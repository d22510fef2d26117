package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deck-lang/deck/vm"
)

// TestPrintsKeepStatesSmall: a program that prints in a loop keeps the
// checker's states the same size whatever it printed (they hold a count
// and a digest of the lines, not the lines), and the reported outcome
// still has every line, rebuilt from its path.
func TestPrintsKeepStatesSmall(t *testing.T) {
	const n = 3000
	src := fmt.Sprintf("proc main() {\n    for i in 0..%d {\n        print \"line\", i\n    }\n}\n", n)
	m := mustCompile(t, "p.deck", src)
	s := m.InitHashed()
	size := len(s.W)
	for k := 0; k < 4*n && !s.Finished(m.P, 0); k++ {
		if r := m.Step(s, 0, 0); r.Status != vm.OK {
			t.Fatalf("step %d: %v", k, r.Status)
		}
		if len(s.W) > size+2 { // the stack's locals may come and go
			t.Fatalf("after %d cards the state has %d words, at first %d", k+1, len(s.W), size)
		}
	}
	if lines, _ := m.OutputDigest(s); lines != n {
		t.Fatalf("the digest counts %d lines, want %d", lines, n)
	}
	rep := mustRun(t, m, Options{Workers: 1})
	if len(rep.Outcomes) != 1 || len(rep.Outcomes[0].Output) != n || !strings.HasPrefix(rep.Outcomes[0].Key, `print="line 0" print="line 1"`) {
		t.Fatalf("outcomes %v", rep.Outcomes)
	}
}

// TestDigestTellsOutputsApart: two shuffles that print the same lines in
// another order are two outcomes, as before the digest.
func TestDigestTellsOutputsApart(t *testing.T) {
	m := mustCompile(t, "d.deck", `
proc a() { print "a" }
proc b() { print "b" }
proc main() {
    let x = spawn a()
    let y = spawn b()
    join x; join y
}
`)
	rep := mustRun(t, m, Options{All: true})
	if got := outcomeKeys(rep); len(got) != 2 || got[0] != `print="a" print="b"` || got[1] != `print="b" print="a"` {
		t.Fatalf("outcomes %q", got)
	}
}

// politeSrc is two polite stacks: polite(1) waits for its turn, printing,
// and gives the turn away again each time, so it never finishes. Its
// printed lines make every state of the cycle new.
const politeSrc = `
var turn = 0
var done = 0
proc polite(me) {
    while turn != me {
        print "after you", me
        turn = 1 - me
    }
    done = done + 1
}
proc main() {
    spawn polite(0)
    spawn polite(1)
}
`

// TestIgnorePrints: with printed lines in the states, a stack that prints
// in an endless loop makes the search go on until a limit stops it; with
// Options.IgnorePrints the search ends and the progress check finds the
// livelock. Outcomes that differ only in their lines become one.
func TestIgnorePrints(t *testing.T) {
	m := mustCompile(t, "polite.deck", politeSrc)
	if !m.P.PrintsInLoop() {
		t.Fatal("PrintsInLoop is false for a print in a while loop")
	}
	rep := mustRun(t, m, Options{Workers: 1, MaxStates: 5000, CheckProgress: true})
	if rep.Verdict != VerdictIncomplete || rep.States < 5000 {
		t.Fatalf("with the lines: verdict %s after %d states, want incomplete at the limit", rep.Verdict, rep.States)
	}
	for _, noPOR := range []bool{false, true} {
		rep = mustRun(t, m, Options{Workers: 1, MaxStates: 5000, CheckProgress: true, IgnorePrints: true, NoPOR: noPOR})
		if rep.Verdict != VerdictViolation || !rep.IgnorePrints || len(rep.Violations) != 1 || rep.Violations[0].Violation.Kind != "livelock" {
			t.Fatalf("--ignore-prints, por off %v: verdict %s, violations %v", noPOR, rep.Verdict, rep.Violations)
		}
		if rep.States > 100 {
			t.Fatalf("--ignore-prints, por off %v: %d states", noPOR, rep.States)
		}
	}
	// The caller's machine keeps its lines.
	if m.IgnorePrints {
		t.Fatal("Run changed the caller's machine")
	}

	two := mustCompile(t, "two.deck", `
var x = 0
proc w(me) {
    print "hello from", me
    x = x + me
}
proc main() {
    spawn w(1)
    spawn w(2)
}
`)
	if two.P.PrintsInLoop() {
		t.Fatal("PrintsInLoop is true for a program without loops")
	}
	if got := outcomeKeys(mustRun(t, two, Options{All: true})); len(got) != 6 {
		t.Fatalf("with the lines: %d outcomes %q, want 6", len(got), got)
	}
	rep = mustRun(t, two, Options{All: true, IgnorePrints: true})
	got := outcomeKeys(rep)
	if len(got) != 3 {
		t.Fatalf("--ignore-prints: %d outcomes %q, want 3 (x=1, 2, 3)", len(got), got)
	}
	for _, o := range rep.Outcomes {
		if len(o.Output) != 2 { // each with the lines of its shuffle
			t.Fatalf("outcome %q has lines %q", o.Key, o.Output)
		}
	}
}
