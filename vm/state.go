// Package vm owns the machine state of a running deck program and Step, the
// one function that gives every card its meaning. The simulated dealer, the
// checker and the real runner all execute cards through Step; none of them
// re-implements a card.
//
// A state is one flat vector of int64 words, so that the checker can copy,
// hash and compare it cheaply:
//
//	W[0]                 number of stacks S
//	W[1 : 1+G]           shared section: vars, array elements, mutex owners,
//	                     semaphore counts, latches, channel buffers
//	then S stacks        [pc, ret, locals...]; a finished stack is [Exit, ret]
//	then, when placed    the network section: messages in flight (net.go)
//	then output records  [print index, value...] per printed line, in order
//
// Stack i of a state is the i-th stack ever spawned (main is 0); a handle is
// that number. Finished stacks keep their return value for join but drop
// their locals, so that equal futures have equal states.
package vm

import "github.com/deck-lang/deck/card"

// State is a machine state: the word vector plus an index of where each
// stack starts, which is derived from W and rebuilt by Reindex.
type State struct {
	W   []int64
	off []int32 // off[i]: first word of stack i; off[S]: the word after the stacks
	net bool    // the state has a network section (a placed program)
	hdr int32   // the network header's words (NetHeader or FaultHeader)
	sim simHost // the Host that Step hands to Exec, kept here to avoid allocating

	// Track asks the state to number messages in send order, beside the
	// words (the dealer and replays need the numbers; the checker, which
	// must not tell apart states that differ only in them, does not).
	Track bool
	Sent  int32 // messages sent so far (when tracking)
	// HashOutput: the output section is [lines, digest] (InitHashed).
	HashOutput bool
	// IgnorePrints, with HashOutput: a print leaves the state as it was,
	// so the output section stays [0, 0] (the checker's --ignore-prints,
	// Machine.IgnorePrints).
	IgnorePrints bool
	Tags         []int32 // the number of each message in flight (when tracking)
	// Lost: when tracking, every message a fault has lost so far, with
	// its number, in the order they were lost: sent to a node that had
	// crashed or across a split, or in flight when its node crashed or
	// the network split. Traces show them; the state's words do not.
	Lost []Message
}

// host returns the simulator Host for stack i of s.
func (s *State) host(p *card.Program, i int) Host {
	s.sim = simHost{s: s, p: p, i: i}
	return &s.sim
}

// NumStacks returns the number of stacks ever spawned.
func (s *State) NumStacks() int { return int(s.W[0]) }

// PC returns stack i's program counter.
func (s *State) PC(i int) int32 { return int32(s.W[s.off[i]]) }

// Ret returns stack i's return value (meaningful once it has finished).
func (s *State) Ret(i int) int64 { return s.W[s.off[i]+1] }

// Shared returns the shared section.
func (s *State) Shared(p *card.Program) []int64 { return s.W[1 : 1+p.SharedWords] }

// Locals returns stack i's local slots (empty once finished).
func (s *State) Locals(i int) []int64 { return s.W[s.off[i]+2 : s.off[i+1]] }

// OutputStart returns the index of the first output word.
func (s *State) OutputStart() int {
	at := s.off[len(s.off)-1]
	if s.net {
		return int(at) + int(s.hdr) + int(s.W[at])*MsgWords
	}
	return int(at)
}

// CopyFrom makes s an independent copy of o, reusing s's memory.
func (s *State) CopyFrom(o *State) {
	s.CopyWith(o, append(s.W[:0], o.W...))
}

// CopyWith makes s a copy of o whose word vector is w, which the caller
// has already filled with o's words: a caller that keeps the copy's words
// in a buffer of its own (the checker's successors waiting to be filed)
// saves copying them twice. Cards that grow the vector append to w in
// place while its capacity lasts.
func (s *State) CopyWith(o *State, w []int64) {
	s.W = w
	s.off = append(s.off[:0], o.off...)
	s.net, s.hdr = o.net, o.hdr
	s.HashOutput, s.IgnorePrints = o.HashOutput, o.IgnorePrints
	if s.Track = o.Track; o.Track {
		s.Sent = o.Sent
		s.Tags = append(s.Tags[:0], o.Tags...)
		s.Lost = append(s.Lost[:0], o.Lost...)
	}
}

// Clone returns an independent copy of s.
func (s *State) Clone() *State {
	c := &State{}
	c.CopyFrom(s)
	return c
}

// Load makes s a copy of the word vector w and rebuilds the stack index.
func (s *State) Load(p *card.Program, w []int64) {
	s.W = append(s.W[:0], w...)
	s.Reindex(p)
}

// Reindex rebuilds the stack index from W.
func (s *State) Reindex(p *card.Program) {
	n := int(s.W[0])
	s.off = s.off[:0]
	at := int32(1 + p.SharedWords)
	if words := p.StackWords; len(words) == len(p.Cards) {
		for i := 0; i < n; i++ {
			s.off = append(s.off, at)
			at += words[s.W[at]]
		}
	} else {
		for i := 0; i < n; i++ {
			s.off = append(s.off, at)
			at += 2 + stackLocals(p, int32(s.W[at]))
		}
	}
	s.off = append(s.off, at)
	s.net = p.Net != nil
	if s.net {
		s.hdr = netHeader(p.Net)
	}
}

// stackLocals is the number of local words a stack at pc has.
func stackLocals(p *card.Program, pc int32) int32 {
	c := &p.Cards[pc]
	if c.Op == card.Done {
		return 0
	}
	return p.Procs[c.Proc].NLocals
}

// Finished reports whether stack i has finished.
func (s *State) Finished(p *card.Program, i int) bool {
	return p.Cards[s.PC(i)].Op == card.Done
}

// ProcOf returns the procedure stack i runs.
func (s *State) ProcOf(p *card.Program, i int) int32 {
	return p.Cards[s.PC(i)].Proc
}

// resize changes the number of words at [at, at+old) to new, shifting what
// follows, and fixes the index for stacks after stack `after`.
func (s *State) resize(at, old, new int32, after int) {
	d := new - old
	if d == 0 {
		return
	}
	if d > 0 {
		for k := int32(0); k < d; k++ {
			s.W = append(s.W, 0)
		}
		copy(s.W[at+new:], s.W[at+old:int32(len(s.W))-d])
		clear(s.W[at+old : at+new])
	} else {
		copy(s.W[at+new:], s.W[at+old:])
		s.W = s.W[:int32(len(s.W))+d]
	}
	for j := after + 1; j < len(s.off); j++ {
		s.off[j] += d
	}
}
