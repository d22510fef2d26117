package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// GlobalJSON is one shared variable or synchronisation object, each element
// rendered for people: a value, a lock's holder, a semaphore's count, an
// event's latch, a channel's contents.
type GlobalJSON struct {
	Name   string   `json:"name"`
	Kind   string   `json:"kind"`
	Array  bool     `json:"array,omitempty"`
	Hidden bool     `json:"hidden,omitempty"`
	Node   string   `json:"node,omitempty"`
	Values []string `json:"values"`
}

// LocalJSON is one local slot of a stack.
type LocalJSON struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// StackJSON is one stack: where it stands in its source, whether it can
// move and, when it cannot, what it waits for.
type StackJSON struct {
	ID       int         `json:"id"`
	Name     string      `json:"name"`
	Node     string      `json:"node,omitempty"`
	Finished bool        `json:"finished"`
	Stopped  bool        `json:"stopped,omitempty"` // its node crashed
	Return   string      `json:"return,omitempty"`
	Card     string      `json:"card,omitempty"`
	Label    string      `json:"label,omitempty"`
	Line     int32       `json:"line,omitempty"`
	Col      int32       `json:"col,omitempty"`
	Enabled  bool        `json:"enabled"`
	Waits    string      `json:"waits,omitempty"`
	Locals   []LocalJSON `json:"locals,omitempty"`
	Taken    int64       `json:"taken"`
}

// MoveJSON is one move the dealer may make now.
type MoveJSON struct {
	Move  string `json:"move"` // as a schedule writes it: "1", "0:2", "m3", "x3", "d3"
	Stack int    `json:"stack"`
	Kind  string `json:"kind"` // "stack", "deliver", "drop" or "duplicate"
	Label string `json:"label"`
}

// MessageJSON is a message in flight between nodes.
type MessageJSON struct {
	N    int32  `json:"n"`
	From string `json:"from"`
	To   string `json:"to"`
	What string `json:"what"`
	Can  string `json:"can,omitempty"` // "" when it cannot be delivered yet
}

// StateJSON answers /api/state: a position of the game.
type StateJSON struct {
	Schedule  string               `json:"schedule"`
	Moves     int                  `json:"moves"`  // moves played
	Status    string               `json:"status"` // "playing", "broken" or "finished"
	Message   string               `json:"message"`
	Violation *trace.ViolationJSON `json:"violation,omitempty"`
	// Also are the violations the same run shows besides Violation (deal's
	// Result.Also): a lasso that starves a stack and never meets an
	// eventually shows both, and a level whose goal is the second is won.
	Also     []trace.ViolationJSON `json:"also,omitempty"`
	Shared   []GlobalJSON          `json:"shared"`
	Stacks   []StackJSON           `json:"stacks"`
	InFlight []MessageJSON         `json:"inflight,omitempty"`
	Output   []string              `json:"output"`
	Choices  []MoveJSON            `json:"choices"`
	Steps    []trace.StepJSON      `json:"steps"`
	Outcome  string                `json:"outcome,omitempty"`
	// Wide lists the stacks whose choice has more alternatives than
	// Choices offers buttons for (maxButtons): the page lets the
	// learner type the one they want.
	Wide []WideJSON `json:"wide,omitempty"`
}

// WideJSON is a stack whose next card has more alternatives than the
// page has buttons for.
type WideJSON struct {
	Stack int    `json:"stack"`
	Label string `json:"label"`
	Count int    `json:"count"` // alternatives 0..Count-1 (the K of the move S:K)
	// First is the value alternative 0 takes, for a choose (alternative K
	// takes First+K); nil for other cards.
	First *int64 `json:"first,omitempty"`
}

// maxButtons bounds the buttons of one stack's alternatives.
const maxButtons = 64

