package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unsafe"

	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// MaxGraphStates is the most states a state graph picture draws: beyond a
// few hundred, a picture of every state is no longer something to look at.
const MaxGraphStates = 400

// GraphTooBigError says that a program has more states than a picture of
// its state graph can show.
type GraphTooBigError struct {
	Limit int
}

func (e *GraphTooBigError) Error() string {
	return fmt.Sprintf("the state graph has more than %d states, too many to draw (the graph is for tiny programs; --svg draws the counterexample of a program of any size)", e.Limit)
}

// Node kinds of a state graph.
const (
	NodeState    = ""         // a state with moves
	NodeEnd      = "end"      // every stack that is not a daemon has finished
	NodeDeadlock = "deadlock" // a stack has not finished and nothing can move
	NodeFailed   = "failed"   // a card failed (an assert, a runtime error) or an always invariant does not hold
)

// GraphNode is one state, or the failure a card ran into.
type GraphNode struct {
	Depth int      // the fewest moves from the initial state
	Kind  string   // NodeState, NodeEnd, NodeDeadlock or NodeFailed
	Lines []string // the label drawn in its box: shared variables, each stack's card
	Title string   // the full description, shown when the pointer rests on it
	Path  bool     // on a highlighted path
}

// GraphEdge is one move from a state.
type GraphEdge struct {
	From, To int
	Move     trace.Move // a stack's move as a schedule writes it; a network move names its message by its index among those in flight
	Label    string     // "inc#1: t1 = x", "deliver home→Y start bank#1"
	Path     bool       // on a highlighted path
}

// Graph is the state graph of a tiny program: every state reachable from
// the initial one, every card (and every network move) a move, with no
// reduction. Nodes are numbered in breadth-first order from 0, the
// initial state.
type Graph struct {
	Title string
	Nodes []GraphNode
	Edges []GraphEdge
	Paths []string // the schedules highlighted
	out   [][]int  // edge indexes by source node
}

