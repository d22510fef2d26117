package vm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// exampleProgram is a compiled example or bench model and its file.
type exampleProgram struct {
	file string
	p    *card.Program
}

// examplePrograms compiles every example and bench model (leaving out the
// examples that show a compile error).
func examplePrograms(t *testing.T) []exampleProgram {
	t.Helper()
	var files []string
	for _, pat := range []string{"../examples/*.deck", "../bench/models/*.deck", "../bench/beem/models/*.deck"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 50 {
		t.Fatalf("found %d programs, want the examples and bench models", len(files))
	}
	var out []exampleProgram
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := compile.Source(f, src); err == nil {
			out = append(out, exampleProgram{f, p})
		}
	}
	return out
}
