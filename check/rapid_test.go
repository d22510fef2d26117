package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/deal"
	"pgregory.net/rapid"
)

// progGen draws small random deck programs: two or three stacks sharing a
// few variables and two mutexes.
type progGen struct {
	t      *rapid.T
	b      strings.Builder
	locals int
	indent string
	inM    int // depth of lock m blocks around the statement
}

var sharedVars = []string{"a", "b", "c[0]", "c[1]"}

func (g *progGen) line(format string, args ...any) {
	g.b.WriteString(g.indent)
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *progGen) local() string {
	g.locals++
	return fmt.Sprintf("t%d", g.locals)
}

func (g *progGen) block(depth int, body func()) {
	old := g.indent
	g.indent += "    "
	body()
	g.indent = old
}

func (g *progGen) stmts(depth, max int) {
	n := rapid.IntRange(1, max).Draw(g.t, "n")
	for i := 0; i < n; i++ {
		g.stmt(depth)
	}
}

func (g *progGen) stmt(depth int) {
	vars := sharedVars
	if g.inM > 0 {
		// p is only ever touched under m, so the checker may treat its
		// accesses as independent of other stacks (ample cards).
		vars = []string{"a", "b", "c[0]", "p", "p"}
	}
	v := rapid.SampledFrom(vars).Draw(g.t, "var")
	w := rapid.SampledFrom(vars).Draw(g.t, "var2")
	kinds := 9
	if depth >= 2 {
		kinds = 6 // no more nesting
	}
	switch rapid.IntRange(0, kinds-1).Draw(g.t, "stmt") {
	case 0:
		g.line("%s = %s + 1", v, v)
	case 1:
		t := g.local()
		g.line("let %s = %s", t, v)
		g.line("%s = %s * 2 %% 5", t, t)
		g.line("%s = %s + %s", w, w, t)
	case 2:
		g.line("atomic { %s = %s + %s }", v, v, w)
	case 3:
		t := g.local()
		g.line("let %s = choose 0..%d", t, rapid.IntRange(1, 3).Draw(g.t, "hi"))
		g.line("%s = %s", v, t)
	case 4:
		g.line("assert %s < %d, \"bound\"", v, rapid.IntRange(1, 4).Draw(g.t, "bound"))
	case 5:
		switch rapid.IntRange(0, 4).Draw(g.t, "misc") {
		case 4:
			g.line("%s = 6 / (%s - 1)", v, w)
		case 0:
			g.line("yield")
		case 1:
			g.line("print \"%s\", %s", strings.Trim(v, "[]01"), v)
		case 3:
			g.line("c[%s] = 1", rapid.SampledFrom([]string{"a", "b"}).Draw(g.t, "index"))
		case 2:
			g.line("await %s > 0", v)
		}
	case 6:
		mx := rapid.SampledFrom([]string{"m", "n"}).Draw(g.t, "mutex")
		g.line("lock %s", mx)
		if mx == "m" {
			g.inM++
		}
		g.stmts(depth+1, 2)
		if mx == "m" {
			g.inM--
		}
		g.line("unlock %s", mx)
	case 7:
		g.line("if %s > %d {", v, rapid.IntRange(0, 2).Draw(g.t, "k"))
		g.block(depth, func() { g.stmts(depth+1, 2) })
		if rapid.Bool().Draw(g.t, "else") {
			g.line("} else {")
			g.block(depth, func() { g.stmts(depth+1, 2) })
		}
		g.line("}")
	case 8:
		if rapid.Bool().Draw(g.t, "loop") {
			t := g.local()
			g.line("for %s in 0..2 {", t)
			g.block(depth, func() { g.stmts(depth+1, 2) })
			g.line("}")
		} else {
			g.line("either {")
			g.block(depth, func() { g.stmts(depth+1, 2) })
			g.line("} or {")
			g.block(depth, func() { g.stmts(depth+1, 2) })
			g.line("}")
		}
	}
}

