package compile_test

import (
	"slices"
	"strings"
	"testing"
)

// TestObjectParams: a call binds an object parameter at compile time (an
// element picked at run time gets a slot for its index); a spawn runs a
// copy of the procedure per distinct binding, named as the procedure.
func TestObjectParams(t *testing.T) {
	p := mustCompile(t, `mutex m1
mutex m2
mutex fork[3]
sem room(1)
var n = 0
proc enter(m, r) {
    lock m
    n++
    if n == 1 { acquire r }
    unlock m
}
proc bump(m) { lock m; unlock m }
proc phil(i, left) { bump(left) }
proc main() {
    enter(m1, room)
    let a = spawn bump(m1)
    let b = spawn bump(m2)
    let c = spawn bump(m1)
    for i in 0..3 { let h = spawn phil(i, fork[i]) }
    join a; join b; join c
}
`)
	got := cardLines(t, p, "main")
	want := []string{"1 lock m1", "2 t1 = n", "3 n = t1 + 1", "4 if n == 1", "5 acquire room", "6 unlock m1",
		"7 a = spawn bump(m1)", "8 b = spawn bump(m2)", "9 c = spawn bump(m1)", "10 i = 0", "11 for i < 3",
		"12 h = spawn phil(i, fork[i])", "13 i = i + 1", "14 join a", "15 join b", "16 join c", "17 return"}
	if !slices.Equal(got, want) {
		t.Errorf("main:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var bumps []string
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if p.Procs[c.Proc].Name == "bump" && p.Labels[pc] != "(finished)" && p.Labels[pc] != "return" {
			bumps = append(bumps, p.Labels[pc])
		}
	}
	// bump with m1 (a and c share one copy), bump with m2, and bump as phil
	// inlines it (fork[left] by the index in phil's slot).
	if want := []string{"lock m1", "unlock m1", "lock m2", "unlock m2"}; !slices.Equal(bumps, want) {
		t.Errorf("bump's cards %q, want %q", bumps, want)
	}
	if got := cardLines(t, p, "phil"); !slices.Equal(got, []string{"1 lock fork[left]", "2 unlock fork[left]", "3 return"}) {
		t.Errorf("phil: %q", got)
	}
	nb := 0
	for _, pr := range p.Procs {
		if pr.Name == "bump" {
			nb++
			if pr.Params[0] != "m = m1" && pr.Params[0] != "m = m2" {
				t.Errorf("bump's parameter shows as %q", pr.Params[0])
			}
		}
	}
	if nb != 2 {
		t.Errorf("%d copies of bump, want 2", nb)
	}
}

func TestObjectParamErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      string
	}{
		{"an int where a mutex is used", "proc f(m) { lock m }\nproc main() { f(1) }", "1:18: m is a local variable, not a shared mutex"},
		{"two kinds to one parameter", "mutex m\nsem s(1)\nproc f(a) { lock a }\nproc main() {\n    f(m)\n    f(s)\n}", "6:7: argument 1 of f is a sem here but a mutex at 5:5"},
		{"a sem spawned where a mutex is used", "sem s(1)\nproc f(a) { lock a }\nproc main() { spawn f(s) }", "2:18: a is a sem (s), not a mutex"},
		{"an int after a mutex", "mutex m\nproc f(a) { }\nproc main() {\n    f(m)\n    f(1)\n}", "5:7: argument 1 of f is an int here but a mutex at 4:5"},
		{"a mutex as a value", "mutex m\nproc f(a) { print a }\nproc main() { f(m) }", "2:19: a is a mutex, not a value"},
		{"assign to a bound parameter", "mutex m\nproc f(a) { a = 1 }\nproc main() { f(m) }", "2:13: cannot assign to a: it is a mutex"},
		{"an array where an element is used", "mutex m[2]\nproc f(a) { lock a }\nproc main() { f(m) }", "2:18: a is an array of mutex: name one element"},
		{"an element indexed", "mutex m[2]\nproc f(a) { lock a[1] }\nproc main() { f(m[0]) }", "2:18: a is one mutex (an element of m), not an array"},
		{"an element indexed, passed on", "mutex fork[3]\nproc take(f) { lock f[0] }\nproc pick(g) { take(g) }\nproc main() {\n    let i = 1\n    pick(fork[i])\n}", "2:21: f is one mutex (an element of fork), not an array"},
		{"a scalar indexed", "mutex m\nproc f(a) { lock a[1] }\nproc main() { f(m) }", "2:18: a is one mutex (m), not an array"},
		{"an array and an element", "chan c[2](1)\nproc f(a) { }\nproc main() {\n    f(c)\n    f(c[0])\n}", "5:7: argument 1 of f is a chan here but an array of chans at 4:5"},
		{"a bool index", "mutex m[2]\nproc f(a) { lock a }\nproc main() { f(m[true]) }", "3:19: an index must be an int, not a bool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := compileErrs(t, tt.src)
			if len(errs) == 0 || !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, tt.want) }) {
				t.Errorf("errors %q, want one starting %q", errs, tt.want)
			}
		})
	}
}
