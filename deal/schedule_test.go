package deal_test

import (
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/vm"
)

// TestScheduleCut: a run keeps at most MaxScheduleMoves moves of its
// schedule, whole ticks of them, and says so; the run itself goes on to
// its end.
func TestScheduleCut(t *testing.T) {
	defer func(n int) { deal.MaxScheduleMoves = n }(deal.MaxScheduleMoves)
	deal.MaxScheduleMoves = 1000
	p, err := compile.Source("t.deck", []byte("var x = 0\nproc w() { for i in 0..2000 { x = 1 - x } }\nproc main() { spawn w(); spawn w() }\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cpus := range []int{1, 2, 3} {
		res, err := deal.Run(vm.New(p), deal.Options{Seed: 1, CPUs: cpus})
		if err != nil {
			t.Fatal(err)
		}
		sch := &res.Schedule
		if !res.ScheduleCut || sch.Len() > 1000 || sch.Len() < 1000-cpus || len(res.CPUs) != sch.Len() {
			t.Fatalf("%d cpus: cut %v, %d moves, %d cpus recorded", cpus, res.ScheduleCut, sch.Len(), len(res.CPUs))
		}
		if res.Stopped != "" || res.Cards < 8000 {
			t.Fatalf("%d cpus: the run stopped (%q) after %d cards", cpus, res.Stopped, res.Cards)
		}
		// What was kept replays: the first ticks of the same run.
		if _, err := deal.Run(vm.New(p), deal.Options{Replay: sch}); err != nil {
			t.Fatalf("%d cpus: the kept schedule does not replay: %v", cpus, err)
		}
	}
}
