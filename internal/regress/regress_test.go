package regress

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
)

// synthetic makes n records whose scores are base plus noise of the given
// spread; the same seed gives the same pairs.
func synthetic(n int, base, spread float64, seed uint64) []*results.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]*results.Record, n)
	for i := range out {
		v := func() float64 { return min(1, max(0, base+spread*(rng.Float64()*2-1))) }
		s := &scorers.Scores{NSC: v(), AMS: v(), EdgeF1: v(), SCS: v()}
		s.Overall = (s.NSC + s.AMS + s.SCS) / 3
		out[i] = &results.Record{ID: fmt.Sprintf("p%d", i), Scores: s, Status: results.StatusOK}
	}
	return out
}

func TestNoiseOnlyPasses(t *testing.T) {
	// Two runs of the same system: per-pair noise ±0.05 around 0.7, no
	// systematic change.
	base := synthetic(200, 0.7, 0.05, 1)
	run := synthetic(200, 0.7, 0.05, 2)
	rep, err := Check(run, base, Options{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		var b bytes.Buffer
		WriteText(&b, rep, 5)
		t.Errorf("noise reported as a regression:\n%s", b.String())
	}
}

func TestSmallNoisyDropIsNotARegression(t *testing.T) {
	// 10 pairs with large noise: a mean difference beyond MaxDrop can come
	// from noise alone; the interval must include 0 and the check pass.
	base := synthetic(10, 0.6, 0.3, 3)
	run := synthetic(10, 0.6, 0.3, 4)
	rep, _ := Check(run, base, Options{MaxDrop: 0.0})
	for _, s := range rep.Scores {
		if s.Regressed {
			t.Errorf("%s: %s", s.Score, s.Reason)
		}
	}
}

func TestRealDropFails(t *testing.T) {
	base := synthetic(200, 0.7, 0.05, 1)
	run := synthetic(200, 0.6, 0.05, 1) // same noise, 0.1 lower
	rep, err := Check(run, base, Options{MaxDrop: 0.02, Min: map[string]float64{"overall": 0.65}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Failed() || !rep.Scores[0].Regressed || rep.Scores[0].Score != "overall" {
		t.Fatalf("a 0.1 drop must fail: %+v", rep.Scores)
	}
	if !rep.Thresholds[0].Failed {
		t.Errorf("mean 0.6 < 0.65 must fail the threshold: %+v", rep.Thresholds[0])
	}
	var junit bytes.Buffer
	if err := WriteJUnit(&junit, rep, false); err != nil {
		t.Fatal(err)
	}
	var parsed junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &parsed); err != nil {
		t.Fatalf("JUnit is not valid XML: %v", err)
	}
	s := parsed.Suites[0]
	// Five scores (no judge), one threshold, two run cases.
	if s.Tests != 8 || s.Failures < 2 || s.Cases[0].Name != "overall" || s.Cases[0].Failure == nil {
		t.Errorf("JUnit suite %+v", s)
	}
	var md bytes.Buffer
	WriteMarkdown(&md, rep)
	if !strings.Contains(md.String(), "❌ regression") || !strings.Contains(md.String(), "| overall |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

func TestErrorsAndMissingFail(t *testing.T) {
	base := synthetic(5, 0.7, 0, 1)
	run := synthetic(4, 0.7, 0, 1)
	run[1] = &results.Record{ID: run[1].ID, Status: results.StatusError, Error: "timeout"}
	rep, _ := Check(run, base, Options{})
	if !rep.Failed() || len(rep.Errors) != 1 || len(rep.Missing) != 1 || rep.Missing[0] != "p4" {
		t.Errorf("errors %v missing %v", rep.Errors, rep.Missing)
	}
}

func TestMarkdownEscapesIDs(t *testing.T) {
	rep := &Report{Drops: []PairDrop{{ID: "<script>|x", Baseline: 1, Run: 0, Drop: 1}}}
	var md bytes.Buffer
	WriteMarkdown(&md, rep)
	if strings.Contains(md.String(), "<script>") || !strings.Contains(md.String(), `&lt;script&gt;\|x`) {
		t.Errorf("id not escaped:\n%s", md.String())
	}
}
