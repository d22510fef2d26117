package deal_test

import (
	"fmt"
	"testing"

	"github.com/deck-lang/deck/deal"
)

// benchProgram has four stacks that each run a long loop of local
// arithmetic and shared reads and writes: six cards per iteration, so
// n = 40000 deals about a million cards.
func benchProgram(n int) string {
	return fmt.Sprintf(`const N = %d
var x = 0
var a[4]
proc worker(id) {
    let s = 0
    for i in 0..N {
        s = s + i %% 5
        a[id] = a[id] + 1
        x = x + s %% 7
    }
}
proc main() {
    let h0 = spawn worker(0)
    let h1 = spawn worker(1)
    let h2 = spawn worker(2)
    let h3 = spawn worker(3)
    join h0
    join h1
    join h2
    join h3
}
`, n)
}

// BenchmarkDeal deals about a million cards per run with the random dealer
// on one CPU, without and with recording the schedule, and reports cards
// per second. Allocations per run must not grow with the number of cards
// (with the schedule: only the doubling of its slices).
func BenchmarkDeal(b *testing.B) {
	m := machine(b, benchProgram(40000))
	for _, bc := range []struct {
		name       string
		noSchedule bool
	}{{"noschedule", true}, {"schedule", false}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var cards int64
			seed := uint64(0)
			for b.Loop() {
				seed++
				r, err := deal.Run(m, deal.Options{Dealer: deal.Random, CPUs: 1, Seed: seed, NoSchedule: bc.noSchedule})
				if err != nil || r.Violation != nil || r.Stopped != "" {
					b.Fatalf("run: %v %v %q", err, r.Violation, r.Stopped)
				}
				cards += r.Cards
			}
			b.ReportMetric(float64(cards)/b.Elapsed().Seconds(), "cards/s")
			b.ReportMetric(float64(cards)/float64(b.N), "cards/op")
		})
	}
}

// TestDealAllocsDoNotScale checks that a run's allocations do not depend on
// how many cards it deals when no schedule is recorded.
func TestDealAllocsDoNotScale(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 200k cards")
	}
	measure := func(n int) (float64, int64) {
		m := machine(t, benchProgram(n))
		var cards int64
		allocs := testing.AllocsPerRun(3, func() {
			r, err := deal.Run(m, deal.Options{Seed: 1, NoSchedule: true})
			if err != nil || r.Violation != nil {
				t.Fatalf("run: %v %v", err, r.Violation)
			}
			cards = r.Cards
		})
		return allocs, cards
	}
	small, c1 := measure(100)
	large, c2 := measure(8000)
	if c2 < 100*c1/2 {
		t.Fatalf("the large run dealt %d cards, the small one %d", c2, c1)
	}
	if large > small+2 {
		t.Errorf("%v allocations for %d cards but %v for %d: allocation grows with cards", large, c2, small, c1)
	}
}
