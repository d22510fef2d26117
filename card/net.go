package card

import (
	"fmt"
	"strings"

	"github.com/deck-lang/deck/syntax"
)

// MaxNodes bounds the nodes of a placement, so that a set of nodes fits in
// one word.
const MaxNodes = 64

// HomeNode is the node every procedure runs on unless it is placed.
const HomeNode = "home"

// NetMode is what the network may do to a message besides delivering it
// after some delay. The zero value is an ordered, reliable network.
type NetMode uint8

const (
	// Unordered lets messages between two nodes overtake one another.
	Unordered NetMode = 1 << iota
	// Lossy lets the network drop a message.
	Lossy
	// Dup lets the network deliver a channel message more than once.
	Dup
)

// ParseNetMode reads a comma-separated list of ordered, unordered, lossy
// and dup.
func ParseNetMode(text string) (NetMode, error) {
	var m NetMode
	ordered := false
	for _, w := range strings.Split(text, ",") {
		switch strings.TrimSpace(w) {
		case "ordered":
			ordered = true
		case "unordered":
			m |= Unordered
		case "lossy":
			m |= Lossy
		case "dup":
			m |= Dup
		case "":
			return 0, fmt.Errorf("empty network mode in %q (want ordered, unordered, lossy or dup, comma-separated)", text)
		default:
			return 0, fmt.Errorf("unknown network mode %q (want ordered, unordered, lossy or dup, comma-separated)", strings.TrimSpace(w))
		}
	}
	if ordered && m&Unordered != 0 {
		return 0, fmt.Errorf("network mode %q is both ordered and unordered", text)
	}
	return m, nil
}

func (m NetMode) String() string {
	parts := []string{"ordered"}
	if m&Unordered != 0 {
		parts[0] = "unordered"
	}
	if m&Lossy != 0 {
		parts = append(parts, "lossy")
	}
	if m&Dup != 0 {
		parts = append(parts, "dup")
	}
	return strings.Join(parts, ",")
}

// Network is the placement of a program on nodes: which node runs each
// procedure's stacks, which node owns each global, and what crosses nodes
// as messages. compile.Place builds it; the vm reads it.
type Network struct {
	Nodes    []string // Nodes[0] is HomeNode
	Mode     NetMode
	ProcNode []int32 // by procedure
	// GlobalNode is the node that owns each global (-1: nobody uses it).
	// An event used on several nodes has one copy per node; Replicas
	// lists them.
	GlobalNode []int32
	// WordGlobal maps a word of the shared section to its global.
	WordGlobal []int32
	// WordCap is, for each word of the shared section, the buffer size of
	// the channel it belongs to (0 for a rendezvous channel and for the
	// words of other globals): what a delivery asks of every message
	// without two lookups.
	WordCap []int32
	// Remote, by pc: the card crosses nodes (a spawn of a procedure placed
	// elsewhere, a send to a channel another node owns, a notify of an
	// event waited on elsewhere, a join of a stack that may run elsewhere).
	Remote []bool
	// NotifyTo, by pc of a notify card: the copies of the event on other
	// nodes that wait on it, each of which gets a message.
	NotifyTo [][]int32
	// DoneTo, by procedure: the nodes (a bit each) that a finished stack
	// of it tells, because they may join it.
	DoneTo []uint64
	// Replicas, by global: for an event used on several nodes, the copy of
	// each node (index by node; -1 where it has none); nil otherwise.
	Replicas [][]int32
	// Placed is the placement as given: procedure name to node.
	Placed map[string]string
	// Crashable lists the nodes (a bit each) that may crash: their stacks
	// stop, and messages to them are lost from then on.
	Crashable uint64
	// Partitions is how many times the network may split in two (and heal
	// again); while it is split, messages between the parts are lost.
	Partitions int32
}

// Faulty reports whether nodes may crash or the network split.
func (n *Network) Faulty() bool { return n.Crashable != 0 || n.Partitions > 0 }

// PlaceDecl is a `place proc on node` declaration of the source file.
type PlaceDecl struct {
	Proc, Node string
	Pos        syntax.Pos
}

// NodeOf returns the node that runs the cards of pc.
func (n *Network) NodeOf(p *Program, pc int32) int32 { return n.ProcNode[p.Cards[pc].Proc] }
