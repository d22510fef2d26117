package check

import (
	"slices"
	"testing"
)

// TestLocalArraysForkJoin: N stacks spawned in one loop into a local array
// of handles and joined in another; each worker keeps a local array of its
// own and indexes it at run time. The checker agrees with brute force with
// reduction on and off, and an index out of range is a runtime error.
func TestLocalArraysForkJoin(t *testing.T) {
	src := `
const N = 3
var total = 0
mutex m
proc worker(i) {
    let seen[2] = 0
    seen[i % 2] = i + 1
    lock m
    total = total + seen[0] + seen[1]
    unlock m
    return i * 10
}
proc main() {
    let w[N]
    for i in 0..N { w[i] = spawn worker(i) }
    let sum = 0
    for i in 0..N {
        let r = join w[i]
        sum = sum + r
    }
    assert sum == 30
    assert total == 6
}
`
	m := mustCompile(t, "forkjoin.deck", src)
	rep := mustRun(t, m, Options{All: true})
	if rep.Verdict != VerdictOK {
		t.Fatalf("verdict %s (%v), want ok", rep.Verdict, violationKeys(rep))
	}
	if got, want := outcomeKeys(rep), []string{"total=6"}; !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
	compareBrute(t, "forkjoin", rep, bruteForce(m, 1e6), true)
	compareBrute(t, "forkjoin", mustRun(t, m, Options{All: true, NoPOR: true}), bruteForce(m, 1e6), false)

	bad := mustCompile(t, "bad.deck", `
var x = 0
proc w(i) {
    let a[2] = 0
    a[i] = 1
    x = a[0]
}
proc main() {
    let h = spawn w(0)
    let g = spawn w(2)
    join h
    join g
}
`)
	rep = mustRun(t, bad, Options{All: true})
	if got := kinds(rep); !slices.Equal(got, []string{"error"}) {
		t.Fatalf("violations %v, want one runtime error", got)
	}
	compareBrute(t, "bad", rep, bruteForce(bad, 1e6), true)
	compareBrute(t, "bad", mustRun(t, bad, Options{All: true, NoPOR: true}), bruteForce(bad, 1e6), false)
}
