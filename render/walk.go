// Package render draws what a run leaves behind as pictures: plain SVG
// (lanes per stack, the per-processor timeline, arrows from writes to the
// reads that saw them, a sequence diagram of channels and messages, the
// state graph of a tiny program) and one self-contained HTML page that
// steps through a run card by card. The output is generated in Go, needs no
// JavaScript to view (the page's stepping buttons are a small inline
// script) and is byte-stable, so that tests can compare it with golden
// files.
//
// Pictures are drawn from a Run, which Walk builds by replaying a
// schedule through vm.Step, the same way deal replays it.
package render

import (
	"cmp"
	"fmt"
	"github.com/deck-lang/deck/deal"
	"slices"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Status is what a stack did during one tick.
type Status uint8

const (
	NotYet   Status = iota // not spawned yet
	Running                // took a card
	Ready                  // could have moved, but was not dealt
	Blocked                // could not move: see Cell.Why
	Finished               // done
	Down                   // its node has crashed
)

// Cell is one stack during one tick.
type Cell struct {
	Status Status
	CPU    int    // Running: the processor row (see Run.CPURows)
	Step   int    // Running: index in Run.Steps
	Why    string // Blocked: what the stack waits for
}

// Lane is one stack.
type Lane struct {
	Name string
	Node int32 // -1 for a program on one machine
}

// Event links the steps of a channel or a message for the sequence
// diagram and the data-flow arrows.
type Event struct {
	From, To int    // step indexes; To is -1 for a message never delivered
	Label    string // "x=0", "m2 send request <- 30", "c <- 3"
	Kind     string // "read" (write→read), "stale" (a read a lost update was computed from), "chan", "msg", "drop"
}

// Run is a run ready to be drawn.
type Run struct {
	Title    string
	Schedule string
	Lanes    []Lane
	Nodes    []string // nil for a program on one machine
	CPURows  []string // one per processor, then "network" for a placed program
	Ticks    int
	Cells    [][]Cell     // [lane][tick]
	Steps    []trace.Step // every move, in order
	Initial  []trace.Value
	After    [][]trace.Value // shared variables after each step (WithState)
	Printed  [][]string      // lines printed after each step (WithState)
	Flow     []Event         // write→read arrows worth drawing
	Lost     map[int]string  // step index of a write overwritten before anyone read it → why
	Messages []Event         // channel values and network messages
	Ending   string          // the violation, or the final values
	Failed   bool            // Ending is a violation
	// End says that the last column is not a tick but the state the run
	// ended in, drawn when some stack had not finished: a deadlock's
	// stacks, blocked, and what they wait for.
	End bool
	// CycleFrom, for a lasso (a progress violation), is the first tick of
	// its cycle, which comes back to the state it started from and can
	// repeat forever; the cycle is drawn once, to the last tick. -1 when
	// the run has no cycle. CycleNote is what the picture says of it.
	CycleFrom int
	CycleNote string
}

// Options tune Walk.
type Options struct {
	Title string
	// CPUs is the processor of each move of the schedule, as deal.Result
	// records it; nil assigns them as a replay does.
	CPUs []uint16
	// CPUsPerNode is the number of processors (per node, for a placed
	// program); 0 takes the most moves of stacks in one tick.
	CPUsPerNode int
	// WithState keeps the shared variables and printed lines after every
	// step (for HTML).
	WithState bool
	// Violation is the violation the run shows, as the engine that ran it
	// found it (deal's, the check's), when it is one Walk cannot see by
	// itself: a livelock, a starvation, a property never met.
	Violation *trace.Violation
	// CycleNote, for a schedule with a cycle, is what the picture says of
	// the cycle, as the replay judged it; "" for one that comes back and
	// can repeat forever. Draw a cycle that did not come back as played.
	CycleNote string
}

// maxWalkTicks bounds the ticks Walk replays: pictures of longer runs
// would not be readable (the text output summarises them instead).
const maxWalkTicks = 200_000

// Walk replays schedule sch of the program from its initial state and
// records, tick by tick, what every stack did.
func Walk(m *vm.Machine, sch *trace.Schedule, opt Options) (*Run, error) {
	p := m.P
	if sch.NumTicks() > maxWalkTicks {
		return nil, fmt.Errorf("the run is %d ticks long; pictures stop at %d", sch.NumTicks(), maxWalkTicks)
	}
	ncpu := opt.CPUsPerNode
	if ncpu <= 0 {
		ncpu = deal.ReplayCPUs(m, sch) // what a replay of sch deals on
	}
	r := &Run{Title: opt.Title, Schedule: sch.String(), Ticks: sch.NumTicks(), Lost: map[int]string{}, CycleFrom: -1}
	if sch.Cycle > 0 {
		r.CycleFrom = sch.Prefix()
		r.CycleNote = cmp.Or(opt.CycleNote, CycleNote(""))
	}
	s := m.Init()
	if p.Net != nil {
		s.Track = true
		r.Nodes = append(r.Nodes, p.Net.Nodes...)
		r.CPURows = trace.NodeRows(m, ncpu)
	} else {
		for k := 0; k < ncpu; k++ {
			r.CPURows = append(r.CPURows, fmt.Sprintf("cpu%d", k))
		}
	}
	r.Initial = sharedValues(m, s)
	var cells [][]Cell
	before := &vm.State{}
	at := 0 // move index
	for t := 0; t < sch.NumTicks(); t++ {
		moves := sch.Tick(t)
		// What every stack was doing as the tick began.
		for len(cells) < s.NumStacks() {
			cells = append(cells, make([]Cell, sch.NumTicks()))
		}
		for i := 0; i < s.NumStacks(); i++ {
			cells[i][t] = cellOf(m, s, i)
		}
		for k, mv := range moves {
			before.CopyFrom(s)
			var st trace.Step
			if mv.IsNet() {
				if p.Net == nil {
					return nil, fmt.Errorf("tick %d: a network move in a program that is not placed", t+1)
				}
				switch mv.Stack {
				case trace.NetDeliver, trace.NetDrop, trace.NetDup:
					j := s.FindMsg(mv.Choice)
					if j < 0 {
						return nil, fmt.Errorf("tick %d: message %d is not in flight", t+1, mv.Choice)
					}
					if mv.Stack == trace.NetDrop {
						m.Drop(s, j)
					} else {
						m.Deliver(s, j, mv.Stack == trace.NetDup)
					}
					st = trace.RecordNet(m, before, s, mv.Stack, j, int64(t))
				case trace.NetCrash:
					m.Crash(s, mv.Choice)
					st = trace.RecordFault(m, s, s.Lost[len(before.Lost):], mv.Stack, int64(mv.Choice), int64(t))
				case trace.NetSplit:
					m.Split(s, uint64(mv.Choice))
					st = trace.RecordFault(m, s, s.Lost[len(before.Lost):], mv.Stack, int64(mv.Choice), int64(t))
				case trace.NetHeal:
					m.Heal(s)
					st = trace.RecordFault(m, s, nil, mv.Stack, 0, int64(t))
				}
				st.CPU = len(r.CPURows) - 1
			} else {
				i := int(mv.Stack)
				if i >= s.NumStacks() || s.Finished(p, i) || !m.Enabled(s, i) {
					return nil, fmt.Errorf("tick %d: stack %d cannot move", t+1, i)
				}
				if int(mv.Choice) >= max(1, m.Choices(s, i)) {
					return nil, fmt.Errorf("tick %d: stack %d has no choice %d", t+1, i, mv.Choice)
				}
				cpu := k
				if opt.CPUs != nil && at < len(opt.CPUs) {
					cpu = int(opt.CPUs[at])
				} else if p.Net != nil {
					cpu = int(m.StackNode(s, i)) * ncpu
					for _, e := range moves[:k] {
						if !e.IsNet() && m.StackNode(s, int(e.Stack)) == m.StackNode(s, i) {
							cpu++
						}
					}
				}
				pc := s.PC(i)
				res := m.Step(s, i, int(mv.Choice))
				st = trace.Record(m, before, s, i, pc, int(mv.Choice), res, int64(t), cpu)
				cells[i][t] = Cell{Status: Running, CPU: cpu, Step: len(r.Steps)}
			}
			r.Steps = append(r.Steps, st)
			if opt.WithState {
				r.After = append(r.After, sharedValues(m, s))
				r.Printed = append(r.Printed, m.OutputLines(s))
			}
			chanEvent(m, before, s, st, len(r.Steps)-1, &r.Messages)
			at++
		}
	}
	for len(cells) < s.NumStacks() {
		cells = append(cells, make([]Cell, sch.NumTicks()))
	}
	// The state the run ended in, as a column of its own, when a stack
	// had not finished: a picture of a deadlock shows every stack blocked.
	// (Not after a card that failed, whose stack stops there, nor for a
	// cycle, which does not end.)
	failed := len(r.Steps) > 0 && r.Steps[len(r.Steps)-1].Failed
	for i := 0; i < s.NumStacks() && !r.End && r.CycleFrom < 0 && !failed; i++ {
		r.End = !s.Finished(p, i) && (p.Net == nil || !m.Stopped(s, i))
	}
	if r.End {
		for i := 0; i < s.NumStacks(); i++ {
			cells[i] = append(cells[i], cellOf(m, s, i))
		}
		r.Ticks++
	}
	r.Cells = cells
	for i := 0; i < s.NumStacks(); i++ {
		l := Lane{Name: m.StackName(s, i), Node: -1}
		if p.Net != nil {
			l.Node = m.StackNode(s, i)
		}
		r.Lanes = append(r.Lanes, l)
	}
	r.matchChannels()
	r.matchMessages()
	r.dataFlow()
	r.ending(m, s)
	if v := opt.Violation; v != nil && !r.Failed {
		r.Ending, r.Failed = "violation: "+v.Describe(), true
	}
	return r, nil
}

// cellOf is what stack i is doing in state s, before it takes a card:
// finished, stopped with its node, ready, or blocked and why.
func cellOf(m *vm.Machine, s *vm.State, i int) Cell {
	p := m.P
	switch {
	case s.Finished(p, i):
		return Cell{Status: Finished}
	case p.Net != nil && m.Stopped(s, i):
		return Cell{Status: Down}
	case m.Enabled(s, i):
		return Cell{Status: Ready}
	}
	return Cell{Status: Blocked, Why: m.WaitReason(s, i)}
}

// ending describes how the run ended: the violation it reached, or the
// shared variables and printed lines.
func (r *Run) ending(m *vm.Machine, s *vm.State) {
	p := m.P
	if n := len(r.Steps); n > 0 && r.Steps[n-1].Failed {
		st := r.Steps[n-1]
		r.Ending, r.Failed = fmt.Sprintf("violation: %s failed at card %s (%s %s)", st.Stack, st.Card, trace.ShortPos(st.Pos), st.Text), true
		return
	}
	if k, f := m.CheckAlways(s); k >= 0 {
		v := trace.Always(m, s, k, f)
		r.Ending, r.Failed = "violation: "+v.Describe(), true
		return
	}
	all, stuck := true, false
	for i := 0; i < s.NumStacks(); i++ {
		if !s.Finished(p, i) && (p.Net == nil || !m.Stopped(s, i)) {
			all = false
			if !m.Enabled(s, i) {
				stuck = true
			}
		}
	}
	var vals []string
	for _, v := range sharedValues(m, s) {
		vals = append(vals, v.Name+"="+v.Value)
	}
	for _, l := range m.OutputLines(s) {
		vals = append(vals, fmt.Sprintf("print=%q", l))
	}
	text := "final: " + strings.Join(vals, " ")
	switch {
	case all:
	case stuck && !anyEnabled(m, s) && (p.Net == nil || !m.NetEnabled(s) && !m.NetDroppable(s)):
		// (A message a lossy network may still drop is a move, as for
		// the checker and deal's replays: no deadlock yet.)
		v := trace.Deadlock(m, s)
		r.Ending, r.Failed = "violation: "+v.Describe(), true
		return
	default:
		text = "stopped (some stacks could still move): " + strings.Join(vals, " ")
	}
	r.Ending = text
}

func anyEnabled(m *vm.Machine, s *vm.State) bool {
	for i := 0; i < s.NumStacks(); i++ {
		if !s.Finished(m.P, i) && m.Enabled(s, i) {
			return true
		}
	}
	return false
}

// sharedValues lists the shared variables of s.
func sharedValues(m *vm.Machine, s *vm.State) []trace.Value {
	var out []trace.Value
	for _, v := range m.Outcome(s).Vars {
		out = append(out, trace.Value{Name: v.Name, Value: v.Show()})
	}
	return out
}

// chanEvent notes a channel operation: a card that put a value in a
// channel (or offered it), a delivery that put one, a card that took one.
// It is recorded in evs as an Event with To -2 (put) or -3 (take), to be
// paired by matchChannels.
func chanEvent(m *vm.Machine, before, after *vm.State, st trace.Step, k int, evs *[]Event) {
	p := m.P
	put := false
	switch {
	case st.Net == "deliver" || st.Net == "duplicate":
		if !strings.HasPrefix(st.Msg.What, "send ") {
			return
		}
		put = true
	case st.Net != "" || st.PC < 0:
		return
	default:
		switch p.Cards[st.PC].Op {
		case card.Send:
			put = true
		case card.Recv:
		default:
			return
		}
	}
	shB, shA := before.Shared(p), after.Shared(p)
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind != card.GChan {
			continue
		}
		n := max(g.Len, 1) * g.Stride
		for w := g.Base; w < g.Base+n; w++ {
			if shB[w] == shA[w] {
				continue
			}
			key := g.Name
			if g.Len > 0 {
				key = fmt.Sprintf("%s[%d]", g.Name, (w-g.Base)/g.Stride)
			}
			kind := -3
			if put {
				kind = -2
			}
			*evs = append(*evs, Event{From: k, To: kind, Label: key})
			return
		}
	}
}

