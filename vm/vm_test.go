package vm_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// machine compiles src and returns a machine and its initial state.
func machine(t *testing.T, src string) (*vm.Machine, *vm.State) {
	t.Helper()
	p, err := compile.Source("t.deck", []byte(src))
	if err != nil {
		t.Fatalf("compile:\n%s\nerror: %v", src, err)
	}
	m := vm.New(p)
	return m, m.Init()
}

// label is the label of stack i's next card.
func label(m *vm.Machine, s *vm.State, i int) string { return m.P.Labels[s.PC(i)] }

// step lets stack i take a card and fails the test unless it executed.
func step(t *testing.T, m *vm.Machine, s *vm.State, i, choice int) {
	t.Helper()
	at := label(m, s, i)
	if r := m.Step(s, i, choice); r.Status != vm.OK {
		t.Fatalf("stack %d at %q: status %d (fault %+v), want OK", i, at, r.Status, r.Fault)
	}
}

// steps lets stack i take n cards.
func steps(t *testing.T, m *vm.Machine, s *vm.State, i, n int) {
	t.Helper()
	for k := 0; k < n; k++ {
		step(t, m, s, i, 0)
	}
}

// runTo lets stack i take cards until its next card has the given label.
func runTo(t *testing.T, m *vm.Machine, s *vm.State, i int, want string) {
	t.Helper()
	for k := 0; label(m, s, i) != want; k++ {
		if k > 10000 || s.Finished(m.P, i) {
			t.Fatalf("stack %d never reached %q (it is at %q)", i, want, label(m, s, i))
		}
		step(t, m, s, i, 0)
	}
}

// finish lets stack i run until it finishes.
func finish(t *testing.T, m *vm.Machine, s *vm.State, i int) {
	t.Helper()
	for k := 0; !s.Finished(m.P, i); k++ {
		if k > 100000 {
			t.Fatalf("stack %d does not finish", i)
		}
		step(t, m, s, i, 0)
	}
}

// blocked checks that stack i cannot move: Enabled says so, Step returns
// Blocked and leaves the state exactly as it was.
func blocked(t *testing.T, m *vm.Machine, s *vm.State, i int) {
	t.Helper()
	if m.Enabled(s, i) {
		t.Fatalf("stack %d at %q is enabled, want blocked", i, label(m, s, i))
	}
	before := slices.Clone(s.W)
	if r := m.Step(s, i, 0); r.Status != vm.Blocked {
		t.Fatalf("stack %d at %q: Step status %d, want Blocked", i, label(m, s, i), r.Status)
	}
	if !slices.Equal(before, s.W) {
		t.Fatalf("a blocked Step changed the state:\n before %v\n after  %v", before, s.W)
	}
}

// enabled checks that stack i can move.
func enabled(t *testing.T, m *vm.Machine, s *vm.State, i int) {
	t.Helper()
	if !m.Enabled(s, i) {
		t.Fatalf("stack %d at %q is blocked (%s), want enabled", i, label(m, s, i), m.WaitReason(s, i))
	}
}

// shared returns element e of shared variable name.
func shared(t *testing.T, m *vm.Machine, s *vm.State, name string, e int32) int64 {
	t.Helper()
	for _, g := range m.P.Globals {
		if g.Name == name {
			return s.Shared(m.P)[g.Base+e*g.Stride]
		}
	}
	t.Fatalf("no global %s", name)
	return 0
}

// local returns the local called name of stack i.
func local(t *testing.T, m *vm.Machine, s *vm.State, i int, name string) int64 {
	t.Helper()
	proc := s.ProcOf(m.P, i)
	for k, n := range m.P.Procs[proc].Locals {
		if n == name {
			return s.Locals(i)[k]
		}
	}
	t.Fatalf("stack %d has no local %s (locals %v)", i, name, m.P.Procs[proc].Locals)
	return 0
}

func outcome(m *vm.Machine, s *vm.State) string {
	o := m.Outcome(s)
	return o.Key()
}

func TestInit(t *testing.T) {
	m, s := machine(t, `var x = 3
var flags[2] = true
sem s(2)
mutex l
proc main() {
    let a = 1
    print a
}
`)
	if s.NumStacks() != 1 {
		t.Fatalf("NumStacks = %d, want 1", s.NumStacks())
	}
	if got := label(m, s, 0); got != "let a = 1" {
		t.Errorf("main starts at %q, want %q", got, "let a = 1")
	}
	if got := s.Shared(m.P); !slices.Equal(got, []int64{3, 1, 1, 2, 0}) {
		t.Errorf("shared section %v, want [3 1 1 2 0]", got)
	}
	if n := len(s.Locals(0)); n != 1 {
		t.Errorf("main has %d locals, want 1", n)
	}
	if got := outcome(m, s); got != "x=3 flags=[true,true]" {
		t.Errorf("initial outcome %q", got)
	}
	if m.StackName(s, 0) != "main" {
		t.Errorf("stack 0 is called %q, want main", m.StackName(s, 0))
	}
}

