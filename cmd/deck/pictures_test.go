package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deck-lang/deck/web"
)

var updatePictures = flag.Bool("update-pictures", false, "rewrite the tutorial's pictures in docs/pictures with what deck draws now")

// tutorialPictures are the pictures docs/tutorial.md shows, each with the
// deck command that draws it (OUT stands for the file written).
var tutorialPictures = []struct{ name, cmd string }{
	{"lost_update.svg", "check --svg OUT examples/lost_update.deck"},
	{"lost_update_graph.svg", "check --graph OUT examples/lost_update.deck"},
	{"philosophers_deadlock.svg", "check --svg OUT examples/philosophers_deadlock.deck"},
	{"remote_callback_lossy.svg", "check --place worker=Y --net unordered,lossy --svg OUT examples/remote_callback.deck"},
}

// TestTutorialPictures draws every picture of the tutorial with the deck
// command that makes it and compares it with the SVG committed in
// docs/pictures, so that the pictures never go stale: a change to the
// drawing or to an example fails here until go test ./cmd/deck
// -update-pictures rewrites them. Every picture must be shown by the
// tutorial, and every SVG in docs/pictures must be one of them.
func TestTutorialPictures(t *testing.T) {
	t.Chdir("../..")
	doc, err := os.ReadFile("docs/tutorial.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	known := map[string]bool{}
	for _, pic := range tutorialPictures {
		known[pic.name] = true
		out := filepath.Join(dir, pic.name)
		args := strings.Fields(strings.Replace(pic.cmd, "OUT", out, 1))
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code == exitUsage {
			t.Errorf("deck %s: exit status 2: %s", pic.cmd, stderr.String())
			continue
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Errorf("deck %s drew nothing: %v", pic.cmd, err)
			continue
		}
		if !bytes.HasPrefix(got, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<svg ")) {
			t.Errorf("%s is not an SVG document", pic.name)
		}
		path := filepath.Join("docs", "pictures", pic.name)
		if *updatePictures {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		} else if want, err := os.ReadFile(path); err != nil {
			t.Errorf("%v (go test ./cmd/deck -update-pictures draws it)", err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: deck %s draws something else now (go test ./cmd/deck -update-pictures redraws it after a deliberate change)", path, pic.cmd)
		}
		if !bytes.Contains(doc, []byte("](pictures/"+pic.name+")")) {
			t.Errorf("docs/tutorial.md does not show pictures/%s", pic.name)
		}
	}
	files, _ := filepath.Glob(filepath.Join("docs", "pictures", "*.svg"))
	for _, f := range files {
		if !known[filepath.Base(f)] {
			t.Errorf("%s is drawn by no command of tutorialPictures: remove it or add it there", f)
		}
	}
}

// TestPlaygroundSVG checks that the playground's Export SVG (POST
// /api/svg) answers with the very document deck run --replay SCHEDULE
// --svg writes, for a lost update, a run with channels and a placed
// program on a lossy network.
func TestPlaygroundSVG(t *testing.T) {
	t.Chdir("../..")
	srv := web.New(web.Options{})
	for _, c := range []struct{ file, place, net, schedule string }{
		{"examples/lost_update.deck", "", "", "0*2,1,2,1,2,1,2,0*3"},
		{"examples/producer_consumer_chan.deck", "", "", "0*2,1,2,1*4,2,1,2,1,2,1,2,1,2,1,2,1,2,1,2,1,2,1,2,0,2*2,0*3"},
		{"examples/remote_callback.deck", "worker=Y", "unordered,lossy", "0,m1,1*2,x3,1,x2"},
	} {
		out := filepath.Join(t.TempDir(), "run.svg")
		args := []string{"run", "--replay", c.schedule, "--svg", out}
		if c.place != "" {
			args = append(args, "--place", c.place, "--net", c.net)
		}
		var stdout, stderr bytes.Buffer
		if code := Main(append(args, c.file), &stdout, &stderr); code == exitUsage {
			t.Fatalf("deck %s: exit status 2: %s", strings.Join(args, " "), stderr.String())
		}
		want, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"source": string(src), "file": c.file, "schedule": c.schedule, "place": c.place, "net": c.net})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("POST", "/api/svg", bytes.NewReader(body)))
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("%s: status %d, %s: %s", c.file, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, strings.TrimSuffix(filepath.Base(c.file), ".deck")+".svg") {
			t.Errorf("%s: Content-Disposition %q", c.file, cd)
		}
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("%s: the playground's SVG differs from deck %s's", c.file, strings.Join(args, " "))
		}
	}
}
