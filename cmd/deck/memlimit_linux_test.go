package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// memSlack is what the process may hold above --max-memory at its peak:
// pages of the executable first touched after the search measured what
// the process held (Options.MemoryBase), and the Go runtime's soft limit,
// which a collection in progress can pass for a moment. Measured: at most
// 4 MiB, at limits from 64 MiB to 4 GiB (docs/performance.md).
const memSlack = 8 << 20

var peakLine = regexp.MustCompile(`(?m)^memory: ([0-9.]+) MiB at the peak for the whole process`)

// TestMaxMemoryBoundsProcess runs deck check in a child process with a
// small --max-memory on programs that need more, and checks the child's
// peak resident memory against it: breadth-first safety search on one
// and two workers, and the progress check's graph. Before the limit
// counted the process, these passed it by 15% (safety, one worker) and 55% (progress).
func TestMaxMemoryBoundsProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the deck binary and runs searches of 100 MiB")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "deck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	racy := writeFile(t, dir, "racy.deck", racyCounter(5, 5)) // hunt_test.go's
	big := filepath.Join("..", "..", "bench", "models", "filter_n4_r1.deck")
	const limit = 96 << 20
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bfs1", []string{racy, "--search", "bfs", "--progress", "off", "--workers", "1"}, "verdict: incomplete: stopped by the memory limit (96 MiB)"},
		{"bfs2", []string{racy, "--search", "bfs", "--progress", "off", "--workers", "2"}, "verdict: incomplete: stopped by the memory limit (96 MiB)"},
		{"progress", []string{big, "--workers", "2"}, "progress: unchecked: stopped: the graph would take more than 96 MiB (--max-memory)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"check", "--max-memory", "96MiB"}, tc.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != exitViolation) {
				t.Fatalf("deck check: %v\n%s", err, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Fatalf("stdout does not say %q:\n%s", tc.want, &stdout)
			}
			// The child's own peak, from its memory line (VmHWM): the
			// maximum resident set size of its rusage counts the peak of
			// this test process too, which os/exec starts it from by
			// vfork.
			mm := peakLine.FindStringSubmatch(stdout.String())
			if mm == nil {
				t.Fatalf("no memory line:\n%s", &stdout)
			}
			v, _ := strconv.ParseFloat(mm[1], 64)
			peak := int64(v * (1 << 20))
			t.Logf("peak resident memory %.1f MiB under a limit of %d MiB", float64(peak)/(1<<20), limit>>20)
			if peak > limit+memSlack {
				t.Errorf("peak resident memory %.1f MiB, more than the limit of %d MiB and %d MiB", float64(peak)/(1<<20), limit>>20, memSlack>>20)
			}
		})
	}
}
