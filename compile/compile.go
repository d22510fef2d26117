// Package compile turns a parsed deck file into a card.Program: it resolves
// names, checks types, lays out shared memory, and lowers every statement to
// cards that obey the card rule (at most one shared access or one
// synchronisation action per card). It also computes what each card reads
// and writes, the labels `deck cards` prints, and which locals die where.
//
// Synchronous calls are inlined into the caller's stack, so a procedure may
// not call itself (it may spawn itself). Parameter types are taken from the
// first call or spawn that reaches a procedure.
package compile

import (
	"fmt"
	"math"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/syntax"
)

// maxParams bounds a procedure's parameters (the VM evaluates spawn
// arguments into a fixed buffer).
const maxParams = 16

// maxLocals bounds the local slots of one procedure (see newSlot).
const maxLocals = 1024

// Compile compiles a parsed file. On error it returns an ErrorList.
func Compile(f *syntax.File) (*card.Program, error) {
	c := &compiler{
		file:       f.Name,
		names:      make(map[string]*entity),
		procIdx:    make(map[string]int32),
		specs:      make(map[string]int32),
		untyped:    make(map[int32]bool),
		globalProc: make(map[int32]int32),
		prog: &card.Program{
			File:     f.Name,
			Src:      f.Src,
			Kills:    [][]int32{nil},
			Messages: nil,
		},
	}
	c.laterNames(f)
	c.declare(f)
	c.compileProcs()
	c.errs.Sort()
	// Like the parser, report the first few errors: here by position,
	// with a count of the others.
	c.errs.Limit(syntax.MaxErrors)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return c.prog, nil
}

// Source parses and compiles src in one go.
func Source(filename string, src []byte) (*card.Program, error) {
	f, err := syntax.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	return Compile(f)
}

// entityKind says what a top-level name denotes.
type entityKind uint8

const (
	entConst entityKind = iota
	entGlobal
	entProc
)

type entity struct {
	kind   entityKind
	pos    syntax.Pos
	val    int64     // const value
	typ    card.Type // const type
	global int32     // index into prog.Globals
	proc   int32     // index into prog.Procs
	// bad marks a constant whose declaration failed (reported there):
	// constant expressions that use it fail without a word, and
	// procedures see an opaque value (ident).
	bad bool
}

type compiler struct {
	file string
	errs syntax.ErrorList
	// cur is the procedure compiler at work (newProcCompiler), for errorf.
	cur *procCompiler
	// inlinedTooMuch: a procedure's calls passed maxInlinedCards (call);
	// from then on no call is inlined.
	inlinedTooMuch bool
	prog           *card.Program
	names          map[string]*entity
	procIdx        map[string]int32
	decls          []*syntax.ProcDecl // by proc index
	info           []procInfo         // by proc index
	always         []*syntax.AlwaysDecl
	props          []syntax.Decl    // *syntax.EventuallyDecl and *syntax.LeadsToDecl
	specs          map[string]int32 // specialised copies of procedures, by binding
	// untyped: shared variables declared without a value that nothing has
	// read or written yet; the first store gives them its type (so that
	// `var w[N]` can hold handles). globalProc: the procedure of the
	// stacks a shared handle names.
	untyped    map[int32]bool
	globalProc map[int32]int32
	// later holds every top-level name and where it is declared, for a
	// constant expression that uses a name before its declaration.
	later map[string]laterName
}

// laterName is a top-level name as laterNames finds it.
type laterName struct {
	kind entityKind
	what string // "shared var", "mutex", "procedure", ...
	pos  syntax.Pos
}

