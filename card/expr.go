package card

import (
	"fmt"

	"github.com/deck-lang/deck/syntax"
)

// ExprCode is a compiled expression: a straight-line stack program whose
// result is the single value left on the evaluation stack. Jumps (for && and
// ||) are forward and relative to the instruction after the jump.
type ExprCode struct {
	Code  []Instr
	Depth int    // evaluation stack depth it needs
	Src   string // the expression as the compiler lowered it, for labels
	// Sites are the instructions of Code that can fail at run time (an
	// arithmetic operation, an index), in order, so that a runtime error
	// can point at the operation that failed rather than at its card.
	Sites []Site
}

// Site is an instruction of an expression that can fail: where it is in
// the source and the operation as written there (before the compiler
// moved its shared reads into cards of their own), e.g. "10 / a".
type Site struct {
	At  int32 // index into ExprCode.Code
	Pos syntax.Pos
	Src string
}

// SiteAt returns the site of instruction k, if it is one.
func (e *ExprCode) SiteAt(k int) (Site, bool) {
	for _, s := range e.Sites {
		if int(s.At) == k {
			return s, true
		}
	}
	return Site{}, false
}

// XOp is an expression instruction.
//
//	xop       operands          stack effect
//	Const     A = value         -> v
//	Local     A = slot          -> local[A]
//	Global    A = word          -> shared[A]
//	GlobalAt  A = base, B = len i -> shared[A+i]     (error unless 0 <= i < B)
//	LocalAt   A = base, B = len i -> local[A+i]      (error unless 0 <= i < B)
//	Neg, Not                    x -> op x            (Neg errors on overflow)
//	Add .. Ge                   x y -> x op y        (+ - * / % error on overflow or zero divisor)
//	AndJump   A = skip          x -> x and jump A if x is false, else pop
//	OrJump    A = skip          x -> x and jump A if x is true, else pop
//	AddK .. GeK A = value       x -> x op A          (only in the vm's own
//	                                                  fused code, see vm.fuse)
//	AddL .. GeL A = slot        x -> x op locals[A]  (fused too)
//	AddLK .. GeLK A = value, B = slot
//	                            -> locals[B] op A    (fused too)
//	GlobalAtL A = base | slot<<32, B = len
//	                            -> sh[base+locals[slot]] (fused too)
type XOp uint8

const (
	XConst XOp = iota
	XLocal
	XGlobal
	XGlobalAt
	XNeg
	XNot
	XAdd
	XSub
	XMul
	XDiv
	XMod
	XEq
	XNe
	XLt
	XLe
	XGt
	XGe
	XAndJump
	XOrJump
	XLocalAt
	// The binary operations with a constant right operand. The compiler
	// never emits them: the vm fuses a Const and the operation after it
	// into one, to dispatch one instruction instead of two.
	XAddK
	XSubK
	XModK
	XEqK
	XNeK
	XLtK
	XLeK
	XGtK
	XGeK
	// The binary operations with a local as their right operand (x op
	// locals[A]), fused from a Local and the operation after it.
	XAddL
	XSubL
	XEqL
	XNeL
	XLtL
	XLeL
	XGtL
	XGeL
	// A local and a constant as one operation, pushed (locals[B] op A),
	// fused from a Local, a Const and the operation after them.
	XAddLK
	XSubLK
	XEqLK
	XNeLK
	XLtLK
	XLeLK
	XGtLK
	XGeLK
	// An element of a shared array indexed by a local, pushed: the array
	// starts at word A&0xffffffff, has B elements, and the index is
	// locals[A>>32]; fused from a Local and a GlobalAt.
	XGlobalAtL
)

var xopNames = [...]string{"const", "local", "global", "global@", "neg", "not", "add", "sub", "mul",
	"div", "mod", "eq", "ne", "lt", "le", "gt", "ge", "andjump", "orjump", "local@",
	"add#", "sub#", "mod#", "eq#", "ne#", "lt#", "le#", "gt#", "ge#",
	"add$", "sub$", "eq$", "ne$", "lt$", "le$", "gt$", "ge$",
	"$add#", "$sub#", "$eq#", "$ne#", "$lt#", "$le#", "$gt#", "$ge#", "global@$"}

func (op XOp) String() string {
	if int(op) < len(xopNames) {
		return xopNames[op]
	}
	return fmt.Sprintf("xop(%d)", op)
}

// Instr is one expression instruction.
type Instr struct {
	Op XOp
	B  int32
	A  int64
}
