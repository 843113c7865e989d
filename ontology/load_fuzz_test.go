package ontology_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/extract/rules"
	"github.com/kgeval/kgeval/ontology"
)

// FuzzLoad loads a fuzzed ontology file and the lexicon file it may
// include (seeds in testdata/fuzz/FuzzLoad). A user's ontology is untrusted
// input: loading must not panic, and an error must name the file, with a
// line where the problem has one. An ontology that loads must be usable:
// its JSON Schema and context rules build, and the rules extractor built
// from it extracts graphs that validate against it.
func FuzzLoad(f *testing.F) {
	const minimal = "name: t\nentity_types:\n  - name: finding\n    anchor: true\n  - name: place\n    radgraph: ANAT-DP\n" +
		"relation_types:\n  - name: at\n    from: [finding]\n    to: [place]\n"
	for _, s := range [][2]string{
		{minimal, ""},
		{minimal + "include: [lex.yaml]\nassertion_cues:\n  negation:\n    pre: [no, without]\n    post: [is absent]\n  uncertainty:\n    pre: [possible]\n  termination: [but]\n  pseudo: [no change]\n",
			"lexicon:\n  - key: f/effusion\n    type: finding\n    terms: [effusion, pleural effusion]\n  - key: p/lung\n    type: place\n    terms: [lung]\n"},
		{minimal + "significance: {urgent: 2}\nlexicon:\n  - key: f/a\n    type: finding\n    terms: [a]\n    significance: urgent\n    parent: f/b\n", ""},
		{minimal + "rules:\n  context:\n    - \"age >= 65: f/a -> x0.5\"\n    - \"age < 5: f/a -> xNaN\"\n  sections: [findings]\n  location_words: [in]\nlexicon:\n  - key: f/a\n    type: finding\n    terms: [a]\n", ""},
		{minimal + "lexicon:\n  - key: f/a\n    type: finding\n    terms: [\"\", \"  \"]\n", ""},
		{minimal + "absent_weight: .nan\nsignificance: {x: .inf}\n", ""},
		{"name: t\nentity_types:\n  - name: Document\n  - name: 1bad\n", ""},
		{"name: t\nentity_types: [{name: party}, {name: date}, {name: clause}, {name: obligation}]\nrules:\n  covenants: [\"compete=clause/non_compete@\"]\n", ""},
		{"name: t\nentity_types:\n  - {name: a, weight: -1}\n", ""},
		{"a: &a [*a, *a]\nb: *a\n", ""},
		{"- just\n- a list\n", ""},
		{"name: t\ninclude: [../../etc/passwd, lex.yaml]\nentity_types: [{name: a}]\n", "lexicon: {}"},
		{"", ""},
		{"name: [unclosed\n", ""},
		{"\t\tname: tab\n", ""},
	} {
		f.Add(s[0], s[1], "No effusion in the lung; possible effusion. FINDINGS: a")
	}
	f.Fuzz(func(t *testing.T, main, lex, text string) {
		fsys := fstest.MapFS{"o.yaml": {Data: []byte(main)}, "lex.yaml": {Data: []byte(lex)}}
		o, err := ontology.Load(fsys, "o.yaml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "o.yaml:") && !strings.HasPrefix(msg, "lex.yaml:") && !strings.HasPrefix(msg, "ontology: ") {
				t.Fatalf("error does not name the file: %q", msg)
			}
			return
		}
		if o.Hash() == "" {
			t.Fatal("loaded ontology has no hash")
		}
		// The hash is of the JSON form: every number must have one (no NaN
		// or infinity), or ontologies that differ would share a hash.
		if _, err := json.Marshal(o); err != nil {
			t.Fatalf("loaded ontology has no JSON form: %v", err)
		}
		if !json.Valid(o.JSONSchema()) {
			t.Fatalf("invalid JSON Schema: %s", o.JSONSchema())
		}
		if rs, err := o.ContextRules(); err == nil {
			for _, r := range rs {
				if r.Significance == "" && !(r.Factor > 0 && r.Factor < math.Inf(1)) {
					t.Fatalf("context rule %q has factor %v", r.Text, r.Factor)
				}
			}
		}
		for _, r := range o.RelationTypes {
			for _, n := range append(append([]string(nil), r.From...), r.To...) {
				if !o.HasEntityType(n) {
					t.Fatalf("relation %s names unknown type %s", r.Name, n)
				}
			}
		}
		g, err := rules.New(o).Extract(context.Background(), extract.Document{ID: "fuzz", Text: text})
		if err != nil {
			t.Fatalf("extract: %v", err)
		}
		if err := g.Validate(o); err != nil {
			t.Fatalf("extracted graph is invalid under the ontology it came from: %v", err)
		}
		for _, e := range g.Entities {
			if e.Span == nil || e.Span[0] < 0 || e.Span[1] > len(text) || text[e.Span[0]:e.Span[1]] != e.Text {
				t.Fatalf("entity %s span %v outside the text or not its text", e.ID, e.Span)
			}
		}
	})
}
