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

// SCS computes SCS from the matching. ref and cand must be the graphs the
// matching was computed from; the matching already holds what it needs of
// them.
func (m *Matching) SCS(ref, cand *graph.Graph, opt Options) float64 {
	recall, precision, okR, okC := m.scs(opt, nil)
	return scsFrom(len(m.ref.nodes), len(m.cand.nodes), recall, precision, okR, okC)
}

func scsFrom(nr, nc int, recall, precision float64, okR, okC bool) float64 {
	if nr == 0 || nc == 0 {
		return bothEmpty(nr, nc)
	}
	switch {
	case !okR && !okC:
		return 1
	case !okR || !okC:
		return 0
	}
	return f1(precision, recall)
}

// scs returns the recall and precision sides of SCS and whether each side
// has anchors.
func (m *Matching) scs(opt Options, scratch *[]float64) (recall, precision float64, okR, okC bool) {
	recall, okR = coverage(m.ref, m.cand, m.RefToCand, m.Sim, opt)
	var candSim []float64
	if scratch != nil {
		*scratch = grow(*scratch, len(m.cand.nodes))
		candSim = *scratch
	} else {
		candSim = make([]float64, len(m.cand.nodes))
	}
	for j, i := range m.CandToRef {
		if i >= 0 {
			candSim[j] = m.Sim[i]
		}
	}
	precision, okC = coverage(m.cand, m.ref, m.CandToRef, candSim, opt)
	return
}

// neighbors calls f for each incident edge of node i as (outgoing, type,
// other end); a self-loop is seen once, as outgoing.
func neighbors(p *prepared, i int, f func(out bool, typ string, other int)) {
	for _, a := range p.outArcs(i) {
		f(true, a.typ, a.other)
	}
	for _, a := range p.inArcs(i) {
		if a.other != i {
			f(false, a.typ, a.other)
		}
	}
}

// covered reports whether node j of other has the neighbor (out, typ, k).
func covered(other *prepared, j int, out bool, typ string, k int) bool {
	arcs := other.inArcs(j)
	if out {
		arcs = other.outArcs(j)
	}
	for _, a := range arcs {
		if a.other == k && a.typ == typ && (out || a.other != j) {
			return true
		}
	}
	return false
}

// coverage is the weighted mean of cov over the anchors of one side; ok is
// false when that side has no anchors.
func coverage(own, other *prepared, to []int, sim []float64, opt Options) (float64, bool) {
	num, den := 0.0, 0.0
	anchors := 0
	for i := range own.nodes {
		u := &own.nodes[i]
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
		size, hit := 0, 0
		neighbors(own, i, func(out bool, typ string, k int) {
			size++
			if to[k] >= 0 && covered(other, j, out, typ, to[k]) {
				hit++
			}
		})
		num += w * sim[i] * float64(hit+1) / float64(size+1)
	}
	if anchors == 0 {
		return 0, false
	}
	if den == 0 {
		return 0, true
	}
	return num / den, true
}
