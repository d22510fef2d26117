package trace

import (
	"cmp"
	"encoding/json"
	"fmt"
	"github.com/deck-lang/deck/card"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/deck-lang/deck/vm"
)

// StackSymbol is the one-character name of stack id in timelines: 0-9,
// then a-z, then A-Z, then '*'.
func StackSymbol(id int) byte {
	switch {
	case id < 10:
		return byte('0' + id)
	case id < 36:
		return byte('a' + id - 10)
	case id < 62:
		return byte('A' + id - 36)
	}
	return '*'
}

// maxTimelineTicks is the longest timeline drawn tick by tick; longer ones
// are summarised as runs of the same stack.
const maxTimelineTicks = 100

// Timeline writes one row per processor showing which stack's card it
// took at each tick ('.' when it idled).
func Timeline(w io.Writer, sch *Schedule, cpus []uint16, ncpu int) {
	labels := make([]string, ncpu)
	for k := range labels {
		labels[k] = fmt.Sprintf("cpu%d", k)
	}
	TimelineRows(w, sch, cpus, labels)
}

// netSymbol marks a network move in a timeline row: 'm' for a delivery,
// 'x' for a drop, 'd' for a duplicate.
const netSymbol = -2

// TimelineRows is Timeline with a label for each row: the processors of a
// placed program are grouped by node ("Y/cpu0"), and its last row, the
// network, shows deliveries (m), drops (x) and duplicates (d).
func TimelineRows(w io.Writer, sch *Schedule, cpus []uint16, labels []string) {
	ncpu := len(labels)
	width := 0
	for _, l := range labels {
		width = max(width, len(l))
	}
	ticks := sch.NumTicks()
	// cell is what cpu k did at tick t: the stack, a network symbol, or
	// -1 (idle); visit calls it for each move of the schedule, in order.
	visit := func(cell func(k, t, sym int)) {
		at := 0
		for t := 0; t < ticks; t++ {
			for _, mv := range sch.Tick(t) {
				cpu := 0
				if at < len(cpus) {
					cpu = int(cpus[at])
				}
				if cpu < ncpu {
					sym := int(mv.Stack)
					if mv.IsNet() {
						sym = netSymbol + int(mv.Stack) + 1 // -2, -3, -4
					}
					cell(cpu, t, sym)
				}
				at++
			}
		}
	}
	if ticks <= maxTimelineTicks {
		rows := make([][]int, ncpu) // stack per tick per cpu, -1 idle
		for k := range rows {
			rows[k] = make([]int, ticks)
			for t := range rows[k] {
				rows[k][t] = -1
			}
		}
		visit(func(k, t, sym int) {
			if rows[k][t] == -1 { // the first move of a row in a tick, as below
				rows[k][t] = sym
			}
		})
		for k, row := range rows {
			var b strings.Builder
			for t, st := range row {
				if t > 0 && t%10 == 0 {
					b.WriteByte(' ')
				}
				b.WriteString(symbolOf(st))
			}
			fmt.Fprintf(w, "  %-*s  %s\n", width, labels[k], b.String())
		}
		return
	}
	// Long runs: runs of one stack, e.g. "0×12 1×3 .×2", made as the
	// schedule is read, without a cell per tick and processor (a run of
	// millions of ticks on 64 processors took gigabytes that way). A
	// processor's idle ticks are the gaps between its moves.
	const maxRuns = 24
	type run struct{ sym, n int }
	type rowRuns struct {
		runs  []run // the first maxRuns runs
		total int   // every run
		sym   int   // the symbol of the last run
		next  int   // the tick after the last one counted
	}
	rows := make([]rowRuns, ncpu)
	extend := func(r *rowRuns, sym, n int) {
		if n <= 0 {
			return
		}
		switch {
		case r.total > 0 && r.sym == sym:
			if r.total <= maxRuns {
				r.runs[len(r.runs)-1].n += n
			}
		default:
			r.total++
			r.sym = sym
			if r.total <= maxRuns {
				r.runs = append(r.runs, run{sym, n})
			}
		}
		r.next += n
	}
	visit(func(k, t, sym int) {
		r := &rows[k]
		if t < r.next {
			return // a second move of the row in one tick (the network's)
		}
		extend(r, -1, t-r.next)
		extend(r, sym, 1)
	})
	for k := range rows {
		r := &rows[k]
		extend(r, -1, ticks-r.next)
		parts := make([]string, len(r.runs))
		for i, x := range r.runs {
			parts[i] = fmt.Sprintf("%s×%d", symbolOf(x.sym), x.n)
		}
		more := ""
		if r.total > maxRuns {
			more = fmt.Sprintf(" … (%d more switches)", r.total-maxRuns)
		}
		fmt.Fprintf(w, "  %-*s  %s%s\n", width, labels[k], strings.Join(parts, " "), more)
	}
}

