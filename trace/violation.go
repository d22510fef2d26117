package trace

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// Violation kinds, as they appear in JSON.
const (
	KindAssert   = "assert"
	KindAlways   = "always"
	KindDeadlock = "deadlock"
	KindError    = "error"
	// Progress: a cycle that repeats forever keeps stacks from
	// finishing; a livelock when one of them takes cards in it, a
	// starvation when they only wait.
	KindLivelock   = "livelock"
	KindStarvation = "starvation"
)

// NeverFinish says, as the progress check and a cycle's replay both
// report it, which stacks a cycle that repeats forever keeps from
// finishing: busy, those that take cards in it, and waiting, those that
// only wait. It returns the kind (a livelock when busy is not empty) and
// the message, e.g. "p#1 and p#2 never finish: they keep taking cards in
// a cycle that can repeat forever; main never finishes either".
func NeverFinish(busy, waiting []string) (kind, msg string) {
	if len(busy) > 0 {
		msg = fmt.Sprintf("%s never finish%s: %s taking cards in a cycle that can repeat forever",
			nameList(busy), pick(len(busy), "es", ""), pick(len(busy), "it keeps", "they keep"))
		if len(waiting) > 0 {
			msg += fmt.Sprintf("; %s never finish%s either", nameList(waiting), pick(len(waiting), "es", ""))
		}
		return KindLivelock, msg
	}
	return KindStarvation, fmt.Sprintf("%s never finish%s: %s while other stacks keep moving forever",
		nameList(waiting), pick(len(waiting), "es", ""), pick(len(waiting), "it only waits", "they only wait"))
}

// WaitsAt says why a stack that only waits in a cycle that repeats
// forever never finishes, for the list NeverFinishWhy appends: it waits at
// the card label for reason (the machine's WaitReason). An empty reason
// says the stack can take that card in some state of the cycle but is
// never dealt it there.
func WaitsAt(name, label, reason string, fair Fairness) string {
	switch {
	case reason != "":
		return name + " waits at " + reason
	case fair == FairNone:
		// Without fairness the dealer may pass over a stack that can move
		// for ever.
		return name + " waits at " + label + " (it can take it, but the dealer never picks it: --fairness none)"
	}
	return name + " waits at " + label + " (it can take it at times, but never gets its turn)"
}

// NeverFinishWhy is NeverFinish's message with the reasons its waiting
// stacks wait (WaitsAt's, in waits) and the fairness when it is not the
// default, as both the progress check and a cycle's replay say it.
func NeverFinishWhy(msg string, waits []string, fair Fairness) string {
	if len(waits) > 0 {
		msg += " (" + strings.Join(waits, "; ") + ")"
	}
	if fair != FairWeak {
		msg += " [fairness " + fair.String() + "]"
	}
	return msg
}

