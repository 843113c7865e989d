package scorers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers/scorerstest"
)

// The tests in this file check the fast scorers against plain, direct
// implementations of docs/metrics.md's formulas (dense matrices, maps,
// brute force) on thousands of random report-like pairs.

func radiology(t testing.TB) *ontology.Ontology {
	t.Helper()
	o, err := ontology.Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// naiveSim is s(u, v) straight from the definition.
func naiveSim(u, v graph.Entity, opt Options) float64 {
	if u.Type != v.Type && (opt.Ontology == nil || !opt.Ontology.CompatibleTypes(u.Type, v.Type)) {
		return 0
	}
	base := 0.0
	if u.Key == v.Key {
		base = 1
	} else {
		a, b := strings.Fields(graph.NormalizeKey(u.Text)), strings.Fields(graph.NormalizeKey(v.Text))
		set := map[string]bool{}
		for _, x := range a {
			set[x] = true
		}
		inter, union := 0, len(set)
		seen := map[string]bool{}
		for _, y := range b {
			if seen[y] {
				continue
			}
			seen[y] = true
			if set[y] {
				inter++
			} else {
				union++
			}
		}
		if union > 0 && float64(inter)/float64(union) >= opt.theta() {
			base = float64(inter) / float64(union)
		}
		if opt.Ontology != nil && base < ParentCredit && (opt.Ontology.Parent(u.Key) == v.Key || opt.Ontology.Parent(v.Key) == u.Key) {
			base = ParentCredit
		}
	}
	return base * AssertionFactor(u.Assertion, v.Assertion) * MeasureFactor(u.Measure, v.Measure)
}

// naiveOptimum is the best total similarity, by the plain Hungarian method
// on the whole dense matrix.
func naiveOptimum(ref, cand *graph.Graph, opt Options) float64 {
	if len(ref.Entities) == 0 || len(cand.Entities) == 0 {
		return 0
	}
	sim := make([][]float64, len(ref.Entities))
	for i, u := range ref.Entities {
		sim[i] = make([]float64, len(cand.Entities))
		for j, v := range cand.Entities {
			sim[i][j] = naiveSim(u, v, opt)
		}
	}
	total := 0.0
	for i, j := range hungarian(sim) {
		if j >= 0 {
			total += sim[i][j]
		}
	}
	return total
}

type typedEdge struct {
	s, t int
	typ  string
}

func naiveEdges(g *graph.Graph) map[typedEdge]bool {
	idx := g.EntityIndex()
	out := map[typedEdge]bool{}
	for _, r := range g.Relations {
		s, ok1 := idx[r.Source]
		t, ok2 := idx[r.Target]
		if ok1 && ok2 {
			out[typedEdge{s, t, r.Type}] = true
		}
	}
	return out
}

// naiveAMS is AMS with dense rows and the two-pass Pearson correlation.
func naiveAMS(ref, cand *graph.Graph, m *Matching, typed bool) float64 {
	if len(ref.Entities) == 0 || len(cand.Entities) == 0 {
		return bothEmpty(len(ref.Entities), len(cand.Entities))
	}
	re, ce := naiveEdges(ref), naiveEdges(cand)
	hasR := func(s, t int) (bool, map[string]bool) {
		types := map[string]bool{}
		for e := range re {
			if e.s == s && e.t == t {
				types[e.typ] = true
			}
		}
		return len(types) > 0, types
	}
	hasC := func(s, t int) (bool, map[string]bool) {
		types := map[string]bool{}
		for e := range ce {
			if e.s == s && e.t == t {
				types[e.typ] = true
			}
		}
		return len(types) > 0, types
	}
	var matched []int
	for i, j := range m.RefToCand {
		if j >= 0 {
			matched = append(matched, i)
		}
	}
	num, den := 0.0, 0.0
	candEdges := false
	for _, ui := range matched {
		a := make([]float64, len(matched))
		b := make([]float64, len(matched))
		w := 0.0
		for k, uj := range matched {
			inR, rt := hasR(ui, uj)
			inC, ct := hasC(m.RefToCand[ui], m.RefToCand[uj])
			if inR {
				a[k] = 1
				w++
			}
			if inC {
				candEdges = true
				share := false
				for t := range ct {
					share = share || rt[t]
				}
				if !typed || !inR || share {
					b[k] = 1
				}
			}
		}
		if w == 0 {
			continue
		}
		r := 0.0
		same := true
		for k := range a {
			same = same && a[k] == b[k]
		}
		if same {
			r = 1
		} else {
			var ma, mb float64
			for k := range a {
				ma += a[k]
				mb += b[k]
			}
			ma /= float64(len(a))
			mb /= float64(len(a))
			var cov, va, vb float64
			for k := range a {
				cov += (a[k] - ma) * (b[k] - mb)
				va += (a[k] - ma) * (a[k] - ma)
				vb += (b[k] - mb) * (b[k] - mb)
			}
			if va > 0 && vb > 0 {
				r = math.Max(0, cov/math.Sqrt(va*vb))
			}
		}
		num += w * r
		den += w
	}
	if den == 0 {
		if len(re) == 0 && !candEdges {
			return 1
		}
		return 0
	}
	return num / den
}

func naiveEdgeF1(ref, cand *graph.Graph, m *Matching) float64 {
	re, ce := naiveEdges(ref), naiveEdges(cand)
	if len(re) == 0 || len(ce) == 0 {
		return bothEmpty(len(re), len(ce))
	}
	correct := 0
	for e := range ce {
		s, t := m.CandToRef[e.s], m.CandToRef[e.t]
		if s >= 0 && t >= 0 && re[typedEdge{s, t, e.typ}] {
			correct++
		}
	}
	return f1(float64(correct)/float64(len(ce)), float64(correct)/float64(len(re)))
}

type nb struct {
	out   bool
	typ   string
	other int
}

func naiveNeighbors(g *graph.Graph) [][]nb {
	out := make([][]nb, len(g.Entities))
	for e := range naiveEdges(g) {
		out[e.s] = append(out[e.s], nb{true, e.typ, e.t})
		if e.s != e.t {
			out[e.t] = append(out[e.t], nb{false, e.typ, e.s})
		}
	}
	return out
}

func naiveSCS(ref, cand *graph.Graph, m *Matching, opt Options) float64 {
	if len(ref.Entities) == 0 || len(cand.Entities) == 0 {
		return bothEmpty(len(ref.Entities), len(cand.Entities))
	}
	side := func(own, other *graph.Graph, to []int, sim func(i int) float64) (float64, bool) {
		on, cn := naiveNeighbors(own), naiveNeighbors(other)
		num, den, anchors := 0.0, 0.0, 0
		for i, u := range own.Entities {
			if opt.Ontology != nil && !opt.Ontology.IsAnchor(u.Type) {
				continue
			}
			anchors++
			w := 1.0
			if opt.Ontology != nil {
				w = opt.Ontology.Weight(u.Type, u.Key, u.Assertion == graph.Absent)
			}
			den += w
			j := to[i]
			if j < 0 {
				continue
			}
			hit := 0
			for _, a := range on[i] {
				for _, b := range cn[j] {
					if a.out == b.out && a.typ == b.typ && to[a.other] == b.other {
						hit++
						break
					}
				}
			}
			num += w * sim(i) * float64(hit+1) / float64(len(on[i])+1)
		}
		if anchors == 0 {
			return 0, false
		}
		if den == 0 {
			return 0, true
		}
		return num / den, true
	}
	rec, okR := side(ref, cand, m.RefToCand, func(i int) float64 { return m.Sim[i] })
	prec, okC := side(cand, ref, m.CandToRef, func(j int) float64 { return m.Sim[m.CandToRef[j]] })
	switch {
	case !okR && !okC:
		return 1
	case !okR || !okC:
		return 0
	}
	return f1(prec, rec)
}

// naiveRadGraph follows the reference implementation: tuples as joined
// strings in maps, built from the annotation.
func naiveRadGraph(hyp, ref *graph.RadGraph) RadGraphRewards {
	if len(hyp.Entities) == 0 || len(ref.Entities) == 0 {
		return RadGraphRewards{}
	}
	sets := func(a *graph.RadGraph) [3]map[string]bool {
		s := [3]map[string]bool{{}, {}, {}}
		for _, e := range a.Entities {
			base := "0\x00" + e.Tokens + "\x00" + e.Label
			s[0][base] = true
			if len(e.Relations) == 0 {
				s[1][base] = true
				s[2][base] = true
				continue
			}
			s[1]["1\x00"+e.Tokens+"\x00"+e.Label] = true
			for _, r := range e.Relations {
				s[2]["2\x00"+strings.ToLower(e.Tokens)+"\x00"+e.Label+"\x00"+r[0]+"\x00"+strings.ToLower(a.Entities[r[1]].Tokens)] = true
			}
		}
		return s
	}
	f := func(h, r map[string]bool) float64 {
		shared := 0
		for t := range h {
			if r[t] {
				shared++
			}
		}
		var p, rc float64
		if len(h) > 0 {
			p = float64(shared) / float64(len(h))
		}
		if len(r) > 0 {
			rc = float64(shared) / float64(len(r))
		}
		return f1(p, rc)
	}
	h, r := sets(hyp), sets(ref)
	return RadGraphRewards{f(h[0], r[0]), f(h[1], r[1]), f(h[2], r[2])}
}

func TestAgainstNaive(t *testing.T) {
	o := radiology(t)
	gen := scorerstest.New(o, 7)
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 1500; trial++ {
		ref, cand := gen.Pair("p")
		if trial%5 == 0 { // an unrelated candidate
			cand = gen.Candidate(gen.Reference("q"))
		}
		opt := Options{Ontology: o, UntypedAMS: rng.IntN(2) == 0}
		if trial%7 == 0 {
			opt.Ontology = nil
		}
		d := CompareDetail(ref, cand, opt)
		m := Match(ref, cand, opt)
		// The matching is optimal, and NSC is its total over the size term.
		sum := 0.0
		for _, s := range m.Sim {
			sum += s
		}
		if want := naiveOptimum(ref, cand, opt); math.Abs(sum-want) > 1e-9 {
			t.Fatalf("trial %d: matching total %v, optimum %v", trial, sum, want)
		}
		check := func(name string, got, want float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-9 {
				t.Fatalf("trial %d: %s = %v, naive %v", trial, name, got, want)
			}
		}
		nr, nc := len(ref.Entities), len(cand.Entities)
		if nr > 0 && nc > 0 {
			check("nsc", d.Scores.NSC, sum/float64(nr+abs(nr-nc)))
		}
		check("ams", d.Scores.AMS, naiveAMS(ref, cand, m, !opt.UntypedAMS))
		check("edge_f1", d.Scores.EdgeF1, naiveEdgeF1(ref, cand, m))
		check("scs", d.Scores.SCS, naiveSCS(ref, cand, m, opt))
		isAnat := func(t string) bool { return t == "anatomy" }
		if opt.Ontology != nil {
			isAnat = opt.Ontology.IsAnatomy
		}
		rw := naiveRadGraph(graph.ToRadGraph(cand, isAnat), graph.ToRadGraph(ref, isAnat))
		check("radgraph_simple", d.Scores.RadGraphSimple, rw.Simple)
		check("radgraph_partial", d.Scores.RadGraphPartial, rw.Partial)
		check("radgraph_complete", d.Scores.RadGraphComplete, rw.Complete)
		direct := RadGraphF1(graph.ToRadGraph(cand, isAnat), graph.ToRadGraph(ref, isAnat))
		check("RadGraphF1", direct.Complete, rw.Complete)
		check("RadGraphF1 simple", direct.Simple, rw.Simple)
		// The per-type breakdown adds up to the matching.
		tot, n := 0.0, 0
		for _, ts := range d.Types {
			tot += ts.Similarity
			n += ts.Reference
		}
		check("types similarity", tot, sum)
		if n != nr {
			t.Fatalf("trial %d: types count %d reference nodes, graph has %d", trial, n, nr)
		}
	}
}

// TestGreedyMatchesNaiveGreedy checks the sparse greedy matching (used
// above the size bound) against the greedy matching of the dense matrix.
func TestGreedyMatchesNaiveGreedy(t *testing.T) {
	o := radiology(t)
	gen := scorerstest.New(o, 11)
	for trial := 0; trial < 300; trial++ {
		ref, cand := gen.Pair("p")
		opt := Options{Ontology: o, MaxExact: 1}
		m := Match(ref, cand, opt)
		if len(ref.Entities) > 1 && m.Exact {
			t.Fatal("above the bound the matching must be greedy")
		}
		sim := make([][]float64, len(ref.Entities))
		for i, u := range ref.Entities {
			sim[i] = make([]float64, len(cand.Entities))
			for j, v := range cand.Entities {
				sim[i][j] = naiveSim(u, v, opt)
			}
		}
		if len(sim) == 0 || len(sim[0]) == 0 {
			continue
		}
		want := greedy(sim)
		for i := range want {
			if want[i] >= 0 && sim[i][want[i]] == 0 {
				want[i] = -1
			}
			if m.RefToCand[i] != want[i] {
				t.Fatalf("trial %d: node %d matched to %d, dense greedy %d", trial, i, m.RefToCand[i], want[i])
			}
		}
	}
}

// TestRadGraphHashCollisions forces every string and tuple to the same
// hash: the rewards must still be exact, since strings and tuples are
// compared in full within a run of equal hashes.
func TestRadGraphHashCollisions(t *testing.T) {
	o := radiology(t)
	gen := scorerstest.New(o, 5)
	for trial := 0; trial < 200; trial++ {
		ref, cand := gen.Pair("p")
		h, r := graph.ToRadGraph(cand, o.IsAnatomy), graph.ToRadGraph(ref, o.IsAnatomy)
		if len(h.Entities) == 0 || len(r.Entities) == 0 {
			continue
		}
		var v [2]rgView
		v[0].fromAnnotation(h)
		v[1].fromAnnotation(r)
		tables := rgTables{collide: true}
		got, want := rewards([2]*rgView{&v[0], &v[1]}, &tables), naiveRadGraph(h, r)
		if !near(got.Simple, want.Simple) || !near(got.Partial, want.Partial) || !near(got.Complete, want.Complete) {
			t.Fatalf("trial %d: %+v with colliding hashes, want %+v", trial, got, want)
		}
	}
}

// TestRadGraphLargeAnnotations scores annotations of hundreds of entities,
// many more distinct tuples than a packed count takes at once (packedRun),
// against the naive sets: the counts must come out exact.
func TestRadGraphLargeAnnotations(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	labels := []string{graph.LabelAnatomy, graph.LabelObservationPres, graph.LabelObservationUncer, graph.LabelObservationAbs}
	types := []string{"located_at", "modify", "suggestive_of"}
	annotation := func(n int) *graph.RadGraph {
		a := &graph.RadGraph{ID: "big", Entities: map[string]graph.RadGraphEntity{}}
		for i := range n {
			e := graph.RadGraphEntity{Tokens: fmt.Sprintf("Token%d", rng.IntN(n)), Label: labels[rng.IntN(len(labels))]}
			for r := rng.IntN(3); r > 0; r-- {
				e.Relations = append(e.Relations, [2]string{types[rng.IntN(len(types))], strconv.Itoa(rng.IntN(n))})
			}
			a.Entities[strconv.Itoa(i)] = e
		}
		return a
	}
	for _, n := range []int{63, 64, 127, 300, 1000} {
		h, r := annotation(n), annotation(n)
		if got, want := RadGraphF1(h, r), naiveRadGraph(h, r); got != want {
			t.Errorf("%d entities: %+v, want %+v", n, got, want)
		}
		if got, want := RadGraphF1(h, h), (RadGraphRewards{1, 1, 1}); got != want {
			t.Errorf("%d entities, identical: %+v, want %+v", n, got, want)
		}
	}
}

// TestKnownEntityCodes: a set given RadGraph's label codes scores as the
// annotation with the labels does, and a code that is no label makes the
// set invalid.
func TestKnownEntityCodes(t *testing.T) {
	ann := &graph.RadGraph{ID: "a", Entities: map[string]graph.RadGraphEntity{
		"1": {Tokens: "Effusion", Label: graph.LabelObservationPres, Relations: [][2]string{{"located_at", "2"}}},
		"2": {Tokens: "left", Label: graph.LabelAnatomy},
		"3": {Tokens: "mass", Label: graph.LabelObservationAbs, Relations: [][2]string{{"suggestive_of", "1"}}},
		"4": {Tokens: "tube", Label: graph.LabelObservationUncer, Relations: [][2]string{{"modify", "2"}}},
	}}
	var known, other RadGraphSet
	known.KnownEntity("1", 1, "Effusion", CodeObservationPres)
	known.KnownRelation(CodeLocatedAt, "2", 2)
	known.KnownEntity("2", 2, "left", CodeAnatomy)
	known.KnownEntity("3", 3, "mass", CodeObservationAbs)
	known.KnownRelation(CodeSuggestiveOf, "1", 1)
	known.KnownEntity("4", 4, "tube", CodeObservationUncer)
	known.KnownRelation(CodeModify, "2", 2)
	if !known.Valid() {
		t.Fatal("a set of RadGraph's codes is invalid")
	}
	other.Entity("x", "lung", graph.LabelAnatomy)
	other.Entity("y", "Effusion", graph.LabelObservationPres)
	other.Relation("located_at", "x")
	want := RadGraphF1(&graph.RadGraph{ID: "b", Entities: map[string]graph.RadGraphEntity{
		"x": {Tokens: "lung", Label: graph.LabelAnatomy},
		"y": {Tokens: "Effusion", Label: graph.LabelObservationPres, Relations: [][2]string{{"located_at", "x"}}},
	}}, ann)
	if got := RadGraphSetF1(&other, &known, nil); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
	for _, code := range []uint8{0, CodeObservationAbs + 1} {
		var bad RadGraphSet
		bad.KnownEntity("1", 1, "x", code)
		if bad.Valid() {
			t.Errorf("label code %d: valid", code)
		}
	}
}