// TimelineNote explains how to read a timeline of ticks ticks drawn by
// TimelineRows: a column per tick in groups of ten, or, for a long run,
// runs of one stack. net adds the network's letters.
func TimelineNote(ticks int, net bool) string {
	note := "a column per tick, a space after every 10th; the stack whose card the cpu took, . idle"
	if ticks > maxTimelineTicks {
		note = "runs of one stack: 0×12 is stack 0's cards for 12 ticks; . idle"
	}
	if net {
		note += "; network: m a delivery, x a drop, d a duplicate"
	}
	return "(" + note + ")"
}

// ProgressNote explains the bars Progress draws.
const ProgressNote = "(the bar: cards taken, against the stack that took most)"

// symbolOf is the timeline symbol of a row entry.
func symbolOf(st int) string {
	switch {
	case st >= 0:
		return string(StackSymbol(st))
	case st == netSymbol:
		return "m"
	case st == netSymbol-1:
		return "x"
	case st == netSymbol-2:
		return "d"
	case st == netSymbol-3:
		return "c"
	case st == netSymbol-4:
		return "p"
	case st == netSymbol-5:
		return "h"
	}
	return "."
}

// Legend names the stacks of a timeline: "0 main  1 inc#1  2 inc#2".
func Legend(m *vm.Machine, s *vm.State) string {
	var parts []string
	for i := 0; i < s.NumStacks(); i++ {
		parts = append(parts, fmt.Sprintf("%c %s", StackSymbol(i), m.StackName(s, i)))
	}
	return strings.Join(parts, "  ")
}

