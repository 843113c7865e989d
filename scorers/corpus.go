package scorers

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/kgeval/kgeval/graph"
)

// Corpus builds one knowledge graph from many document graphs, as ReXKG
// does for a whole set of reports: a node per statement of a concept (entity
// type, concept key and assertion: "no effusion" and "effusion" are
// different statements) and an edge per (source node, target node, relation
// type), each with the number of documents that contain it. Memory grows
// with the number of distinct statements and edges, not with the number of
// documents.
type Corpus struct {
	ID        string
	documents int
	nodes     map[corpusKey]*corpusNode
	order     []*corpusNode
	edges     map[corpusEdge]*corpusEdgeCount
	edgeOrder []corpusEdge
}

type corpusKey struct {
	typ, key  string
	assertion graph.Assertion
}

type corpusNode struct {
	key   corpusKey
	id    string
	count int
	texts map[string]int // surface forms and how many documents used them
}

type corpusEdge struct {
	source, target *corpusNode
	typ            string
}

type corpusEdgeCount struct{ count int }

// NewCorpus returns an empty corpus graph builder; id names the graph it
// builds.
func NewCorpus(id string) *Corpus {
	return &Corpus{ID: id, nodes: map[corpusKey]*corpusNode{}, edges: map[corpusEdge]*corpusEdgeCount{}}
}

// Documents is the number of document graphs added.
func (c *Corpus) Documents() int { return c.documents }

// Add counts one document's graph: each statement and each typed edge it
// contains counts once, however often the document repeats it.
func (c *Corpus) Add(g *graph.Graph) {
	c.documents++
	local := make(map[string]*corpusNode, len(g.Entities)) // entity id → node
	seen := make(map[*corpusNode]bool, len(g.Entities))
	for _, e := range g.Entities {
		k := corpusKey{e.Type, e.Key, e.Assertion}
		n := c.nodes[k]
		if n == nil {
			n = &corpusNode{key: k, id: "n" + strconv.Itoa(len(c.order)+1), texts: map[string]int{}}
			c.nodes[k] = n
			c.order = append(c.order, n)
		}
		local[e.ID] = n
		if !seen[n] {
			seen[n] = true
			n.count++
			n.texts[e.Text]++
		}
	}
	seenEdge := make(map[corpusEdge]bool, len(g.Relations))
	for _, r := range g.Relations {
		s, t := local[r.Source], local[r.Target]
		if s == nil || t == nil {
			continue
		}
		k := corpusEdge{s, t, r.Type}
		if seenEdge[k] {
			continue
		}
		seenEdge[k] = true
		ec := c.edges[k]
		if ec == nil {
			ec = &corpusEdgeCount{}
			c.edges[k] = ec
			c.edgeOrder = append(c.edgeOrder, k)
		}
		ec.count++
	}
}

// Graph returns the corpus graph keeping the nodes and edges found in at
// least minCount documents (and edges whose ends are kept), in order of
// first appearance. A node's text is its most frequent surface form (the
// smallest among equals), its Count the number of documents; an edge's
// Count likewise.
func (c *Corpus) Graph(minCount int) *graph.Graph {
	g := &graph.Graph{ID: c.ID, Entities: []graph.Entity{}, Relations: []graph.Relation{}}
	kept := make(map[*corpusNode]bool, len(c.order))
	for _, n := range c.order {
		if n.count < minCount {
			continue
		}
		kept[n] = true
		text, best := "", 0
		for t, k := range n.texts {
			if k > best || k == best && t < text {
				text, best = t, k
			}
		}
		g.Entities = append(g.Entities, graph.Entity{ID: n.id, Text: text, Type: n.key.typ, Assertion: n.key.assertion, Key: n.key.key, Count: n.count})
	}
	for _, k := range c.edgeOrder {
		if n := c.edges[k].count; n >= minCount && kept[k.source] && kept[k.target] {
			g.Relations = append(g.Relations, graph.Relation{Source: k.source.id, Target: k.target.id, Type: k.typ, Count: n})
		}
	}
	return g
}

