//go:build linux && !race

package check

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"unsafe"
)

// TestHugeSliceMapsAndGivesBack: a slice of a huge page or more lives in a
// mapping of its own, zeroed and writable, lowers the Go runtime's soft
// memory limit while it lives and gives everything back when unmapped; a
// smaller one is on the heap.
func TestHugeSliceMapsAndGivesBack(t *testing.T) {
	const limit = 1 << 40
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
	before := mappedBytes.Load()
	if s, m := hugeSlice[uint64](1 << 10); m != nil || len(s) != 1<<10 {
		t.Fatalf("a small slice: mapping %d bytes, length %d", len(m), len(s))
	}
	s, m := hugeSlice[uint64](3 << 18) // 6 MiB
	if m == nil {
		t.Skip("the system gave no mapping") // hugeSlice falls back to the heap
	}
	if len(s) != 3<<18 {
		t.Fatalf("length %d", len(s))
	}
	for i := range s {
		if s[i] != 0 {
			t.Fatalf("word %d is %d, not zero", i, s[i])
		}
		s[i] = uint64(i)
	}
	if got := debug.SetMemoryLimit(-1); got != limit-int64(len(s))*8 {
		t.Fatalf("memory limit %d while mapped, want %d (lowered by the body, not the alignment's page)", got, limit-int64(len(s))*8)
	}
	if got := mappedBytes.Load() - before; got != int64(len(m)) {
		t.Fatalf("%d bytes counted as mapped, want %d", got, len(m))
	}
	unmapHuge(m)
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("memory limit %d after unmapping, want %d", got, limit)
	}
	if got := mappedBytes.Load(); got != before {
		t.Fatalf("%d bytes mapped after unmapping, want %d", got, before)
	}
}

// TestMoveHugeKeepsData: a mapped slice grown by regrowMapped keeps its
// elements, moved by the kernel rather than copied (moveHuge), gets zeroes
// after them, and leaves the old mapping given back, in the count of
// mapped bytes and in the soft memory limit.
func TestMoveHugeKeepsData(t *testing.T) {
	const limit = 1 << 40
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
	before := mappedBytes.Load()
	s, m := hugeSlice[uint64](3<<18 + 5) // 6 MiB and a bit: not whole huge pages
	if m == nil {
		t.Skip("the system gave no mapping")
	}
	for i := range s {
		s[i] = uint64(i) + 1
	}
	oldLo := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	oldHi := oldLo + uintptr(len(m))
	p, nm := moveHuge(unsafe.Pointer(unsafe.SliceData(s)), m, 5<<21)
	if p == nil {
		t.Fatal("moveHuge did not move the mapping")
	}
	// Nothing of the old mapping is left: not its body, not the space
	// around it.
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(maps), "\n") {
		var lo, hi uintptr
		if _, err := fmt.Sscanf(line, "%x-%x", &lo, &hi); err == nil && lo < oldHi && hi > oldLo {
			t.Fatalf("%x-%x of the old mapping %x-%x is still mapped: %s", max(lo, oldLo), min(hi, oldHi), oldLo, oldHi, line)
		}
	}
	s2 := unsafe.Slice((*uint64)(p), 5<<18)
	for i := range s2 {
		want := uint64(0)
		if i < len(s) {
			want = uint64(i) + 1
		}
		if s2[i] != want {
			t.Fatalf("word %d is %d after the move, want %d", i, s2[i], want)
		}
		s2[i] = 7 // writable
	}
	if got := mappedBytes.Load() - before; got != int64(len(nm)) {
		t.Fatalf("%d bytes counted as mapped, want the new mapping's %d", got, len(nm))
	}
	if got := debug.SetMemoryLimit(-1); got != limit-int64(len(s2))*8 {
		t.Fatalf("memory limit %d, want %d", got, limit-int64(len(s2))*8)
	}
	// Through regrowMapped, as the progress graph grows its arrays.
	h := &hugeMaps{m: map[unsafe.Pointer][]byte{p: nm}}
	s3 := regrowMapped(h, s2[:100], 9<<18)
	if len(s3) != 100 || cap(s3) != 9<<18 || s3[99] != 7 || s3[:cap(s3)][9<<18-1] != 0 || len(h.m) != 1 {
		t.Fatalf("regrown: length %d, capacity %d, word 99 %d, last %d, %d mappings", len(s3), cap(s3), s3[99], s3[:cap(s3)][9<<18-1], len(h.m))
	}
	h.free()
	if got := mappedBytes.Load(); got != before {
		t.Fatalf("%d bytes mapped after freeing, want %d", got, before)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("memory limit %d after freeing, want %d", got, limit)
	}
}

// TestSearchGivesBackItsMappings: a search large enough to map its visited
// set, level table and arena slabs holds mappings while it runs, and Run
// leaves none behind, with the soft memory limit where it was; so does the
// progress check, with its graph.
func TestSearchGivesBackItsMappings(t *testing.T) {
	const limit = 1 << 40
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
	// Five stacks counting to 2 in shared variables: 125,479 states
	// without reduction, in levels of thousands, each state made large
	// by an array nobody writes; enough to map the visited set and arena
	// slabs, and in the progress check the graph's edge arrays and the
	// successors' words.
	var b strings.Builder
	b.WriteString("var pad[300]\n")
	for i := range 5 {
		fmt.Fprintf(&b, "var x%d = 0\nproc p%d() {\n    while x%d < 2 { x%d = x%d + 1 }\n}\n", i, i, i, i, i)
	}
	writeSpawnMain(&b, "p", 5)
	m := mustCompile(t, "count.deck", b.String())
	before := mappedBytes.Load()
	c, err := newChecker(m, Options{Workers: 1, NoPOR: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.search(); err != nil {
		t.Fatal(err)
	}
	if c.states() != 125_479 {
		t.Fatalf("only %d states", c.states())
	}
	if len(c.main.mapped) == 0 || len(c.workers[0].arenas[0].mapped)+len(c.workers[0].arenas[1].mapped) == 0 {
		t.Fatalf("the visited set (%d slots) or the arenas were not mapped", len(c.main.slots))
	}
	if mappedBytes.Load() == before {
		t.Fatal("nothing mapped during the search")
	}
	c.release()
	if got := mappedBytes.Load(); got != before {
		t.Fatalf("%d bytes still mapped after release", got-before)
	}
	rep, err := Run(m, Options{Workers: 2, NoPOR: true})
	if err != nil || rep.States != c.states() {
		t.Fatalf("Run: %v, %d states, want %d", err, rep.States, c.states())
	}
	if got := mappedBytes.Load(); got != before {
		t.Fatalf("%d bytes still mapped after Run", got-before)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("memory limit %d after Run, want %d", got, limit)
	}
	// The progress check maps its graph's arrays and its scratch, and
	// gives them back too.
	rep, err = Run(m, Options{Workers: 2, NoPOR: true, CheckProgress: true})
	if err != nil || rep.Progress == nil || rep.Progress.Status != ProgressOK || rep.Progress.States != 125_479 {
		t.Fatalf("Run with progress: %v, %+v", err, rep.Progress)
	}
	if got := mappedBytes.Load(); got != before {
		t.Fatalf("%d bytes still mapped after the progress check", got-before)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("memory limit %d after the progress check, want %d", got, limit)
	}
}
