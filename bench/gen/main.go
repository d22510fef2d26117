// Command gen writes the benchmark models: each model, at each size, as a
// deck program and as a Promela twin of the same algorithm at the same
// granularity (one shared access per step; atomic only where deck has a
// lock acquisition, a semaphore acquisition or an atomic block).
//
//	go run ./bench/gen                     # every line of bench/sizes.txt into bench/models
//	go run ./bench/gen -out DIR MODEL A B  # one model at one size, e.g. counter 4 3
//
// Models and their size parameters:
//
//	counter N R      N workers, R rounds each of lock m; count++; unlock m
//	racy N R         the same without the lock (buggy: the final assert fails)
//	phil N R         dining philosophers with ordered forks, R meals each
//	filter N R       Peterson's filter lock for N processes, R entries each
//	buffer N S I     bounded buffer, N producers and N consumers, S slots,
//	                 I items per producer (semaphores and two mutexes)
//
// and, with stacks on network nodes (listed in bench/nodes.txt, run by
// bench/nodes.sh; see nodes.go): tpc N, pingpong K, tpcsr N.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type model struct {
	nargs int
	name  func(a []int) string
	deck  func(a []int) string
	pml   func(a []int) string
}

var models = map[string]model{
	"counter": {2, func(a []int) string { return fmt.Sprintf("counter_n%d_r%d", a[0], a[1]) },
		func(a []int) string { return counterDeck(a[0], a[1], true) },
		func(a []int) string { return counterPml(a[0], a[1], true) }},
	"racy": {2, func(a []int) string { return fmt.Sprintf("racy_n%d_r%d", a[0], a[1]) },
		func(a []int) string { return counterDeck(a[0], a[1], false) },
		func(a []int) string { return counterPml(a[0], a[1], false) }},
	"phil": {2, func(a []int) string { return fmt.Sprintf("phil_n%d_r%d", a[0], a[1]) },
		func(a []int) string { return philDeck(a[0], a[1]) },
		func(a []int) string { return philPml(a[0], a[1]) }},
	"filter": {2, func(a []int) string { return fmt.Sprintf("filter_n%d_r%d", a[0], a[1]) },
		func(a []int) string { return filterDeck(a[0], a[1]) },
		func(a []int) string { return filterPml(a[0], a[1]) }},
	"buffer": {3, func(a []int) string { return fmt.Sprintf("buffer_n%d_s%d_i%d", a[0], a[1], a[2]) },
		func(a []int) string { return bufferDeck(a[0], a[1], a[2]) },
		func(a []int) string { return bufferPml(a[0], a[1], a[2]) }},
}

func main() {
	out := flag.String("out", "", "output directory (default: the models directory next to sizes.txt)")
	sizes := flag.String("sizes", "", "size list (default: bench/sizes.txt)")
	flag.Parse()
	here := benchDir()
	if *out == "" {
		*out = filepath.Join(here, "models")
	}
	if *sizes == "" {
		*sizes = filepath.Join(here, "sizes.txt")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	if flag.NArg() > 0 {
		if err := emit(*out, flag.Args()); err != nil {
			fail(err)
		}
		return
	}
	text, err := os.ReadFile(*sizes)
	if err != nil {
		fail(err)
	}
	lines := sizeLines(string(text))
	// The models with stacks on nodes (bench/nodes.sh) have their own list.
	if nodes, err := os.ReadFile(filepath.Join(here, "nodes.txt")); err == nil && *sizes == filepath.Join(here, "sizes.txt") {
		lines = append(lines, sizeLines(string(nodes))...)
	}
	for _, fields := range lines {
		if err := emit(*out, fields); err != nil {
			fail(err)
		}
	}
}

// sizeLines splits sizes.txt into the fields of its lines, without comments
// and blank lines.
func sizeLines(text string) [][]string {
	var lines [][]string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if fields := strings.Fields(line); len(fields) > 0 {
			lines = append(lines, fields)
		}
	}
	return lines
}

// benchDir finds bench/ whether gen runs from the repository root or from bench/.
func benchDir() string {
	for _, d := range []string{"bench", ".", ".."} {
		if _, err := os.Stat(filepath.Join(d, "sizes.txt")); err == nil {
			return d
		}
	}
	return "bench"
}

