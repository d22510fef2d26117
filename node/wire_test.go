package node

import (
	"reflect"
	"testing"

	"github.com/deck-lang/deck/vm"
)

func TestWireRoundTrip(t *testing.T) {
	for _, w := range []*wireMsg{
		{Run: 1, Kind: vm.MsgStart, From: 0, To: 3, Seq: 1, A: 4161, Proc: 2, Args: []int64{-5, 1 << 40}, Lamport: 9, Nanos: 123},
		{Run: 7, Kind: vm.MsgChan, From: 2, To: 1, Seq: 99, A: 17, Value: -1, B: 65, Lamport: 1 << 50},
		{Run: 1, Kind: vm.MsgAck, From: 63, To: 0, Seq: 1 << 62},
	} {
		got, err := decodeWire(w.encode(nil))
		if err != nil {
			t.Fatalf("%+v: %v", w, err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("round trip: got %+v, want %+v", got, w)
		}
	}
}

func TestWireRejectsGarbage(t *testing.T) {
	good := (&wireMsg{Run: 1, Kind: vm.MsgNotify, Seq: 1, A: 3}).encode(nil)
	for name, b := range map[string][]byte{
		"empty":          {},
		"wrong version":  append([]byte{9}, good[1:]...),
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(append([]byte{}, good...), 0),
		"too many args":  append(good[:len(good)-1], 0x80, 0x01),
	} {
		if _, err := decodeWire(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func FuzzWire(f *testing.F) {
	f.Add((&wireMsg{Run: 1, Kind: vm.MsgStart, Seq: 1, Args: []int64{1, 2}}).encode(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := decodeWire(b)
		if err != nil {
			return
		}
		again, err := decodeWire(w.encode(nil))
		if err != nil || !reflect.DeepEqual(w, again) {
			t.Fatalf("decoded %+v does not survive a round trip: %+v %v", w, again, err)
		}
	})
}
