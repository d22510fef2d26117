// Package deck is the Go API of deck, for programs and tests that use it as
// a library: compile a source file to cards, deal a run, or check every
// shuffle. The command line (cmd/deck) is a thin layer over the same calls.
package deck

import (
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/vm"
)

// Compile parses and compiles a program, and places it on nodes as its
// `place` declarations say (Place places it otherwise). Errors are a
// syntax.ErrorList of positioned errors.
func Compile(filename string, src []byte) (*card.Program, error) {
	p, err := compile.Source(filename, src)
	if err != nil {
		return nil, err
	}
	return compile.Place(p, nil, 0)
}

// Place puts the procedures of a compiled program on nodes: pairs of
// procedure and node (over the file's place declarations) and what the
// network between them may do. Every procedure on home gives p back.
func Place(p *card.Program, pairs [][2]string, mode card.NetMode) (*card.Program, error) {
	return compile.Place(p, pairs, mode)
}

// Run deals one run of a compiled program.
func Run(p *card.Program, opt deal.Options) (*deal.Result, error) {
	return deal.Run(vm.New(p), opt)
}

// Check explores every shuffle of a compiled program.
func Check(p *card.Program, opt check.Options) (*check.Report, error) {
	return check.Run(vm.New(p), opt)
}
