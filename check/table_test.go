package check

import "testing"

// TestPlaceOwnStripes checks that placeOwn inserts only inside the
// caller's stripes and hands back whatever would leave them, and that
// place then finds what placeOwn inserted.
func TestPlaceOwnStripes(t *testing.T) {
	const size, levelSlots = 1024, 64 // a stripe is a run of 64 slots, 16 times over
	lmask := uint64(levelSlots - 1)
	lo, hi := uint64(16), uint64(32) // this worker's level-table slots
	tab := newFPTable(size)
	// fpAt makes a fingerprint whose home is slot i (homes are the low bits).
	fpAt := func(i, tag uint64) uint64 { return tag<<32 | i }

	// A home outside the stripes is left alone.
	if done, _ := tab.placeOwn(fpAt(100, 1), lo, hi, lmask); done { // 100&63 = 36: not ours
		t.Fatal("placed a fingerprint whose home is another worker's")
	}
	// Inside: placed, then found again.
	home := uint64(64*3 + 20) // 20: ours
	if done, isNew := tab.placeOwn(fpAt(home, 1), lo, hi, lmask); !done || !isNew {
		t.Fatalf("placeOwn = %v %v, want placed and new", done, isNew)
	}
	if done, isNew := tab.placeOwn(fpAt(home, 1), lo, hi, lmask); !done || isNew {
		t.Fatalf("placeOwn again = %v %v, want found", done, isNew)
	}
	if tab.slots[home] != fpAt(home, 1) {
		t.Fatal("not at its home")
	}
	// A collision probes on within the stripe.
	if done, isNew := tab.placeOwn(fpAt(home, 2), lo, hi, lmask); !done || !isNew || tab.slots[home+1] != fpAt(home, 2) {
		t.Fatal("a collision was not placed in the next slot")
	}
	// Fill the stripe's end: a probe that would leave it gives up.
	last := uint64(64*3 + 31)
	if done, _ := tab.placeOwn(fpAt(last, 1), lo, hi, lmask); !done {
		t.Fatal("the stripe's last slot was not placed")
	}
	if done, _ := tab.placeOwn(fpAt(last, 2), lo, hi, lmask); done {
		t.Fatal("a probe left the stripe")
	}
	if tab.slots[last+1] != 0 {
		t.Fatal("wrote past the stripe")
	}
	// place, which may cross stripes, takes what placeOwn left, and
	// sees what it placed.
	if !tab.place(fpAt(last, 2)) || tab.slots[last+1] != fpAt(last, 2) {
		t.Fatal("place did not put the left fingerprint after the stripe")
	}
	if tab.place(fpAt(home, 2)) || !tab.contains(fpAt(home, 2)) {
		t.Fatal("place and contains do not see what placeOwn placed")
	}
	// The table's last stripe wraps to slot 0, which is worker 0's.
	end := uint64(size - 1) // 1023&63 = 63
	if done, _ := tab.placeOwn(fpAt(end, 1), 48, 64, lmask); !done {
		t.Fatal("the last slot was not placed")
	}
	if done, _ := tab.placeOwn(fpAt(end, 2), 48, 64, lmask); done || tab.slots[0] != 0 {
		t.Fatal("a probe wrapped into another worker's stripe")
	}
	// With the whole level table as the slice, nothing is left.
	if done, _ := tab.placeOwn(fpAt(end, 2), 0, levelSlots, lmask); !done || tab.slots[0] != fpAt(end, 2) {
		t.Fatal("a lone worker's probe did not wrap")
	}
}
