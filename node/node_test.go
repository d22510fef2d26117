package node_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"pgregory.net/rapid"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/internal/expect"
	"github.com/deck-lang/deck/internal/progen"
	"github.com/deck-lang/deck/node"
	"github.com/deck-lang/deck/vm"
)

// deckBin is a deck binary built for these tests: the node processes run it.
var deckBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deck-node-test")
	if err != nil {
		panic(err)
	}
	deckBin = filepath.Join(dir, "deck")
	build := exec.Command("go", "build", "-o", deckBin, "../cmd/deck")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot build deck:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func placedB(t testing.TB, src, place string) *card.Program { return placedTB(t, src, place, 0) }

func placed(t *testing.T, src string, place string, mode card.NetMode) *card.Program {
	return placedTB(t, src, place, mode)
}

func placedTB(t testing.TB, src string, place string, mode card.NetMode) *card.Program {
	t.Helper()
	p, err := compile.Source("t.deck", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := compile.ParsePlacement(place)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = compile.Place(p, pairs, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeB(t testing.TB, src string) string { return writeTB(t, src) }

// write puts src in a file the node processes can read.
func write(t *testing.T, src string) string { return writeTB(t, src) }

func writeTB(t testing.TB, src string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "t.deck")
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// settle waits for the goroutines a run left behind to end, and fails if
// more remain than before it.
func settle(t *testing.T, before int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines left after the run (%d before):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
}

// TestExamplesDistributed deals every placed configuration of every
// example for real, one process per node, recorded, and holds each run to
// the example's header, and its recording to the simulator, which must
// replay it to the same end. A run must end in an outcome it lists, or a violation of a kind it lists
// (a run cannot watch an invariant between cards, only at its end, so an
// example that breaks one may end in an outcome the checker never lists).
func TestExamplesDistributed(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.deck")
	runs := 12
	if testing.Short() {
		runs = 4
	}
	tried := 0
	for _, file := range files {
		src, _ := os.ReadFile(file)
		secs, err := expect.ParseAll(src)
		if err != nil {
			t.Fatal(err)
		}
		p0, err := compile.Source(file, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range secs {
			p, err := sec.Apply(p0)
			if err != nil {
				t.Fatal(err)
			}
			if p.Net == nil || p.Net.Faulty() {
				continue
			}
			tried++
			name := filepath.Base(file) + " " + sec.With
			t.Run(name, func(t *testing.T) {
				before := runtime.NumGoroutine()
				var args []string
				if sec.Place != "" {
					args = append(args, "--place", sec.Place)
				}
				if sec.Net != "" {
					args = append(args, "--net", sec.Net)
				}
				res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: append(args, file), Runs: runs, Seed: 1, Timeout: 20 * time.Second, Record: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Runs) != runs {
					t.Fatalf("%d runs of %d", len(res.Runs), runs)
				}
				for k, r := range res.Runs {
					if r.Stopped != "" {
						t.Fatalf("run %d stopped: %s", k, r.Stopped)
					}
					if len(r.BusFaults) > 0 {
						t.Fatalf("run %d: bus faults %v", k, r.BusFaults)
					}
					// The recording replays in the simulator to the same end.
					if !r.Replayed {
						t.Fatalf("run %d: the recording %s does not replay: %s", k, r.Schedule, r.ReplayNote)
					}
					if v := r.Violation; v != nil {
						if !sec.Violations[v.Kind] {
							t.Fatalf("run %d: %s violation %s, the header allows %v", k, v.Kind, v.Message, sec.Violations)
						}
						continue
					}
					if key := r.Outcome.Key(); !sec.Outcomes[key] && !sec.Violations["always"] {
						t.Fatalf("run %d ends in %q, which the header does not list: %v", k, key, sec.Outcomes)
					}
				}
				settle(t, before)
			})
		}
	}
	if tried < 8 {
		t.Fatalf("only %d placed example configurations", tried)
	}
}

const spin = `
proc spin() { while true { yield } }
proc main() {
    let h = spawn spin()
    join h
}
`

// TestNodeDies kills a node's process in the middle of a run: the run ends
// at once with a report naming the node, and no process outlives it.
func TestNodeDies(t *testing.T) {
	p := placed(t, spin, "spin=Y", 0)
	var ypid int
	res, err := node.Run(p, node.Options{
		Exe: deckBin, NodeArgs: []string{"--place", "spin=Y", write(t, spin)}, Timeout: time.Minute,
		OnNodes: func(pids map[string]int) {
			ypid = pids["Y"]
			go func() {
				time.Sleep(100 * time.Millisecond)
				syscall.Kill(ypid, syscall.SIGKILL)
			}()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if !strings.HasPrefix(r.Stopped, "node Y died") || !strings.Contains(r.Stopped, "it ran spin#home.1") || !strings.Contains(r.Stopped, "1 message had been sent to it") {
		t.Fatalf("stopped %q, want node Y died, naming the stack it ran and the message sent to it", r.Stopped)
	}
	if r.Elapsed > 10*time.Second {
		t.Fatalf("the run took %s to notice", r.Elapsed)
	}
	for _, pid := range []int{ypid} {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d still runs", pid)
		}
	}
}

// TestHandlesNamed: a real run names the stacks whose handles it prints
// (worker#home.1, not the handle's number), and its recording replays to
// the same end, handles in variables and printed lines included.
func TestHandlesNamed(t *testing.T) {
	const src = `var h
proc w() { }
proc v() { }
proc main() {
    h = spawn w()
    let g = spawn v()
    print "remote", h, "local", g
    join h
    join g
}
`
	r := runRecorded(t, src, "w=Y")
	if want := []string{"remote w#home.1 local v#home.2"}; !slices.Equal(r.Outcome.Output, want) {
		t.Errorf("printed %q, want %q", r.Outcome.Output, want)
	}
}

// runRecorded runs src for real, placed as place says, with seed 1 and
// recorded, and checks that its recording replays to the same end.
func runRecorded(t *testing.T, src, place string) *node.RunResult {
	t.Helper()
	p := placed(t, src, place, 0)
	res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", place, write(t, src)}, Seed: 1, Timeout: 20 * time.Second, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if !r.Replayed {
		t.Errorf("the recording does not replay: %s", r.ReplayNote)
	}
	return r
}

// TestDaemonWaits: a daemon left waiting at the end of a real run on
// nodes is no deadlock, as in the simulator, and the recording replays.
func TestDaemonWaits(t *testing.T) {
	const src = `chan req(1)
chan rep(1)
daemon proc server() {
    while true {
        let v = recv req
        send rep, v * 2
    }
}
proc main() {
    spawn server()
    send req, 21
    let r = recv rep
    print r
}
`
	r := runRecorded(t, src, "server=S")
	if r.Violation != nil || r.Stopped != "" {
		t.Fatalf("violation %+v, stopped %q: a waiting daemon is no deadlock", r.Violation, r.Stopped)
	}
	if want := []string{"42"}; !slices.Equal(r.Outcome.Output, want) {
		t.Errorf("printed %q, want %q", r.Outcome.Output, want)
	}
}

// TestTimeout stops a run that never ends.
func TestTimeout(t *testing.T) {
	p := placed(t, spin, "spin=Y", 0)
	res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "spin=Y", write(t, spin)}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Runs[0]; r.Stopped != "timeout" {
		t.Fatalf("stopped %q, want timeout", r.Stopped)
	}
}

// TestLongRecording: a recorded run that the timeout stops after hundreds
// of thousands of cards on one node: that node's report is larger than a
// bus message, goes in pieces, and arrives whole (it was lost, and the run
// showed the node with no cards); the recording replays.
func TestLongRecording(t *testing.T) {
	p := placed(t, spin, "spin=Y", 0)
	res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "spin=Y", write(t, spin)}, Timeout: 700 * time.Millisecond, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	// The timeout stops it, or, on a fast machine, a full recording
	// first (node.MaxNodeLog events): either way the report is long.
	if r.Stopped != "timeout" && r.Stopped != "record-full" || !r.Replayed || r.Schedule == nil {
		t.Fatalf("stopped %q, replayed %v (%s)", r.Stopped, r.Replayed, r.ReplayNote)
	}
	var cards int64
	for _, n := range r.Nodes {
		if n.Name == "Y" {
			cards = n.Cards
		}
	}
	// At 40 bytes or so an event, 20,000 make a report of more than one
	// piece.
	if cards < 20000 || r.Schedule.Len() < 20000 {
		t.Fatalf("node Y: %d cards, recording %d moves; want the long run whole", cards, r.Schedule.Len())
	}
}

const ping = `
chan ping
chan pong
var total = 0
proc player() {
    for i in 0..50 {
        let b = recv ping
        send pong, b + 1
    }
}
proc main() {
    spawn player()
    let ball = 0
    for i in 0..50 {
        send ping, ball
        ball = recv pong
    }
    total = ball
}
`

// TestExternalBus runs on an existing NATS server with a token, with node
// Y started by hand as on another machine, without the run's id.
func TestExternalBus(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, NoLog: true, NoSigs: true, Authorization: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("server not ready")
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	file := write(t, ping)
	p := placed(t, ping, "player=Y", 0)
	var manual handNode
	defer manual.wait()
	res, err := node.Run(p, node.Options{
		Bus: ns.ClientURL(), Token: "s3cret", Remote: []string{"Y"}, Exe: deckBin,
		NodeArgs: []string{"--place", "player=Y", file}, Runs: 3, Timeout: 20 * time.Second, Join: 10 * time.Second,
		OnBus: func(url, runID, token string) {
			if token != "" {
				t.Errorf("a bus of the caller's has token %q, want none handed out", token)
			}
			// As on another machine, with the contract's command line:
			// no --run, the node joins the run that invites it.
			manual.start(t, nil, "node", "--bus", url, "--bus-token", "s3cret", "--name", "Y", "--place", "player=Y", file)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range res.Runs {
		if r.Violation != nil || r.Stopped != "" || r.Outcome.Key() != "total=50" {
			t.Fatalf("run %d: %+v %q %q", k, r.Violation, r.Stopped, r.Outcome.Key())
		}
	}
}

// TestRemoteOnEmbeddedBus: a node served by hand on the coordinator's own
// embedded bus joins with the token handed to OnBus, as the command deck
// run --remote prints says.
func TestRemoteOnEmbeddedBus(t *testing.T) {
	file := write(t, ping)
	p := placed(t, ping, "player=Y", 0)
	var manual handNode
	defer manual.wait()
	res, err := node.Run(p, node.Options{
		Remote: []string{"Y"}, Exe: deckBin,
		NodeArgs: []string{"--place", "player=Y", file}, Timeout: 20 * time.Second, Join: 10 * time.Second,
		OnBus: func(url, runID, token string) {
			if token == "" {
				t.Error("the embedded bus's token was not handed out")
			}
			manual.start(t, []string{"DECK_BUS_TOKEN=" + token}, "node", "--bus", url, "--name", "Y", "--run", runID, "--place", "player=Y", file)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Runs[0]; r.Violation != nil || r.Stopped != "" || r.Outcome.Key() != "total=50" {
		t.Fatalf("run: %+v %q %q", r.Violation, r.Stopped, r.Outcome.Key())
	}
}

// handNode is a node process started by hand, as on another machine.
type handNode struct{ cmd *exec.Cmd }

// start runs deck with args, env added to the environment.
func (h *handNode) start(t *testing.T, env []string, args ...string) {
	h.cmd = exec.Command(deckBin, args...)
	h.cmd.Env = append(os.Environ(), env...)
	h.cmd.Stderr = os.Stderr
	if err := h.cmd.Start(); err != nil {
		t.Error(err)
	}
}

// wait waits for it to end, if it started.
func (h *handNode) wait() {
	if h.cmd != nil {
		h.cmd.Wait()
	}
}

// TestMissingNode names the node that never joins.
func TestMissingNode(t *testing.T) {
	p := placed(t, ping, "player=Y", 0)
	_, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "player=Y", write(t, ping)}, Remote: []string{"Y"}, Join: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "node Y, which did not join") {
		t.Fatalf("err = %v, want one naming node Y", err)
	}
}

// TestCrossEngineReal draws random programs, places them on random nodes
// (as ownership allows) with a random network mode, and runs each for
// real, recorded: every outcome a real run ends in must be one the checker
// finds for the same placement and mode, every violation of a kind it
// finds, and every recording must replay in the simulator.
func TestCrossEngineReal(t *testing.T) {
	type drawn struct {
		src   string
		pairs [][2]string
		mode  card.NetMode
	}
	modes := []card.NetMode{0, card.Unordered, card.Lossy, card.Unordered | card.Lossy | card.Dup}
	gen := rapid.Custom(func(rt *rapid.T) drawn {
		src := progen.Program(rt)
		if rapid.Bool().Draw(rt, "chans") {
			// Stacks that send each other channel values, which then
			// cross the bus between the nodes' processes.
			src = progen.ChanProgram(rt)
		}
		p, err := compile.Source("r.deck", []byte(src))
		if err != nil {
			rt.Fatalf("%v", err)
		}
		return drawn{src, progen.Placement(rt, p), modes[rapid.IntRange(0, len(modes)-1).Draw(rt, "mode")]}
	})
	n, runs := 16, 6
	if testing.Short() {
		n, runs = 5, 3
	}
	tried := 0
	for i := 0; tried < n && i < 10*n; i++ {
		d := gen.Example(i)
		p, err := compile.Source("r.deck", []byte(d.src))
		if err != nil {
			t.Fatal(err)
		}
		p, err = compile.Place(p, d.pairs, d.mode)
		if err != nil {
			t.Fatalf("%v\n%s", err, d.src)
		}
		if p.Net == nil {
			continue
		}
		rep, err := check.Run(vm.New(p), check.Options{All: true, MaxStates: 50000})
		if err != nil || rep.Incomplete != "" {
			continue
		}
		tried++
		outcomes, kinds := map[string]bool{}, map[string]bool{}
		for _, o := range rep.Outcomes {
			outcomes[o.Key] = true
		}
		for _, v := range rep.Violations {
			kinds[v.Violation.Kind] = true
		}
		var place []string
		for _, pr := range d.pairs {
			place = append(place, pr[0]+"="+pr[1])
		}
		args := []string{"--place", strings.Join(place, ","), "--net", d.mode.String(), write(t, d.src)}
		res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: args, Runs: runs, Seed: uint64(i), Timeout: 20 * time.Second, Record: true})
		if err != nil {
			t.Fatalf("%v\n%s", err, d.src)
		}
		for k, r := range res.Runs {
			switch {
			case r.Stopped != "":
				t.Fatalf("run %d stopped: %s\n%s\n%v", k, r.Stopped, d.src, args)
			case !r.Replayed:
				t.Fatalf("run %d: the recording %s does not replay: %s\n%s\n%v", k, r.Schedule, r.ReplayNote, d.src, args)
			case r.Violation != nil:
				if !kinds[r.Violation.Kind] {
					t.Fatalf("run %d: %s violation %s, which the checker does not find (%v)\n%s\n%v", k, r.Violation.Kind, r.Violation.Message, kinds, d.src, args)
				}
			case !outcomes[r.Outcome.Key()] && !kinds["always"]:
				t.Fatalf("run %d ends in %q, which the checker does not find (%v)\n%s\n%v", k, r.Outcome.Key(), outcomes, d.src, args)
			}
		}
	}
	if tried < n/2 {
		t.Fatalf("only %d programs tried", tried)
	}
}

// TestInterrupt stops a run that never ends: it reports "interrupted"
// and leaves no process behind.
func TestInterrupt(t *testing.T) {
	p := placed(t, spin, "spin=Y", 0)
	stop := make(chan struct{})
	var pids map[string]int
	res, err := node.Run(p, node.Options{
		Exe: deckBin, NodeArgs: []string{"--place", "spin=Y", write(t, spin)}, Timeout: time.Minute, Stop: stop,
		OnNodes: func(m map[string]int) {
			pids = m
			time.AfterFunc(100*time.Millisecond, func() { close(stop) })
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Runs[0]; r.Stopped != "interrupted" {
		t.Fatalf("stopped %q, want interrupted", r.Stopped)
	}
	for name, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("node %s (process %d) still runs", name, pid)
		}
	}
}

// TestOtherProgram: a node that runs another program than the
// coordinator's is refused when it says hello (a node started by hand with
// another file exchanged messages whose numbers meant other things, and
// one panicked on a channel it did not have).
func TestOtherProgram(t *testing.T) {
	p := placed(t, spin, "spin=Y", 0)
	other := spin + "\nvar unused = 0\n"
	_, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "spin=Y", write(t, other)}, Timeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "runs another program than this run's") {
		t.Fatalf("error %v, want the nodes refused", err)
	}
}

// TestMergeBounded: a recording whose merge would pass over too many
// messages in flight (a node that sends in a loop faster than they are
// taken) is reported as not merged instead of merging for minutes.
func TestMergeBounded(t *testing.T) {
	defer func(n int64) { *node.MergeWork = n }(*node.MergeWork)
	*node.MergeWork = 1 << 14
	src := "place client on A\nchan request(1)\nproc client() {\n    while true { send request, 1 }\n}\nproc main() {\n    spawn client()\n    let v = recv request\n}\n"
	p := placed(t, src, "client=A", 0)
	res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "client=A", write(t, src)}, Timeout: 500 * time.Millisecond, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Runs[0]
	if r.Replayed || !strings.HasPrefix(r.ReplayNote, "not merged: up to ") {
		t.Fatalf("replayed %v, note %q; want not merged", r.Replayed, r.ReplayNote)
	}
}
