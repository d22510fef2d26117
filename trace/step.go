package trace

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// Value is a named value a card read or wrote: `x = 3`, `a[1] = true`.
type Value struct {
	Name  string
	Value string
}

// Step is one card of a trace, with what it read and wrote.
type Step struct {
	Tick    int64
	CPU     int
	Node    string // a placed program's card: the node its stack runs on
	StackID int
	Stack   string
	PC      int32
	Card    string // number within its procedure
	Pos     string
	Text    string // what the card does
	Choice  int
	Reads   []Value // shared values read, as they were before the card
	Writes  []Value // shared values written, as they are after it
	Sets    []Value // the local the card set, if any
	Failed  bool
	// Objects are the synchronisation objects a card acted on, as they
	// are after it: "m" held by worker#1, "s" count 1, "c" [10] (1 of 2),
	// "done" set.
	Objects []Value
	// Passed is the value a send put in a channel of its own node (or
	// offered on a rendezvous), and, when the card set no local, the
	// value a recv took.
	Passed string
	// Tested are the locals an assert's condition read, as it found them.
	Tested []Value
	// Case is the case a select card took, as its text shows it ("v =
	// recv c", "send c, 1", "timeout").
	Case string
	// Local marks a card that touched nothing shared and synchronised
	// with nobody (a local assignment, a branch on locals, a yield, an
	// assert that held on locals): other stacks cannot tell it happened,
	// and a brief listing folds it away.
	Local bool
	// Sent lists the messages the card put in flight (placed programs),
	// and those it sent that a fault lost at once (their Lost says why).
	Sent []MsgEvent
	// Lost lists the messages in flight that a crash or a split lost.
	Lost []MsgEvent
	// Net is set on a step of the network rather than of a stack
	// (StackID -1): "deliver", "drop" or "duplicate", with the message.
	Net string
	Msg MsgEvent
	// Woke, on a signal or broadcast, names the stacks it woke: empty,
	// not nil, when nobody was asleep and the signal was lost.
	Woke []string
}

// MsgEvent names one message: its number, both nodes and what it carries.
type MsgEvent struct {
	N        int32
	From, To string
	What     string // e.g. "start worker#1", "send c <- 3"
	// Lost says why a fault lost the message as it was sent, or as it
	// was in flight ("Y is down", "the network is split"); "" otherwise.
	Lost string
}

func (e MsgEvent) String() string {
	s := fmt.Sprintf("m%d %s→%s %s", e.N, e.From, e.To, e.What)
	if e.Lost != "" {
		s += " (lost: " + e.Lost + ")"
	}
	return s
}

// lostEvent describes message msg, which a fault lost, in state s (after
// the loss).
func lostEvent(m *vm.Machine, s *vm.State, msg vm.Message) MsgEvent {
	ev := msgEvent(m, s, msg)
	if s.Down(msg.To) {
		ev.Lost = m.NodeName(msg.To) + " is down"
	} else {
		ev.Lost = "the network is split"
	}
	return ev
}

// msgEvent describes message msg of state s.
func msgEvent(m *vm.Machine, s *vm.State, msg vm.Message) MsgEvent {
	return MsgEvent{N: msg.Tag, From: m.NodeName(msg.From), To: m.NodeName(msg.To), What: m.DescribeMsg(s, msg)}
}

// netActions names the network's moves in traces.
var netActions = map[int32]string{NetDeliver: "deliver", NetDrop: "drop", NetDup: "duplicate"}

// RecordNet describes a network move: message k of state before
// delivered, dropped or duplicated (kind is NetDeliver, NetDrop or NetDup).
func RecordNet(m *vm.Machine, before, after *vm.State, kind int32, k int, tick int64) Step {
	ev := msgEvent(m, before, before.Msg(k))
	st := Step{Tick: tick, CPU: -1, StackID: -1, Stack: "network", PC: -1, Net: netActions[kind], Msg: ev}
	st.Text = fmt.Sprintf("%s %s", st.Net, ev)
	if kind != NetDrop {
		p := m.P
		shB, shA := before.Shared(p), after.Shared(p)
		for gi := range p.Globals {
			g := &p.Globals[gi]
			if g.Kind != card.GVar {
				continue
			}
			for e := int32(0); e < g.Elems(); e++ {
				if shB[g.Base+e] != shA[g.Base+e] {
					st.Writes = append(st.Writes, varValue(m, after, g, e, shA))
				}
			}
		}
		// What the delivery did to the objects of its node: the value in
		// the channel, the event set.
		recordObjects(m, before, after, &st, nil, -1, false)
	}
	return st
}

