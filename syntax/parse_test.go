package syntax

import (
	"errors"
	"strings"
	"testing"
)

// mustParse parses src and fails the test on any error.
func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("t.deck", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q):\n%s", src, Format(err, []byte(src)))
	}
	return f
}

func TestParseDecls(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"", ""},
		{"\n\n// nothing but a comment\n", ""},
		{"const N = 3", "(const N 3)"},
		{"const M = N * 2 + 1", "(const M (+ (* N 2) 1))"},
		{"var x = 0", "(var x 0)"},
		{"var x", "(var x)"},
		{"var flag[2] = false", "(var flag [2] false)"},
		{"var slots[N]", "(var slots [N])"},
		{"var grid[N*N] = -1", "(var grid [(* N N)] (- 1))"},
		{"mutex m", "(mutex m)"},
		{"mutex fork[N]", "(mutex fork [N])"},
		{"sem s(2)", "(sem s (2))"},
		{"sem s", "(sem s)"},
		{"sem slots[N](1)", "(sem slots [N] (1))"},
		{"chan c(3)", "(chan c (3))"},
		{"chan c", "(chan c)"},
		{"chan pipes[N](N+1)", "(chan pipes [N] ((+ N 1)))"},
		{"event done", "(event done)"},
		{"event ready[N]", "(event ready [N])"},
		{"always x <= 2", "(always (<= x 2))"},
		{"always !(a && b)", "(always (! (paren (&& a b))))"},
		{"eventually done == N", "(eventually (== done N))"},
		{"eventually !busy[0]", "(eventually (! (index busy 0)))"},
		{"want[0] leadsto inside[0]", "(leadsto (index want 0) (index inside 0))"},
		{"x > 0 && y leadsto x == 0 || z", "(leadsto (&& (> x 0) y) (|| (== x 0) z))"},
		{"(x) leadsto true", "(leadsto (paren x) true)"},
		{"var eventually = 1\nvar leadsto = eventually", "(var eventually 1)\n(var leadsto eventually)"},
		{"proc main() {}", "(proc main () {})"},
		{"proc f(a) { }", "(proc f (a) {})"},
		{"proc f(a, b, c) {\n}", "(proc f (a b c) {})"},
		{"proc f(\n\ta,\n\tb,\n) {}", "(proc f (a b) {})"},
		{"const A = 1; const B = 2", "(const A 1)\n(const B 2)"},
		{"var x = 0\n\n\nproc main() {\n}\n", "(var x 0)\n(proc main () {})"},
	}
	for _, tt := range tests {
		f := mustParse(t, tt.src)
		if got := Dump(f); got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestParseStmts(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"let t = x + 1", "(let t (+ x 1))"},
		{"let a[3] = 0", "(let[] a 3 0)"},
		{"let w[N]", "(let[] w N)"},
		{"let w[N + 1] = x", "(let[] w (+ N 1) x)"},
		{"x = t", "(= x t)"},
		{"a[i] = v", "(= (index a i) v)"},
		{"x += 2; x -= 1; x++; x--", "(+= x 2) (-= x 1) (++ x) (-- x)"},
		{"a[i+1]++", "(++ (index a (+ i 1)))"},
		{"x =\n\t1 +\n\t2", "(= x (+ 1 2))"},

		{"if c { }", "(if c {})"},
		{"if c { x = 1 } else { x = 2 }", "(if c {(= x 1)} {(= x 2)})"},
		{"if c {\n} else if d {\n} else {\n}", "(if c {} (if d {} {}))"},
		{"if a { lock m }", "(if a {(lock m)})"},
		{"if a { lock m; unlock m }", "(if a {(lock m) (unlock m)})"},
		{"if x > 0 && !done {\n\tyield\n}", "(if (&& (> x 0) (! done)) {(yield)})"},
		{"if c {} else\n{\n}", "(if c {} {})"},

		{"while c { }", "(while c {})"},
		{"while i < N {\n\ti++\n}", "(while (< i N) {(++ i)})"},
		{"for i in 0..N { }", "(for i 0 N {})"},
		{"for i in 0..N+1 { print i }", "(for i 0 (+ N 1) {(print i)})"},
		{"for i in lo*2..hi-1 {}", "(for i (* lo 2) (- hi 1) {})"},

		{"assert c", "(assert c)"},
		{`assert x == 2, "x must be 2"`, `(assert (== x 2) "x must be 2")`},
		{`print "x is", x`, `(print "x is" x)`},
		{"print x", "(print x)"},
		{"print a,\n\tb, c", "(print a b c)"},
		{"atomic { x = x + 1 }", "(atomic {(= x (+ x 1))})"},
		{"await x > 0", "(await (> x 0))"},
		{"yield", "(yield)"},

		{"lock m; unlock m", "(lock m) (unlock m)"},
		{"acquire s; release s", "(acquire s) (release s)"},
		{"notify done; wait done", "(notify done) (wait done)"},
		{"lock fork[i]\nunlock fork[(i+1)%N]", "(lock (index fork i)) (unlock (index fork (% (paren (+ i 1)) N)))"},
		{"send c, v", "(send c v)"},
		{"send cs[i], v * 2", "(send (index cs i) (* v 2))"},
		{"let v = recv c", "(let v (recv c))"},
		{"v = recv cs[i]", "(= v (recv (index cs i)))"},
		{"recv c", "(recv c)"},

		{"let h = spawn f(a, b)", "(let h (spawn f a b))"},
		{"spawn f()", "(spawn f)"},
		{"hs[i] = spawn worker(i)", "(= (index hs i) (spawn worker i))"},
		{"join h", "(join h)"},
		{"let r = join h", "(let r (join h))"},
		{"r = join hs[i]", "(= r (join (index hs i)))"},
		{"let r = f(a, b)", "(let r (call f a b))"},
		{"f(a, b)", "(call f a b)"},
		{"f()", "(call f)"},
		{"f(g(x), -1)", "(call f (call g x) (- 1))"},

		{"return", "(return)"},
		{"return x + 1", "(return (+ x 1))"},
		{"if c { return }", "(if c {(return)})"},
		{"return; yield", "(return) (yield)"},

		{"let v = choose 0..3", "(let v (choose 0 3))"},
		{"i = choose 0..N+1", "(= i (choose 0 (+ N 1)))"},
		{"either { x = 1 } or { x = 2 }", "(either {(= x 1)} {(= x 2)})"},
		{"either {\n\tx = 1\n} or {\n\tx = 2\n} or {\n}", "(either {(= x 1)} {(= x 2)} {})"},

		{"{ let a = 1 }", "{(let a 1)}"},
		{"{}\n{}", "{} {}"},
		{";;x = 1;;", "(= x 1)"},
		{"x = 1 // a comment\n// another\ny = 2", "(= x 1) (= y 2)"},
	}
	for _, tt := range tests {
		src := "proc p() {\n" + tt.src + "\n}"
		f := mustParse(t, src)
		body := f.Decls[0].(*ProcDecl).Body
		var got []string
		for _, s := range body.Stmts {
			got = append(got, Dump(s))
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.src, g, tt.want)
		}
	}
}

