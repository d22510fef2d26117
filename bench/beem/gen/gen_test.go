package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deck-lang/deck/bench/internal/genkit"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// TestModelsUpToDate: bench/beem/models holds exactly what gen writes for
// bench/beem/sizes.txt, so the BEEM table is about these files.
func TestModelsUpToDate(t *testing.T) {
	committed, err := filepath.Glob("../models/*")
	if err != nil || len(committed) == 0 {
		t.Fatalf("no models: %v", err)
	}
	sizes, err := os.ReadFile("../sizes.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, fields := range genkit.SizeLines(string(sizes)) {
		if err := emit(dir, fields); err != nil {
			t.Fatalf("%v: %v", fields, err)
		}
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(generated) != len(committed) {
		t.Fatalf("gen writes %d files, bench/beem/models has %d: run go run ./bench/beem/gen", len(generated), len(committed))
	}
	for _, g := range generated {
		want, _ := os.ReadFile(g)
		got, err := os.ReadFile(filepath.Join("../models", filepath.Base(g)))
		if err != nil || string(got) != string(want) {
			t.Errorf("bench/beem/models/%s differs from what gen writes: run go run ./bench/beem/gen", filepath.Base(g))
		}
	}
}

// TestBEEMPromela: at BEEM's own sizes, the generated Promela of at,
// fischer and msmie is BEEM's generated file byte for byte after gen's two
// header lines (the SHA-256 of at.4.prom, fischer.6.prom and msmie.4.prom
// in github.com/teodorov/spinja, tests/beem, commit 94a1405f).
func TestBEEMPromela(t *testing.T) {
	cases := []struct {
		model string
		args  []int
		sum   string
	}{
		{"at", []int{5}, "bdb4b6e442d4c9ae3581acc512c0b2feec4eb94a3da1574e4db1e7ebfe170403"},
		{"fischer", []int{8}, "cfadcf23242c8a4fdaca42308c9f3a084470405c5a40d948611e63974bc51c21"},
		{"msmie", []int{10, 10, 5}, "464a7056f1f3159f9da44b0d98bffb63564c73b078f1af1c98af0d78ad6ca95e"},
	}
	for _, cs := range cases {
		text := models[cs.model].pml(cs.args)
		lines := strings.SplitAfterN(text, "\n", 3)
		if len(lines) < 3 || !strings.HasPrefix(lines[0], "/* BEEM ") || !strings.Contains(lines[1], header) {
			t.Errorf("%s: no two-line header", cs.model)
			continue
		}
		sum := sha256.Sum256([]byte(lines[2]))
		if got := hex.EncodeToString(sum[:]); got != cs.sum {
			t.Errorf("%s %v: the Promela after the header is not BEEM's file (sha256 %s)", cs.model, cs.args, got)
		}
	}
}

// TestSmallModels checks a small size of the models with deck check: the
// mutual exclusion protocols have no violation (nor deadlock), and msmie
// deadlocks as BEEM's Promela does (a master waits at chnlge for b[0] == 3
// holding the semaphore).
func TestSmallModels(t *testing.T) {
	cases := []struct {
		model    string
		args     []int
		deadlock bool
	}{
		{"peterson", []int{2}, false},
		{"anderson", []int{2}, false},
		{"at", []int{2}, false},
		{"at", []int{3}, false},
		{"fischer", []int{2}, false},
		{"fischer", []int{3}, false},
		{"msmie", []int{2, 2, 3}, true},
	}
	for _, cs := range cases {
		name := Name(cs.model, cs.args)
		p, err := compile.Source(name+".deck", []byte(models[cs.model].deck(cs.args)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p, err = compile.Place(p, nil, 0); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := check.Run(vm.New(p), check.Options{Workers: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !cs.deadlock {
			if rep.Verdict != check.VerdictOK {
				t.Errorf("%s: verdict %s, want ok (%d states)", name, rep.Verdict, rep.States)
			}
			continue
		}
		if rep.Verdict != check.VerdictViolation || len(rep.Violations) == 0 || rep.Violations[0].Violation.Kind != trace.KindDeadlock {
			t.Errorf("%s: verdict %s, want a deadlock", name, rep.Verdict)
		}
	}
}