func emit(dir string, fields []string) error {
	m, ok := models[fields[0]]
	if !ok {
		return fmt.Errorf("unknown model %q", fields[0])
	}
	// Words after the size parameters (nr, bug) are for compare.sh.
	if len(fields)-1 < m.nargs {
		return fmt.Errorf("model %s wants %d size parameters, got %d", fields[0], m.nargs, len(fields)-1)
	}
	a := make([]int, m.nargs)
	for i, s := range fields[1 : 1+m.nargs] {
		v, err := strconv.Atoi(s)
		max := 50
		if fields[0] == "pingpong" {
			max = 1000000 // passes of the ball: the state space is linear in K
		}
		if err != nil || v < 1 || v > max {
			return fmt.Errorf("model %s: bad size %q", fields[0], s)
		}
		a[i] = v
	}
	if fields[0] == "phil" || fields[0] == "filter" {
		if a[0] < 2 {
			return fmt.Errorf("model %s needs N >= 2", fields[0])
		}
	}
	base := filepath.Join(dir, m.name(a))
	if err := os.WriteFile(base+".deck", []byte(m.deck(a)), 0o644); err != nil {
		return err
	}
	if m.pml != nil {
		if err := os.WriteFile(base+".pml", []byte(m.pml(a)), 0o644); err != nil {
			return err
		}
	}
	if u := unorderedPml[fields[0]]; u != nil {
		if err := os.WriteFile(base+"_unordered.pml", []byte(u(a)), 0o644); err != nil {
			return err
		}
	}
	fmt.Println(base)
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(2)
}

const header = "generated by bench/gen; do not edit (go run ./bench/gen)"

// ---- mutex counter (and its racy twin) ----

func counterDeck(n, r int, locked bool) string {
	var b strings.Builder
	if locked {
		fmt.Fprintf(&b, "// Mutex counter: %d workers, %d rounds each of lock m; count++; unlock m.\n", n, r)
	} else {
		fmt.Fprintf(&b, "// Racy counter (buggy): %d workers, %d rounds each of count++ with no lock;\n// the final assert fails because an increment can be lost.\n", n, r)
	}
	fmt.Fprintf(&b, "// %s\n\nconst N = %d\nconst R = %d\n\nvar count = 0\n", header, n, r)
	if locked {
		b.WriteString("mutex m\n")
	}
	b.WriteString("always count <= N * R\n\nproc worker() {\n    for i in 0..R {\n")
	if locked {
		b.WriteString("        lock m\n        count++\n        unlock m\n")
	} else {
		b.WriteString("        count++\n")
	}
	b.WriteString("    }\n}\n\nproc main() {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    let h%d = spawn worker()\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    join h%d\n", i)
	}
	b.WriteString("    assert count == N * R, \"an increment was lost\"\n}\n")
	return b.String()
}

func counterPml(n, r int, locked bool) string {
	var b strings.Builder
	if locked {
		fmt.Fprintf(&b, "/* Mutex counter: %d workers, %d rounds each of lock m; count++; unlock m. */\n", n, r)
	} else {
		fmt.Fprintf(&b, "/* Racy counter (buggy): %d workers, %d rounds each of count++ with no lock. */\n", n, r)
	}
	fmt.Fprintf(&b, "/* %s */\n\n#define N %d\n#define R %d\n\nbyte count = 0;\n", header, n, r)
	if locked {
		b.WriteString("bit m = 0;\n")
	}
	b.WriteString(`
/* always count <= N*R: count changes only in the d_step below, so checking
   it there checks it in every reachable state. */
proctype worker() {
    byte i = 0, t;
    do
    :: i < R ->
`)
	if locked {
		b.WriteString("        atomic { m == 0 -> m = 1 };                 /* lock m */\n")
	}
	b.WriteString("        t = count;                                  /* count++: read */\n")
	b.WriteString("        d_step { count = t + 1; t = 0; assert(count <= N * R) };  /* count++: write */\n")
	if locked {
		b.WriteString("        m = 0;                                      /* unlock m */\n")
	}
	b.WriteString("        i++\n    :: else -> break\n    od\n}\n\ninit {\n")
	for i := 0; i < n; i++ {
		b.WriteString("    run worker();\n")
	}
	b.WriteString("    _nr_pr == 1;                                    /* join every worker */\n")
	b.WriteString("    assert(count == N * R)\n}\n")
	return b.String()
}

