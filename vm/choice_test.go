package vm_test

import (
	"testing"

	"github.com/deck-lang/deck/vm"
)

// TestGuardedEither: the either card is ready while some branch is open,
// its choices are the open branches in source order, and a guarded
// branch starts after its await.
func TestGuardedEither(t *testing.T) {
	m, s := machine(t, `
var x = 0
var y = 0
proc main() {
    either {
        await x == 1
        y = 1
    } or {
        await x == 2
        y = 2
    } or {
        await x > 0
        y = 3
    }
}
`)
	blocked(t, m, s, 0)
	if r := m.WaitReason(s, 0); r == "" {
		t.Fatal("no wait reason for a closed either")
	}
	m2, s2 := machine(t, "var x = 2\nvar y = 0\nproc main() {\n either {\n await x == 1\n y = 1\n } or {\n await x == 2\n y = 2\n } or {\n await x > 0\n y = 3\n }\n}\n")
	enabled(t, m2, s2, 0)
	if k := m2.Choices(s2, 0); k != 2 {
		t.Fatalf("x=2: %d choices, want 2 (branches 2 and 3)", k)
	}
	if b := m2.EitherBranch(s2, 0, 0); b != 1 {
		t.Fatalf("choice 0 takes branch %d, want 1", b)
	}
	if b := m2.EitherBranch(s2, 0, 1); b != 2 {
		t.Fatalf("choice 1 takes branch %d, want 2", b)
	}
	c := s2.Clone()
	step(t, m2, c, 0, 1)
	if l := label(m2, c, 0); l != "y = 3" {
		t.Fatalf("after choice 1 the stack is at %q, want the branch body after its await", l)
	}
	step(t, m2, s2, 0, 0)
	finish(t, m2, s2, 0)
	if y := shared(t, m2, s2, "y", 0); y != 2 {
		t.Fatalf("y = %d, want 2", y)
	}
}

// TestGuardedEitherUnguardedOpen: an unguarded branch is always open, and
// a guard that fails is reported as the either's error.
func TestGuardedEitherUnguardedOpen(t *testing.T) {
	m, s := machine(t, "var x = 0\nvar y = 0\nproc main() {\n either {\n await x == 1\n y = 1\n } or {\n y = 2\n }\n}\n")
	enabled(t, m, s, 0)
	if k := m.Choices(s, 0); k != 1 {
		t.Fatalf("%d choices, want 1", k)
	}
	step(t, m, s, 0, 0)
	finish(t, m, s, 0)
	if y := shared(t, m, s, "y", 0); y != 2 {
		t.Fatalf("y = %d, want 2", y)
	}
	m, s = machine(t, "var x = 0\nvar y = 0\nproc main() {\n either {\n await 1 / x == 1\n y = 1\n } or {\n y = 2\n }\n}\n")
	if r := m.Step(s, 0, 0); r.Status != vm.Failed {
		t.Fatalf("a guard dividing by zero: status %d, fault %+v; want a fault", r.Status, r.Fault)
	}
}

