package check

import (
	"slices"

	"github.com/deck-lang/deck/card"
)

// Arrays owned element by element: `meals[i]` where i is a parameter of
// the procedure and every stack of that procedure is spawned with a
// different i. No two stacks then ever touch the same element, so an
// access to such an array is independent of every card another stack can
// take, as a local's is (ample.go), and no race.

// noOwnedArrays turns the analysis off, for the test that compares.
var noOwnedArrays = false

// ownedArrays finds the owned arrays, conservatively. A var array G is
// owned when
//
//   - every expression that reads G belongs to a card of one procedure P
//     and indexes G by P's parameter k itself (the instruction before the
//     indexed read loads that parameter), and every store into G is a card
//     of P indexed the same way; no constant index, no other procedure, no
//     condition (always, eventually, leadsto) reads it;
//   - no card of P assigns parameter k;
//   - every spawn of P is a card of main (not in an atomic body), main is
//     not P, and each passes for parameter k a constant, running at most
//     once (main's card graph has no cycle through it), or a for loop's
//     variable; no value can be passed twice.
//
// A stack of P is then the only one that can touch G[v], where v is the
// constant its spawn passed. (Calls are inlined, so a card of P is only
// ever run by a stack spawned as P.) A spawn may also pass the variable of
// a for loop around it with constant bounds (loopValues): each run then
// passes another value, and the ranges and constants must not overlap.
func ownedArrays(p *card.Program, reached []bool) []bool {
	owned := make([]bool, len(p.Globals))
	if noOwnedArrays {
		return owned
	}
	arrays := false
	for gi := range p.Globals {
		g := &p.Globals[gi]
		owned[gi] = g.Kind == card.GVar && g.Len > 0
		arrays = arrays || owned[gi]
	}
	if !arrays {
		return owned
	}
	// (The spawns are counted in main's cards, which run once: the
	// compiler lets no one call or spawn main.)
	//
	// The owner of each expression: the procedure of the cards that use it
	// (-1: none yet; -2: not a stack's, or several procedures').
	exprProc := make([]int32, len(p.Exprs))
	for e := range exprProc {
		exprProc[e] = -1
	}
	use := func(e card.Expr, proc int32) {
		if e == card.NoExpr {
			return
		}
		if exprProc[e] == -1 {
			exprProc[e] = proc
		} else if exprProc[e] != proc {
			exprProc[e] = -2
		}
	}
	for pc := range p.Cards {
		c := &p.Cards[pc]
		use(c.X, c.Proc)
		use(c.Y, c.Proc)
		switch c.Op {
		case card.Print:
			for _, a := range p.Prints[c.A] {
				use(a.X, c.Proc)
			}
		case card.Spawn:
			for _, a := range p.Spawns[c.B].Args {
				use(a, c.Proc)
			}
		case card.Select:
			for _, cs := range p.Selects[c.A] {
				use(cs.X, c.Proc)
				use(cs.Y, c.Proc)
			}
		}
	}
	for _, inv := range p.Always {
		use(inv.X, -2)
	}
	for _, pr := range p.Props {
		use(pr.P, -2)
		use(pr.Q, -2)
	}
	// The procedure and parameter that index each array (-1: not seen yet).
	byProc, byParam := make([]int32, len(p.Globals)), make([]int64, len(p.Globals))
	for gi := range byProc {
		byProc[gi] = -1
	}
	indexedBy := func(gi int32, proc int32, slot int64) {
		if !owned[gi] {
			return
		}
		if proc < 0 || slot < 0 || slot >= int64(len(p.Procs[proc].Params)) ||
			byProc[gi] >= 0 && (byProc[gi] != proc || byParam[gi] != slot) {
			owned[gi] = false
			return
		}
		byProc[gi], byParam[gi] = proc, slot
	}
	for e := range p.Exprs {
		code := p.Exprs[e].Code
		// Where jumps land: there the stack's top is not what the
		// instruction before pushed.
		var landing map[int]bool
		for k, in := range code {
			if in.Op == card.XAndJump || in.Op == card.XOrJump {
				if landing == nil {
					landing = map[int]bool{}
				}
				landing[k+1+int(in.A)] = true
			}
		}
		for k, in := range code {
			if in.Op != card.XGlobal && in.Op != card.XGlobalAt {
				continue
			}
			gi := p.GlobalAt(int32(in.A))
			if gi < 0 || !owned[gi] {
				continue
			}
			if in.Op == card.XGlobal || k == 0 || code[k-1].Op != card.XLocal || landing[k] {
				owned[gi] = false
				continue
			}
			indexedBy(gi, exprProc[e], code[k-1].A)
		}
	}
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Op != card.Store || c.Obj < 0 || !owned[c.Obj] {
			continue
		}
		if c.Y == card.NoExpr || len(p.Exprs[c.Y].Code) != 1 || p.Exprs[c.Y].Code[0].Op != card.XLocal {
			owned[c.Obj] = false
			continue
		}
		indexedBy(c.Obj, c.Proc, p.Exprs[c.Y].Code[0].A)
	}
	// The parameter is never assigned, and P's stacks get distinct values.
	var onCycle []bool
	for gi := range owned {
		if !owned[gi] || byProc[gi] < 0 {
			owned[gi] = false // not accessed at all: nothing to gain
			continue
		}
		proc, slot := byProc[gi], byParam[gi]
		if proc == p.Main {
			owned[gi] = false
			continue
		}
		if onCycle == nil {
			onCycle = cyclic(len(p.Cards), func(pc int32) bool { return reached[pc] },
				func(pc int32, f func(int32)) { cardSucc(p, pc, f) })
		}
		seen := map[int64]bool{}
		for pc := range p.Cards {
			c := &p.Cards[pc]
			if c.Proc == proc && assigns(p, c, int32(slot)) {
				owned[gi] = false
				break
			}
			if c.Op != card.Spawn || c.A != proc {
				continue
			}
			args := p.Spawns[c.B].Args
			if c.Proc != p.Main || !reached[pc] || int(slot) >= len(args) {
				owned[gi] = false
				break
			}
			// The values this spawn passes: a constant once, or each value
			// of a for loop's variable once.
			var lo, hi int64
			code := p.Exprs[args[slot]].Code
			switch {
			case len(code) == 1 && code[0].Op == card.XConst && !onCycle[pc]:
				lo, hi = code[0].A, code[0].A+1
			case len(code) == 1 && code[0].Op == card.XLocal:
				var ok bool
				if lo, hi, ok = loopValues(p, int32(pc), int32(code[0].A), reached, onCycle); !ok {
					owned[gi] = false
				}
			default:
				owned[gi] = false
			}
			for v := lo; owned[gi] && v < hi; v++ {
				owned[gi] = !seen[v]
				seen[v] = true
			}
			if !owned[gi] {
				break
			}
		}
	}
	return owned
}

