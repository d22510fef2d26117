package check

import (
	"math/rand/v2"
	"testing"
)

// TestBucketsPartitionRanks checks that bucketOf and bucketStart agree: the
// buckets are consecutive ranges of ranks that cover [0, n), so that
// orderBucket's ranges of parents are whole and disjoint, and they are
// balanced within a rank or two.
func TestBucketsPartitionRanks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 3, 5, 7, 63, 64, 65, 1000, 1 << 20, 1<<20 + 1, 3<<30 + 17}
	for range 200 {
		sizes = append(sizes, 1+rng.IntN(1<<22))
	}
	for _, n := range sizes {
		for k := 1; k <= maxWorkers; k++ {
			recip := bucketRecip(k, n)
			start := func(b int) uint64 {
				if b == k {
					return uint64(n)
				}
				return bucketStart(b, recip, n)
			}
			if start(0) != 0 {
				t.Fatalf("n=%d k=%d: bucket 0 starts at %d", n, k, start(0))
			}
			for b := 0; b < k; b++ {
				lo, hi := start(b), start(b+1)
				if lo > hi {
					t.Fatalf("n=%d k=%d: bucket %d is [%d, %d)", n, k, b, lo, hi)
				}
				if n >= k {
					if d := int64(hi-lo) - int64(n/k); d < -2 || d > 2 {
						t.Fatalf("n=%d k=%d: bucket %d holds %d ranks, not about %d", n, k, b, hi-lo, n/k)
					}
				}
				// The edges, and a few ranks inside.
				for _, r := range []uint64{lo, hi - 1, lo + (hi-lo)/2, lo + rng.Uint64N(max(hi-lo, 1))} {
					if r < lo || r >= hi {
						continue
					}
					if got := bucketOf(r, recip, k); got != b {
						t.Fatalf("n=%d k=%d: rank %d of [%d, %d) went to bucket %d, not %d", n, k, r, lo, hi, got, b)
					}
				}
			}
		}
	}
}

// TestParentsSameOnEveryWorkerCount compares the whole parent store of a
// search on one worker with those on two and three, level by level and
// record by record, with every barrier forced onto every worker: a record
// left unpacked or packed wrong at a bucket's edge shows here even where
// no counterexample's path goes through it.
func TestParentsSameOnEveryWorkerCount(t *testing.T) {
	forceParallel(t)
	m := mustCompile(t, "par.deck", mutexCounter(4, 3))
	search := func(workers int) *checker {
		c, err := newChecker(m, Options{Workers: workers, NoPOR: true, All: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.search(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	one := search(1)
	if one.parents.end < 10000 {
		t.Fatalf("only %d states: too small to test the buckets' edges", one.parents.end)
	}
	for _, workers := range []int{2, 3} {
		many := search(workers)
		if one.parents.levels() != many.parents.levels() || one.parents.end != many.parents.end {
			t.Fatalf("%d workers: %d levels, %d states; one worker: %d, %d", workers,
				many.parents.levels(), many.parents.end, one.parents.levels(), one.parents.end)
		}
		for L := 1; L < one.parents.levels(); L++ {
			a, b := one.parents.level(L), many.parents.level(L)
			if a.base != b.base || a.n != b.n {
				t.Fatalf("%d workers: level %d is [%d, +%d), not [%d, +%d)", workers, L, b.base, b.n, a.base, a.n)
			}
			for i := uint64(0); i < a.n; i++ {
				ra, oa := a.get(i)
				rb, ob := b.get(i)
				if ra != rb || oa != ob {
					t.Fatalf("%d workers: level %d, state %d: parent (%d, %d), not (%d, %d)", workers, L, i, rb, ob, ra, oa)
				}
			}
		}
	}
}