// StateGraph explores every state of the program, breadth first, and
// returns its graph; more than limit nodes (MaxGraphStates when limit is
// 0) is a *GraphTooBigError.
func StateGraph(m *vm.Machine, title string, limit int) (*Graph, error) {
	if limit <= 0 {
		limit = MaxGraphStates
	}
	p := m.P
	g := &Graph{Title: title}
	ids := map[string]int{}
	var states []*vm.State // by node; nil for a failure
	add := func(s *vm.State, depth int, kind string) (int, bool, error) {
		if s != nil {
			key := wordsKey(s.W)
			if id, ok := ids[key]; ok {
				return id, false, nil
			}
			ids[key] = len(g.Nodes)
		}
		if len(g.Nodes) >= limit {
			return 0, false, &GraphTooBigError{Limit: limit}
		}
		g.Nodes = append(g.Nodes, GraphNode{Depth: depth, Kind: kind})
		states = append(states, s)
		return len(g.Nodes) - 1, true, nil
	}
	init := m.Init()
	if _, _, err := add(init, 0, NodeState); err != nil {
		return nil, err
	}
	if k, _ := m.CheckAlways(init); k >= 0 {
		g.Nodes[0].Kind = NodeFailed
	}
	var t vm.State
	for v := 0; v < len(g.Nodes); v++ {
		s := states[v]
		if s == nil || g.Nodes[v].Kind == NodeFailed {
			g.describe(m, v, s)
			continue
		}
		type move struct {
			mv    trace.Move // a network move names its message by its index
			label string
		}
		var moves []move
		n := s.NumStacks()
		stuck, live, counted := false, false, 0
		for i := 0; i < n; i++ {
			if s.Finished(p, i) || p.Net != nil && m.Stopped(s, i) {
				continue
			}
			live = true
			if !p.Procs[s.ProcOf(p, i)].Daemon {
				stuck = true
			}
			if !m.Enabled(s, i) {
				continue
			}
			k := m.Choices(s, i)
			for ch := 0; ch < k; ch++ {
				label := m.StackName(s, i) + ": " + p.Labels[s.PC(i)]
				if k > 1 {
					label += fmt.Sprintf(" (choice %d)", ch)
				}
				moves = append(moves, move{trace.Move{Stack: int32(i), Choice: int32(ch)}, label})
				counted++
			}
		}
		if p.Net != nil && live {
			for k := 0; k < s.NumMsgs(); k++ {
				msg := s.Msg(k)
				desc := fmt.Sprintf("%s→%s %s", m.NodeName(msg.From), m.NodeName(msg.To), m.DescribeMsg(s, msg))
				for _, c := range []struct {
					kind int32
					can  func(*vm.State, int) bool
					verb string
				}{{trace.NetDeliver, m.Deliverable, "deliver"}, {trace.NetDup, m.Duplicable, "duplicate"}, {trace.NetDrop, m.Droppable, "drop"}} {
					if c.can(s, k) {
						moves = append(moves, move{trace.Move{Stack: c.kind, Choice: int32(k)}, c.verb + " " + desc})
						counted++
					}
				}
			}
			if net := p.Net; net.Faulty() {
				// A crash or a split alone does not keep a state from
				// being a deadlock (as the checker has it).
				for nd := int32(0); nd < int32(len(net.Nodes)); nd++ {
					if m.CanCrash(s, nd) {
						moves = append(moves, move{trace.Move{Stack: trace.NetCrash, Choice: nd}, "crash " + m.NodeName(nd)})
					}
				}
				for _, cut := range m.Cuts(s) {
					moves = append(moves, move{trace.Move{Stack: trace.NetSplit, Choice: int32(cut)}, fmt.Sprintf("split the network (p%d)", cut)})
				}
				if m.CanHeal(s) {
					moves = append(moves, move{trace.Move{Stack: trace.NetHeal}, "heal the network"})
					if s.NumMsgs() > 0 {
						counted++
					}
				}
			}
		}
		if counted == 0 {
			if stuck {
				g.Nodes[v].Kind = NodeDeadlock
			} else {
				g.Nodes[v].Kind = NodeEnd
			}
			g.describe(m, v, s)
			continue
		}
		for _, mv := range moves {
			t.CopyFrom(s)
			r := applyMove(m, &t, mv.mv)
			var to int
			var err error
			switch {
			case r.Status == vm.Failed:
				to, _, err = add(nil, g.Nodes[v].Depth+1, NodeFailed)
				if err == nil {
					g.Nodes[to].Lines = []string{"failed"}
					g.Nodes[to].Title = m.FaultMessage(s, int(mv.mv.Stack), r)
				}
			case r.Status == vm.Blocked:
				continue
			default:
				var fresh bool
				to, fresh, err = add(t.Clone(), g.Nodes[v].Depth+1, NodeState)
				if err == nil && fresh {
					if k, _ := m.CheckAlways(&t); k >= 0 {
						g.Nodes[to].Kind = NodeFailed
					}
				}
			}
			if err != nil {
				return nil, err
			}
			g.Edges = append(g.Edges, GraphEdge{From: v, To: to, Move: mv.mv, Label: mv.label})
		}
		g.describe(m, v, s)
	}
	g.index()
	return g, nil
}

func (g *Graph) index() {
	g.out = make([][]int, len(g.Nodes))
	for e := range g.Edges {
		g.out[g.Edges[e].From] = append(g.out[g.Edges[e].From], e)
	}
}

// wordsKey is a state's words as a map key.
func wordsKey(w []int64) string {
	return string(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), len(w)*8))
}

