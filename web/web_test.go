package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deck-lang/deck/examples"
	"github.com/deck-lang/deck/trace"
)

// post sends body to path and decodes the answer into out; it returns the
// status code.
func post(t *testing.T, h http.Handler, path string, body any, out any) int {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", path, bytes.NewReader(b)))
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s: %v in %s", path, err, rec.Body)
		}
	}
	return rec.Code
}

func example(t *testing.T, name string) string {
	t.Helper()
	ex, ok := examples.Get(name)
	if !ok {
		t.Fatalf("no example %s", name)
	}
	return string(ex.Source)
}

func TestCompileErrorPositions(t *testing.T) {
	s := New(Options{})
	src := "var x = 0\nproc main() {\n    x = = 1\n}\n"
	var got CompileJSON
	if code := post(t, s, "/api/compile", request{Source: src}, &got); code != 200 {
		t.Fatalf("status %d", code)
	}
	if got.OK || len(got.Errors) == 0 {
		t.Fatalf("want errors, got %+v", got)
	}
	if e := got.Errors[0]; e.Line != 3 || e.Col != 9 || e.Msg == "" {
		t.Errorf("first error at %d:%d %q, want 3:9", e.Line, e.Col, e.Msg)
	}
	// A name that does not resolve: an error of the compiler, not the parser.
	src = "proc main() {\n  y = 1\n}\n"
	got = CompileJSON{}
	post(t, s, "/api/compile", request{Source: src}, &got)
	if len(got.Errors) != 1 || got.Errors[0].Line != 2 || got.Errors[0].Col != 3 {
		t.Errorf("undefined name: got %+v, want one error at 2:3", got.Errors)
	}
	// The caret's padding, after a tab and wide characters: the column
	// counts bytes, the page's string does not.
	src = "proc main() {\n\tprint \"日本\", zz\n}\n"
	got = CompileJSON{}
	post(t, s, "/api/compile", request{Source: src}, &got)
	if len(got.Errors) != 1 || got.Errors[0].Col != 18 || got.Errors[0].Pad != "\t"+strings.Repeat(" ", 14) {
		t.Errorf("after wide characters: got %+v, want col 18 and a tab and 14 spaces", got.Errors)
	}
}

func TestCompileCards(t *testing.T) {
	s := New(Options{})
	var got CompileJSON
	post(t, s, "/api/compile", request{Source: example(t, "lost_update")}, &got)
	if !got.OK {
		t.Fatalf("lost_update does not compile: %+v", got.Errors)
	}
	var inc *ProcJSON
	for i := range got.Procs {
		if got.Procs[i].Name == "inc" {
			inc = &got.Procs[i]
		}
	}
	if inc == nil {
		t.Fatalf("no proc inc in %+v", got.Procs)
	}
	// x++ is two cards, read x then write x (then the return).
	if len(inc.Cards) < 2 || !strings.Contains(inc.Cards[0].Touch, "read x") || !strings.Contains(inc.Cards[1].Touch, "write x") {
		t.Errorf("inc's cards: %+v", inc.Cards)
	}
}

// TestLostUpdateGame plays lost_update to the failed assert by API calls:
// main spawns both stacks, both read x, both write it, main joins and
// asserts. An undo in the middle takes one card back.
func TestLostUpdateGame(t *testing.T) {
	s := New(Options{})
	src := example(t, "lost_update")
	st := StateJSON{}
	if code := post(t, s, "/api/state", request{Source: src}, &st); code != 200 || st.Status != "playing" {
		t.Fatalf("start: %d %+v", code, st)
	}
	if len(st.Choices) != 1 || st.Choices[0].Move != "0" {
		t.Fatalf("at the start only main moves: %+v", st.Choices)
	}
	play := func(move string) {
		t.Helper()
		var next StateJSON
		if code := post(t, s, "/api/state", request{Source: src, Schedule: st.Schedule, Move: move}, &next); code != 200 {
			t.Fatalf("move %s after %q: status %d", move, st.Schedule, code)
		}
		st = next
	}
	play("0") // spawn a
	play("0") // spawn b
	play("1") // a reads x
	// Undo: one move back, then the same move again.
	var undone StateJSON
	post(t, s, "/api/state", request{Source: src, Schedule: st.Schedule, Undo: true}, &undone)
	if undone.Moves != 2 || len(undone.Steps) != 2 {
		t.Fatalf("undo: %d moves, %d steps", undone.Moves, len(undone.Steps))
	}
	play("2") // b reads x
	for _, sj := range st.Stacks {
		if sj.Name == "main" && (sj.Enabled || !strings.Contains(sj.Waits, "inc")) {
			t.Errorf("main should wait for a join: %+v", sj)
		}
	}
	play("1") // a writes 1
	play("2") // b writes 1
	if st.Shared[0].Name != "x" || st.Shared[0].Values[0] != "1" {
		t.Errorf("x after both writes: %+v", st.Shared)
	}
	for st.Status == "playing" {
		play(st.Choices[0].Move)
	}
	if st.Status != "broken" || st.Message != "You broke it." || st.Violation == nil || st.Violation.Kind != "assert" {
		t.Fatalf("want a failed assert, got %s %q %+v", st.Status, st.Message, st.Violation)
	}
	// A move that does not fit is refused with a reason.
	var e misfitJSON
	if code := post(t, s, "/api/state", request{Source: src, Schedule: "7"}, &e); code != 409 || e.Error == "" {
		t.Errorf("bad move: %d %v", code, e)
	}
}

