package compile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/syntax"
)

// TestCondCards pins how wait, signal, broadcast and release s, n are cut
// into cards.
func TestCondCards(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "op label" of main's cards, in order
	}{
		{"wait is three cards", "mutex m\ncond c\nproc main() {\n    lock m\n    wait c, m\n    unlock m\n}",
			[]string{"lock lock m", "condwait wait c, m (unlock m, sleep)", "condsleep asleep on c (until signalled)",
				"lock lock m (woken from c)", "unlock unlock m", "return return"}},
		{"arrays of both", "mutex m[2]\ncond c[2]\nproc main() {\n    let i = 1\n    lock m[i]\n    wait c[i], m[i]\n    unlock m[i]\n}",
			[]string{"local let i = 1", "lock lock m[i]", "condwait wait c[i], m[i] (unlock m[i], sleep)", "condsleep asleep on c[i] (until signalled)",
				"lock lock m[i] (woken from c[i])", "unlock unlock m[i]", "return return"}},
		{"signal and broadcast", "cond c\nproc main() {\n    signal c\n    broadcast c\n}",
			[]string{"signal signal c", "broadcast broadcast c", "return return"}},
		{"release n is one card", "sem s\nproc main() {\n    let n = 3\n    release s, n + 1\n}",
			[]string{"local let n = 3", "release release s, n + 1", "return return"}},
		{"a shared count is read first", "sem s\nvar k = 2\nproc main() {\n    release s, k\n}",
			[]string{"local t1 = k", "release release s, t1", "return return"}},
		{"release n inside atomic", "sem s\nvar k = 2\nproc main() {\n    atomic { release s, k }\n}",
			[]string{"atomic atomic", "return return"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compile.Source("t.deck", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			main := &p.Procs[p.Main]
			for pc := main.Entry; pc < int32(len(p.Cards)) && p.Cards[pc].Proc == p.Main; pc++ {
				if p.Cards[pc].Op == card.Done || p.Numbers[pc] != "" && strings.Contains(p.Numbers[pc], ".") {
					continue
				}
				got = append(got, p.Cards[pc].Op.String()+" "+p.Labels[pc])
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("cards:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCondAccesses checks what the new cards touch: the wait writes the
// cond and the mutex, a signal the cond, a sleeping stack nothing.
func TestCondAccesses(t *testing.T) {
	p, err := compile.Source("t.deck", []byte("mutex m\ncond c[2]\nproc main() {\n    lock m\n    wait c[1], m\n    signal c[0]\n    unlock m\n}"))
	if err != nil {
		t.Fatal(err)
	}
	for pc := range p.Cards {
		c := &p.Cards[pc]
		var want []card.Access
		switch c.Op {
		case card.CondWait:
			want = []card.Access{{Global: 1, Elem: 1, Write: true}, {Global: 0, Elem: 0, Write: true}}
		case card.Signal:
			want = []card.Access{{Global: 1, Elem: 0, Write: true}}
		case card.CondSleep:
		default:
			continue
		}
		if got := p.Accesses[pc]; len(got) != len(want) || len(want) > 0 && (got[0] != want[0] || len(want) > 1 && got[1] != want[1]) {
			t.Errorf("%s: accesses %+v, want %+v", p.Labels[pc], got, want)
		}
	}
}

func TestObserve(t *testing.T) {
	p, err := compile.Source("t.deck", []byte("var a = 0\nvar b = 0\nvar c[2]\nobserve c, a\nproc main() { }"))
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]bool{}
	for _, g := range p.Globals {
		hidden[g.Name] = g.Hidden
	}
	if hidden["a"] || !hidden["b"] || hidden["c"] {
		t.Errorf("hidden %v, want only b", hidden)
	}
	p, err = compile.Source("t.deck", []byte("var a = 0\nproc main() { }"))
	if err != nil || p.Globals[0].Hidden {
		t.Errorf("without observe every variable counts: %v %+v", err, p.Globals)
	}
}

func TestCondErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col: message substring", in order
	}{
		{"wait on a cond without mutex", "cond c\nproc main() {\n    wait c\n}", []string{"3:10: wait on the cond c needs the mutex it guards: wait c, m"}},
		{"wait on a mutex", "mutex m\nproc main() {\n    wait m, m\n}", []string{"3:10: m is a shared mutex, not a cond"}},
		{"wait on a variable", "var x = 0\nmutex m\nproc main() {\n    wait x, m\n}", []string{"4:10: x is a shared var, not a cond"}},
		{"wait with a var for the mutex", "var x = 0\ncond c\nproc main() {\n    wait c, x\n}", []string{"4:13: x is a shared var, not a mutex"}},
		{"wait with a cond for the mutex", "cond c\ncond d\nproc main() {\n    wait c, d\n}", []string{"4:13: d is a shared cond, not a mutex"}},
		{"wait on an event with a mutex", "event e\nmutex m\nproc main() {\n    wait e, m\n}", []string{"4:10: e is a shared event, not a cond"}},
		{"wait on an undefined name", "mutex m\nproc main() {\n    wait nope, m\n}", []string{"3:10: undefined: nope"}},
		{"wait inside atomic", "cond c\nmutex m\nproc main() {\n    atomic { wait c, m }\n}", []string{"4:14: wait may block, so it cannot be inside atomic"}},
		{"signal a mutex", "mutex m\nproc main() {\n    signal m\n}", []string{"3:12: m is a shared mutex, not a cond"}},
		{"broadcast an event", "event e\nproc main() {\n    broadcast e\n}", []string{"3:15: e is a shared event, not a cond"}},
		{"signal a local", "proc main() {\n    let c = 1\n    signal c\n}", []string{"3:12: c is a local variable, not a shared cond"}},
		{"cond array without index", "cond c[2]\nproc main() {\n    signal c\n}", []string{"3:12: c is an array of cond: name one element"}},
		{"cond with an argument", "cond c(1)\nproc main() { }", []string{"1:7: expected end of declaration"}},
		{"cond as a value", "cond c\nproc main() {\n    let v = c\n}", []string{"3:13: c is a cond, not a value"}},
		{"release a bool count", "sem s\nproc main() {\n    release s, true\n}", []string{"3:16: release s, n needs an int count, not a bool"}},
		{"release n of a mutex", "mutex m\nproc main() {\n    release m, 2\n}", []string{"3:13: m is a shared mutex, not a sem: a mutex is taken with lock m and given back with unlock m"}},
		// Textbooks write a semaphore's operations as wait and signal.
		{"wait on a sem", "sem s(1)\nproc main() {\n    wait s\n}", []string{"3:10: s is a shared sem, not an event: a semaphore is taken with acquire s and given back with release s"}},
		{"signal a sem", "sem s(1)\nproc main() {\n    signal s\n}", []string{"3:12: s is a shared sem, not a cond: a semaphore is taken with acquire s and given back with release s"}},
		{"lock a sem", "sem s(1)\nproc main() {\n    lock s\n}", []string{"3:10: s is a shared sem, not a mutex: a semaphore is taken with acquire s"}},
		{"signal an event", "event e\nproc main() {\n    signal e\n}", []string{"3:12: e is a shared event, not a cond: an event is set with notify e"}},
		{"observe an unknown name", "var x = 0\nobserve y\nproc main() { }", []string{"2:9: observe: there is no shared variable y"}},
		{"observe a mutex", "mutex m\nobserve m\nproc main() { }", []string{"2:9: observe: m is a shared mutex, not a shared variable"}},
		{"observe a procedure", "observe main\nproc main() { }", []string{"1:9: observe: main is a procedure, not a shared variable"}},
		{"observe a constant", "const N = 1\nobserve N\nproc main() { }", []string{"2:9: observe: N is a constant, not a shared variable"}},
		{"observe twice", "var x = 0\nvar y = 0\nobserve x, y\nobserve x\nproc main() { }", []string{"4:9: x is already observed at 3:9"}},
		{"observe inside a procedure", "var x = 0\nproc main() {\n    observe x\n}", []string{"3:5: unexpected 'observe' inside a procedure"}},
		{"observe nothing", "observe\nproc main() { }", []string{"2:1: expected variable name after observe"}},
		{"cond is a reserved word", "var cond = 1\nproc main() { }", []string{"1:5: expected variable name after var, found 'cond' (a reserved word)"}},
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
				got := list[k].Pos.String() + ": " + list[k].Msg
				if !strings.Contains(got, want) {
					t.Errorf("error %d: got %q, want %q", k, got, want)
				}
			}
		})
	}
}
