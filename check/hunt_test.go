package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/internal/progen"
	"github.com/deck-lang/deck/vm"
	"pgregory.net/rapid"
)

// racy is the racy counter of bench/gen: n workers each add 1 to count r
// times with no lock, main joins them all, and then END runs (an assert, a
// division, a lock-order deadlock...). The violations lie at the end of
// every run: breadth-first search must store nearly the whole state space
// before it reaches them.
func racy(n, r int, decls, end string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "const N = %d\nconst R = %d\nvar count = 0\n%s\n", n, r, decls)
	b.WriteString("proc worker() {\n    for i in 0..R {\n        count++\n    }\n}\n\nproc main() {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    let h%d = spawn worker()\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    join h%d\n", i)
	}
	b.WriteString(end)
	b.WriteString("}\n")
	return b.String()
}

// deepModels have violations far deeper than breadth-first search reaches
// within deepLimit states.
var deepModels = []struct {
	name, src, kind string
}{
	{"assert", racy(5, 5, "", `    assert count == N * R, "an increment was lost"`+"\n"), "assert"},
	// Exactly one lost increment: nearly sequential runs show it, which
	// the ranked walks make.
	{"one lost", racy(5, 5, "", `    assert count != N * R - 1, "exactly one increment was lost"`+"\n"), "assert"},
	{"error", racy(5, 5, "", "    let k = 100 / (count / (N * R))\n    print k\n"), "error"},
	{"always", racy(5, 5, "var over = false\nalways !over", "    over = count < N * R\n"), "always"},
	{"deadlock", racy(5, 5, "mutex a\nmutex b\nproc left() {\n    lock a\n    lock b\n    count++\n    unlock b\n    unlock a\n}\nproc right() {\n    lock b\n    lock a\n    unlock a\n    unlock b\n}",
		"    let l = spawn left()\n    let r = spawn right()\n    join l\n    join r\n"), "deadlock"},
}

// deepLimit stops the breadth-first search of the deep models long before
// it reaches their violations (it needs tens of millions of states).
const deepLimit = 200000

// TestHuntFindsDeepViolations: on models whose violations lie deeper than
// the breadth-first search gets within deepLimit states, the auto search
// (with its hunter started early) and the hunt alone find them, with a
// counterexample that replays (mustRun replays every one), marked as not
// proven shortest; breadth-first search alone stops incomplete.
func TestHuntFindsDeepViolations(t *testing.T) {
	for _, tc := range deepModels {
		t.Run(tc.name, func(t *testing.T) {
			m := mustCompile(t, tc.name+".deck", tc.src)
			for _, opt := range []Options{
				{Search: SearchAuto, HuntAfter: 1000, Workers: 2, MaxStates: deepLimit},
				{Search: SearchHunt, Workers: 1, MaxStates: deepLimit},
				{Search: SearchHunt, Workers: 2, MaxStates: deepLimit, NoPOR: true},
			} {
				tag := fmt.Sprintf("%v workers=%d por=%v", opt.Search, opt.Workers, !opt.NoPOR)
				rep := mustRun(t, m, opt)
				if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 {
					t.Fatalf("%s: verdict %s with %d violations (%s)", tag, rep.Verdict, len(rep.Violations), rep.Incomplete)
				}
				cx := rep.Violations[0]
				if cx.Violation.Kind != tc.kind {
					t.Errorf("%s: found %s, want a %s", tag, cx.Violation.Describe(), tc.kind)
				}
				if !cx.Hunted {
					t.Errorf("%s: the counterexample is not marked as hunted", tag)
				}
				if rep.Hunt == nil || rep.Hunt.States == 0 {
					t.Errorf("%s: no hunt statistics: %+v", tag, rep.Hunt)
				}
				if rep.Incomplete != "" {
					t.Errorf("%s: a violation found, yet incomplete: %s", tag, rep.Incomplete)
				}
				// A replay with deal reaches the same violation (mustRun
				// checked the message too).
				res, err := deal.Run(m, deal.Options{Replay: &cx.Schedule})
				if err != nil || res.Violation == nil || res.Violation.Key() != cx.Violation.Key() {
					t.Errorf("%s: %s does not replay to %s: %v %v", tag, cx.Schedule.String(), cx.Violation.Describe(), err, res.Violation)
				}
				t.Logf("%s: %s in %d cards, %d hunt states", tag, cx.Violation.Kind, cx.Schedule.Len(), rep.Hunt.States)
			}
			rep := mustRun(t, m, Options{Search: SearchBFS, Workers: 2, MaxStates: deepLimit})
			if rep.Verdict != VerdictIncomplete || rep.Hunt != nil {
				t.Errorf("breadth-first search alone: verdict %s (hunt %+v): the model is not deep enough", rep.Verdict, rep.Hunt)
			}
		})
	}
}

