package scorers

import (
	"fmt"

	"github.com/kgeval/kgeval/graph"
)

// Scores are the per-pair scores of the command-line contract. Judge is nil
// when the judge is off or failed; Overall is the weighted mean of the
// components named in Components.
type Scores struct {
	NSC              float64  `json:"nsc"`
	AMS              float64  `json:"ams"`
	EdgeF1           float64  `json:"edge_f1"`
	SCS              float64  `json:"scs"`
	RadGraphSimple   float64  `json:"radgraph_simple"`
	RadGraphPartial  float64  `json:"radgraph_partial"`
	RadGraphComplete float64  `json:"radgraph_complete"`
	Judge            *float64 `json:"judge"`
	Overall          float64  `json:"overall"`
}

// Names lists the score names in output order.
func Names() []string {
	return []string{"nsc", "ams", "edge_f1", "scs", "radgraph_simple", "radgraph_partial", "radgraph_complete", "judge", "overall"}
}

// Get returns a score by its name; ok is false for an unknown name or a
// null judge.
func (s *Scores) Get(name string) (v float64, ok bool) {
	switch name {
	case "nsc":
		return s.NSC, true
	case "ams":
		return s.AMS, true
	case "edge_f1":
		return s.EdgeF1, true
	case "scs":
		return s.SCS, true
	case "radgraph_simple":
		return s.RadGraphSimple, true
	case "radgraph_partial":
		return s.RadGraphPartial, true
	case "radgraph_complete":
		return s.RadGraphComplete, true
	case "judge":
		if s.Judge == nil {
			return 0, false
		}
		return *s.Judge, true
	case "overall":
		return s.Overall, true
	}
	return 0, false
}

// Compare scores a candidate graph against its reference graph: one
// matching shared by every graph score, the RadGraph rewards through the
// ontology's label mapping, and overall from the default-weighted graph
// components (the judge is added by the caller through Weights.Overall).
func Compare(ref, cand *graph.Graph, opt Options) Scores {
	return CompareDetail(ref, cand, opt).Scores
}

// Detail is what CompareDetail finds: the scores, the per-type breakdown
// and whether the matching was exact.
type Detail struct {
	Scores Scores
	// Types breaks node coverage down by entity type.
	Types map[string]TypeStats
	// Exact is false when the greedy matching was used (graphs above
	// Options.MaxExact nodes).
	Exact bool
	// Diff is set by CompareWithDiff.
	Diff *Diff
}

// TypeStats is node coverage restricted to one entity type. A reference
// node counts under its own type, also when it matched a node of a
// compatible type.
type TypeStats struct {
	// Reference and Candidate count the nodes of the type on each side.
	Reference int `json:"reference"`
	Candidate int `json:"candidate"`
	// Matched counts the reference nodes of the type that are matched.
	Matched int `json:"matched"`
	// Similarity is Σ s(u, π(u)) over the reference nodes of the type.
	Similarity float64 `json:"similarity"`
	// Coverage is NSC restricted to the type:
	// Similarity / (Reference + |Reference − Candidate|); 0 when the
	// reference has no node of the type.
	Coverage float64 `json:"coverage"`
}

// CompareDetail is Compare with the per-type breakdown.
func CompareDetail(ref, cand *graph.Graph, opt Options) Detail {
	return compareDetail(ref, cand, opt, false)
}

// CompareWithDiff is CompareDetail plus the diff, built from the same
// matching (ComputeDiff would match the graphs again).
func CompareWithDiff(ref, cand *graph.Graph, opt Options) Detail {
	return compareDetail(ref, cand, opt, true)
}

func compareDetail(ref, cand *graph.Graph, opt Options, withDiff bool) Detail {
	w := getWorkspace()
	defer w.put()
	w.r.init(ref, opt)
	w.c.init(cand, opt)
	m := &w.m
	m.compute(&w.r, &w.c, opt, &w.ms, &w.hs)
	recall, precision, okR, okC := m.scs(opt, &w.candSim)
	s := Scores{
		NSC:    m.NSC(),
		AMS:    m.ams(!opt.UntypedAMS, opt.CountWeightedAMS, &w.ams),
		EdgeF1: m.EdgeF1(),
		SCS:    scsFrom(len(w.r.nodes), len(w.c.nodes), recall, precision, okR, okC),
	}
	isAnatomy := defaultIsAnatomy
	if opt.Ontology != nil {
		isAnatomy = opt.Ontology.IsAnatomy
	}
	rw := radgraphOf(&w.c, &w.r, isAnatomy, &w.rg, &w.rgTables)
	s.RadGraphSimple, s.RadGraphPartial, s.RadGraphComplete = rw.Simple, rw.Partial, rw.Complete
	d := Detail{Scores: s, Types: m.Types(), Exact: m.Exact}
	if withDiff {
		d.Diff = diffFrom(m, ref, cand, opt)
	}
	return d
}

// defaultIsAnatomy is the RadGraph label mapping without an ontology.
func defaultIsAnatomy(t string) bool { return t == "anatomy" }

// Types is the per-type breakdown of the matching.
func (m *Matching) Types() map[string]TypeStats {
	types := make(map[string]TypeStats, 4)
	for i := range m.ref.nodes {
		t := types[m.ref.nodes[i].Type]
		t.Reference++
		if m.RefToCand[i] >= 0 {
			t.Matched++
			t.Similarity += m.Sim[i]
		}
		types[m.ref.nodes[i].Type] = t
	}
	for j := range m.cand.nodes {
		t := types[m.cand.nodes[j].Type]
		t.Candidate++
		types[m.cand.nodes[j].Type] = t
	}
	for name, t := range types {
		if t.Reference > 0 {
			t.Coverage = t.Similarity / float64(t.Reference+abs(t.Reference-t.Candidate))
			types[name] = t
		}
	}
	return types
}

// Weights are the weights of the components of overall. Only the named
// components count; one whose value is unavailable (a null judge) drops
// out and the rest are renormalized.
type Weights map[string]float64

// DefaultWeights are the documented defaults (docs/metrics.md): node
// coverage and subgraph coverage carry what was found and how it was
// qualified; adjacency agreement, which only sees relations between matched
// nodes, weighs half as much; the rubric judge, when on, one quarter of the
// total.
func DefaultWeights() Weights {
	return Weights{"nsc": 0.3, "ams": 0.15, "scs": 0.3, "judge": 0.25}
}

// Validate rejects unknown score names and negative or all-zero weights.
func (w Weights) Validate() error {
	total := 0.0
	for name, v := range w {
		if name == "overall" {
			return fmt.Errorf("weights: overall cannot weigh itself")
		}
		if _, ok := (&Scores{Judge: new(float64)}).Get(name); !ok {
			return fmt.Errorf("weights: unknown score %q", name)
		}
		if v < 0 {
			return fmt.Errorf("weights: %s has negative weight %v", name, v)
		}
		total += v
	}
	if total == 0 {
		return fmt.Errorf("weights: all weights are zero")
	}
	return nil
}

// Overall sets s.Overall to the weighted mean of the available components
// and returns the components used, in the order of Names.
func (w Weights) Overall(s *Scores) []string {
	var used []string
	num, den := 0.0, 0.0
	for _, name := range Names() {
		wt, ok := w[name]
		if !ok || wt == 0 {
			continue
		}
		v, ok := s.Get(name)
		if !ok {
			continue
		}
		used = append(used, name)
		num += wt * v
		den += wt
	}
	if den > 0 {
		s.Overall = num / den
	} else {
		s.Overall = 0
	}
	return used
}
