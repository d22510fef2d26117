package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// backOff: Ben-Ari's fourth attempt, reduced: two stacks that back off in
// step forever.
const backOff = `var want[2] = false
proc p(me) {
    let other = 1 - me
    want[me] = true
    while want[other] {
        want[me] = false
        want[me] = true
    }
    want[me] = false
}
proc main() {
    let a = spawn p(0)
    let b = spawn p(1)
    join a
    join b
}
`

// spinFlag: a spin on a flag nobody sets.
const spinFlag = `var flag = false
proc spin() {
    while !flag { }
}
proc main() {
    let a = spawn spin()
    join a
}
`

// awaitFlag: the same wait with await is a deadlock, not a livelock.
const awaitFlag = `var flag = false
proc w() { await flag }
proc main() {
    let a = spawn w()
    join a
}
`

// unfairSpin: w spins until s sets the flag. Only an unfair run (s never
// moves although it always can) spins forever.
const unfairSpin = `var flag = false
proc w() { while !flag { } }
proc s() { flag = true }
proc main() {
    let a = spawn w()
    let b = spawn s()
    join a; join b
}
`

// daemonServer: a daemon serves requests forever and is left blocked.
const daemonServer = `chan req(0)
var served = 0
daemon proc server() {
    while true {
        let v = recv req
        served = served + v
    }
}
proc main() {
    spawn server()
    send req, 1
    send req, 2
    await served == 3
}
`

// starved: main waits for a flag that a busy daemon never sets.
const starved = `var n = 0
var done = false
daemon proc ticker() {
    while true { n = 1 - n }
}
proc main() {
    spawn ticker()
    await done
}
`

// toggler: a stack that can only finish if the other never interferes;
// strong fairness forces the move it would otherwise be denied forever.
const strongNeeded = `var x = 0
var stop = false
proc t() {
    while !stop { x = 1 - x }
}
proc w() {
    await x == 1
    stop = true
}
proc main() {
    let a = spawn t()
    let b = spawn w()
    join a; join b
}
`

func progressOpt(f Fairness) Options {
	return Options{CheckProgress: true, Fairness: f, Workers: 2}
}

func TestProgressLassos(t *testing.T) {
	tests := []struct {
		name, src string
		fair      Fairness
		kind      string // "" for no violation
		never     string // a stack the message names
	}{
		{"backoff", backOff, FairWeak, KindLivelock, "p#1"},
		{"spin", spinFlag, FairWeak, KindLivelock, "spin"},
		{"await", awaitFlag, FairWeak, "deadlock", ""},
		{"unfair-spin-weak", unfairSpin, FairWeak, "", ""},
		{"unfair-spin-none", unfairSpin, FairNone, KindLivelock, "w"},
		{"daemon", daemonServer, FairWeak, "", ""},
		{"starved", starved, FairWeak, KindStarvation, "main"},
		{"strong-weak", strongNeeded, FairWeak, KindLivelock, "t"},
		{"strong-strong", strongNeeded, FairStrong, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, tt.name+".deck", tt.src)
			for _, nw := range []int{1, 2} {
				opt := progressOpt(tt.fair)
				opt.Workers = nw
				rep := mustRun(t, m, opt)
				got := ""
				if len(rep.Violations) > 0 {
					got = rep.Violations[0].Violation.Kind
				}
				if got != tt.kind {
					t.Fatalf("workers %d: kind %q, want %q (%+v)", nw, got, tt.kind, rep.Violations)
				}
				if tt.kind == KindLivelock || tt.kind == KindStarvation {
					ce := rep.Violations[0]
					if ce.Schedule.Cycle == 0 || !strings.Contains(ce.Violation.Message, tt.never) {
						t.Fatalf("lasso %s: %s", ce.Schedule.String(), ce.Violation.Message)
					}
					if rep.Progress.Status != ProgressViolation {
						t.Fatalf("progress %+v", rep.Progress)
					}
					t.Logf("%s: %s", ce.Schedule.String(), ce.Violation.Describe())
				} else if tt.kind == "" && rep.Progress.Status != ProgressOK {
					t.Fatalf("progress %+v", rep.Progress)
				}
			}
		})
	}
}

