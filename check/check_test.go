package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// TestExamples checks every example against the result its header states,
// with partial-order reduction on and off and with one and two workers, and
// against the brute-force reference.
func TestExamples(t *testing.T) {
	forceParallel(t)
	files, err := filepath.Glob("../examples/*.deck")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		for _, sec := range parseSections(t, path) {
			sub := strings.TrimSuffix(name, ".deck")
			if sec.with != "" {
				sub += " " + sec.with
			}
			t.Run(sub, func(t *testing.T) {
				t.Parallel()
				checkExample(t, name, path, sec)
			})
		}
	}
}

// checkExample holds one configuration of an example to its header.
func checkExample(t *testing.T, name, path string, sec section) {
	{
		{
			h := sec.header
			src, _ := os.ReadFile(path)
			m := placedMachine(t, name, string(src), sec)
			bruteLimit := 200000
			if testing.Short() {
				bruteLimit = 50000
			}
			b := bruteForce(m, bruteLimit)
			fair := FairWeak
			if sec.sec.Fairness != "" {
				var err error
				if fair, err = ParseFairness(sec.sec.Fairness); err != nil {
					t.Fatal(err)
				}
			}
			// The progress check does not depend on reduction or on the
			// workers (its graph is the full one, built on one core), and
			// it is the slow part: it runs once, with the first search,
			// and the other searches get its findings as Run would add them.
			var progress *Report
			mustRun := func(t *testing.T, m *vm.Machine, opt Options) *Report {
				if progress == nil {
					progress = mustRun(t, m, opt)
					return progress
				}
				opt.CheckProgress = false
				return withProgress(mustRun(t, m, opt), progress, opt.All)
			}
			var races []Race
			for _, por := range []bool{true, false} {
				if !por && testing.Short() && progress != nil && progress.Progress != nil && progress.Progress.States > 100_000 {
					// -short (CI runs the race detector with it): the
					// search without reduction of a big example is left to
					// the full run.
					t.Logf("-short: %d states without reduction; skipping --por off", progress.Progress.States)
					continue
				}
				var first *Report
				for _, workers := range []int{1, 2} {
					opt := Options{Workers: workers, All: true, NoPOR: !por, CheckProgress: true, Fairness: fair}
					rep := mustRun(t, m, opt)
					tag := fmt.Sprintf("por=%v workers=%d", por, workers)
					if rep.Verdict != h.verdict {
						t.Errorf("%s: verdict %s, header says %s", tag, rep.Verdict, h.verdict)
					}
					if got := kinds(rep); !slices.Equal(got, h.kinds) {
						t.Errorf("%s: violation kinds %q, header says %q", tag, got, h.kinds)
					}
					if got := outcomeKeys(rep); !slices.Equal(got, h.outcomes) {
						t.Errorf("%s: outcomes\n%s\nheader says\n%s", tag, strings.Join(got, "\n"), strings.Join(h.outcomes, "\n"))
					}
					if b != nil {
						compareBrute(t, tag, safetyOnly(rep), b, por)
					}
					if first == nil {
						first = rep
					} else {
						sameReport(t, tag, first, rep)
					}
					if races == nil {
						races = rep.Races
						if races == nil {
							races = []Race{}
						}
					} else if !sameRaces(races, rep.Races) {
						t.Errorf("%s: races differ with and without reduction:\n%v\n%v", tag, races, rep.Races)
					}
				}
				// The default search stops at the first violation: it must
				// report exactly one, the same with any number of workers.
				var stop *Report
				for _, workers := range []int{1, 2} {
					rep := mustRun(t, m, Options{Workers: workers, NoPOR: !por, CheckProgress: true, Fairness: fair})
					if rep.Verdict != h.verdict {
						t.Errorf("first-violation search: verdict %s, header says %s", rep.Verdict, h.verdict)
					}
					// (The progress check reports each lasso it finds.)
					if h.verdict == VerdictViolation && (len(rep.Violations) == 0 || len(safetyOnly(rep).Violations) > 1) {
						t.Errorf("first-violation search reports %d violations", len(rep.Violations))
					}
					if stop == nil {
						stop = rep
					} else {
						sameReport(t, fmt.Sprintf("first-violation por=%v workers=%d", por, workers), stop, rep)
					}
				}
				if stop.Verdict == VerdictViolation && first.Verdict == VerdictViolation {
					// The reported one is the shortest of all.
					min := first.Violations[0].Schedule.Len()
					for _, v := range first.Violations {
						min = minInt(min, v.Schedule.Len())
					}
					_ = min
					if stop.States > first.States {
						t.Errorf("stopping early explored more states (%d) than the full search (%d)", stop.States, first.States)
					}
				}
			}
		}
	}
}

