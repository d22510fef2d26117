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

// fusedL maps a binary operation to its form with a local as the right
// operand, and fusedLK to its form with a local on the left and a
// constant on the right (0: none).
var fusedL = [...]card.XOp{
	card.XAdd: card.XAddL,
	card.XSub: card.XSubL,
	card.XEq:  card.XEqL,
	card.XNe:  card.XNeL,
	card.XLt:  card.XLtL,
	card.XLe:  card.XLeL,
	card.XGt:  card.XGtL,
	card.XGe:  card.XGeL,
}

var fusedLK = [...]card.XOp{
	card.XAdd: card.XAddLK,
	card.XSub: card.XSubLK,
	card.XEq:  card.XEqLK,
	card.XNe:  card.XNeLK,
	card.XLt:  card.XLtLK,
	card.XLe:  card.XLeLK,
	card.XGt:  card.XGtLK,
	card.XGe:  card.XGeLK,
}

// fusedOp returns table[op], or 0 when op is outside the table.
func fusedOp(table []card.XOp, op card.XOp) card.XOp {
	if int(op) < len(table) {
		return table[op]
	}
	return 0
}

// fuse returns the code the vm runs for an expression: the common pairs
// and triples of instructions made into one (`i + 1`, `x == 0` and `k < N`
// are most of a program's expressions, and each fusion saves a dispatch
// and a push):
//
//	Local Const op  ->  opLK   (k < N)
//	Local GlobalAt  ->  GlobalAtL  (pos[k])
//	Local op        ->  opL    (x < j)
//	Const op        ->  opK    (x + 1)
//
// Jumps are renumbered. Nothing is fused across a place a jump lands on
// (but its first instruction): there the stack is not always what the
// instructions before leave. The analyses (card's accesses, the checker's
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
		// free(n): the n instructions after k may be fused with it.
		free := func(n int) bool {
			if k+n >= len(code) {
				return false
			}
			for j := k + 1; j <= k+n; j++ {
				if landing[j] {
					return false
				}
			}
			return true
		}
		var f card.Instr
		n := 0 // instructions taken with k
		switch {
		case in.Op == card.XLocal && free(2) && code[k+1].Op == card.XConst && fusedOp(fusedLK[:], code[k+2].Op) != 0 &&
			in.A == int64(int32(in.A)):
			f, n = card.Instr{Op: fusedOp(fusedLK[:], code[k+2].Op), A: code[k+1].A, B: int32(in.A)}, 2
		case in.Op == card.XLocal && free(1) && code[k+1].Op == card.XGlobalAt &&
			in.A >= 0 && in.A < 1<<31 && code[k+1].A >= 0 && code[k+1].A < 1<<32:
			f, n = card.Instr{Op: card.XGlobalAtL, A: code[k+1].A | in.A<<32, B: code[k+1].B}, 1
		case in.Op == card.XLocal && free(1) && fusedOp(fusedL[:], code[k+1].Op) != 0:
			f, n = card.Instr{Op: fusedOp(fusedL[:], code[k+1].Op), A: in.A}, 1
		case in.Op == card.XConst && free(1) && fusedOp(fusedK[:], code[k+1].Op) != 0:
			f, n = card.Instr{Op: fusedOp(fusedK[:], code[k+1].Op), A: in.A}, 1
		}
		if n > 0 {
			out = append(out, f)
			for ; n > 0; n-- {
				k++
				at[k] = len(out) - 1
			}
			continue
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
