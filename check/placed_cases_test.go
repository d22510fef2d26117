package check

import (
	"os"
	"slices"
	"strings"
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
	}, {
		// q1 is quiet (only p0, on home, sends into it). p1's receive
		// empties it; p0's second send then puts a value at the head of
		// its link that is delivered alone. Their footprints once said
		// the receive and the send commute, and a sleep set skipped a
		// state that only the order receive-then-send reaches.
		name: "a quiet channel emptied",
		src: `
var x0 = 0
chan q0(1)
var x1 = 0
chan q1(1)
proc p0() {
    either {
        send q1, 1
    } or {
        x0 = x0 + 2
    }
    send q1, 1
}
proc p1() {
    let t1 = recv q1
    x1 = x1 + t1
    send q0, 1
}
proc main() {
    let h0 = spawn p0()
    let h1 = spawn p1()
    join h0
}
`,
		place: [][2]string{{"p0", "home"}, {"p1", "A"}, {"main", "A"}},
	}, {
		// p1 (home) sends 2 to p0 (on A, which may crash) and returns;
		// when p0 has taken it, A crashes, and the run ends with
		// x0=2. The return is folded into p1's send, after which
		// only a crash can happen: a deadlock, where the crash used to
		// be left untaken, so the reduced search lost that ending.
		name: "a crash after a deadlock",
		src: `
var x0 = 0
chan q0(1)
proc p0() {
    let t1 = recv q0
    x0 = x0 + t1
    let t2 = recv q0
    x0 = x0 + t2
}
proc p1() {
    send q0, 2
}
proc main() {
    let h0 = spawn p0()
    let h1 = spawn p1()
    join h0
}
`,
		place: [][2]string{{"p0", "A"}, {"p1", "home"}, {"main", "A"}},
		mode:  card.Lossy,
		crash: []string{"A"},
	}, {
		// On an unordered lossy network drops are not moves: the value
		// for the daemon may stay in flight for ever, and the run ends
		// with got=0. The search waited for it to be delivered, since
		// the daemon was not the only thing left that could happen, and
		// missed that ending (--deterministic and --same-as-local then
		// passed).
		name: "a daemon's message lost",
		src: `
chan c(1)
var got = 0
daemon proc r() {
    let v = recv c
    got = v
}
proc main() {
    spawn r()
    send c, 1
}
`,
		place: [][2]string{{"r", "R"}},
		mode:  card.Unordered | card.Lossy,
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

// TestQuietChans checks which channels quietChans lets deliver alone: in
// the two-phase commit each participant's prepare and decision channels
// (main on home is their only sender), not the votes channel (every
// participant sends to it, each from its own node), on every network but
// an unordered lossy one; a channel loses it when a stack on its own node
// sends into it too, and, on an unordered network, when it may be sent
// two values.
func TestQuietChans(t *testing.T) {
	src, err := os.ReadFile("../bench/models/tpc_n5.deck")
	if err != nil {
		t.Fatal(err)
	}
	quietNames := func(src string, mode card.NetMode) []string {
		p, err := compile.Source("tpc.deck", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if p, err = compile.Place(p, nil, mode); err != nil {
			t.Fatal(err)
		}
		var names []string
		for g, q := range quietChans(p) {
			if q {
				names = append(names, p.Globals[g].Name)
			}
		}
		return names
	}
	want := []string{"prep0", "dec0", "prep1", "dec1", "prep2", "dec2", "prep3", "dec3", "prep4", "dec4"}
	if got := quietNames(string(src), 0); !slices.Equal(got, want) {
		t.Errorf("ordered: quiet %q, want %q", got, want)
	}
	for _, mode := range []card.NetMode{card.Lossy, card.Dup, card.Lossy | card.Dup, card.Unordered, card.Unordered | card.Dup} {
		if got := quietNames(string(src), mode); !slices.Equal(got, want) {
			t.Errorf("%s: quiet %q, want %q", mode, got, want)
		}
	}
	if got := quietNames(string(src), card.Unordered|card.Lossy); got != nil {
		t.Errorf("unordered, lossy: quiet %q, want none", got)
	}
	// main sends prep0 a second value: the two may overtake each other
	// on an unordered network, not on an ordered one.
	twice := strings.Replace(string(src), "    send prep0, 1\n", "    send prep0, 1\n    send prep0, 1\n", 1)
	if got := quietNames(twice, card.Unordered); slices.Contains(got, "prep0") || !slices.Contains(got, "prep1") {
		t.Errorf("unordered, two sends into prep0: quiet %q, want prep1 but not prep0", got)
	}
	if got := quietNames(twice, 0); !slices.Contains(got, "prep0") {
		t.Errorf("ordered, two sends into prep0: quiet %q, want prep0", got)
	}
	// The same send in a loop: on an unordered network not quiet.
	loop := strings.Replace(string(src), "    send prep0, 1\n", "    for i in 0..2 {\n        send prep0, 1\n    }\n", 1)
	if got := quietNames(loop, card.Unordered); slices.Contains(got, "prep0") {
		t.Errorf("unordered, a send into prep0 in a loop: quiet %q, want not prep0", got)
	}
	// part0 sends itself a value first: prep0 has a local sender now.
	local := strings.Replace(string(src), "proc part0() {\n", "proc part0() {\n    send prep0, 7\n", 1)
	if got := quietNames(local, 0); slices.Contains(got, "prep0") || !slices.Contains(got, "dec0") {
		t.Errorf("with a local send into prep0: quiet %q, want dec0 but not prep0", got)
	}
}