// Progress writes each stack's progress: cards taken, as a bar, and where
// it stands (finished, or the card it is at and what it waits for).
func Progress(w io.Writer, m *vm.Machine, s *vm.State, taken []int64) {
	p := m.P
	max := int64(1)
	for _, n := range taken {
		if n > max {
			max = n
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := 0; i < s.NumStacks(); i++ {
		var n int64
		if i < len(taken) {
			n = taken[i]
		}
		bar := strings.Repeat("█", int((n*20+max-1)/max))
		where := "finished"
		if !s.Finished(p, i) {
			pc := s.PC(i)
			where = fmt.Sprintf("at card %s (%d:%d %s)", p.Numbers[pc], p.Cards[pc].Pos.Line, p.Cards[pc].Pos.Col, p.Labels[pc])
			if r := m.WaitReason(s, i); r != "" {
				where = "blocked: " + r
			}
			if p.Net != nil && m.StackDown(s, i) {
				where = fmt.Sprintf("stopped at card %s: %s crashed", p.Numbers[pc], m.NodeName(m.StackNode(s, i)))
				if p.Cards[pc].Op == card.Start {
					where = fmt.Sprintf("stopped before it started: %s crashed", m.NodeName(m.StackNode(s, i)))
				}
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d card%s\t%s\n", m.StackName(s, i), bar, n, Plural(int(n)), where)
	}
	tw.Flush()
}

// Steps writes a trace card by card.
func Steps(w io.Writer, steps []Step) { StepsFrom(w, steps, 1) }

// StepsFrom is Steps numbering the first step first.
func StepsFrom(w io.Writer, steps []Step, first int) {
	WriteSteps(w, steps, ListOptions{First: first})
}

// StepsOn is StepsFrom for a run that dealt several cards a tick: each
// card also shows its tick and the processor that took it (see
// ListOptions.Rows).
func StepsOn(w io.Writer, steps []Step, first int, rows []string) {
	WriteSteps(w, steps, ListOptions{First: first, Rows: rows})
}

// ListOptions tune a list of the cards dealt.
type ListOptions struct {
	// First is the number of the first card (0 counts from 1).
	First int
	// Rows, for a run that dealt several cards a tick, labels the
	// processors as the timeline's rows do ("cpu1", "Y/cpu0"): each card
	// then shows its tick and the processor that took it.
	Rows []string
	// Brief folds every run of local cards (Step.Local: they touch
	// nothing shared) into one line that counts them, so that a long
	// counterexample shows what other stacks could see.
	Brief bool
}

// WriteSteps writes a list of the cards dealt, one a line: number,
// stack, card, position, what it does and what it read, wrote and did.
func WriteSteps(w io.Writer, steps []Step, o ListOptions) {
	first := o.First
	if first == 0 {
		first = 1
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for k := 0; k < len(steps); k++ {
		if o.Brief && steps[k].Local {
			e := k
			var who []string
			for e < len(steps) && steps[e].Local {
				if !slices.Contains(who, steps[e].Stack) {
					who = append(who, steps[e].Stack)
				}
				e++
			}
			span := strconv.Itoa(first + k)
			if e > k+1 {
				span += fmt.Sprintf("-%d", first+e-1)
			}
			cols := ""
			if o.Rows != nil {
				cols = "\t\t"
			}
			stacks := who[0]
			if len(who) > 1 {
				stacks = fmt.Sprintf("%d stacks", len(who))
			}
			fmt.Fprintf(tw, "  %s\t%s%s\t…\t\t%d local card%s\t\n", span, cols, stacks, e-k, Plural(e-k))
			k = e - 1
			continue
		}
		st := steps[k]
		fmt.Fprintf(tw, "  %d\t", first+k)
		if o.Rows != nil {
			cpu := ""
			if st.Net == "" {
				cpu = fmt.Sprintf("cpu%d", st.CPU)
				if st.CPU >= 0 && st.CPU < len(o.Rows) {
					cpu = o.Rows[st.CPU]
				}
			}
			fmt.Fprintf(tw, "tick %d\t%s\t", st.Tick+1, cpu)
		}
		switch {
		case st.Net != "" && st.Msg.N == 0:
			fmt.Fprintf(tw, "%s\t\t\t%s\t%s\n", st.Stack, st.Text, effects(st))
		case st.Net != "":
			fmt.Fprintf(tw, "%s\tm%d\t\t%s %s→%s %s\t%s\n", st.Stack, st.Msg.N, st.Net, st.Msg.From, st.Msg.To, st.Msg.What, effects(st))
		default:
			fmt.Fprintf(tw, "%s\tcard %s\t%s\t%s\t%s\n", st.Stack, st.Card, ShortPos(st.Pos), st.Text, effects(st))
		}
	}
	tw.Flush()
}

// ShortPos turns "file:line:col" into "line:col".
func ShortPos(pos string) string {
	i := strings.LastIndex(pos, ":")
	if i < 0 {
		return pos
	}
	j := strings.LastIndex(pos[:i], ":")
	if j < 0 {
		return pos
	}
	return pos[j+1:]
}

// effects renders what a step read and wrote: "read x=0 → t1=0".
func effects(st Step) string {
	e := Effects(st)
	if st.Choice != 0 || strings.Contains(st.Text, "choose") || strings.HasPrefix(st.Text, "either") {
		if e == "" {
			return fmt.Sprintf("choice %d", st.Choice)
		}
		return fmt.Sprintf("choice %d  %s", st.Choice, e)
	}
	return e
}

// Effects renders what a step read, wrote, set and sent: "read x=0  → t1=0".
func Effects(st Step) string {
	var parts []string
	if st.Case != "" {
		parts = append(parts, "took "+st.Case)
	}
	vals := func(vs []Value) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.Name+"="+v.Value)
		}
		return strings.Join(s, " ")
	}
	if len(st.Reads) > 0 {
		parts = append(parts, "read "+vals(st.Reads))
	}
	if len(st.Writes) > 0 {
		parts = append(parts, "wrote "+vals(st.Writes))
	}
	if len(st.Sets) > 0 {
		parts = append(parts, "→ "+vals(st.Sets))
	}
	if st.Passed != "" {
		verb := "sent "
		if text := cmp.Or(st.Case, st.Text); strings.HasPrefix(text, "recv") || strings.Contains(text, "= recv") {
			verb = "received "
		}
		parts = append(parts, verb+st.Passed)
	}
	switch {
	case st.Woke == nil:
	case len(st.Woke) == 0:
		parts = append(parts, "woke nobody (none asleep: the wake-up is lost)")
	default:
		parts = append(parts, "woke "+nameList(st.Woke))
	}
	for _, o := range st.Objects {
		parts = append(parts, o.Name+": "+o.Value)
	}
	if len(st.Tested) > 0 {
		parts = append(parts, "tested "+vals(st.Tested))
	}
	for _, m := range st.Sent {
		parts = append(parts, "sent "+m.String())
	}
	for _, m := range st.Lost {
		parts = append(parts, "lost "+m.String())
	}
	if st.Failed {
		parts = append(parts, "FAILED")
	}
	return strings.Join(parts, "  ")
}

// JSON forms -----------------------------------------------------------------

// StepJSON is a trace step as it appears in JSON output.
type StepJSON struct {
	Tick   int64                      `json:"tick"`
	CPU    int                        `json:"cpu"`
	Node   string                     `json:"node,omitempty"` // placed programs: the stack's node
	Stack  string                     `json:"stack"`
	Card   string                     `json:"card"`
	Pos    string                     `json:"pos"`
	Text   string                     `json:"text"`
	Choice *int                       `json:"choice,omitempty"`
	Reads  map[string]json.RawMessage `json:"reads,omitempty"`
	Writes map[string]json.RawMessage `json:"writes,omitempty"`
	Sets   map[string]json.RawMessage `json:"sets,omitempty"`
	Failed bool                       `json:"failed,omitempty"`
	// Synchronisation: the objects the card acted on, as they are after
	// it ("m": "held by worker#1"), the value a send put in a channel (or
	// a recv that set no local took), the locals an assert tested.
	Objects map[string]string          `json:"objects,omitempty"`
	Passed  string                     `json:"value,omitempty"`
	Case    string                     `json:"case,omitempty"` // the case a select took
	Tested  map[string]json.RawMessage `json:"tested,omitempty"`
	// Placed programs: the messages a card sent; on a network step (stack
	// "network"), what the network did ("deliver", "drop", "duplicate")
	// and to which message.
	Sent []MsgJSON `json:"sent,omitempty"`
	Lost []MsgJSON `json:"lost,omitempty"` // in flight, lost by a crash or a split
	Net  string    `json:"net,omitempty"`
	Msg  *MsgJSON  `json:"message,omitempty"`
	// Woke: on a signal or broadcast, the stacks it woke ([] when the
	// signal was lost).
	Woke *[]string `json:"woke,omitempty"`
}

// MsgJSON is a message in JSON output.
type MsgJSON struct {
	N    int32  `json:"n"`
	From string `json:"from"`
	To   string `json:"to"`
	What string `json:"what"`
	Lost string `json:"lost,omitempty"` // a message a fault lost as it was sent: why
}

func msgJSON(e MsgEvent) MsgJSON {
	return MsgJSON{N: e.N, From: e.From, To: e.To, What: e.What, Lost: e.Lost}
}

func jsonValues(vs []Value) map[string]json.RawMessage {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]json.RawMessage, len(vs))
	for _, v := range vs {
		raw := json.RawMessage(v.Value)
		if !json.Valid(raw) {
			b, _ := json.Marshal(v.Value)
			raw = b
		}
		m[v.Name] = raw
	}
	return m
}

