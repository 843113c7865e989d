package ontology

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed data
var builtinFS embed.FS

// Builtins returns the names of the embedded ontologies.
func Builtins() []string {
	entries, _ := fs.ReadDir(builtinFS, "data") // embedded: cannot fail
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Builtin loads an embedded ontology by name (radiology, legal).
func Builtin(name string) (*Ontology, error) {
	for _, n := range Builtins() {
		if n == name {
			if o, err := compiled(name); o != nil || err != nil {
				return o, err
			}
			return Load(builtinFS, path.Join("data", name, "ontology.yaml"))
		}
	}
	return nil, fmt.Errorf("unknown ontology %q: built-ins are %s, or give a path to a YAML file", name, strings.Join(Builtins(), ", "))
}

// Resolve loads a built-in ontology by name, or a user's YAML file by path.
func Resolve(nameOrPath string) (*Ontology, error) {
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		return Builtin(nameOrPath)
	}
	return LoadFile(nameOrPath)
}

// LoadFile loads a user's ontology from a YAML file; included files are
// resolved relative to its folder.
func LoadFile(file string) (*Ontology, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("ontology: %w", err)
	}
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	o, err := Load(os.DirFS(dir), base)
	if err != nil {
		// Name the file as the user gave it.
		return nil, errors.New(strings.ReplaceAll(err.Error(), base+":", file+":"))
	}
	return o, nil
}

// Load reads an ontology file and the lexicon files it includes from fsys,
// then validates the whole.
func Load(fsys fs.FS, file string) (*Ontology, error) {
	var o Ontology
	if err := decodeFile(fsys, file, &o, true); err != nil {
		return nil, err
	}
	for i := range o.Lexicon {
		o.Lexicon[i].file = file
	}
	for _, inc := range o.Include {
		incPath := path.Join(path.Dir(file), inc)
		var part struct {
			Lexicon []Concept `yaml:"lexicon"`
		}
		if err := decodeFile(fsys, incPath, &part, false); err != nil {
			return nil, err
		}
		for i := range part.Lexicon {
			part.Lexicon[i].file = incPath
		}
		o.Lexicon = append(o.Lexicon, part.Lexicon...)
	}
	if err := o.validate(file); err != nil {
		return nil, err
	}
	o.hash = o.computeHash()
	return &o, nil
}

func decodeFile(fsys fs.FS, file string, v any, top bool) error {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fmt.Errorf("ontology: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return fmt.Errorf("%s: %v", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return fmt.Errorf("%s: empty file", file)
	}
	doc := root.Content[0]
	allowed := []string{"lexicon"}
	if top {
		allowed = []string{"name", "version", "description", "entity_types", "relation_types", "compatible",
			"significance", "absent_weight", "assertion_cues", "include", "lexicon", "rules"}
	}
	if err := checkKeys(doc, "", allowed...); err != nil {
		return fmt.Errorf("%s:%v", file, err)
	}
	if err := doc.Decode(v); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return fmt.Errorf("%s:%v", file, fe)
		}
		return fmt.Errorf("%s: %v", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// fieldError is a problem at a line of a YAML file, in a named field.
type fieldError struct {
	line  int
	field string
	msg   string
}

func (e *fieldError) Error() string {
	if e.field == "" {
		return fmt.Sprintf("%d: %s", e.line, e.msg)
	}
	return fmt.Sprintf("%d: %s: %s", e.line, e.field, e.msg)
}

// checkKeys rejects mapping keys that are not allowed: a misspelt field
// would otherwise be ignored without a word.
func checkKeys(n *yaml.Node, where string, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return &fieldError{n.Line, where, "want a mapping"}
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, a := range allowed {
			if k.Value == a {
				ok = true
				break
			}
		}
		if !ok {
			return &fieldError{k.Line, strings.TrimPrefix(where+"."+k.Value, "."), fmt.Sprintf("unknown field (known: %s)", strings.Join(allowed, ", "))}
		}
	}
	return nil
}

// UnmarshalYAML records the line and rejects unknown fields.
func (t *EntityType) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "entity_types", "name", "description", "anchor", "weight", "radgraph"); err != nil {
		return err
	}
	type plain EntityType
	if err := n.Decode((*plain)(t)); err != nil {
		return err
	}
	t.line = n.Line
	return nil
}

// UnmarshalYAML records the line and rejects unknown fields.
func (t *RelationType) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "relation_types", "name", "description", "from", "to"); err != nil {
		return err
	}
	type plain RelationType
	if err := n.Decode((*plain)(t)); err != nil {
		return err
	}
	t.line = n.Line
	return nil
}

// UnmarshalYAML records the line and rejects unknown fields.
func (c *Concept) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "lexicon", "key", "type", "terms", "significance", "category", "parent", "normal"); err != nil {
		return err
	}
	type plain Concept
	if err := n.Decode((*plain)(c)); err != nil {
		return err
	}
	c.line = n.Line
	return nil
}

