package deal_test

import (
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// TestCycleFairness: a replayed cycle that a fair run would not go round
// forever shows no livelock or starvation, under the fairness the replay
// is given (weak unless set, as in check); one that a fair run can repeat
// shows it, and a property the same cycle breaks comes as Also.
func TestCycleFairness(t *testing.T) {
	const (
		// setter can move in every state of main's spin.
		spinOK = `var ready = false
proc setter() { ready = true }
proc main() {
    spawn setter()
    while !ready { }
}
`
		// waiter can move only where the daemon has just set x.
		flicker = `var x = 0
daemon proc toggler() {
    while true { x = 1; x = 0 }
}
proc waiter() {
    await x == 1
}
proc main() {
    spawn toggler()
    let w = spawn waiter()
    join w
}
`
		starveEv = `var x = 0
var done = false
eventually done
mutex m
daemon proc greedy() {
    while true { lock m; x = 1 - x; unlock m }
}
proc victim() {
    lock m
    done = true
    unlock m
}
proc main() {
    spawn greedy()
    let v = spawn victim()
    join v
}
`
		// Two properties the cycle never meets, besides the starvation.
		starveEv2 = "eventually x == 5\n" + starveEv
		// The start message to Y is never delivered while main spins.
		link = `var x = 0
place w on Y
proc w() { }
proc main() {
    spawn w()
    while x < 10 { x = 1 - x }
}
`
	)
	for _, tc := range []struct {
		name, src, lasso string
		fair             trace.Fairness
		kind, also       string // "" for none
		unfair           string // in Result.Unfair, "" for a fair cycle
	}{
		{"spin, weak", spinOK, "0,(0)", trace.FairWeak, "", "", "setter#1 can move in every state of the cycle and never does"},
		{"spin, none", spinOK, "0,(0)", trace.FairNone, trace.KindLivelock, "", ""},
		{"flicker, weak", flicker, "0*2,1,(1*3)", trace.FairWeak, trace.KindStarvation, "", ""},
		{"flicker, strong", flicker, "0*2,1,(1*3)", trace.FairStrong, "", "", "waiter#2 can move in some states of the cycle and never does"},
		{"starvation and eventually", starveEv, "0*2,1,(1*10)", trace.FairWeak, trace.KindStarvation, "eventually", ""},
		{"starvation and two properties", starveEv2, "0*2,1,(1*10)", trace.FairWeak, trace.KindStarvation, "eventually eventually", ""},
		{"link never delivers", link, "0,(0*6)", trace.FairWeak, "", "", "the link from home to Y has a message to deliver in the cycle and never delivers one"},
		{"link, strong", link, "0,(0*6)", trace.FairStrong, "", "", "the link from home to Y"},
		{"link, none", link, "0,(0*6)", trace.FairNone, trace.KindLivelock, "", ""},
		{"link delivers", link, "0,m1,1,(0*6)", trace.FairWeak, trace.KindLivelock, "", ""},
	} {
		p, err := compile.Source("t.deck", []byte(tc.src))
		if err == nil {
			p, err = compile.Place(p, nil, 0)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		sch, err := trace.Parse(tc.lasso)
		if err != nil {
			t.Fatal(err)
		}
		res, err := deal.Run(vm.New(p), deal.Options{Replay: sch, Fairness: tc.fair})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !res.Forever {
			t.Fatalf("%s: the cycle does not repeat", tc.name)
		}
		kind := func(v *trace.Violation) string {
			if v == nil {
				return ""
			}
			return v.Kind
		}
		var also []string
		for _, v := range res.Also {
			also = append(also, kind(v))
		}
		if kind(res.Violation) != tc.kind || strings.Join(also, " ") != tc.also {
			t.Errorf("%s: violation %q also %q, want %q and %q", tc.name, kind(res.Violation), also, tc.kind, tc.also)
		}
		if tc.unfair == "" && res.Unfair != "" || !strings.HasPrefix(res.Unfair, tc.unfair) {
			t.Errorf("%s: unfair %q, want %q", tc.name, res.Unfair, tc.unfair)
		}
	}
}

// TestEndsBreakingTwo: a run that ends without meeting two eventually
// properties reports both, in the order they are declared.
func TestEndsBreakingTwo(t *testing.T) {
	p, err := compile.Source("t.deck", []byte("var a = 0\neventually a == 1\neventually a == 2\nproc main() { a = 3 }\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := deal.Run(vm.New(p), deal.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation == nil || len(res.Also) != 1 || res.Violation.Pos != "t.deck:2:1" || res.Also[0].Pos != "t.deck:3:1" {
		t.Fatalf("violation %+v, also %+v: want line 2's eventually, then line 3's", res.Violation, res.Also)
	}
}
