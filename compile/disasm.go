package compile

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/deck-lang/deck/card"
)

// numberCards gives every card its number within its procedure: top-level
// cards 1, 2, 3 in order; the body cards of an atomic card 3.1, 3.2 (and
// those of an either whose branches run atomic bodies: see
// card.EitherBodies).
func numberCards(p *card.Program) {
	p.Numbers = make([]string, len(p.Cards))
	body := map[int32]bool{}
	for pc := range p.Cards {
		for _, b := range card.AtomicBody(p, int32(pc)) { // an atomic card's, or an either's
			body[b] = true
		}
	}
	count := make([]int, len(p.Procs))
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if body[int32(pc)] || c.Proc < 0 {
			continue
		}
		count[c.Proc]++
		p.Numbers[pc] = fmt.Sprint(count[c.Proc])
		for k, b := range card.AtomicBody(p, int32(pc)) {
			p.Numbers[b] = fmt.Sprintf("%d.%d", count[c.Proc], k+1)
		}
	}
}

// maxPad is the widest a column of `deck cards` is padded to. A longer
// cell overflows its column on its own line instead of widening every
// line of the procedure.
const maxPad = 48

// inBody says whether card pc is in the body of an atomic card ("3.1").
func inBody(p *card.Program, pc int32) bool {
	return strings.IndexByte(p.Numbers[pc], '.') >= 0
}

// Disassemble writes every procedure's cards: number, position, what the
// card does, and what it touches in shared memory. It is `deck cards`.
// It is linear in the number of cards: they are sorted by procedure once.
func Disassemble(w io.Writer, p *card.Program) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	w = bw
	byProc := make([][]int32, len(p.Procs))
	tops := make([]int, len(p.Procs))
	total := 0
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Op == card.Done || c.Proc < 0 || int(c.Proc) >= len(p.Procs) {
			continue
		}
		if c.Op == card.Start {
			// Placed programs: the card a remotely spawned stack waits at
			// is listed first, though it was added last.
			byProc[c.Proc] = append([]int32{int32(pc)}, byProc[c.Proc]...)
		} else {
			byProc[c.Proc] = append(byProc[c.Proc], int32(pc))
		}
		if !inBody(p, int32(pc)) {
			tops[c.Proc]++
			total++
		}
	}
	fmt.Fprintf(w, "%s: %d procedure%s, %d card%s\n", p.File, len(p.Procs), plural(len(p.Procs)), total, plural(total))
	net := p.Net
	if net != nil {
		fmt.Fprintf(w, "nodes: %s; the network is %s\n", strings.Join(net.Nodes, ", "), net.Mode)
	}
	if len(p.Globals) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "shared:")
		copyOf := map[int32]bool{} // the extra copies of events used on several nodes
		if net != nil {
			for g, reps := range net.Replicas {
				for _, r := range reps {
					if r >= 0 && r != int32(g) {
						copyOf[r] = true
					}
				}
			}
		}
		for gi, g := range p.Globals {
			if copyOf[int32(gi)] {
				continue
			}
			where := ""
			if net != nil {
				where = nodeNote(net, int32(gi))
			}
			fmt.Fprintf(w, "  %s%s\n", describeGlobal(&g), where)
		}
	}
	for _, inv := range p.Always {
		fmt.Fprintf(w, "  always %s   (checked in every state)\n", inv.Src)
	}
	for _, pr := range p.Props {
		fmt.Fprintf(w, "  %s   (checked on every fair run)\n", pr.Src)
	}
	var rows [][5]string
	for pi := range p.Procs {
		proc := &p.Procs[pi]
		cards := byProc[pi]
		fmt.Fprintln(w)
		on := ""
		if net != nil {
			on = " on " + net.Nodes[net.ProcNode[pi]]
		}
		fmt.Fprintf(w, "proc %s(%s)%s: %d card%s", proc.Name, strings.Join(proc.Params, ", "), on, tops[pi], plural(tops[pi]))
		if len(proc.Locals) > 0 {
			fmt.Fprintf(w, ", locals %s", strings.Join(proc.Locals, " "))
		}
		fmt.Fprintln(w)
		rows = rows[:0]
		for k, pc := range cards {
			c := &p.Cards[pc]
			body := inBody(p, pc)
			indent := ""
			if body {
				indent = "  "
			}
			// The card that follows in the listing at the same level.
			follow := int32(-2)
			for j := k + 1; j < len(cards); j++ {
				if inBody(p, cards[j]) == body {
					follow = cards[j]
					break
				}
				if body {
					break // a body ends where the next top-level card starts
				}
			}
			rows = append(rows, [5]string{
				indent + p.Numbers[pc],
				fmt.Sprintf("%d:%d", c.Pos.Line, c.Pos.Col),
				indent + p.Labels[pc],
				touches(p, pc) + message(p, pc),
				flow(p, c, follow),
			})
		}
		writeColumns(w, rows)
	}
}

