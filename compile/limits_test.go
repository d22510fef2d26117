package compile_test

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/syntax"
)

// chain builds `x = first op term op term ...` with n terms in all.
func chain(first, term string, n int) string {
	var b strings.Builder
	b.WriteString("var x = 1\nvar y = 1\nproc main() {\n    x = ")
	b.WriteString(first)
	for k := 1; k < n; k++ {
		b.WriteString(" + ")
		b.WriteString(term)
	}
	b.WriteString("\n}\n")
	return b.String()
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLongExpressions holds compiling long expressions to linear memory
// (issue 9): labels are rendered on demand, not stored at every node of
// the tree, and a statement that would need more temporaries than a
// procedure may have locals is rejected at the read that would pass the
// limit. Each shape is compiled at n/16 and n terms: the allocation must
// stay under a bound and grow by at most about 16 times (a quadratic cost
// would grow 256 times; the small size fails first, before the large one
// could run out of memory).
func TestLongExpressions(t *testing.T) {
	tests := []struct {
		name        string
		first, term string
		wantErr     string // "" when the program compiles
		n           int
		maxBytes    uint64 // at n terms
	}{
		// 100,000 shared reads: one temporary each, far over the limit.
		{"shared reads", "x", "x", "procedure main needs more than 1024 locals", 100_000, 96 << 20},
		// One shared read and 99,999 constants: one card with a long label.
		{"one read", "y", "1", "", 100_000, 128 << 20},
		// 1,000 shared reads fit: 999 temporaries. The liveness analysis
		// costs cards × locals, bounded by the limit: no ratio here.
		{"under the limit", "x", "x", "", 1000, 8 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.n
			compileN := func(n int) (err error) {
				src := []byte(chain(tt.first, tt.term, n))
				_, err = compile.Source("long.deck", src)
				return err
			}
			var err error
			small := allocated(func() { err = compileN(n / 16) })
			if small > tt.maxBytes/8 {
				t.Fatalf("%d terms allocate %d MB, want at most %d MB", n/16, small>>20, tt.maxBytes>>23)
			}
			big := allocated(func() { err = compileN(n) })
			t.Logf("%d terms: %d KB; %d terms: %d KB", n/16, small>>10, n, big>>10)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("%d terms: %v", n, err)
				}
			} else {
				var list syntax.ErrorList
				if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, tt.wantErr) {
					t.Fatalf("%d terms: got %v, want one error %q", n, err, tt.wantErr)
				}
				// At the 1025th read: column 9 + 4·1024 of line 4.
				if got, want := list[0].Pos, (syntax.Pos{Line: 4, Col: 9 + 4*1024}); got != want {
					t.Errorf("error at %v, want %v", got, want)
				}
			}
			if big > tt.maxBytes {
				t.Errorf("%d terms allocate %d MB, want at most %d MB", n, big>>20, tt.maxBytes>>20)
			}
			if n >= 100_000 && big > 24*small {
				t.Errorf("%d terms allocate %d KB, %d terms %d KB: more than linear", n/16, small>>10, n, big>>10)
			}
		})
	}
}

// TestDisassembleLongLabel holds deck cards to output linear in the
// program (issue 9): one card with a very long label used to pad every
// line of its procedure to its width.
func TestDisassembleLongLabel(t *testing.T) {
	var b strings.Builder
	b.WriteString("var x = 0\nvar y = 0\nproc main() {\n")
	for range 2000 {
		b.WriteString("    x++\n")
	}
	b.WriteString("    x = y")
	for range 20000 {
		b.WriteString(" + 1")
	}
	b.WriteString("\n}\n")
	p, err := compile.Source("long.deck", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	compile.Disassemble(&out, p)
	// 4,000 short lines and one of 80 KB.
	if n := out.Len(); n > 4000*100+100_000 {
		t.Errorf("deck cards writes %d KB, want at most %d KB", n>>10, (4000*100+100_000)>>10)
	}
}

// BenchmarkDisassembleProcs lists a program of many small procedures:
// the time per procedure must not grow with their number (deck cards
// used to scan every card once per procedure).
func BenchmarkDisassembleProcs(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var src strings.Builder
		src.WriteString("var x = 0\nproc main() { x = 1 }\n")
		for k := range n {
			src.WriteString("proc p")
			src.WriteString(strconv.Itoa(k))
			src.WriteString("() { x = 2 }\n")
		}
		p, err := compile.Source("procs.deck", []byte(src.String()))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				compile.Disassemble(io.Discard, p)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/proc")
		})
	}
}

// TestErrorCap holds the compiler to the parser's cap (issue 9): the
// first syntax.MaxErrors errors by position, then one entry that counts
// the others.
func TestErrorCap(t *testing.T) {
	for _, n := range []int{1, 10, 11, 25, 20000} {
		var b strings.Builder
		b.WriteString("proc main() {\n")
		for k := range n {
			b.WriteString("    u" + strconv.Itoa(k) + " = 1\n")
		}
		b.WriteString("}\n")
		_, err := compile.Source("bad.deck", []byte(b.String()))
		var list syntax.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("%d errors: got %v", n, err)
		}
		if list.Count() != n {
			t.Errorf("%d errors: the list counts %d", n, list.Count())
		}
		shown := min(n, syntax.MaxErrors)
		if got := len(list); got != shown+min(n-shown, 1) {
			t.Errorf("%d errors: %d entries, want %d", n, got, shown+min(n-shown, 1))
		}
		if list[0].Pos.Line != 2 || list[shown-1].Pos.Line != int32(shown+1) {
			t.Errorf("%d errors: the first ones by position are not kept: %v", n, list)
		}
		if n > shown {
			want := "... and " + strconv.Itoa(n-shown) + " more errors"
			if n-shown == 1 {
				want = "... and 1 more error"
			}
			if got := list[shown].Error(); got != want {
				t.Errorf("%d errors: last entry %q, want %q", n, got, want)
			}
		}
	}
}
