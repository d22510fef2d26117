package syntax

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxErrors is how many errors a parse keeps: past this many, later
	// ones are mostly echoes of the first and only bury them, so they are
	// only counted.
	maxErrors = MaxErrors
	// maxNest bounds the nesting of blocks and expressions, so that a
	// hostile input like 100000 '(' cannot exhaust the stack. No real
	// program comes close.
	maxNest = 1000
)

// Parse parses one deck source file.
//
// On success it returns the file and nil. Otherwise it returns the part of
// the file it could parse, and an ErrorList, sorted by position, with up to
// 10 errors, then, when there were more, one entry that counts the others
// (as ErrorList.Limit makes it): after an error the parser skips to the
// next statement or declaration and goes on, so that independent mistakes
// are all reported in one go. Parse never panics.
func Parse(filename string, src []byte) (f *File, err error) {
	f = &File{Name: filename, Src: src}
	p := &parser{file: filename}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				// A bug in the parser must not crash the tool. Report it
				// without a position: it is not the user's mistake, and
				// the fuzz test treats such an error as a failure.
				p.errs = append(p.errs, &Error{File: filename, Msg: fmt.Sprintf("internal error: parser panic: %v", r)})
			}
		}
		p.errs.Sort()
		if p.more > 0 {
			p.errs = append(p.errs, &Error{File: filename, Dropped: p.more})
		}
		err = p.errs.Err()
	}()
	p.sc.Init(src, p.error)
	p.next()
	p.parseFile(f)
	return f, nil
}

// parser is a recursive-descent parser with one token of lookahead.
//
// Error recovery uses panics: a syntax error records the error and panics
// with syncError; parseStmtSafe and parseDeclSafe recover it, skip to a
// statement boundary and carry on. bailout ends the whole parse.
type parser struct {
	file string
	sc   Scanner
	errs ErrorList

	// the current token
	pos Pos
	tok Token
	lit string
	end Pos // just past the current token

	// the previous token, to point at the end of a line that stopped
	// halfway through an expression
	prevTok Token
	prevLit string
	prevEnd Pos

	nest int // current nesting of blocks and expressions

	// errLine is the line of the last error found, kept or not; more
	// counts the errors found after the first maxErrors.
	errLine int32
	more    int

	// nlAfter is the token after which the last newline ended a
	// statement; stmtAfterNL is that token when the current statement
	// starts right after such a newline (ILLEGAL otherwise). A statement
	// that starts with an operator there was probably meant to continue
	// the line before.
	nlAfter     Token
	stmtAfterNL Token
}

type (
	syncError struct{} // abandon the current statement or declaration
	bailout   struct{} // abandon the whole parse
)

// next moves to the next token. ILLEGAL tokens are skipped: the scanner
// has reported them, and the parser does better without them.
func (p *parser) next() {
	p.prevTok, p.prevLit, p.prevEnd = p.tok, p.lit, p.end
	for {
		p.pos, p.tok, p.lit = p.sc.Scan()
		if p.tok != ILLEGAL {
			break
		}
	}
	p.end = p.sc.pos()
	if p.tok == SEMI && p.lit == "\n" {
		p.nlAfter = p.prevTok
	}
}

// peek returns the token after the current one without consuming it. It
// scans a copy of the scanner with errors switched off, so nothing is
// reported twice.
func (p *parser) peek() (Pos, Token) {
	s := p.sc
	s.err = nil
	for {
		pos, tok, _ := s.Scan()
		if tok != ILLEGAL {
			return pos, tok
		}
	}
}

// ---- errors -----------------------------------------------------------------

// error records an error. A second error on the line of the previous one is
// dropped: it is nearly always a consequence of the first.
//
// Past maxErrors errors, the parse goes on only to count the others.
func (p *parser) error(pos Pos, msg string) {
	if len(p.errs) > 0 && p.errLine == pos.Line {
		return
	}
	p.errLine = pos.Line
	if len(p.errs) >= maxErrors {
		p.more++
		return
	}
	p.errs.Add(p.file, pos, "%s", msg)
}

// fail records an error and abandons the current statement or declaration.
func (p *parser) fail(pos Pos, format string, args ...any) {
	p.error(pos, fmt.Sprintf(format, args...))
	panic(syncError{})
}

// errorExpected fails at the current token, saying what was wanted there.
func (p *parser) errorExpected(what string) {
	p.fail(p.pos, "expected %s, found %s", what, describe(p.tok, p.lit))
}

