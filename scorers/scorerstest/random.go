// Package scorerstest makes random but realistic document graphs for the
// scorers' property tests, benchmarks and the benchmark data generator:
// report-like reference graphs drawn from an ontology's lexicon, and
// candidates derived from them by the mistakes generators make (omitted and
// invented findings, flipped assertions, synonyms, changed sizes, lost and
// invented relations).
package scorerstest

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// Generator draws graphs from one ontology's lexicon. It is not safe for
// concurrent use.
type Generator struct {
	rng *rand.Rand
	// MaxNodes bounds the size of a reference graph (default 30).
	MaxNodes int
	// MinNodes is the smallest reference graph (default 3).
	MinNodes int
	byType   map[string][]*ontology.Concept
	anchors  []string // anchor entity types present in the lexicon
	anatomy  string   // the anatomy type, "" when the ontology has none
	concept  string   // a descriptor type ("concept"), "" when none
	relLoc   string   // the relation from anchors to anatomy
	relMod   string   // the relation from descriptors to anchors
	types    []string
	relTypes []string
	hasSize  bool
}

// New returns a generator over o's lexicon seeded with seed.
func New(o *ontology.Ontology, seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), MaxNodes: 30, MinNodes: 3,
		byType: map[string][]*ontology.Concept{}, hasSize: o.HasEntityType("size")}
	for i := range o.Lexicon {
		c := &o.Lexicon[i]
		if len(c.Terms) > 0 {
			g.byType[c.Type] = append(g.byType[c.Type], c)
		}
	}
	for _, t := range o.EntityTypeNames() {
		if len(g.byType[t]) == 0 {
			continue
		}
		g.types = append(g.types, t)
		switch {
		case o.IsAnchor(t):
			g.anchors = append(g.anchors, t)
		case o.IsAnatomy(t) && g.anatomy == "":
			g.anatomy = t
		case g.concept == "":
			g.concept = t
		}
	}
	if len(g.anchors) == 0 {
		g.anchors = g.types
	}
	// The first relation allowed from an anchor to the anatomy type, and
	// from the descriptor type to an anchor.
	for _, rt := range o.RelationTypes {
		g.relTypes = append(g.relTypes, rt.Name)
		if g.relLoc == "" && in(rt.From, g.anchors[0]) && in(rt.To, g.anatomy) {
			g.relLoc = rt.Name
		}
		if g.relMod == "" && in(rt.From, g.concept) && in(rt.To, g.anchors[0]) {
			g.relMod = rt.Name
		}
	}
	if len(g.relTypes) == 0 {
		g.relTypes = []string{"related_to"}
	}
	if g.relLoc == "" {
		g.relLoc = g.relTypes[0]
	}
	if g.relMod == "" {
		g.relMod = g.relTypes[0]
	}
	return g
}

