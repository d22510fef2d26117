package compile_test

import (
	"slices"
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
