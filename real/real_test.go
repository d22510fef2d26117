package real

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/internal/expect"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

func machine(t testing.TB, src string) *vm.Machine {
	t.Helper()
	p, err := compile.Source("test.deck", []byte(src))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return vm.New(p)
}

// tb is what the helpers need of a test: *testing.T, *testing.B and
// *rapid.T all have it.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func run(t tb, m *vm.Machine, opt Options) *Result {
	t.Helper()
	res, err := Run(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// An example whose header lists a livelock may spin forever: a run of it
// that hits the timeout is not a failure.

// TestExamples runs every example on real workers and holds each run to
// the example's header: an outcome it lists or a violation of a kind it
// lists, as the simulator and the checker are held.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.deck")
	if err != nil || len(files) < 20 {
		t.Fatalf("want at least 20 examples, found %d (%v)", len(files), err)
	}
	runs := 20
	if testing.Short() {
		runs = 5
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := expect.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			m := machine(t, string(src))
			if len(m.P.Places) > 0 {
				t.Skip("placed on nodes by its file: package node runs it for real")
			}
			if err := Supported(m.P); err != nil {
				// Condition variables: TestRefusesConds holds real to
				// refusing them; deal and check run these examples.
				t.Skip(err)
			}
			for _, pr := range m.P.Procs {
				if pr.Daemon && len(want.Outcomes) == 0 {
					// A daemon that never blocks leaves no terminal state:
					// a real run goes on until its timeout.
					t.Skip("a daemon that never blocks: the run has no end")
				}
			}
			timeout := 20 * time.Second
			spins := want.Violations["livelock"]
			runs := runs
			if spins {
				runs = min(runs, 3)
				timeout = 500 * time.Millisecond
			}
			seen := map[string]int{}
			for workers := 1; workers <= 2; workers++ {
				for k := 0; k < runs; k++ {
					opt := Options{Workers: workers, Quantum: 1 + k%8*4, Seed: uint64(k), Timeout: timeout}
					res := run(t, m, opt)
					switch {
					case res.Violation != nil:
						if !want.Violations[res.Violation.Kind] {
							t.Fatalf("%+v: unexpected %s violation: %s", opt, res.Violation.Kind, res.Violation.Describe())
						}
						seen["violation "+res.Violation.Kind]++
					case res.Stopped != "":
						if !spins {
							t.Fatalf("%+v: stopped (%s) after %v, %d cards", opt, res.Stopped, res.Elapsed, res.Cards)
						}
						seen["stopped"]++
					default:
						key := res.Outcome.Key()
						if !want.Outcomes[key] {
							t.Fatalf("%+v: outcome %q is not in the header %v", opt, key, want.Outcomes)
						}
						for i, st := range res.PerStack {
							if !res.Final.Finished(m.P, i) && !m.P.Procs[res.Final.ProcOf(m.P, i)].Daemon {
								t.Fatalf("%+v: no violation, but stack %d (%d cards) has not finished", opt, i, st)
							}
						}
						seen[key]++
					}
				}
			}
			t.Logf("%v", seen)
		})
	}
}

func counterProgram(t testing.TB, body string) *vm.Machine {
	src := `
const N = 10000
var x = 0
mutex m
proc inc() {
    for i in 0..N {
        ` + body + `
    }
}
proc main() {
    let h1 = spawn inc(); let h2 = spawn inc(); let h3 = spawn inc(); let h4 = spawn inc()
    let h5 = spawn inc(); let h6 = spawn inc(); let h7 = spawn inc(); let h8 = spawn inc()
    join h1; join h2; join h3; join h4; join h5; join h6; join h7; join h8
}
`
	return machine(t, src)
}

