package deal_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

func machine(t testing.TB, src string) *vm.Machine {
	t.Helper()
	p, err := compile.Source("t.deck", []byte(src))
	if err != nil {
		t.Fatalf("compile:\n%s\nerror: %v", src, err)
	}
	return vm.New(p)
}

func run(t testing.TB, m *vm.Machine, opt deal.Options) *deal.Result {
	t.Helper()
	r, err := deal.Run(m, opt)
	if err != nil {
		t.Fatalf("Run(%+v): %v", opt, err)
	}
	return r
}

func key(m *vm.Machine, s *vm.State) string {
	o := m.Outcome(s)
	return o.Key()
}

// lostUpdate races two stacks on x++ without an assert, so every run ends.
const lostUpdate = `var x = 0
proc inc() {
    for i in 0..3 {
        x++
    }
}
proc main() {
    let a = spawn inc()
    let b = spawn inc()
    join a
    join b
}
`

// programs used for replay: races, blocking, choices, channels, deadlocks,
// failures.
var programs = map[string]string{
	"lost update": lostUpdate,
	"lock": `mutex m
var x = 0
proc inc() {
    for i in 0..3 {
        lock m
        x++
        unlock m
    }
}
proc main() {
    let a = spawn inc()
    let b = spawn inc()
    inc()
    join a
    join b
    assert x == 9
}
`,
	"choices": `var x = 0
proc w(k) {
    let v = choose 0..4
    either {
        x = x + v * k
    } or {
        x = x - v
    } or {
        yield
    }
}
proc main() {
    let a = spawn w(1)
    let b = spawn w(10)
    join a
    join b
    print x
}
`,
	"channels": `chan c(1)
chan r
var sum = 0
proc producer(n) {
    for i in 0..n {
        send c, i
    }
    send c, -1
}
proc consumer() {
    let v = recv c
    while v >= 0 {
        sum = sum + v
        v = recv c
    }
    send r, sum
}
proc main() {
    let p = spawn producer(4)
    let q = spawn consumer()
    let total = recv r
    print total
    join p
    join q
}
`,
	"deadlock sometimes": `mutex a
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
`,
	"assert sometimes": `var x = 0
proc inc() {
    x++
}
proc main() {
    let a = spawn inc()
    let b = spawn inc()
    join a
    join b
    assert x == 2, "lost"
}
`,
	"events and sems": `event go
sem s(0)
var order = 0
proc w(k) {
    wait go
    order = order * 10 + k
    release s
}
proc main() {
    let a = spawn w(1)
    let b = spawn w(2)
    let c = spawn w(3)
    notify go
    acquire s
    acquire s
    acquire s
    print order
}
`,
}

func TestDeterminism(t *testing.T) {
	m := machine(t, lostUpdate)
	schedules := map[string]bool{}
	outcomes := map[string]bool{}
	const seeds = 40
	for seed := uint64(0); seed < seeds; seed++ {
		a := run(t, m, deal.Options{Seed: seed})
		b := run(t, m, deal.Options{Seed: seed})
		if a.Schedule.String() != b.Schedule.String() {
			t.Errorf("seed %d: two runs dealt different schedules:\n %s\n %s", seed, a.Schedule.String(), b.Schedule.String())
		}
		if ka, kb := key(m, a.Final), key(m, b.Final); ka != kb {
			t.Errorf("seed %d: outcomes %q and %q differ", seed, ka, kb)
		}
		if a.Seed != seed {
			t.Errorf("Result.Seed = %d, want %d", a.Seed, seed)
		}
		if a.Violation != nil || a.Stopped != "" {
			t.Fatalf("seed %d: violation %v stopped %q", seed, a.Violation, a.Stopped)
		}
		if int64(a.Schedule.Len()) != a.Cards || int64(a.Schedule.NumTicks()) != a.Ticks || a.Ticks != a.Cards {
			t.Errorf("seed %d: %d moves in %d ticks, but Cards=%d Ticks=%d", seed, a.Schedule.Len(), a.Schedule.NumTicks(), a.Cards, a.Ticks)
		}
		schedules[a.Schedule.String()] = true
		outcomes[key(m, a.Final)] = true
	}
	if len(schedules) < seeds*3/4 {
		t.Errorf("%d seeds gave only %d different schedules", seeds, len(schedules))
	}
	if len(outcomes) < 2 {
		t.Errorf("%d seeds of a lost-update race gave only the outcomes %v", seeds, outcomes)
	}
}

