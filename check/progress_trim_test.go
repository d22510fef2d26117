package check

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// graphOf makes a pgraph with n states and the given edges (pairs), in
// rows by source, and the given BFS levels (their first states).
func graphOf(n int, edges [][2]uint32, levels []uint32, workers int) *pgraph {
	g := &pgraph{en: make([]uint64, n), levels: levels, workers: workers}
	sorted := slices.Clone(edges)
	slices.SortStableFunc(sorted, func(a, b [2]uint32) int { return int(a[0]) - int(b[0]) })
	g.off = make([]uint32, n+1)
	for _, e := range sorted {
		g.off[e[0]+1]++
		g.to = append(g.to, e[1])
		g.stk = append(g.stk, 0)
	}
	for v := 1; v <= n; v++ {
		g.off[v] += g.off[v-1]
	}
	return g
}

// leadsToCycle returns the states of the subgraph induced by in from which an
// infinite path inside it starts, computed to the end, the slow way.
func leadsToCycle(g *pgraph, in func(uint32) bool) []uint32 {
	n := g.n()
	alive := make([]bool, n)
	for v := range n {
		alive[v] = in == nil || in(uint32(v))
	}
	for changed := true; changed; {
		changed = false
		for v := range n {
			if !alive[v] {
				continue
			}
			keep := false
			for e := g.off[v]; e < g.off[v+1]; e++ {
				keep = keep || alive[g.to[e]]
			}
			if !keep {
				alive[v], changed = false, true
			}
		}
	}
	var out []uint32
	for v := range n {
		if alive[v] {
			out = append(out, uint32(v))
		}
	}
	return out
}

// components returns the non-trivial strongly connected components of
// the subgraph of the states in nodes (where in holds, or when in is nil,
// those out leaves), each sorted, in order, found by Tarjan's algorithm.
func components(g *pgraph, nodes []uint32, in func(uint32) bool, out []uint64) [][]uint32 {
	t := newTarjan(g)
	t.out = out
	var comps [][]uint32
	t.run(nodes, in, func(c []uint32) {
		if len(c) > 1 || g.selfLoop(c[0]) {
			comps = append(comps, sortedCopy(c))
		}
	})
	slices.SortFunc(comps, func(a, b []uint32) int { return int(a[0]) - int(b[0]) })
	return comps
}

// TestTrim: trim keeps exactly the states that lead to a cycle, on small
// graphs, with one worker or several sharing even the smallest level.
func TestTrim(t *testing.T) {
	defer func(old int) { trimParallelMin = old }(trimParallelMin)
	trimParallelMin = 1
	type E = [2]uint32
	for _, tt := range []struct {
		name   string
		n      int
		edges  []E
		levels []uint32
		want   []uint32   // what trim keeps
		comps  [][]uint32 // the non-trivial components
	}{
		{"empty graph of one state", 1, nil, []uint32{0}, nil, nil},
		{"self-loop", 1, []E{{0, 0}}, []uint32{0}, []uint32{0}, [][]uint32{{0}}},
		{"chain", 4, []E{{0, 1}, {1, 2}, {2, 3}}, []uint32{0, 1, 2, 3}, nil, nil},
		{"diamond", 4, []E{{0, 1}, {0, 2}, {1, 3}, {2, 3}}, []uint32{0, 1, 3}, nil, nil},
		{"edge inside a level, to a lower id", 4, []E{{0, 1}, {0, 2}, {2, 1}, {1, 3}}, []uint32{0, 1, 3}, nil, nil},
		{"edge back to an earlier level, no cycle", 5, []E{{0, 1}, {0, 2}, {1, 3}, {3, 2}, {2, 4}}, []uint32{0, 1, 3, 4}, nil, nil},
		{"cycle at the end", 5, []E{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 3}}, []uint32{0, 1, 2, 3, 5}, []uint32{0, 1, 2, 3, 4}, [][]uint32{{3, 4}}},
		{"cycle and a dead end", 6, []E{{0, 1}, {0, 2}, {1, 3}, {2, 4}, {3, 1}, {4, 5}}, []uint32{0, 1, 3, 5}, []uint32{0, 1, 3}, [][]uint32{{1, 3}}},
		{"two cycles, one behind a dead branch", 7, []E{{0, 1}, {0, 2}, {1, 0}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 5}}, []uint32{0, 1, 3, 4, 5, 6}, []uint32{0, 1, 2, 3, 4, 5, 6}, [][]uint32{{0, 1}, {5, 6}}},
		{"nested cycles and a tail", 6, []E{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 3}, {3, 4}, {4, 5}}, []uint32{0, 1, 2, 3, 4, 5}, []uint32{0, 1, 2, 3}, [][]uint32{{0, 1, 2}, {3}}},
		{"no levels", 3, []E{{0, 1}, {1, 2}, {2, 1}}, nil, []uint32{0, 1, 2}, [][]uint32{{1, 2}}},
	} {
		for _, workers := range []int{1, 2, 3} {
			g := graphOf(tt.n, tt.edges, tt.levels, workers)
			got, out := g.trim(nil)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s, %d workers: trim keeps %v, want %v", tt.name, workers, got, tt.want)
			}
			if comps := components(g, got, nil, out); !slices.EqualFunc(comps, tt.comps, slices.Equal) {
				t.Errorf("%s, %d workers: components %v, want %v", tt.name, workers, comps, tt.comps)
			}
		}
	}
}

