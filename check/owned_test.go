package check

import (
	"os"
	"slices"
	"testing"
)

// TestOwnedArrays: which arrays ownedArrays finds owned, and which not,
// with the reason in each case's name.
func TestOwnedArrays(t *testing.T) {
	const body = `
proc w(me) {
    meals[me] = meals[me] + 1
    let t = meals[me]
}
`
	cases := []struct {
		name, src string
		owned     bool
	}{
		{"distinct constants", `var meals[3]` + body + `
proc main() {
    spawn w(0)
    spawn w(2)
}`, true},
		{"the same constant twice", `var meals[3]` + body + `
proc main() {
    spawn w(1)
    spawn w(1)
}`, false},
		{"spawned in a loop", `var meals[3]` + body + `
proc main() {
    for k in 0..3 {
        spawn w(k)
    }
}`, true},
		{"a loop and a constant", `var meals[3]` + body + `
proc main() {
    for k in 0..2 {
        spawn w(k)
    }
    spawn w(2)
}`, true},
		{"a loop and a constant it also passes", `var meals[3]` + body + `
proc main() {
    for k in 0..2 {
        spawn w(k)
    }
    spawn w(1)
}`, false},
		{"two spawns an iteration", `var meals[3]` + body + `
proc main() {
    for k in 0..2 {
        spawn w(k)
        spawn w(k)
    }
}`, false},
		{"a loop in a loop", `var meals[3]` + body + `
proc main() {
    for r in 0..2 {
        for k in 0..3 {
            spawn w(k)
        }
    }
}`, false},
		{"a constant in a loop", `var meals[3]` + body + `
proc main() {
    for k in 0..3 {
        spawn w(1)
    }
}`, false},
		{"main reads an element", `var meals[3]` + body + `
proc main() {
    let h = spawn w(0)
    join h
    assert meals[0] == 1
}`, false},
		{"an invariant reads it", `var meals[3]
always meals[0] <= 1` + body + `
proc main() {
    spawn w(0)
    spawn w(1)
}`, false},
		{"spawned by another stack", `var meals[3]` + body + `
proc boss() {
    spawn w(0)
}
proc main() {
    spawn boss()
    spawn w(1)
}`, false},
		{"the parameter is assigned", `var meals[3]
proc w(me) {
    meals[me] = 1
    me = 2 - me
    meals[me] = 1
}
proc main() {
    spawn w(0)
    spawn w(2)
}`, false},
		{"indexed by another local", `var meals[3]
proc w(me) {
    let k = 2 - me
    meals[k] = 1
}
proc main() {
    spawn w(0)
    spawn w(2)
}`, false},
		{"indexed by an expression", `var meals[3]
proc w(me) {
    meals[me] = meals[(me + 1) % 3]
}
proc main() {
    spawn w(0)
    spawn w(1)
}`, false},
		{"two parameters index it", `var meals[3]
proc w(me, you) {
    meals[me] = 1
    meals[you] = 2
}
proc main() {
    spawn w(0, 1)
    spawn w(1, 2)
}`, false},
	}
	for _, cs := range cases {
		m := mustCompile(t, "owned.deck", cs.src)
		owned := ownedArrays(m.P, reachedCards(m.P))
		gi := -1
		for k, g := range m.P.Globals {
			if g.Name == "meals" {
				gi = k
			}
		}
		if owned[gi] != cs.owned {
			t.Errorf("%s: owned %v, want %v", cs.name, owned[gi], cs.owned)
		}
	}
}

// TestOwnedArrayReduces: the philosophers' meals[i]++ no longer splits the
// search, and nothing is lost (the verdict and the outcome are those of the
// search that does not know the array is owned).
func TestOwnedArrayReduces(t *testing.T) {
	src, err := os.ReadFile("../bench/models/phil_n3_r10.deck")
	if err != nil {
		t.Fatal(err)
	}
	m := mustCompile(t, "phil.deck", string(src))
	withOwned := mustRun(t, m, Options{Workers: 1})
	noOwnedArrays = true
	without := mustRun(t, m, Options{Workers: 1})
	noOwnedArrays = false
	if withOwned.Verdict != VerdictOK || without.Verdict != VerdictOK || !slices.Equal(outcomeKeys(withOwned), outcomeKeys(without)) ||
		withOwned.States >= without.States {
		t.Errorf("with the owned array %s, %d states, outcomes %v; without it %s, %d states, outcomes %v",
			withOwned.Verdict, withOwned.States, outcomeKeys(withOwned), without.Verdict, without.States, outcomeKeys(without))
	}
	t.Logf("states: %d with the owned array, %d without it", withOwned.States, without.States)
}
