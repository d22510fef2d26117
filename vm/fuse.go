package vm

import "github.com/deck-lang/deck/card"

// fusedK maps a binary operation to its form with a constant right
// operand, for the operations the fusion covers (0: none).
var fusedK = [...]card.XOp{
	card.XAdd: card.XAddK,
	card.XSub: card.XSubK,
	card.XMod: card.XModK,
	card.XEq:  card.XEqK,
	card.XNe:  card.XNeK,
	card.XLt:  card.XLtK,
	card.XLe:  card.XLeK,
	card.XGt:  card.XGtK,
	card.XGe:  card.XGeK,
}

// fuse returns the code the vm runs for an expression: code with every
// Const followed by a binary operation it covers made into one
// instruction that takes the constant as its operand (`i + 1`, `x == 0`
// and `k < N` are most of a program's expressions, and each fusion saves
// a dispatch and a push). Jumps are renumbered. A Const is left alone when
// a jump lands on the operation after it: there the stack's top is not
// always the constant. The analyses (card's accesses, the checker's
// reductions, dead locals) keep reading the compiler's code, which this
// leaves unchanged; only the vm's evaluation runs the fused form.
func fuse(code []card.Instr) []card.Instr {
	landing := make([]bool, len(code)+1)
	for k, in := range code {
		if in.Op == card.XAndJump || in.Op == card.XOrJump {
			landing[k+1+int(in.A)] = true
		}
	}
	at := make([]int, len(code)+1) // at[k]: where instruction k went
	out := make([]card.Instr, 0, len(code))
	for k := 0; k < len(code); k++ {
		at[k] = len(out)
		in := code[k]
		if in.Op == card.XConst && k+1 < len(code) && !landing[k+1] {
			if op := code[k+1].Op; int(op) < len(fusedK) && fusedK[op] != 0 {
				out = append(out, card.Instr{Op: fusedK[op], A: in.A})
				k++
				at[k] = len(out) - 1
				continue
			}
		}
		out = append(out, in)
	}
	at[len(code)] = len(out)
	for k, in := range code {
		if in.Op == card.XAndJump || in.Op == card.XOrJump {
			j := at[k]
			out[j].A = int64(at[k+1+int(in.A)] - (j + 1))
		}
	}
	return out
}
