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
	nr, nc := len(m.ref.nodes), len(m.cand.nodes)
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

// AMS is the adjacency matrix similarity of docs/metrics.md, typed unless
// opt.UntypedAMS, weighted by edge counts when opt.CountWeightedAMS.
func AMS(ref, cand *graph.Graph, opt Options) float64 {
	return Match(ref, cand, opt).AMS(opt)
}

// AMS computes AMS from the matching.
func (m *Matching) AMS(opt Options) float64 {
	var sc amsScratch
	return m.ams(!opt.UntypedAMS, opt.CountWeightedAMS, &sc)
}

// amsScratch is the reusable memory of AMS.
type amsScratch struct {
	a, b    []float64
	touched []int
}

// ams: rows are the matched reference nodes in document order, columns the
// same nodes; A[i][j] = 1 when R has u_i → u_j; B[i][j] = 1 when C has
// π(u_i) → π(u_j) (typed: and, where A[i][j] = 1, with a type R's edge has).
// With counts, entries are the summed edge counts instead of 1. Each row's
// agreement is Pearson's r clipped below at 0, 1 for identical rows and 0
// when a row is constant (undefined correlation); rows weigh by their sum
// in A. The rows are sparse, so the sums behind r are gathered from the
// edges alone: O(|E|) per pair of graphs instead of O(n²).
func (m *Matching) ams(typed, counted bool, sc *amsScratch) float64 {
	r, c := m.ref, m.cand
	nr, nc := len(r.nodes), len(c.nodes)
	if nr == 0 || nc == 0 {
		return bothEmpty(nr, nc)
	}
	n := 0
	for _, j := range m.RefToCand {
		if j >= 0 {
			n++
		}
	}
	// a and b hold the row's entries by reference column; touched lists
	// the columns set, to reset them.
	sc.a, sc.b = grow(sc.a, nr), grow(sc.b, nr)
	a, b, touched := sc.a, sc.b, sc.touched[:0]
	defer func() { sc.touched = touched }()
	touch := func(k int) {
		if a[k] == 0 && b[k] == 0 {
			touched = append(touched, k)
		}
	}
	num, den := 0.0, 0.0
	candEdges := false
	for ui, vj := range m.RefToCand {
		if vj < 0 {
			continue
		}
		touched = touched[:0]
		for _, e := range r.outArcs(ui) {
			if m.RefToCand[e.other] < 0 {
				continue
			}
			touch(e.other)
			if counted {
				a[e.other] += e.count
			} else {
				a[e.other] = 1
			}
		}
		for _, e := range c.outArcs(vj) {
			k := m.CandToRef[e.other]
			if k < 0 {
				continue
			}
			candEdges = true
			if typed && a[k] != 0 && !r.hasEdge(ui, k, e.typ) {
				continue
			}
			touch(k)
			if counted {
				b[k] += e.count
			} else {
				b[k] = 1
			}
		}
		w := 0.0
		for _, k := range touched {
			w += a[k]
		}
		if w > 0 {
			num += w * sparseAgreement(a, b, touched, n)
			den += w
		}
		for _, k := range touched {
			a[k], b[k] = 0, 0
		}
	}
	if den == 0 {
		if r.nEdges == 0 && !candEdges {
			return 1
		}
		return 0
	}
	return num / den
}

// sparseAgreement is r_i for two rows of length n whose non-zero entries
// are at the touched columns: 1 for identical rows, else Pearson's r
// clipped below at 0, and 0 when either row is constant.
func sparseAgreement(a, b []float64, touched []int, n int) float64 {
	same := true
	var sa, sb, saa, sbb, sab float64
	for _, k := range touched {
		x, y := a[k], b[k]
		same = same && x == y
		sa += x
		sb += y
		saa += x * x
		sbb += y * y
		sab += x * y
	}
	if same {
		return 1
	}
	nf := float64(n)
	// n·cov, n·var(a), n·var(b); exact for 0/1 rows.
	cov := nf*sab - sa*sb
	va := nf*saa - sa*sa
	vb := nf*sbb - sb*sb
	if va <= 0 || vb <= 0 {
		return 0
	}
	return math.Max(0, math.Min(1, cov/math.Sqrt(va*vb)))
}

// EdgeF1 is the F1 of typed edges under π: a candidate edge counts when both
// ends are matched and R has the same typed edge between their preimages.
// 1 when neither graph has edges, 0 when only one has.
func EdgeF1(ref, cand *graph.Graph, opt Options) float64 {
	return Match(ref, cand, opt).EdgeF1()
}

// EdgeF1 computes edge F1 from the matching.
func (m *Matching) EdgeF1() float64 {
	nre, nce := m.ref.nEdges, m.cand.nEdges
	if nre == 0 || nce == 0 {
		return bothEmpty(nre, nce)
	}
	correct := m.matchedEdges()
	return f1(float64(correct)/float64(nce), float64(correct)/float64(nre))
}

// matchedEdges counts the candidate's distinct typed edges that the
// reference has between the preimages of their ends.
func (m *Matching) matchedEdges() int {
	correct := 0
	for s := range m.cand.nodes {
		rs := m.CandToRef[s]
		if rs < 0 {
			continue
		}
		for _, e := range m.cand.outArcs(s) {
			if rt := m.CandToRef[e.other]; rt >= 0 && m.ref.hasEdge(rs, rt, e.typ) {
				correct++
			}
		}
	}
	return correct
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
