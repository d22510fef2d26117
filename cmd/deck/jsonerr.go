package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/deck-lang/deck/syntax"
)

// withJSONErrors runs cmd (run or check). With --json, standard output
// holds exactly one JSON object even when the command stops before its
// work, for bad usage or a program that does not compile (exit status
// 2): then, when nothing was written there, an object that says why:
//
//	{"error": "undefined: cout", "errors": [{"pos": "f.deck:3:5", "message": "undefined: cout"}]}
//
// error is the first problem in words; errors, for a program that does not
// compile (or a placement it refuses), each error with its position. The
// messages go to standard error as without --json, snippets and all.
func withJSONErrors(e *env, args []string, cmd func(*env, []string) int) int {
	if !wantsJSON(args) {
		return cmd(e, args)
	}
	out := &countingWriter{w: e.stdout}
	var said bytes.Buffer
	sub := *e
	sub.stdout = out
	sub.stderr = io.MultiWriter(e.stderr, &said)
	code := cmd(&sub, args)
	if code == exitUsage && out.n.Load() == 0 {
		writeJSON(e.stdout, usageJSON(sub.errs, said.String()))
	}
	return code
}

// wantsJSON reports whether args ask for --json, as the flag package reads
// it: one or two dashes, alone or with a value ParseBool takes as true.
func wantsJSON(args []string) bool {
	for _, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "json" {
			continue
		}
		if !hasVal {
			return true
		}
		if b, err := strconv.ParseBool(val); err == nil && b {
			return true
		}
	}
	return false
}

type errorJSON struct {
	Pos     string `json:"pos,omitempty"`
	Message string `json:"message"`
}

type usageErrorJSON struct {
	Error  string      `json:"error"`
	Errors []errorJSON `json:"errors,omitempty"`
	// Count is how many errors there were, when errors lists only the
	// first ones.
	Count int `json:"count,omitempty"`
}

func usageJSON(errs syntax.ErrorList, said string) usageErrorJSON {
	var j usageErrorJSON
	for _, e := range errs {
		if e.Dropped > 0 {
			continue
		}
		pos := e.File
		if e.Pos.IsValid() {
			pos = fmt.Sprintf("%s:%d:%d", e.File, e.Pos.Line, e.Pos.Col)
		}
		j.Errors = append(j.Errors, errorJSON{Pos: pos, Message: e.Msg})
	}
	if n := errs.Count(); n > len(j.Errors) {
		j.Count = n
	}
	if len(j.Errors) > 0 {
		j.Error = j.Errors[0].Message
		return j
	}
	// Bad usage: the first line said, without the command's name.
	first, _, _ := strings.Cut(strings.TrimSpace(said), "\n")
	for _, prefix := range []string{"deck run: ", "deck check: ", "deck: "} {
		first = strings.TrimPrefix(first, prefix)
	}
	if first == "" {
		first = "bad usage"
	}
	j.Error = first
	return j
}
