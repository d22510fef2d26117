package check

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// deepNarrow has one state a level, for ever.
const deepNarrow = `
var x = 0
proc main() {
    for i in 0..9223372036854775807 { x = i }
}
`

// TestDeepNarrowMemory: a search a million levels deep, one state a level,
// stops at its memory limit with an incomplete verdict, and what it
// allocated stays within a small multiple of the limit. The parent records
// of every level, the level tables and everything else a level holds
// count (it used to stop at 9 times its limit, and die of the system's
// limit past a few GiB).
func TestDeepNarrowMemory(t *testing.T) {
	for _, prog := range []string{deepNarrow, "var x = 0\nproc main() {\n    while true { x++ }\n}\n"} {
		m := mustCompile(t, "deep.deck", prog)
		const limit = 16 << 20
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rep := mustRun(t, m, Options{Workers: 2, MaxMemory: limit})
		runtime.ReadMemStats(&after)
		if rep.Verdict != VerdictIncomplete || !strings.Contains(rep.Incomplete, "memory limit") {
			t.Fatalf("verdict %s: %s", rep.Verdict, rep.Incomplete)
		}
		if rep.Depth < 100000 {
			t.Errorf("stopped %d deep: the limit is too tight to say anything", rep.Depth)
		}
		held := rep.BytesPerState * float64(rep.States)
		if held > limit || rep.BytesPerState < 16 {
			t.Errorf("held %.0f bytes (%.1f a state) for a limit of %d", held, rep.BytesPerState, limit)
		}
		// Every table grows by doubling (the visited set by four while
		// small) and the old one is let go: at most about twice the limit
		// is ever allocated, plus the report and the runtime.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*limit {
			t.Errorf("allocated %d bytes in all for a limit of %d", alloc, limit)
		}
		t.Logf("%d states, %d deep, %.1f bytes a state, %d bytes allocated", rep.States, rep.Depth,
			rep.BytesPerState, after.TotalAlloc-before.TotalAlloc)
	}
}

// TestWideFirstLevel: a first level of 30,000 states, each with one
// successor, projects 30,000 successors a state; the projection must not
// stop the search, which fits in a few MiB.
func TestWideFirstLevel(t *testing.T) {
	m := mustCompile(t, "wide.deck", "proc main() {\n    let k = choose 0..30000\n    print k\n}\n")
	for _, limit := range []int64{0, 64 << 20} {
		rep := mustRun(t, m, Options{Workers: 2, MaxMemory: limit})
		// 30,000 outcomes found; the report lists the first
		// MaxReportedOutcomes.
		if rep.Verdict != VerdictOK || rep.OutcomesFound != 30000 || len(rep.Outcomes) != MaxReportedOutcomes {
			t.Fatalf("limit %d: verdict %s, %d outcomes (%d listed): %s", limit, rep.Verdict, rep.OutcomesFound, len(rep.Outcomes), rep.Incomplete)
		}
	}
	// A limit it does not fit in still stops it.
	rep := mustRun(t, m, Options{Workers: 2, MaxMemory: 1 << 20})
	if rep.Verdict != VerdictIncomplete {
		t.Fatalf("1 MiB: verdict %s", rep.Verdict)
	}
}

// BenchmarkDeepNarrow measures the per-level cost of a search that is one
// state wide and a million levels deep.
func BenchmarkDeepNarrow(b *testing.B) {
	m := mustCompile(b, "deep.deck", deepNarrow)
	var rep *Report
	for i := 0; i < b.N; i++ {
		rep = mustRun(b, m, Options{Workers: 2, MaxStates: 1 << 20})
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(rep.States)/sec, "states/s")
	b.ReportMetric(rep.BytesPerState, "B/state")
}

// BenchmarkPrintLines measures a search whose states carry many output
// records: one stack printing n lines, one state a line. The output
// records are part of the state vector (vm/state.go), so state i holds i
// records, and copying, hashing and storing each state makes the search
// quadratic in n (see docs/performance.md).
func BenchmarkPrintLines(b *testing.B) {
	for _, n := range []int{10000, 40000} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			m := mustCompile(b, "prints.deck", fmt.Sprintf("proc main() {\n    for i in 0..%d { print i }\n}\n", n))
			var rep *Report
			for i := 0; i < b.N; i++ {
				rep = mustRun(b, m, Options{Workers: 2})
			}
			if len(rep.Outcomes) != 1 || len(rep.Outcomes[0].Output) != n {
				b.Fatalf("%d outcomes", len(rep.Outcomes))
			}
			b.ReportMetric(float64(rep.States)/(b.Elapsed().Seconds()/float64(b.N)), "states/s")
		})
	}
}
