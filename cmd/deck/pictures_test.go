package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