// flow says where control goes after card c, when that is not simply the
// card listed next (follow) at the same level.
func flow(p *card.Program, c *card.Card, follow int32) string {
	// Inside an atomic body, -1 ends the body: a branch as the body's last
	// statement jumps there.
	to := func(pc int32) string {
		if pc < 0 {
			return "end of atomic"
		}
		return p.Numbers[pc]
	}
	switch {
	case c.Op == card.Return:
		return "ends the stack"
	case c.Op == card.Either:
		var ts []string
		gs := card.EitherGuards(p, c.A)
		bs := card.EitherBodies(p, c.A)
		for k, t := range p.Eithers[c.A] {
			dest := "→ " + to(t)
			if bs != nil && bs[k] >= 0 {
				dest = "→ " + to(bs[k]) + " " + dest // the atomic body, then the target
			}
			if gs != nil && gs[k] != card.NoExpr {
				ts = append(ts, p.Exprs[gs[k]].Src+" "+dest)
				continue
			}
			ts = append(ts, dest)
		}
		return strings.Join(ts, " | ")
	case c.Op == card.Select:
		var ts []string
		for _, sc := range card.SelectCases(p, c) {
			ts = append(ts, sc.Kind.String()+" → "+to(sc.Target))
		}
		return strings.Join(ts, " | ")
	case c.Op == card.Branch:
		f := "false → " + to(c.Target)
		if follow != c.Next {
			f = "true → " + to(c.Next) + ", " + f
		}
		return f
	case c.Next < 0:
		return "end of atomic"
	case follow != c.Next:
		return "→ " + to(c.Next)
	}
	return ""
}

// writeColumns writes rows as aligned columns, two spaces apart, the way
// text/tabwriter would, except that no column is padded wider than
// maxPad: one very long label must not make every line as long.
func writeColumns(w io.Writer, rows [][5]string) {
	var width [4]int
	for _, r := range rows {
		for k := range width {
			if n := utf8.RuneCountInString(r[k]); n > width[k] && n <= maxPad {
				width[k] = n
			}
		}
	}
	const spaces = "                                                    "
	var b []byte
	for _, r := range rows {
		b = append(b[:0], "  "...)
		for k := range width {
			b = append(b, r[k]...)
			pad := width[k] - utf8.RuneCountInString(r[k])
			b = append(b, spaces[:max(pad, 0)+2]...)
		}
		b = append(b, r[4]...)
		b = append(b, '\n')
		w.Write(b)
	}
}