// TestStressExact: 8 stacks × 10,000 increments, protected by atomic or
// by a mutex, always end at exactly 80,000.
func TestStressExact(t *testing.T) {
	for _, body := range []string{"atomic { x++ }", "lock m; x++; unlock m"} {
		m := counterProgram(t, body)
		for _, workers := range []int{1, 2, 4} {
			res := run(t, m, Options{Workers: workers, Seed: uint64(workers)})
			if res.Violation != nil || res.Stopped != "" {
				t.Fatalf("%s, %d workers: %v %s", body, workers, res.Violation, res.Stopped)
			}
			if got := res.Final.Shared(m.P)[0]; got != 80000 {
				t.Fatalf("%s, %d workers: x = %d, want 80000", body, workers, got)
			}
			t.Logf("%-22s %d workers: x=80000, %d cards in %v", body, workers, res.Cards, res.Elapsed)
		}
	}
}

// TestStressLostUpdates: plain x++ is a read card and a write card, and on
// two workers running in parallel updates really get lost.
func TestStressLostUpdates(t *testing.T) {
	m := counterProgram(t, "x++")
	var xs []int64
	for k := 0; k < 10; k++ {
		res := run(t, m, Options{Workers: 2, Seed: uint64(k)})
		if res.Violation != nil || res.Stopped != "" {
			t.Fatalf("%v %s", res.Violation, res.Stopped)
		}
		x := res.Final.Shared(m.P)[0]
		xs = append(xs, x)
		if x > 80000 || x < 2 {
			t.Fatalf("x = %d: impossible", x)
		}
		if x < 80000 {
			t.Logf("lost updates: x = %d of 80000 (runs so far %v)", x, xs)
			return
		}
	}
	t.Skipf("no update was lost in %d runs (x: %v): this machine did not interleave the stacks", len(xs), xs)
}

// TestDeadlock: a lock-order deadlock that events force every time is
// reported as the simulator reports it, and never hangs.
func TestDeadlock(t *testing.T) {
	m := machine(t, `
mutex a
mutex b
event ha
event hb
proc left() {
    lock a
    notify ha
    wait hb
    lock b
    unlock b
    unlock a
}
proc right() {
    lock b
    notify hb
    wait ha
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
`)
	for _, workers := range []int{1, 2, 3} {
		for seed := uint64(0); seed < 10; seed++ {
			res := run(t, m, Options{Workers: workers, Seed: seed, Record: true, Timeout: 10 * time.Second})
			v := res.Violation
			if v == nil || v.Kind != trace.KindDeadlock {
				t.Fatalf("%d workers: want a deadlock, got %v (stopped %q)", workers, v, res.Stopped)
			}
			if len(v.Stuck) != 3 {
				t.Fatalf("want 3 stuck stacks, got %+v", v.Stuck)
			}
			for _, want := range []string{"main waits at join left#1 (not finished)", "left#1 waits at lock b (held by right#2)", "right#2 waits at lock a (held by left#1)"} {
				if !strings.Contains(v.Message, want) {
					t.Fatalf("message %q lacks %q", v.Message, want)
				}
			}
			replay(t, m, res)
		}
	}
}

// twoSpinners never ends: two stacks increment x forever.
const twoSpinners = `
var x = 0
proc spin() {
    while true { x++ }
}
proc main() {
    spawn spin()
    spawn spin()
}
`

// TestTimeout: a run that never ends is stopped, not hung.
func TestTimeout(t *testing.T) {
	m := machine(t, twoSpinners)
	res := run(t, m, Options{Workers: 2, Timeout: 200 * time.Millisecond})
	if res.Stopped != StoppedTimeout || res.Violation != nil {
		t.Fatalf("want stopped by the timeout, got %q %v", res.Stopped, res.Violation)
	}
	if res.Elapsed > 5*time.Second {
		t.Fatalf("took %v to stop", res.Elapsed)
	}
}

