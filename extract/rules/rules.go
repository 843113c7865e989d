// Package rules is the offline extractor: deterministic, dependency-free
// graph extraction driven entirely by an ontology's lexicon and cues.
// Sentences are split with section headings in mind, lexicon terms are
// matched longest first, assertions come from negation and uncertainty
// cues with NegEx-style scopes, and relations from patterns enabled by the
// relation types the ontology declares.
package rules

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// Extractor is the rules extractor for one ontology. It is safe for
// concurrent use.
type Extractor struct {
	ont      *ontology.Ontology
	lexicon  *phraseSet[*ontology.Concept]
	cues     *phraseSet[cueKind]
	suggest  *phraseSet[bool]
	headings []string
	skip     map[string]bool
	measures bool // the ontology has a size type
}

var _ extract.Extractor = (*Extractor)(nil)

type cueKind int

const (
	negPre cueKind = iota + 1
	negPost
	uncPre
	uncPost
	terminate
	pseudo
)

// New builds the extractor's indexes from the ontology.
func New(o *ontology.Ontology) *Extractor {
	x := &Extractor{
		ont:     o,
		lexicon: newPhraseSet[*ontology.Concept](),
		cues:    newPhraseSet[cueKind](),
		suggest: newPhraseSet[bool](),
		skip:    map[string]bool{},
	}
	for i := range o.Lexicon {
		c := &o.Lexicon[i]
		for _, term := range c.Terms {
			x.lexicon.add(phraseTokens(term), c)
		}
	}
	// Pseudo triggers first: on the same tokens they win over real ones.
	for _, group := range []struct {
		kind    cueKind
		phrases []string
	}{
		{pseudo, o.Cues.Pseudo},
		{negPre, o.Cues.Negation.Pre}, {negPost, o.Cues.Negation.Post},
		{uncPre, o.Cues.Uncertainty.Pre}, {uncPost, o.Cues.Uncertainty.Post},
		{terminate, o.Cues.Termination},
	} {
		for _, p := range group.phrases {
			x.cues.add(phraseTokens(p), group.kind)
		}
	}
	for _, p := range o.Rules["suggestive_of"] {
		x.suggest.add(phraseTokens(p), true)
	}
	x.headings = append(x.headings, o.Rules["sections"]...)
	sort.Slice(x.headings, func(i, j int) bool { return len(x.headings[i]) > len(x.headings[j]) })
	for _, s := range o.Rules["skip_sections"] {
		x.skip[strings.ToLower(s)] = true
	}
	x.measures = o.HasEntityType("size")
	return x
}

// mention is one recognized entity occurrence in a sentence.
type mention struct {
	typ, key, category string
	normal             bool
	first, last        int // token indices, inclusive
	span               graph.Span
	assertion          graph.Assertion
	measure            *graph.Measure
	node               int // index of the merged graph node
}

// Extract builds the document's graph.
func (x *Extractor) Extract(ctx context.Context, doc extract.Document) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := newBuilder(doc)
	for _, s := range Sentences(doc.Text, x.headings) {
		if x.skip[s.Section] {
			continue
		}
		toks := tokenize(doc.Text, s.Start, s.End)
		if len(toks) == 0 {
			continue
		}
		ms := x.mentions(doc.Text, toks)
		x.assert(toks, ms)
		for i := range ms {
			ms[i].node = b.node(&ms[i], doc.Text)
		}
		x.relate(toks, ms, b)
	}
	return b.g, nil
}

// mentions finds lexicon terms (longest first, left to right) and, where
// the ontology has a size type, measurements.
func (x *Extractor) mentions(text string, toks []token) []mention {
	var ms []mention
	for i := 0; i < len(toks); {
		if x.measures {
			if m, n := measurement(toks, i); n > 0 {
				ms = append(ms, mention{typ: "size", key: "size/measurement", first: i, last: i + n - 1,
					span: graph.Span{toks[i].start, toks[i+n-1].end}, measure: m})
				i += n
				continue
			}
		}
		if c, n := x.lexicon.match(toks, i); n > 0 {
			ms = append(ms, mention{typ: c.Type, key: c.Key, category: c.Category, normal: c.Normal,
				first: i, last: i + n - 1, span: graph.Span{toks[i].start, toks[i+n-1].end}})
			i += n
			continue
		}
		i++
	}
	return ms
}

// measurement recognizes "8 mm", "1.5 cm", "1.5 x 2.0 cm", "3 by 4 mm" and
// "1.5cm" at toks[i], returning the values in millimetres.
func measurement(toks []token, i int) (*graph.Measure, int) {
	var vals []float64
	j := i
	for {
		num, unit := splitNumber(toks[j].text)
		if num < 0 {
			return nil, 0
		}
		vals = append(vals, num)
		if unit != "" {
			return toMM(vals, unit), j - i + 1
		}
		if j+1 < len(toks) {
			if f := unitFactor(toks[j+1].text); f > 0 {
				return toMM(vals, toks[j+1].text), j - i + 2
			}
		}
		if j+2 < len(toks) && (toks[j+1].text == "x" || toks[j+1].text == "by" || toks[j+1].text == "×") {
			j += 2
			continue
		}
		return nil, 0
	}
}

