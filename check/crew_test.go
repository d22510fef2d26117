package check

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrewRunsEveryPartOnce starts phases on crews of one to three
// helpers, with every number of parts they allow, some right after the
// last phase (the helpers still spinning) and some after a gap longer
// than their spin (asleep), some whose helpers take longer than the
// starter's spin (it sleeps too), and checks that each part ran exactly
// once per phase and that run returned only after all of them. Then stop must
// end the helpers, spinning (one helper, three) or asleep (two).
func TestCrewRunsEveryPartOnce(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("a crew needs a processor a goroutine")
	}
	before := runtime.NumGoroutine()
	for helpers := 1; helpers <= 3; helpers++ {
		cr := newCrew(helpers)
		for phase := 0; phase < 40; phase++ {
			if phase%10 == 9 {
				time.Sleep(5 * time.Millisecond) // past the spin: helpers sleep
			}
			parts := 1 + phase%(helpers+1)
			var ran [4]atomic.Int32
			var finished atomic.Int32
			cr.run(parts, func(part int) {
				if part >= parts {
					t.Errorf("part %d of %d ran", part, parts)
					return
				}
				d := time.Duration(part) * 50 * time.Microsecond
				if phase%10 == 4 && part > 0 {
					d = 3 * time.Millisecond // past the starter's spin: it sleeps
				}
				time.Sleep(d)
				ran[part].Add(1)
				finished.Add(1)
			})
			if got := finished.Load(); got != int32(parts) {
				t.Fatalf("%d helpers, phase %d: run returned after %d of %d parts", helpers, phase, got, parts)
			}
			for p := 0; p < parts; p++ {
				if n := ran[p].Load(); n != 1 {
					t.Fatalf("%d helpers, phase %d: part %d ran %d times", helpers, phase, p, n)
				}
			}
		}
		if helpers == 2 {
			time.Sleep(5 * time.Millisecond) // stop a crew that sleeps
		}
		cr.stop()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after stop, %d before the crews", n, before)
	}
}

// TestCrewLateWake delays every helper between its report that it is done
// and its wake of a sleeping starter, longer than a starter's spin: the
// starter of an even phase sees the helper done while it spins and
// returns, the next phase's starter spins in vain (its helper is still in
// the delay, and its part is slow) and sleeps, and then the late wake of
// the phase before arrives. The starter must not take it for its own
// phase's.
func TestCrewLateWake(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("a crew needs a processor a goroutine")
	}
	cr := newCrew(1)
	defer cr.stop()
	cr.lateWake = func() { time.Sleep(time.Millisecond) }
	for phase := 0; phase < 30; phase++ {
		var finished atomic.Int32
		cr.run(2, func(part int) {
			if part == 1 && phase%2 == 1 {
				time.Sleep(2 * time.Millisecond)
			}
			finished.Add(1)
		})
		if got := finished.Load(); got != 2 {
			t.Fatalf("phase %d: run returned after %d of 2 parts", phase, got)
		}
	}
}
