package node

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// Options configure a distributed run.
type Options struct {
	// Bus is the URL of an existing NATS server or cluster; "" starts an
	// embedded server on the loopback interface.
	Bus   string
	Token string // the bus's token (the embedded server makes its own)
	// Remote names the nodes that are started elsewhere, by hand, with
	// `deck node`; deck starts a process for every other node.
	Remote []string
	// Exe is the deck binary the node processes run; NodeArgs are the
	// arguments that follow `deck node` before --bus (the program's file
	// and its placement flags).
	Exe      string
	NodeArgs []string
	Runs     int    // runs to deal (at least 1); the node processes serve them all
	Seed     uint64 // run k uses Seed+k
	Timeout  time.Duration
	Join     time.Duration // how long to wait for the nodes to say hello (default 10 s)
	Workers  int
	// Record makes every node log its cards and deliveries, merged into a
	// schedule that the simulator replays (RunResult.Schedule).
	Record bool
	Stop   <-chan struct{}
	Log    io.Writer // the node processes' standard error, line by line with their name
	// OnRun, when set, is called after each run.
	OnRun func(k int, r *RunResult)
	// OnNodes, when set, is called once every node has joined, with the
	// process id of each (tests use it to kill one).
	OnNodes func(pids map[string]int)
	// OnBus, when set, is called once the bus is up, with its URL, the
	// run's id and the embedded bus's token ("" for a bus of Bus): what
	// `deck node` needs to serve a node from elsewhere.
	OnBus func(url, runID, token string)
	// NodeHint is how a `deck node` command for a remote node ends (the
	// flags and the file, as a shell takes them); NodeArgs when empty.
	NodeHint string
}

// StoppedRecordFull is RunResult.Stopped when a node's recording filled
// (MaxNodeLog).
const StoppedRecordFull = "record-full"

// RunResult is what one distributed run did.
type RunResult struct {
	Outcome   vm.Outcome
	Violation *Violation
	// Stopped says why the run ended early: "timeout", "interrupted", or a
	// node's death ("node Y died: ...").
	Stopped string
	Stacks  []StackInfo
	Nodes   []NodeInfo
	Elapsed time.Duration
	// BusFaults lists what the nodes saw go wrong on the bus itself (a
	// message missing from an ordered, reliable link).
	BusFaults []string
	Queued    []string // messages received but never delivered (no room)
	// Schedule is the recorded run as the simulator replays it (with
	// Options.Record); Replayed says whether the replay ended as the run
	// did, and ReplayNote what differed when it did not.
	Schedule   *trace.Schedule
	Replayed   bool
	ReplayNote string
}

// Violation is a failed card or a deadlock of a distributed run.
type Violation struct {
	Kind    string // "assert", "error", "deadlock"
	Node    string
	Stack   string
	Card    string
	Pos     string
	Message string
}

// StackInfo is where a stack ended.
type StackInfo struct {
	Node     string
	Name     string
	Finished bool
	Daemon   bool   // a daemon's stack: it may be left waiting at the end
	Waits    string // what an unfinished stack waited at
	PC       int32  // the card it ended at
	Cards    int64
}

// NodeInfo is what a node did in a run.
type NodeInfo struct {
	Name       string
	Cards      int64
	Sent, Recv int64
	Latencies  []time.Duration // of the messages it received
}

// Result is the outcome of every run, and how long the nodes took to come
// up.
type Result struct {
	Startup time.Duration
	Runs    []*RunResult
	Nodes   []string
}

