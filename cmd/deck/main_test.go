package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"deck": func() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the command-line scripts in testdata/script: each is a
// txtar archive of commands, files and expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}

// TestShellArg: file names in printed commands paste back as one argument.
func TestShellArg(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"lost_update.deck", "lost_update.deck"},
		{"examples/a-b_c.deck", "examples/a-b_c.deck"},
		{"-", "-"},
		{"-x.deck", "./-x.deck"},
		{"my prog.deck", "'my prog.deck'"},
		{"it's.deck", `'it'\''s.deck'`},
		{"a$b.deck", "'a$b.deck'"},
	} {
		if got := shellArg(tc.in); got != tc.want {
			t.Errorf("shellArg(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestParseMoveNoWrap: a stack or alternative number past 32 bits is
// refused, not taken modulo 2^32 for one that exists.
func TestParseMoveNoWrap(t *testing.T) {
	for _, in := range []string{"4294967296", "0:4294967298", "0:99999999999999", "-1", "0:-1"} {
		if mv, err := parseMove(in); err == nil {
			t.Errorf("parseMove(%q) = %+v, want an error", in, mv)
		}
	}
	if mv, err := parseMove("2:1"); err != nil || mv.Stack != 2 || mv.Choice != 1 {
		t.Errorf("parseMove(2:1) = %+v, %v", mv, err)
	}
}
