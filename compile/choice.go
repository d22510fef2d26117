package compile

import (
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// eitherGuards compiles the guards of either ai: a branch whose first
// statement is `await COND` is guarded by COND, tested by the either card
// itself, and its body starts after the await. A branch whose first
// statement is `atomic { await COND; rest }` is guarded by COND too, and
// the either card runs rest as an atomic body in the same step. It returns
// the bodies to compile (guarded ones without their await, and without
// their guarded atomic block), the statements of each branch's atomic body
// (nil when it has none; nil altogether when no branch has one), and the
// card's label.
func (pc *procCompiler) eitherGuards(s *syntax.EitherStmt, ai int32) ([]*syntax.Block, [][]syntax.Stmt, string) {
	p := pc.c.prog
	bodies := make([]*syntax.Block, len(s.Branches))
	var atomics [][]syntax.Stmt
	var guards []card.Expr
	var srcs []string
	for k, b := range s.Branches {
		bodies[k] = b
		src := "always"
		var cond syntax.Expr
		var body []syntax.Stmt
		if len(b.Stmts) > 0 {
			switch st := b.Stmts[0].(type) {
			case *syntax.AwaitStmt:
				cond = st.Cond
			case *syntax.AtomicStmt:
				if len(st.Body.Stmts) > 0 {
					if aw, ok := st.Body.Stmts[0].(*syntax.AwaitStmt); ok {
						cond, body = aw.Cond, st.Body.Stmts[1:]
					}
				}
			}
		}
		if cond != nil {
			x := pc.translate(cond)
			pc.checkBool(x, cond, "await")
			if guards == nil {
				guards = make([]card.Expr, len(s.Branches))
				for j := range guards {
					guards[j] = card.NoExpr
				}
			}
			guards[k] = pc.exprCode(x)
			src = "await " + x.src()
			if _, ok := b.Stmts[0].(*syntax.AtomicStmt); ok {
				src = "atomic " + src
			}
			if len(body) > 0 {
				if atomics == nil {
					atomics = make([][]syntax.Stmt, len(s.Branches))
				}
				atomics[k] = body
			}
			rest := *b
			rest.Stmts = b.Stmts[1:]
			bodies[k] = &rest
		}
		srcs = append(srcs, src)
	}
	label := "either (" + itoa(int64(len(s.Branches))) + " ways)"
	if guards != nil {
		for int(ai) >= len(p.Guards) {
			p.Guards = append(p.Guards, nil)
		}
		p.Guards[ai] = guards
		label = "either (" + strings.Join(srcs, " | ") + ")"
	}
	return bodies, atomics, label
}
