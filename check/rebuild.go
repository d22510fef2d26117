package check

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// path returns the transition numbers of the shortest path that at names.
func (c *checker) path(at inst) ([]uint64, error) {
	ords := make([]uint64, at.depth)
	key := at.key
	for d := int(at.depth); d >= 1; d-- {
		ords[d-1] = key & ordMask
		pid := key >> ordBits
		if d == 1 {
			if pid != 0 {
				return nil, internalError("path: level 1 state has parent %d", pid)
			}
			break
		}
		lr := c.parents.level(d - 1)
		if pid < lr.base || pid >= lr.base+lr.n {
			return nil, internalError("path: id %d is not in level %d", pid, d-1)
		}
		rank, ord := lr.get(pid - lr.base)
		key = (c.parents.level(d-2).base+rank)<<ordBits | ord
	}
	return ords, nil
}

// nth returns the stack and choice of transition number ord of state s,
// numbering as expand does: enabled stacks in order, then choices; then
// the network's moves, as a negative stack (trace.NetDeliver...) and the
// index of the message in s.
func (c *checker) nth(s *vm.State, ord uint64) (int, int, bool) {
	for i := 0; i < s.NumStacks(); i++ {
		if !c.m.Enabled(s, i) {
			continue
		}
		k := uint64(c.m.Choices(s, i))
		if ord < k {
			return i, int(ord), true
		}
		ord -= k
	}
	if c.p.Net != nil {
		nets, _, _ := netMoves(c.m, s, nil, nil)
		if ord < uint64(len(nets)/2) {
			return int(nets[2*ord]), int(nets[2*ord+1]), true
		}
	}
	return 0, 0, false
}

// replayed is the end of a path replayed from the initial state.
type replayed struct {
	s        *vm.State
	sched    trace.Schedule
	stack    int       // the stack of the last move
	last     vm.Result // the result of the last move
	badAlway bool      // the last transition stopped because an invariant broke
}

// replay follows transition numbers from the initial state, folding as the
// search did, and records every card as a move of its own tick.
func (c *checker) replay(ords []uint64) (*replayed, error) {
	m := c.m
	w := c.workers[0]
	rp := &replayed{s: m.Init()}
	s := rp.s
	s.Track = c.p.Net != nil // schedules name messages by number
	for idx, ord := range ords {
		i, ch, ok := c.nth(s, ord)
		if !ok {
			return nil, internalError("replay: state has no transition %d", ord)
		}
		if i < 0 {
			mv := trace.Move{Stack: int32(i), Choice: int32(ch)}
			if i >= int(trace.NetDup) {
				mv.Choice = s.Tags[ch] // messages by number
			}
			rp.sched.Add(mv)
			applyNet(m, s, int32(i), ch)
			rp.last = vm.Result{}
			continue
		}
		rp.sched.Add(trace.Move{Stack: int32(i), Choice: int32(ch)})
		rp.stack = i
		r, flag := w.move(s, i, ch, &rp.sched, false, nil)
		rp.last = r
		if r.Status != vm.OK || flag != 0 {
			if idx != len(ords)-1 {
				return nil, internalError("replay: transition %d of %d failed", idx+1, len(ords))
			}
			rp.badAlway = flag != 0
		}
	}
	return rp, nil
}

// rebuildBudget bounds the transitions report replays to rebuild the
// outcomes it lists (a few seconds' worth), however deep their paths.
const rebuildBudget = 1 << 24