func TestReplayReproducesRuns(t *testing.T) {
	for name, src := range programs {
		m := machine(t, src)
		for _, dealer := range []deal.Kind{deal.Random, deal.RoundRobin, deal.Sequential} {
			for cpus := 1; cpus <= 3; cpus++ {
				for q := 1; q <= 3; q++ {
					for seed := uint64(0); seed < 4; seed++ {
						opt := deal.Options{Dealer: dealer, CPUs: cpus, Quantum: q, Seed: seed}
						t.Run(fmt.Sprintf("%s/%s/cpus=%d/q=%d/seed=%d", name, dealer, cpus, q, seed), func(t *testing.T) {
							r := run(t, m, opt)
							text := r.Schedule.String()
							sch, err := trace.Parse(text)
							if err != nil {
								t.Fatalf("Parse(%q): %v", text, err)
							}
							rep, err := deal.Run(m, deal.Options{Replay: sch})
							if err != nil {
								t.Fatalf("replay of %q: %v", text, err)
							}
							if !slices.Equal(r.Final.W, rep.Final.W) {
								t.Errorf("replay of %q ends in\n %v\nwant\n %v", text, rep.Final.W, r.Final.W)
							}
							if rep.Ticks != r.Ticks || rep.Cards != r.Cards {
								t.Errorf("replay took %d ticks, %d cards; the run %d, %d", rep.Ticks, rep.Cards, r.Ticks, r.Cards)
							}
							if got := rep.Schedule.String(); got != text {
								t.Errorf("replay recorded %q, want %q", got, text)
							}
							if (r.Violation == nil) != (rep.Violation == nil) ||
								r.Violation != nil && (r.Violation.Kind != rep.Violation.Kind || r.Violation.Pos != rep.Violation.Pos || r.Violation.Message != rep.Violation.Message) {
								t.Errorf("violation %+v on replay, %+v on the run", rep.Violation, r.Violation)
							}
							if rep.Stopped != r.Stopped {
								t.Errorf("replay stopped %q, run %q", rep.Stopped, r.Stopped)
							}
							if !slices.Equal(r.Taken, rep.Taken) {
								t.Errorf("cards per stack %v on replay, %v on the run", rep.Taken, r.Taken)
							}
							if len(r.CPUs) != r.Schedule.Len() {
								t.Errorf("%d CPU numbers for %d moves", len(r.CPUs), r.Schedule.Len())
							}
							for _, c := range r.CPUs {
								if int(c) >= cpus {
									t.Errorf("move on CPU %d with %d CPUs", c, cpus)
								}
							}
							if r.Ticks > r.Cards || r.Cards > r.Ticks*int64(cpus) {
								t.Errorf("%d cards in %d ticks on %d CPUs", r.Cards, r.Ticks, cpus)
							}
						})
					}
				}
			}
		}
	}
}

// spread is the part of a schedule after main has spawned both workers.
const twoWorkers = `var x = 0
var y = 0
proc a() {
    for i in 0..5 {
        x = x + 1
    }
}
proc b() {
    for i in 0..5 {
        y = y + 1
    }
}
proc main() {
    let p = spawn a()
    let q = spawn b()
    join p
    join q
}
`

