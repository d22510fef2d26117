package check

import (
	"slices"
	"testing"
)

// TestSelect: a select takes any ready case (the checker tries each), a
// timeout only when nothing else is ready, and blocks otherwise: the same
// outcomes with and without reduction and as brute force.
func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		outcomes  []string
		kinds     []string
	}{
		{"two producers", `
chan a(1)
chan b(1)
var got = 0
proc pa() { send a, 1 }
proc pb() { send b, 2 }
proc main() {
    let x = spawn pa()
    let y = spawn pb()
    for i in 0..2 {
        select {
        case v = recv a:
            got = got * 10 + v
        case v = recv b:
            got = got * 10 + v
        }
    }
    join x; join y
}
`, []string{"got=12", "got=21"}, nil},
		{"timeout", `
chan a(1)
var got = 0
proc pa() { send a, 1 }
proc main() {
    let x = spawn pa()
    select {
    case v = recv a:
        got = v
    case timeout:
        got = -1
    }
    join x
}
`, []string{"got=-1", "got=1"}, nil},
		{"send or recv", `
chan req(1)
chan resp(1)
var got = 0
proc server() {
    let r = recv req
    send resp, r * 2
}
proc main() {
    let s = spawn server()
    send req, 3
    for i in 0..2 {
        select {
        case v = recv resp:
            got = v
        case send req, 5:
            got = got + 100
        }
    }
    join s
}
`, []string{"got=106", "got=6"}, nil},
		{"rendezvous recv", `
chan c
var got = 0
proc sender(v) { send c, v }
proc main() {
    let x = spawn sender(1)
    let y = spawn sender(2)
    for i in 0..2 {
        select {
        case v = recv c:
            got = got * 10 + v
        }
    }
    join x; join y
}
`, []string{"got=12", "got=21"}, nil},
		{"blocked", `
chan a(1)
proc main() {
    select {
    case recv a:
    }
}
`, nil, []string{"deadlock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustCompile(t, tc.name+".deck", tc.src)
			rep := mustRun(t, m, Options{All: true})
			if got := outcomeKeys(rep); !slices.Equal(got, tc.outcomes) {
				t.Errorf("outcomes %q, want %q", got, tc.outcomes)
			}
			if got := kinds(rep); !slices.Equal(got, tc.kinds) {
				t.Errorf("violations %v, want %v", got, tc.kinds)
			}
			b := bruteForce(m, 1e5)
			compareBrute(t, tc.name, rep, b, true)
			compareBrute(t, tc.name, mustRun(t, m, Options{All: true, NoPOR: true}), b, false)
		})
	}
}