// TestStop: closing Options.Stop stops a run that never ends, as the
// timeout would, whether it is closed before the run or while it runs.
func TestStop(t *testing.T) {
	m := machine(t, `
var x = 0
proc spin() {
    while true { x++ }
}
proc main() {
    spawn spin()
    spawn spin()
}
`)
	for _, early := range []bool{true, false} {
		stop := make(chan struct{})
		if early {
			close(stop)
		} else {
			go close(stop)
		}
		res := run(t, m, Options{Workers: 2, Timeout: -1, Stop: stop})
		if res.Stopped != StoppedInterrupted || res.Violation != nil {
			t.Fatalf("closed early %v: want stopped by Stop, got %q %v", early, res.Stopped, res.Violation)
		}
	}
}

// TestFailures: asserts, always and runtime errors stop the run with the
// simulator's violation.
func TestFailures(t *testing.T) {
	tests := []struct {
		src, kind, msg, stack, card string
	}{
		{`var x = 0
proc w() { x = 5 }
proc main() {
    let h = spawn w()
    join h
    assert x == 4, "x is not 4"
}`, trace.KindAssert, "assertion failed: x is not 4", "main", "3"},
		{`var x = 1
proc main() {
    let y = 0
    x = x / y
}`, trace.KindError, "division by zero", "main", "3"},
		{`mutex m
proc w() { unlock m }
proc main() {
    lock m
    let h = spawn w()
    join h
}`, trace.KindError, "unlock of m, which is held by main", "w#1", "1"},
		{`var x = 0
always x < 3
proc w() { for i in 0..5 { atomic { x++ } } }
proc main() { spawn w(); spawn w() }`, trace.KindAlways, "always x < 3 does not hold", "", ""},
	}
	for _, tc := range tests {
		m := machine(t, tc.src)
		for _, workers := range []int{1, 2} {
			res := run(t, m, Options{Workers: workers, Record: true})
			v := res.Violation
			if v == nil || v.Kind != tc.kind || v.Message != tc.msg || v.Stack != tc.stack || v.Card != tc.card {
				t.Fatalf("%s\nwant %s %q stack %q card %q, got %+v", tc.src, tc.kind, tc.msg, tc.stack, tc.card, v)
			}
			replay(t, m, res)
		}
	}
}

// TestOutput: lines come out in the order the prints took effect, handles
// print as stack names, and prints inside atomic are not interleaved.
func TestOutput(t *testing.T) {
	m := machine(t, `
proc w(id) {
    for i in 0..50 {
        atomic {
            print "a", id, i
            print "b", id, i
        }
    }
}
proc main() {
    let h = spawn w(1)
    let g = spawn w(2)
    print "spawned", h, g
    join h
    join g
}
`)
	for seed := uint64(0); seed < 10; seed++ {
		res := run(t, m, Options{Workers: 2, Quantum: 3, Seed: seed, Record: true})
		out := res.Outcome.Output
		if len(out) != 201 {
			t.Fatalf("%d lines", len(out))
		}
		if !strings.Contains(strings.Join(out, "\n"), "spawned w#1 w#2") {
			t.Fatalf("no spawned line with names: %q", out[:3])
		}
		for k, l := range out {
			if strings.HasPrefix(l, "a ") {
				if k+1 >= len(out) || out[k+1] != "b "+l[2:] {
					t.Fatalf("line %d %q is not followed by its b line", k, l)
				}
			}
		}
		replay(t, m, res)
	}
}

// TestChoices: choose and either pick alternatives at random.
func TestChoices(t *testing.T) {
	m := machine(t, `
var x = 0
var y = 0
proc main() {
    x = choose 0..4
    either { y = 1 } or { y = 2 }
}
`)
	seen := map[string]bool{}
	for seed := uint64(0); seed < 100; seed++ {
		res := run(t, m, Options{Workers: 1, Seed: seed, Record: true})
		seen[res.Outcome.Key()] = true
		replay(t, m, res)
	}
	if len(seen) != 8 {
		t.Fatalf("want 8 outcomes, got %v", seen)
	}
}