func splitNumber(s string) (float64, string) {
	k := 0
	for k < len(s) && (isDigit(s[k]) || s[k] == '.') {
		k++
	}
	if k == 0 {
		return -1, ""
	}
	v, err := strconv.ParseFloat(s[:k], 64)
	if err != nil {
		return -1, ""
	}
	unit := s[k:]
	if unit != "" && unitFactor(unit) == 0 {
		return -1, ""
	}
	return v, unit
}

func unitFactor(u string) float64 {
	switch u {
	case "mm", "millimeter", "millimeters", "millimetre", "millimetres":
		return 1
	case "cm", "centimeter", "centimeters", "centimetre", "centimetres":
		return 10
	}
	return 0
}

func toMM(vals []float64, unit string) *graph.Measure {
	f := unitFactor(unit)
	out := make([]float64, len(vals))
	for i, v := range vals {
		out[i] = v * f
	}
	return &graph.Measure{Values: out, Unit: "mm"}
}

// assert sets each mention's assertion from the cues of its sentence. A
// pre-trigger acts on mentions after it, a post-trigger on mentions before
// it, up to a termination cue, a semicolon, or a comma that does not
// continue a list ("no effusion, pneumothorax, or consolidation" is one
// list). The nearest trigger in scope wins. Anatomy is never negated: "no
// effusion at the bases" does not deny the bases.
func (x *Extractor) assert(toks []token, ms []mention) {
	kinds := make([]cueKind, len(toks))
	cueStart := make([]bool, len(toks))
	for i := 0; i < len(toks); {
		if k, n := x.cues.match(toks, i); n > 0 {
			cueStart[i] = true
			for j := i; j < i+n; j++ {
				kinds[j] = k
			}
			i += n
			continue
		}
		switch toks[i].text {
		case ";", ":":
			kinds[i] = terminate
		}
		i++
	}
	for mi := range ms {
		m := &ms[mi]
		m.assertion = graph.Present
		if m.typ == "anatomy" || x.ont.IsAnatomy(m.typ) {
			continue
		}
		best, bestDist := cueKind(0), len(toks)+1
		// Backwards for pre-triggers.
		for j := m.first - 1; j >= 0; j-- {
			if stop(toks, kinds, j) {
				break
			}
			if kinds[j] == negPre || kinds[j] == uncPre {
				best, bestDist = kinds[j], m.first-j
				break
			}
		}
		// Forwards for post-triggers.
		for j := m.last + 1; j < len(toks); j++ {
			if stop(toks, kinds, j) {
				break
			}
			if (kinds[j] == negPost || kinds[j] == uncPost) && cueStart[j] {
				if d := j - m.last; d < bestDist {
					best = kinds[j]
				}
				break
			}
		}
		switch best {
		case negPre, negPost:
			m.assertion = graph.Absent
		case uncPre, uncPost:
			m.assertion = graph.Uncertain
		}
	}
}

// stop reports whether token j ends a scope: a termination cue, or a comma
// after which no list coordinator ("or", "and", "nor") follows before the
// next termination.
func stop(toks []token, kinds []cueKind, j int) bool {
	if kinds[j] == terminate {
		return true
	}
	if toks[j].text != "," {
		return false
	}
	for k := j + 1; k < len(toks) && kinds[k] != terminate; k++ {
		switch toks[k].text {
		case "or", "and", "nor":
			return false
		case ",":
			continue
		}
	}
	return true
}

// builder accumulates a document's graph, merging repeated mentions of a
// concept with the same assertion (and measurement) into one node.
type builder struct {
	g     *graph.Graph
	nodes map[string]int
	edges map[string]bool
}

func newBuilder(doc extract.Document) *builder {
	return &builder{
		g:     &graph.Graph{ID: doc.ID, Text: doc.Text, Entities: []graph.Entity{}, Relations: []graph.Relation{}},
		nodes: map[string]int{},
		edges: map[string]bool{},
	}
}

func (b *builder) node(m *mention, text string) int {
	id := m.typ + "\x00" + m.key + "\x00" + string(m.assertion)
	if m.measure != nil {
		id += fmt.Sprint(m.measure.Values)
	}
	if n, ok := b.nodes[id]; ok {
		return n
	}
	n := len(b.g.Entities)
	span := m.span
	b.g.Entities = append(b.g.Entities, graph.Entity{
		ID: "e" + strconv.Itoa(n+1), Text: text[span[0]:span[1]], Type: m.typ, Assertion: m.assertion,
		Key: m.key, Span: &span, Measure: m.measure,
	})
	b.nodes[id] = n
	return n
}

func (b *builder) relate(from, to int, typ string) {
	if from == to {
		return
	}
	k := strconv.Itoa(from) + ">" + strconv.Itoa(to) + ">" + typ
	if b.edges[k] {
		return
	}
	b.edges[k] = true
	b.g.Relations = append(b.g.Relations, graph.Relation{Source: b.g.Entities[from].ID, Target: b.g.Entities[to].ID, Type: typ})
}
