package vm

import (
	"fmt"
	"slices"

	"github.com/deck-lang/deck/card"
)

// Messages between nodes.
//
// A placed program (card.Program.Net set) has a network section in its
// state vector, between the stacks and the output records:
//
//	[n, down, cut, splits, msg0..., msg1..., ...]
//
// n messages are in flight, MsgWords words each; down, cut and splits are
// the node faults (faults.go), present only when the placement allows
// faults: without them the header is n alone, so that every state is three
// words shorter to copy, hash and store.
//
// A message is two words, [head, value], where head packs, from the top
// bit down, the sending node (6 bits), the receiving node (6), the kind
// (3), a flag set once the network has duplicated it (1), b (16) and a
// (32): messages sort by link first.
// The section is canonical, so that two states with the same future have
// the same words: on an ordered network the messages are grouped by link
// (in link order) and kept in send order within a link, which is all the
// order that can matter; on an unordered network they are sorted as a
// multiset. Message numbers (for schedules: "m3" is the third message
// sent) are not part of the state: they depend on the path, not on the
// future. A State that tracks them (Track) keeps them beside the words.

// MsgWords is the size of one message in the state vector.
const MsgWords = 2

// FaultHeader is the size of the network section's header when the
// placement allows node faults: the number of messages in flight, the
// nodes that have crashed (a bit each), the nodes cut off from home by a
// partition (0 when the network is whole), and the partitions so far.
// NetHeader is its size without faults: the number of messages alone.
const (
	FaultHeader = 4
	NetHeader   = 1
)

// netHeader returns the header size of a placement's states.
func netHeader(n *card.Network) int32 {
	if n.Faulty() {
		return FaultHeader
	}
	return NetHeader
}

// The header's words, from the start of the network section.
const (
	netCount = iota
	netDown
	netCut
	netSplits
)

// MsgKind says what a message does when it is delivered.
type MsgKind uint8

const (
	// MsgStart lets a stack spawned on another node take its first card.
	MsgStart MsgKind = iota + 1
	// MsgDone tells a node that a stack has finished, so that its joins
	// there may go on.
	MsgDone
	// MsgNotify sets a node's copy of an event.
	MsgNotify
	// MsgChan puts a value into a channel's buffer (or, on a rendezvous
	// channel, offers it to a receiver); it waits in the network while
	// the channel has no room.
	MsgChan
	// MsgAck tells a rendezvous sender that its value was taken.
	MsgAck
)

func (k MsgKind) String() string {
	switch k {
	case MsgStart:
		return "start"
	case MsgDone:
		return "done"
	case MsgNotify:
		return "notify"
	case MsgChan:
		return "send"
	case MsgAck:
		return "ack"
	}
	return "message"
}

// Message is a decoded message in flight.
type Message struct {
	Kind     MsgKind
	From, To int32 // nodes
	// A is the stack (start, done, ack) or the shared word (notify, chan)
	// the message acts on.
	A     int64
	Value int64 // done: the return value; chan: the value sent
	// B is, for a rendezvous channel, the sending stack + 1 (0 otherwise).
	B   int64
	Tag int32 // the message's number in send order (0 when not tracked)
}

func (m Message) words() [MsgWords]int64 {
	head := uint64(m.From)<<58 | uint64(m.To)<<52 | uint64(m.Kind)<<49 | uint64(m.B)&0xffff<<32 | uint64(m.A)&0xffffffff
	return [MsgWords]int64{int64(head), m.Value}
}

// Link numbers the link from node from to node to as a message's head
// does (linkOf): messages sort by it.
func Link(from, to int32) uint32 { return uint32(from)<<6 | uint32(to) }

// linkOf, kindOf, aOf, bOf and nodesOf read a message's head (its first
// word).
func linkOf(head int64) uint64  { return uint64(head) >> 52 }
func kindOf(head int64) MsgKind { return MsgKind(uint64(head) >> 49 & 7) }
func aOf(head int64) int64      { return int64(uint64(head) & 0xffffffff) }
func bOf(head int64) int64      { return int64(uint64(head) >> 32 & 0xffff) }
func nodesOf(head int64) (int32, int32) {
	return int32(uint64(head) >> 58), int32(uint64(head) >> 52 & 63)
}

