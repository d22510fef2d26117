// Package web is deck's playground in the browser: an HTTP server with a
// small JSON API over the packages that do the work (compile, vm, deal,
// check) and one embedded page of plain HTML, CSS and JavaScript that lets
// a learner be the dealer, as `deck play` does in a terminal.
//
// The server keeps no games: every request carries the program's source and
// the schedule played so far, and the server replays it through deal (one
// card a tick) to answer. So undo is the schedule minus its last move, and a
// position is shared by sharing its source and schedule.
//
// The API (all POST bodies and answers are JSON):
//
//	GET  /api/examples  the gallery: name, title, goal, source
//	POST /api/compile   {source} → errors with line:col, or each procedure's cards
//	POST /api/state     {source, schedule, move?, undo?, upto?} → the game's state and moves
//	                    (409 with {error, fits} for a move that does not fit:
//	                    fits is how many moves before it do)
//	POST /api/check     {source} → verdict, outcomes, shortest counterexamples
//	                    (ignore_prints: true when printed lines were left out
//	                    of the states, see Server.Check)
//	POST /api/svg       {source, file?, schedule} → the run as an SVG picture, the
//	                    same document `deck run FILE --replay SCHEDULE --svg` draws
//
// Every POST may also carry place and net, deck's --place and --net: the
// program's stacks on network nodes, and what the network may do.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/examples"
	"github.com/deck-lang/deck/internal/expect"
	"github.com/deck-lang/deck/syntax"
	"github.com/deck-lang/deck/trace"
)

//go:embed static
var static embed.FS

// Limits on what one request may ask for.
const (
	MaxSource    = 64 << 10 // bytes of program source
	MaxMoves     = 20_000   // moves in a schedule
	MaxBody      = MaxSource + 1<<20
	checkStates  = 2_000_000
	checkMemory  = 512 << 20
	checkTimeout = 10 * time.Second
)

// Options configure a Server.
type Options struct {
	// CheckWorkers is the number of workers a check may use (0: 2).
	CheckWorkers int
	// CheckTimeout bounds one check (0: 10 s).
	CheckTimeout time.Duration
}

// Server serves the playground.
type Server struct {
	opt Options
	mux *http.ServeMux

	checking chan struct{} // one check at a time: holding it is a check under way

	mu    sync.Mutex
	progs map[[32]byte]*compiled // a few recently compiled programs
	order [][32]byte
}

type compiled struct {
	prog *card.Program
	err  error
}

// New returns a playground server.
func New(opt Options) *Server {
	if opt.CheckWorkers <= 0 {
		opt.CheckWorkers = 2
	}
	if opt.CheckTimeout <= 0 {
		opt.CheckTimeout = checkTimeout
	}
	s := &Server{opt: opt, mux: http.NewServeMux(), progs: map[[32]byte]*compiled{}, checking: make(chan struct{}, 1)}
	sub, _ := fs.Sub(static, "static")
	s.mux.Handle("GET /", http.FileServerFS(sub))
	s.mux.HandleFunc("GET /api/examples", s.handleExamples)
	s.mux.HandleFunc("POST /api/compile", s.handleCompile)
	s.mux.HandleFunc("POST /api/state", s.handleState)
	s.mux.HandleFunc("POST /api/check", s.handleCheck)
	s.mux.HandleFunc("POST /api/svg", s.handleSVG)
	// A GET of any other path under /api/ gets a JSON error, not the
	// file server's page: 405 with Allow for an endpoint that wants
	// another method, 404 for no endpoint at all.
	s.mux.HandleFunc("GET /api/", handleOtherAPI)
	return s
}

// apiMethods is the method each endpoint takes.
var apiMethods = map[string]string{
	"/api/examples": http.MethodGet,
	"/api/compile":  http.MethodPost,
	"/api/state":    http.MethodPost,
	"/api/check":    http.MethodPost,
	"/api/svg":      http.MethodPost,
}

func handleOtherAPI(w http.ResponseWriter, r *http.Request) {
	method, ok := apiMethods[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path))
		return
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s, not %s", r.URL.Path, method, r.Method))
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	defer func() {
		// A bug in an engine must not take the playground down.
		if v := recover(); v != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": fmt.Sprintf("internal error: %v", v)})
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// request is the body of every POST.
type request struct {
	Source   string `json:"source"`
	File     string `json:"file"`     // the name in positions ("" → "play.deck")
	Schedule string `json:"schedule"` // the moves so far
	Move     string `json:"move"`     // one more move: "S", "S:K", "mN", "xN", "dN"
	Undo     bool   `json:"undo"`     // take the last move back
	Upto     *int   `json:"upto"`     // keep only the first Upto moves
	// Place and Net are deck's --place and --net: "proc=NODE,..." (over
	// the file's place declarations) and "ordered", "unordered", plus
	// "lossy" and "dup", comma-separated ("" is ordered).
	Place string `json:"place"`
	Net   string `json:"net"`
}

func readRequest(w http.ResponseWriter, r *http.Request) (*request, bool) {
	var req request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad request: "+err.Error())
		return nil, false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "bad request: more after the JSON object")
		return nil, false
	}
	if len(req.Source) > MaxSource {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the program is larger than %d KiB, the most the playground takes", MaxSource>>10))
		return nil, false
	}
	// The file names positions, titles and an SVG's text: no control
	// characters (a NUL made the SVG invalid XML).
	req.File = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, req.File)
	if req.File == "" {
		req.File = "play.deck"
	}
	return &req, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// compileSource compiles a request's source and places it, as its place
