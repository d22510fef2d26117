package check

import "testing"

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
// search, and nothing is lost (the verdict and outcome are those of the
// search without reduction).
func TestOwnedArrayReduces(t *testing.T) {
	src := `
const N = 3
mutex fork[N]
var meals[N]

proc philosopher(i, first, second) {
    for r in 0..2 {
        lock fork[first]
        lock fork[second]
        meals[i]++
        unlock fork[second]
        unlock fork[first]
    }
}

proc main() {
    let a = spawn philosopher(0, 0, 1)
    let b = spawn philosopher(1, 1, 2)
    let c = spawn philosopher(2, 0, 2)
}
`
	m := mustCompile(t, "phil.deck", src)
	withOwned := mustRun(t, m, Options{Workers: 1})
	full := mustRun(t, m, Options{Workers: 1, NoPOR: true})
	if withOwned.Verdict != VerdictOK || full.Verdict != VerdictOK || len(withOwned.Outcomes) != 1 || withOwned.Outcomes[0].Key != full.Outcomes[0].Key {
		t.Fatalf("with reduction %s %v, without %s %v", withOwned.Verdict, outcomeKeys(withOwned), full.Verdict, outcomeKeys(full))
	}
	// Without the analysis, meals[i]++ is a visible card of its own.
	noOwnedArrays = true
	without := mustRun(t, m, Options{Workers: 1})
	noOwnedArrays = false
	if without.Outcomes[0].Key != full.Outcomes[0].Key || withOwned.States >= without.States {
		t.Errorf("%d states with the owned array, %d without it (outcomes %v, %v)", withOwned.States, without.States,
			outcomeKeys(withOwned), outcomeKeys(without))
	}
	t.Logf("states: %d with the owned array, %d without it, %d without reduction", withOwned.States, without.States, full.States)
}
