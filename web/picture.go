package web

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/render"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// handleSVG answers /api/svg: the run that the request's schedule deals,
// drawn as `deck run FILE --replay SCHEDULE --svg` draws it (lanes per
// stack with the writes each read saw, the processors, channels and
// messages), for a teacher's slide. The answer is the SVG document itself,
// offered as a download named after the file.
func (s *Server) handleSVG(w http.ResponseWriter, r *http.Request) {
	req, p, moves, cycle, ok := s.readPosition(w, r)
	if !ok {
		return
	}
	m := vm.New(p)
	sch := lasso(moves, cycle)
	// The violation as deck run --replay finds it: a lasso's livelock or
	// starvation, a property a run that ends never met. (A lasso is drawn
	// as deck run draws it: its cycle once, marked as the cycle.)
	res, err := deal.Run(m, deal.Options{Replay: sch})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	note := ""
	if cycle > 0 {
		if res.Forever {
			note = render.CycleNote(res.Unfair)
		} else {
			// Not a cycle of this program: drawn as played, as deck run
			// draws it.
			sch = &res.Schedule
		}
	}
	b, err := RunSVG(m, req.File+placeArgs(req.Place, req.Net), sch, res.Violation, note)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := strings.TrimSuffix(path.Base(req.File), ".deck") + ".svg"
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// RunSVG draws schedule sch of m's program, one card a tick, as deck run
// draws a replayed schedule; cmdline is the file and the placement flags
// of the title ("lost_update.deck --place worker=Y"), v the violation the
// replay found (nil: none, or one the walk finds itself), cycleNote what
// the picture says of a lasso's cycle (render.CycleNote).
func RunSVG(m *vm.Machine, cmdline string, sch *trace.Schedule, v *trace.Violation, cycleNote string) ([]byte, error) {
	run, err := render.Walk(m, sch, render.Options{Title: render.ReplayTitle(cmdline), CPUsPerNode: 1, Violation: v, CycleNote: cycleNote})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := render.SVG(&b, run); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// placeArgs repeats a request's placement as deck's flags would:
// " --place worker=Y --net lossy", or "".
func placeArgs(place, net string) string {
	s := ""
	if place = strings.TrimSpace(place); place != "" {
		s += " --place " + place
	}
	if net = strings.TrimSpace(net); net != "" && net != "ordered" {
		s += " --net " + net
	}
	return s
}