// Run deals opt.Runs distributed runs of p: one operating-system process
// per node, talking over a NATS bus. p must be placed.
func Run(p *card.Program, opt Options) (*Result, error) {
	if p.Net == nil {
		return nil, &UsageError{"the program is not placed on nodes"}
	}
	if p.Net.Faulty() {
		return nil, fmt.Errorf("--crash and --partitions are for the simulator and the checker; a real run has no way yet to crash a node on purpose")
	}
	if opt.Runs < 1 {
		opt.Runs = 1
	}
	if opt.Join <= 0 {
		opt.Join = 10 * time.Second
	}
	for _, r := range opt.Remote {
		if !slices.Contains(p.Net.Nodes, r) {
			return nil, &UsageError{fmt.Sprintf("--remote: there is no node %s (the nodes are %s)", r, strings.Join(p.Net.Nodes, ", "))}
		}
	}
	start := time.Now()
	c := &coord{p: p, opt: opt, m: vm.New(p), hub: make(chan hubMsg, 1024), deaths: make(chan string, len(p.Net.Nodes))}
	defer c.close()
	if err := c.bus(); err != nil {
		return nil, err
	}
	if opt.OnBus != nil {
		tok := ""
		if opt.Bus == "" {
			tok = c.token
		}
		opt.OnBus(c.url, c.runID, tok)
	}
	if err := c.startNodes(); err != nil {
		return nil, err
	}
	pids, err := c.awaitHellos()
	if err != nil {
		return nil, err
	}
	if opt.OnNodes != nil {
		opt.OnNodes(pids)
	}
	res := &Result{Startup: time.Since(start), Nodes: p.Net.Nodes}
	for k := 0; k < opt.Runs; k++ {
		r, err := c.run(uint64(k+1), opt.Seed+uint64(k))
		if err != nil {
			return res, err
		}
		res.Runs = append(res.Runs, r)
		if opt.OnRun != nil {
			opt.OnRun(k, r)
		}
		if r.Stopped != "" && r.Stopped != "timeout" && r.Stopped != StoppedRecordFull {
			break // interrupted, or a node died: the others cannot go on
		}
	}
	return res, nil
}

type coord struct {
	p      *card.Program
	m      *vm.Machine
	opt    Options
	url    string
	token  string
	runID  string
	prefix string
	nc     *nats.Conn
	stopNS func()
	procs  []*exec.Cmd
	wg     sync.WaitGroup
	hub    chan hubMsg
	deaths chan string
	dead   map[string]string
	quit   bool
	mu     sync.Mutex
}

// bus starts the embedded server (or uses opt.Bus) and connects.
func (c *coord) bus() error {
	c.runID = randomID(8)
	c.prefix = "deck." + c.runID
	c.url, c.token = c.opt.Bus, c.opt.Token
	if c.url == "" {
		c.token = randomID(16)
		ns, err := startBus(c.token)
		if err != nil {
			return err
		}
		c.url = ns.ClientURL()
		c.stopNS = func() { ns.Shutdown(); ns.WaitForShutdown() }
	}
	nc, err := connect(c.url, c.token, "deck coordinator", nil)
	if err != nil {
		if c.opt.Bus == "" {
			// Our own embedded bus: not the caller's mistake.
			return fmt.Errorf("%s", err.Error())
		}
		return err
	}
	c.nc = nc
	_, err = nc.Subscribe(c.prefix+".hub", func(msg *nats.Msg) {
		var h hubMsg
		if json.Unmarshal(msg.Data, &h) == nil {
			c.hub <- h
		}
	})
	if err != nil {
		return err
	}
	return nc.Flush()
}

// startNodes starts one deck process per node not started elsewhere.
func (c *coord) startNodes() error {
	c.dead = map[string]string{}
	for _, name := range c.p.Net.Nodes {
		if slices.Contains(c.opt.Remote, name) {
			continue
		}
		args := append([]string{"node", "--bus", c.url, "--name", name, "--run", c.runID}, c.opt.NodeArgs...)
		if c.opt.Workers > 0 {
			args = append([]string{"node", "--workers", fmt.Sprint(c.opt.Workers)}, args[1:]...)
		}
		cmd := exec.Command(c.opt.Exe, args...)
		cmd.Env = append(os.Environ(), "DECK_BUS_TOKEN="+c.token)
		dieWithParent(cmd)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("cannot start the process of node %s: %v", name, err)
		}
		c.procs = append(c.procs, cmd)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			var last []string
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				last = append(last, sc.Text())
				if len(last) > 5 {
					last = last[1:]
				}
				if c.opt.Log != nil {
					fmt.Fprintf(c.opt.Log, "node %s: %s\n", name, sc.Text())
				}
			}
			err := cmd.Wait()
			c.mu.Lock()
			quitting := c.quit
			c.mu.Unlock()
			if !quitting {
				why := "it exited"
				if err != nil {
					why = err.Error()
				}
				if len(last) > 0 {
					why += " (" + strings.Join(last, "; ") + ")"
				}
				c.deaths <- fmt.Sprintf("node %s died: %s", name, why)
			}
		}()
	}
	return nil
}

