// Package progen draws small random deck programs for property tests that
// hold the engines to each other: the checker against brute force and the
// dealer, the real workers against the checker. The programs mix racy and
// protected updates, atomic blocks, choices (guarded by an await or by an
// atomic block's first await, or not), asserts,
// awaits, runtime errors, locks, loops and an occasional always invariant,
// and stay small enough for an exhaustive search.
package progen

import (
	"fmt"
	"strings"

	"pgregory.net/rapid"
)

// progGen draws small random deck programs: two or three stacks sharing a
// few variables and two mutexes.
type progGen struct {
	t      *rapid.T
	b      strings.Builder
	locals int
	indent string
	inM    int // depth of lock m blocks around the statement
	// loops: draw while loops and daemons too (ProgressProgram); values
	// then wrap around (mod 3) so that a loop forever is a cycle of
	// finitely many states.
	loops bool
	// owners: draw a procedure w(me) spawned twice that uses o[me], an
	// array each of its stacks may own (OwnerProgram); inW: drawing w.
	owners, inW bool
}

// add returns the expression "x + y", wrapped around in loops mode.
func (g *progGen) add(x, y string) string {
	if g.loops {
		return fmt.Sprintf("(%s + %s) %% 3", x, y)
	}
	return x + " + " + y
}

var sharedVars = []string{"a", "b", "c[0]", "c[1]"}

