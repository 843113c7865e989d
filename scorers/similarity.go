package scorers

import (
	"math"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// DefaultTheta is the lexical similarity below which two differently keyed
// nodes do not match at all.
const DefaultTheta = 0.5

// DefaultMaxExact is the largest graph (in nodes, on the larger side) for
// which the optimal matching is computed; above it the greedy matching is
// used. The exact assignment costs O(n³): 150 nodes take about a millisecond.
const DefaultMaxExact = 150

// ParentCredit is the base similarity of a concept and its more general
// parent (right lower lobe pneumonia vs pneumonia): a vaguer statement
// earns partial credit.
const ParentCredit = 0.5

// Options configure the scorers. The zero value is usable: no ontology (types
// must be equal, every weight 1), θ = DefaultTheta, typed AMS, exact
// matching up to DefaultMaxExact nodes.
type Options struct {
	// Ontology supplies type compatibility, concept parents and weights.
	Ontology *ontology.Ontology
	// Theta is the lexical similarity threshold; 0 means DefaultTheta.
	Theta float64
	// UntypedAMS compares adjacency without relation types.
	UntypedAMS bool
	// MaxExact bounds the exact matching; 0 means DefaultMaxExact.
	MaxExact int
	// CountWeightedAMS weighs AMS by edge counts (corpus graphs): adjacency
	// entries are the edges' counts instead of 1.
	CountWeightedAMS bool
}

func (o Options) theta() float64 {
	if o.Theta > 0 {
		return o.Theta
	}
	return DefaultTheta
}

func (o Options) maxExact() int {
	if o.MaxExact > 0 {
		return o.MaxExact
	}
	return DefaultMaxExact
}

// jaccard is the token-set Jaccard similarity of two distinct token lists.
func jaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	inter := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				inter++
				break
			}
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// AssertionFactor is the factor the assertions of two matched nodes apply to
// their similarity: 1 when equal, 0.5 for present vs uncertain, 0 when one
// is absent and the other is not.
func AssertionFactor(a, b graph.Assertion) float64 {
	switch {
	case a == b:
		return 1
	case a == graph.Absent || b == graph.Absent:
		return 0
	}
	return 0.5
}

// MeasureFactor compares two measurements (normalized to mm): 1 when equal,
// falling linearly with the relative difference of the largest dimension,
// |a−b| / max(a, b). A missing measurement on either side compares as 1:
// the node's key already matched.
func MeasureFactor(a, b *graph.Measure) float64 {
	if a == nil || b == nil || len(a.Values) == 0 || len(b.Values) == 0 {
		return 1
	}
	x, y := maxOf(a.Values), maxOf(b.Values)
	if x == y {
		return 1
	}
	d := math.Abs(x-y) / math.Max(math.Abs(x), math.Abs(y))
	return math.Max(0, 1-d)
}

func maxOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		m = math.Max(m, x)
	}
	return m
}

// similarity is s(u, v) of docs/metrics.md.
func similarity(u, v *node, opt Options) float64 {
	if u.Type != v.Type && (opt.Ontology == nil || !opt.Ontology.CompatibleTypes(u.Type, v.Type)) {
		return 0
	}
	var base float64
	if u.Key == v.Key {
		base = 1
	} else {
		if j := jaccard(u.tokens, v.tokens); j >= opt.theta() {
			base = j
		}
		// A concept and its more general parent earn at least ParentCredit.
		if base < ParentCredit && opt.Ontology != nil && (isParent(u, v, opt) || isParent(v, u, opt)) {
			base = ParentCredit
		}
	}
	if base == 0 {
		return 0
	}
	return base * AssertionFactor(u.Assertion, v.Assertion) * MeasureFactor(u.Measure, v.Measure)
}

// isParent reports whether v's key is the ontology parent of u's.
func isParent(u, v *node, opt Options) bool {
	p := u.parentKey(opt)
	return p != "" && p == v.Key
}

// Similarity is s(u, v) for two entities, as used by the matching.
func Similarity(u, v graph.Entity, opt Options) float64 {
	p := prepare(&graph.Graph{Entities: []graph.Entity{u, v}}, opt)
	return similarity(&p.nodes[0], &p.nodes[1], opt)
}
