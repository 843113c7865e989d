package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"sort"
	"strconv"
	"strings"
)

// RadGraph labels: anatomy, and an observation that is definitely present,
// uncertain or definitely absent.
const (
	LabelAnatomy          = "ANAT-DP"
	LabelObservationPres  = "OBS-DP"
	LabelObservationUncer = "OBS-U"
	LabelObservationAbs   = "OBS-DA"
)

// RadGraph is one report annotated in the published RadGraph format, keyed
// by document id: {"id", "text", "entities": {"1": {...}}}.
type RadGraph struct {
	ID       string                    `json:"id"`
	Text     string                    `json:"text"`
	Entities map[string]RadGraphEntity `json:"entities"`
}

// RadGraphEntity is one annotated span. Relations are [type, target id].
type RadGraphEntity struct {
	Tokens    string      `json:"tokens"`
	Label     string      `json:"label"`
	StartIx   int         `json:"start_ix"`
	EndIx     int         `json:"end_ix"`
	Relations [][2]string `json:"relations"`
}

// SortedIDs returns the entity ids in numeric order (then lexical order for
// ids that are not numbers), so iteration is deterministic.
func (r *RadGraph) SortedIDs() []string {
	ids := make([]string, 0, len(r.Entities))
	for id := range r.Entities {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, errA := strconv.Atoi(ids[i])
		b, errB := strconv.Atoi(ids[j])
		switch {
		case errA == nil && errB == nil:
			return a < b
		case errA == nil:
			return true
		case errB == nil:
			return false
		}
		return ids[i] < ids[j]
	})
	return ids
}

// Validate checks ids, labels, relation types and relation targets.
func (r *RadGraph) Validate() error {
	if r.ID == "" {
		return &ValidationError{Doc: r.ID, Field: "id", Reason: "missing document id"}
	}
	for _, id := range r.SortedIDs() {
		e := r.Entities[id]
		if strings.TrimSpace(id) == "" {
			return &ValidationError{r.ID, fmt.Sprintf("entities[%q]", id), "empty entity id"}
		}
		switch e.Label {
		case LabelAnatomy, LabelObservationPres, LabelObservationUncer, LabelObservationAbs:
		default:
			return &ValidationError{r.ID, fmt.Sprintf("entities[%q].label", id), fmt.Sprintf("unknown RadGraph label %q, want ANAT-DP, OBS-DP, OBS-U or OBS-DA", e.Label)}
		}
		for k, rel := range e.Relations {
			if strings.TrimSpace(rel[0]) == "" {
				return &ValidationError{r.ID, fmt.Sprintf("entities[%q].relations[%d]", id, k), "relation has no type"}
			}
			if _, ok := r.Entities[rel[1]]; !ok {
				return &ValidationError{r.ID, fmt.Sprintf("entities[%q].relations[%d]", id, k), fmt.Sprintf("dangling relation: no entity %q", rel[1])}
			}
		}
	}
	return nil
}

// ReadRadGraphs yields the annotations of a JSON Lines file in the RadGraph
// format; each error is a *LineError.
func ReadRadGraphs(r io.Reader, file string) iter.Seq2[*RadGraph, error] {
	return func(yield func(*RadGraph, error) bool) {
		for line, err := range Lines(r, file) {
			if err != nil {
				yield(nil, err)
				return
			}
			var rg RadGraph
			err := DecodeStrict(line.Bytes, &rg)
			if err == nil {
				err = rg.Validate()
			}
			if err != nil {
				if !yield(nil, &LineError{File: file, Line: line.N, Err: err}) {
					return
				}
				continue
			}
			if !yield(&rg, nil) {
				return
			}
		}
	}
}

// WriteRadGraph writes r as one line of JSON.
func WriteRadGraph(w io.Writer, r *RadGraph) error {
	if r.Entities == nil {
		c := *r
		c.Entities = map[string]RadGraphEntity{}
		r = &c
	}
	b, err := json.Marshal(r) // encoding/json sorts map keys: stable output
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// RadGraphLabel maps an entity to its RadGraph label: anatomy types to
// ANAT-DP, every other type to OBS-DP, OBS-U or OBS-DA by assertion.
func RadGraphLabel(e Entity, isAnatomy func(entityType string) bool) string {
	if isAnatomy(e.Type) {
		return LabelAnatomy
	}
	switch e.Assertion {
	case Absent:
		return LabelObservationAbs
	case Uncertain:
		return LabelObservationUncer
	}
	return LabelObservationPres
}

// ToRadGraph converts g to the RadGraph format. Entity ids become "1", "2",
// ... in document order; token indices are counted in whitespace-separated
// tokens of g.Text when a span is known.
func ToRadGraph(g *Graph, isAnatomy func(entityType string) bool) *RadGraph {
	rg := &RadGraph{ID: g.ID, Text: g.Text, Entities: make(map[string]RadGraphEntity, len(g.Entities))}
	newID := make(map[string]string, len(g.Entities))
	for i, e := range g.Entities {
		newID[e.ID] = strconv.Itoa(i + 1)
	}
	for i, e := range g.Entities {
		re := RadGraphEntity{Tokens: e.Text, Label: RadGraphLabel(e, isAnatomy), StartIx: -1, EndIx: -1, Relations: [][2]string{}}
		if e.Span != nil && e.Span[1] <= len(g.Text) {
			re.StartIx = len(strings.Fields(g.Text[:e.Span[0]]))
			re.EndIx = re.StartIx + max(len(strings.Fields(e.Text)), 1) - 1
		}
		rg.Entities[strconv.Itoa(i+1)] = re
	}
	for _, r := range g.Relations {
		src, ok1 := newID[r.Source]
		dst, ok2 := newID[r.Target]
		if !ok1 || !ok2 {
			continue
		}
		re := rg.Entities[src]
		re.Relations = append(re.Relations, [2]string{r.Type, dst})
		rg.Entities[src] = re
	}
	return rg
}

// FromRadGraph converts a RadGraph annotation to a Graph: ANAT-DP becomes
// the given anatomy type, observations become obsType with the assertion
// their label implies. Keys are the normalized tokens.
func FromRadGraph(r *RadGraph, anatomyType, obsType string) *Graph {
	g := &Graph{ID: r.ID, Text: r.Text}
	for _, id := range r.SortedIDs() {
		e := r.Entities[id]
		ent := Entity{ID: id, Text: e.Tokens, Key: radGraphKey(e.Tokens), Type: obsType, Assertion: Present}
		switch e.Label {
		case LabelAnatomy:
			ent.Type = anatomyType
		case LabelObservationAbs:
			ent.Assertion = Absent
		case LabelObservationUncer:
			ent.Assertion = Uncertain
		}
		g.Entities = append(g.Entities, ent)
		for _, rel := range e.Relations {
			g.Relations = append(g.Relations, Relation{Source: id, Target: rel[1], Type: rel[0]})
		}
	}
	return g
}

// radGraphKey is the key of an annotated span: its normalized tokens, or,
// for a span of punctuation only (".", "/"), the tokens themselves, so that
// every entity has a key, as Graph.Validate requires.
func radGraphKey(tokens string) string {
	if k := NormalizeKey(tokens); k != "" {
		return k
	}
	if k := strings.ToLower(strings.Join(strings.Fields(tokens), " ")); k != "" {
		return k
	}
	return "(empty)"
}
