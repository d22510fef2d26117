package check

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStopKeepsFindings: a search that Options.Stop ends reports the
// violations and outcomes it found. The program finds a failed assert
// (k == 2) and an outcome (k == 0) within a few levels, then goes on for
// ever, one state a level (k == 1). A 256 MiB limit keeps the test bounded
// if the interrupt were ignored, and then the reason is wrong.
func TestStopKeepsFindings(t *testing.T) {
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = time.Millisecond
	m := mustCompile(t, "endless.deck", `
var y = 0
proc main() {
    let k = choose 0..3
    assert k != 2, "k is two"
    if k == 1 {
        while true { y++ }
    }
}
`)
	stop := make(chan struct{})
	var once sync.Once
	var at int64
	rep := mustRun(t, m, Options{
		All: true, Workers: 2, MaxMemory: 256 << 20, Stop: stop,
		Progress: func(p Progress) {
			if p.States >= 20000 {
				once.Do(func() { at = p.States; close(stop) })
			}
		},
	})
	if !strings.HasPrefix(rep.Incomplete, "interrupted after ") {
		t.Fatalf("incomplete %q", rep.Incomplete)
	}
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 || len(rep.Outcomes) != 1 {
		t.Fatalf("verdict %s, %d violations, %d outcomes", rep.Verdict, len(rep.Violations), len(rep.Outcomes))
	}
	if rep.States < at {
		t.Errorf("%d states reported, %d when interrupted", rep.States, at)
	}
	t.Logf("interrupted at %d states, stopped at %d: %s", at, rep.States, rep.Incomplete)
}

// TestStopMidPass: what the workers found in a pass that a limit (or an
// interrupt) cut short is reported. With one worker and a state limit the
// cut is deterministic: level 1 holds 1000 states (k), the pass expanding
// it stops after two chunks, and the failure of k == 5 is in the first.
func TestStopMidPass(t *testing.T) {
	m := mustCompile(t, "cut.deck", `
var y = 0
proc main() {
    let k = choose 0..1000
    y = k
    assert k != 5, "k is five"
}
`)
	rep := mustRun(t, m, Options{Workers: 1, MaxStates: 1001 + 100})
	if rep.Incomplete == "" || !strings.Contains(rep.Incomplete, "were not expanded") {
		t.Fatalf("not cut within a pass: %s", rep.Incomplete)
	}
	if rep.Verdict != VerdictViolation || len(rep.Violations) != 1 || !strings.Contains(rep.Violations[0].Violation.Message, "five") {
		t.Fatalf("verdict %s, %d violations: %s", rep.Verdict, len(rep.Violations), rep.Incomplete)
	}
	t.Log(rep.Incomplete)
}
