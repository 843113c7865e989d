// Package rules is the offline extractor: deterministic, dependency-free
// graph extraction driven entirely by an ontology's lexicon, cues and rules.
// Sentences are split with section headings in mind, lexicon terms are
// matched longest first, assertions come from negation and uncertainty
// cues with NegEx/ConText-style scopes, and relations from patterns enabled
// by the relation types the ontology declares. docs/extraction.md describes
// every rule with examples.
package rules

import (
	"context"
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
	ont     *ontology.Ontology
	lexicon *phraseSet[*ontology.Concept]
	cues    *phraseSet[cueKind]
	// Relation cues, from the ontology's rules (see relations.go).
	suggest      *phraseSet[bool] // "concerning for": A cue B
	suggestComma *phraseSet[bool] // ", likely": A, cue B
	location     *phraseSet[bool] // "in", "at the level of": finding cue anatomy
	comparative  *phraseSet[bool] // "greater than": left cue right
	predominance *phraseSet[bool] // "larger on the": finding, cue left
	bilateral    *ontology.Concept
	headings     []string
	skip         map[string]bool
	measures     bool // the ontology has a size type

	// legal holds the legal recognizers (legal.go); nil without legal types.
	legal *legal
}

var _ extract.Extractor = (*Extractor)(nil)

// cueKind is a set of roles a cue phrase plays; a phrase listed both as a
// pre- and a post-trigger has both bits.
type cueKind uint8

const (
	negPre cueKind = 1 << iota
	negPost
	uncPre
	uncPost
	terminate
	pseudo
)

const (
	preBits  = negPre | uncPre
	postBits = negPost | uncPost
)

// New builds the extractor's indexes from the ontology.
func New(o *ontology.Ontology) *Extractor {
	x := &Extractor{
		ont:          o,
		lexicon:      newPhraseSet[*ontology.Concept](),
		cues:         newPhraseSet[cueKind](),
		suggest:      ruleSet(o, "suggestive_of"),
		suggestComma: ruleSet(o, "suggestive_of_after_comma"),
		location:     ruleSet(o, "location_words"),
		comparative:  ruleSet(o, "laterality_comparative"),
		predominance: ruleSet(o, "laterality_predominance"),
		skip:         map[string]bool{},
	}
	for i := range o.Lexicon {
		c := &o.Lexicon[i]
		for _, term := range c.Terms {
			x.lexicon.add(phraseTokens(term), c)
		}
	}
	// The concept the lexicon calls "bilateral": what "left greater than
	// right" implies.
	if c, n := x.lexicon.match([]token{{text: "bilateral"}}, 0); n == 1 && c.Category == "laterality" {
		x.bilateral = c
	}
	// A phrase may play several roles; pseudo triggers play none other.
	kinds := map[string]cueKind{}
	var order []string
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
			k := strings.Join(phraseTokens(p), " ")
			if _, ok := kinds[k]; !ok {
				order = append(order, k)
			}
			if kinds[k]&pseudo == 0 {
				kinds[k] |= group.kind
			}
		}
	}
	for _, k := range order {
		x.cues.add(strings.Fields(k), kinds[k])
	}
	x.headings = append(x.headings, o.Rules["sections"]...)
	sort.SliceStable(x.headings, func(i, j int) bool { return len(x.headings[i]) > len(x.headings[j]) })
	for _, s := range o.Rules["skip_sections"] {
		x.skip[strings.ToLower(s)] = true
	}
	x.measures = o.HasEntityType("size")
	x.legal = x.legalRecognizers()
	return x
}

func ruleSet(o *ontology.Ontology, rule string) *phraseSet[bool] {
	p := newPhraseSet[bool]()
	for _, s := range o.Rules[rule] {
		p.add(phraseTokens(s), true)
	}
	return p
}

// mention is one recognized entity occurrence in a sentence.
type mention struct {
	typ, key, category string
	normal             bool
	first, last        int // token indices, inclusive
	span               graph.Span
	assertion          graph.Assertion
	measure            *graph.Measure
	// predominant marks the sides of a comparison: "left" and the
	// "bilateral" that "right" becomes in "left greater than right", "left"
	// in "larger on the left". They describe the finding before them.
	predominant bool
	node        int // index of the merged graph node
}

