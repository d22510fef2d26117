package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/node"
	"github.com/deck-lang/deck/real"
	"github.com/deck-lang/deck/render"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

type runOptions struct {
	cpus, quantum, runs int
	dealer              string
	seed                uint64
	seedSet             bool
	replay              string
	json, showTrace     bool
	brief               bool
	maxTicks            int64
	fairness            string
	// --real
	real, record bool
	workers      int
	timeout      time.Duration
	pf           *placeFlags
	// --real with a placement
	bus, busToken, remote string
	pics                  *pictureFlags
}

// shortRun is the longest run whose cards are listed without --trace.
const shortRun = 40

// maxTraceCards bounds the cards listed by --trace and --json.
const maxTraceCards = 100_000

func runFlags(stderr io.Writer) (*flag.FlagSet, *runOptions) {
	o := &runOptions{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.cpus, "cpus", 1, "number of simulated processors; each takes at most one card per tick")
	fs.IntVar(&o.quantum, "quantum", 1, "cards a stack may take before its processor can be given to another stack; with --real, the mean number of cards a worker runs of one stack before it takes another (64 unless set)")
	fs.StringVar(&o.dealer, "dealer", "random", "who deals: random (seeded), rr (round-robin), seq (run each stack until it finishes or blocks)")
	fs.Func("seed", "seed of the random dealer and of choose/either (default: a fresh one, printed)", func(s string) error {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return errors.New("a seed is a whole number from 0 to 18446744073709551615")
		}
		o.seed, o.seedSet = v, true
		return nil
	})
	fs.StringVar(&o.replay, "replay", "", "deal exactly this schedule (as printed by run or check; @FILE reads it from a file)")
	fs.IntVar(&o.runs, "runs", 0, "deal this many runs (seeds S, S+1, ...) and show how often each outcome happened")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on standard output")
	fs.BoolVar(&o.showTrace, "trace", false, "list every card dealt (shown anyway for runs of at most 40 cards)")
	fs.BoolVar(&o.brief, "brief", false, "in the list of cards dealt, fold the cards that touch nothing shared (local assignments, branches on locals, asserts that hold) into one line per run of them")
	fs.Int64Var(&o.maxTicks, "max-ticks", deal.DefaultMaxTicks, "stop a run after this many ticks")
	fs.StringVar(&o.fairness, "fairness", "weak", "with --replay of a cycle: the runs that count (weak, strong or none, as deck check --fairness); a cycle a fair run would not repeat forever shows no livelock or starvation")
	fs.BoolVar(&o.real, "real", false, "run on real goroutine workers: real parallelism, real shuffles (not reproducible by seed)")
	fs.IntVar(&o.workers, "workers", 0, "goroutine workers for --real, 1 to 1024 (default: one per core)")
	fs.BoolVar(&o.record, "record", false, "with --real: record the order the cards took effect, as a schedule that --replay deals again")
	fs.DurationVar(&o.timeout, "timeout", real.DefaultTimeout, "with --real: stop a run that has not ended after this long")
	o.pf = addPlaceFlags(fs)
	fs.StringVar(&o.bus, "bus", "", "with --real and a placement: the NATS server or cluster of the run (nats://HOST:PORT; default: an embedded server on 127.0.0.1)")
	fs.StringVar(&o.busToken, "bus-token", "", "with --bus: the token the bus asks for")
	o.pics = addPictureFlags(fs, "the run")
	fs.StringVar(&o.remote, "remote", "", "with --real and a placement: nodes started by hand elsewhere with deck node (NODE,NODE); deck starts the others")
	return fs, o
}