func describeGlobal(g *card.Global) string {
	arr := ""
	if g.Len > 0 {
		arr = fmt.Sprintf("[%d]", g.Len)
	}
	switch g.Kind {
	case card.GVar:
		init := fmt.Sprint(g.Init)
		if g.Type == card.TBool {
			init = fmt.Sprint(g.Init != 0)
		}
		if g.Type == card.THandle && g.Init == card.NoStack {
			init = "none"
		}
		return fmt.Sprintf("var %s%s = %s", g.Name, arr, init)
	case card.GSem:
		return fmt.Sprintf("sem %s%s(%d)", g.Name, arr, g.Init)
	case card.GChan:
		if g.Cap == 0 {
			return fmt.Sprintf("chan %s%s (rendezvous)", g.Name, arr)
		}
		return fmt.Sprintf("chan %s%s(%d)", g.Name, arr, g.Cap)
	}
	return fmt.Sprintf("%s %s%s", g.Kind, g.Name, arr)
}

// nodeNote says where a global lives in a placed program: "  (on Y)", or
// for an event used on several nodes, "  (a copy on each of home, Y)".
func nodeNote(net *card.Network, g int32) string {
	if reps := net.Replicas[g]; reps != nil {
		var on []string
		for n, r := range reps {
			if r >= 0 {
				on = append(on, net.Nodes[n])
			}
		}
		return "  (a copy on each of " + strings.Join(on, ", ") + ")"
	}
	if n := net.GlobalNode[g]; n >= 0 {
		return "  (on " + net.Nodes[n] + ")"
	}
	return ""
}

// message says which message a card of a placed program sends or waits
// for, when it crosses nodes.
func message(p *card.Program, pc int32) string {
	net := p.Net
	if net == nil {
		return ""
	}
	c := &p.Cards[pc]
	sep := ""
	if touches(p, pc) != "" {
		sep = "; "
	}
	switch c.Op {
	case card.Start:
		return sep + "waits for the start message"
	case card.Spawn:
		if net.Remote[pc] {
			return sep + "start message to " + net.Nodes[net.ProcNode[c.A]]
		}
	case card.Send:
		if net.Remote[pc] {
			return sep + "message to " + net.Nodes[net.GlobalNode[c.Obj]]
		}
	case card.SendWait:
		if net.Remote[pc] {
			return sep + "waits for an ack message"
		}
	case card.Notify:
		if len(net.NotifyTo[pc]) > 0 {
			var to []string
			for _, r := range net.NotifyTo[pc] {
				to = append(to, net.Nodes[net.GlobalNode[r]])
			}
			return sep + "notify message to " + strings.Join(to, ", ")
		}
	case card.Join:
		if net.Remote[pc] {
			return sep + "waits for a done message"
		}
	case card.Return:
		if to := net.DoneTo[c.Proc]; to != 0 {
			var names []string
			for n := range net.Nodes {
				if to&(1<<n) != 0 {
					names = append(names, net.Nodes[n])
				}
			}
			return sep + "done message to " + strings.Join(names, ", ")
		}
	}
	return ""
}

// touches says what a card does to shared state, for the disassembly.
func touches(p *card.Program, pc int32) string {
	c := &p.Cards[pc]
	elem := func(a card.Access) string {
		g := &p.Globals[a.Global]
		if g.Len == 0 {
			return g.Name
		}
		if a.Elem < 0 {
			return g.Name + "[?]"
		}
		return fmt.Sprintf("%s[%d]", g.Name, a.Elem)
	}
	var reads, writes []string
	for _, a := range p.Accesses[pc] {
		if p.Globals[a.Global].Kind != card.GVar {
			continue
		}
		if a.Write {
			writes = append(writes, elem(a))
		} else {
			reads = append(reads, elem(a))
		}
	}
	var parts []string
	if card.SyncCard(p, pc) {
		parts = append(parts, "sync")
	}
	if len(reads) > 0 {
		parts = append(parts, "reads "+strings.Join(reads, " "))
	}
	if len(writes) > 0 {
		parts = append(parts, "writes "+strings.Join(writes, " "))
	}
	if c.Op == card.Print {
		parts = append(parts, "prints")
	}
	if len(parts) == 0 {
		return "local"
	}
	return strings.Join(parts, ", ")
}
