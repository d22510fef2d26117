package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// playInput is where deck play reads the player's moves (a variable so
// that tests can feed it).
var playInput io.Reader = os.Stdin

const playHelp = `You are the dealer: at every tick, pick the stack that takes the next card.
  S      deal stack S's next card (Enter alone: the only stack that can move)
  S:K    ... taking alternative K of its choose or either
  u      undo the last card (also once the game is over, to try another way)
  q      stop here and print the schedule
  h      this help
Break the program (a failed assert, a broken always, a deadlock) to win.`

// playNetHelp adds the moves of a program placed on nodes.
const playNetHelp = `  mN     deliver message N; xN drops it, dN delivers a copy
  cN     crash node N (with --crash); pN split the network (with --partitions); heal heals it`

func cmdPlay(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	from := fs.String("from", "", "start from this schedule (as run and check print it)")
	pf := addPlaceFlags(fs)
	file, code := parseArgs(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if file == "-" {
		fmt.Fprintln(stderr, "deck play: the program cannot come from standard input (-): the moves do")
		return exitUsage
	}
	prog, ok := load(e, file)
	if !ok {
		return exitUsage
	}
	if prog, ok = pf.apply(e, "play", prog); !ok {
		return exitUsage
	}
	var moves []trace.Move
	if *from != "" {
		sch, err := trace.Parse(*from)
		if err != nil {
			fmt.Fprintf(stderr, "deck play: --from: %v\n", err)
			return exitUsage
		}
		for t := 0; t < sch.NumTicks(); t++ {
			if len(sch.Tick(t)) != 1 {
				fmt.Fprintf(stderr, "deck play: --from: tick %d deals %d cards; play deals one card a tick\n", t+1, len(sch.Tick(t)))
				return exitUsage
			}
			moves = append(moves, sch.Tick(t)[0])
		}
	}
	m := vm.New(prog)
	if _, err := dealMoves(m, moves); err != nil {
		fmt.Fprintf(stderr, "deck play: --from: %v\n", err)
		return exitUsage
	}
	st := newStyle(stdout)
	help := playHelp
	if prog.Net != nil {
		help = strings.Replace(playHelp, "  u      undo", playNetHelp+"\n  u      undo", 1)
	}
	fmt.Fprintf(stdout, "%s %s\n%s\n", st.bold("deck play"), file, help)
	in := bufio.NewScanner(playInput)
	shown := 0 // cards already listed
	for {
		res, err := dealMoves(m, moves)
		if err != nil {
			var re *deal.ReplayError
			if errors.As(err, &re) {
				// The last move did not fit: say why and take it back.
				fmt.Fprintf(stdout, "%s %s\n", st.red("no:"), re.Msg)
				moves = moves[:len(moves)-1]
				continue
			}
			fmt.Fprintf(stderr, "deck play: %v\n", err)
			return exitUsage
		}
		if len(res.Steps) > shown {
			fmt.Fprintln(stdout)
			trace.StepsFrom(stdout, res.Steps[shown:], shown+1)
		} else if len(res.Steps) < shown {
			fmt.Fprintf(stdout, "\n(undone: back to card %d)\n", len(res.Steps))
		}
		shown = len(res.Steps)
		out := m.Outcome(res.Final)
		if len(out.Vars) > 0 {
			fmt.Fprintf(stdout, "%s %s\n", st.dim("shared:"), outcomeText(out))
		}
		if res.Violation != nil || res.Stopped == "" {
			fmt.Fprintln(stdout)
			if res.Violation != nil {
				writeViolation(stdout, st, prog, res.Violation)
				fmt.Fprintln(stdout, st.green("You broke it."))
			} else {
				fmt.Fprintf(stdout, "every stack has finished: %s\n", outcomeLine(out))
			}
			playSchedule(stdout, shellArg(file)+pf.args(), &res.Schedule)
			code := exitOK
			if res.Violation != nil {
				code = exitViolation
			}
			// The game is over, but a counterexample (--from) can be
			// varied: u takes the last card back.
			fmt.Fprint(stdout, "u undoes the last card, anything else ends the game\n> ")
			if in.Scan() && strings.TrimSpace(in.Text()) == "u" && len(moves) > 0 {
				moves = moves[:len(moves)-1]
				continue
			}
			fmt.Fprintln(stdout)
			return code
		}
		// Offer every stack that can move; list the waiting ones too.
		fmt.Fprintf(stdout, "\ntick %d: who moves?\n", len(moves)+1)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		only := -1
		for i := 0; i < res.Final.NumStacks(); i++ {
			if res.Final.Finished(prog, i) {
				continue
			}
			pc := res.Final.PC(i)
			what := fmt.Sprintf("%d\t%s\tcard %s\t%s\t%s", i, m.StackName(res.Final, i), prog.Numbers[pc], trace.ShortPos(prog.Position(prog.Cards[pc].Pos)), prog.Labels[pc])
			if !m.Enabled(res.Final, i) {
				fmt.Fprintf(tw, "  %s\t%s\n", what, st.dim("waits: "+m.WaitReason(res.Final, i)))
				continue
			}
			if only == -1 {
				only = i
			} else {
				only = -2
			}
			note := ""
			if k := m.Choices(res.Final, i); k > 1 {
				note = fmt.Sprintf("alternatives 0..%d: type %d:K", k-1, i)
				if card.Guarded(prog, pc) {
					note += " (" + openBranches(m, res.Final, i, k) + ")"
				}
				if prog.Cards[pc].Op == card.Select {
					note += " (" + readyCases(m, res.Final, i, k) + ")"
				}
				if prog.Cards[pc].Op == card.Signal {
					note += " (" + wakes(m, res.Final, i, k) + ")"
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\n", what, note)
		}
		// The network's moves: every message in flight.
		for k := 0; k < res.Final.NumMsgs(); k++ {
			msg := res.Final.Msg(k)
			var can []string
			if m.Deliverable(res.Final, k) {
				can = append(can, fmt.Sprintf("m%d delivers", msg.Tag))
				if only == -1 {
					only = -3 - k
				} else {
					only = -2
				}
			}
			if m.Droppable(res.Final, k) {
				can = append(can, fmt.Sprintf("x%d drops", msg.Tag))
			}
			if m.Duplicable(res.Final, k) {
				can = append(can, fmt.Sprintf("d%d duplicates", msg.Tag))
			}
			what := fmt.Sprintf("m%d\t%s→%s\t%s", msg.Tag, m.NodeName(msg.From), m.NodeName(msg.To), m.DescribeMsg(res.Final, msg))
			if len(can) == 0 {
				fmt.Fprintf(tw, "  %s\t\t%s\n", what, st.dim("waits: the channel has no room, or an earlier message on its link"))
				continue
			}
			fmt.Fprintf(tw, "  %s\t\t%s\n", what, strings.Join(can, ", "))
		}
		// The node faults the flags allow now.
		if prog.Net != nil {
			var faults []string
			for n := int32(0); n < int32(len(prog.Net.Nodes)); n++ {
				if m.CanCrash(res.Final, n) {
					faults = append(faults, fmt.Sprintf("c%d crashes %s", n, m.NodeName(n)))
				}
			}
			for _, cut := range m.Cuts(res.Final) {
				faults = append(faults, fmt.Sprintf("p%d splits %s", cut, trace.SplitText(m, cut)))
			}
			if m.CanHeal(res.Final) {
				faults = append(faults, "heal heals the network")
			}
			if len(faults) > 0 {
				fmt.Fprintf(tw, "  faults\t\t%s\n", strings.Join(faults, ", "))
			}
		}
		tw.Flush()
		fmt.Fprint(stdout, "> ")
		if !in.Scan() {
			fmt.Fprintln(stdout)
			playSchedule(stdout, shellArg(file)+pf.args(), &res.Schedule)
			return exitOK
		}
		line := strings.TrimSpace(in.Text())
		switch {
		case line == "q":
			playSchedule(stdout, shellArg(file)+pf.args(), &res.Schedule)
			return exitOK
		case line == "u":
			if len(moves) == 0 {
				fmt.Fprintln(stdout, "nothing to undo")
			} else {
				moves = moves[:len(moves)-1]
			}
		case line == "" && only >= 0 && m.Choices(res.Final, only) == 1:
			moves = append(moves, trace.Move{Stack: int32(only)})
		case line == "" && only >= 0:
			fmt.Fprintf(stdout, "stack %d has %d alternatives: type %d:K to pick one\n", only, m.Choices(res.Final, only), only)
		case line == "" && only <= -3:
			moves = append(moves, trace.Move{Stack: trace.NetDeliver, Choice: res.Final.Msg(-3 - only).Tag})
		case line == "" && prog.Net == nil:
			fmt.Fprintln(stdout, "more than one stack can move: type a stack number")
		case line == "":
			fmt.Fprintln(stdout, "more than one move is possible: type a stack number or a message move")
		case line == "h" || line == "?" || line == "help":
			fmt.Fprintln(stdout, help)
		default:
			mv, err := parseMove(line)
			if err != nil {
				fmt.Fprintf(stdout, "%s %v (h for help)\n", st.red("no:"), err)
				continue
			}
			moves = append(moves, mv)
		}
	}
}

// dealMoves replays moves, one card a tick, with the card-by-card record.
func dealMoves(m *vm.Machine, moves []trace.Move) (*deal.Result, error) {
	var sch trace.Schedule
	for _, mv := range moves {
		sch.Add(mv)
	}
	return deal.Run(m, deal.Options{CPUs: 1, Quantum: 1, Replay: &sch, Steps: true})
}

// parseMove reads "S", "S:K", a message move "m3", "x3", "d3", or a
// fault "c2", "p6", "heal" (a schedule writes a heal "h", which play
// keeps for help).
func parseMove(text string) (trace.Move, error) {
	if text == "heal" {
		return trace.Move{Stack: trace.NetHeal}, nil
	}
	if len(text) > 1 && strings.ContainsRune("mxdcp", rune(text[0])) && text[1] >= '0' && text[1] <= '9' {
		sch, err := trace.Parse(text)
		if err != nil || sch.Len() != 1 {
			return trace.Move{}, fmt.Errorf("%q is not a message move (m3, x3 or d3) or a fault (c2, p6)", text)
		}
		return sch.Moves[0], nil
	}
	s, k, hasK := strings.Cut(text, ":")
	// 32 bits, as a schedule's moves: a larger number names no stack or
	// alternative, and must not wrap round to one that exists.
	st, err := strconv.ParseInt(s, 10, 32)
	if err != nil || st < 0 {
		return trace.Move{}, fmt.Errorf("%q is not a stack number", text)
	}
	mv := trace.Move{Stack: int32(st)}
	if hasK {
		ch, err := strconv.ParseInt(k, 10, 32)
		if err != nil || ch < 0 {
			return trace.Move{}, fmt.Errorf("%q is not an alternative number", k)
		}
		mv.Choice = int32(ch)
	}
	return mv, nil
}

// outcomeLine is an outcome on one line, printed lines included.
func outcomeLine(o vm.Outcome) string {
	if o.Key() == "" {
		return "(no shared variables, nothing printed)"
	}
	return o.Shown()
}

func playSchedule(w io.Writer, file string, sch *trace.Schedule) {
	s := sch.String()
	if s == "" {
		fmt.Fprintln(w, "schedule: (empty: no card was dealt)")
	} else {
		fmt.Fprintf(w, "schedule: %s\n", s)
	}
	fmt.Fprintf(w, "replay:   deck run %s --replay '%s'\n", file, s)
}

// openBranches says which branch of a guarded either each alternative
// takes: "0: branch 1, 1: branch 3" (branches counted from 1).
func openBranches(m *vm.Machine, s *vm.State, i, k int) string {
	var parts []string
	for c := 0; c < k; c++ {
		parts = append(parts, fmt.Sprintf("%d: branch %d", c, m.EitherBranch(s, i, c)+1))
	}
	return strings.Join(parts, ", ")
}

// wakes names, for each alternative of stack i's signal, the sleeper it
// wakes: the stack that alternative moves on, on a copy of the state.
func wakes(m *vm.Machine, s *vm.State, i, k int) string {
	var parts []string
	for c := 0; c < k; c++ {
		t := s.Clone()
		m.Step(t, i, c)
		for j := 0; j < s.NumStacks(); j++ {
			if j != i && t.PC(j) != s.PC(j) {
				parts = append(parts, fmt.Sprintf("%d: wakes %s", c, m.StackName(s, j)))
				break
			}
		}
	}
	return strings.Join(parts, ", ")
}

// readyCases says which case of a select each alternative takes: "0: case
// 1, 1: case 3" (cases counted from 1).
func readyCases(m *vm.Machine, s *vm.State, i, k int) string {
	var parts []string
	for c := 0; c < k; c++ {
		parts = append(parts, fmt.Sprintf("%d: case %d", c, m.SelectCase(s, i, c)+1))
	}
	return strings.Join(parts, ", ")
}
