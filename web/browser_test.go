package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// findChromium returns Debian's chromium, or "" when it is not installed
// (.ci/run installs it with apt-get).
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// page drives the playground in a headless chromium.
type page struct {
	t   *testing.T
	ctx context.Context
	url string // the playground's address
}

// openBrowser starts the playground and a headless chromium for it; both
// stop when the test ends. It skips the test when chromium is missing.
func openBrowser(t *testing.T) *page { return openBrowserWith(t, nil) }

// openBrowserWith is openBrowser with the server's handler wrapped by
// wrap (nil: as it is), for a test that holds an answer back.
func openBrowserWith(t *testing.T, wrap func(http.Handler) http.Handler) *page {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium; .ci/run does it): skipping the browser test")
	}
	var h http.Handler = New(Options{})
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	parent, cancelParent := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancelParent)
	actx, cancelAlloc := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	return &page{t: t, ctx: ctx, url: ts.URL}
}

// shot saves a screenshot to $DECK_SCREENSHOTS when it is set.
func (pg *page) shot(name string) {
	t := pg.t
	t.Helper()
	shots := os.Getenv("DECK_SCREENSHOTS")
	if shots == "" {
		return
	}
	png, err := chromedp.Run(pg.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

func (pg *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	pg.t.Helper()
	if err := chromedp.Do(pg.ctx, steps...); err != nil {
		pg.t.Fatalf("%s: %v", what, err)
	}
}

func (pg *page) text(sel string) string {
	pg.t.Helper()
	s, err := chromedp.Run(pg.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		pg.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression.
func eval[T any](pg *page, expr string) T {
	pg.t.Helper()
	v, err := chromedp.Run(pg.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		pg.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func (pg *page) waitFor(what, cond string) {
	pg.t.Helper()
	wctx, cancel := context.WithTimeout(pg.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		pg.t.Fatalf("waiting for %s (%s): %v; status %q, schedule %q", what, cond, err, pg.text("#status"), pg.text("#schedule"))
	}
}

func schedIs(s string) string {
	return fmt.Sprintf(`document.getElementById("schedule").textContent === %q`, s)
}

// click deals the move of one button and waits for the schedule the page
// should then show. The page may draw the buttons again between finding
// one and clicking it (a loaded example is drawn, then drawn again when
// the server's answer comes); chromedp then reports the node gone, and
// the click is tried again on the button drawn since. (CI saw it once,
// on a loaded machine.)
func (pg *page) click(move, sched string) {
	pg.t.Helper()
	sel := chromedp.CSS(fmt.Sprintf(`button.move[data-move=%q]`, move))
	var err error
	for try := 0; try < 5; try++ {
		cctx, cancel := context.WithTimeout(pg.ctx, 10*time.Second)
		err = chromedp.Do(cctx, chromedp.Click(sel))
		cancel()
		if err == nil || !strings.Contains(err.Error(), "Could not find node") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		pg.t.Fatalf("click move %s after %q: %v", move, pg.text("#schedule"), err)
	}
	pg.waitFor("schedule "+sched, schedIs(sched))
}

// TestBrowserLostUpdate drives the playground in a real, headless
// chromium: it loads the page, picks lost_update from the gallery, clicks
// the stacks' buttons so that both read x before either writes, undoes a
// card and plays it again, reads "You broke it." and the schedule from the
// page, then runs Check and plays the shortest counterexample back.
// Screenshots of the key screens go to $DECK_SCREENSHOTS when it is set.
func TestBrowserLostUpdate(t *testing.T) {
	pg := openBrowser(t)
	ctx, do, text, waitFor, click, shot := pg.ctx, pg.do, pg.text, pg.waitFor, pg.click, pg.shot
	ts := struct{ URL string }{pg.url}

	// Start on another example, then pick lost_update in the dropdown.
	do("load the page", chromedp.Navigate(ts.URL+"/#example=hello"))
	waitFor("the page", `document.body.dataset.ready === "1"`)
	do("pick lost_update", chromedp.SetValue(chromedp.CSS("#example"), "lost_update"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("example").dispatchEvent(new Event("change"))`))
	waitFor("lost_update's source", `document.getElementById("src").value.includes("an increment was lost")`)
	waitFor("the first move", `document.querySelector('button.move[data-move="0"]') !== null`)
	if g := text("#goal"); !strings.Contains(g, "Break the assert") {
		t.Errorf("goal %q", g)
	}
	shot("1-start")

	click("0", "0")     // main spawns a
	click("0", "0*2")   // main spawns b
	click("1", "0*2,1") // a reads x (0)
	do("undo", chromedp.Click(chromedp.ID("undo")))
	waitFor("undo", schedIs("0*2"))
	click("1", "0*2,1")   // a reads x again
	click("2", "0*2,1,2") // b reads x (0): the update is lost
	// main waits for a: the page says why it cannot move.
	if s := text(`#stacks tr[data-stack="0"]`); !strings.Contains(s, "waits: join") {
		t.Errorf("main's row: %q", s)
	}
	click("1", "0*2,1,2,1") // a writes 1
	click("2", "0*2,1,2,1,2")
	if x := text(`#shared td[data-var="x"]`); x != "1" {
		t.Errorf("x = %q after both writes, want 1", x)
	}
	shot("2-lost")
	click("1", "0*2,1,2,1,2,1")       // a returns
	click("2", "0*2,1,2,1,2,1,2")     // b returns
	click("0", "0*2,1,2,1,2,1,2,0")   // join a
	click("0", "0*2,1,2,1,2,1,2,0*2") // join b
	click("0", "0*2,1,2,1,2,1,2,0*3") // assert x == 2
	waitFor("you broke it", `document.getElementById("status").textContent.includes("You broke it.")`)
	if st := text("#status"); !strings.Contains(st, "an increment was lost") {
		t.Errorf("status %q", st)
	}
	if g := text("#goal"); !strings.Contains(g, "Done") {
		t.Errorf("goal after the win: %q", g)
	}
	shot("3-broken")

	// Check: the verdict, and the shortest counterexample played back.
	do("check", chromedp.Click(chromedp.ID("check")))
	waitFor("the verdict", `document.getElementById("verdict") !== null`)
	if v := text("#verdict"); v != "verdict: violation" {
		t.Errorf("verdict %q", v)
	}
	do("play back", chromedp.Click(chromedp.CSS("button.playback-btn")))
	waitFor("playback at 0", `!document.getElementById("playback").hidden && document.getElementById("pbpos").textContent.startsWith("card 0 of")`)
	do("one card on", chromedp.Click(chromedp.ID("pbnext")))
	waitFor("playback at 1", `document.getElementById("pbpos").textContent.startsWith("card 1 of")`)
	do("to the end", chromedp.Click(chromedp.ID("pblast")))
	waitFor("the counterexample's end", `document.getElementById("status").textContent.includes("You broke it.")`)
	shot("4-check")

	// A program that does not compile: the error, at its line and column.
	do("type a bad program", chromedp.SetValue(chromedp.ID("src"), "var x = 0\nproc main() {\n    x = = 1\n}\n"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("src").dispatchEvent(new Event("input"))`))
	waitFor("the error", `document.querySelector("#errors .error") !== null`)
	if e := text("#errors .error"); !strings.HasPrefix(e, "3:9: ") {
		t.Errorf("error %q, want it at 3:9", e)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#gutter .err").length`)); err != nil || n != 1 {
		t.Errorf("%d lines marked in the gutter (%v), want 1", n, err)
	}
	// The caret under the column, after wide characters too (two columns
	// each; the column counts bytes, the page's strings do not).
	do("type a bad program with wide characters", chromedp.SetValue(chromedp.ID("src"), "proc main() {\n    print \"日本\", zz\n}\n"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("src").dispatchEvent(new Event("input"))`))
	waitFor("the second error", `(document.querySelector("#errors .error") || {textContent: ""}).textContent.startsWith("2:21: ")`)
	if e, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#errors .error").textContent`)); err != nil || !strings.HasSuffix(e, "\n"+strings.Repeat(" ", 18)+"^") {
		t.Errorf("error text %q (%v): want the caret after 18 columns", e, err)
	}
	shot("5-error")

	// A stack that prints as it spins: the check says it left the printed
	// lines out of the states, and finds the livelock.
	do("type a printing livelock", chromedp.SetValue(chromedp.ID("src"), "var turn = 0\nproc polite(me) {\n    while turn != me {\n        print \"after you\", me\n        turn = 1 - me\n    }\n}\nproc main() {\n    spawn polite(0)\n    spawn polite(1)\n}\n"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("src").dispatchEvent(new Event("input"))`))
	waitFor("the program compiled", `document.querySelector("#errors .error") === null && document.querySelector('button.move[data-move="0"]') !== null`)
	do("check", chromedp.Click(chromedp.ID("check")))
	waitFor("the note on printed lines", `document.getElementById("ignoreprints") !== null`)
	if v := text("#verdict"); v != "verdict: violation" {
		t.Errorf("verdict %q", v)
	}
	if r := text("#checkres"); !strings.Contains(r, "livelock") {
		t.Errorf("check result %q", r)
	}

	// More outcomes than a report lists: the page says how many more.
	do("type a wide choice", chromedp.SetValue(chromedp.ID("src"), "var x = 0\nproc main() {\n    x = choose 0..1500\n}\n"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("src").dispatchEvent(new Event("input"))`))
	waitFor("the program compiled", `document.querySelector("#errors .error") === null && document.querySelector('button.move[data-move="0"]') !== null && !document.getElementById("src").value.includes("polite")`)
	do("check", chromedp.Click(chromedp.ID("check")))
	waitFor("the outcomes' count", `document.getElementById("checkres").textContent.includes("… and 500 more (the first 1000 are listed)")`)
}

// TestBrowserNodes plays a placed program in the browser: lost_request's
// level comes with its lossy network, the page shows the nodes, a button
// per message that can be delivered (and dropped), and the messages in
// flight; dropping the request deadlocks it. A reliable network offers no
// drop, and the placement field moves the bank to another node.
func TestBrowserNodes(t *testing.T) {
	pg := openBrowser(t)
	pg.do("load lost_request", chromedp.Navigate(pg.url+"/#example=lost_request"))
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the first move", `document.querySelector('button.move[data-move="0"]') !== null`)
	if !eval[bool](pg, `document.getElementById("lossy").checked && document.getElementById("net").value === "ordered"`) {
		t.Error("the level's network is not ordered,lossy in the fields")
	}
	if n := pg.text("#nodes"); n != "nodes: home, Y · network: ordered,lossy" {
		t.Errorf("nodes line %q", n)
	}
	if g := pg.text("#goal"); !strings.Contains(g, "Make it deadlock") || !strings.Contains(g, "lossy") {
		t.Errorf("goal %q", g)
	}
	pg.click("0", "0") // main spawns the bank on Y: its start message is in flight
	if row := pg.text("#inflight tr"); !strings.Contains(row, "m1") || !strings.Contains(row, "home→Y") || !strings.Contains(row, "deliver") {
		t.Errorf("in flight: %q", row)
	}
	if eval[bool](pg, `document.querySelector('button.move[data-move="x1"]') !== null`) {
		t.Error("a start message can be dropped")
	}
	if s := pg.text(`#stacks tr[data-stack="1"]`); !strings.Contains(s, "bank#1 @Y") || !strings.Contains(s, "start message") {
		t.Errorf("the bank's row: %q", s)
	}
	pg.click("m1", "0,m1")
	pg.click("0", "0,m1,0") // main sends the request: m2
	pg.waitFor("the drop button", `document.querySelector('button.move.drop[data-move="x2"]') !== null`)
	if b := pg.text(`button.move[data-move="m2"]`); !strings.HasPrefix(b, "deliver m2 home→Y") {
		t.Errorf("the delivery button reads %q", b)
	}
	if row := pg.text("#inflight tr"); !strings.Contains(row, "m2") || !strings.Contains(row, "deliver, drop") {
		t.Errorf("in flight with the request: %q", row)
	}
	pg.shot("6-nodes")
	pg.click("x2", "0,m1,0,x2")
	pg.waitFor("you broke it", `document.getElementById("status").textContent.includes("You broke it.")`)
	if st := pg.text("#status"); !strings.Contains(st, "deadlock") {
		t.Errorf("status %q", st)
	}
	if !eval[bool](pg, `document.getElementById("inflightbox").hidden`) {
		t.Error("messages still shown in flight after the drop")
	}

	// A reliable network: the game starts again and offers no drop.
	pg.do("untick lossy", chromedp.Click(chromedp.ID("lossy")))
	pg.waitFor("the reliable network", `document.getElementById("nodes").textContent.endsWith("network: ordered")`)
	pg.waitFor("a new game", schedIs("(no cards dealt yet)"))
	pg.click("0", "0")
	pg.click("m1", "0,m1")
	pg.click("0", "0,m1,0")
	if eval[int](pg, `document.querySelectorAll("button.move.drop").length`) != 0 {
		t.Error("a drop on a reliable network")
	}
	// The placement field overrides the file's place line.
	pg.do("place the bank on W", chromedp.SetValue(chromedp.ID("place"), "bank=W"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("place").dispatchEvent(new Event("input"))`))
	pg.waitFor("the bank on W", `document.getElementById("nodes").textContent.startsWith("nodes: home, W")`)
	pg.click("0", "0")
	if row := pg.text("#inflight tr"); !strings.Contains(row, "home→W") {
		t.Errorf("in flight with the bank on W: %q", row)
	}
}

// TestBrowserSharedPosition opens addresses that hold a program and a
// schedule, as Share position writes them, and reads the position back
// from the page: an example's, then the user's own placed program with its
// network. Then it makes a move, shares, reloads, and finds it again.
func TestBrowserSharedPosition(t *testing.T) {
	pg := openBrowser(t)
	pg.do("open a shared lost update", chromedp.Navigate(pg.url+"/#example=lost_update&schedule=0*2,1,2"))
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the shared schedule", schedIs("0*2,1,2"))
	if n := eval[int](pg, `document.querySelectorAll("#steps li").length`); n != 4 {
		t.Errorf("%d cards dealt, want 4", n)
	}
	for stack, want := range map[string]string{"1": "t1=0", "2": "t1=0"} {
		if s := pg.text(`#stacks tr[data-stack="` + stack + `"]`); !strings.Contains(s, want) {
			t.Errorf("stack %s: %q, want %s (both read x=0)", stack, s, want)
		}
	}
	if v := eval[string](pg, `document.getElementById("example").value`); v != "lost_update" {
		t.Errorf("example %q", v)
	}

	// The user's own program, placed, on a lossy network.
	src := "chan c(1)\nproc recv1() { let v = recv c }\nproc main() {\n    spawn recv1()\n    send c, 7\n}\n"
	hash := "source=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(src))) +
		"&place=" + url.QueryEscape("recv1=Y") + "&net=" + url.QueryEscape("unordered,lossy") + "&schedule=" + url.QueryEscape("0,m1,0")
	pg.do("open a shared placed program", chromedp.Navigate(pg.url+"/#"+hash), chromedp.Reload())
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the shared schedule", schedIs("0,m1,0"))
	if got := eval[string](pg, `document.getElementById("src").value`); got != src {
		t.Errorf("source %q", got)
	}
	if !eval[bool](pg, `document.getElementById("place").value === "recv1=Y" && document.getElementById("net").value === "unordered" && document.getElementById("lossy").checked && !document.getElementById("dup").checked`) {
		t.Error("placement or network not restored in the fields")
	}
	if row := pg.text("#inflight tr"); !strings.Contains(row, "m2") || !strings.Contains(row, "home→Y") || !strings.Contains(row, "c <- 7") {
		t.Errorf("in flight: %q", row)
	}
	// One more move, Share, and a fresh load of the address.
	pg.click("m2", "0,m1,0,m2")
	pg.do("share", chromedp.Click(chromedp.ID("share")))
	pg.waitFor("the address", `location.hash.includes("schedule=")`)
	pg.do("reload the shared address", chromedp.Reload())
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the shared schedule", schedIs("0,m1,0,m2"))
	if got := pg.text(`#shared td[data-var="c"]`); got != "[7] (1 of 1)" {
		t.Errorf("channel c after the delivery: %q", got)
	}
	if !eval[bool](pg, `document.getElementById("lossy").checked`) {
		t.Error("the network is not lossy after the reload")
	}
}

// svgTexts parses an SVG document strictly as XML and returns the root
// element's name and every <text> element's content.
func svgTexts(b []byte) (string, []string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	root := ""
	var texts []string
	var cur *strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return root, texts, nil
		}
		if err != nil {
			return root, texts, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
			}
			if t.Name.Local == "text" {
				cur = &strings.Builder{}
			}
		case xml.CharData:
			if cur != nil {
				cur.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "text" && cur != nil {
				texts = append(texts, cur.String())
				cur = nil
			}
		}
	}
}

// download clicks Export SVG and returns the file the browser saved in
// dir under name.
func (pg *page) download(dir, name string) []byte {
	pg.t.Helper()
	path := filepath.Join(dir, name)
	os.Remove(path)
	pg.do("export", chromedp.Evaluate[chromedp.Void](`delete document.body.dataset.exported`), chromedp.Click(chromedp.ID("export")))
	pg.waitFor("the export", `document.body.dataset.exported === `+fmt.Sprintf("%q", name))
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, err := os.ReadFile(path)
		// A download is written to a temporary name and renamed, so a
		// file there is complete once it parses.
		if err == nil && len(b) > 0 && bytes.HasSuffix(bytes.TrimSpace(b), []byte("</svg>")) {
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			pg.t.Fatalf("no %s downloaded to %s (it holds %v): %v", name, dir, names, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBrowserExportSVG exports a lost update from the playground as a
// teacher would for a slide: the run played by hand, then the checker's
// shortest counterexample during its playback. Each download must be a
// well-formed SVG document with a lane per stack, and the very picture
// deck run --replay SCHEDULE --svg draws (RunSVG, which cmd/deck's tests
// compare with the command).
func TestBrowserExportSVG(t *testing.T) {
	pg := openBrowser(t)
	dir := t.TempDir()
	pg.do("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		})
		return err
	}))
	const played = "0*2,1,2,1,2,1,2,0*3"
	pg.do("open a lost update", chromedp.Navigate(pg.url+"/#example=lost_update&schedule="+url.QueryEscape(played)))
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the broken position", `document.getElementById("status").textContent.includes("You broke it.")`)

	p, err := compile.Source("lost_update.deck", []byte(example(t, "lost_update")))
	if err != nil {
		t.Fatal(err)
	}
	want := func(schedule string) []byte {
		t.Helper()
		moves, _, err := parseMoves(schedule)
		if err != nil {
			t.Fatal(err)
		}
		var sch trace.Schedule
		for _, mv := range moves {
			sch.Add(mv)
		}
		b, err := RunSVG(vm.New(p), "lost_update.deck", &sch, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lanes := func(what string, b []byte) {
		t.Helper()
		root, texts, err := svgTexts(b)
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", what, err)
		}
		if root != "svg" {
			t.Errorf("%s: the root element is <%s>, want <svg>", what, root)
		}
		for _, lane := range []string{"0 main", "1 inc#1", "2 inc#2", "cpu0", "stacks, tick by tick", "deck run lost_update.deck (a replayed schedule)"} {
			if !slices.Contains(texts, lane) {
				t.Errorf("%s: no text %q among %d texts", what, lane, len(texts))
			}
		}
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.HasPrefix(s, "violation: main failed at card") }) {
			t.Errorf("%s: the picture does not say the assert failed", what)
		}
	}

	got := pg.download(dir, "lost_update.svg")
	lanes("the played run", got)
	if !bytes.Equal(got, want(played)) {
		t.Errorf("the exported run is not the picture deck run --replay '%s' --svg draws", played)
	}
	if !bytes.Contains(got, []byte("schedule: "+played)) {
		t.Errorf("the exported run does not show its schedule %s", played)
	}

	// The shortest counterexample, exported during its playback (at its
	// first card): the whole shuffle is drawn.
	pg.do("check", chromedp.Click(chromedp.ID("check")))
	pg.waitFor("the verdict", `document.getElementById("verdict") !== null`)
	pg.do("play back", chromedp.Click(chromedp.CSS("button.playback-btn")))
	pg.waitFor("playback at 0", `!document.getElementById("playback").hidden && document.getElementById("pbpos").textContent.startsWith("card 0 of")`)
	cx := eval[string](pg, `document.querySelector("#checkres li code").textContent`)
	got = pg.download(dir, "lost_update.svg")
	lanes("the counterexample", got)
	if !bytes.Equal(got, want(cx)) {
		t.Errorf("the exported counterexample is not the picture deck run --replay '%s' --svg draws", cx)
	}
	pg.shot("7-export")
}

// pick chooses an example in the dropdown, as a learner does.
func (pg *page) pick(name string) {
	pg.t.Helper()
	pg.do("pick "+name, chromedp.SetValue(chromedp.CSS("#example"), name),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("example").dispatchEvent(new Event("change"))`))
}

// setSource types a program into the editor.
func (pg *page) setSource(src string) {
	pg.t.Helper()
	pg.do("type a program", chromedp.SetValue(chromedp.ID("src"), src),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("src").dispatchEvent(new Event("input"))`))
}

// setHash changes the address's hash as pasting a link into the tab does.
func (pg *page) setHash(hash string) {
	pg.t.Helper()
	pg.do("go to #"+hash, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("location.hash = %q", hash)))
}

// TestBrowserStaleAnswers: answers that come back after the board has
// moved on are dropped. A check the server holds back is abandoned when
// another example is picked (the server sees its request go), and its
// verdict never shows under the new example; the Check button takes no
// second check meanwhile. Two quick clicks deal both moves, the second on
// the position the first left, and a move made with the keyboard leaves
// the focus on the moves.
func TestBrowserStaleAnswers(t *testing.T) {
	release, gone := make(chan struct{}), make(chan struct{}, 1)
	var checks atomic.Int32
	pg := openBrowserWith(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/check" && checks.Add(1) == 1 {
				// The first check waits for the test, or for its page
				// to abandon it (which the server sees once it has
				// read the body, as Server does).
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				select {
				case <-release:
				case <-r.Context().Done():
					gone <- struct{}{}
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	t.Cleanup(letGo)
	pg.do("load lost_update", chromedp.Navigate(pg.url+"/#example=lost_update"))
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the first move", `document.querySelector('button.move[data-move="0"]') !== null`)
	pg.do("check", chromedp.Click(chromedp.ID("check")))
	pg.waitFor("the check under way", `document.getElementById("check").disabled && document.getElementById("checkres").textContent.startsWith("checking")`)
	pg.pick("hello")
	pg.waitFor("hello", `document.getElementById("goal").textContent.includes("Play every shuffle") && document.querySelector('button.move[data-move="0"]') !== null`)
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Error("the page did not abandon its check of lost_update")
	}
	letGo()
	time.Sleep(300 * time.Millisecond) // a stale verdict would be drawn by now
	if r := pg.text("#checkres"); r != "" || eval[bool](pg, `document.getElementById("check").disabled`) {
		t.Errorf("under hello, after lost_update's check: %q, check disabled %v", r, eval[bool](pg, `document.getElementById("check").disabled`))
	}
	pg.do("check hello", chromedp.Click(chromedp.ID("check")))
	pg.waitFor("hello's verdict", `document.getElementById("verdict") !== null`)
	if n := checks.Load(); n != 2 {
		t.Errorf("%d checks asked for, want 2", n)
	}

	// Two clicks before the first answer comes.
	pg.pick("lost_update")
	pg.waitFor("lost_update", `document.getElementById("src").value.includes("an increment was lost") && document.querySelector('button.move[data-move="0"]') !== null`)
	pg.click("0", "0")
	pg.click("0", "0*2")
	pg.do("two quick clicks", chromedp.Evaluate[chromedp.Void](`for (const m of ["1", "2"]) document.querySelector('button.move[data-move="' + m + '"]').click()`))
	pg.waitFor("both moves", schedIs("0*2,1,2"))

	// Enter on a move: the focus stays on the moves.
	pg.do("focus move 1", chromedp.Focus(chromedp.CSS(`button.move[data-move="1"]`)), chromedp.KeyEvent("\r"))
	pg.waitFor("the move", schedIs("0*2,1,2,1"))
	if !eval[bool](pg, `document.activeElement.matches("#moves button.move")`) {
		t.Errorf("after Enter on a move the focus is on <%s>", eval[string](pg, `document.activeElement.tagName`))
	}
}

// TestBrowserLinks: Share position keeps a level's network as the learner
// left it, copies the link (or says it is in the address bar), and a link
// pasted into the tab, or Back, loads its position. A link whose schedule
// does not fit shows the moves before the one that does not, and says so;
// a link whose program cannot be read says that.
func TestBrowserLinks(t *testing.T) {
	pg := openBrowser(t)
	pg.do("open lost_request", chromedp.Navigate(pg.url+"/#example=lost_request"))
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the lossy level", `document.getElementById("nodes").textContent.endsWith("network: ordered,lossy")`)
	pg.do("untick lossy", chromedp.Click(chromedp.ID("lossy")))
	pg.waitFor("the reliable network", `document.getElementById("nodes").textContent.endsWith("network: ordered")`)
	pg.click("0", "0")
	pg.do("share", chromedp.Click(chromedp.ID("share")))
	pg.waitFor("the confirmation", `/link/i.test(document.getElementById("note").textContent)`)
	if h := eval[string](pg, `location.hash`); !strings.Contains(h, "net=ordered") {
		t.Errorf("shared %s: the network is left out", h)
	}
	pg.do("reload the shared address", chromedp.Reload())
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.waitFor("the shared schedule", schedIs("0"))
	if eval[bool](pg, `document.getElementById("lossy").checked`) {
		t.Error("the network is lossy again after the reload")
	}

	// A link pasted into the tab; then two Shares and Back.
	pg.setHash("example=lost_update&schedule=0*2,1")
	pg.waitFor("the pasted position", schedIs("0*2,1")+` && document.getElementById("example").value === "lost_update"`)
	pg.do("share", chromedp.Click(chromedp.ID("share")))
	pg.waitFor("the address", `location.hash.includes("schedule=0*2%2C1")`)
	pg.click("2", "0*2,1,2")
	pg.do("share again", chromedp.Click(chromedp.ID("share")))
	pg.waitFor("the address", `location.hash.includes("schedule=0*2%2C1%2C2")`)
	pg.do("back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	pg.waitFor("the first shared position", schedIs("0*2,1"))

	// Bad links.
	pg.setHash("example=lost_update&schedule=0*2,1,7,7")
	pg.waitFor("the moves that fit", schedIs("0*2,1")+` && document.getElementById("note").textContent.startsWith("Move 4 of the link's schedule does not fit")`)
	if eval[int](pg, `document.querySelectorAll("button.move").length`) == 0 {
		t.Error("no moves offered after a link that does not fit")
	}
	pg.setHash("example=lost_update&schedule=7,7,7")
	pg.waitFor("the start", schedIs("(no cards dealt yet)")+` && document.getElementById("note").textContent.startsWith("Move 1 of the link's schedule does not fit")`)
	pg.setHash("source=!!!notbase64")
	pg.waitFor("the note", `document.getElementById("note").textContent.includes("program could not be read")`)
	if st := pg.text("#status"); strings.Contains(st, "compile") {
		t.Errorf("status %q after a link with an unreadable program", st)
	}
}

// TestBrowserPlayDetails: morris_mutex's level is won by its shortest
// solution, whose eventually shows beside the starvation; a choose's
// buttons say their values, and a wider one takes a typed value; a
// program that prints 3,000 lines shows 20 of them in the check and in the
// status; a compile error is a button for the keyboard; and the page fits
// a phone's width.
func TestBrowserPlayDetails(t *testing.T) {
	pg := openBrowser(t)
	pg.do("open morris_mutex", chromedp.Navigate(pg.url+"/#example=morris_mutex"))
	pg.waitFor("the page", `document.body.dataset.ready === "1"`)
	pg.do("show the shortest solution", chromedp.Click(chromedp.ID("solution")))
	pg.waitFor("the playback", `!document.getElementById("playback").hidden`)
	pg.do("to the end", chromedp.Click(chromedp.ID("pblast")))
	pg.waitFor("the win", `document.getElementById("goal").textContent.includes("Done")`)
	if st := pg.text("#status"); !strings.Contains(st, "and in the same run: eventually") {
		t.Errorf("status %q", st)
	}

	pg.setSource("proc main() {\n    let k = choose 10..13\n    print k\n}\n")
	pg.waitFor("the choices", `document.querySelector('button.move[data-move="0:2"]') !== null`)
	if b := pg.text(`button.move[data-move="0:2"]`); !strings.HasSuffix(b, "= 12") {
		t.Errorf("the button of 12 reads %q", b)
	}
	pg.setSource("proc main() {\n    let k = choose 0..200\n    print k\n}\n")
	pg.waitFor("the wide choice", `document.querySelector("form.wide input") !== null`)
	if f := pg.text("form.wide"); !strings.Contains(f, "200 alternatives") {
		t.Errorf("the wide choice says %q", f)
	}
	pg.do("type 150", chromedp.SetValue(chromedp.CSS("form.wide input"), "150"), chromedp.Click(chromedp.CSS("form.wide button")))
	pg.waitFor("the typed choice", schedIs("0:150"))
	pg.click("0", "0:150,0")
	if out := pg.text("#output"); out != "150" {
		t.Errorf("printed %q", out)
	}

	pg.setSource("proc main() {\n    for i in 0..3000 {\n        print \"line\", i\n    }\n}\n")
	pg.waitFor("the program", schedIs("(no cards dealt yet)")+` && document.getElementById("cards").textContent.includes("print")`)
	pg.do("check", chromedp.Click(chromedp.ID("check")))
	pg.waitFor("the verdict", `document.getElementById("verdict") !== null`)
	if r := pg.text("#checkres"); !strings.Contains(r, "… and 2980 more lines") || len(r) > 2000 {
		t.Errorf("check shows %d characters: %q", len(r), trunc(r, 300))
	}
	pg.do("play back", chromedp.Click(chromedp.CSS("#checkres li button")))
	pg.waitFor("the playback", `!document.getElementById("playback").hidden`)
	pg.do("to the end", chromedp.Click(chromedp.ID("pblast")))
	pg.waitFor("the end", `document.getElementById("status").textContent.includes("Every stack has finished")`)
	if st := pg.text("#status"); !strings.HasSuffix(st, "… and 2980 more lines") || len(st) > 2000 {
		t.Errorf("status shows %d characters: %q", len(st), trunc(st, 300))
	}

	pg.setSource("var x = 0\nproc main() {\n    x = = 1\n}\n")
	pg.waitFor("the error", `document.querySelector("#errors .error") !== null`)
	// (Enter as a keydown only: chromedp's char event would then type a
	// newline into the editor, which a browser's own Enter does not.)
	pg.do("Enter on the error", chromedp.Focus(chromedp.CSS("#errors .error")),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}))`))
	if !eval[bool](pg, `document.querySelector("#errors .error").getAttribute("role") === "button" && document.activeElement.id === "src" && document.getElementById("src").selectionStart === 32`) {
		t.Errorf("Enter on the error: focus on #%s at %d", eval[string](pg, `document.activeElement.id`), eval[int](pg, `document.getElementById("src").selectionStart`))
	}

	// A phone: nothing wider than the screen.
	pg.do("a phone's screen", chromedp.EmulateViewport(375, 740))
	pg.setHash("example=lost_request&schedule=0,m1,0")
	pg.waitFor("the position", schedIs("0,m1,0"))
	if w := eval[int](pg, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the page is %d px wide on a 375 px screen: %v", w, eval[[]string](pg, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 376).slice(0, 8).map(e => e.tagName + "#" + e.id + "." + e.className)`))
	}
	pg.shot("8-phone")
}
