package check

import (
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Partial-order reduction, third part: sleep sets.
//
// Folding and ample cards make fewer states; sleep sets make fewer
// transitions between the same states. At a state s where every enabled
// stack moves (no ample card), expand takes the stacks in order. Say
// stack u has been taken, and then stack t is. If u's move and t's move
// commute, then u(t(s)) = t(u(s)), and t(u(s)) is reached from u(s)
// anyway: so u "sleeps" in t(s), where its move would only reach that
// state again. It keeps sleeping in the states after t(s) as long as the
// moves made there commute with it too. The search skips a sleeping
// stack's moves.
//
// Three rules keep every state reached, at the depth a search without
// sleep sets finds it, so that state counts, verdicts, outcomes and
// shortest counterexamples do not change (TestSleepSetsKeepStates,
// TestSleepSetsRandom):
//
//   - u is put to sleep after t only when u's moves from s reached states
//     where every enabled stack moves (so that t is taken from u(s)): u's
//     stack stands at a card that is not ample, it has not finished, it
//     spawned no stack, and its move broke no invariant (see fullAfter).
//   - The search is breadth-first and finishes a level before it expands
//     the next, so a state can collect every transition that reaches it in
//     its level before it is expanded. It sleeps only in what all of them
//     put to sleep. A sleep set is stored as its complement, the stacks
//     that must move ("wake"), so that the level table ORs them: its zero
//     means none recorded yet, and the OR of two is the intersection of
//     the sleep sets. A state reached again in a later level is not
//     expanded again; the shorter path that reached it first is as good.
//   - A state that breaks an invariant ends its path, so the argument
//     above fails when t(u(s)) breaks one and t(s) does not: two cards
//     that may both write what an invariant reads never commute (condBit).
//
// Which moves commute is decided from footprints: what the card a stack
// stands at reads and writes in shared memory, as bits of a 64-bit mask
// (below). A transition also folds the cards after its first one, but
// those are invisible or ample: nothing another stack does conflicts with
// them. Two footprints that share a bit where one of them writes conflict;
// a mask may share bits between different words (word w is bit w mod 61),
// which costs pruning, never soundness. Cards whose effect a mask cannot
// describe (spawn, join, return, channels, condition variables, atomic
// blocks, either, select) conflict with everything. Only programs without
// nodes and placed ones without node faults use sleep sets.
//
// In a placed program the network's moves take part too. A card that
// sends a channel value to another node writes its link (linkBit: one
// footprint bit a link), not the channel: two sends on one link keep
// their order there, so they conflict, but a send commutes with the
// delivery of the oldest message of its own link (the send goes behind
// it). Delivering a channel value writes the channel. So on an ordered
// network the delivery on a link has an identity that the moves which
// commute with it cannot change, the link: it sleeps as a stack does,
// under a bit of its own in the wake mask (sleepLinks). On an unordered
// network a delivery has its footprint but no bit: it puts others to
// sleep and never sleeps itself. Every other network move (a drop, a
// duplicate) and every card that sends any other message conflict with
// all. The start, done, notify and acknowledgement messages, and values
// for quiet channels, are delivered alone (net.go), so a state where one
// is waiting is never one that makes sleep sets (fullNet).

const (
	// sleepStacks: stacks from this one on never sleep (a wake mask has
	// one bit a stack), less the bits links take (sleepLinks).
	sleepStacks = 32
	// maxSleepLinks bounds the links whose deliveries may sleep.
	maxSleepLinks = 16
	allAwake      = ^uint32(0)

	wordBits = 61      // shared word w is footprint bit w % wordBits
	condBit  = 1 << 61 // written by every card that may write a variable an invariant reads
	outBit   = 1 << 62 // the output: every print writes it
	// anyBit is read by every footprint and written by the cards whose
	// effect a footprint cannot describe, so that they conflict with all.
	anyBit = 1 << 63
)

// foot is what a move reads and writes, as footprint bits.
type foot struct{ r, w uint64 }

// conflicts reports whether two moves may not commute: one writes a bit
// the other reads or writes.
func (a foot) conflicts(b foot) bool {
	return a.w&(b.r|b.w)|b.w&a.r != 0
}

// cardFoot is what a card touches: the bits of foot whatever the state,
// and, when indexed, one word more that depends on a local: base +
// locals[slot]*stride for an index in [0, n) (lock fork[first]), written
// when write. Out of range, the card fails, and conflicts with all.
type cardFoot struct {
	foot
	indexed, write        bool
	slot, base, stride, n int32
}

// everything is the footprint of a card that conflicts with all.
var everything = foot{r: anyBit, w: ^uint64(0)}

func wordBit(word int32) uint64 { return 1 << (uint32(word) % wordBits) }

// globalBits returns the bits of every element of global g.
func globalBits(g *card.Global) uint64 {
	if g.Elems() >= wordBits {
		return 1<<wordBits - 1
	}
	var bits uint64
	for e := int32(0); e < int32(g.Elems()); e++ {
		bits |= wordBit(g.Base + e*g.Stride)
	}
	return bits
}

// cardFeet finds every card's footprint. condWrites (nil: none) marks the
// cards that may write a variable an invariant reads: two such cards
// conflict even when they write different words. (A state that breaks an
// invariant ends its path. If u and t both change what an invariant reads,
// u(t(s)) may break it where t(s) does not; a path that took t, then u
// later, would reach states that the path through u(s) and t, where t(u(s))
// ends, does not. TestSleepSetsRandom found it: always a + b < 2, one
// stack adding to a, another to b.)
func cardFeet(p *card.Program, condWrites, quiet []bool) []cardFoot {
	feet := make([]cardFoot, len(p.Cards))
	for pc := range p.Cards {
		feet[pc] = cardFootOf(p, int32(pc), quiet)
		if condWrites != nil && condWrites[pc] {
			feet[pc].w |= condBit
		}
	}
	return feet
}

func cardFootOf(p *card.Program, pc int32, quiet []bool) cardFoot {
	c := &p.Cards[pc]
	net := p.Net
	remote := false // a send whose value goes to another node
	switch c.Op {
	case card.Local, card.Branch, card.Assert, card.Choose, card.Store, card.Print, card.Nop, card.Await,
		card.Lock, card.Unlock, card.Acquire, card.Wait:
	case card.Notify:
		if net != nil && len(net.NotifyTo[pc]) > 0 {
			return cardFoot{foot: everything} // it tells other nodes
		}
	case card.Release:
		if c.X != card.NoExpr {
			return cardFoot{foot: everything} // a condition variable's release
		}
	case card.Send, card.Recv:
		// A buffered channel's words are its own; a rendezvous (which
		// waits for its receiver, or acknowledges a sender on another
		// node) conflicts with all.
		if p.Globals[c.Obj].Cap == 0 {
			return cardFoot{foot: everything}
		}
		remote = c.Op == card.Send && net != nil && net.Remote[pc]
	default:
		return cardFoot{foot: everything}
	}
	f := cardFoot{foot: foot{r: anyBit}}
	if c.Op == card.Print {
		f.w |= outBit
	}
	if remote {
		f.w |= linkBit(p, vm.Link(net.ProcNode[c.Proc], net.GlobalNode[c.Obj]))
	}
	for _, a := range p.Accesses[pc] {
		g := &p.Globals[a.Global]
		if remote && a.Write && a.Global == c.Obj && (quiet == nil || !quiet[c.Obj]) {
			// It writes its link, not the channel. (A send into a quiet
			// channel keeps the channel too: with its value at the head
			// of the link, whether the channel is empty decides whether
			// the value is delivered alone, and so whether a state makes
			// sleep sets at all; receives and deliveries change that.)
			continue
		}
		// The object a card changes or waits on is recorded as a write;
		// a wait only reads it.
		write := a.Write && c.Op != card.Wait
		var bits uint64
		switch {
		case a.Elem >= 0:
			bits = wordBit(g.Base + a.Elem*g.Stride)
		case a.Write && a.Global == c.Obj && !f.indexed && localIndex(p, c.Y) >= 0:
			// The object, indexed by a local: its word is found per state.
			f.indexed, f.write = true, write
			f.slot, f.base, f.stride, f.n = localIndex(p, c.Y), g.Base, g.Stride, int32(g.Elems())
			continue
		default:
			bits = globalBits(g)
		}
		if write {
			f.w |= bits
		} else {
			f.r |= bits
		}
	}
	return f
}

// linkBit is the footprint bit of a link that carries channel values: the
// words of the shared section come first, so that a link shares a bit
// with a word only in a program of many.
func linkBit(p *card.Program, link uint32) uint64 {
	return wordBit(p.SharedWords + int32(link))
}

// localIndex returns the local slot that index expression y is, or -1.
func localIndex(p *card.Program, y card.Expr) int32 {
	if y == card.NoExpr {
		return -1
	}
	if code := p.Exprs[y].Code; len(code) == 1 && code[0].Op == card.XLocal {
		return int32(code[0].A)
	}
	return -1
}

// at returns the footprint of the card for a stack with these locals.
func (f *cardFoot) at(locals []int64) foot {
	if !f.indexed {
		return f.foot
	}
	idx := locals[f.slot]
	if idx < 0 || idx >= int64(f.n) {
		return everything
	}
	bit := wordBit(f.base + int32(idx)*f.stride)
	if f.write {
		return foot{r: f.r, w: f.w | bit}
	}
	return foot{r: f.r | bit, w: f.w}
}

// mayCommute reports whether two stacks can stand at cards that commute,
// both able to move: cards that no move folds (where stacks stand in the
// states stored), not both under the same mutex (two stacks cannot hold
// it) and neither a lock of a mutex the other holds (it would wait). When
// no two can, sleep sets would only cost. (The workers of a mutex counter
// pass as they are: the lock and the store under it never both move. Its
// main's last assert and a worker's lock would pass the test, though, so
// the gate, not this, keeps the counter's sleep sets off.) Programs with
// more than maxCommuteCards such cards are not searched.
func mayCommute(p *card.Program, feet []cardFoot, foldable []bool) bool {
	var stand []int
	for pc := range p.Cards {
		if !foldable[pc] {
			stand = append(stand, pc)
		}
	}
	if len(stand) > maxCommuteCards {
		return true
	}
	var ls *lockSets
	if len(p.Cards) <= maxAmpleCards {
		ls = mustLocks(p)
	}
	for x, a := range stand {
		for _, b := range stand[x:] {
			if feet[a].foot.conflicts(feet[b].foot) {
				continue
			}
			if ls != nil {
				if !ls.reached[a] || !ls.reached[b] {
					continue
				}
				ha, hb := ls.held[a], ls.held[b]
				if ha&hb != 0 || ls.takes[a]&hb != 0 || ls.takes[b]&ha != 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// maxCommuteCards bounds the cards mayCommute compares pairwise.
const maxCommuteCards = 2048

// sleepLinks are the wake-mask bits of a placed program's links: bit[link]
// (by vm.Link) is the bit of the delivery on that link, 0 for none. Only
// an ordered network gives them (see above), to the links that can carry
// channel values, maxSleepLinks at most, from bit 31 down; stacks keeps
// the bits below them for the stacks.
//
// quiet[link] marks the links that carry values for quiet channels
// (quietChans): a delivery on such a link writes the link's footprint bit
// too, since it may bring a quiet channel's value to the head of the link
// (a send on it may too, and it writes that bit): whether such a value
// waits at a head decides whether a state makes sleep sets.
type sleepLinks struct {
	bit    []uint32
	stacks int
	quiet  []bool
}

// newSleepLinks numbers the links of p's sends of channel values, and
// marks those of its sends into the quiet channels.
func newSleepLinks(p *card.Program, quietChans []bool) sleepLinks {
	l := sleepLinks{stacks: sleepStacks}
	net := p.Net
	if net == nil || net.Mode&card.Unordered != 0 {
		return l
	}
	if quietChans != nil {
		l.quiet = make([]bool, 1<<12)
		for pc := range p.Cards {
			if c := &p.Cards[pc]; c.Op == card.Send && net.Remote[pc] && quietChans[c.Obj] {
				l.quiet[vm.Link(net.ProcNode[c.Proc], net.GlobalNode[c.Obj])] = true
			}
		}
	}
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Op != card.Send || !net.Remote[pc] || p.Globals[c.Obj].Cap == 0 || sleepStacks-l.stacks == maxSleepLinks {
			continue
		}
		if l.bit == nil {
			l.bit = make([]uint32, 1<<12) // every link of 64 nodes
		}
		if link := vm.Link(net.ProcNode[c.Proc], net.GlobalNode[c.Obj]); l.bit[link] == 0 {
			l.stacks--
			l.bit[link] = 1 << l.stacks
		}
	}
	return l
}

// stackBit is stack i's bit in a wake mask, or 0 when it never sleeps:
// stacks from lim on (sleepLinks.stacks) have none.
func stackBit(i, lim int) uint32 {
	if i < lim {
		return 1 << i
	}
	return 0
}

// netFoot returns the footprint of network move kind on message k of s,
// and its bit in a wake mask (0: it never sleeps). Delivering a channel
// value writes the channel (its first word, as the cards that use it);
// every other move conflicts with all.
func (c *checker) netFoot(s *vm.State, kind, k int32) (foot, uint32) {
	if kind != trace.NetDeliver {
		return everything, 0
	}
	link, mk, word := s.MsgAt(int(k))
	if mk != vm.MsgChan {
		return everything, 0
	}
	var bit uint32
	if c.links.bit != nil {
		bit = c.links.bit[link]
	}
	f := foot{r: anyBit, w: wordBit(int32(word))}
	if c.links.quiet != nil && c.links.quiet[link] {
		f.w |= linkBit(c.p, link)
	}
	return f, bit
}

// sleepFeet finds the footprint and the wake bit of every move of the
// state being expanded, w.s: the enabled stacks' (by index in w.en over
// two), then the network's (after them, by index in w.nets over two).
func (w *worker) sleepFeet(mv *stateMoves) {
	s, c := &w.s, w.c
	feet := c.feet
	ns := len(mv.en) / 2
	n := ns + len(mv.nets)/2
	if cap(w.movers) < n {
		w.movers = make([]mover, n)
	}
	w.movers = w.movers[:n]
	movers, lim := w.movers[:ns], c.links.stacks
	for k := range movers {
		i := int(mv.en[2*k])
		f := &feet[s.PC(i)]
		m := &movers[k]
		if f.indexed {
			m.foot = f.at(s.Locals(i))
		} else {
			m.foot = f.foot
		}
		m.bit = stackBit(i, lim)
	}
	for e := 0; e < len(mv.nets); e += 2 {
		m := &w.movers[ns+e/2]
		m.foot, m.bit = c.netFoot(s, mv.nets[e], mv.nets[e+1])
	}
}

// mover is a move of the state being expanded, as sleep sets see it: its
// footprint and its bit in a wake mask (0: it never sleeps).
type mover struct {
	foot
	bit uint32
}

// independent returns the moves of cand (as wake bits), among those of
// the state being expanded, that commute with its move k (as sleepFeet
// numbers them).
//
// It is kept out of line: inlined, it made expandSleepy's loop over the
// stacks slower (registers), for the dining philosophers 1 % more
// instructions a state.
//
//go:noinline
func (w *worker) independent(k int, cand uint32) uint32 {
	if cand == 0 {
		return 0
	}
	a := w.movers[k].foot
	var mask uint32
	for j := range w.movers {
		b := &w.movers[j]
		if j == k || cand&b.bit == 0 {
			continue
		}
		if !a.conflicts(b.foot) {
			mask |= b.bit
		}
	}
	return mask
}

// fullAfter reports whether state t, made by a move of stack i from the
// state being expanded (where every enabled stack moves, and the number
// of stacks is stacks), is sure to be one where every enabled stack moves
// too. Another stack can stand at an enabled ample card in t only if it
// did in s, where none did, or if i's move enabled it; the only ample
// cards that can wait are a join, which waits for a stack to finish, and
// cards that wait under a mutex their stack holds, which no other stack
// can change. So it is enough that i still runs, spawned nothing, and
// does not stand at an ample card (and, in a placed program, sent no
// message that is delivered alone: expandSleepy asks that).
func (c *checker) fullAfter(t *vm.State, stacks, i int) bool {
	if t.NumStacks() != stacks || t.Finished(c.p, i) {
		return false
	}
	return c.ample == nil || !c.ample[t.PC(i)]
}

// fullAfterNet is fullAfter for a delivery of a channel value: it may
// have let a stack waiting at an ample card (a receive) go on.
func (c *checker) fullAfterNet(t *vm.State) bool {
	if !c.fullNet(t) {
		return false
	}
	if c.ample == nil {
		return true
	}
	for j := 0; j < t.NumStacks(); j++ {
		if pc := t.PC(j); c.ample[pc] && c.p.Cards[pc].Op != card.Done {
			if ok, _ := c.m.EnabledAt(t, j, pc); ok {
				return false
			}
		}
	}
	return true
}

// fullNet reports whether no message of placed state t is delivered
// alone: no start, done, notify or acknowledgement is in flight, and no
// value for a quiet channel waits at the head of its link (netMoves' into).
func (c *checker) fullNet(t *vm.State) bool {
	return t.OnlyChanMsgs() && (c.quiet == nil || !c.quietPending(t))
}

// expandSleepy is expand's loop for a state where every enabled stack and
// every network move moves, two of them at least: it takes the moves in
// order, skipping those asleep (not in wake), and passes on to each
// successor the moves that sleep there.
func (w *worker) expandSleepy(s *vm.State, mv *stateMoves, wake uint32, parent uint64, depth int32) {
	c, en, nets := w.c, mv.en, mv.nets
	making := c.sleepGate.on
	if making {
		w.sleepFeet(mv)
		w.sleepStates++
	}
	stacks := s.NumStacks()
	placed := c.p.Net != nil
	lim := c.links.stacks
	done := uint32(0) // moves taken whose every transition reached a state expanded fully
	ord := uint64(0)
	for e := 0; e < len(en); e += 2 {
		i, k := int(en[e]), int(en[e+1])
		bit := stackBit(i, lim)
		if bit != 0 && wake&bit == 0 {
			ord += uint64(k)
			w.pruned += int64(k)
			continue
		}
		// The moves asleep here, and those taken before, sleep after
		// i's move when they commute with it (in a level that makes
		// sleep sets; in others the state only honours its own).
		w.wake = allAwake
		if making {
			w.wake = ^w.independent(e/2, ^wake|done)
		}
		ready := mv.ready>>i&1 != 0
		full := making && bit != 0
		for ch := 0; ch < k; ch++ {
			end := w.transition(s, i, ch, parent|ord, depth, ready)
			full = full && !end && c.fullAfter(&w.t, stacks, i) && (!placed || c.fullNet(&w.t))
			ord++
		}
		if full {
			done |= bit
		}
	}
	if len(nets) == 0 {
		w.wake = allAwake
		return
	}
	ns := len(en) / 2
	for e := 0; e < len(nets); e += 2 {
		kind, k := nets[e], nets[e+1]
		if c.skipNet(kind, k, -1) {
			ord++
			continue
		}
		var bit uint32
		if making {
			bit = w.movers[ns+e/2].bit
		} else {
			_, bit = c.netFoot(s, kind, k)
		}
		if bit != 0 && wake&bit == 0 {
			ord++
			w.pruned++
			continue
		}
		w.wake = allAwake
		if making {
			w.wake = ^w.independent(ns+e/2, ^wake|done)
		}
		end := w.transition(s, int(kind), int(k), parent|ord, depth, false)
		ord++
		if making && bit != 0 && !end && c.fullAfterNet(&w.t) {
			done |= bit
		}
	}
	w.wake = allAwake
}

// sleepGate turns the making of sleep sets on and off, level by level.
// Making them costs at every state where two stacks or more move (their
// footprints, which of them commute), and pays only where a transition is
// skipped: in programs where little commutes it costs more than it saves.
// So the checker measures. The sleep sets made in a level are honoured in
// the next one: at its barrier, the transitions skipped there over the
// states that made them in the level before say whether making them pays;
// while it does, they are made. While they are off, a probe makes them in
// two levels in a row, so that the next barrier can measure; probes come
// every minSleepProbe levels at first, and further apart (up to
// maxSleepProbe) each time one does not pay. The decisions depend only on
// each level's sums, so every number of workers takes the same
// transitions. Honouring the sleep sets a state has is never turned off:
// it is what saves.
type sleepGate struct {
	on       bool  // the level being expanded makes sleep sets
	prevOn   bool  // the level before it did
	prevMade int64 // the states that made them in the level before
	// probe: the levels from one probe to the next; it doubles each time
	// a probe finds they do not pay (up to maxSleepProbe), so that a
	// program where they never do pays for few probes.
	probe, nextProbe int
}

// A level's sleep sets pay when the next level skips at least
// sleepPaysNum/sleepPaysDen transitions for each state that made them:
// making a state's sleep sets costs a few hundred instructions (its
// stacks' footprints, which of them commute), and the transitions skipped
// save less than an average one, their successors being found in the
// level table at once. Of 1/8, 1/4, 3/8 and 1/2, 3/8 did best on the
// bench models (docs/performance.md, "Sleep sets, eleventh session").
const (
	sleepPaysNum, sleepPaysDen = 3, 8
	minSleepProbe              = 16
	maxSleepProbe              = 256
)

// gateSleep decides at a barrier whether the next level makes sleep sets.
func (c *checker) gateSleep() {
	g := &c.sleepGate
	var made, pruned int64
	for _, w := range c.workers {
		made += w.sleepStates
		pruned += w.pruned
		w.sleepStates, w.pruned = 0, 0
	}
	next := false
	switch {
	case g.prevOn && g.prevMade > 0:
		next = pruned*sleepPaysDen >= g.prevMade*sleepPaysNum
		if next {
			g.probe = minSleepProbe
		} else if !g.on {
			// A probe that did not pay: wait longer for the next.
			g.probe = min(2*g.probe, maxSleepProbe)
		}
		if !next {
			g.nextProbe = c.depth + 1 + g.probe
		}
	case g.on && !g.prevOn:
		next = true // a probe: the next barrier measures it
	default:
		next = c.depth+1 >= g.nextProbe
	}
	g.prevOn, g.prevMade, g.on = g.on, made, next
}

// sendsValues reports whether a card of placed program p sends channel
// values to another node (their deliveries are network moves with a
// footprint).
func sendsValues(p *card.Program) bool {
	for pc := range p.Cards {
		if c := &p.Cards[pc]; c.Op == card.Send && p.Net.Remote[pc] && p.Globals[c.Obj].Cap > 0 {
			return true
		}
	}
	return false
}
