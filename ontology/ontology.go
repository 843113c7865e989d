// Package ontology describes what may exist in a document graph: entity and
// relation types, which types anchor subgraphs and how much they weigh, the
// lexicon of concepts with their synonyms, and the assertion cues. Built-in
// ontologies are embedded YAML; a user's YAML file loads through the same
// code and is validated with errors naming file, line and field.
package ontology

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Ontology is one domain's vocabulary.
type Ontology struct {
	Name          string         `yaml:"name" json:"name"`
	Version       string         `yaml:"version" json:"version"`
	Description   string         `yaml:"description" json:"description,omitempty"`
	EntityTypes   []EntityType   `yaml:"entity_types" json:"entity_types"`
	RelationTypes []RelationType `yaml:"relation_types" json:"relation_types"`
	// Compatible lists pairs of entity types whose nodes may match each other.
	Compatible [][2]string `yaml:"compatible" json:"compatible,omitempty"`
	// Significance maps a clinical significance level to a scoring weight.
	Significance map[string]float64 `yaml:"significance" json:"significance,omitempty"`
	// AbsentWeight multiplies the weight of entities stated absent, and of
	// concepts marked normal: such statements count less than findings.
	AbsentWeight float64 `yaml:"absent_weight" json:"absent_weight"`
	Cues         Cues    `yaml:"assertion_cues" json:"assertion_cues"`
	// Include names further YAML files (relative to this one) whose
	// lexicon entries are added to this ontology.
	Include []string  `yaml:"include" json:"-"`
	Lexicon []Concept `yaml:"lexicon" json:"lexicon,omitempty"`
	// Rules are domain rules the extractors apply, keyed by rule name.
	Rules map[string][]string `yaml:"rules" json:"rules,omitempty"`

	entityTypes   map[string]*EntityType
	relationTypes map[string]*RelationType
	concepts      map[string]*Concept
	hash          string
}

// EntityType is one kind of node.
type EntityType struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	// Anchor marks the types whose subgraphs SCS compares.
	Anchor bool `yaml:"anchor" json:"anchor,omitempty"`
	// Weight scales this type's anchors in SCS (default 1).
	Weight float64 `yaml:"weight" json:"weight,omitempty"`
	// RadGraph is ANAT-DP for anatomy types; empty means an observation,
	// labelled OBS-DP, OBS-U or OBS-DA by assertion.
	RadGraph string `yaml:"radgraph" json:"radgraph,omitempty"`
	line     int
}

// RelationType is one kind of directed edge with the entity types it may join.
type RelationType struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description"`
	From        []string `yaml:"from" json:"from"`
	To          []string `yaml:"to" json:"to"`
	line        int
}

// Concept is one lexicon entry: a canonical key, its type and the surface
// forms (synonyms, abbreviations, plurals, spelling variants) that name it.
type Concept struct {
	Key   string   `yaml:"key" json:"key"`
	Type  string   `yaml:"type" json:"type"`
	Terms []string `yaml:"terms" json:"terms"`
	// Significance is a key of Ontology.Significance (urgent, actionable,
	// minor, benign); empty means the type's default weight.
	Significance string `yaml:"significance" json:"significance,omitempty"`
	// Category groups descriptors: laterality, severity, size, change,
	// chronicity; or a legal clause family.
	Category string `yaml:"category" json:"category,omitempty"`
	// Parent is the key of a more general concept (lobar pneumonia →
	// pneumonia): a match to the parent earns partial credit.
	Parent string `yaml:"parent" json:"parent,omitempty"`
	// Normal marks statements of normality ("heart size normal"), which
	// weigh like absent findings.
	Normal bool `yaml:"normal" json:"normal,omitempty"`
	file   string
	line   int
}

