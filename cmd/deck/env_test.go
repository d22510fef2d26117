package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Programs that never end: an endless search for check, an endless series
// of runs for --runs, stacks that spin for ever for --real.
const (
	endlessCheck = `var x = 0
proc main() {
    for i in 0..9223372036854775807 { x = i }
}
`
	spinning = `var x = 0
proc spin() {
    while true { x++ }
}
proc main() {
    spawn spin()
    spawn spin()
}
`
	lostUpdate = `var x = 0
proc inc() { x++ }
proc main() {
    let a = spawn inc()
    let b = spawn inc()
    join a; join b
}
`
)

// testEnv is an env whose interrupts come from the test: interrupt sends
// one once deck watches for them, and exits records a second interrupt's
// exit instead of ending the test binary.
type testEnv struct {
	env
	stdout, stderr bytes.Buffer
	sig            chan os.Signal
	watching       chan struct{}
	exits          chan int
}

func newTestEnv() *testEnv {
	te := &testEnv{sig: make(chan os.Signal, 2), watching: make(chan struct{}, 1), exits: make(chan int, 1)}
	te.env = env{
		stdin:  strings.NewReader(""),
		stdout: &te.stdout,
		stderr: &te.stderr,
		interrupts: func() (<-chan os.Signal, func()) {
			te.watching <- struct{}{}
			return te.sig, func() {}
		},
		exit: func(code int) { te.exits <- code },
	}
	return te
}