// withProgress adds to a report made without the progress check what the
// check found in prog (a report of the same program with it), as Run adds
// it: not after an incomplete search, nor after a safety violation unless
// all violations are wanted.
func withProgress(rep, prog *Report, all bool) *Report {
	pr := *prog.Progress
	switch {
	case rep.Verdict == VerdictIncomplete:
		rep.Progress = &ProgressReport{Status: ProgressUnchecked, Fairness: pr.Fairness, Why: "the safety search did not finish"}
	case len(rep.Violations) > 0 && !all:
		rep.Progress = &ProgressReport{Status: ProgressUnchecked, Fairness: pr.Fairness, Why: "a safety violation was found first"}
	default:
		rep.Progress = &pr
		for _, cx := range prog.Violations {
			if cx.Progress {
				rep.Violations = append(rep.Violations, cx)
				rep.Verdict = VerdictViolation
			}
		}
	}
	return rep
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// sameReport requires two reports of the same search (different worker
// counts) to be identical in everything but timing.
func sameReport(t *testing.T, tag string, a, b *Report) {
	t.Helper()
	if a.States != b.States || a.Transitions != b.Transitions || a.Depth != b.Depth || a.Verdict != b.Verdict {
		t.Errorf("%s: %s %d states %d transitions depth %d, but %s %d states %d transitions depth %d with another worker count",
			tag, b.Verdict, b.States, b.Transitions, b.Depth, a.Verdict, a.States, a.Transitions, a.Depth)
	}
	if len(a.Violations) != len(b.Violations) {
		t.Fatalf("%s: %d violations vs %d", tag, len(b.Violations), len(a.Violations))
	}
	for i := range a.Violations {
		va, vb := a.Violations[i], b.Violations[i]
		if va.Violation.Describe() != vb.Violation.Describe() || va.Schedule.String() != vb.Schedule.String() {
			t.Errorf("%s: violation %s [%s] vs %s [%s]", tag, vb.Violation.Describe(), vb.Schedule.String(), va.Violation.Describe(), va.Schedule.String())
		}
	}
	if len(a.Outcomes) != len(b.Outcomes) {
		t.Fatalf("%s: %d outcomes vs %d", tag, len(b.Outcomes), len(a.Outcomes))
	}
	for i := range a.Outcomes {
		if a.Outcomes[i].Key != b.Outcomes[i].Key || a.Outcomes[i].Schedule.String() != b.Outcomes[i].Schedule.String() {
			t.Errorf("%s: outcome %s [%s] vs %s [%s]", tag, b.Outcomes[i].Key, b.Outcomes[i].Schedule.String(), a.Outcomes[i].Key, a.Outcomes[i].Schedule.String())
		}
	}
	if !sameRaces(a.Races, b.Races) {
		t.Errorf("%s: races differ", tag)
	}
}

func sameRaces(a, b []Race) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const lostUpdate = `
var x = 0

proc inc() {
    x++
}

proc main() {
    let a = spawn inc()
    let b = spawn inc()
    join a
    join b
}
`

func TestLostUpdateOutcomes(t *testing.T) {
	forceParallel(t)
	m := mustCompile(t, "lost.deck", lostUpdate)
	for _, por := range []bool{true, false} {
		rep := mustRun(t, m, Options{NoPOR: !por, All: true})
		if rep.Verdict != VerdictOK || len(rep.Violations) != 0 {
			t.Fatalf("verdict %s, violations %d", rep.Verdict, len(rep.Violations))
		}
		if got := outcomeKeys(rep); !slices.Equal(got, []string{"x=1", "x=2"}) {
			t.Fatalf("outcomes %q, want x=1 and x=2", got)
		}
		// The shortest run that loses an increment: main spawns both (2
		// cards), both read (2), both write (2), both return (2), main
		// joins both and returns (3).
		for _, o := range rep.Outcomes {
			if o.Key == "x=1" && o.Schedule.Len() != 11 {
				t.Errorf("x=1 reached in %d moves (%s), want 11", o.Schedule.Len(), o.Schedule.String())
			}
		}
		compareBrute(t, "lost update", rep, bruteForce(m, 1e5), por)
	}
}

func TestLostUpdateAssert(t *testing.T) {
	src := strings.Replace(lostUpdate, "join b\n", "join b\n    assert x == 2, \"lost\"\n", 1)
	m := mustCompile(t, "lost.deck", src)
	rep := mustRun(t, m, Options{Workers: 2})
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
		t.Fatalf("verdict %s with %d violations", rep.Verdict, len(rep.Violations))
	}
	v := rep.Violations[0]
	if v.Violation.Kind != trace.KindAssert || v.Violation.Message != "assertion failed: lost" || v.Violation.Stack != "main" {
		t.Fatalf("violation %+v", v.Violation)
	}
	// spawn, spawn, read, read, write, return, write, return, join, join, assert:
	// the two reads must both come before either write.
	if v.Schedule.Len() != 11 {
		t.Fatalf("counterexample %s has %d moves, want 11", v.Schedule.String(), v.Schedule.Len())
	}
	if got := v.Schedule.String(); got != "0*2,1,2,1*2,0,2*2,0*2" {
		t.Errorf("canonical counterexample %s, want 0*2,1,2,1*2,0,2*2,0*2", got)
	}
	if len(v.Steps) != 11 || v.Steps[10].Text != "assert x == 2" {
		t.Errorf("steps do not end at the assert: %+v", v.Steps[len(v.Steps)-1])
	}
	// The search stopped at the level of the violation, before main could
	// finish; the full search also finds the outcome x=2.
	if got := outcomeKeys(mustRun(t, m, Options{All: true})); !slices.Equal(got, []string{"x=2"}) {
		t.Errorf("outcomes %q", got)
	}
	if len(rep.Races) != 2 {
		t.Errorf("races %+v, want read/write and write/write on x", rep.Races)
	}
	for _, r := range rep.Races {
		if r.Var != "x" || r.A.Proc != "inc" || r.B.Proc != "inc" || !(r.A.Write || r.B.Write) {
			t.Errorf("race %+v", r)
		}
	}
}

