package compile_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/syntax"
	"github.com/deck-lang/deck/vm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// mustCompile compiles src and fails the test on any error.
func mustCompile(t *testing.T, src string) *card.Program {
	t.Helper()
	p, err := compile.Source("t.deck", []byte(src))
	if err != nil {
		t.Fatalf("compile:\n%s\nerror: %v", src, err)
	}
	return p
}

// procIndex returns the index of procedure name.
func procIndex(t *testing.T, p *card.Program, name string) int32 {
	t.Helper()
	for i := range p.Procs {
		if p.Procs[i].Name == name {
			return int32(i)
		}
	}
	t.Fatalf("no procedure %s", name)
	return -1
}

// cardLines lists the cards of procedure name as "number label", in card
// order, without the Done card.
func cardLines(t *testing.T, p *card.Program, name string) []string {
	t.Helper()
	proc := procIndex(t, p, name)
	var out []string
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Proc != proc || c.Op == card.Done {
			continue
		}
		out = append(out, p.Numbers[pc]+" "+p.Labels[pc])
	}
	return out
}

// TestCardRule shows how statements are cut into cards: one shared access
// or one synchronisation action per card, local work folded in.
func TestCardRule(t *testing.T) {
	const decls = "var x = 0\nvar y = 1\nvar z = 2\nvar a[4]\nvar f = false\nmutex m\nchan c(1)\nchan r\n"
	tests := []struct {
		name string
		body string // the body of main
		want []string
	}{
		{"increment is read then write", "x++", []string{"1 t1 = x", "2 x = t1 + 1", "3 return"}},
		{"decrement", "x--", []string{"1 t1 = x", "2 x = t1 - 1", "3 return"}},
		{"plus-assign reads the value after the target", "x += y", []string{"1 t1 = x", "2 t2 = y", "3 x = t1 + t2", "4 return"}},
		{"three shared variables are three cards", "x = y + z", []string{"1 t1 = y", "2 t2 = z", "3 x = t1 + t2", "4 return"}},
		{"shared copy", "x = y", []string{"1 t1 = y", "2 x = t1", "3 return"}},
		{"constant store is one card", "x = 5", []string{"1 x = 5", "2 return"}},
		{"if with a shared read is one card", "if x > 0 {\n}", []string{"1 if x > 0", "2 return"}},
		{"if with two shared reads hoists the first", "if x > y {\n}", []string{"1 t1 = x", "2 if t1 > y", "3 return"}},
		{"while condition", "while x < 3 {\n x = 3\n}", []string{"1 while x < 3", "2 x = 3", "3 return"}},
		{"atomic is one card with numbered body", "atomic {\n x = x + 1\n y = y + z\n}",
			[]string{"1 atomic", "1.1 x = x + 1", "1.2 y = y + z", "2 return"}},
		{"atomic with a first await is a guarded card", "atomic {\n await x > 0\n x = x - 1\n}",
			[]string{"1 atomic await x > 0", "1.1 x = x - 1", "2 return"}},
		{"empty atomic", "atomic {\n}", []string{"1 atomic", "2 return"}},
		{"local statements are one card each", "let i = 1\nlet j = i + 2\ni = i * j\ni++",
			[]string{"1 let i = 1", "2 let j = i + 2", "3 i = i * j", "4 i = i + 1", "5 return"}},
		{"local reading one shared var is one card", "let v = x + 1", []string{"1 let v = x + 1", "2 return"}},
		{"shared array element from another", "let i = 1\nlet j = 2\na[i] = a[j] + 1",
			[]string{"1 let i = 1", "2 let j = 2", "3 t1 = a[j]", "4 a[i] = t1 + 1", "5 return"}},
		{"array index read from shared memory", "a[x] = 1", []string{"1 t1 = x", "2 a[t1] = 1", "3 return"}},
		{"constant index", "a[2] = a[1]", []string{"1 t1 = a[1]", "2 a[2] = t1", "3 return"}},
		{"short circuit keeps the right operand's reads behind a branch", "let b = (x > 0 && y + z > 0)",
			[]string{"1 t1 = x", "2 t2 = t1 > 0", "3 if t2", "4 t3 = y", "5 t2 = t3 + z > 0", "6 let b = t2", "7 return"}},
		{"or short circuit branches on the negation", "let b = (x > 0 || y + z > 0)",
			[]string{"1 t1 = x", "2 t2 = t1 > 0", "3 if !t2", "4 t3 = y", "5 t2 = t3 + z > 0", "6 let b = t2", "7 return"}},
		{"short circuit with one read on each side needs no branch", "let b = x > 0 && y > 0",
			[]string{"1 t1 = x", "2 let b = t1 > 0 && y > 0", "3 return"}},
		{"lock and unlock", "lock m\nunlock m", []string{"1 lock m", "2 unlock m", "3 return"}},
		{"buffered send of a shared value", "send c, x", []string{"1 t1 = x", "2 send c, t1", "3 return"}},
		{"rendezvous send is an offer and a wait", "send r, 1", []string{"1 send r, 1", "2 send r (until taken)", "3 return"}},
		{"recv into a shared variable", "x = recv c", []string{"1 t1 = recv c", "2 x = t1", "3 return"}},
		{"print keeps the last read", "print \"v\", x, y", []string{"1 t1 = x", "2 print \"v\", t1, y", "3 return"}},
		{"yield", "yield", []string{"1 yield", "2 return"}},
		{"choose and either", "let v = choose 0..3\neither {\n x = v\n} or {\n y = v\n}",
			[]string{"1 v = choose 0..3", "2 either (2 ways)", "3 x = v", "4 y = v", "5 return"}},
		{"for loop", "for i in 0..3 {\n x = i\n}", []string{"1 i = 0", "2 for i < 3", "3 x = i", "4 i = i + 1", "5 return"}},
		{"assert reads one shared variable", "assert x == 0, \"msg\"", []string{"1 assert x == 0", "2 return"}},
		{"bool variable", "f = !f", []string{"1 t1 = f", "2 f = !t1", "3 return"}},
		{"return at the end needs no implicit return", "x = 1\nreturn", []string{"1 x = 1", "2 return"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := decls + "proc main() {\n" + tt.body + "\n}\n"
			p := mustCompile(t, src)
			got := cardLines(t, p, "main")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("cards of\n%s\n got: %q\nwant: %q", tt.body, got, tt.want)
			}
		})
	}
}

