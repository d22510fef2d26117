package node

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// ServeOptions configure one node process.
type ServeOptions struct {
	Bus     string // the NATS URL
	Token   string // the bus's token ("" when the URL carries it or none is needed)
	Run     string // the run's id: its subjects' prefix is deck.<id>
	Node    string // the node this process serves
	Workers int    // goroutine workers (default 2)
	Quantum int    // mean cards a worker takes of one stack before it lets another go (default 8)
}

// Serve runs one node of a distributed run until the coordinator says
// quit or the bus goes away. It runs the stacks of procedures placed on
// the node, through vm.Exec, on goroutine workers; the node's lock keeps
// every card atomic. What crosses nodes goes over the bus.
func Serve(p *card.Program, opt ServeOptions) error {
	if p.Net == nil {
		return &UsageError{"the program is not placed on nodes"}
	}
	me := int32(-1)
	for i, n := range p.Net.Nodes {
		if n == opt.Node {
			me = int32(i)
		}
	}
	if me < 0 {
		return &UsageError{fmt.Sprintf("there is no node %s in this placement (the nodes are %s)", opt.Node, strings.Join(p.Net.Nodes, ", "))}
	}
	if opt.Workers < 1 {
		opt.Workers = 2
	}
	if opt.Quantum < 1 {
		opt.Quantum = 8
	}
	closed := make(chan struct{})
	nc, err := connect(opt.Bus, opt.Token, "deck node "+opt.Node, func() { close(closed) })
	if err != nil {
		return err
	}
	defer nc.Close()
	if opt.Run == "" {
		// Started by hand without the run's id: take it from the
		// coordinator's invitation to this node (only clients with the
		// bus's token can see it).
		if opt.Run, err = awaitInvitation(nc, opt.Node, closed); err != nil {
			return err
		}
	}
	r := &rt{p: p, m: vm.New(p), me: me, nc: nc, prefix: "deck." + opt.Run, opt: opt}
	r.cond = sync.NewCond(&r.mu)
	ctl := make(chan ctlMsg, 16)
	if _, err := nc.Subscribe(r.prefix+".ctl."+opt.Node, func(msg *nats.Msg) {
		var c ctlMsg
		if json.Unmarshal(msg.Data, &c) == nil {
			ctl <- c
		}
	}); err != nil {
		return err
	}
	if _, err := nc.Subscribe(r.prefix+".msg."+opt.Node, r.receive); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for k := 0; k < opt.Workers; k++ {
		wg.Add(1)
		go func() { defer wg.Done(); r.work(k) }()
	}
	defer func() {
		r.mu.Lock()
		r.quit = true
		r.cond.Broadcast()
		r.mu.Unlock()
		wg.Wait()
	}()
	if err := nc.Flush(); err != nil {
		return err
	}
	r.hub(hubMsg{Op: "hello", PID: os.Getpid(), Prog: programDigest(r.p)})
	for {
		select {
		case <-closed:
			return fmt.Errorf("the bus closed the connection")
		case c := <-ctl:
			switch c.Op {
			case "start":
				r.start(c.Run, c.Seed, c.Record)
			case "probe":
				r.probe(c.Run, c.Wave)
			case "report":
				r.report(c.Run)
			case "quit":
				nc.Flush()
				return nil
			}
		}
	}
}

// inviteSubject is where a coordinator invites node name to its run, for a
// node started without --run.
func inviteSubject(name string) string { return "deck.invite." + name }

// inviteWait bounds how long a node started by hand waits for a run.
const inviteWait = 10 * time.Minute

// awaitInvitation waits for a coordinator to invite node name and returns
// the run's id.
func awaitInvitation(nc *nats.Conn, name string, closed <-chan struct{}) (string, error) {
	sub, err := nc.SubscribeSync(inviteSubject(name))
	if err != nil {
		return "", err
	}
	defer sub.Unsubscribe()
	msg, err := sub.NextMsg(inviteWait)
	if err != nil {
		select {
		case <-closed:
			return "", fmt.Errorf("the bus closed the connection")
		default:
		}
		return "", fmt.Errorf("no run invited node %s within %s: start the coordinator (deck run --real --remote %s ...) or give --run", name, inviteWait, name)
	}
	return string(msg.Data), nil
}