func TestCheckLostUpdate(t *testing.T) {
	s := New(Options{})
	src := example(t, "lost_update")
	var got CheckJSON
	if code := post(t, s, "/api/check", request{Source: src}, &got); code != 200 {
		t.Fatalf("status %d", code)
	}
	if got.Verdict != "violation" || len(got.Violations) != 1 || got.Violations[0].Kind != "assert" {
		t.Fatalf("check: %+v", got)
	}
	if len(got.Outcomes) != 1 || got.Outcomes[0].Key != "x=2" {
		t.Errorf("outcomes: %+v", got.Outcomes)
	}
	// The counterexample plays back to the same failed assert.
	var st StateJSON
	post(t, s, "/api/state", request{Source: src, Schedule: got.Violations[0].Schedule}, &st)
	if st.Status != "broken" {
		t.Errorf("counterexample %q replays to %s", got.Violations[0].Schedule, st.Status)
	}
	// Playing back step by step: the first two moves only.
	two := 2
	post(t, s, "/api/state", request{Source: src, Schedule: got.Violations[0].Schedule, Upto: &two}, &st)
	if st.Moves != 2 || st.Status != "playing" {
		t.Errorf("upto 2: %d moves, %s", st.Moves, st.Status)
	}
}

// TestCheckPrintingLivelock: a stack that prints as it spins makes every
// state new, so the check stops at the playground's state limit; the
// playground then checks without the printed lines, and finds the livelock.
func TestCheckPrintingLivelock(t *testing.T) {
	if testing.Short() {
		t.Skip("searches to the playground's state limit")
	}
	s := New(Options{})
	src := `var turn = 0
var done = 0
proc polite(me) {
    while turn != me {
        print "after you", me
        turn = 1 - me
    }
    done = done + 1
}
proc main() {
    spawn polite(0)
    spawn polite(1)
}
`
	var got CheckJSON
	if code := post(t, s, "/api/check", request{Source: src}, &got); code != 200 {
		t.Fatalf("status %d", code)
	}
	if got.Verdict != "violation" || !got.IgnorePrints || len(got.Violations) != 1 || got.Violations[0].Kind != "livelock" {
		t.Fatalf("check: %+v", got)
	}
	// A program that ends keeps its lines in the states.
	var lost CheckJSON
	if code := post(t, s, "/api/check", request{Source: example(t, "lost_update")}, &lost); code != 200 || lost.IgnorePrints {
		t.Fatalf("lost_update: status %d, ignore_prints %v", code, lost.IgnorePrints)
	}
}