// Cues are the phrases that set an entity's assertion, in the NegEx and
// ConText tradition: pre-triggers act on what follows them, post-triggers
// on what precedes them, termination cues end a trigger's scope, and pseudo
// triggers look like triggers but are not ("no change").
type Cues struct {
	Negation    Triggers `yaml:"negation" json:"negation"`
	Uncertainty Triggers `yaml:"uncertainty" json:"uncertainty"`
	Termination []string `yaml:"termination" json:"termination"`
	Pseudo      []string `yaml:"pseudo" json:"pseudo,omitempty"`
}

// Triggers are the cue phrases of one assertion value.
type Triggers struct {
	Pre  []string `yaml:"pre" json:"pre"`
	Post []string `yaml:"post" json:"post,omitempty"`
}

// EntityType returns the named entity type.
func (o *Ontology) EntityType(name string) (*EntityType, bool) {
	t, ok := o.entityTypes[name]
	return t, ok
}

// RelationType returns the named relation type.
func (o *Ontology) RelationType(name string) (*RelationType, bool) {
	t, ok := o.relationTypes[name]
	return t, ok
}

// HasEntityType reports whether name is an entity type of o.
func (o *Ontology) HasEntityType(name string) bool { _, ok := o.entityTypes[name]; return ok }

// HasRelationType reports whether name is a relation type of o.
func (o *Ontology) HasRelationType(name string) bool { _, ok := o.relationTypes[name]; return ok }

// Concept returns the lexicon entry with the given key.
func (o *Ontology) Concept(key string) (*Concept, bool) {
	c, ok := o.concepts[key]
	return c, ok
}

// IsAnatomy reports whether entities of the type map to RadGraph's ANAT-DP.
func (o *Ontology) IsAnatomy(entityType string) bool {
	t, ok := o.entityTypes[entityType]
	return ok && t.RadGraph == "ANAT-DP"
}

// IsAnchor reports whether the type anchors SCS subgraphs.
func (o *Ontology) IsAnchor(entityType string) bool {
	t, ok := o.entityTypes[entityType]
	return ok && t.Anchor
}

// CompatibleTypes reports whether nodes of types a and b may match.
func (o *Ontology) CompatibleTypes(a, b string) bool {
	if a == b {
		return true
	}
	for _, p := range o.Compatible {
		if p[0] == a && p[1] == b || p[0] == b && p[1] == a {
			return true
		}
	}
	return false
}

// Weight is the scoring weight of a concept key stated with an assertion
// under an entity type: the type weight times the concept's significance,
// times AbsentWeight when the statement is of absence or normality.
func (o *Ontology) Weight(entityType, key string, absent bool) float64 {
	w := 1.0
	if t, ok := o.entityTypes[entityType]; ok && t.Weight > 0 {
		w = t.Weight
	}
	if c, ok := o.concepts[key]; ok {
		if s, ok := o.Significance[c.Significance]; ok && c.Significance != "" {
			w *= s
		}
		if c.Normal {
			absent = true
		}
	}
	if absent && o.AbsentWeight > 0 {
		w *= o.AbsentWeight
	}
	return w
}

// Parent returns the key of the concept's more general parent, if any.
func (o *Ontology) Parent(key string) string {
	if c, ok := o.concepts[key]; ok {
		return c.Parent
	}
	return ""
}

// Hash identifies the ontology's content: two ontologies with the same hash
// extract and score alike. It is part of cache keys and run records.
func (o *Ontology) Hash() string { return o.hash }

func (o *Ontology) computeHash() string {
	b, _ := json.Marshal(o) // only plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EntityTypeNames returns the entity type names in declaration order.
func (o *Ontology) EntityTypeNames() []string {
	out := make([]string, len(o.EntityTypes))
	for i, t := range o.EntityTypes {
		out[i] = t.Name
	}
	return out
}

// RelationTypeNames returns the relation type names in declaration order.
func (o *Ontology) RelationTypeNames() []string {
	out := make([]string, len(o.RelationTypes))
	for i, t := range o.RelationTypes {
		out[i] = t.Name
	}
	return out
}