// errorExpectedExpr fails where an operand is missing. When the line ended
// right after an operator, '=' or ',', the caret goes to the end of that
// line rather than to whatever starts the next one.
func (p *parser) errorExpectedExpr() {
	if p.prevTok != SEMI && p.prevEnd.IsValid() && p.pos.Line > p.prevEnd.Line {
		p.fail(p.prevEnd, "expected expression after %s, found end of line", describe(p.prevTok, p.prevLit))
	}
	p.errorExpected("expression")
}

// describe names a token for an error message.
func describe(tok Token, lit string) string {
	switch tok {
	case EOF:
		return "end of file"
	case SEMI:
		switch lit {
		case ";":
			return "';'"
		case "":
			return "end of file"
		}
		return "end of statement"
	case IDENT:
		return "identifier " + lit
	case INT:
		return "integer " + lit
	case STRING:
		if len(lit) > 20 {
			lit = lit[:20] + "..."
		}
		return "string " + strconv.Quote(lit)
	}
	return "'" + tok.String() + "'"
}

// expect consumes a token of kind tok, or fails with "expected 'tok'
// context"; context says where, as in "after if condition".
func (p *parser) expect(tok Token, context string) Pos {
	pos := p.pos
	if p.tok != tok {
		p.errorExpected("'" + tok.String() + "' " + context)
	}
	p.next()
	return pos
}

// expectEnd checks that a statement or declaration ends here: at a SEMI
// (consumed), or before a '}', a 'case' or the end of the file (left in
// place). Before a 'case' so that a select fits on one line, `select {
// case v = recv c: n = v case timeout: n = 0 }`, as a block does before
// its '}'; a 'case' outside a select is reported where it stands.
func (p *parser) expectEnd(what string) {
	switch p.tok {
	case SEMI:
		p.next()
	case RBRACE, EOF, CASE:
	default:
		p.errorExpected("end of " + what)
	}
}

// sync skips tokens after an error, up to a point where parsing can
// resume: just past a SEMI at the nesting level where the error happened,
// before a '}' that closes the enclosing block, or before a declaration
// keyword at the start of a line. At top level (top) a '}' that closes
// nothing is skipped.
func (p *parser) sync(top bool) {
	depth := 0
	for {
		switch p.tok {
		case EOF:
			return
		case SEMI:
			if depth == 0 {
				p.next()
				return
			}
		case LBRACE:
			depth++
		case RBRACE:
			if depth > 0 {
				depth--
			} else if !top {
				return
			}
		default:
			if p.atDeclStart() {
				return
			}
		}
		p.next()
	}
}

// atDeclStart reports whether the current token looks like the start of a
// top-level declaration: a declaration keyword in the first column. The
// column matters because a declaration keyword inside a procedure is
// usually a misplaced declaration, while one at the start of a line is
// usually the next declaration after a missing '}'.
func (p *parser) atDeclStart() bool {
	return isDeclKeyword(p.tok) && p.pos.Col == 1
}

func isDeclKeyword(tok Token) bool {
	switch tok {
	case CONST, VAR, MUTEX, SEM, CHAN, EVENT, COND, ALWAYS, PLACE, OBSERVE, PROC:
		return true
	}
	return false
}

// enter and leave track nesting; enter gives up past maxNest.
func (p *parser) enter() {
	p.nest++
	if p.nest > maxNest {
		p.error(p.pos, "program nested too deeply")
		panic(bailout{})
	}
}

func (p *parser) leave() { p.nest-- }

// ---- declarations -------------------------------------------------------------

func (p *parser) parseFile(f *File) {
	for p.tok != EOF {
		if p.tok == SEMI {
			p.next()
			continue
		}
		if d := p.parseDeclSafe(); d != nil {
			f.Decls = append(f.Decls, d)
		}
	}
}

// parseDeclSafe parses one declaration and its end; after an error it
// skips to the next declaration and returns nil.
func (p *parser) parseDeclSafe() (d Decl) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(syncError); !ok {
				panic(r)
			}
			d = nil
			p.sync(true)
		}
	}()
	d = p.parseDecl()
	p.expectEnd("declaration")
	return d
}

