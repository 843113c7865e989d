package scorers

import (
	"math"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

func doc(id string, ents []graph.Entity, rels ...graph.Relation) *graph.Graph {
	return &graph.Graph{ID: id, Entities: ents, Relations: rels}
}

var (
	effusion = graph.Entity{ID: "e1", Text: "effusion", Key: "finding/pleural_effusion", Type: "disorder", Assertion: graph.Present}
	pleura   = graph.Entity{ID: "e2", Text: "pleural", Key: "anatomy/pleura", Type: "anatomy", Assertion: graph.Present}
	noPTX    = graph.Entity{ID: "e3", Text: "pneumothorax", Key: "finding/pneumothorax", Type: "disorder", Assertion: graph.Absent}
	located  = graph.Relation{Source: "e1", Target: "e2", Type: "located_at"}
)

func TestCorpus(t *testing.T) {
	// Reference: d1 "left pleural effusion", d2 "effusion, no
	// pneumothorax" (stated twice: counts once). Candidate: d1 "effusion"
	// without its location, d2 "no pneumothorax".
	ref := NewCorpus("reference")
	ref.Add(doc("d1", []graph.Entity{effusion, pleura}, located))
	twice := noPTX
	twice.ID = "e4"
	ref.Add(doc("d2", []graph.Entity{effusion, noPTX, twice}))
	cand := NewCorpus("candidate")
	cand.Add(doc("d1", []graph.Entity{effusion}))
	cand.Add(doc("d2", []graph.Entity{noPTX}))

	rg := ref.Graph(1)
	if ref.Documents() != 2 || len(rg.Entities) != 3 || len(rg.Relations) != 1 {
		t.Fatalf("reference corpus: %d documents, graph %+v", ref.Documents(), rg)
	}
	counts := map[string]int{}
	for _, e := range rg.Entities {
		counts[e.Key] = e.Count
	}
	if counts["finding/pleural_effusion"] != 2 || counts["finding/pneumothorax"] != 1 || rg.Relations[0].Count != 1 {
		t.Errorf("counts %v, edge %+v", counts, rg.Relations[0])
	}
	// A minimum count of 2 keeps the effusion alone, and no edge.
	if g := ref.Graph(2); len(g.Entities) != 1 || len(g.Relations) != 0 {
		t.Errorf("min count 2: %+v", g)
	}

	// Coverage: disorder 2 of 2 statements (counts 3 of 3), anatomy 0 of 1
	// (0 of 1); all types 2 of 3 (3 of 4).
	rows, total := CorpusCoverage(rg, cand.Graph(1))
	want := []TypeCoverage{
		{Type: "anatomy", ReferenceConcepts: 1, ReferenceCount: 1},
		{Type: "disorder", ReferenceConcepts: 2, CoveredConcepts: 2, ConceptShare: 1, ReferenceCount: 3, CoveredCount: 3, CountShare: 1},
	}
	if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
		t.Errorf("coverage rows %+v, want %+v", rows, want)
	}
	if total.CoveredConcepts != 2 || total.ReferenceConcepts != 3 || !near(total.ConceptShare, 2.0/3) || !near(total.CountShare, 0.75) {
		t.Errorf("total %+v", total)
	}

	// The corpora compared: NSC = (1 + 0 + 1) / (3 + 1) = 0.5; the one
	// reference edge is missing: edge F1 0 (the candidate has none either
	// way: 0), AMS 0.
	s := CompareCorpora(rg, cand.Graph(1), Options{})
	if !near(s.NSC, 0.5) || s.AMS != 0 || s.EdgeF1 != 0 {
		t.Errorf("corpus scores %+v", s)
	}
	// A corpus against itself scores 1 throughout, count-weighted or not.
	for _, counted := range []bool{false, true} {
		s := CompareCorpora(rg, ref.Graph(1), Options{CountWeightedAMS: counted})
		if s.NSC != 1 || s.AMS != 1 || s.EdgeF1 != 1 || s.SCS != 1 || s.Total.ConceptShare != 1 {
			t.Errorf("self comparison (counted %v): %+v", counted, s)
		}
	}
}

// TestCountWeightedAMS: rows of counts agree when they are proportional
// (Pearson's r is scale-free) and weigh by their reference counts.
func TestCountWeightedAMS(t *testing.T) {
	n := func(id, key string, count int) graph.Entity {
		return graph.Entity{ID: id, Text: key, Key: key, Type: "disorder", Assertion: graph.Present, Count: count}
	}
	g := func(c1, c2 int) *graph.Graph {
		return &graph.Graph{ID: "g", Entities: []graph.Entity{n("a", "a", 9), n("b", "b", 9), n("c", "c", 9)},
			Relations: []graph.Relation{{Source: "a", Target: "b", Type: "r", Count: c1}, {Source: "a", Target: "c", Type: "r", Count: c2}}}
	}
	opt := Options{CountWeightedAMS: true}
	// Row a: reference [0 4 2], candidate [0 2 1]: proportional, r = 1.
	if got := AMS(g(4, 2), g(2, 1), opt); !near(got, 1) {
		t.Errorf("proportional counts: AMS %v, want 1", got)
	}
	// Reference [0 4 2] vs candidate [0 1 3]: means 2 and 4/3; deviations
	// (−2, 2, 0) and (−4/3, −1/3, 5/3): cov = 8/3 − 2/3 = 2, var 8 and 14/3,
	// r = 2 / √(8·14/3) = 0.3273.
	if got := AMS(g(4, 2), g(1, 3), opt); !near(got, 2/sqrt(8*14.0/3)) {
		t.Errorf("AMS %v, want %v", got, 2/sqrt(8*14.0/3))
	}
	// Unweighted, both rows are [0 1 1]: identical.
	if got := AMS(g(4, 2), g(1, 3), Options{}); got != 1 {
		t.Errorf("unweighted AMS %v, want 1", got)
	}
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
