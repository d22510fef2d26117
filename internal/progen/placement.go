package progen

import (
	"pgregory.net/rapid"

	"github.com/deck-lang/deck/card"
)

// Placement puts groups of procedures on random nodes: procedures
// that share a variable, mutex or semaphore, or receive from one channel,
// form one group.
func Placement(rt *rapid.T, p *card.Program) [][2]string {
	parent := make([]int, len(p.Procs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	owner := map[int32]int{}
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Proc < 0 || c.Op == card.Done {
			continue
		}
		join := func(g int32) {
			if o, ok := owner[g]; ok {
				parent[find(int(c.Proc))] = find(o)
			} else {
				owner[g] = int(c.Proc)
			}
		}
		for _, a := range p.Accesses[pc] {
			switch p.Globals[a.Global].Kind {
			case card.GVar, card.GMutex, card.GSem:
				join(a.Global)
			}
		}
		if c.Op == card.Recv {
			join(-1 - c.Obj)
		}
	}
	nodes := []string{"home", "A", "B"}
	var pairs [][2]string
	pick := map[int]string{}
	for i := range p.Procs {
		r := find(i)
		if _, ok := pick[r]; !ok {
			pick[r] = nodes[rapid.IntRange(0, 2).Draw(rt, "node")]
		}
		pairs = append(pairs, [2]string{p.Procs[i].Name, pick[r]})
	}
	return pairs
}
