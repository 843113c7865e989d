package render

import (
	"encoding/json"
	"io"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

// Document is the JSON form of a diff (`kgeval diff --format json`).
// Missing, invented and changed entities come most significant first.
type Document struct {
	ID         string                `json:"id"`
	Ontology   string                `json:"ontology,omitempty"`
	Scores     *scorers.Scores       `json:"scores,omitempty"`
	Components []string              `json:"components,omitempty"`
	Entities   Counts                `json:"entities"`
	Relations  Counts                `json:"relations"`
	Matched    []scorers.EntityMatch `json:"matched"`
	Changed    []Change              `json:"changed"`
	Missing    []scorers.EntityDiff  `json:"missing"`
	Invented   []scorers.EntityDiff  `json:"invented"`
	// RelationDiff lists the relations by status.
	RelationDiff RelationLists `json:"relation_diff"`
	Reference    *graph.Graph  `json:"reference"`
	Candidate    *graph.Graph  `json:"candidate"`
}

// RelationLists are the relations of a diff by status.
type RelationLists struct {
	Matched  []scorers.RelationItem `json:"matched"`
	Changed  []RelationChange       `json:"changed"`
	Missing  []scorers.RelationItem `json:"missing"`
	Invented []scorers.RelationItem `json:"invented"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(w io.Writer, m *model) error {
	doc := Document{
		ID: m.ID, Ontology: m.Ontology, Scores: m.Scores, Components: m.Components,
		Entities: m.entityCounts(), Relations: m.relationCounts(),
		Matched: nonNil(m.matched), Changed: nonNil(m.changed), Missing: nonNil(m.missing), Invented: nonNil(m.invented),
		RelationDiff: RelationLists{nonNil(m.relMatched), nonNil(m.relChanged), nonNil(m.relMissing), nonNil(m.relInvented)},
		Reference:    m.Reference, Candidate: m.Candidate,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