// and net and the file's place declarations say, remembering the last few
// programs.
func (s *Server) compileSource(req *request) (*card.Program, error) {
	file, src := req.File, req.Source
	key := sha256.Sum256([]byte(file + "\x00" + req.Place + "\x00" + req.Net + "\x00" + src))
	s.mu.Lock()
	c, ok := s.progs[key]
	s.mu.Unlock()
	if ok {
		return c.prog, c.err
	}
	p, err := compile.Source(file, []byte(src))
	if err == nil {
		p, err = place(p, req.Place, req.Net)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) >= 16 {
		delete(s.progs, s.order[0])
		s.order = s.order[1:]
	}
	s.progs[key] = &compiled{p, err}
	s.order = append(s.order, key)
	return p, err
}

// place puts p's procedures on nodes as pl (deck's --place) and the file
// say, on a network that behaves as net says (deck's --net).
func place(p *card.Program, pl, net string) (*card.Program, error) {
	var pairs [][2]string
	if strings.TrimSpace(pl) != "" {
		var err error
		if pairs, err = compile.ParsePlacement(pl); err != nil {
			return nil, fmt.Errorf("placement: %v", strings.TrimPrefix(err.Error(), "--place "))
		}
	}
	if strings.TrimSpace(net) == "" {
		net = "ordered"
	}
	mode, err := card.ParseNetMode(net)
	if err != nil {
		return nil, fmt.Errorf("network: %v", err)
	}
	placed, err := compile.Place(p, pairs, mode)
	if err != nil {
		if _, ok := err.(syntax.ErrorList); !ok {
			err = errors.New(strings.Replace(err.Error(), "--place: ", "placement: ", 1))
		}
	}
	return placed, err
}

// ErrorJSON is one compile error, at its place in the source.
type ErrorJSON struct {
	Line int32  `json:"line"`
	Col  int32  `json:"col"`
	Msg  string `json:"msg"`
	// Pad goes before the caret under the source line: the column is
	// counted in bytes, which a page's string does not count, and wide
	// characters take two columns (syntax.CaretPad).
	Pad string `json:"pad"`
}

func errorsJSON(err error, src string) []ErrorJSON {
	var list syntax.ErrorList
	if errors.As(err, &list) {
		lines := strings.Split(src, "\n")
		var out []ErrorJSON
		for _, e := range list {
			if e.Dropped > 0 {
				out = append(out, ErrorJSON{Msg: fmt.Sprintf("(and %d more errors)", e.Dropped)})
				continue
			}
			j := ErrorJSON{Line: e.Pos.Line, Col: e.Pos.Col, Msg: e.Msg}
			if k := int(e.Pos.Line) - 1; k >= 0 && k < len(lines) {
				j.Pad = syntax.CaretPad(strings.TrimSuffix(lines[k], "\r"), e.Pos.Col)
			}
			out = append(out, j)
		}
		return out
	}
	return []ErrorJSON{{Msg: err.Error()}}
}

// ExampleJSON is one program of the gallery, with its goal.
type ExampleJSON struct {
	Name   string `json:"name"`
	Title  string `json:"title"`
	Goal   string `json:"goal"`
	Kind   string `json:"kind,omitempty"`  // the violation kind that wins ("" when none can)
	Place  string `json:"place,omitempty"` // the level's placement (deck's --place)
	Net    string `json:"net,omitempty"`   // the level's network (deck's --net)
	Source string `json:"source"`
}

func (s *Server) handleExamples(w http.ResponseWriter, r *http.Request) {
	var out []ExampleJSON
	for _, ex := range examples.All() {
		out = append(out, exampleJSON(ex))
	}
	writeJSON(w, http.StatusOK, out)
}