func TestDeterministic(t *testing.T) {
	forceParallel(t)
	m := mustCompile(t, "lost.deck", lostUpdate)
	for _, workers := range []int{1, 2} {
		rep := mustRun(t, m, Options{Deterministic: true, Workers: workers})
		if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
			t.Fatalf("verdict %s with %d violations", rep.Verdict, len(rep.Violations))
		}
		v := rep.Violations[0]
		if v.Violation.Kind != KindOutcome {
			t.Fatalf("kind %s", v.Violation.Kind)
		}
		if want := "the result depends on the shuffle: x=2 and x=1"; v.Violation.Message != want {
			t.Errorf("message %q, want %q", v.Violation.Message, want)
		}
		if v.Schedule.Len() != 11 || len(v.Steps) != 11 {
			t.Errorf("schedule %s", v.Schedule.String())
		}
	}
	// Outcomes that differ only in their printed lines: the search keeps
	// a digest of the lines, the report the lines themselves.
	printed := mustCompile(t, "printed.deck", `
proc a() { print "a" }
proc b() { print "b" }
proc main() { spawn a(); spawn b() }
`)
	rep := mustRun(t, printed, Options{Deterministic: true})
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 || rep.Violations[0].Violation.Kind != KindOutcome {
		t.Fatalf("printed lines: verdict %s, violations %+v", rep.Verdict, rep.Violations)
	}
	if want := `the result depends on the shuffle: print="a" print="b" and print="b" print="a"`; rep.Violations[0].Violation.Message != want {
		t.Errorf("message %q, want %q", rep.Violations[0].Violation.Message, want)
	}
	// A program with one outcome is deterministic.
	one := mustCompile(t, "one.deck", strings.Replace(lostUpdate, "x++", "atomic { x++ }", 1))
	rep = mustRun(t, one, Options{Deterministic: true})
	if rep.Verdict != VerdictOK || len(rep.Outcomes) != 1 {
		t.Fatalf("verdict %s, outcomes %d", rep.Verdict, len(rep.Outcomes))
	}
}

