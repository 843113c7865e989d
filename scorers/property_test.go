package scorers

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers/scorerstest"
)

// The property tests draw report-like pairs (scorerstest) and options with
// testing/quick and check what must hold for every input.

var propOntology *ontology.Ontology

func init() {
	o, err := ontology.Builtin("radiology")
	if err != nil {
		panic(err)
	}
	propOntology = o
}

// randomCase is a random pair with random options.
type randomCase struct {
	Ref, Cand *graph.Graph
	Opt       Options
	K         int // a random index, for tests that pick a node
}

func (randomCase) Generate(r *rand.Rand, size int) reflect.Value {
	gen := scorerstest.New(propOntology, r.Uint64())
	gen.MinNodes = r.Intn(3)
	gen.MaxNodes = gen.MinNodes + r.Intn(30)
	ref, cand := gen.Pair("p")
	if r.Intn(4) == 0 {
		cand = gen.Candidate(gen.Reference("q"))
	}
	opt := Options{Ontology: propOntology, Theta: 0.05 + 0.95*r.Float64(), UntypedAMS: r.Intn(2) == 0, CountWeightedAMS: r.Intn(4) == 0}
	if r.Intn(4) == 0 {
		opt.Ontology = nil
	}
	if r.Intn(5) == 0 {
		opt.MaxExact = 1 + r.Intn(10) // exercise the greedy matching too
	}
	return reflect.ValueOf(randomCase{Ref: ref, Cand: cand, Opt: opt, K: r.Intn(1 << 20)})
}

var quickConfig = &quick.Config{MaxCount: 400, Rand: rand.New(rand.NewSource(42))}

func allScores(s Scores) map[string]float64 {
	return map[string]float64{"nsc": s.NSC, "ams": s.AMS, "edge_f1": s.EdgeF1, "scs": s.SCS,
		"radgraph_simple": s.RadGraphSimple, "radgraph_partial": s.RadGraphPartial, "radgraph_complete": s.RadGraphComplete}
}