func TestExamplesGoals(t *testing.T) {
	s := New(Options{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/examples", nil))
	var got []ExampleJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	goals := map[string]string{}
	for _, e := range got {
		goals[e.Name] = e.Goal
	}
	for name, want := range map[string]string{
		"lost_update":           "Break the assert.",
		"philosophers_deadlock": "Make it deadlock.",
	} {
		if goals[name] != want {
			t.Errorf("%s: goal %q, want %q", name, goals[name], want)
		}
	}
	if len(got) < 20 {
		t.Errorf("%d examples", len(got))
	}
}

// TestBadRequests: bad programs and bad bodies get errors, never a crash.
func TestBadRequests(t *testing.T) {
	s := New(Options{})
	var e map[string]any
	if code := post(t, s, "/api/state", request{Source: "proc main( {"}, &e); code != 422 || e["errors"] == nil {
		t.Errorf("state of a bad program: %d %v", code, e)
	}
	if code := post(t, s, "/api/state", request{Source: "proc main() {}", Schedule: "zz"}, &e); code != 400 {
		t.Errorf("bad schedule: %d", code)
	}
	// Pictures: a bad program, a schedule that does not parse, and one
	// whose move does not fit get errors, not a picture.
	if code := post(t, s, "/api/svg", request{Source: "proc main( {"}, &e); code != 422 || e["errors"] == nil {
		t.Errorf("svg of a bad program: %d %v", code, e)
	}
	for _, sched := range []string{"zz", "5"} {
		e = nil
		if code := post(t, s, "/api/svg", request{Source: "proc main() {}", Schedule: sched}, &e); code != 400 || e["error"] == nil {
			t.Errorf("svg of schedule %q: %d %v", sched, code, e)
		}
	}
	big := strings.Repeat("// x\n", MaxSource/4)
	if code := post(t, s, "/api/compile", request{Source: big}, &e); code != 413 {
		t.Errorf("big program: %d", code)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/compile", strings.NewReader("{")))
	if rec.Code != 400 {
		t.Errorf("bad JSON: %d", rec.Code)
	}
	// A GET of an endpoint that takes POST says so; a GET of no endpoint
	// is not found; both in JSON, not the file server's page.
	for _, tc := range []struct {
		path  string
		code  int
		allow string
	}{{"/api/check", 405, "POST"}, {"/api/svg", 405, "POST"}, {"/api/nothing", 404, ""}, {"/api/examples", 200, ""}} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if rec.Code != tc.code || rec.Header().Get("Allow") != tc.allow || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d, Allow %q, %s; want %d, Allow %q, JSON", tc.path, rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"), tc.code, tc.allow)
		}
	}
}

// TestEveryExamplePlays plays every example of the gallery by API calls,
// always taking the first move offered, until it ends or 60 moves: no
// example makes the server fail, and every position offers a move or ends.
func TestEveryExamplePlays(t *testing.T) {
	s := New(Options{})
	for _, ex := range examples.All() {
		src := string(ex.Source)
		var st StateJSON
		if code := post(t, s, "/api/state", request{Source: src}, &st); code != 200 {
			t.Errorf("%s: start: status %d", ex.Name, code)
			continue
		}
		for n := 0; n < 60 && st.Status == "playing"; n++ {
			if len(st.Choices) == 0 {
				t.Errorf("%s after %q: playing, but no move offered", ex.Name, st.Schedule)
				break
			}
			var next StateJSON
			mv := st.Choices[len(st.Choices)-1].Move // the last: messages when there are some
			if code := post(t, s, "/api/state", request{Source: src, Schedule: st.Schedule, Move: mv}, &next); code != 200 {
				t.Errorf("%s after %q: move %s: status %d", ex.Name, st.Schedule, mv, code)
				break
			}
			st = next
		}
	}
}

