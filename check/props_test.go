package check

import (
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/vm"
)

// Programs for eventually and leadsto. Each states what the property
// should find.

// lockedCount: two stacks add under a lock; done reaches 2 in every run.
const lockedCount = `var done = 0
mutex m
eventually done == 2
proc w() { lock m; done = done + 1; unlock m }
proc main() {
    let a = spawn w()
    let b = spawn w()
    join a; join b
}
`

// lostCount: the lost update; a run can end with done == 1.
const lostCount = `var done = 0
eventually done == 2
proc w() { done = done + 1 }
proc main() {
    let a = spawn w()
    let b = spawn w()
    join a; join b
}
`

// answered: a daemon answers a request; the request leads to the answer.
const answered = `var req = false
var ans = false
req leadsto ans
daemon proc server() {
    while true {
        await req
        ans = true
        req = false
    }
}
proc main() {
    spawn server()
    req = true
}
`

// ignored: the daemon keeps busy and never answers.
const ignored = `var req = false
var ans = false
var ticks = 0
req leadsto ans
daemon proc server() {
    while true { ticks = 1 - ticks }
}
proc main() {
    spawn server()
    req = true
}
`

// leftWaiting: the daemon waits for a request nobody makes; the run ends
// with the daemon blocked and ans false.
const leftWaiting = `var req = false
var ans = false
eventually ans
daemon proc server() {
    await req
    ans = true
}
proc main() { spawn server() }
`

// flagSet: eventually flag holds under weak fairness only: unfairSpin,
// where w spins until s sets the flag.
const flagSet = unfairSpin + "eventually flag\n"

// atOnce: p and q hold in the same state: q holds "then".
const atOnce = `var x = 0
x == 1 leadsto x > 0
proc main() { x = 1; x = 2 }
`

// badIndex: the condition reads past the end of an array.
const badIndex = `var a[2] = 0
var i = 0
eventually a[i] == 0
proc main() { i = 5 }
`

func TestProperties(t *testing.T) {
	tests := []struct {
		name, src string
		fair      Fairness
		kinds     []string // the violations, in order; none for ok
		cycle     bool     // the property's counterexample ends in a cycle
		says      string   // the property's message contains it
	}{
		{"locked", lockedCount, FairWeak, nil, false, ""},
		{"lost", lostCount, FairWeak, []string{"eventually"}, false, "done == 2 never holds in this run, and the run ends"},
		{"answered", answered, FairWeak, nil, false, ""},
		{"ignored", ignored, FairWeak, []string{"leadsto"}, true, "req holds after the 2nd card of the shuffle, and from then on ans never holds"},
		{"left-waiting", leftWaiting, FairWeak, []string{"eventually"}, false, "only daemon stacks left, all waiting (server#1 waits at"},
		{"flag-weak", flagSet, FairWeak, nil, false, ""},
		{"flag-none", flagSet, FairNone, []string{KindLivelock, "eventually"}, true, "flag never holds in this run, and the run goes round a cycle"},
		{"strong-weak", strongNeeded + "eventually stop\n", FairWeak, []string{KindLivelock, "eventually"}, true, "stop never holds"},
		{"strong-strong", strongNeeded + "eventually stop\n", FairStrong, nil, false, ""},
		{"at-once", atOnce, FairWeak, nil, false, ""},
		{"bad-index", badIndex, FairWeak, []string{"eventually"}, false, "eventually a[i] == 0: index 5 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, tt.name+".deck", tt.src)
			rep := mustRun(t, m, progressOpt(tt.fair))
			var kinds []string
			for _, cx := range rep.Violations {
				kinds = append(kinds, cx.Violation.Kind)
				// A condition that cannot be evaluated is a runtime error
				// of the state, which the safety search finds.
				if cx.Progress == (tt.name == "bad-index") {
					t.Errorf("%s: marked as found by the progress check: %v", cx.Violation.Kind, cx.Progress)
				}
			}
			if strings.Join(kinds, ",") != strings.Join(tt.kinds, ",") {
				t.Fatalf("violations %v, want %v (%+v)", kinds, tt.kinds, rep.Violations)
			}
			if len(tt.kinds) == 0 {
				if rep.Progress.Status != ProgressOK || rep.Verdict != VerdictOK {
					t.Fatalf("verdict %s, progress %+v", rep.Verdict, rep.Progress)
				}
				return
			}
			cx := rep.Violations[len(rep.Violations)-1]
			t.Logf("%s: %s", cx.Schedule.String(), cx.Violation.Describe())
			if !strings.Contains(cx.Violation.Message, tt.says) {
				t.Errorf("message %q does not say %q", cx.Violation.Message, tt.says)
			}
			if cx.Violation.Pos == "" || !strings.HasPrefix(cx.Violation.Pos, tt.name+".deck:") {
				t.Errorf("position %q", cx.Violation.Pos)
			}
			if (cx.Schedule.Cycle > 0) != tt.cycle {
				t.Errorf("schedule %s: cycle %d, want a cycle: %v", cx.Schedule.String(), cx.Schedule.Cycle, tt.cycle)
			}
			// The schedule replays; a run that ends ends where q is
			// still false, and every card of the shuffle is shown.
			res, err := deal.Run(m, deal.Options{Replay: &cx.Schedule})
			if err != nil {
				t.Fatalf("replay %s: %v", cx.Schedule.String(), err)
			}
			if tt.cycle && !res.Forever {
				t.Errorf("replay %s does not go round its cycle", cx.Schedule.String())
			}
			if len(cx.Steps) != cx.Schedule.Len() {
				t.Errorf("%d steps for a schedule of %d moves", len(cx.Steps), cx.Schedule.Len())
			}
			if tt.name == "lost" {
				if got := res.Final.Shared(m.P)[0]; got != 1 {
					t.Errorf("the run ends with done=%d, want 1", got)
				}
			}
		})
	}
}

