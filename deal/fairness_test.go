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
		if kind(res.Violation) != tc.kind || kind(res.Also) != tc.also {
			t.Errorf("%s: violation %q also %q, want %q and %q", tc.name, kind(res.Violation), kind(res.Also), tc.kind, tc.also)
		}
		if tc.unfair == "" && res.Unfair != "" || !strings.HasPrefix(res.Unfair, tc.unfair) {
			t.Errorf("%s: unfair %q, want %q", tc.name, res.Unfair, tc.unfair)
		}
	}
}
