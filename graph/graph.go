// Package graph is the knowledge-graph model every other package speaks:
// one document's entities and typed relations, their JSON and RadGraph
// codecs, validation, and the gonum view used by graph algorithms.
package graph

import (
	"fmt"
	"sort"
	"strings"
)

// Assertion says whether a document states an entity as present, absent or
// uncertain.
type Assertion string

// The three assertion values of the graph format.
const (
	Present   Assertion = "present"
	Absent    Assertion = "absent"
	Uncertain Assertion = "uncertain"
)

// Valid reports whether a is one of the three assertion values.
func (a Assertion) Valid() bool {
	return a == Present || a == Absent || a == Uncertain
}

// Measure is a size or distance stated in a document, normalized to
// millimetres. A "1.5 x 2.0 cm" nodule has Values [15, 20].
type Measure struct {
	Values []float64 `json:"values"`
	Unit   string    `json:"unit"` // always "mm" after normalization
}

// Entity is one node of a document graph.
type Entity struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	Type      string    `json:"type"`
	Assertion Assertion `json:"assertion"`
	// Key is the ontology's canonical concept id (finding/pleural_effusion)
	// or, for a term the lexicon does not know, a normalized form of Text.
	Key string `json:"key,omitempty"`
	// Span is the [start, end) byte offset of Text in the document.
	Span *Span `json:"span,omitempty"`
	// Count is the number of documents mentioning the concept (corpus graphs).
	Count   int      `json:"count,omitempty"`
	Measure *Measure `json:"measure,omitempty"`
	// Weight is the clinical significance weight the extractor assigned;
	// zero means "use the ontology default".
	Weight float64 `json:"weight,omitempty"`
}

// Span is a [start, end) byte range.
type Span [2]int

// Relation is one typed, directed edge between two entities of a graph,
// naming them by their entity ids.
type Relation struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Type   string `json:"type"`
	Count  int    `json:"count,omitempty"`
}

// Graph is one document's entity–relation graph. The order of Entities and
// Relations is the document order, and every algorithm in the project
// iterates them in that order, so results are deterministic.
type Graph struct {
	ID string `json:"id"`
	// Text is the source document, kept when the graph was extracted here
	// so that spans can be shown in context; optional in the file format.
	Text      string     `json:"text,omitempty"`
	Entities  []Entity   `json:"entities"`
	Relations []Relation `json:"relations"`
}

// Entity returns the entity with the given id.
func (g *Graph) Entity(id string) (Entity, bool) {
	for _, e := range g.Entities {
		if e.ID == id {
			return e, true
		}
	}
	return Entity{}, false
}

// EntityIndex maps entity ids to their position in g.Entities.
func (g *Graph) EntityIndex() map[string]int {
	idx := make(map[string]int, len(g.Entities))
	for i, e := range g.Entities {
		idx[e.ID] = i
	}
	return idx
}

// Clone returns a deep copy of g.
func (g *Graph) Clone() *Graph {
	c := &Graph{ID: g.ID, Text: g.Text}
	c.Entities = make([]Entity, len(g.Entities))
	for i, e := range g.Entities {
		if e.Span != nil {
			s := *e.Span
			e.Span = &s
		}
		if e.Measure != nil {
			m := *e.Measure
			m.Values = append([]float64(nil), m.Values...)
			e.Measure = &m
		}
		c.Entities[i] = e
	}
	c.Relations = append([]Relation(nil), g.Relations...)
	return c
}

// Types is the vocabulary a graph is validated against. A nil Types accepts
// any non-empty type name.
type Types interface {
	HasEntityType(name string) bool
	HasRelationType(name string) bool
}

// ValidationError names the document, the offending element and the reason.
type ValidationError struct {
	Doc    string // document id
	Field  string // e.g. "entities[2].type" or "relations[0].target"
	Reason string
}

func (e *ValidationError) Error() string {
	doc := e.Doc
	if doc == "" {
		doc = "(no id)"
	}
	return fmt.Sprintf("graph %s: %s: %s", doc, e.Field, e.Reason)
}