// TestPropertyOnlyAfterP: p leadsto q asks nothing of the states before
// p holds, and fails when q can stay false after p.
func TestPropertyOnlyAfterP(t *testing.T) {
	const src = `var x = 0
var y = 0
x == 2 leadsto y == 1
proc main() {
    x = 1
    x = 2
    if y == 0 { x = 3 }
}
`
	m := mustCompile(t, "after.deck", src)
	rep := mustRun(t, m, progressOpt(FairWeak))
	if len(rep.Violations) != 1 || rep.Violations[0].Violation.Kind != "leadsto" {
		t.Fatalf("violations %+v", rep.Violations)
	}
	if msg := rep.Violations[0].Violation.Message; !strings.Contains(msg, "x == 2 holds after the 2nd card of the shuffle") {
		t.Errorf("message %q", msg)
	}
	// y == 0 at the start: without x == 2 nothing is asked.
	m = mustCompile(t, "before.deck", "var x = 0\nvar y = 0\nx == 2 leadsto y == 1\nproc main() { x = 1 }\n")
	if rep := mustRun(t, m, progressOpt(FairWeak)); len(rep.Violations) != 0 || rep.Progress.Status != ProgressOK {
		t.Fatalf("violations %+v, progress %+v", rep.Violations, rep.Progress)
	}
}

// TestPlacedLeadstoMoment: in a placed program, "p holds after the Nth card"
// counts the network's moves with the cards, in the check and in the
// replay of its lasso alike, as the listing numbers its rows (the replay
// counted cards alone, one short after each delivery). mustRun holds the
// replay's message to the check's.
func TestPlacedLeadstoMoment(t *testing.T) {
	p, err := compile.Source("starve.deck", []byte(`place server on S
place greedy on S
place client on C
chan req_a(1)
chan req_b(1)
chan rep_b(1)
var asked = false
var answered = false
daemon proc greedy() {
    while true {
        send req_a, 1
    }
}
daemon proc server() {
    while true {
        select {
        case v = recv req_a:
            yield
        case w = recv req_b:
            send rep_b, w
        }
    }
}
proc client() {
    asked = true
    send req_b, 7
    let r = recv rep_b
    answered = true
}
proc main() {
    spawn server()
    spawn greedy()
    let c = spawn client()
    join c
}
asked leadsto answered
`))
	if err == nil {
		p, err = compile.Place(p, nil, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	rep := mustRun(t, vm.New(p), Options{Workers: 1, All: true, CheckProgress: true})
	found := false
	for _, cx := range rep.Violations {
		if cx.Violation.Kind == "leadsto" {
			found = strings.Contains(cx.Violation.Message, "asked holds after the 5th card of the shuffle,")
		}
	}
	if !found {
		t.Fatalf("no leadsto violation after the 5th card in %v", rep.Violations)
	}
}