func decode(w []int64) Message {
	return Message{
		Kind: kindOf(w[0]), From: int32(uint64(w[0]) >> 58), To: int32(uint64(w[0]) >> 52 & 63),
		A: aOf(w[0]), Value: w[1], B: bOf(w[0]),
	}
}

// netStart is the index of the network section's count word.
func (s *State) netStart() int32 { return s.off[len(s.off)-1] }

// NumMsgs returns the number of messages in flight.
func (s *State) NumMsgs() int {
	if !s.net {
		return 0
	}
	return int(s.W[s.netStart()])
}

func (s *State) msgWords(k int) []int64 {
	at := int(s.netStart()) + int(s.hdr) + k*MsgWords
	return s.W[at : at+MsgWords]
}

// Msg returns message k of those in flight (in the state's canonical
// order), with its number when the state tracks numbers.
func (s *State) Msg(k int) Message {
	msg := decode(s.msgWords(k))
	if s.Track && k < len(s.Tags) {
		msg.Tag = s.Tags[k]
	}
	return msg
}

// MsgAt returns message k's link (Link), its kind and the stack or shared
// word it acts on, without decoding the rest.
func (s *State) MsgAt(k int) (link uint32, kind MsgKind, a int64) {
	head := s.msgWords(k)[0]
	return uint32(linkOf(head)), kindOf(head), aOf(head)
}

// OnlyChanMsgs reports whether every message in flight carries a channel
// value: none is a start, done, notify or acknowledgement.
func (s *State) OnlyChanMsgs() bool {
	for k := 0; k < s.NumMsgs(); k++ {
		if kindOf(s.msgWords(k)[0]) != MsgChan {
			return false
		}
	}
	return true
}

// FindMsg returns the index of the message numbered tag, or -1. It needs a
// state that tracks numbers.
func (s *State) FindMsg(tag int32) int {
	for k, t := range s.Tags {
		if t == tag {
			return k
		}
	}
	return -1
}

// post puts a message in flight at its canonical place.
func (s *State) post(p *card.Program, msg Message) {
	if s.Track {
		s.Sent++ // a lost message has a number too, though nobody receives it
	}
	if s.lost(msg) { // (false at once when the placement allows no fault)
		if s.Track {
			msg.Tag = s.Sent
			s.Lost = append(s.Lost, msg)
		}
		return
	}
	s.insert(p, msg.words(), s.Sent)
}

// insert puts a message's words at their canonical place, with its number
// when the state tracks numbers. The messages are the last words but the
// output section, so the place is opened by growing W by a message and
// moving what follows it, without resize's walk of the stack index: the
// output first, then, from the last message back, each message that must
// follow the new one, so that finding the place and opening it are one
// pass (a message is mostly sent on a link of its own, or after its
// link's others, and goes at or near the end).
func (s *State) insert(p *card.Program, rec [MsgWords]int64, tag int32) {
	at0 := int(s.netStart())
	w := append(s.W, 0, 0) // room for one more message (MsgWords)
	n := int(w[at0])
	w[at0] = int64(n + 1)
	tail := w[at0+int(s.hdr):]
	shiftWords(tail[n*MsgWords:], MsgWords) // the output
	at := n
	if p.Net.Mode&card.Unordered == 0 {
		// Grouped by link, in send order within a link: after the last
		// message of its link.
		link := linkOf(rec[0])
		for ; at > 0; at-- {
			pair := tail[2*at-2 : 2*at+2] // the message before, and the place
			if linkOf(pair[0]) <= link {
				break
			}
			pair[2], pair[3] = pair[0], pair[1]
		}
	} else {
		// Sorted: after every message not greater than it.
		for ; at > 0; at-- {
			pair := tail[2*at-2 : 2*at+2]
			if !less(rec[:], pair[:2]) {
				break
			}
			pair[2], pair[3] = pair[0], pair[1]
		}
	}
	place := tail[2*at : 2*at+2]
	place[0], place[1] = rec[0], rec[1]
	s.W = w
	if s.Track {
		s.Tags = append(s.Tags, 0)
		copy(s.Tags[at+1:], s.Tags[at:])
		s.Tags[at] = tag
	}
}

