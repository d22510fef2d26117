package main

import (
	"github.com/deck-lang/deck/bench/internal/genkit"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/vm"
)

// TestModelsUpToDate: bench/models holds exactly what gen writes for
// bench/sizes.txt and bench/nodes.txt, so the table in bench/RESULTS.md is about these files.
func TestModelsUpToDate(t *testing.T) {
	committed, err := filepath.Glob("../models/*")
	if err != nil || len(committed) == 0 {
		t.Fatalf("no models: %v", err)
	}
	dir := t.TempDir()
	sizes, err := os.ReadFile("../sizes.txt")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := os.ReadFile("../nodes.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, fields := range append(genkit.SizeLines(string(sizes)), genkit.SizeLines(string(nodes))...) {
		if err := emit(dir, fields); err != nil {
			t.Fatalf("%v: %v", fields, err)
		}
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(generated) != len(committed) {
		t.Fatalf("gen writes %d files, bench/models has %d: run go run ./bench/gen", len(generated), len(committed))
	}
	for _, g := range generated {
		want, _ := os.ReadFile(g)
		got, err := os.ReadFile(filepath.Join("../models", filepath.Base(g)))
		if err != nil || string(got) != string(want) {
			t.Errorf("bench/models/%s differs from what gen writes: run go run ./bench/gen", filepath.Base(g))
		}
	}
}

// TestSmallModels checks a small size of every model with deck check: the
// correct ones have no violation, the racy one loses an update.
func TestSmallModels(t *testing.T) {
	cases := []struct {
		fields []string
		ok     bool
	}{
		{[]string{"counter", "3", "2"}, true},
		{[]string{"racy", "2", "2"}, false},
		{[]string{"racy1", "2", "2"}, false},
		{[]string{"phil", "3", "1"}, true},
		{[]string{"filter", "2", "2"}, true},
		{[]string{"buffer", "1", "2", "2"}, true},
		{[]string{"tpc", "2"}, true},
		{[]string{"pingpong", "3"}, true},
		{[]string{"tpcsr", "2"}, true},
	}
	for _, cs := range cases {
		m := models[cs.fields[0]]
		var args []int
		for _, f := range cs.fields[1:] {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			args = append(args, n)
		}
		src := m.deck(args)
		p, err := compile.Source(m.name(args)+".deck", []byte(src))
		if err != nil {
			t.Fatalf("%v: %v", cs.fields, err)
		}
		// the place declarations take effect through compile.Place, as in deck check
		if p, err = compile.Place(p, nil, 0); err != nil {
			t.Fatalf("%v: %v", cs.fields, err)
		}
		rep, err := check.Run(vm.New(p), check.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Verdict == check.VerdictOK; got != cs.ok {
			t.Errorf("%v: verdict %s, want ok=%v", cs.fields, rep.Verdict, cs.ok)
		}
	}
}
