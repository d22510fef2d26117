package real

import (
	"slices"
	"testing"
	"time"

	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/internal/progen"
	"github.com/deck-lang/deck/vm"
	"pgregory.net/rapid"
)

// TestCrossEngine draws random programs, explores each with deck check and
// runs it on real workers: every outcome a real run ends in and every
// violation it hits must be among those the checker reports, and every
// recorded real run must replay in the simulator to the same end.
func TestCrossEngine(t *testing.T) {
	runs := 12
	if testing.Short() {
		runs = 4
	}
	stats := map[string]int{}
	defer func() { t.Logf("real runs: %v", stats) }()
	rapid.Check(t, func(rt *rapid.T) {
		src := progen.Program(rt)
		if rapid.IntRange(0, 2).Draw(rt, "chans") == 0 {
			// Stacks that send each other values over buffered and
			// rendezvous channels: real goroutines block and wake on them.
			src = progen.ChanProgram(rt)
			stats["channels"]++
		}
		p, err := compile.Source("rand.deck", []byte(src))
		if err != nil {
			rt.Fatalf("compile: %v\n%s", err, src)
		}
		m := vm.New(p)
		rep, err := check.Run(m, check.Options{All: true, Workers: 1, MaxStates: 100000})
		if err != nil {
			rt.Fatalf("check: %v", err)
		}
		if rep.Incomplete != "" {
			rt.Skip("state space too large")
		}
		var violations, outcomes []string
		for _, v := range rep.Violations {
			violations = append(violations, v.Violation.Key())
		}
		for _, o := range rep.Outcomes {
			outcomes = append(outcomes, o.Key)
		}
		for k := 0; k < runs; k++ {
			opt := Options{Workers: 1 + k%2, Quantum: 1 + k%4, Seed: uint64(k), Record: true, Timeout: 5 * time.Second}
			res := run(rt, m, opt)
			switch {
			case res.Stopped != "":
				// Only a program that can loop forever may be stopped;
				// the generated ones always end or block.
				rt.Fatalf("%+v: stopped after %v\n%s", opt, res.Elapsed, src)
			case res.Violation != nil:
				stats[res.Violation.Kind]++
				if !slices.Contains(violations, res.Violation.Key()) {
					rt.Fatalf("%+v: the real run hits %s, which the checker does not report (it reports %q)\n%s\nschedule %s",
						opt, res.Violation.Describe(), violations, src, res.Schedule)
				}
			default:
				stats["outcome"]++
				if key := res.Outcome.Key(); !slices.Contains(outcomes, key) {
					rt.Fatalf("%+v: the real run ends in %s, which the checker does not report (it reports %q)\n%s\nschedule %s",
						opt, key, outcomes, src, res.Schedule)
				}
			}
			replay(rt, m, res)
		}
	})
}
