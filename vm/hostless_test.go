package vm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// TestHostlessCards: on a placed program, step goes without a host exactly
// for the cards that can post no message: locks, event waits, sends into
// a channel on the sender's own node, receives from buffered channels;
// a remote send, a rendezvous receive (it may owe a remote sender its
// acknowledgement) and a notify heard on another node keep theirs.
func TestHostlessCards(t *testing.T) {
	src := `
var x = 0
mutex m
event e
chan box(2)
chan meet(0)
chan far(1)
proc helper() {
    wait e
    send far, 1
    send meet, 2
}
proc main() {
    let h = spawn helper()
    lock m
    x = 1
    unlock m
    send box, 3
    let a = recv box
    notify e
    let b = recv far
    let c = recv meet
    join h
}
`
	p, err := compile.Source("hostless.deck", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = compile.Place(p, [][2]string{{"helper", "B"}}, 0); err != nil {
		t.Fatal(err)
	}
	m := New(p)
	want := map[string]bool{ // by the card's label
		"lock m": true, "unlock m": true, "send box, 3": true, "a = recv box": true,
		"b = recv far": true, "wait e": true,
		"send far, 1": false, "send meet, 2": false, "send meet (until taken)": false,
		"c = recv meet": false, "notify e": false,
	}
	seen := 0
	for pc := range p.Cards {
		label := p.Labels[pc]
		w, ok := want[label]
		if !ok {
			continue
		}
		seen++
		if m.hostless[pc] != w {
			t.Errorf("card %d %q (%s): hostless %v, want %v", pc, label, p.Cards[pc].Op, m.hostless[pc], w)
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of the %d cards by label: %q", seen, len(want), p.Labels)
	}
	if New(compileOrFail(t, "var x = 0\nproc main() {\n    x = 1\n}\n")).hostless != nil {
		t.Error("a program without nodes has hostless marks")
	}
}

func compileOrFail(t *testing.T, src string) *card.Program {
	t.Helper()
	p, err := compile.Source("t.deck", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHostlessSameSteps walks the placed examples and bench models at
// random, stack moves and deliveries, and steps every stack that stands
// at a card without a host (hostlessCards) both ways: as New's machine
// does, and with a host as every synchronisation card had one before.
// The states and results must be the same.
func TestHostlessSameSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	placed, stepped := 0, 0
	for _, ex := range examplePrograms(t) {
		p, err := compile.Place(ex.p, nil, 0)
		if err != nil || p.Net == nil {
			continue
		}
		placed++
		m := New(p)
		hosted := &Machine{P: p, code: m.code} // hostless nil: a host for every card
		for walk := 0; walk < 5; walk++ {
			s := m.Init()
			for step := 0; step < 300; step++ {
				type move struct{ stack, choice, msg int }
				var moves []move
				for i := 0; i < s.NumStacks(); i++ {
					if !m.Enabled(s, i) {
						continue
					}
					for ch := 0; ch < m.Choices(s, i); ch++ {
						moves = append(moves, move{i, ch, -1})
						if !m.hostless[s.PC(i)] {
							continue
						}
						a, b := s.Clone(), s.Clone()
						ra, rb := m.Step(a, i, ch), hosted.Step(b, i, ch)
						if ra.Status != rb.Status || ra.PC != rb.PC || ra.Value != rb.Value || !slices.Equal(a.W, b.W) {
							t.Fatalf("%s: stack %d at %q: without a host %+v %v, with one %+v %v", ex.file, i, p.Labels[s.PC(i)], ra, a.W, rb, b.W)
						}
						stepped++
					}
				}
				for k := 0; k < s.NumMsgs(); k++ {
					if m.Deliverable(s, k) {
						moves = append(moves, move{-1, 0, k})
					}
				}
				if len(moves) == 0 {
					break
				}
				mv := moves[rng.IntN(len(moves))]
				if mv.msg >= 0 {
					m.Deliver(s, mv.msg, false)
				} else if r := m.Step(s, mv.stack, mv.choice); r.Status == Failed {
					break
				}
			}
		}
	}
	if placed < 5 || stepped < 100 {
		t.Fatalf("%d placed programs, %d steps compared: the walk did not reach the cards", placed, stepped)
	}
	t.Logf("%d placed programs, %d hostless steps compared", placed, stepped)
}
