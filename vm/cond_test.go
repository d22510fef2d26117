package vm_test

import (
	"testing"

	"github.com/deck-lang/deck/vm"
)

// The waiter program: main and two workers; each worker locks m, waits on
// c[k], and unlocks m.
const condProg = `mutex m
cond c[2]
var woke = 0
proc w(k) {
    lock m
    wait c[k], m
    woke++
    unlock m
}
proc main() {
    let a = spawn w(1)
    let b = spawn w(1)
    let d = spawn w(0)
}
`

// sleepAll spawns the three workers and lets each reach its sleep card.
func sleepAll(t *testing.T, m *vm.Machine, s *vm.State) {
	t.Helper()
	steps(t, m, s, 0, 3)
	for i := 1; i <= 3; i++ {
		runTo(t, m, s, i, "asleep on c[k] (until signalled)")
		blocked(t, m, s, i)
	}
}

func TestCondWaitSleepsAndReleases(t *testing.T) {
	m, s := machine(t, condProg)
	steps(t, m, s, 0, 3)
	runTo(t, m, s, 1, "wait c[k], m (unlock m, sleep)")
	if got := shared(t, m, s, "m", 0); got != 2 {
		t.Fatalf("m is held by %d, want stack 1 (+1)", got-1)
	}
	blocked(t, m, s, 2) // at lock m
	step(t, m, s, 1, 0)
	if got, c1 := shared(t, m, s, "m", 0), shared(t, m, s, "c", 1); got != 0 || c1 != 1 {
		t.Fatalf("after wait: m=%d c[1]=%d, want 0 and 1 sleeper", got, c1)
	}
	blocked(t, m, s, 1)
	if got := m.WaitReason(s, 1); got != "a signal on c[1] (asleep in wait)" {
		t.Errorf("wait reason %q", got)
	}
	enabled(t, m, s, 2) // m is free again
}

func TestSignalWakesOneOfThem(t *testing.T) {
	for choice := 0; choice < 2; choice++ {
		m, s := machine(t, `mutex m
cond c[2]
var woke = 0
proc w(k) {
    lock m
    wait c[k], m
    woke++
    unlock m
}
proc main() {
    let a = spawn w(1)
    let b = spawn w(1)
    let d = spawn w(0)
    signal c[1]
    signal c[1]
    signal c[1]
    broadcast c[0]
}
`)
		sleepAll(t, m, s)
		if n := m.Choices(s, 0); n != 2 {
			t.Fatalf("signal c[1] with two sleepers has %d choices, want 2", n)
		}
		step(t, m, s, 0, choice)
		woken, asleep := 1+choice, 2-choice
		enabled(t, m, s, woken)
		blocked(t, m, s, asleep)
		blocked(t, m, s, 3) // c[0] was not signalled
		if got := shared(t, m, s, "c", 1); got != 1 {
			t.Errorf("c[1] counts %d sleepers, want 1", got)
		}
		if got := label(m, s, woken); got != "lock m (woken from c[k])" {
			t.Errorf("woken stack at %q", got)
		}
		if n := m.Choices(s, 0); n != 1 {
			t.Errorf("one sleeper left: %d choices", n)
		}
		step(t, m, s, 0, 0)
		enabled(t, m, s, asleep)
		// A signal with nobody asleep is lost: nothing changes but main's pc.
		step(t, m, s, 0, 0)
		if got := shared(t, m, s, "c", 1); got != 0 {
			t.Errorf("c[1] counts %d sleepers, want 0", got)
		}
		step(t, m, s, 0, 0) // broadcast c[0]
		enabled(t, m, s, 3)
		for i := 1; i <= 3; i++ {
			finish(t, m, s, i)
		}
		if got := shared(t, m, s, "woke", 0); got != 3 {
			t.Errorf("woke = %d, want 3", got)
		}
	}
}

func TestBroadcastWakesAll(t *testing.T) {
	m, s := machine(t, `mutex m
cond c
proc w() {
    lock m
    wait c, m
    unlock m
}
proc main() {
    let a = spawn w()
    let b = spawn w()
    lock m
    broadcast c
    unlock m
}
`)
	steps(t, m, s, 0, 2)
	for i := 1; i <= 2; i++ {
		runTo(t, m, s, i, "asleep on c (until signalled)")
	}
	step(t, m, s, 0, 0) // lock m
	step(t, m, s, 0, 0) // broadcast
	if got := shared(t, m, s, "c", 0); got != 0 {
		t.Errorf("c counts %d sleepers after broadcast", got)
	}
	for i := 1; i <= 2; i++ {
		if got := label(m, s, i); got != "lock m (woken from c)" {
			t.Errorf("stack %d at %q", i, got)
		}
		blocked(t, m, s, i) // main still holds m
	}
	step(t, m, s, 0, 0)
	enabled(t, m, s, 1)
	enabled(t, m, s, 2)
}

func TestWaitWithoutTheMutex(t *testing.T) {
	m, s := machine(t, "mutex m\ncond c\nproc main() {\n    wait c, m\n}")
	r := m.Step(s, 0, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.WaitNotHeld {
		t.Fatalf("wait without m: %+v", r)
	}
	if got := m.FaultMessage(s, 0, r); got != "main waits on c without holding m, which is not locked" {
		t.Errorf("message %q", got)
	}
	m, s = machine(t, "mutex m[2]\ncond c\nproc w() {\n    wait c, m[1]\n}\nproc main() {\n    lock m[1]\n    let h = spawn w()\n    join h\n}")
	steps(t, m, s, 0, 2)
	r = m.Step(s, 1, 0)
	if got := m.FaultMessage(s, 1, r); r.Status != vm.Failed || got != "w#1 waits on c without holding m[1], which is held by main" {
		t.Errorf("%+v: message %q", r, got)
	}
}

func TestReleaseN(t *testing.T) {
	m, s := machine(t, "sem s(1)\nproc main() {\n    let n = 3\n    release s, n\n    release s, 0\n    release s, n - 5\n}")
	steps(t, m, s, 0, 2)
	if got := shared(t, m, s, "s", 0); got != 4 {
		t.Errorf("count %d, want 4", got)
	}
	step(t, m, s, 0, 0)
	if got := shared(t, m, s, "s", 0); got != 4 {
		t.Errorf("count %d after release s, 0, want 4", got)
	}
	r := m.Step(s, 0, 0)
	if r.Status != vm.Failed || r.Fault.Kind != vm.NegativeRelease {
		t.Fatalf("release of -2: %+v", r)
	}
	if got := m.FaultMessage(s, 0, r); got != "release of s -2 times: the count must not be negative" {
		t.Errorf("message %q", got)
	}
	m, s = machine(t, "sem s(1)\nproc main() {\n    release s, 9223372036854775807\n}")
	if r := m.Step(s, 0, 0); r.Status != vm.Failed || r.Fault.Kind != vm.Overflow {
		t.Errorf("overflowing release: %+v", r)
	}
}

func TestObservedOutcome(t *testing.T) {
	m, s := machine(t, "var a = 1\nvar b = 2\nobserve b\nproc main() {\n    print \"hi\"\n}")
	finish(t, m, s, 0)
	if got := outcome(m, s); got != `b=2 print="hi"` {
		t.Errorf("outcome %q", got)
	}
}
