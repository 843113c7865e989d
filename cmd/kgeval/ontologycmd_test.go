package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOntologyList(t *testing.T) {
	out, stderr, code := run(t, "", "ontology", "list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"NAME", "CONCEPTS", "legal", "radiology"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	out, _, code = run(t, "", "ontology", "list", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per built-in, got %q", out)
	}
	var info ontologyInfo
	if err := json.Unmarshal([]byte(lines[0]), &info); err != nil || info.Name != "legal" || info.EntityTypes != 8 || info.RelationTypes != 8 || info.Concepts < 200 {
		t.Errorf("legal line %q: %+v %v", lines[0], info, err)
	}
	if _, _, code := run(t, "", "ontology", "list", "--format", "xml"); code != exitInput {
		t.Errorf("bad format: exit %d, want 2", code)
	}
}

func TestOntologyShow(t *testing.T) {
	out, stderr, code := run(t, "", "ontology", "show", "legal")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"legal (version", "Entity types (8)", "governing_law", "party_to", "party -> agreement", "Lexicon:", "Rules:"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// The YAML is a whole ontology: it validates on its own.
	yml, stderr, code := run(t, "", "ontology", "show", "legal", "--format", "yaml")
	if code != exitOK {
		t.Fatalf("yaml: exit %d: %s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "legal.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = run(t, "", "ontology", "validate", path)
	if code != exitOK || !strings.Contains(out, "ok: ontology legal, 8 entity types, 8 relation types") {
		t.Errorf("shown YAML does not validate: exit %d\n%s%s", code, out, stderr)
	}
	js, _, code := run(t, "", "ontology", "show", "radiology", "--format", "json")
	var o map[string]any
	if code != exitOK || json.Unmarshal([]byte(js), &o) != nil || o["name"] != "radiology" {
		t.Errorf("json: exit %d, %.200s", code, js)
	}
	if _, stderr, code := run(t, "", "ontology", "show", "cardiology"); code != exitInput || !strings.Contains(stderr, "radiology") {
		t.Errorf("unknown ontology: exit %d, %q", code, stderr)
	}
}

func TestOntologyValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("pets.yaml", "name: pets\nentity_types:\n  - {name: animal, anchor: true}\n  - {name: owner}\nrelation_types:\n  - {name: owns, from: [owner], to: [animal]}\ninclude: [pets-lexicon.yaml]\n")
	write("pets-lexicon.yaml", "lexicon:\n  - {key: pet/cat, type: animal, terms: [cat, cats]}\n")
	tests := []struct {
		name  string
		file  string
		code  exitCode
		wants []string // substrings of standard output or error
	}{
		{"valid", good, exitOK, []string{"pets.yaml: ok: ontology pets, 2 entity types, 1 relation types, 1 concepts"}},
		{"unknown field", write("f.yaml", "name: x\nentity_types:\n  - name: a\n    colour: red\n"), exitInput,
			[]string{"f.yaml:4: entity_types.colour: unknown field"}},
		{"unknown endpoint", write("e.yaml", "name: x\nentity_types:\n  - name: a\nrelation_types:\n  - name: r\n    from: [a]\n    to: [organisation]\n"), exitInput,
			[]string{`e.yaml:5: relation_types[0].to: unknown entity type "organisation"`}},
		{"bad concept in an included file", write("i.yaml", "name: x\nentity_types:\n  - name: a\ninclude: [i-lex.yaml]\n"), exitInput, nil},
		{"not yaml", write("n.yaml", "name: [\n"), exitInput, []string{"n.yaml:"}},
		{"missing file", filepath.Join(dir, "none.yaml"), exitInput, []string{"none.yaml"}},
	}
	write("i-lex.yaml", "lexicon:\n  - {key: k, type: a, terms: [t]}\n  - {key: k, type: a, terms: [u]}\n")
	tests[3].wants = []string{`i-lex.yaml:3: lexicon.key: duplicate concept key "k"`}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := run(t, "", "ontology", "validate", tt.file)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, stderr)
			}
			for _, w := range tt.wants {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, stderr)
				}
			}
		})
	}
	// Several files: the good one is reported, the bad one fails the run.
	out, stderr, code := run(t, "", "ontology", "validate", good, filepath.Join(dir, "f.yaml"))
	if code != exitInput || !strings.Contains(out, "pets.yaml: ok") || !strings.Contains(stderr, "f.yaml:4") {
		t.Errorf("two files: exit %d\n%s%s", code, out, stderr)
	}
	if _, _, code := run(t, "", "ontology", "validate"); code != exitInput {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

func TestOntologySchema(t *testing.T) {
	out, stderr, code := run(t, "", "ontology", "schema", "legal")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s struct {
		Type                 string         `json:"type"`
		AdditionalProperties bool           `json:"additionalProperties"`
		Required             []string       `json:"required"`
		Defs                 map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("schema is no JSON: %v\n%s", err, out)
	}
	if s.Type != "object" || s.AdditionalProperties || strings.Join(s.Required, ",") != "id,entities,relations" {
		t.Errorf("root %+v", s)
	}
	if !strings.Contains(out, `"governing_law"`) || !strings.Contains(out, `"has_clause"`) || strings.Contains(out, `"located_at"`) {
		t.Errorf("legal schema has the wrong type enums:\n%s", out)
	}
	compact, _, _ := run(t, "", "ontology", "schema", "radiology", "--compact")
	if strings.Count(strings.TrimSpace(compact), "\n") != 0 || !strings.Contains(compact, `"located_at"`) {
		t.Errorf("compact radiology schema: %.300s", compact)
	}
	// A user's file works too; a bad one exits 2 naming file and line.
	dir := t.TempDir()
	path := filepath.Join(dir, "o.yaml")
	os.WriteFile(path, []byte("name: pets\nentity_types:\n  - {name: animal}\n"), 0o644)
	if out, _, code := run(t, "", "ontology", "schema", path); code != exitOK || !strings.Contains(out, `"animal"`) {
		t.Errorf("user schema: exit %d\n%s", code, out)
	}
	os.WriteFile(path, []byte("name: pets\nentity_types:\n  - {name: animal, legs: 4}\n"), 0o644)
	if _, stderr, code := run(t, "", "ontology", "schema", path); code != exitInput || !strings.Contains(stderr, "o.yaml:3") {
		t.Errorf("bad user file: exit %d, %q", code, stderr)
	}
}
