package results

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

func TestCompactDiff(t *testing.T) {
	e := func(id, text, typ, key string, a graph.Assertion) graph.Entity {
		return graph.Entity{ID: id, Text: text, Type: typ, Key: key, Assertion: a}
	}
	effR, effC := e("r1", "effusion", "disorder", "finding/pleural_effusion", graph.Present), e("c1", "effusion", "disorder", "finding/pleural_effusion", graph.Present)
	rightR, leftC := e("r2", "right", "concept", "laterality/right", graph.Present), e("c2", "left", "concept", "laterality/left", graph.Present)
	ptxR, ptxC := e("r3", "pneumothorax", "disorder", "finding/pneumothorax", graph.Absent), e("c3", "pneumothorax", "disorder", "finding/pneumothorax", graph.Present)
	heart := e("r4", "heart", "anatomy", "anatomy/heart", graph.Present)
	edema := e("c4", "edema", "disorder", "finding/edema", graph.Uncertain)
	d := &scorers.Diff{
		Matched:  []scorers.EntityMatch{{Reference: effR, Candidate: effC, Similarity: 1, Weight: 2}},
		Missing:  []scorers.EntityDiff{{Entity: rightR, Weight: 1}, {Entity: ptxR, Significance: "urgent", Weight: 1}, {Entity: heart, Weight: 1}},
		Invented: []scorers.EntityDiff{{Entity: ptxC, Significance: "urgent", Weight: 4}, {Entity: leftC, Weight: 1}, {Entity: edema, Weight: 2}},
		Relations: scorers.RelationDiff{
			Missing:  []scorers.RelationItem{{Relation: graph.Relation{Source: "r2", Target: "r1", Type: "modify"}, SourceText: "right", TargetText: "effusion"}},
			Invented: []scorers.RelationItem{{Relation: graph.Relation{Source: "c2", Target: "c1", Type: "modify"}, SourceText: "left", TargetText: "effusion"}},
		},
	}
	c := CompactDiff(d)
	if c.Matched != 1 || c.Relations != (DiffRelations{0, 1, 1}) {
		t.Errorf("counts: %+v", c)
	}
	if len(c.Missing) != 1 || c.Missing[0].Text != "heart" || len(c.Invented) != 1 || c.Invented[0].Text != "edema" {
		t.Errorf("missing %+v, invented %+v", c.Missing, c.Invented)
	}
	if len(c.Changed) != 2 {
		t.Fatalf("changed %+v", c.Changed)
	}
	flip, attr := c.Changed[0], c.Changed[1]
	if flip.Changes[0] != "assertion" || flip.Reference.Assertion != graph.Absent || flip.Candidate.Assertion != graph.Present || flip.ScoredAs != ScoredApart {
		t.Errorf("assertion flip: %+v", flip)
	}
	if attr.Changes[0] != "attribute" || attr.Reference.Text != "right" || attr.Candidate.Text != "left" || attr.Of != "effusion" {
		t.Errorf("attribute: %+v", attr)
	}
	// A record without problems stays small.
	b, _ := json.Marshal(CompactDiff(&scorers.Diff{Matched: d.Matched}))
	if strings.Contains(string(b), "missing\":[") {
		t.Errorf("empty lists are written: %s", b)
	}
	if CompactDiff(nil) != nil {
		t.Error("CompactDiff(nil) is not nil")
	}
}

func TestKeyFamily(t *testing.T) {
	for in, want := range map[string]string{"laterality/left": "laterality", "a/b/c": "a/b", "plain": "", "/x": ""} {
		if got := KeyFamily(in); got != want {
			t.Errorf("KeyFamily(%q) = %q, want %q", in, got, want)
		}
	}
}