// rt is the state of a node process.
type rt struct {
	p      *card.Program
	m      *vm.Machine
	me     int32
	nc     *nats.Conn
	prefix string
	opt    ServeOptions

	mu   sync.Mutex
	cond *sync.Cond
	quit bool

	// One run's state, reset by start.
	run      uint64
	active   bool
	rng      *rand.Rand
	sh       []int64
	stacks   []*nstack
	byHandle map[int64]*nstack
	runq     []*nstack
	blocked  []*nstack
	done     map[int64]int64 // stacks of other nodes heard to have finished: their return values
	nextSeq  int64
	sendSeq  []uint64
	recvSeq  []uint64
	linkSent []int64
	linkRecv []int64
	inbox    [][]*wireMsg // per sending node: received, not delivered yet
	sent     int64
	recv     int64
	cards    int64
	lamport  uint64
	prints   []printRec
	running  int
	idleSent bool
	faults   []string
	lat      []int64
	early    []*wireMsg       // messages of a run not started yet
	away     map[int64]string // stacks spawned on other nodes, by handle: their names
	record   bool             // log every card and delivery (--record)
	log      []logEvent
	cur      *logEvent // the card being logged
	failed   bool
	buf      []byte
}

// nstack is a stack of this node.
type nstack struct {
	h        int64
	name     string
	proc     int32
	pc       int32
	loc      []int64
	finished bool
	ack      bool // waiting for a rendezvous acknowledgement
	cards    int64
	queued   bool
}

// Handles name stacks across nodes without asking anyone: the node that
// spawns a stack numbers it, and the handle says which node spawned it
// and which runs it, so that every node can tell where a stack lives.
//
//	handle = seq<<12 | spawner<<6 | runner
func handleOf(seq int64, spawner, runner int32) int64 {
	return seq<<12 | int64(spawner)<<6 | int64(runner)
}

func runnerOf(h int64) int32 { return int32(h & 63) }

func (r *rt) stackName(proc int32, h int64) string {
	if h == handleOf(0, r.p.Net.ProcNode[r.p.Main], r.p.Net.ProcNode[r.p.Main]) && proc == r.p.Main {
		return "main"
	}
	return r.p.Procs[proc].Name + "#" + r.p.Net.Nodes[(h>>6)&63] + "." + strconv.FormatInt(h>>12, 10)
}

func (r *rt) hub(m hubMsg) {
	m.Node = r.me
	if m.Run == 0 {
		m.Run = r.run
	}
	b, _ := json.Marshal(m)
	r.nc.Publish(r.prefix+".hub", b)
}

// start resets the node for run number run and starts main if it lives
// here.
func (r *rt) start(run, seed uint64, record bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.p
	n := len(p.Net.Nodes)
	r.run, r.active, r.failed = run, true, false
	r.rng = rand.New(rand.NewPCG(seed, uint64(r.me)))
	r.sh = make([]int64, p.SharedWords)
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind == card.GVar || g.Kind == card.GSem {
			for e := int32(0); e < g.Elems(); e++ {
				r.sh[g.Base+e*g.Stride] = g.Init
			}
		}
	}
	r.stacks, r.runq, r.blocked = nil, nil, nil
	r.byHandle = map[int64]*nstack{}
	r.away = map[int64]string{}
	r.done = map[int64]int64{}
	r.nextSeq = 0
	r.sendSeq, r.recvSeq = make([]uint64, n), make([]uint64, n)
	r.linkSent, r.linkRecv = make([]int64, n), make([]int64, n)
	r.inbox = make([][]*wireMsg, n)
	r.sent, r.recv, r.cards, r.lamport = 0, 0, 0, 0
	r.prints, r.faults, r.lat, r.log = nil, nil, nil, nil
	r.record = record
	r.idleSent = false
	if p.Net.ProcNode[p.Main] == r.me {
		r.nextSeq = 1
		r.newStack(handleOf(0, r.me, r.me), p.Main, nil)
	}
	early := r.early
	r.early = nil
	for _, w := range early {
		if w.Run == run {
			r.take(w)
		} else if w.Run > run {
			r.early = append(r.early, w)
		}
	}
	r.cond.Broadcast()
}

