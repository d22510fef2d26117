// Package node runs a placed program for real: every node is an
// operating-system process of its own (the same deck binary, as
// `deck node`), running its stacks on goroutine workers through vm.Exec,
// and the nodes talk over a NATS message bus — an embedded server on the
// loopback interface by default, or an existing server or cluster.
//
// The coordinator (Run) starts the bus and the node processes, starts each
// run, and knows it is over when every node reports that nothing on it can
// move and every message sent has been received (quiet); it then gathers
// what each node holds and merges it into one outcome: the shared
// variables of their owners, and the printed lines in an order that
// respects causality (Lamport clocks). A node (Serve) runs the stacks of
// its procedures under one lock, so that every card stays atomic, and
// delivers the messages it receives with the same rules as the simulator
// (vm.ChanRoom, vm.DeliverShared): in order per link on an ordered
// network, a channel message waiting for room.
package node
