package node

import (
	"fmt"
	"slices"
	"sort"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// mergeWork bounds the messages in flight the merge passes over, event by
// event (and the lost messages it looks for): a few seconds' work. A
// variable so that tests can make it small.
var mergeWork int64 = 1 << 30

// merge turns the recordings of the nodes of one run into one schedule
// that the simulator replays to the same end. The events of all nodes are
// put in Lamport order (ties by node), which respects each node's own
// order and puts every send before its delivery; the merge then replays
// them through the simulator to learn each stack's number (the order of
// spawns in the merged order) and each message's number (the order of
// sends), and writes the moves: a card as its stack, a delivery as m (d
// for the first of two copies), a message the lossy network lost as x as
// soon as the simulator may drop it.
//
// A run that ended in a deadlock ends its schedule with drops of the
// messages still in flight that a lossy network may lose: the real
// network never delivered them, and the simulator (like the checker,
// whose counterexamples end the same way) calls a state a deadlock only
// once no message can still be dropped, since on an ordered link a drop
// may let the message behind it through.
//
// simOf, filled as the merge goes, gives each real stack's handle its
// number in the simulator. The merge stops when stop is closed, and when
// it has passed over more messages in flight than mergeWork: a node that
// sends in a loop piles up messages on the network, each event of the
// simulator costs as many as are in flight, and a run of a few seconds
// took minutes to merge, deaf to Ctrl-C.
func merge(p *card.Program, logs [][]logEvent, deadlocked bool, simOf map[int64]int, stop <-chan struct{}) (*trace.Schedule, error) {
	type ev struct {
		node int32
		idx  int
		e    *logEvent
	}
	var all []ev
	for n, l := range logs {
		for i := range l {
			all = append(all, ev{int32(n), i, &l[i]})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.e.Lamport != b.e.Lamport {
			return a.e.Lamport < b.e.Lamport
		}
		if a.node != b.node {
			return a.node < b.node
		}
		return a.idx < b.idx
	})
	m := vm.New(p)
	s := m.Init()
	s.Track = true
	mainNode := p.Net.ProcNode[p.Main]
	simOf[handleOf(0, mainNode, mainNode)] = 0
	tagOf := map[[3]uint64]int32{}
	twice := map[int32]bool{}
	var lost []int32
	sch := &trace.Schedule{}
	dropLost := func() {
		kept := lost[:0]
		for _, tag := range lost {
			if k := s.FindMsg(tag); k >= 0 && m.Droppable(s, k) {
				m.Drop(s, k)
				sch.Add(trace.Move{Stack: trace.NetDrop, Choice: tag})
				continue
			}
			kept = append(kept, tag)
		}
		lost = kept
	}
	var work, most int64
	for n, x := range all {
		if n%1024 == 0 && stop != nil {
			select {
			case <-stop:
				return sch, fmt.Errorf("not merged: interrupted while merging the nodes' recordings, after %d of %d events", n, len(all))
			default:
			}
		}
		inFlight := int64(s.NumMsgs())
		work += inFlight * int64(1+len(lost)) // dropLost looks for each lost one
		most = max(most, inFlight)
		if work > mergeWork {
			return sch, fmt.Errorf("not merged: up to %d messages were in flight at once, too many to replay in the simulator (%d of %d events merged; the schedule above is as far as it went)", most, n, len(all))
		}
		e := x.e
		if e.H < 0 {
			tag, ok := tagOf[[3]uint64{uint64(e.From), uint64(x.node), e.Seq}]
			k := s.FindMsg(tag)
			if !ok || k < 0 {
				return sch, fmt.Errorf("recording: %s delivered message %d from %s, which was not sent", p.Net.Nodes[x.node], e.Seq, p.Net.Nodes[e.From])
			}
			if !m.Deliverable(s, k) {
				return sch, fmt.Errorf("recording: message %d cannot be delivered where the merged order puts it", tag)
			}
			kind := trace.NetDeliver
			if twice[tag] {
				kind, twice[tag] = trace.NetDup, false
			}
			m.Deliver(s, k, kind == trace.NetDup)
			sch.Add(trace.Move{Stack: kind, Choice: tag})
			dropLost()
			continue
		}
		i, ok := simOf[e.H]
		if !ok {
			return sch, fmt.Errorf("recording: a card of a stack that was never spawned")
		}
		stacks, sent := s.NumStacks(), s.Sent
		r := m.Step(s, i, e.Choice)
		if r.Status == vm.Blocked {
			return sch, fmt.Errorf("recording: stack %s cannot take its card where the merged order puts it", m.StackName(s, i))
		}
		sch.Add(trace.Move{Stack: int32(i), Choice: int32(e.Choice)})
		if r.Status == vm.Failed {
			return sch, nil // the run ended there
		}
		for j, h := range e.Spawned {
			simOf[h] = stacks + j
		}
		var tags []int32
		if s.Sent > sent { // the card sent something
			for _, t := range s.Tags {
				if t > sent {
					tags = append(tags, t)
				}
			}
		}
		slices.Sort(tags)
		if len(tags) != len(e.Sends) {
			return sch, fmt.Errorf("recording: a card sent %d messages on its node and %d in the simulator", len(e.Sends), len(tags))
		}
		for j, sr := range e.Sends {
			tag := tags[j]
			tagOf[[3]uint64{uint64(x.node), uint64(sr.To), sr.Seq}] = tag
			switch sr.Copies {
			case 0:
				lost = append(lost, tag)
			case 2:
				twice[tag] = true
			}
		}
		dropLost()
	}
	if deadlocked {
		for k := 0; k < s.NumMsgs(); k++ {
			if m.Droppable(s, k) {
				sch.Add(trace.Move{Stack: trace.NetDrop, Choice: s.Msg(k).Tag})
				m.Drop(s, k)
				k = -1 // a drop may make the message behind it droppable
			}
		}
	}
	return sch, nil
}