func TestRoundRobinAlternates(t *testing.T) {
	m := machine(t, twoWorkers)
	r := run(t, m, deal.Options{Dealer: deal.RoundRobin, Quantum: 1})
	var stacks []int32
	for _, mv := range r.Schedule.Moves {
		stacks = append(stacks, mv.Stack)
	}
	// main spawns twice, then waits in join while 1 and 2 take turns.
	if stacks[0] != 0 || stacks[1] != 0 {
		t.Fatalf("schedule %s does not start with main's two spawns", r.Schedule.String())
	}
	if stacks[2] != 0 && stacks[2] != 1 {
		t.Fatalf("schedule %s: third move by %d", r.Schedule.String(), stacks[2])
	}
	var workers []int32
	for _, st := range stacks {
		if st != 0 {
			workers = append(workers, st)
		}
	}
	n := r.Taken[1]
	if r.Taken[2] != n {
		t.Fatalf("the workers took %d and %d cards, want equal", r.Taken[1], r.Taken[2])
	}
	for k := 0; k < 2*int(n); k++ {
		if want := int32(1 + k%2); workers[k] != want {
			t.Fatalf("rr with quantum 1 does not alternate: move %d of the workers is %d, want %d\n%s", k, workers[k], want, r.Schedule.String())
		}
	}

	// With quantum 3 each turn is three cards.
	r = run(t, m, deal.Options{Dealer: deal.RoundRobin, Quantum: 3})
	text := r.Schedule.String()
	if !strings.Contains(text, "1*3,2*3,1*3,2*3") {
		t.Errorf("rr with quantum 3: schedule %s lacks turns of three cards", text)
	}
}

func TestSequential(t *testing.T) {
	m := machine(t, twoWorkers)
	r := run(t, m, deal.Options{Dealer: deal.Sequential})
	// main spawns twice and blocks in join; then each worker runs to its
	// end; then main joins twice and returns.
	want := fmt.Sprintf("0*2,1*%d,2*%d,0*3", r.Taken[1], r.Taken[2])
	if got := r.Schedule.String(); got != want {
		t.Errorf("seq schedule %s, want %s", got, want)
	}
	if got := key(m, r.Final); got != "x=5 y=5" {
		t.Errorf("outcome %q", got)
	}

	// A stack that blocks gives the processor up, and gets it back later:
	// main offers its value and waits until w has taken it.
	m = machine(t, `chan c
proc w() {
    let v = recv c
    print v
}
proc main() {
    let h = spawn w()
    send c, 1
    join h
}
`)
	r = run(t, m, deal.Options{Dealer: deal.Sequential})
	if got, want := r.Schedule.String(), "0*2,1*3,0*3"; got != want {
		t.Errorf("seq schedule %s, want %s", got, want)
	}
}

const parallel = `var x[4]
proc w(k) {
    for i in 0..200 {
        x[k] = x[k] + i
    }
}
proc main() {
    let a = spawn w(0)
    let b = spawn w(1)
    let c = spawn w(2)
    let d = spawn w(3)
    join a
    join b
    join c
    join d
}
`

func TestMoreCPUsFewerTicks(t *testing.T) {
	m := machine(t, parallel)
	for _, dealer := range []deal.Kind{deal.Random, deal.RoundRobin} {
		one := run(t, m, deal.Options{Dealer: dealer, CPUs: 1, Seed: 3})
		two := run(t, m, deal.Options{Dealer: dealer, CPUs: 2, Seed: 3})
		four := run(t, m, deal.Options{Dealer: dealer, CPUs: 4, Seed: 3})
		if one.Cards != two.Cards || one.Cards != four.Cards {
			t.Fatalf("%s: cards %d %d %d differ between CPU counts", dealer, one.Cards, two.Cards, four.Cards)
		}
		if one.Ticks != one.Cards {
			t.Errorf("%s: 1 CPU took %d ticks for %d cards", dealer, one.Ticks, one.Cards)
		}
		if r := float64(two.Ticks) / float64(one.Ticks); r < 0.48 || r > 0.56 {
			t.Errorf("%s: 2 CPUs took %d ticks, 1 CPU %d (ratio %.2f, want about a half)", dealer, two.Ticks, one.Ticks, r)
		}
		if r := float64(four.Ticks) / float64(one.Ticks); r < 0.24 || r > 0.32 {
			t.Errorf("%s: 4 CPUs took %d ticks, 1 CPU %d (ratio %.2f, want about a quarter)", dealer, four.Ticks, one.Ticks, r)
		}
		for _, r := range []*deal.Result{one, two, four} {
			if got := key(m, r.Final); got != "x=[19900,19900,19900,19900]" {
				t.Errorf("%s: outcome %q", dealer, got)
			}
		}
		if !strings.Contains(two.Schedule.String(), "+") {
			t.Errorf("%s: a 2-CPU schedule without a two-move tick: %s", dealer, two.Schedule.String())
		}
	}
}

