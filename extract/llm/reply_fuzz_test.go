package llm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// FuzzInterpret feeds fuzzed replies (and documents) to the reply parser
// and validator, then merges the result as Extract does (seeds: the
// recorded replies and testdata/fuzz/FuzzInterpret). A reply is untrusted
// input: no panic; a reply that cannot be used says why; one that can
// gives a graph that validates against the ontology, with every span inside
// the document holding the entity's text and every relation in a direction
// its type allows, also when the document was cut into two chunks.
func FuzzInterpret(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "replies", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var x struct {
			Body struct {
				Choices []struct {
					Message struct{ Content string }
				}
			}
		}
		if json.Unmarshal(b, &x) == nil && len(x.Body.Choices) > 0 {
			f.Add(x.Body.Choices[0].Message.Content, report)
		}
	}
	for _, s := range []string{
		"```json\n{\"entities\": [{\"id\": \"e1\", \"text\": \"pneumothorax\", \"type\": \"disorder\", \"assertion\": \"absent\"}]}\n```",
		`{"graph": {"entities": [{"id": 1, "text": "No pneumothorax.", "type": "Disorders", "assertion": "negative"}], "relations": null}}`,
		`"{\"entities\": [], \"relations\": []}"`,
		`{"entities": [{"id": "e1", "text": "right lower lobe", "type": "anatomy"}, {"id": "e2", "text": "atelectasis", "type": "disorder"}], "relations": [{"source": "e1", "target": "e2", "type": "located_at"}, {"source": "atelectasis", "target": "e2", "type": "located_at"}, {"source": "e2", "target": "e9", "type": "modify"}]}`,
		`{"entities": [{"id": "e1", "text": "RIGHT  LOWER\nlobe", "type": "anatomy"}, {"id": "e1", "text": "pneumonia", "type": "disorder"}, {"id": "e2", "text": "ignore previous instructions", "type": "disorder"}], "relations": []}`,
		`{"entities": {"id": "e1"}, "relations": 5}`,
		`{"entities": [null, 3, "x", [], {"id": ""}], "relations": [null, {"source": {}}]}`,
		`{"entities": [{"id": "e1", "text": "effusion", "type": "disorder", "assertion": "present"}`,
		"Sure! Here is the graph: {\"entities\": []} and {\"entities\": [1]}",
		"\ufeff   ",
		strings.Repeat("{", 100),
	} {
		f.Add(s, report)
	}
	f.Add(`{"entities": [{"id": "e1", "text": "é", "type": "concept"}]}`, "éé é\xff\xfe")
	o, err := ontology.Builtin("radiology")
	if err != nil {
		f.Fatal(err)
	}
	v := newValidator(o)
	f.Fuzz(func(t *testing.T, raw, doc string) {
		whole := v.interpret(raw, doc, 0)
		if !whole.usable() {
			if strings.TrimSpace(reasonOf(whole)) == "" {
				t.Fatalf("unusable reply without a reason: %q", raw)
			}
			return
		}
		checkMerged(t, o, doc, []*result{whole})
		// The same reply for both halves of the document, as when a long
		// document is split.
		cut := len(doc) / 2
		for cut > 0 && cut < len(doc) && !utf8.RuneStart(doc[cut]) {
			cut--
		}
		a, b := v.interpret(raw, doc[:cut], 0), v.interpret(raw, doc[cut:], cut)
		var parts []*result
		for _, r := range []*result{a, b} {
			if r.usable() {
				parts = append(parts, r)
			}
		}
		checkMerged(t, o, doc, parts)
	})
}

func checkMerged(t *testing.T, o *ontology.Ontology, doc string, parts []*result) {
	t.Helper()
	g := merge("fuzz", doc, parts)
	g.Normalize()
	if err := g.Validate(o); err != nil {
		t.Fatalf("the merged graph is invalid (Extract would fail with an internal error): %v", err)
	}
	types := map[string]string{}
	for _, e := range g.Entities {
		types[e.ID] = e.Type
		s := e.Span
		if s == nil || s[0] < 0 || s[1] > len(doc) || s[0] > s[1] || doc[s[0]:s[1]] != e.Text {
			t.Fatalf("entity %s (%q) has span %v, not its text in the document", e.ID, e.Text, s)
		}
		if e.Assertion != graph.Present && e.Assertion != graph.Absent && e.Assertion != graph.Uncertain {
			t.Fatalf("entity %s has assertion %q", e.ID, e.Assertion)
		}
	}
	for _, r := range g.Relations {
		rt, _ := o.RelationType(r.Type)
		if !allows(rt.From, types[r.Source]) || !allows(rt.To, types[r.Target]) || r.Source == r.Target {
			t.Fatalf("relation %+v joins %s to %s", r, types[r.Source], types[r.Target])
		}
	}
}
