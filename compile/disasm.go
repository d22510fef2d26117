package compile

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/deck-lang/deck/card"
)

// numberCards gives every card its number within its procedure: top-level
// cards 1, 2, 3 in order; the body cards of an atomic card 3.1, 3.2.
func numberCards(p *card.Program) {
	p.Numbers = make([]string, len(p.Cards))
	body := map[int32]bool{}
	for pc := range p.Cards {
		if p.Cards[pc].Op == card.Atomic {
			for _, b := range card.AtomicBody(p, int32(pc)) {
				body[b] = true
			}
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
		if c.Op == card.Atomic {
			for k, b := range card.AtomicBody(p, int32(pc)) {
				p.Numbers[b] = fmt.Sprintf("%d.%d", count[c.Proc], k+1)
			}
		}
	}
}

// Disassemble writes every procedure's cards: number, position, what the
// card does, and what it touches in shared memory. It is `deck cards`.
func Disassemble(w io.Writer, p *card.Program) {
	total := 0
	for pc := range p.Cards {
		if p.Cards[pc].Op != card.Done && !strings.Contains(p.Numbers[pc], ".") {
			total++
		}
	}
	fmt.Fprintf(w, "%s: %d procedure%s, %d card%s\n", p.File, len(p.Procs), plural(len(p.Procs)), total, plural(int(total)))
	if len(p.Globals) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "shared:")
		for _, g := range p.Globals {
			fmt.Fprintf(w, "  %s\n", describeGlobal(&g))
		}
	}
	for _, inv := range p.Always {
		fmt.Fprintf(w, "  always %s   (checked in every state)\n", inv.Src)
	}
	for pi := range p.Procs {
		proc := &p.Procs[pi]
		var cards []int32
		for pc := range p.Cards {
			if p.Cards[pc].Proc == int32(pi) && p.Cards[pc].Op != card.Done {
				cards = append(cards, int32(pc))
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "proc %s(%s): %d card%s", proc.Name, strings.Join(proc.Params, ", "), countTop(p, cards), plural(int(countTop(p, cards))))
		if len(proc.Locals) > 0 {
			fmt.Fprintf(w, ", locals %s", strings.Join(proc.Locals, " "))
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for k, pc := range cards {
			c := &p.Cards[pc]
			num := p.Numbers[pc]
			indent := ""
			if strings.Contains(num, ".") {
				indent = "  "
			}
			flow := ""
			// The card that follows in the listing at the same level.
			follow := int32(-2)
			for j := k + 1; j < len(cards); j++ {
				if strings.Contains(p.Numbers[cards[j]], ".") == (indent != "") {
					follow = cards[j]
					break
				}
				if indent != "" {
					break // a body ends where the next top-level card starts
				}
			}
			nextInOrder := follow == c.Next
			switch {
			case c.Op == card.Return:
				flow = "ends the stack"
			case c.Op == card.Either:
				var ts []string
				for _, t := range p.Eithers[c.A] {
					ts = append(ts, "→ "+p.Numbers[t])
				}
				flow = strings.Join(ts, " | ")
			case c.Op == card.Branch:
				flow = "false → " + p.Numbers[c.Target]
				if !nextInOrder {
					flow = "true → " + p.Numbers[c.Next] + ", " + flow
				}
			case c.Next < 0:
				flow = "end of atomic"
			case !nextInOrder:
				flow = "→ " + p.Numbers[c.Next]
			}
			fmt.Fprintf(tw, "  %s%s\t%d:%d\t%s%s\t%s\t%s\n", indent, num, c.Pos.Line, c.Pos.Col, indent, p.Labels[pc], touches(p, pc), flow)
		}
		tw.Flush()
	}
}

func countTop(p *card.Program, cards []int32) int {
	n := 0
	for _, pc := range cards {
		if !strings.Contains(p.Numbers[pc], ".") {
			n++
		}
	}
	return n
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
	if c.Op.IsSync() {
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