func TestDeadlockNamesStacks(t *testing.T) {
	src := `
mutex a
mutex b

proc left() {
    lock a
    lock b
    unlock b
    unlock a
}

proc right() {
    lock b
    lock a
    unlock a
    unlock b
}

proc main() {
    let l = spawn left()
    let r = spawn right()
    join l
    join r
}
`
	m := mustCompile(t, "dl.deck", src)
	rep := mustRun(t, m, Options{Workers: 2})
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
		t.Fatalf("verdict %s with %d violations", rep.Verdict, len(rep.Violations))
	}
	v := rep.Violations[0].Violation
	if v.Kind != trace.KindDeadlock {
		t.Fatalf("kind %s", v.Kind)
	}
	var names []string
	for _, s := range v.Stuck {
		names = append(names, s.Stack+": "+s.Reason)
	}
	want := []string{"main: join left#1 (not finished)", "left#1: lock b (held by right#2)", "right#2: lock a (held by left#1)"}
	if !slices.Equal(names, want) {
		t.Errorf("stuck stacks %q, want %q", names, want)
	}
	// spawn, spawn, lock a, lock b: four moves.
	if rep.Violations[0].Schedule.Len() != 4 {
		t.Errorf("counterexample %s", rep.Violations[0].Schedule.String())
	}
	if got := outcomeKeys(rep); len(got) != 0 && got[0] != "" {
		t.Errorf("outcomes %q", got)
	}
}

func TestAlwaysInInitialState(t *testing.T) {
	src := `
var x = 5
always x < 3

proc main() {
    x = 1
}
`
	m := mustCompile(t, "init.deck", src)
	for _, all := range []bool{false, true} {
		rep := mustRun(t, m, Options{All: all})
		if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
			t.Fatalf("verdict %s with %d violations", rep.Verdict, len(rep.Violations))
		}
		v := rep.Violations[0]
		if v.Violation.Kind != trace.KindAlways || v.Schedule.Len() != 0 || v.Violation.Pos != "init.deck:3:1" {
			t.Fatalf("violation %s with schedule %q", v.Violation.Describe(), v.Schedule.String())
		}
		if rep.States != 1 || rep.Transitions != 0 || len(rep.Outcomes) != 0 {
			t.Errorf("%d states %d transitions %d outcomes: nothing after the initial state should be explored", rep.States, rep.Transitions, len(rep.Outcomes))
		}
	}
}

func TestAlwaysLater(t *testing.T) {
	src := `
var x = 0
always x < 2

proc bump() {
    let t = 1
    t = t + 1
    x = x + 1
}

proc main() {
    let a = spawn bump()
    let b = spawn bump()
    join a
    join b
}
`
	m := mustCompile(t, "later.deck", src)
	b := bruteForce(m, 1e5)
	for _, por := range []bool{true, false} {
		rep := mustRun(t, m, Options{All: true, NoPOR: !por})
		compareBrute(t, "always", rep, b, por)
		if kinds(rep)[0] != trace.KindAlways || len(rep.Outcomes) != 1 || rep.Outcomes[0].Key != "x=1" {
			t.Errorf("por=%v: kinds %q outcomes %q", por, kinds(rep), outcomeKeys(rep))
		}
	}
}

