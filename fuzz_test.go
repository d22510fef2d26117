package deck_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deck-lang/deck"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/vm"
)

// FuzzPrograms feeds arbitrary source through every stage: whatever
// compiles is dealt (with the card-by-card record, which evaluates each
// card's reads once more) and checked within small limits. Errors are
// fine; a panic anywhere is the failure this target looks for. The seeds
// are the examples.
func FuzzPrograms(f *testing.F) {
	files, _ := filepath.Glob("examples/*.deck")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := deck.Compile("fuzz.deck", src)
		if err != nil {
			return
		}
		res, err := deck.Run(p, deal.Options{Dealer: deal.Random, CPUs: 2, Quantum: 2, Seed: 1, MaxTicks: 2000, Steps: true, MaxSteps: 500})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		m := vm.New(p)
		_ = m.Outcome(res.Final)
		if _, err := deck.Check(p, check.Options{Workers: 1, MaxStates: 3000, MaxMemory: 64 << 20}); err != nil {
			t.Fatalf("check: %v", err)
		}
	})
}