// readPosition reads a request that names a position: its program,
// compiled and placed, the moves of its schedule and how many of the last
// ones are a cycle (a progress violation's lasso, "0,(1)"). On bad input
// it has answered already and returns false.
func (s *Server) readPosition(w http.ResponseWriter, r *http.Request) (*request, *card.Program, []trace.Move, int, bool) {
	req, ok := readRequest(w, r)
	if !ok {
		return nil, nil, nil, 0, false
	}
	p, err := s.compileSource(req)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, CompileJSON{Errors: errorsJSON(err, req.Source)})
		return nil, nil, nil, 0, false
	}
	moves, cycle, err := parseMoves(req.Schedule)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error()) // trace's errors start "schedule: "
		return nil, nil, nil, 0, false
	}
	return req, p, moves, cycle, true
}

func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	req, p, moves, cycle, ok := s.readPosition(w, r)
	if !ok {
		return
	}
	if req.Upto != nil && *req.Upto >= 0 && *req.Upto < len(moves) {
		moves, cycle = moves[:*req.Upto], 0
	}
	if req.Undo && len(moves) > 0 {
		moves, cycle = moves[:len(moves)-1], 0
	}
	if req.Move != "" {
		cycle = 0
		mv, _, err := parseMoves(req.Move)
		if err != nil || len(mv) != 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not one move", req.Move))
			return
		}
		moves = append(moves, mv[0])
	}
	if len(moves) > MaxMoves {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the schedule has more than %d moves, the most the playground replays", MaxMoves))
		return
	}
	st, err := Play(p, moves, cycle)
	if err != nil {
		var re *deal.ReplayError
		if errors.As(err, &re) {
			// Fits, the moves played before the one that does not fit,
			// lets a page that opened a bad link show that far.
			writeJSON(w, http.StatusConflict, misfitJSON{Error: "that move does not fit: " + re.Msg, Fits: min(re.Tick, len(moves))})
			return
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// misfitJSON answers a schedule with a move that does not fit.
type misfitJSON struct {
	Error string `json:"error"`
	Fits  int    `json:"fits"` // the moves before it, which fit
}

// parseMoves reads a schedule and flattens it to one move a tick, as the
// playground deals it; cycle is how many of the last moves are its cycle
// (0 when it has none).
func parseMoves(text string) (moves []trace.Move, cycle int, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, 0, nil
	}
	// Bounded as it is read: "0*16777216" is 21 bytes, and expanding it
	// to find it too long took hundreds of MB a request.
	sch, err := trace.ParseMax(text, MaxMoves)
	if err != nil {
		return nil, 0, err
	}
	return sch.Moves, sch.CycleMoves(), nil
}

// lasso is moves as a schedule of one move a tick, the last cycle of them
// a cycle that repeats.
func lasso(moves []trace.Move, cycle int) *trace.Schedule {
	sch := &trace.Schedule{}
	for _, mv := range moves {
		sch.Add(mv)
	}
	sch.Cycle = cycle
	return sch
}

// Play replays moves, one card a tick, and describes the position reached.
// When the last cycle moves are a cycle (a lasso), it is played as deck run
// --replay plays it: three times, and a cycle that repeats forever shows
// its livelock, starvation or broken property.
func Play(p *card.Program, moves []trace.Move, cycle int) (*StateJSON, error) {
	m := vm.New(p)
	sch := lasso(moves, cycle)
	res, err := deal.Run(m, deal.Options{CPUs: 1, Quantum: 1, Replay: sch, Steps: true})
	if err != nil {
		return nil, err
	}
	fin := res.Final
	shown, n := res.Schedule.String(), res.Schedule.Len()
	if cycle > 0 {
		// The lasso as given (its cycle in parentheses), not played out.
		shown, n = sch.String(), len(moves)
	}
	out := &StateJSON{
		Schedule: shown,
		Moves:    n,
		Status:   "playing",
		Shared:   sharedJSON(m, fin),
		Output:   m.OutputLines(fin),
		Steps:    trace.StepsJSON(res.Steps),
		Choices:  []MoveJSON{},
	}
	if out.Output == nil {
		out.Output = []string{}
	}
	if out.Steps == nil {
		out.Steps = []trace.StepJSON{}
	}
	for i := 0; i < fin.NumStacks(); i++ {
		out.Stacks = append(out.Stacks, stackJSON(m, fin, i, res.Taken))
	}
	switch {
	case res.Violation != nil:
		out.Status = "broken"
		out.Message = "You broke it."
		v := trace.ViolationToJSON(res.Violation, out.Schedule, nil)
		out.Violation = &v
		for _, a := range res.Also {
			out.Also = append(out.Also, trace.ViolationToJSON(a, out.Schedule, nil))
		}
		return out, nil
	case res.Stopped == "":
		out.Status = "finished"
		o := m.Outcome(fin)
		out.Outcome = o.Key()
		out.Message = "Every stack has finished: " + shownOutcome(o)
		if out.Outcome == "" {
			out.Message = "Every stack has finished."
		}
		return out, nil
	}
	for i := 0; i < fin.NumStacks(); i++ {
		if fin.Finished(p, i) || m.Stopped(fin, i) || !m.Enabled(fin, i) {
			continue
		}
		pc := fin.PC(i)
		what := fmt.Sprintf("%s: %s", m.StackName(fin, i), p.Labels[pc])
		k := m.Choices(fin, i)
		if k <= 1 {
			out.Choices = append(out.Choices, MoveJSON{Move: strconv.Itoa(i), Stack: i, Kind: "stack", Label: what})
			continue
		}
		first, isChoose := chooseFirst(m, fin, i)
		for c := 0; c < k && c < maxButtons; c++ {
			out.Choices = append(out.Choices, MoveJSON{Move: fmt.Sprintf("%d:%d", i, c), Stack: i, Kind: "stack", Label: what + " — " + altLabel(m, fin, i, c, first, isChoose)})
		}
		if k > maxButtons {
			wj := WideJSON{Stack: i, Label: what, Count: k}
			if isChoose {
				wj.First = &first
			}
			out.Wide = append(out.Wide, wj)
		}
	}
	for k := 0; k < fin.NumMsgs(); k++ {
		msg := fin.Msg(k)
		mj := MessageJSON{N: msg.Tag, From: m.NodeName(msg.From), To: m.NodeName(msg.To), What: m.DescribeMsg(fin, msg)}
		desc := fmt.Sprintf("m%d %s→%s %s", msg.Tag, mj.From, mj.To, mj.What)
		var can []string
		if m.Deliverable(fin, k) {
			out.Choices = append(out.Choices, MoveJSON{Move: fmt.Sprintf("m%d", msg.Tag), Stack: -1, Kind: "deliver", Label: "deliver " + desc})
			can = append(can, "deliver")
		}
		if m.Droppable(fin, k) {
			out.Choices = append(out.Choices, MoveJSON{Move: fmt.Sprintf("x%d", msg.Tag), Stack: -1, Kind: "drop", Label: "drop " + desc})
			can = append(can, "drop")
		}
		if m.Duplicable(fin, k) {
			out.Choices = append(out.Choices, MoveJSON{Move: fmt.Sprintf("d%d", msg.Tag), Stack: -1, Kind: "duplicate", Label: "duplicate " + desc})
			can = append(can, "duplicate")
		}
		mj.Can = strings.Join(can, ", ")
		out.InFlight = append(out.InFlight, mj)
	}
	out.Message = "Your move: pick the stack that takes the next card."
	if len(out.InFlight) > 0 {
		out.Message = "Your move: pick the stack that takes the next card, or what the network does with a message."
	}
	return out, nil
}

// chooseFirst returns the value the first alternative of stack i's
// choose card takes (its range's low end), by taking it on a copy of the
// state; ok is false when the card is not a choose.
func chooseFirst(m *vm.Machine, s *vm.State, i int) (first int64, ok bool) {
	if m.P.Cards[s.PC(i)].Op != card.Choose {
		return 0, false
	}
	r := m.Step(s.Clone(), i, 0)
	return r.Value, r.Fault == nil
}

// altLabel names alternative c of stack i's card for a button: a
// choose's value, an either's branch, a select's case (so that `choose
// 10..13` offers "= 12", not its position among the alternatives).
func altLabel(m *vm.Machine, s *vm.State, i, c int, first int64, isChoose bool) string {
	p := m.P
	pc := s.PC(i)
	switch {
	case isChoose:
		return fmt.Sprintf("= %d", first+int64(c))
	case card.Guarded(p, pc):
		return fmt.Sprintf("branch %d", m.EitherBranch(s, i, c)+1)
	case p.Cards[pc].Op == card.Either:
		return fmt.Sprintf("branch %d", c+1)
	case p.Cards[pc].Op == card.Select:
		return fmt.Sprintf("case %d", m.SelectCase(s, i, c)+1)
	}
	return fmt.Sprintf("alternative %d", c)
}

// maxOutcomeLines bounds the printed lines an outcome shows on the page,
// as deck check and deck run show it: a program that prints in a loop
// would fill the page.
const maxOutcomeLines = 20

// shownOutcome is an outcome for people, its printed lines cut to the
// first maxOutcomeLines and "… and N more lines" (Key keeps them all).
func shownOutcome(o vm.Outcome) string {
	more := len(o.Output) - maxOutcomeLines
	if more <= 1 {
		return o.Key()
	}
	o.Output = o.Output[:maxOutcomeLines]
	return strings.TrimSpace(o.Key() + fmt.Sprintf(" … and %d more lines", more))
}

func stackJSON(m *vm.Machine, s *vm.State, i int, taken []int64) StackJSON {
	p := m.P
	sj := StackJSON{ID: i, Name: m.StackName(s, i)}
	if i < len(taken) {
		sj.Taken = taken[i]
	}
	if p.Net != nil && len(p.Net.Nodes) > 1 {
		sj.Node = m.NodeName(m.StackNode(s, i))
	}
	pc := s.PC(i)
	proc := &p.Procs[p.Cards[pc].Proc]
	if s.Finished(p, i) {
		sj.Finished = true
		if proc.Returns != card.TVoid {
			sj.Return = m.FormatValue(s, proc.Returns, s.Ret(i))
		}
		return sj
	}
	c := &p.Cards[pc]
	sj.Card, sj.Label, sj.Line, sj.Col = p.Numbers[pc], p.Labels[pc], c.Pos.Line, c.Pos.Col
	if m.Stopped(s, i) {
		sj.Stopped = true
		sj.Waits = "its node has crashed"
		return sj
	}
	sj.Enabled = m.Enabled(s, i)
	if !sj.Enabled {
		sj.Waits = m.WaitReason(s, i)
	}
	for k, v := range s.Locals(i) {
		name := fmt.Sprintf("slot%d", k)
		if k < len(proc.Locals) {
			name = proc.Locals[k]
		}
		sj.Locals = append(sj.Locals, LocalJSON{Name: name, Value: v})
	}
	return sj
}

func sharedJSON(m *vm.Machine, s *vm.State) []GlobalJSON {
	p := m.P
	sh := s.Shared(p)
	out := []GlobalJSON{}
	for gi := range p.Globals {
		g := &p.Globals[gi]
		gj := GlobalJSON{Name: g.Name, Kind: g.Kind.String(), Array: g.Len > 0, Hidden: g.Hidden}
		if p.Net != nil && len(p.Net.Nodes) > 1 && gi < len(p.Net.GlobalNode) {
			if n := p.Net.GlobalNode[gi]; n < 0 {
				continue // a global nobody uses
			} else if n > 0 {
				gj.Node = p.Net.Nodes[n]
			}
		}
		for e := int32(0); e < g.Elems(); e++ {
			w := sh[g.Base+e*g.Stride : g.Base+(e+1)*g.Stride]
			gj.Values = append(gj.Values, trace.ObjectText(m, s, g, w))
		}
		out = append(out, gj)
	}
	return out
}

// CheckJSON answers /api/check.
type CheckJSON struct {
	Verdict     string                `json:"verdict"`
	States      int64                 `json:"states"`
	Transitions int64                 `json:"transitions"`
	Incomplete  string                `json:"incomplete,omitempty"`
	Elapsed     string                `json:"elapsed"`
	Outcomes    []OutcomeJSON         `json:"outcomes"`
	Violations  []trace.ViolationJSON `json:"violations"`
	Races       int                   `json:"races"`
	// IgnorePrints: the states left printed lines out (see Check).
	IgnorePrints bool `json:"ignore_prints,omitempty"`
	// OutcomesFound: the distinct outcomes found, when outcomes lists
	// only the first of them (check.MaxReportedOutcomes).
	OutcomesFound int `json:"outcomes_found,omitempty"`
}

// OutcomeJSON is one outcome and a shortest shuffle that reaches it.
type OutcomeJSON struct {
	Key      string `json:"key"`
	Shown    string `json:"shown"` // Key for people: at most maxOutcomeLines printed lines
	Schedule string `json:"schedule"`
}

func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest(w, r)
	if !ok {
		return
	}
	p, err := s.compileSource(req)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, CompileJSON{Errors: errorsJSON(err, req.Source)})
		return
	}
	cj, err := s.Check(r.Context(), p)
	if errors.Is(err, context.Canceled) {
		return // the client went away: nobody reads an answer
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, cj)
}