// newStack creates a stack of this node at its procedure's first card.
func (r *rt) newStack(h int64, proc int32, args []int64) {
	pr := &r.p.Procs[proc]
	st := &nstack{h: h, proc: proc, pc: pr.Entry, loc: make([]int64, pr.NLocals)}
	st.name = r.stackName(proc, h)
	copy(st.loc, args)
	r.stacks = append(r.stacks, st)
	r.byHandle[h] = st
	r.push(st)
}

func (r *rt) push(st *nstack) {
	if !st.queued {
		st.queued = true
		r.runq = append(r.runq, st)
	}
}

// wakeAll makes every blocked stack try its card again: something it may
// wait for has changed.
func (r *rt) wakeAll() {
	for _, st := range r.blocked {
		r.push(st)
	}
	r.blocked = r.blocked[:0]
	r.cond.Broadcast()
}

// work is one worker: it takes a runnable stack and deals it a slice of
// cards, under the node's lock.
func (r *rt) work(id int) {
	rng := rand.New(rand.NewPCG(uint64(id), uint64(r.me)))
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for !r.quit && (!r.active || len(r.runq) == 0) {
			r.maybeIdle()
			r.cond.Wait()
		}
		if r.quit {
			return
		}
		pick := rng.IntN(len(r.runq))
		st := r.runq[pick]
		r.runq = append(r.runq[:pick], r.runq[pick+1:]...)
		st.queued = false
		r.running++
		slice := 1 + rng.IntN(2*r.opt.Quantum)
		for k := 0; k < slice && r.active; k++ {
			if !r.step(st) {
				break
			}
		}
		if r.active && !st.finished && !st.queued && !r.isBlocked(st) {
			r.push(st)
		}
		r.running--
		if k := len(r.runq); k > 0 {
			r.cond.Broadcast()
		}
		// Let the bus's deliveries and other workers in between slices.
		r.mu.Unlock()
		runtime.Gosched()
		r.mu.Lock()
	}
}

func (r *rt) isBlocked(st *nstack) bool {
	for _, b := range r.blocked {
		if b == st {
			return true
		}
	}
	return false
}

// maybeIdle tells the coordinator, once per quiet spell, that nothing on
// this node can move, with the node's message counts.
func (r *rt) maybeIdle() {
	if r.active && !r.idleSent && r.running == 0 && len(r.runq) == 0 {
		r.idleSent = true
		r.hub(hubMsg{Op: "idle", Sent: r.sent, Recv: r.recv})
	}
}

// step deals stack st one card. It reports whether st can go on.
func (r *rt) step(st *nstack) bool {
	p, m := r.p, r.m
	pc := st.pc
	c := &p.Cards[pc]
	h := &nhost{r: r, st: st}
	switch {
	case c.Op == card.Done || c.Op == card.Start:
		return false
	case c.Op.MayWait():
		ok, f := m.Ready(r.sh, st.loc, int(st.h), pc, h)
		if f.Kind != vm.NoFault {
			r.fail(st, vm.Failure(pc, f))
			return false
		}
		if !ok {
			r.blocked = append(r.blocked, st)
			return false
		}
	}
	choice := 0
	if c.Op == card.Choose || c.Op == card.Either || c.Op == card.Select {
		if k := m.ChoicesAt(r.sh, st.loc, pc); k > 1 {
			choice = r.rng.IntN(k)
		}
	}
	// Every card and every delivery gets a Lamport stamp: ordering the
	// events of all nodes by (stamp, node) respects what caused what,
	// which merges the printed lines and the recording.
	if r.record && len(r.log) >= MaxNodeLog {
		// The recording is full: this node stops dealing, as goroutine
		// workers stop at a full recording, and the run ends here.
		r.active = false
		r.hub(hubMsg{Op: "full"})
		return false
	}
	r.lamport++
	if r.record {
		r.log = append(r.log, logEvent{Lamport: r.lamport, H: st.h, Choice: choice})
		r.cur = &r.log[len(r.log)-1]
	}
	next, res := m.Exec(r.sh, st.loc, int(st.h), pc, choice, h)
	r.cur = nil
	r.idleSent = false
	if res.Status == vm.Failed {
		r.fail(st, res)
		return false
	}
	r.cards++
	st.cards++
	if next >= 0 {
		st.pc = next
		m.Kill(st.loc, c, next)
	}
	switch c.Op {
	case card.Local, card.Nop, card.Branch, card.Assert, card.Choose, card.Print:
	case card.Either:
		if card.HasBodies(m.P, pc) { // a branch's atomic body: as below
			r.deliver()
			r.wakeAll()
		}
	default:
		// Something another stack waits for may have changed, and a
		// channel may have room for a message from the network.
		r.deliver()
		r.wakeAll()
	}
	return !st.finished
}

