package deck_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deck-lang/deck"
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/syntax"
	"github.com/deck-lang/deck/vm"
)

// FuzzPrograms feeds arbitrary source through every stage: whatever
// compiles is listed (deck cards), dealt (with the card-by-card record, which evaluates each
// card's reads once more) and checked within small limits. Errors are
// fine; a panic anywhere is the failure this target looks for. The seeds
// are the examples.
func FuzzPrograms(f *testing.F) {
	files, _ := filepath.Glob("examples/*.deck")
	for k, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src, "", uint8(0))
			f.Add(src, "main=A", uint8(k))
		}
	}
	f.Add([]byte("var x = 0\nproc w() { x = 1 }\nproc main() {\n    let h = spawn w()\n    join h\n}\n"), "w=B", uint8(0x1b))
	for _, src := range cardsSeeds[len(cardsSeeds)-4:] {
		f.Add([]byte(src), "", uint8(0))
	}
	for _, src := range guardedSeeds {
		f.Add([]byte(src), "", uint8(0))
		f.Add([]byte(src), "w=B", uint8(0x1b))
	}
	for _, src := range arraySeeds {
		f.Add([]byte(src), "", uint8(0))
		f.Add([]byte(src), "w=B", uint8(0x1b))
	}
	for _, src := range propertySeeds {
		f.Add([]byte(src), "", uint8(0))
		f.Add([]byte(src), "w=B", uint8(0x1b))
	}
	for _, src := range selectSeeds {
		f.Add([]byte(src), "", uint8(0))
		f.Add([]byte(src), "w=B", uint8(0x1b))
		f.Add([]byte(src), "w=B", uint8(1))
	}
	f.Fuzz(func(t *testing.T, src []byte, place string, net uint8) {
		p, err := deck.Compile("fuzz.deck", src)
		if err != nil {
			return
		}
		// A placement and a network mode too: the proc=NODE text may be
		// anything, and the bits of net pick the mode and the faults.
		if pairs, err := compile.ParsePlacement(place); err == nil {
			placed, err := deck.Place(p, pairs, card.NetMode(net&7))
			if err != nil {
				return
			}
			var crash []string
			if net&8 != 0 && placed.Net != nil {
				crash = placed.Net.Nodes[len(placed.Net.Nodes)-1:]
			}
			if err := compile.Faults(placed, crash, int(net>>4&1)); err != nil && placed.Net != nil {
				t.Fatalf("faults on a placed program: %v", err)
			}
			p = placed
		}
		compile.Disassemble(io.Discard, p)
		res, err := deck.Run(p, deal.Options{Dealer: deal.Random, CPUs: 2, Quantum: 2, Seed: 1, MaxTicks: 2000, Steps: true, MaxSteps: 500})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		m := vm.New(p)
		_ = m.Outcome(res.Final)
		if _, err := deck.Check(p, check.Options{Workers: 1, MaxStates: 3000, MaxMemory: 64 << 20,
			CheckProgress: true, Fairness: check.Fairness(net >> 5 % 3), MaxProgressStates: 3000}); err != nil {
			t.Fatalf("check: %v", err)
		}
	})
}

// cardsSeeds are shapes deck cards once failed on (issue 9): branches as
// the last statement of an atomic body, and a long label.
var cardsSeeds = []string{
	"var x = 0\nproc main() {\n    atomic { if x == 3 { x = 0 } }\n}\n",
	"var x = 0\nproc main() {\n    atomic { while x < 3 { x++ } }\n    x = 5\n}\n",
	"var f[2]\nproc main() {\n    let ok = false\n    atomic { for j in 0..2 { if f[j] == 1 { ok = true } } }\n}\n",
	"var x = 0\nproc main() {\n    atomic { await x == 0; if x > 1 { x = 1 } else { x = 2 } }\n}\n",
	"var x = 0\nvar y = 0\nproc main() {\n    x = y + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1\n}\n",
	"proc main() {\n    let a\x1b[31m = 1\x07 + \xff\n}\n",
	// condition variables, release s, n and observe, and their bad forms
	"mutex m\ncond c\nvar r = false\nproc w() {\n    lock m\n    while !r { wait c, m }\n    unlock m\n}\nproc main() {\n    let h = spawn w()\n    lock m\n    r = true\n    signal c\n    unlock m\n    join h\n}\n",
	"mutex m[2]\ncond c[2]\nproc main() {\n    lock m[1]\n    broadcast c[0]\n    wait c[1], m[0]\n}\n",
	"sem s\nvar n = 2\nobserve n\nproc main() {\n    release s, n\n    release s, -1\n}\n",
	"cond c\nobserve c, c\nproc main() {\n    wait c\n    signal\n    release c, true\n}\n",
}