// TestOneAccessPerCard checks the card rule on every example: an ordinary
// card touches shared memory at most once, and a synchronisation card not at
// all besides its own object.
func TestOneAccessPerCard(t *testing.T) {
	files, err := filepath.Glob("../examples/*.deck")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	files = append(files, "testdata/cards.deck")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compile.Source(file, src)
			if err != nil {
				t.Fatal(err)
			}
			body := map[int32]bool{}
			for pc := range p.Cards {
				// An atomic card's body, or an either's guarded atomic branches'.
				for _, b := range card.AtomicBody(p, int32(pc)) {
					body[b] = true
				}
			}
			for pc := range p.Cards {
				c := &p.Cards[pc]
				// An await's condition, like an atomic block, is one card
				// whatever it reads.
				if c.Op == card.Atomic || c.Op == card.Await || c.Op == card.Done || body[int32(pc)] {
					continue
				}
				reads := 0
				for _, x := range []card.Expr{c.X, c.Y} {
					if x == card.NoExpr {
						continue
					}
					for _, in := range p.Exprs[x].Code {
						if in.Op == card.XGlobal || in.Op == card.XGlobalAt {
							reads++
						}
					}
				}
				if c.Op == card.Print {
					for _, a := range p.Prints[c.A] {
						if a.X == card.NoExpr {
							continue
						}
						for _, in := range p.Exprs[a.X].Code {
							if in.Op == card.XGlobal || in.Op == card.XGlobalAt {
								reads++
							}
						}
					}
				}
				if c.Op == card.Spawn {
					for _, a := range p.Spawns[c.B].Args {
						for _, in := range p.Exprs[a].Code {
							if in.Op == card.XGlobal || in.Op == card.XGlobalAt {
								reads++
							}
						}
					}
				}
				limit := 1
				if c.Op == card.Store || c.Op.IsSync() {
					limit = 0 // the card's own write or action is its access
				}
				if reads > limit {
					t.Errorf("card %s %q (%s) reads shared memory %d times, at most %d allowed",
						p.Numbers[pc], p.Labels[pc], p.Position(c.Pos), reads, limit)
				}
			}
		})
	}
}

// TestDisassembleGolden compares `deck cards` output for testdata/*.deck
// with the .golden files; run with -update to rewrite them.
func TestDisassembleGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.deck")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compile.Source(filepath.Base(file), src)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			compile.Disassemble(&b, p)
			golden := strings.TrimSuffix(file, ".deck") + ".golden"
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("disassembly of %s differs from %s (go test -update rewrites it)\n got:\n%s\nwant:\n%s", file, golden, b.Bytes(), want)
			}
		})
	}
}

// TestPositionsAndNumbers checks card numbers, positions and the
// disassembly's flow column on a small program.
func TestPositionsAndNumbers(t *testing.T) {
	p := mustCompile(t, `var x = 0
proc main() {
    if x > 0 {
        x = 1
    }
    atomic {
        x = 2
    }
}
`)
	want := []struct {
		num, label string
		line, col  int32
	}{
		{"1", "if x > 0", 3, 5},
		{"2", "x = 1", 4, 11},
		{"3", "atomic", 6, 5},
		{"3.1", "x = 2", 7, 11},
		{"4", "return", 9, 1},
	}
	main := procIndex(t, p, "main")
	k := 0
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Proc != main || c.Op == card.Done {
			continue
		}
		if k >= len(want) {
			t.Fatalf("more cards than expected: %s %s", p.Numbers[pc], p.Labels[pc])
		}
		w := want[k]
		if p.Numbers[pc] != w.num || p.Labels[pc] != w.label || c.Pos.Line != w.line || c.Pos.Col != w.col {
			t.Errorf("card %d: got %s %q at %d:%d, want %s %q at %d:%d", k, p.Numbers[pc], p.Labels[pc],
				c.Pos.Line, c.Pos.Col, w.num, w.label, w.line, w.col)
		}
		k++
	}
	if k != len(want) {
		t.Errorf("got %d cards, want %d", k, len(want))
	}
	var b bytes.Buffer
	compile.Disassemble(&b, p)
	for _, line := range []string{
		"t.deck: 1 procedure, 4 cards",
		"proc main(): 4 cards",
		"reads x",
		"false → 3",
		"end of atomic",
		"ends the stack",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("disassembly lacks %q:\n%s", line, b.String())
		}
	}
}

