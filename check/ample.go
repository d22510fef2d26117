package check

import (
	"github.com/deck-lang/deck/card"
)

// Partial-order reduction, second part: ample cards.
//
// A card t is ample when, whenever a stack i stands at t, every card that
// another stack could take before i takes t is independent of t, t stays
// enabled, and t changes nothing an invariant reads. Then exploring only
// i's transitions from such a state (an ample, or persistent, set) finds the
// same deadlocks, terminal states (outcomes), failed asserts and runtime
// errors, and broken invariants. The cards found ample here:
//
//   - cards that touch no shared state and cannot block (local computation,
//     choose and either over locals, yield); an either whose guards read
//     shared state is never ample;
//   - cards whose every shared access is protected by a mutex that stack i
//     must hold at t (a must-lockset analysis over the card graph) and that
//     every conflicting access anywhere in the program must hold too: no
//     other stack can take a conflicting card while i holds that mutex.
//
//   - join (when it can go on: its stack has finished, which nothing can
//     undo), and spawn when only main spawns (see mainSpawns), unless on
//     nodes its start message races with another procedure's messages on
//     its link (startRaces);
//   - return, unless it sends a done message to another node.
//
// Other sync cards and print are never ample: among them the cards
// of condition variables (wait, signal and broadcast), since a signal
// moves another stack and its choices depend on who sleeps. Ample sync cards are
// never folded (a join may not be able to go on). Writes to variables
// an always line reads are never ample (they are visible).
//
// Cycle proviso: a card is not ample if it lies on a cycle of the card graph
// made of ample and foldable cards, so a stack cannot loop through ample
// transitions forever while the others are ignored; every cycle of the
// reduced state graph then contains a fully expanded state. The edge that
// closes a for loop is left out: the loop variable only grows towards a
// bound fixed on entry, so a for loop cannot go round forever (a loop
// around it that can still has its own edge).
//
// Transitions that fail, or reach a state that breaks an invariant, end a
// path: when an ample transition does, the state is expanded fully.

const maxAmpleCards = 20000 // larger programs skip the (quadratic) analysis

// lockSets are the mutexes a stack must hold at each card (must-locksets),
// as bits: one for each mutex word, up to 64 of them.
type lockSets struct {
	held    []uint64 // by pc: held before the card
	reached []bool   // by pc: reached from a procedure's entry
	// takes[pc]: the mutex a lock card takes, when its index is known.
	takes []uint64
}

// mustLocks computes the must-locksets by a fixpoint over the card graph
// from every procedure's entry. Unreached cards (atomic bodies, dead code)
// keep reached == false.
func mustLocks(p *card.Program) *lockSets {
	n := len(p.Cards)
	// Bits for mutex words (scalar mutexes and elements of mutex arrays).
	lockBit := map[int32]uint{}
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind != card.GMutex {
			continue
		}
		for e := int32(0); e < g.Elems() && len(lockBit) < 64; e++ {
			lockBit[g.Base+e*g.Stride] = uint(len(lockBit))
		}
	}
	// globalBits: every lock bit of a mutex global (for unlocks with an
	// index only known at run time).
	globalBits := func(gi int32) uint64 {
		g := &p.Globals[gi]
		var m uint64
		for e := int32(0); e < g.Elems(); e++ {
			if b, ok := lockBit[g.Base+e*g.Stride]; ok {
				m |= 1 << b
			}
		}
		return m
	}
	// objBit returns the lock bit a lock/unlock card names, if known.
	objBit := func(c *card.Card) (uint64, bool) {
		g := &p.Globals[c.Obj]
		w := g.Base
		if c.Y != card.NoExpr {
			code := p.Exprs[c.Y].Code
			if len(code) != 1 || code[0].Op != card.XConst {
				return 0, false
			}
			w += int32(code[0].A) * g.Stride
		}
		b, ok := lockBit[w]
		if !ok {
			return 0, false
		}
		return 1 << b, true
	}
	succ := func(pc int32, f func(int32)) { cardSucc(p, pc, f) }
	held := make([]uint64, n)
	reached := make([]bool, n)
	var work []int32
	for pi := range p.Procs {
		e := p.Procs[pi].Entry
		reached[e] = true
		held[e] = 0
		work = append(work, e)
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		c := &p.Cards[pc]
		out := held[pc]
		switch c.Op {
		case card.Lock:
			if b, ok := objBit(c); ok {
				out |= b
			}
		case card.Unlock:
			if b, ok := objBit(c); ok {
				out &^= b
			} else {
				out &^= globalBits(c.Obj)
			}
		case card.CondWait:
			// wait c, m lets go of m until its Lock card takes it again.
			out &^= globalBits(c.B)
		case card.Atomic, card.Either: // an either's atomic bodies too
			for _, b := range card.AtomicBody(p, pc) {
				if bc := &p.Cards[b]; bc.Op == card.Unlock {
					out &^= globalBits(bc.Obj)
				}
			}
		}
		succ(pc, func(t int32) {
			if !reached[t] {
				reached[t], held[t] = true, out
				work = append(work, t)
			} else if held[t]&out != held[t] {
				held[t] &= out
				work = append(work, t)
			}
		})
	}
	takes := make([]uint64, n)
	for pc := range p.Cards {
		if c := &p.Cards[pc]; c.Op == card.Lock {
			takes[pc], _ = objBit(c)
		}
	}
	return &lockSets{held: held, reached: reached, takes: takes}
}

