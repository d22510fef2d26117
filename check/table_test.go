package check

import (
	"math/rand/v2"
	"testing"
)

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

// TestRehashInRanges grows tables by rehashing their old arrays in k
// ranges, one after the other as the workers would side by side, with the
// leftovers put after, and checks that the new table holds exactly the
// old entries, each once, and finds every one by a probe from its home.
// The fingerprints are clustered so that probe runs cross the ranges'
// edges and wrap round the end of the old array.
func TestRehashInRanges(t *testing.T) {
	for _, tc := range []struct {
		name        string
		oldSize     int
		grow, parts int
		fill        int
	}{
		{"double, 2 parts", 1 << 10, 2, 2, 700},
		{"fourfold, 2 parts", 1 << 10, 4, 2, 760},
		{"double, 3 parts", 1 << 12, 2, 3, 3000},
		{"double, 2 parts, sparse", 1 << 12, 2, 2, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := newFPTable(tc.oldSize)
			want := map[uint64]bool{}
			rng := rand.New(rand.NewPCG(uint64(tc.oldSize), uint64(tc.fill)))
			for len(want) < tc.fill {
				// Homes crowd at the array's end and at the parts' edges.
				var home uint64
				switch rng.IntN(3) {
				case 0:
					home = uint64(tc.oldSize - 1 - rng.IntN(8))
				case 1:
					home = uint64(tc.oldSize/tc.parts - 1 - rng.IntN(8))
				default:
					home = rng.Uint64N(uint64(tc.oldSize))
				}
				fp := rng.Uint64()&^uint64(tc.oldSize*tc.grow-1) | home | 1<<62
				if !want[fp] {
					want[fp] = true
					tab.insert(fp)
				}
			}
			old, _ := tab.begin(tc.oldSize * tc.grow)
			var left []uint64
			for i := 0; i < tc.parts; i++ {
				left = tab.rehash(old, i*len(old)/tc.parts, (i+1)*len(old)/tc.parts, left)
			}
			for _, fp := range left {
				tab.put(fp)
			}
			got := 0
			for _, v := range tab.slots {
				if v != 0 {
					if !want[v] {
						t.Fatalf("%x is in the new table, not in the old", v)
					}
					got++
				}
			}
			if got != len(want) {
				t.Fatalf("the new table holds %d entries, want %d", got, len(want))
			}
			for fp := range want {
				if !tab.contains(fp) {
					t.Fatalf("%x not found from its home", fp)
				}
			}
		})
	}
}
