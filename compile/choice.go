package compile

import (
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// eitherGuards compiles the guards of either ai: a branch whose first
// statement is `await COND` is guarded by COND, tested by the either card
// itself, and its body starts after the await. It returns the bodies to
// compile (guarded ones without their await) and the card's label.
func (pc *procCompiler) eitherGuards(s *syntax.EitherStmt, ai int32) ([]*syntax.Block, string) {
	p := pc.c.prog
	bodies := make([]*syntax.Block, len(s.Branches))
	var guards []card.Expr
	var srcs []string
	for k, b := range s.Branches {
		bodies[k] = b
		src := "always"
		if len(b.Stmts) > 0 {
			if aw, ok := b.Stmts[0].(*syntax.AwaitStmt); ok {
				x := pc.translate(aw.Cond)
				pc.checkBool(x, aw.Cond, "await")
				if guards == nil {
					guards = make([]card.Expr, len(s.Branches))
					for j := range guards {
						guards[j] = card.NoExpr
					}
				}
				guards[k] = pc.exprCode(x)
				src = "await " + x.src()
				rest := *b
				rest.Stmts = b.Stmts[1:]
				bodies[k] = &rest
			}
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
	return bodies, label
}