// StepsJSON converts steps for JSON output (never nil: an empty trace is []).
func StepsJSON(steps []Step) []StepJSON {
	out := make([]StepJSON, 0, len(steps))
	for _, st := range steps {
		j := StepJSON{Tick: st.Tick + 1, CPU: st.CPU, Node: st.Node, Stack: st.Stack, Card: st.Card, Pos: st.Pos, Text: st.Text,
			Reads: jsonValues(st.Reads), Writes: jsonValues(st.Writes), Sets: jsonValues(st.Sets), Failed: st.Failed,
			Passed: st.Passed, Tested: jsonValues(st.Tested), Case: st.Case}
		if st.Woke != nil {
			w := st.Woke
			j.Woke = &w
		}
		if len(st.Objects) > 0 {
			j.Objects = map[string]string{}
			for _, o := range st.Objects {
				j.Objects[o.Name] = o.Value
			}
		}
		if st.Net == "" && (strings.Contains(st.Text, "choose") || strings.HasPrefix(st.Text, "either")) {
			c := st.Choice
			j.Choice = &c
		}
		for _, m := range st.Sent {
			j.Sent = append(j.Sent, msgJSON(m))
		}
		for _, m := range st.Lost {
			j.Lost = append(j.Lost, msgJSON(m))
		}
		if st.Net != "" {
			j.Net = st.Net
			if st.Msg.N != 0 {
				mj := msgJSON(st.Msg)
				j.Msg = &mj
			}
		}
		out = append(out, j)
	}
	return out
}

