package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// sameAsLocal checks a program twice, on one machine and placed on nodes,
// and reports the endings (outcomes and violations) the placement adds or
// loses. It exits 1 when the placement adds any, or when a search could
// not finish.
func sameAsLocal(e *env, local, placed *card.Program, opt check.Options, o *checkOptions, file string) int {
	stdout, stderr := e.stdout, e.stderr
	opt.All = true // every distinct violation is an ending to compare
	lm, pm := vm.New(local), vm.New(placed)
	progress := newProgressLine(stderr, o.json)
	opt.Progress = progress.update
	lrep, err := check.Run(lm, opt)
	if err == nil {
		var prep *check.Report
		prep, err = check.Run(pm, opt)
		progress.clear()
		if err == nil {
			cmp := check.Compare(lrep, prep)
			if o.json {
				writeSameJSON(stdout, lm, pm, lrep, prep, cmp)
			} else {
				flags, localFlags := o.pf.args(), homeFlags(placed)
				if opt.Fairness != check.FairWeak {
					// deck run judges a lasso's fairness as the check did.
					flags += " --fairness " + opt.Fairness.String()
					localFlags += " --fairness " + opt.Fairness.String()
				}
				writeSameText(stdout, lm, pm, lrep, prep, cmp, shellArg(file), flags, localFlags)
			}
			if !cmp.Same() || !cmp.Complete {
				return exitViolation
			}
			return exitOK
		}
	}
	progress.clear()
	fmt.Fprintf(stderr, "deck check: %v\n", err)
	return exitUsage
}

// endingText names an ending on one line.
func endingText(x *check.Ending) string {
	if x.Outcome != nil {
		return "outcome " + describeOutcome(x.Outcome.Outcome)
	}
	v := x.Violation.Violation
	return fmt.Sprintf("%s at %s: %s", v.Kind, v.Pos, v.Message)
}

// homeFlags is the --place that puts every procedure of placed back on
// home, for the replay of an ending on one machine: the file's place
// declarations would otherwise apply. "" when nothing is placed elsewhere.
func homeFlags(placed *card.Program) string {
	if placed.Net == nil {
		return ""
	}
	var items []string
	for i, pr := range placed.Procs {
		if i < len(placed.Net.ProcNode) && placed.Net.ProcNode[i] != 0 {
			items = append(items, pr.Name+"="+card.HomeNode)
		}
	}
	if len(items) == 0 {
		return ""
	}
	return " --place " + strings.Join(items, ",")
}

func writeSameText(w io.Writer, lm, pm *vm.Machine, lrep, prep *check.Report, cmp *check.Comparison, file, flags, localFlags string) {
	st := newStyle(w)
	fmt.Fprintf(w, "%s %s --same-as-local\n", st.bold("deck check"), file+flags)
	fmt.Fprintf(w, "%s %s\n", st.bold("nodes:"), trace.PlacementText(pm))
	summary := func(r *check.Report) string {
		return fmt.Sprintf("%s, %s, %s", countOf(r.States, "state"), countOf(int64(len(r.Outcomes)), "outcome"), countOf(int64(len(r.Violations)), "violation"))
	}
	fmt.Fprintf(w, "on one machine:  %s\n", summary(lrep))
	fmt.Fprintf(w, "on these nodes:  %s\n", summary(prep))
	if !cmp.Complete {
		fmt.Fprintln(w, st.dim("(a search stopped early, so the comparison may miss endings)"))
		if lrep.Incomplete != "" {
			fmt.Fprintln(w, st.dim("(on one machine: "+lrep.Incomplete+")"))
		}
		if prep.Incomplete != "" {
			fmt.Fprintln(w, st.dim("(on these nodes: "+prep.Incomplete+")"))
		}
		if !lrep.IgnorePrints && pm.P.PrintsInLoop() {
			fmt.Fprintln(w, st.dim("(printed lines are part of every state: a stack that prints inside a loop that can go on forever never comes back to a state it was in; --ignore-prints leaves the lines out)"))
		}
	}
	fmt.Fprintln(w)
	switch {
	case len(cmp.Added) == 0 && !cmp.Complete:
		fmt.Fprintln(w, "no ending added so far: the searches stopped before they had seen every way the program ends")
	case len(cmp.Added) == 0:
		fmt.Fprintln(w, "the placement adds nothing: every way the placed program ends, it also ends on one machine")
	default:
		fmt.Fprintf(w, "%s (%d): ways the program ends on these nodes but never on one machine\n", st.bold("added"), len(cmp.Added))
		for k := range cmp.Added {
			x := &cmp.Added[k]
			fmt.Fprintf(w, "\n  %s\n", endingText(x))
			sch := x.Schedule()
			var steps []trace.Step
			if x.Violation != nil {
				steps = x.Violation.Steps
			} else if res, err := replaySteps(pm, sch); err == nil {
				steps = res
			}
			if len(steps) > 0 {
				shortest := x.Violation == nil || !x.Violation.Progress && !x.Violation.Hunted && !x.Violation.Unproven
				switch {
				case sch.Cycle > 0:
					// A lasso: the way to the cycle, then one pass of it.
					cyc := sch.CycleMoves()
					fmt.Fprintf(w, "  a run that never ends: %s to the cycle, then the cycle (%s), which repeats forever:\n", countOf(int64(sch.Len()-cyc), "move"), countOf(int64(cyc), "move"))
				case shortest:
					fmt.Fprintf(w, "  the shortest shuffle that reaches it (%s):\n", countOf(int64(sch.Len()), "move"))
				default:
					fmt.Fprintf(w, "  a shuffle that reaches it (%s), not proven shortest:\n", countOf(int64(sch.Len()), "move"))
				}
				trace.StepsFrom(w, steps, 1)
			}
			fmt.Fprintf(w, "  %s\n", st.dim(fmt.Sprintf("replay: deck run %s%s --replay '%s'", file, flags, sch.String())))
		}
	}
	if len(cmp.Lost) > 0 {
		if cmp.Complete {
			fmt.Fprintf(w, "\n%s (%d): ways the program ends on one machine but never on these nodes\n", st.bold("lost"), len(cmp.Lost))
		} else {
			fmt.Fprintf(w, "\n%s (%d): ways the program ends on one machine that the search on these nodes had not reached when it stopped\n", st.bold("not seen on these nodes"), len(cmp.Lost))
		}
		for k := range cmp.Lost {
			x := &cmp.Lost[k]
			fmt.Fprintf(w, "  %-40s  deck run %s%s --replay '%s'\n", endingText(x), file, localFlags, x.Schedule().String())
		}
	}
	fmt.Fprintln(w)
	switch {
	case len(cmp.Added) > 0:
		fmt.Fprintf(w, "%s no: on these nodes the program can end in %s that one machine never shows\n", st.red("same as local:"), countOf(int64(len(cmp.Added)), "way"))
	case !cmp.Complete:
		fmt.Fprintf(w, "%s unknown: a search stopped before it had seen everything\n", st.red("same as local:"))
	case len(cmp.Lost) > 0:
		fmt.Fprintf(w, "%s yes, and narrower: nothing new on these nodes, though %s of one machine never happen%s there\n", st.green("same as local:"), countOf(int64(len(cmp.Lost)), "ending"), map[bool]string{true: "s", false: ""}[len(cmp.Lost) == 1])
	default:
		fmt.Fprintf(w, "%s yes: the program ends the same ways on these nodes as on one machine\n", st.green("same as local:"))
	}
}

