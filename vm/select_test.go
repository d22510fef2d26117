package vm_test

import (
	"testing"

	"github.com/deck-lang/deck/vm"
)

// TestSelectReadyCases: a select is ready while a case can go on; its
// choices are the ready cases in source order; timeout is ready exactly
// when no other case is; the card does the channel operation itself.
func TestSelectReadyCases(t *testing.T) {
	src := `
chan a(1)
chan b(1)
chan out(1)
var got = 0
proc main() {
    send a, 5
    send b, 7
    select {
    case v = recv a:
        got = v
    case full = recv out:
        got = full
    case w = recv b:
        got = w
    case send out, 9:
        got = 9
    case timeout:
        got = -1
    }
}
`
	m, s := machine(t, src)
	step(t, m, s, 0, 0)
	step(t, m, s, 0, 0)
	enabled(t, m, s, 0)
	if k := m.Choices(s, 0); k != 3 {
		t.Fatalf("%d choices, want 3 (recv a, recv b, send out)", k)
	}
	for choice, want := range []int{0, 2, 3} {
		if got := m.SelectCase(s, 0, choice); got != want {
			t.Errorf("choice %d takes case %d, want %d", choice, got, want)
		}
	}
	c := s.Clone()
	step(t, m, c, 0, 1) // recv b
	if l := label(m, c, 0); l != "got = w" {
		t.Fatalf("after choice 1 the stack is at %q", l)
	}
	finish(t, m, c, 0)
	if g := shared(t, m, c, "got", 0); g != 7 {
		t.Fatalf("got = %d, want 7", g)
	}
	c = s.Clone()
	step(t, m, c, 0, 2) // send out, 9
	finish(t, m, c, 0)
	if g := shared(t, m, c, "got", 0); g != 9 {
		t.Fatalf("got = %d, want 9", g)
	}
	// out now holds 9: a second select over it would receive it.

	// Nothing ready: only the timeout.
	m, s = machine(t, "chan a(1)\nvar got = 0\nproc main() {\n select {\n case v = recv a:\n got = v\n case timeout:\n got = -1\n }\n}\n")
	if k := m.Choices(s, 0); k != 1 {
		t.Fatalf("%d choices, want 1 (timeout)", k)
	}
	step(t, m, s, 0, 0)
	finish(t, m, s, 0)
	if g := shared(t, m, s, "got", 0); g != -1 {
		t.Fatalf("got = %d, want -1 (timeout)", g)
	}

	// No timeout, nothing ready: blocked, with a reason.
	m, s = machine(t, "chan a(1)\nproc main() {\n select {\n case recv a:\n }\n}\n")
	blocked(t, m, s, 0)
	if r := m.WaitReason(s, 0); r != "select (recv a) (no case can go on)" {
		t.Fatalf("wait reason %q", r)
	}

	// A full channel: its send case is not ready.
	m, s = machine(t, "chan a(1)\nproc main() {\n send a, 1\n select {\n case send a, 2:\n }\n}\n")
	step(t, m, s, 0, 0)
	blocked(t, m, s, 0)

	// An index out of range fails at the select.
	m, s = machine(t, "chan a[2](1)\nproc main() {\n let i = 3\n select {\n case recv a[i]:\n case timeout:\n }\n}\n")
	step(t, m, s, 0, 0)
	if r := m.Step(s, 0, 0); r.Status != vm.Failed || r.Fault.Kind != vm.IndexOutOfRange {
		t.Fatalf("status %d fault %+v, want index out of range", r.Status, r.Fault)
	}
}

// TestSelectRendezvous: a select recv takes a pending rendezvous offer, and
// the sender's second card can then go on.
func TestSelectRendezvous(t *testing.T) {
	m, s := machine(t, `
chan c
var got = 0
proc sender() { send c, 4 }
proc main() {
    let h = spawn sender()
    select {
    case v = recv c:
        got = v
    }
    join h
}
`)
	step(t, m, s, 0, 0) // spawn
	blocked(t, m, s, 0)
	step(t, m, s, 1, 0) // the offer
	blocked(t, m, s, 1) // until taken
	step(t, m, s, 0, 0) // the select takes it
	enabled(t, m, s, 1)
	finish(t, m, s, 1)
	finish(t, m, s, 0)
	if g := shared(t, m, s, "got", 0); g != 4 {
		t.Fatalf("got = %d, want 4", g)
	}
}