func TestParseExprs(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"1", "1"},
		{"9223372036854775807", "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808"}, // the least int, one literal
		{"- -9223372036854775808", "(- -9223372036854775808)"},
		{"-9223372036854775807", "(- 9223372036854775807)"},
		{"true", "true"},
		{"false", "false"},
		{"x", "x"},
		{`"s"`, `"s"`},
		{"a[i]", "(index a i)"},
		{"(x)", "(paren x)"},
		{"-x", "(- x)"},
		{"!!b", "(! (! b))"},
		{"- -1", "(- (- 1))"},
		{"a + b * c", "(+ a (* b c))"},
		{"a * b + c", "(+ (* a b) c)"},
		{"a - b - c", "(- (- a b) c)"},
		{"a / b % c", "(% (/ a b) c)"},
		{"(a + b) * c", "(* (paren (+ a b)) c)"},
		{"a < b == c", "(== (< a b) c)"},
		{"a < b == (c < d)", "(== (< a b) (paren (< c d)))"},
		{"a == b != c", "(!= (== a b) c)"},
		{"a <= b && b >= c", "(&& (<= a b) (>= b c))"},
		{"a || b && c || d", "(|| (|| a (&& b c)) d)"},
		{"!a && -b < c", "(&& (! a) (< (- b) c))"},
		{"x > 0 || y != 1 && z == 2", "(|| (> x 0) (&& (!= y 1) (== z 2)))"},
		{"f(a + 1, b[2]) * 3", "(* (call f (+ a 1) (index b 2)) 3)"},
		{"a[b[c[0]]]", "(index a (index b (index c 0)))"},
		{"join h + 1", "(+ (join h) 1)"},
		{"-join h", "(- (join h))"},
		{"recv c == 0", "(== (recv c) 0)"},
		{"choose 0..3", "(choose 0 3)"},
		{"choose 0..N+1 == k", "(== (choose 0 (+ N 1)) k)"},
		{"1 + choose a*2..b", "(+ 1 (choose (* a 2) b))"},
		{"spawn f(x) ", "(spawn f x)"},
	}
	for _, tt := range tests {
		src := "proc p() {\n\tlet v = " + tt.src + "\n}"
		f := mustParse(t, src)
		let := f.Decls[0].(*ProcDecl).Body.Stmts[0].(*LetStmt)
		if got := Dump(let.Value); got != tt.want {
			t.Errorf("expression %q\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// TestParseErrors checks messages and positions. Each case lists every
// error it must produce, in order, as a substring of "line:col: message":
// the count matters too, since cascades of follow-on errors are a bug.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		errs []string
	}{
		{"missing } at end of file",
			"proc main() {\n\tx = 1\n",
			[]string{"3:1: expected '}' to close the block opened at 1:13, found end of file"}},
		{"missing } before the next proc",
			"proc f() {\n\tx = 1\nproc main() {\n}\n",
			[]string{"3:1: expected '}' to close the block opened at 1:10, found 'proc'"}},
		{"missing } in a nested block",
			"proc main() {\n\tif x {\n\t\ty = 1\n}\nproc g() {}",
			[]string{"5:1: expected '}' to close the block opened at 1:13, found 'proc'"}},
		{"forgotten {",
			"proc main() {\n\tif x\n\t\ty = 1\n\t}\n\tz = 2\n}",
			[]string{"2:6: expected '{' after if condition, found end of statement"}},
		{"{ on the next line",
			"proc main()\n{\n\tz = 2\n}",
			[]string{"1:12: expected '{' to start the body of proc main, found end of statement (the { must be on the same line as proc main())"}},
		{"{ on the next line after parameters",
			"proc f(a, b)\n{\n}\nproc main() {}",
			[]string{"1:13: expected '{' to start the body of proc f, found end of statement (the { must be on the same line as proc f(a, b))"}},
		{"{ on the next line after while",
			"proc main() {\n\twhile x\n\t{\n\t}\n}",
			[]string{"2:9: expected '{' after while condition, found end of statement (the { must be on the same line as the while condition)"}},
		{"operator starting the next line",
			"proc main() {\n\tx = 1\n\t\t+ 2\n}",
			[]string{"3:3: expected statement, found '+' (a statement ends at the end of its line: to continue one, end the line with the operator)"}},
		{"operator starting a block",
			"proc main() {\n\t* 2\n}",
			[]string{"2:2: expected statement, found '*'"}},
		{"return's value on the next line",
			"proc f(a) {\n\treturn\n\t\ta + 1\n}",
			[]string{"3:3: an expression is not a statement: only a call, spawn, join or recv can stand alone (a statement ends at the end of its line: a return's value must be on the line of the return)"}},
		{"unary minus on the next line",
			"proc main() {\n\tx = 1\n\t\t- 2\n}",
			[]string{"3:3: an expression is not a statement: only a call, spawn, join or recv can stand alone (a statement ends at the end of its line: to continue the line before, end it with the operator)"}},
		{"unary minus and more on the next line",
			"proc main() {\n\tx = 1\n\t\t- 2 * y\n}",
			[]string{"3:3: an expression is not a statement: only a call, spawn, join or recv can stand alone (a statement ends at the end of its line: to continue the line before, end it with the operator)"}},
		{"two unused expressions: no hint",
			"proc main() {\n\tx + 1\n\tx == 2\n}",
			[]string{"2:2: an expression is not a statement: only a call, spawn, join or recv can stand alone", "3:2: an expression is not a statement: only a call, spawn, join or recv can stand alone"}},
		{"print with parentheses",
			"proc main() {\n\tprint(\"one\")\n}",
			[]string{`2:7: print takes no parentheses: print "one"`}},
		{"print with parentheses around a list",
			"proc main() {\n\tprint(x, f(a, b))\n}",
			[]string{`2:7: print takes no parentheses: print x, f(a, b)`}},
		{"print with a long list in parentheses",
			"proc main() {\n\tprint (\"a long message that goes on\", x + 1, y + 2)\n}",
			[]string{`2:8: print takes no parentheses: write its arguments after it, separated by commas`}},
		{"break",
			"proc main() {\n\twhile true {\n\t\tif x { break }\n\t}\n}",
			[]string{"3:10: deck has no break: end the loop through its condition"}},
		{"continue",
			"proc main() {\n\tfor i in 0..3 {\n\t\tcontinue\n\t}\n}",
			[]string{"3:3: deck has no continue: put the rest of the loop body inside an if"}},
		{"capitalised declaration keyword",
			"Proc main() {\n\tPrint 1\n}",
			[]string{"1:1: expected declaration, found identifier Proc: did you mean proc? keywords are lower case"}},
		{"capitalised var",
			"VAR x = 1\nproc main() {}",
			[]string{"1:1: expected declaration, found identifier VAR: did you mean var? keywords are lower case"}},
		{"capitalised statement keyword",
			"proc main() {\n\tPrint 1\n\tYield\n}",
			[]string{"2:2: unknown statement Print: did you mean print? keywords are lower case",
				"3:2: unknown statement Yield: did you mean yield? keywords are lower case"}},
		{"missing { before garbage",
			"proc main() {\n\twhile x y {\n\t\tz = 1\n\t}\n}",
			[]string{"2:10: expected '{' after while condition, found identifier y"}},
		{"missing { at end of file",
			"proc main() {\n\tatomic",
			[]string{"2:8: expected '{' after atomic, found end of file"}},
		{"x = at end of line",
			"proc main() {\n\tx = \n}",
			[]string{"2:5: expected expression after '=', found end of line"}},
		{"x = at end of file",
			"proc main() {\n\tx =",
			[]string{"2:5: expected expression, found end of file"}},
		{"operator at end of line",
			"proc main() {\n\tlet y = x *\n\tprint y\n}",
			[]string{"2:13: expected expression after '*', found end of line"}},
		{"bad character",
			"proc main() {\n\tx = 1 @ 2\n}",
			[]string{"2:8: unexpected character '@'"}},
		{"bad character alone",
			"proc main() {\n\tx = 1 @\n}",
			[]string{"2:8: unexpected character '@'"}},
		{"unterminated string",
			"proc main() {\n\tprint \"abc\n}",
			[]string{`2:8: string not terminated: a string must end with " on the same line`}},
		{"unterminated string at end of file",
			"proc main() {\n\tprint \"abc",
			[]string{`2:8: string not terminated: a string must end with " on the same line`}},
		{"let 1 = 2",
			"proc main() {\n\tlet 1 = 2\n}",
			[]string{"2:6: expected name after let, found integer 1"}},
		{"let with a keyword",
			"proc main() {\n\tlet lock = 2\n}",
			[]string{"2:6: expected name after let, found 'lock' (a reserved word)"}},
		{"let without =",
			"proc main() {\n\tlet x 2\n}",
			[]string{"2:8: expected '=' after let x, found integer 2"}},
		{"misspelt keywords",
			"proc main() {\n\tspwan f(2)\n\tlok m\n\tprnt x\n\tjion h\n}",
			[]string{"2:2: unknown statement spwan: did you mean spawn?", "3:2: unknown statement lok: did you mean lock?",
				"4:2: unknown statement prnt: did you mean print?", "5:2: unknown statement jion: did you mean join?"}},
		{"an unknown name that is no typo still asks for an assignment",
			"proc main() {\n\tfrobnicate x\n}",
			[]string{"2:13: expected '=', '+=', '-=', '++' or '--' after frobnicate, found identifier x"}},
		{"proc (",
			"proc (",
			[]string{"1:6: expected procedure name after proc, found '('"}},
		{"proc without parentheses",
			"proc main {}",
			[]string{"1:11: expected '(' after proc main, found '{'"}},
		{"bad parameter list",
			"proc f(a b) {}",
			[]string{"1:10: expected ',' or ')' in parameter list, found identifier b"}},
		{"parameter list cut short",
			"proc f(",
			[]string{"1:8: expected parameter name or ')', found end of file"}},
		{"else on a new line",
			"proc main() {\n\tif x {\n\t}\n\telse {\n\t}\n}",
			[]string{"4:2: unexpected 'else': an else must follow the closing } of an if on the same line"}},
		{"else without an if",
			"proc main() {\n\twhile x {\n\t}\n\telse {\n\t}\n}",
			[]string{"4:2: unexpected 'else': an else must follow the closing } of an if on the same line"}},
		{"else without a block",
			"proc main() {\n\tif x {} else x = 1\n}",
			[]string{"2:15: expected 'if' or '{' after else, found identifier x"}},
		{"or on a new line",
			"proc main() {\n\teither { x = 1 }\n\tor { x = 2 }\n}",
			[]string{"3:2: unexpected 'or': an or must follow the closing } of an either branch on the same line"}},
		{"either without or",
			"proc main() {\n\teither { x = 1 }\n}",
			[]string{"2:18: expected 'or' after either block, found end of statement"}},
		{"too large integer",
			"const N = 99999999999999999999",
			[]string{"1:11: integer literal too large"}},
		{"too large integer in a proc",
			"proc main() {\n\tx = 9223372036854775808\n}",
			[]string{"2:6: integer literal too large (without a minus before it: -9223372036854775808 is the least int)"}},
		{"two statements on a line",
			"proc main() {\n\tx = 1 y = 2\n}",
			[]string{"2:8: expected end of statement, found identifier y"}},
		{"two declarations on a line",
			"var x var y",
			[]string{"1:7: expected end of declaration, found 'var'"}},
		{"expected expression",
			"proc main() {\n\tlet x = }",
			[]string{"2:10: expected expression, found '}'"}},
		{"statement at top level",
			"x = 1\nproc main() {}",
			[]string{"1:1: expected declaration, found identifier x (statements belong inside a proc)"}},
		{"leadsto without its second condition",
			"x leadsto\nproc main() {}",
			[]string{"1:10: expected expression, found end of statement"}},
		{"expression at top level",
			"(x) + 1\nproc main() {}",
			[]string{"1:1: expected declaration, found an expression (a property reads `COND leadsto COND`)"}},
		{"call at top level",
			"f(x)\nproc main() {}",
			[]string{"1:1: expected declaration, found identifier f (statements belong inside a proc)"}},
		{"stray }",
			"proc main() {\n}\n}\nvar x",
			[]string{"3:1: expected declaration, found '}'"}},
		{"var in a proc",
			"proc main() {\n\tvar x = 1\n}",
			[]string{"2:2: unexpected 'var' inside a procedure: use let for a local variable"}},
		{"mutex in a proc",
			"proc main() {\n\tmutex m\n}",
			[]string{"2:2: unexpected 'mutex' inside a procedure: declarations belong at top level"}},
		{"name alone",
			"proc main() {\n\tx\n}",
			[]string{"2:3: expected '=', '+=', '-=', '++' or '--' after x, found end of statement"}},
		{"unused expression",
			"proc main() {\n\tx + 1\n}",
			[]string{"2:2: an expression is not a statement: only a call, spawn, join or recv can stand alone"}},
		{"assignment to a literal",
			"proc main() {\n\t1 = 2\n}",
			[]string{"2:2: cannot assign to an integer: the left side must be a name or name[index]"}},
		{"assignment to a call",
			"proc main() {\n\tf(x)++\n}",
			[]string{"2:2: cannot assign to a call of f"}},
		{"lock without a name",
			"proc main() {\n\tlock\n}",
			[]string{"3:1: expected mutex name after lock, found '}'"}},
		{"send without a comma",
			"proc main() {\n\tsend c 1\n}",
			[]string{"2:9: expected ',' between channel and value in send, found integer 1"}},
		{"assert message not a string",
			"proc main() {\n\tassert x, y\n}",
			[]string{"2:12: expected message string after ',' in assert, found identifier y"}},
		{"for without in",
			"proc main() {\n\tfor i 0..3 {}\n}",
			[]string{"2:8: expected 'in' after for i, found integer 0"}},
		{"for without ..",
			"proc main() {\n\tfor i in 3 {}\n}",
			[]string{"2:13: expected '..' in for range, found '{'"}},
		{"choose without ..",
			"proc main() {\n\tlet v = choose 3\n}",
			[]string{"2:18: expected '..' in choose range, found end of statement"}},
		{"spawn without a call",
			"proc main() {\n\tspawn f\n}",
			[]string{"2:9: expected '(' after spawn f, found end of statement"}},
		{"unclosed parenthesis",
			"proc main() {\n\tx = (1 + 2\n}",
			[]string{"2:12: expected ')' to match '(' at 2:6, found end of statement"}},
		{"unclosed call",
			"proc main() {\n\tf(1 2)\n}",
			[]string{"2:6: expected ',' or ')' in arguments of f, found integer 2"}},
		{"unclosed index",
			"proc main() {\n\tx = a[1\n}",
			[]string{"2:9: expected ']' after index of a, found end of statement"}},
		{"three independent errors",
			"const = 1\nproc main() {\n\tlet 1 = 2\n\ty = 3\n\tx +\n}\nproc f() {\n\tlock m @\n}",
			[]string{
				"1:7: expected constant name after const, found '='",
				"3:6: expected name after let, found integer 1",
				"5:5: expected expression after '+', found end of line",
				"8:9: unexpected character '@'",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.deck", []byte(tt.src))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Parse(%q): got error %v, want an ErrorList", tt.src, err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Pos.String()+": "+e.Msg)
			}
			ok := len(got) == len(tt.errs)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.Contains(got[i], tt.errs[i])
			}
			if !ok {
				t.Errorf("Parse(%q):\n got %s\nwant %s", tt.src, strings.Join(got, "\n     "), strings.Join(tt.errs, "\n     "))
			}
		})
	}
}