// less orders messages on an unordered network: by head (so by link
// first), then value.
func less(a, b []int64) bool {
	if a[0] != b[0] {
		return uint64(a[0]) < uint64(b[0])
	}
	return a[1] < b[1]
}

// removeMsg takes message k out of the network: the words after it (the
// later messages and the output) move back by a message.
func (s *State) removeMsg(k int) {
	at0 := int(s.netStart())
	start := at0 + int(s.hdr) + k*MsgWords
	shiftWords(s.W[start:], -MsgWords)
	s.W = s.W[:len(s.W)-MsgWords]
	s.W[at0]--
	if s.Track && k < len(s.Tags) {
		s.Tags = append(s.Tags[:k], s.Tags[k+1:]...)
	}
}

// shiftWords moves the words of w by d places, up (d > 0: the last d are
// lost, the first d keep their old values) or down (d < 0). What follows
// a message in a state is a few words (the later messages, and in the
// checker's states the output's two), so they move one by one: a memmove
// call costs more than it moves, and its choice of code by length
// mispredicts as the lengths vary from state to state. A long tail (a
// dealt run's output records) still goes to copy.
func shiftWords(w []int64, d int) {
	if len(w) > 16 {
		if d > 0 {
			copy(w[d:], w)
		} else {
			copy(w, w[-d:])
		}
		return
	}
	if d > 0 {
		for j := len(w) - 1; j >= d; j-- {
			w[j] = w[j-d]
		}
	} else {
		for j := 0; j < len(w)+d; j++ {
			w[j] = w[j-d]
		}
	}
}

// Deliverable reports whether message k can be delivered now: on an
// ordered network it must be the oldest of its link, and a channel message
// needs room in the channel.
func (m *Machine) Deliverable(s *State, k int) bool {
	w := s.msgWords(k)
	if m.P.Net.Mode&card.Unordered == 0 && k > 0 && linkOf(s.msgWords(k - 1)[0]) == linkOf(w[0]) {
		return false
	}
	if cut := s.Cut(); cut != 0 {
		if from, to := nodesOf(w[0]); crosses(cut, from, to) {
			return false // it waits for the network to heal
		}
	}
	if kindOf(w[0]) == MsgChan {
		return m.chanRoom(s, int32(aOf(w[0])))
	}
	return true
}

// Droppable reports whether the network may drop message k now: on a lossy
// network, a channel value or a notification (deck's own start, done and
// acknowledgement messages are sent again until they arrive, so they are
// never lost), and then the oldest message of its link (dropping a later
// one is the same as dropping it when it becomes the oldest), or any
// message when the network is also unordered.
func (m *Machine) Droppable(s *State, k int) bool {
	mode := m.P.Net.Mode
	if mode&card.Lossy == 0 || !LossyKind(kindOf(s.msgWords(k)[0])) {
		return false
	}
	return mode&card.Unordered != 0 || k == 0 || linkOf(s.msgWords(k - 1)[0]) != linkOf(s.msgWords(k)[0])
}

// LossyKind reports whether a lossy network may lose messages of kind k:
// the program's own channel values and notifications.
func LossyKind(k MsgKind) bool { return k == MsgChan || k == MsgNotify }

// dupFlag marks, in a message's head, a channel message that has been
// delivered twice already: the network duplicates a message at most once,
// so that a receiver that loops cannot be fed copies for ever.
const dupFlag = 1 << 48

