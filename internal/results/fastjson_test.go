package results

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kgeval/kgeval/scorers"
)

// TestAppendRecordMatchesMarshal checks the fast path byte for byte against
// encoding/json on random records, awkward strings and awkward numbers.
func TestAppendRecordMatchesMarshal(t *testing.T) {
	if !fastRecordOK {
		t.Fatal("the fast path is off: Record, Scores or TypeStats changed; update appendRecord")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	floats := []float64{0, 1, 0.5, 1.0 / 3, 2.0 / 3, 1e-7, 1e-6, 123456789, 1e21, 1e-300, 0.1 + 0.2, math.Copysign(0, -1), 5e-324}
	strs := []string{"p1", "", "a\"b", `back\slash`, "<tag>&", "tab\there", "é", "\u2028", "\xff", "ok"}
	f := func() float64 {
		if rng.IntN(2) == 0 {
			return floats[rng.IntN(len(floats))]
		}
		return rng.Float64()
	}
	for i := 0; i < 2000; i++ {
		r := &Record{ID: strs[rng.IntN(len(strs))], Status: StatusOK, Components: []string{"nsc", "ams"}}
		switch rng.IntN(4) {
		case 0:
			r.Status, r.Error, r.Components = StatusError, strs[rng.IntN(len(strs))], []string{}
		case 1:
			r.Components = nil
		}
		if r.Status == StatusOK {
			j := f()
			r.Scores = &scorers.Scores{NSC: f(), AMS: f(), EdgeF1: f(), SCS: f(), RadGraphSimple: f(), RadGraphPartial: f(), RadGraphComplete: f(), Overall: f()}
			if rng.IntN(2) == 0 {
				r.Scores.Judge = &j
			}
			if rng.IntN(3) > 0 {
				r.Types = map[string]scorers.TypeStats{}
				for k := rng.IntN(4); k >= 0; k-- {
					r.Types[strs[rng.IntN(len(strs))]] = scorers.TypeStats{Reference: rng.IntN(9), Candidate: rng.IntN(9), Matched: rng.IntN(9), Similarity: f(), Coverage: f()}
				}
			}
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendRecord(nil, r)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("record %d:\nfast %s (ok %v)\nwant %s", i, got, ok, want)
		}
	}
	// What the fast path refuses, json.Marshal decides.
	if _, ok := appendRecord(nil, &Record{ID: "x", Scores: &scorers.Scores{NSC: math.NaN()}}); ok {
		t.Error("NaN must leave the fast path")
	}
	if _, ok := appendRecord(nil, &Record{ID: "x", Judge: &Judge{}}); ok {
		t.Error("a judge outcome must leave the fast path")
	}
}
