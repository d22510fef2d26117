package vm

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// TestMovesAtSameAsEnabledAndChoices walks every example and bench model
// at random and asks, in every state it passes, each stack's moves both
// ways: MovesAt must be 0 where Enabled says no and Choices elsewhere.
func TestMovesAtSameAsEnabledAndChoices(t *testing.T) {
	var files []string
	for _, pat := range []string{"../examples/*.deck", "../bench/models/*.deck", "../bench/beem/models/*.deck"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	asked, eithers := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := compile.Source(f, src)
		if err != nil {
			continue
		}
		m := New(p)
		for walk := 0; walk < 5; walk++ {
			s := m.Init()
			for step := 0; step < 300; step++ {
				var ready []int
				for i := 0; i < s.NumStacks(); i++ {
					want := 0
					if m.Enabled(s, i) {
						want = m.Choices(s, i)
						ready = append(ready, i)
					}
					if got := m.MovesAt(s, i, s.PC(i)); got != want {
						t.Fatalf("%s: stack %d at card %d: MovesAt %d, Enabled and Choices %d", f, i, s.PC(i), got, want)
					}
					asked++
					if p.Cards[s.PC(i)].Op == card.Either {
						eithers++
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
	if eithers == 0 {
		t.Fatal("no stack stood at an either")
	}
	t.Logf("asked %d stacks, %d at an either", asked, eithers)
}
