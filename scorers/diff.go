package scorers

import (
	"github.com/kgeval/kgeval/graph"
)

// Diff is what a candidate graph got right and wrong against its reference,
// item by item: the evidence behind the scores, shown by `kgeval diff`, the
// report and the viewer, and given to the judge.
type Diff struct {
	Matched   []EntityMatch `json:"matched"`
	Missing   []EntityDiff  `json:"missing"`  // in the reference only
	Invented  []EntityDiff  `json:"invented"` // in the candidate only
	Relations RelationDiff  `json:"relations"`
}

// EntityDiff is an entity present on one side only, with its weight (the
// ontology's significance; lower for absent or normal statements).
type EntityDiff struct {
	Entity       graph.Entity `json:"entity"`
	Significance string       `json:"significance,omitempty"`
	Weight       float64      `json:"weight"`
}

// EntityMatch is a matched pair with its similarity and what differs.
type EntityMatch struct {
	Reference    graph.Entity `json:"reference"`
	Candidate    graph.Entity `json:"candidate"`
	Similarity   float64      `json:"similarity"`
	Significance string       `json:"significance,omitempty"`
	Weight       float64      `json:"weight"`
	// Changes name what differs: "assertion", "key", "measure", "text".
	Changes []string `json:"changes,omitempty"`
}

// RelationDiff splits the relations of both graphs under the matching.
type RelationDiff struct {
	Matched  []RelationItem `json:"matched"`
	Missing  []RelationItem `json:"missing"`
	Invented []RelationItem `json:"invented"`
}

// RelationItem is a relation with the texts of its ends, for display.
type RelationItem struct {
	graph.Relation
	SourceText string `json:"source_text"`
	TargetText string `json:"target_text"`
}

// ComputeDiff is the diff of cand against ref under the optimal matching.
func ComputeDiff(ref, cand *graph.Graph, opt Options) *Diff {
	return diffFrom(Match(ref, cand, opt), ref, cand, opt)
}

// diffFrom builds the diff from a matching of ref and cand.
func diffFrom(m *Matching, ref, cand *graph.Graph, opt Options) *Diff {
	d := &Diff{Matched: []EntityMatch{}, Missing: []EntityDiff{}, Invented: []EntityDiff{},
		Relations: RelationDiff{Matched: []RelationItem{}, Missing: []RelationItem{}, Invented: []RelationItem{}}}
	weigh := func(e graph.Entity) (string, float64) {
		if opt.Ontology == nil {
			return "", 1
		}
		sig := ""
		if c, ok := opt.Ontology.Concept(e.Key); ok {
			sig = c.Significance
		}
		return sig, opt.Ontology.Weight(e.Type, e.Key, e.Assertion == graph.Absent)
	}
	for i, e := range ref.Entities {
		sig, w := weigh(e)
		j := m.RefToCand[i]
		if j < 0 {
			d.Missing = append(d.Missing, EntityDiff{Entity: e, Significance: sig, Weight: w})
			continue
		}
		c := cand.Entities[j]
		em := EntityMatch{Reference: e, Candidate: c, Similarity: m.Sim[i], Significance: sig, Weight: w}
		if e.Assertion != c.Assertion {
			em.Changes = append(em.Changes, "assertion")
		}
		if e.Key != c.Key {
			em.Changes = append(em.Changes, "key")
		}
		if MeasureFactor(e.Measure, c.Measure) < 1 {
			em.Changes = append(em.Changes, "measure")
		}
		d.Matched = append(d.Matched, em)
	}
	for j, e := range cand.Entities {
		if m.CandToRef[j] < 0 {
			sig, w := weigh(e)
			d.Invented = append(d.Invented, EntityDiff{Entity: e, Significance: sig, Weight: w})
		}
	}
	refIdx, candIdx := ref.EntityIndex(), cand.EntityIndex()
	text := func(g *graph.Graph, idx map[string]int, id string) string { return g.Entities[idx[id]].Text }
	// A relation of R is matched when C has the same typed relation between
	// the matches of its ends.
	candRel := map[[3]string]bool{}
	for _, r := range cand.Relations {
		candRel[[3]string{r.Source, r.Target, r.Type}] = true
	}
	used := map[[3]string]bool{}
	for _, r := range ref.Relations {
		item := RelationItem{Relation: r, SourceText: text(ref, refIdx, r.Source), TargetText: text(ref, refIdx, r.Target)}
		s, t := m.RefToCand[refIdx[r.Source]], m.RefToCand[refIdx[r.Target]]
		if s >= 0 && t >= 0 {
			k := [3]string{cand.Entities[s].ID, cand.Entities[t].ID, r.Type}
			if candRel[k] {
				used[k] = true
				d.Relations.Matched = append(d.Relations.Matched, item)
				continue
			}
		}
		d.Relations.Missing = append(d.Relations.Missing, item)
	}
	for _, r := range cand.Relations {
		if !used[[3]string{r.Source, r.Target, r.Type}] {
			d.Relations.Invented = append(d.Relations.Invented, RelationItem{Relation: r, SourceText: text(cand, candIdx, r.Source), TargetText: text(cand, candIdx, r.Target)})
		}
	}
	return d
}
