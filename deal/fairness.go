package deal

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/deck-lang/deck/trace"
)

// cycleFairness is what the first pass of a cycle's replay saw, to judge
// whether a run that goes round the cycle forever is fair, by the rules of
// the progress check (check/progress.go, owed): under weak fairness a stack
// that can move in every state of the cycle must move in it, under strong
// fairness one that can move in some state; a link (an ordered pair of
// nodes) that has a message to deliver in some state must deliver one,
// unless the fairness is none; and a network split in every state (in
// some, under strong fairness) must heal. The check reports only cycles
// that are fair; a cycle written by hand, or one found under another
// fairness, may not be.
type cycleFairness struct {
	ticks        int
	allEn, anyEn []bool // by stack: can move in every (some) state noted
	moved        []bool // by stack: moves in the pass
	links        map[[2]int32]bool
	linkMoved    map[[2]int32]bool
	allSplit     bool
	anySplit     bool
	healed       bool
}

// note takes the state at the start of a tick of the cycle's first pass,
// and the tick's moves.
func (f *cycleFairness) note(d *dealer, tick []trace.Move) {
	m, s, p := d.m, d.s, d.p
	if f.ticks == 0 {
		f.allSplit = true
	}
	f.ticks++
	for len(f.allEn) < s.NumStacks() {
		// A stack spawned in the pass: it could not move before it was.
		f.allEn, f.anyEn, f.moved = append(f.allEn, f.ticks == 1), append(f.anyEn, false), append(f.moved, false)
	}
	for i := 0; i < s.NumStacks(); i++ {
		en := !s.Finished(p, i) && (p.Net == nil || !m.Stopped(s, i)) && m.Enabled(s, i)
		f.allEn[i] = f.allEn[i] && en
		f.anyEn[i] = f.anyEn[i] || en
	}
	if p.Net != nil {
		for k := 0; k < s.NumMsgs(); k++ {
			if m.Deliverable(s, k) || m.Duplicable(s, k) {
				msg := s.Msg(k)
				if f.links == nil {
					f.links = map[[2]int32]bool{}
				}
				f.links[[2]int32{msg.From, msg.To}] = true
			}
		}
		split := m.CanHeal(s)
		f.allSplit = f.allSplit && split
		f.anySplit = f.anySplit || split
	} else {
		f.allSplit = false
	}
	for _, mv := range tick {
		switch {
		case !mv.IsNet():
			if int(mv.Stack) < len(f.moved) {
				f.moved[mv.Stack] = true
			}
		case mv.Stack == trace.NetDeliver || mv.Stack == trace.NetDup:
			if k := s.FindMsg(mv.Choice); k >= 0 {
				msg := s.Msg(k)
				if f.linkMoved == nil {
					f.linkMoved = map[[2]int32]bool{}
				}
				f.linkMoved[[2]int32{msg.From, msg.To}] = true
			}
		case mv.Stack == trace.NetHeal:
			f.healed = true
		}
	}
}

// unfair says why a run that goes round the cycle forever is not fair
// under d's fairness, or "" when it is.
func (f *cycleFairness) unfair(d *dealer) string {
	fair := d.opt.Fairness
	if fair == trace.FairNone || f.ticks == 0 {
		return ""
	}
	m, s := d.m, d.s
	for i := range f.moved {
		if f.moved[i] {
			continue
		}
		if fair == trace.FairWeak && f.allEn[i] {
			return fmt.Sprintf("%s can move in every state of the cycle and never does", m.StackName(s, i))
		}
		if fair == trace.FairStrong && f.anyEn[i] {
			return fmt.Sprintf("%s can move in some states of the cycle and never does", m.StackName(s, i))
		}
	}
	links := slices.SortedFunc(maps.Keys(f.links), func(a, b [2]int32) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	for _, l := range links {
		if !f.linkMoved[l] {
			return fmt.Sprintf("the link from %s to %s has a message to deliver in the cycle and never delivers one", m.NodeName(l[0]), m.NodeName(l[1]))
		}
	}
	if !f.healed && (f.allSplit || fair == trace.FairStrong && f.anySplit) {
		return "the network is split and never heals in the cycle"
	}
	return ""
}