// Check explores every shuffle of p within the playground's limits (one
// check at a time, on a few workers). A check waiting for its turn, or
// under way, ends when ctx does (the page that asked for it went away):
// checks queued by a page closed or clicked again do not hold up the next. When that search stops at the state
// limit and p prints on a loop, it checks again with printed lines left out
// of the states, and reports that search if it ends (IgnorePrints).
func (s *Server) Check(ctx context.Context, p *card.Program) (*CheckJSON, error) {
	select {
	case s.checking <- struct{}{}:
		defer func() { <-s.checking }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.CheckTimeout)
	defer cancel()
	stop := ctx.Done()
	opt := check.Options{
		Workers: s.opt.CheckWorkers, All: true, CheckProgress: true,
		MaxStates: checkStates, MaxMemory: checkMemory, Stop: stop,
	}
	m := vm.New(p)
	rep, err := check.Run(m, opt)
	if err != nil {
		return nil, err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil, context.Canceled
	}
	if rep.Verdict == check.VerdictIncomplete && !stopped(stop) && p.PrintsInLoop() {
		// A learner's livelock usually prints as it spins, and printed
		// lines make every state of the spin new: without them (deck
		// check --ignore-prints) the search ends and finds the cycle.
		// The playground has no flags, so it tries that itself.
		opt.IgnorePrints = true
		if again, err := check.Run(m, opt); err == nil && again.Verdict != check.VerdictIncomplete {
			rep = again
		}
	}
	cj := &CheckJSON{IgnorePrints: rep.IgnorePrints,
		Verdict: rep.Verdict, States: rep.States, Transitions: rep.Transitions,
		Incomplete: rep.Incomplete, Elapsed: rep.Elapsed.Round(time.Millisecond).String(),
		Outcomes: []OutcomeJSON{}, Violations: []trace.ViolationJSON{}, Races: len(rep.Races),
	}
	for _, o := range rep.Outcomes {
		cj.Outcomes = append(cj.Outcomes, OutcomeJSON{Key: o.Key, Shown: shownOutcome(o.Outcome), Schedule: o.Schedule.String()})
	}
	if rep.OutcomesFound > len(rep.Outcomes) {
		cj.OutcomesFound = rep.OutcomesFound
	}
	for _, cx := range rep.Violations {
		cj.Violations = append(cj.Violations, trace.ViolationToJSON(cx.Violation, cx.Schedule.String(), cx.Steps))
	}
	return cj, nil
}

// stopped reports whether stop is closed.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