func TestPropertyIdenticalScoresOne(t *testing.T) {
	f := func(c randomCase) bool {
		s := Compare(c.Ref, c.Ref.Clone(), c.Opt)
		for name, v := range allScores(s) {
			want := 1.0
			if name[:3] == "rad" && len(c.Ref.Entities) == 0 {
				want = 0 // RadGraph: an empty report scores 0, as published
			}
			if v != want {
				t.Logf("%s = %v for identical graphs (%d nodes, %+v)", name, v, len(c.Ref.Entities), c.Opt)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

func TestPropertyScoresInUnitInterval(t *testing.T) {
	f := func(c randomCase) bool {
		s := Compare(c.Ref, c.Cand, c.Opt)
		j := 0.5
		s.Judge = &j
		DefaultWeights().Overall(&s)
		all := allScores(s)
		all["overall"] = s.Overall
		for name, v := range all {
			if !(v >= 0 && v <= 1) {
				t.Logf("%s = %v", name, v)
				return false
			}
		}
		for typ, ts := range CompareDetail(c.Ref, c.Cand, c.Opt).Types {
			if !(ts.Coverage >= 0 && ts.Coverage <= 1) || ts.Matched > ts.Reference {
				t.Logf("type %s: %+v", typ, ts)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

// removeEntity returns g without entity k and its relations.
func removeEntity(g *graph.Graph, k int) *graph.Graph {
	out := g.Clone()
	id := out.Entities[k].ID
	out.Entities = append(out.Entities[:k], out.Entities[k+1:]...)
	rels := out.Relations[:0]
	for _, r := range out.Relations {
		if r.Source != id && r.Target != id {
			rels = append(rels, r)
		}
	}
	out.Relations = rels
	return out
}

// Removing a reference node never raises NSC while the candidate is at
// least as large as the reference: the size term stays |C| and the best
// total can only lose. (With |R| > |C| it can rise: see
// TestNSCRemovingReferenceNodeCanRise.)
func TestPropertyRemovingReferenceNode(t *testing.T) {
	f := func(c randomCase) bool {
		if len(c.Ref.Entities) == 0 || len(c.Ref.Entities) > len(c.Cand.Entities) || !exact(c) {
			return true
		}
		before := NSC(c.Ref, c.Cand, c.Opt)
		after := NSC(removeEntity(c.Ref, c.K%len(c.Ref.Entities)), c.Cand, c.Opt)
		if after > before+1e-12 {
			t.Logf("NSC rose from %v to %v", before, after)
			return false
		}
		return true
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

func exact(c randomCase) bool {
	return c.Opt.MaxExact == 0 || max(len(c.Ref.Entities), len(c.Cand.Entities)) <= c.Opt.MaxExact
}

// Omitting a found node never helps: dropping from the candidate the only
// node that matches a reference node, when they match perfectly, never
// raises NSC.
func TestPropertyOmittingFoundNode(t *testing.T) {
	f := func(c randomCase) bool {
		if !exact(c) {
			return true
		}
		m := Match(c.Ref, c.Cand, c.Opt)
		for i, j := range m.RefToCand {
			if j < 0 || m.Sim[i] != 1 {
				continue
			}
			only := true
			for k, v := range c.Cand.Entities {
				if k != j && Similarity(c.Ref.Entities[i], v, c.Opt) > 0 {
					only = false
				}
			}
			if !only {
				continue
			}
			before := m.NSC()
			after := NSC(c.Ref, removeEntity(c.Cand, j), c.Opt)
			if after > before+1e-12 {
				t.Logf("dropping candidate node %d raised NSC from %v to %v", j, before, after)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

// Flipping one node's assertion in an identical copy lowers NSC below 1,
// and SCS below 1 when the node is an anchor (every node is one without an
// ontology).
func TestPropertyFlippingAssertion(t *testing.T) {
	f := func(c randomCase) bool {
		if len(c.Ref.Entities) == 0 || !exact(c) {
			return true
		}
		k := c.K % len(c.Ref.Entities)
		flipped := c.Ref.Clone()
		e := &flipped.Entities[k]
		switch e.Assertion {
		case graph.Present:
			e.Assertion = []graph.Assertion{graph.Absent, graph.Uncertain}[c.K%2]
		case graph.Absent:
			e.Assertion = graph.Present
		default:
			e.Assertion = graph.Absent
		}
		for _, pair := range [][2]*graph.Graph{{c.Ref, flipped}, {flipped, c.Ref}} {
			s := Compare(pair[0], pair[1], c.Opt)
			if s.NSC >= 1 {
				t.Logf("NSC %v after flipping %s", s.NSC, e.Text)
				return false
			}
			anchor := c.Opt.Ontology == nil || c.Opt.Ontology.IsAnchor(e.Type)
			if anchor && s.SCS >= 1 {
				t.Logf("SCS %v after flipping anchor %s", s.SCS, e.Text)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

// Swapping reference and candidate: the RadGraph rewards, edge F1 and SCS
// are F1 scores and so symmetric (edge F1 and SCS under the same matching,
// seen from the other side); the optimal total is symmetric, so NSC is when
// both graphs have the same size. AMS weighs rows by the reference and is
// not symmetric.
func TestPropertySymmetry(t *testing.T) {
	f := func(c randomCase) bool {
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
		a, b := Compare(c.Ref, c.Cand, c.Opt), Compare(c.Cand, c.Ref, c.Opt)
		if !near(a.RadGraphSimple, b.RadGraphSimple) || !near(a.RadGraphPartial, b.RadGraphPartial) || !near(a.RadGraphComplete, b.RadGraphComplete) {
			t.Logf("RadGraph %+v vs %+v", a, b)
			return false
		}
		if !exact(c) {
			return true
		}
		m := Match(c.Ref, c.Cand, c.Opt)
		back := Match(c.Cand, c.Ref, c.Opt)
		if !near(matchTotal(m), matchTotal(back)) {
			t.Logf("optimal totals %v and %v", matchTotal(m), matchTotal(back))
			return false
		}
		if len(c.Ref.Entities) == len(c.Cand.Entities) && !near(a.NSC, b.NSC) {
			t.Logf("NSC %v vs %v with equal sizes", a.NSC, b.NSC)
			return false
		}
		// The same matching seen from the candidate's side.
		sim := make([]float64, len(c.Cand.Entities))
		for j, i := range m.CandToRef {
			if i >= 0 {
				sim[j] = m.Sim[i]
			}
		}
		mt := &Matching{ref: m.cand, cand: m.ref, RefToCand: m.CandToRef, CandToRef: m.RefToCand, Sim: sim, Exact: m.Exact}
		if !near(m.EdgeF1(), mt.EdgeF1()) || !near(m.SCS(nil, nil, c.Opt), mt.SCS(nil, nil, c.Opt)) {
			t.Logf("edge F1 %v/%v, SCS %v/%v", m.EdgeF1(), mt.EdgeF1(), m.SCS(nil, nil, c.Opt), mt.SCS(nil, nil, c.Opt))
			return false
		}
		return true
	}
	if err := quick.Check(f, quickConfig); err != nil {
		t.Error(err)
	}
}

func matchTotal(m *Matching) float64 {
	s := 0.0
	for _, x := range m.Sim {
		s += x
	}
	return s
}

// TestNSCRemovingReferenceNodeCanRise pins the documented exception: with a
// shorter candidate, the size term 2|R| − |C| falls by 2 when a reference
// node goes, which can outweigh the lost similarity. R = {a, b, c, d},
// C = {a, b, c}: NSC = 3 / (4 + 1) = 0.6. Without a: R = {b, c, d},
// C = {a, b, c}: NSC = 2 / (3 + 0) = 0.667.
func TestNSCRemovingReferenceNodeCanRise(t *testing.T) {
	node := func(id string) graph.Entity {
		return graph.Entity{ID: id, Text: id, Key: "k/" + id, Type: "disorder", Assertion: graph.Present}
	}
	ref := &graph.Graph{ID: "r", Entities: []graph.Entity{node("a"), node("b"), node("c"), node("d")}}
	cand := &graph.Graph{ID: "c", Entities: []graph.Entity{node("a"), node("b"), node("c")}}
	before := NSC(ref, cand, Options{})
	after := NSC(removeEntity(ref, 0), cand, Options{})
	if !near(before, 0.6) || !near(after, 2.0/3) {
		t.Errorf("NSC %v then %v, want 0.6 then 0.667", before, after)
	}
}