// TestPlacedGame plays lost_request on a lossy network by API calls, with
// the placement and network in the request as the page sends them: main
// spawns the bank on Y, the start message is delivered, main sends the
// request, the network drops it, and nothing can move: a deadlock.
func TestPlacedGame(t *testing.T) {
	s := New(Options{})
	src := example(t, "lost_request")
	var cj CompileJSON
	post(t, s, "/api/compile", request{Source: src, Net: "ordered,lossy"}, &cj)
	if !cj.OK || strings.Join(cj.Nodes, ",") != "home,Y" || cj.Net != "ordered,lossy" {
		t.Fatalf("compile: %+v", cj)
	}
	st := StateJSON{}
	req := request{Source: src, Net: "ordered,lossy"}
	play := func(move string) {
		t.Helper()
		r := req
		r.Schedule, r.Move = st.Schedule, move
		var next StateJSON
		if code := post(t, s, "/api/state", r, &next); code != 200 {
			t.Fatalf("move %s after %q: status %d", move, st.Schedule, code)
		}
		st = next
	}
	play("0") // spawn bank: the start message m1 is in flight
	if len(st.InFlight) != 1 || st.InFlight[0].N != 1 || st.InFlight[0].To != "Y" || st.InFlight[0].Can != "deliver" {
		t.Fatalf("in flight after the spawn: %+v", st.InFlight)
	}
	moves := map[string]string{}
	for _, c := range st.Choices {
		moves[c.Move] = c.Kind
	}
	if moves["m1"] != "deliver" || moves["x1"] != "" {
		t.Errorf("moves after the spawn: %v (a start message is delivered, never lost)", moves)
	}
	play("m1")
	play("0") // main sends the request: m2, which a lossy network may drop
	moves = map[string]string{}
	for _, c := range st.Choices {
		moves[c.Move] = c.Kind
	}
	if moves["m2"] != "deliver" || moves["x2"] != "drop" {
		t.Fatalf("moves with the request in flight: %v", moves)
	}
	play("x2")
	if st.Status != "broken" || st.Violation == nil || st.Violation.Kind != "deadlock" || st.Schedule != "0,m1,0,x2" {
		t.Fatalf("after the drop: %s %+v %q", st.Status, st.Violation, st.Schedule)
	}
	// The same program on a reliable network has no drop to offer, and a
	// placement that names no procedure is refused with a reason.
	var rel StateJSON
	post(t, s, "/api/state", request{Source: src, Schedule: "0,m1,0"}, &rel)
	for _, c := range rel.Choices {
		if c.Kind == "drop" {
			t.Errorf("a drop on a reliable network: %+v", c)
		}
	}
	var bad CompileJSON
	post(t, s, "/api/compile", request{Source: src, Place: "nobody=Z"}, &bad)
	if bad.OK || len(bad.Errors) != 1 || !strings.Contains(bad.Errors[0].Msg, "no procedure nobody") {
		t.Errorf("bad placement: %+v", bad)
	}
	post(t, s, "/api/compile", request{Source: src, Net: "sometimes"}, &bad)
	if bad.OK || len(bad.Errors) != 1 || !strings.HasPrefix(bad.Errors[0].Msg, "network: ") {
		t.Errorf("bad network: %+v", bad)
	}
	// The gallery plays lost_request as a level on a lossy network.
	var lvl []ExampleJSON
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/examples", nil))
	json.Unmarshal(rec.Body.Bytes(), &lvl)
	for _, e := range lvl {
		if e.Name == "lost_request" && (e.Net != "ordered,lossy" || e.Kind != "deadlock") {
			t.Errorf("lost_request's level: %+v", e)
		}
	}
}

// TestStateShowsObjects: the cards dealt say what a synchronisation card
// did (a lock's holder, the value sent and the channel's contents, the
// locals an assert tested), as deck run's trace does, and the shared
// state renders the objects the same way.
func TestStateShowsObjects(t *testing.T) {
	s := New(Options{})
	src := "mutex m\nchan c(2)\nproc main() {\n    lock m\n    send c, 7\n    let k = 7\n    let v = recv c\n    assert v == k\n    unlock m\n}\n"
	var st StateJSON
	if code := post(t, s, "/api/state", request{Source: src, Schedule: "0*6"}, &st); code != 200 {
		t.Fatalf("status %d", code)
	}
	if len(st.Steps) != 6 {
		t.Fatalf("%d steps, want 6", len(st.Steps))
	}
	if got := st.Steps[5].Objects["m"]; got != "free" {
		t.Errorf("unlock m: m is %q, want free", got)
	}
	if got := st.Steps[0].Objects["m"]; got != "held by main" {
		t.Errorf("lock m: m is %q, want held by main", got)
	}
	if got := st.Steps[1]; got.Passed != "7" || got.Objects["c"] != "[7] (1 of 2)" {
		t.Errorf("send c, 7: value %q, c %q", got.Passed, got.Objects["c"])
	}
	if got := st.Steps[3].Objects["c"]; got != "[] (0 of 2)" {
		t.Errorf("recv c: c is %q", got)
	}
	if got := st.Steps[4].Tested; string(got["v"]) != "7" || string(got["k"]) != "7" {
		t.Errorf("assert v == k tested %v", got)
	}
	for _, g := range st.Shared {
		if g.Name == "m" && g.Values[0] != "free" {
			t.Errorf("shared m after unlock m: %q, want free", g.Values[0])
		}
	}
}

