package real

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/vm"
)

// The benchmarks report cards/s (all workers together), cards/s per
// worker, and ns per card. Run them with
//
//	go test -run '^$' -bench . -benchtime 3x ./real
//
// independentSrc: two stacks that share nothing, each a long loop of local
// arithmetic (three cards per iteration: the loop test, s = ..., i++).
const independentSrc = `
const N = %d
var out[2]
proc work(id) {
    let s = 0
    for i in 0..N {
        s = (s + i * i) %% 1000003
    }
    out[id] = s
}
proc main() {
    let a = spawn work(0)
    let b = spawn work(1)
    join a
    join b
}
`

// benchIters is the loop length of each of the two independent stacks.
const benchIters = 10_000_000

func benchRun(b *testing.B, m *vm.Machine, opt Options) {
	b.Helper()
	var cards int64
	var elapsed time.Duration
	for b.Loop() {
		res, err := Run(m, opt)
		if err != nil || res.Violation != nil || res.Stopped != "" {
			b.Fatalf("%v %v %s", err, res.Violation, res.Stopped)
		}
		cards += res.Cards
		elapsed += res.Elapsed
	}
	sec := elapsed.Seconds()
	b.ReportMetric(float64(cards)/sec, "cards/s")
	b.ReportMetric(float64(cards)/sec/float64(opt.Workers), "cards/s/worker")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(cards), "ns/card")
}

// BenchmarkIndependent: the speedup of two workers over one on two
// independent CPU-bound stacks, with lock stripes (the design) and with
// one global lock around every card (for comparison).
func BenchmarkIndependent(b *testing.B) {
	benchLocking(b, machine(b, fmt.Sprintf(independentSrc, benchIters)))
}

// benchLocking runs m on 1 and 2 workers, with a lock per global (the
// design) and with one global lock.
func benchLocking(b *testing.B, m *vm.Machine) {
	for _, global := range []bool{false, true} {
		for _, workers := range []int{1, 2} {
			name := fmt.Sprintf("stripes/workers=%d", workers)
			if global {
				name = fmt.Sprintf("globallock/workers=%d", workers)
			}
			b.Run(name, func(b *testing.B) {
				benchRun(b, m, Options{Workers: workers, globalLock: global})
			})
		}
	}
}

// BenchmarkGoLoop is the same work as BenchmarkIndependent in plain Go,
// with the overflow checks deck makes: the cost per iteration that the
// cards add to (three cards per iteration). With goroutines=2 the two
// loops run on two goroutines: the speedup the machine itself offers at
// the moment, to hold BenchmarkIndependent's against.
func BenchmarkGoLoop(b *testing.B) {
	for _, g := range []int{1, 2} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			var sinks [2]struct {
				v int64
				_ [56]byte
			}
			for b.Loop() {
				var wg sync.WaitGroup
				for id := 0; id < 2; id++ {
					loop := func() { sinks[id].v += goLoop(benchIters) }
					if g == 1 {
						loop()
						continue
					}
					wg.Go(loop)
				}
				wg.Wait()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*benchIters*3), "ns/card-equivalent")
		})
	}
}

// goLoop is one stack of independentSrc in Go.
func goLoop(n int64) int64 {
	s := int64(0)
	for i := int64(0); i < n; i++ {
		sq := i * i
		if i != 0 && sq/i != i {
			panic("overflow")
		}
		t := s + sq
		if (s^t)&(sq^t) < 0 {
			panic("overflow")
		}
		s = t % 1000003
	}
	return s
}

// BenchmarkSimulator deals the same program in the simulator (one
// processor, no schedule kept), for scale.
func BenchmarkSimulator(b *testing.B) {
	m := machine(b, fmt.Sprintf(independentSrc, benchIters/10))
	var cards int64
	for b.Loop() {
		res, err := deal.Run(m, deal.Options{Dealer: deal.RoundRobin, CPUs: 1, Quantum: 64, NoSchedule: true, MaxTicks: 1 << 40})
		if err != nil || res.Violation != nil {
			b.Fatal(err, res.Violation)
		}
		cards += res.Cards
	}
	b.ReportMetric(float64(cards)/b.Elapsed().Seconds(), "cards/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(cards), "ns/card")
}

// BenchmarkRecord is BenchmarkIndependent with --record: every card takes
// a ticket from one shared counter and appends a move.
func BenchmarkRecord(b *testing.B) {
	m := machine(b, fmt.Sprintf(independentSrc, benchIters/10))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchRun(b, m, Options{Workers: workers, Record: true})
		})
	}
}

// disjointSrc: two stacks each incrementing their own shared counter,
// atomically: every card of the loop body locks a stripe, but not the
// same one.
const disjointSrc = `
const N = %d
var a = 0
var b = 0
proc left() {
    for i in 0..N { atomic { a++ } }
}
proc right() {
    for i in 0..N { atomic { b++ } }
}
proc main() {
    let l = spawn left()
    let r = spawn right()
    join l
    join r
}
`

// BenchmarkDisjointShared: shared cards on different globals run in
// parallel with stripes and serialise with a global lock.
//
// With record, every atomic card also takes a ticket from the one shared
// counter: the cost of --record when most cards touch shared memory.
func BenchmarkDisjointShared(b *testing.B) {
	m := machine(b, fmt.Sprintf(disjointSrc, benchIters/10))
	for _, mode := range []string{"stripes", "globallock", "record"} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode, workers), func(b *testing.B) {
				benchRun(b, m, Options{Workers: workers, globalLock: mode == "globallock", Record: mode == "record"})
			})
		}
	}
}

// BenchmarkContended: eight stacks increment one counter under a mutex:
// every card but the loop's own touches the same global.
func BenchmarkContended(b *testing.B) {
	benchLocking(b, counterProgram(b, "lock m; x++; unlock m"))
}

// BenchmarkExecOnly runs one stack of independentSrc by calling
// vm.Machine.Exec in a bare loop, without the runner: what the cards cost
// by themselves, to split BenchmarkIndependent's ns/card into the VM's
// share and the runner's.
func BenchmarkExecOnly(b *testing.B) {
	m := machine(b, fmt.Sprintf(independentSrc, benchIters))
	p := m.P
	var work int32 = -1
	for k := range p.Procs {
		if p.Procs[k].Name == "work" {
			work = int32(k)
		}
	}
	pr := &p.Procs[work]
	sh := make([]int64, p.SharedWords)
	var cards int64
	for b.Loop() {
		loc := make([]int64, pr.NLocals)
		h := &bareHost{sh: sh, loc: loc}
		for pc := pr.Entry; pc >= 0; {
			next, res := m.Exec(sh, loc, 1, pc, 0, h)
			if res.Status != vm.OK {
				b.Fatal(res)
			}
			cards++
			if next < 0 {
				break
			}
			m.Kill(loc, &p.Cards[pc], next)
			pc = next
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(cards), "ns/card")
}

// bareHost is enough of a vm.Host for one stack that only finishes.
type bareHost struct{ sh, loc []int64 }

func (h *bareHost) Shared() []int64                     { return h.sh }
func (h *bareHost) Locals() []int64                     { return h.loc }
func (h *bareHost) StackDone(int64) (bool, bool, int64) { return false, false, 0 }
func (h *bareHost) Spawn(int32, []int64) (int64, bool)  { return 0, false }
func (h *bareHost) Print([]int64)                       {}
func (h *bareHost) Finish(int64)                        {}