func TestProgressLimit(t *testing.T) {
	m := mustCompile(t, "backoff.deck", backOff)
	opt := progressOpt(FairWeak)
	opt.MaxProgressStates = 5
	rep := mustRun(t, m, opt)
	if rep.Progress.Status != ProgressUnchecked || len(rep.Violations) != 0 {
		t.Fatalf("progress %+v, violations %d", rep.Progress, len(rep.Violations))
	}
}

func TestDaemonTerminal(t *testing.T) {
	m := mustCompile(t, "daemon.deck", daemonServer)
	rep := mustRun(t, m, Options{All: true})
	if len(rep.Violations) != 0 || len(rep.Outcomes) != 1 {
		t.Fatalf("violations %v, outcomes %v", violationKeys(rep), outcomeKeys(rep))
	}
	rep = mustRun(t, m, Options{All: true, NoPOR: true})
	if len(rep.Violations) != 0 || len(rep.Outcomes) != 1 {
		t.Fatalf("no POR: violations %v, outcomes %v", violationKeys(rep), outcomeKeys(rep))
	}
	// Without daemon, the blocked server is a deadlock.
	m = mustCompile(t, "plain.deck", strings.Replace(daemonServer, "daemon proc", "proc", 1))
	rep = mustRun(t, m, Options{})
	if k := kinds(rep); len(k) != 1 || k[0] != "deadlock" {
		t.Fatalf("kinds %v", k)
	}
}

// placedSpin: a stack on node Y spins forever; its start is a message.
const placedSpin = `place w on Y
proc w() { while true { } }
proc main() {
    let a = spawn w()
    join a
}
`

// pollRemote: main polls a channel that a stack on node Y sends on: it
// spins (timeout) while the message is in flight. A fair network delivers
// it; without fairness the message may stay in flight forever.
const pollRemote = `chan c(1)
place sender on Y
proc sender() { send c, 7 }
proc main() {
    spawn sender()
    let got = false
    while !got {
        select {
        case v = recv c:
            got = true
        case timeout:
        }
    }
}
`

// pingPong: stacks on nodes A and B send each other a message a round,
// forever: the lasso's cycle delivers messages it sent itself, which
// every pass numbers anew.
const pingPong = `chan c(1)
chan d(1)
place pa on A
place pb on B
proc pa() { while true { send c, 1; let v = recv d } }
proc pb() { while true { let v = recv c; send d, 2 } }
proc main() { spawn pa(); spawn pb() }
`

// tokenRing: two messages circle between A and B forever, so that the
// cycle delivers a message sent before it started, and ends with one it
// sent still in flight.
const tokenRing = `chan c(2)
chan d(2)
place pa on A
place pb on B
proc pa() { send c, 1; send c, 1; while true { let v = recv d; send c, 1 } }
proc pb() { while true { let v = recv c; send d, 2 } }
proc main() { spawn pa(); spawn pb() }
`

// TestProgressPlaced: progress of programs placed on nodes, where the
// network's deliveries are moves (and links are owed fairness).
func TestProgressPlaced(t *testing.T) {
	tests := []struct {
		name, src string
		fair      Fairness
		kind      string
		net       bool // the lasso's schedule has a network move
	}{
		{"spin", placedSpin, FairWeak, KindLivelock, true},
		{"poll-weak", pollRemote, FairWeak, "", false},
		{"poll-strong", pollRemote, FairStrong, "", false},
		{"poll-none", pollRemote, FairNone, KindLivelock, false}, // the start message never arrives
		{"ping-pong", pingPong, FairWeak, KindLivelock, true},
		{"token-ring", tokenRing, FairWeak, KindLivelock, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compile.Source(tt.name+".deck", []byte(tt.src))
			if err == nil {
				p, err = compile.Place(p, nil, 0) // the file's place lines
			}
			if err != nil {
				t.Fatal(err)
			}
			m := vm.New(p)
			rep := mustRun(t, m, progressOpt(tt.fair))
			if rep.Progress == nil || rep.Progress.Status == ProgressUnchecked {
				t.Fatalf("progress %+v", rep.Progress)
			}
			got := ""
			if len(rep.Violations) > 0 {
				got = rep.Violations[0].Violation.Kind
			}
			if got != tt.kind {
				t.Fatalf("kind %q, want %q (%+v)", got, tt.kind, rep.Violations)
			}
			if tt.kind == "" {
				return
			}
			ce := rep.Violations[0]
			t.Logf("%s: %s", ce.Schedule.String(), ce.Violation.Describe())
			if ce.Schedule.Cycle == 0 || strings.Contains(ce.Schedule.String(), "m") != tt.net {
				t.Fatalf("schedule %s", ce.Schedule.String())
			}
		})
	}
}

