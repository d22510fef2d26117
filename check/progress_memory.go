package check

import (
	"fmt"
	"unsafe"
)

// What building the progress graph holds in memory, and how reserve grows
// the graph's arrays within --max-memory.
//
// The budget counts what the process holds, not what it has asked for:
// the graph's arrays and the queue live in mappings (hugeSlice) whose
// pages take memory only once written, so an array counts the huge pages
// of its part written so far (residentBytes), however far its capacity
// runs ahead. A mapped array that grows is moved by the kernel
// (regrowMapped), so growing it costs only its new pages; an array on the
// Go heap is copied, and its old array counts until the copy is done. The
// hash tables (the id table, the claim table) and the workers' scratch
// count whole: their writes land all over them.
//
// Counting capacities, as deck did before, stopped the progress check of
// phil N=6 R=3 at --max-memory 300MiB ("the graph would take more than
// 300 MiB") in a process that, with a larger limit, peaked at 270 MiB.

// chunk returns how many states to expand next: chunkStates (half as
// many when the build is pipelined, so that the two sets of scratch take
// what one took), or fewer when the scratch they would take (at the most
// an expanded state has taken, twice over since the scratch grows by
// appending) does not fit in the budget. Expanding comes before filing,
// where reserve checks the budget, so a chunk's scratch must fit before it
// is taken: 8192 states of a big program take tens of MiB. A chunk filed
// meanwhile (pipelined: its scratch is spare) will write about what its
// scratch holds into the graph and the queue: that is counted too.
func (b *builder) chunk(scs []*pscratch) int {
	most := int64(progressChunk)
	if b.spare != nil {
		most = max(most/2, 1)
	}
	if b.perState == 0 {
		return int(most)
	}
	room := b.maxMem - (b.resident(scs) - scratchBytes(scs)) - scratchBytes(b.spare)
	return int(max(min(room/(2*b.perState), most), min(64, most)))
}

// noteScratch records the scratch the expansion of states states took.
func (b *builder) noteScratch(scs []*pscratch, states int) {
	var used int64
	for _, sc := range scs {
		used += int64(len(sc.exps))*int64(unsafe.Sizeof(pexp{})) + int64(len(sc.succ))*int64(unsafe.Sizeof(psucc{})) + int64(len(sc.words))*8
	}
	if states > 0 {
		b.perState = max(b.perState, (used+int64(states)-1)/int64(states))
	}
}

// bytes is the scratch's memory, at its capacities: it is written again
// for every chunk.
func (sc *pscratch) bytes() int64 {
	return int64(cap(sc.exps))*int64(unsafe.Sizeof(pexp{})) + int64(cap(sc.succ))*int64(unsafe.Sizeof(psucc{})) +
		int64(cap(sc.words))*8 + int64(cap(sc.nets))*4 + int64(cap(sc.slots))*8
}

// resident is what the graph and the builder hold in memory now (see
// the top of this file): what the budget counts.
func (b *builder) resident(scs []*pscratch) int64 {
	arrays := b.arrays(0, 0, 0, 0, 0)
	var m int64
	for i := range arrays {
		a := &arrays[i]
		m += residentBytes(a.written, a.capacity, a.size, a.mapped)
	}
	return m + b.tables() + scratchBytes(scs) + scratchBytes(b.spare)
}

// inUse is what the graph's slices and the queue hold at their lengths
// (see pgraph.inUse), with the tables and the scratch: what the report
// shows.
func (b *builder) inUse(scs []*pscratch) int64 {
	m := b.g.inUse() + int64(len(b.buf)+len(b.nbuf))*8 + int64(len(b.starts)+len(b.nstarts))*8
	return m + b.tables() + scratchBytes(scs) + scratchBytes(b.spare)
}

