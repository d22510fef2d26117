package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deck-lang/deck/examples"
)

// The playground's speed targets (issue 12): a step answers in under
// 50 ms, a check of a gallery example in under 1 s. docs/performance.md
// records the figures and how to reproduce them.

// BenchmarkStep is one click of the dealer: POST /api/state with the
// schedule so far and one more move, through the whole handler (decode,
// compile cache, replay, describe, encode). The position is up to 40 moves
// into the dining philosophers, which the server replays from the start.
func BenchmarkStep(b *testing.B) {
	s := New(Options{})
	src := string(mustExample(b, "philosophers_deadlock").Source)
	// Reach a position 40 moves in, taking turns among the moves offered.
	st := StateJSON{}
	state := func(sched, move string) StateJSON {
		body, _ := json.Marshal(request{Source: src, Schedule: sched, Move: move})
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/state", bytes.NewReader(body)))
		var out StateJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
			b.Fatalf("state: %d %s", rec.Code, rec.Body)
		}
		return out
	}
	st = state("", "")
	for i := 0; i < 40; i++ {
		next := state(st.Schedule, st.Choices[i%len(st.Choices)].Move)
		if next.Status != "playing" {
			break
		}
		st = next
	}
	body, _ := json.Marshal(request{Source: src, Schedule: st.Schedule, Move: st.Choices[0].Move})
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/state", bytes.NewReader(body)))
		if rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}

// BenchmarkCheckGallery checks every example of the gallery as the Check
// button does (POST /api/check: every violation, progress too, two
// workers) and reports the slowest example's time.
func BenchmarkCheckGallery(b *testing.B) {
	s := New(Options{})
	all := examples.All()
	slowest, slowName := time.Duration(0), ""
	for b.Loop() {
		for _, ex := range all {
			body, _ := json.Marshal(request{Source: string(ex.Source)})
			start := time.Now()
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/check", bytes.NewReader(body)))
			if d := time.Since(start); d > slowest {
				slowest, slowName = d, ex.Name
			}
			var cj CheckJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &cj); err != nil || rec.Code != 200 || cj.Incomplete != "" {
				b.Fatalf("%s: %d %s", ex.Name, rec.Code, rec.Body)
			}
		}
	}
	b.ReportMetric(float64(slowest.Microseconds())/1000, "ms-slowest")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(all)), "ms/example")
	b.ReportMetric(float64(len(all)), "examples")
	b.Logf("slowest: %s in %v", slowName, slowest)
}

func mustExample(b *testing.B, name string) examples.Example {
	ex, ok := examples.Get(name)
	if !ok {
		b.Fatalf("no example %s", name)
	}
	return ex
}