// TestProgressStoppedIsIncomplete: when the progress check stops at a
// limit after a complete, safe search, the verdict is incomplete, not ok:
// a program that never finishes must not pass.
func TestProgressStoppedIsIncomplete(t *testing.T) {
	m := mustCompile(t, "many.deck", `var ready = false
proc worker() { }
proc waiter() { while !ready { } }
proc main() {
    for i in 0..64 { spawn worker() }
    let w = spawn waiter()
    join w
}
`)
	rep := mustRun(t, m, progressOpt(FairWeak))
	if rep.Progress == nil || !rep.Progress.Stopped || rep.Progress.Status != ProgressUnchecked {
		t.Fatalf("progress %+v, want unchecked, stopped at the 63-stack limit", rep.Progress)
	}
	if rep.Verdict != VerdictIncomplete || !strings.Contains(rep.Incomplete, "the progress check stopped") {
		t.Fatalf("verdict %s (%q), want incomplete, naming the progress check", rep.Verdict, rep.Incomplete)
	}
	// Safety alone has nothing to say against it.
	opt := progressOpt(FairWeak)
	opt.CheckProgress = false
	if rep := mustRun(t, m, opt); rep.Verdict != VerdictOK {
		t.Fatalf("safety alone: verdict %s", rep.Verdict)
	}
}

// TestProgressMemory: the progress graph counts against --max-memory, and
// the report says what it took.
func TestProgressMemory(t *testing.T) {
	// Two stacks that count to 300 each: hundreds of thousands of states
	// without reduction, which the progress graph has.
	const src = `var a = 0
var b = 0
proc ia() { for i in 0..300 { a += 1 } }
proc ib() { for i in 0..300 { b += 1 } }
proc main() {
    let x = spawn ia()
    let y = spawn ib()
    join x; join y
}
`
	m := mustCompile(t, "count.deck", src)
	rep := mustRun(t, m, progressOpt(FairWeak))
	if rep.Progress.Status != ProgressOK || rep.Progress.Memory < rep.Progress.States*20 {
		t.Fatalf("progress %+v", rep.Progress)
	}
	opt := progressOpt(FairWeak)
	opt.MaxMemory = rep.Progress.Memory / 2
	rep = mustRun(t, m, opt)
	if rep.Progress.Status != ProgressUnchecked || !strings.Contains(rep.Progress.Why, "--max-memory") {
		t.Fatalf("with half the memory: progress %+v", rep.Progress)
	}
}

// TestProgressMemoryInUse: the report counts what the graph's slices hold,
// not the room they have to grow: that room can be most of a capacity,
// and counted, the graph took more than the whole process (tpc_n6: 830
// MiB against a peak of 657).
func TestProgressMemoryInUse(t *testing.T) {
	g := &pgraph{
		parent: make([]uint32, 10, 100), to: make([]uint32, 30, 1000), stk: make([]uint8, 30, 1000),
		en: make([]uint64, 10, 100), unf: make([]uint64, 10, 100),
	}
	if got, want := g.inUse(), int64(10*4+30*4+30+10*8+10*8); got != want {
		t.Errorf("inUse = %d, want %d", got, want)
	}
}