// Validate checks that g is well formed: a document id, unique non-empty
// entity ids, known entity and relation types, valid assertions, non-empty
// keys, and relations whose ends exist. It returns the first problem found
// in document order as a *ValidationError.
func (g *Graph) Validate(types Types) error {
	if g.ID == "" {
		return &ValidationError{Doc: g.ID, Field: "id", Reason: "missing document id"}
	}
	// Whether an id is among the first n entities: a scan for the graphs
	// of a report (a map would cost more to build than the scan), a map
	// for large ones.
	var seen map[string]bool
	if len(g.Entities) > 32 {
		seen = make(map[string]bool, len(g.Entities))
	}
	known := func(id string, n int) bool {
		if seen != nil {
			return seen[id]
		}
		for k := range n {
			if g.Entities[k].ID == id {
				return true
			}
		}
		return false
	}
	for i, e := range g.Entities {
		field := func(name string) string { return fmt.Sprintf("entities[%d].%s", i, name) }
		switch {
		case e.ID == "":
			return &ValidationError{g.ID, field("id"), "empty entity id"}
		case known(e.ID, i):
			return &ValidationError{g.ID, field("id"), fmt.Sprintf("duplicate entity id %q", e.ID)}
		case e.Type == "":
			return &ValidationError{g.ID, field("type"), fmt.Sprintf("entity %q has no type", e.ID)}
		case types != nil && !types.HasEntityType(e.Type):
			return &ValidationError{g.ID, field("type"), fmt.Sprintf("entity %q has unknown type %q", e.ID, e.Type)}
		case !e.Assertion.Valid():
			return &ValidationError{g.ID, field("assertion"), fmt.Sprintf("entity %q has assertion %q, want present, absent or uncertain", e.ID, e.Assertion)}
		case strings.TrimSpace(e.Key) == "":
			return &ValidationError{g.ID, field("key"), fmt.Sprintf("entity %q has an empty key", e.ID)}
		case e.Span != nil && (e.Span[0] < 0 || e.Span[1] < e.Span[0]):
			return &ValidationError{g.ID, field("span"), fmt.Sprintf("entity %q has span %v, want 0 <= start <= end", e.ID, *e.Span)}
		}
		if seen != nil {
			seen[e.ID] = true
		}
	}
	for i, r := range g.Relations {
		field := func(name string) string { return fmt.Sprintf("relations[%d].%s", i, name) }
		switch {
		case !known(r.Source, len(g.Entities)):
			return &ValidationError{g.ID, field("source"), fmt.Sprintf("dangling relation: no entity %q", r.Source)}
		case !known(r.Target, len(g.Entities)):
			return &ValidationError{g.ID, field("target"), fmt.Sprintf("dangling relation: no entity %q", r.Target)}
		case r.Type == "":
			return &ValidationError{g.ID, field("type"), "relation has no type"}
		case types != nil && !types.HasRelationType(r.Type):
			return &ValidationError{g.ID, field("type"), fmt.Sprintf("unknown relation type %q", r.Type)}
		}
	}
	return nil
}

// Normalize fills what a reader may leave out so that graphs from any source
// compare alike: a missing assertion becomes present and a missing key
// becomes NormalizeKey(text). It is applied by the readers.
func (g *Graph) Normalize() {
	for i := range g.Entities {
		e := &g.Entities[i]
		if e.Assertion == "" {
			e.Assertion = Present
		}
		if strings.TrimSpace(e.Key) == "" {
			e.Key = NormalizeKey(e.Text)
		}
	}
}

// NormalizeKey is the key of a term the lexicon does not know: its words
// lower-cased and joined by single spaces, punctuation at the edges removed.
// A word is a run of ASCII letters and digits, dots and non-ASCII letters;
// dots at a word's ends are dropped.
func NormalizeKey(text string) string {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return normalizeKeyUnicode(text)
		}
	}
	// ASCII: one pass, no allocation when text is already normal.
	var buf [128]byte
	out := buf[:0]
	start := -1 // where the current word starts in text, or -1
	flush := func(end int) {
		w := text[start:end]
		for len(w) > 0 && w[0] == '.' {
			w = w[1:]
		}
		for len(w) > 0 && w[len(w)-1] == '.' {
			w = w[:len(w)-1]
		}
		if w == "" {
			return
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		for j := 0; j < len(w); j++ {
			c := w[j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		word := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			flush(i)
			start = -1
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	if string(out) == text {
		return text
	}
	return string(out)
}

// normalizeKeyUnicode is NormalizeKey for text with non-ASCII letters,
// lower-cased by Unicode rules.
func normalizeKeyUnicode(text string) string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r > 127)
	})
	out := fields[:0]
	for _, f := range fields {
		if f = strings.Trim(f, "."); f != "" {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// SortedTypes returns the distinct entity types of g in sorted order.
func (g *Graph) SortedTypes() []string {
	set := map[string]bool{}
	for _, e := range g.Entities {
		set[e.Type] = true
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