// TestParseNoLineHint checks that the hint about statements ending at the
// end of their line is kept for lines that look like continuations.
func TestParseNoLineHint(t *testing.T) {
	for _, src := range []string{
		"proc main() {\n\tx + 1\n\tx == 2\n}",
		"proc main() {\n\tlet y = 1\n\ty * 2\n}",
		"proc main() {\n\tif x {\n\t}\n\t- 1\n}",
		"proc main() {\n\tx = 1; + 2\n}",
		"proc main() {\n\tif x {\n\t}\n\t+ 2\n}",
	} {
		_, err := Parse("t.deck", []byte(src))
		if err == nil {
			t.Errorf("Parse(%q): no error", src)
		} else if out := Format(err, []byte(src)); strings.Contains(out, "end of its line") {
			t.Errorf("Parse(%q):\n%s", src, out)
		}
	}
}

// TestPrintNestedParens: print with a string in nested parentheses is an
// expression in parentheses, not a list: no "takes no parentheses" advice,
// whose own fix would still have them.
func TestPrintNestedParens(t *testing.T) {
	if _, err := Parse("t.deck", []byte("proc main() {\n\tprint((\"a\"))\n}")); err != nil && strings.Contains(err.Error(), "takes no parentheses") {
		t.Errorf("print((\"a\")): %v", err)
	}
}

