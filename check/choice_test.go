package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestGuardedChoice: an either whose branches begin with await takes only
// an open branch, so choosing and testing are one card: no deadlock from a
// branch chosen while its guard is false, the same outcomes with and
// without reduction and as brute force, and a deadlock when no guard can
// ever hold.
func TestGuardedChoice(t *testing.T) {
	src := `
var x = 0
var y = 0
proc setter() { x = 1 }
proc main() {
    let s = spawn setter()
    either {
        await x == 0
        y = 10
    } or {
        await x == 1
        y = 11
    }
    join s
}
`
	m := mustCompile(t, "guard.deck", src)
	rep := mustRun(t, m, Options{All: true})
	if rep.Verdict != VerdictOK {
		t.Fatalf("verdict %s (%v), want ok", rep.Verdict, violationKeys(rep))
	}
	want := []string{"x=1 y=10", "x=1 y=11"}
	if got := outcomeKeys(rep); !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
	compareBrute(t, "guard", rep, bruteForce(m, 1e5), true)
	compareBrute(t, "guard", mustRun(t, m, Options{All: true, NoPOR: true}), bruteForce(m, 1e5), false)

	dead := mustCompile(t, "dead.deck", `
var x = 0
proc main() {
    either {
        await x == 5
    } or {
        await x == 6
    }
}
`)
	rep = mustRun(t, dead, Options{All: true})
	if got := kinds(rep); !slices.Equal(got, []string{"deadlock"}) {
		t.Fatalf("violations %v, want one deadlock", got)
	}
}

// TestGuardedChoiceFewerStates: the same protocol with its guards tested by
// the either card has fewer states than with an await after the choice
// (which also deadlocks when it picks a closed branch), and an await in the
// middle of a branch stays a card of its own.
func TestGuardedChoiceFewerStates(t *testing.T) {
	guarded := `
var turn = 0
var n = 0
proc p(me) {
    for k in 0..2 {
        either {
            await turn == me
            n = n + 1
            turn = 1 - me
        } or {
            await n > 3
        }
    }
}
proc main() { let a = spawn p(0); let b = spawn p(1); join a; join b }
`
	split := `
var turn = 0
var n = 0
proc p(me) {
    for k in 0..2 {
        await turn == me || n > 3
        either {
            yield
            await turn == me
            n = n + 1
            turn = 1 - me
        } or {
            yield
            await n > 3
        }
    }
}
proc main() { let a = spawn p(0); let b = spawn p(1); join a; join b }
`
	g := mustRun(t, mustCompile(t, "g.deck", guarded), Options{All: true, NoPOR: true})
	s := mustRun(t, mustCompile(t, "s.deck", split), Options{All: true, NoPOR: true})
	if g.States >= s.States {
		t.Errorf("guarded choice: %d states, await then either: %d", g.States, s.States)
	}
	if g.Verdict != VerdictOK {
		t.Errorf("guarded: verdict %s %v", g.Verdict, violationKeys(g))
	}
}

// takers is a buffer protocol in the style of BEEM's msmie: a filler
// fills free slots and two takers empty full ones, each test and write
// one step (`atomic { await b[i] == 1; b[i] = 0; ... }` as a guarded
// branch), or (split) the guard in the either card and the write a card
// after it, where two takers can take the same item.
func takers(split bool) string {
	take := "atomic { await b[%d] == 1; b[%d] = 0; done = done + 1 }"
	if split {
		take = "await b[%d] == 1\n            atomic { b[%d] = 0; done = done + 1 }"
	}
	branch := func(i int) string { return fmt.Sprintf(take, i, i) }
	return `
var b[2]
var done = 0
proc taker() {
    for r in 0..2 {
        either {
            ` + branch(0) + `
        } or {
            ` + branch(1) + `
        } or {
            await b[0] != 1 && b[1] != 1
        }
    }
}
proc filler() {
    for r in 0..2 {
        either {
            atomic { await b[0] == 0; b[0] = 1 }
        } or {
            atomic { await b[1] == 0; b[1] = 1 }
        }
    }
}
proc main() {
    let f = spawn filler()
    let t1 = spawn taker()
    let t2 = spawn taker()
    join f
    join t1
    join t2
    assert done + b[0] + b[1] == 2, "an item was taken twice"
}
`
}