// Extract builds the document's graph.
func (x *Extractor) Extract(ctx context.Context, doc extract.Document) (*graph.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if x.legal != nil {
		return x.legal.extract(ctx, doc) // contracts: legal.go
	}
	b := newBuilder(doc)
	var s sentence
	for _, sn := range Sentences(doc.Text, x.headings) {
		if x.skip[sn.Section] {
			continue
		}
		s.reset(doc.Text, sn)
		if len(s.toks) == 0 {
			continue
		}
		x.analyze(&s)
		for i := range s.ms {
			s.ms[i].node = b.node(&s.ms[i], doc.Text)
		}
		for _, r := range s.rels {
			b.relate(s.ms[r.from].node, s.ms[r.to].node, r.typ)
		}
	}
	return b.g, nil
}

// sentence holds one sentence's analysis; its slices are reused from
// sentence to sentence.
type sentence struct {
	toks     []token
	ms       []mention
	cues     []cue
	cueAt    []int // index into cues of the cue covering each token, or -1
	mAt      []int // index into ms of the mention covering each token, or -1
	clause   []int // clause number of each token
	locStart []int // start of the location phrase ending at each token, or -1
	rels     []rel
}

type rel struct {
	from, to int // mention indices
	typ      string
}

func (s *sentence) reset(text string, sn Sentence) {
	s.toks = tokenizeInto(s.toks[:0], text, sn.Start, sn.End)
	s.ms, s.cues, s.rels = s.ms[:0], s.cues[:0], s.rels[:0]
}

// analyze finds the sentence's mentions, their assertions and relations.
func (x *Extractor) analyze(s *sentence) {
	x.mentions(s)
	x.findCues(s)
	x.predominant(s)
	x.assert(s)
	x.relate(s)
	x.inheritAssertions(s)
}

// mentions finds lexicon terms (longest first, left to right) and, where
// the ontology has a size type, measurements.
func (x *Extractor) mentions(s *sentence) {
	toks := s.toks
	for i := 0; i < len(toks); {
		if x.measures {
			if m, n := measurement(toks, i); n > 0 {
				s.ms = append(s.ms, mention{typ: "size", key: "size/measurement", first: i, last: i + n - 1,
					span: graph.Span{toks[i].start, toks[i+n-1].end}, measure: m})
				i += n
				continue
			}
		}
		if c, n := x.lexicon.match(toks, i); n > 0 {
			s.ms = append(s.ms, mention{typ: c.Type, key: c.Key, category: c.Category, normal: c.Normal,
				first: i, last: i + n - 1, span: graph.Span{toks[i].start, toks[i+n-1].end}})
			i += n
			continue
		}
		i++
	}
	s.index()
}

// index rebuilds the token → mention index after mentions change.
func (s *sentence) index() {
	s.mAt = fill(s.mAt, len(s.toks), -1)
	for i := range s.ms {
		for j := s.ms[i].first; j <= s.ms[i].last; j++ {
			s.mAt[j] = i
		}
	}
}

func fill(buf []int, n, v int) []int {
	if cap(buf) < n {
		buf = make([]int, n)
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = v
	}
	return buf
}

// maxDimensions is the most numbers one measurement has (1 x 2 x 3 x 4 cm).
const maxDimensions = 4

