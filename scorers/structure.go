package scorers

import (
	"math"

	"github.com/kgeval/kgeval/graph"
)

// NSC is the node similarity coefficient:
//
//	NSC = Σ_{u∈R} s(u, π(u)) / (|R| + ||R| − |C||)
//
// 1 when both graphs are empty, 0 when exactly one is.
func NSC(ref, cand *graph.Graph, opt Options) float64 {
	return Match(ref, cand, opt).NSC()
}

// NSC computes NSC from the matching.
func (m *Matching) NSC() float64 {
	nr, nc := len(m.ref), len(m.cand)
	if nr == 0 || nc == 0 {
		return bothEmpty(nr, nc)
	}
	sum := 0.0
	for _, s := range m.Sim {
		sum += s
	}
	return sum / float64(nr+abs(nr-nc))
}

func bothEmpty(nr, nc int) float64 {
	if nr == 0 && nc == 0 {
		return 1
	}
	return 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// edgeSet is a graph's relations by (source index, target index) with their
// types, built once per graph.
type edgeSet map[[2]int][]string

func edges(g *graph.Graph) (edgeSet, int) {
	idx := g.EntityIndex()
	set := edgeSet{}
	n := 0
	for _, r := range g.Relations {
		s, ok1 := idx[r.Source]
		t, ok2 := idx[r.Target]
		if !ok1 || !ok2 {
			continue
		}
		k := [2]int{s, t}
		if !contains(set[k], r.Type) {
			set[k] = append(set[k], r.Type)
			n++
		}
	}
	return set, n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func shareType(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// AMS is the adjacency matrix similarity of docs/metrics.md, typed unless
// opt.UntypedAMS.
func AMS(ref, cand *graph.Graph, opt Options) float64 {
	m := Match(ref, cand, opt)
	re, _ := edges(ref)
	ce, _ := edges(cand)
	return m.ams(re, ce, !opt.UntypedAMS)
}

// ams: rows are the matched reference nodes in document order; A[i][j] = 1
// when R has u_i → u_j; B[i][j] = 1 when C has π(u_i) → π(u_j) (typed: and,
// where A[i][j] = 1, with a type R's edge has). Each row's agreement is
// Pearson's r clipped below at 0, 1 for identical rows and 0 when the
// correlation is undefined; rows weigh by their reference degree.
func (m *Matching) ams(re, ce edgeSet, typed bool) float64 {
	nr, nc := len(m.ref), len(m.cand)
	if nr == 0 || nc == 0 {
		return bothEmpty(nr, nc)
	}
	var matched []int
	for i, j := range m.RefToCand {
		if j >= 0 {
			matched = append(matched, i)
		}
	}
	n := len(matched)
	a := make([]float64, n)
	b := make([]float64, n)
	num, den := 0.0, 0.0
	candEdges := false
	for _, ui := range matched {
		w := 0.0
		for k, uj := range matched {
			a[k], b[k] = 0, 0
			rt, inR := re[[2]int{ui, uj}]
			ct, inC := ce[[2]int{m.RefToCand[ui], m.RefToCand[uj]}]
			if inR {
				a[k] = 1
				w++
			}
			if inC && (!typed || !inR || shareType(rt, ct)) {
				b[k] = 1
			}
			if inC {
				candEdges = true
			}
		}
		if w > 0 {
			num += w * rowAgreement(a, b)
			den += w
		}
	}
	if den == 0 {
		if len(re) == 0 && !candEdges {
			return 1
		}
		return 0
	}
	return num / den
}

// rowAgreement is r_i: 1 for identical rows, else Pearson's correlation
// clipped below at 0, and 0 when a row is constant (undefined correlation).
func rowAgreement(a, b []float64) float64 {
	same := true
	for k := range a {
		if a[k] != b[k] {
			same = false
			break
		}
	}
	if same {
		return 1
	}
	n := float64(len(a))
	var sa, sb float64
	for k := range a {
		sa += a[k]
		sb += b[k]
	}
	ma, mb := sa/n, sb/n
	var cov, va, vb float64
	for k := range a {
		da, db := a[k]-ma, b[k]-mb
		cov += da * db
		va += da * da
		vb += db * db
	}
	if va == 0 || vb == 0 {
		return 0
	}
	return math.Max(0, cov/math.Sqrt(va*vb))
}

// EdgeF1 is the F1 of typed edges under π: a candidate edge counts when both
// ends are matched and R has the same typed edge between their preimages.
// 1 when neither graph has edges, 0 when only one has.
func EdgeF1(ref, cand *graph.Graph, opt Options) float64 {
	m := Match(ref, cand, opt)
	re, nre := edges(ref)
	ce, nce := edges(cand)
	return m.edgeF1(re, nre, ce, nce)
}

func (m *Matching) edgeF1(re edgeSet, nre int, ce edgeSet, nce int) float64 {
	if nre == 0 || nce == 0 {
		return bothEmpty(nre, nce)
	}
	correct := 0
	for k, types := range ce {
		s, t := m.CandToRef[k[0]], m.CandToRef[k[1]]
		if s < 0 || t < 0 {
			continue
		}
		rt := re[[2]int{s, t}]
		for _, ty := range types {
			if contains(rt, ty) {
				correct++
			}
		}
	}
	return f1(float64(correct)/float64(nce), float64(correct)/float64(nre))
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