func (g *progGen) line(format string, args ...any) {
	g.b.WriteString(g.indent)
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

func (g *progGen) local() string {
	g.locals++
	return fmt.Sprintf("t%d", g.locals)
}

func (g *progGen) block(depth int, body func()) {
	old := g.indent
	g.indent += "    "
	body()
	g.indent = old
}

func (g *progGen) stmts(depth, max int) {
	n := rapid.IntRange(1, max).Draw(g.t, "n")
	for i := 0; i < n; i++ {
		g.stmt(depth)
	}
}

func (g *progGen) stmt(depth int) {
	vars := sharedVars
	if g.inM > 0 {
		// p is only ever touched under m, so the checker may treat its
		// accesses as independent of other stacks (ample cards).
		vars = []string{"a", "b", "c[0]", "p", "p"}
	}
	if g.inW {
		vars = append(vars[:len(vars):len(vars)], "o[me]", "o[me]")
	}
	v := rapid.SampledFrom(vars).Draw(g.t, "var")
	w := rapid.SampledFrom(vars).Draw(g.t, "var2")
	kinds := 9
	if g.loops {
		kinds = 10
	}
	if depth >= 2 {
		kinds = 6 // no more nesting
	}
	switch rapid.IntRange(0, kinds-1).Draw(g.t, "stmt") {
	case 0:
		g.line("%s = %s", v, g.add(v, "1"))
	case 1:
		t := g.local()
		g.line("let %s = %s", t, v)
		g.line("%s = %s * 2 %% 5", t, t)
		g.line("%s = %s", w, g.add(w, t))
	case 2:
		g.line("atomic { %s = %s }", v, g.add(v, w))
	case 3:
		t := g.local()
		g.line("let %s = choose 0..%d", t, rapid.IntRange(1, 3).Draw(g.t, "hi"))
		g.line("%s = %s", v, t)
	case 4:
		g.line("assert %s < %d, \"bound\"", v, rapid.IntRange(1, 4).Draw(g.t, "bound"))
	case 5:
		switch rapid.IntRange(0, 4).Draw(g.t, "misc") {
		case 4:
			g.line("%s = 6 / (%s - 1)", v, w)
		case 0:
			g.line("yield")
		case 1:
			g.line("print \"%s\", %s", strings.Trim(v, "[]01"), v)
		case 3:
			g.line("c[%s] = 1", rapid.SampledFrom([]string{"a", "b"}).Draw(g.t, "index"))
		case 2:
			g.line("await %s > 0", v)
		}
	case 6:
		mx := rapid.SampledFrom([]string{"m", "n"}).Draw(g.t, "mutex")
		g.line("lock %s", mx)
		if mx == "m" {
			g.inM++
		}
		g.stmts(depth+1, 2)
		if mx == "m" {
			g.inM--
		}
		g.line("unlock %s", mx)
	case 7:
		g.line("if %s > %d {", v, rapid.IntRange(0, 2).Draw(g.t, "k"))
		g.block(depth, func() { g.stmts(depth+1, 2) })
		if rapid.Bool().Draw(g.t, "else") {
			g.line("} else {")
			g.block(depth, func() { g.stmts(depth+1, 2) })
		}
		g.line("}")
	case 8:
		if rapid.Bool().Draw(g.t, "loop") {
			t := g.local()
			g.line("for %s in 0..2 {", t)
			g.block(depth, func() { g.stmts(depth+1, 2) })
			g.line("}")
		} else {
			// Guarded choice: a branch that begins with await is open
			// only while its guard holds; one that begins with
			// `atomic { await G; ... }` also runs the block in the
			// either's card.
			guards := rapid.IntRange(0, 3).Draw(g.t, "guards")
			atomics := rapid.IntRange(0, 3).Draw(g.t, "atomic guards")
			guard := func(bit int, cond string) {
				switch {
				case guards&bit == 0:
				case atomics&bit != 0:
					g.line("atomic {")
					g.block(depth, func() {
						g.line("await %s", cond)
						g.atomicStmts()
					})
					g.line("}")
				default:
					g.line("await %s", cond)
				}
			}
			g.line("either {")
			g.block(depth, func() {
				guard(1, v+" > 0")
				g.stmts(depth+1, 2)
			})
			g.line("} or {")
			g.block(depth, func() {
				guard(2, w+" == 0")
				g.stmts(depth+1, 2)
			})
			g.line("}")
		}
	case 9:
		// A loop on shared state: it may spin forever, or until another
		// stack changes v.
		g.line("while %s != %d {", v, rapid.IntRange(0, 2).Draw(g.t, "until"))
		g.block(depth, func() { g.stmts(depth+1, 2) })
		g.line("}")
	}
}

// atomicStmts draws the rest of an atomic block that begins with await:
// one or two statements that may not block (updates, a print, an assert,
// runtime errors).
func (g *progGen) atomicStmts() {
	vars := sharedVars
	if g.inM > 0 {
		vars = []string{"a", "b", "c[0]", "p", "p"}
	}
	if g.inW {
		vars = append(vars[:len(vars):len(vars)], "o[me]", "o[me]")
	}
	n := rapid.IntRange(1, 2).Draw(g.t, "atomic n")
	for i := 0; i < n; i++ {
		v := rapid.SampledFrom(vars).Draw(g.t, "atomic var")
		w := rapid.SampledFrom(vars).Draw(g.t, "atomic var2")
		switch rapid.IntRange(0, 5).Draw(g.t, "atomic stmt") {
		case 0:
			g.line("%s = %s", v, g.add(v, "1"))
		case 1:
			g.line("%s = %s", v, g.add(v, w))
		case 2:
			g.line("print \"%s\", %s", strings.Trim(v, "[]01"), v)
		case 3:
			g.line("c[%s] = 1", rapid.SampledFrom([]string{"a", "b"}).Draw(g.t, "atomic index"))
		case 4:
			g.line("%s = 6 / (%s - 1)", v, w)
		case 5:
			g.line("assert %s < %d, \"bound\"", v, rapid.IntRange(1, 4).Draw(g.t, "atomic bound"))
		}
	}
}

// Program draws one program.
func Program(t *rapid.T) string {
	return (&progGen{t: t}).program()
}

// ProgressProgram draws a program for the progress check: besides what
// Program draws, loops on shared state that may spin forever, and now and
// then a daemon stack that serves forever; values wrap around, so every
// program has finitely many states.
func ProgressProgram(t *rapid.T) string {
	return (&progGen{t: t, loops: true}).program()
}

// OwnerProgram draws a program as Program does, plus an array o and a
// procedure w(me) that reads and writes o[me], spawned twice by main,
// usually with different values of me (then each w stack owns its element
// and the checker may treat o[me] as its own), sometimes not, and main may
// read o itself at the end.
func OwnerProgram(t *rapid.T) string {
	return (&progGen{t: t, owners: true}).program()
}

func (g *progGen) program() string {
	t := g.t
	g.line("var a = 0")
	g.line("var b = 0")
	g.line("var c[2]")
	g.line("var p = 0")
	g.line("mutex m")
	g.line("mutex n")
	if rapid.IntRange(0, 3).Draw(t, "always") == 0 {
		g.line("always a + b < %d", rapid.IntRange(2, 5).Draw(t, "abound"))
	}
	procs := rapid.IntRange(2, 3).Draw(t, "procs")
	for p := 0; p < procs; p++ {
		if g.loops && p > 0 && rapid.IntRange(0, 2).Draw(t, "daemon") == 0 {
			g.line("daemon proc p%d() {", p)
			g.block(0, func() {
				g.line("while true {")
				g.block(0, func() { g.stmts(1, 3) })
				g.line("}")
			})
			g.line("}")
			continue
		}
		g.line("proc p%d() {", p)
		g.block(0, func() { g.stmts(1, 3) })
		g.line("}")
	}
	if g.owners {
		g.line("var o[3]")
		g.line("proc w(me) {")
		g.inW = true
		g.block(0, func() {
			// An update in two cards: two stacks with the same me can
			// lose one of them, which only interleaving shows.
			g.line("o[me] = o[me] + 1")
			g.stmts(1, 3)
		})
		g.inW = false
		g.line("}")
	}
	g.line("proc main() {")
	g.block(0, func() {
		for p := 0; p < procs; p++ {
			g.line("let h%d = spawn p%d()", p, p)
		}
		loopW := false
		if g.owners {
			if loopW = rapid.IntRange(0, 2).Draw(t, "loopw") == 0; loopW {
				// A for loop passes 0 and 1; a third spawn may pass one
				// of them again.
				g.line("for k in 0..2 {")
				g.line("    spawn w(k)")
				g.line("}")
				if rapid.Bool().Draw(t, "third") {
					g.line("spawn w(%d)", rapid.IntRange(1, 2).Draw(t, "me2"))
				}
			} else {
				g.line("let w0 = spawn w(%d)", rapid.IntRange(0, 2).Draw(t, "me0"))
				g.line("let w1 = spawn w(%d)", rapid.IntRange(0, 2).Draw(t, "me1"))
			}
		}
		if rapid.Bool().Draw(t, "mainwork") {
			g.stmts(2, 2)
		}
		for p := 0; p < procs; p++ {
			if p == 0 || rapid.Bool().Draw(t, "join") {
				g.line("join h%d", p)
			}
		}
		if g.owners && !loopW && rapid.Bool().Draw(t, "joinw") {
			g.line("join w0")
			g.line("join w1")
			if rapid.Bool().Draw(t, "reado") {
				g.line("print o[0], o[1], o[2]")
			}
		}
	})
	g.line("}")
	return g.b.String()
}
