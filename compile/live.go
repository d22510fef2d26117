package compile

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/deck-lang/deck/card"
)

// bitset is a set of local slots.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) add(i int32)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int32) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) or(o bitset) {
	for k := range b {
		b[k] |= o[k]
	}
}
func (b bitset) andNot(o bitset) {
	for k := range b {
		b[k] &^= o[k]
	}
}
func (b bitset) clone() bitset { return append(bitset(nil), b...) }
func (b bitset) equal(o bitset) bool {
	for k := range b {
		if b[k] != o[k] {
			return false
		}
	}
	return true
}

func (b bitset) slots() []int32 {
	var out []int32
	for k, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			out = append(out, int32(k*64+t))
			w &^= 1 << uint(t)
		}
	}
	return out
}

// finish completes a procedure: it records what each card accesses and
// computes, by backward liveness over the cards, which locals die on each
// edge so that the VM can zero them.
func (pc *procCompiler) finish() {
	p := pc.c.prog
	for len(p.Accesses) < len(p.Cards) {
		p.Accesses = append(p.Accesses, nil)
	}
	for _, idx := range pc.top {
		p.Accesses[idx] = card.CardAccesses(p, idx)
	}
	for _, body := range pc.bodies {
		for _, idx := range body {
			p.Accesses[idx] = card.CardAccesses(p, idx)
		}
	}
	n := len(pc.slots)
	if n == 0 || len(pc.top) == 0 {
		return
	}
	uses := map[int32]bitset{}
	defs := map[int32]bitset{}   // definite writes (they end liveness)
	writes := map[int32]bitset{} // every slot the card may leave non-zero
	for _, idx := range pc.top {
		u, d, w := newBitset(n), newBitset(n), newBitset(n)
		cardUses(p, idx, u)
		cardDefs(p, idx, d, w)
		for _, sc := range card.SelectCases(p, &p.Cards[idx]) {
			if sc.Dst >= 0 {
				w.add(sc.Dst) // set on one edge only: see selectOut
			}
		}
		for _, b := range pc.bodies[idx] {
			// An atomic block: its body's liveness is worked out card
			// by card below (bodyLive); here only what it may set.
			cardDefs(p, b, nil, w)
		}
		uses[idx], defs[idx], writes[idx] = u, d, w
	}
	// Parameters arrive set whether or not they are used.
	entry := pc.top[0]
	for k := range p.Procs[pc.proc].Params {
		writes[entry].add(int32(k))
	}
	in := map[int32]bitset{}
	for _, idx := range pc.top {
		in[idx] = newBitset(n)
	}
	liveIn := func(to int32) bitset {
		if b, ok := in[to]; ok {
			return b
		}
		return newBitset(n)
	}
	for changed := true; changed; {
		changed = false
		for k := len(pc.top) - 1; k >= 0; k-- {
			idx := pc.top[k]
			out := newBitset(n)
			if p.Cards[idx].Op == card.Select {
				selectOut(p, idx, out, liveIn)
			} else if card.HasBodies(p, idx) {
				eitherOut(p, idx, n, out, liveIn)
			} else {
				for _, s := range successors(p, idx) {
					out.or(liveIn(s))
				}
			}
			if body := pc.bodies[idx]; len(body) > 0 && p.Cards[idx].Op == card.Atomic {
				// What is live before an atomic block is what its body
				// reads before setting it, on some path, and what is live
				// after it and not set on every path: a local the body
				// sets and nothing after it reads dies with the block.
				out = bodyLive(p, body, n, out, p.Cards[idx].Next, liveIn)
			} else {
				out.andNot(defs[idx])
			}
			out.or(uses[idx])
			if !out.equal(in[idx]) {
				in[idx] = out
				changed = true
			}
		}
	}
	pr := &p.Procs[pc.proc]
	for k := range pr.Params {
		if !in[entry].has(int32(k)) {
			pr.DeadParams |= 1 << k
		}
	}
	kills := map[string]int32{}
	intern := func(b bitset) int32 {
		s := b.slots()
		if len(s) == 0 {
			return 0
		}
		key := fmt.Sprint(s)
		if k, ok := kills[key]; ok {
			return k
		}
		p.Kills = append(p.Kills, s)
		kills[key] = int32(len(p.Kills) - 1)
		return kills[key]
	}
	for _, idx := range pc.top {
		cd := &p.Cards[idx]
		possible := in[idx].clone()
		possible.or(writes[idx])
		switch cd.Op {
		case card.Return, card.Done:
			continue
		case card.Either, card.Select:
			after := newBitset(n)
			for _, t := range successors(p, idx) {
				after.or(liveIn(t))
			}
			possible.andNot(after)
			cd.KillNext = intern(possible)
		case card.Branch:
			k := possible.clone()
			k.andNot(liveIn(cd.Next))
			cd.KillNext = intern(k)
			possible.andNot(liveIn(cd.Target))
			cd.KillTarget = intern(possible)
		default:
			possible.andNot(liveIn(cd.Next))
			cd.KillNext = intern(possible)
		}
	}
}

// bodyLive returns the local slots live before an atomic block's body
// (its cards in order, the first the entry), given those live after the
// block: a backward liveness inside the body, where leaving it leads to
// after. One pattern is followed further (see flagExit): a body path that
// ends by setting a flag to a constant, tested right after the block.
func bodyLive(p *card.Program, body []int32, n int, after bitset, cont int32, liveIn func(int32) bitset) bitset {
	inBody := map[int32]bool{}
	for _, b := range body {
		inBody[b] = true
	}
	in := map[int32]bitset{}
	for changed := true; changed; {
		changed = false
		for k := len(body) - 1; k >= 0; k-- {
			b := body[k]
			out := newBitset(n)
			for _, s := range successors(p, b) {
				if !inBody[s] {
					if l, ok := flagExit(p, b, cont, liveIn); ok {
						out.or(l)
					} else {
						out.or(after)
					}
				} else if l, ok := in[s]; ok {
					out.or(l)
				}
			}
			d, w := newBitset(n), newBitset(n)
			cardDefs(p, b, d, w)
			out.andNot(d)
			cardUses(p, b, out)
			if old, ok := in[b]; !ok || !out.equal(old) {
				in[b] = out
				changed = true
			}
		}
	}
	return in[body[0]]
}