// Duplicable reports whether the network may deliver a copy of message k
// and keep it in flight: on a dup network, for channel messages not
// duplicated before (a duplicate start, done, notify or acknowledgement is
// ignored by deck's protocol, so it need not be explored).
func (m *Machine) Duplicable(s *State, k int) bool {
	if m.P.Net.Mode&card.Dup == 0 {
		return false
	}
	w := s.msgWords(k)
	return kindOf(w[0]) == MsgChan && w[0]&dupFlag == 0 && m.Deliverable(s, k)
}

// Copied reports whether message k is the copy a duplicating delivery
// left in flight, which is not copied again.
func (s *State) Copied(k int) bool { return s.msgWords(k)[0]&dupFlag != 0 }

// Message moves, as MessageMoves lists them. They have the numbers a
// schedule gives them (trace.NetDeliver, NetDrop, NetDup), so that the
// checker takes the list as it is.
const (
	MoveDeliver int32 = -1
	MoveDrop    int32 = -2
	MoveDup     int32 = -3
)

// MessageMoves appends to out, as (move, message index) pairs, each move
// the network may make with a message in s, in message order: a delivery,
// a duplicate and a drop, as Deliverable, Duplicable and Droppable say, in
// one pass over the messages (the checker asks this of every state). On an
// unordered network a message equal to the one before it, word for word,
// is skipped: its moves are the same. signal is the first message that can
// be delivered and is not a channel value (a start, done, notify or
// acknowledgement), or -1: the checker's reduction delivers such a
// message alone. lone, when not nil, marks shared words of channels: into
// is then the first message that can be delivered into one of them while
// it is empty (or -1), which the checker's reduction may deliver alone
// too; asked here, it costs the checker no second pass.
func (m *Machine) MessageMoves(s *State, out []int32, lone []bool) (moves []int32, signal, into int) {
	signal, into = -1, -1
	if !s.net {
		return out, signal, into
	}
	at0 := s.netStart()
	w := s.W
	n := int(w[at0])
	if n == 0 {
		return out, signal, into
	}
	p := m.P
	mode := p.Net.Mode
	unordered := mode&card.Unordered != 0
	cut := s.Cut()
	// A channel message needs room (ChanRoom), asked here without the
	// calls: the shared section starts at word 1.
	caps := p.Net.WordCap
	msgs := w[int(at0)+int(s.hdr):]
	msgs = msgs[:n*MsgWords]
	// Room for every move first (three a message at most), so that the
	// loop calls nothing and keeps its values in registers.
	out = slices.Grow(out, 6*n)
	o := len(out)
	buf := out[:cap(out)]
	prevLink := ^uint64(0)
	if mode&(card.Unordered|card.Lossy|card.Dup) == 0 && cut == 0 {
		// The plain ordered network, most placements' (the loop below
		// gives the same moves): only the oldest message of each link
		// can move, by its delivery.
		for k := 0; k < n; k++ {
			head := msgs[2*k]
			link := linkOf(head)
			if link == prevLink {
				continue
			}
			prevLink = link
			if kindOf(head) != MsgChan {
				if signal < 0 {
					signal = k
				}
			} else {
				a := aOf(head)
				held, c := w[1+a], caps[a]
				if !hasRoom(held, c) {
					continue
				}
				if held == 0 && c != 0 && into < 0 && lone != nil && lone[a] {
					into = k
				}
			}
			buf[o], buf[o+1] = MoveDeliver, int32(k)
			o += 2
		}
		return buf[:o], signal, into
	}
	for k := 0; k < n; k++ {
		head := msgs[2*k]
		link := linkOf(head)
		first := link != prevLink // the oldest of its link
		prevLink = link
		if unordered && k > 0 && head == msgs[2*k-2] && msgs[2*k+1] == msgs[2*k-1] {
			continue
		}
		kind := kindOf(head)
		deliverable := unordered || first
		if deliverable && cut != 0 {
			if from, to := nodesOf(head); crosses(cut, from, to) {
				deliverable = false
			}
		}
		if deliverable && kind == MsgChan {
			a := aOf(head)
			held, c := w[1+a], caps[a]
			deliverable = hasRoom(held, c)
			if deliverable && held == 0 && c != 0 && into < 0 && lone != nil && lone[a] {
				into = k
			}
		}
		if deliverable {
			buf[o], buf[o+1] = MoveDeliver, int32(k)
			o += 2
			if signal < 0 && kind != MsgChan {
				signal = k
			}
		}
		if mode&card.Dup != 0 && deliverable && kind == MsgChan && head&dupFlag == 0 {
			buf[o], buf[o+1] = MoveDup, int32(k)
			o += 2
		}
		if mode&card.Lossy != 0 && LossyKind(kind) && (unordered || first) {
			buf[o], buf[o+1] = MoveDrop, int32(k)
			o += 2
		}
	}
	return buf[:o], signal, into
}