// posBefore reports whether a comes before b in the source.
func posBefore(a, b syntax.Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// laterNames notes the first declaration of every top-level name.
func (c *compiler) laterNames(f *syntax.File) {
	c.later = make(map[string]laterName)
	add := func(id *syntax.Ident, kind entityKind, what string) {
		if _, dup := c.later[id.Name]; !dup {
			c.later[id.Name] = laterName{kind: kind, what: what, pos: id.At}
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *syntax.ConstDecl:
			add(d.Name, entConst, "constant")
		case *syntax.VarDecl:
			add(d.Name, entGlobal, "shared var")
		case *syntax.ObjDecl:
			add(d.Name, entGlobal, "shared "+d.Kind.String())
		case *syntax.ProcDecl:
			add(d.Name, entProc, "procedure")
		}
	}
}

// procInfo is what the compiler learns about a procedure as it goes.
type procInfo struct {
	paramTypes []ltype // nil until the first call or spawn (then int by default)
	paramsFrom syntax.Pos
	compiled   bool
	compiling  bool
	returns    card.Type
	retProc    int32 // when returns is a handle: the procedure of its stacks
	hasReturn  bool  // a value-returning `return` was seen
	retFrom    syntax.Pos
	bareAt     syntax.Pos // a return without a value, if any
	// binds: the objects bound to the parameters of this procedure's
	// stacks (nil entries are values); see objparam.go.
	binds []*objBind
}

func (c *compiler) errorf(pos syntax.Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	// In a call's inlined body, the mistake may be the call's: a lock in a
	// procedure called inside atomic, or arguments of the wrong kind. Say
	// which call then (not for a mistake the body makes whatever calls it).
	if pc := c.cur; pc != nil {
		if n := len(pc.inlines); n > 0 && pos != pc.inlines[n-1].at {
			f := pc.inlines[n-1]
			if pc.inAtomic || len(c.decls[f.proc].Params) > 0 {
				msg += fmt.Sprintf(" (in %s, called at %d:%d)", c.decls[f.proc].Name.Name, f.at.Line, f.at.Col)
			}
		}
	}
	c.errs.Add(c.file, pos, "%s", msg)
}

// shapeType is the type an expression has by its form alone: bool for a
// comparison, &&, ||, ! or a bool literal, int otherwise. For a constant
// whose value could not be computed.
func shapeType(e syntax.Expr) card.Type {
	switch e := e.(type) {
	case *syntax.ParenExpr:
		return shapeType(e.X)
	case *syntax.BoolLit:
		return card.TBool
	case *syntax.UnaryExpr:
		if e.Op == syntax.NOT {
			return card.TBool
		}
	case *syntax.BinaryExpr:
		switch e.Op {
		case syntax.LAND, syntax.LOR, syntax.EQL, syntax.NEQ, syntax.LSS, syntax.LEQ, syntax.GTR, syntax.GEQ:
			return card.TBool
		}
	}
	return card.TInt
}

// declare handles every top-level declaration in order.
func (c *compiler) declare(f *syntax.File) {
	p := c.prog
	var places []*syntax.PlaceDecl
	var observes []*syntax.ObserveDecl
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *syntax.ConstDecl:
			if !c.newName(d.Name) {
				continue
			}
			v, t, ok := c.constExpr(d.Value)
			if !ok {
				// Declared all the same, so that its uses report nothing
				// more, with the type its expression would have had.
				t = shapeType(d.Value)
			}
			c.names[d.Name.Name] = &entity{kind: entConst, pos: d.Name.At, val: v, typ: t, bad: !ok}
		case *syntax.VarDecl:
			if !c.newName(d.Name) {
				continue
			}
			g := card.Global{Name: d.Name.Name, Kind: card.GVar, Type: card.TInt, Stride: 1, Pos: d.Name.At}
			if d.Init != nil {
				v, t, ok := c.constExpr(d.Init)
				if ok {
					g.Init, g.Type = v, t
				} else {
					g.Type = shapeType(d.Init) // so that its uses report nothing more
				}
			}
			g.Len = c.arraySize(d.Size)
			if d.Init == nil {
				c.untyped[int32(len(p.Globals))] = true
			}
			c.addGlobal(d.Name, g)
		case *syntax.ObjDecl:
			if !c.newName(d.Name) {
				continue
			}
			g := card.Global{Name: d.Name.Name, Kind: card.GlobalKind(d.Kind + 1), Stride: 1, Pos: d.Name.At}
			g.Len = c.arraySize(d.Size)
			var arg int64
			if d.Arg != nil {
				v, t, ok := c.constExpr(d.Arg)
				if ok && t != card.TInt {
					c.errorf(d.Arg.Pos(), "%s %s needs an integer, not %s", d.Kind, d.Name.Name, an(t))
				} else if ok && v < 0 {
					c.errorf(d.Arg.Pos(), "%s %s cannot start below zero (%d)", d.Kind, d.Name.Name, v)
				} else if ok {
					arg = v
				}
			}
			switch d.Kind {
			case syntax.ObjMutex, syntax.ObjEvent, syntax.ObjCond:
				if d.Arg != nil {
					c.errorf(d.Arg.Pos(), "a %s takes no initial value", d.Kind)
				}
			case syntax.ObjSem:
				g.Init = arg
			case syntax.ObjChan:
				if arg > 1<<16 {
					c.errorf(d.Arg.Pos(), "channel capacity %d is too large (at most 65536)", arg)
					arg = 0
				}
				g.Cap = int32(arg)
				if g.Cap == 0 {
					g.Stride = 2 // [sender+1 or 0, value]
				} else {
					g.Stride = 1 + g.Cap // [length, buffer...]
				}
			}
			c.addGlobal(d.Name, g)
		case *syntax.AlwaysDecl:
			c.always = append(c.always, d)
		case *syntax.EventuallyDecl, *syntax.LeadsToDecl:
			c.props = append(c.props, d)
		case *syntax.PlaceDecl:
			places = append(places, d)
		case *syntax.ObserveDecl:
			observes = append(observes, d)
		case *syntax.ProcDecl:
			if !c.newName(d.Name) {
				continue
			}
			if len(d.Params) > maxParams {
				c.errorf(d.Params[maxParams].At, "procedure %s has more than %d parameters", d.Name.Name, maxParams)
			}
			seen := map[string]bool{}
			var params []string
			for _, prm := range d.Params {
				if seen[prm.Name] {
					c.errorf(prm.At, "duplicate parameter %s", prm.Name)
				}
				seen[prm.Name] = true
				params = append(params, prm.Name)
			}
			idx := int32(len(p.Procs))
			p.Procs = append(p.Procs, card.Proc{Name: d.Name.Name, Params: params, Pos: d.Name.At, Returns: card.TVoid, Start: -1, Daemon: d.Daemon})
			if d.Daemon && d.Name.Name == "main" {
				c.errorf(d.At, "main cannot be a daemon: the program ends when main and the stacks it waits for finish")
			}
			c.decls = append(c.decls, d)
			c.info = append(c.info, procInfo{returns: card.TVoid})
			c.names[d.Name.Name] = &entity{kind: entProc, pos: d.Name.At, proc: idx}
			c.procIdx[d.Name.Name] = idx
		}
	}
	c.observe(observes)
	// A place declaration may come before its procedure.
	placed := map[string]syntax.Pos{}
	for _, d := range places {
		e, ok := c.names[d.Proc.Name]
		switch {
		case !ok:
			c.errorf(d.Proc.At, "place: there is no procedure %s", d.Proc.Name)
		case e.kind != entProc:
			c.errorf(d.Proc.At, "place: %s is a %s, not a procedure", d.Proc.Name, c.kindName(e))
		default:
			if at, dup := placed[d.Proc.Name]; dup {
				c.errorf(d.Proc.At, "%s is already placed at %s", d.Proc.Name, at)
				continue
			}
			placed[d.Proc.Name] = d.At
			p.Places = append(p.Places, card.PlaceDecl{Proc: d.Proc.Name, Node: d.Node.Name, Pos: d.At})
		}
	}
	// Parameters may now shadow nothing global: check once every name is known.
	for _, d := range c.decls {
		for _, prm := range d.Params {
			if e, ok := c.names[prm.Name]; ok {
				c.errorf(prm.At, "parameter %s hides the %s declared at %s", prm.Name, c.kindName(e), e.pos)
			}
		}
	}
	main, ok := c.procIdx["main"]
	if !ok {
		for _, d := range c.decls {
			if strings.EqualFold(d.Name.Name, "main") {
				c.errorf(d.Name.At, "the program has no proc main (names are case-sensitive, and this is proc %s)", d.Name.Name)
				return
			}
		}
		c.errorf(syntax.Pos{Line: 1, Col: 1}, "the program has no proc main")
		return
	}
	p.Main = main
	if n := len(c.decls[main].Params); n > 0 {
		c.errorf(c.decls[main].Params[0].At, "proc main takes no parameters")
	}
	c.info[main].paramTypes = make([]ltype, len(c.decls[main].Params))
}