func TestDeadlock(t *testing.T) {
	m := machine(t, `mutex m1
mutex m2
event e1
event e2
proc a() {
    lock m1
    notify e1
    wait e2
    lock m2
}
proc b() {
    lock m2
    notify e2
    wait e1
    lock m1
}
proc main() {
    let x = spawn a()
    let y = spawn b()
    join x
    join y
}
`)
	for seed := uint64(0); seed < 10; seed++ {
		for cpus := 1; cpus <= 2; cpus++ {
			r := run(t, m, deal.Options{Seed: seed, CPUs: cpus})
			v := r.Violation
			if v == nil || v.Kind != trace.KindDeadlock {
				t.Fatalf("seed %d: violation %+v, want a deadlock", seed, v)
			}
			want := []trace.Stuck{
				{Stack: "main", Card: "3", Pos: "t.deck:20:5", Reason: "join a#1 (not finished)"},
				{Stack: "a#1", Card: "4", Pos: "t.deck:9:5", Reason: "lock m2 (held by b#2)"},
				{Stack: "b#2", Card: "4", Pos: "t.deck:15:5", Reason: "lock m1 (held by a#1)"},
			}
			if !slices.Equal(v.Stuck, want) {
				t.Errorf("seed %d: stuck stacks\n %+v\nwant\n %+v", seed, v.Stuck, want)
			}
			// Not main's join: it only waits for the stacks that are
			// stuck on each other's locks.
			if v.Pos != "t.deck:9:5" {
				t.Errorf("deadlock at %s, want the first stuck card that is not a join, t.deck:9:5", v.Pos)
			}
			if !strings.HasPrefix(v.Message, "no stack can move: main waits at join a#1 (not finished); a#1 waits at lock m2") {
				t.Errorf("message %q", v.Message)
			}
			if r.Stopped != "" {
				t.Errorf("Stopped = %q on a deadlock", r.Stopped)
			}
		}
	}
}

func TestAssertStopsTheRun(t *testing.T) {
	m := machine(t, programs["assert sometimes"])
	failed := 0
	for seed := uint64(0); seed < 40; seed++ {
		r := run(t, m, deal.Options{Seed: seed})
		if r.Violation == nil {
			if got := key(m, r.Final); got != "x=2" {
				t.Errorf("seed %d: a run without violation ended with %q", seed, got)
			}
			continue
		}
		failed++
		v := r.Violation
		if v.Kind != trace.KindAssert || v.Message != "assertion failed: lost" || v.Pos != "t.deck:10:5" || v.Stack != "main" {
			t.Errorf("seed %d: violation %+v", seed, v)
		}
		last := r.Schedule.Moves[len(r.Schedule.Moves)-1]
		if last.Stack != 0 {
			t.Errorf("seed %d: the last move is stack %d's, want main's failing assert", seed, last.Stack)
		}
		if int64(r.Schedule.Len()) != r.Cards {
			t.Errorf("seed %d: %d moves recorded for %d cards", seed, r.Schedule.Len(), r.Cards)
		}
		if !r.Final.Finished(m.P, 1) || !r.Final.Finished(m.P, 2) || r.Final.Finished(m.P, 0) {
			t.Errorf("seed %d: the run did not stop at main's assert", seed)
		}
		// The recorded schedule reaches the same failure.
		rep, err := deal.Run(m, deal.Options{Replay: &r.Schedule})
		if err != nil || rep.Violation == nil || rep.Violation.Pos != v.Pos {
			t.Errorf("seed %d: replay gives %v, %+v", seed, err, rep.Violation)
		}
	}
	if failed == 0 {
		t.Error("40 seeds never lost an update")
	}
}

