package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/internal/expect"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// forceParallel makes even tiny passes and barriers run on every worker,
// so that the parallel code paths (and their races, under -race) are
// exercised by small programs.
func forceParallel(t *testing.T) {
	pf, ps, po := parallelFrontier, parallelSlots, parallelOrder
	parallelFrontier, parallelSlots, parallelOrder = 0, 0, 0
	t.Cleanup(func() { parallelFrontier, parallelSlots, parallelOrder = pf, ps, po })
}

// tb is what the helpers need of a test; *testing.T, *testing.B and
// *rapid.T all have it.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

func mustCompile(t tb, name, src string) *vm.Machine {
	t.Helper()
	p, err := compile.Source(name, []byte(src))
	if err != nil {
		t.Fatalf("%s does not compile: %v", name, err)
	}
	return vm.New(p)
}

// mustRun runs the checker and verifies, independently of the checker's
// own self-check, that every counterexample and every outcome schedule
// replays through deal to what the report says.
func mustRun(t tb, m *vm.Machine, opt Options) *Report {
	t.Helper()
	rep, err := Run(m, opt)
	if err != nil {
		t.Fatalf("check.Run: %v", err)
	}
	for _, ce := range rep.Violations {
		res, err := deal.Run(m, deal.Options{Replay: &ce.Schedule, Fairness: opt.Fairness})
		if err != nil {
			t.Fatalf("counterexample %s for %s does not replay: %v", ce.Schedule.String(), ce.Violation.Describe(), err)
		}
		// A replay judges eventually and leadsto too: it reports every
		// property the run breaks, after the stacks a cycle leaves
		// unfinished, and this one must be among them, in the same words.
		isProp := func(v *trace.Violation) bool { return v != nil && (v.Kind == "eventually" || v.Kind == "leadsto") }
		if isProp(ce.Violation) {
			found := false
			for _, v := range append([]*trace.Violation{res.Violation}, res.Also...) {
				found = found || isProp(v) && v.Message == ce.Violation.Message && v.Pos == ce.Violation.Pos
			}
			if !found {
				t.Fatalf("%s for %s replays to %+v (also %+v)", ce.Schedule.String(), ce.Violation.Describe(), res.Violation, res.Also)
			}
			if ce.Schedule.Cycle > 0 && (!res.Forever || res.CycleRuns != deal.CyclePasses) {
				t.Fatalf("lasso %s does not go round its cycle", ce.Schedule.String())
			}
			continue
		}
		if ce.Schedule.Cycle > 0 {
			// A replayed livelock or starvation is one again, of the
			// same kind.
			if res.Violation == nil || res.Violation.Kind != ce.Violation.Kind || !res.Forever || res.CycleRuns != deal.CyclePasses {
				t.Fatalf("lasso %s for %s replays to %+v (forever %v)", ce.Schedule.String(), ce.Violation.Describe(), res.Violation, res.Forever)
			}
			// And says it in the same words: the same stacks, waiting
			// for the same reasons.
			if res.Violation.Message != ce.Violation.Message {
				t.Fatalf("lasso %s replays to %q, want %q", ce.Schedule.String(), res.Violation.Message, ce.Violation.Message)
			}
			if len(ce.Steps) != ce.Schedule.Len() {
				t.Fatalf("lasso has %d moves but %d steps", ce.Schedule.Len(), len(ce.Steps))
			}
			continue
		}
		if ce.Violation.Kind == KindOutcome {
			if res.Violation != nil {
				t.Fatalf("the schedule of an outcome violation replays to %s", res.Violation.Describe())
			}
			continue
		}
		if res.Violation == nil || res.Violation.Key() != ce.Violation.Key() || res.Violation.Message != ce.Violation.Message {
			t.Fatalf("counterexample %s for %s replays to %+v", ce.Schedule.String(), ce.Violation.Describe(), res.Violation)
		}
		if len(ce.Steps) != ce.Schedule.Len() {
			t.Fatalf("counterexample has %d moves but %d steps", ce.Schedule.Len(), len(ce.Steps))
		}
	}
	for _, o := range rep.Outcomes {
		res, err := deal.Run(m, deal.Options{Replay: &o.Schedule})
		if err != nil {
			t.Fatalf("outcome %s: schedule does not replay: %v", o.Key, err)
		}
		// A replay judges eventually and leadsto: an outcome's run may
		// break one.
		if res.Violation != nil && res.Violation.Kind != "eventually" && res.Violation.Kind != "leadsto" || res.Stopped != "" {
			t.Fatalf("outcome %s: schedule replays to %+v (stopped %q)", o.Key, res.Violation, res.Stopped)
		}
		if got := m.Outcome(res.Final); got.Key() != o.Key {
			t.Fatalf("outcome %s: schedule replays to %s", o.Key, got.Key())
		}
	}
	for i := 1; i < len(rep.Outcomes); i++ {
		if compareOutcomes(rep.Outcomes[i-1].Outcome, rep.Outcomes[i].Outcome) >= 0 {
			t.Fatalf("outcomes are not in order: %s before %s", rep.Outcomes[i-1].Key, rep.Outcomes[i].Key)
		}
	}
	return rep
}

