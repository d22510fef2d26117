package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/render"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

type checkOptions struct {
	workers       int
	all, json     bool
	deterministic bool
	maxStates     int64
	maxMemory     string
	por           string
	progress      string
	fairness      string
	pf            *placeFlags
	sameAsLocal   bool
	pics          *pictureFlags
	graph         string
	brief         bool
	search        string
	ignorePrints  bool
}

func checkFlags(stderr io.Writer) (*flag.FlagSet, *checkOptions) {
	o := &checkOptions{}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.workers, "workers", 0, "parallel workers, 1 to 128 (default: one per core)")
	fs.BoolVar(&o.all, "all", false, "keep going after the first violation: one shortest counterexample per distinct violation")
	fs.BoolVar(&o.deterministic, "deterministic", false, "a second distinct outcome is a violation")
	fs.Int64Var(&o.maxStates, "max-states", 0, "stop, with an incomplete verdict, after this many states (0: no limit)")
	fs.StringVar(&o.maxMemory, "max-memory", "", "stop, with an incomplete verdict, before using more memory than this (e.g. 2GiB, 500MB)")
	fs.StringVar(&o.por, "por", "on", "partial-order reduction: on or off (verdicts and outcomes are the same either way)")
	fs.StringVar(&o.progress, "progress", "on", "progress: on (every stack that is not a daemon finishes in every fair run) or off (safety only)")
	fs.StringVar(&o.fairness, "fairness", "weak", "the runs progress considers: weak, strong or none")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on standard output")
	fs.BoolVar(&o.brief, "brief", false, "in counterexamples, fold the cards that touch nothing shared (local assignments, branches on locals, asserts that hold) into one line per run of them")
	fs.StringVar(&o.search, "search", "auto", "auto (breadth-first; once it passes 262144 states, a depth-first hunt for deep violations beside it), bfs (breadth-first only) or hunt (depth-first walks only: finds violations, proves nothing)")
	fs.BoolVar(&o.ignorePrints, "ignore-prints", false, "leave printed lines out of the states, so that a stack printing in an endless loop comes back to states it was in (outcomes then differ only in their variables)")
	o.pf = addPlaceFlags(fs)
	o.pics = addPictureFlags(fs, "the counterexample (or one shuffle per outcome)")
	fs.StringVar(&o.graph, "graph", "", fmt.Sprintf("write the state graph to this SVG file, the counterexample's path in red (programs of at most %d states)", render.MaxGraphStates))
	fs.BoolVar(&o.sameAsLocal, "same-as-local", false, "check the placed program and the same program on one machine, and list the outcomes (and violations) the placement adds or loses; exit 1 when it adds any")
	return fs, o
}

// parseBytes reads sizes like 512MB, 2GiB, 1.5G or 1000000. Units are
// case-insensitive: KB, MB, GB are powers of 1000; KiB, MiB, GiB and the
// bare K, M, G are powers of 1024; B or no unit is bytes. The whole text
// must be a number and a unit, and the size must be at least one byte.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10}, {"gb", 1e9}, {"mb", 1e6}, {"kb", 1e3}, {"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}, {"b", 1}}
	bad := fmt.Errorf("bad size %q (want e.g. 2GiB, 500MB or 1000000)", s)
	num, mult := strings.TrimSpace(s), 1.0
	lower := strings.ToLower(num)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, bad
	}
	b := n * mult
	switch {
	case b < 1:
		return 0, fmt.Errorf("bad size %q: want at least one byte", s)
	case b >= math.MaxInt64:
		return 0, fmt.Errorf("bad size %q: too large", s)
	}
	return int64(b), nil
}

