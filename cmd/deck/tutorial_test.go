package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var updateTutorial = flag.Bool("update-tutorial", false, "rewrite the outputs in docs/tutorial.md with what deck prints now")

// A console block in the tutorial is a command and the output it gives:
//
//	```console
//	$ deck run --seed 5 examples/lost_update.deck
//	...what deck prints...
//	```
//
// A block marked ```console varies is run too, but its output (real
// parallel runs, for instance) is not compared; it must not fail to run.
var consoleBlock = regexp.MustCompile("(?s)```console( varies)?\n\\$ deck ([^\n]*)\n(.*?)```")

// normalize hides what honestly differs between machines and runs: times,
// the number of workers (one per core) and memory per state.
func normalize(s string) string {
	s = regexp.MustCompile(`in [0-9.]+(ns|µs|ms|s|m[0-9.]+s)`).ReplaceAllString(s, "in TIME")
	s = regexp.MustCompile(`\(\d+ workers?, `).ReplaceAllString(s, "(N workers, ")
	s = regexp.MustCompile(`, \d+ bytes/state\)`).ReplaceAllString(s, ", B bytes/state)")
	return s
}

// splitArgs splits a command line on spaces, keeping 'single-quoted' words.
func splitArgs(line string) []string {
	var args []string
	var cur strings.Builder
	quoted, have := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted = !quoted
			have = true
		case r == ' ' && !quoted:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// TestTutorial runs every command of docs/tutorial.md from the repository
// root and checks that deck prints what the tutorial shows, so that the
// tutorial never goes stale. go test ./cmd/deck -update-tutorial rewrites
// the outputs.
func TestTutorial(t *testing.T) {
	t.Chdir("../..")
	doc, err := os.ReadFile("docs/tutorial.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := consoleBlock.FindAllSubmatchIndex(doc, -1)
	if len(blocks) < 15 {
		t.Fatalf("the tutorial should walk through its commands; found only %d console blocks", len(blocks))
	}
	var out bytes.Buffer
	last := 0
	for _, b := range blocks {
		varies := b[2] >= 0
		cmdline := string(doc[b[4]:b[5]])
		want := string(doc[b[6]:b[7]])
		var stdout, stderr bytes.Buffer
		code := Main(splitArgs(cmdline), &stdout, &stderr)
		got := stdout.String() + stderr.String()
		if code == exitUsage {
			t.Errorf("deck %s: exit status 2:\n%s", cmdline, got)
		}
		out.Write(doc[last:b[6]])
		if varies {
			out.WriteString(want)
		} else {
			out.WriteString(got)
			if !*updateTutorial && normalize(got) != normalize(want) {
				t.Errorf("deck %s: the tutorial shows\n%s\nbut deck printed\n%s", cmdline, want, got)
			}
		}
		last = b[7]
	}
	out.Write(doc[last:])
	if *updateTutorial {
		if err := os.WriteFile("docs/tutorial.md", out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
