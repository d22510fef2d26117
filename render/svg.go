package render

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deck-lang/deck/trace"
)

// Layout constants, in pixels.
const (
	labelW   = 150 // lane labels
	laneH    = 24  // one stack or processor row
	boxH     = 16  // the box inside a row
	plotW    = 1200
	minWidth = 1000
	margin   = 12
	seqColW  = 130 // a lane of the sequence diagram
	seqRowH  = 22
	maxFlow  = 200 // data-flow arrows drawn; beyond that only stale reads
	maxSeq   = 300 // sequence diagram events drawn
	textSize = 12
)

// cpuColors colour the processors; stackColors the stacks.
var cpuColors = []string{"#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2", "#eeca3b"}

var stackColors = []string{"#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac", "#eeca3b"}

// esc escapes text for XML content and attributes.
var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace

// num formats a coordinate: at most one decimal, no trailing zeros.
func num(x float64) string {
	return strconv.FormatFloat(float64(int64(x*10+0.5*sign(x)))/10, 'f', -1, 64)
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// svgWriter collects the elements of a picture.
type svgWriter struct {
	b strings.Builder
}

func (w *svgWriter) printf(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

func (w *svgWriter) text(x, y float64, anchor, class, s string) {
	w.printf(`<text x="%s" y="%s"`, num(x), num(y))
	if anchor != "" && anchor != "start" {
		w.printf(` text-anchor="%s"`, anchor)
	}
	if class != "" {
		w.printf(` class="%s"`, class)
	}
	w.printf(">%s</text>\n", esc(s))
}

// charW is the advance of one character of each text class, in pixels:
// the stylesheet's monospace font is 0.6 em wide.
var charW = map[string]float64{"h": 9.1, "s": 6.7, "bad": 7.3, "": 7.3, "small": 6.1}

// lineH is the distance between the lines of a paragraph of each class.
var lineH = map[string]float64{"h": 19, "s": 14, "bad": 15, "": 15, "small": 13}

// para writes s from x, with its first baseline at y, wrapped at spaces
// into lines at most width pixels wide (a word longer than a line is cut),
// and at most maxLines lines (the last ends with … when s is longer). It
// returns the baseline of the last line.
func (w *svgWriter) para(x, y, width float64, class, s string, maxLines int) float64 {
	n := max(int(width/charW[class]), 10)
	lines := wrap(s, n)
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		last := []rune(lines[maxLines-1])
		if len(last) >= n {
			last = last[:n-1]
		}
		lines[maxLines-1] = string(last) + "…"
	}
	for k, l := range lines {
		if k > 0 {
			y += lineH[class]
		}
		w.text(x, y, "", class, l)
	}
	return y
}

// wrap splits s at spaces into lines of at most n characters; a word
// longer than n is cut into pieces of n.
func wrap(s string, n int) []string {
	var lines []string
	var cur []rune
	for _, word := range strings.Split(s, " ") {
		r := []rune(word)
		for len(r) > n {
			if len(cur) > 0 {
				lines = append(lines, string(cur))
				cur = nil
			}
			lines = append(lines, string(r[:n]))
			r = r[n:]
		}
		switch {
		case len(cur) == 0:
			cur = r
		case len(cur)+1+len(r) <= n:
			cur = append(append(cur, ' '), r...)
		default:
			lines = append(lines, string(cur))
			cur = r
		}
	}
	return append(lines, string(cur))
}

func (w *svgWriter) rect(x, y, wd, h float64, style, title string) {
	w.printf(`<rect x="%s" y="%s" width="%s" height="%s" %s`, num(x), num(y), num(max(wd, 0.5)), num(h), style)
	if title == "" {
		w.printf("/>\n")
		return
	}
	w.printf("><title>%s</title></rect>\n", esc(title))
}

// style is the stylesheet of every picture: plain SVG presentation, no
// script.
const style = `<style>
text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; fill: #222; }
.h { font-size: 15px; font-weight: bold; }
.s { font-size: 11px; fill: #555; }
.small { font-size: 10px; }
.bad { fill: #c0392b; font-weight: bold; }
.in { fill: #fff; font-size: 10px; }
.flow { fill: none; stroke: #2c7fb8; stroke-width: 1.5; opacity: 0.8; }
.stale { fill: none; stroke: #c0392b; stroke-width: 2.2; }
.msg { stroke: #333; stroke-width: 1.4; fill: none; }
.chan { stroke: #2c7fb8; stroke-width: 1.4; fill: none; }
.drop { stroke: #c0392b; stroke-width: 1.4; fill: none; stroke-dasharray: 4 3; }
.flight { stroke: #999; stroke-width: 1.2; fill: none; stroke-dasharray: 2 3; }
.life { stroke: #bbb; stroke-width: 1; stroke-dasharray: 2 3; }
.grid { stroke: #eee; stroke-width: 1; }
</style>
<defs>
<marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>
<marker id="ahb" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#2c7fb8"/></marker>
<marker id="ahr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker>
<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3e3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e8a0a0" stroke-width="2"/></pattern>
</defs>
`

// SVG writes the pictures of one or more runs as one SVG document: for
// each run, its lanes per stack with the data-flow arrows, the timeline
// per processor and, when the run used channels or messages, a sequence
// diagram.
func SVG(out io.Writer, runs ...*Run) error {
	var body svgWriter
	y, width := float64(margin), float64(0)
	for k, r := range runs {
		if k > 0 {
			body.printf(`<line x1="0" y1="%s" x2="%d" y2="%s" stroke="#999" stroke-width="2"/>`+"\n", num(y-6), minWidth, num(y-6))
		}
		h, wd := r.draw(&body, y)
		y += h + 24
		width = max(width, wd)
	}
	width = max(width, minWidth)
	_, err := fmt.Fprintf(out, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s">
%s<rect width="100%%" height="100%%" fill="#fff"/>
%s</svg>
`, num(width), num(y), num(width), num(y), style, body.b.String())
	return err
}

// geometry places ticks on the x axis.
type geometry struct {
	x0, tw float64 // the left edge of tick 0, the width of a tick
}

func (g geometry) x(t int) float64  { return g.x0 + float64(t)*g.tw }
func (g geometry) cx(t int) float64 { return g.x0 + (float64(t)+0.5)*g.tw }

func (r *Run) geometry() geometry {
	tw := 36.0
	if n := float64(max(r.Ticks, 1)); n*tw > plotW {
		tw = plotW / n
	}
	return geometry{x0: margin + labelW, tw: tw}
}

// draw draws run r from height y; it returns the height and width used.
func (r *Run) draw(w *svgWriter, y0 float64) (float64, float64) {
	g := r.geometry()
	// Text wraps at the picture's width: the plot's, at least minWidth.
	tw := max(float64(minWidth), g.x(r.Ticks)+margin) - 2*margin
	y := y0 + 16
	y = w.para(margin, y, tw, "h", r.Title, 4)
	y += 18
	y = w.para(margin, y, tw, "s", "schedule: "+r.Schedule, 3)
	y += 16
	class := "s"
	if r.Failed {
		class = "bad"
	}
	y = w.para(margin, y, tw, class, r.Ending, 6)
	y += 22

	// Lanes per stack, grouped by node.
	w.text(margin, y, "", "h", "stacks, tick by tick")
	y += 16
	y = w.para(margin, y, tw, "s", "running on a cpu (colour, card number inside) · ready but not dealt (grey) · blocked (hatched red, hover for why) · arrows: the write a read saw (red: a stale read)", 3)
	y += 6
	order := r.laneOrder()
	laneY := make([]float64, len(r.Lanes))
	top := y
	initY := y + 6
	y += 14 // room for the initial-values marker
	node := int32(-2)
	for _, i := range order {
		if l := r.Lanes[i]; r.Nodes != nil && l.Node != node {
			node = l.Node
			w.text(margin, y+12, "", "s", "node "+r.Nodes[node])
			w.printf(`<line x1="%d" y1="%s" x2="%s" y2="%s" class="grid"/>`+"\n", margin, num(y+2), num(g.x(r.Ticks)), num(y+2))
			y += 16
		}
		laneY[i] = y
		r.drawLane(w, g, i, y)
		y += laneH
	}
	if r.CycleFrom >= 0 {
		// The cycle: a bracket over its ticks, under the lanes.
		x0, x1 := g.x(r.CycleFrom), g.x(r.Ticks)
		w.printf(`<path d="M%s,%s v6 H%s v-6" fill="none" stroke="#c0392b" stroke-width="1.5"/>`+"\n", num(x0+1), num(y-2), num(x1-1))
		w.text(x0+2, y+16, "", "small bad", r.CycleNote)
		y += 20
	}
	// Data flow: writes to the reads that saw them.
	r.drawFlow(w, g, laneY, initY)
	y = r.axis(w, g, top, y)

	// Processors.
	y += 18
	w.text(margin, y, "", "h", "processors")
	y += 16
	y = w.para(margin, y, tw, "s", "which stack each processor dealt a card from, tick by tick (network: m delivers, x drops, d duplicates)", 3)
	y += 6
	y = r.drawCPUs(w, g, y)
	y = r.axis(w, g, y, y)
	width := g.x(r.Ticks) + margin
	if len(r.Messages) > 0 {
		y += 18
		h, wd := r.drawSequence(w, y)
		y += h
		width = max(width, wd)
	}
	return y - y0, width
}

// laneOrder lists the lanes grouped by node (in node order), stacks in
// spawn order within a node.
func (r *Run) laneOrder() []int {
	var order []int
	if r.Nodes == nil {
		for i := range r.Lanes {
			order = append(order, i)
		}
		return order
	}
	for n := range r.Nodes {
		for i, l := range r.Lanes {
			if l.Node == int32(n) {
				order = append(order, i)
			}
		}
	}
	return order
}

// runOf returns the end of the run of cells of lane i from tick t that
// look alike: one box is drawn for them. When merging (a long run, ticks
// narrower than a box is readable), running and ready alternate too fast to
// see, and are one "active" run.
func (r *Run) runOf(i, t int, merge bool) int {
	c := r.Cells[i][t]
	e := t + 1
	if c.Status == Running && !merge {
		return e
	}
	limit := r.Ticks
	if r.End && t < r.Ticks-1 {
		limit-- // the end column is a box of its own
	}
	if merge && active(c.Status) {
		limit = min(limit, t+r.geometry().bucket())
	}
	for e < limit {
		d := r.Cells[i][e]
		if merge && active(c.Status) && active(d.Status) {
			e++
			continue
		}
		if d.Status != c.Status || d.Why != c.Why || d.Status == Running {
			break
		}
		e++
	}
	return e
}

func active(s Status) bool { return s == Running || s == Ready }

func (r *Run) drawLane(w *svgWriter, g geometry, i int, y float64) {
	l := r.Lanes[i]
	w.text(margin, y+boxH-3, "", "", fmt.Sprintf("%c %s", trace.StackSymbol(i), l.Name))
	merge := g.tw < 6
	by := y + (laneH-boxH)/2 - 2
	for t := 0; t < r.Ticks; {
		c := r.Cells[i][t]
		e := r.runOf(i, t, merge)
		x, wd := g.x(t), g.x(e)-g.x(t)
		if r.End && t == r.Ticks-1 {
			wd = max(wd, 8) // the end column stays visible in a long run
		}
		span := r.tickSpan(t, e)
		status := c.Status
		if merge && e > t+1 && active(status) {
			status = Running // a merged run: coloured by the share of ticks it ran
		}
		switch status {
		case Running:
			col := cpuColors[c.CPU%len(cpuColors)]
			title, opacity := "", ""
			if e == t+1 {
				title = stepTitle(r.Steps[c.Step], r.CPURows)
			} else {
				ran, first := 0, -1
				for u := t; u < e; u++ {
					if d := r.Cells[i][u]; d.Status == Running {
						ran++
						if first < 0 {
							first = d.CPU
						}
					}
				}
				col = cpuColors[max(first, 0)%len(cpuColors)]
				title = fmt.Sprintf("%s: %s ran %d cards, ready the other %d ticks", span, l.Name, ran, e-t-ran)
				if ran < e-t {
					opacity = fmt.Sprintf(` fill-opacity="%s"`, num(0.3+0.7*float64(ran)/float64(e-t)))
				}
			}
			failed := e == t+1 && r.Steps[c.Step].Failed
			if failed {
				// The card that failed stands out, not only in its title.
				opacity += ` stroke="#c0392b" stroke-width="3"`
			}
			w.rect(x+0.5, by, wd-1, boxH, fmt.Sprintf(`fill="%s" rx="2"%s`, col, opacity), title)
			if g.tw >= 22 && e == t+1 {
				w.text(x+wd/2, by+boxH-4, "middle", "in", r.Steps[c.Step].Card)
			}
			if failed {
				// After it: the run ends at its card, so its row is free.
				w.text(x+wd+4, by+boxH-4, "", "small bad", "failed")
			}
			if why, ok := r.Lost[c.Step]; ok && e == t+1 && g.tw >= 6 {
				cx, cy := x+wd/2, by+boxH/2
				w.printf(`<g><title>%s</title><circle cx="%s" cy="%s" r="9" fill="none" stroke="#c0392b" stroke-width="2.5"/><path d="M%s,%s l12,-12" stroke="#c0392b" stroke-width="2"/></g>`+"\n",
					esc(why), num(cx), num(cy), num(cx+6), num(cy-6))
				w.text(cx+14, by+boxH+4, "", "small bad", "lost")
			}
		case Ready:
			w.rect(x+0.5, by+3, wd-1, boxH-6, `fill="#e6e6e6" stroke="#aaa" stroke-dasharray="2 2"`, fmt.Sprintf("%s: %s ready, not dealt", span, l.Name))
		case Blocked:
			w.rect(x+0.5, by+2, wd-1, boxH-4, `fill="url(#hatch)" stroke="#d08080"`, fmt.Sprintf("%s: %s blocked: %s", span, l.Name, c.Why))
			if wd >= 90 {
				w.text(x+4, by+boxH-5, "", "small", clip(c.Why, int(wd/6.2)))
			}
		case Finished:
			w.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#bbb" stroke-width="1"/>`+"\n", num(x), num(by+boxH/2), num(x+wd), num(by+boxH/2))
		case Down:
			w.rect(x+0.5, by+4, wd-1, boxH-8, `fill="#555"`, fmt.Sprintf("%s: %s's node has crashed", span, l.Name))
		}
		t = e
	}
}