// maxLoopSpawns bounds the values loopValues lists.
const maxLoopSpawns = 1 << 12

// loopValues returns the values [lo, hi) that local k of main may have
// when main takes spawn card pc, if k is the variable of a for loop around
// it with constant bounds (`for k in lo..hi`) that nothing else assigns,
// pc runs at most once an iteration (no cycle through it but the loop's
// own), and the loop runs once (no cycle through its start). Then each run of pc sees another value of k. A spawn
// reached before the loop's first test sees k = lo, which the range
// includes.
func loopValues(p *card.Program, pc, k int32, reached, onCycle []bool) (lo, hi int64, ok bool) {
	main := p.Main
	step, init := int32(-1), int32(-1)
	for q := range p.Cards {
		c := &p.Cards[q]
		if c.Proc != main || !assigns(p, c, k) {
			continue
		}
		switch {
		case slices.Contains(p.LoopSteps, int32(q)) && step < 0:
			step = int32(q)
		case c.Op == card.Local && c.B == 0 && init < 0:
			init = int32(q)
		default:
			return 0, 0, false // assigned elsewhere
		}
	}
	if step < 0 || init < 0 {
		return 0, 0, false
	}
	test := p.Cards[step].Next
	// The loop starts once: its first card is on no cycle (a loop
	// around it would start k again).
	if test < 0 || onCycle[init] || p.Cards[init].Next != test || p.Cards[test].Op != card.Branch {
		return 0, 0, false
	}
	initX, testX := p.Exprs[p.Cards[init].X].Code, p.Exprs[p.Cards[test].X].Code
	if len(initX) != 1 || initX[0].Op != card.XConst || len(testX) != 3 ||
		testX[0].Op != card.XLocal || int32(testX[0].A) != k || testX[1].Op != card.XConst || testX[2].Op != card.XLt {
		return 0, 0, false
	}
	lo, hi = initX[0].A, max(testX[1].A, initX[0].A+1)
	if hi-lo > maxLoopSpawns {
		return 0, 0, false
	}
	// No cycle through pc once the loop's back edge is cut.
	cut := cyclic(len(p.Cards), func(q int32) bool { return reached[q] }, func(q int32, f func(int32)) {
		if q != step {
			cardSucc(p, q, f)
		}
	})
	if cut[pc] {
		return 0, 0, false
	}
	return lo, hi, true
}

// assigns reports whether card c may write local slot.
func assigns(p *card.Program, c *card.Card, slot int32) bool {
	switch c.Op {
	case card.Store:
		return false // a shared store; its Dst is unused
	case card.Local:
		if c.B > 0 { // a local array: Dst is its first slot
			return slot >= c.Dst && slot < c.Dst+c.B
		}
	case card.Select:
		for _, cs := range p.Selects[c.A] {
			if cs.Dst == slot {
				return true
			}
		}
	}
	return c.Dst == slot
}

// reachedCards marks the cards reachable from some procedure's entry, as
// ampleCards does (atomic bodies and dead code are not).
func reachedCards(p *card.Program) []bool {
	reached := make([]bool, len(p.Cards))
	var work []int32
	for _, pr := range p.Procs {
		reached[pr.Entry] = true
		work = append(work, pr.Entry)
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		cardSucc(p, pc, func(t int32) {
			if !reached[t] {
				reached[t] = true
				work = append(work, t)
			}
		})
	}
	return reached
}