// tables is the id table's, the claim table's and the seen sets' memory.
func (b *builder) tables() int64 {
	m := int64(len(b.g.ids.slots))*idSlotBytes + b.claim.bytes()
	for _, s := range b.seens {
		m += int64(cap(s.slots)) * int64(unsafe.Sizeof(seenSlot{}))
	}
	return m
}

func scratchBytes(scs []*pscratch) int64 {
	var m int64
	for _, sc := range scs {
		m += sc.bytes()
	}
	return m
}

// analysisBytes bounds what the analysis of a graph of n states and e edges
// allocates once the graph is built (findLasso, fairComponents, checkProps):
// by state, Tarjan's index and low, on, mark, trim's bit set and the list
// of the states it keeps (22 bytes), Tarjan's stack and calls (at most 12 bytes, up to twice that as
// they grow by appending), and the copies of the components and of the
// lasso (8 bytes); with properties, the reverse graph (4 bytes a state and
// an edge) and checkProp's own arrays (13 bytes a state). It is a bound on
// arrays, not a measure: the maps that strong fairness and the cycle's
// detours keep for one component are left out.
func (g *pgraph) analysisBytes(n, e int64) int64 {
	b := n * (22 + 24 + 8)
	if len(g.m.P.Props) > 0 {
		b += n*(4+13) + e*4
	}
	return b
}

// graphGuess is roughly what the progress graph of a program whose safety
// search found states states and transitions transitions holds: its
// arrays (28 bytes a state and 10 an edge, with up to twice the safety
// search's edges, since the progress graph folds fewer cards than the
// reduction does) and its id table (two slots of 16 bytes a state).
func graphGuess(states, transitions int64) int64 {
	return states*(28+32) + transitions*20
}

// residentBytes is what an array of capacity c elements of size bytes, of
// which the first n have been written, holds in memory: when it is mapped
// (hugeSlice), the huge pages written, since the rest of the mapping has
// never been touched; on the Go heap all of it, which the runtime counts
// and may have handed out in pages another array touched.
func residentBytes(n, c int, size int64, mapped bool) int64 {
	if mapped {
		return (int64(n)*size + hugePage - 1) &^ (hugePage - 1)
	}
	return int64(c) * size
}

// arrayNeed is one array the builder grows (reserve): where it stands and
// what filing the next chunk adds to it.
type arrayNeed struct {
	length, capacity int
	// written is how many elements have ever been written: more than
	// length for the queue's arrays, reused level after level.
	written int
	mapped  bool // it lives in a mapping of its own (regrowMapped moves it)
	add     int  // elements filing will append
	size    int64
	hint    int // the capacity the safety search suggests (0: none)
}

func describe[T any](h *hugeMaps, s []T, written, add, hint int) arrayNeed {
	var zero T
	mapped := cap(s) > 0 && h.m[unsafe.Pointer(unsafe.SliceData(s))] != nil
	return arrayNeed{length: len(s), capacity: cap(s), written: max(written, len(s)), mapped: mapped, add: add, size: int64(unsafe.Sizeof(zero)), hint: hint}
}

// Which of builder.arrays' arrays is which.
const (
	arrOff = iota
	arrEn
	arrUnf
	arrProps
	arrTo
	arrStk
	arrKind
	arrCh
	arrParent
	arrPedge
	arrNextStarts // the queue: the next level's, which filing appends to,
	arrNextBuf
	arrStarts // and the current level's
	arrBuf
	arrCount
)

// arrGraph: the graph's arrays are those before it.
const arrGraph = arrNextStarts

