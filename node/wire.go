package node

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/deck-lang/deck/vm"
)

// The wire format of a message between nodes: fixed-order varints, so that
// a message is a few bytes and costs no reflection.
//
//	version, run, kind, from, to, seq, a, value, b, proc, lamport, nanos, nargs, args...
//
// seq numbers the messages of one link (from → to) from 1, so that the
// receiver sees a lost or reordered message on an ordered network as a
// gap. lamport is the sender's Lamport clock, which orders printed lines
// across nodes consistently with what caused what.

const wireVersion = 1

// wireMsg is a message between nodes. A start message carries the new
// stack's procedure and arguments, since no other node holds its words.
type wireMsg struct {
	Run      uint64 // the run of the session it belongs to (stale ones are dropped)
	Kind     vm.MsgKind
	From, To int32
	Seq      uint64
	A        int64 // the stack (start, done, ack) or the shared word (notify, chan)
	Value    int64
	B        int64
	Proc     int32   // start: the procedure
	Args     []int64 // start: the arguments
	Lamport  uint64
	Nanos    int64 // the sender's clock when it sent it, for latency figures
}

func (w *wireMsg) encode(buf []byte) []byte {
	buf = binary.AppendUvarint(buf, wireVersion)
	buf = binary.AppendUvarint(buf, w.Run)
	buf = binary.AppendUvarint(buf, uint64(w.Kind))
	buf = binary.AppendVarint(buf, int64(w.From))
	buf = binary.AppendVarint(buf, int64(w.To))
	buf = binary.AppendUvarint(buf, w.Seq)
	buf = binary.AppendVarint(buf, w.A)
	buf = binary.AppendVarint(buf, w.Value)
	buf = binary.AppendVarint(buf, w.B)
	buf = binary.AppendVarint(buf, int64(w.Proc))
	buf = binary.AppendUvarint(buf, w.Lamport)
	buf = binary.AppendVarint(buf, w.Nanos)
	buf = binary.AppendUvarint(buf, uint64(len(w.Args)))
	for _, a := range w.Args {
		buf = binary.AppendVarint(buf, a)
	}
	return buf
}

var errBadWire = errors.New("malformed message")

func decodeWire(b []byte) (*wireMsg, error) {
	r := reader{b: b}
	if v := r.uvarint(); v != wireVersion {
		return nil, fmt.Errorf("message of wire version %d, want %d", v, wireVersion)
	}
	w := &wireMsg{}
	w.Run = r.uvarint()
	w.Kind = vm.MsgKind(r.uvarint())
	w.From = int32(r.varint())
	w.To = int32(r.varint())
	w.Seq = r.uvarint()
	w.A = r.varint()
	w.Value = r.varint()
	w.B = r.varint()
	w.Proc = int32(r.varint())
	w.Lamport = r.uvarint()
	w.Nanos = r.varint()
	n := r.uvarint()
	if n > 64 {
		return nil, errBadWire
	}
	for i := uint64(0); i < n; i++ {
		w.Args = append(w.Args, r.varint())
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errBadWire
	}
	return w, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadWire
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadWire
		return 0
	}
	r.b = r.b[n:]
	return v
}