// replay deals res's recorded schedule in the simulator and wants the same
// final shared memory and output, and the same violation.
func replay(t tb, m *vm.Machine, res *Result) {
	t.Helper()
	if res.Schedule == nil {
		t.Fatal("no schedule recorded")
	}
	sim, err := deal.Run(m, deal.Options{Replay: res.Schedule, CPUs: 1, Quantum: 1})
	if err != nil {
		t.Fatalf("replay of %d moves: %v", res.Schedule.Len(), err)
	}
	if res.Stopped != "" {
		return
	}
	if (sim.Violation == nil) != (res.Violation == nil) {
		t.Fatalf("replay: violation %v, real run: %v", sim.Violation, res.Violation)
	}
	if res.Violation != nil {
		// The replay's message may also name the operation that failed
		// (a real run's end is not the state its card failed in, so the
		// real run's does not): the same up to that.
		base, _, _ := strings.Cut(res.Violation.Message, " (")
		if sim.Violation.Key() != res.Violation.Key() || !strings.HasPrefix(sim.Violation.Message, base) {
			t.Fatalf("replay: violation %s, real run: %s", sim.Violation.Describe(), res.Violation.Describe())
		}
		if res.Violation.Kind != trace.KindDeadlock {
			// Other workers may have run a few cards after the failure;
			// the schedule stops at it.
			return
		}
	}
	if got, want := m.Outcome(sim.Final).Key(), res.Outcome.Key(); got != want {
		t.Fatalf("replay outcome %q, real run %q", got, want)
	}
	if sim.Cards != res.Cards {
		t.Fatalf("replay dealt %d cards, the real run ran %d", sim.Cards, res.Cards)
	}
	if fmt.Sprint(sim.Final.W) != fmt.Sprint(res.Final.W) {
		t.Fatalf("replay state %v\nreal state %v", sim.Final.W, res.Final.W)
	}
}

// TestRecordReplay records real runs of several examples and replays them
// in the simulator: same final state, output and violation.
func TestRecordReplay(t *testing.T) {
	names := []string{"lost_update", "lost_update_fixed_lock", "lost_update_fixed_atomic", "philosophers_deadlock",
		"philosophers_fixed", "producer_consumer_chan", "bounded_buffer_sem", "rendezvous", "print_shuffle",
		"choose_either", "sleeping_barber", "readers_writers", "pipeline", "peterson", "barrier", "ping_pong",
		"check_then_act", "runtime_error", "callback_event", "fork_join_sum"}
	runs := 25
	if testing.Short() {
		runs = 5
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile("../examples/" + name + ".deck")
			if err != nil {
				t.Fatal(err)
			}
			m := machine(t, string(src))
			for k := 0; k < runs; k++ {
				res := run(t, m, Options{Workers: 1 + k%2, Quantum: 1 + k%5, Seed: uint64(k), Record: true, Timeout: 20 * time.Second})
				replay(t, m, res)
			}
		})
	}
	// A long one: 8 stacks, 80,000 lost-update increments.
	m := counterProgram(t, "x++")
	for k := 0; k < 3; k++ {
		res := run(t, m, Options{Workers: 2, Seed: uint64(k), Record: true})
		replay(t, m, res)
	}
}

// TestAtomicInvariant: an atomic block is one card for the invariants too.
// a+b == 10 holds between atomic blocks however the workers interleave;
// the same moves as separate cards break it at once.
func TestAtomicInvariant(t *testing.T) {
	const src = `
var a = 10
var b = 0
always a + b == 10
proc mover() {
    for i in 0..2000 {
        %s
    }
}
proc main() {
    let h1 = spawn mover(); let h2 = spawn mover(); let h3 = spawn mover()
    join h1; join h2; join h3
}
`
	m := machine(t, fmt.Sprintf(src, "atomic { a--; b++ }\n        atomic { b--; a++ }"))
	for _, workers := range []int{1, 2, 4} {
		res := run(t, m, Options{Workers: workers, Seed: 1, Record: workers == 2})
		if res.Violation != nil || res.Outcome.Key() != "a=10 b=0" {
			t.Fatalf("%d workers: %v %s", workers, res.Violation, res.Outcome.Key())
		}
		if res.Schedule != nil {
			replay(t, m, res)
		}
	}
	m = machine(t, fmt.Sprintf(src, "a--\n        b++"))
	res := run(t, m, Options{Workers: 2, Record: true})
	if v := res.Violation; v == nil || v.Kind != trace.KindAlways || v.Message != "always a + b == 10 does not hold" {
		t.Fatalf("want the always violation, got %v", v)
	}
	replay(t, m, res)
}

