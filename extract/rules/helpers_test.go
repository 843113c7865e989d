package rules

import (
	"context"
	"os"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// radiologyFile is the built-in radiology ontology: its types, cues and
// rules are what the tests exercise.
const radiologyFile = "../../ontology/data/radiology/ontology.yaml"

// testOntology is the built-in radiology ontology (types, relation types,
// assertion cues and rules) with the frozen test lexicon of
// testdata/lexicon.yaml in place of the built-in one, so that the tests
// follow the extraction rules and cues but not the growth of the lexicon.
func testOntology(t testing.TB) *ontology.Ontology {
	t.Helper()
	b, err := os.ReadFile(radiologyFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "lexicon")
	doc["include"] = []string{"lexicon.yaml"}
	top, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	lex, err := os.ReadFile("testdata/lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o, err := ontology.Load(fstest.MapFS{
		"ontology.yaml": {Data: top},
		"lexicon.yaml":  {Data: lex},
	}, "ontology.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustExtract(t testing.TB, x *Extractor, id, text string) *graph.Graph {
	t.Helper()
	g, err := x.Extract(context.Background(), extract.Document{ID: id, Text: text})
	if err != nil {
		t.Fatalf("extract %s: %v", id, err)
	}
	return g
}
