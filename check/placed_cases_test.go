package check

import (
	"slices"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// TestPlacedChannelCases holds programs whose stacks send channel values
// across nodes, each of which once broke a rule the random tests
// (TestCrossEnginePlaced, TestSleepSetsPlacedRandom) check. For each, the
// search with reduction and sleep sets, the search without reduction and
// brute force must find the same violations and outcomes, with
// counterexamples of the same length, and sleep sets must change nothing
// but the transitions.
func TestPlacedChannelCases(t *testing.T) {
	cases := []struct {
		name, src string
		place     [][2]string
		mode      card.NetMode
		crash     []string
	}{{
		// main (on A) spawns p0 and p2 on home, and p1 (on A too) sends a
		// value to home on the same link: when it goes ahead of p2's
		// start message and q0 is full, p2 never starts. Spawning was
		// ample (main is the only spawner), which never put p1's send
		// first, and lost that deadlock.
		name: "start held back",
		src: `
chan q0(1)
proc p0() {
    send q0, 1
}
proc p1() {
    send q0, 1
}
proc p2() {
    send q0, 1
}
proc main() {
    let h0 = spawn p0()
    let h1 = spawn p1()
    let h2 = spawn p2()
}
`,
		place: [][2]string{{"p0", "home"}, {"p1", "A"}, {"p2", "home"}, {"main", "A"}},
	}, {
		// m4 (r[0] <- 0) cannot be delivered, r[0] being full, but an
		// ordered lossy network may still drop it: the deadlock comes
		// one move later, after the drop. Shortening once removed the
		// drop, because a replay ending there called it a deadlock.
		name: "the drop before a deadlock",
		src: `
var x1 = 0
chan q0(1)
chan q1(1)
var a = 0
chan r[2](1)
proc p0() {
    a = a + 1
    send q0, 1
    send q0, 1
}
proc p1() {
    let t1 = choose 0..2
    send r[t1], x1
    send q1, 2
    a = a + 1
    let t2 = choose 0..2
    send r[t2], x1
}
proc main() {
    let h0 = spawn p0()
    let h1 = spawn p1()
    let t3 = recv r[1]
}
`,
		place: [][2]string{{"p0", "B"}, {"p1", "B"}, {"main", "home"}},
		mode:  card.Lossy,
		crash: []string{"home"},
	}, {
		// A delivery that brings a done message to the head of its link
		// leads to a state where that message is delivered alone: a
		// move taken after the delivery may not put it to sleep
		// (fullAfterNet).
		name: "a done message behind a value",
		src: `
var x0 = 0
chan q0(1)
var x1 = 0
chan q1(1)
var x2 = 0
chan q2(1)
var a = 0
chan r[2](1)
always x0 + x1 < 2
proc p0() {
    let t1 = recv q0
    x0 = x0 + t1
}
proc p1() {
    let t2 = choose 0..2
    send r[t2], x1
    send q0, 1
}
proc p2() {
    let t3 = choose 0..2
    send r[t3], x2
}
proc main() {
    let h0 = spawn p0()
    let h1 = spawn p1()
    let h2 = spawn p2()
    let t4 = recv r[0]
    join h2
}
`,
		place: [][2]string{{"p0", "B"}, {"p1", "home"}, {"p2", "home"}, {"main", "A"}},
	}}
	for _, tc := range cases {
		p, err := compile.Source(tc.name+".deck", []byte(tc.src))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p, err = compile.Place(p, tc.place, tc.mode); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.crash != nil {
			if err := compile.Faults(p, tc.crash, 0); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		m := vm.New(p)
		for _, nw := range []int{1, 2} {
			opt := Options{All: true, Workers: nw}
			rep := mustRun(t, m, opt)
			noSleep := opt
			noSleep.NoSleepSets = true
			sameAsWithoutSleep(t, tc.name, rep, mustRun(t, m, noSleep))
			noPOR := opt
			noPOR.NoPOR = true
			full := mustRun(t, m, noPOR)
			if !slices.Equal(violationKeys(rep), violationKeys(full)) || !slices.Equal(outcomeKeys(rep), outcomeKeys(full)) {
				t.Fatalf("%s: reduction changes the result: %q %q, without %q %q", tc.name,
					violationKeys(rep), outcomeKeys(rep), violationKeys(full), outcomeKeys(full))
			}
			b := bruteForce(m, 50000)
			compareBrute(t, tc.name+" reduced", rep, b, true)
			compareBrute(t, tc.name+" full", full, b, false)
		}
	}
}
