package ontology

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinsLoad(t *testing.T) {
	for _, name := range []string{"radiology", "legal"} {
		o, err := Builtin(name)
		if err != nil {
			t.Fatalf("Builtin(%q): %v", name, err)
		}
		if o.Name != name || len(o.Lexicon) == 0 || o.Hash() == "" {
			t.Errorf("%s: name %q, %d concepts, hash %q", name, o.Name, len(o.Lexicon), o.Hash())
		}
	}
}

func TestRadiologyMapping(t *testing.T) {
	o, err := Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"anatomy", "disorder", "concept", "device", "procedure", "size"}
	if got := o.EntityTypeNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("entity types %v, want %v", got, want)
	}
	if !o.IsAnatomy("anatomy") || o.IsAnatomy("disorder") {
		t.Error("only anatomy maps to ANAT-DP")
	}
	if !o.IsAnchor("disorder") || !o.IsAnchor("device") || o.IsAnchor("anatomy") {
		t.Error("anchors are disorders, devices and procedures")
	}
	// Pneumothorax is urgent (4); its absence weighs absent_weight (0.25) of that.
	if w := o.Weight("disorder", "finding/pneumothorax", false); w != 4 {
		t.Errorf("pneumothorax weight %v, want 4", w)
	}
	if w := o.Weight("disorder", "finding/pneumothorax", true); w != 1 {
		t.Errorf("absent pneumothorax weight %v, want 4*0.25 = 1", w)
	}
}

func TestUnknownOntology(t *testing.T) {
	_, err := Resolve("cardiology")
	if err == nil || !strings.Contains(err.Error(), "radiology") {
		t.Errorf("want an error listing the built-ins, got %v", err)
	}
}

func TestUserFileErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", "name: x\nentity_types:\n  - name: a\n    colour: red\n", "mine.yaml:4: entity_types.colour: unknown field"},
		{"unknown endpoint", "name: x\nentity_types:\n  - name: a\nrelation_types:\n  - name: r\n    from: [a]\n    to: [b]\n", `mine.yaml:5: relation_types[0].to: unknown entity type "b"`},
		{"bad type name", "name: x\nentity_types:\n  - name: \"a b\"\n", `mine.yaml:3: entity_types[0].name: "a b" is not a valid type name`},
		{"concept type", "name: x\nentity_types:\n  - name: a\nlexicon:\n  - {key: k, type: z, terms: [t]}\n", `mine.yaml:5: lexicon.type: concept "k" has unknown entity type "z"`},
		{"duplicate key", "name: x\nentity_types:\n  - name: a\nlexicon:\n  - {key: k, type: a, terms: [t]}\n  - {key: k, type: a, terms: [u]}\n", `mine.yaml:6: lexicon.key: duplicate concept key "k" (first at mine.yaml:5)`},
		{"no name", "entity_types:\n  - name: a\n", "mine.yaml:1: name: missing ontology name"},
		{"bad yaml", "name: [\n", "mine.yaml:"},
		{"wrong shape", "name: x\nentity_types: 3\n", "mine.yaml"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "mine.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(path)
			if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(tt.want, "mine.yaml", path)) {
				t.Errorf("got %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestUserFileWithInclude(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "o.yaml"), []byte("name: pets\nentity_types:\n  - {name: animal, anchor: true}\ninclude: [lex.yaml]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lex.yaml"), []byte("lexicon:\n  - {key: pet/cat, type: animal, terms: [cat, cats]}\n"), 0o644)
	o, err := LoadFile(filepath.Join(dir, "o.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := o.Concept("pet/cat"); !ok || c.Terms[1] != "cats" {
		t.Errorf("included concept not loaded: %+v", c)
	}
}