// TestHuntShortest: the shortest flag. Breadth-first counterexamples are
// shortest (not hunted); the hunt's are not proven shortest, unless the
// search without reduction that SearchHunt runs afterwards (within its
// bound) finds the violation, which makes them shortest: then they are as
// long as breadth-first search's.
func TestHuntShortest(t *testing.T) {
	lost := mustCompile(t, "lost.deck", strings.Replace(lostUpdate, "    join b\n", "    join b\n    assert x == 2\n", 1))
	bfs := mustRun(t, lost, Options{Workers: 2})
	auto := mustRun(t, lost, Options{Workers: 2, Search: SearchAuto})
	hunt := mustRun(t, lost, Options{Workers: 2, Search: SearchHunt})
	for _, tc := range []struct {
		name   string
		rep    *Report
		hunted bool
	}{{"bfs", bfs, false}, {"auto below HuntAfter", auto, false}, {"hunt, made exact", hunt, false}} {
		if tc.rep.Verdict != VerdictViolation || len(tc.rep.Violations) != 1 {
			t.Fatalf("%s: verdict %s", tc.name, tc.rep.Verdict)
		}
		cx := tc.rep.Violations[0]
		if cx.Hunted != tc.hunted {
			t.Errorf("%s: hunted = %v, want %v", tc.name, cx.Hunted, tc.hunted)
		}
		if cx.Schedule.Len() != bfs.Violations[0].Schedule.Len() {
			t.Errorf("%s: %d cards, breadth-first search has %d", tc.name, cx.Schedule.Len(), bfs.Violations[0].Schedule.Len())
		}
	}
	if auto.Hunt != nil {
		t.Errorf("a hunter ran on a search of %d states", auto.States)
	}
	// Deep: not proven shortest, and no longer than the longest run.
	deep := mustCompile(t, "racy.deck", deepModels[0].src)
	rep := mustRun(t, deep, Options{Workers: 1, Search: SearchHunt})
	if cx := rep.Violations[0]; !cx.Hunted {
		t.Errorf("the deep counterexample is marked shortest")
	} else if n := cx.Schedule.Len(); n > 5*(4*5+3)+11 {
		// A worker takes 23 cards (the loop's start, 5 rounds of 4, the
		// last test, return), main 11: every run is that long.
		t.Errorf("the deep counterexample has %d cards, more than a whole run", n)
	}
}

// TestHuntKeepsFullVerdicts: programs whose breadth-first search completes
// get the same report with SearchAuto: at the default HuntAfter (no hunter
// starts on the examples) everything is identical, and with a hunter
// started at once the verdict, states, outcomes and races are too, and a
// violation is one the full search finds.
func TestHuntKeepsFullVerdicts(t *testing.T) {
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
				src, _ := os.ReadFile(path)
				m := placedMachine(t, name, string(src), sec)
				all := mustRun(t, m, Options{Workers: 2, All: true})
				bfs := mustRun(t, m, Options{Workers: 2})
				auto := mustRun(t, m, Options{Workers: 2, Search: SearchAuto})
				sameReport(t, "auto", bfs, auto)
				if auto.Hunt != nil {
					t.Errorf("a hunter ran on a search of %d states", auto.States)
				}
				early := mustRun(t, m, Options{Workers: 2, Search: SearchAuto, HuntAfter: 1})
				if early.Verdict != bfs.Verdict {
					t.Errorf("hunting from the start: verdict %s, breadth-first %s", early.Verdict, bfs.Verdict)
				}
				if bfs.Verdict == VerdictOK {
					sameReport(t, "hunting from the start", bfs, early)
				}
				for _, cx := range early.Violations {
					if !slices.Contains(violationKeys(all), cx.Violation.Key()) {
						t.Errorf("the hunt found %s, which the full search does not", cx.Violation.Describe())
					}
				}
				allEarly := mustRun(t, m, Options{Workers: 2, All: true, Search: SearchAuto, HuntAfter: 1})
				sameReport(t, "--all, hunting from the start", all, allEarly)
			})
		}
	}
}