func TestLocalStoreBranch(t *testing.T) {
	src := `var x = 0
var y = 0
proc main() {
    let a = 2
    x = a * 3
    if x > 5 {
        y = 100
    } else {
        y = 200
    }
}
`
	m, s := machine(t, src)
	step(t, m, s, 0, 0) // let a = 2
	if got := local(t, m, s, 0, "a"); got != 2 {
		t.Errorf("a = %d after `let a = 2`", got)
	}
	step(t, m, s, 0, 0) // x = a * 3
	if got := shared(t, m, s, "x", 0); got != 6 {
		t.Errorf("x = %d after `x = a * 3`, want 6", got)
	}
	if got := label(m, s, 0); got != "if x > 5" {
		t.Fatalf("next card %q", got)
	}
	step(t, m, s, 0, 0)
	if got := label(m, s, 0); got != "y = 100" {
		t.Errorf("after a true branch the next card is %q, want the then branch", got)
	}
	finish(t, m, s, 0)
	if got := outcome(m, s); got != "x=6 y=100" {
		t.Errorf("outcome %q, want x=6 y=100", got)
	}

	// The false branch goes to the else block.
	m, s = machine(t, strings.Replace(src, "a * 3", "a * 2", 1))
	steps(t, m, s, 0, 3)
	if got := label(m, s, 0); got != "y = 200" {
		t.Errorf("after a false branch the next card is %q, want the else branch", got)
	}
	finish(t, m, s, 0)
	if got := outcome(m, s); got != "x=4 y=200" {
		t.Errorf("outcome %q, want x=4 y=200", got)
	}
}

func TestArrays(t *testing.T) {
	m, s := machine(t, `var a[3] = 5
var b[2] = false
proc main() {
    for i in 0..3 {
        a[i] = a[i] * i
    }
    b[1] = a[2] == 10
}
`)
	finish(t, m, s, 0)
	if got := outcome(m, s); got != "a=[0,5,10] b=[false,true]" {
		t.Errorf("outcome %q, want a=[0,5,10] b=[false,true]", got)
	}
}

func TestAssert(t *testing.T) {
	tests := []struct {
		name, src, msg string
	}{
		{"with message", "var x = 0\nproc main() {\n    assert x == 1, \"x must be one\"\n}", "assertion failed: x must be one"},
		{"without message", "var x = 0\nproc main() {\n    assert x == 1\n}", "assertion failed: x == 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, s := machine(t, tt.src)
			pc := s.PC(0)
			r := m.Step(s, 0, 0)
			if r.Status != vm.Failed || r.Fault.Kind != vm.AssertFailed || r.PC != pc {
				t.Fatalf("Step = %+v, want Failed with AssertFailed at card %d", r, pc)
			}
			if got := m.FaultMessage(s, 0, r); got != tt.msg {
				t.Errorf("message %q, want %q", got, tt.msg)
			}
		})
	}
	// A passing assert moves on.
	m, s := machine(t, "var x = 1\nproc main() {\n    assert x == 1\n    x = 2\n}")
	step(t, m, s, 0, 0)
	if got := label(m, s, 0); got != "x = 2" {
		t.Errorf("after a passing assert the next card is %q", got)
	}
}

func TestPrintAndOutcomeKey(t *testing.T) {
	m, s := machine(t, `var x = 3
var ok = true
var a[2] = -1
proc w() { }
proc main() {
    print "x is", x, x > 2
    print "quote \" and\ttab"
    let h = spawn w()
    print h, -x, !ok
}
`)
	finish(t, m, s, 0)
	want := []string{"x is 3 true", "quote \" and\ttab", "w#1 -3 false"}
	if got := m.OutputLines(s); !slices.Equal(got, want) {
		t.Errorf("output %q, want %q", got, want)
	}
	const key = `x=3 ok=true a=[-1,-1] print="x is 3 true" print="quote \" and\ttab" print="w#1 -3 false"`
	if got := outcome(m, s); got != key {
		t.Errorf("key\n got %s\nwant %s", got, key)
	}
}

func TestAwait(t *testing.T) {
	m, s := machine(t, `var flag = false
var seen = 0
proc w() {
    await flag
    seen = 1
}
proc main() {
    let h = spawn w()
    flag = true
    join h
}
`)
	step(t, m, s, 0, 0) // spawn
	blocked(t, m, s, 1)
	if got := m.WaitReason(s, 1); got != "await flag (condition is false)" {
		t.Errorf("wait reason %q", got)
	}
	step(t, m, s, 0, 0) // flag = true
	enabled(t, m, s, 1)
	step(t, m, s, 1, 0)
	if got := label(m, s, 1); got != "seen = 1" {
		t.Errorf("after await the next card is %q", got)
	}
}

func TestAtomic(t *testing.T) {
	m, s := machine(t, `var x = 0
var y = 10
proc w() {
    atomic {
        await x > 0
        x = x - 1
        y = y + x
    }
}
proc main() {
    let h = spawn w()
    atomic {
        x = x + 2
        y = y * 2
        print "in", x, y
    }
    join h
}
`)
	step(t, m, s, 0, 0) // spawn
	blocked(t, m, s, 1) // guard x > 0 is false
	step(t, m, s, 0, 0) // the whole atomic block
	if x, y := shared(t, m, s, "x", 0), shared(t, m, s, "y", 0); x != 2 || y != 20 {
		t.Errorf("after one atomic step x=%d y=%d, want 2 and 20", x, y)
	}
	if got := m.OutputLines(s); !slices.Equal(got, []string{"in 2 20"}) {
		t.Errorf("output %q", got)
	}
	if got := label(m, s, 0); got != "join h" {
		t.Errorf("after atomic main is at %q, want join h", got)
	}
	enabled(t, m, s, 1)
	step(t, m, s, 1, 0)
	if x, y := shared(t, m, s, "x", 0), shared(t, m, s, "y", 0); x != 1 || y != 21 {
		t.Errorf("after the guarded atomic x=%d y=%d, want 1 and 21", x, y)
	}
	if got := label(m, s, 1); got != "return" {
		t.Errorf("w is at %q after its atomic card", got)
	}
}