func (p *parser) parseDecl() Decl {
	at := p.pos
	switch p.tok {
	case CONST:
		p.next()
		d := &ConstDecl{At: at, Name: p.parseIdent("constant name after const")}
		p.expect(ASSIGN, "after const "+d.Name.Name)
		d.Value = p.parseExpr()
		return d
	case VAR:
		p.next()
		d := &VarDecl{At: at, Name: p.parseIdent("variable name after var")}
		if p.tok == LBRACK {
			d.Size = p.parseSize()
		}
		if p.tok == ASSIGN {
			p.next()
			d.Init = p.parseExpr()
		}
		return d
	case MUTEX, SEM, CHAN, EVENT, COND:
		kind := objKinds[p.tok]
		p.next()
		d := &ObjDecl{At: at, Kind: kind, Name: p.parseIdent("name after " + kind.String())}
		if p.tok == LBRACK {
			d.Size = p.parseSize()
		}
		if p.tok == LPAREN && (kind == ObjSem || kind == ObjChan) {
			what := "initial value"
			if kind == ObjChan {
				what = "capacity"
			}
			p.next()
			d.Arg = p.parseExpr()
			p.expect(RPAREN, "after "+what+" of "+d.Name.Name)
		}
		return d
	case ALWAYS:
		p.next()
		return &AlwaysDecl{At: at, Cond: p.parseExpr()}
	case PLACE:
		p.next()
		d := &PlaceDecl{At: at, Proc: p.parseIdent("procedure name after place")}
		if p.tok != IDENT || p.lit != "on" {
			p.errorExpected("'on' after place " + d.Proc.Name)
		}
		p.next()
		d.Node = p.parseIdent("node name after on")
		return d
	case OBSERVE:
		p.next()
		d := &ObserveDecl{At: at}
		for {
			d.Names = append(d.Names, p.parseIdent("variable name after observe"))
			if p.tok != COMMA {
				return d
			}
			p.next()
		}
	case PROC:
		return p.parseProc()
	}
	if p.tok == IDENT && p.lit == "daemon" {
		// `daemon` is a word only in front of proc, so that programs may
		// still name variables daemon.
		p.next()
		if p.tok != PROC {
			p.errorExpected("proc after daemon")
		}
		d := p.parseProc()
		d.At, d.Daemon = at, true
		return d
	}
	if p.tok == IDENT && p.lit == "eventually" {
		// Like daemon, eventually and leadsto are words only where a
		// declaration starts, so older programs may use them as names.
		p.next()
		return &EventuallyDecl{At: at, Cond: p.parseExpr()}
	}
	if startsExpr(p.tok) {
		// `p leadsto q`, or a statement outside any procedure.
		tok, lit := p.tok, p.lit
		x := p.parseExpr()
		if p.tok == IDENT && p.lit == "leadsto" {
			p.next()
			return &LeadsToDecl{At: at, P: x, Q: p.parseExpr()}
		}
		if kw := caseKeyword(lit); tok == IDENT && kw != "" {
			p.fail(at, "expected declaration, found identifier %s: did you mean %s? keywords are lower case", lit, kw)
		}
		if tok == IDENT || startsStmt(tok) {
			p.fail(at, "expected declaration, found %s (statements belong inside a proc)", describe(tok, lit))
		}
		p.fail(at, "expected declaration, found an expression (a property reads `COND leadsto COND`)")
	}
	if p.tok == IDENT || startsStmt(p.tok) {
		p.fail(p.pos, "expected declaration, found %s (statements belong inside a proc)", describe(p.tok, p.lit))
	}
	p.errorExpected("declaration")
	return nil
}

var objKinds = map[Token]ObjKind{MUTEX: ObjMutex, SEM: ObjSem, CHAN: ObjChan, EVENT: ObjEvent, COND: ObjCond}

// parseSize parses the `[N]` of an array declaration.
func (p *parser) parseSize() Expr {
	p.next() // '['
	x := p.parseExpr()
	p.expect(RBRACK, "after array size")
	return x
}

func (p *parser) parseProc() *ProcDecl {
	d := &ProcDecl{At: p.pos}
	p.next()
	d.Name = p.parseIdent("procedure name after proc")
	p.expect(LPAREN, "after proc "+d.Name.Name)
	for p.tok != RPAREN {
		if len(d.Params) == 0 {
			d.Params = append(d.Params, p.parseIdent("parameter name or ')'"))
		} else {
			d.Params = append(d.Params, p.parseIdent("parameter name"))
		}
		if p.tok == COMMA {
			p.next()
			continue
		}
		if p.tok != RPAREN {
			p.errorExpected("',' or ')' in parameter list")
		}
	}
	p.next() // ')'
	head := "proc " + d.Name.Name + "("
	for k, prm := range d.Params {
		if k > 0 {
			head += ", "
		}
		head += prm.Name
	}
	d.Body = p.parseBody("to start the body of proc "+d.Name.Name, head+")")
	return d
}

