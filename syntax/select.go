package syntax

import "strings"

// CaseKind says what a case of a select does.
type CaseKind uint8

const (
	CaseRecv    CaseKind = iota // `case recv c:` or `case v = recv c:`
	CaseSend                    // `case send c, v:`
	CaseTimeout                 // `case timeout:`
)

// SelectStmt is `select { case ...: stmts case ...: stmts }`: one card
// that waits until one of its cases can go on and takes one of those.
type SelectStmt struct {
	At     Pos
	Cases  []*SelectCase
	Rbrace Pos
}

// SelectCase is one case of a select. Chan is the channel (*Ident or
// *IndexExpr) of a recv or send; Dst the local a recv stores into (nil
// when the value is dropped); Value what a send sends. Body holds the
// statements up to the next case or the closing '}'.
type SelectCase struct {
	At    Pos // the 'case' keyword
	Kind  CaseKind
	Dst   *Ident
	Chan  Expr
	Value Expr
	Body  *Block
}

const caseMsg = "unexpected 'case': a case belongs inside select { ... }"

// parseSelect parses a select statement; the current token is 'select'.
// A case whose head does not parse is reported and skipped up to the next
// case, so that one slip gives one error.
func (p *parser) parseSelect() *SelectStmt {
	p.enter()
	defer p.leave()
	s := &SelectStmt{At: p.pos}
	p.next()
	if p.tok != LBRACE {
		p.errorExpected("'{' after select")
	}
	p.next()
	for {
		for p.tok == SEMI {
			p.next()
		}
		if p.tok == RBRACE || p.tok == EOF || p.atDeclStart() {
			break
		}
		if c := p.parseCaseSafe(); c != nil {
			s.Cases = append(s.Cases, c)
		}
	}
	if p.tok != RBRACE {
		p.fail(p.pos, "expected '}' to close the select opened at %s, found %s", s.At, describe(p.tok, p.lit))
	}
	s.Rbrace = p.pos
	p.next()
	return s
}

// parseCaseSafe parses one case; after an error in its head it skips to
// the next case (or the select's '}') and returns nil.
func (p *parser) parseCaseSafe() (c *SelectCase) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(syncError); !ok {
				panic(r)
			}
			c = nil
			p.skipToCase()
		}
	}()
	at := p.pos
	if p.tok != CASE {
		p.errorExpected("'case' in select")
	}
	p.next()
	c = &SelectCase{At: at}
	switch p.tok {
	case RECV:
		p.next()
		c.Kind = CaseRecv
		c.Chan = p.parseTarget("channel name", "recv")
	case SEND:
		p.next()
		c.Kind = CaseSend
		c.Chan = p.parseTarget("channel name", "send")
		p.expect(COMMA, "between channel and value in send")
		c.Value = p.parseExpr()
	case IDENT:
		if p.lit == "timeout" {
			p.next()
			c.Kind = CaseTimeout
			break
		}
		if _, tok := p.peek(); tok == ASSIGN {
			c.Dst = &Ident{At: p.pos, Name: p.lit}
			p.next()
			p.next()
			if p.tok != RECV {
				p.errorExpected("recv after '" + c.Dst.Name + " =' in a case")
			}
			p.next()
			c.Kind = CaseRecv
			c.Chan = p.parseTarget("channel name", "recv")
			break
		}
		fallthrough
	default:
		p.errorExpected("recv, send or timeout after case")
	}
	p.expect(COLON, "after the case")
	c.Body = &Block{Lbrace: p.pos}
	for p.tok != CASE && p.tok != RBRACE && p.tok != EOF && !p.atDeclStart() {
		if p.tok == SEMI {
			p.next()
			continue
		}
		if st := p.parseStmtSafe(); st != nil {
			c.Body.Stmts = append(c.Body.Stmts, st)
		}
	}
	c.Body.Rbrace = p.pos
	return c
}

// skipToCase skips tokens up to the next 'case' or the '}' that closes
// the select, at the nesting level where it started.
func (p *parser) skipToCase() {
	depth := 0
	for {
		switch p.tok {
		case EOF:
			return
		case CASE:
			if depth == 0 {
				return
			}
		case LBRACE:
			depth++
		case RBRACE:
			if depth == 0 {
				return
			}
			depth--
		}
		p.next()
	}
}

// dumpSelect renders (select (case (recv c) {..}) (case (= v (recv c)) {..})
// (case (send c 1) {..}) (case timeout {..})).
func dumpSelect(b *strings.Builder, s *SelectStmt) {
	b.WriteString("(select")
	for _, c := range s.Cases {
		b.WriteString(" (case ")
		switch c.Kind {
		case CaseRecv:
			if c.Dst != nil {
				b.WriteString("(= " + c.Dst.Name + " ")
			}
			b.WriteString("(recv ")
			dump(b, c.Chan)
			b.WriteString(")")
			if c.Dst != nil {
				b.WriteString(")")
			}
		case CaseSend:
			b.WriteString("(send ")
			dump(b, c.Chan)
			b.WriteString(" ")
			dump(b, c.Value)
			b.WriteString(")")
		case CaseTimeout:
			b.WriteString("timeout")
		}
		b.WriteString(" ")
		dump(b, c.Body)
		b.WriteString(")")
	}
	b.WriteString(")")
}
