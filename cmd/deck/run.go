package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/deal"
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
	maxTicks            int64
}

func runFlags(stderr io.Writer) (*flag.FlagSet, *runOptions) {
	o := &runOptions{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.cpus, "cpus", 1, "number of simulated processors; each takes at most one card per tick")
	fs.IntVar(&o.quantum, "quantum", 1, "cards a stack may take before its processor can be given to another stack")
	fs.StringVar(&o.dealer, "dealer", "random", "who deals: random (seeded), rr (round-robin), seq (run each stack until it finishes or blocks)")
	fs.Func("seed", "seed of the random dealer and of choose/either (default: a fresh one, printed)", func(s string) error {
		_, err := fmt.Sscan(s, &o.seed)
		o.seedSet = true
		return err
	})
	fs.StringVar(&o.replay, "replay", "", "deal exactly this schedule (as printed by run or check; @FILE reads it from a file)")
	fs.IntVar(&o.runs, "runs", 0, "deal this many runs (seeds S, S+1, ...) and show how often each outcome happened")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on standard output")
	fs.BoolVar(&o.showTrace, "trace", false, "list every card dealt (shown anyway for runs of at most 40 cards)")
	fs.Int64Var(&o.maxTicks, "max-ticks", deal.DefaultMaxTicks, "stop a run after this many ticks")
	fs.Bool("real", false, "run on real goroutine workers (not available yet)")
	fs.Int("workers", 0, "workers for --real (not available yet)")
	return fs, o
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs, o := runFlags(stderr)
	file, ok := parseArgs(fs, args, stderr)
	if !ok {
		return exitUsage
	}
	var real bool
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "real" || f.Name == "workers" {
			real = true
		}
	})
	if real {
		fmt.Fprintln(stderr, "deck run: --real is not available in this version yet; the simulated dealer is")
		return exitUsage
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
	if o.runs < 0 || (o.runs > 0 && o.replay != "") {
		fmt.Fprintln(stderr, "deck run: --runs needs a positive count and cannot be combined with --replay")
		return exitUsage
	}
	prog, ok := load(file, stderr)
	if !ok {
		return exitUsage
	}
	if !o.seedSet && kind == deal.Random {
		// A fresh seed, printed, so that any run can be dealt again. The
		// other dealers are deterministic; their seed (0 unless given)
		// only drives choose and either.
		o.seed = rand.Uint64() % 1_000_000
	}
	opt := deal.Options{Dealer: kind, CPUs: o.cpus, Quantum: o.quantum, Seed: o.seed, MaxTicks: o.maxTicks}
	if o.replay != "" {
		text := o.replay
		if strings.HasPrefix(text, "@") {
			b, err := os.ReadFile(text[1:])
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
		opt.CPUs = 1
		for t := 0; t < sch.NumTicks(); t++ {
			opt.CPUs = max(opt.CPUs, len(sch.Tick(t)))
		}
	}
	m := vm.New(prog)
	if o.runs > 0 {
		return runMany(m, opt, o, file, stdout)
	}
	opt.Steps = true
	res, err := deal.Run(m, opt)
	if err != nil {
		fmt.Fprintf(stderr, "deck run: %v\n", err)
		return exitUsage
	}
	if o.json {
		writeRunJSON(stdout, m, res)
	} else {
		writeRunText(stdout, m, res, opt, o, file)
	}
	if res.Violation != nil {
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
	Stopped   string               `json:"stopped,omitempty"`
}

func writeRunJSON(w io.Writer, m *vm.Machine, res *deal.Result) {
	sch := res.Schedule.String()
	j := runJSON{
		Seed: res.Seed, Outcome: trace.OutcomeToJSON(m.Outcome(res.Final)),
		Ticks: res.Ticks, Cards: res.Cards, Schedule: sch, Trace: trace.StepsJSON(res.Steps), Stopped: res.Stopped,
	}
	if res.Violation != nil {
		v := trace.ViolationToJSON(res.Violation, sch, nil)
		j.Violation = &v
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(j)
}

func writeRunText(w io.Writer, m *vm.Machine, res *deal.Result, opt deal.Options, o *runOptions, file string) {
	st := newStyle(w)
	p := m.P
	how := fmt.Sprintf("dealer %s, seed %d", opt.Dealer, res.Seed)
	if opt.Replay != nil {
		how = "replaying a schedule"
	}
	fmt.Fprintf(w, "%s %s  (%s, %d cpu%s, quantum %d)\n", st.bold("deck run"), file, how, opt.CPUs, plural(opt.CPUs), opt.Quantum)
	fmt.Fprintln(w)
	if o.showTrace || res.Cards <= 40 {
		fmt.Fprintln(w, st.bold("cards dealt:"))
		trace.Steps(w, res.Steps)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s  %s\n", st.bold("timeline"), st.dim("("+trace.Legend(m, res.Final)+")"))
	trace.Timeline(w, &res.Schedule, res.CPUs, opt.CPUs)
	fmt.Fprintln(w)
	fmt.Fprintln(w, st.bold("stacks:"))
	trace.Progress(w, m, res.Final, res.Taken)
	out := m.Outcome(res.Final)
	if len(out.Output) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.bold("printed:"))
		for _, l := range out.Output {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if len(out.Vars) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s %s\n", st.bold("final:"), outcomeText(out))
	}
	fmt.Fprintln(w)
	sch := res.Schedule.String()
	if res.Violation != nil {
		writeViolation(w, st, p, res.Violation)
	}
	switch res.Stopped {
	case "max-ticks":
		fmt.Fprintf(w, "stopped after %d ticks (--max-ticks): some stacks were still running\n", res.Ticks)
	case "replay-ended":
		fmt.Fprintln(w, "the schedule ended before the program did: some stacks can still move")
	}
	fmt.Fprintf(w, "%d ticks, %d cards on %d cpu%s\n", res.Ticks, res.Cards, opt.CPUs, plural(opt.CPUs))
	if len(sch) <= 2000 {
		fmt.Fprintf(w, "schedule: %s\n", sch)
		fmt.Fprintf(w, "%s\n", st.dim(fmt.Sprintf("replay:   deck run %s --replay '%s'", file, sch)))
	} else {
		fmt.Fprintf(w, "schedule: %d moves, too long to show (--json prints it; --seed %d deals this run again)\n", res.Schedule.Len(), res.Seed)
	}
}

// writeViolation prints a violation with its caret snippet and, for a
// deadlock, what every stuck stack waits for.
func writeViolation(w io.Writer, st style, p *card.Program, v *trace.Violation) {
	fmt.Fprintf(w, "%s %s\n", st.red("violation:"), v.Describe())
	fmt.Fprint(w, snippet(p, v.Pos))
	for _, s := range v.Stuck {
		fmt.Fprintf(w, "  %s at card %s (%s): waits for %s\n", s.Stack, s.Card, trace.ShortPos(s.Pos), s.Reason)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// runMany deals o.runs runs with consecutive seeds and shows a histogram.
func runMany(m *vm.Machine, opt deal.Options, o *runOptions, file string, w io.Writer) int {
	type bucket struct {
		outcome vm.Outcome
		count   int
		seed    uint64
	}
	type vbucket struct {
		v        *trace.Violation
		count    int
		schedule string
		seed     uint64
	}
	outcomes := map[string]*bucket{}
	violations := map[string]*vbucket{}
	var okeys, vkeys []string
	stopped := 0
	for k := 0; k < o.runs; k++ {
		opt.Seed = o.seed + uint64(k)
		res, _ := deal.Run(m, opt)
		if res.Violation != nil {
			key := res.Violation.Key()
			b := violations[key]
			if b == nil {
				b = &vbucket{v: res.Violation, schedule: res.Schedule.String(), seed: opt.Seed}
				violations[key] = b
				vkeys = append(vkeys, key)
			}
			b.count++
			continue
		}
		if res.Stopped != "" {
			stopped++
			continue
		}
		out := m.Outcome(res.Final)
		key := out.Key()
		b := outcomes[key]
		if b == nil {
			b = &bucket{outcome: out, seed: opt.Seed}
			outcomes[key] = b
			okeys = append(okeys, key)
		}
		b.count++
	}
	sort.SliceStable(okeys, func(i, j int) bool { return outcomes[okeys[i]].count > outcomes[okeys[j]].count })
	sort.SliceStable(vkeys, func(i, j int) bool { return violations[vkeys[i]].count > violations[vkeys[j]].count })
	if o.json {
		type manyJSON struct {
			Runs       int                   `json:"runs"`
			Outcomes   []trace.OutcomeJSON   `json:"outcomes"`
			Violations []trace.ViolationJSON `json:"violations"`
			Stopped    int                   `json:"stopped,omitempty"`
		}
		j := manyJSON{Runs: o.runs, Outcomes: []trace.OutcomeJSON{}, Violations: []trace.ViolationJSON{}, Stopped: stopped}
		for _, k := range okeys {
			b := outcomes[k]
			oj := trace.OutcomeToJSON(b.outcome)
			c := b.count
			oj.Count = &c
			j.Outcomes = append(j.Outcomes, oj)
		}
		for _, k := range vkeys {
			b := violations[k]
			vj := trace.ViolationToJSON(b.v, b.schedule, nil)
			c := b.count
			vj.Count = &c
			j.Violations = append(j.Violations, vj)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(j)
	} else {
		st := newStyle(w)
		fmt.Fprintf(w, "%s %s  (%d runs, dealer %s, seeds %d..%d, %d cpu%s, quantum %d)\n\n", st.bold("deck run"), file,
			o.runs, opt.Dealer, o.seed, o.seed+uint64(o.runs)-1, opt.CPUs, plural(opt.CPUs), opt.Quantum)
		if len(okeys) > 0 {
			fmt.Fprintln(w, st.bold("outcomes:"))
			for _, k := range okeys {
				b := outcomes[k]
				fmt.Fprintf(w, "  %-40s %s %d  %s\n", describeOutcome(b.outcome), bar(b.count, o.runs), b.count, st.dim(fmt.Sprintf("(e.g. --seed %d)", b.seed)))
			}
		}
		if len(vkeys) > 0 {
			fmt.Fprintln(w, st.bold("violations:"))
			for _, k := range vkeys {
				b := violations[k]
				fmt.Fprintf(w, "  %s %s %d  %s\n", st.red(b.v.Kind), bar(b.count, o.runs), b.count, st.dim(fmt.Sprintf("(e.g. --seed %d)", b.seed)))
				fmt.Fprintf(w, "    %s\n", b.v.Describe())
			}
		}
		if stopped > 0 {
			fmt.Fprintf(w, "%d runs hit --max-ticks before finishing\n", stopped)
		}
		if len(okeys) > 1 {
			fmt.Fprintf(w, "\nthe result depends on the shuffle: %d different outcomes\n", len(okeys))
		}
	}
	if len(vkeys) > 0 {
		return exitViolation
	}
	return exitOK
}

func describeOutcome(o vm.Outcome) string {
	s := outcomeText(o)
	for _, l := range o.Output {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("%q", l)
	}
	if s == "" {
		s = "(no variables, nothing printed)"
	}
	return s
}

func bar(n, total int) string {
	if total == 0 {
		return ""
	}
	w := (n*30 + total - 1) / total
	return strings.Repeat("█", w) + strings.Repeat(" ", 30-w)
}