// FuzzCards is the fast half of FuzzPrograms: it compiles arbitrary
// source and lists whatever compiles the way deck cards does, and formats
// the errors of whatever does not, with their snippets. A panic is the
// failure it looks for.
func FuzzCards(f *testing.F) {
	files, _ := filepath.Glob("examples/*.deck")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	for _, src := range cardsSeeds {
		f.Add([]byte(src))
	}
	for _, src := range guardedSeeds {
		f.Add([]byte(src))
	}
	for _, src := range propertySeeds {
		f.Add([]byte(src))
	}
	for _, src := range selectSeeds {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := deck.Compile("fuzz.deck", src)
		if err != nil {
			out := syntax.Format(err, src)
			if strings.ContainsAny(out, "\x1b\x07\x00") {
				t.Fatalf("a snippet holds a control character:\n%q", out)
			}
			return
		}
		compile.Disassemble(io.Discard, p)
	})
}

// guardedSeeds are guarded choices: guards read by another node's stack,
// a guard that divides by zero, an await in the middle of a branch, a
// guard that is not a bool, no guard that can hold.
var guardedSeeds = []string{
	"var x = 0\nvar y = 0\nproc w() { x = 1 }\nproc main() {\n    let h = spawn w()\n    either {\n        await x == 1\n        y = 1\n    } or {\n        await 1 / x == 1\n    } or {\n        y = 2\n        await x == 1\n    }\n    join h\n}\n",
	"var x = 0\nproc main() {\n    either {\n        await x\n    } or { }\n}\n",
	"var x = 0\nproc main() {\n    either {\n        await x == 5\n    } or {\n        await x == 6\n    }\n}\n",
}

// selectSeeds are selects: on channels of the select's own node (a remote
// rendezvous sender, a buffered one) and of another node (refused at
// placement), a timeout, an index out of range, and the bad forms: no
// case, two timeouts, a case that is not recv, send or timeout, a send on
// a rendezvous channel, an unclosed select.
// propertySeeds have eventually and leadsto declarations, daemons and
// loops that never end.
var propertySeeds = []string{
	"var x = 0\nvar a[2] = 0\neventually x == 2\nx == 1 leadsto a[x] == 0\nproc w() { x = x + 1 }\nproc main() {\n    let h = spawn w()\n    x = x + 1\n    join h\n}\n",
	"var req = false\nvar ans = false\nreq leadsto ans\ndaemon proc w() {\n    while true {\n        await req\n        ans = true\n        req = false\n    }\n}\nproc main() {\n    spawn w()\n    req = true\n}\n",
	"chan c(1)\nvar got = false\neventually got\nproc w() { send c, 7 }\nproc main() {\n    spawn w()\n    while !got {\n        select {\n        case v = recv c:\n            got = true\n        case timeout:\n        }\n    }\n}\n",
}

var selectSeeds = []string{
	"chan c\nchan d(1)\nvar got = 0\nproc main() {\n    let h = spawn w()\n    send c, 1\n    send d, 2\n    join h\n}\nproc w() {\n    for i in 0..2 {\n        select {\n        case v = recv c:\n            got = got + v\n        case recv d:\n        case timeout:\n        }\n    }\n}\n",
	"chan c(1)\nproc w() { let v = recv c }\nproc main() {\n    let h = spawn w()\n    select {\n    case send c, 1:\n    case timeout:\n    }\n    join h\n}\n",
	"chan a[2](1)\nproc main() {\n    let i = 2\n    select {\n    case recv a[i]:\n    case send a[i - 2], i:\n    }\n}\n",
	"proc main() {\n    select {\n    }\n}\n",
	"chan c(1)\nproc main() {\n    select {\n    case timeout:\n    case timeout:\n    }\n}\n",
	"chan c(1)\nproc main() {\n    select {\n    case lock c:\n    case v = 3:\n    case recv c\n    }\n}\n",
	"chan c\nproc main() {\n    select {\n    case send c, 1:\n    }\n}\n",
	"chan c(1)\nproc main() {\n    select {\n    case recv c:\n",
}

// arraySeeds are local arrays and objects as parameters: handles in an
// array (spawned on another node with w=B), an index out of range, an
// array without a value read first, a mutex, an element of a mutex array,
// a channel and an event passed to called and spawned procedures, the
// wrong kind, an int where a mutex is used, and a cut-off declaration.
var arraySeeds = []string{
	"const N = 3\nproc w(i) { let a[N] = 0\n a[i] = i\n return a[i] }\nproc main() {\n    let h[N]\n    for i in 0..N { h[i] = spawn w(i) }\n    for i in 0..N { join h[i] }\n}\n",
	"proc main() {\n    let a[2] = 1\n    let i = 2\n    a[i] += 1\n}\n",
	"proc main() {\n    let w[2]\n    let v = w[0]\n    w[1] = 3\n}\n",
	"mutex m\nmutex f[2]\nchan c(1)\nevent e\nproc w(a, b, ch, ev) { lock a; lock b; send ch, 1; notify ev; unlock b; unlock a }\nproc main() {\n    let i = 1\n    let h = spawn w(m, f[i], c, e)\n    w(m, f[0], c, e)\n    wait e\n    join h\n}\n",
	"mutex m\nsem s(1)\nproc f(a) { lock a }\nproc main() { f(m)\n f(s)\n spawn f(s)\n f(1) }\n",
	"proc main() {\n    let a[",
}
