package check

import (
	"slices"
	"strings"
	"testing"
)

// signalPicks: two stacks sleep on c; one signal wakes either of them, so
// who wakes first is a choice the checker explores, and then a broadcast
// wakes the other.
const signalPicks = `var asleep = 0
var who = 0
mutex m
cond c
proc w(k) {
    lock m
    asleep++
    wait c, m
    if who == 0 {
        who = k
    }
    unlock m
}
proc main() {
    let a = spawn w(1)
    let b = spawn w(2)
    await asleep == 2
    lock m
    signal c
    unlock m
    await who != 0
    lock m
    broadcast c
    unlock m
    join a; join b
}
`

func TestSignalChoosesWhoWakes(t *testing.T) {
	forceParallel(t)
	m := mustCompile(t, "signal.deck", signalPicks)
	b := bruteForce(m, 100000)
	for _, por := range []bool{true, false} {
		for _, workers := range []int{1, 2} {
			rep := mustRun(t, m, Options{Workers: workers, All: true, NoPOR: !por})
			want := []string{"asleep=2 who=1", "asleep=2 who=2"}
			if got := outcomeKeys(rep); !slices.Equal(got, want) || rep.Verdict != VerdictOK {
				t.Errorf("por=%v workers=%d: %s, outcomes %q, want %q", por, workers, rep.Verdict, got, want)
			}
			compareBrute(t, "signal.deck", rep, b, por)
		}
	}
}

// TestSignalLost: a signal nobody waits for is lost, and a stack that
// waits after it sleeps for ever; with while and a flag it does not.
func TestSignalLost(t *testing.T) {
	forceParallel(t)
	src := `var ready = false
mutex m
cond c
proc w() {
    lock m
    WAIT
    unlock m
}
proc main() {
    let h = spawn w()
    lock m
    ready = true
    signal c
    unlock m
    join h
}
`
	for _, tt := range []struct{ wait, verdict string }{
		{"wait c, m", VerdictViolation},
		{"while !ready { wait c, m }", VerdictOK},
	} {
		m := mustCompile(t, "lost.deck", strings.Replace(src, "WAIT", tt.wait, 1))
		b := bruteForce(m, 100000)
		for _, por := range []bool{true, false} {
			rep := mustRun(t, m, Options{All: true, NoPOR: !por})
			if rep.Verdict != tt.verdict {
				t.Errorf("%s (por=%v): verdict %s, want %s", tt.wait, por, rep.Verdict, tt.verdict)
			}
			if tt.verdict == VerdictViolation && !slices.Equal(kinds(rep), []string{"deadlock"}) {
				t.Errorf("%s: kinds %v, want a deadlock", tt.wait, kinds(rep))
			}
			compareBrute(t, "lost.deck", rep, b, por)
		}
	}
}

// TestObserveOutcomes: bookkeeping left out by observe does not make a
// program look order-dependent, to --deterministic or to Compare.
func TestObserveOutcomes(t *testing.T) {
	src := `var x = 0
var order = 0
OBSERVE
proc w(k) {
    atomic { x++; order = order * 10 + k }
}
proc main() {
    let a = spawn w(1)
    let b = spawn w(2)
    join a; join b
}
`
	all := mustRun(t, mustCompile(t, "all.deck", strings.Replace(src, "OBSERVE", "", 1)), Options{All: true})
	if got := outcomeKeys(all); !slices.Equal(got, []string{"x=2 order=12", "x=2 order=21"}) {
		t.Fatalf("without observe: %q", got)
	}
	m := mustCompile(t, "obs.deck", strings.Replace(src, "OBSERVE", "observe x", 1))
	rep := mustRun(t, m, Options{All: true, Deterministic: true})
	if got := outcomeKeys(rep); rep.Verdict != VerdictOK || !slices.Equal(got, []string{"x=2"}) {
		t.Fatalf("with observe x: %s %q", rep.Verdict, got)
	}
	if c := Compare(rep, rep); !c.Same() {
		t.Errorf("a report differs from itself: %+v", c)
	}
	other := mustRun(t, mustCompile(t, "obs2.deck", strings.Replace(src, "OBSERVE", "observe x", 1)+"proc unused() { order = 5 }\n"), Options{All: true})
	if c := Compare(rep, other); !c.Same() {
		t.Errorf("hidden bookkeeping made a difference: %+v", c.Added)
	}
}