// exampleJSON makes a level of the game from an example: its title is the
// first line of its header, its goal comes from the violations the header
// says the checker finds. When the program as written breaks nowhere but a
// placement or network of its header ("with: --net ordered,lossy") makes
// it fail, the level is played with those.
func exampleJSON(ex examples.Example) ExampleJSON {
	src := string(ex.Source)
	e := ExampleJSON{Name: ex.Name, Source: src}
	first, _, _ := strings.Cut(src, "\n")
	if t, ok := strings.CutPrefix(first, "//"); ok {
		e.Title = strings.TrimSpace(t)
	}
	e.Goal, e.Kind = "Play every shuffle you like: the checker says no shuffle breaks it.", ""
	secs, err := expect.ParseAll(ex.Source)
	if err != nil || len(secs) == 0 {
		return e
	}
	var h *expect.Header
	for _, sec := range secs {
		if sec.Header == nil || sec.Crash != "" || sec.Partitions != 0 || sec.Fairness != "" {
			continue // the playground has no node faults, and plays under weak fairness
		}
		if h == nil || h.Verdict != check.VerdictViolation && sec.Verdict == check.VerdictViolation {
			h = sec.Header
			e.Place, e.Net = sec.Place, sec.Net
		}
	}
	if h == nil || h.Verdict != check.VerdictViolation {
		e.Place, e.Net = "", ""
		return e
	}
	for _, k := range []string{trace.KindAssert, trace.KindDeadlock, trace.KindAlways} {
		if h.Violations[k] {
			e.Kind = k
			break
		}
	}
	if e.Kind == "" {
		for k := range h.Violations {
			if e.Kind == "" || k < e.Kind {
				e.Kind = k
			}
		}
	}
	switch e.Kind {
	case trace.KindAssert:
		e.Goal = "Break the assert."
	case trace.KindDeadlock:
		e.Goal = "Make it deadlock."
	case trace.KindAlways:
		e.Goal = "Break the always invariant."
	default:
		e.Goal = "Make it fail: " + e.Kind + "."
	}
	if e.Net != "" || e.Place != "" {
		var how []string
		for _, w := range []string{placeWords(e.Place), netWords(e.Net)} {
			if w != "" {
				how = append(how, w)
			}
		}
		e.Goal = strings.TrimSuffix(e.Goal, ".") + " (" + strings.Join(how, ", ") + ")."
	}
	return e
}

func placeWords(pl string) string {
	var out []string
	for _, item := range strings.Split(pl, ",") {
		if proc, node, ok := strings.Cut(strings.TrimSpace(item), "="); ok {
			out = append(out, proc+" on "+node)
		}
	}
	return strings.Join(out, ", ")
}

func netWords(net string) string {
	if net == "" {
		return ""
	}
	return "on a network that is " + strings.ReplaceAll(net, ",", ", ")
}

// CardJSON is one card of a procedure, as deck cards lists it.
type CardJSON struct {
	PC     int32  `json:"pc"`
	Number string `json:"number"`
	Line   int32  `json:"line"`
	Col    int32  `json:"col"`
	Label  string `json:"label"`
	Sync   bool   `json:"sync,omitempty"`
	Touch  string `json:"touches,omitempty"`
}

// ProcJSON is a procedure and its cards.
type ProcJSON struct {
	Name  string     `json:"name"`
	Node  string     `json:"node,omitempty"`
	Cards []CardJSON `json:"cards"`
}

// CompileJSON answers /api/compile.
type CompileJSON struct {
	OK     bool        `json:"ok"`
	Errors []ErrorJSON `json:"errors,omitempty"`
	Procs  []ProcJSON  `json:"procs,omitempty"`
	Nodes  []string    `json:"nodes,omitempty"` // home first, for a placed program
	Net    string      `json:"net,omitempty"`   // the network's behaviour, for a placed program
}

func (s *Server) handleCompile(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest(w, r)
	if !ok {
		return
	}
	p, err := s.compileSource(req)
	if err != nil {
		writeJSON(w, http.StatusOK, CompileJSON{Errors: errorsJSON(err, req.Source)})
		return
	}
	cj := CompileJSON{OK: true, Procs: procsJSON(p)}
	if p.Net != nil && len(p.Net.Nodes) > 1 {
		cj.Nodes = p.Net.Nodes
		cj.Net = p.Net.Mode.String()
	}
	writeJSON(w, http.StatusOK, cj)
}

func procsJSON(p *card.Program) []ProcJSON {
	out := make([]ProcJSON, len(p.Procs))
	for i, pr := range p.Procs {
		out[i].Name = pr.Name
		out[i].Cards = []CardJSON{}
	}
	if p.Net != nil && len(p.Net.Nodes) > 1 {
		for i := range out {
			out[i].Node = p.Net.Nodes[p.Net.ProcNode[i]]
		}
	}
	for pc := range p.Cards {
		c := &p.Cards[pc]
		if c.Op == card.Done || c.Proc < 0 || int(c.Proc) >= len(out) {
			continue
		}
		var touch []string
		for _, a := range p.Accesses[pc] {
			what := "read "
			if a.Write {
				what = "write "
			}
			what += p.Globals[a.Global].Name
			if a.Elem >= 0 && p.Globals[a.Global].Len > 0 {
				what += fmt.Sprintf("[%d]", a.Elem)
			} else if p.Globals[a.Global].Len > 0 {
				what += "[i]"
			}
			touch = append(touch, what)
		}
		out[c.Proc].Cards = append(out[c.Proc].Cards, CardJSON{
			PC: int32(pc), Number: p.Numbers[pc], Line: c.Pos.Line, Col: c.Pos.Col,
			Label: p.Labels[pc], Sync: c.Op.IsSync(), Touch: strings.Join(touch, ", "),
		})
	}
	return out
}
