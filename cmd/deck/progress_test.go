package main

import (
	"bytes"
	"os"
	"testing"
)

// TestProgressLine: a line on a terminal is redrawn in place, padded over
// a longer previous text, and erased at the end; off a terminal, or with
// --json, nothing is written.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	pl := &progressLine{w: &buf, on: true}
	pl.show("12 of 100 runs")
	pl.show("13 of 100")
	pl.clear()
	pl.clear()
	if want := "\r12 of 100 runs\r13 of 100     \r         \r"; buf.String() != want {
		t.Errorf("wrote %q, want %q", buf.String(), want)
	}

	buf.Reset()
	for _, pl := range []*progressLine{newProgressLine(&buf, false), newProgressLine(os.Stderr, true)} {
		if pl.on {
			t.Errorf("progress line on for %T (quiet or not a terminal)", pl.w)
		}
		pl.show("x")
		pl.poll(func() string { return "y" })()
		pl.clear()
	}
	if buf.Len() != 0 {
		t.Errorf("a progress line off a terminal wrote %q", buf.String())
	}
}
