package compile_test

import (
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// TestFlagExitKeepsValues: the flag pattern of flagExit zeroes a local
// only on the side of the test that does not read it; the side that
// does sees its value.
func TestFlagExitKeepsValues(t *testing.T) {
	p, err := compile.Source("flag.deck", []byte(`var x = 1
var out = 0
proc main() {
    let j = 0
    let c = 0
    for k in 0..2 {
        atomic { if x > 0 { j = 7; c = 1 } else { c = 2 } }
        if c == 1 {
            out = out + j
        }
        x = 1 - x
    }
}
`))
	if err != nil {
		t.Fatal(err)
	}
	m, s, r := runMain(t, p)
	if r.Status == vm.Failed {
		t.Fatalf("failed: %+v", r)
	}
	if got := s.Shared(m.P)[1]; got != 7 {
		t.Fatalf("out = %d, want 7", got)
	}
}
