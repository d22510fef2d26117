package vm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/deck-lang/deck/card"
)

func TestFuse(t *testing.T) {
	c := func(v int64) card.Instr { return card.Instr{Op: card.XConst, A: v} }
	l := func(s int64) card.Instr { return card.Instr{Op: card.XLocal, A: s} }
	g := func(w int64) card.Instr { return card.Instr{Op: card.XGlobal, A: w} }
	op := func(o card.XOp) card.Instr { return card.Instr{Op: o} }
	k := func(o card.XOp, v int64) card.Instr { return card.Instr{Op: o, A: v} }
	jmp := func(o card.XOp, a int64) card.Instr { return card.Instr{Op: o, A: a} }
	tests := []struct {
		name string
		code []card.Instr
		want []card.Instr
		same bool // fuse leaves the code as it is
	}{
		{"x + 1", []card.Instr{l(0), c(1), op(card.XAdd)}, []card.Instr{{Op: card.XAddLK, A: 1, B: 0}}, false},
		{"y + 1", []card.Instr{g(4), c(1), op(card.XAdd)}, []card.Instr{g(4), k(card.XAddK, 1)}, false},
		{"x * 2 is not fused", []card.Instr{l(0), c(2), op(card.XMul)}, nil, true},
		{"a lone constant", []card.Instr{c(7)}, nil, true},
		{"constant on the left", []card.Instr{c(1), l(0), op(card.XSub)}, []card.Instr{c(1), k(card.XSubL, 0)}, false},
		{"k == me", []card.Instr{l(0), l(1), op(card.XEq)}, []card.Instr{l(0), k(card.XEqL, 1)}, false},
		{"pos[k]", []card.Instr{l(2), {Op: card.XGlobalAt, A: 10, B: 4}}, []card.Instr{{Op: card.XGlobalAtL, A: 10 | 2<<32, B: 4}}, false},
		{
			// x == 0 && y < 3: the jump skips the second comparison and
			// must be renumbered after it shrinks.
			"a jump over fused code",
			[]card.Instr{l(0), c(0), op(card.XEq), jmp(card.XAndJump, 3), l(1), c(3), op(card.XLt)},
			[]card.Instr{{Op: card.XEqLK, A: 0, B: 0}, jmp(card.XAndJump, 1), {Op: card.XLtLK, A: 3, B: 1}},
			false,
		},
		{
			// A jump landing on the operation after a constant: the top
			// of the stack there is not always the constant.
			"a jump lands on the operation",
			[]card.Instr{g(0), jmp(card.XOrJump, 1), c(5), op(card.XEq)},
			nil, true,
		},
		{
			// A jump landing on the constant of a local, constant and
			// operation: only the constant and the operation fuse.
			"a jump lands inside a triple",
			[]card.Instr{g(0), jmp(card.XAndJump, 1), l(1), c(3), op(card.XLt)},
			[]card.Instr{g(0), jmp(card.XAndJump, 1), l(1), k(card.XLtK, 3)},
			false,
		},
	}
	for _, tt := range tests {
		got := fuse(tt.code)
		want := tt.want
		if tt.same {
			want = tt.code
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: fuse gives %v, want %v", tt.name, got, want)
		}
	}
}

// TestFusedSameAsCompiled evaluates every expression of every example and
// bench model, as the compiler wrote it and fused, on random shared memory
// and locals, and wants the same value and the same fault.
func TestFusedSameAsCompiled(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []int64{0, 1, -1, 2, 3, 5, math.MaxInt64, math.MinInt64}
	draw := func() int64 {
		if rng.IntN(4) == 0 {
			return values[rng.IntN(len(values))]
		}
		return rng.Int64N(9) - 2
	}
	fused, exprs := 0, 0
	for _, ex := range examplePrograms(t) {
		f, p := ex.file, ex.p
		m := New(p)
		sh := make([]int64, p.SharedWords+1)
		loc := make([]int64, 64)
		for e := range p.Exprs {
			code, fast := p.Exprs[e].Code, m.exprCode(card.Expr(e))
			exprs++
			if len(fast) < len(code) {
				fused++
			}
			for try := 0; try < 20; try++ {
				for i := range sh {
					sh[i] = draw()
				}
				for i := range loc {
					loc[i] = draw()
				}
				var st1, st2 [MaxEvalDepth]int64
				r1 := readLog{buf: make([]int32, len(code))}
				r2 := readLog{buf: make([]int32, len(code))}
				v1, f1 := run(code, st1[:], sh, loc, &r1)
				v2, f2 := run(fast, st2[:], sh, loc, &r2)
				v3, f3 := m.eval(card.Expr(e), sh, loc) // with its shortcuts
				if v1 != v2 || f1 != f2 || v1 != v3 || f1 != f3 || !slices.Equal(r1.buf[:r1.n], r2.buf[:r2.n]) {
					t.Fatalf("%s: %q: compiled gives %d %+v reading %v, fused %d %+v reading %v, eval %d %+v\ncode  %v\nfused %v",
						f, p.Exprs[e].Src, v1, f1, r1.buf[:r1.n], v2, f2, r2.buf[:r2.n], v3, f3, code, fast)
				}
			}
		}
	}
	if fused == 0 {
		t.Fatalf("no expression of %d was fused", exprs)
	}
	t.Logf("%d of %d expressions fused", fused, exprs)
}
