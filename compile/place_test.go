package compile_test

import (
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
)

// TestPlaceCalledOnly: a procedure that is only called is not a stack, so
// placing it moves none of its cards: they run in its callers' stacks,
// and ownership is judged on their nodes. A procedure that is spawned on
// another node is judged on that node.
func TestPlaceCalledOnly(t *testing.T) {
	tests := []struct {
		name, src string
		place     [][2]string
		err       string // "" for none
	}{
		{"var", `var x = 0
proc helper() { x = 1 }
proc main() { helper(); print x }
`, [][2]string{{"helper", "Y"}}, ""},
		{"recv", `chan c(1)
proc helper() { let v = recv c }
proc w() { send c, 1 }
proc main() { spawn w(); helper() }
`, [][2]string{{"helper", "Y"}, {"w", "Z"}}, ""},
		{"mutex, called from two stacks on home", `mutex m
var x = 0
proc helper() { lock m; x++; unlock m }
proc w() { helper() }
proc main() { spawn w(); helper() }
`, [][2]string{{"helper", "Y"}}, ""},
		{"select", `chan c(1)
proc helper() { select { case v = recv c: print v } }
proc w() { send c, 1 }
proc main() { spawn w(); helper() }
`, [][2]string{{"helper", "Y"}, {"w", "Z"}}, ""},
		{"called on home, spawned on Y", `var x = 0
proc helper() { x = 1 }
proc main() { spawn helper(); helper() }
`, [][2]string{{"helper", "Y"}}, "var x is used by stacks on two nodes"},
		{"spawned by a called procedure", `var x = 0
proc w() { x = 1 }
proc helper() { spawn w() }
proc main() { helper(); x = 2 }
`, [][2]string{{"w", "Y"}}, "var x is used by stacks on two nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compile.Source("t.deck", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = compile.Place(p, tt.place, 0)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("placement refused: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one with %q", err, tt.err)
			}
		})
	}
}