// awaitHellos waits until every node has said hello, and names those that
// have not when the wait is over.
func (c *coord) awaitHellos() (map[string]int, error) {
	seen := map[int32]bool{}
	pids := map[string]int{}
	timer := time.NewTimer(c.opt.Join)
	defer timer.Stop()
	// Nodes started by hand without --run learn the run's id from an
	// invitation, repeated until they say hello.
	invite := time.NewTicker(100 * time.Millisecond)
	defer invite.Stop()
	for len(seen) < len(c.p.Net.Nodes) {
		select {
		case <-invite.C:
			for _, name := range c.opt.Remote {
				if !seen[int32(slices.Index(c.p.Net.Nodes, name))] {
					c.nc.Publish(inviteSubject(name), []byte(c.runID))
				}
			}
		case h := <-c.hub:
			if h.Op == "hello" && h.Node >= 0 && int(h.Node) < len(c.p.Net.Nodes) {
				if h.Prog != programDigest(c.p) {
					return nil, fmt.Errorf("node %s runs another program than this run's: give deck node the same file, with the same --place and --net (or none, to take the file's)", c.p.Net.Nodes[h.Node])
				}
				seen[h.Node] = true
				pids[c.p.Net.Nodes[h.Node]] = h.PID
			}
		case d := <-c.deaths:
			return nil, fmt.Errorf("%s before the run began", d)
		case <-c.opt.Stop:
			return nil, fmt.Errorf("interrupted while waiting for the nodes")
		case <-timer.C:
			var missing []string
			for n, name := range c.p.Net.Nodes {
				if !seen[int32(n)] {
					missing = append(missing, name)
				}
			}
			hint := ""
			if len(c.opt.Remote) > 0 {
				args := c.opt.NodeHint
				if args == "" {
					args = strings.Join(c.opt.NodeArgs, " ")
				}
				env := ""
				if c.opt.Bus == "" {
					env = "DECK_BUS_TOKEN=" + c.token + " "
				}
				hint = fmt.Sprintf("; start each with: %sdeck node --bus %s --name NODE --run %s %s", env, c.url, c.runID, args)
			}
			return nil, fmt.Errorf("waited %s for node%s %s, which did not join the run%s", c.opt.Join, plural(len(missing)), strings.Join(missing, ", "), hint)
		}
	}
	return pids, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (c *coord) ctl(node string, m ctlMsg) {
	b, _ := json.Marshal(m)
	c.nc.Publish(c.prefix+".ctl."+node, b)
}

// run deals run number id and gathers what every node holds at its end.
func (c *coord) run(id, seed uint64) (*RunResult, error) {
	p := c.p
	n := len(p.Net.Nodes)
	began := time.Now()
	for _, name := range p.Net.Nodes {
		c.ctl(name, ctlMsg{Op: "start", Run: id, Seed: seed, Record: c.opt.Record})
	}
	c.nc.Flush()
	idle := make([]*hubMsg, n)
	// The end of a run is confirmed by a second wave: when the idle
	// reports balance, every node is asked again; the run is over when
	// all are still idle with the same counts (Mattern's four counters:
	// one wave of reports can mix old and new states of the nodes).
	wave, waveSum, answers, busy := 0, int64(-1), 0, false
	var waveSent, waveRecv int64
	startWave := func() {
		sum, ok := quiet(idle)
		if !ok {
			return
		}
		wave++
		waveSum, answers, busy, waveSent, waveRecv = sum, 0, false, 0, 0
		for _, name := range p.Net.Nodes {
			c.ctl(name, ctlMsg{Op: "probe", Run: id, Wave: wave})
		}
		c.nc.Flush()
	}
	res := &RunResult{}
	var timeout <-chan time.Time
	if c.opt.Timeout > 0 {
		t := time.NewTimer(c.opt.Timeout)
		defer t.Stop()
		timeout = t.C
	}
wait:
	for {
		select {
		case h := <-c.hub:
			if h.Run != id {
				continue
			}
			switch h.Op {
			case "idle":
				idle[h.Node] = &h
				if waveSum < 0 {
					startWave()
				}
			case "probe":
				if h.Wave != wave || waveSum < 0 {
					continue
				}
				answers++
				busy = busy || h.Busy
				waveSent += h.Sent
				waveRecv += h.Recv
				if answers == n {
					if !busy && waveSent == waveSum && waveRecv == waveSum {
						break wait
					}
					// Not over yet; reports that came in during the wave
					// may already say it is now.
					waveSum = -1
					startWave()
				}
			case "fault":
				f := h.Fault
				kind := "error"
				if strings.HasPrefix(f.Message, "assertion failed") {
					kind = "assert"
				}
				res.Violation = &Violation{Kind: kind, Node: p.Net.Nodes[h.Node], Stack: f.Stack, Card: f.Card, Pos: f.Pos, Message: f.Message}
				break wait
			case "full":
				// A node's recording is full (MaxNodeLog): the run stops
				// there, and its recording replays it to here.
				res.Stopped = StoppedRecordFull
				break wait
			}
		case d := <-c.deaths:
			res.Stopped = d
			break wait
		case <-timeout:
			res.Stopped = "timeout"
			break wait
		case <-c.opt.Stop:
			res.Stopped = "interrupted"
			break wait
		}
	}
	res.Elapsed = time.Since(began)
	c.gather(id, res)
	return res, nil
}

// quiet reports whether the run may be over: every node has said that
// nothing on it can move, and as many messages were received as sent. The
// reports come at different times, so a second wave confirms it.
func quiet(idle []*hubMsg) (int64, bool) {
	var sent, recv int64
	for _, h := range idle {
		if h == nil {
			return 0, false
		}
		sent += h.Sent
		recv += h.Recv
	}
	return sent, sent == recv
}

// gather stops the run on every node and merges what they hold: the
// shared variables of their owners, the printed lines in an order that
// respects what caused what, and every stack's end.
func (c *coord) gather(id uint64, res *RunResult) {
	p := c.p
	for _, name := range p.Net.Nodes {
		c.ctl(name, ctlMsg{Op: "report", Run: id})
	}
	c.nc.Flush()
	reports := make([]*nodeReport, len(p.Net.Nodes))
	got := 0
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	alive := len(p.Net.Nodes)
	if strings.HasPrefix(res.Stopped, "node ") {
		alive--
	}
	chunks := make([][]byte, len(p.Net.Nodes)) // reports in pieces, by node
	for got < alive {
		select {
		case h := <-c.hub:
			if h.Run != id || h.Node < 0 || int(h.Node) >= len(reports) || reports[h.Node] != nil {
				continue
			}
			switch h.Op {
			case "report-part":
				chunks[h.Node] = append(chunks[h.Node], h.Chunk...)
			case "report":
				rep := h.Report
				if h.Parts > 0 {
					rep = &nodeReport{}
					if err := json.Unmarshal(chunks[h.Node], rep); err != nil {
						rep = nil
					}
					chunks[h.Node] = nil
				}
				if rep != nil {
					reports[h.Node] = rep
					got++
				}
			}
		case d := <-c.deaths:
			if res.Stopped == "" {
				res.Stopped = d
			}
			alive--
		case <-deadline.C:
			// Whatever else stopped the run, a node missing from its end
			// is a failure of its own (exit status 1), named.
			var missing []string
			for n, rep := range reports {
				if rep == nil && !strings.HasPrefix(res.Stopped, "node "+p.Net.Nodes[n]+" ") {
					missing = append(missing, p.Net.Nodes[n])
				}
			}
			what := fmt.Sprintf("no report at the end of the run from node%s %s", plural(len(missing)), strings.Join(missing, ", "))
			if res.Stopped == "" {
				res.Stopped = what
			} else {
				res.Stopped += "; " + what
			}
			got = alive
		}
	}
	if strings.HasPrefix(res.Stopped, "node ") {
		defer func() { res.Stopped += c.whatDied(res.Stopped, reports) }()
	}
	var prints []printRec
	names := map[int64]string{} // every stack's name, by handle
	vars := map[int32][]int64{}
	logs := make([][]logEvent, len(reports))
	for n, rep := range reports {
		name := p.Net.Nodes[n]
		if rep == nil {
			res.Nodes = append(res.Nodes, NodeInfo{Name: name})
			continue
		}
		ni := NodeInfo{Name: name, Cards: rep.Cards, Sent: rep.Sent, Recv: rep.Recv}
		for _, l := range rep.Lat {
			ni.Latencies = append(ni.Latencies, time.Duration(l))
		}
		res.Nodes = append(res.Nodes, ni)
		for g, v := range rep.Vars {
			vars[g] = v
		}
		prints = append(prints, rep.Prints...)
		for h, name := range rep.Names {
			names[h] = name
		}
		logs[n] = rep.Log
		for _, st := range rep.Stacks {
			daemon := st.Proc >= 0 && int(st.Proc) < len(p.Procs) && p.Procs[st.Proc].Daemon
			res.Stacks = append(res.Stacks, StackInfo{Node: name, Name: st.Name, Finished: st.Finished, Daemon: daemon, Waits: st.Waits, PC: st.PC, Cards: st.Cards})
		}
		for _, f := range rep.Faults {
			res.BusFaults = append(res.BusFaults, name+": "+f)
		}
		for _, q := range rep.Queued {
			res.Queued = append(res.Queued, name+": "+q)
		}
	}
	sort.SliceStable(prints, func(i, j int) bool {
		a, b := prints[i], prints[j]
		if a.Lamport != b.Lamport {
			return a.Lamport < b.Lamport
		}
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		return a.Seq < b.Seq
	})
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind != card.GVar || g.Hidden {
			continue
		}
		v := vm.VarValue{Name: g.Name, Type: g.Type, Array: g.Len > 0}
		if vals, ok := vars[int32(gi)]; ok {
			v.Values = vals
		} else {
			for e := int32(0); e < g.Elems(); e++ {
				v.Values = append(v.Values, g.Init)
			}
		}
		if g.Type == card.THandle {
			// Shown by the names the nodes gave their stacks
			// (worker#home.1), as the printed lines show them.
			for _, h := range v.Values {
				name := "none"
				if h != card.NoStack {
					name = cmp.Or(names[h], fmt.Sprintf("#%d", h))
				}
				v.Names = append(v.Names, name)
			}
		}
		res.Outcome.Vars = append(res.Outcome.Vars, v)
	}
	var kept [][]int64 // the print records printed, for replay
	for _, pr := range prints {
		if len(pr.Rec) == 0 || pr.Rec[0] < 0 || int(pr.Rec[0]) >= len(p.Prints) {
			continue
		}
		kept = append(kept, pr.Rec)
		line, _ := c.m.FormatRecordNamed(pr.Rec, func(h int64) string {
			if name, ok := names[h]; ok {
				return name
			}
			return "#" + strconv.FormatInt(h, 10)
		})
		res.Outcome.Output = append(res.Outcome.Output, line)
	}
	if res.Violation == nil && res.Stopped == "" && len(p.Always) > 0 {
		// No node sees the whole state while the run goes on; the
		// invariants can be checked on the merged end.
		sh := make([]int64, p.SharedWords)
		for gi := range p.Globals {
			g := &p.Globals[gi]
			if vals, ok := vars[int32(gi)]; ok {
				copy(sh[g.Base:], vals)
			} else if g.Kind == card.GVar || g.Kind == card.GSem {
				for e := int32(0); e < g.Elems(); e++ {
					sh[g.Base+e*g.Stride] = g.Init
				}
			}
		}
		if k, f := c.m.CheckAlwaysOn(sh); k >= 0 && k < len(p.Always) {
			inv := &p.Always[k]
			msg := "always " + inv.Src + " is false at the end of the run"
			if f.Kind != vm.NoFault {
				msg = "always " + inv.Src + " failed at the end of the run: " + c.m.FaultMessage(nil, 0, vm.Failure(0, f))
			}
			res.Violation = &Violation{Kind: "always", Pos: p.Position(inv.Pos), Message: msg}
		}
	}
	defer func() {
		if c.opt.Record {
			c.replay(logs, kept, res)
		}
	}()
	if res.Violation == nil && res.Stopped == "" {
		var stuck []string
		var first, cause *StackInfo
		for i, st := range res.Stacks {
			if !st.Finished && !st.Daemon { // daemons may be left waiting, as in the simulator
				stuck = append(stuck, fmt.Sprintf("%s (on %s) waits at %s", st.Name, st.Node, st.Waits))
				if first == nil {
					first = &res.Stacks[i]
				}
				if pc := st.PC; cause == nil && pc >= 0 && int(pc) < len(p.Cards) && p.Cards[pc].Op != card.Join {
					cause = &res.Stacks[i]
				}
			}
		}
		if cause != nil {
			first = cause
		}
		if len(stuck) > 0 {
			// Where the first stuck stack that does not wait at a join
			// waits (else the first), as the simulator names a
			// deadlock's position (vm.DeadlockCause).
			res.Violation = &Violation{Kind: "deadlock", Message: "no stack can move: " + strings.Join(stuck, "; "),
				Node: first.Node, Stack: first.Name}
			if pc := first.PC; pc >= 0 && int(pc) < len(p.Cards) {
				res.Violation.Pos, res.Violation.Card = p.Position(p.Cards[pc].Pos), p.Numbers[pc]
			}
		}
	}
}