// matchChannels pairs the puts and takes of each channel element in FIFO
// order into "chan" events.
func (r *Run) matchChannels() {
	puts := map[string][]int{}
	var out []Event
	for _, e := range r.Messages {
		switch e.To {
		case -2:
			puts[e.Label] = append(puts[e.Label], e.From)
		case -3:
			q := puts[e.Label]
			if len(q) == 0 {
				continue
			}
			from := q[0]
			puts[e.Label] = q[1:]
			label := e.Label
			if sets := r.Steps[e.From].Sets; len(sets) > 0 {
				label = fmt.Sprintf("%s → %s=%s", e.Label, sets[0].Name, sets[0].Value)
			}
			out = append(out, Event{From: from, To: e.From, Label: label, Kind: "chan"})
		}
	}
	r.Messages = out
}

// matchMessages pairs every message sent with its deliveries and drops.
func (r *Run) matchMessages() {
	sent := map[int32]int{}
	for k, st := range r.Steps {
		for _, msg := range st.Sent {
			sent[msg.N] = k
		}
		if st.Net == "" || st.Msg.N == 0 {
			continue
		}
		from, ok := sent[st.Msg.N]
		if !ok {
			continue
		}
		kind := "msg"
		if st.Net == "drop" {
			kind = "drop"
		}
		r.Messages = append(r.Messages, Event{From: from, To: k, Label: fmt.Sprintf("m%d %s", st.Msg.N, st.Msg.What), Kind: kind})
	}
	delivered := map[int32]bool{}
	for _, st := range r.Steps {
		if st.Net != "" && st.Msg.N != 0 {
			delivered[st.Msg.N] = true
		}
	}
	for k, st := range r.Steps {
		for _, msg := range st.Sent {
			if !delivered[msg.N] {
				r.Messages = append(r.Messages, Event{From: k, To: -1, Label: fmt.Sprintf("m%d %s (in flight)", msg.N, msg.What), Kind: "msg"})
			}
		}
	}
	slices.SortStableFunc(r.Messages, func(a, b Event) int { return a.From - b.From })
}

