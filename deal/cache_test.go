package deal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// TestEnabledCache checks, every tick of many runs, that the dealer's cache
// of which stacks can move agrees with vm.Enabled, and that the queue holds
// exactly the runnable stacks without a processor.
func TestEnabledCache(t *testing.T) {
	var problem string
	ticks := 0
	checkTick = func(d *dealer) {
		ticks++
		if problem != "" {
			return
		}
		inQueue := map[int32]bool{}
		for _, st := range d.queue {
			if inQueue[st] {
				problem = fmt.Sprintf("stack %d is in the queue twice", st)
			}
			inQueue[st] = true
		}
		for st := 0; st < d.s.NumStacks(); st++ {
			want := d.m.Enabled(d.s, st)
			switch {
			case d.enEpoch[st] >= d.epoch && d.enVal[st] != want:
				problem = fmt.Sprintf("stack %d: cached enabled=%v, vm says %v", st, d.enVal[st], want)
			case d.onCPU[st] && !want:
				problem = fmt.Sprintf("stack %d holds a processor but cannot move", st)
			case !d.onCPU[st] && inQueue[int32(st)] != want:
				problem = fmt.Sprintf("stack %d: in queue %v, can move %v", st, inQueue[int32(st)], want)
			case inQueue[int32(st)] != d.inQ[st]:
				problem = fmt.Sprintf("stack %d: inQ %v disagrees with the queue", st, d.inQ[st])
			}
			if problem != "" {
				problem += fmt.Sprintf(" (tick %d, pc %s)", d.res.Ticks, d.p.Labels[d.s.PC(st)])
				return
			}
		}
	}
	defer func() { checkTick = nil }()
	for _, ex := range exampleMachines(t) {
		file, m := ex.file, ex.m
		for _, dealer := range []Kind{Random, RoundRobin, Sequential} {
			for cpus := 1; cpus <= 3; cpus++ {
				for seed := uint64(0); seed < 3; seed++ {
					opt := Options{Dealer: dealer, CPUs: cpus, Quantum: 1 + int(seed), Seed: seed, MaxTicks: 5000, NoSchedule: true}
					if _, err := Run(m, opt); err != nil {
						t.Fatal(err)
					}
					if problem != "" {
						t.Fatalf("%s %s cpus=%d seed=%d: %s", filepath.Base(file), dealer, cpus, seed, problem)
					}
				}
			}
		}
	}
	t.Logf("%d ticks checked", ticks)
	if ticks < 1000 {
		t.Errorf("only %d ticks checked", ticks)
	}
}

// TestDealOneSameAsGeneral: on one processor with a quantum of one card,
// dealOne must deal exactly the shuffle the general loop deals for the same
// seed (same schedule, cards, violation and final state), for every
// example, both dealers that give the processor away, and runs cut short
// by the tick limit.
func TestDealOneSameAsGeneral(t *testing.T) {
	defer func() { forceGeneral = false }()
	runs := 0
	for _, ex := range exampleMachines(t) {
		file, m := ex.file, ex.m
		for _, dealer := range []Kind{Random, RoundRobin} {
			for seed := uint64(0); seed < 8; seed++ {
				opt := Options{Dealer: dealer, CPUs: 1, Seed: seed, MaxTicks: 400 + int64(seed)*300, Steps: seed%2 == 0}
				forceGeneral = true
				want, err1 := Run(m, opt)
				forceGeneral = false
				got, err2 := Run(m, opt)
				if (err1 == nil) != (err2 == nil) {
					t.Fatalf("%s: errors differ: %v / %v", file, err1, err2)
				}
				name := fmt.Sprintf("%s %s seed=%d", filepath.Base(file), dealer, seed)
				if fmt.Sprint(got.Schedule.Ends, got.CPUs) != fmt.Sprint(want.Schedule.Ends, want.CPUs) {
					t.Fatalf("%s: ticks end at %v on processors %v, want %v on %v", name,
						got.Schedule.Ends, got.CPUs, want.Schedule.Ends, want.CPUs)
				}
				if g, w := got.Schedule.String(), want.Schedule.String(); g != w {
					t.Fatalf("%s: schedule\n%s\nwant\n%s", name, g, w)
				}
				if got.Cards != want.Cards || got.Ticks != want.Ticks || got.Stopped != want.Stopped ||
					fmt.Sprint(got.Taken) != fmt.Sprint(want.Taken) || len(got.Steps) != len(want.Steps) {
					t.Fatalf("%s: cards %d/%d ticks %d/%d stopped %q/%q taken %v/%v steps %d/%d", name,
						got.Cards, want.Cards, got.Ticks, want.Ticks, got.Stopped, want.Stopped,
						got.Taken, want.Taken, len(got.Steps), len(want.Steps))
				}
				if (got.Violation == nil) != (want.Violation == nil) ||
					got.Violation != nil && got.Violation.Message != want.Violation.Message {
					t.Fatalf("%s: violation %+v, want %+v", name, got.Violation, want.Violation)
				}
				if fmt.Sprint(got.Final.W) != fmt.Sprint(want.Final.W) {
					t.Fatalf("%s: final state %v, want %v", name, got.Final.W, want.Final.W)
				}
				runs++
			}
		}
	}
	if runs < 100 {
		t.Fatalf("only %d runs compared", runs)
	}
}

type exampleMachine struct {
	file string
	m    *vm.Machine
}

// exampleMachines compiles every example, each on one machine: place
// declarations take effect only through compile.Place, which is not called.
func exampleMachines(t *testing.T) []exampleMachine {
	files, err := filepath.Glob("../examples/*.deck")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var out []exampleMachine
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := compile.Source(file, src)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, exampleMachine{file, vm.New(p)})
	}
	return out
}
