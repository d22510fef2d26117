package trace

import (
	"fmt"
	"strings"
	"sync"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// ObjectText renders one element of a shared variable or synchronisation
// object for people, from its words w of state s: a value, a lock's
// holder ("held by worker#1", "free"), a semaphore's count ("count 1"), an
// event's latch ("set"), a cond's sleepers ("2 asleep"), a channel's
// contents ("[10, 20] (2 of 3)") or a rendezvous offer.
func ObjectText(m *vm.Machine, s *vm.State, g *card.Global, w []int64) string {
	switch g.Kind {
	case card.GVar:
		return m.FormatValue(s, g.Type, w[0])
	case card.GMutex:
		if w[0] == 0 {
			return "free"
		}
		return "held by " + m.StackName(s, int(w[0]-1))
	case card.GSem:
		return fmt.Sprintf("count %d", w[0])
	case card.GEvent:
		if w[0] != 0 {
			return "set"
		}
		return "not set"
	case card.GCond:
		return fmt.Sprintf("%d asleep", w[0])
	case card.GChan:
		if g.Cap == 0 {
			if w[0] == 0 {
				return "no offer (rendezvous)"
			}
			return fmt.Sprintf("%s offers %s (rendezvous)", m.StackName(s, int(w[0]-1)), m.FormatValue(s, g.Type, w[1]))
		}
		var vals []string
		for k := int64(0); k < w[0] && int(k)+1 < len(w); k++ {
			vals = append(vals, m.FormatValue(s, g.Type, w[1+k]))
		}
		return fmt.Sprintf("[%s] (%d of %d)", strings.Join(vals, ", "), w[0], g.Cap)
	}
	return fmt.Sprint(w)
}

// objectName names element e of global g: "m", or "forks[2]".
func objectName(g *card.Global, e int32) string {
	if g.Len == 0 {
		return g.Name
	}
	return fmt.Sprintf("%s[%d]", g.Name, e)
}

// recordObjects fills in what a synchronisation card did to the objects
// it acted on: each object element it changed, or the one it names, as it
// is after the card ("m" held by worker#1, "s" count 1, "c" [10] (1 of
// 2)), and the value a card put in a channel of this node.
// sendCase says that c is a select that took a send case.
func recordObjects(m *vm.Machine, before, after *vm.State, st *Step, c *card.Card, pc int32, sendCase bool) {
	p := m.P
	shB, shA := before.Shared(p), after.Shared(p)
	named := map[[2]int32]bool{}
	if p.Net != nil && pc >= 0 && int(pc) < len(p.Net.Remote) && p.Net.Remote[pc] {
		// The object lives on another node: the card sent a message
		// (listed with it), and the object shows when it is delivered.
		pc = -1
	}
	for _, a := range accessesOf(p, pc) {
		if g := &p.Globals[a.Global]; g.Kind != card.GVar && a.Elem >= 0 {
			named[[2]int32{a.Global, a.Elem}] = true
		}
	}
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind == card.GVar || g.Hidden {
			continue
		}
		for e := int32(0); e < g.Elems(); e++ {
			lo, hi := g.Base+e*g.Stride, g.Base+(e+1)*g.Stride
			changed := false
			for w := lo; w < hi; w++ {
				if shB[w] != shA[w] {
					changed = true
					break
				}
			}
			if !changed && !named[[2]int32{int32(gi), e}] {
				continue
			}
			st.Objects = append(st.Objects, Value{Name: objectName(g, e), Value: ObjectText(m, after, g, shA[lo:hi])})
			if changed && c != nil && (c.Op == card.Send || sendCase) && g.Kind == card.GChan {
				// The value this send put in the buffer, or offered.
				if g.Cap == 0 {
					st.Passed = m.FormatValue(after, g.Type, shA[lo+1])
				} else if n := shA[lo]; n > shB[lo] && n >= 1 && lo+int32(n) < hi {
					st.Passed = m.FormatValue(after, g.Type, shA[lo+int32(n)])
				}
			}
		}
	}
}

func accessesOf(p *card.Program, pc int32) []card.Access {
	if pc < 0 {
		return nil
	}
	return p.Accesses[pc]
}

// localTypes caches, per program, the type of each local slot of each
// procedure as the cards that set it declare it.
var localTypes sync.Map // *card.Program → map[[2]int32]card.Type

func localType(p *card.Program, proc, slot int32) card.Type {
	v, ok := localTypes.Load(p)
	if !ok {
		types := map[[2]int32]card.Type{}
		for pc := range p.Cards {
			c := &p.Cards[pc]
			if c.Dst >= 0 && c.Proc >= 0 {
				t := c.DstType
				if c.Op == card.Spawn {
					t = card.THandle
				}
				types[[2]int32{c.Proc, c.Dst}] = t
			}
		}
		v, _ = localTypes.LoadOrStore(p, types)
	}
	if t, ok := v.(map[[2]int32]card.Type)[[2]int32{proc, slot}]; ok {
		return t
	}
	return card.TInt
}

// recordTested lists the locals an assert's condition reads, as the card
// found them: the values the assert tested.
func recordTested(m *vm.Machine, before *vm.State, i int, st *Step, c *card.Card) {
	p := m.P
	if c.X == card.NoExpr || c.Proc < 0 {
		return
	}
	loc := before.Locals(i)
	names := p.Procs[c.Proc].Locals
	seen := map[int64]bool{}
	for _, in := range p.Exprs[c.X].Code {
		if in.Op != card.XLocal || seen[in.A] || in.A < 0 || int(in.A) >= len(loc) || int(in.A) >= len(names) {
			continue
		}
		seen[in.A] = true
		st.Tested = append(st.Tested, Value{Name: names[in.A], Value: m.FormatValue(before, localType(p, c.Proc, int32(in.A)), loc[in.A])})
	}
}
