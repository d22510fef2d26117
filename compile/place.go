package compile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// ParsePlacement reads the --place form "proc=NODE,proc=NODE" into pairs,
// in order.
func ParsePlacement(text string) ([][2]string, error) {
	var out [][2]string
	seen := map[string]bool{}
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		proc, node, ok := strings.Cut(item, "=")
		proc, node = strings.TrimSpace(proc), strings.TrimSpace(node)
		switch {
		case item == "":
			return nil, fmt.Errorf("--place %q: an empty entry (want proc=NODE,proc=NODE)", text)
		case !ok && item == strings.TrimSpace(text):
			return nil, fmt.Errorf("--place %q: want proc=NODE (a procedure, =, a node's name)", text)
		case !ok:
			return nil, fmt.Errorf("--place %q: %q is not proc=NODE", text, item)
		case !isName(proc):
			return nil, fmt.Errorf("--place %q: %q is not a procedure name", text, proc)
		case !isName(node):
			return nil, fmt.Errorf("--place %q: %q is not a node name (letters, digits and _, not starting with a digit)", text, node)
		case seen[proc]:
			return nil, fmt.Errorf("--place %q: %s is placed twice", text, proc)
		}
		seen[proc] = true
		out = append(out, [2]string{proc, node})
	}
	return out, nil
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Place puts p's procedures on nodes: the file's place declarations, then
// flags (which override them), and the network mode. It returns p itself
// when every procedure runs on the home node, and otherwise a placed copy
// of p (p is not changed) whose Net says which node runs what and which
// cards become messages. A placement that puts a variable, array, mutex or
// semaphore in the hands of two nodes, or a channel's receivers on two
// nodes, is an error at the card that breaks it.
func Place(p *card.Program, flags [][2]string, mode card.NetMode) (*card.Program, error) {
	want := map[string]string{}
	for _, d := range p.Places {
		want[d.Proc] = d.Node
	}
	procIdx := map[string]int32{}
	for i := range p.Procs {
		procIdx[p.Procs[i].Name] = int32(i)
	}
	for _, f := range flags {
		if _, ok := procIdx[f[0]]; !ok {
			return nil, fmt.Errorf("--place: there is no procedure %s in %s", f[0], p.File)
		}
		want[f[0]] = f[1]
	}
	away := false
	for _, n := range want {
		away = away || n != card.HomeNode
	}
	if !away {
		return p, nil
	}
	for gi := range p.Globals {
		if g := &p.Globals[gi]; g.Kind == card.GCond {
			// A signal moves stacks on other nodes' sleep cards: there is
			// no message for that yet.
			var errs syntax.ErrorList
			errs.Add(p.File, g.Pos, "cond %s: condition variables work on one machine only; a placed program cannot use them", g.Name)
			return nil, errs
		}
	}

	// Nodes: home first, then the others by name.
	nodes := []string{card.HomeNode}
	var others []string
	seen := map[string]bool{card.HomeNode: true}
	for _, n := range want {
		if !seen[n] {
			seen[n] = true
			others = append(others, n)
		}
	}
	sort.Strings(others)
	nodes = append(nodes, others...)
	if len(nodes) > card.MaxNodes {
		return nil, fmt.Errorf("--place: %d nodes, more than the %d deck supports", len(nodes), card.MaxNodes)
	}
	nodeIdx := map[string]int32{}
	for i, n := range nodes {
		nodeIdx[n] = int32(i)
	}

	q := *p // the placed copy: every table that changes is copied
	q.Cards = append([]card.Card(nil), p.Cards...)
	q.Globals = append([]card.Global(nil), p.Globals...)
	q.Procs = append([]card.Proc(nil), p.Procs...)
	q.Labels = append([]string(nil), p.Labels...)
	q.Numbers = append([]string(nil), p.Numbers...)
	q.Accesses = append([][]card.Access(nil), p.Accesses...)
	net := &card.Network{
		Nodes:    nodes,
		Mode:     mode,
		ProcNode: make([]int32, len(p.Procs)),
		DoneTo:   make([]uint64, len(p.Procs)),
		Placed:   want,
	}
	q.Net = net
	for i := range q.Procs {
		net.ProcNode[i] = nodeIdx[want[q.Procs[i].Name]] // "" is not a node: index 0, home
	}
	nodeOf := func(pc int) int32 { return net.ProcNode[q.Cards[pc].Proc] }

	var errs syntax.ErrorList
	// A procedure that is only ever called is not a stack: its calls
	// run its cards in the caller's stack (the compiler puts them there),
	// on the caller's node. Its own cards never run, so they say nothing
	// about who uses what.
	stack := stackProcs(&q)
	// Ownership: who uses each global, from which node.
	type use struct {
		node int32
		pc   int
	}
	first := make([]use, len(q.Globals)) // first user of each global
	for g := range first {
		first[g] = use{node: -1}
	}
	recvNode := make([]use, len(q.Globals)) // first receiver of each channel
	for g := range recvNode {
		recvNode[g] = use{node: -1}
	}
	users := make([]uint64, len(q.Globals)) // events: the nodes that use them
	waiters := make([]uint64, len(q.Globals))
	reported := make([]bool, len(q.Globals))
	describe := func(pc int) string {
		c := &q.Cards[pc]
		return fmt.Sprintf("%s (on %s) at %s", q.Procs[c.Proc].Name, nodes[nodeOf(pc)], c.Pos)
	}
	for pc := range q.Cards {
		c := &q.Cards[pc]
		if c.Op == card.Done || !stack[c.Proc] {
			continue
		}
		n := nodeOf(pc)
		for _, a := range q.Accesses[pc] {
			g := &q.Globals[a.Global]
			switch g.Kind {
			case card.GEvent:
				users[a.Global] |= 1 << n
				continue
			case card.GChan:
				if first[a.Global].node < 0 {
					first[a.Global] = use{n, pc}
				}
				continue
			}
			u := &first[a.Global]
			if u.node < 0 {
				*u = use{n, pc}
				continue
			}
			if u.node != n && !reported[a.Global] {
				reported[a.Global] = true
				errs.Add(p.File, c.Pos, "%s %s is used by stacks on two nodes: %s and %s; a %s belongs to one node (keep its users together, or pass values over a channel)",
					g.Kind, g.Name, describe(u.pc), describe(pc), kindWord(g.Kind))
			}
		}
		switch c.Op {
		case card.Recv:
			u := &recvNode[c.Obj]
			if u.node < 0 {
				*u = use{n, pc}
			} else if u.node != n && !reported[c.Obj] {
				reported[c.Obj] = true
				errs.Add(p.File, c.Pos, "chan %s is received from on two nodes: %s and %s; a channel lives on the node of its receivers, so they must share one",
					q.Globals[c.Obj].Name, describe(u.pc), describe(pc))
			}
		case card.Wait:
			waiters[c.Obj] |= 1 << n
		case card.Select:
			for _, sc := range card.SelectCases(&q, c) {
				if sc.Kind != card.CaseRecv {
					continue
				}
				if u := &recvNode[sc.Obj]; u.node < 0 {
					*u = use{n, pc}
				}
			}
		}
	}
	if len(errs) > 0 {
		// Each names its own variable: two on one line (print a, b) are
		// two mistakes, not one and its echo, so SortAll keeps both.
		errs.SortAll()
		return nil, errs
	}
	net.GlobalNode = make([]int32, len(q.Globals))
	for g := range q.Globals {
		net.GlobalNode[g] = first[g].node
		if q.Globals[g].Kind == card.GChan && recvNode[g].node >= 0 {
			net.GlobalNode[g] = recvNode[g].node
		}
	}
	if err := placeSelects(&q, nodes, stack, describe); err != nil {
		return nil, err
	}

	// Events used on several nodes get a copy per node; the first node
	// that uses one keeps the original.
	net.Replicas = make([][]int32, len(q.Globals))
	nglobals := len(q.Globals)
	for g := 0; g < nglobals; g++ {
		if q.Globals[g].Kind != card.GEvent || users[g]&(users[g]-1) == 0 {
			if users[g] != 0 {
				net.GlobalNode[g] = int32(lowBit(users[g]))
			}
			continue
		}
		reps := make([]int32, len(nodes))
		for n := range reps {
			reps[n] = -1
		}
		for n := int32(0); n < int32(len(nodes)); n++ {
			if users[g]&(1<<n) == 0 {
				continue
			}
			if reps[lowBit(users[g])] < 0 {
				reps[n] = int32(g)
				net.GlobalNode[g] = n
				continue
			}
			r := q.Globals[g]
			r.Base = q.SharedWords
			q.SharedWords += r.Elems() * r.Stride
			reps[n] = int32(len(q.Globals))
			q.Globals = append(q.Globals, r)
			net.GlobalNode = append(net.GlobalNode, n)
			net.Replicas = append(net.Replicas, nil)
		}
		net.Replicas[g] = reps
	}

	net.Remote = make([]bool, len(q.Cards))
	net.NotifyTo = make([][]int32, len(q.Cards))
	needStart := make([]bool, len(q.Procs))
	for pc := range q.Cards {
		c := &q.Cards[pc]
		n := nodeOf(pc)
		switch c.Op {
		case card.Wait, card.Notify:
			reps := net.Replicas[c.Obj]
			if reps == nil {
				continue
			}
			orig := c.Obj
			c.Obj = reps[n]
			if c.Op == card.Notify {
				for m := int32(0); m < int32(len(nodes)); m++ {
					if m != n && waiters[orig]&(1<<m) != 0 {
						net.NotifyTo[pc] = append(net.NotifyTo[pc], reps[m])
					}
				}
				net.Remote[pc] = len(net.NotifyTo[pc]) > 0
			}
		case card.Spawn:
			if net.ProcNode[c.A] != n {
				net.Remote[pc] = true
				needStart[c.A] = true
			}
		case card.Send, card.SendWait:
			net.Remote[pc] = net.GlobalNode[c.Obj] != n
		case card.Join:
			for pr := range q.Procs {
				if (c.A < 0 || int32(pr) == c.A) && net.ProcNode[pr] != n {
					net.DoneTo[pr] |= 1 << n
					net.Remote[pc] = true
				}
			}
		}
	}
	// Notify messages also reach a node whose only copy came from a
	// notify elsewhere: a node that waits needs a copy (it has one, as a
	// user), so NotifyTo is complete.

	// A procedure spawned from another node gets a card to stand at until
	// its start message arrives.
	for pr := range q.Procs {
		if !needStart[pr] {
			continue
		}
		at := int32(len(q.Cards))
		q.Cards = append(q.Cards, card.Card{
			Op: card.Start, Dst: -1, Obj: -1, X: card.NoExpr, Y: card.NoExpr,
			Next: q.Procs[pr].Entry, Target: -1, Proc: int32(pr), Pos: q.Procs[pr].Pos,
		})
		q.Procs[pr].Start = at
		q.Labels = append(q.Labels, "start")
		q.Numbers = append(q.Numbers, "0")
		q.Accesses = append(q.Accesses, nil)
		net.Remote = append(net.Remote, false)
		net.NotifyTo = append(net.NotifyTo, nil)
	}
	for pc := range q.Cards {
		if c := &q.Cards[pc]; c.Op == card.Wait || c.Op == card.Notify || c.Op == card.Atomic || card.HasBodies(&q, int32(pc)) {
			q.Accesses[pc] = card.CardAccesses(&q, int32(pc))
		}
	}
	net.WordGlobal = make([]int32, q.SharedWords)
	net.WordCap = make([]int32, q.SharedWords)
	for g := range q.Globals {
		gl := &q.Globals[g]
		for w := gl.Base; w < gl.Base+gl.Elems()*gl.Stride; w++ {
			net.WordGlobal[w] = int32(g)
			if gl.Kind == card.GChan {
				net.WordCap[w] = gl.Cap
			}
		}
	}
	q.SetStackWords()
	return &q, nil
}