// measurement recognizes a size at toks[i] and returns it in millimetres
// with the number of tokens it spans: "8 mm", "1.5cm", "8-mm", "1.5 x 2.0
// cm", "1.5x2.0 cm", "3 by 4 mm", "1.5 × 2 × 3 cm", "2 cm x 3 cm", in mm
// or cm (and their spelled-out names). A number without a unit is no
// measurement, nor are more than maxDimensions numbers.
func measurement(toks []token, i int) (*graph.Measure, int) {
	var vals []float64
	pending := 0 // values still waiting for their unit
	j := i
	for {
		nums, unit, ok := parseDims(toks[j].text)
		if !ok {
			return nil, 0
		}
		vals = append(vals, nums...)
		pending += len(nums)
		if len(vals) > maxDimensions {
			return nil, 0 // no size has that many: a list of numbers
		}
		if unit == "" && j+1 < len(toks) && unitFactor(toks[j+1].text) > 0 {
			j++
			unit = toks[j].text
		}
		if unit != "" {
			f := unitFactor(unit)
			for k := len(vals) - pending; k < len(vals); k++ {
				vals[k] *= f
			}
			pending = 0
		}
		// Another dimension: "x 2.0", "by 3".
		if j+2 < len(toks) && (toks[j+1].text == "x" || toks[j+1].text == "by") {
			if _, _, ok := parseDims(toks[j+2].text); ok {
				j += 2
				continue
			}
		}
		if pending > 0 {
			return nil, 0
		}
		return &graph.Measure{Values: vals, Unit: "mm"}, j - i + 1
	}
}

