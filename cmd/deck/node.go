package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/node"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// nodeOptions are deck node's flags.
type nodeOptions struct {
	bus, token, name, runID *string
	workers                 *int
	pf                      *placeFlags
}

func nodeFlags(stderr io.Writer) (*flag.FlagSet, *nodeOptions) {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &nodeOptions{
		bus:     fs.String("bus", "", "the NATS URL of the run's bus (nats://HOST:PORT), as the coordinator prints it"),
		token:   fs.String("bus-token", "", "the bus's token (default: $DECK_BUS_TOKEN)"),
		name:    fs.String("name", "", "the node this process serves"),
		runID:   fs.String("run", "", "the run's id, as the coordinator prints it (default: join the first run that invites this node)"),
		workers: fs.Int("workers", 2, "goroutine workers for this node's stacks"),
	}
	o.pf = addPlaceFlags(fs)
	return fs, o
}

// nodeHelp heads deck help node.
const nodeHelp = `usage: deck node --bus URL --name NODE FILE [flags]

Serves one node of a real run of a placed program (deck run --real with a
placement). The coordinator starts a process like this for every node
itself; with --remote NODE it prints the command to start that node by
hand, on another machine, with the same FILE and placement.`

// cmdNode is `deck node`: serve one node of a real distributed run. The
// coordinator (deck run --real with a placement) starts these itself; on
// another machine, start one by hand with the command the coordinator
// prints.
func cmdNode(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	fs, o := nodeFlags(stderr)
	file, code := parseArgs(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if *o.bus == "" || *o.name == "" {
		fmt.Fprintln(stderr, "deck node: --bus and --name are required (the coordinator prints them)")
		return exitUsage
	}
	if err := node.CheckBusURL(*o.bus); err != nil {
		fmt.Fprintf(stderr, "deck node: %v\n", err)
		return exitUsage
	}
	if *o.workers < 1 || *o.workers > 1024 {
		fmt.Fprintln(stderr, "deck node: --workers must be between 1 and 1024")
		return exitUsage
	}
	if *o.token == "" {
		*o.token = os.Getenv("DECK_BUS_TOKEN")
	}
	prog, ok := load(e, file)
	if !ok {
		return exitUsage
	}
	if prog, ok = o.pf.apply(e, "node", prog); !ok {
		return exitUsage
	}
	err := node.Serve(prog, node.ServeOptions{Bus: *o.bus, Token: *o.token, Run: *o.runID, Node: *o.name, Workers: *o.workers})
	if err != nil {
		fmt.Fprintf(stderr, "deck node %s: %v\n", *o.name, err)
		return nodeExit(err)
	}
	return exitOK
}

// nodeExit is the exit status after an error of the node package: 2 for
// a mistake in the arguments (node.UsageError), 1 for a run that failed.
func nodeExit(err error) int {
	var ue *node.UsageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitViolation
}

// runDistributed is `deck run --real` of a placed program: one process per
// node over a NATS bus.
func runDistributed(e *env, o *runOptions, prog *card.Program, file string) int {
	stdout, stderr := e.stdout, e.stderr
	if prog.Net.Faulty() {
		fmt.Fprintln(stderr, "deck run: --crash and --partitions are for the simulator and the checker; a real run cannot crash a node or split the network on purpose (kill a node's process to see a real crash)")
		return exitUsage
	}
	if file == "-" {
		fmt.Fprintln(stderr, "deck run: a distributed run starts a process per node, which reads the program from its file: give a file, not -")
		return exitUsage
	}
	exe := os.Getenv("DECK_EXE")
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			fmt.Fprintf(stderr, "deck run: cannot find the deck binary to start the nodes: %v\n", err)
			return exitUsage
		}
	}
	nodeArgs := []string{}
	if o.pf.place != "" {
		nodeArgs = append(nodeArgs, "--place", o.pf.place)
	}
	if o.pf.net != "" {
		nodeArgs = append(nodeArgs, "--net", o.pf.net)
	}
	nodeArgs = append(nodeArgs, file)
	var remote []string
	if o.remote != "" {
		remote = strings.Split(o.remote, ",")
		for i, r := range remote {
			remote[i] = strings.TrimSpace(r)
			if !slices.Contains(prog.Net.Nodes, remote[i]) {
				fmt.Fprintf(stderr, "deck run: --remote: there is no node %s (the nodes are %s)\n", remote[i], strings.Join(prog.Net.Nodes, ", "))
				return exitUsage
			}
		}
	}
	runs := max(o.runs, 1)
	stop, done := e.watch()
	defer done()
	start := time.Now()
	endProgress := newProgressLine(stderr, o.json).poll(func() string {
		return fmt.Sprintf("running on %d nodes  %s  (--timeout %v)", len(prog.Net.Nodes), time.Since(start).Round(time.Second), o.timeout)
	})
	res, err := node.Run(prog, node.Options{
		Bus: o.bus, Token: o.busToken, Remote: remote, Exe: exe, NodeArgs: nodeArgs,
		NodeHint: strings.TrimSpace(o.pf.args() + " " + shellArg(file)),
		Runs:     runs, Seed: o.seed, Timeout: o.timeout, Stop: stop, Log: stderr, Record: o.record,
		OnBus: func(url, runID, token string) {
			for _, n := range remote {
				note, env := "", ""
				switch {
				case o.busToken != "":
					note = " (with the bus's token in $DECK_BUS_TOKEN or --bus-token)"
				case token != "":
					// The embedded bus listens on this machine's loopback
					// only, and lets in who has its token.
					note, env = " on this machine", "DECK_BUS_TOKEN="+token+" "
				}
				fmt.Fprintf(stderr, "waiting for node %s: start it%s with\n  %sdeck node --bus %s --name %s --run %s%s %s\n",
					n, note, env, url, n, runID, o.pf.args(), shellArg(file))
			}
		},
	})
	endProgress()
	if err != nil {
		fmt.Fprintf(stderr, "deck run: %v\n", err)
		return nodeExit(err)
	}
	m := vm.New(prog)
	if o.json {
		writeDistJSON(stdout, m, res, o.seed)
	} else {
		writeDistText(stdout, m, res, shellArg(file)+o.pf.args(), o)
	}
	for _, r := range res.Runs {
		// A run the timeout or a full recording stopped is no verdict
		// (exit 0, as on goroutine workers); any other stop is a failure.
		if r.Violation != nil || r.Stopped != "" && r.Stopped != "timeout" && r.Stopped != node.StoppedRecordFull || len(r.BusFaults) > 0 || r.Schedule != nil && !r.Replayed {
			return exitViolation
		}
	}
	if len(res.Runs) < runs {
		return exitViolation
	}
	return exitOK
}