func (c *compiler) kindName(e *entity) string {
	switch e.kind {
	case entConst:
		return "constant"
	case entProc:
		return "procedure"
	}
	return "shared " + c.prog.Globals[e.global].Kind.String()
}

// newName checks that a top-level name is not taken.
func (c *compiler) newName(id *syntax.Ident) bool {
	if e, ok := c.names[id.Name]; ok {
		c.errorf(id.At, "%s is already declared at %s", id.Name, e.pos)
		return false
	}
	return true
}

func (c *compiler) addGlobal(id *syntax.Ident, g card.Global) {
	p := c.prog
	g.Base = p.SharedWords
	words := int64(g.Elems()) * int64(g.Stride)
	if int64(p.SharedWords)+words > 1<<20 {
		c.errorf(id.At, "%s makes shared memory too large (over 1M words)", id.Name)
		return
	}
	p.SharedWords += int32(words)
	c.names[id.Name] = &entity{kind: entGlobal, pos: id.At, global: int32(len(p.Globals))}
	p.Globals = append(p.Globals, g)
}

// arraySize evaluates an array size: nil means a scalar (0).
func (c *compiler) arraySize(e syntax.Expr) int32 {
	if e == nil {
		return 0
	}
	v, t, ok := c.constExpr(e)
	switch {
	case !ok:
		return 1
	case t != card.TInt:
		c.errorf(e.Pos(), "an array size must be an integer, not %s", an(t))
		return 1
	case v < 1:
		c.errorf(e.Pos(), "an array size must be at least 1, not %d", v)
		return 1
	case v > 1<<16:
		c.errorf(e.Pos(), "array size %d is too large (at most 65536)", v)
		return 1
	}
	return int32(v)
}