func ampleCards(p *card.Program, visible []bool) []bool {
	n := len(p.Cards)
	if n == 0 || n > maxAmpleCards {
		return nil
	}
	ls := mustLocks(p)
	held, reached := ls.held, ls.reached
	succ := func(pc int32, f func(int32)) { cardSucc(p, pc, f) }
	// Variables the invariants read.
	invRead := map[int32]bool{}
	for _, inv := range p.Always {
		for _, in := range p.Exprs[inv.X].Code {
			if in.Op == card.XGlobal || in.Op == card.XGlobalAt {
				for gi := range p.Globals {
					g := &p.Globals[gi]
					if int32(in.A) >= g.Base && int32(in.A) < g.Base+g.Elems()*g.Stride {
						invRead[int32(gi)] = true
					}
				}
			}
		}
	}
	overlap := func(a, b card.Access) bool {
		return a.Global == b.Global && (a.Write || b.Write) && (a.Elem == b.Elem || a.Elem < 0 || b.Elem < 0)
	}
	// The reachable cards that access each global.
	byGlobal := make([][]int32, len(p.Globals))
	for q := 0; q < n; q++ {
		if !reached[q] {
			continue
		}
		for _, b := range p.Accesses[q] {
			if l := byGlobal[b.Global]; len(l) == 0 || l[len(l)-1] != int32(q) {
				byGlobal[b.Global] = append(l, int32(q))
			}
		}
	}
	// Spawns commute with the other stacks' cards when main is the only
	// stack that spawns: no two spawns race for a stack id, and (unless a
	// join takes its handle from shared memory) nobody can refer to a
	// stack before it exists.
	mainSpawns := true
	for pc := 0; pc < n && mainSpawns; pc++ {
		c := &p.Cards[pc]
		if !reached[pc] {
			continue
		}
		switch {
		case c.Op == card.Spawn && (c.Proc != p.Main || c.A == p.Main):
			mainSpawns = false
		case c.Op == card.Join && len(p.Accesses[pc]) > 0:
			mainSpawns = false
		case c.Op == card.Atomic || card.HasBodies(p, int32(pc)):
			for _, b := range card.AtomicBody(p, int32(pc)) {
				if p.Cards[b].Op == card.Spawn {
					mainSpawns = false
				}
			}
		}
	}
	owned := ownedArrays(p, reached)
	cand := make([]bool, n)
	for pc := 0; pc < n; pc++ {
		if !reached[pc] {
			continue
		}
		c := &p.Cards[pc]
		switch {
		case c.Op == card.Join:
			// A join that can go on is independent of every other card:
			// a finished stack stays finished, its result fixed.
		case c.Op == card.Spawn && mainSpawns:
			if startRaces(p, int32(pc), reached) {
				continue
			}
		case c.Op == card.Return && (p.Net == nil || p.Net.DoneTo[c.Proc] == 0):
			// A stack's last card touches nothing another stack can see:
			// it only lets joins of it go on, which cannot happen before
			// it (a disabled card does not conflict). Without this, a
			// main that has spawned the workers and has only its return
			// left doubles every state (main before and after it). On
			// nodes, a return that sends a done message is ordered with
			// the other messages of its link: not ample there.
		case c.Op.IsSync() || c.Op == card.Print || c.Op == card.Return || c.Op == card.Done:
			continue
		case card.Guarded(p, int32(pc)) && len(p.Accesses[pc]) > 0:
			continue // its guards read shared state: it may be disabled by others
		case card.HasBodies(p, int32(pc)):
			continue // an atomic body: never ample, as an atomic card is not
		}
		ok := true
		for _, a := range p.Accesses[pc] {
			if p.Globals[a.Global].Kind != card.GVar || a.Write && invRead[a.Global] {
				ok = false
				break
			}
			if owned[a.Global] {
				continue // each stack has its own element (owned.go)
			}
			guard := held[pc]
			for _, q := range byGlobal[a.Global] {
				if guard == 0 {
					break
				}
				for _, b := range p.Accesses[q] {
					if overlap(a, b) {
						guard &= held[q]
						break
					}
				}
			}
			if guard == 0 {
				ok = false
				break
			}
		}
		cand[pc] = ok
	}
	// Cycle proviso: drop candidates on a cycle of candidate and foldable
	// cards.
	// A for loop runs a bounded number of times, so the edge that closes it
	// cannot make a stack loop forever: cycles through it do not count.
	loopStep := make([]bool, n)
	for _, pc := range p.LoopSteps {
		loopStep[pc] = true
	}
	unbounded := func(pc int32, f func(int32)) {
		if !loopStep[pc] {
			succ(pc, f)
		}
	}
	inR := func(pc int32) bool { return cand[pc] || !visible[pc] }
	onCycle := cyclic(n, func(pc int32) bool { return inR(pc) && reached[pc] }, unbounded)
	anyAmple := false
	for pc := range cand {
		if cand[pc] && onCycle[pc] {
			cand[pc] = false
		}
		anyAmple = anyAmple || cand[pc]
	}
	if !anyAmple {
		return nil
	}
	return cand
}

