package deck_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/internal/expect"
	"github.com/deck-lang/deck/vm"
)

// TestExamplesRun deals every example, in every configuration its header
// states (placements, networks, faults), many times, with every dealer and
// one to three processors (per node), and checks that whatever the dealer reaches is
// allowed by the example's header: an outcome it lists, or a violation of
// a kind it lists. (The checker's tests hold the examples to the exact,
// exhaustive sets.)
func TestExamplesRun(t *testing.T) {
	files, err := filepath.Glob("examples/*.deck")
	if err != nil || len(files) < 20 {
		t.Fatalf("want at least 20 examples, found %d (%v)", len(files), err)
	}
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			secs, err := expect.ParseAll(src)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			p0, err := compile.Source(file, src)
			if err != nil {
				t.Fatalf("does not compile: %v", err)
			}
			seen := map[string]bool{}
			// A livelock or starvation example, or one with a daemon that
			// never blocks (a greedy lock taker), may run until the tick
			// limit: a run that never ends is not a result.
			spins := false
			for _, sec := range secs {
				spins = spins || sec.Header.Violations["livelock"] || sec.Header.Violations["starvation"]
			}
			for _, pr := range p0.Procs {
				spins = spins || pr.Daemon
			}
			maxTicks := int64(200_000)
			if spins {
				maxTicks = 5_000
			}
			for _, sec := range secs {
				want := sec.Header
				p, err := sec.Apply(p0)
				if err != nil {
					t.Fatalf("with %q: %v", sec.With, err)
				}
				m := vm.New(p)
				for _, kind := range []deal.Kind{deal.Random, deal.RoundRobin, deal.Sequential} {
					for cpus := 1; cpus <= 3; cpus++ {
						for seed := 0; seed < seeds; seed++ {
							res, err := deal.Run(m, deal.Options{Dealer: kind, CPUs: cpus, Quantum: 1 + seed%3, Seed: uint64(seed), MaxTicks: maxTicks})
							if err != nil {
								t.Fatal(err)
							}
							switch {
							case res.Violation != nil:
								if !want.Violations[res.Violation.Kind] {
									t.Fatalf("%s: %s dealer, %d cpus, seed %d: unexpected %s violation: %s\nschedule: %s",
										sec.With, kind, cpus, seed, res.Violation.Kind, res.Violation.Describe(), res.Schedule.String())
								}
								seen["violation "+res.Violation.Kind] = true
							case res.Stopped != "":
								// A livelock-prone example may spin past the limit: not a result.
							default:
								key := m.Outcome(res.Final).Key()
								if !want.Outcomes[key] {
									t.Fatalf("%s: %s dealer, %d cpus, seed %d: outcome %q is not in the header %v\nschedule: %s",
										sec.With, kind, cpus, seed, key, want.Outcomes, res.Schedule.String())
								}
								seen[key] = true
							}
						}
					}
				}
			}
			if len(seen) == 0 && !spins {
				t.Fatalf("no run finished or failed")
			}
		})
	}
}
