package compile

import (
	"regexp"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// ltype is the type of a local value; handles also remember which
// procedure their stack runs, so that `join h` knows what it returns.
type ltype struct {
	t    card.Type
	proc int32 // for handles; -1 otherwise
	// obj is the kind of synchronisation object a parameter is bound to
	// (GVar, the zero value: none), and arr whether it is a whole array.
	obj card.GlobalKind
	arr bool
}

var (
	tInt  = ltype{t: card.TInt, proc: -1}
	tBool = ltype{t: card.TBool, proc: -1}
)

// irKind classifies nodes of the lowered expression tree.
type irKind uint8

const (
	irConst   irKind = iota
	irLocal          // val = slot
	irRead           // val = word of a shared scalar (or constant-index element)
	irReadAt         // val = base word, n = length, x = index
	irLocalAt        // val = first slot of a local array, n = length, x = index
	irUnary          // op, x
	irBinary         // op, x, y
	irAnd            // x && y
	irOr             // x || y
)

// ir is an expression after name resolution and type checking: the form in
// which shared reads are counted and hoisted into cards of their own.
type ir struct {
	kind  irKind
	typ   ltype
	op    card.XOp
	val   int64
	n     int32
	x, y  *ir
	reads int    // shared reads in this subtree
	prec  int    // precedence, for rendering
	opTxt string // operator (binary, unary) or array name (readAt), for rendering
	name  string // how a leaf (const, local, read) renders
	pos   syntax.Pos
	// orig is the node as translate made it, before lowering replaced
	// its shared reads with temporaries (nil: this node is it), so that
	// a runtime error can quote the operation as the user wrote it.
	orig *ir
}

// written renders x as translate made it: names, not temporaries, and
// the locals of an inlined call without its prefix ("a / b", not
// "div.a / div.b": the user wrote the body of div). It is "" for an
// operation of more than siteNodes nodes: a long chain such as
// x + x + ... + x has a site per +, and their texts would be quadratic
// in its length.
func (x *ir) written() string {
	if x.orig != nil {
		x = x.orig
	}
	if !x.within(siteNodes) {
		return ""
	}
	return inlinedPrefix.ReplaceAllString(x.src(), "")
}

// siteNodes is the most nodes an operation may have for a runtime error
// to quote it: about eight terms (an operand and an operator are a node
// each).
const siteNodes = 16

// within reports whether x (nil: none) has at most n nodes.
func (x *ir) within(n int) bool {
	return x.count(n) <= n
}

// count counts x's nodes, stopping once there are more than n.
func (x *ir) count(n int) int {
	if x == nil {
		return 0
	}
	c := 1
	for _, k := range [2]*ir{x.x, x.y} {
		if c > n {
			break
		}
		c += k.count(n - c)
	}
	return c
}

// inlinedPrefix matches the procedure names that inlining puts before
// the locals of a call ("div." in div.a); a name as written has no dot.
var inlinedPrefix = regexp.MustCompile(`(?:[\p{L}_][\p{L}\p{N}_]*\.)+`)

func constIR(v int64, t ltype, pos syntax.Pos) *ir {
	src := "0"
	switch t.t {
	case card.TBool:
		src = "false"
		if v != 0 {
			src = "true"
		}
	default:
		src = itoa(v)
	}
	return &ir{kind: irConst, typ: t, val: v, name: src, prec: 9, pos: pos}
}

func itoa(v int64) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	var b [24]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

var precOf = map[syntax.Token]int{
	syntax.LOR: 1, syntax.LAND: 2,
	syntax.EQL: 3, syntax.NEQ: 3, syntax.LSS: 3, syntax.LEQ: 3, syntax.GTR: 3, syntax.GEQ: 3,
	syntax.ADD: 4, syntax.SUB: 4, syntax.MUL: 5, syntax.QUO: 5, syntax.REM: 5,
}

// src renders x as labels show it, with the temporaries that replaced
// hoisted reads. It is computed on demand, never stored in the nodes: a
// long chain such as x + x + ... + x would otherwise hold a string per
// node, quadratic in its length.
func (x *ir) src() string {
	var b strings.Builder
	x.write(&b)
	return b.String()
}

// write renders x into b. Binary operators are left-associative, so the
// right child needs parentheses at equal precedence.
func (x *ir) write(b *strings.Builder) {
	switch x.kind {
	case irUnary:
		b.WriteString(x.opTxt)
		// -(-1) must not read as --1.
		x.x.writeWrapped(b, x.x.prec < 6 || x.x.first() == x.opTxt[0])
	case irBinary, irAnd, irOr:
		x.x.writeWrapped(b, x.x.prec < x.prec)
		b.WriteByte(' ')
		b.WriteString(x.opTxt)
		b.WriteByte(' ')
		x.y.writeWrapped(b, x.y.prec < x.prec+1)
	case irReadAt, irLocalAt:
		b.WriteString(x.opTxt)
		b.WriteByte('[')
		x.x.write(b)
		b.WriteByte(']')
	default:
		b.WriteString(x.name)
	}
}

func (x *ir) writeWrapped(b *strings.Builder, paren bool) {
	if paren {
		b.WriteByte('(')
		x.write(b)
		b.WriteByte(')')
		return
	}
	x.write(b)
}

// first is the first byte of x.src(), found without rendering.
func (x *ir) first() byte {
	for {
		switch x.kind {
		case irUnary, irReadAt, irLocalAt:
			return x.opTxt[0]
		case irBinary, irAnd, irOr:
			if x.x.prec < x.prec {
				return '('
			}
			x = x.x
		default:
			if x.name == "" {
				return 0
			}
			return x.name[0]
		}
	}
}

// effectName names an expression form that must stand alone, or "".
func effectName(e syntax.Expr) string {
	switch e.(type) {
	case *syntax.RecvExpr:
		return "recv"
	case *syntax.SpawnExpr:
		return "spawn"
	case *syntax.JoinExpr:
		return "join"
	case *syntax.ChooseExpr:
		return "choose"
	case *syntax.CallExpr:
		return "a call"
	}
	return ""
}

// translate resolves and type-checks a pure expression. It emits no cards.
// On error it reports and returns a placeholder of a plausible type.
func (pc *procCompiler) translate(e syntax.Expr) *ir {
	c := pc.c
	switch e := e.(type) {
	case *syntax.IntLit:
		return constIR(e.Value, tInt, e.At)
	case *syntax.BoolLit:
		if e.Value {
			return constIR(1, tBool, e.At)
		}
		return constIR(0, tBool, e.At)
	case *syntax.StringLit:
		c.errorf(e.At, "a string can only be printed or used as an assert message")
		return constIR(0, tInt, e.At)
	case *syntax.ParenExpr:
		// Rendering adds parentheses wherever precedence needs them.
		return pc.translate(e.X)
	case *syntax.Ident:
		return pc.ident(e)
	case *syntax.IndexExpr:
		return pc.index(e)
	case *syntax.UnaryExpr:
		x := pc.translate(e.X)
		if e.Op == syntax.NOT {
			if x.typ.t != card.TBool {
				c.errorf(e.At, "operator ! needs a bool, not %s", an(x.typ.t))
			}
			if x.kind == irConst {
				return constIR(x.val^1, tBool, e.At)
			}
			return &ir{kind: irUnary, op: card.XNot, opTxt: "!", typ: tBool, x: x, reads: x.reads, prec: 6, pos: e.At}
		}
		if x.typ.t != card.TInt {
			c.errorf(e.At, "operator - needs an int, not %s", an(x.typ.t))
		}
		if x.kind == irConst {
			if v, err := foldBinary(card.XSub, 0, x.val); err == "" {
				return constIR(v, tInt, e.At)
			}
		}
		return &ir{kind: irUnary, op: card.XNeg, opTxt: "-", typ: tInt, x: x, reads: x.reads, prec: 6, pos: e.At}
	case *syntax.BinaryExpr:
		x := pc.translate(e.X)
		y := pc.translate(e.Y)
		t, _ := c.binaryType(e, x.typ.t, y.typ.t)
		lt := ltype{t: t, proc: -1}
		op := binOps[e.Op]
		// Constant operands fold, except when the operation fails (division
		// by zero, overflow): the contract makes those runtime errors, and
		// the code may never run (a guard, a short-circuit, a dead branch).
		if x.kind == irConst && y.kind == irConst {
			if v, err := foldBinary(op, x.val, y.val); err == "" {
				return constIR(v, lt, x.pos)
			}
		}
		n := &ir{kind: irBinary, op: op, opTxt: e.Op.String(), typ: lt, x: x, y: y, reads: x.reads + y.reads, prec: precOf[e.Op], pos: e.OpPos}
		switch e.Op {
		case syntax.LAND:
			n.kind = irAnd
		case syntax.LOR:
			n.kind = irOr
		}
		return n
	}
	if name := effectName(e); name != "" && pc.inAlways {
		c.errorf(e.Pos(), "%s cannot be in %s, which may use only shared variables, constants and operators", name, pc.condWhat)
	} else if name != "" {
		c.errorf(e.Pos(), "%s must stand alone: assign its result with let first, then use it", name)
	} else {
		c.errorf(e.Pos(), "unexpected expression")
	}
	return constIR(0, tInt, e.Pos())
}

// ident resolves a name used as a value.
func (pc *procCompiler) ident(e *syntax.Ident) *ir {
	c := pc.c
	if slot, ok := pc.lookup(e.Name); ok {
		if isBind(slot) {
			c.errorf(e.At, "%s is a %s, not a value", e.Name, c.prog.Globals[pc.bindOf(slot).g].Kind)
			return constIR(0, tInt, e.At)
		}
		if a := pc.array(slot); a != nil {
			c.errorf(e.At, "%s is an array: use an element, like %s[0]", e.Name, e.Name)
			return constIR(0, pc.slotTypes[slot], e.At)
		}
		return &ir{kind: irLocal, typ: pc.slotTypes[slot], val: int64(slot), name: pc.slots[slot], prec: 9, pos: e.At}
	}
	ent, ok := c.names[e.Name]
	if !ok {
		pc.undefined(e)
		pc.declareDummy(e.Name, e.At)
		return constIR(0, tInt, e.At)
	}
	switch ent.kind {
	case entConst:
		x := constIR(ent.val, ltype{t: ent.typ, proc: -1}, e.At)
		x.name = e.Name
		if ent.bad {
			// Its declaration failed: no value to judge by (an empty
			// choose range, say), so hide it behind an operator that
			// nothing folds. The program will not run.
			op, txt := card.XNeg, "-"
			if ent.typ == card.TBool {
				op, txt = card.XNot, "!"
			}
			return &ir{kind: irUnary, op: op, opTxt: txt, typ: x.typ, x: x, prec: 6, pos: e.At}
		}
		return x
	case entProc:
		c.errorf(e.At, "%s is a procedure: call it, or spawn it", e.Name)
		return constIR(0, tInt, e.At)
	}
	g := &c.prog.Globals[ent.global]
	if g.Kind != card.GVar {
		c.errorf(e.At, "%s is a %s, not a value", e.Name, g.Kind)
		return constIR(0, tInt, e.At)
	}
	if g.Len > 0 {
		c.errorf(e.At, "%s is an array: use an element, like %s[0]", e.Name, e.Name)
		return constIR(0, ltype{t: g.Type, proc: -1}, e.At)
	}
	return &ir{kind: irRead, typ: c.globalType(ent.global), val: int64(g.Base), reads: 1, name: e.Name, prec: 9, pos: e.At}
}

// index resolves `a[i]` on a shared array variable.
func (pc *procCompiler) index(e *syntax.IndexExpr) *ir {
	c := pc.c
	idx := pc.translate(e.Index)
	if idx.typ.t != card.TInt {
		c.errorf(e.Index.Pos(), "an index must be an int, not %s", an(idx.typ.t))
	}
	if slot, ok := pc.lookup(e.X.Name); ok && pc.array(slot) != nil {
		return pc.localIndex(e, slot, idx)
	}
	g, ok := pc.globalOf(e.X, card.GVar)
	if !ok {
		return constIR(0, tInt, e.X.At)
	}
	t := c.globalType(c.names[e.X.Name].global)
	if g.Len == 0 {
		c.errorf(e.Lbrack, "%s is not an array", e.X.Name)
		return constIR(0, t, e.X.At)
	}
	src := e.X.Name + "[" + idx.src() + "]"
	// A constant index out of range is left to the run, like any other:
	// the read may be guarded or never reached.
	if idx.kind == irConst && idx.val >= 0 && idx.val < int64(g.Len) {
		return &ir{kind: irRead, typ: t, val: int64(g.Base) + idx.val, reads: 1, name: src, prec: 9, pos: e.X.At}
	}
	return &ir{kind: irReadAt, typ: t, val: int64(g.Base), n: g.Len, x: idx, reads: idx.reads + 1, opTxt: e.X.Name, prec: 9, pos: e.X.At}
}

// undefined reports a name that is neither a local nor a top-level name.
// In an always, eventually or leadsto condition it says what the
// condition may read, and whose local the name is, if it is one.
func (pc *procCompiler) undefined(id *syntax.Ident) {
	c := pc.c
	if !pc.inAlways {
		c.errorf(id.At, "undefined: %s", id.Name)
		return
	}
	if proc := c.localOwner(id.Name); proc != "" {
		c.errorf(id.At, "%s is a local of %s: %s can read only shared variables and constants", id.Name, proc, pc.condWhat)
		return
	}
	c.errorf(id.At, "undefined: %s (%s can read only shared variables and constants)", id.Name, pc.condWhat)
}

// localOwner returns the first procedure (in source order) that declares
// a local or a parameter called name, or "".
func (c *compiler) localOwner(name string) string {
	for _, d := range c.decls {
		for _, prm := range d.Params {
			if prm.Name == name {
				return d.Name.Name
			}
		}
		if declaresLocal(d.Body, name) {
			return d.Name.Name
		}
	}
	return ""
}

// declaresLocal reports whether s declares a local called name (with let,
// as a for variable or as the destination of a select case).
func declaresLocal(s syntax.Stmt, name string) bool {
	switch s := s.(type) {
	case *syntax.Block:
		if s == nil {
			return false
		}
		for _, st := range s.Stmts {
			if declaresLocal(st, name) {
				return true
			}
		}
	case *syntax.LetStmt:
		return s.Name != nil && s.Name.Name == name
	case *syntax.ForStmt:
		return s.Var != nil && s.Var.Name == name || declaresLocal(s.Body, name)
	case *syntax.IfStmt:
		return declaresLocal(s.Then, name) || s.Else != nil && declaresLocal(s.Else, name)
	case *syntax.WhileStmt:
		return declaresLocal(s.Body, name)
	case *syntax.AtomicStmt:
		return declaresLocal(s.Body, name)
	case *syntax.EitherStmt:
		for _, b := range s.Branches {
			if declaresLocal(b, name) {
				return true
			}
		}
	case *syntax.SelectStmt:
		for _, cs := range s.Cases {
			if cs.Dst != nil && cs.Dst.Name == name || declaresLocal(cs.Body, name) {
				return true
			}
		}
	}
	return false
}

// globalOf resolves a name that must denote a global of the given kind.
func (pc *procCompiler) globalOf(id *syntax.Ident, kind card.GlobalKind) (*card.Global, bool) {
	c := pc.c
	if slot, ok := pc.lookup(id.Name); ok {
		if isBind(slot) {
			c.errorf(id.At, "%s is a %s, not a shared %s", id.Name, c.prog.Globals[pc.bindOf(slot).g].Kind, kind)
			return nil, false
		}
		c.errorf(id.At, "%s is a local variable, not a shared %s", id.Name, kind)
		return nil, false
	}
	ent, ok := c.names[id.Name]
	if !ok {
		pc.undefined(id)
		return nil, false
	}
	if ent.kind != entGlobal || c.prog.Globals[ent.global].Kind != kind {
		c.errorf(id.At, "%s is %s, not %s", id.Name, article(c.kindName(ent)), article(kind.String()))
		return nil, false
	}
	return &c.prog.Globals[ent.global], true
}

// lower makes x fit in one card together with `keep` shared accesses of
// the card's own: every shared read beyond the last `keep` is hoisted, in
// evaluation order, into a card of its own that stores it in a temporary.
// Inside an atomic block nothing is hoisted: the whole block is one card.
func (pc *procCompiler) lower(x *ir, keep int) *ir {
	if pc.inAtomic || x.reads <= keep {
		return x
	}
	remaining := x.reads
	return pc.hoist(x, &remaining, keep)
}

func (pc *procCompiler) hoist(x *ir, remaining *int, keep int) *ir {
	if x.reads == 0 {
		return x
	}
	switch x.kind {
	case irRead:
		*remaining--
		if *remaining >= keep {
			return pc.toTemp(x)
		}
		return x
	case irReadAt:
		n := x.copy()
		n.x = pc.hoist(x.x, remaining, keep)
		n.reads = n.x.reads + 1
		*remaining--
		if *remaining >= keep {
			return pc.toTemp(&n)
		}
		return &n
	case irUnary, irLocalAt:
		n := x.copy()
		n.x = pc.hoist(x.x, remaining, keep)
		n.reads = n.x.reads
		return &n
	case irAnd, irOr:
		l := pc.hoist(x.x, remaining, keep)
		if x.y.reads > 0 && *remaining > keep {
			// A read of the right operand would be hoisted, but it may only
			// happen when the left operand lets it: use control flow.
			*remaining -= x.y.reads
			return pc.shortCircuit(x, l)
		}
		n := x.copy()
		n.x = l
		n.y = pc.hoist(x.y, remaining, keep)
		n.reads = n.x.reads + n.y.reads
		return &n
	case irBinary:
		n := x.copy()
		n.x = pc.hoist(x.x, remaining, keep)
		n.y = pc.hoist(x.y, remaining, keep)
		n.reads = n.x.reads + n.y.reads
		return &n
	}
	return x
}

// copy returns a copy of x that remembers the node it was made from.
func (x *ir) copy() ir {
	n := *x
	if n.orig == nil {
		n.orig = x
	}
	return n
}

// shortCircuit lowers `l && y` or `l || y` (l already lowered) with a branch,
// so that y's reads happen only when they would in the source.
func (pc *procCompiler) shortCircuit(x *ir, l *ir) *ir {
	t := pc.temp(tBool, x.pos)
	name := pc.slots[t]
	pc.emitLocal(t, l, x.pos)
	loc := &ir{kind: irLocal, typ: tBool, val: int64(t), name: name, prec: 9, pos: x.pos}
	cond := loc
	label := "if " + name
	if x.kind == irOr {
		cond = &ir{kind: irUnary, op: card.XNot, opTxt: "!", typ: tBool, x: loc, prec: 6, pos: x.pos}
		label = "if !" + name
	}
	br := pc.emit(pc.newCard(card.Branch, x.pos, pc.exprCode(cond)), label)
	r := pc.lower(x.y, 1)
	pc.emitLocal(t, r, x.y.pos)
	pc.pending = append(pc.pending, pc.targetPatch(br))
	return loc
}

// toTemp emits a card that stores x in a fresh temporary.
func (pc *procCompiler) toTemp(x *ir) *ir {
	if len(pc.slots) > maxLocals {
		// Already reported: emitting a card per remaining read of a long
		// expression would only cost time and memory.
		return x
	}
	t := pc.temp(x.typ, x.pos)
	pc.emitLocal(t, x, x.pos)
	return &ir{kind: irLocal, typ: x.typ, val: int64(t), name: pc.slots[t], prec: 9, pos: x.pos}
}

// emitLocal emits `slot = x`.
func (pc *procCompiler) emitLocal(slot int32, x *ir, pos syntax.Pos) int32 {
	cd := pc.newCard(card.Local, pos, pc.exprCode(x))
	cd.Dst = slot
	return pc.emit(cd, pc.slots[slot]+" = "+x.src())
}

// exprCode generates the stack code of x and returns its index.
func (pc *procCompiler) exprCode(x *ir) card.Expr {
	p := pc.c.prog
	var code []card.Instr
	var sites []card.Site
	// site marks the instruction just emitted as one that can fail.
	site := func(x *ir) {
		sites = append(sites, card.Site{At: int32(len(code) - 1), Pos: x.pos, Src: x.written()})
	}
	depth, maxDepth := 0, 0
	push := func() {
		depth++
		if depth > maxDepth {
			maxDepth = depth
		}
	}
	var gen func(x *ir)
	gen = func(x *ir) {
		switch x.kind {
		case irConst:
			code = append(code, card.Instr{Op: card.XConst, A: x.val})
			push()
		case irLocal:
			code = append(code, card.Instr{Op: card.XLocal, A: x.val})
			push()
		case irRead:
			code = append(code, card.Instr{Op: card.XGlobal, A: x.val})
			push()
		case irReadAt:
			gen(x.x)
			code = append(code, card.Instr{Op: card.XGlobalAt, A: x.val, B: x.n})
			site(x)
		case irLocalAt:
			gen(x.x)
			code = append(code, card.Instr{Op: card.XLocalAt, A: x.val, B: x.n})
			site(x)
		case irUnary:
			gen(x.x)
			code = append(code, card.Instr{Op: x.op})
			if x.op == card.XNeg {
				site(x)
			}
		case irAnd, irOr:
			gen(x.x)
			at := len(code)
			op := card.XAndJump
			if x.kind == irOr {
				op = card.XOrJump
			}
			code = append(code, card.Instr{Op: op})
			gen(x.y)
			depth--
			code[at].A = int64(len(code) - at - 1)
		case irBinary:
			gen(x.x)
			gen(x.y)
			code = append(code, card.Instr{Op: x.op})
			depth--
			switch x.op {
			case card.XAdd, card.XSub, card.XMul, card.XDiv, card.XMod:
				site(x)
			}
		}
	}
	gen(x)
	if maxDepth > card.MaxEvalDepth {
		pc.c.errorf(x.pos, "this expression is nested too deeply (over %d levels)", card.MaxEvalDepth)
	}
	p.Exprs = append(p.Exprs, card.ExprCode{Code: code, Depth: maxDepth, Src: x.src(), Sites: sites})
	return card.Expr(len(p.Exprs) - 1)
}

// quote renders a string literal for labels.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// article puts "a" or "an" before a noun phrase: "an event", "a mutex".
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