// describe writes node v's label and title from its state.
func (g *Graph) describe(m *vm.Machine, v int, s *vm.State) {
	nd := &g.Nodes[v]
	if s == nil {
		return
	}
	p := m.P
	vars := m.Outcome(s).Key()
	var pos []string
	var title strings.Builder
	fmt.Fprintf(&title, "state %d, %d moves from the start", v, nd.Depth)
	switch nd.Kind {
	case NodeEnd:
		title.WriteString(": every stack has finished")
	case NodeDeadlock:
		title.WriteString(": deadlock")
	case NodeFailed:
		title.WriteString(": an always invariant does not hold")
	}
	if vars != "" {
		title.WriteString("\n" + vars)
	}
	for i := 0; i < s.NumStacks(); i++ {
		name := m.StackName(s, i)
		if s.Finished(p, i) {
			pos = append(pos, "✓")
			fmt.Fprintf(&title, "\n%s: finished", name)
			continue
		}
		pc := s.PC(i)
		pos = append(pos, p.Numbers[pc])
		fmt.Fprintf(&title, "\n%s: card %s %s", name, p.Numbers[pc], p.Labels[pc])
		if p.Net != nil && m.Stopped(s, i) {
			title.WriteString(" (its node has crashed)")
		} else if !m.Enabled(s, i) {
			title.WriteString(" (waits: " + m.WaitReason(s, i) + ")")
		}
	}
	if p.Net != nil {
		for k := 0; k < s.NumMsgs(); k++ {
			msg := s.Msg(k)
			fmt.Fprintf(&title, "\nin flight: m%d %s→%s %s", msg.Tag, m.NodeName(msg.From), m.NodeName(msg.To), m.DescribeMsg(s, msg))
		}
	}
	line2 := strings.Join(pos, " ")
	if p.Net != nil && s.NumMsgs() > 0 {
		line2 += fmt.Sprintf(" ✉%d", s.NumMsgs())
	}
	nd.Lines = []string{vars, line2}
	nd.Title = title.String()
}

// Highlight marks the path that schedule sch takes from the initial state
// (a counterexample, say) and writes each of its moves on it. It fails
// when a move of sch is not an edge of the graph.
func (g *Graph) Highlight(m *vm.Machine, sch *trace.Schedule) error {
	if len(g.Nodes) == 0 {
		return nil
	}
	// Replay the schedule on a state that numbers its messages, as the
	// schedule does; the graph's own states do not (two paths to one
	// state may number its messages differently), so its network moves
	// name a message by its place among those in flight.
	s := m.Init()
	s.Track = true
	v := 0
	g.Nodes[0].Path = true
	for k, mv := range sch.Moves {
		want, tag := mv, int32(0)
		if mv.IsNet() && mv.Stack >= trace.NetDup {
			tag = mv.Choice
			want.Choice = int32(s.FindMsg(tag))
		}
		found := -1
		for _, e := range g.out[v] {
			if g.Edges[e].Move == want {
				found = e
				break
			}
		}
		if found < 0 || want.Choice < 0 {
			return fmt.Errorf("move %d of %s leaves the state graph at state %d", k+1, sch, v)
		}
		e := &g.Edges[found]
		if !e.Path && tag > 0 {
			e.Label = strings.Replace(e.Label, " ", fmt.Sprintf(" m%d", tag), 1)
		}
		e.Path = true
		v = e.To
		g.Nodes[v].Path = true
		if r := applyMove(m, s, want); r.Status != vm.OK {
			break
		}
	}
	g.Paths = append(g.Paths, sch.String())
	return nil
}

// applyMove makes move mv in s; a network move names its message by its
// index among those in flight.
func applyMove(m *vm.Machine, s *vm.State, mv trace.Move) vm.Result {
	k := int(mv.Choice)
	switch mv.Stack {
	case trace.NetDeliver:
		m.Deliver(s, k, false)
	case trace.NetDup:
		m.Deliver(s, k, true)
	case trace.NetDrop:
		m.Drop(s, k)
	case trace.NetCrash:
		m.Crash(s, int32(k))
	case trace.NetSplit:
		m.Split(s, uint64(mv.Choice))
	case trace.NetHeal:
		m.Heal(s)
	default:
		return m.Step(s, int(mv.Stack), k)
	}
	return vm.Result{}
}

// Graph layout, in pixels: layers of states left to right.
const (
	gColW    = 210 // from one layer to the next
	gBoxW    = 104
	gBoxH    = 28
	gRowH    = 40
	gTop     = 100 // the title and the legend
	gMaxText = 16  // characters of a box's line
	gMaxMove = 17  // characters of a move written on the path
)