// SplitText names the two parts of a split that cuts the nodes of set cut
// off from home: "home,A | B,C".
func SplitText(m *vm.Machine, cut uint64) string {
	var home, rest []string
	for k := int32(0); k < int32(len(m.P.Net.Nodes)); k++ {
		if cut&(1<<k) != 0 {
			rest = append(rest, m.NodeName(k))
		} else {
			home = append(home, m.NodeName(k))
		}
	}
	return strings.Join(home, ",") + " | " + strings.Join(rest, ",")
}

// RecordFault describes a node fault: a crash of node n, a split that cuts
// the nodes of set n off from home, or a heal. lost are the messages in
// flight that it lost (after: the state after it).
func RecordFault(m *vm.Machine, after *vm.State, lost []vm.Message, kind int32, n int64, tick int64) Step {
	st := Step{Tick: tick, CPU: -1, StackID: -1, Stack: "network", PC: -1}
	for _, msg := range lost {
		st.Lost = append(st.Lost, msgEvent(m, after, msg))
	}
	switch kind {
	case NetCrash:
		st.Net = "crash"
		st.Text = fmt.Sprintf("crash %s: its stacks stop, messages to it are lost", m.NodeName(int32(n)))
	case NetSplit:
		st.Net = "split"
		st.Text = fmt.Sprintf("split %s: messages between them are lost", SplitText(m, uint64(n)))
	case NetHeal:
		st.Net = "heal"
		st.Text = "heal: the network is whole again"
	}
	return st
}

// sentBetween lists the messages in flight in after that were sent after
// the state before (both must track message numbers).
func sentBetween(m *vm.Machine, before, after *vm.State) []MsgEvent {
	var out []MsgEvent
	for k := 0; k < after.NumMsgs(); k++ {
		if msg := after.Msg(k); msg.Tag > before.Sent {
			out = append(out, msgEvent(m, after, msg))
		}
	}
	for _, msg := range after.Lost {
		if msg.Tag > before.Sent { // lost as it was sent
			out = append(out, lostEvent(m, after, msg))
		}
	}
	slices.SortFunc(out, func(a, b MsgEvent) int { return int(a.N - b.N) })
	return out
}

