package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/render"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// pictureFlags are --svg and --html, shared by run and check.
type pictureFlags struct {
	svg, html string
}

func addPictureFlags(fs *flag.FlagSet, what string) *pictureFlags {
	pf := &pictureFlags{}
	fs.StringVar(&pf.svg, "svg", "", "write pictures of "+what+" to this SVG file: a lane per stack, the processors, the writes each read saw, channels and messages")
	fs.StringVar(&pf.html, "html", "", "write one self-contained HTML page that steps through "+what+" card by card, with the shared variables after each card")
	return pf
}

func (pf *pictureFlags) wanted() bool { return pf.svg != "" || pf.html != "" }

// maxPictureOutcomes bounds the shuffles check draws when there is no
// counterexample: one per outcome, the first ones.
const maxPictureOutcomes = 12

// picture is one run to draw: its title and schedule, and the processor
// of each move when a dealt run recorded them.
type picture struct {
	title    string
	schedule *trace.Schedule
	cpus     []uint16
	perNode  int
	// violation is the one the run shows, for those the picture cannot
	// find by walking the schedule (a lasso's livelock, say).
	violation *trace.Violation
	cycleNote string // a lasso's, as render.CycleNote says it
}

// writePictures renders the pictures and writes the files asked for. It
// reports errors on stderr and returns false after one.
func (pf *pictureFlags) write(cmd string, m *vm.Machine, pics []picture, stderr io.Writer) bool {
	if !pf.wanted() {
		return true
	}
	var runs []*render.Run
	for _, p := range pics {
		r, err := render.Walk(m, p.schedule, render.Options{Title: p.title, CPUs: p.cpus, CPUsPerNode: p.perNode, WithState: pf.html != "", Violation: p.violation, CycleNote: p.cycleNote})
		if err != nil {
			// Too long to draw: the work is done and reported, and its
			// verdict stands (exit status 0 or 1), without this picture.
			fmt.Fprintf(stderr, "deck %s: no picture of %s: %v\n", cmd, p.title, err)
			continue
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return true
	}
	for _, f := range []struct {
		name string
		draw func(io.Writer, ...*render.Run) error
	}{{pf.svg, render.SVG}, {pf.html, render.HTML}} {
		if f.name == "" {
			continue
		}
		var b bytes.Buffer
		if err := f.draw(&b, runs...); err != nil {
			fmt.Fprintf(stderr, "deck %s: %v\n", cmd, err)
			return false
		}
		if err := os.WriteFile(f.name, b.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "deck %s: %v\n", cmd, err)
			return false
		}
	}
	return true
}

// checkPictures lists what check draws: every counterexample found, or
// when there is none, one shortest shuffle per outcome.
func checkPictures(file string, rep *check.Report) []picture {
	var pics []picture
	for _, cx := range rep.Violations {
		pics = append(pics, picture{title: fmt.Sprintf("%s: counterexample (%s)", file, cx.Violation.Describe()), schedule: &cx.Schedule, violation: cx.Violation})
	}
	if len(pics) > 0 {
		return pics
	}
	for k, oc := range rep.Outcomes {
		if k == maxPictureOutcomes {
			break
		}
		pics = append(pics, picture{title: fmt.Sprintf("%s: outcome %d of %d: %s", file, k+1, len(rep.Outcomes), describeOutcome(oc.Outcome)), schedule: &oc.Schedule})
	}
	return pics
}

// writeGraph highlights every counterexample of rep in the state graph and
// writes the picture to file.
func writeGraph(m *vm.Machine, g *render.Graph, rep *check.Report, file string, stderr io.Writer) bool {
	for _, cx := range rep.Violations {
		if err := g.Highlight(m, &cx.Schedule); err != nil {
			fmt.Fprintf(stderr, "deck check: --graph: %v\n", err)
			return false
		}
	}
	var b bytes.Buffer
	if err := render.GraphSVG(&b, g); err != nil {
		fmt.Fprintf(stderr, "deck check: %v\n", err)
		return false
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "deck check: %v\n", err)
		return false
	}
	return true
}

// outputsWritable checks, before any work, that every file a command was
// asked to write (flag name to path; "" when not asked) can be written, and
// that none of them is the program itself: a typo in a path is found in a
// moment rather than after a long check, whose verdict it would then hide
// behind exit status 2. A file that does not exist yet is created and
// removed again; one that exists is opened for writing, not truncated.
func outputsWritable(cmd, program string, outs [][2]string, stderr io.Writer) bool {
	progInfo, progErr := os.Stat(program)
	for k, o := range outs {
		flagName, path := o[0], o[1]
		if path == "" {
			continue
		}
		for _, earlier := range outs[:k] {
			if earlier[1] != "" && filepath.Clean(earlier[1]) == filepath.Clean(path) {
				fmt.Fprintf(stderr, "deck %s: --%s and --%s name the same file, %s: one would overwrite the other\n", cmd, earlier[0], flagName, path)
				return false
			}
		}
		if info, err := os.Stat(path); err == nil {
			if program != "-" && progErr == nil && os.SameFile(info, progInfo) {
				fmt.Fprintf(stderr, "deck %s: --%s %s would overwrite the program\n", cmd, flagName, path)
				return false
			}
			if info.IsDir() {
				fmt.Fprintf(stderr, "deck %s: --%s: %s is a directory\n", cmd, flagName, path)
				return false
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				fmt.Fprintf(stderr, "deck %s: --%s: %v\n", cmd, flagName, err)
				return false
			}
			f.Close()
			continue
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "deck %s: --%s: %v\n", cmd, flagName, err)
			return false
		}
		f.Close()
		os.Remove(path)
	}
	return true
}