// TestGuardedAtomicEither: a branch that begins with `atomic { await G;
// rest }` is open while G holds, and taking it runs rest in the same step:
// one Step writes what the body writes (array elements, sync objects,
// locals, output, spawns) and leaves the stack after the atomic block.
// Mixed with a plain await branch and an unguarded one.
func TestGuardedAtomicEither(t *testing.T) {
	src := `var b[2]
var x = 0
mutex m
proc w() { x = 9 }
proc main() {
    let k = 0
    lock m
    either {
        await x == 1
        x = 10
    } or {
        atomic { await b[k] == 0; b[k] = 2; k = k + 1; unlock m; spawn w(); print "took", k }
        x = 11 + k
    } or {
        atomic { await x == 5; x = 6 }
    } or {
        x = 12
    }
    yield
}
`
	m, s := machine(t, src)
	step(t, m, s, 0, 0) // let k = 0
	step(t, m, s, 0, 0) // lock m
	if k := m.Choices(s, 0); k != 2 {
		t.Fatalf("%d choices, want 2 (the guarded atomic branch and the unguarded one)", k)
	}
	if b := m.EitherBranch(s, 0, 0); b != 1 {
		t.Fatalf("choice 0 takes branch %d, want 1", b)
	}
	c := s.Clone()
	step(t, m, c, 0, 1)
	if l := label(m, c, 0); l != "x = 12" || shared(t, m, c, "b", 0) != 0 {
		t.Fatalf("the unguarded branch: at %q with b[0] = %d, want x = 12 and b untouched", l, shared(t, m, c, "b", 0))
	}
	step(t, m, s, 0, 0)
	if l := label(m, s, 0); l != "x = 11 + k" {
		t.Fatalf("after the guarded atomic branch the stack is at %q, want the card after the atomic block", l)
	}
	if got := shared(t, m, s, "b", 0); got != 2 {
		t.Errorf("b[0] = %d, want 2 (written in the either's step)", got)
	}
	if got := local(t, m, s, 0, "k"); got != 1 {
		t.Errorf("k = %d, want 1", got)
	}
	if got := shared(t, m, s, "m", 0); got != 0 {
		t.Errorf("m is still held (word %d): the body's unlock did not run", got)
	}
	if s.NumStacks() != 2 || len(m.OutputLines(s)) != 1 || m.OutputLines(s)[0] != "took 1" {
		t.Errorf("%d stacks and output %q, want the spawn and the print of the body", s.NumStacks(), m.OutputLines(s))
	}

	// Only the second atomic branch is open: choice 0 takes it.
	m, s = machine(t, "var x = 5\nproc main() {\n either {\n await x == 1\n } or {\n atomic { await x == 5; x = 6 }\n }\n yield\n}\n")
	if k := m.Choices(s, 0); k != 1 || m.EitherBranch(s, 0, 0) != 1 {
		t.Fatalf("%d choices, branch %d; want 1 choice, branch 1", k, m.EitherBranch(s, 0, 0))
	}
	step(t, m, s, 0, 0)
	if x := shared(t, m, s, "x", 0); x != 6 || label(m, s, 0) != "yield" {
		t.Fatalf("x = %d at %q, want 6 at yield", x, label(m, s, 0))
	}
	// No guard holds: blocked, with a wait reason.
	m, s = machine(t, "var x = 0\nproc main() {\n either {\n atomic { await x == 1; x = 2 }\n } or {\n atomic { await x == 2; x = 3 }\n }\n}\n")
	blocked(t, m, s, 0)
	if r := m.WaitReason(s, 0); r != "either (atomic await x == 1 | atomic await x == 2) (no guard holds)" {
		t.Errorf("wait reason %q", r)
	}
}

// TestGuardedAtomicEitherFault: a runtime error in a branch's atomic body
// fails the step at the body card (numbered under the either), leaving no
// half-taken branch behind in the stack's pc.
func TestGuardedAtomicEitherFault(t *testing.T) {
	for _, tc := range []struct {
		name, body, card string
		kind             vm.FaultKind
	}{
		{"division by zero", "x = 1\n x = x / d", "1.2", vm.DivByZero},
		{"index out of range", "b[x + 3] = 1", "1.1", vm.IndexOutOfRange},
		{"assert", "x = 4\n assert x < 3", "1.2", vm.AssertFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s := machine(t, "var x = 0\nvar d = 0\nvar b[2]\nproc main() {\n either {\n atomic { await x == 0\n "+tc.body+" }\n } or {\n await x == 7\n }\n}\n")
			r := m.Step(s, 0, 0)
			if r.Status != vm.Failed || r.Fault.Kind != tc.kind {
				t.Fatalf("Step = %+v, want a fault of kind %d", r, tc.kind)
			}
			if got := m.P.Numbers[r.PC]; got != tc.card {
				t.Errorf("the fault is at card %q, want body card %s", got, tc.card)
			}
		})
	}
}
