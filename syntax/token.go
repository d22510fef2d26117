package syntax

// Token is a lexical token kind.
type Token uint8

const (
	ILLEGAL Token = iota
	EOF
	SEMI // ';' or a newline that ends a statement

	IDENT
	INT
	STRING

	// operators and punctuation
	ADD        // +
	SUB        // -
	MUL        // *
	QUO        // /
	REM        // %
	LAND       // &&
	LOR        // ||
	NOT        // !
	EQL        // ==
	NEQ        // !=
	LSS        // <
	LEQ        // <=
	GTR        // >
	GEQ        // >=
	ASSIGN     // =
	ADD_ASSIGN // +=
	SUB_ASSIGN // -=
	INC        // ++
	DEC        // --
	LPAREN     // (
	RPAREN     // )
	LBRACK     // [
	RBRACK     // ]
	LBRACE     // {
	RBRACE     // }
	COMMA      // ,
	RANGE      // ..
	COLON      // :

	// keywords
	keywordBeg
	CONST
	VAR
	MUTEX
	SEM
	CHAN
	EVENT
	COND
	ALWAYS
	PLACE
	OBSERVE
	PROC
	LET
	IF
	ELSE
	WHILE
	FOR
	IN
	ASSERT
	PRINT
	ATOMIC
	AWAIT
	YIELD
	LOCK
	UNLOCK
	ACQUIRE
	RELEASE
	SEND
	RECV
	NOTIFY
	WAIT
	SIGNAL
	BROADCAST
	SPAWN
	JOIN
	RETURN
	CHOOSE
	EITHER
	OR
	SELECT
	CASE
	TRUE
	FALSE
	keywordEnd
)

var tokenNames = [...]string{
	ILLEGAL: "illegal token", EOF: "end of file", SEMI: "end of statement",
	IDENT: "identifier", INT: "integer", STRING: "string",
	ADD: "+", SUB: "-", MUL: "*", QUO: "/", REM: "%", LAND: "&&", LOR: "||", NOT: "!",
	EQL: "==", NEQ: "!=", LSS: "<", LEQ: "<=", GTR: ">", GEQ: ">=",
	ASSIGN: "=", ADD_ASSIGN: "+=", SUB_ASSIGN: "-=", INC: "++", DEC: "--",
	LPAREN: "(", RPAREN: ")", LBRACK: "[", RBRACK: "]", LBRACE: "{", RBRACE: "}",
	COMMA: ",", RANGE: "..", COLON: ":",
	CONST: "const", VAR: "var", MUTEX: "mutex", SEM: "sem", CHAN: "chan", EVENT: "event", COND: "cond", OBSERVE: "observe",
	ALWAYS: "always", PLACE: "place", PROC: "proc", LET: "let", IF: "if", ELSE: "else", WHILE: "while",
	FOR: "for", IN: "in", ASSERT: "assert", PRINT: "print", ATOMIC: "atomic", AWAIT: "await",
	YIELD: "yield", LOCK: "lock", UNLOCK: "unlock", ACQUIRE: "acquire", RELEASE: "release",
	SEND: "send", RECV: "recv", NOTIFY: "notify", WAIT: "wait", SIGNAL: "signal", BROADCAST: "broadcast", SPAWN: "spawn", JOIN: "join",
	RETURN: "return", CHOOSE: "choose", EITHER: "either", OR: "or", SELECT: "select", CASE: "case", TRUE: "true", FALSE: "false",
}

func (t Token) String() string {
	if int(t) < len(tokenNames) && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return "token"
}

// IsKeyword reports whether t is a reserved word.
func (t Token) IsKeyword() bool { return t > keywordBeg && t < keywordEnd }

var keywords = func() map[string]Token {
	m := make(map[string]Token)
	for t := keywordBeg + 1; t < keywordEnd; t++ {
		m[tokenNames[t]] = t
	}
	return m
}()

// Lookup maps an identifier to its keyword token, or IDENT.
func Lookup(name string) Token {
	if t, ok := keywords[name]; ok {
		return t
	}
	return IDENT
}