// ---- dining philosophers, forks taken in a global order ----

func philDeck(n, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Dining philosophers, fixed by ordering the forks: %d philosophers, %d meals each.\n", n, r)
	b.WriteString("// Every philosopher takes the lower-numbered of its forks first, so no deadlock.\n")
	fmt.Fprintf(&b, "// %s\n\nconst N = %d\nconst R = %d\n\nmutex fork[N]\nvar meals[N]\n\n", header, n, r)
	b.WriteString(`proc philosopher(i, first, second) {
    for r in 0..R {
        lock fork[first]
        lock fork[second]
        meals[i]++
        unlock fork[second]
        unlock fork[first]
    }
}

proc main() {
`)
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "    spawn philosopher(%d, %d, %d)\n", i, i, i+1)
	}
	fmt.Fprintf(&b, "    spawn philosopher(%d, 0, %d)\n}\n", n-1, n-1)
	return b.String()
}

func philPml(n, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* Dining philosophers, fixed by ordering the forks: %d philosophers, %d meals each. */\n", n, r)
	fmt.Fprintf(&b, "/* %s */\n\n#define N %d\n#define R %d\n\nbit fork[N];\nbyte meals[N];\n\n", header, n, r)
	b.WriteString(`proctype philosopher(byte i, first, second) {
    byte r = 0, t;
    do
    :: r < R ->
        atomic { fork[first] == 0 -> fork[first] = 1 };    /* lock fork[first] */
        atomic { fork[second] == 0 -> fork[second] = 1 };  /* lock fork[second] */
        t = meals[i];                                      /* meals[i]++: read */
        d_step { meals[i] = t + 1; t = 0 };                /* meals[i]++: write */
        fork[second] = 0;                                  /* unlock fork[second] */
        fork[first] = 0;                                   /* unlock fork[first] */
        r++
    :: else -> break
    od
}

init {
`)
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "    run philosopher(%d, %d, %d);\n", i, i, i+1)
	}
	fmt.Fprintf(&b, "    run philosopher(%d, 0, %d)\n}\n", n-1, n-1)
	return b.String()
}

// ---- Peterson's filter lock ----