// TestProgressFoldKeepsVerdicts: folding local cards into the progress
// graph gives every example (and its configurations, under each fairness)
// the same progress verdict, violation kinds and properties as the graph
// without folding.
func TestProgressFoldKeepsVerdicts(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.deck")
	if testing.Short() {
		t.Skip("-short: every example three times, with and without folding")
	}
	for _, path := range files {
		name := filepath.Base(path)
		src, _ := os.ReadFile(path)
		for _, sec := range parseSections(t, path) {
			m := placedMachine(t, name, string(src), sec)
			for _, fair := range []Fairness{FairWeak, FairStrong, FairNone} {
				opt := Options{Workers: 1, All: true, CheckProgress: true, Fairness: fair, MaxProgressStates: 100_000}
				folded := mustRun(t, m, opt)
				noProgressFold = true
				full := mustRun(t, m, opt)
				noProgressFold = false
				if full.Progress.Status == ProgressUnchecked {
					continue // too big without folding
				}
				if folded.Progress.Status != full.Progress.Status || !slices.Equal(kinds(folded), kinds(full)) {
					t.Errorf("%s %s fairness %s: folded %s %v, unfolded %s %v", name, sec.with, fair,
						folded.Progress.Status, kinds(folded), full.Progress.Status, kinds(full))
				}
				if folded.Progress.States > full.Progress.States {
					t.Errorf("%s: folding made more states (%d > %d)", name, folded.Progress.States, full.Progress.States)
				}
			}
		}
	}
}

// TestProgressGraphWorkers: the progress graph built by several workers is
// the one built by one, id for id and edge for edge, however its arrays
// were sized.
func TestProgressGraphWorkers(t *testing.T) {
	// File even small chunks in parallel, and cut levels in small chunks,
	// so that the examples test filing in parallel (four workers) and
	// pipelined (two and three).
	defer func(old, chunk int) { parallelFileMin, progressChunk = old, chunk }(parallelFileMin, progressChunk)
	parallelFileMin, progressChunk = 2, 37
	files, _ := filepath.Glob("../examples/*.deck")
	files = append(files, "../bench/models/phil_n4_r4.deck", "../bench/models/counter_n5_r3.deck")
	for _, path := range files {
		name := filepath.Base(path)
		src, _ := os.ReadFile(path)
		m := mustCompile(t, name, string(src))
		var graphs []*pgraph
		for _, w := range []int{1, 2, 3, 4} {
			// Sized for a few states and edges (then doubling), or many:
			// the graph is the same.
			g := &pgraph{m: m, hintStates: int64([]int{0, 100, 100_000, 100}[w-1]), hintEdges: int64([]int{0, 300, 400_000, 300}[w-1])}
			if why := g.build(Options{Workers: w, MaxProgressStates: 200_000}); why != "" {
				graphs = nil
				break
			}
			graphs = append(graphs, g)
		}
		for _, g := range graphs[min(1, len(graphs)):] {
			a := graphs[0]
			if a.n() != g.n() || a.trans != g.trans || !slices.Equal(a.off, g.off) || !slices.Equal(a.to, g.to) ||
				!slices.Equal(a.stk, g.stk) || !slices.Equal(a.kind, g.kind) || !slices.Equal(a.ch, g.ch) ||
				!slices.Equal(a.en, g.en) || !slices.Equal(a.unf, g.unf) || !slices.Equal(a.props, g.props) ||
				!slices.Equal(a.parent, g.parent) || !slices.Equal(a.pedge, g.pedge) {
				t.Errorf("%s: the graphs differ (%d states, %d transitions against %d, %d)", name, a.n(), a.trans, g.n(), g.trans)
			}
		}
	}
}

