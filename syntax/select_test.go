package syntax

import (
	"strings"
	"testing"
)

func TestParseSelect(t *testing.T) {
	src := `proc main() {
    select {
    case v = recv c[0]:
        print v
    case recv c[1]:
    case send d, 3 + 1:
        print "sent"; x++
    case timeout:
    }
}`
	f, errs := Parse("t.deck", []byte(src))
	if errs != nil {
		t.Fatal(errs)
	}
	want := `(proc main () {(select (case (= v (recv (index c 0))) {(print v)}) (case (recv (index c 1)) {}) (case (send d (+ 3 1)) {(print "sent") (++ x)}) (case timeout {}))})`
	if got := Dump(f); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestParseSelectOneLine: a statement ends before 'case' as before '}',
// so a select fits on one line, as the contract writes it.
func TestParseSelectOneLine(t *testing.T) {
	f, errs := Parse("t.deck", []byte("proc main() { select { case v = recv c: n = v; print v case send d, 1: n = 2 case timeout: n = 0 } }"))
	if errs != nil {
		t.Fatal(errs)
	}
	want := `(proc main () {(select (case (= v (recv c)) {(= n v) (print v)}) (case (send d 1) {(= n 2)}) (case timeout {(= n 0)}))})`
	if got := Dump(f); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A bare return ends before a case too.
	if _, errs := Parse("t.deck", []byte("proc main() { select { case recv c: return case timeout: n = 1 } }")); errs != nil {
		t.Errorf("a return before a case: %v", errs)
	}
	// Outside a select, a 'case' after a statement is an error where it stands.
	if _, errs := Parse("t.deck", []byte("proc main() {\n    x = 1 case\n}")); errs == nil || !strings.Contains(errs.Error(), "t.deck:2:11: unexpected 'case'") {
		t.Errorf("a case after a statement outside select: %v", errs)
	}
}

func TestParseSelectErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"proc main() {\n    select\n}", "t.deck:3:1: expected '{' after select, found '}'"},
		{"proc main() {\n    select {\n    print 1\n    }\n}", "t.deck:3:5: expected 'case' in select, found 'print'"},
		{"proc main() {\n    select {\n    case wait e:\n    case timeout:\n    }\n}", "t.deck:3:10: expected recv, send or timeout after case, found 'wait'"},
		{"proc main() {\n    select {\n    case v = 3:\n    }\n}", "t.deck:3:14: expected recv after 'v =' in a case"},
		{"proc main() {\n    select {\n    case timeout\n    }\n}", "t.deck:3:17: expected ':' after the case"},
		{"proc main() {\n    select {\n    case recv c:\n", "t.deck:4:1: expected '}' to close the select"},
	} {
		_, errs := Parse("t.deck", []byte(tc.src))
		if errs == nil || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%q: errors %v, want %q", tc.src, errs, tc.want)
		}
	}
}