// flagExit handles a body path of an atomic block that leaves it from
// card b, `c = K` with K a constant, for card s right after the block, a
// branch on `c == K2` or `c != K2`: that path takes one known side of the
// branch, so what is live after it is what is live on that side (and c,
// which the branch reads). A block that sets a flag in each branch and is
// followed by a test of it is how a program says "go there" without goto;
// without this, a local read on one side only would stay live on the
// other, around the loop.
func flagExit(p *card.Program, b, s int32, liveIn func(int32) bitset) (bitset, bool) {
	if s < 0 {
		return nil, false
	}
	set, test := &p.Cards[b], &p.Cards[s]
	if set.Op != card.Local || set.Dst < 0 || set.B != 0 || set.X == card.NoExpr || test.Op != card.Branch || test.X == card.NoExpr {
		return nil, false
	}
	if code := p.Exprs[set.X].Code; len(code) != 1 || code[0].Op != card.XConst {
		return nil, false
	}
	k := p.Exprs[set.X].Code[0].A
	code := p.Exprs[test.X].Code
	if len(code) != 3 || code[0].Op != card.XLocal || int32(code[0].A) != set.Dst || code[1].Op != card.XConst ||
		code[2].Op != card.XEq && code[2].Op != card.XNe {
		return nil, false
	}
	taken := (k == code[1].A) == (code[2].Op == card.XEq)
	next := test.Target // false
	if taken {
		next = test.Next
	}
	if next < 0 {
		return nil, false
	}
	l := liveIn(next).clone()
	l.add(set.Dst)
	return l, true
}

// successors lists where a top-level card may go next.
func successors(p *card.Program, idx int32) []int32 {
	cd := &p.Cards[idx]
	switch cd.Op {
	case card.Return, card.Done:
		return nil
	case card.Branch:
		return []int32{cd.Next, cd.Target}
	case card.Either:
		return p.Eithers[cd.A]
	case card.Select:
		return card.SelectTargets(p, cd)
	}
	return []int32{cd.Next}
}

// cardUses adds the local slots card idx reads.
func cardUses(p *card.Program, idx int32, u bitset) {
	cd := &p.Cards[idx]
	add := func(e card.Expr) {
		if e == card.NoExpr {
			return
		}
		for _, in := range p.Exprs[e].Code {
			switch in.Op {
			case card.XLocal:
				u.add(int32(in.A))
			case card.XLocalAt:
				// An element picked at run time: the whole array is used.
				for k := int32(in.A); k < int32(in.A)+in.B; k++ {
					u.add(k)
				}
			}
		}
	}
	add(cd.X)
	add(cd.Y)
	switch cd.Op {
	case card.Print:
		for _, a := range p.Prints[cd.A] {
			add(a.X)
		}
	case card.Spawn:
		for _, a := range p.Spawns[cd.B].Args {
			add(a)
		}
	case card.Either:
		for _, g := range card.EitherGuards(p, cd.A) {
			add(g)
		}
	case card.Select:
		for _, sc := range p.Selects[cd.A] {
			add(sc.Y)
			add(sc.X)
		}
	}
}

// cardDefs adds the local slots card idx sets for certain to d (when d is
// not nil) and those it may leave non-zero to w. A store into an element
// of a local array picked at run time may set any element and sets none
// for certain; `let a[N] = v` sets them all.
func cardDefs(p *card.Program, idx int32, d, w bitset) {
	cd := &p.Cards[idx]
	if cd.Dst < 0 {
		return
	}
	if cd.Op != card.Local || cd.B == 0 {
		if d != nil {
			d.add(cd.Dst)
		}
		w.add(cd.Dst)
		return
	}
	for k := cd.Dst; k < cd.Dst+cd.B; k++ {
		if d != nil && cd.Y == card.NoExpr {
			d.add(k)
		}
		w.add(k)
	}
}

// eitherOut sets out to what is live after either card idx has tested its
// guards: for each branch, what is live at its target, or, for a branch
// that runs an atomic body first, what is live before that body.
func eitherOut(p *card.Program, idx int32, n int, out bitset, liveIn func(int32) bitset) {
	a := p.Cards[idx].A
	starts := card.EitherBodies(p, a)
	for k, t := range p.Eithers[a] {
		if starts[k] < 0 {
			out.or(liveIn(t))
			continue
		}
		out.or(bodyLive(p, card.BodyFrom(p, starts[k]), n, liveIn(t), t, liveIn))
	}
}

// selectOut sets out to what is live after select card idx: what is live
// at each case's body, except the local that case's recv sets on its way
// there.
func selectOut(p *card.Program, idx int32, out bitset, liveIn func(int32) bitset) {
	for _, sc := range p.Selects[p.Cards[idx].A] {
		l := liveIn(sc.Target).clone()
		if sc.Dst >= 0 {
			l[sc.Dst/64] &^= 1 << (uint(sc.Dst) % 64)
		}
		out.or(l)
	}
}

// describeKills renders a kill list for the disassembly.
func describeKills(p *card.Program, proc int32, k int32) string {
	if k == 0 {
		return ""
	}
	var names []string
	for _, s := range p.Kills[k] {
		names = append(names, p.Procs[proc].Locals[s])
	}
	return strings.Join(names, " ")
}