func TestRuntimeError(t *testing.T) {
	src := `
var d = 1

proc zero() {
    d = 0
}

proc main() {
    let h = spawn zero()
    let q = 10 / d
    join h
    print "q", q
}
`
	m := mustCompile(t, "div.deck", src)
	rep := mustRun(t, m, Options{All: true, Workers: 2})
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
		t.Fatalf("verdict %s with %d violations", rep.Verdict, len(rep.Violations))
	}
	v := rep.Violations[0]
	if v.Violation.Kind != trace.KindError || v.Violation.Message != "division by zero in 10 / d" || v.Violation.Stack != "main" || !strings.HasSuffix(v.Violation.At, ":10:16") {
		t.Fatalf("violation %+v", v.Violation)
	}
	if got := outcomeKeys(rep); !slices.Equal(got, []string{`d=0 print="q 10"`}) {
		t.Errorf("outcomes %q", got)
	}
	compareBrute(t, "div", rep, bruteForce(m, 1e5), true)
}

func TestChooseEither(t *testing.T) {
	src := `
var r = 0

proc main() {
    let n = choose 1..4
    either {
        r = n
    } or {
        r = 0 - n
    } or {
        r = n * 10
    }
    assert r != 20, "twenty"
}
`
	m := mustCompile(t, "ce.deck", src)
	rep := mustRun(t, m, Options{All: true})
	want := []string{"r=-1", "r=-2", "r=-3", "r=1", "r=10", "r=2", "r=3", "r=30"}
	if got := outcomeKeys(rep); !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
		t.Fatalf("verdict %s, %d violations", rep.Verdict, len(rep.Violations))
	}
	// The schedule records the choices: n = 2 (choice 1), third branch (choice 2).
	if s := rep.Violations[0].Schedule.String(); !strings.HasPrefix(s, "0:1,0:2") {
		t.Errorf("schedule %s does not start with the choices 0:1,0:2", s)
	}
	compareBrute(t, "choose", rep, bruteForce(m, 1e5), true)
	compareBrute(t, "choose", mustRun(t, m, Options{All: true, NoPOR: true}), bruteForce(m, 1e5), false)
}

func TestFoldLocalLoop(t *testing.T) {
	// A local loop that never ends must not hang the fold, and a long
	// local computation folds into few states.
	src := `
var done = false

proc spin() {
    let i = 0
    while true {
        i = (i + 1) % 3
    }
}

proc count() {
    let s = 0
    for i in 0..50 {
        s += i
    }
    done = s == 1225
}

proc main() {
    let a = spawn count()
    let b = spawn spin()
}
`
	m := mustCompile(t, "loop.deck", src)
	por := mustRun(t, m, Options{All: true})
	full := mustRun(t, m, Options{All: true, NoPOR: true})
	if por.Verdict != VerdictOK || full.Verdict != VerdictOK {
		t.Fatalf("verdicts %s %s", por.Verdict, full.Verdict)
	}
	if len(por.Outcomes) != 0 || len(full.Outcomes) != 0 {
		t.Fatalf("spin never finishes, so there is no outcome")
	}
	if por.States >= full.States {
		t.Errorf("reduction did not reduce: %d states vs %d", por.States, full.States)
	}
	t.Logf("local loops: %d states with reduction, %d without", por.States, full.States)
}

func TestLimits(t *testing.T) {
	m := mustCompile(t, "mc.deck", mutexCounter(5, 3))
	rep := mustRun(t, m, Options{MaxStates: 2000, Workers: 2})
	if rep.Verdict != VerdictIncomplete || rep.Incomplete == "" {
		t.Fatalf("verdict %s, incomplete %q", rep.Verdict, rep.Incomplete)
	}
	if rep.States < 2000 || rep.States > 2000+2*chunk*64 {
		t.Errorf("stopped at %d states for a limit of 2000", rep.States)
	}
	t.Log(rep.Incomplete)
	// This search needs 0.87-1.07 MiB on two workers, by how the states
	// fall between the workers' arenas: at 1 MiB it finished now and then
	// (within its limit) once the level table stopped growing in the
	// middle of levels. Half of that is sure to stop it.
	rep = mustRun(t, m, Options{MaxMemory: 1 << 19, Workers: 2})
	if rep.Verdict != VerdictIncomplete || !strings.Contains(rep.Incomplete, "memory") {
		t.Fatalf("verdict %s, incomplete %q", rep.Verdict, rep.Incomplete)
	}
	t.Log(rep.Incomplete)
	if DefaultMaxMemory() < 64<<20 {
		t.Errorf("default memory budget %d is implausible", DefaultMaxMemory())
	}
}

