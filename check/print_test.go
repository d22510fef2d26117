package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deck-lang/deck/vm"
)

// TestPrintsKeepStatesSmall: a program that prints in a loop keeps the
// checker's states the same size whatever it printed (they hold a count
// and a digest of the lines, not the lines), and the reported outcome
// still has every line, rebuilt from its path.
func TestPrintsKeepStatesSmall(t *testing.T) {
	const n = 3000
	src := fmt.Sprintf("proc main() {\n    for i in 0..%d {\n        print \"line\", i\n    }\n}\n", n)
	m := mustCompile(t, "p.deck", src)
	s := m.InitHashed()
	size := len(s.W)
	for k := 0; k < 4*n && !s.Finished(m.P, 0); k++ {
		if r := m.Step(s, 0, 0); r.Status != vm.OK {
			t.Fatalf("step %d: %v", k, r.Status)
		}
		if len(s.W) > size+2 { // the stack's locals may come and go
			t.Fatalf("after %d cards the state has %d words, at first %d", k+1, len(s.W), size)
		}
	}
	if lines, _ := m.OutputDigest(s); lines != n {
		t.Fatalf("the digest counts %d lines, want %d", lines, n)
	}
	rep := mustRun(t, m, Options{Workers: 1})
	if len(rep.Outcomes) != 1 || len(rep.Outcomes[0].Output) != n || !strings.HasPrefix(rep.Outcomes[0].Key, `print="line 0" print="line 1"`) {
		t.Fatalf("outcomes %v", rep.Outcomes)
	}
}

// TestDigestTellsOutputsApart: two shuffles that print the same lines in
// another order are two outcomes, as before the digest.
func TestDigestTellsOutputsApart(t *testing.T) {
	m := mustCompile(t, "d.deck", `
proc a() { print "a" }
proc b() { print "b" }
proc main() {
    let x = spawn a()
    let y = spawn b()
    join x; join y
}
`)
	rep := mustRun(t, m, Options{All: true})
	if got := outcomeKeys(rep); len(got) != 2 || got[0] != `print="a" print="b"` || got[1] != `print="b" print="a"` {
		t.Fatalf("outcomes %q", got)
	}
}