// constExpr evaluates a compile-time constant expression.
func (c *compiler) constExpr(e syntax.Expr) (int64, card.Type, bool) {
	switch e := e.(type) {
	case *syntax.IntLit:
		return e.Value, card.TInt, true
	case *syntax.BoolLit:
		if e.Value {
			return 1, card.TBool, true
		}
		return 0, card.TBool, true
	case *syntax.ParenExpr:
		return c.constExpr(e.X)
	case *syntax.Ident:
		ent, ok := c.names[e.Name]
		if !ok {
			if d, later := c.later[e.Name]; later && posBefore(e.At, d.pos) {
				if d.kind == entConst {
					c.errorf(e.At, "%s is declared later, at %s: a constant must be declared before it is used", e.Name, d.pos)
				} else {
					c.errorf(e.At, "%s is %s declared at %s, not a constant", e.Name, article(d.what), d.pos)
				}
			} else {
				c.errorf(e.At, "undefined: %s", e.Name)
			}
			return 0, card.TInt, false
		}
		if ent.bad {
			return 0, ent.typ, false
		}
		if ent.kind != entConst {
			c.errorf(e.At, "%s is a %s, not a constant", e.Name, c.kindName(ent))
			return 0, card.TInt, false
		}
		return ent.val, ent.typ, true
	case *syntax.UnaryExpr:
		v, t, ok := c.constExpr(e.X)
		if !ok {
			return 0, t, false
		}
		if e.Op == syntax.NOT {
			if t != card.TBool {
				c.errorf(e.At, "operator ! needs a bool, not %s", an(t))
				return 0, card.TBool, false
			}
			return v ^ 1, card.TBool, true
		}
		if t != card.TInt {
			c.errorf(e.At, "operator - needs an int, not %s", an(t))
			return 0, card.TInt, false
		}
		if v == math.MinInt64 {
			c.errorf(e.At, "constant overflow")
			return 0, card.TInt, false
		}
		return -v, card.TInt, true
	case *syntax.BinaryExpr:
		x, tx, ok1 := c.constExpr(e.X)
		y, ty, ok2 := c.constExpr(e.Y)
		if !ok1 || !ok2 {
			return 0, card.TInt, false
		}
		t, ok := c.binaryType(e, tx, ty)
		if !ok {
			return 0, t, false
		}
		v, err := foldBinary(binOps[e.Op], x, y)
		if err != "" {
			c.errorf(e.OpPos, "%s in constant expression", err)
			return 0, t, false
		}
		return v, t, true
	}
	c.errorf(e.Pos(), "expected a constant expression")
	return 0, card.TInt, false
}