// TestParseRecovery checks that the parser resumes after errors and keeps
// what it could parse.
func TestParseRecovery(t *testing.T) {
	src := `var x = 0
const = 1
proc main() {
	x = 1
	let 1 = 2
	y = 3
	if x { else }
	z = 4
}
proc f() {}
`
	f, err := Parse("t.deck", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := "(var x 0)\n(proc main () {(= x 1) (= y 3) (if x {}) (= z 4)})\n(proc f () {})"
	if got := Dump(f); got != want {
		t.Errorf("partial tree\n got %s\nwant %s", got, want)
	}
	if n := len(err.(ErrorList)); n != 3 {
		t.Errorf("got %d errors, want 3:\n%s", n, Format(err, []byte(src)))
	}

	// A forgotten or misplaced brace is read as meant.
	for _, src := range []string{
		"proc main() {\n\tif x\n\t\ty = 1\n\t}\n\tz = 2\n}",
		"proc main() {\n\tif x\n\t{\n\t\ty = 1\n\t}\n\tz = 2\n}",
		"proc main() {\n\tif x {\n\t\ty = 1\n\t}\n\telse {\n\t}\n\tz = 2\n}",
	} {
		f, err := Parse("t.deck", []byte(src))
		if err == nil {
			t.Errorf("Parse(%q): no error", src)
		}
		if got := Dump(f); !strings.HasPrefix(got, "(proc main () {(if x {(= y 1)}") || !strings.HasSuffix(got, " (= z 2)})") {
			t.Errorf("Parse(%q): partial tree %s", src, got)
		}
	}
}

func TestParseTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("proc main() {\n")
	for i := 0; i < 50; i++ {
		b.WriteString("\tlet = 1\n")
	}
	b.WriteString("}\n")
	_, err := Parse("t.deck", []byte(b.String()))
	// The first ten, then one entry that counts the other forty, as the
	// compiler's lists end (ErrorList.Limit).
	list := err.(ErrorList)
	if n := len(list); n != MaxErrors+1 {
		t.Fatalf("got %d entries, want %d", n, MaxErrors+1)
	}
	if n := list.Count(); n != 50 {
		t.Errorf("the list stands for %d errors, want 50", n)
	}
	if got, want := list[MaxErrors].Error(), "... and 40 more errors"; got != want {
		t.Errorf("last entry %q, want %q", got, want)
	}
	if !strings.HasSuffix(Format(err, []byte(b.String())), "\n... and 40 more errors\n") {
		t.Errorf("Format does not end with the count")
	}
	// Exactly ten errors: no count.
	b.Reset()
	b.WriteString("proc main() {\n")
	for i := 0; i < MaxErrors; i++ {
		b.WriteString("\tlet = 1\n")
	}
	b.WriteString("}\n")
	_, err = Parse("t.deck", []byte(b.String()))
	if list := err.(ErrorList); len(list) != MaxErrors || list.Count() != MaxErrors {
		t.Errorf("ten errors: got %d entries standing for %d", len(list), list.Count())
	}
}