func TestMaxTicks(t *testing.T) {
	m := machine(t, `var x = 0
proc main() {
    while true {
        yield
    }
}
`)
	r := run(t, m, deal.Options{MaxTicks: 1000})
	if r.Stopped != "max-ticks" || r.Violation != nil {
		t.Fatalf("Stopped %q, violation %v; want max-ticks", r.Stopped, r.Violation)
	}
	if r.Ticks != 1000 || r.Cards != 1000 || r.Schedule.String() != "0*1000" {
		t.Errorf("stopped after %d ticks, %d cards, schedule %.40s; want 1000", r.Ticks, r.Cards, r.Schedule.String())
	}
	r = run(t, m, deal.Options{MaxTicks: 10, CPUs: 3})
	if r.Stopped != "max-ticks" || r.Ticks != 10 {
		t.Errorf("3 CPUs: Stopped %q after %d ticks, want max-ticks after 10", r.Stopped, r.Ticks)
	}
}

// TestStop: a closed Options.Stop ends a run that would go on to
// MaxTicks, at its first look (tick 0).
func TestStop(t *testing.T) {
	m := machine(t, `var x = 0
proc main() {
    while true {
        yield
    }
}
`)
	stop := make(chan struct{})
	close(stop)
	r := run(t, m, deal.Options{Stop: stop})
	if r.Stopped != "interrupted" || r.Violation != nil || r.Ticks != 0 {
		t.Fatalf("Stopped %q after %d ticks, violation %v; want interrupted at once", r.Stopped, r.Ticks, r.Violation)
	}
	r = run(t, m, deal.Options{Stop: make(chan struct{}), MaxTicks: 3 * 4096})
	if r.Stopped != "max-ticks" {
		t.Fatalf("Stop left open: Stopped %q, want max-ticks", r.Stopped)
	}
}

func TestRuntimeErrorViolation(t *testing.T) {
	m := machine(t, `var a[2]
proc main() {
    for i in 0..3 {
        a[i] = 1
    }
}
`)
	r := run(t, m, deal.Options{})
	v := r.Violation
	if v == nil || v.Kind != trace.KindError || v.Message != "index 2 out of range [0, 2)" || v.Pos != "t.deck:4:14" || v.Card != "3" {
		t.Fatalf("violation %+v", v)
	}
	if !strings.HasPrefix(v.Describe(), "t.deck:4:14: runtime error: index 2 out of range [0, 2) (stack main, card 3)") {
		t.Errorf("Describe() = %q", v.Describe())
	}
}

func TestAlwaysViolation(t *testing.T) {
	m := machine(t, `var x = 0
always x < 3
proc main() {
    for i in 0..5 {
        x = i
    }
}
`)
	r := run(t, m, deal.Options{})
	if r.Violation == nil || r.Violation.Kind != trace.KindAlways || r.Violation.Pos != "t.deck:2:1" {
		t.Fatalf("violation %+v, want always at 2:1", r.Violation)
	}
	if got := key(m, r.Final); got != "x=3" {
		t.Errorf("the run went on after the invariant broke: %q", got)
	}
}