// arrays describes the arrays reserve grows, for filing states expanded
// states with edges successors, fresh of them new, whose words take words
// words (props: states, when the program has properties, else 0).
func (b *builder) arrays(states, props, edges, fresh, words int) [arrCount]arrayNeed {
	g, h := b.g, &b.g.maps
	hs, he := b.hintStates, b.hintEdges
	var a [arrCount]arrayNeed
	a[arrOff] = describe(h, g.off, 0, states+1, hs+1) // +1: the last row's end
	a[arrEn] = describe(h, g.en, 0, states, hs)
	a[arrUnf] = describe(h, g.unf, 0, states, hs)
	a[arrProps] = describe(h, g.props, 0, props, hs)
	a[arrTo] = describe(h, g.to, 0, edges, he)
	a[arrStk] = describe(h, g.stk, 0, edges, he)
	a[arrKind] = describe(h, g.kind, 0, edges, he)
	a[arrCh] = describe(h, g.ch, 0, edges, he)
	a[arrParent] = describe(h, g.parent, 0, fresh, hs)
	a[arrPedge] = describe(h, g.pedge, 0, fresh, hs)
	// The queue holds a level, not the graph: no hint.
	a[arrNextStarts] = describe(h, b.nstarts, b.nstartsWritten, fresh, 0)
	a[arrNextBuf] = describe(h, b.nbuf, b.nbufWritten, words, 0)
	a[arrStarts] = describe(h, b.starts, b.startsWritten, 0, 0)
	a[arrBuf] = describe(h, b.buf, b.bufWritten, 0, 0)
	return a
}

// plan is the capacity the array needs in the given mode.
func (a *arrayNeed) plan(mode growMode) int {
	need := a.length + a.add
	if need <= a.capacity {
		return a.capacity
	}
	switch mode {
	case growHint:
		if a.hint > a.capacity {
			return max(need, a.hint) // once: past the hint, doubling
		}
	case growPages:
		if bytes := int64(need) * a.size; hugeMapping && bytes >= hugePage {
			return int(((bytes + hugePage - 1) &^ (hugePage - 1)) / a.size)
		}
	}
	return growCap(a.length, a.capacity, a.add, mode != growDouble && mode != growHint)
}

// growMode is how reserve grows the arrays.
type growMode uint8

const (
	growHint    growMode = iota // to the size the safety search suggests
	growDouble                  // twice over
	growQuarter                 // by a quarter
	// growPages: to the huge pages filing writes, for mapped arrays (a
	// move each chunk, when nothing else fits), by a quarter for others
	growPages
)