// runMain runs a program with the sequential dealer's rule (always the
// lowest-numbered stack that can move, choice 0) and returns the final
// state and the step result that ended it.
func runMain(t *testing.T, p *card.Program) (*vm.Machine, *vm.State, vm.Result) {
	t.Helper()
	m := vm.New(p)
	s := m.Init()
	for n := 0; n < 100000; n++ {
		moved := false
		for i := 0; i < s.NumStacks(); i++ {
			if !m.Enabled(s, i) {
				continue
			}
			r := m.Step(s, i, 0)
			if r.Status == vm.Failed {
				return m, s, r
			}
			moved = true
			break
		}
		if !moved {
			return m, s, vm.Result{}
		}
	}
	t.Fatal("program did not finish")
	return nil, nil, vm.Result{}
}

// TestShortCircuitHoisting runs programs whose right operand would fail if
// it were evaluated when the left one decides: the hoisted reads of the
// right operand must stay behind the short circuit.
func TestShortCircuitHoisting(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // outcome key
	}{
		{"and: index guarded by a shared bound", `const N = 3
var a[N] = 1
var i = 5
var y = 1
var b = true
proc main() {
    b = i < N && a[i] + y > 0
}
`, "a=[1,1,1] i=5 y=1 b=false"},
		{"and: taken when the left side holds", `const N = 3
var a[N] = 1
var i = 2
var y = 1
var b = false
proc main() {
    b = i < N && a[i] + y > 0
}
`, "a=[1,1,1] i=2 y=1 b=true"},
		{"or: division guarded", `var d = 0
var n = 7
var z = 1
proc main() {
    let b = d == 0 || n / d + z > 1
    print b
}
`, "d=0 n=7 z=1 print=\"true\""},
		{"let with parentheses, left false", `var x = 0
var k = 0
var y = 4
var z = 5
proc main() {
    let b = (x > 0 && y / k + z > 0)
    print b
}
`, "x=0 k=0 y=4 z=5 print=\"false\""},
		{"if condition", `const N = 2
var a[N] = 7
var i = 2
var c = 0
proc main() {
    if i < N && a[i] + c > 0 {
        c = 1
    } else {
        c = 2
    }
}
`, "a=[7,7] i=2 c=2"},
		{"while condition", `const N = 3
var a[N] = 1
var i = 0
var s = 0
proc main() {
    while i < N && a[i] + s < 100 {
        s = s + a[i]
        i = i + 1
    }
}
`, "a=[1,1,1] i=3 s=3"},
		{"nested", `const N = 1
var a[N] = 1
var i = 3
var j = 0
proc main() {
    let b = (j < N && a[j] > 0) && (i < N && a[i] + j > 0)
    print b
}
`, "a=[1] i=3 j=0 print=\"false\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, tt.src)
			m, s, r := runMain(t, p)
			if r.Status == vm.Failed {
				t.Fatalf("the run failed at %s (%s): %s; the right operand was evaluated",
					p.Labels[r.PC], p.Position(p.Cards[r.PC].Pos), m.FaultMessage(s, 0, r))
			}
			o := m.Outcome(s)
			if got := o.Key(); got != tt.want {
				t.Errorf("outcome %q, want %q", got, tt.want)
			}
		})
	}
}

