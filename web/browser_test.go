package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// TestBrowserLostUpdate drives the playground in a real, headless
// chromium: it loads the page, picks lost_update from the gallery, clicks
// the stacks' buttons so that both read x before either writes, undoes a
// card and plays it again, reads "You broke it." and the schedule from the
// page, then runs Check and plays the shortest counterexample back.
// Screenshots of the key screens go to $DECK_SCREENSHOTS when it is set.
func TestBrowserLostUpdate(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium; .ci/run does it): skipping the browser test")
	}
	ts := httptest.NewServer(New(Options{}))
	defer ts.Close()

	parent, cancelParent := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancelParent()
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
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	shots := os.Getenv("DECK_SCREENSHOTS")
	shot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Error(err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// waitFor polls a JavaScript condition until it holds.
	waitFor := func(what, cond string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
			t.Fatalf("waiting for %s (%s): %v; status %q, schedule %q", what, cond, err, text("#status"), text("#schedule"))
		}
	}
	schedIs := func(s string) string {
		return fmt.Sprintf(`document.getElementById("schedule").textContent === %q`, s)
	}
	// click deals the move of one button and waits for the schedule the
	// page should then show.
	click := func(move, sched string) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(cctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button.move[data-move=%q]`, move)))); err != nil {
			t.Fatalf("click move %s after %q: %v", move, text("#schedule"), err)
		}
		waitFor("schedule "+sched, schedIs(sched))
	}

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
	shot("5-error")
}