// TestCheckCancelled: a check whose page went away ends, whether it waits
// for its turn or runs, so checks queued by closed pages do not hold up
// the next one.
func TestCheckCancelled(t *testing.T) {
	s := New(Options{})
	p, err := s.compileSource(&request{Source: "var x = 0\nproc main() {\n    for i in 0..9223372036854775807 { x = i }\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	// Waiting: another check holds the turn.
	s.checking <- struct{}{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Check(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled check waiting for its turn: %v", err)
	}
	<-s.checking
	// Running: an endless search, its page gone after 50 ms.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, err := s.Check(ctx, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("a running check cancelled: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the cancelled check took %v to end", d)
	}
	// The turn is free again.
	select {
	case s.checking <- struct{}{}:
		<-s.checking
	default:
		t.Fatal("the cancelled check kept the turn")
	}
}

// TestScheduleBoundedAsRead: a schedule past the playground's moves is
// refused as it is read, not expanded first ("0*16777216" is 21 bytes).
func TestScheduleBoundedAsRead(t *testing.T) {
	s := New(Options{})
	var got struct{ Error string }
	start := time.Now()
	code := post(t, s, "/api/state", request{Source: "proc main() { }", Schedule: "0*16777216"}, &got)
	if code != 400 || got.Error != "schedule: bad repeat count in \"0*16777216\" (from 1 to 20000)" {
		t.Fatalf("status %d, error %q", code, got.Error)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestLassoPosition: a progress violation's lasso ("0,(1)") plays as deck
// run --replay plays it: the cycle three times, and the position is
// broken by the livelock, so a level whose goal is a livelock can be won;
// its picture is deck run's too. Playing back part of it plays a plain
// prefix.
func TestLassoPosition(t *testing.T) {
	s := New(Options{})
	src := example(t, "spin_on_flag")
	var cj CheckJSON
	if code := post(t, s, "/api/check", request{Source: src}, &cj); code != 200 || len(cj.Violations) != 1 || cj.Violations[0].Kind != "livelock" {
		t.Fatalf("check: %d %+v", code, cj.Violations)
	}
	lasso := cj.Violations[0].Schedule
	var st StateJSON
	if code := post(t, s, "/api/state", request{Source: src, Schedule: lasso}, &st); code != 200 || st.Status != "broken" || st.Violation == nil || st.Violation.Kind != "livelock" {
		t.Fatalf("state of %s: %d %s %+v", lasso, code, st.Status, st.Violation)
	}
	if st.Schedule != lasso {
		t.Errorf("state's schedule %q, want the lasso %q", st.Schedule, lasso)
	}
	one := 1
	if code := post(t, s, "/api/state", request{Source: src, Schedule: lasso, Upto: &one}, &st); code != 200 || st.Status != "playing" || st.Moves != 1 {
		t.Fatalf("first card of %s: %d %s %d moves", lasso, code, st.Status, st.Moves)
	}
	// The picture: the lasso with its cycle marked, and the livelock.
	b, _ := json.Marshal(request{Source: src, Schedule: lasso})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/svg", bytes.NewReader(b)))
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "livelock: waiter#1 never finishes") || !strings.Contains(body, "cycle: comes back to the state it started from") || !strings.Contains(body, "schedule: "+lasso) {
		t.Fatalf("svg of the lasso: %d, violation, cycle and schedule shown: %v %v %v", rec.Code,
			strings.Contains(body, "livelock"), strings.Contains(body, "cycle: comes back"), strings.Contains(body, "schedule: "+lasso))
	}
}

// TestRequestHygiene: a body with more after its JSON object is refused,
// and control characters in the file name do not reach the SVG.
func TestRequestHygiene(t *testing.T) {
	s := New(Options{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/compile", strings.NewReader(`{"source":"proc main() { }"} {"x":1}`)))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "more after the JSON object") {
		t.Fatalf("trailing data: %d %s", rec.Code, rec.Body.String())
	}
	b, _ := json.Marshal(request{Source: "proc main() { }", File: "a\x00b.deck", Schedule: "0"})
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/svg", bytes.NewReader(b)))
	if rec.Code != 200 || bytes.ContainsRune(rec.Body.Bytes(), 0) || !strings.Contains(rec.Body.String(), "ab.deck") {
		t.Fatalf("svg: %d, NUL in it: %v", rec.Code, bytes.ContainsRune(rec.Body.Bytes(), 0))
	}
}

// TestLassoAlso: the shortest solution of morris_mutex, a lasso, breaks
// its goal (eventually) only as the second violation of the run, after
// the starvation; the state lists it, so that the page counts the level
// as won.
func TestLassoAlso(t *testing.T) {
	s := New(Options{})
	src := example(t, "morris_mutex")
	ex, _ := examples.Get("morris_mutex")
	kind := exampleJSON(ex).Kind
	var cj CheckJSON
	if code := post(t, s, "/api/check", request{Source: src}, &cj); code != 200 {
		t.Fatalf("check: %d", code)
	}
	i := slices.IndexFunc(cj.Violations, func(v trace.ViolationJSON) bool { return v.Kind == kind })
	if i < 0 {
		t.Fatalf("no %s among %+v", kind, cj.Violations)
	}
	var st StateJSON
	if code := post(t, s, "/api/state", request{Source: src, Schedule: cj.Violations[i].Schedule}, &st); code != 200 || st.Violation == nil {
		t.Fatalf("state: %d %+v", code, st.Violation)
	}
	kinds := []string{st.Violation.Kind}
	for _, a := range st.Also {
		kinds = append(kinds, a.Kind)
	}
	if !slices.Contains(kinds, kind) {
		t.Errorf("the replay of the shortest %s shows %v", kind, kinds)
	}
}

// TestChoiceLabels: a choose's buttons say the value each alternative
// takes, and a choice wider than the buttons is listed in wide with the
// value of its first alternative, for the page to let the learner type it.
func TestChoiceLabels(t *testing.T) {
	s := New(Options{})
	var st StateJSON
	if code := post(t, s, "/api/state", request{Source: "proc main() {\n    let k = choose 10..13\n    print k\n}\n"}, &st); code != 200 || len(st.Choices) != 3 {
		t.Fatalf("state: %d %+v", code, st.Choices)
	}
	if c := st.Choices[2]; c.Move != "0:2" || !strings.HasSuffix(c.Label, "= 12") {
		t.Errorf("the third alternative: %+v, want move 0:2 labelled = 12", c)
	}
	if len(st.Wide) != 0 {
		t.Errorf("wide %+v for 3 alternatives", st.Wide)
	}
	if code := post(t, s, "/api/state", request{Source: "proc main() {\n    let k = choose 5..206\n    print k\n}\n"}, &st); code != 200 {
		t.Fatalf("state: %d", code)
	}
	if len(st.Choices) != maxButtons || len(st.Wide) != 1 || st.Wide[0].Count != 201 || st.Wide[0].First == nil || *st.Wide[0].First != 5 {
		t.Fatalf("%d buttons, wide %+v", len(st.Choices), st.Wide)
	}
}

// TestMisfitFits: a schedule whose move does not fit says how many moves
// before it do, so that a page opened with a bad link shows that far.
func TestMisfitFits(t *testing.T) {
	s := New(Options{})
	src := example(t, "lost_update")
	for sched, fits := range map[string]int{"7,7,7": 0, "0*2,1,7": 3} {
		var m misfitJSON
		if code := post(t, s, "/api/state", request{Source: src, Schedule: sched}, &m); code != 409 || m.Fits != fits || !strings.Contains(m.Error, "does not fit") {
			t.Errorf("%s: %d %+v, want 409 with fits %d", sched, code, m, fits)
		}
	}
}

// TestLongOutcome: an outcome that printed 3,000 lines is shown, in the
// check and in the finished position's message, with its first 20 lines
// and how many more, as deck check shows it.
func TestLongOutcome(t *testing.T) {
	s := New(Options{})
	src := "proc main() {\n    for i in 0..3000 {\n        print \"line\", i\n    }\n}\n"
	var cj CheckJSON
	if code := post(t, s, "/api/check", request{Source: src}, &cj); code != 200 || len(cj.Outcomes) != 1 {
		t.Fatalf("check: %d %+v", code, len(cj.Outcomes))
	}
	o := cj.Outcomes[0]
	if !strings.HasSuffix(o.Shown, `print="line 19" … and 2980 more lines`) || len(o.Shown) > 1000 {
		t.Errorf("outcome shown as %q", trunc(o.Shown, 300))
	}
	var st StateJSON
	if code := post(t, s, "/api/state", request{Source: src, Schedule: o.Schedule}, &st); code != 200 || st.Status != "finished" {
		t.Fatalf("state: %d %s", code, st.Status)
	}
	if !strings.HasSuffix(st.Message, "… and 2980 more lines") || len(st.Message) > 1000 {
		t.Errorf("message %q", trunc(st.Message, 300))
	}
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