// layout orders the nodes of each layer to keep edges short (a few sweeps
// of the barycentre heuristic) and returns each node's row and the layers.
func (g *Graph) layout() ([]float64, [][]int) {
	depth := 0
	for _, n := range g.Nodes {
		depth = max(depth, n.Depth)
	}
	layers := make([][]int, depth+1)
	for v, n := range g.Nodes {
		layers[n.Depth] = append(layers[n.Depth], v)
	}
	row := make([]float64, len(g.Nodes))
	place := func() {
		for _, l := range layers {
			for k, v := range l {
				row[v] = float64(k)
			}
		}
	}
	place()
	preds := make([][]int, len(g.Nodes))
	succs := make([][]int, len(g.Nodes))
	for _, e := range g.Edges {
		if g.Nodes[e.To].Depth == g.Nodes[e.From].Depth+1 {
			preds[e.To] = append(preds[e.To], e.From)
			succs[e.From] = append(succs[e.From], e.To)
		}
	}
	bary := func(v int, adj [][]int) float64 {
		if len(adj[v]) == 0 {
			return row[v]
		}
		sum := 0.0
		for _, u := range adj[v] {
			sum += row[u]
		}
		return sum / float64(len(adj[v]))
	}
	for sweep := 0; sweep < 4; sweep++ {
		key := make([]float64, len(g.Nodes))
		if sweep%2 == 0 {
			for d := 1; d < len(layers); d++ {
				for _, v := range layers[d] {
					key[v] = bary(v, preds)
				}
				slices.SortStableFunc(layers[d], func(a, b int) int { return cmpFloat(key[a], key[b]) })
				for k, v := range layers[d] {
					row[v] = float64(k)
				}
			}
		} else {
			for d := len(layers) - 2; d >= 0; d-- {
				for _, v := range layers[d] {
					key[v] = bary(v, succs)
				}
				slices.SortStableFunc(layers[d], func(a, b int) int { return cmpFloat(key[a], key[b]) })
				for k, v := range layers[d] {
					row[v] = float64(k)
				}
			}
		}
	}
	// Centre every layer on the tallest.
	tall := 0
	for _, l := range layers {
		tall = max(tall, len(l))
	}
	for _, l := range layers {
		off := float64(tall-len(l)) / 2
		for k, v := range l {
			row[v] = float64(k) + off
		}
	}
	return row, layers
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// GraphSVG draws the state graph as one SVG document: the states in layers
// by their distance from the initial state, each box showing the shared
// variables and each stack's next card (✓ when finished), the moves as
// grey arrows, the highlighted paths in red with their cards written on
// them; finished states green, deadlocks orange, failures red. Resting
// the pointer on a state or a move shows all of it.
func GraphSVG(out io.Writer, g *Graph) error {
	row, layers := g.layout()
	tall := 0
	for _, l := range layers {
		tall = max(tall, len(l))
	}
	width := float64(max(minWidth, 2*margin+len(layers)*gColW))
	height := float64(gTop + tall*gRowH + margin + 24)
	xOf := func(v int) float64 { return margin + float64(g.Nodes[v].Depth)*gColW }
	yOf := func(v int) float64 { return gTop + row[v]*gRowH }
	var w svgWriter
	w.text(margin, 22, "", "h", g.Title)
	moves := len(g.Edges)
	w.text(margin, 40, "", "s", fmt.Sprintf("state graph: %d states, %d moves (every card and every message a move, no reduction); %d moves deep", len(g.Nodes), moves, len(layers)-1))
	w.text(margin, 56, "", "s", "a box is a state: the shared variables, then the next card of each stack in the order they were spawned (✓ finished)")
	legend := "green: every stack has finished; orange: deadlock; red: a failure"
	if len(g.Paths) == 1 {
		legend += "; red path: the counterexample, schedule " + g.Paths[0]
	} else if len(g.Paths) > 1 {
		legend += "; red paths: the counterexamples, schedules " + strings.Join(g.Paths, "  ")
	}
	w.text(margin, 72, "", "s", clip(legend, 150))
	// Edges first, under the boxes: the others, then the path's on top.
	var labels svgWriter
	for pass := 0; pass < 2; pass++ {
		for _, e := range g.Edges {
			if e.Path != (pass == 1) {
				continue
			}
			x1, y1 := xOf(e.From)+gBoxW, yOf(e.From)+gBoxH/2
			x2, y2 := xOf(e.To), yOf(e.To)+gBoxH/2
			class, marker := "gedge", "ahg"
			if e.Path {
				class, marker = "gpath", "ahr"
			}
			var d string
			mx, my := (x1+x2)/2, (y1+y2)/2-4 // where the move is written
			anchor := "middle"
			switch df := g.Nodes[e.To].Depth - g.Nodes[e.From].Depth; {
			case df == 1:
				d = fmt.Sprintf("M%s,%s L%s,%s", num(x1), num(y1), num(x2), num(y2))
			case e.From == e.To:
				// A loop on itself: a small arc at the top right corner.
				x, y := xOf(e.From)+gBoxW, yOf(e.From)
				d = fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", num(x-18), num(y), num(x-18), num(y-16), num(x+16), num(y-4), num(x), num(y+8))
				mx, my, anchor = x+6, y-6, "start"
			default:
				// Back to an earlier layer (a cycle) or within one: a
				// curve below the boxes.
				x1, x2 = xOf(e.From)+gBoxW/2, xOf(e.To)+gBoxW/2
				y1, y2 = yOf(e.From)+gBoxH, yOf(e.To)+gBoxH
				bend := max(y1, y2) + 18 + 6*float64(abs(df))
				d = fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", num(x1), num(y1), num(x1), num(bend), num(x2), num(bend), num(x2), num(y2))
				mx, my = (x1+x2)/2, (y1+y2+6*bend)/8+11
				height = max(height, bend+margin)
			}
			w.printf(`<path d="%s" class="%s" marker-end="url(#%s)"><title>%s</title></path>`+"\n", d, class, marker, esc(e.Label))
			if e.Path {
				labels.printf(`<text x="%s" y="%s" text-anchor="%s" class="glabel">%s</text>`+"\n", num(mx), num(my), anchor, esc(clip(e.Label, gMaxMove)))
			}
		}
	}
	for v, n := range g.Nodes {
		x, y := xOf(v), yOf(v)
		class := "gnode"
		switch n.Kind {
		case NodeEnd:
			class = "gend"
		case NodeDeadlock:
			class = "gdead"
		case NodeFailed:
			class = "gfail"
		}
		if n.Path {
			class += " onpath"
		}
		w.printf(`<g class="state" data-state="%d" data-kind="%s"><title>%s</title>`+"\n", v, n.Kind, esc(n.Title))
		w.printf(`<rect x="%s" y="%s" width="%d" height="%d" rx="5" class="%s"/>`+"\n", num(x), num(y), gBoxW, gBoxH, class)
		if v == 0 {
			w.text(x, y-4, "", "small", "start")
		}
		lines := n.Lines
		for k, ln := range lines {
			if k == 2 {
				break
			}
			yy := y + 12 + float64(k)*11
			if len(lines) == 1 {
				yy = y + 18
			}
			w.printf(`<text x="%s" y="%s" class="gtext">%s</text>`+"\n", num(x+4), num(yy), esc(clip(ln, gMaxText)))
		}
		w.printf("</g>\n")
	}
	w.b.WriteString(labels.b.String())
	_, err := fmt.Fprintf(out, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s">
%s%s<rect width="100%%" height="100%%" fill="#fff"/>
%s</svg>
`, num(width), num(height), num(width), num(height), style, graphStyle, w.b.String())
	return err
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// graphStyle adds the state graph's classes to style.
const graphStyle = `<style>
.gnode { fill: #f4f6f8; stroke: #9aa5b1; stroke-width: 1; }
.gend { fill: #e3f4e1; stroke: #54a24b; stroke-width: 1.5; }
.gdead { fill: #fdebd3; stroke: #f58518; stroke-width: 2; }
.gfail { fill: #fbe3e3; stroke: #c0392b; stroke-width: 2; }
.onpath { stroke: #c0392b; stroke-width: 2.5; }
.gtext { font-size: 10px; }
.glabel { font-size: 10px; fill: #c0392b; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.gedge { fill: none; stroke: #b8c0c8; stroke-width: 1; }
.gpath { fill: none; stroke: #c0392b; stroke-width: 2.5; }
</style>
<defs>
<marker id="ahg" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b8c0c8"/></marker>
</defs>
`