func in(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Rand is the generator's random source, for callers that draw more.
func (g *Generator) Rand() *rand.Rand { return g.rng }

func (g *Generator) pick(t string) *ontology.Concept {
	cs := g.byType[t]
	return cs[g.rng.IntN(len(cs))]
}

func (g *Generator) assertion() graph.Assertion {
	switch x := g.rng.IntN(10); {
	case x < 6:
		return graph.Present
	case x < 9:
		return graph.Absent
	}
	return graph.Uncertain
}

// Reference returns a report-like graph with id: anchors (findings,
// devices, procedures) located at anatomy and modified by descriptors,
// some with sizes, between MinNodes and MaxNodes entities.
func (g *Generator) Reference(id string) *graph.Graph {
	n := g.MinNodes + g.rng.IntN(max(g.MaxNodes-g.MinNodes, 0)+1)
	gr := &graph.Graph{ID: id, Entities: make([]graph.Entity, 0, n), Relations: []graph.Relation{}}
	add := func(t string, a graph.Assertion) int {
		c := g.pick(t)
		e := graph.Entity{ID: "e" + strconv.Itoa(len(gr.Entities)+1), Text: c.Terms[g.rng.IntN(len(c.Terms))],
			Type: t, Assertion: a, Key: c.Key}
		gr.Entities = append(gr.Entities, e)
		return len(gr.Entities) - 1
	}
	rel := func(s, t int, typ string) {
		gr.Relations = append(gr.Relations, graph.Relation{Source: gr.Entities[s].ID, Target: gr.Entities[t].ID, Type: typ})
	}
	for len(gr.Entities) < n {
		a := add(g.anchors[g.rng.IntN(len(g.anchors))], g.assertion())
		if g.anatomy != "" && len(gr.Entities) < n && g.rng.IntN(3) > 0 {
			rel(a, add(g.anatomy, graph.Present), g.relLoc)
		}
		if g.concept != "" && len(gr.Entities) < n && g.rng.IntN(2) == 0 {
			rel(add(g.concept, graph.Present), a, g.relMod)
		}
		if g.hasSize && len(gr.Entities) < n && g.rng.IntN(6) == 0 {
			v := float64(2 + g.rng.IntN(60))
			gr.Entities = append(gr.Entities, graph.Entity{ID: "e" + strconv.Itoa(len(gr.Entities)+1),
				Text: fmt.Sprintf("%g mm", v), Type: "size", Assertion: graph.Present, Key: "size",
				Measure: &graph.Measure{Values: []float64{v}, Unit: "mm"}})
			rel(len(gr.Entities)-1, a, g.relMod)
		}
	}
	return gr
}

// Candidate derives a generated document's graph from ref: each entity is
// dropped with probability 0.15, keeps its concept under another surface
// form with 0.3, has its assertion changed with 0.1 and its size changed
// with 0.3; up to three invented entities are added; each relation is lost
// with 0.1 and up to two relations are invented.
func (g *Generator) Candidate(ref *graph.Graph) *graph.Graph {
	c := &graph.Graph{ID: ref.ID, Entities: make([]graph.Entity, 0, len(ref.Entities)+3), Relations: []graph.Relation{}}
	kept := map[string]bool{}
	for _, e := range ref.Entities {
		if g.rng.Float64() < 0.15 {
			continue
		}
		if cs, ok := g.concepts(e.Key, e.Type); ok && g.rng.Float64() < 0.3 {
			e.Text = cs.Terms[g.rng.IntN(len(cs.Terms))]
		}
		if g.rng.Float64() < 0.1 {
			e.Assertion = []graph.Assertion{graph.Present, graph.Absent, graph.Uncertain}[g.rng.IntN(3)]
		}
		if e.Measure != nil {
			m := *e.Measure
			m.Values = append([]float64(nil), m.Values...)
			if g.rng.Float64() < 0.3 {
				m.Values[0] += float64(g.rng.IntN(11) - 5)
			}
			e.Measure = &m
		}
		kept[e.ID] = true
		c.Entities = append(c.Entities, e)
	}
	for k := g.rng.IntN(4); k > 0; k-- {
		t := g.types[g.rng.IntN(len(g.types))]
		cs := g.pick(t)
		c.Entities = append(c.Entities, graph.Entity{ID: "x" + strconv.Itoa(k), Text: cs.Terms[g.rng.IntN(len(cs.Terms))],
			Type: t, Assertion: g.assertion(), Key: cs.Key})
	}
	for _, r := range ref.Relations {
		if kept[r.Source] && kept[r.Target] && g.rng.Float64() >= 0.1 {
			c.Relations = append(c.Relations, r)
		}
	}
	if len(c.Entities) > 1 {
		for k := g.rng.IntN(3); k > 0; k-- {
			s, t := g.rng.IntN(len(c.Entities)), g.rng.IntN(len(c.Entities))
			if s != t {
				c.Relations = append(c.Relations, graph.Relation{Source: c.Entities[s].ID, Target: c.Entities[t].ID,
					Type: g.relTypes[g.rng.IntN(len(g.relTypes))]})
			}
		}
	}
	return c
}

func (g *Generator) concepts(key, typ string) (*ontology.Concept, bool) {
	for _, c := range g.byType[typ] {
		if c.Key == key {
			return c, true
		}
	}
	return nil, false
}

// Pair returns a reference graph and a candidate derived from it.
func (g *Generator) Pair(id string) (ref, cand *graph.Graph) {
	ref = g.Reference(id)
	return ref, g.Candidate(ref)
}