// TestInlinedCalls checks that synchronous calls run on the caller's stack
// with the same results as spawning them.
func TestInlinedCalls(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"value and locals", `proc add(a, b) {
    let s = a + b
    return s
}
proc main() {
    let r = add(2, 3)
    add(r, 1)
    print r
}
`, `print="5"`},
		{"falling off returns zero in a loop", `proc f(a) {
    if a > 0 {
        return a
    }
}
proc main() {
    for i in 0..3 {
        let r = f(2 - i * 2)
        print r
    }
}
`, `print="2" print="0" print="0"`},
		{"falling off into a shared variable", `var x = 9
proc f(a) {
    if a > 0 {
        return a
    }
}
proc main() {
    x = f(0)
}
`, "x=0"},
		{"bool result falls off to false", `proc pos(a) {
    if a > 0 {
        return true
    }
}
proc main() {
    let b = true
    for i in 0..2 {
        b = pos(1 - i)
        print b
    }
}
`, `print="true" print="false"`},
		{"early return skips the rest", `var x = 0
proc f() {
    x = 1
    return
    x = 2
}
proc main() {
    f()
    print x
}
`, `x=1 print="1"`},
		{"nested calls", `proc inc(a) {
    return a + 1
}
proc twice(a) {
    let b = inc(a)
    let c = inc(b)
    return c
}
proc main() {
    let v = twice(5)
    print v
}
`, `print="7"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, tt.src)
			m, s, r := runMain(t, p)
			if r.Status == vm.Failed {
				t.Fatalf("run failed: %s", m.FaultMessage(s, 0, r))
			}
			o := m.Outcome(s)
			if got := o.Key(); got != tt.want {
				t.Errorf("outcome %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCompileErrors checks the message and the position of compile errors.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col: message substring", in order
	}{
		{"undefined name", "proc main() {\n    x = 1\n}", []string{"2:5: undefined: x"}},
		{"undefined in an expression", "proc main() {\n    let a = b + 1\n}", []string{"2:13: undefined: b"}},
		{"assign to const", "const N = 3\nproc main() {\n    N = 4\n}", []string{"3:5: cannot assign to N: it is a constant"}},
		{"increment a const", "const N = 3\nproc main() {\n    N++\n}", []string{"3:5: cannot assign to N: it is a constant"}},
		{"int as if condition", "var x = 0\nproc main() {\n    if x { }\n}", []string{"3:8: if needs a bool condition, not an int"}},
		{"int as while condition", "proc main() {\n    while 1 { }\n}", []string{"2:11: while needs a bool condition"}},
		{"int plus bool", "var x = 0\nproc main() {\n    let b = x + true\n}", []string{"3:15: operator + needs ints, not int and bool"}},
		{"int equals bool", "proc main() {\n    let b = 1 == false\n}", []string{"2:15: cannot compare an int with a bool"}},
		{"and on ints", "proc main() {\n    let b = 1 && 2\n}", []string{"2:15: operator && needs bools, not int and int"}},
		{"not on int", "proc main() {\n    let a = 1\n    let b = !a\n}", []string{"3:13: operator ! needs a bool, not an int"}},
		{"assign bool to int", "var x = 0\nproc main() {\n    x = true\n}", []string{"3:9: cannot assign a bool to x, which is an int"}},
		{"too few arguments", "proc f(a, b) { }\nproc main() {\n    f(1)\n}", []string{"3:6: f takes 2 arguments, not 1"}},
		{"too many arguments to spawn", "proc f() { }\nproc main() {\n    spawn f(1)\n}", []string{"3:12: f takes 0 arguments, not 1"}},
		{"argument types differ between calls", "proc f(a) { }\nproc main() {\n    f(1)\n    f(true)\n}", []string{"4:7: argument 1 of f is a bool here but an int at 3:5"}},
		{"direct recursion", "proc f() {\n    f()\n}\nproc main() {\n    f()\n}", []string{"2:5: f calls itself"}},
		{"recursion through another call", "proc f() { g() }\nproc g() { f() }\nproc main() {\n    f()\n}",
			[]string{"1:12: g calls itself", "2:12: f calls itself"}},
		{"unknown proc in spawn", "proc main() {\n    spawn nope()\n}", []string{"2:11: undefined procedure: nope"}},
		{"spawn a variable", "var v = 0\nproc main() {\n    spawn v()\n}", []string{"3:11: v is a shared var, not a procedure"}},
		{"spawn main", "proc main() {\n    spawn main()\n}", []string{"2:11: main cannot be called or spawned"}},
		{"recv inside an expression", "chan c(1)\nproc main() {\n    let v = 1 + recv c\n}", []string{"3:17: recv must stand alone"}},
		{"spawn inside an expression", "proc f() { }\nproc main() {\n    print spawn f()\n}", []string{"3:11: spawn must stand alone"}},
		{"call inside an expression", "proc f() { return 1 }\nproc main() {\n    let v = f() + 1\n}", []string{"3:13: a call must stand alone"}},
		{"lock inside atomic", "mutex m\nproc main() {\n    atomic { lock m }\n}", []string{"3:14: lock may block, so it cannot be inside atomic"}},
		{"acquire inside atomic", "sem s(1)\nproc main() {\n    atomic { acquire s }\n}", []string{"3:14: acquire may block"}},
		{"send inside atomic", "chan c(1)\nproc main() {\n    atomic { send c, 1 }\n}", []string{"3:14: send may block, so it cannot be inside atomic"}},
		{"recv inside atomic", "chan c(1)\nproc main() {\n    atomic { let v = recv c }\n}", []string{"3:22: recv may block, so it cannot be inside atomic"}},
		// In a called procedure's body, the call that put it there.
		{"lock in a call inside atomic", "mutex m\nproc take() { lock m }\nproc main() {\n    atomic { take() }\n}", []string{"2:15: lock may block, so it cannot be inside atomic (in take, called at 4:14)"}},
		{"a mistake of the body alone, in a call", "var x = 0\nproc take() { x = 1 + true }\nproc main() {\n    take()\n}", []string{"2:21: operator + needs ints, not int and bool"}},
		{"wait inside atomic", "event e\nproc main() {\n    atomic { wait e }\n}", []string{"3:14: wait may block, so it cannot be inside atomic"}},
		{"join inside atomic", "proc w() { }\nproc main() {\n    let h = spawn w()\n    atomic { join h }\n}", []string{"4:14: join may block, so it cannot be inside atomic"}},
		{"await not first inside atomic", "var x = 0\nproc main() {\n    atomic {\n        x = 1\n        await x > 0\n    }\n}",
			[]string{"5:9: await inside atomic must be the block's first statement"}},
		{"blocking call inside atomic", "mutex m\nproc f() {\n    lock m\n}\nproc main() {\n    atomic { f() }\n}", []string{"3:5: lock may block"}},
		{"choose inside atomic", "proc main() {\n    atomic { let v = choose 0..3 }\n}", []string{"2:22: choose cannot be inside atomic (the checker tries each value as a move of its own)"}},
		{"either inside atomic", "proc main() {\n    atomic { either { } or { } }\n}", []string{"2:14: either chooses, so it cannot be inside atomic"}},
		{"return inside atomic", "proc main() {\n    atomic { return }\n}", []string{"2:14: return cannot be inside atomic"}},
		{"duplicate global", "var x = 0\nvar x = 1\nproc main() { }", []string{"2:5: x is already declared at 1:5"}},
		{"duplicate proc", "proc main() { }\nproc main() { }", []string{"2:6: main is already declared at 1:6"}},
		{"duplicate local", "proc main() {\n    let y = 1\n    let y = 2\n}", []string{"3:9: y is already declared in this procedure"}},
		{"duplicate parameter", "proc f(a, a) { }\nproc main() {\n    f(1, 2)\n}", []string{"1:11: duplicate parameter a"}},
		{"local hides a global", "var x = 0\nproc main() {\n    let x = 1\n}", []string{"3:9: x hides the shared var declared at 1:5"}},
		{"local hides a constant", "const N = 1\nproc main() {\n    let N = 1\n}", []string{"3:9: N hides the constant declared at 1:7"}},
		{"parameter hides a global", "var x = 0\nproc f(x) { }\nproc main() { }", []string{"2:8: parameter x hides the shared var declared at 1:5"}},
		{"loop variable hides a global", "var i = 0\nproc main() {\n    for i in 0..2 { }\n}", []string{"3:9: i hides the shared var declared at 1:5"}},
		{"array without index", "var a[3]\nproc main() {\n    let v = a\n}", []string{"3:13: a is an array: use an element, like a[0]"}},
		{"assign to an array", "var a[3]\nproc main() {\n    a = 1\n}", []string{"3:5: a is an array: assign to an element, like a[0]"}},
		{"index on a scalar", "var s = 0\nproc main() {\n    let w = s[0]\n}", []string{"3:14: s is not an array"}},
		{"store to an index on a scalar", "var s = 0\nproc main() {\n    s[0] = 1\n}", []string{"3:6: s is not an array"}},
		{"bool index", "var a[3]\nproc main() {\n    let u = a[true]\n}", []string{"3:15: an index must be an int, not a bool"}},
		{"mutex array without index", "mutex m[2]\nproc main() {\n    lock m\n}", []string{"3:10: m is an array of mutex: name one element"}},
		{"missing main", "proc notmain() { }", []string{"1:1: the program has no proc main"}},
		{"main in capitals", "var x = 0\nproc Main() { }", []string{"2:6: the program has no proc main (names are case-sensitive, and this is proc Main)"}},
		{"empty file", "", []string{"1:1: the program has no proc main"}},
		{"main with params", "proc main(a) { }", []string{"1:11: proc main takes no parameters"}},
		{"main with params and a body", "proc main(a, b) {\n    let c = a + b\n    print c\n}", []string{"1:11: proc main takes no parameters"}},
		{"join of an int", "proc main() {\n    let h = 3\n    join h\n}", []string{"3:10: join needs a stack handle (from spawn), not an int"}},
		// A spawn that fails still gives a handle: one error, not two.
		{"join after a spawn with too few arguments", "proc w(id) { print id }\nproc main() {\n    let h = spawn w()\n    join h\n}", []string{"3:20: w takes 1 argument, not 0"}},
		{"join result after a spawn with too many arguments", "proc w() { return 1 }\nproc main() {\n    let h = spawn w(1)\n    let r = join h\n    print r + 1\n}", []string{"3:20: w takes 0 arguments, not 1"}},
		{"join after a spawn of an undefined procedure", "proc main() {\n    let h = spawn wroker(1)\n    join h\n}", []string{"2:19: undefined procedure: wroker"}},
		{"join after a spawn of a variable", "var x = 0\nproc main() {\n    let h = spawn x()\n    join h\n}", []string{"3:19: x is a shared var, not a procedure"}},
		{"join of an array after spawn in its declaration", "proc w() { }\nproc main() {\n    let hs[2] = spawn w()\n    join hs[0]\n}", []string{"3:17: an array's elements start as a plain value, not spawn"}},
		{"handles of two return types to one parameter", "proc a() { return true }\nproc b() { return 7 }\nproc j(h) { let r = join h }\nproc main() {\n    let x = spawn a()\n    let y = spawn b()\n    spawn j(x)\n    spawn j(y)\n}",
			[]string{"8:13: argument 1 of j is a handle to b here but to a at 7:11; joining a stack of a gives a bool but one of b gives an int"}},
		{"handles of two return types returned", "proc a() { return true }\nproc b() { return 7 }\nproc f(c) {\n    let x = spawn a()\n    let y = spawn b()\n    if c { return x }\n    return y\n}\nproc main() {\n    spawn f(true)\n}",
			[]string{"7:12: f returns a handle to b here but to a at 6:12; joining a stack of a gives a bool but one of b gives an int"}},
		{"handles of two return types to one local", "proc a() { return true }\nproc b() { return 7 }\nproc main() {\n    let h = spawn a()\n    if true { h = spawn b() }\n}",
			[]string{"5:19: h holds a handle to a, and this is a handle to b; joining a stack of a gives a bool but one of b gives an int"}},
		{"join result of a proc without value", "proc w() { }\nproc main() {\n    let h = spawn w()\n    let r = join h\n}", []string{"4:13: w returns no value"}},
		{"call result of a proc without value", "proc w() { }\nproc main() {\n    let r = w()\n}", []string{"3:13: w returns no value"}},
		{"string outside print", "proc main() {\n    let s = \"hello\"\n}", []string{"2:13: a string can only be printed or used as an assert message"}},
		{"string in a comparison", "var x = 0\nproc main() {\n    if x == \"a\" { }\n}", []string{"3:13: a string can only be printed"}},
		{"assign to a for-loop variable", "proc main() {\n    for i in 0..3 {\n        i = 2\n    }\n}", []string{"3:9: cannot assign to i: it is the loop variable"}},
		{"increment a for-loop variable", "proc main() {\n    for i in 0..3 {\n        i++\n    }\n}", []string{"3:9: cannot assign to i: it is the loop variable"}},
		{"mutex used as a value", "mutex m\nproc main() {\n    let v = m\n}", []string{"3:13: m is a mutex, not a value"}},
		{"mutex in arithmetic", "mutex m\nproc main() {\n    let v = m + 1\n}", []string{"3:13: m is a mutex, not a value"}},
		{"assign to a mutex", "mutex m\nproc main() {\n    m = 1\n}", []string{"3:5: cannot assign to m: it is a shared mutex"}},
		{"lock a variable", "var x = 0\nproc main() {\n    lock x\n}", []string{"3:10: x is a shared var, not a mutex"}},
		{"send on a semaphore", "sem s(1)\nproc main() {\n    send s, 1\n}", []string{"3:10: s is a shared sem, not a chan"}},
		{"send a bool", "chan c(1)\nproc main() {\n    send c, true\n}", []string{"3:13: channels carry ints, not a bool"}},
		{"procedure as a value", "proc f() { }\nproc main() {\n    let v = f\n}", []string{"3:13: f is a procedure: call it, or spawn it"}},
		{"expression statement", "var x = 0\nproc main() {\n    x + 1\n}", []string{"3:5: an expression is not a statement"}},
		{"empty choose range", "proc main() {\n    let v = choose 3..3\n}", []string{"2:13: choose from an empty range 3..3"}},
		{"array size not constant", "var n = 2\nvar a[n]\nproc main() { }", []string{"2:7: n is a shared var, not a constant"}},
		// A declaration that fails still declares its name.
		{"constant that overflows", "const BIG = 9223372036854775807 * 2\nproc main() { print BIG }", []string{"1:33: integer overflow in constant expression"}},
		{"constant from a variable", "var x = 3\nconst N = x\nvar a[N]\nsem s(N)\nproc main() {\n    let b[N] = 0\n    print N + b[0] + a[0]\n}", []string{"2:11: x is a shared var, not a constant"}},
		{"constant from an undefined name", "const N = y + 1\nconst M = N * 2\nproc main() { print M }", []string{"1:11: undefined: y"}},
		{"failed constant as a choose bound", "const N = 1 / 0\nproc main() {\n    let v = choose 0..N\n    let w = choose N..2\n    print v + w\n}", []string{"1:13: division by zero in constant expression"}},
		{"failed bool constant", "const B = 1 < true\nproc main() {\n    if B && !B { print 1 }\n}", []string{"1:13: operator < needs ints, not int and bool"}},
		{"local array sized by a local", "proc main() {\n    let n = 4\n    let a[n] = 0\n    a[1] = 2\n    print a[0]\n}", []string{"3:11: n is a local variable: an array size must be a constant"}},
		{"local array sized by an expression of a local", "proc main() {\n    let n = 4\n    let a[n + 1] = 0\n    print a[0]\n}", []string{"3:11: n is a local variable: an array size must be a constant"}},
		{"constant used before its declaration", "var a[N]\nconst N = 3\nproc main() { print a[0] }", []string{"1:7: N is declared later, at 2:7: a constant must be declared before it is used"}},
		{"variable declared later as a size", "var a[M]\nvar M = 3\nproc main() { }", []string{"1:7: M is a shared var declared at 2:5, not a constant"}},
		{"constant used in its own declaration", "const N = N + 1\nproc main() { }", []string{"1:11: undefined: N"}},
		{"array size zero", "var a[0]\nproc main() { }", []string{"1:7: an array size must be at least 1, not 0"}},
		{"local array over the locals", "proc main() {\n    let a[2000] = 0\n}", []string{"2:9: procedure main needs more than 1024 locals (its own, every element of its local arrays, the temporaries of hoisted shared reads, and those of inlined calls); use a shared array for a large one, split long expressions with let, or split the procedure"}},
		{"negative semaphore", "sem s(-1)\nproc main() { }", []string{"1:7: sem s cannot start below zero (-1)"}},
		{"always on a non-bool", "var x = 0\nalways x + 1\nproc main() { }", []string{"2:8: an always condition must be a bool, not an int"}},
		{"call in always", "proc f() { return true }\nalways f()\nproc main() { }", []string{"2:8: a call cannot be in an always condition, which may use only shared variables, constants and operators"}},
		{"recv in eventually", "chan c(1)\neventually recv c == 1\nproc main() { send c, 1 }", []string{"2:12: recv cannot be in an eventually condition, which may use only shared variables, constants and operators"}},
		{"choose in leadsto", "var x = 0\nx == choose 0..2 leadsto x == 1\nproc main() { }", []string{"2:6: choose cannot be in the condition before leadsto, which may use only shared variables, constants and operators"}},
		{"local of main in always", "var x = 0\nalways t >= 0\nproc main() {\n    let t = 1\n    x = t\n}", []string{"2:8: t is a local of main: an always condition can read only shared variables and constants"}},
		{"parameter in eventually", "var x = 0\nproc w(k) { x = k }\nproc main() { spawn w(1) }\neventually k == 1", []string{"4:12: k is a local of w: an eventually condition can read only shared variables and constants"}},
		{"loop variable in leadsto", "var x = 0\nproc main() {\n    for i in 0..2 { x = i }\n}\nx == 1 leadsto i > 0", []string{"5:16: i is a local of main: the condition after leadsto can read only shared variables and constants"}},
		{"local array in always", "proc main() {\n    if true {\n        let a[2] = 0\n    }\n}\nalways a[0] == 0", []string{"6:8: a is a local of main: an always condition"}},
		{"undefined in always", "always nope > 0\nproc main() { }", []string{"1:8: undefined: nope (an always condition can read only shared variables and constants)"}},
		{"increment a bool", "var ok = false\nproc main() {\n    ok++\n}", []string{"3:7: operator ++ needs an int, not a bool"}},
		{"decrement a local bool", "proc main() {\n    let b = true\n    b--\n}", []string{"3:6: operator -- needs an int, not a bool"}},
		{"increment a local bool array element", "proc main() {\n    let a[2] = true\n    a[0]++\n}", []string{"3:9: operator ++ needs an int, not a bool"}},
		{"failed bool constant as a condition", "const B = 1 / 0 == 0\nproc main() {\n    if B { }\n}", []string{"1:13: division by zero in constant expression"}},
		{"shared bool from a failed constant", "const N = 1/0\nvar b = N > 2\nproc main() {\n    if b { }\n}", []string{"1:12: division by zero in constant expression"}},
		{"different return types", "proc f(a) {\n    if a > 0 {\n        return 1\n    }\n    return true\n}\nproc main() {\n    let h = spawn f(1)\n}",
			[]string{"5:12: f returns a bool here but an int at 3:9"}},
		{"several errors at once", "var x = 0\nproc main() {\n    let a = undefined1\n    let b = true + 1\n    if 3 { }\n    x = false\n}",
			[]string{"3:13: undefined: undefined1", "4:18: operator + needs ints, not bool and int", "5:8: if needs a bool condition, not an int", "6:9: cannot assign a bool to x, which is an int"}},
		{"errors in two procedures", "proc f() {\n    y = 1\n}\nproc main() {\n    z = 2\n    f()\n}",
			[]string{"2:5: undefined: y", "5:5: undefined: z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compile.Source("bad.deck", []byte(tt.src))
			if err == nil {
				t.Fatalf("compiled without error:\n%s\nwant %q", tt.src, tt.want)
			}
			var list syntax.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is a %T, want syntax.ErrorList: %v", err, err)
			}
			if len(list) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%s", len(list), len(tt.want), describe(list))
			}
			for k, want := range tt.want {
				if k >= len(list) {
					break
				}
				e := list[k]
				got := e.Pos.String() + ": " + e.Msg
				if !strings.HasPrefix(got, want) && !strings.Contains(got, want) {
					t.Errorf("error %d: got %q, want %q", k, got, want)
				}
				if pos, _, _ := strings.Cut(want, ": "); e.Pos.String() != pos {
					t.Errorf("error %d %q is at %s, want %s", k, e.Msg, e.Pos, pos)
				}
				if e.File != "bad.deck" {
					t.Errorf("error %d names file %q, want bad.deck", k, e.File)
				}
				if !strings.HasPrefix(e.Error(), "bad.deck:"+e.Pos.String()+": ") {
					t.Errorf("error %d renders as %q, want file:line:col: first", k, e.Error())
				}
			}
		})
	}
}

func describe(list syntax.ErrorList) string {
	var b strings.Builder
	for _, e := range list {
		b.WriteString("  " + e.Error() + "\n")
	}
	return b.String()
}

// TestNoPanicOnDamagedExamples deletes single bytes from every example at
// random places and compiles the result: errors are fine, panics are not.
func TestNoPanicOnDamagedExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.deck")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	perFile := 150
	if testing.Short() {
		perFile = 20
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := compile.Source(file, src); err != nil {
			t.Errorf("example %s does not compile: %v", file, err)
		}
		for k := 0; k < perFile; k++ {
			at := rng.IntN(len(src))
			damaged := append(append([]byte(nil), src[:at]...), src[at+1:]...)
			if k%3 == 1 {
				// Also a replacement by a byte that often matters.
				const bytes = "(){}[];,\n0x!-\""
				damaged = append(append(append([]byte(nil), src[:at]...), bytes[rng.IntN(len(bytes))]), src[at+1:]...)
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("compile panicked on %s damaged at byte %d: %v\n%s", file, at, r, damaged)
					}
				}()
				p, err := compile.Source(file, damaged)
				if err != nil {
					var list syntax.ErrorList
					if !errors.As(err, &list) || len(list) == 0 {
						t.Fatalf("%s damaged at %d: error %T %v is not a non-empty ErrorList", file, at, err, err)
					}
					for _, e := range list {
						if !e.Pos.IsValid() && e.Dropped == 0 {
							t.Errorf("%s damaged at %d: error without a position: %v", file, at, e)
						}
					}
					return
				}
				if p.Procs[p.Main].Name != "main" {
					t.Errorf("%s damaged at %d: main is %q", file, at, p.Procs[p.Main].Name)
				}
			}()
		}
	}
}

// TestExprDepth checks that every expression's recorded Depth covers the
// deepest evaluation stack it can reach on any path: the VM sizes its
// evaluation stack from it.
func TestExprDepth(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.deck")
	files = append(files, "testdata/cards.deck", "testdata/calls.deck")
	var srcs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	// Deep nesting on both sides, and short circuits inside arithmetic.
	deep := "x"
	for k := 0; k < 20; k++ {
		deep = "(" + deep + " + " + fmt.Sprint(k) + ") * (x - " + deep + ")"
		if len(deep) > 2000 {
			break
		}
	}
	srcs = append(srcs, "var x = 1\nproc main() {\n    let a = 2\n    let v = "+deep+"\n    let b = (a > 0 && (a < 3 || a == 7)) == (x > 1 || !(a == 2 && x < 5))\n    print v, b\n}\n")
	for _, src := range srcs {
		p, err := compile.Source("t.deck", []byte(src))
		if err != nil {
			t.Fatalf("compile: %v", err)
		}
		for e, x := range p.Exprs {
			if need := maxDepth(x.Code, 0, 0); need > x.Depth || x.Depth > card.MaxEvalDepth {
				t.Errorf("expression %d %q needs depth %d, records %d", e, x.Src, need, x.Depth)
			}
		}
	}
}

// maxDepth follows every path through code from instruction k with sp
// values on the stack and returns the deepest stack seen.
func maxDepth(code []card.Instr, k, sp int) int {
	deepest := sp
	for ; k < len(code); k++ {
		in := code[k]
		switch in.Op {
		case card.XConst, card.XLocal, card.XGlobal:
			sp++
		case card.XGlobalAt, card.XNeg, card.XNot:
		case card.XAndJump, card.XOrJump:
			// Jump taken: the operand stays as the result.
			deepest = max(deepest, maxDepth(code, k+1+int(in.A), sp))
			sp--
		default:
			sp--
		}
		deepest = max(deepest, sp)
	}
	return deepest
}

// TestDstTypes: each card that sets a local records the value's type, so
// that traces show bools as true/false and handles as stack names.
func TestDstTypes(t *testing.T) {
	p, err := compile.Source("t.deck", []byte(`proc w() { return true }
proc main() {
    let f = false
    let h = spawn w()
    let k = h
    let r = join k
    let n = 3
}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]card.Type{"let f = false": card.TBool, "h = spawn w()": card.THandle,
		"let k = h": card.THandle, "r = join k": card.TBool, "let n = 3": card.TInt}
	for pc, label := range p.Labels {
		if w, ok := want[label]; ok {
			if got := p.Cards[pc].DstType; got != w {
				t.Errorf("%q sets a %v, want %v", label, got, w)
			}
			delete(want, label)
		}
	}
	if len(want) > 0 {
		t.Errorf("cards not found: %v", want)
	}
}

