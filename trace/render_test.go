package trace

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// denseRuns is the long timeline as it was first written: a cell per tick
// and processor, then runs of equal cells. TestTimelineRuns holds the
// streaming version to it.
func denseRuns(sch *Schedule, cpus []uint16, labels []string) string {
	ticks, ncpu := sch.NumTicks(), len(labels)
	rows := make([][]int, ncpu)
	for k := range rows {
		rows[k] = make([]int, ticks)
		for t := range rows[k] {
			rows[k][t] = -1
		}
	}
	set := make([][]bool, ncpu)
	for k := range set {
		set[k] = make([]bool, ticks)
	}
	at := 0
	for t := 0; t < ticks; t++ {
		for _, mv := range sch.Tick(t) {
			cpu := int(cpus[at])
			sym := int(mv.Stack)
			if mv.IsNet() {
				sym = netSymbol + int(mv.Stack) + 1
			}
			if !set[cpu][t] { // the first move of a row in a tick
				rows[cpu][t], set[cpu][t] = sym, true
			}
			at++
		}
	}
	width := 0
	for _, l := range labels {
		width = max(width, len(l))
	}
	var b strings.Builder
	for k, row := range rows {
		var runs []string
		total := 0
		for t := 0; t < len(row); {
			n := 1
			for t+n < len(row) && row[t+n] == row[t] {
				n++
			}
			total++
			if len(runs) < 24 {
				runs = append(runs, fmt.Sprintf("%s×%d", symbolOf(row[t]), n))
			}
			t += n
		}
		more := ""
		if total > 24 {
			more = fmt.Sprintf(" … (%d more switches)", total-24)
		}
		fmt.Fprintf(&b, "  %-*s  %s%s\n", width, labels[k], strings.Join(runs, " "), more)
	}
	return b.String()
}

// TestTimelineRuns: the long timeline, made as the schedule is read,
// shows the runs a cell per tick and processor would.
func TestTimelineRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		ncpu := 1 + rng.IntN(5)
		ticks := maxTimelineTicks + 1 + rng.IntN(400)
		var sch Schedule
		var cpus []uint16
		for t := 0; t < ticks; t++ {
			var tick []Move
			for k := 0; k < ncpu; k++ {
				if rng.IntN(3) == 0 { // idle
					continue
				}
				st := int32(rng.IntN(3))
				if trial%3 == 0 { // long runs of one stack
					st = int32(t / 50 % 2)
				}
				tick = append(tick, Move{Stack: st})
				cpus = append(cpus, uint16(k))
			}
			if len(tick) == 0 {
				tick = append(tick, Move{Stack: NetDeliver, Choice: 1})
				cpus = append(cpus, uint16(ncpu-1))
			}
			sch.Add(tick...)
		}
		labels := make([]string, ncpu)
		for k := range labels {
			labels[k] = fmt.Sprintf("cpu%d", k)
		}
		var got bytes.Buffer
		TimelineRows(&got, &sch, cpus, labels)
		if want := denseRuns(&sch, cpus, labels); got.String() != want {
			t.Fatalf("trial %d: got\n%s\nwant\n%s", trial, got.String(), want)
		}
	}
}