// cardSucc calls f with every card that may follow card pc in its stack.
func cardSucc(p *card.Program, pc int32, f func(int32)) {
	c := &p.Cards[pc]
	switch c.Op {
	case card.Return, card.Done:
		return
	case card.Either:
		for _, t := range p.Eithers[c.A] {
			f(t)
		}
		return
	case card.Select:
		for _, t := range card.SelectTargets(p, c) {
			f(t)
		}
		return
	case card.Branch:
		if c.Target >= 0 {
			f(c.Target)
		}
	}
	if c.Next >= 0 {
		f(c.Next)
	}
}

// cyclic marks the nodes that lie on a cycle of the subgraph induced by
// the nodes in (Tarjan's strongly connected components, iteratively).
func cyclic(n int, in func(int32) bool, succ func(int32, func(int32))) []bool {
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	res := make([]bool, n)
	var stack []int32
	next := int32(0)
	type frame struct {
		v    int32
		kids []int32
		k    int
	}
	for root := int32(0); root < int32(n); root++ {
		if !in(root) || index[root] >= 0 {
			continue
		}
		var frames []frame
		push := func(v int32) {
			index[v], low[v] = next, next
			next++
			stack = append(stack, v)
			onStack[v] = true
			var kids []int32
			succ(v, func(t int32) {
				if in(t) {
					kids = append(kids, t)
				}
			})
			frames = append(frames, frame{v: v, kids: kids})
		}
		push(root)
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.k < len(f.kids) {
				t := f.kids[f.k]
				f.k++
				if t == f.v {
					res[t] = true // a self-loop
				}
				if index[t] < 0 {
					push(t)
				} else if onStack[t] && index[t] < low[f.v] {
					low[f.v] = index[t]
				}
				continue
			}
			v := f.v
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				if p := frames[len(frames)-1].v; low[v] < low[p] {
					low[p] = low[v]
				}
			}
			if low[v] == index[v] {
				var comp []int32
				for {
					x := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[x] = false
					comp = append(comp, x)
					if x == v {
						break
					}
				}
				if len(comp) > 1 {
					for _, x := range comp {
						res[x] = true
					}
				}
			}
		}
	}
	return res
}

// startRaces reports whether spawn card pc, on a placed program's ordered
// network, sends a start message that other messages may race with on its
// link: another procedure on main's node may send messages too. Their
// order on the link matters (a channel value that cannot be delivered yet
// holds back the start message behind it), so such a spawn does not
// commute with those cards and is not ample.
func startRaces(p *card.Program, pc int32, reached []bool) bool {
	net := p.Net
	if net == nil || !net.Remote[pc] || net.Mode&card.Unordered != 0 {
		return false
	}
	node := net.ProcNode[p.Cards[pc].Proc]
	for q := range p.Cards {
		c := &p.Cards[q]
		if reached[q] && c.Proc >= 0 && c.Proc != p.Cards[pc].Proc && net.ProcNode[c.Proc] == node && sendsMessage(p, int32(q)) {
			return true
		}
	}
	return false
}
