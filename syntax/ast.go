// Package syntax owns the surface of the deck language: positions, tokens,
// the scanner, the parser, the abstract syntax tree and error lists with
// caret snippets. It knows nothing about meaning: name resolution, types and
// cards belong to package compile.
package syntax

import "fmt"

// Pos is a position in a source file. Line and Col count from 1; the zero
// Pos means "unknown". Col counts bytes, like go/token.
type Pos struct {
	Line, Col int32
}

// IsValid reports whether p is a known position.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// File is one parsed .deck source file.
type File struct {
	Name  string // as given by the user, used in every error message
	Src   []byte
	Decls []Decl
}

// ---- declarations ---------------------------------------------------------

// Decl is a top-level declaration.
type Decl interface {
	Node
	declNode()
}

// Node is anything with a position.
type Node interface {
	Pos() Pos
}

// ConstDecl is `const N = expr`.
type ConstDecl struct {
	At    Pos // position of the keyword
	Name  *Ident
	Value Expr
}

// VarDecl is `var x = init`, `var a[N] = init`, `var a[N]` or `var x`.
type VarDecl struct {
	At   Pos
	Name *Ident
	Size Expr // nil for a scalar
	Init Expr // nil means 0
}

// ObjKind says which synchronisation object an ObjDecl declares.
type ObjKind uint8

const (
	ObjMutex ObjKind = iota
	ObjSem
	ObjChan
	ObjEvent
	ObjCond
)

func (k ObjKind) String() string {
	switch k {
	case ObjMutex:
		return "mutex"
	case ObjSem:
		return "sem"
	case ObjChan:
		return "chan"
	case ObjEvent:
		return "event"
	case ObjCond:
		return "cond"
	}
	return "?"
}

// ObjDecl declares a synchronisation object, or an array of them:
//
//	mutex m           mutex fork[N]
//	sem s(2)          sem slots[N](1)
//	chan c(3)         chan c          (capacity 0: rendezvous)
//	event done        event ready[N]
//	cond c            cond nonempty[N]
//
// Arg is the semaphore's initial value or the channel's capacity (nil when
// absent: 0 for both).
type ObjDecl struct {
	At   Pos
	Kind ObjKind
	Name *Ident
	Size Expr // nil for a single object
	Arg  Expr
}

// AlwaysDecl is `always cond`: an invariant of every reachable state.
type AlwaysDecl struct {
	At   Pos
	Cond Expr
}

// EventuallyDecl is `eventually cond`: every fair run reaches a state
// where cond holds.
type EventuallyDecl struct {
	At   Pos
	Cond Expr
}

// LeadsToDecl is `p leadsto q`: whenever p holds, q holds then or later,
// in every fair run. At is the position of p.
type LeadsToDecl struct {
	At   Pos
	P, Q Expr
}

// ObserveDecl is `observe x, y`: the shared variables that make up an
// outcome (without one, every variable does).
type ObserveDecl struct {
	At    Pos
	Names []*Ident
}

// PlaceDecl is `place proc on node`: every stack of proc runs on node.
type PlaceDecl struct {
	At   Pos
	Proc *Ident
	Node *Ident
}

// ProcDecl is `proc name(a, b) { ... }`, or `daemon proc ...` for a
// procedure whose stacks need not finish.
type ProcDecl struct {
	At     Pos
	Name   *Ident
	Params []*Ident
	Body   *Block
	Daemon bool
}

func (d *ConstDecl) Pos() Pos      { return d.At }
func (d *VarDecl) Pos() Pos        { return d.At }
func (d *ObjDecl) Pos() Pos        { return d.At }
func (d *AlwaysDecl) Pos() Pos     { return d.At }
func (d *EventuallyDecl) Pos() Pos { return d.At }
func (d *LeadsToDecl) Pos() Pos    { return d.At }
func (d *ProcDecl) Pos() Pos       { return d.At }
func (d *PlaceDecl) Pos() Pos      { return d.At }
func (d *ObserveDecl) Pos() Pos    { return d.At }

func (*ConstDecl) declNode()      {}
func (*VarDecl) declNode()        {}
func (*ObjDecl) declNode()        {}
func (*AlwaysDecl) declNode()     {}
func (*EventuallyDecl) declNode() {}
func (*LeadsToDecl) declNode()    {}
func (*ProcDecl) declNode()       {}
func (*PlaceDecl) declNode()      {}
func (*ObserveDecl) declNode()    {}

// ---- statements -----------------------------------------------------------

// Stmt is a statement inside a procedure.
type Stmt interface {
	Node
	stmtNode()
}

// Block is `{ stmts }`.
type Block struct {
	Lbrace, Rbrace Pos
	Stmts          []Stmt
}

