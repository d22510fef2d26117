package compile_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// TestGuardedEitherCards: a branch that begins with await is guarded by it
// (one card with the choice, the await gone); an await later in a branch
// stays a card; the either's guards are its shared reads.
func TestGuardedEitherCards(t *testing.T) {
	p := mustCompile(t, `
var x = 0
var y = 0
proc main() {
    either {
        await x == 1
        y = 1
    } or {
        y = 2
        await x == 2
    }
}
`)
	got := cardLines(t, p, "main")
	want := []string{"1 either (await x == 1 | always)", "2 y = 1", "3 y = 2", "4 await x == 2", "5 return"}
	if !slices.Equal(got, want) {
		t.Fatalf("cards\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	pc := p.Procs[procIndex(t, p, "main")].Entry
	if !card.Guarded(p, pc) || !card.SyncCard(p, pc) {
		t.Fatal("the either is not guarded")
	}
	if acc := p.Accesses[pc]; len(acc) != 1 || p.Globals[acc[0].Global].Name != "x" || acc[0].Write {
		t.Fatalf("accesses %+v, want a read of x", acc)
	}
}

func TestGuardedEitherErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"var x = 0\nproc main() {\n    either {\n        await x\n    } or { }\n}", "t.deck:4:15: await needs a bool condition"},
		{"proc main() {\n    either {\n        await z > 0\n    } or { }\n}", "t.deck:3:15: undefined: z"},
		{"var x = 0\nproc main() {\n    atomic {\n        either {\n            await x > 0\n        } or { }\n    }\n}", "t.deck:4:9: either chooses, so it cannot be inside atomic"},
	} {
		_, err := compile.Source("t.deck", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

// TestGuardedAtomicEitherCards: a branch whose first statement is
// `atomic { await G; rest }` is guarded by G, and the either card runs
// rest as an atomic body numbered under it (n.1, n.2, ...); the either's
// accesses are its guards' and every body's, sync objects and array
// elements included. An atomic block that holds only the await is a plain
// guard, and one that does not begin with await leaves the branch open.
func TestGuardedAtomicEitherCards(t *testing.T) {
	const decls = "var x = 0\nvar b[3]\nmutex m\nevent e\n"
	for _, tc := range []struct {
		name   string
		body   string   // main's body
		cards  []string // main's cards, numbered
		flow   string   // the either's flow column in deck cards
		bodies []int    // per branch: how many body cards (nil: none)
		access []string // the either's accesses: "x", "b[1]" read, "w b[1]" write
		sync   bool
	}{
		{"mixed: await, guarded atomic, unguarded",
			"either {\n await x == 1\n x = 2\n} or {\n atomic { await b[1] == 0; b[1] = 2; x = 3 }\n x = 4\n} or {\n x = 5\n}",
			[]string{"1 either (await x == 1 | atomic await b[1] == 0 | always)", "1.1 b[1] = 2", "1.2 x = 3", "2 x = 2", "3 x = 4", "4 x = 5", "5 return"},
			"x == 1 → 2 | b[1] == 0 → 1.1 → 3 | → 4", []int{0, 2, 0},
			[]string{"x", "b[1]", "w b[1]", "w x"}, true},
		{"a body with sync objects and a local",
			"let k = 1\nlock m\neither {\n atomic { await b[k] == 0; b[k] = 1; k = k + 1; unlock m; notify e }\n} or {\n atomic { await x > 0; x = 0; unlock m }\n}",
			[]string{"1 let k = 1", "2 lock m", "3 either (atomic await b[k] == 0 | atomic await x > 0)", "3.1 b[k] = 1", "3.2 k = k + 1", "3.3 unlock m", "3.4 notify e", "3.5 x = 0", "3.6 unlock m", "4 return"},
			"b[k] == 0 → 3.1 → 4 | x > 0 → 3.5 → 4", []int{4, 2},
			[]string{"b[?]", "x", "w b[?]", "w m", "w e", "w x"}, true},
		{"a local guard whose body writes shared state",
			"let k = 0\neither {\n atomic { await k == 0; x = 1 }\n} or {\n atomic { await k == 1 }\n}",
			[]string{"1 let k = 0", "2 either (atomic await k == 0 | atomic await k == 1)", "2.1 x = 1", "3 return"},
			"k == 0 → 2.1 → 3 | k == 1 → 3", []int{1, 0},
			[]string{"w x"}, true},
		{"an atomic with only its await is a plain guard",
			"either {\n atomic { await x > 0 }\n x = 1\n} or {\n await x == 0\n}",
			[]string{"1 either (atomic await x > 0 | await x == 0)", "2 x = 1", "3 return"},
			"x > 0 → 2 | x == 0 → 3", nil,
			[]string{"x"}, true},
		{"an atomic without a first await leaves the branch open",
			"either {\n atomic { x = 1; b[0] = 1 }\n} or {\n x = 2\n}",
			[]string{"1 either (2 ways)", "2 atomic", "2.1 x = 1", "2.2 b[0] = 1", "3 x = 2", "4 return"},
			"→ 2 | → 3", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := decls + "proc main() {\n" + tc.body + "\n}\n"
			p, err := compile.Source("t.deck", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if got := cardLines(t, p, "main"); !slices.Equal(got, tc.cards) {
				t.Fatalf("cards\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.cards, "\n"))
			}
			pc := int32(-1)
			for q := range p.Cards {
				if p.Cards[q].Op == card.Either {
					pc = int32(q)
				}
			}
			c := &p.Cards[pc]
			bs := card.EitherBodies(p, c.A)
			if (bs != nil) != (tc.bodies != nil) || card.HasBodies(p, pc) != (tc.bodies != nil) {
				t.Fatalf("bodies %v, want %v", bs, tc.bodies)
			}
			for k, n := range tc.bodies {
				got := 0
				if bs[k] >= 0 {
					got = len(card.BodyFrom(p, bs[k]))
				}
				if got != n {
					t.Errorf("branch %d: %d body cards, want %d", k, got, n)
				}
			}
			if card.SyncCard(p, pc) != tc.sync {
				t.Errorf("sync card: %v, want %v", card.SyncCard(p, pc), tc.sync)
			}
			var acc []string
			for _, a := range p.Accesses[pc] {
				s := p.Globals[a.Global].Name
				if p.Globals[a.Global].Len > 0 {
					if a.Elem < 0 {
						s += "[?]"
					} else {
						s += "[" + strconv.Itoa(int(a.Elem)) + "]"
					}
				}
				if a.Write {
					s = "w " + s
				}
				acc = append(acc, s)
			}
			if !slices.Equal(acc, tc.access) {
				t.Errorf("accesses %q, want %q", acc, tc.access)
			}
			var out strings.Builder
			compile.Disassemble(&out, p)
			if !strings.Contains(out.String(), tc.flow) {
				t.Errorf("deck cards has no %q:\n%s", tc.flow, out.String())
			}
		})
	}
}

// TestGuardedAtomicEitherErrors: the atomic body of a guarded branch
// follows the rules of any atomic block.
func TestGuardedAtomicEitherErrors(t *testing.T) {
	const decls = "var x = 0\nmutex m\nchan c(1)\n"
	for _, tc := range []struct{ body, want string }{
		{"either {\n atomic { await x; x = 1 }\n} or { }", "t.deck:6:17: await needs a bool condition"},
		{"either {\n atomic { await x > 0; lock m }\n} or { }", "t.deck:6:24: lock may block, so it cannot be inside atomic"},
		{"either {\n atomic { await x > 0; await x > 1 }\n} or { }", "t.deck:6:24: await inside atomic must be the block's first statement"},
		{"either {\n atomic { await x > 0; send c, 1 }\n} or { }", "t.deck:6:24: send may block, so it cannot be inside atomic"},
		{"either {\n atomic { await x > 0; either { x = 1 } or { x = 2 } }\n} or { }", "t.deck:6:24: either chooses, so it cannot be inside atomic"},
		{"either {\n atomic { await x > 0; return }\n} or { }", "t.deck:6:24: return cannot be inside atomic"},
		{"either {\n atomic { x = 1; await x > 0 }\n} or { }", "t.deck:6:18: await inside atomic must be the block's first statement"},
		{"either {\n atomic { await y > 0; x = 1 }\n} or { }", "t.deck:6:17: undefined: y"},
	} {
		src := decls + "proc main() {\n" + tc.body + "\n}\n"
		_, err := compile.Source("t.deck", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.body, err, tc.want)
		}
	}
}
