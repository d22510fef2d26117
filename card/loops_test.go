package card_test

import (
	"testing"

	"github.com/deck-lang/deck/compile"
)

// TestPrintsInLoop: a print counts when its card can come back to itself
// (while and for loops, either branches and atomic blocks inside them),
// not when a loop runs before or after it.
func TestPrintsInLoop(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"while", "while x < 3 { print x; x = x + 1 }", true},
		{"for", "for i in 0..3 { print i }", true},
		{"either in a loop", "while true { either { print 1 } or { x = 1 } }", true},
		{"atomic in a loop", "while x < 3 { atomic { print x; x = x + 1 } }", true},
		{"if in a loop", "while x < 3 { if x == 1 { print x } ; x = x + 1 }", true},
		{"before a loop", "print x; while x < 3 { x = x + 1 }", false},
		{"after a loop", "while x < 3 { x = x + 1 }; print x", false},
		{"no loop", "print x; x = 1; print x", false},
		{"loop, no print", "while x < 3 { x = x + 1 }", false},
		{"a loop inside an atomic block", "atomic { while x < 3 { x = x + 1 } }", false},
		{"a loop with a print inside an atomic block", "atomic { while x < 3 { print x; x = x + 1 } }", true},
	} {
		src := "var x = 0\nproc main() {\n" + tc.body + "\n}\n"
		p, err := compile.Source("l.deck", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := p.PrintsInLoop(); got != tc.want {
			t.Errorf("%s: PrintsInLoop() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPostsInLoop: a placed program's buffered send to another node, or
// a notify that reaches one, on a loop; not a rendezvous send (it waits
// for its acknowledgement), nor a send on its own node.
func TestPostsInLoop(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      bool
	}{
		{"resend with a timeout", `place server on S
chan request(1)
chan reply(1)
daemon proc server() {
    while true {
        let v = recv request
        send reply, v + 1
    }
}
proc main() {
    spawn server()
    let done = false
    while !done {
        send request, 1
        select {
        case v = recv reply:
            done = true
        case timeout:
            yield
        }
    }
}`, true},
		{"one request", `place server on S
chan request(1)
proc server() { let v = recv request }
proc main() {
    spawn server()
    send request, 1
}`, false},
		{"rendezvous in a loop", `place server on S
chan request(0)
daemon proc server() {
    while true { let v = recv request }
}
proc main() {
    spawn server()
    while true { send request, 1 }
}`, false},
		{"local sends in a loop", `chan c(1)
daemon proc server() {
    while true { let v = recv c }
}
proc main() {
    spawn server()
    while true { send c, 1 }
}`, false},
	} {
		p, err := compile.Source("p.deck", []byte(tc.src))
		if err == nil {
			p, err = compile.Place(p, nil, 0)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := p.PostsInLoop(); got != tc.want {
			t.Errorf("%s: PostsInLoop() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