func kindWord(k card.GlobalKind) string {
	switch k {
	case card.GMutex:
		return "mutex"
	case card.GSem:
		return "semaphore"
	}
	return "variable"
}

func lowBit(x uint64) int {
	for i := 0; i < 64; i++ {
		if x&(1<<i) != 0 {
			return i
		}
	}
	return -1
}

// MaxPartitionNodes bounds the nodes of a program whose network may split:
// every way to cut the nodes in two is a move, and there are 2^(n-1)-1.
const MaxPartitionNodes = 8

// Faults lets nodes of a placed program crash (crash names them) and its
// network split up to partitions times. p must be placed (Place's result),
// and is changed.
func Faults(p *card.Program, crash []string, partitions int) error {
	if len(crash) == 0 && partitions == 0 {
		return nil
	}
	if p.Net == nil {
		return fmt.Errorf("--crash and --partitions need stacks on other nodes (--place proc=NODE, or place declarations in the file)")
	}
	for _, name := range crash {
		found := false
		for n, node := range p.Net.Nodes {
			if node == name {
				p.Net.Crashable |= 1 << n
				found = true
			}
		}
		if !found {
			return fmt.Errorf("--crash: there is no node %s (the nodes are %s)", name, strings.Join(p.Net.Nodes, ", "))
		}
	}
	if partitions < 0 {
		return fmt.Errorf("--partitions cannot be negative")
	}
	if partitions > 0 && len(p.Net.Nodes) > MaxPartitionNodes {
		return fmt.Errorf("--partitions: the network may split only when there are at most %d nodes (there are %d)", MaxPartitionNodes, len(p.Net.Nodes))
	}
	if partitions > 1000 {
		return fmt.Errorf("--partitions: at most 1000")
	}
	p.Net.Partitions = int32(partitions)
	return nil
}

// stackProcs reports, for each procedure of p, whether a stack may run
// it: main, and every procedure a card of such a stack spawns.
func stackProcs(p *card.Program) []bool {
	stack := make([]bool, len(p.Procs))
	stack[p.Main] = true
	for more := true; more; {
		more = false
		for pc := range p.Cards {
			if c := &p.Cards[pc]; c.Op == card.Spawn && stack[c.Proc] && !stack[c.A] {
				stack[c.A] = true
				more = true
			}
		}
	}
	return stack
}