// fail reports a failed card to the coordinator and stops this node's run.
func (r *rt) fail(st *nstack, res vm.Result) {
	if r.failed {
		return
	}
	r.failed, r.active = true, false
	p := r.p
	c := &p.Cards[res.PC]
	r.hub(hubMsg{Op: "fault", Fault: &faultReport{
		Stack: st.name, Card: p.Numbers[res.PC], Pos: p.Position(c.Pos),
		Message: r.m.FaultMessage(nil, int(st.h), res),
	}})
}

// send puts a message on the bus to node to, as the network mode says:
// on an unordered network after a seeded random delay, on a lossy one
// dropped now and then (a channel value or a notification: deck's own
// messages are never lost, as in the simulator), on a dup one (a channel
// message) sometimes twice.
func (r *rt) send(to int32, w *wireMsg) {
	w.Run, w.From, w.To = r.run, r.me, to
	w.Lamport = r.lamport // the sending card's stamp
	mode := r.p.Net.Mode
	copies := 1
	if mode&card.Lossy != 0 && vm.LossyKind(w.Kind) && r.rng.IntN(8) == 0 {
		copies = 0 // lost: its number is never seen (the receiver allows gaps on a lossy network)
	} else if mode&card.Dup != 0 && w.Kind == vm.MsgChan && r.rng.IntN(8) == 0 {
		copies = 2
	}
	r.sendSeq[to]++
	w.Seq = r.sendSeq[to]
	if r.cur != nil {
		r.cur.Sends = append(r.cur.Sends, sendRec{To: to, Seq: w.Seq, Copies: copies})
	}
	subj := r.prefix + ".msg." + r.p.Net.Nodes[to]
	for k := 0; k < copies; k++ {
		r.sent++
		r.linkSent[to]++
		w.Nanos = time.Now().UnixNano()
		b := w.encode(nil)
		if mode&card.Unordered != 0 {
			d := time.Duration(r.rng.IntN(2000)) * time.Microsecond
			time.AfterFunc(d, func() { r.nc.Publish(subj, b) })
			continue
		}
		r.nc.Publish(subj, b)
	}
}

// receive takes a message from the bus.
func (r *rt) receive(msg *nats.Msg) {
	w, err := decodeWire(msg.Data)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.faults = append(r.faults, "a malformed message: "+err.Error())
		return
	}
	if w.Run > r.run {
		// A message of the next run can overtake the coordinator's word
		// to start it: keep it until then.
		r.early = append(r.early, w)
		return
	}
	r.take(w)
}

// take receives a message of the current run.
func (r *rt) take(w *wireMsg) {
	if w.Run != r.run || !r.active && !r.failed || w.From < 0 || int(w.From) >= len(r.inbox) {
		return // a late message of an earlier run
	}
	if t := time.Now().UnixNano() - w.Nanos; len(r.lat) < 1<<16 && w.Nanos != 0 {
		r.lat = append(r.lat, t)
	}
	mode := r.p.Net.Mode
	want := r.recvSeq[w.From] + 1
	if mode&(card.Unordered|card.Lossy|card.Dup) == 0 && w.Seq != want {
		// The bus lost or reordered a message: on an ordered, reliable
		// network that is a fault of the bus, not of the program.
		r.faults = append(r.faults, fmt.Sprintf("message %d from %s arrived when %d was due", w.Seq, r.p.Net.Nodes[w.From], want))
	}
	if w.Seq > r.recvSeq[w.From] {
		r.recvSeq[w.From] = w.Seq
	}
	r.recv++
	r.linkRecv[w.From]++
	r.idleSent = false
	r.inbox[w.From] = append(r.inbox[w.From], w)
	r.deliver()
	r.wakeAll()
}