func TestParseDeepNesting(t *testing.T) {
	for _, src := range []string{
		"const N = " + strings.Repeat("(", 100000) + "1",
		"const N = " + strings.Repeat("- ", 100000) + "1",
		"proc main() " + strings.Repeat("{", 100000),
		"proc main() {" + strings.Repeat("if x {} else ", 100000) + "{}}",
	} {
		_, err := Parse("t.deck", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("deep nesting: got %v", err)
		}
	}
	// Reasonable nesting is fine.
	mustParse(t, "const N = "+strings.Repeat("(", 200)+"1"+strings.Repeat(")", 200))
}

func TestParsePositions(t *testing.T) {
	src := "var a[3]\nproc main(p) {\n\tlet t = a[p] + 1\n\tlock m\n}\n"
	f := mustParse(t, src)
	proc := f.Decls[1].(*ProcDecl)
	let := proc.Body.Stmts[0].(*LetStmt)
	bin := let.Value.(*BinaryExpr)
	idx := bin.X.(*IndexExpr)
	sync := proc.Body.Stmts[1].(*SyncStmt)
	for _, c := range []struct {
		what string
		got  Pos
		want string
	}{
		{"var", f.Decls[0].Pos(), "1:1"},
		{"size", f.Decls[0].(*VarDecl).Size.Pos(), "1:7"},
		{"proc", proc.Pos(), "2:1"},
		{"proc name", proc.Name.Pos(), "2:6"},
		{"param", proc.Params[0].Pos(), "2:11"},
		{"lbrace", proc.Body.Lbrace, "2:14"},
		{"rbrace", proc.Body.Rbrace, "5:1"},
		{"let", let.Pos(), "3:2"},
		{"let name", let.Name.Pos(), "3:6"},
		{"binary", bin.Pos(), "3:10"},
		{"operator", bin.OpPos, "3:15"},
		{"index", idx.Lbrack, "3:11"},
		{"literal", bin.Y.Pos(), "3:17"},
		{"lock", sync.Pos(), "4:2"},
		{"lock target", sync.Target.Pos(), "4:7"},
	} {
		if c.got.String() != c.want {
			t.Errorf("%s at %s, want %s", c.what, c.got, c.want)
		}
	}
}

func TestParseErrorFormat(t *testing.T) {
	src := "proc main() {\n\tif x\n\t\ty = 1\n\t}\n}"
	_, err := Parse("prog.deck", []byte(src))
	want := "prog.deck:2:6: expected '{' after if condition, found end of statement\n" +
		" 2 | \tif x\n" +
		"   | \t    ^\n"
	if got := Format(err, []byte(src)); got != want {
		t.Errorf("Format:\n%s\nwant\n%s", got, want)
	}
}

func TestDumpNil(t *testing.T) {
	for _, n := range []any{nil, (*File)(nil), (*IfStmt)(nil), &LetStmt{Name: &Ident{Name: "x"}}, &SpawnExpr{}} {
		_ = Dump(n) // must not panic
	}
	if got := Dump(&LetStmt{Name: &Ident{Name: "x"}}); got != "(let x <nil>)" {
		t.Errorf("got %s", got)
	}
}
