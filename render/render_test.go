package render_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deck-lang/deck"
	"github.com/deck-lang/deck/card"
	compiler "github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/deal"
	"github.com/deck-lang/deck/render"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func compile(t *testing.T, name string) *card.Program {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := deck.Compile(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wellFormed decodes the whole document with encoding/xml.
func wellFormed(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./render -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./render -update rewrites it after a deliberate change)", name)
	}
}

func walk(t *testing.T, p *card.Program, schedule string, opt render.Options) *render.Run {
	t.Helper()
	sch, err := trace.Parse(schedule)
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Walk(vm.New(p), sch, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The lost update: both stacks read x=0, then both write x=1.
const lostUpdate = "0,0,1,2,1,2,1,2,0,0,0"

func TestLostUpdate(t *testing.T) {
	p := compile(t, "lost_update.deck")
	r := walk(t, p, lostUpdate, render.Options{Title: "lost_update.deck", WithState: true})
	stale, lost := 0, 0
	for _, e := range r.Flow {
		if e.Kind == "stale" {
			stale++
		}
	}
	lost = len(r.Lost)
	if stale != 1 || lost != 1 || !r.Failed {
		t.Errorf("stale reads %d, lost writes %d, failed %v; want 1, 1, true (flow %+v)", stale, lost, r.Failed, r.Flow)
	}
	var b bytes.Buffer
	if err := render.SVG(&b, r); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "lost_update.svg", b.Bytes())
	golden(t, "lost_update.svg", b.Bytes())
	b.Reset()
	if err := render.HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "lost_update.html", b.Bytes())
}

// A placed program dealt with a fixed seed: messages between nodes.
func TestPlaced(t *testing.T) {
	p := compile(t, "lost_request.deck")
	m := vm.New(p)
	res, err := deal.Run(m, deal.Options{Seed: 1, CPUs: 1, Quantum: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Walk(m, &res.Schedule, render.Options{Title: "lost_request.deck (seed 1)", CPUs: res.CPUs, CPUsPerNode: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) == 0 {
		t.Fatal("no messages in the sequence diagram")
	}
	var b bytes.Buffer
	if err := render.SVG(&b, r); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "lost_request.svg", b.Bytes())
	golden(t, "lost_request.svg", b.Bytes())
}

// A dropped message draws a cross.
func TestDropped(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "lost_request.deck"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Source("lost_request.deck", src)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := compiler.Place(p, nil, card.Lossy)
	if err != nil {
		t.Fatal(err)
	}
	r := walk(t, pl, "0+m1,0,x2", render.Options{Title: "dropped"})
	var b bytes.Buffer
	if err := render.SVG(&b, r); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "dropped", b.Bytes())
	if !strings.Contains(b.String(), "dropped m2") || !r.Failed {
		t.Errorf("no dropped message drawn, or no deadlock: %s", r.Ending)
	}
}

// A long run is summarised: a 20,000-card run stays small and quick.
func TestLongRun(t *testing.T) {
	src := []byte("var x = 0\nproc inc() { for i in 0..2500 { x++ } }\nproc main() {\n    let a = spawn inc()\n    let b = spawn inc()\n    join a\n    join b\n}\n")
	p, err := deck.Compile("long.deck", src)
	if err != nil {
		t.Fatal(err)
	}
	m := vm.New(p)
	res, err := deal.Run(m, deal.Options{Seed: 1, CPUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := render.Walk(m, &res.Schedule, render.Options{Title: "long", CPUs: res.CPUs, CPUsPerNode: 2})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := render.SVG(&b, r); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "long.svg", b.Bytes())
	if b.Len() > 400_000 {
		t.Errorf("a %d-card run drew %d bytes of SVG; long runs should be summarised", res.Cards, b.Len())
	}
	if !strings.Contains(b.String(), "lost updates") {
		t.Error("the summary of stale reads and lost updates is missing")
	}
}

func BenchmarkSVG10k(b *testing.B) {
	src := []byte("var x = 0\nproc inc() { for i in 0..1250 { x++ } }\nproc main() {\n    let a = spawn inc()\n    let b = spawn inc()\n    join a\n    join b\n}\n")
	p, err := deck.Compile("long.deck", src)
	if err != nil {
		b.Fatal(err)
	}
	m := vm.New(p)
	res, _ := deal.Run(m, deal.Options{Seed: 1})
	for b.Loop() {
		r, err := render.Walk(m, &res.Schedule, render.Options{CPUs: res.CPUs, CPUsPerNode: 1})
		if err != nil {
			b.Fatal(err)
		}
		render.SVG(io.Discard, r)
	}
	b.ReportMetric(float64(res.Cards), "cards")
}

// A title, a schedule or an ending too long for the picture's width wraps
// onto more lines instead of running off the right edge: every line of
// text fits in the 1000-pixel picture (at the stylesheet's 0.6 em a
// character), and the title's lines put together are the title.
func TestLongTextWraps(t *testing.T) {
	p := compile(t, "lost_update.deck")
	title := "examples/lost_update.deck: counterexample (" + strings.Repeat("a very long description of what went wrong ", 8) + ")"
	r := walk(t, p, lostUpdate, render.Options{Title: title})
	var b bytes.Buffer
	if err := render.SVG(&b, r); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, "long title", b.Bytes())
	if !bytes.Contains(b.Bytes(), []byte(`width="1000" height=`)) {
		t.Fatalf("the picture is not 1000 pixels wide")
	}
	line := regexp.MustCompile(`<text x="12" y="[0-9.]+" class="(h|s|bad)">([^<]*)</text>`)
	px := map[string]float64{"h": 15 * 0.6, "s": 11 * 0.6, "bad": 12 * 0.6}
	var heads []string
	for _, m := range line.FindAllStringSubmatch(b.String(), -1) {
		text := html.UnescapeString(m[2])
		if w := 12 + float64(len([]rune(text)))*px[m[1]]; w > 1000 {
			t.Errorf("%q is %.0f pixels wide, more than the picture", text, w)
		}
		if m[1] == "h" && strings.HasPrefix(title, strings.Join(append(heads, text), " ")) {
			heads = append(heads, text)
		}
	}
	if len(heads) < 2 || strings.Join(heads, " ") != title {
		t.Errorf("the title is drawn as %q, want it whole on several lines", heads)
	}
}
