package ontology

import (
	"maps"
	"path"
	"slices"
)

//go:generate go run ./internal/genbuiltin -o builtin_gen.go

// compiledBuiltins holds the built-in ontologies as Go data, compiled from
// their YAML by go generate (builtin_gen.go), so that loading one costs no
// parsing. The YAML stays the source: TestCompiledBuiltinsMatchYAML fails
// when the two differ.
var compiledBuiltins = map[string]*Ontology{}

// compiled returns a copy of a compiled built-in with its indexes built, or
// nil when there is none of that name.
func compiled(name string) (*Ontology, error) {
	c := compiledBuiltins[name]
	if c == nil {
		return nil, nil
	}
	o := *c
	// The copy's fields, lists and maps are its own, so a caller may change
	// them as it may a freshly loaded ontology's; the lists inside them
	// (a concept's terms, a relation type's ends) are shared.
	o.EntityTypes = slices.Clone(c.EntityTypes)
	o.RelationTypes = slices.Clone(c.RelationTypes)
	o.Compatible = slices.Clone(c.Compatible)
	o.Significance = maps.Clone(c.Significance)
	o.Include = slices.Clone(c.Include)
	o.Lexicon = slices.Clone(c.Lexicon)
	o.Rules = maps.Clone(c.Rules)
	if err := o.validate(path.Join("data", name, "ontology.yaml")); err != nil {
		return nil, err
	}
	return &o, nil
}