// bucket is the most ticks one box of a merged run stands for, so that a
// long run keeps some texture: about 4 pixels.
func (g geometry) bucket() int { return max(1, int(4/g.tw)) }

// tickSpan names ticks [t, e) in a box's title: the end column (Run.End)
// as what it is.
func (r *Run) tickSpan(t, e int) string {
	if r.End && t == r.Ticks-1 {
		return "at the end"
	}
	return tickSpan(t, e)
}

func tickSpan(t, e int) string {
	if e == t+1 {
		return fmt.Sprintf("tick %d", t+1)
	}
	return fmt.Sprintf("ticks %d–%d", t+1, e)
}

func clip(s string, n int) string {
	if n < 2 {
		return ""
	}
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func (r *Run) cpuName(cpu int) string {
	if cpu >= 0 && cpu < len(r.CPURows) {
		return r.CPURows[cpu]
	}
	return fmt.Sprintf("cpu%d", cpu)
}

// stepTitle is the tooltip of a step: tick, processor, card and effects.
func stepTitle(st trace.Step, rows []string) string {
	var b strings.Builder
	if st.Net != "" {
		fmt.Fprintf(&b, "tick %d, network: %s", st.Tick+1, st.Text)
	} else {
		cpu := fmt.Sprintf("cpu%d", st.CPU)
		if st.CPU >= 0 && st.CPU < len(rows) {
			cpu = rows[st.CPU]
		}
		fmt.Fprintf(&b, "tick %d, %s: %s card %s (%s) %s", st.Tick+1, cpu, st.Stack, st.Card, trace.ShortPos(st.Pos), st.Text)
	}
	if e := trace.Effects(st); e != "" {
		b.WriteString("\n")
		b.WriteString(e)
	}
	return b.String()
}

// drawFlow draws an arrow from each write to the reads that saw it (from
// the initial-value marker for reads of initial values).
func (r *Run) drawFlow(w *svgWriter, g geometry, laneY []float64, initY float64) {
	flow := r.Flow
	if g.tw < 4 && len(flow) > 0 {
		// Too narrow for arrows: say what they would show.
		stale := 0
		for _, e := range flow {
			if e.Kind == "stale" {
				stale++
			}
		}
		w.text(g.x(0)+4, initY+4, "", "s", fmt.Sprintf("%d reads of values other stacks wrote; %d stale reads, %d lost updates (too long to draw arrows: draw a shorter run)", len(flow), stale, len(r.Lost)))
		return
	}
	if len(flow) > maxFlow {
		var kept []Event
		for _, e := range flow {
			if e.Kind == "stale" && len(kept) < maxFlow {
				kept = append(kept, e)
			}
		}
		flow = kept
		w.text(g.x(0)+300, initY+4, "", "s", fmt.Sprintf("(%d reads of shared values: only the first %d stale ones are drawn)", len(r.Flow), len(kept)))
	}
	usesInit := false
	for _, e := range flow {
		if e.From < 0 {
			usesInit = true
		}
	}
	ix := g.x(0) + 4
	if usesInit {
		var vals []string
		for _, v := range r.Initial {
			vals = append(vals, v.Name+"="+v.Value)
		}
		w.printf(`<g><title>initial values: %s</title><circle cx="%s" cy="%s" r="4" fill="#2c7fb8"/></g>`+"\n", esc(strings.Join(vals, " ")), num(ix), num(initY))
		w.text(ix+8, initY+4, "", "s", clip("initial "+strings.Join(vals, " "), 60))
	}
	labelEnd := map[float64]float64{} // by lane: where its last label ends
	for _, e := range flow {
		to := r.Steps[e.To]
		if to.StackID < 0 {
			continue
		}
		x2, y2 := g.cx(int(to.Tick)), laneY[to.StackID]+laneH/2-2
		var x1, y1 float64
		if e.From < 0 {
			x1, y1 = ix, initY
		} else {
			from := r.Steps[e.From]
			if from.StackID < 0 {
				// A delivery wrote the value: start from the top.
				x1, y1 = g.cx(int(from.Tick)), initY
			} else {
				x1, y1 = g.cx(int(from.Tick)), laneY[from.StackID]+laneH/2-2
			}
		}
		class, marker := "flow", "ahb"
		if e.Kind == "stale" {
			class, marker = "stale", "ahr"
		}
		// A curve that bows sideways, so that arrows between the same
		// lanes do not hide each other.
		mx, my := (x1+x2)/2+12, (y1+y2)/2
		if y1 == y2 {
			my -= 14
		}
		title := fmt.Sprintf("%s read %s", to.Stack, e.Label)
		if e.From < 0 {
			title += " (the initial value)"
		} else {
			title += fmt.Sprintf(" written by %s at tick %d", r.Steps[e.From].Stack, r.Steps[e.From].Tick+1)
		}
		if e.Kind == "stale" {
			title += "; another stack wrote it before this stack wrote back: stale"
		}
		w.printf(`<path d="M%s,%s Q%s,%s %s,%s" class="%s" marker-end="url(#%s)"><title>%s</title></path>`+"\n",
			num(x1), num(y1), num(mx), num(my), num(x2), num(y2-6), class, marker, esc(title))
		// The value read, unless it would run into the last label on the
		// lane (reads in consecutive ticks): the arrow's tooltip has it.
		if lx := x2 + 4; g.tw >= 14 && len(flow) <= 40 && lx >= labelEnd[y2] {
			lc := "small"
			if e.Kind == "stale" {
				lc = "small bad"
			}
			w.text(lx, y2-8, "", lc, e.Label)
			labelEnd[y2] = lx + smallCharW*float64(utf8.RuneCountInString(e.Label)) + 4
		}
	}
}

// labelBoxes are the labels of a diagram drawn so far, as centred boxes,
// so that two arrows drawn alike do not print their labels on each other.
type labelBoxes []struct{ x, y, w float64 }

// free returns y, or a little lower, where a label of width w centred at
// x touches no label drawn before, and notes it.
func (b *labelBoxes) free(x, y, w float64) float64 {
	for try := 0; try < 4; try++ {
		clash := false
		for _, o := range *b {
			if math.Abs(o.y-y) < 10 && math.Abs(o.x-x) < (o.w+w)/2 {
				clash = true
				break
			}
		}
		if !clash {
			break
		}
		y += 11
	}
	*b = append(*b, struct{ x, y, w float64 }{x, y, w})
	return y
}

// smallCharW is about the width of a character of the small font.
const smallCharW = 6.2

// axis draws tick numbers under rows from top to y; it returns the new y.
func (r *Run) axis(w *svgWriter, g geometry, top, y float64) float64 {
	every := 1 // 1, 2, 5, 10, 20, 50, ...
	for p := 1; float64(every)*g.tw < 30; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if every = m * p; float64(every)*g.tw >= 30 {
				break
			}
		}
	}
	w.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#888"/>`+"\n", num(g.x(0)), num(y), num(g.x(r.Ticks)), num(y))
	for t := 0; t < r.Ticks; t++ {
		end := r.End && t == r.Ticks-1
		if (t+1)%every != 0 && t != 0 && !end {
			continue
		}
		if !end && r.End && g.cx(r.Ticks-1)-g.cx(t) < 30 {
			continue // room for the end column's label
		}
		if top < y {
			w.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="grid"/>`+"\n", num(g.cx(t)), num(top), num(g.cx(t)), num(y))
		}
		label := strconv.Itoa(t + 1)
		if end {
			label = "end"
		}
		w.text(g.cx(t), y+12, "middle", "small", label)
	}
	w.text(g.x(0)-6, y+12, "end", "small", "tick")
	return y + 16
}

// drawCPUs draws one row per processor (and the network of a placed
// program): the stack it dealt from at each tick.
func (r *Run) drawCPUs(w *svgWriter, g geometry, y float64) float64 {
	n := len(r.CPURows)
	rows := make([][]int, n) // step index per tick, -1 idle
	for k := range rows {
		rows[k] = make([]int, r.Ticks)
		for t := range rows[k] {
			rows[k][t] = -1
		}
	}
	for k, st := range r.Steps {
		cpu := st.CPU
		if cpu >= 0 && cpu < n && int(st.Tick) < r.Ticks {
			rows[cpu][st.Tick] = k
		}
	}
	merge := g.tw < 6
	for k, label := range r.CPURows {
		w.text(margin, y+boxH-3, "", "", label)
		by := y + (laneH-boxH)/2 - 2
		for t := 0; t < r.Ticks; {
			s := rows[k][t]
			e := t + 1
			if merge || s < 0 {
				limit := r.Ticks
				if s >= 0 {
					limit = min(r.Ticks, t+g.bucket())
				}
				for e < limit && sameRun(r, rows[k][e], s) {
					e++
				}
			}
			if s < 0 {
				t = e
				continue
			}
			st := r.Steps[s]
			x, wd := g.x(t), g.x(e)-g.x(t)
			if st.Net != "" {
				col, mark := "#666", "m"
				switch st.Net {
				case "drop":
					col, mark = "#c0392b", "x"
				case "duplicate":
					mark = "d"
				case "crash", "split", "heal":
					col, mark = "#333", st.Net[:1]
				}
				title := stepTitle(st, r.CPURows)
				if e > t+1 {
					title = fmt.Sprintf("%s: the network moved", tickSpan(t, e))
				}
				w.rect(x+0.5, by, wd-1, boxH, fmt.Sprintf(`fill="%s" rx="2"`, col), title)
				if g.tw >= 10 && e == t+1 {
					w.text(x+wd/2, by+boxH-4, "middle", "in", mark)
				}
			} else {
				col := stackColors[st.StackID%len(stackColors)]
				title := stepTitle(st, r.CPURows)
				if e > t+1 {
					title, col = r.mix(rows[k], t, e)
				}
				w.rect(x+0.5, by, wd-1, boxH, fmt.Sprintf(`fill="%s" rx="2"`, col), title)
				if g.tw >= 10 && e == t+1 {
					w.text(x+wd/2, by+boxH-4, "middle", "in", string(trace.StackSymbol(st.StackID)))
				}
			}
			t = e
		}
		y += laneH
	}
	// The stack legend.
	x := g.x(0)
	for i, l := range r.Lanes {
		if x > g.x(0)+plotW-120 {
			break
		}
		w.rect(x, y+2, 10, 10, fmt.Sprintf(`fill="%s"`, stackColors[i%len(stackColors)]), "")
		s := fmt.Sprintf("%c %s", trace.StackSymbol(i), l.Name)
		w.text(x+14, y+11, "", "small", s)
		x += float64(len(s))*6.5 + 26
	}
	return y + 16
}

// sameRun: in a merged row, step k continues the run of step s (same
// stack, or both idle, or both the network's).
func sameRun(r *Run, k, s int) bool {
	switch {
	case k < 0 || s < 0:
		return k < 0 && s < 0
	case r.Steps[k].Net != "" || r.Steps[s].Net != "":
		return r.Steps[k].Net != "" && r.Steps[s].Net != ""
	}
	return true
}

// mix describes a merged run of a processor row: the cards of each stack,
// and the colour of the stack that took most.
func (r *Run) mix(row []int, t, e int) (string, string) {
	count := map[int]int{}
	var ids []int
	for u := t; u < e; u++ {
		if k := row[u]; k >= 0 {
			id := r.Steps[k].StackID
			if count[id] == 0 {
				ids = append(ids, id)
			}
			count[id]++
		}
	}
	slices.Sort(ids)
	var parts []string
	best := ids[0]
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%s %d", r.Lanes[id].Name, count[id]))
		if count[id] > count[best] {
			best = id
		}
	}
	return fmt.Sprintf("%s: %s cards", tickSpan(t, e), strings.Join(parts, ", ")), stackColors[best%len(stackColors)]
}

// drawSequence draws the sequence diagram of channel values and network
// messages from height y0, time going down; it returns the height and
// width used.
func (r *Run) drawSequence(w *svgWriter, y0 float64) (float64, float64) {
	evs := r.Messages
	cut := 0
	if len(evs) > maxSeq {
		cut = len(evs) - maxSeq
		evs = evs[:maxSeq]
	}
	// Columns: per node, its network inbox, then its stacks.
	colOf := map[int]int{}    // stack → column
	inbox := map[string]int{} // node → column
	var cols []string
	var colNode []int
	order := r.laneOrder()
	node := int32(-2)
	for _, i := range order {
		l := r.Lanes[i]
		if r.Nodes != nil && l.Node != node {
			node = l.Node
			inbox[r.Nodes[node]] = len(cols)
			cols = append(cols, "network→"+r.Nodes[node])
			colNode = append(colNode, int(node))
		}
		colOf[i] = len(cols)
		cols = append(cols, fmt.Sprintf("%c %s", trace.StackSymbol(i), l.Name))
		colNode = append(colNode, int(l.Node))
	}
	// Rows: the steps that take part, in order.
	var rowsOf []int
	seen := map[int]bool{}
	for _, e := range evs {
		for _, k := range []int{e.From, e.To} {
			if k >= 0 && !seen[k] {
				seen[k] = true
				rowsOf = append(rowsOf, k)
			}
		}
	}
	slices.Sort(rowsOf)
	row := map[int]int{}
	for n, k := range rowsOf {
		row[k] = n
	}
	w.text(margin, y0+14, "", "h", "channels and messages")
	w.text(margin, y0+30, "", "s", "time goes down · blue: a channel value from put to take · black: a message from send to delivery · red ✕: dropped · grey: still in flight at the end")
	y := y0 + 42
	x0 := float64(margin + 60)
	colX := func(c int) float64 { return x0 + float64(c)*seqColW + seqColW/2 }
	// Node bands.
	if r.Nodes != nil {
		for c := 0; c < len(cols); {
			e := c
			for e < len(cols) && colNode[e] == colNode[c] {
				e++
			}
			w.rect(x0+float64(c)*seqColW+2, y, float64(e-c)*seqColW-4, 18, `fill="#eef3f8" stroke="#9ab"`, "")
			w.text(x0+float64(c+e)*seqColW/2, y+13, "middle", "", "node "+r.Nodes[colNode[c]])
			c = e
		}
		y += 22
	}
	for c, name := range cols {
		w.text(colX(c), y+12, "middle", "", clip(name, 18))
	}
	y += 20
	bottom := y + float64(len(rowsOf))*seqRowH + 10
	for c := range cols {
		w.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="life"/>`+"\n", num(colX(c)), num(y), num(colX(c)), num(bottom))
	}
	rowY := func(k int) float64 { return y + float64(row[k])*seqRowH + seqRowH/2 }
	where := func(k int) float64 {
		st := r.Steps[k]
		if st.StackID >= 0 {
			return colX(colOf[st.StackID])
		}
		return colX(inbox[st.Msg.To])
	}
	for _, k := range rowsOf {
		st := r.Steps[k]
		w.text(x0-8, rowY(k)+4, "end", "small", fmt.Sprintf("tick %d", st.Tick+1))
		w.printf(`<g><title>%s</title><circle cx="%s" cy="%s" r="3" fill="#333"/></g>`+"\n", esc(stepTitle(st, r.CPURows)), num(where(k)), num(rowY(k)))
	}
	var placed labelBoxes
	for _, e := range evs {
		x1, y1 := where(e.From), rowY(e.From)
		switch {
		case e.To == -1:
			// Still in flight at the end: a short grey arrow on the row
			// that sent it (not a drop, and not all to one point).
			w.printf(`<path d="M%s,%s L%s,%s" class="flight" marker-end="url(#ah)"><title>%s</title></path>`+"\n", num(x1), num(y1), num(x1+36), num(y1+10), esc(e.Label))
			w.text(x1+40, y1+14, "", "small", e.Label)
			continue
		case e.Kind == "drop":
			to := r.Steps[e.To]
			x2, y2 := (x1+colX(inbox[to.Msg.To]))/2, rowY(e.To)
			w.printf(`<path d="M%s,%s L%s,%s" class="drop"><title>%s dropped</title></path>`+"\n", num(x1), num(y1), num(x2), num(y2), esc(e.Label))
			w.printf(`<path d="M%s,%s l10,10 m0,-10 l-10,10" stroke="#c0392b" stroke-width="2.5"/>`+"\n", num(x2-5), num(y2-5))
			w.text(x2+8, y2-4, "", "small bad", "dropped "+e.Label)
			continue
		}
		x2, y2 := where(e.To), rowY(e.To)
		class, marker := "msg", "ah"
		if e.Kind == "chan" {
			class, marker = "chan", "ahb"
		}
		if x1 == x2 {
			w.printf(`<path d="M%s,%s C%s,%s %s,%s %s,%s" class="%s" marker-end="url(#%s)"><title>%s</title></path>`+"\n",
				num(x1), num(y1), num(x1+30), num(y1), num(x2+30), num(y2), num(x2+3), num(y2), class, marker, esc(e.Label))
		} else {
			d := 4.0
			if x2 < x1 {
				d = -4
			}
			w.printf(`<path d="M%s,%s L%s,%s" class="%s" marker-end="url(#%s)"><title>%s</title></path>`+"\n",
				num(x1), num(y1), num(x2-d), num(y2), class, marker, esc(e.Label))
		}
		lx, ly := (x1+x2)/2, (y1+y2)/2-3
		ly = placed.free(lx, ly, smallCharW*float64(utf8.RuneCountInString(e.Label)))
		w.text(lx, ly, "middle", "small", e.Label)
	}
	if cut > 0 {
		w.text(x0, bottom+14, "", "s", fmt.Sprintf("… %d more not drawn", cut))
		bottom += 16
	}
	return bottom - y0 + 8, x0 + float64(len(cols))*seqColW + margin
}

// ReplayTitle is the title of the picture of a replayed schedule, as deck
// run and the playground write it: cmdline is the file and the placement
// flags.
func ReplayTitle(cmdline string) string {
	return fmt.Sprintf("deck run %s (a replayed schedule)", cmdline)
}