// TestHuntExhaustive: a hunt whose walk explores every reachable state
// finds exactly the safety violations the breadth-first search finds,
// with and without reduction: the hunter numbers and takes the moves as
// expand does.
func TestHuntExhaustive(t *testing.T) {
	check := func(t tb, name string, m *vm.Machine, por bool) bool {
		bfs := mustRun(t, m, Options{Workers: 1, All: true, NoPOR: !por, MaxStates: 20000})
		if bfs.Incomplete != "" {
			return false
		}
		hunt := mustRun(t, m, Options{Workers: 1, All: true, NoPOR: !por, Search: SearchHunt})
		if hunt.Hunt == nil || !hunt.Hunt.Exhausted {
			return false
		}
		var want []string
		for _, cx := range bfs.Violations {
			if cx.Violation.Kind != KindOutcome && cx.Schedule.Cycle == 0 {
				want = append(want, cx.Violation.Key())
			}
		}
		slices.Sort(want)
		if got := violationKeys(hunt); !slices.Equal(got, want) {
			t.Fatalf("%s (por %v): the exhaustive hunt finds %q, breadth-first search %q", name, por, got, want)
		}
		if !slices.Contains(kinds(bfs), "always") && hunt.Hunt.Reachable != bfs.States {
			t.Fatalf("%s (por %v): the exhaustive hunt stored %d states, breadth-first search %d", name, por, hunt.Hunt.Reachable, bfs.States)
		}
		if hunt.Verdict != VerdictViolation && hunt.Verdict != VerdictIncomplete {
			t.Fatalf("%s: the hunt says %s", name, hunt.Verdict)
		}
		return true
	}
	files, _ := filepath.Glob("../examples/*.deck")
	exhausted := 0
	for _, path := range files {
		name := filepath.Base(path)
		for _, sec := range parseSections(t, path) {
			src, _ := os.ReadFile(path)
			m := placedMachine(t, name, string(src), sec)
			for _, por := range []bool{true, false} {
				if check(t, name+" "+sec.with, m, por) {
					exhausted++
				}
			}
		}
	}
	if exhausted < len(files) {
		t.Errorf("only %d example searches were exhausted", exhausted)
	}
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.Program(rt)
		m := mustCompile(rt, "rand.deck", src)
		check(rt, src, m, rapid.Bool().Draw(rt, "por"))
	})
}

// TestHuntStop: Options.Stop ends a hunt that finds nothing.
func TestHuntStop(t *testing.T) {
	m := mustCompile(t, "forever.deck", "var x = 0\nproc main() {\n    while true { x = (x + 1) % 1000000007 }\n}\n")
	stop := make(chan struct{})
	close(stop)
	rep := mustRun(t, m, Options{Search: SearchHunt, Workers: 2, Stop: stop})
	if rep.Verdict != VerdictIncomplete || !strings.HasPrefix(rep.Incomplete, "interrupted") {
		t.Errorf("verdict %s: %s", rep.Verdict, rep.Incomplete)
	}
	rep = mustRun(t, m, Options{Search: SearchHunt, Workers: 2, MaxStates: 5000})
	if rep.Verdict != VerdictIncomplete || !strings.Contains(rep.Incomplete, "state limit") {
		t.Errorf("verdict %s: %s", rep.Verdict, rep.Incomplete)
	}
}

func TestParseSearch(t *testing.T) {
	for _, s := range []Search{SearchAuto, SearchBFS, SearchHunt} {
		if got, err := ParseSearch(s.String()); err != nil || got != s {
			t.Errorf("ParseSearch(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseSearch("dfs"); err == nil {
		t.Error("ParseSearch(dfs) succeeds")
	}
}
