package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deck-lang/deck/vm"
)

// undoProgram's stack p locks m (a move), folds x = x + 1 and the ample
// store a = 1 (nobody else touches a), then fails at y = 10 / (x - 1): the
// fold is undone back to before the store.
const undoProgram = `
var a = 0
mutex m

proc p() {
    let x = 0
    lock m
    x = x + 1
    a = 1
    let y = 10 / (x - 1)
    unlock m
}

proc main() {
    let h = spawn p()
    lock m
    unlock m
    join h
}
`

// TestFoldUndoLazySameAsCopy takes every move of every state reachable
// (up to a bound) in every example, in each configuration its header
// names, and in undoProgram twice: once with the
// state before the move at hand, so that a fold that must be undone is
// rebuilt from it (as expand and the hunt move), and once without, so that
// the fold copies the state at its first visible card (as a replay does).
// The two must leave the same state and result; and undoProgram must undo
// a fold at least once, or the test would not test the rebuilding.
func TestFoldUndoLazySameAsCopy(t *testing.T) {
	type prog struct {
		name string
		m    *vm.Machine
	}
	progs := []prog{{"undo.deck", mustCompile(t, "undo.deck", undoProgram)}}
	files, _ := filepath.Glob("../examples/*.deck")
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Every configuration the example's header names, placed ones too.
		for _, sec := range parseSections(t, path) {
			name := filepath.Base(path) + " " + sec.with
			progs = append(progs, prog{name, placedMachine(t, name, string(src), sec)})
		}
	}
	for _, pg := range progs {
		c, err := newChecker(pg.m, Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		undone := moveBothWays(t, c, pg.name, 3000)
		if pg.name == "undo.deck" && undone == 0 {
			t.Errorf("undo.deck: no fold was undone")
		}
	}
}

// moveBothWays walks the states of c's program breadth-first, up to limit,
// and compares the two ways of moving at each; it returns how many moves
// ended undone (the moving stack stands at a visible card the fold had
// taken).
func moveBothWays(t *testing.T, c *checker, name string, limit int) int {
	w := c.workers[0]
	init := c.m.InitHashed()
	seen := map[string]bool{fmt.Sprint(init.W): true}
	queue := []*vm.State{init}
	undone := 0
	for len(queue) > 0 && len(seen) < limit {
		s := queue[0]
		queue = queue[1:]
		mv := c.listMoves(w, s)
		en := slices.Clone(mv.en)
		for e := 0; e < len(en); e += 2 {
			i, k := int(en[e]), int(en[e+1])
			for ch := 0; ch < k; ch++ {
				lazy, eager := s.Clone(), s.Clone()
				rl, fl := w.move(lazy, i, ch, nil, false, s)
				re, fe := w.move(eager, i, ch, nil, false, nil)
				same := rl.Status == re.Status && rl.PC == re.PC && rl.Value == re.Value &&
					(rl.Fault == nil) == (re.Fault == nil) && (rl.Fault == nil || *rl.Fault == *re.Fault)
				if !same || fl != fe || !slices.Equal(lazy.W, eager.W) {
					t.Fatalf("%s: stack %d choice %d from %v: lazy %+v %v %v, copy %+v %v %v", name, i, ch, s.W, rl, fl, lazy.W, re, fe, eager.W)
				}
				if rl.Status != vm.OK || fl != 0 {
					continue
				}
				if c.visible[lazy.PC(i)] && c.foldable[lazy.PC(i)] {
					undone++
				}
				if key := fmt.Sprint(lazy.W); !seen[key] {
					seen[key] = true
					queue = append(queue, lazy)
				}
			}
		}
	}
	return undone
}