// MsgKindAt returns the kind of message k, without decoding the rest.
func (s *State) MsgKindAt(k int) MsgKind { return kindOf(s.msgWords(k)[0]) }

// chanRoom reports whether the channel element at shared word w has room
// for a value from the network.
func (m *Machine) chanRoom(s *State, w int32) bool { return m.ChanRoom(s.Shared(m.P), w) }

// ChanRoom reports whether the channel element at word w of shared memory
// sh has room for a value from the network.
func (m *Machine) ChanRoom(sh []int64, w int32) bool {
	return hasRoom(sh[w], m.P.Net.WordCap[w])
}

// hasRoom reports whether a channel element whose first word is held, in
// a channel of buffer size c, has room for one more value: fewer than c
// values buffered, or on a rendezvous channel (c = 0) no offer waiting.
func hasRoom(held int64, c int32) bool {
	if c == 0 {
		return held == 0
	}
	return held < int64(c)
}

// Deliver delivers message k; with keep (a duplicate) it stays in flight.
// The message must be deliverable.
func (m *Machine) Deliver(s *State, k int, keep bool) {
	p := m.P
	rec := s.msgWords(k)
	head := rec[0]
	a := aOf(head)
	switch kindOf(head) {
	case MsgChan:
		m.deliverChan(s.Shared(p), int32(a), bOf(head), rec[1])
	case MsgStart:
		at := s.off[a]
		if pc := s.W[at]; p.Cards[pc].Op == card.Start {
			s.W[at] = int64(p.Cards[pc].Next)
		}
	case MsgDone:
		_, to := nodesOf(head)
		s.W[s.off[a]+2] |= 1 << to
	case MsgNotify:
		s.Shared(p)[a] = 1
	case MsgAck:
		s.W[s.off[a]+1] = 0
	}
	if !keep {
		s.removeMsg(k)
		return
	}
	// The copy left in flight may not be duplicated again. On an
	// unordered network it moves to its sorted place.
	if p.Net.Mode&card.Unordered == 0 {
		rec[0] |= dupFlag // it keeps its place in its link's order
		return
	}
	words := [MsgWords]int64{rec[0] | dupFlag, rec[1]}
	tag := int32(0)
	if s.Track && k < len(s.Tags) {
		tag = s.Tags[k]
	}
	s.removeMsg(k)
	s.insert(p, words, tag)
}

// DeliverShared is what delivering a notify or channel message does to
// shared memory sh: set the node's copy of the event, or put the value in
// the channel's buffer (on a rendezvous channel: offer it, as the sender
// B-1). A channel message needs room (ChanRoom).
func (m *Machine) DeliverShared(sh []int64, msg Message) {
	switch msg.Kind {
	case MsgNotify:
		sh[msg.A] = 1
	case MsgChan:
		m.deliverChan(sh, int32(msg.A), msg.B, msg.Value)
	}
}