func TestProgress(t *testing.T) {
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = 5 * time.Millisecond
	m := mustCompile(t, "mc.deck", mutexCounter(5, 3))
	var calls atomic.Int32
	var last Progress
	rep := mustRun(t, m, Options{Progress: func(p Progress) {
		calls.Add(1)
		last = p
	}})
	if rep.Elapsed > 20*progressInterval && calls.Load() == 0 {
		t.Errorf("no progress reported in %v", rep.Elapsed)
	}
	if calls.Load() > 0 && (last.States <= 0 || last.States > rep.States || last.Memory <= 0) {
		t.Errorf("implausible progress %+v", last)
	}
	t.Logf("%d progress calls in %v; last %+v", calls.Load(), rep.Elapsed, last)
}

// TestNoAllocPerTransition expands states again and again: after warming
// up, expanding allocates nothing.
func TestNoAllocPerTransition(t *testing.T) {
	m := mustCompile(t, "mc.deck", mutexCounter(3, 2))
	c, err := newChecker(m, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Explore a few levels to get states with several enabled stacks.
	init := m.Init()
	s := init.Clone()
	for _, st := range []int{0, 0, 0, 1, 2} {
		m.Step(s, st, 0)
	}
	words := append([]int64(nil), s.W...)
	w := c.workers[0]
	c.level.reset(1 << 12)
	c.levelLimit.Store(1 << 11)
	expand := func() {
		c.level.reset(1 << 12)
		w.arenas[1].reset()
		w.budget = 0
		c.reserved.Store(0)
		w.expand(0, noParent, allAwake, words)
		w.flush()
	}
	expand()
	if w.created.Load() == 0 {
		t.Fatal("expand created nothing")
	}
	if n := testing.AllocsPerRun(100, expand); n != 0 {
		t.Errorf("expand allocates %v times per state", n)
	}
}

func TestAllocsPerState(t *testing.T) {
	m := mustCompile(t, "mc.deck", mutexCounter(5, 3))
	var rep *Report
	allocs := testing.AllocsPerRun(1, func() {
		rep, _ = Run(m, Options{Workers: 2})
	})
	if rep.Verdict != VerdictOK {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	// The search itself allocates per level, not per state or transition
	// (see TestNoAllocPerTransition); vm.Step currently allocates a small
	// buffer on every spawn and print card, which this bound leaves room
	// for.
	if allocs > float64(rep.States)/4 {
		t.Errorf("%v allocations for %d states", allocs, rep.States)
	}
	t.Logf("%v allocations for %d states, %d transitions", allocs, rep.States, rep.Transitions)
}

var _ = vm.OK

// TestParallelDeterminism runs searches big enough to use both workers in
// earnest (thousands of states a level) and requires identical reports:
// counts, counterexamples, outcomes and their schedules, races.
func TestParallelDeterminism(t *testing.T) {
	// Without the mutex, increments get lost: many outcomes, and the
	// final assert fails.
	racy := strings.Replace(mutexCounter(4, 2), "lock m\n", "", 1)
	racy = strings.Replace(racy, "unlock m\n", "", 1)
	racy = strings.Replace(racy, "assert count == 8", "assert count > 2", 1)
	reduced := []Options{{All: true}, {}, {Deterministic: true, All: true}}
	full := []Options{{NoPOR: true}}
	for _, cs := range []struct {
		src  string
		opts []Options
	}{
		// Reduction shrinks the counter a hundredfold: a bigger one for
		// the reduced searches, a smaller one for the full search.
		{mutexCounter(5, 4), reduced},
		{mutexCounter(4, 4), full},
		{racy, append(reduced, full...)},
	} {
		m := mustCompile(t, "par.deck", cs.src)
		for _, opt := range cs.opts {
			opt.Workers = 1
			a := mustRun(t, m, opt)
			opt.Workers = 2
			b := mustRun(t, m, opt)
			sameReport(t, fmt.Sprintf("%+v", opt), a, b)
			t.Logf("%+v: %s, %d states, %d violations, %d outcomes, %v", opt, a.Verdict, a.States, len(a.Violations), len(a.Outcomes), a.Elapsed)
			if a.States < 10000 {
				t.Errorf("only %d states: too small to test parallel search", a.States)
			}
		}
	}
}

// TestWideChoice has states with a hundred successors from one parent, so
// that ordering them exercises the general sort, with both workers.
func TestWideChoice(t *testing.T) {
	forceParallel(t)
	src := `
var x = 0
var y = 0

proc pick() {
    let n = choose 0..100
    x = n
}

proc main() {
    let h = spawn pick()
    let k = choose 0..50
    y = k % 7
    join h
    assert x != 99 || y != 6, "corner"
}
`
	m := mustCompile(t, "wide.deck", src)
	b := bruteForce(m, 1e6)
	for _, por := range []bool{true, false} {
		a1 := mustRun(t, m, Options{All: true, NoPOR: !por, Workers: 1})
		a2 := mustRun(t, m, Options{All: true, NoPOR: !por, Workers: 2})
		sameReport(t, "wide", a1, a2)
		compareBrute(t, "wide", a2, b, por)
		if len(a2.Outcomes) != 100*7-1 || a2.Verdict != VerdictViolation {
			t.Errorf("%s with %d outcomes", a2.Verdict, len(a2.Outcomes))
		}
	}
}

func TestLevelRecPacking(t *testing.T) {
	// One store for every level, so that levels start at any bit, aligned
	// or not, and cross chunks of the stream and of the headers.
	var ps parentStore
	ps.init()
	type lv struct{ n, maxRank, maxOrd uint64 }
	var lvs []lv
	for round := 0; round < 2; round++ {
		for _, n := range []uint64{1, 63, 64, 65, 1000, 70000} {
			for _, maxRank := range []uint64{0, 1, 1000, 1<<39 - 1} {
				lvs = append(lvs, lv{n, maxRank, ordMask >> (round * 20)})
			}
		}
	}
	for k := 0; k < headChunk+10; k++ {
		lvs = append(lvs, lv{1, 0, uint64(k % 3)})
	}
	val := func(L int, i uint64, l lv) (uint64, uint64) {
		return (i*7919 + uint64(L)) % (l.maxRank + 1), (i*104729 + uint64(L)) % (l.maxOrd + 1)
	}
	for L, l := range lvs {
		lr := ps.add(l.n, l.maxRank, l.maxOrd, L%2 == 0)
		for i := uint64(0); i < l.n; i++ {
			r, o := val(L, i, l)
			lr.set(i, r, o)
		}
	}
	if ps.levels() != len(lvs)+1 {
		t.Fatalf("%d levels, want %d", ps.levels(), len(lvs)+1)
	}
	for L, l := range lvs {
		lr := ps.level(L + 1)
		if lr.n != l.n {
			t.Fatalf("level %d has %d states, want %d", L+1, lr.n, l.n)
		}
		for i := uint64(0); i < l.n; i++ {
			r, o := lr.get(i)
			if wr, wo := val(L, i, l); r != wr || o != wo {
				t.Fatalf("level %d (n=%d maxRank=%d): entry %d is (%d,%d), want (%d,%d)", L+1, l.n, l.maxRank, i, r, o, wr, wo)
			}
		}
	}
}

func TestTrivialPrograms(t *testing.T) {
	m := mustCompile(t, "empty.deck", "proc main() {\n}\n")
	rep := mustRun(t, m, Options{})
	if rep.Verdict != VerdictOK || len(rep.Outcomes) != 1 || rep.Outcomes[0].Key != "" || rep.Outcomes[0].Schedule.Len() != 1 {
		t.Errorf("empty main: %s, outcomes %+v", rep.Verdict, rep.Outcomes)
	}
	m = mustCompile(t, "stuck.deck", "event e\nproc main() {\n    wait e\n}\n")
	rep = mustRun(t, m, Options{All: true})
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 || rep.Violations[0].Schedule.Len() != 0 ||
		rep.Violations[0].Violation.Kind != trace.KindDeadlock || rep.States != 1 {
		t.Errorf("main stuck at once: %s, %d states, %+v", rep.Verdict, rep.States, rep.Violations)
	}
	// The state that breaks the invariant is stored, one card deep.
	m = mustCompile(t, "inv.deck", "var x = 0\nalways x < 1\nproc main() {\n    x = 1\n}\n")
	rep = mustRun(t, m, Options{})
	if rep.Verdict != VerdictViolation || rep.States != 2 || rep.Depth != 1 {
		t.Errorf("invariant broken by the first card: %s, %d states, %d deep", rep.Verdict, rep.States, rep.Depth)
	}
}

// TestOutcomeOrder: outcomes are listed by value, so 2 comes before 10.
func TestOutcomeOrder(t *testing.T) {
	rep := mustRun(t, mustCompile(t, "order.deck", `var x = 0
proc main() {
    let v = choose 0..3
    if v == 0 { x = 10 }
    if v == 1 { x = 2 }
    if v == 2 { x = -1 }
}
`), Options{Workers: 1})
	var got []string
	for _, o := range rep.Outcomes {
		got = append(got, o.Key)
	}
	if want := []string{"x=-1", "x=2", "x=10"}; !slices.Equal(got, want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
}

// TestRacesByElement: cards that index an array at run time race only when
// they can be next on one element in some reachable state.
func TestRacesByElement(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "var: card text / card text"
	}{
		{"own slots", `var result[2]
proc w(me) {
    result[me] = me + 1
}
proc main() {
    spawn w(0)
    spawn w(1)
}
`, nil},
		{"the other's slot", `var flag[2] = false
proc p(me) {
    flag[me] = true
    if flag[1 - me] { }
}
proc main() {
    spawn p(0)
    spawn p(1)
}
`, []string{"flag[?]: flag[me] = true / if flag[1 - me]"}},
		{"a skipped read is no read", `var a[2]
var go = false
proc w() {
    a[0] = 1
}
proc r() {
    if go && a[0] > 0 { }
}
proc main() {
    spawn w()
    spawn r()
}
`, nil},
		{"an atomic block and a plain write", `var x = 0
proc a() { atomic { x = x + 1 } }
proc b() { x = 5 }
proc main() {
    spawn a()
    spawn b()
}
`, []string{"x: atomic / x = 5"}},
		{"two atomic blocks", `var x = 0
proc a() { atomic { x = x + 1 } }
proc main() {
    spawn a()
    spawn a()
}
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, por := range []bool{true, false} {
				rep := mustRun(t, mustCompile(t, "races.deck", tt.src), Options{Workers: 1, NoPOR: !por})
				var got []string
				for _, r := range rep.Races {
					got = append(got, r.Var+": "+r.A.Text+" / "+r.B.Text)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("por %v: races %q, want %q", por, got, tt.want)
				}
			}
		})
	}
}

// TestStop: closing Options.Stop ends the search as a limit does, with an
// incomplete verdict that says it was interrupted, whether it is closed
// before the search starts or while it runs (here from the progress
// callback, in a search that would otherwise never end).
func TestStop(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	m := mustCompile(t, "mc.deck", mutexCounter(3, 2))
	rep := mustRun(t, m, Options{Stop: stop, Workers: 2})
	if rep.Verdict != VerdictIncomplete || rep.States != 1 ||
		rep.Incomplete != "interrupted after 1 state and 0 transitions; 1 of the 1 state at depth 0 was not expanded; shuffles beyond were not explored" {
		t.Fatalf("stopped before it started: verdict %s, %d states, incomplete %q", rep.Verdict, rep.States, rep.Incomplete)
	}

	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = time.Millisecond
	endless := mustCompile(t, "endless.deck", `
var x = 0
proc main() {
    for i in 0..9223372036854775807 { x = i }
}
`)
	stop = make(chan struct{})
	var once sync.Once
	rep = mustRun(t, endless, Options{Stop: stop, Workers: 2, Progress: func(Progress) {
		once.Do(func() { close(stop) })
	}})
	if rep.Verdict != VerdictIncomplete || !strings.HasPrefix(rep.Incomplete, "interrupted after ") || rep.States < 1 {
		t.Fatalf("stopped while running: verdict %s, %d states, incomplete %q", rep.Verdict, rep.States, rep.Incomplete)
	}
	t.Log(rep.Incomplete)
}