// TestCompilesCleanly: programs that must compile without an error.
func TestCompilesCleanly(t *testing.T) {
	tests := []struct{ name, src string }{
		{"uncalled procedure assigns its parameter", "proc f(a) {\n    a = 5\n}\nproc main() {\n}\n"},
		{"called procedure assigns its parameter", "proc f(a) {\n    a = a + 1\n}\nproc main() {\n    f(1)\n    spawn f(2)\n}\n"},
		{"handles to procedures whose joins agree", "proc a() { return 1 }\nproc b() { return 2 }\nproc main() {\n    let h = spawn a()\n    h = spawn b()\n    let r = join h\n}\n"},
		{"handles to procedures without values", "proc a() { }\nproc b() { }\nproc w(h) { join h }\nproc main() {\n    let x = spawn a()\n    let y = spawn b()\n    spawn w(x)\n    spawn w(y)\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := compile.Source("ok.deck", []byte(tt.src)); err != nil {
				t.Errorf("%v\n%s", err, tt.src)
			}
		})
	}
}

// TestInlinedCardsBounded: calls that double the cards at each level are
// refused once a procedure's inlined cards pass the bound, quickly and in
// little memory, however deep the doubling goes (it used to take 2.8 GB
// at 21 levels, and would have taken tens of GiB at 24).
func TestInlinedCardsBounded(t *testing.T) {
	doubling := func(depth int) string {
		var b strings.Builder
		b.WriteString("var x = 0\nproc f0() { x = 1 }\n")
		for i := 1; i <= depth; i++ {
			fmt.Fprintf(&b, "proc f%d() { f%d(); f%d() }\n", i, i-1, i-1)
		}
		fmt.Fprintf(&b, "proc main() { f%d() }\n", depth)
		return b.String()
	}
	if _, err := compile.Source("ok.deck", []byte(doubling(10))); err != nil {
		t.Fatalf("10 levels (1,024 cards): %v", err)
	}
	_, err := compile.Source("big.deck", []byte(doubling(30)))
	if err == nil || !strings.Contains(err.Error(), "the calls inlined into procedure main (f30 → f29 → f28 → … → f2 → f1 → f0) make more than 65536 cards") {
		t.Fatalf("30 levels: %v", err)
	}
	if n := strings.Count(err.Error(), "make more than"); n != 1 {
		t.Fatalf("%d errors for the doubling, want 1:\n%v", n, err)
	}
	// Calls that make no cards count too: 30 levels of empty calls took
	// hours, with no card to count.
	empty := strings.Replace(doubling(30), "proc f0() { x = 1 }", "proc f0() { }", 1)
	if _, err := compile.Source("empty.deck", []byte(empty)); err == nil || !strings.Contains(err.Error(), "expand more than 262144 calls") {
		t.Fatalf("30 levels of empty calls: %v", err)
	}
}
