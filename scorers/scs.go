package scorers

import (
	"github.com/kgeval/kgeval/graph"
)

// SCS is the subgraph coverage score: the F1 of anchor-subgraph coverage
// in both directions. The subgraph of an anchor is the anchor (its
// similarity to its match, which includes the assertion) and its incident
// edges as (direction, relation type, neighbor); a neighbor is covered when
// it is matched to the corresponding neighbor of the anchor's match with the
// same direction and type:
//
//	cov(u) = s(u, π(u)) · (|N(u) ∩ N(π(u))| + 1) / (|N(u)| + 1)
//
// Recall averages cov over R's anchors, precision over C's anchors against
// R, each weighted by opt.Ontology.Weight (significance, and less for
// absent or normal statements). Without an ontology no type is an anchor
// and every node counts as one with weight 1. No anchors on either side
// gives 1, anchors on one side only 0.
func SCS(ref, cand *graph.Graph, opt Options) float64 {
	return Match(ref, cand, opt).SCS(ref, cand, opt)
}

// SCS computes SCS from the matching of ref and cand.
func (m *Matching) SCS(ref, cand *graph.Graph, opt Options) float64 {
	if len(m.ref) == 0 || len(m.cand) == 0 {
		return bothEmpty(len(m.ref), len(m.cand))
	}
	rn, cn := neighborhoods(ref), neighborhoods(cand)
	recall, okR := coverage(m.ref, rn, cn, m.RefToCand, m.Sim, opt)
	candSim := make([]float64, len(m.cand))
	for j, i := range m.CandToRef {
		if i >= 0 {
			candSim[j] = m.Sim[i]
		}
	}
	precision, okC := coverage(m.cand, cn, rn, m.CandToRef, candSim, opt)
	switch {
	case !okR && !okC:
		return 1
	case !okR || !okC:
		return 0
	}
	return f1(precision, recall)
}

// neighbor is one incident edge of a node: direction, type and the index of
// the node at its other end.
type neighbor struct {
	out   bool
	typ   string
	other int
}

func neighborhoods(g *graph.Graph) [][]neighbor {
	idx := g.EntityIndex()
	nb := make([][]neighbor, len(g.Entities))
	seen := map[[2]int]map[string]bool{}
	for _, r := range g.Relations {
		s, ok1 := idx[r.Source]
		t, ok2 := idx[r.Target]
		if !ok1 || !ok2 {
			continue
		}
		k := [2]int{s, t}
		if seen[k] == nil {
			seen[k] = map[string]bool{}
		}
		if seen[k][r.Type] {
			continue
		}
		seen[k][r.Type] = true
		nb[s] = append(nb[s], neighbor{out: true, typ: r.Type, other: t})
		if s != t {
			nb[t] = append(nb[t], neighbor{out: false, typ: r.Type, other: s})
		}
	}
	return nb
}

// coverage is the weighted mean of cov over the anchors of one side; ok is
// false when that side has no anchors.
func coverage(nodes []node, own, other [][]neighbor, to []int, sim []float64, opt Options) (float64, bool) {
	num, den := 0.0, 0.0
	anchors := 0
	for i := range nodes {
		u := &nodes[i]
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
		covered := 0
		for _, a := range own[i] {
			for _, b := range other[j] {
				if a.out == b.out && a.typ == b.typ && to[a.other] == b.other {
					covered++
					break
				}
			}
		}
		num += w * sim[i] * float64(covered+1) / float64(len(own[i])+1)
	}
	if anchors == 0 {
		return 0, false
	}
	if den == 0 {
		return 0, true
	}
	return num / den, true
}