// validate checks references between the parts and builds the indexes.
func (o *Ontology) validate(file string) error {
	errAt := func(f string, line int, field, format string, args ...any) error {
		return fmt.Errorf("%s:%s", f, &fieldError{line, field, fmt.Sprintf(format, args...)})
	}
	if o.Name == "" {
		return errAt(file, 1, "name", "missing ontology name")
	}
	if len(o.EntityTypes) == 0 {
		return errAt(file, 1, "entity_types", "at least one entity type is required")
	}
	o.entityTypes = map[string]*EntityType{}
	for i := range o.EntityTypes {
		t := &o.EntityTypes[i]
		field := fmt.Sprintf("entity_types[%d].name", i)
		switch {
		case !validName(t.Name):
			return errAt(file, t.line, field, "%q is not a valid type name (letters, digits and _, starting with a letter)", t.Name)
		case o.entityTypes[t.Name] != nil:
			return errAt(file, t.line, field, "duplicate entity type %q", t.Name)
		case t.Weight < 0 || math.IsNaN(t.Weight) || math.IsInf(t.Weight, 0):
			return errAt(file, t.line, fmt.Sprintf("entity_types[%d].weight", i), "weight %v must be a non-negative number", t.Weight)
		case t.RadGraph != "" && t.RadGraph != "ANAT-DP":
			return errAt(file, t.line, fmt.Sprintf("entity_types[%d].radgraph", i), "%q: only ANAT-DP may be set (observations are labelled by assertion)", t.RadGraph)
		}
		o.entityTypes[t.Name] = t
	}
	o.relationTypes = map[string]*RelationType{}
	for i := range o.RelationTypes {
		r := &o.RelationTypes[i]
		field := fmt.Sprintf("relation_types[%d]", i)
		if !validName(r.Name) {
			return errAt(file, r.line, field+".name", "%q is not a valid type name (letters, digits and _, starting with a letter)", r.Name)
		}
		if o.relationTypes[r.Name] != nil {
			return errAt(file, r.line, field+".name", "duplicate relation type %q", r.Name)
		}
		for side, names := range map[string][]string{"from": r.From, "to": r.To} {
			for _, n := range names {
				if o.entityTypes[n] == nil {
					return errAt(file, r.line, field+"."+side, "unknown entity type %q", n)
				}
			}
		}
		o.relationTypes[r.Name] = r
	}
	for i, p := range o.Compatible {
		for _, n := range p {
			if o.entityTypes[n] == nil {
				return errAt(file, 1, fmt.Sprintf("compatible[%d]", i), "unknown entity type %q", n)
			}
		}
	}
	if !(o.AbsentWeight >= 0 && o.AbsentWeight <= 1) { // NaN too
		return errAt(file, 1, "absent_weight", "%v is outside [0, 1]", o.AbsentWeight)
	}
	for level, w := range o.Significance {
		if !(w > 0) || math.IsInf(w, 0) { // NaN too
			return errAt(file, 1, "significance."+level, "weight %v must be a positive number", w)
		}
	}
	o.concepts = make(map[string]*Concept, len(o.Lexicon))
	for i := range o.Lexicon {
		c := &o.Lexicon[i]
		switch {
		case strings.TrimSpace(c.Key) == "":
			return errAt(c.file, c.line, "lexicon.key", "empty concept key")
		case o.concepts[c.Key] != nil:
			prev := o.concepts[c.Key]
			return errAt(c.file, c.line, "lexicon.key", "duplicate concept key %q (first at %s:%d)", c.Key, prev.file, prev.line)
		case o.entityTypes[c.Type] == nil:
			return errAt(c.file, c.line, "lexicon.type", "concept %q has unknown entity type %q", c.Key, c.Type)
		case len(c.Terms) == 0:
			return errAt(c.file, c.line, "lexicon.terms", "concept %q has no terms", c.Key)
		case c.Significance != "" && o.Significance[c.Significance] == 0:
			return errAt(c.file, c.line, "lexicon.significance", "concept %q has unknown significance %q", c.Key, c.Significance)
		}
		for _, term := range c.Terms {
			if strings.TrimSpace(term) == "" {
				return errAt(c.file, c.line, "lexicon.terms", "concept %q has an empty term", c.Key)
			}
		}
		o.concepts[c.Key] = c
	}
	for _, c := range o.Lexicon {
		if c.Parent != "" && o.concepts[c.Parent] == nil {
			return errAt(c.file, c.line, "lexicon.parent", "concept %q names unknown parent %q", c.Key, c.Parent)
		}
	}
	return nil
}

// validName accepts names safe to use as Neo4j labels and relationship
// types once backtick-quoted, and as JSON Schema enum values.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case (r >= '0' && r <= '9' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}
