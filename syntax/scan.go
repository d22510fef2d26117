package syntax

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An ErrorHandler receives each lexical error the Scanner finds. The
// scanner keeps going after calling it, so one pass reports every bad
// character, string and number in a file.
type ErrorHandler func(pos Pos, msg string)

// A Scanner turns deck source into tokens. Use it like go/scanner:
//
//	var s Scanner
//	s.Init(src, handler)
//	for {
//		pos, tok, lit := s.Scan()
//		if tok == EOF {
//			break
//		}
//		...
//	}
//
// Like Go, the scanner ends statements by itself: a newline becomes a SEMI
// token when the last token on its line could end a statement (see Scan).
// The zero Scanner is not ready for use; call Init first.
type Scanner struct {
	src []byte
	err ErrorHandler

	ch      rune  // current character, or eof
	bad     bool  // ch came from a byte that is not valid UTF-8
	off     int   // byte offset of ch
	rdOff   int   // byte offset just after ch
	line    int32 // line of ch, from 1
	lineOff int   // byte offset where ch's line starts

	// insertSemi is set after a token that may end a statement: the next
	// newline (or the end of the input) then produces a SEMI.
	insertSemi bool

	// ErrorCount counts the errors found so far.
	ErrorCount int
}

const (
	eof = -1     // ch at the end of the input
	bom = 0xFEFF // byte order mark, allowed (and skipped) at the very start
)

// Init prepares s to scan src, reporting errors to err (which may be nil).
func (s *Scanner) Init(src []byte, err ErrorHandler) {
	*s = Scanner{src: src, err: err, line: 1}
	s.next()
	if s.ch == bom {
		s.next()
	}
}

// next reads the next character into s.ch.
func (s *Scanner) next() {
	if s.ch == '\n' {
		s.line++
		s.lineOff = s.rdOff
	}
	s.off = s.rdOff
	s.bad = false
	if s.rdOff >= len(s.src) {
		s.ch = eof
		return
	}
	r, w := rune(s.src[s.rdOff]), 1
	if r >= utf8.RuneSelf {
		r, w = utf8.DecodeRune(s.src[s.rdOff:])
		// Reported by whoever consumes the character, so that the error
		// comes in source order with the others.
		s.bad = r == utf8.RuneError && w == 1
	}
	s.rdOff += w
	s.ch = r
}

// peekByte returns the byte after ch without consuming anything, or 0.
func (s *Scanner) peekByte() byte {
	if s.rdOff < len(s.src) {
		return s.src[s.rdOff]
	}
	return 0
}

// pos returns the position of ch. Right after Scan it is the position just
// past the token that was returned (except after a newline SEMI).
func (s *Scanner) pos() Pos {
	return Pos{Line: s.line, Col: int32(s.off - s.lineOff + 1)}
}

func (s *Scanner) error(pos Pos, msg string) {
	s.ErrorCount++
	if s.err != nil {
		s.err(pos, msg)
	}
}

// Scan returns the next token, its position and its literal text.
//
// lit is the identifier or keyword for IDENT and keywords, the digits for
// INT, and the decoded value (escapes resolved, quotes removed) for STRING.
// For SEMI it is ";" for an explicit semicolon, "\n" for a newline and ""
// for the end of the input; for other tokens it is "".
//
// A newline becomes a SEMI when the line's last token is an identifier, a
// literal, true, false, return, yield, ')', ']', '}', '++' or '--'. The end
// of the input does the same, so the last line needs no newline.
//
// A character that starts no token is reported and returned as ILLEGAL; it
// does not change where statements end.
func (s *Scanner) Scan() (pos Pos, tok Token, lit string) {
scanAgain:
	for s.ch == ' ' || s.ch == '\t' || s.ch == '\r' || s.ch == '\n' && !s.insertSemi {
		s.next()
	}
	pos = s.pos()

	insertSemi := false
	switch ch := s.ch; {
	case isLetter(ch):
		lit = s.scanIdent()
		tok = Lookup(lit)
		switch tok {
		case IDENT, TRUE, FALSE, RETURN, YIELD:
			insertSemi = true
		}
	case isDigit(ch):
		insertSemi = true
		tok, lit = INT, s.scanNumber()
	default:
		bad := s.bad
		s.next()
		switch ch {
		case eof:
			if s.insertSemi {
				s.insertSemi = false
				return pos, SEMI, ""
			}
			tok = EOF
		case '\n':
			// Only reached when insertSemi is set: otherwise the loop
			// above skipped the newline as white space.
			s.insertSemi = false
			return pos, SEMI, "\n"
		case '"':
			insertSemi = true
			tok, lit = STRING, s.scanString(pos)
		case '/':
			if s.ch == '/' {
				// Leave the newline in place: it still ends the statement.
				s.skipComment()
				goto scanAgain
			}
			tok = QUO
		case '+':
			tok = s.choose2('+', INC, '=', ADD_ASSIGN, ADD)
			insertSemi = tok == INC
		case '-':
			tok = s.choose2('-', DEC, '=', SUB_ASSIGN, SUB)
			insertSemi = tok == DEC
		case '*':
			tok = MUL
		case '%':
			tok = REM
		case '!':
			tok = s.choose2('=', NEQ, 0, 0, NOT)
		case '=':
			tok = s.choose2('=', EQL, 0, 0, ASSIGN)
		case '<':
			tok = s.choose2('=', LEQ, 0, 0, LSS)
		case '>':
			tok = s.choose2('=', GEQ, 0, 0, GTR)
		case '(':
			tok = LPAREN
		case ')':
			tok, insertSemi = RPAREN, true
		case '[':
			tok = LBRACK
		case ']':
			tok, insertSemi = RBRACK, true
		case '{':
			tok = LBRACE
		case '}':
			tok, insertSemi = RBRACE, true
		case ',':
			tok = COMMA
		case ':':
			tok = COLON
		case ';':
			tok, lit = SEMI, ";"
		case '&', '|', '.':
			// Only legal doubled: &&, ||, ..
			if s.ch == ch {
				s.next()
				tok = doubled(ch)
				break
			}
			fallthrough
		default:
			if bad {
				s.error(pos, "invalid UTF-8 encoding")
			} else {
				s.error(pos, fmt.Sprintf("unexpected character %q", ch))
			}
			insertSemi = s.insertSemi
			tok, lit = ILLEGAL, string(ch)
		}
	}
	s.insertSemi = insertSemi
	return pos, tok, lit
}