func (p *parser) parseIdent(what string) *Ident {
	if p.tok != IDENT {
		msg := fmt.Sprintf("expected %s, found %s", what, describe(p.tok, p.lit))
		if p.tok.IsKeyword() {
			msg += " (a reserved word)"
		}
		p.fail(p.pos, "%s", msg)
	}
	id := &Ident{At: p.pos, Name: p.lit}
	p.next()
	return id
}

// ---- statements -----------------------------------------------------------------

// parseBody parses the block after a statement header or a proc; context
// completes "expected '{' ...", and head names the header for a '{' put
// on the next line ("the { must be on the same line as proc main()").
//
// A missing '{' gets one error and a guess at what was meant, so that one
// slip does not turn into a cascade: if the '{' is on the next line, it is
// taken from there; if the line just ends, the lines that follow up to the
// next '}' are taken as the body.
func (p *parser) parseBody(context, head string) *Block {
	if p.tok == LBRACE {
		return p.parseBlock()
	}
	msg := fmt.Sprintf("expected '{' %s, found %s", context, describe(p.tok, p.lit))
	if p.tok != SEMI {
		p.error(p.pos, msg)
		panic(syncError{})
	}
	if _, tok := p.peek(); tok == LBRACE {
		if p.lit == "\n" {
			msg += " (the { must be on the same line as " + head + ")"
		}
		p.error(p.pos, msg)
		p.next()
		return p.parseBlock()
	}
	p.error(p.pos, msg)
	lbrace := p.pos
	p.next()
	return p.parseBlockBody(lbrace)
}

// parseBlock parses `{ stmts }`; the current token is '{'.
func (p *parser) parseBlock() *Block {
	lbrace := p.pos
	p.next()
	return p.parseBlockBody(lbrace)
}

// parseBlockBody parses the statements of a block and its closing '}'.
func (p *parser) parseBlockBody(lbrace Pos) *Block {
	p.enter()
	defer p.leave()
	b := &Block{Lbrace: lbrace}
	for p.tok != RBRACE && p.tok != EOF && !p.atDeclStart() {
		if p.tok == SEMI {
			p.next() // an empty statement
			continue
		}
		if s := p.parseStmtSafe(); s != nil {
			b.Stmts = append(b.Stmts, s)
		}
	}
	if p.tok != RBRACE {
		p.fail(p.pos, "expected '}' to close the block opened at %s, found %s", lbrace, describe(p.tok, p.lit))
	}
	b.Rbrace = p.pos
	p.next()
	return b
}

// parseStmtSafe parses one statement and its end; after an error it skips
// to the next statement and returns nil.
func (p *parser) parseStmtSafe() (s Stmt) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(syncError); !ok {
				panic(r)
			}
			s = nil
			p.sync(false)
		}
	}()
	s = p.parseStmt()
	p.expectEnd("statement")
	return s
}

const (
	elseMsg = "unexpected 'else': an else must follow the closing } of an if on the same line"
	orMsg   = "unexpected 'or': an or must follow the closing } of an either branch on the same line"
)