// TestGuardedAtomicChoice: a branch that begins with a guarded atomic
// block tests its guard and runs its body in the either's card, so no
// other stack comes between them: the buffer protocol never takes an item
// twice (its split twin does), reduction and the full search find the same
// verdicts and outcomes as brute force, and it needs fewer states.
func TestGuardedAtomicChoice(t *testing.T) {
	m := mustCompile(t, "takers.deck", takers(false))
	rep := mustRun(t, m, Options{All: true})
	full := mustRun(t, m, Options{All: true, NoPOR: true})
	for _, r := range []*Report{rep, full} {
		if r.Verdict != VerdictOK {
			t.Fatalf("verdict %s (%v), want ok", r.Verdict, violationKeys(r))
		}
		want := []string{"b=[0,0] done=2", "b=[0,1] done=1", "b=[1,0] done=1", "b=[1,1] done=0"}
		if got := outcomeKeys(r); !slices.Equal(got, want) {
			t.Errorf("outcomes %q, want %q", got, want)
		}
		if len(r.Races) != 0 {
			t.Errorf("races %v: every access is in an atomic body", r.Races)
		}
	}
	b := bruteForce(m, 1e6)
	compareBrute(t, "takers", rep, b, true)
	compareBrute(t, "takers", full, b, false)

	sm := mustCompile(t, "split.deck", takers(true))
	split := mustRun(t, sm, Options{All: true})
	if got := kinds(split); !slices.Equal(got, []string{"assert"}) {
		t.Fatalf("split twin: violations %v, want the assert (an item taken twice)", got)
	}
	splitFull := mustRun(t, sm, Options{All: true, NoPOR: true})
	if rep.States >= split.States || full.States >= splitFull.States {
		t.Errorf("states: guarded atomic %d (%d without reduction), split %d (%d)",
			rep.States, full.States, split.States, splitFull.States)
	}
}

// TestGuardedAtomicChoiceReduction: an either whose guards read only
// locals but whose atomic bodies write shared state or print is not local:
// reduction must still interleave it with the other stacks (the outcomes
// with and without reduction are the same, and all of them are there).
func TestGuardedAtomicChoiceReduction(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"a body that writes", `
var x = 0
var y = 0
proc a() {
    let k = 0
    either {
        atomic { await k == 0; x = 1 }
    } or {
        atomic { await k == 1; x = 2 }
    }
    y = x
}
proc b() { x = 5 }
proc main() { spawn a(); spawn b() }
`, []string{"x=1 y=1", "x=5 y=1", "x=5 y=5"}},
		{"a body that writes what a mutex guards elsewhere", `
var x = 0
var y = 0
mutex m
proc a() {
    let k = 0
    either {
        atomic { await k == 0; x = 1 }
    } or {
        await k == 1
    }
}
proc b() {
    lock m
    x = 2
    y = x
    unlock m
}
proc main() { spawn a(); spawn b() }
`, []string{"x=1 y=1", "x=1 y=2", "x=2 y=2"}},
		{"a body that prints", `
var x = 0
proc a() {
    let k = 0
    either {
        atomic { await k == 0; print "a" }
    } or {
        await k == 1
    }
}
proc b() { print "b" }
proc main() { spawn a(); spawn b() }
`, []string{`x=0 print="a" print="b"`, `x=0 print="b" print="a"`}},
		{"a body that unlocks", `
var x = 0
mutex m
proc a() {
    let k = 0
    lock m
    either {
        atomic { await k == 0; unlock m }
    } or {
        await k == 1
        unlock m
    }
    x = 1
}
proc b() {
    lock m
    x = 2
    unlock m
}
proc main() { spawn a(); spawn b() }
`, []string{"x=1", "x=2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustCompile(t, "r.deck", tc.src)
			rep := mustRun(t, m, Options{All: true})
			full := mustRun(t, m, Options{All: true, NoPOR: true})
			for _, r := range []*Report{rep, full} {
				if got := outcomeKeys(r); !slices.Equal(got, tc.want) {
					t.Errorf("outcomes %q, want %q", got, tc.want)
				}
			}
			compareBrute(t, tc.name, rep, bruteForce(m, 1e5), true)
		})
	}
}

// TestGuardedAtomicChoiceFaults: a deadlock when no guard can hold, and a
// runtime error in a branch's atomic body reported at the body card.
func TestGuardedAtomicChoiceFaults(t *testing.T) {
	dead := mustCompile(t, "dead.deck", `
var x = 0
proc main() {
    either {
        atomic { await x == 1; x = 2 }
    } or {
        atomic { await x == 2; x = 3 }
    }
}
`)
	rep := mustRun(t, dead, Options{All: true})
	if got := kinds(rep); !slices.Equal(got, []string{"deadlock"}) {
		t.Fatalf("violations %v, want one deadlock", got)
	}
	if st := rep.Violations[0].Violation.Stuck; len(st) != 1 || !strings.HasSuffix(st[0].Reason, "(no guard holds)") {
		t.Errorf("stuck %+v, want main waiting with no guard open", st)
	}
	bad := mustCompile(t, "bad.deck", `
var x = 0
var d = 0
proc w() {
    either {
        atomic { await x == 0; x = 1; x = x / d }
    } or {
        await x == 9
    }
}
proc main() { spawn w(); d = 1 }
`)
	rep = mustRun(t, bad, Options{All: true})
	if got := kinds(rep); !slices.Equal(got, []string{"error"}) {
		t.Fatalf("violations %v, want the division by zero", got)
	}
	v := rep.Violations[0].Violation
	if v.Stack != "w#1" || v.Card != "1.2" || v.Message != "division by zero in x / d" || !strings.HasSuffix(v.Pos, ":6:41") || !strings.HasSuffix(v.At, ":6:45") {
		t.Errorf("violation %+v, want w#1 at card 1.2 (6:41): division by zero in x / d (6:45)", v)
	}
}