func writeDistText(w io.Writer, m *vm.Machine, res *node.Result, file string, o *runOptions) {
	st := newStyle(w)
	fmt.Fprintf(w, "%s %s  (real, one process per node over NATS; %s, nodes up in %s)\n", st.bold("deck run"), file,
		countOf(int64(len(res.Runs)), "run"), res.Startup.Round(time.Millisecond))
	fmt.Fprintf(w, "%s %s\n", st.bold("nodes:"), trace.PlacementText(m))
	if len(res.Runs) == 1 {
		r := res.Runs[0]
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.bold("stacks:"))
		for _, s := range r.Stacks {
			where := "finished"
			if !s.Finished {
				where = "stopped at " + s.Waits
			}
			fmt.Fprintf(w, "  %-22s on %-6s %6s  %s\n", s.Name, s.Node, countOf(s.Cards, "card"), where)
		}
		writeNodeFigures(w, st, r)
		writeEnding(w, st, r.Outcome)
		fmt.Fprintln(w)
		writeDistEnd(w, st, r, o.timeout)
		fmt.Fprintf(w, "took %s\n", r.Elapsed.Round(time.Microsecond))
		if r.Schedule != nil {
			writeRecording(w, st, r, file)
		}
		return
	}
	// Many runs: how often each outcome and violation happened.
	counts := map[string]int{}
	shown := map[string]string{} // by key: the line, printed lines cut short
	var keys []string
	for _, r := range res.Runs {
		k := "outcome " + r.Outcome.Key()
		line := "outcome " + describeOutcome(r.Outcome)
		switch {
		case r.Violation != nil:
			k = r.Violation.Kind + ": " + r.Violation.Message
			line = k
		case r.Stopped != "":
			k = "stopped: " + r.Stopped
			line = k
		}
		if counts[k] == 0 {
			keys = append(keys, k)
			shown[k] = line
		}
		counts[k]++
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	fmt.Fprintln(w)
	for _, k := range keys {
		fmt.Fprintf(w, "  %5d  %s\n", counts[k], shown[k])
	}
	writeNodeFigures(w, st, res.Runs[len(res.Runs)-1])
	if len(res.Runs) < max(o.runs, 1) {
		fmt.Fprintf(w, "\nstopped after %d of %d runs\n", len(res.Runs), o.runs)
	}
}