// LetStmt is `let name = value`. Value may be any expression, including the
// effectful forms RecvExpr, SpawnExpr, JoinExpr, ChooseExpr and CallExpr.
//
// `let name[size] = value` declares a local array of size elements, each
// set to value; `let name[size]` leaves Value nil (the elements take their
// type from the first store).
type LetStmt struct {
	At    Pos
	Name  *Ident
	Size  Expr // nil for a scalar
	Value Expr // nil only for an array without a value
}

// AssignStmt is `target op value` where op is =, += or -=. Target is an
// *Ident or an *IndexExpr. With `=`, Value may be an effectful form as in
// LetStmt (`v = recv c`, `r = join h`, `r = f(x)`, `i = choose 0..3`).
type AssignStmt struct {
	Target Expr
	Op     Token // ASSIGN, ADD_ASSIGN or SUB_ASSIGN
	OpPos  Pos
	Value  Expr
}

// IncDecStmt is `target++` or `target--`.
type IncDecStmt struct {
	Target Expr
	Op     Token // INC or DEC
	OpPos  Pos
}

// IfStmt is `if cond { } else ...`; Else is nil, an *IfStmt or a *Block.
type IfStmt struct {
	At   Pos
	Cond Expr
	Then *Block
	Else Stmt
}

// WhileStmt is `while cond { }`.
type WhileStmt struct {
	At   Pos
	Cond Expr
	Body *Block
}

// ForStmt is `for v in lo..hi { }`: v takes lo, lo+1, ..., hi-1.
type ForStmt struct {
	At     Pos
	Var    *Ident
	Lo, Hi Expr
	Body   *Block
}

// AssertStmt is `assert cond` or `assert cond, "message"`.
type AssertStmt struct {
	At   Pos
	Cond Expr
	Msg  *StringLit // nil when absent
}

// PrintStmt is `print a, b, ...`; arguments may be *StringLit.
type PrintStmt struct {
	At   Pos
	Args []Expr
}

// AtomicStmt is `atomic { }`: the whole block is one card.
type AtomicStmt struct {
	At   Pos
	Body *Block
}

// AwaitStmt is `await cond`.
type AwaitStmt struct {
	At   Pos
	Cond Expr
}

// YieldStmt is `yield`.
type YieldStmt struct {
	At Pos
}

// SyncOp names the one-operand synchronisation statements.
type SyncOp uint8

const (
	SyncLock SyncOp = iota
	SyncUnlock
	SyncAcquire
	SyncRelease
	SyncNotify
	SyncWait
	SyncSignal
	SyncBroadcast
)

func (op SyncOp) String() string {
	return [...]string{"lock", "unlock", "acquire", "release", "notify", "wait", "signal", "broadcast"}[op]
}

// SyncStmt is `lock m`, `unlock m`, `acquire s`, `release s`, `notify e`,
// `wait e`, `signal c` or `broadcast c`, and the two-operand forms
// `release s, n` and `wait c, m`. Target is an *Ident or an *IndexExpr
// (`lock fork[i]`). Arg is the second operand, nil when absent: the count
// of a release, or the mutex (*Ident or *IndexExpr) of a condition wait.
type SyncStmt struct {
	At     Pos
	Op     SyncOp
	Target Expr
	Arg    Expr
}

// SendStmt is `send c, v`.
type SendStmt struct {
	At    Pos
	Chan  Expr // *Ident or *IndexExpr
	Value Expr
}

// ExprStmt is an expression used as a statement: a call `f(a)`, `spawn f()`,
// `join h` or `recv c` whose value is dropped.
type ExprStmt struct {
	X Expr
}

// ReturnStmt is `return` or `return e`.
type ReturnStmt struct {
	At    Pos
	Value Expr // nil when absent
}

// EitherStmt is `either { } or { } ...`: one branch, chosen by the dealer.
type EitherStmt struct {
	At       Pos
	Branches []*Block
}