// dataFlow finds the write each read saw, and keeps the arrows that
// matter: reads of a variable that more than one stack touches, where the
// value came from another stack (or was the initial value); a read that a
// stack computed a write from after another stack had overwritten the
// value is "stale", and the overwritten write, unread, is lost.
func (r *Run) dataFlow() {
	touch := map[string]map[int]bool{}
	writers := map[string]map[int]bool{}
	for _, st := range r.Steps {
		if st.StackID < 0 {
			continue
		}
		for _, v := range st.Reads {
			if touch[v.Name] == nil {
				touch[v.Name] = map[int]bool{}
			}
			touch[v.Name][st.StackID] = true
		}
		for _, v := range st.Writes {
			if touch[v.Name] == nil {
				touch[v.Name] = map[int]bool{}
			}
			if writers[v.Name] == nil {
				writers[v.Name] = map[int]bool{}
			}
			touch[v.Name][st.StackID] = true
			writers[v.Name][st.StackID] = true
		}
	}
	shared := func(name string) bool { return len(touch[name]) > 1 && len(writers[name]) > 0 }
	last := map[string]int{}       // the step that last wrote a variable (absent: the initial value)
	lastRead := map[[2]any]int{}   // (stack, variable) → the step of its last read
	readSince := map[string]bool{} // the last write has been read by another stack
	stale := map[int]bool{}
	for k, st := range r.Steps {
		for _, v := range st.Reads {
			if !shared(v.Name) {
				continue
			}
			from, ok := last[v.Name]
			if !ok {
				from = -1
			}
			if from < 0 || r.Steps[from].StackID != st.StackID {
				r.Flow = append(r.Flow, Event{From: from, To: k, Label: v.Name + "=" + v.Value, Kind: "read"})
				readSince[v.Name] = true
			}
			lastRead[[2]any{st.StackID, v.Name}] = k
		}
		for _, v := range st.Writes {
			if !shared(v.Name) {
				continue
			}
			if st.StackID >= 0 {
				if rd, ok := lastRead[[2]any{st.StackID, v.Name}]; ok {
					if w, ok := last[v.Name]; ok && w > rd && r.Steps[w].StackID != st.StackID {
						// Another stack wrote v after we read it: our write
						// is computed from a stale value.
						stale[rd] = true
						if !readSince[v.Name] {
							r.Lost[w] = fmt.Sprintf("%s=%s by %s was overwritten by %s before anyone read it: an update is lost", v.Name, writtenValue(r.Steps[w], v.Name), r.Steps[w].Stack, st.Stack)
						}
					}
					delete(lastRead, [2]any{st.StackID, v.Name})
				}
			}
			last[v.Name] = k
			readSince[v.Name] = false
		}
	}
	for i := range r.Flow {
		if stale[r.Flow[i].To] {
			r.Flow[i].Kind = "stale"
		}
	}
}

// writtenValue is the value step st wrote to variable name.
func writtenValue(st trace.Step, name string) string {
	for _, v := range st.Writes {
		if v.Name == name {
			return v.Value
		}
	}
	return "?"
}

// CycleNote is what a picture says of a replayed cycle that came back to
// its first state every pass, given why a run round it forever would not be
// fair ("" when it would be).
func CycleNote(unfair string) string {
	if unfair != "" {
		return "cycle: comes back to the state it started from, but a run round it forever is not fair: " + unfair
	}
	return "cycle: comes back to the state it started from, and can repeat forever"
}