// writeRecording shows the merged recording of a run and whether the
// simulator replays it to the same end.
func writeRecording(w io.Writer, st style, r *node.RunResult, file string) {
	sch := r.Schedule.String()
	if len(sch) > 2000 {
		sch = fmt.Sprintf("%d moves (--json prints it)", r.Schedule.Len())
	}
	fmt.Fprintf(w, "recorded: %s\n", sch)
	if r.Replayed {
		fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay:   deck run %s --replay '%s'   (the simulator ends the same way)", file, r.Schedule.String())))
	} else if strings.HasPrefix(r.ReplayNote, "not merged") {
		fmt.Fprintf(w, "%s %s\n", st.red("recording:"), r.ReplayNote)
	} else {
		fmt.Fprintf(w, "%s the recording does not replay to the same end: %s\n", st.red("recording:"), r.ReplayNote)
	}
}

// writeNodeFigures writes what each node did: cards, messages and the
// latency of the messages it received.
func writeNodeFigures(w io.Writer, st style, r *node.RunResult) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, st.bold("per node:"))
	for _, n := range r.Nodes {
		lat := ""
		if len(n.Latencies) > 0 {
			l := slices.Clone(n.Latencies)
			slices.Sort(l)
			lat = fmt.Sprintf("  latency median %s, p99 %s", l[len(l)/2].Round(time.Microsecond), l[len(l)*99/100].Round(time.Microsecond))
		}
		fmt.Fprintf(w, "  %-6s %s, %d sent, %d received%s\n", n.Name, countOf(n.Cards, "card"), n.Sent, n.Recv, lat)
	}
}

func writeDistEnd(w io.Writer, st style, r *node.RunResult, timeout time.Duration) {
	for _, f := range r.BusFaults {
		fmt.Fprintf(w, "%s %s\n", st.red("bus fault:"), f)
	}
	for _, q := range r.Queued {
		fmt.Fprintf(w, "never delivered (no room): %s\n", q)
	}
	switch {
	case r.Violation != nil:
		v := r.Violation
		where := ""
		if v.Pos != "" {
			where = " at " + v.Pos
		}
		if v.Stack != "" {
			// An invariant the simulator finds broken has no stack.
			where += fmt.Sprintf(" (%s card %s, on %s)", v.Stack, v.Card, v.Node)
		}
		fmt.Fprintf(w, "%s %s%s: %s\n", st.red("violation:"), v.Kind, where, v.Message)
	case r.Stopped == "timeout":
		// As on goroutine workers: not a verdict, and not a failure.
		fmt.Fprintf(w, "stopped after %v (--timeout): some stacks were still running\n", timeout)
	case r.Stopped == node.StoppedRecordFull:
		fmt.Fprintf(w, "stopped: a node's recording is full (--record keeps %d events a node): some stacks were still running; the schedule replays the run to here\n", node.MaxNodeLog)
	case r.Stopped != "":
		fmt.Fprintf(w, "%s %s\n", st.red("stopped:"), r.Stopped)
	default:
		var waiting []string
		for _, s := range r.Stacks {
			if !s.Finished && s.Daemon {
				waiting = append(waiting, s.Name)
			}
		}
		if len(waiting) > 0 {
			fmt.Fprintf(w, "%s every stack finished but the daemons, which wait: %s\n", st.green("ok:"), strings.Join(waiting, ", "))
		} else {
			fmt.Fprintf(w, "%s every stack finished\n", st.green("ok:"))
		}
	}
}

// The JSON of a real run on nodes has the shape of a simulated run's
// (docs/language.md): one run is {"seed", "outcome", "violation", "ticks",
// "schedule", "trace", ...}, and --runs N is {"runs": N, "outcomes",
// "violations"} with their counts, and "each", every run as above. A real
// run has no ticks: "ticks" counts its cards, as for the goroutine engine;
// "schedule" is its recording (--record) and "trace" is empty.
type distRunJSON struct {
	Seed      uint64             `json:"seed"`
	Outcome   trace.OutcomeJSON  `json:"outcome"`
	Violation *distViolationJSON `json:"violation"`
	Ticks     int64              `json:"ticks"`
	Cards     int64              `json:"cards"`
	Schedule  string             `json:"schedule"` // --record
	Trace     []trace.StepJSON   `json:"trace"`
	Replayed  *bool              `json:"replayed,omitempty"`
	Stopped   string             `json:"stopped,omitempty"`
	ElapsedMS float64            `json:"elapsed_ms"`
	Nodes     []distNodeJSON     `json:"nodes"`
	BusFaults []string           `json:"bus_faults,omitempty"`
}