// TestAtomicSpawnPrint: spawns and prints inside an atomic block happen
// with it, in one step.
func TestAtomicSpawnPrint(t *testing.T) {
	m := machine(t, `
var n = 0
proc child(k) {
    atomic { n += k; print "child", k }
}
proc main() {
    atomic {
        spawn child(1)
        spawn child(2)
        print "spawned two"
    }
    await n == 3
    print "n is", n
}
`)
	seen := map[string]bool{}
	for seed := uint64(0); seed < 40; seed++ {
		res := run(t, m, Options{Workers: 2, Quantum: 1 + int(seed%3), Seed: seed, Record: true})
		if res.Violation != nil {
			t.Fatal(res.Violation.Describe())
		}
		out := res.Outcome.Output
		if len(out) != 4 || out[0] != "spawned two" || out[3] != "n is 3" {
			t.Fatalf("output %q", out)
		}
		seen[res.Outcome.Key()] = true
		replay(t, m, res)
	}
	t.Logf("%d outcomes: %v", len(seen), seen)
}

// TestManyWaiters: a thousand stacks through a semaphore of three, and
// main awaiting a counter: every wake-up lands, nothing hangs.
func TestManyWaiters(t *testing.T) {
	m := machine(t, `
sem s(3)
var inside = 0
var done = 0
always inside <= 3
proc w() {
    acquire s
    atomic { inside++ }
    yield
    atomic { inside-- }
    release s
    atomic { done++ }
}
proc main() {
    for i in 0..1000 { spawn w() }
    await done == 1000
}
`)
	for _, workers := range []int{1, 2, 8} {
		res := run(t, m, Options{Workers: workers, Quantum: 2, Seed: uint64(workers), Record: true, Timeout: 20 * time.Second})
		if res.Violation != nil || res.Stopped != "" || res.Outcome.Key() != "inside=0 done=1000" {
			t.Fatalf("%d workers: %v %q %s", workers, res.Violation, res.Stopped, res.Outcome.Key())
		}
		replay(t, m, res)
	}
}

// TestHandoffs: stacks that hand control back and forth thousands of
// times, through rendezvous channels, awaits, semaphores and locks. A lost
// wake-up would show as a false deadlock (or a hang, caught by the
// timeout).
func TestHandoffs(t *testing.T) {
	progs := map[string]string{
		"rendezvous": `
chan a
chan b
var got = 0
proc ping() { for i in 0..2000 { send a, i; let v = recv b; got = v } }
proc pong() { for i in 0..2000 { let v = recv a; send b, v + 1 } }
proc main() { let x = spawn ping(); let y = spawn pong(); join x; join y }`,
		"await": `
var turn = 0
var n = 0
proc p(me) { for i in 0..2000 { await turn == me; n++; turn = 1 - me } }
proc main() { let x = spawn p(0); let y = spawn p(1); join x; join y }`,
		"sems": `
sem s0(1)
sem s1(0)
var n = 0
proc p0() { for i in 0..2000 { acquire s0; n++; release s1 } }
proc p1() { for i in 0..2000 { acquire s1; n++; release s0 } }
proc main() { let x = spawn p0(); let y = spawn p1(); join x; join y }`,
		"buffered": `
chan c(2)
var sum = 0
proc prod(k) { for i in 0..1000 { send c, 1 } }
proc cons() { for i in 0..3000 { let v = recv c; sum += v } }
proc main() { let a = spawn prod(0); let b = spawn prod(1); let d = spawn prod(2); let e = spawn cons(); join a; join b; join d; join e }`,
	}
	want := map[string]string{"rendezvous": "got=2000", "await": "turn=0 n=4000", "sems": "n=4000", "buffered": "sum=3000"}
	runs := 10
	if testing.Short() {
		runs = 3
	}
	for name, src := range progs {
		m := machine(t, src)
		for _, workers := range []int{1, 2, 4} {
			for k := 0; k < runs; k++ {
				res := run(t, m, Options{Workers: workers, Quantum: 1 + k*7, Seed: uint64(k), Record: k == 0, Timeout: 20 * time.Second})
				if res.Violation != nil || res.Stopped != "" || res.Outcome.Key() != want[name] {
					t.Fatalf("%s, %d workers, run %d: %v %q %s", name, workers, k, res.Violation, res.Stopped, res.Outcome.Key())
				}
				if k == 0 {
					replay(t, m, res)
				}
			}
		}
	}
}

