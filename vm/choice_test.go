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