// report assembles the result of the search.
func (c *checker) report() (*Report, error) {
	rep := &Report{
		States:  c.states(),
		Workers: c.nw,
	}
	trans := c.transitions
	var processed, created int64
	for _, w := range c.workers {
		trans += w.trans
		processed += w.processed
		created += w.created.Load()
	}
	rep.Transitions = trans
	rep.Depth = 0
	for l := c.parents.levels() - 1; l >= 0; l-- {
		if c.parents.level(l).n > 0 {
			rep.Depth = l
			break
		}
	}
	if c.depth+1 > rep.Depth && created > 0 && c.parents.levels() <= c.depth+1 {
		rep.Depth = c.depth + 1
	}
	rep.Depth = max(rep.Depth, c.deepest)
	if rep.States > 0 {
		rep.BytesPerState = float64(max(c.peak, c.memory())) / float64(rep.States)
	}

	// Outcomes, in the order they were reached, then by key.
	type keyed struct {
		key string
		r   *orec
	}
	var outs []keyed
	for k, r := range c.outs {
		outs = append(outs, keyed{k, r})
	}
	sort.Slice(outs, func(i, j int) bool {
		if outs[i].r.at != outs[j].r.at {
			return outs[i].r.at.less(outs[j].r.at)
		}
		return outs[i].key < outs[j].key
	})
	// Each outcome is rebuilt by replaying its path, after the search and
	// outside its limits: a program with 200,000 outcomes (a choose over
	// a wide range) took 30 s and gigabytes here. The first ones are
	// enough to show; the count says how many there were.
	rep.OutcomesFound = len(outs)
	if len(outs) > MaxReportedOutcomes {
		outs = outs[:MaxReportedOutcomes]
	}
	replayed := int64(0) // transitions replayed so far, against rebuildBudget
	for _, o := range outs {
		if replayed += int64(o.r.at.depth); replayed > rebuildBudget && len(rep.Outcomes) > 0 {
			break // the outcomes of very deep paths: the first ones do
		}
		ords, err := c.path(o.r.at)
		if err != nil {
			return nil, err
		}
		rp, err := c.replay(ords)
		if err != nil {
			return nil, err
		}
		if c.implicitDrops && c.m.NetEnabled(rp.s) {
			// Daemons wait for what is in flight; the run ends when the
			// network loses it, and the schedule says so, as a replay
			// must be told.
			c.loseInFlight(rp.s, &rp.sched)
		}
		// The search kept a digest of the printed lines; the replay has
		// the lines themselves.
		full := c.m.Outcome(rp.s)
		hashed := vm.Outcome{Vars: full.Vars}
		if !c.m.IgnorePrints {
			hashed.Printed, hashed.Digest = c.m.OutputDigest(rp.s)
		}
		if hashed.Key() != o.key {
			return nil, internalError("outcome %q replays to %q", o.key, hashed.Key())
		}
		rep.Outcomes = append(rep.Outcomes, Outcome{Outcome: full, Key: full.Key(), Schedule: rp.sched})
	}

	// Violations: one per Violation.Key, the least occurrence of each.
	type cand struct {
		at inst
		ce Counterexample
	}
	var cands []cand
	byKey := map[string]int{}
	add := func(at inst, ce Counterexample) {
		k := ce.Violation.Key()
		if i, ok := byKey[k]; ok {
			if at.less(cands[i].at) {
				cands[i] = cand{at, ce}
			}
			return
		}
		byKey[k] = len(cands)
		cands = append(cands, cand{at, ce})
	}
	vks := make([]vkey, 0, len(c.viols))
	for k := range c.viols {
		vks = append(vks, k)
	}
	sort.Slice(vks, func(i, j int) bool {
		a, b := c.viols[vks[i]], c.viols[vks[j]]
		if a != b {
			return a.less(b)
		}
		if vks[i].kind != vks[j].kind {
			return vks[i].kind < vks[j].kind
		}
		return vks[i].at < vks[j].at
	})
	for _, k := range vks {
		at := c.viols[k]
		ce, err := c.counterexample(k, at)
		if err != nil {
			return nil, err
		}
		add(at, ce)
	}
	if c.opt.Deterministic && len(outs) > 1 {
		// The outcomes' keys in full: outs' keys hold a digest of the
		// printed lines (the search's), rep.Outcomes' the lines; the
		// message shows them with handles named.
		second := rep.Outcomes[1].Key
		ce := Counterexample{
			Violation: &trace.Violation{
				Kind:    KindOutcome,
				Message: fmt.Sprintf("the result depends on the shuffle: %s and %s", rep.Outcomes[0].Outcome.Shown(), rep.Outcomes[1].Outcome.Shown()),
				Pos:     c.p.File,
			},
			Schedule: rep.Outcomes[1].Schedule,
		}
		res, err := deal.Run(c.m, deal.Options{Replay: &ce.Schedule, Steps: true})
		if err != nil {
			return nil, internalError("the schedule of outcome %q does not replay: %v", second, err)
		}
		if res.Violation != nil || c.m.Outcome(res.Final).Key() != second {
			return nil, internalError("the schedule of outcome %q replays differently", second)
		}
		ce.Steps = res.Steps
		add(outs[1].r.at, ce)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].at.less(cands[j].at) })
	if !c.opt.All && len(cands) > 1 {
		cands = cands[:1]
	}
	for _, cd := range cands {
		rep.Violations = append(rep.Violations, cd.ce)
	}

	// Races.
	if c.races != nil {
		pairs := map[[2]int32]bool{}
		for _, w := range c.workers {
			for _, pr := range w.races {
				pairs[pr] = true
			}
		}
		rep.Races = c.races.render(pairs)
	}
	slices.SortFunc(rep.Outcomes, func(a, b Outcome) int { return compareOutcomes(a.Outcome, b.Outcome) })

	switch {
	case len(rep.Violations) > 0:
		rep.Verdict = VerdictViolation
	case c.haltWhy != "":
		rep.Verdict = VerdictIncomplete
	default:
		rep.Verdict = VerdictOK
	}
	if c.haltWhy != "" {
		rep.Incomplete = c.incomplete(rep, processed, created)
	}
	rep.Elapsed = time.Since(c.start)
	return rep, nil
}

// counterexample rebuilds the shortest path of a violation, shortens it
// when reduction may have left unneeded cards in it (see shorten), checks
// that deal replays it to the same violation, and records its steps.
func (c *checker) counterexample(k vkey, at inst) (Counterexample, error) {
	ords, err := c.path(at)
	if err != nil {
		return Counterexample{}, err
	}
	return c.counterexampleOf(k, ords, false)
}

