package vm_test

import (
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// TestPostKeepsWrites: a card that sends a message grows the state's
// words, and when the state has no spare capacity they move. What the card
// writes after sending (the value a rendezvous receive takes, which
// acknowledges the sender on another node; an atomic block's cards after
// a notify heard on another node) must land in the state, not in the words
// left behind. The search of every order here clones its states, so that
// none has spare room; each program's assert holds in every order.
func TestPostKeepsWrites(t *testing.T) {
	cases := []struct {
		name, src string
		place     [][2]string
	}{{
		name: "rendezvous receive",
		src: `
var x = 0
chan q(0)
proc taker() {
    let v = recv q
    x = v
    assert x == 7, "the value taken was lost"
}
proc giver() {
    send q, 7
}
proc main() {
    let a = spawn taker()
    let b = spawn giver()
}
`,
		place: [][2]string{{"giver", "B"}},
	}, {
		name: "select receive",
		src: `
var x = 0
chan q(0)
chan never(1)
proc taker() {
    let v = 0
    select {
    case v = recv q:
        x = v
    case recv never:
        x = 7
    }
    assert x == 7, "the value taken was lost"
}
proc giver() {
    send q, 7
}
proc main() {
    let a = spawn taker()
    let b = spawn giver()
}
`,
		place: [][2]string{{"giver", "B"}},
	}, {
		name: "atomic notify",
		src: `
var x = 0
event e
proc teller() {
    let t = 0
    atomic {
        notify e
        t = 5
        x = t
    }
    assert x == 5, "a write after the notify was lost"
    assert t == 5, "a local after the notify was lost"
}
proc waiter() {
    wait e
}
proc main() {
    let a = spawn teller()
    let b = spawn waiter()
}
`,
		place: [][2]string{{"waiter", "B"}},
	}}
	for _, tc := range cases {
		p, err := compile.Source(tc.name+".deck", []byte(tc.src))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p, err = compile.Place(p, tc.place, 0); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m := vm.New(p)
		states, ended := 0, 0
		queue := []*vm.State{m.Init()}
		seen := map[string]bool{}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			states++
			var next []*vm.State
			for i := 0; i < s.NumStacks(); i++ {
				if !m.Enabled(s, i) {
					continue
				}
				for ch := 0; ch < m.Choices(s, i); ch++ {
					c := s.Clone()
					if r := m.Step(c, i, ch); r.Status == vm.Failed {
						t.Fatalf("%s: card %s fails: %+v", tc.name, m.P.Labels[r.PC], r.Fault)
					}
					next = append(next, c)
				}
			}
			for k := 0; k < s.NumMsgs(); k++ {
				if m.Deliverable(s, k) {
					c := s.Clone()
					m.Deliver(c, k, false)
					next = append(next, c)
				}
			}
			if len(next) == 0 {
				ended++
			}
			for _, c := range next {
				if k := string(wordsKey(c.W)); !seen[k] {
					seen[k] = true
					queue = append(queue, c)
				}
			}
		}
		if ended == 0 || states < 10 {
			t.Fatalf("%s: %d states, %d ends: the search did not run", tc.name, states, ended)
		}
	}
}

func wordsKey(w []int64) []byte {
	b := make([]byte, 0, 8*len(w))
	for _, x := range w {
		for i := 0; i < 8; i++ {
			b = append(b, byte(x>>(8*i)))
		}
	}
	return b
}