func cmdCheck(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	fs, o := checkFlags(stderr)
	file, code := parseArgs(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	opt := check.Options{Workers: o.workers, All: o.all, Deterministic: o.deterministic, MaxStates: o.maxStates, IgnorePrints: o.ignorePrints}
	switch o.por {
	case "on":
	case "off":
		opt.NoPOR = true
	default:
		fmt.Fprintf(stderr, "deck check: --por must be on or off, not %q\n", o.por)
		return exitUsage
	}
	switch o.progress {
	case "on":
		opt.CheckProgress = true
	case "off":
	default:
		fmt.Fprintf(stderr, "deck check: --progress must be on or off, not %q\n", o.progress)
		return exitUsage
	}
	search, err := check.ParseSearch(o.search)
	if err != nil {
		fmt.Fprintf(stderr, "deck check: --search: %v\n", err)
		return exitUsage
	}
	opt.Search = search
	f, err := check.ParseFairness(o.fairness)
	if err != nil {
		fmt.Fprintf(stderr, "deck check: --fairness: %v\n", err)
		return exitUsage
	}
	opt.Fairness = f
	if o.maxMemory != "" {
		n, err := parseBytes(o.maxMemory)
		if err != nil {
			fmt.Fprintf(stderr, "deck check: --max-memory: %v\n", err)
			return exitUsage
		}
		opt.MaxMemory = n
	}
	if o.workers > check.MaxWorkers {
		fmt.Fprintf(stderr, "deck check: --workers can be at most %d\n", check.MaxWorkers)
		return exitUsage
	}
	if setFlag(fs, "workers") && o.workers == 0 {
		fmt.Fprintln(stderr, "deck check: --workers must be at least 1 (leave it out for one worker per core)")
		return exitUsage
	}
	if o.workers < 0 || o.maxStates < 0 {
		fmt.Fprintln(stderr, "deck check: --workers and --max-states cannot be negative")
		return exitUsage
	}
	// From here on, the first interrupt stops the search, which reports
	// what it found so far (verdict incomplete, exit 1).
	stop, done := e.watch()
	defer done()
	if !outputsWritable("check", file, [][2]string{{"svg", o.pics.svg}, {"html", o.pics.html}, {"graph", o.graph}}, stderr) {
		return exitUsage
	}
	prog, ok := load(e, file)
	if !ok {
		return exitUsage
	}
	local := prog
	if prog, ok = o.pf.apply(e, "check", prog); !ok {
		return exitUsage
	}
	limitMemory(&opt)
	if o.sameAsLocal {
		if o.pics.wanted() || o.graph != "" {
			fmt.Fprintln(stderr, "deck check: --svg, --html and --graph cannot be combined with --same-as-local")
			return exitUsage
		}
		if prog.Net == nil {
			fmt.Fprintln(stderr, "deck check: --same-as-local needs a placement (--place proc=NODE, or place declarations in the file) that puts some procedure off the home node")
			return exitUsage
		}
		return sameAsLocal(e, local, prog, opt, o, file)
	}
	m := vm.New(prog)
	var graph *render.Graph
	if o.graph != "" {
		// The graph first: a program too big to draw is refused before
		// the check starts.
		var err error
		if graph, err = render.StateGraph(m, shellArg(file)+o.pf.args(), 0); err != nil {
			fmt.Fprintf(stderr, "deck check: --graph: %s: %v\n", file, err)
			return exitUsage
		}
	}
	progress := newProgressLine(stderr, o.json)
	opt.Progress = progress.update
	opt.Stop = stop
	rep, err := check.Run(m, opt)
	progress.clear()
	if err != nil {
		fmt.Fprintf(stderr, "deck check: %v\n", err)
		return exitUsage
	}
	if o.json {
		j := checkReportJSON(rep)
		j.Placement = trace.PlacementToJSON(m)
		writeJSON(stdout, j)
	} else {
		writeCheckText(stdout, m, rep, shellArg(file)+o.pf.args(), opt, o.brief)
	}
	if !o.pics.write("check", m, checkPictures(shellArg(file)+o.pf.args(), rep), stderr) {
		return exitUsage
	}
	if graph != nil && !writeGraph(m, graph, rep, o.graph, stderr) {
		return exitUsage
	}
	if rep.Verdict == check.VerdictOK {
		return exitOK
	}
	return exitViolation
}

// limitMemory makes the memory limit (--max-memory, or the default) bound
// the whole process, which is what the system sees: what the process holds
// already (the program, the Go runtime, the executable's pages; its
// resident memory) counts against the search's budget, and the Go
// runtime's soft limit, set to the same limit less what the runtime does
// not manage itself, makes the collector return the garbage the search
// leaves (a table replaced by a bigger one, freed pages the runtime would
// otherwise keep) before the process would pass the limit. The search
// counts what it holds before allocating it (check.Options.MaxMemory), so
// what is live stays under the runtime's limit and the collector has
// garbage to collect, not a live heap to fight.
func limitMemory(opt *check.Options) {
	lim := opt.MaxMemory
	if lim <= 0 {
		lim = check.DefaultMaxMemory()
	}
	held := goHeld()
	base := max(check.ResidentMemory(), held)
	opt.MemoryBase = base
	debug.SetMemoryLimit(max(lim-(base-held), 1))
}

// goHeld is the memory the Go runtime holds from the system: everything it
// has mapped, less what it has returned.
func goHeld() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

type checkJSON struct {
	Verdict     string               `json:"verdict"`
	States      int64                `json:"states"`
	Transitions int64                `json:"transitions"`
	Depth       int                  `json:"depth"`
	Violations  []checkViolationJSON `json:"violations"`
	Outcomes    []trace.OutcomeJSON  `json:"outcomes"`
	Races       []raceJSON           `json:"races"`
	Incomplete  string               `json:"incomplete,omitempty"`
	// IgnorePrints: printed lines were left out of the states
	// (--ignore-prints); each outcome's lines are one shuffle's.
	IgnorePrints bool `json:"ignore_prints,omitempty"`
	// OutcomesCut: how many more distinct outcomes the search found than
	// outcomes lists (check.MaxReportedOutcomes).
	OutcomesCut int `json:"outcomes_cut,omitempty"`
	// Progress: what the progress check did (absent with --progress off).
	Progress *progressJSON `json:"progress,omitempty"`
	// Placement: where the procedures ran (placed programs only).
	Placement *trace.PlacementJSON `json:"placement,omitempty"`
	// Hunt: what the depth-first hunt did (absent when none ran).
	Hunt *huntJSON `json:"hunt,omitempty"`
}

type huntJSON struct {
	States    int64 `json:"states"`
	Walks     int64 `json:"walks"`
	Depth     int   `json:"depth"`
	Exhausted bool  `json:"exhausted"`
}

// checkViolationJSON is a violation as check reports it: unlike the
// violations of run --runs, it always has its trace, [] for a violation of
// the initial state.
type checkViolationJSON struct {
	trace.ViolationJSON
	Trace []trace.StepJSON `json:"trace"`
	// Shortest: proven shortest, found by the breadth-first safety search
	// and, with reduction, confirmed by the search without it (false: by
	// the depth-first hunt, shortened by replays, not proven shortest; by
	// a reduced search whose confirmation stopped at its bound; or by the
	// progress check, whose cycle or wait need not be shortest).
	Shortest bool `json:"shortest"`
	// A progress violation's lasso: the schedule to the cycle, and the
	// cycle (the whole schedule is "prefix,(cycle)").
	Prefix *string `json:"prefix,omitempty"`
	Cycle  string  `json:"cycle,omitempty"`
}

type progressJSON struct {
	Status      string `json:"status"` // ok, violation or unchecked
	Why         string `json:"why,omitempty"`
	Fairness    string `json:"fairness"`
	States      int64  `json:"states"`
	Transitions int64  `json:"transitions"`
}

// lassoParts splits a schedule with a cycle into its prefix and cycle.
func lassoParts(sch trace.Schedule) (prefix, cycle string) {
	pre, cyc := sch, trace.Schedule{}
	for t := sch.Prefix(); t < sch.NumTicks(); t++ {
		cyc.Add(sch.Tick(t)...)
	}
	pre.Truncate(sch.Prefix())
	return pre.String(), cyc.String()
}

type raceJSON struct {
	Var string       `json:"var"`
	A   raceSideJSON `json:"a"`
	B   raceSideJSON `json:"b"`
}

type raceSideJSON struct {
	Proc  string `json:"proc"`
	Card  string `json:"card"`
	Pos   string `json:"pos"`
	Text  string `json:"text"`
	Write bool   `json:"write"`
}

// checkReportJSON converts a report to its JSON form.
func checkReportJSON(rep *check.Report) checkJSON {
	verdict := rep.Verdict
	if verdict == check.VerdictIncomplete && len(rep.Violations) > 0 {
		verdict = check.VerdictViolation
	}
	j := checkJSON{Verdict: verdict, States: rep.States, Transitions: rep.Transitions, Depth: rep.Depth,
		Violations: []checkViolationJSON{}, Outcomes: []trace.OutcomeJSON{}, Races: []raceJSON{}, Incomplete: rep.Incomplete, IgnorePrints: rep.IgnorePrints,
		OutcomesCut: max(rep.OutcomesFound-len(rep.Outcomes), 0)}
	for _, cx := range rep.Violations {
		v := checkViolationJSON{ViolationJSON: trace.ViolationToJSON(cx.Violation, cx.Schedule.String(), cx.Steps), Shortest: !cx.Hunted && !cx.Progress && !cx.Unproven}
		v.Trace, v.ViolationJSON.Trace = v.ViolationJSON.Trace, nil
		if v.Trace == nil {
			v.Trace = []trace.StepJSON{}
		}
		if cx.Schedule.Cycle > 0 {
			pre, cyc := lassoParts(cx.Schedule)
			v.Prefix, v.Cycle = &pre, cyc
		}
		j.Violations = append(j.Violations, v)
	}
	for _, oc := range rep.Outcomes {
		j.Outcomes = append(j.Outcomes, trace.OutcomeToJSON(oc.Outcome))
	}
	if h := rep.Hunt; h != nil {
		j.Hunt = &huntJSON{States: h.States, Walks: h.Walks, Depth: h.Depth, Exhausted: h.Exhausted}
	}
	if pr := rep.Progress; pr != nil {
		j.Progress = &progressJSON{Status: pr.Status, Why: pr.Why, Fairness: pr.Fairness.String(), States: pr.States,
			Transitions: pr.Transitions}
	}
	side := func(s check.RaceSide) raceSideJSON {
		return raceSideJSON{Proc: s.Proc, Card: s.Card, Pos: s.Pos, Text: s.Text, Write: s.Write}
	}
	for _, r := range rep.Races {
		j.Races = append(j.Races, raceJSON{Var: r.Var, A: side(r.A), B: side(r.B)})
	}
	return j
}

// minStatesForBytesPerState is the smallest search whose memory per state
// the text output shows. The visited set and the parent records start with
// fixed-size tables, so on a small search their size divided by the
// number of states says nothing about how memory grows with the states.
const minStatesForBytesPerState = 10000

// memoryLine says how much memory a check took: the process's peak, which
// is what the machine had to give, and the part the safety search's
// tables (visited set, parents, frontier) account for per state. The
// progress check's graph, unreduced, and Go's heap are not in that
// figure, and can be most of the peak.
func memoryLine(perState float64, states int64, progress int64, peak int64) string {
	tables := fmt.Sprintf("the safety search's tables took %.0f bytes a state (%s)", perState, byteSize(int64(perState*float64(states))))
	rest := "Go's heap"
	if progress > 0 {
		tables += fmt.Sprintf(", the progress check's graph %s", byteSize(progress))
	}
	if peak <= 0 {
		return fmt.Sprintf("memory: %s, not counting %s", tables, rest)
	}
	return fmt.Sprintf("memory: %s at the peak for the whole process; %s; %s took the rest", byteSize(peak), tables, rest)
}

// progressMemory is what the progress check's graph took, or 0.
func progressMemory(pr *check.ProgressReport) int64 {
	if pr == nil {
		return 0
	}
	return pr.Memory
}

// countOf writes "1 state" or "40 states".
func countOf(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func writeCheckText(w io.Writer, m *vm.Machine, rep *check.Report, file string, opt check.Options, brief bool) {
	st := newStyle(w)
	p := m.P
	por := "on"
	if opt.NoPOR {
		por = "off"
	}
	fmt.Fprintf(w, "%s %s\n", st.bold("deck check"), file)
	if pl := trace.PlacementText(m); pl != "" {
		fmt.Fprintf(w, "%s %s\n", st.bold("nodes:"), pl)
	}
	fmt.Fprintf(w, "explored %s and %s, %d deep, in %s (%d worker%s, reduction %s)\n",
		countOf(rep.States, "state"), countOf(rep.Transitions, "transition"), rep.Depth,
		rep.Elapsed.Round(time.Millisecond), rep.Workers, plural(rep.Workers), por)
	pr := rep.Progress
	if pr != nil && pr.Status != check.ProgressUnchecked {
		fmt.Fprintf(w, "progress: %s, %s and %s, in %s\n", fairnessText(pr.Fairness),
			countOf(pr.States, "state"), countOf(pr.Transitions, "transition"), pr.Elapsed.Round(time.Millisecond))
	}
	if rep.States >= minStatesForBytesPerState {
		fmt.Fprintln(w, memoryLine(rep.BytesPerState, rep.States, progressMemory(pr), peakMemory()))
	}
	if h := rep.Hunt; h != nil {
		fmt.Fprintf(w, "hunt: depth-first walks in random orders stored %s in %s, %d deep, in %s\n",
			countOf(h.States, "state"), countOf(h.Walks, "walk"), h.Depth, h.Elapsed.Round(time.Millisecond))
	}
	for _, cx := range rep.Violations {
		fmt.Fprintln(w)
		writeViolation(w, st, p, cx.Violation)
		n := cx.Schedule.Len()
		if n == 0 {
			// An invariant false from the start: every run shows it.
			fmt.Fprintln(w, "the initial state shows it, before any card is dealt")
			fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay: deck run %s", file)))
			continue
		}
		if cx.Schedule.Cycle > 0 {
			pre := cx.Schedule.Prefix()
			if pre > 0 {
				fmt.Fprintf(w, "a shuffle to the cycle (%s):\n", countOf(int64(pre), "card"))
				writeStepsCut(w, cx.Steps[:pre], trace.ListOptions{Brief: brief})
			} else {
				fmt.Fprintln(w, "the cycle starts in the initial state")
			}
			fmt.Fprintf(w, "then this cycle (%s), which comes back to the same state and can repeat forever:\n", countOf(int64(cx.Schedule.Cycle), "card"))
			writeStepsCut(w, cx.Steps[pre:], trace.ListOptions{First: pre + 1, Brief: brief})
			args := file
			if opt.Fairness != check.FairWeak {
				// deck run judges the cycle's fairness as the check did.
				args += " --fairness " + opt.Fairness.String()
			}
			fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay: deck run %s --replay '%s'   (the cycle in parentheses is played %d times)", args, cx.Schedule.String(), deal.CyclePasses)))
			continue
		}
		switch {
		case cx.Hunted:
			fmt.Fprintf(w, "a shuffle that shows it, found by a depth-first walk and shortened to %s; not proven shortest:\n", countOf(int64(n), "card"))
		case cx.Unproven:
			// The search without reduction that confirms lengths
			// stopped at its bound first; the same search run to the
			// end (--por off --search bfs) gives a shortest one.
			fmt.Fprintf(w, "a shuffle that shows it (%s), not proven shortest (--por off --search bfs finds a shortest one, more slowly):\n", countOf(int64(n), "card"))
		case cx.Progress:
			// The path to where the property is asked for is shortest,
			// the wait after it need not be.
			fmt.Fprintf(w, "a shuffle that shows it (%s):\n", countOf(int64(n), "card"))
		default:
			fmt.Fprintf(w, "the shortest shuffle that shows it (%s):\n", countOf(int64(n), "card"))
		}
		writeStepsCut(w, cx.Steps, trace.ListOptions{Brief: brief})
		fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay: deck run %s --replay '%s'", file, cx.Schedule.String())))
	}
	fmt.Fprintln(w)
	// The search stops before exploring everything when a limit stops it,
	// or at the first violation without --all.
	safety := 0 // violations the safety search found (not lassos)
	for _, cx := range rep.Violations {
		if !cx.Progress {
			safety++
		}
	}
	stoppedByViolation := safety > 0 && !opt.All
	// A progress check stopped at a limit makes the verdict incomplete,
	// after a safety search that explored everything.
	progressOnly := rep.Progress != nil && rep.Progress.Stopped
	stoppedEarly := rep.Incomplete != "" && !progressOnly || stoppedByViolation
	if stoppedEarly && len(rep.Outcomes) > 0 {
		fmt.Fprintln(w, st.dim("(outcomes found before the search stopped; there may be more)"))
	}
	if opt.IgnorePrints && len(rep.Outcomes) > 0 {
		fmt.Fprintln(w, st.dim("(--ignore-prints: outcomes are told apart by their variables; the lines shown are those of one shuffle)"))
	}
	n := max(rep.OutcomesFound, len(rep.Outcomes)) // found; the first are listed
	switch {
	case opt.Search == check.SearchHunt:
		fmt.Fprintln(w, "no outcomes: --search hunt does not collect them")
	case n == 0 && stoppedEarly && rep.Incomplete == "":
		fmt.Fprintln(w, "no outcome yet: the search stopped at the first violation, before any shuffle had finished (--all explores every shuffle)")
	case n == 0 && stoppedEarly:
		fmt.Fprintln(w, "no outcome yet: the search stopped before any shuffle had finished")
	case n == 0:
		fmt.Fprintln(w, "no shuffle finishes: there is no outcome")
	case n == 1:
		fmt.Fprintf(w, "%s %s\n", st.bold("outcome:"), describeOutcome(rep.Outcomes[0].Outcome))
		if !stoppedEarly {
			if opt.IgnorePrints {
				fmt.Fprintln(w, "every shuffle that finishes gives these variables (its printed lines may differ)")
			} else {
				fmt.Fprintln(w, "every shuffle that finishes gives this one outcome")
			}
		}
	default:
		fmt.Fprintf(w, "%s (%d)\n", st.bold("outcomes"), n)
		for _, oc := range rep.Outcomes {
			fmt.Fprintf(w, "  %s\n", describeOutcome(oc.Outcome))
		}
		if more := n - len(rep.Outcomes); more > 0 {
			fmt.Fprintf(w, "  %s\n", st.dim(fmt.Sprintf("… and %d more (a report lists the first %d, each rebuilt from its shuffle)", more, len(rep.Outcomes))))
		}
		if len(rep.Outcomes) < 2 {
			fmt.Fprintf(w, "%s: the result depends on the shuffle\n", st.bold("not deterministic"))
			break
		}
		fmt.Fprintf(w, "%s: the result depends on the shuffle. Two shuffles that differ:\n", st.bold("not deterministic"))
		for _, oc := range rep.Outcomes[:2] {
			// A space at least between a long outcome and its command.
			fmt.Fprintf(w, "  %-30s deck run %s --replay '%s'\n", describeOutcome(oc.Outcome)+" ", file, oc.Schedule.String())
		}
	}
	if len(rep.Races) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s (%d): cards of different stacks that touch the same variable with nothing ordering them\n", st.bold("races"), len(rep.Races))
		for _, r := range rep.Races {
			fmt.Fprintf(w, "  %s: %s and %s\n", r.Var, raceSide(r.A), raceSide(r.B))
		}
	}
	fmt.Fprintln(w)
	// A violation found is a violation even when a limit then stopped the
	// search: the verdict says so, as in JSON, and the limit is noted.
	switch {
	case len(rep.Violations) > 0:
		fmt.Fprintf(w, "%s %d found\n", st.red("verdict: violation:"), len(rep.Violations))
		if rep.Incomplete != "" {
			fmt.Fprintf(w, "%s\n", st.dim("(the search was incomplete: "+rep.Incomplete+")"))
		} else if !opt.All && safety > 0 {
			fmt.Fprintln(w, st.dim("(the search stopped at the first; --all looks for every distinct violation)"))
		}
	case rep.Incomplete != "":
		fmt.Fprintf(w, "%s %s\n", st.red("verdict: incomplete:"), rep.Incomplete)
		if !opt.IgnorePrints && !progressOnly && p.PrintsInLoop() {
			// The likeliest reason a small program's search never ends.
			fmt.Fprintln(w, st.dim("(printed lines are part of every state: a stack that prints inside a loop that can go on forever never comes back to a state it was in, so the search cannot end; --ignore-prints leaves the lines out)"))
		}
		if !progressOnly && p.PostsInLoop() {
			// The likeliest reason a protocol's search never ends.
			fmt.Fprintln(w, st.dim("(a stack sends to another node inside a loop that can go on forever: when it may send again before an answer comes (after a timeout, say), messages in flight can pile up without bound, so the search cannot end; bound the resends with a counter, or wait for the answer before sending again)"))
		}
	case rep.Verdict == check.VerdictOK:
		fmt.Fprintf(w, "%s no violation in any shuffle\n", st.green("verdict: ok:"))
	default:
		fmt.Fprintf(w, "%s %s\n", st.red("verdict:"), rep.Verdict)
	}
	switch pr := rep.Progress; {
	case pr == nil:
		fmt.Fprintln(w, st.dim("(progress not checked: --progress off)"))
	case pr.Status == check.ProgressOK:
		props := ""
		if n := len(p.Props); n > 0 && n <= 3 {
			var srcs []string
			for _, pr := range p.Props {
				srcs = append(srcs, pr.Src)
			}
			verb := "holds"
			if n > 1 {
				verb = "hold"
			}
			props = fmt.Sprintf("; %s %s", strings.Join(srcs, ", "), verb)
		} else if n > 3 {
			props = fmt.Sprintf("; its %d eventually and leadsto properties hold", n)
		}
		runs := "every fair run"
		if pr.Fairness == check.FairNone {
			runs = "every run, fair or not"
		}
		fmt.Fprintf(w, "%s every stack that is not a daemon finishes in %s%s (%s)\n", st.green("progress: ok:"), runs, props, fairnessText(pr.Fairness))
	case pr.Status == check.ProgressUnchecked && safety > 0 && !opt.All:
		// The search stopped at a safety violation: nothing to add.
	case pr.Status == check.ProgressUnchecked:
		fmt.Fprintf(w, "%s %s\n", st.red("progress: unchecked:"), pr.Why)
	}
}

func raceSide(s check.RaceSide) string {
	verb := "reads"
	if s.Write {
		verb = "writes"
	}
	return fmt.Sprintf("%s card %s (%s %s) %s", s.Proc, s.Card, trace.ShortPos(s.Pos), s.Text, verb)
}

// progressLine shows a live progress line on a terminal's standard error.
// It is off (every method does nothing) when standard error is not a
// terminal or the output is JSON. Its methods may be called from any
// goroutine.
type progressLine struct {
	mu   sync.Mutex
	w    io.Writer
	on   bool
	last int
}

func newProgressLine(stderr io.Writer, quiet bool) *progressLine {
	return &progressLine{w: stderr, on: !quiet && isTerminal(stderr)}
}

func (pl *progressLine) update(p check.Progress) {
	if !pl.on {
		return
	}
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.States) / s
	}
	pl.show(fmt.Sprintf("%d states  %.0f states/s  depth %d  queue %d  %.0f MiB ",
		p.States, rate, p.Depth, p.Queue, float64(p.Memory)/(1<<20)))
}