// compileProcs compiles every procedure reachable from main first (so that
// parameter types come from real call sites), then the rest.
func (c *compiler) compileProcs() {
	if _, ok := c.procIdx["main"]; ok {
		c.compileProc(c.prog.Main)
	}
	for i := 0; i < len(c.decls); i++ { // specialised copies join as they are made
		c.compileProc(int32(i))
	}
	c.compileAlways()
	c.compileProps()
	numberCards(c.prog)
	c.prog.SetPrintForms()
	c.prog.SetStackWords()
	c.prog.MaxEval = 0
	for _, x := range c.prog.Exprs {
		if x.Depth > c.prog.MaxEval {
			c.prog.MaxEval = x.Depth
		}
	}

}

// compileProc compiles one procedure as a stack of its own (once).
func (c *compiler) compileProc(idx int32) {
	info := &c.info[idx]
	if info.compiled || info.compiling {
		return
	}
	info.compiling = true
	d := c.decls[idx]
	if info.paramTypes == nil {
		// Never called or spawned: int parameters.
		info.paramTypes = make([]ltype, len(d.Params))
		for k := range info.paramTypes {
			info.paramTypes[k] = tInt
		}
	}
	pc := newProcCompiler(c, idx)
	proc := &c.prog.Procs[idx]
	proc.Entry = int32(len(c.prog.Cards))
	pc.pushScope()
	params := c.prog.Procs[idx].Params
	for k, prm := range d.Params {
		if k < len(info.binds) && info.binds[k] != nil {
			// A parameter bound to an object: its slot holds the element's
			// index (or nothing), and its name means the object.
			pc.checkNewLocal(prm)
			pc.newSlot(prm.Name, tInt, prm.At)
			b := *info.binds[k]
			pc.scopes[len(pc.scopes)-1][prm.Name] = pc.addBind(b)
			params[k] = prm.Name + " = " + pc.bindLabel(b)
			continue
		}
		pc.declareLocal(prm, info.paramTypes[k])
	}
	pc.block(d.Body, false)
	// The body may have added specialised procedures (objparam.go),
	// moving c.info.
	info = &c.info[idx]
	// Falling off the end returns without a value (0 where the procedure
	// returns values elsewhere).
	if len(pc.pending) > 0 || len(pc.top) == 0 {
		cd := pc.newCard(card.Return, d.Body.Rbrace, card.NoExpr)
		label := "return"
		if info.hasReturn && info.returns == card.THandle {
			// No stack is -1: a join of it is a runtime error, where 0
			// would quietly be main.
			cd.X = pc.exprCode(constIR(card.NoStack, ltype{t: card.THandle, proc: info.retProc}, d.Body.Rbrace))
			label = "return none"
		}
		pc.emit(cd, label)
	}
	pc.popScope()
	exit := pc.emitDone(d.Body.Rbrace)
	proc = &c.prog.Procs[idx]
	proc.Exit = exit
	proc.NLocals = int32(len(pc.slots))
	proc.Locals = pc.slots
	proc.Returns = info.returns
	if len(c.errs) == 0 {
		// A program with errors is never run: skip the access tables and
		// the liveness analysis, whose cost grows with the number of
		// locals (which may be over the limit).
		pc.finish()
	}
	info.compiling = false
	info.compiled = true
}