// replay merges the run's recordings into a schedule and checks that the
// simulator, dealing it, ends as the real run did.
//
// prints are the run's print records, in the order of its output. A real
// stack's handle is not its number in the simulator (handleOf), so the
// run's end is compared in the simulator's terms: every handle in a
// variable or a printed line as the stack the merge matched it with.
func (c *coord) replay(logs [][]logEvent, prints [][]int64, res *RunResult) {
	simOf := map[int64]int{}
	sch, err := merge(c.p, logs, res.Violation != nil && res.Violation.Kind == "deadlock", simOf, c.opt.Stop)
	res.Schedule = sch
	if err != nil {
		res.ReplayNote = err.Error()
		return
	}
	d, err := deal.Run(c.m, deal.Options{Replay: sch, Stop: c.opt.Stop})
	if err != nil && d != nil && d.Violation != nil && d.Violation.Kind == trace.KindAlways {
		// The nodes cannot watch an invariant between cards; the
		// simulator, dealing the same run, can, and its violation came
		// first (before any failure the nodes saw later).
		v := d.Violation
		res.Violation = &Violation{Kind: v.Kind, Pos: v.Pos, Message: v.Message + " (seen by the simulator replaying this run)"}
		res.Schedule.Truncate(int(d.Ticks))
		res.Replayed = true
		return
	}
	if err != nil {
		res.ReplayNote = err.Error()
		return
	}
	switch {
	case res.Stopped != "":
		res.Replayed = true // the run did not end: nothing to compare
	case res.Violation != nil:
		res.Replayed = d.Violation != nil && d.Violation.Kind == res.Violation.Kind
		if !res.Replayed {
			res.ReplayNote = fmt.Sprintf("the run ended in a %s; the replay does not", res.Violation.Kind)
		}
	default:
		got := c.m.Outcome(d.Final).Key()
		res.Replayed = d.Violation == nil && got == c.simOutcome(res.Outcome, prints, simOf, d.Final).Key()
		if !res.Replayed {
			res.ReplayNote = fmt.Sprintf("the replay ends in %q, the run in %q", got, res.Outcome.Key())
			if d.Violation != nil {
				res.ReplayNote = "the replay ends in " + d.Violation.Describe()
			}
		}
	}
}

