package check

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// crew runs the parallel phases of a breadth-first search (a level's pass,
// collect, and ordering the next frontier: three a level), and the chunks
// of the progress check's graph, on goroutines that live as long as the
// search or the build.
//
// A goroutine started for each phase began 125-135 µs late on average on
// the two-processor virtual machine deck is measured on (the counter
// N=7 R=4: 22-24 ms over the 181 phases of a search that takes 300 ms):
// the other processor sleeps between phases, and waking it takes the
// host that long. collect and ordering split their work in fixed halves,
// so the whole phase waited for the late half. A crew's helpers instead
// spin between phases, 0.2 ms, which is longer than most gaps between
// two phases of a level, and sleep after that (while the visited set
// grows on one goroutine, say); starting a phase then costs about 10 µs.
// The goroutine that starts a phase waits for the helpers the same way,
// spinning and then sleeping: on a machine with other work, a spinning
// goroutine would hold a processor a late helper needs.
type crew struct {
	f     func(part int)
	parts int           // the parts of the phase under way; part i is helper i's
	gen   atomic.Uint64 // bumped to start a phase
	done  atomic.Int64  // helpers finished with the phase under way
	quit  atomic.Bool
	hs    []*crewHelper
	// The starter's own sleep while it waits for the helpers: asleep
	// says it sleeps on wake, which the last helper to finish sends to.
	starter crewHelper
	// lateWake, when a test sets it (before the first run), runs between
	// a helper's report that it is done and its wake of a sleeping
	// starter: a late wake can then reach the starter of the next phase
	// (TestCrewLateWake).
	lateWake func()
}

// crewHelper is what a goroutine that waits (a helper, or the starter of
// a phase) shares with the one that wakes it.
type crewHelper struct {
	_      [64]byte // its own cache line: the starter swaps asleep every phase
	asleep atomic.Bool
	wake   chan struct{}
	_      [64]byte
}

// crewSpins is how many times a waiting goroutine pauses (crewPause
// PAUSE instructions, about 0.3 µs) before it sleeps: about 0.2 ms. With
// 1.3 ms, helpers slept 3-4 times a search instead of 17-27 (counter N=7
// R=4, phil N=6 R=3), for the same times alone; but two checks of two
// workers each run side by side on two processors took 3.45-3.66 s
// against 3.05-3.22 s with 0.2 ms (3.36-3.47 s before the crew): spinning
// holds a processor the other process could use.
// crewYield is how often it lets the Go scheduler run something else,
// such as the hunter's goroutine (hunt.go).
const (
	crewSpins = 600
	crewPause = 16
	crewYield = 64
)

// newCrew starts helpers goroutines, parts 1..helpers of every phase.
// stop ends them.
func newCrew(helpers int) *crew {
	cr := &crew{starter: crewHelper{wake: make(chan struct{}, 1)}}
	for i := 0; i < helpers; i++ {
		h := &crewHelper{wake: make(chan struct{}, 1)}
		cr.hs = append(cr.hs, h)
		go cr.help(i+1, h)
	}
	return cr
}

// help runs part of each phase until the crew stops.
func (cr *crew) help(part int, h *crewHelper) {
	seen := uint64(0)
	for {
		seen = cr.wait(h, seen)
		if cr.quit.Load() {
			return
		}
		if part < cr.parts {
			cr.f(part)
		}
		last := cr.done.Add(1) == int64(len(cr.hs))
		if cr.lateWake != nil {
			cr.lateWake()
		}
		if last && cr.starter.asleep.Swap(false) {
			cr.starter.wake <- struct{}{}
		}
	}
}

// wait returns the generation of the next phase, the first that is not
// seen: it spins for a while, then sleeps until run wakes it.
func (cr *crew) wait(h *crewHelper, seen uint64) uint64 {
	for r := 1; ; r++ {
		if g := cr.gen.Load(); g != seen {
			return g
		}
		if spin(r) {
			continue
		}
		h.asleep.Store(true)
		if g := cr.gen.Load(); g != seen {
			// A phase started meanwhile. If its starter saw this helper
			// asleep, it sent a wake, which must not wake the next wait.
			if !h.asleep.Swap(false) {
				<-h.wake
			}
			return g
		}
		<-h.wake
		r = 0
	}
}

// runParts runs f(0), ..., f(parts-1), part 0 on the calling goroutine,
// on cr's helpers, or, when cr is nil (or has too few), on goroutines
// started for the purpose; it returns when every part has.
func runParts(cr *crew, parts int, f func(part int)) {
	switch {
	case parts == 1:
		f(0)
	case cr != nil && parts <= len(cr.hs)+1:
		cr.run(parts, f)
	default:
		var wg sync.WaitGroup
		for i := 1; i < parts; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(i)
			}()
		}
		f(0)
		wg.Wait()
	}
}

// spin is round r of a wait: it pauses and reports true while the wait
// should go on spinning, and reports false once it should sleep.
func spin(r int) bool {
	if r >= crewSpins {
		return false
	}
	pause(crewPause)
	if r%crewYield == 0 {
		runtime.Gosched()
	}
	return true
}

// run runs f(0), ..., f(parts-1), part 0 on the calling goroutine, and
// returns when every part has. parts is at most the helpers plus one;
// helpers without a part of their own only report that they are done.
func (cr *crew) run(parts int, f func(part int)) {
	cr.f, cr.parts = f, parts
	cr.done.Store(0)
	cr.gen.Add(1) // publishes f and parts to the helpers
	cr.wakeSleepers()
	f(0)
	all := int64(len(cr.hs))
	st := &cr.starter
	for r := 1; cr.done.Load() < all; r++ {
		if spin(r) {
			continue
		}
		st.asleep.Store(true)
		if cr.done.Load() == all {
			// The last helper finished meanwhile; if it saw the
			// starter asleep, it sent a wake, which must not wake the
			// next wait.
			if !st.asleep.Swap(false) {
				<-st.wake
			}
			return
		}
		// A wake says only that some helper finished some phase: the
		// last helper of the phase before may send it late, after this
		// phase's starter went to sleep. So look again.
		<-st.wake
		r = 0
	}
}

// wakeSleepers wakes the helpers that went to sleep.
func (cr *crew) wakeSleepers() {
	for _, h := range cr.hs {
		if h.asleep.Swap(false) {
			h.wake <- struct{}{}
		}
	}
}

// stop ends the helpers. They leave at once, even the sleeping ones.
func (cr *crew) stop() {
	cr.quit.Store(true)
	cr.gen.Add(1)
	cr.wakeSleepers()
}