func TestAtomicSpawnAndPrint(t *testing.T) {
	m, s := machine(t, `var x = 0
proc w(v) {
    x = v
}
proc main() {
    atomic {
        spawn w(4)
        spawn w(5)
        print "two"
        x = 1
    }
    yield
}
`)
	step(t, m, s, 0, 0)
	if s.NumStacks() != 3 || shared(t, m, s, "x", 0) != 1 || len(m.OutputLines(s)) != 1 {
		t.Fatalf("one atomic step: %d stacks, x=%d, output %q; want 3, 1, one line",
			s.NumStacks(), shared(t, m, s, "x", 0), m.OutputLines(s))
	}
	if got := label(m, s, 0); got != "yield" {
		t.Errorf("main is at %q after its atomic card", got)
	}
	finish(t, m, s, 2)
	finish(t, m, s, 1)
	if got := outcome(m, s); got != `x=4 print="two"` {
		t.Errorf("outcome %q", got)
	}
}

func TestAtomicFaultInBody(t *testing.T) {
	m, s := machine(t, `var x = 0
var d = 0
proc main() {
    atomic {
        x = 1
        x = x / d
    }
}
`)
	r := m.Step(s, 0, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.DivByZero {
		t.Fatalf("Step = %+v, want DivByZero", r)
	}
	if got := m.P.Labels[r.PC]; got != "x = x / d" {
		t.Errorf("the fault is reported at %q, want the body card", got)
	}
	if got := m.P.Numbers[r.PC]; got != "1.2" {
		t.Errorf("the failing body card is numbered %q, want 1.2", got)
	}
}

func TestLock(t *testing.T) {
	m, s := machine(t, `mutex m
var x = 0
proc w() {
    lock m
    x = 1
    unlock m
}
proc main() {
    lock m
    let h = spawn w()
    x = 2
    unlock m
    join h
}
`)
	step(t, m, s, 0, 0) // lock m
	step(t, m, s, 0, 0) // spawn
	blocked(t, m, s, 1)
	if got := m.WaitReason(s, 1); got != "lock m (held by main)" {
		t.Errorf("wait reason %q", got)
	}
	step(t, m, s, 0, 0) // x = 2
	blocked(t, m, s, 1)
	step(t, m, s, 0, 0) // unlock m
	enabled(t, m, s, 1)
	step(t, m, s, 1, 0)
	if got := shared(t, m, s, "m", 0); got != 2 {
		t.Errorf("mutex word %d, want 2 (held by stack 1)", got)
	}
	blocked(t, m, s, 0) // join
	finish(t, m, s, 1)
	if got := shared(t, m, s, "m", 0); got != 0 {
		t.Errorf("mutex word %d after unlock, want 0", got)
	}
}

func TestUnlockNotHeld(t *testing.T) {
	m, s := machine(t, `mutex m
proc w() {
    unlock m
}
proc main() {
    lock m
    let h = spawn w()
    join h
}
`)
	steps(t, m, s, 0, 2)
	r := m.Step(s, 1, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.UnlockNotHeld || r.Fault.A != 0 {
		t.Fatalf("unlock by a non-holder: %+v, want UnlockNotHeld by stack 0", r)
	}
	if got := m.FaultMessage(s, 1, r); got != "unlock of m, which is held by main" {
		t.Errorf("message %q", got)
	}

	m, s = machine(t, "mutex m\nproc main() {\n    unlock m\n}")
	r = m.Step(s, 0, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.UnlockNotHeld || r.Fault.A != -1 {
		t.Fatalf("unlock of a free mutex: %+v, want UnlockNotHeld with A=-1", r)
	}
	if got := m.FaultMessage(s, 0, r); got != "unlock of m, which is not locked" {
		t.Errorf("message %q", got)
	}

	// A mutex is not re-entrant: locking it twice blocks.
	m, s = machine(t, "mutex m\nproc main() {\n    lock m\n    lock m\n}")
	step(t, m, s, 0, 0)
	blocked(t, m, s, 0)
}

func TestSemaphore(t *testing.T) {
	m, s := machine(t, `sem s(2)
proc main() {
    acquire s
    acquire s
    acquire s
}
`)
	step(t, m, s, 0, 0)
	if got := shared(t, m, s, "s", 0); got != 1 {
		t.Errorf("count %d after one acquire, want 1", got)
	}
	step(t, m, s, 0, 0)
	if got := shared(t, m, s, "s", 0); got != 0 {
		t.Errorf("count %d after two acquires, want 0", got)
	}
	blocked(t, m, s, 0)
	if got := m.WaitReason(s, 0); got != "acquire s (count is 0)" {
		t.Errorf("wait reason %q", got)
	}

	m, s = machine(t, `sem s[2](0)
proc main() {
    release s[1]
    release s[1]
    acquire s[1]
    acquire s[0]
}
`)
	steps(t, m, s, 0, 2)
	if a, b := shared(t, m, s, "s", 0), shared(t, m, s, "s", 1); a != 0 || b != 2 {
		t.Errorf("counts %d %d after two releases of s[1], want 0 2", a, b)
	}
	step(t, m, s, 0, 0)
	if got := shared(t, m, s, "s", 1); got != 1 {
		t.Errorf("count %d, want 1", got)
	}
	blocked(t, m, s, 0) // s[0] is 0
}

func TestEvent(t *testing.T) {
	// notify before wait: the latch stays set and wait passes.
	m, s := machine(t, `event e
proc main() {
    notify e
    wait e
    wait e
    notify e
}
`)
	step(t, m, s, 0, 0)
	enabled(t, m, s, 0)
	steps(t, m, s, 0, 3)
	if got := shared(t, m, s, "e", 0); got != 1 {
		t.Errorf("latch %d, want 1", got)
	}

	// wait before notify blocks until the notify.
	m, s = machine(t, `event e
proc w() {
    wait e
}
proc main() {
    let h = spawn w()
    notify e
    join h
}
`)
	step(t, m, s, 0, 0)
	blocked(t, m, s, 1)
	if got := m.WaitReason(s, 1); got != "wait e (not notified yet)" {
		t.Errorf("wait reason %q", got)
	}
	step(t, m, s, 0, 0)
	enabled(t, m, s, 1)
	finish(t, m, s, 1)
}

func TestBufferedChannel(t *testing.T) {
	m, s := machine(t, `chan c(2)
proc main() {
    send c, 1
    send c, 2
    send c, 3
}
`)
	steps(t, m, s, 0, 2)
	blocked(t, m, s, 0)
	if got := m.WaitReason(s, 0); got != "send c, 3 (channel full)" {
		t.Errorf("wait reason %q", got)
	}

	m, s = machine(t, `chan c(2)
proc main() {
    send c, 10
    send c, 20
    let a = recv c
    send c, 30
    let b = recv c
    let d = recv c
    let e = recv c
    print a, b, d, e
}
`)
	steps(t, m, s, 0, 2)
	if got := s.Shared(m.P); !slices.Equal(got, []int64{2, 10, 20}) {
		t.Errorf("channel words %v, want [2 10 20]", got)
	}
	step(t, m, s, 0, 0)
	if got := local(t, m, s, 0, "a"); got != 10 {
		t.Errorf("first recv got %d, want 10 (FIFO)", got)
	}
	if got := s.Shared(m.P); !slices.Equal(got, []int64{1, 20, 0}) {
		t.Errorf("channel words %v, want [1 20 0]: the queue stays at the front", got)
	}
	steps(t, m, s, 0, 3)
	if b, d := local(t, m, s, 0, "b"), local(t, m, s, 0, "d"); b != 20 || d != 30 {
		t.Errorf("recvs got %d %d, want 20 30", b, d)
	}
	blocked(t, m, s, 0)
	if got := m.WaitReason(s, 0); got != "e = recv c (channel empty)" {
		t.Errorf("wait reason %q", got)
	}
}

func TestRendezvous(t *testing.T) {
	m, s := machine(t, `chan c
proc r() {
    let v = recv c
    print v
}

proc main() {
    let h = spawn r()
    send c, 42
    print "sent"
    join h
}
`)
	step(t, m, s, 0, 0) // spawn
	step(t, m, s, 0, 0) // send: the offer
	if got := s.Shared(m.P); !slices.Equal(got, []int64{1, 42}) {
		t.Errorf("channel words %v, want [1 42] (offered by stack 0)", got)
	}
	if got := label(m, s, 0); got != "send c (until taken)" {
		t.Fatalf("after the offer main is at %q", got)
	}
	blocked(t, m, s, 0)
	if got := m.WaitReason(s, 0); got != "send c (until taken) (no receiver has taken the value)" {
		t.Errorf("wait reason %q", got)
	}
	enabled(t, m, s, 1)
	step(t, m, s, 1, 0) // recv takes it
	if got := local(t, m, s, 1, "v"); got != 42 {
		t.Errorf("received %d, want 42", got)
	}
	if got := s.Shared(m.P); !slices.Equal(got, []int64{0, 0}) {
		t.Errorf("channel words %v after the take, want [0 0]", got)
	}
	enabled(t, m, s, 0)
	step(t, m, s, 0, 0)
	if got := label(m, s, 0); got != `print "sent"` {
		t.Errorf("after the rendezvous main is at %q", got)
	}

	// A receiver with no offer blocks; a second sender waits for the slot.
	m, s = machine(t, `chan c
proc snd(v) {
    send c, v
}
proc main() {
    let a = spawn snd(1)
    let b = spawn snd(2)
    let v = recv c
    print v
}
`)
	steps(t, m, s, 0, 2)
	blocked(t, m, s, 0)
	step(t, m, s, 1, 0) // offer 1
	blocked(t, m, s, 2)
	if got := m.WaitReason(s, 2); got != "send c, v (another sender's value is not taken yet)" {
		t.Errorf("wait reason %q", got)
	}
	blocked(t, m, s, 1) // until taken
	step(t, m, s, 0, 0)
	if got := local(t, m, s, 0, "v"); got != 1 {
		t.Errorf("received %d, want 1", got)
	}
	enabled(t, m, s, 1)
	enabled(t, m, s, 2)
}

func TestSpawnAndJoin(t *testing.T) {
	m, s := machine(t, `var x = 5
proc f(a, b) {
    let c = a + b
    return c * 2
}
proc main() {
    let h = spawn f(7, x)
    let g = spawn f(1, 1)
    let r = join h
    print r, h, g
}
`)
	words := len(s.W)
	step(t, m, s, 0, 0) // t1 = x: spawn arguments read no shared memory
	step(t, m, s, 0, 0)
	if s.NumStacks() != 2 {
		t.Fatalf("NumStacks = %d after spawn, want 2", s.NumStacks())
	}
	if got := local(t, m, s, 0, "h"); got != 1 {
		t.Errorf("handle %d, want 1", got)
	}
	if got := s.Locals(1); !slices.Equal(got, []int64{7, 5, 0}) {
		t.Errorf("new stack's locals %v, want [7 5 0]", got)
	}
	if got := label(m, s, 1); got != "let c = a + b" {
		t.Errorf("new stack starts at %q", got)
	}
	if got := m.StackName(s, 1); got != "f#1" {
		t.Errorf("new stack called %q, want f#1", got)
	}
	if got := len(s.W) - words; got != 2+3 {
		t.Errorf("spawn added %d words, want 5 (pc, ret, 3 locals)", got)
	}
	step(t, m, s, 0, 0)
	if got := local(t, m, s, 0, "g"); got != 2 {
		t.Errorf("second handle %d, want 2", got)
	}
	blocked(t, m, s, 0)
	if got := m.WaitReason(s, 0); got != "join f#1 (not finished)" {
		t.Errorf("wait reason %q", got)
	}
	step(t, m, s, 1, 0)
	blocked(t, m, s, 0)
	before := len(s.W)
	step(t, m, s, 1, 0) // return
	if !s.Finished(m.P, 1) {
		t.Fatal("f#1 has not finished after return")
	}
	if got := s.Ret(1); got != 24 {
		t.Errorf("return value %d, want 24", got)
	}
	if n := len(s.Locals(1)); n != 0 {
		t.Errorf("a finished stack keeps %d locals, want 0", n)
	}
	if got := before - len(s.W); got != 3 {
		t.Errorf("finishing dropped %d words, want 3", got)
	}
	blocked(t, m, s, 1) // a finished stack takes no more cards
	if r := m.Step(s, 1, 0); r.Status != vm.Blocked {
		t.Errorf("Step on a finished stack: %+v, want Blocked", r)
	}
	if got := local(t, m, s, 2, "a"); got != 1 {
		t.Errorf("stack 2's locals moved wrongly: a = %d", got)
	}
	enabled(t, m, s, 0)
	step(t, m, s, 0, 0)
	if got := local(t, m, s, 0, "r"); got != 24 {
		t.Errorf("join delivered %d, want 24", got)
	}
	step(t, m, s, 0, 0)
	if got := m.OutputLines(s); !slices.Equal(got, []string{"24 f#1 f#2"}) {
		t.Errorf("output %q", got)
	}
}

func TestChoose(t *testing.T) {
	m, s := machine(t, `proc main() {
    let v = choose 2..5
    print v
}
`)
	if got := m.Choices(s, 0); got != 3 {
		t.Fatalf("Choices = %d, want 3", got)
	}
	for k := 0; k < 3; k++ {
		c := s.Clone()
		step(t, m, c, 0, k)
		if got := local(t, m, c, 0, "v"); got != int64(2+k) {
			t.Errorf("choice %d gave %d, want %d", k, got, 2+k)
		}
		if got := m.Choices(c, 0); got != 1 {
			t.Errorf("Choices of a print card = %d, want 1", got)
		}
	}

	m, s = machine(t, `proc main() {
    let lo = 3
    let hi = 3
    let v = choose lo..hi
}
`)
	steps(t, m, s, 0, 2)
	if got := m.Choices(s, 0); got != 1 {
		t.Errorf("Choices of an empty range = %d, want 1", got)
	}
	r := m.Step(s, 0, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.EmptyChoice || r.Fault.A != 3 || r.Fault.B != 3 {
		t.Fatalf("choose over 3..3: %+v, want EmptyChoice 3 3", r)
	}
	if got := m.FaultMessage(s, 0, r); got != "choose from an empty range 3..3" {
		t.Errorf("message %q", got)
	}
}

func TestEither(t *testing.T) {
	m, s := machine(t, `var x = 0
proc main() {
    either {
        x = 1
    } or {
        x = 2
    } or {
        x = 3
    }
    print x
}
`)
	if got := m.Choices(s, 0); got != 3 {
		t.Fatalf("Choices = %d, want 3", got)
	}
	for k := 0; k < 3; k++ {
		c := s.Clone()
		step(t, m, c, 0, k)
		if got, want := label(m, c, 0), "x = "+string(rune('1'+k)); got != want {
			t.Errorf("choice %d goes to %q, want %q", k, got, want)
		}
		finish(t, m, c, 0)
		if got, want := outcome(m, c), "x="+string(rune('1'+k))+` print="`+string(rune('1'+k))+`"`; got != want {
			t.Errorf("choice %d: outcome %q, want %q", k, got, want)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	tests := []struct {
		name string
		body string // main's body; the last card fails
		kind vm.FaultKind
		a, b int64
		msg  string
		// What the report says with the operation that failed
		// (FaultMessageAt), and where that is ("" when it cannot be
		// told: a store's index, a mutex's).
		full, at string
	}{
		{"division by zero", "let z = 0\nlet v = 1 / z", vm.DivByZero, 0, 0, "division by zero", "division by zero in 1 / z", "5:11"},
		{"modulo by zero", "let z = 0\nlet v = 7 % z", vm.DivByZero, 0, 0, "division by zero", "division by zero in 7 % z", "5:11"},
		{"overflow on +", "let b = 9223372036854775807\nlet v = b + 1", vm.Overflow, 0, 0, "integer overflow", "integer overflow in b + 1", "5:11"},
		{"overflow on -", "let b = -9223372036854775807\nlet v = b - 2", vm.Overflow, 0, 0, "integer overflow", "integer overflow in b - 2", "5:11"},
		{"overflow on *", "let b = 4611686018427387904\nlet v = b * 2", vm.Overflow, 0, 0, "integer overflow", "integer overflow in b * 2", "5:11"},
		{"overflow on * by -1", "let b = -9223372036854775807 - 1\nlet v = b * -1", vm.Overflow, 0, 0, "integer overflow", "integer overflow in b * -1", "5:11"},
		{"overflow on /", "let b = -9223372036854775807 - 1\nlet d = -1\nlet v = b / d", vm.Overflow, 0, 0, "integer overflow", "integer overflow in b / d", "6:11"},
		{"overflow on unary -", "let b = -9223372036854775807 - 1\nlet v = -b", vm.Overflow, 0, 0, "integer overflow", "integer overflow in -b", "5:9"},
		{"index out of range on read", "let i = 3\nlet v = a[i]", vm.IndexOutOfRange, 3, 3, "index 3 out of range [0, 3)", "index 3 out of range [0, 3) in a[i]", "5:9"},
		{"negative index on read", "let i = -1\nlet v = a[i]", vm.IndexOutOfRange, -1, 3, "index -1 out of range [0, 3)", "index -1 out of range [0, 3) in a[i]", "5:9"},
		{"index out of range on write", "let i = 7\na[i] = 1", vm.IndexOutOfRange, 7, 3, "index 7 out of range [0, 3)", "index 7 out of range [0, 3)", ""},
		{"index out of range on a mutex", "let i = 2\nlock m[i]", vm.IndexOutOfRange, 2, 2, "index 2 out of range [0, 2)", "index 2 out of range [0, 2)", ""},
		{"index out of range in a guard", "let i = 4\nawait a[i] > 0", vm.IndexOutOfRange, 4, 3, "index 4 out of range [0, 3)", "index 4 out of range [0, 3) in a[i]", "5:7"},
		{"division by zero in a condition", "let z = 0\nif 1 / z > 0 {\n}", vm.DivByZero, 0, 0, "division by zero", "division by zero in 1 / z", "5:6"},
		{"division by zero in print", "let z = 0\nprint 1 / z", vm.DivByZero, 0, 0, "division by zero", "division by zero in 1 / z", "5:9"},
		// Constant operands that fail are not folded: the contract makes
		// these runtime errors, and guarded code must still compile.
		{"constant division by zero", "print 1 / 0", vm.DivByZero, 0, 0, "division by zero", "division by zero in 1 / 0", "4:9"},
		{"constant overflow", "let v = 9223372036854775807 + 1", vm.Overflow, 0, 0, "integer overflow", "integer overflow in 9223372036854775807 + 1", "4:29"},
		{"constant index out of range on read", "let v = a[3]", vm.IndexOutOfRange, 3, 3, "index 3 out of range [0, 3)", "index 3 out of range [0, 3) in a[3]", "4:9"},
		{"negative constant index on write", "a[-1] = 0", vm.IndexOutOfRange, -1, 3, "index -1 out of range [0, 3)", "index -1 out of range [0, 3)", ""},
		{"constant index out of range on +=", "a[3] += 1", vm.IndexOutOfRange, 3, 3, "index 3 out of range [0, 3)", "index 3 out of range [0, 3) in a[3]", "4:1"},
		{"constant index out of range on a mutex", "lock m[2]", vm.IndexOutOfRange, 2, 2, "index 2 out of range [0, 2)", "index 2 out of range [0, 2)", ""},
		{"index out of range on a local array read", "let l[2] = 0\nlet i = 2\nlet v = l[i]", vm.IndexOutOfRange, 2, 2, "index 2 out of range [0, 2)", "index 2 out of range [0, 2) in l[i]", "6:9"},
		{"negative index on a local array write", "let l[2] = 0\nlet i = -1\nl[i] = 5", vm.IndexOutOfRange, -1, 2, "index -1 out of range [0, 2)", "index -1 out of range [0, 2)", ""},
		{"constant index out of range on a local array", "let l[2] = 0\nl[2] += 1", vm.IndexOutOfRange, 2, 2, "index 2 out of range [0, 2)", "index 2 out of range [0, 2) in l[2]", "5:1"},
		{"index out of range on a local array without a value", "let w[2]\nlet i = 4\nw[i] = 7", vm.IndexOutOfRange, 4, 2, "index 4 out of range [0, 2)", "index 4 out of range [0, 2)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, s := machine(t, "var a[3]\nmutex m[2]\nproc main() {\n"+tt.body+"\n}\n")
			var pc int32
			var words []int64
			var r vm.Result
			for k := 0; k < 10 && r.Status == vm.OK; k++ {
				pc = s.PC(0)
				words = slices.Clone(s.W)
				r = m.Step(s, 0, 0)
			}
			if r.Status != vm.Failed || r.Fault.Kind != tt.kind || r.Fault.A != tt.a || r.Fault.B != tt.b || r.PC != pc {
				t.Fatalf("Step at %q = %+v, want Failed %d (%d, %d) at card %d", m.P.Labels[pc], r, tt.kind, tt.a, tt.b, pc)
			}
			if got := m.FaultMessage(s, 0, r); got != tt.msg {
				t.Errorf("message %q, want %q", got, tt.msg)
			}
			msg, site, ok := m.FaultMessageAt(s, 0, r)
			at := ""
			if ok {
				at = site.Pos.String()
			}
			if msg != tt.full || at != tt.at {
				t.Errorf("with the operation: %q at %q, want %q at %q", msg, at, tt.full, tt.at)
			}
			if !slices.Equal(words, s.W) {
				t.Errorf("a failed ordinary card changed the state:\n before %v\n after  %v", words, s.W)
			}
		})
	}
}

// TestGuardedConstantFailures runs code whose constant operations would
// fail but are never evaluated: short-circuits and untaken branches.
func TestGuardedConstantFailures(t *testing.T) {
	m, s := machine(t, `const N = 0
var a[3]
var x = 0
proc main() {
    if false && a[10] > 0 { x = 1 }
    if true || 1 / 0 == 0 { x = 2 }
    if N != 0 && 10 / N > 1 { x = 3 }
    if N > 5 { a[7] = 1 }
}
`)
	finish(t, m, s, 0)
	if got := shared(t, m, s, "x", 0); got != 2 {
		t.Errorf("x = %d, want 2", got)
	}
}

// TestSmallestModMinusOne: the remainder fits, so it is no overflow.
func TestSmallestModMinusOne(t *testing.T) {
	m, s := machine(t, "var x = 1\nvar y = 1\nproc main() {\n    let b = -9223372036854775807 - 1\n    let d = -1\n    x = b % d\n    y = (-9223372036854775807 - 1) % -1\n}\n")
	finish(t, m, s, 0)
	if x, y := shared(t, m, s, "x", 0), shared(t, m, s, "y", 0); x != 0 || y != 0 {
		t.Errorf("x, y = %d, %d, want 0, 0", x, y)
	}
}

func TestMaxStacks(t *testing.T) {
	m, s := machine(t, `proc w() {
    await false
}
proc main() {
    while true {
        spawn w()
    }
}
`)
	var r vm.Result
	for k := 0; k < 3*vm.MaxStacks; k++ {
		if r = m.Step(s, 0, 0); r.Status != vm.OK {
			break
		}
	}
	if r.Status != vm.Failed || r.Fault.Kind != vm.TooManyStacks {
		t.Fatalf("endless spawning ended with %+v, want TooManyStacks", r)
	}
	if s.NumStacks() != vm.MaxStacks {
		t.Errorf("NumStacks = %d, want %d", s.NumStacks(), vm.MaxStacks)
	}
	if got := m.FaultMessage(s, 0, r); got != "too many stacks (the limit is 4096)" {
		t.Errorf("message %q", got)
	}
}

func TestAtomicTooLong(t *testing.T) {
	m, s := machine(t, `var x = 0
proc main() {
    atomic {
        while true {
            x = x + 1
        }
    }
}
`)
	before := s.PC(0)
	r := m.Step(s, 0, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.AtomicTooLong || r.PC != before {
		t.Fatalf("endless atomic: %+v, want AtomicTooLong at the atomic card", r)
	}
	if got := m.FaultMessage(s, 0, r); !strings.Contains(got, "atomic block ran more than") {
		t.Errorf("message %q", got)
	}
}

func TestBadHandle(t *testing.T) {
	m, s := machine(t, `proc w() { }
proc main() {
    let h = spawn w()
    h = spawn w()
    join h
}
`)
	steps(t, m, s, 0, 2)
	blocked(t, m, s, 0) // stack 2 exists and has not finished
	finish(t, m, s, 2)
	enabled(t, m, s, 0)
}

// TestCanonicalStates checks that states which differ only in dead values
// are the same words, and that a finished stack drops its locals.
func TestCanonicalStates(t *testing.T) {
	m, s := machine(t, `var x = 0
var y = 0
proc main() {
    let c = choose 0..2
    let d = c * 2 + 1
    x = d - d + y
    yield
    print x
}
`)
	a, b := s.Clone(), s.Clone()
	step(t, m, a, 0, 0)
	step(t, m, b, 0, 1)
	steps(t, m, a, 0, 1)
	steps(t, m, b, 0, 1)
	if slices.Equal(a.W, b.W) {
		t.Fatalf("while c and d are live the states must differ: %v", a.W)
	}
	runTo(t, m, a, 0, "yield")
	runTo(t, m, b, 0, "yield")
	if !slices.Equal(a.W, b.W) {
		t.Errorf("states differing only in dead locals are not equal:\n %v\n %v", a.W, b.W)
	}

	// Temporaries of hoisted reads die with their statement.
	m, s = machine(t, `var x = 0
var y = 3
var z = 4
proc main() {
    x = y + z
    yield
}
`)
	runTo(t, m, s, 0, "yield")
	for k, v := range s.Locals(0) {
		if v != 0 {
			t.Errorf("local %s = %d after its last use, want 0", m.P.Procs[s.ProcOf(m.P, 0)].Locals[k], v)
		}
	}

	// Two stacks whose different work ends in the same shared state are
	// the same state once both have finished.
	src := `var x = 0
proc w(a) {
    let t = a * a
    x = x + t - t
}
proc main() {
    let h = spawn w(3)
    join h
}
`
	m, s = machine(t, src)
	finishAll := func(s *vm.State) {
		for i := s.NumStacks() - 1; i >= 0; i-- {
			finish(t, m, s, i)
		}
	}
	step(t, m, s, 0, 0)
	finishAll(s)
	m2, s2 := machine(t, strings.Replace(src, "w(3)", "w(5)", 1))
	step(t, m2, s2, 0, 0)
	for i := s2.NumStacks() - 1; i >= 0; i-- {
		finish(t, m2, s2, i)
	}
	if !slices.Equal(s.W, s2.W) {
		t.Errorf("finished runs that differ only in a stack's locals have different states:\n %v\n %v", s.W, s2.W)
	}
	if want := 1 + 1 + 2 + 2; len(s.W) != want {
		t.Errorf("final state has %d words, want %d (count, x, two finished stacks)", len(s.W), want)
	}
}

func TestStateLoadAndCopy(t *testing.T) {
	m, s := machine(t, `proc f(a) {
    let b = a + 1
    return b
}
proc main() {
    let h = spawn f(1)
    let k = spawn f(2)
    print h
}
`)
	steps(t, m, s, 0, 2)
	step(t, m, s, 1, 0)
	var l vm.State
	l.Load(m.P, s.W)
	for i := 0; i < s.NumStacks(); i++ {
		if l.PC(i) != s.PC(i) || !slices.Equal(l.Locals(i), s.Locals(i)) {
			t.Errorf("stack %d differs after Load: pc %d/%d locals %v/%v", i, l.PC(i), s.PC(i), l.Locals(i), s.Locals(i))
		}
	}
	c := s.Clone()
	step(t, m, c, 2, 0)
	if slices.Equal(c.W, s.W) {
		t.Error("a step on a clone changed nothing")
	}
	if s.Locals(2)[1] != 0 {
		t.Error("a step on a clone changed the original")
	}
}

func TestAlways(t *testing.T) {
	m, s := machine(t, `var x = 0
always x < 2
proc main() {
    x = 1
    x = 2
}
`)
	if k, _ := m.CheckAlways(s); k != -1 {
		t.Fatalf("CheckAlways = %d in the initial state, want -1", k)
	}
	step(t, m, s, 0, 0)
	if k, _ := m.CheckAlways(s); k != -1 {
		t.Fatalf("CheckAlways = %d with x=1, want -1", k)
	}
	step(t, m, s, 0, 0)
	if k, f := m.CheckAlways(s); k != 0 || f.Kind != vm.NoFault {
		t.Fatalf("CheckAlways = %d %+v with x=2, want 0 without fault", k, f)
	}
}

// TestStepDoesNotAllocate runs ordinary cards in a loop: local, store,
// branch, lock and unlock must not allocate.
func TestStepDoesNotAllocate(t *testing.T) {
	m, s := machine(t, `var x = 0
var a[4]
mutex l
sem s(1)
proc main() {
    let i = 0
    while true {
        i = (i + 1) % 4
        a[i] = a[i] + x
        x = x + 1
        if x > 3 {
            x = 0
        }
        lock l
        unlock l
        acquire s
        release s
        yield
    }
}
`)
	var ops [card.Done + 1]bool
	allocs := testing.AllocsPerRun(1000, func() {
		ops[m.P.Cards[s.PC(0)].Op] = true
		m.Enabled(s, 0)
		m.Choices(s, 0)
		if r := m.Step(s, 0, 0); r.Status != vm.OK {
			t.Fatalf("step failed: %+v", r)
		}
	})
	if allocs != 0 {
		t.Errorf("Step allocates %v times per card, want 0", allocs)
	}
	for _, op := range []card.Op{card.Local, card.Store, card.Branch, card.Lock, card.Unlock, card.Acquire, card.Release, card.Nop} {
		if !ops[op] {
			t.Errorf("the loop never ran a %s card", op)
		}
	}
}

// TestDeepExpressions evaluates expressions deeper than the small
// evaluation stack, nested to the right, so that every operand waits on
// the stack.
func TestDeepExpressions(t *testing.T) {
	for _, depth := range []int{3, 7, 8, 9, 20, 40} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			expr := "a"
			want := int64(3)
			for k := 0; k < depth; k++ {
				expr = "a - (" + expr + ")"
				want = 3 - want
			}
			m, s := machine(t, "var x = 0\nproc main() {\n    let a = 3\n    x = "+expr+"\n}\n")
			finish(t, m, s, 0)
			if got := shared(t, m, s, "x", 0); got != want {
				t.Errorf("depth %d: x = %d, want %d", depth, got, want)
			}
			deepest := 0
			for _, x := range m.P.Exprs {
				deepest = max(deepest, x.Depth)
			}
			if deepest < depth {
				t.Errorf("the deepest expression records depth %d, want at least %d", deepest, depth)
			}
		})
	}
}

// TestJoinNone: a procedure that returns handles and falls off its end
// gives none, which prints as "none" and cannot be joined (0 would have
// been main, and joining it a deadlock).
func TestJoinNone(t *testing.T) {
	m, s := machine(t, `proc g() {
}
proc f(h, b) {
    if b { return h }
}
proc main() {
    let a = spawn g()
    let z = f(a, false)
    print z
    join z
}
`)
	var r vm.Result
	for k := 0; k < 20; k++ {
		if r = m.Step(s, 0, 0); r.Status != vm.OK {
			break
		}
	}
	if r.Status != vm.Failed || r.Fault.Kind != vm.BadHandle {
		t.Fatalf("join of none ended with %+v, want BadHandle", r)
	}
	if got, want := m.FaultMessage(s, 0, r), "join of none: the handle came from a procedure that ended without returning one"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got := m.OutputLines(s); len(got) != 1 || got[0] != "none" {
		t.Errorf("printed %q, want [none]", got)
	}
}

// TestTouches: what a card would read and write, without running it; a
// short-circuit that skips a read skips it here too.
func TestTouches(t *testing.T) {
	m, s := machine(t, `var y = 3
var a[3]
proc main() {
    let f = false
    let i = 2
    if f && y > 0 { }
    if !f || y > 0 { }
    if !f && y > 0 { }
    a[i] = a[1] + 1
    lock m
}
mutex m
`)
	word := func(name string, e int32) int32 {
		for _, g := range m.P.Globals {
			if g.Name == name {
				return g.Base + e
			}
		}
		t.Fatalf("no global %s", name)
		return 0
	}
	steps(t, m, s, 0, 2) // the two lets
	want := []struct {
		reads []int32
		write int32
		ok    bool
	}{
		{nil, -1, true},                   // f && y > 0: y is skipped
		{nil, -1, true},                   // !f || y > 0: likewise
		{[]int32{word("y", 0)}, -1, true}, // !f && y > 0 reads y
		{[]int32{word("a", 1)}, -1, true}, // t1 = a[1]
		{nil, word("a", 2), true},         // a[i] = t1 + 1
		{nil, -1, false},                  // lock: not an ordinary card
	}
	for k, w := range want {
		reads, write, ok := m.Touches(s, 0, nil)
		if !slices.Equal(reads, w.reads) || write != w.write || ok != w.ok {
			t.Errorf("card %q: Touches = %v, %d, %v, want %v, %d, %v", label(m, s, 0), reads, write, ok, w.reads, w.write, w.ok)
		}
		if k < len(want)-1 {
			step(t, m, s, 0, 0)
		}
	}
}
