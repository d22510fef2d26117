package check

import (
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Network moves of placed programs.
//
// Every message in flight is a little process of its own whose moves are
// delivering it, and, as the network mode allows, dropping it or
// delivering a copy. They are numbered after the stacks' moves, in the
// order netMoves lists them, in both expand and nth.
//
// Two things keep their cost down:
//
//   - On an unordered lossy network a dropped message and one that is never
//     delivered look the same to every stack, so drops are not explored:
//     a state where no stack can move is a deadlock, whatever is still in
//     flight (the counterexample drops it). On an ordered network a drop
//     lets the messages behind it through, so drops of the oldest message
//     of each link are moves.
//   - A start, done, notify or acknowledgement message commutes with every
//     other move: nothing but its own delivery (or loss) changes what it
//     acts on, and delivering it disables nothing. With reduction on, such
//     a message, when no stack stands at an ample card, is delivered (or,
//     on a lossy network, dropped) alone: its moves are an ample set. A
//     channel message in general is not, since local sends and receives
//     change the room it needs and what its receiver finds; but a value
//     for an empty channel that only it can fill next is (quietChans).

// netMoves appends the network's moves in s as (kind, message index)
// pairs: every move the mode allows, drops included; expand skips the
// drops it leaves implicit (skipNet), but they keep their numbers. signal
// is the first start, done, notify or acknowledgement message that can be
// delivered, found in the same pass, or -1 (also when a fault may lose
// it): with reduction, when no stack stands at an ample card, expand
// delivers it alone (see above). quiet, when not nil, marks the shared
// words of the quiet channels (quietChans): into is then the first value
// that can be delivered into one of them while it is empty, or -1, which
// expand may deliver alone too.
func netMoves(m *vm.Machine, s *vm.State, out []int32, quiet []bool) (moves []int32, signal, into int) {
	out, signal, into = m.MessageMoves(s, out, quiet)
	if net := m.P.Net; net.Faulty() {
		signal = -1 // a crash or a split may lose it: it does not commute
		for n := int32(0); n < int32(len(net.Nodes)); n++ {
			if m.CanCrash(s, n) {
				out = append(out, trace.NetCrash, n)
			}
		}
		for _, cut := range m.Cuts(s) {
			out = append(out, trace.NetSplit, int32(cut))
		}
		if m.CanHeal(s) {
			out = append(out, trace.NetHeal, 0)
		}
	}
	return out, signal, into
}

// quietChans finds, for a placed program on an ordered network without
// faults, the channels whose values can be delivered alone: buffered ones,
// every send into which is a remote send from one node (so every value in
// flight for the channel is on one link, in order), and which no card but
// a receive touches otherwise. While such a channel is empty, nothing can
// happen to it before the value at the head of its link arrives: its
// receivers wait, no other value can overtake that one, and delivering it
// disables nothing. So the moves of that message (its delivery, and on a
// lossy or dup network its drop and its copy) commute with every other
// move and form an ample set of their own, like a start or done message's
// (netMoves' into). A crash or a split may lose the value: with faults no
// channel is quiet. It returns nil when no channel qualifies.
//
// An unordered network lets a later value overtake the one in flight, so
// there a channel is quiet only if, besides, it is sent one value in the
// whole run: one card sends into it, in main (which runs once: nothing
// spawns it), on no cycle of the card graph.
func quietChans(p *card.Program) []bool {
	net := p.Net
	if net == nil || net.Faulty() || implicitDrops(p) {
		// (On an unordered lossy network a drop is not a move; a value
		// delivered alone would make its drop one, and more states.)
		return nil
	}
	unordered := net.Mode&card.Unordered != 0
	var once []bool // by pc, on an unordered network: the card runs once at most
	sends := make([]int, len(p.Globals))
	if unordered {
		once = onceCards(p)
	}
	from := make([]int32, len(p.Globals)) // the one sending node + 1; -1: more than one, or a local use
	for pc := range p.Cards {
		c := &p.Cards[pc]
		for _, a := range p.Accesses[pc] {
			g := a.Global
			if p.Globals[g].Kind != card.GChan || from[g] < 0 {
				continue
			}
			switch {
			case c.Op == card.Recv && c.Obj == g:
			case c.Op == card.Send && c.Obj == g && net.Remote[pc]:
				if sends[g]++; unordered && (sends[g] > 1 || !once[pc]) {
					from[g] = -1 // two values could overtake each other
				} else if n := net.ProcNode[c.Proc] + 1; from[g] == 0 || from[g] == n {
					from[g] = n
				} else {
					from[g] = -1
				}
			default:
				from[g] = -1 // a local send, a select, an atomic block...
			}
		}
	}
	var quiet []bool
	for g := range p.Globals {
		if from[g] > 0 && p.Globals[g].Cap > 0 {
			if quiet == nil {
				quiet = make([]bool, len(p.Globals))
			}
			quiet[g] = true
		}
	}
	return quiet
}

// onceCards marks the cards that run once at most in any run: main's
// cards on no cycle of the card graph, when nothing spawns main.
func onceCards(p *card.Program) []bool {
	once := make([]bool, len(p.Cards))
	for pc := range p.Cards {
		if c := &p.Cards[pc]; c.Op == card.Spawn && c.A == p.Main {
			return once
		}
	}
	onCycle := cyclic(len(p.Cards), func(int32) bool { return true }, func(pc int32, f func(int32)) { cardSucc(p, pc, f) })
	for pc := range p.Cards {
		once[pc] = p.Cards[pc].Proc == p.Main && !onCycle[pc]
	}
	return once
}

// quietValue reports whether a message of this kind, acting on this
// shared word, is a value for a quiet channel that is empty now.
func (c *checker) quietValue(s *vm.State, kind vm.MsgKind, word int64) bool {
	return kind == vm.MsgChan && c.quietWords[word] && s.W[1+word] == 0
}

// wordsOf returns, for marks by global, the same marks by shared word
// (nil for nil).
func wordsOf(p *card.Program, byGlobal []bool) []bool {
	if byGlobal == nil {
		return nil
	}
	words := make([]bool, len(p.Net.WordGlobal))
	for w, g := range p.Net.WordGlobal {
		words[w] = byGlobal[g]
	}
	return words
}

// quietPending reports whether s has a value netMoves would return as
// into, for expand to deliver alone: then s is not a state where every
// move is made.
func (c *checker) quietPending(s *vm.State) bool {
	unordered := c.p.Net.Mode&card.Unordered != 0
	prev := ^uint32(0)
	for k := 0; k < s.NumMsgs(); k++ {
		link, kind, word := s.MsgAt(k)
		head := link != prev || unordered // deliverable: the oldest of its link, or any
		prev = link
		if head && c.quietValue(s, kind, word) {
			return true
		}
	}
	return false
}

// vm numbers its message moves as the schedule does (netMoves takes them
// as they are): this index is out of range, and does not compile, if the
// numbers ever part.
var _ = [1]struct{}{}[(vm.MoveDeliver-trace.NetDeliver)|(vm.MoveDup-trace.NetDup)|(vm.MoveDrop-trace.NetDrop)]

// implicitDrops reports whether drops are left implicit: on an unordered
// lossy network, a state where no stack can move is a deadlock.
func implicitDrops(p *card.Program) bool {
	return p.Net != nil && p.Net.Mode&card.Lossy != 0 && p.Net.Mode&card.Unordered != 0
}

// skipNet reports whether expand leaves network move kind on message k
// unexplored: an implicit drop, unless it is the drop of the message
// delivered alone (netAmp), which must have its loss explored too.
func (c *checker) skipNet(kind, k int32, netAmp int) bool {
	return kind == trace.NetDrop && c.implicitDrops && int(k) != netAmp
}

// reliablePending reports whether a message the network never loses
// (start, done, acknowledgement) can be delivered in s: then a state where
// no stack can move is not yet a deadlock on a lossy network.
func reliablePending(m *vm.Machine, s *vm.State) bool {
	for k := 0; k < s.NumMsgs(); k++ {
		if !vm.LossyKind(s.Msg(k).Kind) && m.Deliverable(s, k) {
			return true
		}
	}
	return false
}

// applyNet makes network move kind on message k of s.
func applyNet(m *vm.Machine, s *vm.State, kind int32, k int) {
	switch kind {
	case trace.NetDrop:
		m.Drop(s, k)
	case trace.NetCrash:
		m.Crash(s, int32(k))
	case trace.NetSplit:
		m.Split(s, uint64(k))
	case trace.NetHeal:
		m.Heal(s)
	default:
		m.Deliver(s, k, kind == trace.NetDup)
	}
}

// sendsMessage reports whether card pc of a placed program may put a
// message in flight (an atomic card: any card of its body).
func sendsMessage(p *card.Program, pc int32) bool {
	net := p.Net
	one := func(pc int32) bool {
		c := &p.Cards[pc]
		return net.Remote[pc] || c.Op == card.Return && net.DoneTo[c.Proc] != 0 || c.Op == card.Recv
	}
	for _, b := range card.AtomicBody(p, pc) { // an atomic card's, or an either's
		if one(b) {
			return true
		}
	}
	return one(pc)
}
