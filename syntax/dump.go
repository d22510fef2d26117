package syntax

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dump renders a *File, declaration, statement or expression as a compact
// S-expression, for tests and debugging. Positions are left out. The shapes:
//
//	file        one declaration per line
//	const       (const N 3)
//	var         (var x) (var x 0) (var a [N]) (var a [N] false)
//	objects     (mutex m) (mutex fork [N]) (sem s (2)) (chan c [N] (1)) (event e)
//	always      (always (<= x 2))
//	progress    (eventually (== x 2)) (leadsto (> x 0) (== y 1))
//	proc        (proc main (a b) {stmt stmt})
//	block       {stmt stmt}
//	let         (let t (+ x 1))
//	assignment  (= x t) (+= (index a i) 1) (++ x) (-- x)
//	if          (if c {..}) (if c {..} {..}) (if c {..} (if d {..}))
//	loops       (while c {..}) (for i 0 N {..})
//	others      (assert c) (assert c "msg") (print "x is" x) (atomic {..})
//	            (await c) (yield) (lock m) (send c v) (return) (return e)
//	            (either {..} {..})
//	expressions x 3 true "s" (- x) (! b) (+ x 1) (paren x) (index a i)
//	            (call f a b) (spawn f a b) (join h) (recv c) (choose 0 3)
//
// An expression statement is shown as its expression. A nil node, which a
// well-formed tree has only in optional fields, shows as <nil>.
func Dump(node any) string {
	var b strings.Builder
	dump(&b, node)
	return b.String()
}

func dump(b *strings.Builder, node any) {
	if v := reflect.ValueOf(node); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		b.WriteString("<nil>")
		return
	}
	// list writes "(head args...)", skipping nil optional parts.
	list := func(head string, args ...any) {
		b.WriteString("(" + head)
		for _, a := range args {
			b.WriteByte(' ')
			dump(b, a)
		}
		b.WriteByte(')')
	}
	switch n := node.(type) {
	case *File:
		for i, d := range n.Decls {
			if i > 0 {
				b.WriteByte('\n')
			}
			dump(b, d)
		}

	// declarations
	case *ConstDecl:
		list("const", n.Name, n.Value)
	case *VarDecl:
		list("var", optional(n.Name, size(n.Size), n.Init)...)
	case *ObjDecl:
		list(n.Kind.String(), optional(n.Name, size(n.Size), arg(n.Arg))...)
	case *AlwaysDecl:
		list("always", n.Cond)
	case *EventuallyDecl:
		list("eventually", n.Cond)
	case *LeadsToDecl:
		list("leadsto", n.P, n.Q)
	case *PlaceDecl:
		list("place", n.Proc, n.Node)
	case *ObserveDecl:
		xs := make([]any, len(n.Names))
		for i, id := range n.Names {
			xs[i] = id
		}
		list("observe", xs...)
	case *ProcDecl:
		if n.Daemon {
			b.WriteString("(daemon ")
		}
		b.WriteString("(proc ")
		dump(b, n.Name)
		b.WriteString(" (")
		for i, p := range n.Params {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, p)
		}
		b.WriteString(") ")
		dump(b, n.Body)
		b.WriteByte(')')
		if n.Daemon {
			b.WriteByte(')')
		}

	// statements
	case *Block:
		b.WriteByte('{')
		for i, s := range n.Stmts {
			if i > 0 {
				b.WriteByte(' ')
			}
			dump(b, s)
		}
		b.WriteByte('}')
	case *LetStmt:
		switch {
		case n.Size == nil:
			list("let", n.Name, n.Value)
		case n.Value == nil:
			list("let[]", n.Name, n.Size)
		default:
			list("let[]", n.Name, n.Size, n.Value)
		}
	case *AssignStmt:
		list(n.Op.String(), n.Target, n.Value)
	case *IncDecStmt:
		list(n.Op.String(), n.Target)
	case *IfStmt:
		if n.Else == nil {
			list("if", n.Cond, n.Then)
		} else {
			list("if", n.Cond, n.Then, n.Else)
		}
	case *WhileStmt:
		list("while", n.Cond, n.Body)
	case *ForStmt:
		list("for", n.Var, n.Lo, n.Hi, n.Body)
	case *AssertStmt:
		if n.Msg == nil {
			list("assert", n.Cond)
		} else {
			list("assert", n.Cond, n.Msg)
		}
	case *PrintStmt:
		args := make([]any, len(n.Args))
		for i, a := range n.Args {
			args[i] = a
		}
		list("print", args...)
	case *AtomicStmt:
		list("atomic", n.Body)
	case *AwaitStmt:
		list("await", n.Cond)
	case *YieldStmt:
		list("yield")
	case *SyncStmt:
		if n.Arg != nil {
			list(n.Op.String(), n.Target, n.Arg)
		} else {
			list(n.Op.String(), n.Target)
		}
	case *SendStmt:
		list("send", n.Chan, n.Value)
	case *ExprStmt:
		dump(b, n.X)
	case *ReturnStmt:
		if n.Value == nil {
			list("return")
		} else {
			list("return", n.Value)
		}
	case *EitherStmt:
		args := make([]any, len(n.Branches))
		for i, br := range n.Branches {
			args[i] = br
		}
		list("either", args...)
	case *SelectStmt:
		dumpSelect(b, n)

	// expressions
	case *Ident:
		b.WriteString(n.Name)
	case *IntLit:
		b.WriteString(strconv.FormatInt(n.Value, 10))
	case *BoolLit:
		b.WriteString(strconv.FormatBool(n.Value))
	case *StringLit:
		b.WriteString(strconv.Quote(n.Value))
	case *UnaryExpr:
		list(n.Op.String(), n.X)
	case *BinaryExpr:
		list(n.Op.String(), n.X, n.Y)
	case *ParenExpr:
		list("paren", n.X)
	case *IndexExpr:
		list("index", n.X, n.Index)
	case *CallExpr:
		list("call", callArgs(n)...)
	case *SpawnExpr:
		if n.Call == nil {
			list("spawn", nil)
			return
		}
		list("spawn", callArgs(n.Call)...)
	case *JoinExpr:
		list("join", n.X)
	case *RecvExpr:
		list("recv", n.Chan)
	case *ChooseExpr:
		list("choose", n.Lo, n.Hi)

	// the wrappers of optional declaration parts
	case sizePart:
		b.WriteByte('[')
		dump(b, n.x)
		b.WriteByte(']')
	case argPart:
		b.WriteByte('(')
		dump(b, n.x)
		b.WriteByte(')')
	default:
		fmt.Fprintf(b, "<%T>", n) // a type this function does not know

	}
}

// sizePart and argPart mark an array size and an object argument, which
// Dump shows as [N] and (N).
type (
	sizePart struct{ x Expr }
	argPart  struct{ x Expr }
)

func size(x Expr) any {
	if x == nil {
		return nil
	}
	return sizePart{x}
}

func arg(x Expr) any {
	if x == nil {
		return nil
	}
	return argPart{x}
}

// optional drops the absent (nil) parts of a declaration.
func optional(parts ...any) []any {
	var out []any
	for _, p := range parts {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

func callArgs(c *CallExpr) []any {
	args := []any{c.Fun}
	for _, a := range c.Args {
		args = append(args, a)
	}
	return args
}
