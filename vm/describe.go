package vm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/deck-lang/deck/card"
)

// VarValue is the value of one shared variable or array.
type VarValue struct {
	Name   string
	Type   card.Type
	Array  bool
	Values []int64
	// Names are the stacks a handle variable's values name, as shown
	// (worker#1), when the state was at hand; Key uses the numbers.
	Names []string
}

// Outcome is what a state shows the world: every shared variable and the
// lines printed so far, in order.
type Outcome struct {
	Vars   []VarValue
	Output []string
	// Printed and Digest stand for Output in a state that keeps only a
	// digest of its lines (State.HashOutput): two outcomes with the same
	// variables are the same exactly when these are.
	Printed int64
	Digest  uint64
}

// Outcome extracts the outcome of s.
func (m *Machine) Outcome(s *State) Outcome {
	p := m.P
	var o Outcome
	sh := s.Shared(p)
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind != card.GVar || g.Hidden {
			continue
		}
		v := VarValue{Name: g.Name, Type: g.Type, Array: g.Len > 0}
		for e := int32(0); e < g.Elems(); e++ {
			v.Values = append(v.Values, sh[g.Base+e])
		}
		m.NameHandles(s, &v)
		o.Vars = append(o.Vars, v)
	}
	if s.HashOutput {
		o.Printed, o.Digest = m.OutputDigest(s)
		return o
	}
	o.Output = m.OutputLines(s)
	return o
}

// OutputLines renders the output records of s as text lines.
func (m *Machine) OutputLines(s *State) []string {
	var lines []string
	w := s.W
	for at := s.OutputStart(); at < len(w); {
		line, n := m.FormatRecord(s, w[at:])
		lines = append(lines, line)
		at += n
	}
	return lines
}

// FormatRecord renders the output record at the start of rec (a print
// index, then its values) and returns the words it took. s names stacks
// for handles, and may be nil.
func (m *Machine) FormatRecord(s *State, rec []int64) (string, int) {
	return m.FormatRecordNamed(rec, func(v int64) string { return m.FormatValue(s, card.THandle, v) })
}

// FormatRecordNamed renders an output record as FormatRecord does, with
// handles named by handle (the real runtime on nodes, whose handles are
// not stack numbers, names them itself).
func (m *Machine) FormatRecordNamed(rec []int64, handle func(v int64) string) (string, int) {
	args := m.P.Prints[rec[0]]
	at := 1
	var b strings.Builder
	for k, a := range args {
		if k > 0 {
			b.WriteByte(' ')
		}
		if a.X == card.NoExpr {
			b.WriteString(a.Str)
			continue
		}
		if a.Type == card.THandle && rec[at] != card.NoStack {
			b.WriteString(handle(rec[at]))
		} else {
			b.WriteString(m.FormatValue(nil, a.Type, rec[at]))
		}
		at++
	}
	return b.String(), at
}

// NameHandles sets v.Names when v holds handles: each value's stack name
// in s, as FormatValue gives it.
func (m *Machine) NameHandles(s *State, v *VarValue) {
	if v.Type != card.THandle || s == nil {
		return
	}
	v.Names = make([]string, len(v.Values))
	for k, x := range v.Values {
		v.Names[k] = m.FormatValue(s, card.THandle, x)
	}
}