// TypeCoverage is one row of the corpus coverage table: of the reference
// corpus's statements of one entity type, how many (and how much of their
// document count) the candidate corpus also has.
type TypeCoverage struct {
	Type              string  `json:"type"`
	ReferenceConcepts int     `json:"reference_concepts"`
	CoveredConcepts   int     `json:"covered_concepts"`
	ConceptShare      float64 `json:"concept_share"`
	ReferenceCount    int     `json:"reference_count"`
	CoveredCount      int     `json:"covered_count"`
	CountShare        float64 `json:"count_share"`
}

// CorpusCoverage is the coverage table of two corpus graphs, one row per
// entity type of the reference in name order, and the total over all
// types. A reference node is covered when the candidate has a node with the
// same type, key and assertion (after the minimum count).
func CorpusCoverage(ref, cand *graph.Graph) (rows []TypeCoverage, total TypeCoverage) {
	have := make(map[corpusKey]bool, len(cand.Entities))
	for _, e := range cand.Entities {
		have[corpusKey{e.Type, e.Key, e.Assertion}] = true
	}
	byType := map[string]*TypeCoverage{}
	total.Type = "all"
	for _, e := range ref.Entities {
		row := byType[e.Type]
		if row == nil {
			row = &TypeCoverage{Type: e.Type}
			byType[e.Type] = row
		}
		n := max(e.Count, 1)
		for _, t := range []*TypeCoverage{row, &total} {
			t.ReferenceConcepts++
			t.ReferenceCount += n
			if have[corpusKey{e.Type, e.Key, e.Assertion}] {
				t.CoveredConcepts++
				t.CoveredCount += n
			}
		}
	}
	for _, row := range byType {
		rows = append(rows, *row)
	}
	slices.SortFunc(rows, func(a, b TypeCoverage) int { return cmp.Compare(a.Type, b.Type) })
	rows = append(rows, total)
	for i := range rows {
		shares(&rows[i])
	}
	total = rows[len(rows)-1]
	return rows[:len(rows)-1], total
}

func shares(t *TypeCoverage) {
	if t.ReferenceConcepts > 0 {
		t.ConceptShare = float64(t.CoveredConcepts) / float64(t.ReferenceConcepts)
	}
	if t.ReferenceCount > 0 {
		t.CountShare = float64(t.CoveredCount) / float64(t.ReferenceCount)
	}
}

// CorpusScores are the graph scores of two corpus graphs with the coverage
// table.
type CorpusScores struct {
	NSC      float64        `json:"nsc"`
	AMS      float64        `json:"ams"`
	EdgeF1   float64        `json:"edge_f1"`
	SCS      float64        `json:"scs"`
	Exact    bool           `json:"exact_matching"`
	Coverage []TypeCoverage `json:"coverage"`
	Total    TypeCoverage   `json:"coverage_total"`
}

// CompareCorpora scores a candidate corpus graph against a reference corpus
// graph: NSC, AMS (count-weighted when opt.CountWeightedAMS), edge F1 and
// SCS under one matching, and the coverage table. Corpus graphs usually
// exceed Options.MaxExact, so the matching is the greedy one.
func CompareCorpora(ref, cand *graph.Graph, opt Options) CorpusScores {
	r, c := prepare(ref, opt), prepare(cand, opt)
	m := &Matching{}
	m.compute(r, c, opt, &matchScratch{}, &hungarianScratch{})
	recall, precision, okR, okC := m.scs(opt, nil)
	out := CorpusScores{
		NSC:    m.NSC(),
		AMS:    m.AMS(opt),
		EdgeF1: m.EdgeF1(),
		SCS:    scsFrom(len(r.nodes), len(c.nodes), recall, precision, okR, okC),
		Exact:  m.Exact,
	}
	out.Coverage, out.Total = CorpusCoverage(ref, cand)
	return out
}