// reserve makes room for filing the states the workers expanded (scs): it
// grows the graph's slices, the queue and the id table to what the
// expansions may add, so that filing allocates nothing. It returns why
// the graph cannot grow, or "". A plan fits when what the builder holds
// once the chunk is filed (see the top of this file), with the old arrays
// that are copied rather than moved, is within the budget, and the graph,
// once built, leaves room for its analysis (the queue and the tables are
// gone by then). The plans that let capacities run ahead also keep the
// capacities within the budget: the Go runtime's soft memory limit is
// lowered by the size of every mapping (mapHuge).
func (b *builder) reserve(scs []*pscratch) string {
	g := b.g
	var states, edges, fresh, words int
	for _, sc := range scs {
		if sc.why != "" {
			return "" // file reports it
		}
		states += len(sc.exps)
		edges += len(sc.succ)
		fresh += sc.unknown
		words += len(sc.words)
	}
	// New states: at most the successors no earlier level has, and the
	// state limit (filing stops there). The claim table takes them all.
	unknown := fresh
	fresh = int(min(int64(fresh), max(b.limit-int64(len(g.parent)), 0)+1))
	props := 0
	if len(g.m.P.Props) > 0 {
		props = states
	}
	g.mem = max(g.mem, b.inUse(scs))
	arrays := b.arrays(states, props, edges, fresh, words)
	var caps [arrCount]int
	// The tables and the scratch (both sets when pipelined), as filing
	// will find them.
	tables := scratchBytes(scs) + scratchBytes(b.spare)
	if len(scs) > 1 && b.spare == nil {
		// Filing in parallel takes a claim table (the old one is freed
		// first) and a slot a successor; a pipelined build files on one
		// goroutine.
		tables += max(b.claim.bytes(), int64(levelSize(unknown*maxLoadDen/maxLoadNum+16))*levelSlotBytes)
		for _, sc := range scs {
			if len(sc.succ) > cap(sc.slots) {
				tables += int64(len(sc.succ)) * 8
			}
		}
	}
	idBytes := int64(len(g.ids.slots)) * idSlotBytes
	ids := 0
	fits := false
	for _, mode := range []growMode{growHint, growDouble, growQuarter, growPages} {
		if mode == growHint && b.hintStates <= 0 {
			continue
		}
		ids = g.ids.sizeFor(g.ids.n + fresh)
		if mode == growHint && ids > len(g.ids.slots) {
			ids = g.ids.sizeFor(max(g.ids.n+fresh, b.hintStates))
		}
		// A table that grows is rehashed from the old one: both live.
		idsAfter := idBytes
		if ids > len(g.ids.slots) {
			idsAfter += int64(ids) * idSlotBytes
		}
		var resident, capacity, copied, built int64
		for i := range arrays {
			a := &arrays[i]
			c := a.plan(mode)
			caps[i] = c
			mapped := a.mapped || c > a.capacity && hugeMapping && int64(c)*a.size >= hugePage
			r := residentBytes(max(a.written, a.length+a.add), c, a.size, mapped)
			resident += r
			if i < arrGraph {
				built += r
			}
			capacity += int64(c) * a.size
			if c > a.capacity && !a.mapped {
				copied += int64(a.capacity) * a.size
			}
		}
		n, e := int64(len(g.parent)+fresh), int64(len(g.to)+edges)
		fits = resident+copied+tables+idsAfter <= b.maxMem && built+g.analysisBytes(n, e) <= b.maxMem
		if mode != growPages {
			fits = fits && capacity+tables+idsAfter <= b.maxMem
		}
		if fits {
			break
		}
	}
	if !fits {
		return fmt.Sprintf("the graph would take more than %s (--max-memory)", sizeText(b.shown))
	}
	var grow int64 // what the new arrays may take from the Go heap
	for i := range arrays {
		if caps[i] > arrays[i].capacity {
			grow += int64(caps[i]-arrays[i].capacity) * arrays[i].size
		}
	}
	if ids > len(g.ids.slots) {
		grow += int64(ids) * idSlotBytes
	}
	makeRoom(grow)
	// The arrays are written once from end to end: in huge pages where the
	// system allows (hugeSlice), since a page fault for every 4 KiB took
	// a third of the progress check (docs/performance.md, "Huge pages").
	h := &g.maps
	g.off = regrowMapped(h, g.off, caps[arrOff])
	g.en, g.unf, g.props = regrowMapped(h, g.en, caps[arrEn]), regrowMapped(h, g.unf, caps[arrUnf]), regrowMapped(h, g.props, caps[arrProps])
	g.to, g.stk = regrowMapped(h, g.to, caps[arrTo]), regrowMapped(h, g.stk, caps[arrStk])
	g.kind, g.ch = regrowMapped(h, g.kind, caps[arrKind]), regrowMapped(h, g.ch, caps[arrCh])
	g.parent, g.pedge = regrowMapped(h, g.parent, caps[arrParent]), regrowMapped(h, g.pedge, caps[arrPedge])
	b.nstarts, b.nbuf = regrowMapped(h, b.nstarts, caps[arrNextStarts]), regrowMapped(h, b.nbuf, caps[arrNextBuf])
	if ids > len(g.ids.slots) {
		g.ids.resize(ids)
	}
	return ""
}

// growCap is the capacity a slice of length length and capacity capacity
// needs for add more elements: its own when they fit, else twice it (or a
// quarter more, when quarter is set: growing still costs amortized
// constant time), and at least 1024.
func growCap(length, capacity, add int, quarter bool) int {
	if length+add <= capacity {
		return capacity
	}
	more := capacity
	if quarter {
		more = capacity / 4
	}
	return max(length+add, capacity+more, 1024)
}
