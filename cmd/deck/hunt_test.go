package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// racyCounter is bench/gen's racy counter: n workers each add 1 to count r
// times without a lock; the final assert fails when an increment is lost,
// which only shows at the end of a run.
func racyCounter(n, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "const N = %d\nconst R = %d\nvar count = 0\nproc worker() {\n    for i in 0..R {\n        count++\n    }\n}\nproc main() {\n", n, r)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    let h%d = spawn worker()\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    join h%d\n", i)
	}
	b.WriteString("    assert count == N * R, \"an increment was lost\"\n}\n")
	return b.String()
}

// TestHuntReplays: the counterexample the hunt finds on the racy counter,
// as deck check --json prints it, replays with deck run --replay to the
// same failed assert, whichever search found it; "shortest" says which.
func TestHuntReplays(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		n        int
		args     []string
		shortest bool
	}{
		{5, nil, false},                          // auto: the hunt joins past 262144 states
		{6, []string{"--search", "hunt"}, false}, // the hunt alone
		{2, []string{"--search", "hunt"}, true},  // small: the exact search confirms it
		{2, nil, true},                           // small: breadth-first search alone
	} {
		file := filepath.Join(dir, fmt.Sprintf("racy%d.deck", tc.n))
		if err := os.WriteFile(file, []byte(racyCounter(tc.n, tc.n)), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		args := append([]string{"check", "--progress", "off", "--json", "--workers", "2"}, tc.args...)
		if code := Main(append(args, file), &out, &errb); code != exitViolation {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		var rep struct {
			Verdict    string
			Violations []struct {
				Kind, Pos, Schedule string
				Shortest            bool
			}
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != "violation" || len(rep.Violations) != 1 || rep.Violations[0].Kind != "assert" {
			t.Fatalf("%v: %s", args, out.String())
		}
		v := rep.Violations[0]
		if v.Shortest != tc.shortest {
			t.Errorf("%v: shortest %v, want %v", args, v.Shortest, tc.shortest)
		}
		out.Reset()
		if code := Main([]string{"run", "--json", "--replay", v.Schedule, file}, &out, &errb); code != exitViolation {
			t.Fatalf("run --replay %s: exit %d: %s", v.Schedule, code, errb.String())
		}
		var run struct {
			Violation struct{ Kind, Pos, Message string }
		}
		if err := json.Unmarshal(out.Bytes(), &run); err != nil {
			t.Fatal(err)
		}
		if run.Violation.Kind != "assert" || run.Violation.Pos != v.Pos || !strings.Contains(run.Violation.Message, "an increment was lost") {
			t.Errorf("%v: the schedule replays to %+v", args, run.Violation)
		}
	}
}
