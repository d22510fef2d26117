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

// TestObjectParams: procedures that take mutexes, semaphores, channels
// and events, called (bound in place) and spawned (a copy per binding, an
// element's index as the value), agree with brute force with reduction on
// and off: dining philosophers who all take their left fork first
// deadlock, and with the last one taking the other fork first they do
// not; Downey's lightswitch keeps writers and readers apart.
func TestObjectParams(t *testing.T) {
	phil := func(fix bool) string {
		last := "spawn phil(fork[N - 1], fork[0])"
		if fix {
			last = "spawn phil(fork[0], fork[N - 1])"
		}
		return `
const N = 3
mutex fork[N]
var eaten = 0
proc take(a, b) { lock a; lock b }
proc put(a, b) { unlock b; unlock a }
proc phil(left, right) {
    take(left, right)
    atomic { eaten++ }
    put(left, right)
}
proc main() {
    let p[N]
    for i in 0..N - 1 { p[i] = spawn phil(fork[i], fork[i + 1]) }
    p[N - 1] = ` + last + `
    for i in 0..N { join p[i] }
    assert eaten == N
}
`
	}
	for _, fix := range []bool{false, true} {
		m := mustCompile(t, "phil.deck", phil(fix))
		rep := mustRun(t, m, Options{All: true})
		want := []string{"deadlock"}
		if fix {
			want = nil
		}
		if got := kinds(rep); !slices.Equal(got, want) {
			t.Fatalf("fix=%v: violations %v, want %v", fix, got, want)
		}
		compareBrute(t, "phil", rep, bruteForce(m, 1e6), true)
		compareBrute(t, "phil", mustRun(t, m, Options{All: true, NoPOR: true}), bruteForce(m, 1e6), false)
	}

	ls := mustCompile(t, "lightswitch.deck", `
mutex mr
mutex mw
sem room(1)
chan done(2)
event go
var readers = 0
var writers = 0
var inside = 0
var writing = 0
proc ls_lock(m, r, n) {
    lock m
    if n == 0 { readers++ } else { writers++ }
    if n == 0 && readers == 1 { acquire r }
    unlock m
}
proc ls_unlock(m, r, n) {
    lock m
    if n == 0 { readers-- } else { writers-- }
    if n == 0 && readers == 0 { release r }
    unlock m
}
proc reader(m, r, out, start) {
    wait start
    ls_lock(m, r, 0)
    atomic { inside++ }
    assert writing == 0, "read while writing"
    atomic { inside-- }
    ls_unlock(m, r, 0)
    send out, 1
}
proc writer(r, start) {
    wait start
    acquire r
    writing = 1
    assert inside == 0, "wrote while reading"
    writing = 0
    release r
}
proc main() {
    let a = spawn reader(mr, room, done, go)
    let b = spawn reader(mr, room, done, go)
    let w = spawn writer(room, go)
    notify go
    let x = recv done
    let y = recv done
    join a; join b; join w
}
`)
	rep := mustRun(t, ls, Options{All: true})
	if rep.Verdict != VerdictOK {
		t.Fatalf("lightswitch: verdict %s (%v), want ok", rep.Verdict, violationKeys(rep))
	}
	compareBrute(t, "lightswitch", rep, bruteForce(ls, 1e6), true)
	compareBrute(t, "lightswitch", mustRun(t, ls, Options{All: true, NoPOR: true}), bruteForce(ls, 1e6), false)

	two := mustCompile(t, "two.deck", `
mutex m1
mutex m2
var x = 0
proc bump(m) { lock m; x++; unlock m }
proc main() {
    let a = spawn bump(m1)
    let b = spawn bump(m2)
    let c = spawn bump(m1)
    join a; join b; join c
}
`)
	rep = mustRun(t, two, Options{All: true})
	// a and c share m1; b holds m2, which excludes neither: b can lose both updates.
	if got, want := outcomeKeys(rep), []string{"x=1", "x=2", "x=3"}; !slices.Equal(got, want) {
		t.Errorf("two mutexes: outcomes %q, want %q", got, want)
	}
	compareBrute(t, "two", rep, bruteForce(two, 1e6), true)
	compareBrute(t, "two", mustRun(t, two, Options{All: true, NoPOR: true}), bruteForce(two, 1e6), false)
}

// TestSharedHandles: a shared array declared without a value takes its
// type from the first store: main spawns workers into it and another stack
// joins them; the checker agrees with brute force, reduction on and off.
func TestSharedHandles(t *testing.T) {
	m := mustCompile(t, "shared.deck", `
const N = 2
var w[N]
var x = 0
proc worker(i) { x = x + i; return i + 1 } // x races: 0 or 1
proc joiner() {
    let s = 0
    for i in 0..N {
        let r = join w[i]
        s = s + r
    }
    return s
}
proc main() {
    for i in 0..N { w[i] = spawn worker(i) }
    let j = spawn joiner()
    let s = join j
    assert s == 3
}
`)
	rep := mustRun(t, m, Options{All: true})
	if rep.Verdict != VerdictOK {
		t.Fatalf("verdict %s (%v), want ok", rep.Verdict, violationKeys(rep))
	}
	if got, want := outcomeKeys(rep), []string{"w=[1,2] x=0", "w=[1,2] x=1"}; !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
	compareBrute(t, "shared", rep, bruteForce(m, 1e6), true)
	compareBrute(t, "shared", mustRun(t, m, Options{All: true, NoPOR: true}), bruteForce(m, 1e6), false)
}
