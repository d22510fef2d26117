package syntax

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Error is a problem in the source, at a position.
type Error struct {
	File string
	Pos  Pos
	Msg  string
}

func (e *Error) Error() string {
	if !e.Pos.IsValid() {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// ErrorList is a list of errors, sorted by position when reported.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(file string, pos Pos, format string, args ...any) {
	*l = append(*l, &Error{File: file, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders the list by position and drops exact repeats and second
// errors on the same line (the first one is almost always the real cause).
func (l *ErrorList) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Pos.Line != s[j].Pos.Line {
			return s[i].Pos.Line < s[j].Pos.Line
		}
		return s[i].Pos.Col < s[j].Pos.Col
	})
	out := s[:0]
	for i, e := range s {
		if i > 0 && e.Pos.Line == s[i-1].Pos.Line && e.File == s[i-1].File {
			continue
		}
		out = append(out, e)
	}
	*l = out
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Snippet renders the source line of pos with a caret under the column:
//
//	3 |     x = y +
//	  |            ^
//
// It returns "" when the position is not inside src.
func Snippet(src []byte, pos Pos) string {
	if !pos.IsValid() {
		return ""
	}
	lines := bytes.Split(src, []byte("\n"))
	if int(pos.Line) > len(lines) {
		return ""
	}
	line := strings.TrimRight(string(lines[pos.Line-1]), "\r")
	num := fmt.Sprintf("%d", pos.Line)
	pad := strings.Repeat(" ", len(num))
	// Keep tabs in the caret line so the caret lines up in any terminal.
	var caret strings.Builder
	for i := 0; i < int(pos.Col)-1 && i < len(line); i++ {
		if line[i] == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	return fmt.Sprintf(" %s | %s\n %s | %s\n", num, line, pad, caret.String())
}

// Format writes every error of err as `file:line:col: message`, each
// followed by a caret snippet taken from src.
func Format(err error, src []byte) string {
	var b strings.Builder
	write := func(e *Error) {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		b.WriteString(Snippet(src, e.Pos))
	}
	switch e := err.(type) {
	case ErrorList:
		for _, x := range e {
			write(x)
		}
	case *Error:
		write(e)
	default:
		b.WriteString(err.Error())
		b.WriteByte('\n')
	}
	return b.String()
}
