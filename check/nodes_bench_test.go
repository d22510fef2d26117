package check

import (
	"os"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// BenchmarkNodesTwoPhaseCommit checks bench/models/tpc_n6.deck (two-phase
// commit, six participants each on its own node, ordered network; 1.16 M
// states with reduction) and, for comparison, the same program on one node
// (every procedure placed on home: 114 K states). bench/nodes.sh measures
// the whole process; this isolates the search for profiling:
//
//	go test ./check -run '^$' -bench NodesTwoPhaseCommit -benchtime 1x -cpuprofile /tmp/tpc.prof
func BenchmarkNodesTwoPhaseCommit(b *testing.B) {
	src, err := os.ReadFile("../bench/models/tpc_n6.deck")
	if err != nil {
		b.Skip(err)
	}
	cases := []struct {
		name string
		src  string
		mode card.NetMode
	}{
		{"placed-ordered", string(src), 0},
		{"placed-unordered", string(src), card.Unordered},
		{"local", stripPlace(string(src)), 0},
	}
	for _, cs := range cases {
		b.Run(cs.name, func(b *testing.B) {
			p, err := compile.Source("tpc_n6.deck", []byte(cs.src))
			if err != nil {
				b.Fatal(err)
			}
			// place declarations take effect through compile.Place, as in cmd/deck
			if p, err = compile.Place(p, nil, cs.mode); err != nil {
				b.Fatal(err)
			}
			benchSearch(b, vm.New(p), Options{Workers: 1}, VerdictOK)
		})
	}
}

// stripPlace comments out the place declarations: every stack on home.
func stripPlace(src string) string {
	out := []byte{}
	for _, line := range splitLines(src) {
		if len(line) >= 6 && line[:6] == "place " {
			line = "// " + line
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return string(out)
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