// compileAlways compiles the invariants: conditions over shared variables
// and constants only, evaluated as one atomic look at the state.
func (c *compiler) compileAlways() {
	for _, d := range c.always {
		pc := newProcCompiler(c, -1)
		pc.inAlways, pc.condWhat = true, "an always condition"
		x := pc.translate(d.Cond)
		if x.typ.t != card.TBool {
			c.errorf(d.Cond.Pos(), "an always condition must be a bool, not %s", an(x.typ.t))
			continue
		}
		e := pc.exprCode(x)
		c.prog.Always = append(c.prog.Always, card.Invariant{X: e, Pos: d.At, Src: x.src()})
	}
}

// compileProps compiles the eventually and leadsto declarations: like
// invariants, conditions over shared variables and constants.
func (c *compiler) compileProps() {
	cond := func(x syntax.Expr, what string) (card.Expr, string, bool) {
		pc := newProcCompiler(c, -1)
		pc.inAlways, pc.condWhat = true, what
		t := pc.translate(x)
		if t.typ.t != card.TBool {
			c.errorf(x.Pos(), "%s must be a bool, not %s", what, an(t.typ.t))
			return card.NoExpr, "", false
		}
		return pc.exprCode(t), t.src(), true
	}
	for i, d := range c.props {
		if i == card.MaxProperties {
			c.errorf(d.Pos(), "more than %d eventually and leadsto declarations", card.MaxProperties)
			return
		}
		switch d := d.(type) {
		case *syntax.EventuallyDecl:
			q, src, ok := cond(d.Cond, "an eventually condition")
			if ok {
				c.prog.Props = append(c.prog.Props, card.Property{Kind: card.PropEventually, P: card.NoExpr, Q: q,
					QSrc: src, Pos: d.At, Src: "eventually " + src})
			}
		case *syntax.LeadsToDecl:
			p, psrc, ok1 := cond(d.P, "the condition before leadsto")
			q, qsrc, ok2 := cond(d.Q, "the condition after leadsto")
			if ok1 && ok2 {
				c.prog.Props = append(c.prog.Props, card.Property{Kind: card.PropLeadsTo, P: p, Q: q,
					PSrc: psrc, QSrc: qsrc, Pos: d.At, Src: psrc + " leadsto " + qsrc})
			}
		}
	}
}

// an names a type with its article, for messages: "an int", "a bool",
// "a handle", "no value".
func an(t card.Type) string {
	if t == card.TVoid {
		return "no value"
	}
	return article(t.String())
}

