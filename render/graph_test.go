package render_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deck-lang/deck"
	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/check"
	compiler "github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/render"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// svgDoc is what the tests read back from a state graph picture.
type svgDoc struct {
	Groups []struct {
		Class string `xml:"class,attr"`
		State string `xml:"data-state,attr"`
		Kind  string `xml:"data-kind,attr"`
		Title string `xml:"title"`
		Rect  struct {
			Class string `xml:"class,attr"`
		} `xml:"rect"`
		Texts []string `xml:"text"`
	} `xml:"g"`
	Paths []struct {
		Class string `xml:"class,attr"`
		Title string `xml:"title"`
	} `xml:"path"`
	Texts []struct {
		Class string `xml:"class,attr"`
		Text  string `xml:",chardata"`
	} `xml:"text"`
}

func parseSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	wellFormed(t, "graph", b)
	var doc svgDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestGraphLostUpdate draws the lost update's state graph with the
// checker's counterexample in red: every state is a box, the path starts
// at the initial state and ends at the failed assert, and the path's
// moves name the cards that lose the update.
func TestGraphLostUpdate(t *testing.T) {
	p := compile(t, "lost_update.deck")
	m := vm.New(p)
	g, err := render.StateGraph(m, "lost_update.deck", 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(vm.New(p), check.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Violations) != 1 {
		t.Fatalf("%d violations", len(rep.Violations))
	}
	if err := g.Highlight(m, &rep.Violations[0].Schedule); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := render.GraphSVG(&b, g); err != nil {
		t.Fatal(err)
	}
	golden(t, "lost_update_graph.svg", b.Bytes())
	doc := parseSVG(t, b.Bytes())

	kinds := map[string]int{}
	onPath := map[string]int{}
	for _, gr := range doc.Groups {
		if gr.Class != "state" {
			continue
		}
		kinds[gr.Kind]++
		if strings.Contains(gr.Rect.Class, "onpath") {
			onPath[gr.Kind]++
		}
	}
	if n := len(doc.Groups); n != len(g.Nodes) || n < 20 || n > 80 {
		t.Errorf("%d state boxes drawn, graph has %d", n, len(g.Nodes))
	}
	// Both outcomes' ends: x=2 finished, and failures where x=1.
	if kinds["end"] == 0 || kinds["failed"] == 0 || kinds["deadlock"] != 0 {
		t.Errorf("state kinds %v: want finished states and failures, no deadlock", kinds)
	}
	for _, gr := range doc.Groups {
		if gr.Kind == "end" && !strings.Contains(gr.Title, "x=2") {
			t.Errorf("a finished state without x=2: %q", gr.Title)
		}
		if gr.Kind == "failed" && !strings.Contains(gr.Title, "an increment was lost") {
			t.Errorf("a failure that is not the assert: %q", gr.Title)
		}
	}
	// The path: one box per move plus the start, ending at the failure.
	moves := rep.Violations[0].Schedule.Len()
	total := 0
	for _, n := range onPath {
		total += n
	}
	if total != moves+1 || onPath["failed"] != 1 {
		t.Errorf("%d boxes on the path (%v), want %d ending in one failure", total, onPath, moves+1)
	}
	red := 0
	var reads []string
	for _, pa := range doc.Paths {
		if pa.Class == "gpath" {
			red++
			if strings.Contains(pa.Title, "t1 = x") {
				reads = append(reads, pa.Title)
			}
		}
	}
	if red != moves {
		t.Errorf("%d red moves, want %d", red, moves)
	}
	// Both incrementers read x on the path (the update is lost).
	if len(reads) != 2 || reads[0] == reads[1] {
		t.Errorf("reads of x on the path: %q, want one by each incrementer", reads)
	}
	labels := 0
	for _, tx := range doc.Texts {
		if tx.Class == "glabel" {
			labels++
		}
	}
	if labels != moves {
		t.Errorf("%d labels on the path, want %d", labels, moves)
	}
}

// TestGraphDeadlock: the philosophers' deadlock is an orange state.
func TestGraphDeadlock(t *testing.T) {
	p, err := deck.Compile("d.deck", []byte("mutex a\nmutex b\nproc one() { lock a; lock b; unlock b; unlock a }\nproc two() { lock b; lock a; unlock a; unlock b }\nproc main() {\n    spawn one()\n    spawn two()\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := vm.New(p)
	g, err := render.StateGraph(m, "d.deck", 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(vm.New(p), check.Options{Workers: 1})
	if err != nil || len(rep.Violations) != 1 || rep.Violations[0].Violation.Kind != trace.KindDeadlock {
		t.Fatalf("check: %v %+v", err, rep)
	}
	if err := g.Highlight(m, &rep.Violations[0].Schedule); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	render.GraphSVG(&b, g)
	doc := parseSVG(t, b.Bytes())
	dead := 0
	for _, gr := range doc.Groups {
		if gr.Kind == "deadlock" {
			dead++
			if !strings.Contains(gr.Rect.Class, "onpath") || !strings.Contains(gr.Title, "waits") {
				t.Errorf("the deadlock: class %q title %q", gr.Rect.Class, gr.Title)
			}
		}
	}
	if dead != 1 {
		t.Errorf("%d deadlocked states, want 1", dead)
	}
}

// TestGraphPlaced: a placed program's graph has message moves, and the
// checker's counterexample (a lost request) is a path in it.
func TestGraphPlaced(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "lost_request.deck"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Source("lost_request.deck", src)
	if err != nil {
		t.Fatal(err)
	}
	if p, err = compiler.Place(p, nil, card.Lossy); err != nil {
		t.Fatal(err)
	}
	m := vm.New(p)
	g, err := render.StateGraph(m, "lost_request.deck", 0)
	if err != nil {
		t.Fatal(err)
	}
	deliveries, drops := 0, 0
	for _, e := range g.Edges {
		if e.Move.Stack == trace.NetDeliver && strings.HasPrefix(e.Label, "deliver home→Y") {
			deliveries++
		}
		if e.Move.Stack == trace.NetDrop && strings.HasPrefix(e.Label, "drop ") {
			drops++
		}
	}
	if deliveries == 0 || drops == 0 {
		t.Fatalf("%d deliveries, %d drops in the graph of a placed program on a lossy network", deliveries, drops)
	}
	rep, err := check.Run(vm.New(p), check.Options{Workers: 1})
	if err != nil || len(rep.Violations) == 0 {
		t.Fatalf("check: %v, %d violations", err, len(rep.Violations))
	}
	if err := g.Highlight(m, &rep.Violations[0].Schedule); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	render.GraphSVG(&b, g)
	doc := parseSVG(t, b.Bytes())
	// The path's drop names the message as the schedule does.
	named := false
	for _, e := range g.Edges {
		if e.Path && e.Move.Stack == trace.NetDrop && strings.HasPrefix(e.Label, "drop m") {
			named = true
		}
	}
	if !named {
		t.Errorf("no drop named by its number on the path of %s", &rep.Violations[0].Schedule)
	}
	dead := false
	for _, gr := range doc.Groups {
		if gr.Kind == "deadlock" && strings.Contains(gr.Rect.Class, "onpath") {
			dead = true
		}
	}
	if !dead {
		t.Error("the path does not end in a deadlock")
	}
}

// TestGraphTooBig: a program with more states than a picture can hold is
// refused with a message that says so.
func TestGraphTooBig(t *testing.T) {
	p := compile(t, "peterson.deck")
	_, err := render.StateGraph(vm.New(p), "peterson.deck", 50)
	var big *render.GraphTooBigError
	if !errors.As(err, &big) || big.Limit != 50 || !strings.Contains(err.Error(), "more than 50 states") {
		t.Errorf("err = %v, want a GraphTooBigError at 50", err)
	}
}

// BenchmarkGraph explores and draws the lost update's state graph.
func BenchmarkGraph(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "lost_update.deck"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := deck.Compile("lost_update.deck", src)
	if err != nil {
		b.Fatal(err)
	}
	m := vm.New(p)
	for b.Loop() {
		g, err := render.StateGraph(m, "lost_update.deck", 0)
		if err != nil {
			b.Fatal(err)
		}
		render.GraphSVG(io.Discard, g)
	}
}
