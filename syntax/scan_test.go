package syntax

import (
	"fmt"
	"strings"
	"testing"
)

// scanAll scans src to the end and renders the tokens as one line:
// identifiers and integers as written, strings quoted, every SEMI as ";",
// the end as EOF and operators and keywords as spelled. It also returns the
// errors as "line:col: message".
func scanAll(src string) (toks string, errs []string) {
	var s Scanner
	s.Init([]byte(src), func(pos Pos, msg string) {
		errs = append(errs, pos.String()+": "+msg)
	})
	var out []string
	for i := 0; i < 10000; i++ { // a guard, in case the scanner stops advancing
		_, tok, lit := s.Scan()
		out = append(out, renderToken(tok, lit))
		if tok == EOF {
			break
		}
	}
	return strings.Join(out, " "), errs
}

func renderToken(tok Token, lit string) string {
	switch tok {
	case IDENT, INT:
		return lit
	case STRING:
		return fmt.Sprintf("%q", lit)
	case SEMI:
		return ";"
	case EOF:
		return "EOF"
	case ILLEGAL:
		return "ILLEGAL"
	}
	return tok.String()
}

func TestScan(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "EOF"},
		{"   \t\n\n", "EOF"},
		{"let x = 1", "let x = 1 ; EOF"},
		{"let x = 1\n", "let x = 1 ; EOF"},
		{"a\n\n\nb", "a ; b ; EOF"},
		{"a; b", "a ; b ; EOF"},
		{"a;\nb", "a ; b ; EOF"},
		{"a\r\nb\r\n", "a ; b ; EOF"},
		{"x_1 _y λx über2", "x_1 _y λx über2 ; EOF"},

		// ranges are not fractions
		{"0..3", "0 .. 3 ; EOF"},
		{"for i in 0..N+1 {", "for i in 0 .. N + 1 { EOF"},
		{"choose lo..hi", "choose lo .. hi ; EOF"},

		// every operator
		{"+ - * / % && || ! == != < <= > >= = += -= ++ -- ( ) [ ] { } , ; ..",
			"+ - * / % && || ! == != < <= > >= = += -= ++ -- ( ) [ ] { } , ; .. EOF"},
		{"a+=1", "a += 1 ; EOF"},
		{"a<=b>=c!=d==e", "a <= b >= c != d == e ; EOF"},
		{"!x", "! x ; EOF"},
		{"x---y", "x -- - y ; EOF"},

		// every keyword
		{"const var mutex sem chan event always proc let if else while for in",
			"const var mutex sem chan event always proc let if else while for in EOF"},
		{"assert print atomic await yield lock unlock acquire release send recv",
			"assert print atomic await yield lock unlock acquire release send recv EOF"},
		{"notify wait spawn join return choose either or true false",
			"notify wait spawn join return choose either or true false ; EOF"},
		{"letter iff", "letter iff ; EOF"},

		// a newline ends a statement after these tokens ...
		{"x\n1\n\"s\"\ntrue\nfalse\nreturn\nyield\n)\n]\n}\nx++\nx--\n",
			`x ; 1 ; "s" ; true ; false ; return ; yield ; ) ; ] ; } ; x ++ ; x -- ; EOF`},
		// ... and not after these
		{"lock\nx =\n1 +\n2,\n{\n(\nif\nelse\n",
			"lock x = 1 + 2 , { ( if else EOF"},

		// comments
		{"x // a comment\ny", "x ; y ; EOF"},
		{"// only a comment", "EOF"},
		{"x // at the end", "x ; EOF"},
		{"{ // open\n}", "{ } ; EOF"},
		{"a / b //c", "a / b ; EOF"},

		// strings and escapes
		{`print "x is", x`, `print "x is" , x ; EOF`},
		{`"a\"b\\c\nd\te"`, `"a\"b\\c\nd\te" ; EOF`},
		{`""`, `"" ; EOF`},
		{`"héllo // not a comment"`, `"héllo // not a comment" ; EOF`},

		// integers
		{"0 007 9223372036854775807", "0 007 9223372036854775807 ; EOF"},

		// a byte order mark at the start is skipped
		{"\ufeffx", "x ; EOF"},
	}
	for _, tt := range tests {
		got, errs := scanAll(tt.in)
		if got != tt.want {
			t.Errorf("scan %q\n got %s\nwant %s", tt.in, got, tt.want)
		}
		if len(errs) > 0 {
			t.Errorf("scan %q: unexpected errors %q", tt.in, errs)
		}
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		in, want string
		errs     []string
	}{
		{"x @ y", "x ILLEGAL y ; EOF", []string{"1:3: unexpected character '@'"}},
		// A bad character does not change where statements end.
		{"x++ #\ny", "x ++ ILLEGAL ; y ; EOF", []string{"1:5: unexpected character '#'"}},
		{"{ $\n}", "{ ILLEGAL } ; EOF", []string{"1:3: unexpected character '$'"}},
		{"a & b | c", "a ILLEGAL b ILLEGAL c ; EOF", []string{
			"1:3: unexpected character '&'", "1:7: unexpected character '|'"}},
		{"a.b", "a ILLEGAL b ; EOF", []string{"1:2: unexpected character '.'"}},
		{"x\x00", "x ILLEGAL ; EOF", []string{`1:2: unexpected character '\x00'`}},
		{"a \xff b", "a ILLEGAL b ; EOF", []string{"1:3: invalid UTF-8 encoding"}},
		{"a // \xff\nb", "a ; b ; EOF", []string{"1:6: invalid UTF-8 encoding"}},
		{"\"a\xffb\"", "\"a\ufffdb\" ; EOF", []string{"1:3: invalid UTF-8 encoding in string"}},
		{"\"a\x01b\"", `"a\x01b" ; EOF`, []string{`1:3: control character U+0001 in string (write \n or \t for a newline or a tab)`}},
		{"\"a\ufffeb\"", `"a\ufffeb" ; EOF`, []string{`1:3: control character U+FFFE in string (write \n or \t for a newline or a tab)`}},
		{"\"a\tb\"", "\"a\\tb\" ; EOF", nil}, // a tab as itself is fine
		{"\"a\rb\"", `"a\rb" ; EOF`, []string{`1:3: control character U+000D in string (write \n or \t for a newline or a tab)`}},
		{"x\n \ufeff", "x ; ILLEGAL EOF", []string{`2:2: unexpected character '\ufeff'`}},

		{`"abc`, `"abc" ; EOF`, []string{"1:1: " + unterminatedMsg}},
		{"print \"ab\ncd", `print "ab" ; cd ; EOF`, []string{"1:7: " + unterminatedMsg}},
		{`"ab\`, `"ab" ; EOF`, []string{"1:1: " + unterminatedMsg}},
		{`x = "a\qb"`, `x = "a\\qb" ; EOF`, []string{`1:7: unknown escape '\q' in string (use \", \\, \n or \t)`}},

		{"9223372036854775808", "9223372036854775808 ; EOF", nil}, // the least int after a minus: the parser judges it
		{"9223372036854775809", "9223372036854775809 ; EOF", []string{"1:1: integer literal too large"}},
		{"x = 99999999999999999999999", "x = 99999999999999999999999 ; EOF", []string{"1:5: integer literal too large"}},
		{"1.5", "1.5 ; EOF", []string{"1:1: invalid number 1.5: deck has only integers"}},
		{"3x + 1", "3x + 1 ; EOF", []string{"1:2: invalid character 'x' in integer literal"}},
		{"0x1f", "0x1f ; EOF", []string{"1:2: invalid character 'x' in integer literal"}},
	}
	for _, tt := range tests {
		got, errs := scanAll(tt.in)
		if got != tt.want {
			t.Errorf("scan %q\n got %s\nwant %s", tt.in, got, tt.want)
		}
		if strings.Join(errs, "\n") != strings.Join(tt.errs, "\n") {
			t.Errorf("scan %q: errors\n got %q\nwant %q", tt.in, errs, tt.errs)
		}
	}
}

// TestScanPositions checks lines, byte columns and the SEMI literals.
func TestScanPositions(t *testing.T) {
	src := "let x\n\t= 10 // c\n\"é\" λ;y"
	want := []struct {
		pos string
		tok Token
		lit string
	}{
		{"1:1", LET, "let"},
		{"1:5", IDENT, "x"},
		{"1:6", SEMI, "\n"},
		{"2:2", ASSIGN, ""},
		{"2:4", INT, "10"},
		{"2:11", SEMI, "\n"},
		{"3:1", STRING, "é"},
		{"3:6", IDENT, "λ"}, // columns count bytes: "é" is two
		{"3:8", SEMI, ";"},
		{"3:9", IDENT, "y"},
		{"3:10", SEMI, ""},
		{"3:10", EOF, ""},
		{"3:10", EOF, ""}, // EOF repeats
	}
	var s Scanner
	s.Init([]byte(src), func(pos Pos, msg string) { t.Errorf("%s: %s", pos, msg) })
	for _, w := range want {
		pos, tok, lit := s.Scan()
		if pos.String() != w.pos || tok != w.tok || lit != w.lit {
			t.Errorf("got %s %v %q, want %s %v %q", pos, tok, lit, w.pos, w.tok, w.lit)
		}
	}
	if s.ErrorCount != 0 {
		t.Errorf("ErrorCount = %d", s.ErrorCount)
	}
}

func TestScanErrorCount(t *testing.T) {
	var s Scanner
	s.Init([]byte("@ # $"), nil) // a nil handler is allowed
	for {
		if _, tok, _ := s.Scan(); tok == EOF {
			break
		}
	}
	if s.ErrorCount != 3 {
		t.Errorf("ErrorCount = %d, want 3", s.ErrorCount)
	}
}