func (p *parser) parseStmt() Stmt {
	at := p.pos
	p.stmtAfterNL = ILLEGAL
	if p.prevTok == SEMI && p.prevLit == "\n" {
		p.stmtAfterNL = p.nlAfter
	}
	switch p.tok {
	case LBRACE:
		return p.parseBlock()
	case LET:
		p.next()
		s := &LetStmt{At: at, Name: p.parseIdent("name after let")}
		if p.tok == LBRACK {
			s.Size = p.parseSize()
			if p.tok != ASSIGN {
				return s
			}
		}
		p.expect(ASSIGN, "after let "+s.Name.Name)
		s.Value = p.parseExpr()
		return s
	case IF:
		return p.parseIf()
	case WHILE:
		p.next()
		s := &WhileStmt{At: at, Cond: p.parseExpr()}
		s.Body = p.parseBody("after while condition", "the while condition")
		return s
	case FOR:
		p.next()
		s := &ForStmt{At: at, Var: p.parseIdent("loop variable after for")}
		p.expect(IN, "after for "+s.Var.Name)
		s.Lo = p.parseExpr()
		p.expect(RANGE, "in for range")
		s.Hi = p.parseExpr()
		s.Body = p.parseBody("after for range", "the for range")
		return s
	case ASSERT:
		p.next()
		s := &AssertStmt{At: at, Cond: p.parseExpr()}
		if p.tok == COMMA {
			p.next()
			if p.tok != STRING {
				p.errorExpected("message string after ',' in assert")
			}
			s.Msg = &StringLit{At: p.pos, Value: p.lit}
			p.next()
		}
		return s
	case PRINT:
		p.next()
		if p.tok == LPAREN {
			p.checkPrintParens()
		}
		s := &PrintStmt{At: at}
		for {
			s.Args = append(s.Args, p.parseExpr())
			if p.tok != COMMA {
				return s
			}
			p.next()
		}
	case ATOMIC:
		p.next()
		return &AtomicStmt{At: at, Body: p.parseBody("after atomic", "atomic")}
	case AWAIT:
		p.next()
		return &AwaitStmt{At: at, Cond: p.parseExpr()}
	case YIELD:
		p.next()
		return &YieldStmt{At: at}
	case LOCK, UNLOCK, ACQUIRE, RELEASE, NOTIFY, WAIT, SIGNAL, BROADCAST:
		return p.parseSync()
	case SEND:
		p.next()
		s := &SendStmt{At: at, Chan: p.parseTarget("channel name", "send")}
		p.expect(COMMA, "between channel and value in send")
		s.Value = p.parseExpr()
		return s
	case RETURN:
		p.next()
		s := &ReturnStmt{At: at}
		if p.tok != SEMI && p.tok != RBRACE && p.tok != EOF && p.tok != CASE {
			s.Value = p.parseExpr()
		}
		return s
	case EITHER:
		return p.parseEither()
	case SELECT:
		return p.parseSelect()
	case CASE:
		p.fail(at, caseMsg)
	case ELSE:
		p.fail(at, elseMsg)
	case OR:
		p.fail(at, orMsg)
	case VAR:
		p.fail(at, "unexpected 'var' inside a procedure: use let for a local variable, or declare it at top level")
	case CONST, MUTEX, SEM, CHAN, EVENT, COND, ALWAYS, OBSERVE, PROC:
		p.fail(at, "unexpected '%s' inside a procedure: declarations belong at top level", p.tok)
	}
	if startsExpr(p.tok) {
		return p.parseSimpleStmt()
	}
	if precedence(p.tok) > 0 && endsOperand(p.stmtAfterNL) {
		p.fail(p.pos, "expected statement, found %s (%s: to continue one, end the line with the operator)", describe(p.tok, p.lit), lineEndMsg)
	}
	p.errorExpected("statement")
	return nil
}

// lineEndMsg explains why a line break ended a statement.
const lineEndMsg = "a statement ends at the end of its line"

// endsOperand reports whether tok can end an operand, so that a line that
// ended with it could have gone on with an operator.
func endsOperand(tok Token) bool {
	switch tok {
	case IDENT, INT, STRING, TRUE, FALSE, RPAREN, RBRACK:
		return true
	}
	return false
}

// checkPrintParens fails at the '(' after print when what it encloses is
// an argument list (a string, or a comma), as in print("one"): print
// takes no parentheses. print(x + 1) is an expression in parentheses,
// which is fine.
func (p *parser) checkPrintParens() {
	s := p.sc
	s.err = nil
	from := s.off // just past the '('
	depth, list := 0, false
	for {
		_, tok, _ := s.Scan()
		switch tok {
		case LPAREN, LBRACK:
			depth++
		case RBRACK:
			depth--
		case RPAREN:
			if depth > 0 {
				depth--
				continue
			}
			if !list {
				return
			}
			args := bytes.TrimSpace(s.src[from : s.off-1])
			if len(args) == 0 || len(args) > 40 || bytes.ContainsAny(args, "\n\r") || !utf8.Valid(args) {
				p.fail(p.pos, "print takes no parentheses: write its arguments after it, separated by commas")
			}
			p.fail(p.pos, "print takes no parentheses: print %s", args)
		case STRING:
			list = list || depth == 0 // print(("a")) is not an argument list
		case COMMA:
			list = list || depth == 0
		case SEMI, EOF, LBRACE, RBRACE:
			return
		}
	}
}

var syncOps = map[Token]SyncOp{
	LOCK: SyncLock, UNLOCK: SyncUnlock, ACQUIRE: SyncAcquire,
	RELEASE: SyncRelease, NOTIFY: SyncNotify, WAIT: SyncWait,
	SIGNAL: SyncSignal, BROADCAST: SyncBroadcast,
}

// syncNouns names what each synchronisation statement works on.
var syncNouns = [...]string{
	SyncLock: "mutex name", SyncUnlock: "mutex name",
	SyncAcquire: "semaphore name", SyncRelease: "semaphore name",
	SyncNotify: "event name", SyncWait: "event or cond name",
	SyncSignal: "cond name", SyncBroadcast: "cond name",
}

