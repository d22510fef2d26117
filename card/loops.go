package card

// PrintsInLoop reports whether some print card can run again after itself
// without its stack ending: it lies on a cycle of its procedure's cards
// (Next, a branch's Target, an either's branches, a select's cases). The
// checker keeps printed lines in each state, so such a print can make
// every state of a run new, and a search that never ends; the checker's
// report uses this to say so. Atomic bodies are not followed: a print in
// one counts when the atomic card itself is on a cycle.
func (p *Program) PrintsInLoop() bool {
	// Which cards print, or run an atomic body that prints.
	prints := make([]bool, len(p.Cards))
	for pc := range p.Cards {
		c := &p.Cards[pc]
		switch c.Op {
		case Print:
			prints[pc] = true
		case Atomic:
			// Along the body's Next links, at most once round the cards
			// (a loop inside the body links back).
			b := c.A
			for range p.Cards {
				if b < 0 || int(b) >= len(p.Cards) || prints[pc] {
					break
				}
				prints[pc] = p.Cards[b].Op == Print
				b = p.Cards[b].Next
			}
		}
	}
	return p.onLoop(prints)
}

// PostsInLoop reports whether a placed program has a card on a cycle (as
// PrintsInLoop) that puts a message in flight without waiting for it: a
// send into a buffered channel on another node, or a notify that reaches
// other nodes. A stack that loops over one can pile up messages without
// bound (a retry that resends before any answer), and its search never
// ends; the checker's report says so.
func (p *Program) PostsInLoop() bool {
	if p.Net == nil {
		return false
	}
	posts := make([]bool, len(p.Cards))
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if pc >= len(p.Net.Remote) || !p.Net.Remote[pc] {
			continue
		}
		switch c.Op {
		case Send:
			posts[pc] = c.Obj >= 0 && p.Globals[c.Obj].Cap > 0
		case Notify:
			posts[pc] = true
		}
	}
	return p.onLoop(posts)
}

// onLoop reports whether some marked card can come back to itself by its
// procedure's control flow.
func (p *Program) onLoop(marked []bool) bool {
	// The cards each card can go to next.
	succ := func(pc int32, f func(int32)) {
		c := &p.Cards[pc]
		if c.Op == Return || c.Op == Done {
			return // the stack ends here
		}
		if c.Next >= 0 {
			f(c.Next)
		}
		switch c.Op {
		case Branch:
			f(c.Target)
		case Either:
			if int(c.A) < len(p.Eithers) {
				for _, t := range p.Eithers[c.A] {
					f(t)
				}
			}
		case Select:
			for _, sc := range SelectCases(p, c) {
				f(sc.Target)
			}
		}
	}
	// From each marked card, look for a way back to it.
	seen := make([]int32, len(p.Cards)) // the search (pc+1) that reached a card
	var stack []int32
	for from := range p.Cards {
		if !marked[from] {
			continue
		}
		mark := int32(from) + 1
		stack = stack[:0]
		succ(int32(from), func(t int32) { stack = append(stack, t) })
		for len(stack) > 0 {
			pc := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if pc < 0 || int(pc) >= len(p.Cards) || seen[pc] == mark {
				continue
			}
			if pc == int32(from) {
				return true
			}
			seen[pc] = mark
			succ(pc, func(t int32) { stack = append(stack, t) })
		}
	}
	return false
}