// replaySteps deals a schedule of m's program and returns its steps.
func replaySteps(m *vm.Machine, sch *trace.Schedule) ([]trace.Step, error) {
	res, err := dealReplay(m, sch)
	if err != nil {
		return nil, err
	}
	return res.Steps, nil
}

type sameJSON struct {
	checkJSON
	SameAsLocal sameFieldJSON `json:"same_as_local"`
}

type sameFieldJSON struct {
	Same     bool         `json:"same"`
	Complete bool         `json:"complete"`
	Local    sideJSON     `json:"local"`
	Added    []endingJSON `json:"added"`
	Lost     []endingJSON `json:"lost"`
}

type sideJSON struct {
	Verdict    string `json:"verdict"`
	States     int64  `json:"states"`
	Outcomes   int    `json:"outcomes"`
	Violations int    `json:"violations"`
}

type endingJSON struct {
	Outcome   *trace.OutcomeJSON   `json:"outcome,omitempty"`
	Violation *trace.ViolationJSON `json:"violation,omitempty"`
	Schedule  string               `json:"schedule"`
}

func writeSameJSON(w io.Writer, lm, pm *vm.Machine, lrep, prep *check.Report, cmp *check.Comparison) {
	j := sameJSON{checkJSON: checkReportJSON(prep)}
	j.Placement = trace.PlacementToJSON(pm)
	j.SameAsLocal = sameFieldJSON{
		Same: cmp.Same(), Complete: cmp.Complete,
		Local: sideJSON{Verdict: lrep.Verdict, States: lrep.States, Outcomes: len(lrep.Outcomes), Violations: len(lrep.Violations)},
		Added: []endingJSON{}, Lost: []endingJSON{},
	}
	conv := func(xs []check.Ending) []endingJSON {
		out := []endingJSON{}
		for k := range xs {
			x := &xs[k]
			e := endingJSON{Schedule: x.Schedule().String()}
			if x.Outcome != nil {
				oj := trace.OutcomeToJSON(x.Outcome.Outcome)
				e.Outcome = &oj
			} else {
				vj := trace.ViolationToJSON(x.Violation.Violation, e.Schedule, x.Violation.Steps)
				e.Violation = &vj
			}
			out = append(out, e)
		}
		return out
	}
	j.SameAsLocal.Added, j.SameAsLocal.Lost = conv(cmp.Added), conv(cmp.Lost)
	writeJSON(w, j)
}

// dealReplay deals a schedule with the card-by-card record on.
func dealReplay(m *vm.Machine, sch *trace.Schedule) (*deal.Result, error) {
	return deal.Run(m, deal.Options{Replay: sch, Steps: true})
}