// binaryType checks the operand types of a binary operator.
func (c *compiler) binaryType(e *syntax.BinaryExpr, tx, ty card.Type) (card.Type, bool) {
	switch e.Op {
	case syntax.ADD, syntax.SUB, syntax.MUL, syntax.QUO, syntax.REM:
		if tx != card.TInt || ty != card.TInt {
			c.errorf(e.OpPos, "operator %s needs ints, not %s and %s", e.Op, tx, ty)
			return card.TInt, false
		}
		return card.TInt, true
	case syntax.LSS, syntax.LEQ, syntax.GTR, syntax.GEQ:
		if tx != card.TInt || ty != card.TInt {
			c.errorf(e.OpPos, "operator %s needs ints, not %s and %s", e.Op, tx, ty)
			return card.TBool, false
		}
		return card.TBool, true
	case syntax.EQL, syntax.NEQ:
		if tx != ty {
			c.errorf(e.OpPos, "cannot compare %s with %s", an(tx), an(ty))
			return card.TBool, false
		}
		return card.TBool, true
	case syntax.LAND, syntax.LOR:
		if tx != card.TBool || ty != card.TBool {
			c.errorf(e.OpPos, "operator %s needs bools, not %s and %s", e.Op, tx, ty)
			return card.TBool, false
		}
		return card.TBool, true
	}
	c.errorf(e.OpPos, "unknown operator %s", e.Op)
	return card.TInt, false
}

var binOps = map[syntax.Token]card.XOp{
	syntax.ADD: card.XAdd, syntax.SUB: card.XSub, syntax.MUL: card.XMul, syntax.QUO: card.XDiv,
	syntax.REM: card.XMod, syntax.EQL: card.XEq, syntax.NEQ: card.XNe, syntax.LSS: card.XLt,
	syntax.LEQ: card.XLe, syntax.GTR: card.XGt, syntax.GEQ: card.XGe,
	syntax.LAND: card.XAndJump, syntax.LOR: card.XOrJump,
}

// foldBinary computes a binary operation on constants with the VM's rules;
// it returns a non-empty problem when the VM would fail.
func foldBinary(op card.XOp, x, y int64) (int64, string) {
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	switch op {
	case card.XAdd:
		r := x + y
		if (x^r)&(y^r) < 0 {
			return 0, "integer overflow"
		}
		return r, ""
	case card.XSub:
		r := x - y
		if (x^y)&(x^r) < 0 {
			return 0, "integer overflow"
		}
		return r, ""
	case card.XMul:
		r := x * y
		if x != 0 && (r/x != y || (x == -1 && y == math.MinInt64)) {
			return 0, "integer overflow"
		}
		return r, ""
	case card.XDiv, card.XMod:
		if y == 0 {
			return 0, "division by zero"
		}
		if x == math.MinInt64 && y == -1 && op == card.XDiv {
			return 0, "integer overflow"
		}
		if op == card.XDiv {
			return x / y, ""
		}
		return x % y, ""
	case card.XEq:
		return b(x == y), ""
	case card.XNe:
		return b(x != y), ""
	case card.XLt:
		return b(x < y), ""
	case card.XLe:
		return b(x <= y), ""
	case card.XGt:
		return b(x > y), ""
	case card.XGe:
		return b(x >= y), ""
	case card.XAndJump:
		return b(x != 0 && y != 0), ""
	case card.XOrJump:
		return b(x != 0 || y != 0), ""
	}
	return 0, fmt.Sprintf("unknown operator %v", op)
}

// globalType is the type of shared variable gi's elements as a local
// value; reading it fixes the type of a variable declared without a value.
func (c *compiler) globalType(gi int32) ltype {
	delete(c.untyped, gi)
	t := ltype{t: c.prog.Globals[gi].Type, proc: -1}
	if p, ok := c.globalProc[gi]; ok {
		t.proc = p
	}
	return t
}

// storeType is the type a store into shared variable gi must have: the
// type of v when gi was declared without a value and this is the first
// use (a handle variable starts as none).
func (c *compiler) storeType(gi int32, v ltype) ltype {
	if c.untyped[gi] {
		delete(c.untyped, gi)
		g := &c.prog.Globals[gi]
		g.Type = v.t
		if v.t == card.THandle {
			g.Init = card.NoStack
			c.globalProc[gi] = v.proc
		}
	}
	return c.globalType(gi)
}
