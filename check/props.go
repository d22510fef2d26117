package check

import (
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Eventually and leadsto
//
// `p leadsto q` fails when some fair run reaches a state where p holds and
// from then on q never holds; `eventually q` is the same question asked of
// the initial state alone (true leadsto q, asked once). Both are answered
// on the progress graph:
//
//  1. Keep the states where q is false (the "waiting" states).
//  2. Find where a run can stay waiting forever: the fair components of
//     the subgraph they induce (the same test of fairness as for
//     livelocks), and the waiting states where a run ends (every
//     non-daemon stack finished: the run stops with q still false).
//  3. Walk the subgraph's edges backwards from those: every waiting state
//     from which a run can stay waiting forever.
//  4. The property fails when such a state is one where p holds (for
//     eventually: when it is the initial state). The counterexample is the
//     shortest path to the shallowest such state, a shortest waiting path
//     from there to the component or end, and a fair cycle in the
//     component (none when the run ends).
//
// Each state keeps two bits per property, p and q, evaluated when it is
// expanded (card.MaxProperties bounds the count).

// evalProps returns the truth of every property's conditions in state s:
// bit 2k for p of property k, bit 2k+1 for its q. (A condition that cannot
// be evaluated is a runtime error that CheckAlways reports: the graph has
// no such state.)
func (g *pgraph) evalProps(s *vm.State) uint64 {
	var bits uint64
	for k, pr := range g.m.P.Props {
		if pr.P != card.NoExpr {
			if ok, _ := g.m.Holds(pr.P, s); ok {
				bits |= 1 << (2 * k)
			}
		}
		if ok, _ := g.m.Holds(pr.Q, s); ok {
			bits |= 1 << (2*k + 1)
		}
	}
	return bits
}

// reverse returns the graph's edges backwards, in CSR form: the edges
// into state v are rin[roff[v]:roff[v+1]], as edge indexes.
func (g *pgraph) reverse() (roff, rin []uint32) {
	n := g.n()
	roff = make([]uint32, n+2)
	for _, w := range g.to {
		roff[w+2]++
	}
	for v := 2; v < len(roff); v++ {
		roff[v] += roff[v-1]
	}
	rin = make([]uint32, len(g.to))
	for v := 0; v < n; v++ {
		for e := g.off[v]; e < g.off[v+1]; e++ {
			w := g.to[e]
			rin[roff[w+1]] = e
			roff[w+1]++
		}
	}
	return roff[:n+1], rin
}

// checkProps checks every eventually and leadsto property and returns a
// counterexample for each that fails.
func (g *pgraph) checkProps(fair Fairness) ([]Counterexample, error) {
	props := g.m.P.Props
	if len(props) == 0 || g.n() == 0 {
		return nil, nil
	}
	var out []Counterexample
	roff, rin := g.reverse()
	for k := range props {
		cx, found, err := g.checkProp(k, fair, roff, rin)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, cx)
		}
	}
	return out, nil
}

// checkProp checks property k.
func (g *pgraph) checkProp(k int, fair Fairness, roff, rin []uint32) (Counterexample, bool, error) {
	pr := &g.m.P.Props[k]
	pBit, qBit := uint64(1)<<(2*k), uint64(1)<<(2*k+1)
	n := g.n()
	waiting := func(v uint32) bool { return g.props[v]&qBit == 0 }
	var nodes []uint32
	for v := range n {
		if waiting(uint32(v)) {
			nodes = append(nodes, uint32(v))
		}
	}
	if len(nodes) == 0 {
		return Counterexample{}, false, nil
	}
	// comp[v]: 1 + the index of v's fair component, or -1 for a state
	// where a run ends; 0 for neither.
	comp := make([]int32, n)
	var comps [][]uint32
	g.fairComponents(waiting, fair, func(set []uint32) {
		comps = append(comps, sortedCopy(set))
		for _, v := range set {
			comp[v] = int32(len(comps))
		}
	})
	// Backwards from the components and the ends, inside the waiting
	// states.
	can := make([]bool, n)
	var queue []uint32
	for _, v := range nodes {
		if comp[v] > 0 || g.en[v] == 0 && g.unf[v] == 0 {
			if comp[v] == 0 {
				comp[v] = -1
			}
			can[v] = true
			queue = append(queue, v)
		}
	}
	for i := 0; i < len(queue); i++ {
		w := queue[i]
		for _, e := range rin[roff[w]:roff[w+1]] {
			v := g.source(e)
			if !can[v] && waiting(v) {
				can[v] = true
				queue = append(queue, v)
			}
		}
	}
	// The shallowest state where the property asks for q and a run can
	// keep it waiting forever.
	start := int64(-1)
	if pr.Kind == card.PropEventually {
		if can[0] {
			start = 0
		}
	} else {
		for v := range n {
			if can[v] && g.props[v]&pBit != 0 {
				start = int64(v)
				break
			}
		}
	}
	if start < 0 {
		return Counterexample{}, false, nil
	}
	v := uint32(start)
	var wait []uint32 // edges from v to a component or an end
	at := v
	if comp[v] == 0 {
		wait = g.path(func(w uint32) bool { return can[w] }, v, func(w uint32) bool { return comp[w] != 0 })
		if wait == nil {
			return Counterexample{}, false, internalError("%s: no waiting path from state %d", pr.Src, v)
		}
		at = g.to[wait[len(wait)-1]]
	}
	var cyc []uint32
	if c := comp[at]; c > 0 {
		cyc = g.cycle(&lasso{states: comps[c-1], entry: at, unf: g.unf[at]}, fair)
	}
	asked := g.bfsPath(v)
	var upto trace.Schedule // the cards dealt when p holds
	g.moves(&upto, asked, len(asked))
	pre := append(asked, wait...)
	sch, res, s, err := g.replay(pre, cyc)
	if err != nil {
		return Counterexample{}, false, err
	}
	viol := trace.Property(g.m, s, k, upto.Len(), len(cyc) > 0)
	// The replay judged the properties card by card (trace.Watch): where
	// folded cards follow the one that made p hold, it names that card,
	// which the graph's state after the fold cannot.
	if rv := res.Violation; rv != nil && rv.Kind == viol.Kind && strings.HasPrefix(rv.Message, pr.Src+":") {
		viol = rv
	}
	if len(cyc) > 0 {
		// The same property, broken by a lasso with fewer cards; its
		// message says where it was asked for in the shorter run.
		same := func(rv *trace.Violation) bool {
			return rv.Kind == viol.Kind && rv.Pos == viol.Pos && strings.HasPrefix(rv.Message, pr.Src+":")
		}
		if short, sres, rv := shortenLasso(g.m, sch, fair, same); rv != nil {
			sch, res, viol = short, sres, rv
		}
	}
	return Counterexample{Violation: viol, Schedule: sch, Steps: steps(res, sch)}, true, nil
}
