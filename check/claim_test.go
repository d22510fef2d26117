package check

import (
	"slices"
	"sync"
	"testing"
)

// TestHomeChunks checks that homeChunks lists each chunk of the frontier
// under the worker that stored its middle state, and that claimHome gives
// a worker its own chunks first, in order, then the others', and every
// chunk to exactly one claim, when workers claim at once.
func TestHomeChunks(t *testing.T) {
	// A frontier of 5 chunks and a bit (the last one partial): chunks 0,
	// 2 and 3 stored by worker 1, 1 and 4 by worker 0, 5 by worker 1.
	owners := []uint64{1, 0, 1, 1, 0, 1}
	n := 5*chunk + 10
	refs := make([]uint64, n)
	for r := range refs {
		refs[r] = owners[r/chunk]<<refWorkerSh | uint64(r)
	}
	// A state off the middle of its chunk belongs to the other worker:
	// only the middle one counts.
	refs[3*chunk] = 0
	c := &checker{workers: []*worker{{id: 0}, {id: 1}}, front: frontier{refs: refs}}
	c.homeChunks(n)
	want := [][]int32{{1, 4}, {0, 2, 3, 5}}
	for w := range want {
		if got := c.homes[w]; !slices.Equal(got, want[w]) {
			t.Fatalf("worker %d's home chunks = %v, want %v", w, got, want[w])
		}
	}

	// Worker 0 alone: its own chunks, then worker 1's.
	var order []int64
	for list := 0; ; {
		var start int64
		if start, list = c.claimHome(list, 0); start < 0 {
			break
		}
		order = append(order, start/chunk)
	}
	if wantOrder := []int64{1, 4, 0, 2, 3, 5}; !slices.Equal(order, wantOrder) {
		t.Fatalf("worker 0 alone claims chunks %v, want %v", order, wantOrder)
	}

	// Two workers at once, many times: every chunk once.
	for round := 0; round < 200; round++ {
		c.homeChunks(n)
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for self := 0; self < 2; self++ {
			wg.Add(1)
			go func(self int) {
				defer wg.Done()
				for list := self; ; {
					var start int64
					if start, list = c.claimHome(list, self); start < 0 {
						return
					}
					mu.Lock()
					seen[start/chunk]++
					mu.Unlock()
				}
			}(self)
		}
		wg.Wait()
		for j := int64(0); j < 6; j++ {
			if seen[j] != 1 {
				t.Fatalf("round %d: chunk %d claimed %d times (%v)", round, j, seen[j], seen)
			}
		}
	}
}

// TestAlone checks that alone's slices have the length asked for and no
// room to grow into: an append must move them, not write into the spare
// lines that keep other workers' data off their cache lines.
func TestAlone(t *testing.T) {
	for _, n := range []int{0, 1, 17, 100} {
		if a := alone[uint32](n); len(a) != n || cap(a) != n {
			t.Fatalf("alone[uint32](%d): len %d cap %d", n, len(a), cap(a))
		}
		if b := alone[[3]uint64](n); len(b) != n || cap(b) != n {
			t.Fatalf("alone[[3]uint64](%d): len %d cap %d", n, len(b), cap(b))
		}
	}
}
