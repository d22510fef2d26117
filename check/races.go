package check

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// maxRacyCards bounds the cards the race detector tracks (its per-worker
// bitset has one bit per pair of them).
const maxRacyCards = 8192

// raceTable lists the cards that can take part in a race: cards that touch
// at least one shared var, and are not sync cards, except atomic blocks. An
// atomic block races with a plain card of another stack on the same
// variable (one of them writing, nothing ordering them), as a Go atomic
// races with a plain access; two atomic blocks never race. An either whose
// branches run atomic bodies counts as an atomic block, with its guards.
type raceTable struct {
	p   *card.Program
	idx []int32 // by pc: index among the racy cards, or -1
	pcs []int32
	k   int
	// owned[g]: global g is an owned array (owned.go); its accesses
	// never race.
	owned []bool
}

func newRaceTable(p *card.Program) *raceTable {
	// An owned array's elements are each touched by one stack only: no
	// race there (owned.go), whatever vm.Touches can tell.
	rt := &raceTable{p: p, idx: make([]int32, len(p.Cards)), owned: ownedArrays(p, reachedCards(p))}
	for pc := range p.Cards {
		rt.idx[pc] = -1
		if card.SyncCard(p, int32(pc)) && !atomicLike(p, int32(pc)) {
			continue
		}
		for _, a := range p.Accesses[pc] {
			if p.Globals[a.Global].Kind == card.GVar {
				rt.idx[pc] = int32(len(rt.pcs))
				rt.pcs = append(rt.pcs, int32(pc))
				break
			}
		}
	}
	rt.k = len(rt.pcs)
	if rt.k < 2 || rt.k > maxRacyCards {
		return nil
	}
	return rt
}

// atomicLike reports whether card pc runs an atomic body: an atomic card,
// or an either with a branch that begins with a guarded atomic block.
func atomicLike(p *card.Program, pc int32) bool {
	return p.Cards[pc].Op == card.Atomic || card.HasBodies(p, pc)
}

// access returns the first pair of accesses of cards a and b that race.
func (rt *raceTable) access(a, b int32) (card.Access, card.Access, bool) {
	p := rt.p
	if atomicLike(p, a) && atomicLike(p, b) {
		return card.Access{}, card.Access{}, false
	}
	for _, x := range p.Accesses[a] {
		if p.Globals[x.Global].Kind != card.GVar || rt.owned[x.Global] {
			continue
		}
		for _, y := range p.Accesses[b] {
			if x.Global != y.Global || !(x.Write || y.Write) {
				continue
			}
			if x.Elem == y.Elem || x.Elem < 0 || y.Elem < 0 {
				return x, y, true
			}
		}
	}
	return card.Access{}, card.Access{}, false
}

// mayConflict reports whether cards a and b touch a common variable, one
// of them writing it: whether they can race at all. In a given state,
// touchConflict decides.
func (rt *raceTable) mayConflict(a, b int32) bool {
	_, _, ok := rt.access(a, b)
	return ok
}

// touchConflict reports whether the cards stacks i and j of state s stand
// at touch one variable element, one of them writing it. When that cannot
// be told (vm.Touches is not sure), it says they do.
func (w *worker) touchConflict(s *vm.State, i, j int) bool {
	m := w.c.m
	var wi, wj int32
	var ok bool
	if w.readsA, wi, ok = m.Touches(s, i, w.readsA[:0]); !ok {
		return true
	}
	if w.readsB, wj, ok = m.Touches(s, j, w.readsB[:0]); !ok {
		return true
	}
	return wi >= 0 && (wi == wj || slices.Contains(w.readsB, wi)) || wj >= 0 && slices.Contains(w.readsA, wj)
}

// render builds the report's races from pairs of pcs (a <= b).
func (rt *raceTable) render(pairs map[[2]int32]bool) []Race {
	p := rt.p
	var out []Race
	// A procedure that takes an object parameter is compiled once per
	// object it is called or spawned with, so one line of the source can
	// be several cards: races that read the same, either way round, are
	// one race to the reader. The pairs go in card order, so that the
	// way round a race is written does not depend on the map's.
	seen := map[[2]RaceSide]bool{}
	for _, pr := range slices.SortedFunc(maps.Keys(pairs), func(a, b [2]int32) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	}) {
		x, y, _ := rt.access(pr[0], pr[1])
		g := &p.Globals[x.Global]
		name := g.Name
		if g.Len > 0 {
			if x.Elem >= 0 && x.Elem == y.Elem {
				name = fmt.Sprintf("%s[%d]", g.Name, x.Elem)
			} else {
				name = g.Name + "[?]"
			}
		}
		a, b := rt.side(pr[0], x.Write), rt.side(pr[1], y.Write)
		if seen[[2]RaceSide{a, b}] || seen[[2]RaceSide{b, a}] {
			continue
		}
		seen[[2]RaceSide{a, b}] = true
		out = append(out, Race{Var: name, A: a, B: b})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.A.Pos != b.A.Pos {
			return posLess(a.A.Pos, b.A.Pos)
		}
		if a.B.Pos != b.B.Pos {
			return posLess(a.B.Pos, b.B.Pos)
		}
		if a.Var != b.Var {
			return a.Var < b.Var
		}
		// One position, different cards: a procedure inlined twice.
		if a.A.Card != b.A.Card {
			return a.A.Card < b.A.Card
		}
		return a.B.Card < b.B.Card
	})
	return out
}

func (rt *raceTable) side(pc int32, write bool) RaceSide {
	p := rt.p
	c := &p.Cards[pc]
	return RaceSide{
		Proc:  p.Procs[c.Proc].Name,
		Card:  p.Numbers[pc],
		Pos:   p.Position(c.Pos),
		Text:  p.Labels[pc],
		Write: write,
	}
}

// posLess orders "file:line:col" positions numerically.
func posLess(a, b string) bool {
	la, ca := lineCol(a)
	lb, cb := lineCol(b)
	if la != lb {
		return la < lb
	}
	if ca != cb {
		return ca < cb
	}
	return a < b
}

func lineCol(pos string) (int, int) {
	var l, c int
	// The file name may contain ':'; parse from the end.
	i := len(pos) - 1
	mul := 1
	for ; i >= 0 && pos[i] != ':'; i-- {
		c += int(pos[i]-'0') * mul
		mul *= 10
	}
	i--
	mul = 1
	for ; i >= 0 && pos[i] != ':'; i-- {
		l += int(pos[i]-'0') * mul
		mul *= 10
	}
	return l, c
}