// parseSync parses a synchronisation statement. Two of them take a second
// operand after a comma: `release s, n` (a count) and `wait c, m` (the
// mutex of a condition wait).
func (p *parser) parseSync() *SyncStmt {
	s := &SyncStmt{At: p.pos, Op: syncOps[p.tok]}
	p.next()
	s.Target = p.parseTarget(syncNouns[s.Op], s.Op.String())
	if p.tok != COMMA {
		return s
	}
	switch s.Op {
	case SyncRelease:
		p.next()
		s.Arg = p.parseExpr()
	case SyncWait:
		p.next()
		s.Arg = p.parseTarget("mutex name", "',' in wait")
	}
	return s
}

// startsStmt reports whether tok can only start a statement (not a
// declaration), for a better message at top level.
func startsStmt(tok Token) bool {
	switch tok {
	case LET, IF, WHILE, FOR, ASSERT, PRINT, ATOMIC, AWAIT, YIELD, LOCK, UNLOCK,
		ACQUIRE, RELEASE, NOTIFY, WAIT, SIGNAL, BROADCAST, SEND, RETURN, EITHER, SELECT, SPAWN, JOIN, RECV:
		return true
	}
	return false
}

func (p *parser) parseIf() *IfStmt {
	// else-if chains recurse, so they count as nesting.
	p.enter()
	defer p.leave()
	s := &IfStmt{At: p.pos}
	p.next()
	s.Cond = p.parseExpr()
	s.Then = p.parseBody("after if condition", "the if condition")
	if p.tok == SEMI {
		// An else on the next line: say so, then read it as meant.
		if pos, tok := p.peek(); tok == ELSE {
			p.error(pos, elseMsg)
			p.next()
		}
	}
	if p.tok != ELSE {
		return s
	}
	p.next()
	switch p.tok {
	case IF:
		s.Else = p.parseIf()
	case LBRACE:
		s.Else = p.parseBlock()
	default:
		p.errorExpected("'if' or '{' after else")
	}
	return s
}

func (p *parser) parseEither() *EitherStmt {
	s := &EitherStmt{At: p.pos}
	p.next()
	s.Branches = append(s.Branches, p.parseBody("after either", "either"))
	for {
		if p.tok == SEMI {
			// An or on the next line: say so, then read it as meant.
			if pos, tok := p.peek(); tok == OR {
				p.error(pos, orMsg)
				p.next()
			}
		}
		if p.tok != OR {
			break
		}
		p.next()
		s.Branches = append(s.Branches, p.parseBody("after or", "or"))
	}
	if len(s.Branches) < 2 {
		p.errorExpected("'or' after either block")
	}
	return s
}

// parseSimpleStmt parses a statement that starts with an expression: an
// assignment, an increment or decrement, or a call, spawn, join or recv
// whose result is dropped.
func (p *parser) parseSimpleStmt() Stmt {
	x := p.parseExpr()
	switch p.tok {
	case ASSIGN, ADD_ASSIGN, SUB_ASSIGN:
		p.checkTarget(x)
		s := &AssignStmt{Target: x, Op: p.tok, OpPos: p.pos}
		p.next()
		s.Value = p.parseExpr()
		return s
	case INC, DEC:
		p.checkTarget(x)
		s := &IncDecStmt{Target: x, Op: p.tok, OpPos: p.pos}
		p.next()
		return s
	}
	switch x := x.(type) {
	case *CallExpr, *SpawnExpr, *JoinExpr, *RecvExpr:
		return &ExprStmt{X: x}
	case *Ident:
		switch x.Name {
		case "break":
			p.fail(x.At, "deck has no break: end the loop through its condition")
		case "continue":
			p.fail(x.At, "deck has no continue: put the rest of the loop body inside an if")
		}
		if kw := caseKeyword(x.Name); kw != "" {
			p.fail(x.At, "unknown statement %s: did you mean %s? keywords are lower case", x.Name, kw)
		}
		if kw := nearKeyword(x.Name); kw != "" && (p.tok == IDENT || startsExpr(p.tok)) {
			// `spwan worker(2)`: a misspelt keyword, not a missing '='.
			p.fail(x.At, "unknown statement %s: did you mean %s?", x.Name, kw)
			return nil
		}
		p.errorExpected("'=', '+=', '-=', '++' or '--' after " + x.Name)
	case *IndexExpr:
		p.errorExpected("'=', '+=', '-=', '++' or '--' after " + x.X.Name + "[...]")
	}
	msg := fmt.Sprintf("%s is not a statement: only a call, spawn, join or recv can stand alone", exprKind(x))
	switch {
	case p.stmtAfterNL == RETURN:
		msg += " (" + lineEndMsg + ": a return's value must be on the line of the return)"
	case endsOperand(p.stmtAfterNL) && startsWithMinus(x):
		// `x = 1` then `- 2` on the next line: a subtraction meant.
		msg += " (" + lineEndMsg + ": to continue the line before, end it with the operator)"
	}
	p.fail(x.Pos(), "%s", msg)
	return nil
}