// parseDims reads one token of a measurement: numbers joined by "x"
// ("1.5x2.0"), then an optional unit, directly or after a hyphen ("1.5cm",
// "8-mm").
func parseDims(s string) (nums []float64, unit string, ok bool) {
	for {
		k := 0
		for k < len(s) && (isDigit(s[k]) || s[k] == '.') {
			k++
		}
		if k == 0 || !isDigit(s[0]) {
			return nil, "", false
		}
		v, err := strconv.ParseFloat(s[:k], 64)
		if err != nil {
			return nil, "", false
		}
		nums = append(nums, v)
		s = s[k:]
		if len(s) > 1 && s[0] == 'x' && isDigit(s[1]) {
			s = s[1:]
			continue
		}
		break
	}
	s = strings.TrimPrefix(s, "-")
	if s != "" && unitFactor(s) == 0 {
		return nil, "", false
	}
	return nums, s, true
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

// builder accumulates a document's graph, merging repeated mentions of a
// concept with the same assertion (and measurement) into one node.
type builder struct {
	g *graph.Graph
	// nodes maps type, concept, assertion and, for a measurement, its
	// values, joined by NUL bytes, to the merged node.
	nodes map[string]int
	edges map[[2]int][]string
	buf   []byte // scratch space for node ids
}

func newBuilder(doc extract.Document) *builder {
	return &builder{
		g:     &graph.Graph{ID: doc.ID, Text: doc.Text, Entities: []graph.Entity{}, Relations: []graph.Relation{}},
		nodes: map[string]int{},
		edges: map[[2]int][]string{},
	}
}

func (b *builder) node(m *mention, text string) int {
	buf := append(b.buf[:0], m.typ...)
	buf = append(append(buf, 0), m.key...)
	buf = append(append(buf, 0), m.assertion...)
	if m.measure != nil {
		for _, v := range m.measure.Values {
			buf = strconv.AppendFloat(append(buf, ' '), v, 'g', -1, 64)
		}
	}
	b.buf = buf
	if n, ok := b.nodes[string(buf)]; ok { // no allocation for the lookup
		return n
	}
	id := string(buf)
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
	k := [2]int{from, to}
	for _, t := range b.edges[k] {
		if t == typ {
			return
		}
	}
	b.edges[k] = append(b.edges[k], typ)
	b.g.Relations = append(b.g.Relations, graph.Relation{Source: b.g.Entities[from].ID, Target: b.g.Entities[to].ID, Type: typ})
}

// cue is one cue phrase found in a sentence, with the scope it governs
// when it is a trigger.
type cue struct {
	first, last int // token indices, inclusive
	kind        cueKind
	// fwdEnd is the last token a pre-trigger governs; bwdStart the first
	// token a post-trigger governs.
	fwdEnd, bwdStart int
}

// findCues finds the sentence's cues, numbers its clauses (they end at
// semicolons, colons and termination cues) and marks the location phrases
// relations use.
func (x *Extractor) findCues(s *sentence) {
	toks := s.toks
	s.cueAt = fill(s.cueAt, len(toks), -1)
	s.clause = fill(s.clause, len(toks), 0)
	s.locStart = fill(s.locStart, len(toks), -1)
	c := 0
	for i := 0; i < len(toks); {
		if k, n := x.cues.match(toks, i); n > 0 {
			for j := i; j < i+n; j++ {
				s.cueAt[j], s.clause[j] = len(s.cues), c
			}
			s.cues = append(s.cues, cue{first: i, last: i + n - 1, kind: k})
			if k&terminate != 0 {
				c++
			}
			i += n
			continue
		}
		s.clause[i] = c
		if t := toks[i].text; t == ";" || t == ":" {
			c++
		}
		i++
	}
	for i := 0; i < len(toks); i++ {
		if _, n := x.location.match(toks, i); n > 0 {
			for j := i; j < i+n; j++ {
				s.locStart[j] = i
			}
			i += n - 1
		}
	}
}

// maxScopeWords bounds a trigger's scope: it ends after this many words
// that are neither entity mentions nor list words.
const maxScopeWords = 8

// maxScopeTokens bounds a trigger's scope in tokens of any kind: far more
// than the longest list of findings a report denies at once, it keeps a
// sentence of nothing but cues and mentions ("no no no ...", from a hostile
// or garbled document) from costing time in the square of its length.
const maxScopeTokens = 128

// assert sets each mention's assertion from the triggers whose scope covers
// it; the nearest trigger wins, a pre-trigger on a tie. Anatomy is never
// negated: "no effusion at the bases" does not deny the bases.
//
// A pre-trigger ("no", "possible") governs what follows it, a post-trigger
// ("is not seen", "cannot be excluded") what precedes it, up to a
// termination cue, a semicolon or colon, a comma that does not continue a
// list ("no effusion, pneumothorax, or consolidation" is one list; "no
// effusion, small pneumothorax" is not), an "and" that opens a new clause
// ("and the heart is normal"), or maxScopeWords other words. A phrase
// listed both as a pre- and a post-trigger governs only the nearest
// finding on each side: "resolved" in "effusion resolved, new
// consolidation"; and an uncertainty phrase so listed ("versus", "or") is
// an alternation, which hedges the findings it governs unless a negation
// denies them ("atelectasis or scarring" is uncertain, "no effusion or
// pneumothorax" absent; "cardiomegaly with infiltrate versus atelectasis"
// leaves the cardiomegaly alone). Pseudo triggers ("no change") match
// first and govern nothing.
func (x *Extractor) assert(s *sentence) {
	for ci := range s.cues {
		c := &s.cues[ci]
		c.fwdEnd, c.bwdStart = c.last, c.first
		narrow := c.kind&(negPre|negPost) == negPre|negPost || c.kind&(uncPre|uncPost) == uncPre|uncPost
		if c.kind&preBits != 0 {
			if narrow {
				c.fwdEnd = x.nearestThing(s, c.last+1, 1)
			} else {
				c.fwdEnd = x.scopeEnd(s, c.last+1, 1)
			}
		}
		if c.kind&postBits != 0 {
			if narrow {
				c.bwdStart = x.nearestThing(s, c.first-1, -1)
			} else {
				c.bwdStart = x.scopeEnd(s, c.first-1, -1)
			}
		}
	}
	for mi := range s.ms {
		m := &s.ms[mi]
		m.assertion = graph.Present
		if x.ont.IsAnatomy(m.typ) {
			continue
		}
		best, bestD := cueKind(0), len(s.toks)+1
		alternative := false
		// Only the cues within maxScopeTokens of the mention can reach it;
		// cues are in sentence order.
		lo := sort.Search(len(s.cues), func(k int) bool { return s.cues[k].last >= m.first-maxScopeTokens })
		for ci := lo; ci < len(s.cues) && s.cues[ci].first <= m.last+maxScopeTokens; ci++ {
			c := &s.cues[ci]
			if c.kind&(uncPre|uncPost) == uncPre|uncPost {
				// An alternation hedges what no negation denies.
				alternative = alternative || c.first > m.last && c.bwdStart <= m.last || c.last < m.first && c.fwdEnd >= m.first
				continue
			}
			// A cue may overlap the mention it governs: "no acute" in "no
			// acute abnormality" with the term "acute".
			if c.kind&preBits != 0 && c.first < m.first && c.fwdEnd >= m.first {
				if d := max(0, m.first-c.last); d < bestD {
					best, bestD = c.kind&preBits, d
				}
			}
			if c.kind&postBits != 0 && c.last > m.last && c.bwdStart <= m.last {
				if d := max(0, c.first-m.last); d < bestD {
					best, bestD = c.kind&postBits, d
				}
			}
		}
		switch {
		case best&(negPre|negPost) != 0:
			m.assertion = graph.Absent
		case best&(uncPre|uncPost) != 0 || alternative:
			m.assertion = graph.Uncertain
		}
	}
}

// scopeEnd walks from token j in direction dir (+1 or -1) and returns the
// last token of the scope (j-dir when the scope is empty).
func (x *Extractor) scopeEnd(s *sentence, j, dir int) int {
	end, words := j-dir, 0
	for stop := j + dir*maxScopeTokens; j >= 0 && j < len(s.toks) && j != stop; j += dir {
		if s.hardStop(j) {
			break
		}
		t := s.toks[j].text
		switch {
		case t == ",":
			if !x.listComma(s, j) {
				return end
			}
		case coordinators[t]:
			if dir > 0 && j+1 < len(s.toks) && clauseOpeners[s.toks[j+1].text] {
				return end
			}
			// Backwards, "A and B are not seen" reaches A across the
			// coordinator only when a finding ends just before it.
			if dir < 0 && (j == 0 || s.mAt[j-1] < 0 || !x.isThing(&s.ms[s.mAt[j-1]])) {
				return end
			}
		case s.mAt[j] < 0 && s.cueAt[j] < 0 && isWord(t) && !determiners[t]:
			words++
			if words > maxScopeWords {
				return end
			}
		}
		end = j
	}
	return end
}

// nearestThing is the scope of an alternation cue in direction dir: up to
// the nearest finding, device or procedure, across descriptors, body parts
// and at most two other words, not across a comma or clause end.
func (x *Extractor) nearestThing(s *sentence, j0, dir int) int {
	words := 0
	for j := j0; j >= 0 && j < len(s.toks) && j != j0+dir*maxScopeTokens; j += dir {
		if s.hardStop(j) || s.toks[j].text == "," {
			break
		}
		if mi := s.mAt[j]; mi >= 0 {
			if x.isThing(&s.ms[mi]) {
				return j
			}
			continue
		}
		if !determiners[s.toks[j].text] {
			if words++; words > 2 {
				break
			}
		}
	}
	return j0 - dir // an empty scope
}

// listComma reports whether the comma at token j continues a list of
// findings: a finding starts within four words (after any "and", "or",
// "nor"; determiners aside), the next word does not open a clause, and the
// list has a coordinator, right after the comma or later in the clause.
func (x *Extractor) listComma(s *sentence, j int) bool {
	k := j + 1
	coordinated := false
	for k < len(s.toks) && coordinators[s.toks[k].text] {
		k++
		coordinated = true
	}
	if k >= len(s.toks) || clauseOpeners[s.toks[k].text] {
		return false
	}
	found := false
	for m, words := k, 0; m < len(s.toks) && words < 4; m++ {
		if !determiners[s.toks[m].text] {
			words++
		}
		if s.hardStop(m) || s.toks[m].text == "," {
			break
		}
		if mi := s.mAt[m]; mi >= 0 && s.ms[mi].first == m && !x.ont.IsAnatomy(s.ms[mi].typ) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	if coordinated {
		return true
	}
	for m := k; m < len(s.toks) && m < j+maxScopeTokens && !s.hardStop(m); m++ {
		if coordinators[s.toks[m].text] {
			return true
		}
	}
	return false
}

// hardStop reports whether token j ends every scope: a semicolon, a colon
// or a termination cue.
func (s *sentence) hardStop(j int) bool {
	if t := s.toks[j].text; t == ";" || t == ":" {
		return true
	}
	return s.cueAt[j] >= 0 && s.cues[s.cueAt[j]].kind&terminate != 0
}

// trigger reports whether token j is part of a negation or uncertainty cue.
func (s *sentence) trigger(j int) bool {
	return s.cueAt[j] >= 0 && s.cues[s.cueAt[j]].kind&(preBits|postBits) != 0
}

var (
	coordinators = map[string]bool{"and": true, "or": true, "nor": true, "and/or": true}
	determiners  = map[string]bool{"the": true, "a": true, "an": true, "any": true, "its": true, "their": true}
	// prepositions end a noun phrase: "lung volumes with bibasilar
	// atelectasis" does not place the atelectasis in the lung.
	prepositions = map[string]bool{"with": true, "without": true, "for": true, "to": true, "by": true,
		"as": true, "than": true, "from": true, "of": true, "in": true, "on": true, "at": true}
	clauseOpeners = map[string]bool{
		"there": true, "the": true, "it": true, "this": true, "these": true, "that": true, "which": true,
		"is": true, "are": true, "was": true, "were": true, "has": true, "have": true, "had": true,
		"he": true, "she": true, "they": true, "we": true, "i": true,
	}
)

func isWord(t string) bool {
	return t != "" && (isLetter(t[0]) || isDigit(t[0]) || t[0] >= 0x80)
}

// isThing reports whether m is a finding, device or procedure (anything
// but a body part, a descriptor or a size).
func (x *Extractor) isThing(m *mention) bool {
	return m.typ != "concept" && m.typ != "size" && !x.ont.IsAnatomy(m.typ)
}

// predominant handles sides compared within a sentence. In "left greater
// than right" (or "left > right") the first side is predominant and the
// second becomes "bilateral" (dropped when the clause already says
// bilateral); in "larger on the left" the comparative is no change
// descriptor and the side is predominant. A predominant side describes the
// finding before it, so "bilateral effusions, left greater than right" and
// "effusions on both sides, larger on the left" give the same graph.
func (x *Extractor) predominant(s *sentence) {
	toks := s.toks
	changed := false
	// bilateral counts the kept mentions of the bilateral concept by
	// clause, made when first needed and kept up to date, so that a long
	// sentence of comparisons costs no more than a short one.
	var bilateral map[int]int
	isBilateral := func(m *mention) bool { return x.bilateral != nil && m.typ != "" && m.key == x.bilateral.Key }
	count := func(m *mention, d int) {
		if bilateral != nil && isBilateral(m) {
			bilateral[s.clause[m.first]] += d
		}
	}
	hasBilateral := func(clause int) bool {
		if bilateral == nil {
			bilateral = map[int]int{}
			for i := range s.ms {
				count(&s.ms[i], 1)
			}
		}
		return bilateral[clause] > 0
	}
	drop := func(from, to int) { // drop mentions overlapping tokens [from, to]
		for j := from; j <= to; j++ {
			if i := s.mAt[j]; i >= 0 && s.ms[i].typ != "" {
				count(&s.ms[i], -1)
				s.ms[i].typ = ""
				changed = true
			}
		}
	}
	for i := range s.ms {
		a := &s.ms[i]
		if a.category != "laterality" || a.typ == "" {
			continue
		}
		if j := a.last + 1; j < len(toks) {
			if _, n := x.comparative.match(toks, j); n > 0 && j+n < len(toks) {
				if bi := s.mAt[j+n]; bi >= 0 && s.ms[bi].first == j+n && s.ms[bi].category == "laterality" {
					a.predominant = true
					drop(j, j+n-1)
					b := &s.ms[bi]
					keep := x.bilateral != nil && !hasBilateral(s.clause[a.first])
					count(b, -1)
					if keep {
						b.key, b.typ, b.category = x.bilateral.Key, x.bilateral.Type, x.bilateral.Category
						b.predominant = true // it too describes the finding before it
						count(b, 1)
					} else {
						b.typ = ""
					}
					changed = true
				}
			}
		}
		for p := max(0, a.first-5); p < a.first; p++ {
			if _, n := x.predominance.match(toks, p); n > 0 && p+n == a.first {
				a.predominant = true
				drop(p, a.first-1)
				break
			}
		}
	}
	if !changed {
		return
	}
	kept := s.ms[:0]
	for _, m := range s.ms {
		if m.typ != "" {
			kept = append(kept, m)
		}
	}
	s.ms = kept
	s.index()
}