// loseInFlight makes the network drop every message in flight in s that it
// may lose, adding the drops to sched: on an unordered lossy network drops
// are not moves of the search, and a state where no stack can move ends the
// run whatever is in flight (worker.listMoves), so a counterexample or an
// outcome's schedule ends with them for deal, which plays drops as moves.
func (c *checker) loseInFlight(s *vm.State, sched *trace.Schedule) {
	for k := s.NumMsgs() - 1; k >= 0; k-- {
		if vm.LossyKind(s.Msg(k).Kind) {
			sched.Add(trace.Move{Stack: trace.NetDrop, Choice: s.Tags[k]})
			c.m.Drop(s, k)
		}
	}
}

// counterexampleOf builds the counterexample of the path ords to a
// violation; hunted ones (found by a depth-first walk) are shortened with
// shortenHunted.
func (c *checker) counterexampleOf(k vkey, ords []uint64, hunted bool) (Counterexample, error) {
	rp, err := c.replay(ords)
	if err != nil {
		return Counterexample{}, err
	}
	m, s := c.m, rp.s
	var v *trace.Violation
	switch k.kind {
	case vAssert, vError:
		if rp.last.Status != vm.Failed || rp.last.PC != k.at {
			return Counterexample{}, internalError("the path to a failure at card %d does not fail there", k.at)
		}
		v = trace.Fault(m, s, rp.stack, rp.last)
	case vAlways:
		ki, f := m.CheckAlways(s)
		if ki < 0 {
			return Counterexample{}, internalError("the path to a broken invariant ends where it holds")
		}
		v = trace.Always(m, s, ki, f)
	case vDeadlock:
		for i := 0; i < s.NumStacks(); i++ {
			if m.Enabled(s, i) {
				return Counterexample{}, internalError("the path to a deadlock ends where stack %d can move", i)
			}
		}
		if c.implicitDrops {
			c.loseInFlight(s, &rp.sched)
		}
		v = trace.Deadlock(m, s)
	}
	ce := Counterexample{Violation: v, Schedule: rp.sched, Hunted: hunted}
	if hunted {
		ce.Schedule = shortenHunted(m, ce.Schedule, v.Key())
	} else if c.por {
		ce.Schedule = shorten(m, ce.Schedule, v.Key())
	}
	res, err := deal.Run(m, deal.Options{Replay: &ce.Schedule, Steps: true})
	if err != nil {
		return Counterexample{}, internalError("counterexample %s does not replay: %v", ce.Schedule.String(), err)
	}
	if res.Violation == nil || res.Violation.Key() != v.Key() || !c.por && !hunted && res.Violation.Message != v.Message {
		got := "no violation"
		if res.Violation != nil {
			got = res.Violation.Describe()
		}
		return Counterexample{}, internalError("counterexample %s for %q replays to %s", ce.Schedule.String(), v.Describe(), got)
	}
	ce.Violation, ce.Steps = res.Violation, res.Steps
	return ce, nil
}

func (c *checker) incomplete(rep *Report, processed, created int64) string {
	why := fmt.Sprintf("the state limit (%d)", c.opt.MaxStates)
	if c.haltWhy == "memory" {
		why = fmt.Sprintf("the memory limit (%s)", sizeText(c.limit))
	}
	n := int64(len(c.front.refs))
	left := max(n-processed, 0)
	var b strings.Builder
	if c.haltWhy == haltInterrupted {
		fmt.Fprintf(&b, "interrupted after %s and %s", count(rep.States, "state"), count(rep.Transitions, "transition"))
	} else {
		fmt.Fprintf(&b, "stopped by %s after %s and %s", why, count(rep.States, "state"), count(rep.Transitions, "transition"))
	}
	done := c.depth // levels whose every state was expanded
	if left == 0 && n > 0 {
		done++
	}
	if done > 0 {
		fmt.Fprintf(&b, "; every state up to depth %d was expanded", done-1)
	}
	if left > 0 {
		fmt.Fprintf(&b, "; %d of the %s at depth %d %s not expanded", left, count(n, "state"), c.depth, was(left))
	}
	if created > 0 {
		fmt.Fprintf(&b, "; %s found at depth %d %s not expanded", count(created, "state"), c.depth+1, was(created))
	}
	b.WriteString("; shuffles beyond were not explored")
	return b.String()
}

// count writes "1 state" or "40 states".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func was(n int64) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// sizeText writes a byte count the way a user gave it: 1000 bytes, 64 KiB,
// 1.5 GiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'g', 4, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'g', 4, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'g', 4, 64) + " KiB"
	}
	return count(n, "byte")
}

// compareOutcomes orders outcomes by their variables' values, as numbers
// (x=2 before x=10), in declaration order, then by their printed lines.
func compareOutcomes(a, b vm.Outcome) int {
	for i := range min(len(a.Vars), len(b.Vars)) {
		if c := slices.Compare(a.Vars[i].Values, b.Vars[i].Values); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(a.Vars), len(b.Vars)); c != 0 {
		return c
	}
	return slices.Compare(a.Output, b.Output)
}
