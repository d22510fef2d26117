package vm

// Node faults of placed programs: a node that crashes, and a network that
// splits in two and heals.
//
// A crash is a move of the network's: the node's stacks stop where they
// are (they never take another card, and they count as ended, so a run in
// which every other stack finishes still has an outcome), and every
// message to the node, in flight or sent later, is lost. A split cuts the
// nodes in two parts, the part with home and the rest (cut, a bit per
// node); channel values and notifications between the parts, in flight or
// sent while it lasts, are lost, while deck's own start, done and ack
// messages, which its protocol sends again until they arrive, wait for
// the heal. A heal makes the network whole again. The state's network
// header keeps the crashed nodes, the cut and the number of splits so far,
// so that the checker can bound them.

import (
	"slices"

	"github.com/deck-lang/deck/card"
)

// Down reports whether node n has crashed in s.
func (s *State) Down(n int32) bool {
	return s.hdr == FaultHeader && s.W[s.netStart()+netDown]&(1<<n) != 0
}

// Cut returns the nodes cut off from home by a partition (0: none).
func (s *State) Cut() uint64 {
	if s.hdr != FaultHeader {
		return 0
	}
	return uint64(s.W[s.netStart()+netCut])
}

// Stopped reports whether stack i will never take another card: it has
// finished, or its node has crashed.
func (m *Machine) Stopped(s *State, i int) bool {
	if s.Finished(m.P, i) {
		return true
	}
	return s.hdr == FaultHeader && s.Down(m.P.Net.ProcNode[s.ProcOf(m.P, i)])
}

// DeadlockCause returns the stack a deadlock of state s is reported at:
// the first stack, not a daemon, that has not stopped and does not wait
// to join another; failing that, the first one that waits to join; -1
// when every stack that has not stopped is a daemon. A join only waits
// for stacks that are stuck themselves, so main's join at the end of a
// program would point away from the cycle of locks that is the cause.
// The checker keys deadlocks by this stack's card and the report names
// its position, so both must ask here.
func (m *Machine) DeadlockCause(s *State) int {
	first := -1
	for i := 0; i < s.NumStacks(); i++ {
		if m.Stopped(s, i) {
			continue
		}
		cd := &m.P.Cards[s.PC(i)]
		if m.P.Procs[cd.Proc].Daemon {
			continue
		}
		if cd.Op != card.Join {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

// StackDown reports whether stack i runs on a crashed node (false at once
// when the placement allows no crash).
func (m *Machine) StackDown(s *State, i int) bool { return m.stackDown(s, i) }

// stackDown reports whether stack i runs on a crashed node. It is asked
// of every stack of a placed program (Enabled, Step): the test of the
// header alone inlines, and answers it when the placement allows no crash.
func (m *Machine) stackDown(s *State, i int) bool {
	return s.hdr == FaultHeader && m.onDownNode(s, i)
}

// onDownNode is stackDown for a state whose header has the faults. It is
// kept out of line so that stackDown stays small enough to inline.
//
//go:noinline
func (m *Machine) onDownNode(s *State, i int) bool {
	return s.W[s.netStart()+netDown] != 0 && s.Down(m.P.Net.ProcNode[s.ProcOf(m.P, i)])
}

// CanCrash reports whether node n may crash now.
func (m *Machine) CanCrash(s *State, n int32) bool {
	return m.P.Net.Crashable&(1<<n) != 0 && !s.Down(n)
}

// Crash crashes node n.
func (m *Machine) Crash(s *State, n int32) {
	s.W[s.netStart()+netDown] |= 1 << n
	m.dropWhere(s, func(msg Message) bool { return msg.To == n })
}

// Cuts lists the ways the network may split now (each a set of nodes cut
// off from home), or nil: none while it is split or when the partitions
// allowed are used up.
func (m *Machine) Cuts(s *State) []uint64 {
	net := m.P.Net
	at := s.netStart()
	if net.Partitions == 0 || s.W[at+netCut] != 0 || s.W[at+netSplits] >= int64(net.Partitions) {
		return nil
	}
	var out []uint64
	all := uint64(1)<<len(net.Nodes) - 1
	for cut := uint64(2); cut <= all; cut += 2 { // sets without home (bit 0)
		out = append(out, cut)
	}
	return out
}

// Split cuts the nodes in cut off from home.
func (m *Machine) Split(s *State, cut uint64) {
	at := s.netStart()
	s.W[at+netCut] = int64(cut)
	s.W[at+netSplits]++
	m.dropWhere(s, func(msg Message) bool { return LossyKind(msg.Kind) && crosses(cut, msg.From, msg.To) })
}

// CanHeal reports whether the network is split.
func (m *Machine) CanHeal(s *State) bool { return s.Cut() != 0 }

// Heal makes the network whole again.
func (m *Machine) Heal(s *State) {
	if s.hdr == FaultHeader {
		s.W[s.netStart()+netCut] = 0
	}
}

// lost reports whether a message sent now from one node to another is
// lost at once: its receiver has crashed, or a partition lies between (a
// channel value or a notification).
func (s *State) lost(msg Message) bool {
	if s.hdr != FaultHeader {
		return false
	}
	at := s.netStart()
	return s.W[at+netDown]&(1<<msg.To) != 0 || LossyKind(msg.Kind) && crosses(uint64(s.W[at+netCut]), msg.From, msg.To)
}

func crosses(cut uint64, a, b int32) bool {
	return cut != 0 && (cut>>a)&1 != (cut>>b)&1
}

// dropWhere loses every message in flight that pred picks.
func (m *Machine) dropWhere(s *State, pred func(Message) bool) {
	first := len(s.Lost)
	for k := s.NumMsgs() - 1; k >= 0; k-- {
		if msg := decode(s.msgWords(k)); pred(msg) {
			if s.Track && k < len(s.Tags) {
				msg.Tag = s.Tags[k]
				s.Lost = append(s.Lost, msg)
			}
			s.removeMsg(k)
		}
	}
	slices.Reverse(s.Lost[first:]) // in the state's order
}