// deliver delivers what it can of the messages received: in order per
// link on an ordered network (a channel message waits for room, and the
// link's later messages wait behind it), any of them on an unordered one.
func (r *rt) deliver() {
	unordered := r.p.Net.Mode&card.Unordered != 0
	for from := range r.inbox {
		q := r.inbox[from]
		kept := q[:0]
		for k, w := range q {
			if !r.deliverable(w) {
				if !unordered {
					kept = append(kept, q[k:]...)
					break
				}
				kept = append(kept, w)
				continue
			}
			r.apply(w)
		}
		r.inbox[from] = kept
	}
}

func (r *rt) deliverable(w *wireMsg) bool {
	if w.Kind == vm.MsgChan {
		return r.m.ChanRoom(r.sh, int32(w.A))
	}
	return true
}

func (r *rt) apply(w *wireMsg) {
	r.lamport = max(r.lamport, w.Lamport) + 1
	if r.record {
		r.log = append(r.log, logEvent{Lamport: r.lamport, H: -1, From: w.From, Seq: w.Seq})
	}
	switch w.Kind {
	case vm.MsgStart:
		if _, dup := r.byHandle[w.A]; !dup && w.Proc >= 0 && int(w.Proc) < len(r.p.Procs) {
			r.newStack(w.A, w.Proc, w.Args)
		}
	case vm.MsgDone:
		r.done[w.A] = w.Value
	case vm.MsgNotify, vm.MsgChan:
		if w.A >= 0 && w.A < int64(len(r.sh)) {
			r.m.DeliverShared(r.sh, vm.Message{Kind: w.Kind, A: w.A, Value: w.Value, B: w.B})
		}
	case vm.MsgAck:
		if st := r.byHandle[w.A]; st != nil {
			st.ack = false
		}
	}
}

// probe answers the coordinator's question whether the node is still
// idle, with its message counts now.
func (r *rt) probe(run uint64, wave int) {
	r.mu.Lock()
	busy := !r.active || r.run != run || r.running > 0 || len(r.runq) > 0
	if busy {
		r.idleSent = false // say so again when idle, so that another wave follows
		r.cond.Broadcast()
	}
	m := hubMsg{Op: "probe", Run: run, Wave: wave, Sent: r.sent, Recv: r.recv, Busy: busy}
	r.mu.Unlock()
	r.hub(m)
}

// report stops this node's run and sends what it holds to the coordinator.
func (r *rt) report(run uint64) {
	r.mu.Lock()
	r.active = false
	for r.running > 0 {
		r.cond.Wait()
	}
	p := r.p
	rep := &nodeReport{Vars: map[int32][]int64{}, Prints: r.prints, Cards: r.cards, Sent: r.sent, Recv: r.recv,
		Faults: r.faults, Lat: r.lat, Links: map[int32][2]int64{}, Log: r.log}
	rep.Names = map[int64]string{}
	for h, name := range r.away {
		rep.Names[h] = name
	}
	for _, st := range r.stacks {
		rep.Names[st.h] = st.name
		sr := stackReport{Name: st.name, Proc: st.proc, PC: st.pc, Finished: st.finished, Cards: st.cards}
		if !st.finished {
			sr.Waits = p.Labels[st.pc]
			if st.ack {
				sr.Waits += " (no acknowledgement yet)"
			}
		}
		rep.Stacks = append(rep.Stacks, sr)
	}
	for gi := range p.Globals {
		g := &p.Globals[gi]
		if g.Kind == card.GVar && p.Net.GlobalNode[gi] == r.me {
			rep.Vars[int32(gi)] = append([]int64(nil), r.sh[g.Base:g.Base+g.Elems()]...)
		}
	}
	for from, q := range r.inbox {
		for _, w := range q {
			rep.Queued = append(rep.Queued, fmt.Sprintf("%s from %s", w.Kind, p.Net.Nodes[from]))
		}
	}
	for h, name := range r.away {
		if _, done := r.done[h]; !done {
			if rep.Away == nil {
				rep.Away = map[int32][]string{}
			}
			rep.Away[runnerOf(h)] = append(rep.Away[runnerOf(h)], name)
		}
	}
	for n := range p.Net.Nodes {
		if r.linkSent[n] != 0 || r.linkRecv[n] != 0 {
			rep.Links[int32(n)] = [2]int64{r.linkSent[n], r.linkRecv[n]}
		}
	}
	r.mu.Unlock()
	// A report larger than a bus message may be (a long recording, many
	// printed lines) goes in pieces, which the coordinator puts together
	// (the bus keeps one publisher's messages in order).
	b, err := json.Marshal(rep)
	if err != nil || len(b) <= reportChunk {
		r.hub(hubMsg{Op: "report", Run: run, Report: rep})
	} else {
		parts := 0
		for off := 0; off < len(b); off += reportChunk {
			r.hub(hubMsg{Op: "report-part", Run: run, Chunk: b[off:min(off+reportChunk, len(b))]})
			parts++
		}
		r.hub(hubMsg{Op: "report", Run: run, Parts: parts})
	}
	r.nc.Flush()
}

