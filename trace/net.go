package trace

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/vm"
)

// NodeRows labels the timeline rows of a placed program: each node's
// processors ("Y/cpu0"), then the network. For a program on one machine it
// is nil.
func NodeRows(m *vm.Machine, cpusPerNode int) []string {
	net := m.P.Net
	if net == nil {
		return nil
	}
	var rows []string
	for _, n := range net.Nodes {
		for k := 0; k < cpusPerNode; k++ {
			rows = append(rows, fmt.Sprintf("%s/cpu%d", n, k))
		}
	}
	return append(rows, "network")
}

// PlacementText says which procedures run on which node and what the
// network does: "home: main · Y: worker  (network ordered)".
func PlacementText(m *vm.Machine) string {
	p, net := m.P, m.P.Net
	if net == nil {
		return ""
	}
	var parts []string
	for n, name := range net.Nodes {
		var procs []string
		for i := range p.Procs {
			if net.ProcNode[i] == int32(n) {
				procs = append(procs, p.Procs[i].Name)
			}
		}
		switch {
		case len(procs) > 0:
			parts = append(parts, name+": "+strings.Join(procs, ", "))
		case n == 0:
			// Home is node 0 of a schedule's crashes (c0) even when main
			// runs elsewhere: keep it in the list the numbers count.
			parts = append(parts, name+": (nothing)")
		}
	}
	text := fmt.Sprintf("%s  (network %s", strings.Join(parts, " · "), net.Mode)
	var crash []string
	for n, name := range net.Nodes {
		if net.Crashable&(1<<n) != 0 {
			crash = append(crash, name)
		}
	}
	if len(crash) > 0 {
		text += "; " + strings.Join(crash, ", ") + " may crash"
	}
	if net.Partitions > 0 {
		text += fmt.Sprintf("; it may split %d time%s", net.Partitions, Plural(int(net.Partitions)))
	}
	return text + ")"
}

// PlacementJSON is the placement in JSON output.
type PlacementJSON struct {
	Net   string              `json:"net"`
	Nodes map[string][]string `json:"nodes"`
}

// PlacementToJSON describes the placement, or nil for one machine.
func PlacementToJSON(m *vm.Machine) *PlacementJSON {
	p, net := m.P, m.P.Net
	if net == nil {
		return nil
	}
	j := &PlacementJSON{Net: net.Mode.String(), Nodes: map[string][]string{}}
	for n, name := range net.Nodes {
		j.Nodes[name] = []string{}
		for i := range p.Procs {
			if net.ProcNode[i] == int32(n) {
				j.Nodes[name] = append(j.Nodes[name], p.Procs[i].Name)
			}
		}
	}
	return j
}

// InFlight lists the messages still in flight in s.
func InFlight(m *vm.Machine, s *vm.State) []MsgEvent {
	var out []MsgEvent
	for k := 0; k < s.NumMsgs(); k++ {
		out = append(out, msgEvent(m, s, s.Msg(k)))
	}
	return out
}

// InFlightJSON converts messages for JSON output.
func InFlightJSON(evs []MsgEvent) []MsgJSON {
	out := []MsgJSON{}
	for _, e := range evs {
		out = append(out, msgJSON(e))
	}
	return out
}
