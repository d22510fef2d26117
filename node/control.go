package node

// Control messages between the coordinator and the node processes, as
// JSON on subjects of the run's own prefix:
//
//	<prefix>.ctl.<node>   coordinator → node: start a run, report, quit
//	<prefix>.hub          node → coordinator: hello, idle, fault, report
//	<prefix>.msg.<node>   node → node: the program's messages (wire.go)

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/deck-lang/deck/card"
)

type ctlMsg struct {
	Op   string `json:"op"` // "start", "probe", "report", "quit"
	Run  uint64 `json:"run"`
	Seed uint64 `json:"seed"`
	Wave int    `json:"wave,omitempty"` // probe: its number
	// Record asks the nodes to log every card and delivery (start).
	Record bool `json:"record,omitempty"`
}

type hubMsg struct {
	Op     string       `json:"op"` // "hello", "idle", "probe", "fault", "full", "report", "report-part", "error"
	Wave   int          `json:"wave,omitempty"`
	Busy   bool         `json:"busy,omitempty"` // probe: the node was not idle
	Node   int32        `json:"node"`
	Run    uint64       `json:"run"`
	Sent   int64        `json:"sent"`
	Recv   int64        `json:"recv"`
	Fault  *faultReport `json:"fault,omitempty"`
	Report *nodeReport  `json:"report,omitempty"`
	// A report too large for one bus message: its JSON in Chunk, over
	// "report-part" messages, then a "report" with the count in Parts.
	Chunk []byte `json:"chunk,omitempty"`
	Parts int    `json:"parts,omitempty"`
	Err   string `json:"err,omitempty"`
	PID   int    `json:"pid,omitempty"`
	// Prog, in a hello, is the node's programDigest: a node started by
	// hand with another file (or placement, or network) than the run's
	// would exchange messages whose numbers mean other things.
	Prog string `json:"prog,omitempty"`
}

// programDigest identifies a placed program: its source, its nodes, where
// each procedure runs and the network's mode. Two processes of one run
// must agree on all of it.
func programDigest(p *card.Program) string {
	h := sha256.New()
	h.Write(p.Src)
	if n := p.Net; n != nil {
		fmt.Fprintf(h, "\x00%q %v %v", n.Nodes, n.ProcNode, n.Mode)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// faultReport is a failed card on a node: an assert or a runtime error.
type faultReport struct {
	Stack   string `json:"stack"`
	Card    string `json:"card"`
	Pos     string `json:"pos"`
	Message string `json:"message"`
}

// nodeReport is what a node holds at the end of a run.
type nodeReport struct {
	Stacks []stackReport      `json:"stacks"`
	Vars   map[int32][]int64  `json:"vars"` // the shared variables this node owns, by global
	Prints []printRec         `json:"prints"`
	Cards  int64              `json:"cards"`
	Sent   int64              `json:"sent"`
	Recv   int64              `json:"recv"`
	Faults []string           `json:"bus_faults,omitempty"`
	Lat    []int64            `json:"latencies_ns,omitempty"`
	Queued []string           `json:"queued,omitempty"` // received, not delivered
	Links  map[int32][2]int64 `json:"links,omitempty"`  // by other node: sent to, received from
	Log    []logEvent         `json:"log,omitempty"`    // with --record
	// Away: stacks this node spawned on other nodes and has not heard
	// finish, by node (for the report when a node dies).
	Away map[int32][]string `json:"away,omitempty"`
	// Names: the name of every stack this node ran or spawned, by handle,
	// for the handles the run's printed lines hold.
	Names map[int64]string `json:"names,omitempty"`
}

// logEvent is one event of a node's recording: a card a stack took (H is
// its handle), or the delivery of a message (H is -1; From and Seq name
// the message). Lamport stamps order the events of all nodes.
type logEvent struct {
	Lamport uint64    `json:"l"`
	H       int64     `json:"h"`
	Choice  int       `json:"c,omitempty"`
	Spawned []int64   `json:"sp,omitempty"` // handles of the stacks the card spawned
	Sends   []sendRec `json:"s,omitempty"`  // the messages the card sent, in order
	From    int32     `json:"f,omitempty"`
	Seq     uint64    `json:"q,omitempty"`
}

// sendRec is a message a card sent: Copies is 0 when the (lossy) network
// lost it at once, 2 when it delivers it twice.
type sendRec struct {
	To     int32  `json:"t"`
	Seq    uint64 `json:"q"`
	Copies int    `json:"n"`
}

type stackReport struct {
	Name     string `json:"name"`
	Proc     int32  `json:"proc"`
	PC       int32  `json:"pc"`
	Finished bool   `json:"finished"`
	Waits    string `json:"waits,omitempty"`
	Cards    int64  `json:"cards"`
}

// printRec is one printed line, stamped so that lines of several nodes
// can be merged in an order that respects what caused what.
type printRec struct {
	Lamport uint64  `json:"lamport"`
	Node    int32   `json:"node"`
	Seq     int     `json:"seq"`
	Rec     []int64 `json:"rec"`
}