// reportChunk is the most bytes of a report one bus message carries: as
// base64 in JSON, under the bus's 1 MiB limit.
const reportChunk = 512 << 10

// MaxNodeLog bounds the events a node records for --record: a run on
// nodes stops when one node's recording is full, as a run on goroutine
// workers does (real.MaxRecorded), so that a long run's reports and its
// merge stay bounded (about 40 bytes an event in a report).
const MaxNodeLog = 1 << 20

// nhost is the vm.Host (and vm.NetHost) of a stack of this node.
type nhost struct {
	r  *rt
	st *nstack
}

func (h *nhost) Shared() []int64 { return h.r.sh }
func (h *nhost) Locals() []int64 { return h.st.loc }

func (h *nhost) StackDone(hd int64) (bool, bool, int64) {
	if hd < 0 {
		return false, false, 0
	}
	if runnerOf(hd) == h.r.me {
		st := h.r.byHandle[hd]
		if st == nil {
			return false, false, 0
		}
		return true, st.finished, h.r.done[hd]
	}
	ret, ok := h.r.done[hd]
	return true, ok, ret
}

func (h *nhost) Spawn(proc int32, args []int64) (int64, bool) {
	r := h.r
	if r.nextSeq >= vm.MaxStacks {
		return 0, false
	}
	to := r.p.Net.ProcNode[proc]
	hd := handleOf(r.nextSeq, r.me, to)
	r.nextSeq++
	if r.cur != nil {
		r.cur.Spawned = append(r.cur.Spawned, hd)
	}
	if to == r.me {
		r.newStack(hd, proc, args)
	} else {
		r.away[hd] = r.stackName(proc, hd)
		r.send(to, &wireMsg{Kind: vm.MsgStart, A: hd, Proc: proc, Args: append([]int64(nil), args...)})
	}
	return hd, true
}

func (h *nhost) Print(rec []int64) {
	r := h.r
	r.prints = append(r.prints, printRec{Lamport: r.lamport, Node: r.me, Seq: len(r.prints), Rec: append([]int64(nil), rec...)})
}

func (h *nhost) Finish(ret int64) {
	r, st := h.r, h.st
	st.finished = true
	st.pc = r.p.Procs[st.proc].Exit
	st.loc = nil
	if to := r.p.Net.DoneTo[st.proc]; to != 0 {
		for n := int32(0); n < int32(len(r.p.Net.Nodes)); n++ {
			if to&(1<<n) != 0 && n != r.me {
				r.send(n, &wireMsg{Kind: vm.MsgDone, A: st.h, Value: ret})
			}
		}
	}
	// A local join takes the value from the stack itself.
	r.done[st.h] = ret
}

func (h *nhost) Post(msg vm.Message) {
	h.r.send(msg.To, &wireMsg{Kind: msg.Kind, A: msg.A, Value: msg.Value, B: msg.B})
}

func (h *nhost) StackNode(hd int64) int32 { return runnerOf(hd) }

func (h *nhost) SetAwaitingAck(on bool) { h.st.ack = on }
func (h *nhost) AwaitingAck() bool      { return h.st.ack }