func genProgram(t *rapid.T) string {
	g := &progGen{t: t}
	g.line("var a = 0")
	g.line("var b = 0")
	g.line("var c[2]")
	g.line("var p = 0")
	g.line("mutex m")
	g.line("mutex n")
	if rapid.IntRange(0, 3).Draw(t, "always") == 0 {
		g.line("always a + b < %d", rapid.IntRange(2, 5).Draw(t, "abound"))
	}
	procs := rapid.IntRange(2, 3).Draw(t, "procs")
	for p := 0; p < procs; p++ {
		g.line("proc p%d() {", p)
		g.block(0, func() { g.stmts(1, 3) })
		g.line("}")
	}
	g.line("proc main() {")
	g.block(0, func() {
		for p := 0; p < procs; p++ {
			g.line("let h%d = spawn p%d()", p, p)
		}
		if rapid.Bool().Draw(t, "mainwork") {
			g.stmts(2, 2)
		}
		for p := 0; p < procs; p++ {
			if p == 0 || rapid.Bool().Draw(t, "join") {
				g.line("join h%d", p)
			}
		}
	})
	g.line("}")
	return g.b.String()
}

// TestCrossEngine draws random programs and checks that the checker agrees
// with the naive brute-force search, with itself without reduction, and
// with random runs of the dealer: every outcome a run ends in and every
// violation it hits must be among those the checker reports.
func TestCrossEngine(t *testing.T) {
	forceParallel(t)
	seeds := 50
	stats := map[string]int{}
	defer func() { t.Logf("programs drawn: %v", stats) }()
	rapid.Check(t, func(rt *rapid.T) {
		src := genProgram(rt)
		m := mustCompile(rt, "rand.deck", src)
		limit := Options{All: true, Workers: 2, MaxStates: 100000}
		rep := mustRun(rt, m, limit)
		if rep.Incomplete != "" {
			stats["too large"]++
			rt.Skip("state space too large")
		}
		stats[rep.Verdict]++
		if c, _ := newChecker(m, Options{}); c.ample != nil {
			for pc, ok := range c.ample {
				if ok && len(m.P.Accesses[pc]) > 0 {
					stats["protected ample card"]++
					break
				}
			}
		}
		for _, k := range kinds(rep) {
			stats[k]++
		}
		if len(rep.Outcomes) > 1 {
			stats["several outcomes"]++
		}
		noPOR := limit
		noPOR.NoPOR = true
		full := mustRun(rt, m, noPOR)
		if full.Incomplete != "" {
			rt.Skip("state space too large")
		}
		if rep.Verdict != full.Verdict || !slices.Equal(violationKeys(rep), violationKeys(full)) ||
			!slices.Equal(outcomeKeys(rep), outcomeKeys(full)) || !sameRaces(rep.Races, full.Races) {
			rt.Fatalf("reduction changes the result:\n%s\nwith: %s %q %q\nwithout: %s %q %q", src,
				rep.Verdict, violationKeys(rep), outcomeKeys(rep), full.Verdict, violationKeys(full), outcomeKeys(full))
		}
		if b := bruteForce(m, 50000); b != nil {
			compareBrute(rt, "reduced", rep, b, true)
			compareBrute(rt, "full", full, b, false)
		}
		one := limit
		one.Workers = 1
		sameCounts(rt, mustRun(rt, m, one), rep)
		vk := violationKeys(rep)
		ok := outcomeKeys(rep)
		for seed := 0; seed < seeds; seed++ {
			res, err := deal.Run(m, deal.Options{Seed: uint64(seed), CPUs: 1 + seed%2, Quantum: 1 + seed%3})
			if err != nil {
				rt.Fatalf("deal: %v", err)
			}
			switch {
			case res.Violation != nil:
				if !slices.Contains(vk, res.Violation.Key()) {
					rt.Fatalf("seed %d: run hits %s, which the checker does not report (it reports %q)\n%s\nschedule %s",
						seed, res.Violation.Describe(), vk, src, res.Schedule.String())
				}
			case res.Stopped == "":
				key := m.Outcome(res.Final)
				if !slices.Contains(ok, key.Key()) {
					rt.Fatalf("seed %d: run ends in %s, which the checker does not report (it reports %q)\n%s", seed, key.Key(), ok, src)
				}
			}
		}
	})
}

func sameCounts(t tb, a, b *Report) {
	if a.States != b.States || a.Transitions != b.Transitions || a.Verdict != b.Verdict {
		t.Fatalf("1 worker: %s %d states %d transitions; 2 workers: %s %d states %d transitions",
			a.Verdict, a.States, a.Transitions, b.Verdict, b.States, b.Transitions)
	}
	for i := range a.Violations {
		if a.Violations[i].Schedule.String() != b.Violations[i].Schedule.String() {
			t.Fatalf("counterexamples differ with the number of workers: %s vs %s", a.Violations[i].Schedule.String(), b.Violations[i].Schedule.String())
		}
	}
}
