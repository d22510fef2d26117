package check

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// mutexCounter is the classic benchmark model: n workers each add 1 to a
// shared counter r times, under a mutex, and main checks the total.
func mutexCounter(n, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
const R = %d
var count = 0
mutex m

proc worker() {
    for i in 0..R {
        lock m
        count = count + 1
        unlock m
    }
}

proc main() {
`, r)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    let h%d = spawn worker()\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    join h%d\n", i)
	}
	fmt.Fprintf(&b, "    assert count == %d\n}\n", n*r)
	return b.String()
}

func benchMutex(b *testing.B, n, r, workers int, por bool) {
	m := mustCompile(b, "mutex_counter.deck", mutexCounter(n, r))
	var states, trans int64
	var bps float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Run(m, Options{Workers: workers, NoPOR: !por})
		if err != nil || rep.Verdict != VerdictOK {
			b.Fatalf("%v %v", err, rep.Verdict)
		}
		states, trans, bps = rep.States, rep.Transitions, rep.BytesPerState
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(states), "states")
	b.ReportMetric(float64(states)/sec, "states/s")
	b.ReportMetric(float64(trans)/sec, "transitions/s")
	b.ReportMetric(bps, "B/state")
}

// BenchmarkMutexCounter measures the search on the mutex counter at about
// 10^5 to 10^7 states, with partial-order reduction (6 workers and 3
// rounds, 7 and 3, 7 and 4) and without (4 workers and 3 rounds, 5 and 3),
// on 1 and 2 search workers. The 1-to-2-worker speedup grows with the size:
// each breadth-first level ends at a barrier whose fixed costs weigh more
// on small searches.
func BenchmarkMutexCounter(b *testing.B) {
	cases := []struct {
		name string
		n, r int
		por  bool
	}{
		{"por-n6r3", 6, 3, true},
		{"por-n7r3", 7, 3, true},
		{"por-n7r4", 7, 4, true},
		{"nopor-n4r3", 4, 3, false},
		{"nopor-n5r3", 5, 3, false},
	}
	for _, cs := range cases {
		for _, workers := range []int{1, 2} {
			name := fmt.Sprintf("%s/workers=%d", cs.name, workers)
			b.Run(name, func(b *testing.B) { benchMutex(b, cs.n, cs.r, workers, cs.por) })
		}
	}
}

// BenchmarkModels checks bench models of about a million states and more,
// safety only, breadth-first, one worker: the per-state speed that the
// comparison with Spin is about. Profile one with
//
//	go test ./check -run '^$' -bench 'Models/phil_n6_r3' -benchtime 1x -cpuprofile /tmp/m.prof
func BenchmarkModels(b *testing.B) {
	for _, path := range []string{
		"../bench/models/phil_n6_r3.deck",
		"../bench/models/counter_n7_r4.deck",
		"../bench/beem/models/peterson_n4.deck",
		"../bench/beem/models/szymanski_n4.deck",
		"../bench/models/tpc_n6.deck",
	} {
		name := strings.TrimSuffix(path[strings.LastIndex(path, "/")+1:], ".deck")
		b.Run(name, func(b *testing.B) {
			src, err := os.ReadFile(path)
			if err != nil {
				b.Skip(err)
			}
			p, err := compile.Source(name+".deck", src)
			if err != nil {
				b.Fatal(err)
			}
			if p, err = compile.Place(p, nil, 0); err != nil {
				b.Fatal(err)
			}
			benchSearch(b, vm.New(p), Options{Workers: 1, All: true}, "")
		})
	}
}

// BenchmarkTwoWorkers checks the bench models whose tables fit in the
// caches, and phil N=6 R=3, safety only, on 1 and 2 workers: what two
// processors that do not share a cache cost (docs/performance.md, "Two
// workers that do not share a cache"). Runs on two workers vary from
// minute to minute on a virtual machine; compare two builds by
// alternating them, a process each:
//
//	go test -c -o /tmp/a.test ./check   # at each commit
//	/tmp/a.test -test.run '^$' -test.bench 'TwoWorkers/filter' -test.benchtime 5x
func BenchmarkTwoWorkers(b *testing.B) {
	benchModelsWorkers(b, []string{"filter_n4_r1", "buffer_n3_s2_i3", "counter_n7_r4", "phil_n6_r3"}, func(b *testing.B, m *vm.Machine, workers int) {
		benchSearch(b, m, Options{Workers: workers, All: true}, "")
	})
}

// benchModelsWorkers runs f as a sub-benchmark for each bench model named
// and for 1 and 2 workers.
func benchModelsWorkers(b *testing.B, names []string, f func(b *testing.B, m *vm.Machine, workers int)) {
	for _, name := range names {
		src, err := os.ReadFile("../bench/models/" + name + ".deck")
		if err != nil {
			b.Skip(err)
		}
		m := mustCompile(b, name+".deck", string(src))
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", name, workers), func(b *testing.B) { f(b, m, workers) })
		}
	}
}

// benchSearch runs the search b.N times and reports its states and its
// states and transitions a second. The verdict must be want, or any
// complete one when want is "".
func benchSearch(b *testing.B, m *vm.Machine, opt Options, want string) {
	var states, trans int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Run(m, opt)
		if err != nil || rep.Verdict == VerdictIncomplete || want != "" && rep.Verdict != want {
			b.Fatalf("%v %v", err, rep.Verdict)
		}
		states, trans = rep.States, rep.Transitions
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(states), "states")
	b.ReportMetric(float64(states)/sec, "states/s")
	b.ReportMetric(float64(trans)/sec, "transitions/s")
}

// BenchmarkProgress checks bench models with the progress check (weak
// fairness) on 1 and 2 workers, and reports the progress pass's time, its
// states, and its time over the safety search's (the target is at
// most 2):
//
//	go test ./check -run '^$' -bench Progress -benchtime 1x -count 3
func BenchmarkProgress(b *testing.B) {
	benchModelsWorkers(b, []string{"phil_n5_r3", "counter_n6_r3", "filter_n3_r3"}, func(b *testing.B, m *vm.Machine, workers int) {
		var rep *Report
		var prog, total float64
		for i := 0; i < b.N; i++ {
			var err error
			rep, err = Run(m, Options{Workers: workers, CheckProgress: true})
			if err != nil || rep.Progress == nil || rep.Progress.Status != ProgressOK {
				b.Fatalf("%v %+v", err, rep.Progress)
			}
			prog += rep.Progress.Elapsed.Seconds()
			total += rep.Elapsed.Seconds() // the safety search alone
		}
		n := float64(b.N)
		b.ReportMetric(float64(rep.Progress.States), "pstates")
		b.ReportMetric(prog/n, "progress-s")
		b.ReportMetric(prog/total, "progress/safety")
	})
}