func (s *Block) Pos() Pos      { return s.Lbrace }
func (s *LetStmt) Pos() Pos    { return s.At }
func (s *AssignStmt) Pos() Pos { return s.Target.Pos() }
func (s *IncDecStmt) Pos() Pos { return s.Target.Pos() }
func (s *IfStmt) Pos() Pos     { return s.At }
func (s *WhileStmt) Pos() Pos  { return s.At }
func (s *ForStmt) Pos() Pos    { return s.At }
func (s *AssertStmt) Pos() Pos { return s.At }
func (s *PrintStmt) Pos() Pos  { return s.At }
func (s *AtomicStmt) Pos() Pos { return s.At }
func (s *AwaitStmt) Pos() Pos  { return s.At }
func (s *YieldStmt) Pos() Pos  { return s.At }
func (s *SyncStmt) Pos() Pos   { return s.At }
func (s *SendStmt) Pos() Pos   { return s.At }
func (s *ExprStmt) Pos() Pos   { return s.X.Pos() }
func (s *ReturnStmt) Pos() Pos { return s.At }
func (s *EitherStmt) Pos() Pos { return s.At }
func (s *SelectStmt) Pos() Pos { return s.At }
func (*Block) stmtNode()       {}
func (*LetStmt) stmtNode()     {}
func (*AssignStmt) stmtNode()  {}
func (*IncDecStmt) stmtNode()  {}
func (*IfStmt) stmtNode()      {}
func (*WhileStmt) stmtNode()   {}
func (*ForStmt) stmtNode()     {}
func (*AssertStmt) stmtNode()  {}
func (*PrintStmt) stmtNode()   {}
func (*AtomicStmt) stmtNode()  {}
func (*AwaitStmt) stmtNode()   {}
func (*YieldStmt) stmtNode()   {}
func (*SyncStmt) stmtNode()    {}
func (*SendStmt) stmtNode()    {}
func (*ExprStmt) stmtNode()    {}
func (*ReturnStmt) stmtNode()  {}
func (*EitherStmt) stmtNode()  {}
func (*SelectStmt) stmtNode()  {}

// ---- expressions ----------------------------------------------------------

// Expr is an expression.
type Expr interface {
	Node
	exprNode()
}

// Ident is a name.
type Ident struct {
	At   Pos
	Name string
}

// IntLit is a decimal integer literal.
type IntLit struct {
	At    Pos
	Value int64
}

// BoolLit is true or false.
type BoolLit struct {
	At    Pos
	Value bool
}

// StringLit is a double-quoted string; only valid in print and assert.
type StringLit struct {
	At    Pos
	Value string // unquoted
}

// UnaryExpr is `-x` or `!x`.
type UnaryExpr struct {
	At Pos
	Op Token // SUB or NOT
	X  Expr
}

// BinaryExpr is `x op y`.
type BinaryExpr struct {
	X     Expr
	Op    Token
	OpPos Pos
	Y     Expr
}

// ParenExpr is `(x)`; kept so that error positions stay exact.
type ParenExpr struct {
	Lparen Pos
	X      Expr
}

// IndexExpr is `name[index]`.
type IndexExpr struct {
	X      *Ident
	Lbrack Pos
	Index  Expr
}

// CallExpr is `f(args)`: a synchronous call.
type CallExpr struct {
	Fun    *Ident
	Lparen Pos
	Args   []Expr
}

// SpawnExpr is `spawn f(args)`.
type SpawnExpr struct {
	At   Pos
	Call *CallExpr
}

// JoinExpr is `join h`.
type JoinExpr struct {
	At Pos
	X  Expr
}

// RecvExpr is `recv c`.
type RecvExpr struct {
	At   Pos
	Chan Expr // *Ident or *IndexExpr
}

// ChooseExpr is `choose lo..hi`: any of lo, ..., hi-1.
type ChooseExpr struct {
	At     Pos
	Lo, Hi Expr
}

func (e *Ident) Pos() Pos      { return e.At }
func (e *IntLit) Pos() Pos     { return e.At }
func (e *BoolLit) Pos() Pos    { return e.At }
func (e *StringLit) Pos() Pos  { return e.At }
func (e *UnaryExpr) Pos() Pos  { return e.At }
func (e *BinaryExpr) Pos() Pos { return e.X.Pos() }
func (e *ParenExpr) Pos() Pos  { return e.Lparen }
func (e *IndexExpr) Pos() Pos  { return e.X.At }
func (e *CallExpr) Pos() Pos   { return e.Fun.At }
func (e *SpawnExpr) Pos() Pos  { return e.At }
func (e *JoinExpr) Pos() Pos   { return e.At }
func (e *RecvExpr) Pos() Pos   { return e.At }
func (e *ChooseExpr) Pos() Pos { return e.At }
func (*Ident) exprNode()       {}
func (*IntLit) exprNode()      {}
func (*BoolLit) exprNode()     {}
func (*StringLit) exprNode()   {}
func (*UnaryExpr) exprNode()   {}
func (*BinaryExpr) exprNode()  {}
func (*ParenExpr) exprNode()   {}
func (*IndexExpr) exprNode()   {}
func (*CallExpr) exprNode()    {}
func (*SpawnExpr) exprNode()   {}
func (*JoinExpr) exprNode()    {}
func (*RecvExpr) exprNode()    {}
func (*ChooseExpr) exprNode()  {}