func TestReplayErrors(t *testing.T) {
	m := machine(t, `chan c(1)
proc w() {
    let v = recv c
    print v
}
proc main() {
    let h = spawn w()
    let k = choose 0..3
    send c, k
    join h
}
`)
	tests := []struct {
		schedule string
		tick     int
		msg      string
	}{
		{"0,1", 1, "stack w#1 cannot move: it waits at v = recv c (channel empty)"},
		{"5", 0, "there is no stack 5 (the program has 1 stack at this point)"},
		{"0,3", 1, "there is no stack 3"},
		{"0,0:3", 1, "stack main has 3 choices here, not 4"},
		{"0:1", 0, "stack main has 1 choice here, not 2"},
		{"0,0:2,0,1,1,1,1", 6, "stack w#1 has already finished"},
		{"0,0,0,0", 3, "stack main cannot move: it waits at join w#1 (not finished)"},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			sch, err := trace.Parse(tt.schedule)
			if err != nil {
				t.Fatal(err)
			}
			_, err = deal.Run(m, deal.Options{Replay: sch})
			var re *deal.ReplayError
			if !errors.As(err, &re) {
				t.Fatalf("replay of %q: error %v, want a ReplayError", tt.schedule, err)
			}
			if re.Tick != tt.tick || !strings.Contains(re.Msg, tt.msg) {
				t.Errorf("replay of %q: tick %d %q, want tick %d %q", tt.schedule, re.Tick, re.Msg, tt.tick, tt.msg)
			}
			if !strings.HasPrefix(re.Error(), fmt.Sprintf("replay: tick %d: ", tt.tick+1)) {
				t.Errorf("Error() = %q", re.Error())
			}
		})
	}

	// A schedule that ends early stops the run; one that runs on after a
	// failure is an error.
	sch, _ := trace.Parse("0,0:2")
	r, err := deal.Run(m, deal.Options{Replay: sch})
	if err != nil || r.Stopped != "replay-ended" || r.Violation != nil {
		t.Errorf("short replay: %v, Stopped %q, violation %v; want replay-ended", err, r.Stopped, r.Violation)
	}
	sch, _ = trace.Parse("0,0:2,0,1,1,1,0,0")
	r, err = deal.Run(m, deal.Options{Replay: sch})
	if err != nil || r.Stopped != "" || r.Violation != nil || !r.Final.Finished(m.P, 0) {
		t.Fatalf("full replay: %v, Stopped %q, violation %v", err, r.Stopped, r.Violation)
	}
	if got := key(m, r.Final); got != `print="2"` {
		t.Errorf("replay with choice 2 printed %q", got)
	}

	fail := machine(t, "var d = 0\nproc main() {\n    let v = 1 / d\n    yield\n}")
	sch, _ = trace.Parse("0,0")
	if _, err := deal.Run(fail, deal.Options{Replay: sch}); err == nil || !strings.Contains(err.Error(), "the run failed before the schedule ended") {
		t.Errorf("replay past a failure: %v", err)
	}
	sch, _ = trace.Parse("0")
	r, err = deal.Run(fail, deal.Options{Replay: sch})
	if err != nil || r.Violation == nil || r.Violation.Kind != trace.KindError {
		t.Errorf("replay up to a failure: %v, %+v", err, r.Violation)
	}
}

func TestReplayDeadlock(t *testing.T) {
	m := machine(t, programs["deadlock sometimes"])
	sch, err := trace.Parse("0,0,1,2")
	if err != nil {
		t.Fatal(err)
	}
	r, err := deal.Run(m, deal.Options{Replay: sch})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Kind != trace.KindDeadlock || len(r.Violation.Stuck) != 3 {
		t.Fatalf("violation %+v, want a deadlock of three stacks", r.Violation)
	}
}

func mv(stack, choice int32) trace.Move { return trace.Move{Stack: stack, Choice: choice} }

