package check

import (
	"bufio"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the processors deck
// runs on (x86-64, and arm64 with 4 KiB base pages).
const hugePage = 2 << 20

// hugeSlice returns a zeroed slice of n elements and, when it is mapped
// outside the Go heap (at least a huge page, where the system allows: see
// mapHuge), its mapping, which the owner gives back with unmapHuge when it
// drops the slice. T must hold no pointers: the garbage collector does not
// look inside a mapping.
func hugeSlice[T any](n int) ([]T, []byte) {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	b := n * sz
	// A length from hugeLen falls short of whole huge pages by less than
	// an element (2 MiB holds 87,381 level-table slots and 8 bytes).
	if up := (b + hugePage - 1) &^ (hugePage - 1); up-b < sz {
		b = up
	}
	if p, m := mapHuge(b); p != nil {
		return unsafe.Slice((*T)(p), n), m
	}
	return make([]T, n), nil
}

// mapFrom is the smallest array that hugeLen rounds up to whole huge
// pages, so that hugeSlice maps it. On the virtual machines deck is
// measured on, every 4 KiB page of fresh memory costs a page fault of
// 15-20 µs, and the faults of two threads do not overlap: a 2 MiB array
// on the Go heap costs 512 faults, about 10 ms, where a huge page costs
// one fault and the zeroing of 2 MiB, about 0.2 ms. Arrays that size in
// a search are the arena's first slabs, level tables and frontiers of
// tens of thousands of states, and they took 3,500 of the 4,900 page
// faults of the counter N=7 R=4 on two workers (docs/performance.md).
// Smaller arrays stay on the heap, so that a small search stays small.
const mapFrom = 256 << 10

// hugeLen returns how many elements of type T to ask hugeSlice for when
// at least n are needed: n for an array under mapFrom bytes, else n
// rounded up to fill whole huge pages (the mapping has them anyway).
func hugeLen[T any](n int) int {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	if n*sz < mapFrom {
		return n
	}
	return ((n*sz + hugePage - 1) &^ (hugePage - 1)) / sz
}

// hugeMaps holds the mappings of the slices an owner got from hugeSlice,
// by the address of their first element, so that each is given back when
// its slice is replaced (regrowMapped) or the owner is done (free).
type hugeMaps struct {
	m map[unsafe.Pointer][]byte
}

// regrowMapped returns s with capacity c (at least its own), moving it to
// a new array from hugeSlice when it has less: by moving the pages of its
// mapping when it has one (moveHuge), else by copying. It gives back the
// mapping of the old array if it had one.
func regrowMapped[T any](h *hugeMaps, s []T, c int) []T {
	if c <= cap(s) {
		return s
	}
	var old unsafe.Pointer
	var om []byte // old's mapping, if it has one
	if cap(s) > 0 {
		old = unsafe.Pointer(unsafe.SliceData(s))
		om = h.m[old]
	}
	var zero T
	if om != nil {
		// Mapped: let the kernel move the pages rather than copy them.
		if p, nm := moveHuge(old, om, c*int(unsafe.Sizeof(zero))); p != nil {
			delete(h.m, old)
			h.m[p] = nm
			return unsafe.Slice((*T)(p), c)[:len(s)]
		}
	}
	t, m := hugeSlice[T](c)
	t = t[:len(s)]
	copy(t, s)
	if m != nil {
		if h.m == nil {
			h.m = map[unsafe.Pointer][]byte{}
		}
		h.m[unsafe.Pointer(unsafe.SliceData(t))] = m
	}
	if om != nil {
		delete(h.m, old)
		unmapHuge(om)
	}
	return t
}

// free gives back every mapping; nothing may use the slices afterwards.
func (h *hugeMaps) free() {
	for p, m := range h.m {
		delete(h.m, p)
		unmapHuge(m)
	}
}

// DefaultMaxMemory is the memory budget of a search when Options.MaxMemory
// is 0: half of the physical memory (MemTotal in /proc/meminfo), or of the
// cgroup limit when that is lower, and at most 64 GiB. Where neither can be
// read it is 4 GiB. The budget covers the visited set, the parent records,
// the level table and the queued states, and with Options.MemoryBase (as
// deck check sets it) what the process held before the search: the other
// half is left to the rest of the machine.
func DefaultMaxMemory() int64 {
	const fallback = 4 << 30
	total := memTotal()
	if lim := cgroupLimit(); lim > 0 && (total == 0 || lim < total) {
		total = lim
	}
	if total <= 0 {
		return fallback
	}
	return min(total/2, 64<<30)
}

// ResidentMemory is the memory the process holds now (its resident set
// size, from /proc/self/statm), in bytes; 0 where the system does not say
// (the Go runtime's own count stands in for it: see Options.MemoryBase).
func ResidentMemory() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

func cgroupLimit() int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 || v > 1<<50 {
			return 0
		}
		return v
	}
	return 0
}

// makeRoom is called before allocating b bytes that the search's budget
// has room for. When the allocation would take what the Go runtime holds
// past its soft memory limit (which deck check sets to the limit less
// what the runtime does not manage), it collects first. The budget counts
// what is live; what the runtime holds besides is garbage (a table
// replaced by a bigger one) and free pages, which the runtime returns to
// the system as it grows past the limit. But a collection runs
// concurrently with the program: a large allocation made while one is due
// is made before the garbage is freed, and the process passes the limit
// by as much as the allocation for a moment (measured: 532 MiB under a
// 512 MiB limit, from a 64 MiB table). A collection costs little here: the
// search's big arrays hold no pointers, so there is nothing in them to
// mark. Small allocations are left to the runtime.
func makeRoom(b int64) {
	if b < 1<<20 {
		return
	}
	lim := debug.SetMemoryLimit(-1)
	if lim == math.MaxInt64 || goInUse()+b <= lim {
		return
	}
	runtime.GC()
}

// goInUse is what the Go runtime holds from the system and uses: all it
// has mapped, less what it has returned and the free pages it keeps (an
// allocation takes those first, or the runtime returns them as it grows
// past its limit).
func goInUse() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}, {Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != metrics.KindUint64 {
			return 0
		}
	}
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64())
}
