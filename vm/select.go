package vm

import "github.com/deck-lang/deck/card"

// Select (see card/select.go). A select card's choices are its ready
// cases, numbered in source order among those ready now: choice k takes
// the k-th ready case. A timeout case is ready exactly when no other case
// is. A case whose element index fails with a runtime error makes the card
// ready with one choice, so that Exec reports the error.

// caseReady reports whether case sc can go on (timeout: false; the caller
// decides about it).
func (m *Machine) caseReady(sh, loc []int64, sc *card.SelectCase) (bool, Fault) {
	if sc.Kind == card.CaseTimeout {
		return false, Fault{}
	}
	w, f := m.elemWord(sh, loc, sc.Obj, sc.Y)
	if f.Kind != NoFault {
		return true, f
	}
	g := &m.P.Globals[sc.Obj]
	if sc.Kind == card.CaseRecv {
		return sh[w] != 0, Fault{}
	}
	return g.Cap > 0 && sh[w] < int64(g.Cap), Fault{}
}

// selectPick returns the case choice takes: the choice-th ready case (the
// first ready one when choice is out of range), else the timeout case;
// -1 when no case is ready and there is no timeout. A fault in a case's
// index is returned with that case.
func (m *Machine) selectPick(sh, loc []int64, c *card.Card, choice int) (int, Fault) {
	cs := m.P.Selects[c.A]
	first, k, timeout := -1, 0, -1
	for j := range cs {
		if cs[j].Kind == card.CaseTimeout {
			timeout = j
			continue
		}
		ok, f := m.caseReady(sh, loc, &cs[j])
		if f.Kind != NoFault {
			return j, f
		}
		if !ok {
			continue
		}
		if k == choice {
			return j, Fault{}
		}
		if first < 0 {
			first = j
		}
		k++
	}
	if first >= 0 {
		return first, Fault{}
	}
	return timeout, Fault{}
}

// selectReady reports whether some case of select card c can go on.
func (m *Machine) selectReady(sh, loc []int64, c *card.Card) (bool, Fault) {
	j, f := m.selectPick(sh, loc, c, 0)
	return j >= 0, f
}

// selectChoices is the number of ready cases of select card c (1 when
// only the timeout is, when an index fails, or when none is: Step reports
// a card that is not ready as blocked before asking).
func (m *Machine) selectChoices(sh, loc []int64, c *card.Card) int {
	n := 0
	for j := range m.P.Selects[c.A] {
		ok, f := m.caseReady(sh, loc, &m.P.Selects[c.A][j])
		if f.Kind != NoFault {
			return 1
		}
		if ok {
			n++
		}
	}
	return max(n, 1)
}

// execSelect performs select card pc for stack id: the channel operation
// of the case choice takes, then on to that case's body.
func (m *Machine) execSelect(sh, loc []int64, id int, pc int32, choice int, h Host) (int32, Result) {
	c := &m.P.Cards[pc]
	fail := func(f Fault) (int32, Result) { return failed(pc, f) }
	j, f := m.selectPick(sh, loc, c, choice)
	if f.Kind != NoFault {
		return fail(f)
	}
	if j < 0 {
		return pc, Result{PC: pc} // not ready: callers test readiness first
	}
	sc := &m.P.Selects[c.A][j]
	res := Result{PC: pc}
	switch sc.Kind {
	case card.CaseRecv:
		w, _ := m.elemWord(sh, loc, sc.Obj, sc.Y)
		v := m.take(sh, w, sc.Obj, c.Proc, h)
		if sc.Dst >= 0 {
			afterPost(loc, h)[sc.Dst] = v
		}
		res.Value = v
	case card.CaseSend:
		v, f := m.eval(sc.X, sh, loc)
		if f.Kind != NoFault {
			return fail(f)
		}
		w, _ := m.elemWord(sh, loc, sc.Obj, sc.Y)
		n := sh[w]
		sh[w+1+int32(n)] = v
		sh[w] = n + 1
		res.Value = v
	}
	return sc.Target, res
}

// take receives from the channel element at word w of global gi, which
// must hold a value: it dequeues from a buffered channel, or takes a
// rendezvous offer (and tells a sender on another node by message that
// its value was taken).
func (m *Machine) take(sh []int64, w, gi, proc int32, h Host) int64 {
	p := m.P
	g := &p.Globals[gi]
	if g.Cap == 0 {
		v := sh[w+1]
		sender := sh[w] - 1
		sh[w], sh[w+1] = 0, 0
		if p.Net != nil {
			nh := h.(NetHost)
			from, to := p.Net.ProcNode[proc], nh.StackNode(sender)
			if from != to {
				nh.Post(Message{Kind: MsgAck, From: from, To: to, A: sender, Value: int64(w)})
			}
		}
		return v
	}
	// Keep the queue at the front of its buffer so that equal contents
	// are equal words.
	n := int32(sh[w])
	v := sh[w+1]
	copy(sh[w+1:w+n], sh[w+2:w+1+n])
	sh[w+n] = 0
	sh[w] = int64(n - 1)
	return v
}

// SelectCase returns which case (its position among all cases of the
// select, from 0) choice takes when stack i stands at a select card, or -1
// when the stack is elsewhere or no case is ready.
func (m *Machine) SelectCase(s *State, i int, choice int) int {
	c := &m.P.Cards[s.PC(i)]
	if c.Op != card.Select {
		return -1
	}
	j, f := m.selectPick(s.Shared(m.P), s.Locals(i), c, choice)
	if f.Kind != NoFault {
		return -1
	}
	return j
}