// choose2 finishes a one- or two-character operator: if the next character
// is c1 (or c2) it is consumed and t1 (or t2) returned, otherwise t0.
func (s *Scanner) choose2(c1 rune, t1 Token, c2 rune, t2 Token, t0 Token) Token {
	switch {
	case s.ch == c1:
		s.next()
		return t1
	case c2 != 0 && s.ch == c2:
		s.next()
		return t2
	}
	return t0
}

func (s *Scanner) skipComment() {
	for s.ch != '\n' && s.ch != eof {
		if s.bad {
			s.error(s.pos(), "invalid UTF-8 encoding")
		}
		s.next()
	}
}

func (s *Scanner) scanIdent() string {
	start := s.off
	for isLetter(s.ch) || isDigit(s.ch) || s.ch >= utf8.RuneSelf && unicode.IsDigit(s.ch) {
		s.next()
	}
	return string(s.src[start:s.off])
}

// scanNumber scans a decimal integer literal and checks that it fits in an
// int64, so that the parser can convert it without a second report.
func (s *Scanner) scanNumber() string {
	start, pos := s.off, s.pos()
	for isDigit(s.ch) {
		s.next()
	}
	switch {
	case s.ch == '.' && isDigit(rune(s.peekByte())):
		// "1.5": deck has no fractions. "0..3" is a range and is left
		// alone, since there the dot is followed by another dot.
		s.next()
		for isDigit(s.ch) {
			s.next()
		}
		s.error(pos, fmt.Sprintf("invalid number %s: deck has only integers", s.src[start:s.off]))
	case isLetter(s.ch) || s.ch >= utf8.RuneSelf && unicode.IsDigit(s.ch):
		// "3x" or "0x1f": one error for the whole word is clearer than
		// an integer followed by a surprising name.
		bad, ch := s.pos(), s.ch
		for isLetter(s.ch) || isDigit(s.ch) || s.ch >= utf8.RuneSelf && unicode.IsDigit(s.ch) {
			s.next()
		}
		s.error(bad, fmt.Sprintf("invalid character %q in integer literal", ch))
	default:
		lit := string(s.src[start:s.off])
		// 9223372036854775808 passes here: after a minus it is the least
		// int, and the parser reports it anywhere else (minInt).
		if _, err := strconv.ParseInt(lit, 10, 64); err != nil && lit != minIntDigits {
			s.error(pos, "integer literal too large")
		}
		return lit
	}
	return string(s.src[start:s.off])
}

// minIntDigits are the digits of the least int, -9223372036854775808: a
// literal only after a minus.
const minIntDigits = "9223372036854775808"

// unterminatedMsg reports a string without its closing quote on its line.
const unterminatedMsg = `string not terminated: a string must end with " on the same line`

// scanString scans the rest of a string literal whose opening quote, at
// start, has been consumed, and returns its decoded value.
func (s *Scanner) scanString(start Pos) string {
	var b strings.Builder
	for {
		switch s.ch {
		case '"':
			s.next()
			return b.String()
		case eof, '\n':
			// Leave the newline alone so that the statement still ends.
			s.error(start, unterminatedMsg)
			return b.String()
		case '\\':
			esc := s.pos()
			s.next()
			switch s.ch {
			case '"', '\\':
				b.WriteRune(s.ch)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case eof, '\n':
				continue // reported as an unterminated string
			default:
				if unicode.IsPrint(s.ch) && !s.bad {
					s.error(esc, fmt.Sprintf(`unknown escape '\%c' in string (use \", \\, \n or \t)`, s.ch))
				} else {
					s.error(esc, `unknown escape in string (use \", \\, \n or \t)`)
				}
				// Keep what was written, so the value stays recognisable.
				b.WriteByte('\\')
				b.WriteRune(s.ch)
			}
			s.next()
		default:
			if s.bad {
				s.error(s.pos(), "invalid UTF-8 encoding in string")
			} else if unprintable(s.ch) && (s.ch != '\r' || s.peekByte() != '\n') {
				// A raw control character would reach the terminal (an
				// escape sequence) and make a picture's SVG ill-formed.
				s.error(s.pos(), fmt.Sprintf(`control character U+%04X in string (write \n or \t for a newline or a tab)`, s.ch))
			}
			b.WriteRune(s.ch)
			s.next()
		}
	}
}

// unprintable reports whether ch may not stand in a string as itself: a
// control character other than a tab, or one of Unicode's two
// noncharacters XML refuses. (The carriage return of a CRLF line ending,
// which an unterminated string meets, scanString lets through.)
func unprintable(ch rune) bool {
	return unicode.IsControl(ch) && ch != '\t' || ch == 0xFFFE || ch == 0xFFFF
}

// doubled returns the operator spelled by ch twice.
func doubled(ch rune) Token {
	switch ch {
	case '&':
		return LAND
	case '|':
		return LOR
	}
	return RANGE
}

func isLetter(ch rune) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || ch == '_' ||
		ch >= utf8.RuneSelf && unicode.IsLetter(ch)
}

func isDigit(ch rune) bool { return '0' <= ch && ch <= '9' }