func TestScheduleText(t *testing.T) {
	tests := []struct {
		text  string
		moves []trace.Move
		ends  []int32
	}{
		{"", nil, nil},
		{"0", []trace.Move{mv(0, 0)}, []int32{1}},
		{"0*3,1", []trace.Move{mv(0, 0), mv(0, 0), mv(0, 0), mv(1, 0)}, []int32{1, 2, 3, 4}},
		{"0,1:2,1:2,2", []trace.Move{mv(0, 0), mv(1, 2), mv(1, 2), mv(2, 0)}, []int32{1, 2, 3, 4}},
		{"1+2,0:1+3:2,4*2", []trace.Move{mv(1, 0), mv(2, 0), mv(0, 1), mv(3, 2), mv(4, 0), mv(4, 0)}, []int32{2, 4, 5, 6}},
		{"1+1,1+1", []trace.Move{mv(1, 0), mv(1, 0), mv(1, 0), mv(1, 0)}, []int32{2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			s, err := trace.Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Moves, tt.moves) || !slices.Equal(s.Ends, tt.ends) {
				t.Errorf("Parse(%q) = %v %v, want %v %v", tt.text, s.Moves, s.Ends, tt.moves, tt.ends)
			}
			if got := s.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
		})
	}
	if s, err := trace.Parse(" 0 * 2 ,\n1 + 2 "); err != nil || s.String() != "0*2,1+2" {
		t.Errorf("whitespace: %v %v", s, err)
	}
	for _, bad := range []string{",", "0,,1", "x", "-1", "0:", "0:-1", "0*0", "0*x", "1+2*2", "0*99999999999"} {
		if _, err := trace.Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", bad)
		}
	}

	// Real schedules round-trip: multi-CPU ticks, choices and repeats.
	seen := map[string]bool{}
	for name, src := range programs {
		m := machine(t, src)
		for cpus := 1; cpus <= 3; cpus++ {
			for seed := uint64(0); seed < 5; seed++ {
				r := run(t, m, deal.Options{CPUs: cpus, Seed: seed, Quantum: 2})
				text := r.Schedule.String()
				s, err := trace.Parse(text)
				if err != nil {
					t.Fatalf("%s: Parse(%q): %v", name, text, err)
				}
				if !slices.Equal(s.Moves, r.Schedule.Moves) || !slices.Equal(s.Ends, r.Schedule.Ends) {
					t.Errorf("%s: %q does not round-trip", name, text)
				}
				for _, mark := range []string{"*", "+", ":"} {
					if strings.Contains(text, mark) {
						seen[mark] = true
					}
				}
			}
		}
	}
	for _, mark := range []string{"*", "+", ":"} {
		if !seen[mark] {
			t.Errorf("no recorded schedule used %q", mark)
		}
	}
}

func TestNoSchedule(t *testing.T) {
	m := machine(t, lostUpdate)
	a := run(t, m, deal.Options{Seed: 7})
	b := run(t, m, deal.Options{Seed: 7, NoSchedule: true})
	if b.Schedule.Len() != 0 || len(b.CPUs) != 0 {
		t.Errorf("NoSchedule recorded %d moves", b.Schedule.Len())
	}
	if !slices.Equal(a.Final.W, b.Final.W) || a.Ticks != b.Ticks || a.Cards != b.Cards {
		t.Errorf("NoSchedule changed the run: %d/%d ticks", a.Ticks, b.Ticks)
	}
}

func TestSteps(t *testing.T) {
	m := machine(t, `var x = 1
proc main() {
    let v = choose 0..2
    x = x + v
}
`)
	r := run(t, m, deal.Options{Steps: true, Seed: 1})
	if int64(len(r.Steps)) != r.Cards {
		t.Fatalf("%d steps recorded for %d cards", len(r.Steps), r.Cards)
	}
	read := r.Steps[1]
	if read.Text != "t1 = x" || len(read.Reads) != 1 || read.Reads[0] != (trace.Value{Name: "x", Value: "1"}) {
		t.Errorf("step 2 = %+v, want a read of x = 1", read)
	}
	write := r.Steps[2]
	want := fmt.Sprint(1 + r.Steps[0].Choice)
	if write.Text != "x = t1 + v" || len(write.Writes) != 1 || write.Writes[0] != (trace.Value{Name: "x", Value: want}) {
		t.Errorf("step 3 = %+v, want a write of x = %s", write, want)
	}
}

func TestParseKind(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want deal.Kind
	}{{"random", deal.Random}, {"rr", deal.RoundRobin}, {"round-robin", deal.RoundRobin}, {"seq", deal.Sequential}, {"sequential", deal.Sequential}} {
		k, err := deal.ParseKind(tt.in)
		if err != nil || k != tt.want {
			t.Errorf("ParseKind(%q) = %v, %v", tt.in, k, err)
		}
	}
	if _, err := deal.ParseKind("fifo"); err == nil {
		t.Error("ParseKind(fifo) succeeded")
	}
}
