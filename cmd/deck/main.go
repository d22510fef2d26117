// Command deck makes concurrency visible: it shows a program's cards, deals
// them in a seeded shuffle on simulated processors, and checks every
// shuffle. This file owns flags and output only; the work happens in the
// packages it calls.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/syntax"
	"github.com/deck-lang/deck/vm"
)

func main() {
	os.Exit(run(processEnv(), os.Args[1:]))
}

// Exit statuses, as the contract fixes them.
const (
	exitOK        = 0
	exitViolation = 1
	exitUsage     = 2
)

const usage = `deck makes concurrency visible.

usage:
  deck cards FILE            show each procedure's cards
  deck run FILE [flags]      deal one shuffle and show it
  deck check FILE [flags]    explore every shuffle
  deck play FILE [--from S]  be the dealer: pick which stack moves, card by card
  deck serve [--addr A]      the playground in the browser (prints its address)
  deck node --bus URL --name NODE FILE
                             serve one node of a real run on nodes (deck run --real)
  deck version               print deck's version
  deck help [COMMAND]        explain a command

FILE - reads the program from standard input. Ctrl-C stops check and run
and prints what they found so far (exit status 1); a second Ctrl-C quits.

Run 'deck help run' or 'deck help check' for their flags.
`

// Main runs the deck command line and returns the exit status. It reads
// standard input from os.Stdin and takes no interrupts: the process's
// signals are left alone (main uses run with processEnv instead).
func Main(args []string, stdout, stderr io.Writer) int {
	return run(&env{stdin: os.Stdin, stdout: stdout, stderr: stderr}, args)
}

// run runs the deck command line in e and returns the exit status.
func run(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "cards":
		return cmdCards(e, rest)
	case "run":
		return withJSONErrors(e, rest, cmdRun)
	case "check":
		return withJSONErrors(e, rest, cmdCheck)
	case "play":
		return cmdPlay(e, rest)
	case "node":
		return cmdNode(e, rest)
	case "serve":
		return cmdServe(e, rest)
	case "help", "-h", "-help", "--help":
		return cmdHelp(rest, stdout, stderr)
	case "version", "--version":
		if len(rest) > 0 {
			// -h asks for the usage; anything else is a mistake.
			if rest[0] == "-h" || rest[0] == "-help" || rest[0] == "--help" {
				return cmdHelp([]string{"version"}, stdout, stderr)
			}
			fmt.Fprintf(stderr, "deck version: takes no arguments, got %q\n", rest[0])
			return exitUsage
		}
		fmt.Fprintln(stdout, "deck", version)
		return exitOK
	}
	if near := nearest(cmd, []string{"cards", "run", "check", "play", "node", "serve", "help", "version"}); near != "" {
		fmt.Fprintf(stderr, "deck: unknown command %q: did you mean %s?\n\n%s", cmd, near, usage)
		return exitUsage
	}
	fmt.Fprintf(stderr, "deck: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

const version = "0.1.0"

func cmdHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	var fs *flag.FlagSet
	switch args[0] {
	case "run":
		fs, _ = runFlags(io.Discard)
	case "check":
		fs, _ = checkFlags(io.Discard)
	case "play":
		fmt.Fprintln(stdout, "usage: deck play FILE [--from SCHEDULE] [--place proc=NODE,...] [--net MODE] [--crash NODE,...] [--partitions K]\n\n"+playHelp+"\n\n--from SCHEDULE starts from a schedule that run or check printed, one card a tick.\n--place, --net, --crash and --partitions place the stacks on nodes, as for run and check.")
		return exitOK
	case "serve":
		fmt.Fprintln(stdout, serveHelp)
		return exitOK
	case "node":
		fs, _ = nodeFlags(io.Discard)
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "%s\n\n", nodeHelp)
		fs.PrintDefaults()
		return exitOK
	case "version":
		fmt.Fprintln(stdout, "usage: deck version\n\nPrints deck's version.")
		return exitOK
	case "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "cards":
		fmt.Fprintln(stdout, "usage: deck cards FILE [--place proc=NODE,...] [--net MODE] [--crash NODE,...] [--partitions K]\n\nLists every procedure's cards: number, source line:col, what the card does,\nwhat it reads or writes in shared memory, and where control goes next.\nWith a placement, each procedure's node and the cards that become messages.")
		return exitOK
	default:
		fmt.Fprintf(stderr, "deck help: unknown command %q\n", args[0])
		return exitUsage
	}
	fs.SetOutput(stdout)
	fmt.Fprintf(stdout, "usage: deck %s FILE [flags]\n\n", args[0])
	fs.PrintDefaults()
	return exitOK
}

