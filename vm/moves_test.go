package vm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// walkExamples walks every example and bench model at random, five walks
// of up to 300 cards each, and calls visit with every state passed and
// every stack in it.
func walkExamples(t *testing.T, visit func(f string, m *Machine, s *State, i int)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, ex := range examplePrograms(t) {
		f, p := ex.file, ex.p
		m := New(p)
		for walk := 0; walk < 5; walk++ {
			s := m.Init()
			for step := 0; step < 300; step++ {
				var ready []int
				for i := 0; i < s.NumStacks(); i++ {
					visit(f, m, s, i)
					if m.Enabled(s, i) {
						ready = append(ready, i)
					}
				}
				if len(ready) == 0 {
					break
				}
				i := ready[rng.IntN(len(ready))]
				if r := m.Step(s, i, rng.IntN(m.Choices(s, i))); r.Status == Failed {
					break
				}
			}
		}
	}
}

// TestMovesAtSameAsEnabledAndChoices: MovesAt is 0 where Enabled says no
// and Choices elsewhere.
func TestMovesAtSameAsEnabledAndChoices(t *testing.T) {
	asked, eithers := 0, 0
	walkExamples(t, func(f string, m *Machine, s *State, i int) {
		want := 0
		if m.Enabled(s, i) {
			want = m.Choices(s, i)
		}
		if got := m.MovesAt(s, i, s.PC(i)); got != want {
			t.Fatalf("%s: stack %d at card %d: MovesAt %d, Enabled and Choices %d", f, i, s.PC(i), got, want)
		}
		asked++
		if m.P.Cards[s.PC(i)].Op == card.Either {
			eithers++
		}
	})
	if eithers == 0 {
		t.Fatal("no stack stood at an either")
	}
	t.Logf("asked %d stacks, %d at an either", asked, eithers)
}

// TestEnabledAtSameAsReady: EnabledAt's shortcuts (locks, semaphores,
// events, channels and joins answered from the state's words) and Step's
// (simpleWait) say what Ready says.
func TestEnabledAtSameAsReady(t *testing.T) {
	shortcut := 0
	walkExamples(t, func(f string, m *Machine, s *State, i int) {
		p := m.P
		pc := s.PC(i)
		c := &p.Cards[pc]
		var want bool
		if v, known := EnabledByOp(c.Op); known {
			want = v
		} else {
			switch c.Op {
			case card.Start, card.CondSleep:
			case card.Either:
				want, _ = m.eitherReady(s.Shared(p), s.Locals(i), c)
			default:
				want, _ = m.Ready(s.Shared(p), s.Locals(i), i, pc, s.host(p, i))
			}
		}
		if s.net && m.stackDown(s, i) {
			want = false
		}
		got, clean := m.EnabledAt(s, i, pc)
		if got != want || clean && !got {
			t.Fatalf("%s: stack %d at card %d (%v): EnabledAt %v (clean %v), Ready %v", f, i, pc, c.Op, got, clean, want)
		}
		// A clean answer: StepReady takes the card as Step does.
		if clean {
			a, b := s.Clone(), s.Clone()
			ra, rb := m.Step(a, i, 0), m.StepReady(b, i, 0)
			if ra.Status != rb.Status || ra.PC != rb.PC || ra.Value != rb.Value || !slices.Equal(a.W, b.W) {
				t.Fatalf("%s: stack %d at card %d (%v): Step %+v, StepReady %+v", f, i, pc, c.Op, ra, rb)
			}
		}
		// Step's shortcut.
		if ok, known := m.simpleWait(c, s.Shared(p), s.Locals(i)); known && ok != want {
			t.Fatalf("%s: stack %d at card %d (%v): simpleWait %v, Ready %v", f, i, pc, c.Op, ok, want)
		}
		switch c.Op {
		case card.Lock, card.Acquire, card.Wait, card.Recv:
			shortcut++
		case card.Join:
			if !s.net {
				shortcut++
			}
		}
	})
	if shortcut < 1000 {
		t.Fatalf("only %d stacks stood at a card with a shortcut", shortcut)
	}
	t.Logf("%d stacks at a card with a shortcut", shortcut)
}

// TestEnabledAtNotCleanOnFault: a card whose readiness cannot be decided
// without a fault (a guard dividing by zero, an index out of range) is
// enabled, so that Step reports the fault, but not clean, so
// that the checker does not take it with StepReady (which would skip the
// fault).
func TestEnabledAtNotCleanOnFault(t *testing.T) {
	for _, src := range []string{
		"var x = 0\nproc main() {\n await 1 / x == 1\n}\n",
		"mutex m[2]\nproc main() {\n let i = 5\n lock m[i]\n}\n",
	} {
		p, err := compile.Source("t.deck", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		m := New(p)
		s := m.Init()
		for k := 0; k < 10 && !p.Cards[s.PC(0)].Op.MayWait(); k++ {
			if r := m.Step(s, 0, 0); r.Status != OK {
				t.Fatalf("%q: %+v before the waiting card", src, r)
			}
		}
		ok, clean := m.EnabledAt(s, 0, s.PC(0))
		if !ok || clean {
			t.Errorf("%q: EnabledAt %v, clean %v; want enabled, not clean", src, ok, clean)
		}
		if r := m.Step(s, 0, 0); r.Status != Failed {
			t.Errorf("%q: Step %+v, want a fault", src, r)
		}
	}
}
