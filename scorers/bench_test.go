package scorers_test

import (
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
	"github.com/kgeval/kgeval/scorers/scorerstest"
)

// benchPairs are 1000 report-sized pairs (3 to 30 reference nodes).
func benchPairs(b *testing.B, maxNodes int) (scorers.Options, [][2]*graph.Graph) {
	b.Helper()
	o, err := ontology.Builtin("radiology")
	if err != nil {
		b.Fatal(err)
	}
	gen := scorerstest.New(o, 1)
	gen.MaxNodes = maxNodes
	pairs := make([][2]*graph.Graph, 1000)
	for i := range pairs {
		r, c := gen.Pair("p")
		pairs[i] = [2]*graph.Graph{r, c}
	}
	return scorers.Options{Ontology: o}, pairs
}

// BenchmarkCompare scores one typical pair: every score under one matching,
// with the per-type breakdown.
func BenchmarkCompare(b *testing.B) {
	opt, pairs := benchPairs(b, 30)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pairs[i%len(pairs)]
		scorers.CompareDetail(p[0], p[1], opt)
	}
}

// BenchmarkMatch is the matching alone on 30-node reference graphs.
func BenchmarkMatch(b *testing.B) {
	opt, pairs := benchPairs(b, 30)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pairs[i%len(pairs)]
		scorers.Match(p[0], p[1], opt)
	}
}
