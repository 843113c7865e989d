package scorers

import (
	"testing"

	"github.com/kgeval/kgeval/graph"
)

func TestComputeDiff(t *testing.T) {
	// Reference: left pleural effusion. Candidate: effusion denied, and an
	// invented pneumothorax.
	cand := negated()
	cand.Entities = append(cand.Entities, graph.Entity{ID: "e4", Text: "pneumothorax", Key: "finding/pneumothorax", Type: "disorder", Assertion: graph.Present})
	d := ComputeDiff(effusionGraph(), cand, Options{})
	// The absent effusion cannot match the present one (assertion factor
	// 0), so it is both missing and invented; left and pleura match.
	if len(d.Matched) != 2 || len(d.Missing) != 1 || d.Missing[0].Entity.ID != "e1" {
		t.Fatalf("matched %d, missing %+v", len(d.Matched), d.Missing)
	}
	if len(d.Invented) != 2 || d.Invented[0].Entity.ID != "e1" || d.Invented[1].Entity.ID != "e4" {
		t.Fatalf("invented %+v", d.Invented)
	}
	// Both reference relations touch the effusion: missing; the candidate's
	// two relations touch its unmatched effusion: invented.
	if len(d.Relations.Missing) != 2 || len(d.Relations.Invented) != 2 || len(d.Relations.Matched) != 0 {
		t.Errorf("relations %+v", d.Relations)
	}
	same := ComputeDiff(effusionGraph(), effusionGraph(), Options{})
	if len(same.Missing)+len(same.Invented)+len(same.Relations.Missing)+len(same.Relations.Invented) != 0 || len(same.Relations.Matched) != 2 {
		t.Errorf("identical graphs differ: %+v", same)
	}
}