// runInterrupted runs deck with args in te and interrupts it once it
// watches for interrupts. The program never ends by itself, so the test
// passes only if the interrupt stops it.
func runInterrupted(t *testing.T, dir string, args ...string) *testEnv {
	t.Helper()
	te := newTestEnv()
	code := make(chan int)
	go func() { code <- run(&te.env, args) }()
	<-te.watching
	te.sig <- os.Interrupt
	if c := <-code; c != exitViolation {
		t.Errorf("deck %s: exit status %d after an interrupt, want %d\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), c, exitViolation, &te.stdout, &te.stderr)
	}
	select {
	case c := <-te.exits:
		t.Errorf("deck %s: exited with %d on one interrupt", strings.Join(args, " "), c)
	default:
	}
	return te
}

func writeFile(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInterrupt: the first interrupt stops check, run --runs and run
// --real, which report what they found, in text and in JSON, with exit
// status 1.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	endless := writeFile(t, dir, "endless.deck", endlessCheck)
	spin := writeFile(t, dir, "spin.deck", spinning)
	lost := writeFile(t, dir, "lost.deck", lostUpdate)
	text := []struct {
		args []string
		want string // a regexp the output must match
	}{
		{[]string{"check", endless}, `(?m)^verdict: incomplete: interrupted after \d+ states? and \d+ transitions?; .*shuffles beyond were not explored$`},
		{[]string{"run", "--runs", "1000000000", "--seed", "1", lost}, `(?m)^interrupted after \d+ of 1000000000 runs`},
		{[]string{"run", "--runs", "1000", spin}, `(?m)^interrupted after 0 of 1000 runs: none had finished$`},
		{[]string{"run", "--max-ticks", "9000000000000000000", spin}, `(?m)^stopped: interrupted after \d+ ticks?: some stacks were still running$`},
		{[]string{"run", "--real", "--timeout", "1000h", spin}, `(?m)^stopped: interrupted after \S+: some stacks were still running$`},
		{[]string{"run", "--real", "--timeout", "1000h", "--runs", "5", spin}, `(?m)^interrupted after 0 of 5 runs: none had finished$`},
	}
	for _, tc := range text {
		te := runInterrupted(t, dir, tc.args...)
		if !regexp.MustCompile(tc.want).MatchString(te.stdout.String()) {
			t.Errorf("deck %s: output does not match %s:\n%s", strings.Join(tc.args, " "), tc.want, &te.stdout)
		}
	}

	// JSON: one valid object that says it was interrupted.
	jsonCases := []struct {
		args  []string
		check func(map[string]any) bool
	}{
		{[]string{"check", "--json", endless}, func(j map[string]any) bool {
			return j["verdict"] == "incomplete" && strings.HasPrefix(j["incomplete"].(string), "interrupted after ")
		}},
		{[]string{"run", "--json", "--runs", "1000000000", lost}, func(j map[string]any) bool {
			return j["interrupted"] == true && j["requested"] == 1e9 && j["runs"].(float64) < 1e9
		}},
		{[]string{"run", "--json", "--real", "--timeout", "1000h", spin}, func(j map[string]any) bool {
			return j["stopped"] == "interrupted"
		}},
		{[]string{"run", "--json", "--max-ticks", "9000000000000000000", spin}, func(j map[string]any) bool {
			return j["stopped"] == "interrupted"
		}},
	}
	for _, tc := range jsonCases {
		te := runInterrupted(t, dir, tc.args...)
		var j map[string]any
		if err := json.Unmarshal(te.stdout.Bytes(), &j); err != nil {
			t.Errorf("deck %s: not JSON: %v\n%s", strings.Join(tc.args, " "), err, &te.stdout)
			continue
		}
		if !tc.check(j) {
			t.Errorf("deck %s: JSON does not say it was interrupted:\n%s", strings.Join(tc.args, " "), &te.stdout)
		}
	}
}

// TestSecondInterrupt: a second interrupt exits at once with status 130,
// while the work stopped by the first is still reporting.
func TestSecondInterrupt(t *testing.T) {
	te := newTestEnv()
	stop, done := te.watch()
	<-te.watching
	te.sig <- os.Interrupt
	<-stop // the first interrupt stops the work
	te.sig <- os.Interrupt
	if c := <-te.exits; c != exitInterrupted {
		t.Fatalf("second interrupt: exit %d, want %d", c, exitInterrupted)
	}
	done()
	if !strings.Contains(te.stderr.String(), "interrupted again") {
		t.Errorf("second interrupt: stderr says %q", &te.stderr)
	}
}

// TestSIGTERMTwice: GNU timeout sends its SIGTERM to deck and to deck's
// process group, so it comes twice at once: that is one interrupt, and
// the report is written. A Ctrl-C after it, or a SIGTERM after termEcho,
// still exits at once.
func TestSIGTERMTwice(t *testing.T) {
	te := newTestEnv()
	stop, done := te.watch()
	<-te.watching
	te.sig <- syscall.SIGTERM
	<-stop
	te.sig <- syscall.SIGTERM
	select {
	case c := <-te.exits:
		t.Fatalf("a repeated SIGTERM exited with %d", c)
	case <-time.After(100 * time.Millisecond):
	}
	te.sig <- os.Interrupt
	if c := <-te.exits; c != exitInterrupted {
		t.Fatalf("Ctrl-C after SIGTERM: exit %d, want %d", c, exitInterrupted)
	}
	done()

	defer func(d time.Duration) { termEcho = d }(termEcho)
	termEcho = 0
	te = newTestEnv()
	stop, done = te.watch()
	<-te.watching
	te.sig <- syscall.SIGTERM
	<-stop
	te.sig <- syscall.SIGTERM
	if c := <-te.exits; c != exitInterrupted {
		t.Fatalf("SIGTERM after termEcho: exit %d, want %d", c, exitInterrupted)
	}
	done()
}

// TestSIGINT sends a real SIGINT to a deck binary that runs an endless
// check, and expects the partial report and exit status 1. The program
// comes on standard input, padded to more than a pipe holds: when the
// write of it returns, deck is reading it, and so already catches
// interrupts (check watches for them before it loads the program). No
// timing is involved.
func TestSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the deck binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "deck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "check", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("// padding, so that the program is more than a pipe buffer holds\n", 1<<12)
	if _, err := in.Write([]byte(pad + endlessCheck)); err != nil {
		t.Fatal(err)
	}
	in.Close()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitViolation {
		t.Fatalf("deck check after SIGINT: %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	for _, want := range []string{`(?m)^deck check -$`, `(?m)^verdict: incomplete: interrupted after \d+ states?`} {
		if !regexp.MustCompile(want).MatchString(stdout.String()) {
			t.Errorf("stdout does not match %s:\n%s", want, &stdout)
		}
	}
}

// zeros is an endless standard input.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// TestStdinLimit: an endless standard input is read up to the program size
// limit, then refused.
func TestStdinLimit(t *testing.T) {
	te := newTestEnv()
	te.stdin = zeros{}
	if c := run(&te.env, []string{"check", "-"}); c != exitUsage {
		t.Errorf("exit status %d, want %d", c, exitUsage)
	}
	if want := "deck: <stdin>: the program is larger than 16 MiB, the most deck reads\n"; te.stderr.String() != want {
		t.Errorf("stderr %q, want %q", &te.stderr, want)
	}
}