// OutcomeJSON is an outcome as it appears in JSON output.
type OutcomeJSON struct {
	Vars   map[string]any `json:"vars"`
	Output []string       `json:"output"`
	Count  *int           `json:"count,omitempty"`
}

// OutcomeToJSON converts an outcome.
func OutcomeToJSON(o vm.Outcome) OutcomeJSON {
	j := OutcomeJSON{Vars: map[string]any{}, Output: o.Output}
	if j.Output == nil {
		j.Output = []string{}
	}
	for _, v := range o.Vars {
		j.Vars[v.Name] = v.JSONValue()
	}
	return j
}

// ViolationJSON is a violation as it appears in JSON output.
type ViolationJSON struct {
	Kind     string      `json:"kind"`
	Message  string      `json:"message"`
	Pos      string      `json:"pos"`
	At       string      `json:"at,omitempty"` // the operation that failed (Violation.At)
	Stack    string      `json:"stack,omitempty"`
	Card     string      `json:"card,omitempty"`
	Stuck    []StuckJSON `json:"stuck,omitempty"`
	Schedule string      `json:"schedule"`
	Trace    []StepJSON  `json:"trace,omitempty"`
	Count    *int        `json:"count,omitempty"`
}

// StuckJSON is a stuck stack of a deadlock in JSON output.
type StuckJSON struct {
	Stack string `json:"stack"`
	Card  string `json:"card"`
	Pos   string `json:"pos"`
	Waits string `json:"waits"`
}

// ViolationToJSON converts a violation with the schedule that reached it.
func ViolationToJSON(v *Violation, sch string, steps []Step) ViolationJSON {
	j := ViolationJSON{Kind: v.Kind, Message: v.Message, Pos: v.Pos, At: v.At, Stack: v.Stack, Card: v.Card, Schedule: sch}
	for _, s := range v.Stuck {
		j.Stuck = append(j.Stuck, StuckJSON{Stack: s.Stack, Card: s.Card, Pos: s.Pos, Waits: s.Reason})
	}
	if steps != nil {
		j.Trace = StepsJSON(steps)
	}
	return j
}

// Plural is "s" unless n is 1: fmt.Sprintf("%d card%s", n, Plural(n)).
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
