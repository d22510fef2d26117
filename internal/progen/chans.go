package progen

import (
	"pgregory.net/rapid"
)

// ChanProgram draws a program whose stacks talk over channels: each
// worker procedure k has a variable x<k> and a channel q<k> of its own
// (buffered, or a rendezvous one, whose sender on another node waits for
// an acknowledgement), which only it receives from, and sends to the
// others' channels and to r, an array of channels only main receives from
// (indexed by a local now and then); main may send the workers values
// too. Now and then two workers share the variable a, or an invariant
// reads the x's. So Placement (which groups procedures that share a
// variable or receive from one channel) puts the workers on different
// nodes, and their sends cross the network: these are the programs that
// exercise deliveries of channel values. Many of them deadlock, a receive
// waiting for a send that never comes; that is an ending like any other.
func ChanProgram(t *rapid.T) string {
	g := &progGen{t: t}
	procs := rapid.IntRange(2, 3).Draw(t, "procs")
	for k := 0; k < procs; k++ {
		g.line("var x%d = 0", k)
		g.line("chan q%d(%d)", k, rapid.IntRange(0, 2).Draw(t, "cap"))
	}
	g.line("var a = 0")
	g.line("chan r[2](1)")
	if rapid.IntRange(0, 3).Draw(t, "always") == 0 {
		g.line("always x0 + x1 < %d", rapid.IntRange(2, 4).Draw(t, "xbound"))
	}
	for k := 0; k < procs; k++ {
		g.line("proc p%d() {", k)
		g.block(0, func() {
			n := rapid.IntRange(1, 4).Draw(t, "n")
			for i := 0; i < n; i++ {
				g.chanStmt(k, procs)
			}
		})
		g.line("}")
	}
	g.line("proc main() {")
	g.block(0, func() {
		for k := 0; k < procs; k++ {
			g.line("let h%d = spawn p%d()", k, k)
		}
		// main may send the workers values too: once each (which on an
		// unordered network can make a channel quiet), or in a loop.
		for i := rapid.IntRange(0, 2).Draw(t, "main sends"); i > 0; i-- {
			q := rapid.IntRange(0, procs-1).Draw(t, "main to")
			if rapid.IntRange(0, 3).Draw(t, "main loop") == 0 {
				g.line("for k in 0..2 {")
				g.line("    send q%d, k", q)
				g.line("}")
			} else {
				g.line("send q%d, %d", q, rapid.IntRange(1, 2).Draw(t, "main value"))
			}
		}
		for i := rapid.IntRange(0, 2).Draw(t, "main recvs"); i > 0; i-- {
			g.line("let %s = recv r[%d]", g.local(), rapid.IntRange(0, 1).Draw(t, "r"))
		}
		for k := 0; k < procs; k++ {
			if rapid.Bool().Draw(t, "join") {
				g.line("join h%d", k)
			}
		}
	})
	g.line("}")
	return g.b.String()
}

// chanStmt draws one statement of worker k of procs.
func (g *progGen) chanStmt(k, procs int) {
	t := g.t
	other := rapid.IntRange(0, procs-1).Draw(t, "to")
	switch rapid.IntRange(0, 7).Draw(t, "chan stmt") {
	case 0, 1:
		g.line("send q%d, %d", other, rapid.IntRange(1, 2).Draw(t, "value"))
	case 2:
		v := g.local()
		g.line("let %s = recv q%d", v, k)
		g.line("x%d = x%d + %s", k, k, v)
	case 3:
		g.line("x%d = x%d + 1", k, k)
	case 4:
		i := g.local()
		g.line("let %s = choose 0..2", i)
		g.line("send r[%s], x%d", i, k)
	case 5:
		g.line("either {")
		g.block(0, func() { g.line("send q%d, 1", other) })
		g.line("} or {")
		g.block(0, func() { g.line("x%d = x%d + 2", k, k) })
		g.line("}")
	case 6:
		g.line("assert x%d < %d, \"bound\"", k, rapid.IntRange(1, 4).Draw(t, "bound"))
	case 7:
		if rapid.IntRange(0, 2).Draw(t, "shared") == 0 {
			g.line("a = a + 1") // ties this worker's node to the others that write a
		} else {
			g.line("print \"x\", x%d", k)
		}
	}
}