// show replaces the line with text.
func (pl *progressLine) show(text string) {
	if !pl.on {
		return
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pad := ""
	if n := utf8.RuneCountInString(text); n < pl.last {
		pad = strings.Repeat(" ", pl.last-n)
	}
	fmt.Fprintf(pl.w, "\r%s%s", text, pad)
	pl.last = utf8.RuneCountInString(text)
}

func (pl *progressLine) clear() {
	if !pl.on {
		return
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.last > 0 {
		fmt.Fprintf(pl.w, "\r%s\r", strings.Repeat(" ", pl.last))
		pl.last = 0
	}
}

// fairnessText names a fairness in a sentence: "weak fairness", "strong
// fairness", "no fairness".
func fairnessText(f check.Fairness) string {
	if f == check.FairNone {
		return "no fairness"
	}
	return f.String() + " fairness"
}

// maxListedCards is the most cards of a counterexample the text report
// lists: the first and the last half of them, and a line for the rest. A
// loop of 110,000 rounds before a lasso listed 220,000 cards, 17 s and 841
// MB of text no one reads; --json and deck run --replay have them all.
const maxListedCards = 4000

// writeStepsCut writes steps as trace.WriteSteps does, the middle left out
// when there are more than maxListedCards.
func writeStepsCut(w io.Writer, steps []trace.Step, o trace.ListOptions) {
	if len(steps) <= maxListedCards {
		trace.WriteSteps(w, steps, o)
		return
	}
	first := max(o.First, 1)
	half := maxListedCards / 2
	trace.WriteSteps(w, steps[:half], o)
	fmt.Fprintf(w, "  … %d cards not listed (--json lists every card, deck run --replay plays them)\n", len(steps)-2*half)
	o.First = first + len(steps) - half
	trace.WriteSteps(w, steps[len(steps)-half:], o)
}