// nameList joins names: "a", "a and b", "a, b and c".
func nameList(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Stuck is one stack that cannot move in a deadlock.
type Stuck struct {
	Stack  string
	Card   string // the card's number within its procedure
	Pos    string // file:line:col
	Reason string // what it waits for
}

// Violation is a failed assert or always, a deadlock, or a runtime error.
type Violation struct {
	Kind    string
	Message string
	Pos     string // file:line:col of the card (or the always declaration)
	// At is file:line:col of the operation that failed, for a runtime
	// error in an expression when it can be told (vm.FaultSite): a card
	// is a whole statement, and its position is the statement's start.
	At    string
	Stack string // the stack that failed; "" for always and deadlock
	Card  string // the card's number within its procedure
	Stuck []Stuck
}

// Where is the position a report's caret points at: the operation that
// failed when it is known (At), else the card or declaration (Pos).
func (v *Violation) Where() string {
	if v.At != "" {
		return v.At
	}
	return v.Pos
}

// Key identifies a violation for "one counterexample per distinct
// violation": its kind and position.
func (v *Violation) Key() string { return v.Kind + "@" + v.Pos }

// Describe renders the violation on one line.
func (v *Violation) Describe() string {
	var b strings.Builder
	b.WriteString(v.Pos)
	b.WriteString(": ")
	switch v.Kind {
	case KindDeadlock:
		b.WriteString("deadlock: ")
	case KindError:
		b.WriteString("runtime error: ")
	case "livelock", "starvation":
		b.WriteString(v.Kind + ": ")
	}
	b.WriteString(v.Message)
	if v.Stack != "" {
		fmt.Fprintf(&b, " (stack %s, card %s)", v.Stack, v.Card)
	}
	return b.String()
}

// FaultAfter builds the violation for a failed step of stack i when s is
// not the state the card failed in (a real run's end, after other workers
// went on): the card and its message, without the operation, which only
// that state can tell.
func FaultAfter(m *vm.Machine, s *vm.State, i int, r vm.Result) *Violation {
	v := fault(m, s, i, r)
	v.Message = m.FaultMessage(s, i, r)
	return v
}

// fault is the violation of a failed step without its message.
func fault(m *vm.Machine, s *vm.State, i int, r vm.Result) *Violation {
	p := m.P
	kind := KindError
	if r.Fault.Kind == vm.AssertFailed {
		kind = KindAssert
	}
	return &Violation{
		Kind:  kind,
		Pos:   p.Position(p.Cards[r.PC].Pos),
		Stack: m.StackName(s, i),
		Card:  p.Numbers[r.PC],
	}
}

// Fault builds the violation for a failed step of stack i in state s
// (the state the card failed in: a card that fails changes nothing of
// its own, and vm.FaultSite checks that the failure happens again in s).
func Fault(m *vm.Machine, s *vm.State, i int, r vm.Result) *Violation {
	v := fault(m, s, i, r)
	msg, site, ok := m.FaultMessageAt(s, i, r)
	v.Message = msg
	if ok {
		v.At = m.P.Position(site.Pos)
	}
	return v
}

// Always builds the violation for invariant k failing in state s.
func Always(m *vm.Machine, s *vm.State, k int, f vm.Fault) *Violation {
	p := m.P
	if k >= len(p.Always) {
		return PropertyFault(m, s, k-len(p.Always), f)
	}
	inv := &p.Always[k]
	msg := "always " + inv.Src + " does not hold"
	if f.Kind != vm.NoFault {
		msg = "always " + inv.Src + ": " + m.FaultMessage(s, 0, vm.Failure(0, f))
	}
	return &Violation{Kind: KindAlways, Message: msg, Pos: p.Position(inv.Pos)}
}

// Deadlock builds the violation for state s, in which no stack can move
// although some have not finished. Its position is that of the stack
// vm.DeadlockCause names (the first stuck one that does not wait to join
// another), or else of the first stuck stack.
func Deadlock(m *vm.Machine, s *vm.State) *Violation {
	p := m.P
	v := &Violation{Kind: KindDeadlock}
	var names []string
	cause, at := m.DeadlockCause(s), 0
	for i := 0; i < s.NumStacks(); i++ {
		if s.Finished(p, i) || p.Net != nil && m.Stopped(s, i) {
			continue // finished, or stopped by its node's crash
		}
		pc := s.PC(i)
		if i == cause {
			at = len(v.Stuck)
		}
		st := Stuck{
			Stack:  m.StackName(s, i),
			Card:   p.Numbers[pc],
			Pos:    p.Position(p.Cards[pc].Pos),
			Reason: m.WaitReason(s, i),
		}
		v.Stuck = append(v.Stuck, st)
		names = append(names, st.Stack+" waits at "+st.Reason)
	}
	if len(v.Stuck) > 0 {
		v.Pos = v.Stuck[at].Pos
	}
	v.Message = "no stack can move: " + strings.Join(names, "; ")
	if p.Net != nil {
		for n := int32(0); n < int32(len(p.Net.Nodes)); n++ {
			if s.Down(n) {
				v.Message += "; " + m.NodeName(n) + " has crashed"
			}
		}
	}
	return v
}

// ProcOfCard is a small helper for renderers: the procedure name of card pc.
func ProcOfCard(p *card.Program, pc int32) string { return p.Procs[p.Cards[pc].Proc].Name }