// simOutcome is the run's end o as the simulator would write it: each
// handle (in a variable, or in the printed lines, whose records prints
// are) replaced by the number of the stack simOf matched it with, named
// as in final, the simulator's state at the end of the replay.
func (c *coord) simOutcome(o vm.Outcome, prints [][]int64, simOf map[int64]int, final *vm.State) vm.Outcome {
	sim := func(h int64) int64 {
		if i, ok := simOf[h]; ok {
			return int64(i)
		}
		return h
	}
	out := vm.Outcome{Output: []string{}}
	for _, v := range o.Vars {
		if v.Type == card.THandle {
			vals := make([]int64, len(v.Values))
			for k, h := range v.Values {
				vals[k] = h
				if h != card.NoStack {
					vals[k] = sim(h)
				}
			}
			v.Values = vals
		}
		out.Vars = append(out.Vars, v)
	}
	for _, rec := range prints {
		line, _ := c.m.FormatRecordNamed(rec, func(h int64) string { return c.m.FormatValue(final, card.THandle, sim(h)) })
		out.Output = append(out.Output, line)
	}
	return out
}

// whatDied says, as far as the other nodes know, what a node that died
// held: the stacks spawned on it not heard to finish, and the messages
// sent to it.
func (c *coord) whatDied(stopped string, reports []*nodeReport) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(stopped, "node "), " ")
	dead := int32(slices.Index(c.p.Net.Nodes, name))
	if dead < 0 {
		return ""
	}
	var held []string
	var sent int64
	for _, rep := range reports {
		if rep == nil {
			continue
		}
		held = append(held, rep.Away[dead]...)
		sent += rep.Links[dead][0]
	}
	text := ""
	if len(held) > 0 {
		text += fmt.Sprintf("; it ran %s (as far as the other nodes know)", strings.Join(held, ", "))
	}
	if sent > 0 {
		text += fmt.Sprintf("; %d message%s had been sent to it", sent, plural(int(sent)))
	}
	return text
}

// close tells the nodes to quit, waits for their processes (killing those
// that do not go), and stops the bus.
func (c *coord) close() {
	c.mu.Lock()
	c.quit = true
	c.mu.Unlock()
	if c.nc != nil {
		for _, name := range c.p.Net.Nodes {
			c.ctl(name, ctlMsg{Op: "quit"})
		}
		c.nc.Flush()
	}
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		for _, cmd := range c.procs {
			if cmd.Process != nil {
				cmd.Process.Kill()
			}
		}
		<-done
	}
	if c.nc != nil {
		c.nc.Close()
	}
	if c.stopNS != nil {
		c.stopNS()
	}
}