// FormatValue renders a value of type t: bools as true/false, handles as
// the name of their stack.
func (m *Machine) FormatValue(s *State, t card.Type, v int64) string {
	switch t {
	case card.TBool:
		return strconv.FormatBool(v != 0)
	case card.THandle:
		if v == card.NoStack {
			return "none"
		}
		if s != nil && v >= 0 && v < int64(s.NumStacks()) {
			return m.P.StackName(s.ProcOf(m.P, int(v)), int(v))
		}
		return "#" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Key renders an outcome on one line: `x=1 a=[1,2] print="line"`. Two
// outcomes are equal exactly when their keys are.
func (o Outcome) Key() string { return o.line(false) }

// Shown is Key for people: handles as the names of their stacks.
func (o Outcome) Shown() string { return o.line(true) }

func (o Outcome) line(named bool) string {
	var b strings.Builder
	for _, v := range o.Vars {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.Name)
		b.WriteByte('=')
		b.WriteString(v.text(named))
	}
	for _, line := range o.Output {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("print=")
		b.WriteString(strconv.Quote(line))
	}
	if o.Printed > 0 {
		fmt.Fprintf(&b, " print#%d=%016x", o.Printed, o.Digest)
	}
	return b.String()
}

// Text renders a variable's value: `3`, `true`, `[1,2,3]`, handles as
// numbers, as outcome keys do. Show is for people.
func (v *VarValue) Text() string { return v.text(false) }

// Show renders a variable's value for people: as Text, but a handle as the
// name of its stack (`[worker#1,worker#2]`) when Names has it.
func (v *VarValue) Show() string { return v.text(true) }

func (v *VarValue) text(named bool) string {
	k := 0
	one := func(x int64) string {
		i := k
		k++
		if named && i < len(v.Names) {
			return v.Names[i]
		}
		if v.Type == card.TBool {
			return strconv.FormatBool(x != 0)
		}
		if v.Type == card.THandle && x == card.NoStack {
			return "none"
		}
		return strconv.FormatInt(x, 10)
	}
	if !v.Array {
		return one(v.Values[0])
	}
	parts := make([]string, len(v.Values))
	for k, x := range v.Values {
		parts[k] = one(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// JSONValue returns the value as it appears in JSON output: a handle as
// its stack's name when Names has it (as a trace's sets show handles).
func (v *VarValue) JSONValue() any {
	k := 0
	one := func(x int64) any {
		i := k
		k++
		if v.Type == card.TBool {
			return x != 0
		}
		if v.Type == card.THandle && x == card.NoStack {
			return nil // none, as the text says: not the number -1
		}
		if i < len(v.Names) {
			return v.Names[i]
		}
		return x
	}
	if !v.Array {
		return one(v.Values[0])
	}
	out := make([]any, len(v.Values))
	for k, x := range v.Values {
		out[k] = one(x)
	}
	return out
}

// FaultMessage explains a failed step in words, naming the stack, and the
// call the card was inlined from, if any (card.Program.Via).
func (m *Machine) FaultMessage(s *State, stack int, r Result) string {
	return m.faultMessage(s, stack, r, "")
}

// FaultMessageAt is FaultMessage for a card that failed in state s, with
// the operation that failed when FaultSite finds it ("division by zero in
// 10 / a"), and its site; ok reports whether it found one.
func (m *Machine) FaultMessageAt(s *State, stack int, r Result) (msg string, site card.Site, ok bool) {
	site, ok = m.FaultSite(s, stack, r)
	if !ok {
		return m.faultMessage(s, stack, r, ""), card.Site{}, false
	}
	return m.faultMessage(s, stack, r, site.Src), site, ok
}

func (m *Machine) faultMessage(s *State, stack int, r Result, op string) string {
	msg := m.faultText(s, stack, r)
	if op != "" {
		msg += " in " + op
	}
	if p := m.P; r.PC >= 0 && int(r.PC) < len(p.Via) && p.Via[r.PC] != "" {
		msg += " (" + p.Via[r.PC] + ")"
	}
	return msg
}

func (m *Machine) faultText(s *State, stack int, r Result) string {
	p := m.P
	c := &p.Cards[r.PC]
	var f Fault
	if r.Fault != nil {
		f = *r.Fault
	}
	switch f.Kind {
	case AssertFailed:
		if msg := p.Messages[c.A]; msg != "" {
			return "assertion failed: " + msg
		}
		return "assertion failed: " + p.Exprs[c.X].Src
	case DivByZero:
		return "division by zero"
	case Overflow:
		return "integer overflow"
	case IndexOutOfRange:
		return fmt.Sprintf("index %d out of range [0, %d)", f.A, f.B)
	case UnlockNotHeld:
		g := p.Globals[c.Obj].Name
		if f.A < 0 {
			return fmt.Sprintf("unlock of %s, which is not locked", g)
		}
		return fmt.Sprintf("unlock of %s, which is held by %s", g, m.stackName(s, int(f.A)))
	case TooManyStacks:
		return fmt.Sprintf("too many stacks (the limit is %d)", f.A)
	case BadHandle:
		if f.A == card.NoStack {
			return "join of none: the handle came from a procedure that ended without returning one"
		}
		return fmt.Sprintf("join of an invalid stack handle %d", f.A)
	case AtomicTooLong:
		return fmt.Sprintf("atomic block ran more than %d cards without finishing", f.A)
	case WideChoice:
		return fmt.Sprintf("choose from %d..%d: more than %d values", f.A, f.B, MaxChoices)
	case EmptyChoice:
		return fmt.Sprintf("choose from an empty range %d..%d", f.A, f.B)
	case WaitNotHeld:
		mu := m.wordName(int32(f.B))
		if f.A < 0 {
			return fmt.Sprintf("%s waits on %s without holding %s, which is not locked", m.stackName(s, stack), p.Globals[c.Obj].Name, mu)
		}
		return fmt.Sprintf("%s waits on %s without holding %s, which is held by %s", m.stackName(s, stack), p.Globals[c.Obj].Name, mu, m.stackName(s, int(f.A)))
	case NegativeRelease:
		return fmt.Sprintf("release of %s %d times: the count must not be negative", p.Globals[c.Obj].Name, f.A)
	}
	return "runtime error"
}

// wordName names the object element whose first word is w: "m", "fork[1]".
func (m *Machine) wordName(w int32) string {
	gi := m.P.GlobalAt(w)
	if gi < 0 {
		return fmt.Sprintf("word %d", w)
	}
	g := &m.P.Globals[gi]
	if g.Len == 0 {
		return g.Name
	}
	return fmt.Sprintf("%s[%d]", g.Name, (w-g.Base)/g.Stride)
}

func (m *Machine) stackName(s *State, i int) string {
	if s == nil || i < 0 || i >= s.NumStacks() {
		return fmt.Sprintf("stack %d", i)
	}
	return m.P.StackName(s.ProcOf(m.P, i), i)
}

// StackName names stack i of s: "main", "worker#2".
func (m *Machine) StackName(s *State, i int) string { return m.stackName(s, i) }

// WaitReason says what a blocked stack waits for, e.g.
// "lock fork[1] (held by phil#2)". It returns "" for a stack that is not
// blocked.
func (m *Machine) WaitReason(s *State, i int) string {
	p := m.P
	pc := s.PC(i)
	c := &p.Cards[pc]
	if c.Op == card.Done || m.Enabled(s, i) {
		return ""
	}
	label := p.Labels[pc]
	if g := c.Obj; g >= 0 && c.Y != card.NoExpr && p.Cards[pc].Op != card.Store {
		// Name the element the card waits on: "lock fork[1]", not "lock fork[right]".
		if w, f := m.objWord(s.Shared(p), s.Locals(i), c); f.Kind == NoFault {
			gl := &p.Globals[g]
			label = fmt.Sprintf("%s %s[%d]", c.Op, gl.Name, (w-gl.Base)/gl.Stride)
			if c.Op == card.SendWait {
				label = fmt.Sprintf("send %s[%d]", gl.Name, (w-gl.Base)/gl.Stride)
			}
		}
	}
	switch c.Op {
	case card.Start:
		return "its start message (not delivered yet)"
	case card.Lock:
		w, _ := m.objWord(s.Shared(p), s.Locals(i), c)
		why := "held by " + m.stackName(s, int(s.Shared(p)[w])-1)
		if head, ok := strings.CutSuffix(label, ")"); ok && strings.Contains(head, " (") {
			// "lock m (woken from c)": one parenthesis, not two.
			return head + "; " + why + ")"
		}
		return label + " (" + why + ")"
	case card.Acquire:
		return label + " (count is 0)"
	case card.Wait:
		return label + " (not notified yet)"
	case card.Send:
		if p.Globals[c.Obj].Cap == 0 {
			return label + " (another sender's value is not taken yet)"
		}
		return label + " (channel full)"
	case card.SendWait:
		if p.Net != nil && p.Net.Remote[pc] {
			return label + " (no acknowledgement from the receiver's node yet)"
		}
		return label + " (no receiver has taken the value)"
	case card.Recv:
		return label + " (channel empty)"
	case card.Join:
		h, _ := m.eval(c.X, s.Shared(p), s.Locals(i))
		if k := int(h); p.Net != nil && k >= 0 && k < s.NumStacks() && s.Finished(p, k) {
			// A stack on another node: its done message is on its way,
			// or stuck behind another message of its link.
			return fmt.Sprintf("join %s (finished, but its done message has not arrived)", m.stackName(s, k))
		}
		return fmt.Sprintf("join %s (not finished)", m.stackName(s, int(h)))
	case card.Await, card.Atomic:
		return label + " (condition is false)"
	case card.CondSleep:
		w, _ := m.objWord(s.Shared(p), s.Locals(i), c)
		return "a signal on " + m.wordName(w) + " (asleep in wait)"
	case card.Either:
		return label + " (no guard holds)"
	case card.Select:
		return label + " (no case can go on)"
	}
	return label
}