func filterDeck(n, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Peterson's filter lock: %d processes, %d entries each into the critical section.\n", n, r)
	b.WriteString("// level[p] is the level p has reached (0: not trying); victim[l] is the last to\n")
	b.WriteString("// arrive at level l. The wait reads level[k] and victim[l] in separate cards.\n")
	fmt.Fprintf(&b, "// %s\n\nconst N = %d\nconst R = %d\n\n", header, n, r)
	b.WriteString(`var level[N]
var victim[N]
var incs = 0              // how many processes are in the critical section
always incs <= 1

proc p(me) {
    for r in 0..R {
        for l in 1..N {
            level[me] = l
            victim[l] = me
            for k in 0..N {
                if k != me {
                    while level[k] >= l && victim[l] == me { }
                }
            }
        }
        atomic { incs++ }     // critical section
        atomic { incs-- }
        level[me] = 0
    }
}

proc main() {
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    spawn p(%d)\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

func filterPml(n, r int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* Peterson's filter lock: %d processes, %d entries each into the critical section. */\n", n, r)
	fmt.Fprintf(&b, "/* %s */\n\n#define N %d\n#define R %d\n\n", header, n, r)
	b.WriteString(`byte level[N];
byte victim[N];
byte incs = 0;

/* always incs <= 1: incs changes only in the two atomic blocks, so the
   assert there checks it in every reachable state. */
proctype p(byte me) {
    byte r = 0, l, k, t;
    do
    :: r < R ->
        l = 1;
        do
        :: l < N ->
            level[me] = l;
            victim[l] = me;
            k = 0;
            do
            :: k < N ->
                if
                :: k != me ->
                    do
                    :: t = level[k];                                      /* read level[k] */
                       if                                                 /* read victim[l] */
                       :: d_step { t >= l && victim[l] == me -> t = 0 }   /* wait */
                       :: d_step { t < l || victim[l] != me -> t = 0 }; break
                       fi
                    od
                :: else -> skip
                fi;
                k++
            :: else -> break
            od;
            l++
        :: else -> break
        od;
        atomic { incs++; assert(incs <= 1) };   /* critical section */
        atomic { incs--; assert(incs <= 1) };
        level[me] = 0;
        r++
    :: else -> break
    od
}

init {
`)
	for i := 0; i < n; i++ {
		sep := ";"
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    run p(%d)%s\n", i, sep)
	}
	b.WriteString("}\n")
	return b.String()
}

// ---- bounded buffer with semaphores ----

func bufferDeck(n, s, items int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Bounded buffer: %d producers and %d consumers, %d slots, %d items per producer.\n", n, n, s, items)
	b.WriteString("// Semaphores count free and filled slots; a mutex per side guards the positions.\n")
	b.WriteString("// The asserts check that no full slot is overwritten and no empty slot is read.\n")
	fmt.Fprintf(&b, "// %s\n\nconst SIZE = %d\nconst ITEMS = %d\n\n", header, s, items)
	b.WriteString(`var buf[SIZE]             // 0: empty; otherwise the producer's id
var inpos = 0
var outpos = 0
sem free(SIZE)
sem filled(0)
mutex pm
mutex cm

proc producer(id) {
    for i in 0..ITEMS {
        acquire free
        lock pm
        let p = inpos
        assert buf[p] == 0, "overwrote a full slot"
        buf[p] = id
        inpos = (p + 1) % SIZE
        unlock pm
        release filled
    }
}

proc consumer() {
    for i in 0..ITEMS {
        acquire filled
        lock cm
        let q = outpos
        let v = buf[q]
        assert v != 0, "read an empty slot"
        buf[q] = 0
        outpos = (q + 1) % SIZE
        unlock cm
        release free
    }
}

proc main() {
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    spawn producer(%d)\n", i+1)
	}
	for i := 0; i < n; i++ {
		b.WriteString("    spawn consumer()\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func bufferPml(n, s, items int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* Bounded buffer: %d producers and %d consumers, %d slots, %d items per producer. */\n", n, n, s, items)
	fmt.Fprintf(&b, "/* %s */\n\n#define SIZE %d\n#define ITEMS %d\n\n", header, s, items)
	b.WriteString(`byte buf[SIZE];           /* 0: empty; otherwise the producer's id */
byte inpos = 0;
byte outpos = 0;
byte free = SIZE;         /* semaphores */
byte filled = 0;
bit pm = 0;               /* mutexes */
bit cm = 0;

proctype producer(byte id) {
    byte i = 0, p;
    do
    :: i < ITEMS ->
        atomic { free > 0 -> free-- };      /* acquire free */
        atomic { pm == 0 -> pm = 1 };       /* lock pm */
        p = inpos;
        assert(buf[p] == 0);
        buf[p] = id;
        d_step { inpos = (p + 1) % SIZE; p = 0 };
        pm = 0;                             /* unlock pm */
        filled++;                           /* release filled */
        i++
    :: else -> break
    od
}

proctype consumer() {
    byte i = 0, q, v;
    do
    :: i < ITEMS ->
        atomic { filled > 0 -> filled-- };  /* acquire filled */
        atomic { cm == 0 -> cm = 1 };       /* lock cm */
        q = outpos;
        v = buf[q];
        d_step { assert(v != 0); v = 0 };
        buf[q] = 0;
        d_step { outpos = (q + 1) % SIZE; q = 0 };
        cm = 0;                             /* unlock cm */
        free++;                             /* release free */
        i++
    :: else -> break
    od
}

init {
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    run producer(%d);\n", i+1)
	}
	for i := 0; i < n; i++ {
		sep := ";"
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    run consumer()%s\n", sep)
	}
	b.WriteString("}\n")
	return b.String()
}
