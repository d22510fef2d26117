package check

import (
	"slices"
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
