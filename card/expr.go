package card

import "fmt"

// ExprCode is a compiled expression: a straight-line stack program whose
// result is the single value left on the evaluation stack. Jumps (for && and
// ||) are forward and relative to the instruction after the jump.
type ExprCode struct {
	Code  []Instr
	Depth int    // evaluation stack depth it needs
	Src   string // the expression as the compiler lowered it, for labels
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
)

var xopNames = [...]string{"const", "local", "global", "global@", "neg", "not", "add", "sub", "mul",
	"div", "mod", "eq", "ne", "lt", "le", "gt", "ge", "andjump", "orjump", "local@",
	"add#", "sub#", "mod#", "eq#", "ne#", "lt#", "le#", "gt#", "ge#"}

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
