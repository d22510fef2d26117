package compile_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// TestSelectCards: a select is one sync card whose cases lead to their
// bodies; indices and sent values are lowered before it, so that its only
// shared accesses are its channels (as writes); a recv case may declare
// its local, which dies after its last use.
func TestSelectCards(t *testing.T) {
	p := mustCompile(t, `
chan a[2](1)
chan b(2)
var k = 1
proc main() {
    let n = 0
    select {
    case v = recv a[k]:
        print v
    case n = recv a[0]:
    case send b, k + 1:
        n = 1
    case timeout:
    }
    print n
}
`)
	got := cardLines(t, p, "main")
	want := []string{"1 let n = 0", "2 t1 = k", "3 t2 = k", "4 select (v = recv a[t1] | n = recv a[0] | send b, t2 + 1 | timeout)", "5 print v", "6 n = 1", "7 print n", "8 return"}
	if !slices.Equal(got, want) {
		t.Fatalf("cards\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	pc := p.Procs[procIndex(t, p, "main")].Entry + 3
	c := &p.Cards[pc]
	if c.Op != card.Select || !card.SyncCard(p, pc) {
		t.Fatalf("card 4 is %s, want a sync select", c.Op)
	}
	var names []string
	for _, a := range p.Accesses[pc] {
		if !a.Write {
			t.Errorf("access %+v is a read", a)
		}
		names = append(names, p.Globals[a.Global].Name)
	}
	if !slices.Equal(names, []string{"a", "a", "b"}) {
		t.Errorf("accesses %v, want a[t1], a[0], b", names)
	}
	cs := card.SelectCases(p, c)
	if len(cs) != 4 || cs[0].Kind != card.CaseRecv || cs[2].Kind != card.CaseSend || cs[3].Kind != card.CaseTimeout {
		t.Fatalf("cases %+v", cs)
	}
	// The empty cases go straight on to the print after the select.
	if cs[1].Target != pc+3 || cs[3].Target != pc+3 {
		t.Errorf("empty cases go to %d and %d, want %d", cs[1].Target, cs[3].Target, pc+3)
	}
	// v is dead after its print: the print's edge kills it.
	pr := &p.Cards[pc+1]
	if k := p.Kills[pr.KillNext]; !slices.Contains(k, cs[0].Dst) {
		t.Errorf("print v kills %v, want v (slot %d) among them", k, cs[0].Dst)
	}
}

// TestSelectIntoShared: a recv case may store into a shared variable, as
// `g = recv c` may outside a select: the select receives into a
// temporary, and the case's body begins with the store, a card of its own
// (the select's only shared accesses stay its channels).
func TestSelectIntoShared(t *testing.T) {
	p := mustCompile(t, `
chan c(1)
var g = 0
var h
proc main() {
    select {
    case g = recv c:
        print g
    case h = recv c:
    case timeout:
    }
}
`)
	got := cardLines(t, p, "main")
	want := []string{"1 select (t1 = recv c | t2 = recv c | timeout)", "2 g = t1", "3 print g", "4 h = t2", "5 return"}
	if !slices.Equal(got, want) {
		t.Fatalf("cards\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	entry := p.Procs[procIndex(t, p, "main")].Entry
	cs := card.SelectCases(p, &p.Cards[entry])
	if cs[0].Target != entry+1 || cs[1].Target != entry+3 || cs[2].Target != entry+4 {
		t.Errorf("cases go to %d, %d, %d; want the stores %d and %d, then the end %d", cs[0].Target, cs[1].Target, cs[2].Target, entry+1, entry+3, entry+4)
	}
	for _, g := range p.Globals {
		if g.Name == "h" && g.Type != card.TInt {
			t.Errorf("h is %s, want an int from the recv", g.Type)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"proc main() {\n    select {\n    }\n}", "t.deck:2:5: select needs at least one case"},
		{"chan c(1)\nproc main() {\n    select {\n    case timeout:\n    case recv c:\n    case timeout:\n    }\n}", "t.deck:6:5: select has a second timeout case (the first is at 4:5)"},
		{"chan c(1)\nproc main() {\n    select {\n    case lock c:\n    }\n}", "t.deck:4:10: expected recv, send or timeout after case, found 'lock'"},
		{"chan c(1)\nproc main() {\n    select {\n    case x + 1:\n    }\n}", "t.deck:4:10: expected recv, send or timeout after case, found identifier x"},
		{"chan c(1)\nproc main() {\n    select {\n    case recv c\n    }\n}", "t.deck:4:16: expected ':' after the case"},
		{"chan c(1)\nproc main() {\n    case recv c:\n}", "t.deck:3:5: unexpected 'case': a case belongs inside select"},
		{"chan c\nproc main() {\n    select {\n    case send c, 1:\n    }\n}", "t.deck:4:15: select cannot send on c: it is a rendezvous channel (capacity 0)"},
		{"chan c(1)\nmutex g\nproc main() {\n    select {\n    case g = recv c:\n    }\n}", "t.deck:5:10: a select receives into a variable, and g is a shared mutex"},
		{"chan c(1)\nvar g = false\nproc main() {\n    select {\n    case g = recv c:\n    }\n}", "t.deck:5:10: cannot receive into g: it holds a bool, and channels carry ints"},
		{"chan c(1)\nvar g[2]\nproc main() {\n    select {\n    case g = recv c:\n    }\n}", "t.deck:5:10: cannot receive into g: it is an array"},
		{"chan c(1)\nproc main() {\n    let b = true\n    select {\n    case b = recv c:\n    }\n}", "t.deck:5:10: cannot receive into b: it holds a bool"},
		{"chan c(1)\nproc main() {\n    select {\n    case send c, true:\n    }\n}", "t.deck:4:18: channels carry ints, not a bool"},
		{"mutex c\nproc main() {\n    select {\n    case recv c:\n    }\n}", "t.deck:4:15: c is a shared mutex, not a chan"},
		{"chan c(1)\nproc main() {\n    atomic {\n        select {\n        case recv c:\n        }\n    }\n}", "t.deck:4:9: select may block and chooses, so it cannot be inside atomic"},
		{"chan c(1)\nproc main() {\n    select {\n    case v = recv c:\n    }\n    print v\n}", "t.deck:6:11: undefined: v"},
	} {
		_, err := compile.Source("t.deck", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}