func cmdRun(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	fs, o := runFlags(stderr)
	file, code := parseArgs(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.real {
		if set["fairness"] {
			fmt.Fprintln(stderr, "deck run: --fairness judges a replayed cycle of the simulator; a real run has none")
			return exitUsage
		}
		if o.pics.wanted() {
			fmt.Fprintln(stderr, "deck run: --svg and --html draw a simulated run; to draw a real one, --record it and --replay the schedule")
			return exitUsage
		}
		return cmdRunReal(e, o, set, file)
	}
	if o.runs > 0 && o.pics.wanted() {
		fmt.Fprintln(stderr, "deck run: --svg and --html draw one run and cannot be combined with --runs (--seed S draws run S)")
		return exitUsage
	}
	if o.runs > 0 && o.showTrace {
		fmt.Fprintln(stderr, "deck run: --trace lists the cards of one run and cannot be combined with --runs (--seed S --trace lists run S)")
		return exitUsage
	}
	if set["replay"] && set["max-ticks"] {
		fmt.Fprintln(stderr, "deck run: --max-ticks bounds a dealt run; a replay deals its schedule to the end (shorten the schedule instead)")
		return exitUsage
	}
	for _, name := range []string{"workers", "record", "timeout", "bus", "bus-token", "remote"} {
		if set[name] {
			fmt.Fprintf(stderr, "deck run: --%s needs --real\n", name)
			return exitUsage
		}
	}
	kind, err := deal.ParseKind(o.dealer)
	if err != nil {
		fmt.Fprintf(stderr, "deck run: %v\n", err)
		return exitUsage
	}
	if o.cpus < 1 || o.cpus > 64 {
		fmt.Fprintln(stderr, "deck run: --cpus must be between 1 and 64")
		return exitUsage
	}
	if o.quantum < 1 {
		fmt.Fprintln(stderr, "deck run: --quantum must be at least 1")
		return exitUsage
	}
	if set["runs"] && o.runs < 1 || o.runs > 0 && set["replay"] {
		fmt.Fprintln(stderr, "deck run: --runs needs a positive count and cannot be combined with --replay")
		return exitUsage
	}
	fair, err := trace.ParseFairness(o.fairness)
	if err != nil {
		fmt.Fprintf(stderr, "deck run: --fairness: %v\n", err)
		return exitUsage
	}
	if set["fairness"] && !set["replay"] {
		fmt.Fprintln(stderr, "deck run: --fairness judges a replayed cycle: it needs --replay")
		return exitUsage
	}
	if o.maxTicks < 1 {
		fmt.Fprintln(stderr, "deck run: --max-ticks must be at least 1")
		return exitUsage
	}
	if !outputsWritable("run", file, [][2]string{{"svg", o.pics.svg}, {"html", o.pics.html}}, stderr) {
		return exitUsage
	}
	prog, ok := load(e, file)
	if !ok {
		return exitUsage
	}
	if prog, ok = o.pf.apply(e, "run", prog); !ok {
		return exitUsage
	}
	if !o.seedSet && kind == deal.Random && !set["replay"] {
		// A fresh seed, printed, so that any run can be dealt again (a
		// replay draws nothing: its seed stays 0). The
		// other dealers are deterministic; their seed (0 unless given)
		// only drives choose and either.
		o.seed = rand.Uint64() % 1_000_000
	}
	opt := deal.Options{Dealer: kind, CPUs: o.cpus, Quantum: o.quantum, Seed: o.seed, MaxTicks: o.maxTicks, Fairness: fair}
	// An empty schedule is one of no moves: the counterexample of an
	// invariant the initial state breaks.
	if set["replay"] {
		text := o.replay
		if strings.HasPrefix(text, "@") {
			b, err := readFileLimited(text[1:], maxScheduleBytes)
			if errors.Is(err, errTooLarge) {
				fmt.Fprintf(stderr, "deck run: --replay: %s is larger than %s, the most deck reads of a schedule\n", text[1:], byteSize(maxScheduleBytes))
				return exitUsage
			}
			if err != nil {
				fmt.Fprintf(stderr, "deck run: %v\n", err)
				return exitUsage
			}
			text = string(b)
		}
		sch, err := trace.Parse(text)
		if err != nil {
			fmt.Fprintf(stderr, "deck run: --replay: %v\n", err)
			return exitUsage
		}
		opt.Replay = sch
	}
	m := vm.New(prog)
	if opt.Replay != nil {
		opt.CPUs = deal.ReplayCPUs(m, opt.Replay)
	}
	if o.runs > 0 {
		return runManyDealt(e, m, opt, o, shellArg(file)+o.pf.args())
	}
	// The card-by-card record costs memory per card: keep what the output
	// shows (a run of at most 40 cards, or --trace, or --json), bounded so
	// that a run that never ends cannot exhaust memory.
	opt.Steps = true
	opt.MaxSteps = shortRun + 1
	if prog.Net != nil {
		// The record holds the network's moves too: room for a few a card.
		opt.MaxSteps = 8*shortRun + 1
	}
	if o.showTrace || o.json {
		opt.MaxSteps = maxTraceCards
	}
	stop, done := e.watch()
	defer done()
	opt.Stop = stop
	start := time.Now()
	endProgress := newProgressLine(stderr, o.json).poll(func() string {
		return fmt.Sprintf("dealing  %s  (--max-ticks %d)", time.Since(start).Round(time.Second), opt.MaxTicks)
	})
	res, err := deal.Run(m, opt)
	endProgress()
	if err != nil {
		fmt.Fprintf(stderr, "deck run: %v\n", err)
		return exitUsage
	}
	if o.json {
		writeRunJSON(stdout, m, res, opt.Replay)
	} else {
		args := shellArg(file) + o.pf.args()
		if fair != trace.FairWeak {
			args += " --fairness " + fair.String()
		}
		writeRunText(stdout, m, res, opt, o, args)
	}
	title := fmt.Sprintf("deck run %s (dealer %s, seed %d)", shellArg(file)+o.pf.args(), opt.Dealer, res.Seed)
	if opt.Replay != nil {
		title = render.ReplayTitle(shellArg(file) + o.pf.args())
	}
	if res.ScheduleCut && o.pics.wanted() {
		// The run is reported; its verdict stands, without a picture.
		fmt.Fprintf(stderr, "deck run: no picture: the run is %d ticks long, more than a run keeps of its schedule (%d moves): too long to draw (--max-ticks shortens it)\n", res.Ticks, deal.MaxScheduleMoves)
		o.pics = &pictureFlags{}
	}
	pic := picture{title: title, schedule: &res.Schedule, cpus: res.CPUs, perNode: opt.CPUs, violation: res.Violation}
	if opt.Replay != nil && opt.Replay.Cycle > 0 && res.Forever {
		// A lasso whose cycle came back every pass: drawn once, marked as
		// the cycle (one that did not come back is drawn as played).
		pic.schedule, pic.cpus = opt.Replay, nil
		pic.cycleNote = render.CycleNote(res.Unfair)
	}
	if !o.pics.write("run", m, []picture{pic}, stderr) {
		return exitUsage
	}
	if res.Violation != nil || res.Stopped == "interrupted" {
		return exitViolation
	}
	return exitOK
}

type runJSON struct {
	Seed      uint64               `json:"seed"`
	Outcome   trace.OutcomeJSON    `json:"outcome"`
	Violation *trace.ViolationJSON `json:"violation"`
	Ticks     int64                `json:"ticks"`
	Cards     int64                `json:"cards"`
	Schedule  string               `json:"schedule"`
	Trace     []trace.StepJSON     `json:"trace"`
	// TraceCut: trace holds only the first cards of a longer run.
	TraceCut bool   `json:"trace_cut,omitempty"`
	Stopped  string `json:"stopped,omitempty"`
	// A replayed schedule with a cycle: how often the cycle was played,
	// and whether it came back to its first state each time.
	// ScheduleCut: the run dealt more moves than a run keeps; schedule
	// holds the first ones.
	ScheduleCut bool `json:"schedule_cut,omitempty"`
	CycleRuns   int  `json:"cycle_runs,omitempty"`
	Forever     bool `json:"forever,omitempty"`
	// Unfair: why a run round the cycle forever is not fair (then there
	// is no violation); Also: the violations the run shows besides
	// Violation (a cycle's property, a second property).
	Unfair string                `json:"unfair,omitempty"`
	Also   []trace.ViolationJSON `json:"also,omitempty"`
	// Placed programs: where the procedures ran, and the messages left in
	// flight at the end.
	Placement *trace.PlacementJSON `json:"placement,omitempty"`
	InFlight  []trace.MsgJSON      `json:"in_flight,omitempty"`
	// --real only.
	Workers   int     `json:"workers,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
}

// writeRunJSON writes a run's object. replay is the schedule replayed, if
// any: a lasso's is written as it was given, not its cycle played out.
func writeRunJSON(w io.Writer, m *vm.Machine, res *deal.Result, replay *trace.Schedule) {
	sch := res.Schedule.String()
	if replay != nil && replay.Cycle > 0 {
		sch = replay.String()
	}
	j := runJSON{
		Seed: res.Seed, Outcome: trace.OutcomeToJSON(m.Outcome(res.Final)),
		Ticks: res.Ticks, Cards: res.Cards, Schedule: sch, Trace: trace.StepsJSON(res.Steps), Stopped: res.Stopped,
		TraceCut: res.StepsCut, Placement: trace.PlacementToJSON(m),
		CycleRuns: res.CycleRuns, Forever: res.Forever, Unfair: res.Unfair, ScheduleCut: res.ScheduleCut,
	}
	if j.Placement != nil {
		j.InFlight = trace.InFlightJSON(trace.InFlight(m, res.Final))
	}
	if res.Violation != nil {
		v := trace.ViolationToJSON(res.Violation, sch, nil)
		j.Violation = &v
	}
	for _, v := range res.Also {
		j.Also = append(j.Also, trace.ViolationToJSON(v, sch, nil))
	}
	writeJSON(w, j)
}

func writeRunText(w io.Writer, m *vm.Machine, res *deal.Result, opt deal.Options, o *runOptions, file string) {
	st := newStyle(w)
	p := m.P
	how := fmt.Sprintf("dealer %s, seed %d", opt.Dealer, res.Seed)
	if opt.Replay != nil {
		how = "replaying a schedule"
	}
	perNode := ""
	if p.Net != nil {
		perNode = " per node"
	}
	fmt.Fprintf(w, "%s %s  (%s, %d cpu%s%s, quantum %d)\n", st.bold("deck run"), file, how, opt.CPUs, plural(opt.CPUs), perNode, opt.Quantum)
	if pl := trace.PlacementText(m); pl != "" {
		fmt.Fprintf(w, "%s %s\n", st.bold("nodes:"), pl)
	}
	fmt.Fprintln(w)
	if o.showTrace || res.Cards <= shortRun {
		fmt.Fprintln(w, st.bold("cards dealt:"))
		trace.WriteSteps(w, res.Steps, trace.ListOptions{Rows: cardRows(m, opt.CPUs), Brief: o.brief})
		if res.StepsCut {
			fmt.Fprintf(w, "  ... (the first %d steps, of a run of %d cards)\n", len(res.Steps), res.Cards)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s  %s\n", st.bold("timeline"), st.dim("("+trace.Legend(m, res.Final)+")"))
	if rows := trace.NodeRows(m, opt.CPUs); rows != nil {
		trace.TimelineRows(w, &res.Schedule, res.CPUs, rows)
	} else {
		trace.Timeline(w, &res.Schedule, res.CPUs, opt.CPUs)
	}
	fmt.Fprintf(w, "  %s\n", st.dim(trace.TimelineNote(res.Schedule.NumTicks(), p.Net != nil)))
	if res.ScheduleCut {
		fmt.Fprintf(w, "  %s\n", st.dim(fmt.Sprintf("(the first %s of %d: a run keeps at most %d moves of its schedule)", countOf(int64(res.Schedule.NumTicks()), "tick"), res.Ticks, deal.MaxScheduleMoves)))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s  %s\n", st.bold("stacks:"), st.dim(trace.ProgressNote))
	trace.Progress(w, m, res.Final, res.Taken)
	if fl := trace.InFlight(m, res.Final); len(fl) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.bold("still in flight:"))
		for _, e := range fl {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	writeEnding(w, st, m.Outcome(res.Final))
	fmt.Fprintln(w)
	sch := res.Schedule.String()
	if opt.Replay != nil && opt.Replay.Cycle > 0 {
		sch = opt.Replay.String() // the lasso, not its cycle played out
	}
	if res.Violation != nil {
		writeViolation(w, st, p, res.Violation)
		also := "and in the same run:"
		if res.Forever {
			also = "and in the same cycle:"
		}
		for _, v := range res.Also {
			fmt.Fprintf(w, "%s %s\n", st.red(also), v.Describe())
			fmt.Fprint(w, snippet(p, v.Where()))
		}
	}
	switch res.Stopped {
	case "max-ticks":
		fmt.Fprintf(w, "stopped after %s (--max-ticks): some stacks were still running\n", countOf(res.Ticks, "tick"))
	case "replay-ended":
		if res.CycleRuns > 0 && res.Forever && res.Unfair != "" {
			fmt.Fprintf(w, "the schedule's cycle was played %d times and came back to the same state each time, but a run that goes round it forever is not fair (%s fairness): %s. A fair dealer would not repeat it forever, so it shows no livelock or starvation\n", res.CycleRuns, opt.Fairness, res.Unfair)
		} else if res.CycleRuns > 0 && res.Forever {
			fmt.Fprintf(w, "the schedule's cycle was played %d times and came back to the same state each time: it can repeat forever, and the stacks that have not finished never will\n", res.CycleRuns)
		} else if res.CycleRuns > 0 {
			fmt.Fprintf(w, "the schedule's cycle was played %d times but did not come back to the state it started from: it is not a cycle of this program\n", res.CycleRuns)
		} else {
			fmt.Fprintln(w, "the schedule ended before the program did: some stacks can still move")
		}
	case "interrupted":
		fmt.Fprintf(w, "stopped: interrupted after %s: some stacks were still running\n", countOf(res.Ticks, "tick"))
	}
	if p.Net != nil {
		var moves [4]int64 // deliveries, drops, duplicates, faults
		for _, mv := range res.Schedule.Moves {
			switch mv.Stack {
			case trace.NetDeliver:
				moves[0]++
			case trace.NetDrop:
				moves[1]++
			case trace.NetDup:
				moves[2]++
			default:
				if mv.IsNet() {
					moves[3]++
				}
			}
		}
		lost := ""
		if n := len(res.Final.Lost); n > 0 {
			lost = fmt.Sprintf(", %d lost to faults", n)
		}
		if res.ScheduleCut {
			// Counted from the schedule, of which only the start is kept.
			lost += fmt.Sprintf(" (the network's moves counted in the first %d moves)", res.Schedule.Len())
		}
		fmt.Fprintf(w, "%s, %s on %d cpu%s per node; %s sent, %d delivered, %d dropped, %d duplicated%s\n",
			countOf(res.Ticks, "tick"), countOf(res.Cards, "card"), opt.CPUs, plural(opt.CPUs),
			countOf(int64(res.Final.Sent), "message"), moves[0], moves[1], moves[2], lost)
	} else {
		fmt.Fprintf(w, "%s, %s on %d cpu%s\n", countOf(res.Ticks, "tick"), countOf(res.Cards, "card"), opt.CPUs, plural(opt.CPUs))
	}
	switch {
	case res.ScheduleCut && opt.Replay != nil:
		fmt.Fprintf(w, "schedule: more than %d moves, too long to keep (the schedule given deals this run again)\n", deal.MaxScheduleMoves)
	case res.ScheduleCut:
		fmt.Fprintf(w, "schedule: more than %d moves, too long to keep (--seed %d deals this run again)\n", deal.MaxScheduleMoves, res.Seed)
	case len(sch) <= 2000:
		fmt.Fprintf(w, "schedule: %s\n", sch)
		fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay:   deck run %s --replay '%s'", file, sch)))
	default:
		fmt.Fprintf(w, "schedule: %d moves, too long to show (--json prints it; --seed %d deals this run again)\n", res.Schedule.Len(), res.Seed)
	}
}

// cardRows labels the processors in a list of the cards dealt, for a run
// that can deal several cards a tick (several processors, or nodes); nil
// when one card is dealt a tick and the list's numbers are the ticks.
func cardRows(m *vm.Machine, cpus int) []string {
	if rows := trace.NodeRows(m, cpus); rows != nil {
		return rows
	}
	if cpus <= 1 {
		return nil
	}
	rows := make([]string, cpus)
	for k := range rows {
		rows[k] = fmt.Sprintf("cpu%d", k)
	}
	return rows
}

// writeViolation prints a violation with its caret snippet and, for a
// deadlock, what every stuck stack waits for.
func writeViolation(w io.Writer, st style, p *card.Program, v *trace.Violation) {
	fmt.Fprintf(w, "%s %s\n", st.red("violation:"), v.Describe())
	fmt.Fprint(w, snippet(p, v.Where()))
	for _, s := range v.Stuck {
		fmt.Fprintf(w, "  %s at card %s (%s): waits for %s\n", s.Stack, s.Card, trace.ShortPos(s.Pos), s.Reason)
	}
}

func plural(n int) string { return trace.Plural(n) }

// oneRun is what --runs keeps of one run.
type oneRun struct {
	seed      uint64
	outcome   vm.Outcome
	violation *trace.Violation
	schedule  string // the schedule that reached the violation ("" if unknown)
	stopped   bool   // the run was stopped before it ended
	// ended: the run ended, every stack but the daemons finished, with
	// its violation a property it never met: its outcome counts too, as
	// check lists both.
	ended bool
	// interrupted: an interrupt stopped the run; it is not counted.
	interrupted bool
}

// manyRuns describes a --runs series for runMany.
type manyRuns struct {
	header  string              // what the text header says after the run count
	stopped string              // why a run can be stopped ("--max-ticks")
	example func(oneRun) string // how to get a run again: "--seed 3"; "" for none
	// run makes run number k. stop is closed by an interrupt: a run that
	// watches it returns early with interrupted set.
	run func(k int, stop <-chan struct{}) oneRun
}

// runMany runs o.runs runs and shows how often each outcome and each
// violation happened. An interrupt (e.watch) ends the series early: the
// summary is of the runs done, and says so.
func runMany(e *env, o *runOptions, file string, mr manyRuns) int {
	w := e.stdout
	type bucket struct {
		outcome vm.Outcome
		count   int
		first   oneRun
	}
	type vbucket struct {
		v     *trace.Violation
		count int
		first oneRun
	}
	outcomes := map[string]*bucket{}
	violations := map[string]*vbucket{}
	var okeys, vkeys []string
	stopped := 0
	stop, done := e.watch()
	defer done()
	var progress struct{ runs, violations atomic.Int64 }
	endProgress := newProgressLine(e.stderr, o.json).poll(func() string {
		return fmt.Sprintf("%d of %d runs  %s", progress.runs.Load(), o.runs, countOf(progress.violations.Load(), "violation"))
	})
	runs := 0 // the runs done
	for ; runs < o.runs && !interrupted(stop); runs++ {
		one := mr.run(runs, stop)
		if one.interrupted {
			break
		}
		progress.runs.Add(1)
		if one.violation != nil {
			progress.violations.Add(1)
			key := one.violation.Key()
			b := violations[key]
			if b == nil {
				b = &vbucket{v: one.violation, first: one}
				violations[key] = b
				vkeys = append(vkeys, key)
			}
			b.count++
			if !one.ended {
				continue
			}
		}
		if one.stopped {
			stopped++
			continue
		}
		key := one.outcome.Key()
		b := outcomes[key]
		if b == nil {
			b = &bucket{outcome: one.outcome, first: one}
			outcomes[key] = b
			okeys = append(okeys, key)
		}
		b.count++
	}
	endProgress()
	cut := runs < o.runs
	sort.SliceStable(okeys, func(i, j int) bool { return outcomes[okeys[i]].count > outcomes[okeys[j]].count })
	sort.SliceStable(vkeys, func(i, j int) bool { return violations[vkeys[i]].count > violations[vkeys[j]].count })
	if o.json {
		type manyJSON struct {
			Runs       int                   `json:"runs"`
			Outcomes   []trace.OutcomeJSON   `json:"outcomes"`
			Violations []trace.ViolationJSON `json:"violations"`
			Stopped    int                   `json:"stopped,omitempty"`
			// An interrupt ended the series after runs of requested.
			Interrupted bool `json:"interrupted,omitempty"`
			Requested   int  `json:"requested,omitempty"`
		}
		j := manyJSON{Runs: runs, Outcomes: []trace.OutcomeJSON{}, Violations: []trace.ViolationJSON{}, Stopped: stopped}
		if cut {
			j.Interrupted, j.Requested = true, o.runs
		}
		for _, k := range okeys {
			b := outcomes[k]
			oj := trace.OutcomeToJSON(b.outcome)
			c := b.count
			oj.Count = &c
			j.Outcomes = append(j.Outcomes, oj)
		}
		for _, k := range vkeys {
			b := violations[k]
			vj := trace.ViolationToJSON(b.v, b.first.schedule, nil)
			c := b.count
			vj.Count = &c
			j.Violations = append(j.Violations, vj)
		}
		writeJSON(w, j)
	} else {
		st := newStyle(w)
		example := func(one oneRun) string {
			if e := mr.example(one); e != "" {
				return "  " + st.dim("(e.g. "+e+")")
			}
			return ""
		}
		fmt.Fprintf(w, "%s %s  (%d runs, %s)\n\n", st.bold("deck run"), file, o.runs, mr.header)
		if len(okeys) > 0 {
			fmt.Fprintln(w, st.bold("outcomes:"))
			for _, k := range okeys {
				b := outcomes[k]
				fmt.Fprintf(w, "  %-40s %s %d%s\n", describeOutcome(b.outcome), bar(b.count, runs), b.count, example(b.first))
			}
		}
		if len(vkeys) > 0 {
			fmt.Fprintln(w, st.bold("violations:"))
			for _, k := range vkeys {
				b := violations[k]
				fmt.Fprintf(w, "  %s %s %d%s\n", st.red(b.v.Kind), bar(b.count, runs), b.count, example(b.first))
				fmt.Fprintf(w, "    %s\n", b.v.Describe())
			}
		}
		if stopped > 0 {
			fmt.Fprintf(w, "%d runs hit %s before finishing\n", stopped, mr.stopped)
		}
		if len(okeys) > 1 {
			fmt.Fprintf(w, "\nthe result depends on the shuffle: %d different outcomes\n", len(okeys))
		}
		switch {
		case cut && runs == 0:
			fmt.Fprintf(w, "interrupted after 0 of %d runs: none had finished\n", o.runs)
		case cut:
			fmt.Fprintf(w, "\ninterrupted after %d of %d runs: the counts above are of those %d\n", runs, o.runs, runs)
		}
	}
	if len(vkeys) > 0 || cut {
		return exitViolation
	}
	return exitOK
}

// runManyDealt deals o.runs simulated runs with consecutive seeds.
func runManyDealt(e *env, m *vm.Machine, opt deal.Options, o *runOptions, file string) int {
	perNode := ""
	if m.P.Net != nil {
		perNode = " per node"
	}
	return runMany(e, o, file, manyRuns{
		header: fmt.Sprintf("dealer %s, seeds %d..%d, %d cpu%s%s, quantum %d",
			opt.Dealer, o.seed, o.seed+uint64(o.runs)-1, opt.CPUs, plural(opt.CPUs), perNode, opt.Quantum),
		stopped: "--max-ticks",
		example: func(one oneRun) string { return fmt.Sprintf("--seed %d", one.seed) },
		run: func(k int, stop <-chan struct{}) oneRun {
			opt.Seed = o.seed + uint64(k)
			opt.Stop = stop
			res, _ := deal.Run(m, opt)
			if res.Stopped == "interrupted" {
				return oneRun{seed: opt.Seed, interrupted: true}
			}
			one := oneRun{seed: opt.Seed, violation: res.Violation, stopped: res.Stopped != ""}
			if res.Violation != nil && !res.ScheduleCut {
				one.schedule = res.Schedule.String()
			}
			if v := res.Violation; !one.stopped && (v == nil || v.Kind == "eventually" || v.Kind == "leadsto") {
				// A property is judged when the run has ended: its final
				// state is an outcome all the same.
				one.outcome, one.ended = m.Outcome(res.Final), v != nil
			}
			return one
		},
	})
}

// writeEnding writes the lines a run printed and its shared variables.
func writeEnding(w io.Writer, st style, o vm.Outcome) {
	if len(o.Output) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.bold("printed:"))
		for _, l := range o.Output {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if len(o.Vars) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s %s\n", st.bold("final:"), outcomeText(o))
	}
}

func describeOutcome(o vm.Outcome) string {
	var b strings.Builder
	b.WriteString(outcomeText(o))
	for k, l := range o.Output {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if k == maxOutcomeLines && len(o.Output) > k+1 {
			// A program that prints in a loop: the line stays readable
			// (--json lists every line).
			fmt.Fprintf(&b, "… and %d more lines", len(o.Output)-k)
			break
		}
		b.WriteString(strconv.Quote(l))
	}
	if b.Len() == 0 {
		return "(no variables, nothing printed)"
	}
	return b.String()
}

// maxOutcomeLines bounds the printed lines an outcome shows in text.
const maxOutcomeLines = 20

func bar(n, total int) string {
	if total == 0 {
		return ""
	}
	w := (n*30 + total - 1) / total
	return strings.Repeat("█", w) + strings.Repeat(" ", 30-w)
}

// cmdRunReal runs a program on real goroutine workers (--real).
func cmdRunReal(e *env, o *runOptions, set map[string]bool, file string) int {
	stdout, stderr := e.stdout, e.stderr
	for _, name := range []string{"dealer", "cpus", "replay", "max-ticks", "trace"} {
		if set[name] {
			fmt.Fprintf(stderr, "deck run: --%s is for the simulated dealer and cannot be combined with --real (real runs use --workers, --quantum, --timeout)\n", name)
			return exitUsage
		}
	}
	if o.workers < 0 || o.workers > 1024 || set["workers"] && o.workers == 0 {
		fmt.Fprintln(stderr, "deck run: --workers must be between 1 and 1024 (leave it out for one worker per core)")
		return exitUsage
	}
	quantum := real.DefaultQuantum
	if set["quantum"] {
		if o.quantum < 1 {
			fmt.Fprintln(stderr, "deck run: --quantum must be at least 1")
			return exitUsage
		}
		quantum = o.quantum
	}
	if o.timeout <= 0 {
		fmt.Fprintln(stderr, "deck run: --timeout must be positive")
		return exitUsage
	}
	if set["runs"] && o.runs < 1 {
		fmt.Fprintln(stderr, "deck run: --runs needs a positive count")
		return exitUsage
	}
	if !outputsWritable("run", file, [][2]string{{"svg", o.pics.svg}, {"html", o.pics.html}}, stderr) {
		return exitUsage
	}
	prog, ok := load(e, file)
	if !ok {
		return exitUsage
	}
	if prog, ok = o.pf.apply(e, "run", prog); !ok {
		return exitUsage
	}
	if !o.seedSet {
		o.seed = rand.Uint64() % 1_000_000
	}
	if prog.Net != nil {
		if set["bus-token"] && !set["bus"] {
			fmt.Fprintln(stderr, "deck run: --bus-token is the token of the bus --bus names: it needs --bus (the embedded bus makes its own)")
			return exitUsage
		}
		if set["bus"] {
			if err := node.CheckBusURL(o.bus); err != nil {
				fmt.Fprintf(stderr, "deck run: %v\n", err)
				return exitUsage
			}
		}
		return runDistributed(e, o, prog, file)
	}
	for _, name := range []string{"bus", "bus-token", "remote"} {
		if set[name] {
			fmt.Fprintf(stderr, "deck run: --%s is for a real run of stacks on other nodes (--real with --place)\n", name)
			return exitUsage
		}
	}
	if !o.seedSet {
		o.seed = rand.Uint64() % 1_000_000
	}
	if err := real.Supported(prog); err != nil {
		fmt.Fprintf(stderr, "deck run: %v\n", err)
		return exitUsage
	}
	m := vm.New(prog)
	opt := real.Options{Workers: o.workers, Quantum: quantum, Seed: o.seed, Record: o.record, Timeout: o.timeout}
	if o.runs > 0 {
		return runManyReal(e, m, opt, o, shellArg(file))
	}
	stop, done := e.watch()
	defer done()
	opt.Stop = stop
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	endProgress := newProgressLine(stderr, o.json).poll(func() string {
		return fmt.Sprintf("running on %d worker%s  %s  (--timeout %v)", workers, plural(workers), time.Since(start).Round(time.Second), o.timeout)
	})
	res, err := real.Run(m, opt)
	endProgress()
	if err != nil {
		fmt.Fprintf(stderr, "deck run: %v\n", err)
		return exitUsage
	}
	sch := ""
	if res.Schedule != nil {
		sch = res.Schedule.String()
	}
	if o.json {
		j := runJSON{
			Seed: o.seed, Outcome: trace.OutcomeToJSON(res.Outcome), Ticks: res.Cards, Cards: res.Cards,
			Schedule: sch, Trace: []trace.StepJSON{}, Stopped: res.Stopped,
			Workers: res.Workers, ElapsedMS: float64(res.Elapsed.Microseconds()) / 1000,
		}
		if res.Violation != nil {
			v := trace.ViolationToJSON(res.Violation, sch, nil)
			j.Violation = &v
		}
		writeJSON(stdout, j)
	} else {
		writeRealText(stdout, m, res, o, shellArg(file), sch)
	}
	if res.Violation != nil || res.Stopped == real.StoppedInterrupted {
		return exitViolation
	}
	return exitOK
}

func writeRealText(w io.Writer, m *vm.Machine, res *real.Result, o *runOptions, file, sch string) {
	st := newStyle(w)
	fmt.Fprintf(w, "%s %s  (real: %d worker%s, quantum %d, seed %d)\n", st.bold("deck run"), file,
		res.Workers, plural(res.Workers), res.Quantum, o.seed)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s  %s\n", st.bold("stacks:"), st.dim(trace.ProgressNote))
	trace.Progress(w, m, res.Final, res.PerStack)
	writeEnding(w, st, res.Outcome)
	fmt.Fprintln(w)
	if res.Violation != nil {
		writeViolation(w, st, m.P, res.Violation)
	}
	switch res.Stopped {
	case real.StoppedTimeout:
		fmt.Fprintf(w, "stopped after %v (--timeout): some stacks were still running\n", o.timeout)
	case real.StoppedInterrupted:
		fmt.Fprintf(w, "stopped: interrupted after %v: some stacks were still running\n", res.Elapsed.Round(time.Millisecond))
	case real.StoppedRecordFull:
		fmt.Fprintf(w, "stopped: the recording is full (--record keeps %d cards that touch shared state): some stacks were still running; the schedule replays the run to here\n", real.MaxRecorded)
	case real.StoppedOutputFull:
		fmt.Fprintf(w, "stopped: the program printed %d lines, as many as a real run keeps: some stacks were still running\n", real.MaxPrinted)
	}
	rate := ""
	if sec := res.Elapsed.Seconds(); sec > 0 {
		rate = fmt.Sprintf(", %s cards/s", humanRate(float64(res.Cards)/sec))
	}
	fmt.Fprintf(w, "%s on %d worker%s in %v%s\n", countOf(res.Cards, "card"), res.Workers, plural(res.Workers),
		res.Elapsed.Round(time.Microsecond), rate)
	switch {
	case !o.record:
		fmt.Fprintln(w, st.dim("--record prints the order in which the cards took effect, as a schedule for --replay"))
	case len(sch) <= 2000:
		fmt.Fprintf(w, "schedule: %s\n", sch)
		fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay:   deck run %s --replay '%s'", file, sch)))
	default:
		fmt.Fprintf(w, "schedule: %d moves, too long to show (--json prints it)\n", res.Schedule.Len())
	}
}

// humanRate renders a rate with a k/M/G suffix.
func humanRate(r float64) string {
	switch {
	case r >= 1e9:
		return fmt.Sprintf("%.1fG", r/1e9)
	case r >= 1e6:
		return fmt.Sprintf("%.1fM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

// runManyReal runs o.runs real runs, with seeds S, S+1, ... for the
// workers' generators.
func runManyReal(e *env, m *vm.Machine, opt real.Options, o *runOptions, file string) int {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return runMany(e, o, file, manyRuns{
		header: fmt.Sprintf("real, %d worker%s, quantum %d, seeds %d..%d",
			workers, plural(workers), opt.Quantum, o.seed, o.seed+uint64(o.runs)-1),
		stopped: "--timeout",
		example: func(one oneRun) string {
			if one.violation != nil && one.schedule != "" && len(one.schedule) <= 200 {
				return fmt.Sprintf("--replay '%s'", one.schedule)
			}
			return ""
		},
		run: func(k int, stop <-chan struct{}) oneRun {
			opt.Seed = o.seed + uint64(k)
			opt.Stop = stop
			res, err := real.Run(m, opt)
			if err != nil {
				return oneRun{seed: opt.Seed, stopped: true}
			}
			if res.Stopped == real.StoppedInterrupted {
				return oneRun{seed: opt.Seed, interrupted: true}
			}
			one := oneRun{seed: opt.Seed, violation: res.Violation, stopped: res.Stopped != "", outcome: res.Outcome}
			if res.Violation != nil && res.Schedule != nil {
				one.schedule = res.Schedule.String()
			}
			return one
		},
	})
}