// parseArgs parses flags that may come before or after the one FILE. It
// returns the file, or an exit status (>= 0) when the command should stop:
// after --help (0) or a usage error (2, with a short message).
func parseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (string, int) {
	name := fs.Name()
	// The flag package would print its own message and every flag; say
	// what went wrong in deck's words instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", cmdHelp([]string{name}, stdout, stderr)
			}
			msg := err.Error()
			for _, from := range []string{"for flag -", "defined: -", "argument: -"} {
				msg = strings.Replace(msg, from, from+"-", 1)
			}
			if bad, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
				var names []string
				fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
				if near := nearest(strings.TrimLeft(bad, "-"), names); near != "" {
					msg += fmt.Sprintf(" (did you mean --%s?)", near)
				}
			}
			fmt.Fprintf(stderr, "deck %s: %s\nRun 'deck help %s' for the flags.\n", name, msg, name)
			return "", exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "deck %s: want exactly one FILE, got %d\n", name, len(files))
		return "", exitUsage
	}
	return files[0], -1
}

// load reads and compiles a program, printing errors with caret snippets.
// FILE "-" is standard input, named <stdin> in positions. A progress line
// shows on a terminal while a large program compiles.
func load(e *env, file string) (*card.Program, bool) {
	name := file
	var src []byte
	var err error
	if file == "-" {
		name = stdinName
		src, err = readLimited(e.stdin, maxProgramBytes)
	} else {
		src, err = readFileLimited(file, maxProgramBytes)
	}
	if err != nil {
		if errors.Is(err, errTooLarge) {
			fmt.Fprintf(e.stderr, "deck: %s: the program is larger than %s, the most deck reads\n", name, byteSize(maxProgramBytes))
		} else {
			fmt.Fprintf(e.stderr, "deck: %v\n", err)
		}
		return nil, false
	}
	pl := newProgressLine(e.stderr, false)
	start := time.Now()
	endProgress := pl.poll(func() string {
		return fmt.Sprintf("compiling %s (%s)  %s", name, byteSize(int64(len(src))), time.Since(start).Round(time.Second))
	})
	prog, err := compile.Source(name, src)
	endProgress()
	if err != nil {
		fmt.Fprint(e.stderr, syntax.Format(err, src))
		if l, ok := err.(syntax.ErrorList); ok {
			e.errs = l
			if l.Count() > 1 {
				fmt.Fprintf(e.stderr, "%d errors\n", l.Count())
			}
		}
		return nil, false
	}
	return prog, true
}

func cmdCards(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	fs := flag.NewFlagSet("cards", flag.ContinueOnError)
	pf := addPlaceFlags(fs)
	file, code := parseArgs(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	prog, ok := load(e, file)
	if !ok {
		return exitUsage
	}
	if prog, ok = pf.apply(e, "cards", prog); !ok {
		return exitUsage
	}
	// A huge listing written to a file or a pipe shows how far it got; on
	// a terminal the listing itself is the progress.
	pl := newProgressLine(stderr, isTerminal(stdout))
	cw := &countingWriter{w: stdout}
	endProgress := pl.poll(func() string {
		return fmt.Sprintf("listing cards: %s written", byteSize(cw.n.Load()))
	})
	compile.Disassemble(cw, prog)
	endProgress()
	return exitOK
}

// style adds colour on terminals only.
type style struct{ on bool }

func newStyle(w io.Writer) style {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return style{}
	}
	return style{on: isTerminal(w)}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (s style) wrap(code, text string) string {
	if !s.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}
func (s style) bold(t string) string  { return s.wrap("1", t) }
func (s style) red(t string) string   { return s.wrap("1;31", t) }
func (s style) green(t string) string { return s.wrap("1;32", t) }
func (s style) dim(t string) string   { return s.wrap("2", t) }

// snippet returns the caret snippet of a file:line:col position.
func snippet(prog *card.Program, pos string) string {
	var line, col int32
	if i := strings.LastIndex(pos, ":"); i >= 0 {
		if j := strings.LastIndex(pos[:i], ":"); j >= 0 {
			fmt.Sscanf(pos[j+1:], "%d:%d", &line, &col)
		}
	}
	return syntax.Snippet(prog.Src, syntax.Pos{Line: line, Col: col})
}

// outcomeLines renders an outcome: one line for the vars, then the output.
func outcomeText(o vm.Outcome) string {
	var vars []string
	for _, v := range o.Vars {
		vars = append(vars, v.Name+"="+v.Show())
	}
	return strings.Join(vars, " ")
}

// writeJSON prints v as indented JSON. Messages quote source such as
// "x > 0": HTML escaping would turn that into "x \u003e 0" for no reader's
// benefit, so it is off.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// setFlag reports whether flag name was given on the command line.
func setFlag(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// nearest returns the word of words closest to w when it looks like a
// typo of it: one edit away, or two for words of six letters or more.
func nearest(w string, words []string) string {
	limit := 1
	if len(w) >= 6 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range words {
		if d := editDistance(w, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// shellArg writes a file name as a shell reads it back as one argument,
// for the commands deck prints to be pasted (replay hints, deck node):
// as it is when it is made of safe characters, after ./ when it starts
// with a dash (a flag otherwise), else in single quotes. "-" (standard
// input) stays as it is.
func shellArg(name string) string {
	safe := name != ""
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./-+=:,@%", r)) {
			safe = false
			break
		}
	}
	switch {
	case name == "-":
		return name
	case safe && strings.HasPrefix(name, "-"):
		return "./" + name
	case safe:
		return name
	}
	return "'" + strings.ReplaceAll(name, "'", `'\''`) + "'"
}