func kinds(rep *Report) []string {
	var ks []string
	for _, v := range rep.Violations {
		if !slices.Contains(ks, v.Violation.Kind) {
			ks = append(ks, v.Violation.Kind)
		}
	}
	sort.Strings(ks)
	return ks
}

func outcomeKeys(rep *Report) []string {
	var ks []string
	for _, o := range rep.Outcomes {
		ks = append(ks, o.Key)
	}
	sort.Strings(ks)
	return ks
}

func violationKeys(rep *Report) []string {
	var ks []string
	for _, v := range rep.Violations {
		ks = append(ks, v.Violation.Key())
	}
	sort.Strings(ks)
	return ks
}

// header is the expected result written at the top of an example.
type header struct {
	verdict  string
	kinds    []string
	outcomes []string
}

// section is one configuration of an example: its placement flags and
// what its header says about it.
type section struct {
	with   string
	sec    expect.Section
	header header
}

func parseSections(t *testing.T, path string) []section {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := expect.ParseAll(src)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []section
	for _, s := range all {
		out = append(out, section{with: s.With, sec: s, header: toHeader(s.Header)})
	}
	return out
}

// eachExample calls f with every example of examples/ in every placement
// its header states (sections), compiled and placed.
func eachExample(t *testing.T, f func(name string, sec section, m *vm.Machine)) {
	t.Helper()
	files, _ := filepath.Glob("../examples/*.deck")
	for _, path := range files {
		name := filepath.Base(path)
		src, _ := os.ReadFile(path)
		for _, sec := range parseSections(t, path) {
			f(name, sec, placedMachine(t, name, string(src), sec))
		}
	}
}

// placedMachine compiles src and places it as the section says.
func placedMachine(t tb, name, src string, sec section) *vm.Machine {
	t.Helper()
	p, err := compile.Source(name, []byte(src))
	if err != nil {
		t.Fatalf("%s does not compile: %v", name, err)
	}
	if p, err = sec.sec.Apply(p); err != nil {
		t.Fatalf("%s with %q: %v", name, sec.with, err)
	}
	return vm.New(p)
}

func parseHeader(t *testing.T, path string) header {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := expect.Parse(src)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return toHeader(e)
}

func toHeader(e *expect.Header) header {
	h := header{verdict: e.Verdict}
	for k := range e.Violations {
		h.kinds = append(h.kinds, k)
	}
	for k := range e.Outcomes {
		h.outcomes = append(h.outcomes, k)
	}
	sort.Strings(h.kinds)
	sort.Strings(h.outcomes)
	return h
}

// brute is an independent, deliberately naive breadth-first search: one
// card per transition, states as strings in a map. It is the reference the
// checker is compared with.
type brute struct {
	states, transitions int64
	viols               map[string]int // violation key -> fewest moves
	outcomes            map[string]int // outcome key -> fewest moves
	unordered           bool           // a placed program on an unordered network
	// mergesPrints: two prints of the program read alike, so the checker's
	// digest of the output makes one state of two that brute force keeps
	// apart (their futures print the same lines).
	mergesPrints bool
}