// Record describes the card stack i took at pc with the given choice,
// going from state before to state after with result r.
func Record(m *vm.Machine, before, after *vm.State, i int, pc int32, choice int, r vm.Result, tick int64, cpu int) Step {
	p := m.P
	c := &p.Cards[pc]
	st := Step{
		Tick: tick, CPU: cpu, StackID: i, Stack: m.StackName(before, i), PC: pc,
		Card: p.Numbers[pc], Pos: p.Position(c.Pos), Text: p.Labels[pc],
		Failed: r.Status == vm.Failed, Choice: choice,
	}
	var taken *card.SelectCase // the case a select took
	if c.Op == card.Select && r.Status == vm.OK {
		if k := m.SelectCase(before, i, choice); k >= 0 {
			taken = &card.SelectCases(p, c)[k]
			st.Case = taken.Src
		}
	}
	if p.Net != nil {
		st.Node = m.NodeName(m.StackNode(before, i))
	}
	shB, shA := before.Shared(p), after.Shared(p)
	if words, _, ok := m.Touches(before, i, nil); ok {
		// The reads the card really made, elements by their index: a
		// short-circuit that skipped a read shows none.
		for k, w := range words {
			if slices.Contains(words[:k], w) {
				continue
			}
			gi := p.GlobalAt(w)
			g := &p.Globals[gi]
			st.Reads = append(st.Reads, varValue(m, before, g, (w-g.Base)/g.Stride, shB))
		}
	} else {
		for _, a := range p.Accesses[pc] {
			g := &p.Globals[a.Global]
			if g.Kind != card.GVar || a.Write {
				continue
			}
			st.Reads = append(st.Reads, varValue(m, before, g, a.Elem, shB))
		}
	}
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind != card.GVar {
			continue
		}
		for e := int32(0); e < g.Elems(); e++ {
			w := g.Base + e
			written := shB[w] != shA[w]
			for _, a := range p.Accesses[pc] {
				if a.Write && a.Global == int32(gi) && (a.Elem == e || a.Elem == 0 && g.Len == 0) && c.Op == card.Store && r.Status == vm.OK {
					written = true
				}
			}
			if written {
				elem := e
				if g.Len == 0 {
					elem = 0
				}
				st.Writes = append(st.Writes, varValue(m, after, g, elem, shA))
			}
		}
	}
	if p.Net != nil && after.Track {
		st.Sent = sentBetween(m, before, after)
	}
	if c.Op.IsSync() || c.Op == card.Either {
		recordObjects(m, before, after, &st, c, pc, taken != nil && taken.Kind == card.CaseSend)
	}
	if c.Op == card.Assert {
		recordTested(m, before, i, &st, c)
	}
	if signals(p, pc) && r.Status == vm.OK {
		// Which sleepers moved on: the cond's count alone ("1 asleep")
		// does not say who, and a lost signal is the lesson.
		st.Woke = []string{}
		for j := 0; j < before.NumStacks() && j < after.NumStacks(); j++ {
			if j != i && p.Cards[before.PC(j)].Op == card.CondSleep && after.PC(j) != before.PC(j) {
				st.Woke = append(st.Woke, m.StackName(after, j))
			}
		}
		if len(st.Woke) == 0 && c.Op != card.Signal && c.Op != card.Broadcast {
			// An atomic block whose signal may not have run (it sits in
			// an if): say whom it woke, never that a wake-up was lost.
			st.Woke = nil
		}
	}
	switch c.Op {
	case card.Local, card.Nop, card.Branch, card.Assert:
		st.Local = !st.Failed && len(st.Reads) == 0 && len(st.Writes) == 0 && len(st.Sent) == 0
	}
	if c.Op == card.Recv && c.Dst < 0 && r.Status == vm.OK {
		if g := &p.Globals[c.Obj]; g.Kind == card.GChan {
			st.Passed = m.FormatValue(after, g.Type, r.Value)
		}
	}
	if c.Dst >= 0 && r.Status == vm.OK && c.Proc >= 0 {
		// r.Value is the value as the card stored it, before dead locals
		// were zeroed.
		t := c.DstType
		if c.Op == card.Spawn {
			t = card.THandle
		}
		name := p.Procs[c.Proc].Locals[c.Dst]
		if c.Op == card.Local && c.B > 0 {
			// An element of a local array ("w[i]"), or all of them ("w[]").
			base := strings.TrimSuffix(name, "[0]")
			if c.Y != card.NoExpr {
				name = base + "[" + p.Exprs[c.Y].Src + "]"
			} else {
				name = base + "[]"
			}
		}
		st.Sets = append(st.Sets, Value{Name: name, Value: m.FormatValue(after, t, r.Value)})
	}
	if taken != nil && taken.Kind == card.CaseRecv {
		// The value the recv case took: into its local, or, without one,
		// as a recv without a local shows it.
		if taken.Dst >= 0 {
			st.Sets = append(st.Sets, Value{Name: p.Procs[c.Proc].Locals[taken.Dst], Value: m.FormatValue(after, taken.DstType, r.Value)})
		} else if g := &p.Globals[taken.Obj]; g.Kind == card.GChan {
			st.Passed = m.FormatValue(after, g.Type, r.Value)
		}
	}
	return st
}

// signals reports whether card pc is a signal or a broadcast, or an atomic
// card whose body holds one.
func signals(p *card.Program, pc int32) bool {
	is := func(pc int32) bool { op := p.Cards[pc].Op; return op == card.Signal || op == card.Broadcast }
	if is(pc) {
		return true
	}
	if op := p.Cards[pc].Op; op != card.Atomic && op != card.Either {
		return false
	}
	for _, b := range card.AtomicBody(p, pc) {
		if is(b) {
			return true
		}
	}
	return false
}

// varValue renders element elem of a shared variable (-1: the whole array)
// of state s, whose shared words are sh, with handles as stack names.
func varValue(m *vm.Machine, s *vm.State, g *card.Global, elem int32, sh []int64) Value {
	v := vm.VarValue{Name: g.Name, Type: g.Type}
	name := g.Name
	switch {
	case g.Len == 0:
		v.Values = []int64{sh[g.Base]}
	case elem < 0:
		v.Array = true
		v.Values = append(v.Values, sh[g.Base:g.Base+g.Len]...)
	default:
		v.Values = []int64{sh[g.Base+elem]}
		name = fmt.Sprintf("%s[%d]", g.Name, elem)
	}
	m.NameHandles(s, &v)
	return Value{Name: name, Value: v.Show()}
}
