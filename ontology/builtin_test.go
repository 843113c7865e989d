package ontology

import (
	"encoding/json"
	"os"
	"path"
	"testing"
)

// TestCompiledBuiltinsMatchYAML: the compiled built-ins Builtin serves must
// be what loading their YAML gives, field for field (the JSON that the
// ontology hash is taken over) and hash for hash. When this fails after a
// change to data/ or to the Ontology types, run go generate ./ontology.
func TestCompiledBuiltinsMatchYAML(t *testing.T) {
	names := Builtins()
	if len(compiledBuiltins) != len(names) {
		t.Fatalf("%d compiled built-ins for %d in data/: run go generate ./ontology", len(compiledBuiltins), len(names))
	}
	for _, name := range names {
		fromYAML, err := Load(os.DirFS("."), path.Join("data", name, "ontology.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(fromYAML)
		b, _ := json.Marshal(got)
		if string(a) != string(b) || fromYAML.Hash() != got.Hash() || got.Hash() != got.computeHash() {
			t.Errorf("%s: the compiled ontology differs from data/%s: run go generate ./ontology", name, name)
		}
		if len(got.concepts) != len(fromYAML.concepts) || len(got.entityTypes) != len(fromYAML.entityTypes) {
			t.Errorf("%s: indexes not built", name)
		}
	}
}

// TestBuiltinCopiesAreIndependent: changing one caller's ontology (tests
// set context rules, for one) leaves the next caller's as built in.
func TestBuiltinCopiesAreIndependent(t *testing.T) {
	a, _ := Builtin("radiology")
	a.Rules = map[string][]string{}
	a.Lexicon[0].Key = "changed"
	a.Significance["urgent"] = 99
	b, _ := Builtin("radiology")
	if b.Lexicon[0].Key == "changed" || b.Significance["urgent"] == 99 || len(b.Rules) == 0 && len(builtinRadiology.Rules) > 0 {
		t.Error("a change to one Builtin result shows in another")
	}
	if b.Hash() != builtinRadiology.hash {
		t.Error("hash changed")
	}
}

func BenchmarkBuiltin(b *testing.B) {
	for _, name := range Builtins() {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if _, err := Builtin(name); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/yaml", func(b *testing.B) {
			for range b.N {
				if _, err := Load(builtinFS, path.Join("data", name, "ontology.yaml")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