func bruteForce(m *vm.Machine, limit int) *brute {
	b := &brute{viols: map[string]int{}, outcomes: map[string]int{}}
	b.unordered = m.P.Net != nil && m.P.Net.Mode&card.Unordered != 0
	forms := map[int32]bool{}
	for _, f := range m.P.PrintForm {
		b.mergesPrints = b.mergesPrints || forms[f]
		forms[f] = true
	}
	note := func(mp map[string]int, k string, d int) {
		if old, ok := mp[k]; !ok || d < old {
			mp[k] = d
		}
	}
	key := func(s *vm.State) string {
		var sb strings.Builder
		for _, w := range s.W {
			var buf [8]byte
			for i := range buf {
				buf[i] = byte(w >> (8 * i))
			}
			sb.Write(buf[:])
		}
		return sb.String()
	}
	init := m.Init()
	b.states = 1
	if k, f := m.CheckAlways(init); k >= 0 {
		note(b.viols, trace.Always(m, init, k, f).Key(), 0)
		return b
	}
	seen := map[string]bool{key(init): true}
	type item struct {
		s *vm.State
		d int
	}
	queue := []item{{init, 0}}
	for len(queue) > 0 {
		if len(seen) > limit {
			return nil
		}
		it := queue[0]
		queue = queue[1:]
		s := it.s
		any := false
		for i := 0; i < s.NumStacks(); i++ {
			if !m.Enabled(s, i) {
				continue
			}
			any = true
			for ch := 0; ch < m.Choices(s, i); ch++ {
				t := s.Clone()
				r := m.Step(t, i, ch)
				b.transitions++
				if r.Status == vm.Failed {
					note(b.viols, trace.Fault(m, t, i, r).Key(), it.d+1)
					continue
				}
				k := key(t)
				if seen[k] {
					continue
				}
				seen[k] = true
				b.states++
				if ki, f := m.CheckAlways(t); ki >= 0 {
					note(b.viols, trace.Always(m, t, ki, f).Key(), it.d+1)
					continue
				}
				queue = append(queue, item{t, it.d + 1})
			}
		}
		if p := m.P; p.Net != nil && !allFinished(m, s) {
			// The network's moves, every one explicit: deliveries, drops
			// and duplicates.
			for k := 0; k < s.NumMsgs(); k++ {
				for kind := 0; kind < 3; kind++ {
					ok := [3]bool{m.Deliverable(s, k), m.Droppable(s, k), m.Duplicable(s, k)}[kind]
					if !ok {
						continue
					}
					any = true
					tt := s.Clone()
					switch kind {
					case 0:
						m.Deliver(tt, k, false)
					case 1:
						m.Drop(tt, k)
					case 2:
						m.Deliver(tt, k, true)
					}
					b.transitions++
					if kk := key(tt); !seen[kk] {
						seen[kk] = true
						b.states++
						queue = append(queue, item{tt, it.d + 1})
					}
				}
			}
			// Node faults: crashes, splits and heals.
			var faults []func(*vm.State)
			if m.CanHeal(s) && s.NumMsgs() > 0 {
				any = true // a heal may let a waiting message through
			}
			for n := int32(0); n < int32(len(p.Net.Nodes)); n++ {
				if m.CanCrash(s, n) {
					faults = append(faults, func(t *vm.State) { m.Crash(t, n) })
				}
			}
			for _, cut := range m.Cuts(s) {
				faults = append(faults, func(t *vm.State) { m.Split(t, cut) })
			}
			if m.CanHeal(s) {
				faults = append(faults, m.Heal)
			}
			// Taken even where nothing else can move (a deadlock): a
			// crash may still end the run with an outcome.
			for _, f := range faults {
				tt := s.Clone()
				f(tt)
				b.transitions++
				if kk := key(tt); !seen[kk] {
					seen[kk] = true
					b.states++
					queue = append(queue, item{tt, it.d + 1})
				}
			}
		}
		if !any {
			if allFinished(m, s) {
				o := m.Outcome(s)
				note(b.outcomes, o.Key(), it.d)
			} else {
				note(b.viols, trace.Deadlock(m, s).Key(), it.d)
			}
		}
	}
	return b
}

func allFinished(m *vm.Machine, s *vm.State) bool {
	for i := 0; i < s.NumStacks(); i++ {
		if !m.Stopped(s, i) && !m.P.Procs[s.ProcOf(m.P, i)].Daemon {
			return false
		}
	}
	return true
}

// compareBrute checks a report of an exhaustive (All) search against the
// brute-force reference: the same violations and outcomes, and, without
// partial-order reduction, the same counts and shortest lengths.
func compareBrute(t tb, name string, rep *Report, b *brute, por bool) {
	t.Helper()
	var bv, bo []string
	for k := range b.viols {
		bv = append(bv, k)
	}
	for k := range b.outcomes {
		bo = append(bo, k)
	}
	sort.Strings(bv)
	sort.Strings(bo)
	if got := violationKeys(rep); !slices.Equal(got, bv) {
		t.Fatalf("%s: violations %q, brute force finds %q", name, got, bv)
	}
	if got := outcomeKeys(rep); !slices.Equal(got, bo) {
		t.Fatalf("%s: outcomes %q, brute force finds %q", name, got, bo)
	}
	// The checker leaves drops implicit on unordered lossy networks and
	// does not deliver two equal messages separately on unordered ones:
	// its counts and the lengths of its deadlocks differ from brute force
	// there by design.
	if b.unordered {
		return
	}
	// Counterexamples are shortest with and without reduction.
	for _, v := range rep.Violations {
		if want := b.viols[v.Violation.Key()]; v.Schedule.Len() != want {
			t.Fatalf("%s: counterexample for %s has %d moves, the shortest has %d", name, v.Violation.Key(), v.Schedule.Len(), want)
		}
	}
	if por || b.mergesPrints {
		return
	}
	if rep.States != b.states || rep.Transitions != b.transitions {
		t.Fatalf("%s: %d states and %d transitions, brute force finds %d and %d", name, rep.States, rep.Transitions, b.states, b.transitions)
	}
	for _, o := range rep.Outcomes {
		if want := b.outcomes[o.Key]; o.Schedule.Len() != want {
			t.Fatalf("%s: schedule of outcome %s has %d moves, the shortest has %d", name, o.Key, o.Schedule.Len(), want)
		}
	}
}

// safetyOnly is rep without its progress violations (lassos), which the
// brute-force reference does not look for.
func safetyOnly(rep *Report) *Report {
	r := *rep
	r.Violations = nil
	for _, cx := range rep.Violations {
		if !cx.Progress {
			r.Violations = append(r.Violations, cx)
		}
	}
	return &r
}

// writeSpawnMain writes a main that spawns the procedures named prefix0
// to prefix(n-1), one after the other.
func writeSpawnMain(b *strings.Builder, prefix string, n int) {
	b.WriteString("proc main() {\n")
	for i := range n {
		fmt.Fprintf(b, "    spawn %s%d()\n", prefix, i)
	}
	b.WriteString("}\n")
}