// TestReturnFoldNeedsFairness: an ample return folds into the move before
// it only under a fairness. Without one, w may stand at its return forever
// while the daemon it woke goes round: a violation that folding the return
// would hide (w would be finished at once).
func TestReturnFoldNeedsFairness(t *testing.T) {
	const src = `var x = 0
var t = 0
daemon proc d() {
    await x == 1
    while true { t = 1 - t }
}
proc w() {
    x = 1
}
proc main() {
    spawn d()
    spawn w()
}
`
	m := mustCompile(t, "retnone.deck", src)
	for _, tt := range []struct {
		fair  Fairness
		kinds []string
	}{{FairNone, []string{KindStarvation}}, {FairWeak, nil}, {FairStrong, nil}} {
		rep := mustRun(t, m, Options{Workers: 1, CheckProgress: true, Fairness: tt.fair})
		if got := kinds(rep); !slices.Equal(got, tt.kinds) {
			t.Errorf("fairness %s: violations %v, want %v", tt.fair, got, tt.kinds)
		}
	}
}

// TestProgressPlacedWorkers: with links numbered by their nodes, the
// progress graph of a placed program built by several workers is the one
// built by one, and the verdicts and counterexamples are those of links
// numbered as met (on one worker, as before), in every network mode.
func TestProgressPlacedWorkers(t *testing.T) {
	defer func(old int) { parallelFileMin = old }(parallelFileMin)
	parallelFileMin = 2
	files, _ := filepath.Glob("../examples/*.deck")
	files = append(files, "../bench/models/tpc_n3.deck")
	placed := 0
	for _, path := range files {
		src, _ := os.ReadFile(path)
		if !strings.Contains(string(src), "\nplace ") {
			continue
		}
		placed++
		for _, mode := range []card.NetMode{0, card.Unordered, card.Lossy, card.Unordered | card.Lossy} {
			name := fmt.Sprintf("%s/%v", filepath.Base(path), mode)
			p, err := compile.Source(filepath.Base(path), src)
			if err == nil {
				p, err = compile.Place(p, nil, mode)
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			m := vm.New(p)
			var graphs []*pgraph
			for _, w := range []int{1, 2, 3} {
				g := &pgraph{m: m}
				if why := g.build(Options{Workers: w, MaxProgressStates: 200_000}); why != "" {
					t.Fatalf("%s, %d workers: %s", name, w, why)
				}
				if g.staticLinks == 0 {
					t.Fatalf("%s: links numbered as met", name)
				}
				graphs = append(graphs, g)
			}
			a := graphs[0]
			for _, g := range graphs[1:] {
				if a.n() != g.n() || a.trans != g.trans || !slices.Equal(a.off, g.off) || !slices.Equal(a.to, g.to) ||
					!slices.Equal(a.stk, g.stk) || !slices.Equal(a.kind, g.kind) || !slices.Equal(a.ch, g.ch) ||
					!slices.Equal(a.en, g.en) || !slices.Equal(a.unf, g.unf) || !slices.Equal(a.parent, g.parent) {
					t.Errorf("%s: the graphs of 1 and %d workers differ", name, g.workers)
				}
			}
			for _, fair := range []Fairness{FairWeak, FairStrong} {
				opt := Options{Workers: 2, CheckProgress: true, Fairness: fair, MaxProgressStates: 200_000}
				byNodes := mustRun(t, m, opt)
				progressLinksAsMet = true
				asMet := mustRun(t, m, opt)
				progressLinksAsMet = false
				if got, want := progressSummary(byNodes), progressSummary(asMet); got != want {
					t.Errorf("%s, %s: links by nodes give\n%s\nas met\n%s", name, fair, got, want)
				}
			}
		}
	}
	if placed < 5 {
		t.Fatalf("only %d placed programs", placed)
	}
}

// progressSummary is what a report says of progress: the verdict, the
// graph's size and each progress violation with its schedule.
func progressSummary(rep *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %d %d", rep.Verdict, rep.Progress.Status, rep.Progress.States, rep.Progress.Transitions)
	for _, v := range rep.Violations {
		if v.Progress {
			fmt.Fprintf(&b, "\n%s %s", v.Violation.Describe(), v.Schedule.String())
		}
	}
	return b.String()
}

// TestProgressLinksFallBack: when a state has more stacks than the links
// numbered by their nodes leave room for (eight nodes take 56 entities),
// the graph is built again with links numbered as met, and the check
// still gives its verdict.
func TestProgressLinksFallBack(t *testing.T) {
	var b strings.Builder
	for i := range 7 {
		fmt.Fprintf(&b, "var done%d = 0\nplace w%d on N%d\nproc w%d() {\n    done%d = 1\n}\n", i, i, i, i, i)
	}
	writeSpawnMain(&b, "w", 7)
	p, err := compile.Source("eight.deck", []byte(b.String()))
	if err == nil {
		p, err = compile.Place(p, nil, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	m := vm.New(p)
	g := &pgraph{m: m}
	if why := g.build(Options{Workers: 2}); why != whyStaticLinksFull {
		t.Fatalf("links numbered by their nodes: %q, want the fallback", why)
	}
	rep := mustRun(t, m, Options{Workers: 2, CheckProgress: true})
	progressLinksAsMet = true
	asMet := mustRun(t, m, Options{Workers: 2, CheckProgress: true})
	progressLinksAsMet = false
	if rep.Progress.Status != ProgressOK || progressSummary(rep) != progressSummary(asMet) {
		t.Fatalf("after the fallback:\n%s\nas met:\n%s", progressSummary(rep), progressSummary(asMet))
	}
}

// TestLinkEntitiesByNodes: links numbered by their nodes each get an
// entity of their own, above the stacks and below the heal.
func TestLinkEntitiesByNodes(t *testing.T) {
	for nodes := 2; nodes*(nodes-1)+2 <= maxProgressStacks; nodes++ {
		g := &pgraph{nodes: nodes, staticLinks: nodes * (nodes - 1)}
		seen := map[uint8]bool{}
		for from := range int32(nodes) {
			for to := range int32(nodes) {
				if from == to {
					continue
				}
				e, why := g.linkEntity(from, to)
				if why != "" || seen[e] || int(e) >= healEntity || int(e) < healEntity-g.staticLinks {
					t.Fatalf("%d nodes: link %d->%d has entity %d (%q)", nodes, from, to, e, why)
				}
				seen[e] = true
			}
		}
	}
}

// TestReserveCountsWrittenPages: the budget counts the huge pages the
// graph's arrays have written, not their capacities, and an array the
// kernel moves as it grows counts once, not as an old and a new copy.
// Counting capacities and copies, deck stopped phil N=6 R=3's progress
// check at --max-memory 300MiB, in a process that peaked at 270 MiB.
func TestReserveCountsWrittenPages(t *testing.T) {
	if !hugeMapping {
		t.Skip("the graph's arrays are mapped only on Linux, outside race builds")
	}
	m := mustCompile(t, "one.deck", "var a = 0\nproc main() { a = 1 }\n")
	// A graph of 4 Mi edges (40 MiB in its four edge arrays) and a chunk
	// that adds 64 Ki more, all to states the graph has.
	const edges, more = 4 << 20, 64 << 10
	graph := func(capacity int) (*builder, []*pscratch) {
		g := &pgraph{m: m}
		t.Cleanup(g.free)
		h := &g.maps
		g.to = regrowMapped(h, g.to, capacity)[:edges]
		g.stk = regrowMapped(h, g.stk, capacity)[:edges]
		g.kind = regrowMapped(h, g.kind, capacity)[:edges]
		g.ch = regrowMapped(h, g.ch, capacity)[:edges]
		sc := &pscratch{succ: make([]psucc, more)}
		return &builder{g: g, limit: 1 << 40}, []*pscratch{sc}
	}
	written := int64(edges+more) * 10                      // the edge arrays once the chunk is filed
	scratch := int64(more) * int64(unsafe.Sizeof(psucc{})) // and the chunk
	for _, tt := range []struct {
		name     string
		capacity int   // of the edge arrays: doubled ahead, or full
		maxMem   int64 // the graph's budget
		fits     bool
	}{
		// Room for twice the edges: counted, the capacities alone (80
		// MiB) were over the budget.
		{"room ahead", 2 * edges, written + scratch + 8<<20, true},
		// Full: the arrays must grow, and the kernel moves them. Counted
		// as copies, the old arrays and the new ones doubled took 120 MiB.
		{"full", edges, written + scratch + 8<<20, true},
		{"full, under the written pages", edges, written - 4<<20, false},
	} {
		b, scs := graph(tt.capacity)
		b.maxMem, b.shown = tt.maxMem, tt.maxMem
		why := b.reserve(scs)
		if got := why == ""; got != tt.fits {
			t.Errorf("%s: reserve = %q, want fits %v", tt.name, why, tt.fits)
			continue
		}
		if tt.fits && cap(b.g.to) < edges+more {
			t.Errorf("%s: reserve left the edges room for %d, want %d", tt.name, cap(b.g.to), edges+more)
		}
		if !tt.fits && !strings.Contains(why, "--max-memory") {
			t.Errorf("%s: reserve = %q, want the memory limit named", tt.name, why)
		}
		if r := b.resident(scs); tt.fits && r > tt.maxMem {
			t.Errorf("%s: resident %d after reserve, over the budget %d", tt.name, r, tt.maxMem)
		}
	}
}

// TestStarvationReason: a stack starved at an await whose condition the
// cycle makes true now and then is said to never get its turn, whichever
// state the cycle is shown from; a stack blocked in every state of the
// cycle gets its wait reason.
func TestStarvationReason(t *testing.T) {
	m := mustCompile(t, "flicker.deck", `var x = 0
daemon proc toggler() {
    while true { x = 1; x = 0 }
}
proc waiter() {
    await x == 1
}
proc main() {
    spawn toggler()
    let w = spawn waiter()
    join w
}
`)
	rep := mustRun(t, m, Options{Workers: 1, CheckProgress: true})
	if len(rep.Violations) != 1 || rep.Violations[0].Violation.Kind != KindStarvation {
		t.Fatalf("violations %v", rep.Violations)
	}
	msg := rep.Violations[0].Violation.Message
	if !strings.Contains(msg, "waiter#2 waits at await x == 1 (it can take it at times, but never gets its turn)") || !strings.Contains(msg, "main waits at join waiter#2 (not finished)") {
		t.Fatalf("message %q", msg)
	}
}

// TestLassoShortened: the check's graph folds loops of local cards into
// its steps, so its way to a cycle went round such a loop before the
// cycle started and its cycle went round it three times; replays leave
// out what the violation does not need, with reduction and without.
func TestLassoShortened(t *testing.T) {
	tests := []struct {
		name, src string
		fair      Fairness
		lasso     string
	}{
		{"yield loop", "proc w() { while true { yield } }\nproc main() { let h = spawn w(); join h }\n", FairWeak, "0,(1*2)"},
		{"local toggle", "proc w() { let i = 0; while true { i = 1 - i } }\nproc main() { let h = spawn w(); join h }\n", FairWeak, "0,1,(1*4)"},
		{"starved main", "var x = 0\ndaemon proc spin() { while true { yield } }\nproc main() { spawn spin(); x = 1 }\n", FairNone, "0,(1*2)"},
		{"leadsto", "var x = 0\nx == 0 leadsto x == 1\ndaemon proc d() { while true { yield } }\nproc main() { spawn d(); let k = choose 0..2; if k == 1 { x = 1 } }\n", FairWeak, "0*4,(1*2)"},
	}
	for _, tt := range tests {
		for _, noPOR := range []bool{false, true} {
			m := mustCompile(t, "t.deck", tt.src)
			opt := progressOpt(tt.fair)
			opt.NoPOR = noPOR
			rep := mustRun(t, m, opt)
			if len(rep.Violations) != 1 {
				t.Fatalf("%s (no reduction %v): %d violations, want 1", tt.name, noPOR, len(rep.Violations))
			}
			if got := rep.Violations[0].Schedule.String(); got != tt.lasso {
				t.Errorf("%s (no reduction %v): lasso %s, want %s", tt.name, noPOR, got, tt.lasso)
			}
		}
	}
}