// startsWithMinus reports whether x begins with a unary minus.
func startsWithMinus(x Expr) bool {
	for {
		switch e := x.(type) {
		case *BinaryExpr:
			x = e.X
		case *UnaryExpr:
			return e.Op == SUB
		default:
			return false
		}
	}
}

// checkTarget fails unless x can be assigned to.
func (p *parser) checkTarget(x Expr) {
	switch x.(type) {
	case *Ident, *IndexExpr:
		return
	}
	p.fail(x.Pos(), "cannot assign to %s: the left side must be a name or name[index]", exprKind(x))
}

// exprKind names the kind of an expression for an error message.
func exprKind(x Expr) string {
	switch x := x.(type) {
	case *IntLit:
		return "an integer"
	case *BoolLit:
		return "a boolean"
	case *StringLit:
		return "a string"
	case *ParenExpr:
		return "a parenthesized expression"
	case *CallExpr:
		return "a call of " + x.Fun.Name
	case *SpawnExpr:
		return "spawn"
	case *JoinExpr:
		return "join"
	case *RecvExpr:
		return "recv"
	case *ChooseExpr:
		return "choose"
	case *Ident:
		return x.Name
	}
	return "an expression"
}

// parseTarget parses the operand of a synchronisation statement, send or
// recv: NAME or NAME[index]. what names the operand and kw the keyword, for
// "expected mutex name after lock".
func (p *parser) parseTarget(what, kw string) Expr {
	id := p.parseIdent(what + " after " + kw)
	if p.tok != LBRACK {
		return id
	}
	return p.parseIndex(id)
}

// ---- expressions ------------------------------------------------------------------

// precedence returns the binding power of a binary operator, or 0.
func precedence(tok Token) int {
	switch tok {
	case LOR:
		return 1
	case LAND:
		return 2
	case EQL, NEQ, LSS, LEQ, GTR, GEQ:
		return 3
	case ADD, SUB:
		return 4
	case MUL, QUO, REM:
		return 5
	}
	return 0
}

// startsExpr reports whether tok can start an expression.
func startsExpr(tok Token) bool {
	switch tok {
	case IDENT, INT, STRING, TRUE, FALSE, LPAREN, SUB, NOT, SPAWN, JOIN, RECV, CHOOSE:
		return true
	}
	return false
}

func (p *parser) parseExpr() Expr { return p.parseBinary(1) }

// parseBinary parses a sequence of binary operators of precedence minPrec
// or higher, grouping to the left.
func (p *parser) parseBinary(minPrec int) Expr {
	x := p.parseUnary()
	for {
		prec := precedence(p.tok)
		if prec < minPrec || prec == 0 {
			return x
		}
		op, opPos := p.tok, p.pos
		p.next()
		y := p.parseBinary(prec + 1)
		x = &BinaryExpr{X: x, Op: op, OpPos: opPos, Y: y}
	}
}