// deliverChan puts value v, sent by stack b-1 (on a rendezvous channel;
// b is 0 otherwise), into the channel element at shared word w.
func (m *Machine) deliverChan(sh []int64, w int32, b, v int64) {
	if m.P.Net.WordCap[w] == 0 {
		sh[w], sh[w+1] = b, v
	} else {
		n := int32(sh[w])
		sh[w+1+n] = v
		sh[w] = int64(n + 1)
	}
}

// Drop loses message k.
func (m *Machine) Drop(s *State, k int) { s.removeMsg(k) }

// NetEnabled reports whether any message can be delivered now.
func (m *Machine) NetEnabled(s *State) bool {
	for k := s.NumMsgs() - 1; k >= 0; k-- {
		if m.Deliverable(s, k) {
			return true
		}
	}
	return false
}

// NetDroppable reports whether the network may drop a message now (a
// lossy network, as Droppable says).
func (m *Machine) NetDroppable(s *State) bool {
	if m.P.Net == nil || m.P.Net.Mode&card.Lossy == 0 {
		return false
	}
	for k := s.NumMsgs() - 1; k >= 0; k-- {
		if m.Droppable(s, k) {
			return true
		}
	}
	return false
}

// NodeName names node n.
func (m *Machine) NodeName(n int32) string {
	if m.P.Net == nil || n < 0 || int(n) >= len(m.P.Net.Nodes) {
		return card.HomeNode
	}
	return m.P.Net.Nodes[n]
}

// StackNode returns the node stack i runs on.
func (m *Machine) StackNode(s *State, i int) int32 {
	if m.P.Net == nil {
		return 0
	}
	return m.P.Net.ProcNode[s.ProcOf(m.P, i)]
}

// DescribeMsg says what a message carries, e.g. "start worker#1",
// "done worker#1 = 5", "notify ready", "send c <- 3", "ack c".
func (m *Machine) DescribeMsg(s *State, msg Message) string {
	p := m.P
	word := func(w int64) string {
		if p.Net == nil || w < 0 || int(w) >= len(p.Net.WordGlobal) {
			return fmt.Sprintf("word %d", w)
		}
		g := &p.Globals[p.Net.WordGlobal[w]]
		if g.Len == 0 {
			return g.Name
		}
		return fmt.Sprintf("%s[%d]", g.Name, (int32(w)-g.Base)/g.Stride)
	}
	switch msg.Kind {
	case MsgStart:
		return "start " + m.stackName(s, int(msg.A))
	case MsgDone:
		return fmt.Sprintf("done %s", m.stackName(s, int(msg.A)))
	case MsgNotify:
		return "notify " + word(msg.A)
	case MsgChan:
		return fmt.Sprintf("send %s <- %d", word(msg.A), msg.Value)
	case MsgAck:
		return "ack " + word(msg.Value) + " to " + m.stackName(s, int(msg.A))
	}
	return msg.Kind.String()
}

// NetHost is what Exec needs beyond Host for the cards of a placed
// program: the simulator's host, and the host of a node process of a real
// distributed run (package node).
type NetHost interface {
	// Post puts a message in flight from the running stack's node.
	Post(msg Message)
	// StackNode returns the node stack h runs on.
	StackNode(h int64) int32
	// SetAwaitingAck marks the running stack as waiting (or no longer
	// waiting) for a rendezvous acknowledgement.
	SetAwaitingAck(on bool)
	// AwaitingAck reports whether it waits for one.
	AwaitingAck() bool
}

func (h *simHost) Post(msg Message) { h.s.post(h.p, msg) }

func (h *simHost) StackNode(hd int64) int32 {
	return h.p.Net.ProcNode[h.s.ProcOf(h.p, int(hd))]
}

// A running stack's return word is unused until it finishes, so it holds
// the acknowledgement flag of a remote rendezvous send.
func (h *simHost) SetAwaitingAck(on bool) {
	v := int64(0)
	if on {
		v = 1
	}
	h.s.W[h.s.off[h.i]+1] = v
}

func (h *simHost) AwaitingAck() bool { return h.s.W[h.s.off[h.i]+1] != 0 }
