package vm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// TestMessageMovesAgree walks the placed examples and bench models at
// random on every network mode and checks, in every state, that
// MessageMoves lists what Deliverable, Duplicable and Droppable say, in
// message order (on an unordered network a message equal to the one
// before it is left out), with signal and into as its comment defines
// them: the plain ordered network has a loop of its own.
func TestMessageMovesAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	modes := []card.NetMode{0, card.Unordered, card.Lossy, card.Dup, card.Unordered | card.Lossy, card.Lossy | card.Dup, card.Unordered | card.Dup}
	checked, full := 0, 0
	// Besides the examples, a channel that fills while values for it are
	// in flight (its receiver waits for an event nobody notifies), and a
	// rendezvous channel with two senders on another node.
	progs := append(examplePrograms(t), exampleProgram{"full.deck", compileOrFail(t, `
chan c(1)
chan r(0)
event go
proc sender() {
    send c, 1
    send c, 2
    send c, 3
}
proc rsender(v) {
    send r, v
}
proc main() {
    let a = spawn sender()
    let b = spawn rsender(1)
    let d = spawn rsender(2)
    let x = recv r
    let y = recv r
    wait go
    let u = recv c
    let v = recv c
    let w = recv c
}
place sender on S
place rsender on R
`)})
	for _, ex := range progs {
		for _, mode := range modes {
			p, err := compile.Place(ex.p, nil, mode)
			if err != nil || p.Net == nil || p.Net.Faulty() {
				continue
			}
			m := New(p)
			lone := make([]bool, p.SharedWords) // every word marked: into is asked everywhere
			for w := range lone {
				lone[w] = true
			}
			for walk := 0; walk < 3; walk++ {
				s := m.Init()
				for step := 0; step < 200; step++ {
					got, signal, into := m.MessageMoves(s, nil, lone)
					var want []int32
					wantSignal, wantInto := -1, -1
					for k := 0; k < s.NumMsgs(); k++ {
						if mode&card.Unordered != 0 && k > 0 && slices.Equal(s.msgWords(k), s.msgWords(k-1)) {
							continue
						}
						kind := s.MsgKindAt(k)
						if m.Deliverable(s, k) {
							want = append(want, MoveDeliver, int32(k))
							if wantSignal < 0 && kind != MsgChan {
								wantSignal = k
							}
							a := aOf(s.msgWords(k)[0])
							if wantInto < 0 && kind == MsgChan && p.Net.WordCap[a] > 0 && s.W[1+a] == 0 {
								wantInto = k
							}
						}
						if m.Duplicable(s, k) {
							want = append(want, MoveDup, int32(k))
						}
						if m.Droppable(s, k) {
							want = append(want, MoveDrop, int32(k))
						}
					}
					for k := 0; k < s.NumMsgs(); k++ {
						if w := s.msgWords(k); kindOf(w[0]) == MsgChan && !m.ChanRoom(s.Shared(p), int32(aOf(w[0]))) {
							full++
							break
						}
					}
					if !slices.Equal(got, want) || signal != wantSignal || into != wantInto {
						t.Fatalf("%s, mode %d: MessageMoves %v signal %d into %d; want %v, %d, %d", ex.file, mode, got, signal, into, want, wantSignal, wantInto)
					}
					checked++
					var moves [][2]int // stack and choice, or -1 and a network move's index in got
					for i := 0; i < s.NumStacks(); i++ {
						if m.Enabled(s, i) {
							for ch := 0; ch < m.Choices(s, i); ch++ {
								moves = append(moves, [2]int{i, ch})
							}
						}
					}
					for e := 0; e < len(got); e += 2 {
						moves = append(moves, [2]int{-1, e})
					}
					if len(moves) == 0 {
						break
					}
					mv := moves[rng.IntN(len(moves))]
					if mv[0] >= 0 {
						if r := m.Step(s, mv[0], mv[1]); r.Status == Failed {
							break
						}
						continue
					}
					switch k := int(got[mv[1]+1]); got[mv[1]] {
					case MoveDeliver:
						m.Deliver(s, k, false)
					case MoveDup:
						m.Deliver(s, k, true)
					case MoveDrop:
						m.Drop(s, k)
					}
				}
			}
		}
	}
	if checked < 1000 || full == 0 {
		t.Fatalf("%d states checked, %d with a value waiting for room: the walks did not reach them", checked, full)
	}
	t.Logf("%d states checked, %d with a value waiting for room", checked, full)
}