// parseUnary parses unary operators and the effectful forms, which bind
// like unary operators: `join h + 1` is `(join h) + 1`.
func (p *parser) parseUnary() Expr {
	p.enter()
	defer p.leave()
	at := p.pos
	switch p.tok {
	case SUB, NOT:
		op := p.tok
		p.next()
		if op == SUB && p.tok == INT && p.lit == minIntDigits {
			// -9223372036854775808, the least int: its digits alone are
			// one more than the greatest.
			p.next()
			return &IntLit{At: at, Value: math.MinInt64}
		}
		return &UnaryExpr{At: at, Op: op, X: p.parseUnary()}
	case SPAWN:
		p.next()
		if p.tok != IDENT {
			p.errorExpected("procedure call after spawn")
		}
		fun := &Ident{At: p.pos, Name: p.lit}
		p.next()
		if p.tok != LPAREN {
			p.errorExpected("'(' after spawn " + fun.Name)
		}
		return &SpawnExpr{At: at, Call: p.parseCall(fun)}
	case JOIN:
		p.next()
		return &JoinExpr{At: at, X: p.parseUnary()}
	case RECV:
		p.next()
		return &RecvExpr{At: at, Chan: p.parseTarget("channel name", "recv")}
	case CHOOSE:
		// The bounds stop below comparisons, so `choose 0..N+1 == k`
		// compares the choice with k.
		p.next()
		x := &ChooseExpr{At: at, Lo: p.parseBinary(precedence(ADD))}
		p.expect(RANGE, "in choose range")
		x.Hi = p.parseBinary(precedence(ADD))
		return x
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() Expr {
	at := p.pos
	switch p.tok {
	case INT:
		v, err := strconv.ParseInt(p.lit, 10, 64)
		if err != nil {
			if p.lit == minIntDigits {
				p.error(at, "integer literal too large (without a minus before it: -9223372036854775808 is the least int)")
			}
			v = 0 // the scanner has reported the bad literal
		}
		p.next()
		return &IntLit{At: at, Value: v}
	case TRUE, FALSE:
		x := &BoolLit{At: at, Value: p.tok == TRUE}
		p.next()
		return x
	case STRING:
		x := &StringLit{At: at, Value: p.lit}
		p.next()
		return x
	case IDENT:
		id := &Ident{At: at, Name: p.lit}
		p.next()
		switch p.tok {
		case LBRACK:
			return p.parseIndex(id)
		case LPAREN:
			return p.parseCall(id)
		}
		return id
	case LPAREN:
		p.next()
		x := p.parseExpr()
		p.expect(RPAREN, "to match '(' at "+at.String())
		return &ParenExpr{Lparen: at, X: x}
	}
	p.errorExpectedExpr()
	return nil
}

// parseIndex parses `[index]` after id; the current token is '['.
func (p *parser) parseIndex(id *Ident) *IndexExpr {
	x := &IndexExpr{X: id, Lbrack: p.pos}
	p.next()
	x.Index = p.parseExpr()
	p.expect(RBRACK, "after index of "+id.Name)
	return x
}

// parseCall parses `(args)` after fun; the current token is '('. A
// trailing comma is allowed, so long argument lists can be split over
// lines.
func (p *parser) parseCall(fun *Ident) *CallExpr {
	x := &CallExpr{Fun: fun, Lparen: p.pos}
	p.next()
	for p.tok != RPAREN {
		x.Args = append(x.Args, p.parseExpr())
		if p.tok == COMMA {
			p.next()
			continue
		}
		if p.tok != RPAREN {
			p.errorExpected("',' or ')' in arguments of " + fun.Name)
		}
	}
	p.next()
	return x
}

// caseKeyword returns the keyword that name differs from only in case
// ("Proc": "proc"), or "".
func caseKeyword(name string) string {
	low := strings.ToLower(name)
	if low == name {
		return ""
	}
	switch low {
	case "daemon", "eventually", "leadsto":
		return low
	}
	if Lookup(low).IsKeyword() {
		return low
	}
	return ""
}

// nearKeyword returns the statement keyword that name is one typo away
// from (one letter changed, added, dropped, or two neighbours swapped),
// or "".
func nearKeyword(name string) string {
	for _, kw := range []string{"let", "if", "while", "for", "assert", "print", "atomic", "await",
		"yield", "lock", "unlock", "acquire", "release", "send", "recv", "notify", "wait",
		"spawn", "join", "return", "choose", "either", "signal", "broadcast", "select"} {
		if oneTypo(name, kw) {
			return kw
		}
	}
	return ""
}

// oneTypo reports whether a and b differ by exactly one edit (a change,
// an insertion, a deletion, or a swap of two adjacent letters).
func oneTypo(a, b string) bool {
	if a == b || len(b) < 3 {
		return false
	}
	la, lb := len(a), len(b)
	switch {
	case la == lb:
		diff := -1
		for i := 0; i < la; i++ {
			if a[i] != b[i] {
				if diff >= 0 {
					// Two differences: only a swap of neighbours counts.
					return i == diff+1 && a[diff] == b[i] && a[i] == b[diff] && a[i+1:] == b[i+1:]
				}
				diff = i
			}
		}
		return true
	case la == lb+1:
		a, b = b, a
		fallthrough
	case la+1 == lb:
		// b is a with one letter more.
		for i := 0; i < len(a); i++ {
			if a[i] != b[i] {
				return a[i:] == b[i+1:]
			}
		}
		return true
	}
	return false
}