// distOneJSON is the object of a single real run on nodes.
type distOneJSON struct {
	distRunJSON
	StartupMS float64              `json:"startup_ms"`
	Placement *trace.PlacementJSON `json:"placement"`
}

// distManyJSON is the object of --runs N.
type distManyJSON struct {
	Runs       int                  `json:"runs"`
	Outcomes   []trace.OutcomeJSON  `json:"outcomes"`
	Violations []distViolationJSON  `json:"violations"`
	StartupMS  float64              `json:"startup_ms"`
	Placement  *trace.PlacementJSON `json:"placement"`
	Each       []distRunJSON        `json:"each"`
}

type distViolationJSON struct {
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Pos      string `json:"pos"`
	Node     string `json:"node,omitempty"`
	Stack    string `json:"stack,omitempty"`
	Card     string `json:"card,omitempty"`
	Count    *int   `json:"count,omitempty"`    // --runs: how many runs ended in it
	Schedule string `json:"schedule,omitempty"` // --runs: the first such run's recording
}

type distNodeJSON struct {
	Name  string  `json:"name"`
	Cards int64   `json:"cards"`
	Sent  int64   `json:"sent"`
	Recv  int64   `json:"received"`
	P50us float64 `json:"latency_median_us"`
	P99us float64 `json:"latency_p99_us"`
}

func writeDistJSON(w io.Writer, m *vm.Machine, res *node.Result, seed uint64) {
	startup := float64(res.Startup.Microseconds()) / 1000
	var each []distRunJSON
	for k, r := range res.Runs {
		rj := distRunJSON{Seed: seed + uint64(k), Outcome: trace.OutcomeToJSON(r.Outcome), Trace: []trace.StepJSON{},
			Stopped: r.Stopped, ElapsedMS: float64(r.Elapsed.Microseconds()) / 1000, BusFaults: r.BusFaults}
		if v := r.Violation; v != nil {
			rj.Violation = &distViolationJSON{Kind: v.Kind, Message: v.Message, Pos: v.Pos, Node: v.Node, Stack: v.Stack, Card: v.Card}
		}
		if r.Schedule != nil {
			rj.Schedule = r.Schedule.String()
			ok := r.Replayed
			rj.Replayed = &ok
		}
		for _, n := range r.Nodes {
			rj.Cards += n.Cards
			nj := distNodeJSON{Name: n.Name, Cards: n.Cards, Sent: n.Sent, Recv: n.Recv}
			if len(n.Latencies) > 0 {
				l := slices.Clone(n.Latencies)
				slices.Sort(l)
				nj.P50us = float64(l[len(l)/2].Nanoseconds()) / 1000
				nj.P99us = float64(l[len(l)*99/100].Nanoseconds()) / 1000
			}
			rj.Nodes = append(rj.Nodes, nj)
		}
		rj.Ticks = rj.Cards
		each = append(each, rj)
	}
	if len(each) == 1 {
		writeJSON(w, distOneJSON{distRunJSON: each[0], StartupMS: startup, Placement: trace.PlacementToJSON(m)})
		return
	}
	j := distManyJSON{Runs: len(each), Outcomes: []trace.OutcomeJSON{}, Violations: []distViolationJSON{},
		StartupMS: startup, Placement: trace.PlacementToJSON(m), Each: each}
	if j.Each == nil {
		j.Each = []distRunJSON{}
	}
	outs := map[string]int{} // index in Outcomes, by key
	viols := map[string]int{}
	for k, r := range res.Runs {
		switch rj := each[k]; {
		case rj.Violation != nil:
			key := rj.Violation.Kind + "@" + rj.Violation.Pos + ": " + rj.Violation.Message
			i, ok := viols[key]
			if !ok {
				i = len(j.Violations)
				viols[key] = i
				v := *rj.Violation
				v.Count, v.Schedule = new(int), rj.Schedule
				j.Violations = append(j.Violations, v)
			}
			*j.Violations[i].Count++
		case rj.Stopped == "":
			key := r.Outcome.Key()
			i, ok := outs[key]
			if !ok {
				i = len(j.Outcomes)
				outs[key] = i
				oj := rj.Outcome
				oj.Count = new(int)
				j.Outcomes = append(j.Outcomes, oj)
			}
			*j.Outcomes[i].Count++
		}
	}
	writeJSON(w, j)
}
