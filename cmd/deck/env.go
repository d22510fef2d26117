package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deck-lang/deck/syntax"
)

// env is what a deck command talks to: its streams, and the interrupts
// (Ctrl-C) that may come while it works. main builds one from the process
// (processEnv); tests build their own, with a channel of their own for
// interrupts.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// interrupts starts delivering interrupts on the returned channel,
	// until release is called. nil: no interrupt ever comes.
	interrupts func() (c <-chan os.Signal, release func())
	// exit ends the process at once, on a second interrupt.
	exit func(code int)
	// errs are the errors in the program (or its placement) that stopped
	// the command, for withJSONErrors.
	errs syntax.ErrorList
}

// exitInterrupted is the exit status after a second interrupt: 128 plus
// SIGINT, as a shell reports a process that SIGINT killed. The first
// interrupt's report exits with exitViolation, since what it reports is
// incomplete.
const exitInterrupted = 130

// processEnv is the environment of the deck process: its standard streams,
// and SIGINT and SIGTERM as interrupts.
func processEnv() *env {
	return &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		interrupts: func() (<-chan os.Signal, func()) {
			c := make(chan os.Signal, 2)
			signal.Notify(c, os.Interrupt, syscall.SIGTERM)
			return c, func() { signal.Stop(c) }
		},
		exit: os.Exit,
	}
}

// termEcho is how long after a SIGTERM another SIGTERM is taken for the
// same one. GNU timeout (without --foreground) signals the command and
// then its whole process group, so deck gets its SIGTERM twice at once;
// read as a second interrupt, that exited without the report the user
// was waiting for. A second Ctrl-C (SIGINT) always counts.
var termEcho = time.Second

// watch takes the interrupts while long work runs. The first closes stop:
// the work ends early and reports what it found. A second one exits at
// once with status 130, without a report (but see termEcho). done gives
// the interrupts back (to the default, which ends the process); call it
// once the report is written.
func (e *env) watch() (stop <-chan struct{}, done func()) {
	if e.interrupts == nil {
		return nil, func() {}
	}
	sig, release := e.interrupts()
	stopc := make(chan struct{})
	quit := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		var first os.Signal
		select {
		case first = <-sig:
			close(stopc)
		case <-quit:
			return
		}
		at := time.Now()
		for {
			select {
			case again := <-sig:
				if again == syscall.SIGTERM && first == syscall.SIGTERM && time.Since(at) < termEcho {
					continue // the same SIGTERM, sent to the process group too
				}
				fmt.Fprintln(e.stderr, "\ndeck: interrupted again: exiting without a report")
				e.exit(exitInterrupted)
				return
			case <-quit:
				return
			}
		}
	}()
	return stopc, func() {
		close(quit)
		<-ended
		release()
	}
}

// interrupted reports whether stop is closed.
func interrupted(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// The most bytes deck reads of a program and of a schedule file. A
// program this large takes gigabytes to compile; a schedule this large
// holds tens of millions of moves.
const (
	maxProgramBytes  = 16 << 20
	maxScheduleBytes = 64 << 20
)

// stdinName is the name of a program read from standard input (FILE "-")
// in positions and messages.
const stdinName = "<stdin>"

var errTooLarge = errors.New("too large")

// readLimited reads r to its end, or fails with errTooLarge after limit
// bytes (so that /dev/zero or an endless pipe cannot exhaust memory).
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// readFileLimited reads a file with readLimited.
func readFileLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, limit)
}

// byteSize writes a byte count: 812 bytes, 64 KiB, 1.5 MiB.
func byteSize(n int64) string {
	unit := func(div float64, name string) string {
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/div, 'f', 1, 64), ".0") + " " + name
	}
	switch {
	case n >= 1<<30:
		return unit(1<<30, "GiB")
	case n >= 1<<20:
		return unit(1<<20, "MiB")
	case n >= 1<<10:
		return unit(1<<10, "KiB")
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
