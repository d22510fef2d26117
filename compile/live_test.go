package compile

import (
	"slices"
	"strings"
	"testing"
)

// TestDeadLocals: the liveness analysis zeroes what no later card reads,
// so that states that differ only in dead locals are one.
func TestDeadLocals(t *testing.T) {
	tests := []struct {
		name, src string
		card      string   // the label of the card whose next edge kills
		kills     []string // the locals it kills
		target    bool     // on its target edge (a branch not taken) instead
	}{
		{"set and read inside an atomic block", `var x = 0
proc w() {
    let t = 0
    while true {
        atomic { t = x; x = t + 1 }
        await x > 3
    }
}
proc main() { spawn w() }
`, "atomic", []string{"t"}, false},
		{"set in both branches inside an atomic block", `var x = 0
var y = 0
proc w() {
    let u = 0
    while true {
        atomic {
            if x > 0 { u = 1 } else { u = 2 }
            y = u
        }
        await y > 5
    }
}
proc main() { spawn w() }
`, "atomic", []string{"u"}, false},
		{"set on every path of the block, read only in a later loop", `var x = 0
var b = 0
proc w() {
    let j = 0
    let c = 0
    while true {
        atomic { if x > 0 { j = 0; c = 1 } else { j = 0; c = 2 } }
        if c == 1 {
            while j < 2 { await b == 0; j = j + 1 }
        }
        x = 1 - x
    }
}
proc main() { spawn w() }
`, "while j < 2", []string{"j"}, true},
		{"a flag set last in each branch and tested right after", `var x = 0
var b = 0
proc w() {
    let j = 0
    let c = 0
    while true {
        atomic { if x > 0 { j = 0; c = 1 } else { c = 2 } }
        if c == 1 {
            while j < 2 { await b == 0; j = j + 1 }
        }
        x = 1 - x
    }
}
proc main() { spawn w() }
`, "if c == 1", []string{"j", "c"}, true},
		{"read after the block stays live", `var x = 0
proc w() {
    let t = 0
    atomic { t = x; x = t + 1 }
    x = t
}
proc main() { spawn w() }
`, "atomic", nil, false},
		{"set and read inside the atomic body of an either's branch", `var x = 0
proc w() {
    let t = 0
    while true {
        either {
            atomic { await x < 5; t = x; x = t + 1 }
        } or {
            await x >= 5
        }
        await x > 3
    }
}
proc main() { spawn w() }
`, "either (atomic await x < 5 | await x >= 5)", []string{"t"}, false},
		{"set in an either's atomic body and read after it stays live", `var x = 0
proc w() {
    let t = 0
    either {
        atomic { await x < 5; t = x; x = t + 1 }
    } or {
        await x >= 5
    }
    x = t
}
proc main() { spawn w() }
`, "either (atomic await x < 5 | await x >= 5)", nil, false},
		{"read only in an either's atomic body stays live before it", `var x = 0
proc w() {
    let u = 2
    while true {
        either {
            atomic { await x < 3; x = x + u }
        } or {
            await x >= 3
            x = 0
        }
    }
}
proc main() { spawn w() }
`, "let u = 2", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Source("live.deck", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for pc, c := range p.Cards {
				if p.Labels[pc] != tt.card || p.Procs[c.Proc].Name != "w" {
					continue
				}
				found = true
				var got []string
				k := c.KillNext
				if tt.target {
					k = c.KillTarget
				}
				if k != 0 {
					got = strings.Fields(describeKills(p, c.Proc, k))
				}
				if !slices.Equal(got, tt.kills) {
					t.Errorf("%s kills %q on its next edge, want %q", tt.card, got, tt.kills)
				}
			}
			if !found {
				t.Fatalf("no card %q", tt.card)
			}
		})
	}
}

// TestDeadParams: a parameter nobody reads is zero from the spawn.
func TestDeadParams(t *testing.T) {
	p, err := Source("params.deck", []byte(`var x = 0
proc w(me, unused, also) { x = me + also }
proc main() { spawn w(1, 2, 3) }
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range p.Procs {
		if pr.Name == "w" && pr.DeadParams != 0b010 {
			t.Fatalf("dead params %03b, want 010 (only unused)", pr.DeadParams)
		}
	}
}