// TestRefusesConds: a program with a condition variable is refused with an
// error that names it, before any worker starts; counted releases and
// observe run.
func TestRefusesConds(t *testing.T) {
	m := machine(t, "mutex m\ncond c\nproc main() {\n    lock m\n    signal c\n    unlock m\n}\n")
	_, err := Run(m, Options{Workers: 2})
	if err == nil || !strings.Contains(err.Error(), "cond c: real runs do not support condition variables") {
		t.Fatalf("error %v", err)
	}
	m = machine(t, "sem s\nvar n = 0\nvar k = 0\nobserve n\nproc w() {\n    acquire s\n    atomic { n++; k = k + 1 }\n}\nproc main() {\n    let a = spawn w()\n    let b = spawn w()\n    release s, 2\n    join a; join b\n}\n")
	for seed := uint64(0); seed < 20; seed++ {
		res, err := Run(m, Options{Workers: 2, Seed: seed, Record: true})
		if err != nil || res.Violation != nil {
			t.Fatalf("seed %d: %v %+v", seed, err, res.Violation)
		}
		if got := res.Outcome.Key(); got != "n=2" {
			t.Fatalf("seed %d: outcome %q, want n=2", seed, got)
		}
	}
}

// TestRecordFull: a recorded run stops once the recording holds
// MaxRecorded ticketed cards, as a timeout stops it, and what it recorded
// replays without error.
func TestRecordFull(t *testing.T) {
	defer func(n uint64) { MaxRecorded = n }(MaxRecorded)
	MaxRecorded = 5000
	m := machine(t, twoSpinners)
	res := run(t, m, Options{Workers: 2, Record: true, Timeout: 20 * time.Second})
	if res.Stopped != StoppedRecordFull || res.Violation != nil {
		t.Fatalf("want stopped by a full recording, got %q %v", res.Stopped, res.Violation)
	}
	if n := res.Schedule.Len(); n < 5000 || n > 100000 {
		t.Fatalf("the recording has %d moves, want 5000 or a few more", n)
	}
	replay(t, m, res)
}

// TestOutputFull: a run that prints in a loop stops once it has printed
// MaxPrinted lines, as a timeout stops it, with those lines in its
// outcome (it used to keep every line until it ran out of memory).
func TestOutputFull(t *testing.T) {
	defer func(n int) { MaxPrinted = n }(MaxPrinted)
	MaxPrinted = 3000
	m := machine(t, "proc main() {\n    while true { print \"x\" }\n}\n")
	res := run(t, m, Options{Workers: 2, Timeout: 20 * time.Second})
	if res.Stopped != StoppedOutputFull || res.Violation != nil {
		t.Fatalf("want stopped by a full output, got %q %v", res.Stopped, res.Violation)
	}
	if n := len(res.Outcome.Output); n != 3000 {
		t.Fatalf("the outcome has %d lines, want the 3000 printed", n)
	}
}
