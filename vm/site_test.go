package vm_test

import (
	"testing"

	"github.com/deck-lang/deck/vm"
)

// TestFaultSiteOtherState: FaultSite answers only for the state the card
// failed in. In another one (the divisor no longer zero, or another
// operation failing) it says it cannot tell, rather than point at an
// operation that did not fail.
func TestFaultSiteOtherState(t *testing.T) {
	m, s := machine(t, "var z = 0\nvar a[2]\nproc main() {\n    let i = 5\n    let r = 10 / z + a[i]\n}\n")
	r := stepToFailure(m, s)
	if r.Status != vm.Failed || r.Fault.Kind != vm.DivByZero {
		t.Fatalf("Step = %+v, want a division by zero", r)
	}
	if site, ok := m.FaultSite(s, 0, r); !ok || site.Src != "10 / z" || site.Pos.String() != "5:16" {
		t.Fatalf("FaultSite = %+v, %v; want 10 / z at 5:16", site, ok)
	}
	// The divisor no longer zero: the card's division goes through
	// (z was read into a temporary by a card before).
	loc := s.Locals(0)
	for k := range loc {
		if loc[k] == 0 {
			loc[k] = 1
		}
	}
	if site, ok := m.FaultSite(s, 0, r); ok {
		t.Errorf("FaultSite after z = 1 = %+v, want none", site)
	}
	// A fault FaultSite does not explain (an unlock, not an operation).
	if _, ok := m.FaultSite(s, 0, vm.Failure(r.PC, vm.Fault{Kind: vm.UnlockNotHeld, A: -1})); ok {
		t.Error("FaultSite explained an unlock")
	}
}

// TestFaultSiteBothFail: a send works out its channel's index before its
// value; when both would fail, FaultSite cannot tell which the card met
// first, and says nothing rather than quote the value's division.
func TestFaultSiteBothFail(t *testing.T) {
	m, s := machine(t, "chan c[3](1)\nproc main() {\n    let z = 0\n    let i = 3\n    send c[i], 10 / z\n}\n")
	r := stepToFailure(m, s)
	if r.Status != vm.Failed || r.Fault.Kind != vm.IndexOutOfRange {
		t.Fatalf("Step = %+v, want the index out of range", r)
	}
	if msg, site, ok := m.FaultMessageAt(s, 0, r); ok || msg != "index 3 out of range [0, 3)" {
		t.Errorf("FaultMessageAt = %q, %+v, %v; want the index error alone", msg, site, ok)
	}
}

// stepToFailure steps main until a card does not go through (at most ten
// cards) and returns that card's result.
func stepToFailure(m *vm.Machine, s *vm.State) vm.Result {
	var r vm.Result
	for k := 0; k < 10 && r.Status == vm.OK; k++ {
		r = m.Step(s, 0, 0)
	}
	return r
}
