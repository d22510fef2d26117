package check

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// BenchmarkNodesTwoPhaseCommit checks bench/models/tpc_n6.deck (two-phase
// commit, six participants each on its own node, ordered network; 594 K
// states with reduction, 1.16 M before quiet channels) and, for comparison,
// the same program on one node (every procedure placed on home: 103 K
// states). bench/nodes.sh measures the whole process; this isolates the
// search for profiling:
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

// BenchmarkPlacedAgainstLocal is issue 10's per-worker target as one
// measurement: the two-phase commit with five participants placed on their
// own nodes (tpc_n5, 76 K states since quiet channels; 131 K before)
// against the same protocol with six participants on one machine (tpc_n6
// without its place lines, 103 K states), the nearest pair in size among
// bench/models. (The placed tpc_n6 and the unplaced tpc_n7 are the same
// size, 594 K states, but tpc_n7 is not one of bench/models:
// docs/performance.md, "Quiet channels", measures that pair by hand.)
// The machine's speed wanders by 10-30 %
// between runs, far more than the difference being measured, so one
// process alternates the two searches rounds times and reports each one's
// best and median states per second, and the ratios placed/local:
//
//	GOMAXPROCS=1 GOGC=800 go test ./check -run '^$' -bench PlacedAgainstLocal -benchtime 1x
func BenchmarkPlacedAgainstLocal(b *testing.B) {
	placedSrc, err := os.ReadFile("../bench/models/tpc_n5.deck")
	if err != nil {
		b.Skip(err)
	}
	localSrc, err := os.ReadFile("../bench/models/tpc_n6.deck")
	if err != nil {
		b.Skip(err)
	}
	machine := func(name, src string) *vm.Machine {
		p, err := compile.Source(name, []byte(src))
		if err != nil {
			b.Fatal(err)
		}
		if p, err = compile.Place(p, nil, 0); err != nil {
			b.Fatal(err)
		}
		return vm.New(p)
	}
	placed := machine("tpc_n5.deck", string(placedSrc))
	local := machine("tpc_n6.deck", stripPlace(string(localSrc)))
	const rounds = 20
	rate := func(m *vm.Machine) float64 {
		start := time.Now()
		rep, err := Run(m, Options{Workers: 1})
		if err != nil || rep.Verdict != VerdictOK {
			b.Fatalf("%v %v", err, rep.Verdict)
		}
		return float64(rep.States) / time.Since(start).Seconds()
	}
	for i := 0; i < b.N; i++ {
		var p, l []float64
		for r := 0; r < rounds; r++ {
			p = append(p, rate(placed))
			l = append(l, rate(local))
		}
		slices.Sort(p)
		slices.Sort(l)
		b.ReportMetric(p[rounds-1], "placed-best-states/s")
		b.ReportMetric(l[rounds-1], "local-best-states/s")
		b.ReportMetric(p[rounds-1]/l[rounds-1], "best-ratio")
		b.ReportMetric(p[rounds/2]/l[rounds/2], "median-ratio")
	}
}