// TestTrimRandom: on random graphs (ids in levels, most edges to the next
// level, some inside a level or back), what trim keeps holds every state
// that leads to a cycle of the subgraph, and Tarjan's algorithm on it finds
// the same components as on the whole subgraph, for any number of workers.
func TestTrimRandom(t *testing.T) {
	defer func(old int) { trimParallelMin = old }(trimParallelMin)
	trimParallelMin = 1
	r := rand.New(rand.NewPCG(13, 1))
	for iter := range 400 {
		n := 1 + r.IntN(300)
		var levels []uint32
		for v := 0; v < n; v += 1 + r.IntN(20) {
			levels = append(levels, uint32(v))
		}
		level := func(v int) int {
			k, _ := slices.BinarySearch(levels, uint32(v)+1)
			return k - 1
		}
		back := []float64{0, 0.01, 0.05, 0.3}[iter%4]
		var edges [][2]uint32
		for v := range n {
			for range r.IntN(4) {
				var w int
				switch k := level(v); {
				case r.Float64() < back:
					w = r.IntN(n)
				case k+1 < len(levels):
					lo, hi := int(levels[k+1]), n
					if k+2 < len(levels) {
						hi = int(levels[k+2])
					}
					w = lo + r.IntN(hi-lo)
				default:
					continue
				}
				edges = append(edges, [2]uint32{uint32(v), uint32(w)})
			}
		}
		var in func(uint32) bool
		if iter%3 == 0 {
			mask := r.Uint64()
			in = func(v uint32) bool { return mask>>(v%64)&1 == 1 || v%7 == 0 }
		}
		all := func(uint32) bool { return true }
		ref := graphOf(n, edges, levels, 1)
		var nodes []uint32
		for v := range n {
			if in == nil || in(uint32(v)) {
				nodes = append(nodes, uint32(v))
			}
		}
		want := components(ref, nodes, cmpIn(in, all), nil)
		fix := leadsToCycle(ref, in)
		for _, workers := range []int{1, 2, 3} {
			g := graphOf(n, edges, levels, workers)
			kept, out := g.trim(in)
			name := fmt.Sprintf("graph %d (%d states, %d edges), %d workers", iter, n, len(edges), workers)
			for _, v := range fix {
				if _, ok := slices.BinarySearch(kept, v); !ok {
					t.Fatalf("%s: state %d leads to a cycle, trim removed it", name, v)
				}
			}
			if !slices.IsSorted(kept) {
				t.Fatalf("%s: trim's states are not in order", name)
			}
			for _, v := range kept {
				if out[v>>6]&(1<<(v&63)) != 0 || in != nil && !in(v) {
					t.Fatalf("%s: state %d kept and out", name, v)
				}
			}
			got := components(g, kept, nil, out)
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%s: components %v after trim, %v without", name, got, want)
			}
			if found := components(g, kept, func(v uint32) bool { return out[v>>6]&(1<<(v&63)) == 0 }, nil); !slices.EqualFunc(found, want, slices.Equal) {
				t.Fatalf("%s: components %v with a func, %v without trim", name, found, want)
			}
		}
	}
}

func cmpIn(in, all func(uint32) bool) func(uint32) bool {
	if in == nil {
		return all
	}
	return in
}
