package rules

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// The legal recognizers. An ontology that declares a party, date, amount or
// governing_law entity type gets them: parties read from their definitions
// and resolved through defined terms, dates normalized to ISO, sums of
// money, durations of the term and its renewals, governing law,
// obligations with the party they bind, and restrictive covenants. Each
// recognizer is enabled by the entity type it produces and each relation
// by the relation type the ontology declares; the cue lists come from the
// ontology's rules (see ontology/data/legal/ontology.yaml).
//
// Contracts need what reports do not: a party is defined once and named by
// its defined term afterwards, and the agreement, its parties, dates, law
// and clauses are linked across sentences. So a legal document is read in
// two passes: the party definitions of the whole text first, then the
// sentences, whose links to the document's own agreement are made at the
// end.

// legal holds the legal recognizers' indexes for one ontology.
type legal struct {
	x   *Extractor
	has map[string]bool // entity types the ontology declares

	effective, expiry, termCues, renewal, lawCues *phraseSet[bool]
	governing, incorporation, notLaw              *phraseSet[bool]
	modals, notObligation, adverbs, payVerbs      *phraseSet[bool]
	allParties                                    *phraseSet[bool]
	covenants                                     *phraseSet[covenant]
	suffixes                                      map[string]bool
	roles                                         map[string]bool // role words, lower-cased
	roleSet                                       *phraseSet[*ontology.Concept]
	obligations                                   map[string][]gapped // obligation terms by first word
	generic                                       string              // the key of "agreement"
}

// covenant is a restrictive covenant stated by a negated verb: the clause
// key and a word the sentence must contain ("exceed" states a liability
// cap only in a sentence about liability).
type covenant struct{ key, requires string }

// gapped is a several-word obligation term whose words after the first
// may be separated by others ("maintain ... insurance").
type gapped struct {
	tokens  []string
	concept *ontology.Concept
}

// legalRecognizers returns the legal recognizers for x's ontology, or nil
// when it declares none of the entity types that turn them on: party,
// date, amount, governing_law.
func (x *Extractor) legalRecognizers() *legal {
	o := x.ont
	on := false
	for _, t := range []string{"party", "date", "amount", "governing_law"} {
		on = on || o.HasEntityType(t)
	}
	if !on {
		return nil
	}
	l := &legal{x: x, has: map[string]bool{}, suffixes: map[string]bool{}, roles: map[string]bool{},
		roleSet: newPhraseSet[*ontology.Concept](), covenants: newPhraseSet[covenant](),
		obligations: map[string][]gapped{}}
	for _, t := range o.EntityTypeNames() {
		l.has[t] = true
	}
	set := func(rule string) *phraseSet[bool] {
		p := newPhraseSet[bool]()
		for _, s := range o.Rules[rule] {
			p.add(phraseTokens(s), true)
		}
		return p
	}
	l.effective, l.expiry, l.termCues = set("effective_cues"), set("expiry_cues"), set("term_cues")
	l.renewal, l.lawCues, l.modals = set("renewal_cues"), set("law_cues"), set("obligation_modals")
	l.notObligation, l.adverbs, l.payVerbs = set("not_obligations"), set("obligation_adverbs"), set("pay_verbs")
	l.allParties = set("all_parties")
	l.governing, l.incorporation, l.notLaw = set("governing_cues"), set("incorporation_cues"), set("not_law_cues")
	for _, s := range o.Rules["party_suffixes"] {
		l.suffixes[strings.ToLower(s)] = true
	}
	for _, c := range o.Rules["covenants"] {
		verb, key, ok := strings.Cut(c, "=")
		if !ok {
			continue
		}
		key, req, _ := strings.Cut(key, "@")
		if o.HasEntityType("clause") {
			l.covenants.add(phraseTokens(verb), covenant{key: key, requires: req})
		}
	}
	for i := range o.Lexicon {
		c := &o.Lexicon[i]
		switch c.Type {
		case "party":
			for _, t := range c.Terms {
				l.roleSet.add(phraseTokens(t), c)
				l.roles[strings.ToLower(t)] = true
			}
		case "obligation":
			for _, t := range c.Terms {
				if toks := phraseTokens(t); len(toks) > 1 {
					l.obligations[toks[0]] = append(l.obligations[toks[0]], gapped{toks, c})
				}
			}
		}
	}
	for _, gs := range l.obligations {
		sort.SliceStable(gs, func(i, j int) bool { return len(gs[i].tokens) > len(gs[j].tokens) })
	}
	if c, n := x.lexicon.match(tokenize("agreement", 0, 9), 0); n == 1 && c.Type == "agreement" {
		l.generic = c.Key
	}
	return l
}

// agreementLink is a relation between the document's agreement and a node,
// made once the whole document is read: party_to from the node, the others
// from the agreement.
type agreementLink struct {
	typ  string
	node int
}

// extract builds a legal document's graph. Each sentence goes through the
// same phases as any other (cues, assertions, the ontology's relation
// patterns), with the legal mentions in place of the lexicon's alone.
func (l *legal) extract(ctx context.Context, doc extract.Document) (*graph.Graph, error) {
	x, text := l.x, doc.Text
	b := newBuilder(doc)
	parties := &partyTable{byKey: map[string]int{}}
	if l.has["party"] {
		parties = l.findParties(text)
	}
	pm := l.partyMatcher(parties)
	// Dates and amounts are found in the whole text: a sentence may end
	// inside one ("as of Nov. 2, 2019").
	var values docValues
	if l.has["date"] {
		values.dates = findDates(text)
	}
	if l.has["amount"] {
		values.amounts = findAmounts(text)
	}
	var sns []Sentence
	for _, sn := range Sentences(text, x.headings) {
		if x.skip[sn.Section] {
			continue
		}
		// Text extracted from PDFs breaks sentences with blank lines: a
		// piece that ends without punctuation continues in the next one
		// when that starts in lower case.
		if n := len(sns); n > 0 && continues(text, sns[n-1], sn) && sn.End-sns[n-1].Start <= MaxSentenceBytes {
			sns[n-1].End = sn.End
			continue
		}
		sns = append(sns, sn)
	}
	var s sentence
	main := l.mainAgreement(text, sns, &s)
	var links []agreementLink
	for i, sn := range sns {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		s.reset(text, sn)
		if len(s.toks) == 0 {
			continue
		}
		x.mentions(&s)
		lex := append([]mention(nil), s.ms...)
		ms, info := l.mentions(text, s.toks, lex, pm, main, &values)
		s.ms = ms
		s.index()
		x.findCues(&s)
		x.assert(&s)
		for k := range s.ms {
			if info.negated[s.ms[k].first] && s.ms[k].typ == "obligation" {
				s.ms[k].assertion = graph.Absent
			}
		}
		x.relate(&s)
		x.inheritAssertions(&s)
		for k := range s.ms {
			s.ms[k].node = b.node(&s.ms[k], text)
		}
		for _, r := range s.rels {
			b.relate(s.ms[r.from].node, s.ms[r.to].node, r.typ)
		}
		links = l.relate(s.toks, s.ms, info, b, parties, links)
	}
	l.linkAgreement(b, main, links)
	return b.g, nil
}

// continues reports whether sentence b continues sentence a: a ends
// without punctuation, b starts with a lower-case letter, both in one
// section.
func continues(text string, a, b Sentence) bool {
	if a.Section != b.Section || a.End <= a.Start || b.Start >= len(text) {
		return false
	}
	switch text[a.End-1] {
	case '.', '!', '?', ';', ':', '"', ')':
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[b.Start:])
	return unicode.IsLower(r)
}

// mainAgreement is the key of the document's own agreement: the first kind
// of agreement named in its first 2,000 bytes ("This Supply Agreement"),
// else the generic agreement.
func (l *legal) mainAgreement(text string, sns []Sentence, s *sentence) string {
	for _, sn := range sns {
		if sn.Start > 2000 {
			break
		}
		s.reset(text, sn)
		if len(s.toks) == 0 {
			continue
		}
		l.x.mentions(s)
		for _, m := range s.ms {
			if m.typ == "agreement" && m.key != l.generic && s.toks[m.first].start <= 2000 {
				return m.key
			}
		}
	}
	return l.generic
}

// partyRef is what a party name or defined term in a sentence stands for.
type partyRef struct {
	key string
	cap bool // the text must start with a capital letter
}

// partyMatcher indexes a document's party names and defined terms.
func (l *legal) partyMatcher(t *partyTable) *phraseSet[partyRef] {
	pm := newPhraseSet[partyRef]()
	for _, p := range t.parties {
		pm.add(stripPossessive(phraseTokens(p.name)), partyRef{p.key, false})
		short := strings.Fields(p.name)
		for len(short) > 1 && (l.suffixes[strings.Trim(strings.ToLower(strings.ReplaceAll(short[len(short)-1], ".", "")), ",")] || short[len(short)-1] == "&") {
			short = short[:len(short)-1]
		}
		pm.add(stripPossessive(phraseTokens(strings.Join(short, " "))), partyRef{p.key, true})
		for _, a := range p.aliases {
			pm.add(stripPossessive(phraseTokens(a)), partyRef{p.key, true})
		}
	}
	return pm
}

// stripPossessive drops "'s" from tokens so that "Customer's" names
// Customer.
func stripPossessive(toks []string) []string {
	for i, t := range toks {
		toks[i] = strings.TrimSuffix(strings.TrimSuffix(t, "'s"), "’s")
	}
	return toks
}

// sentenceInfo is what the mention pass learned for the relation pass,
// keyed by a mention's first token.
type sentenceInfo struct {
	modal map[int]int // obligation → token where its modal starts
	// negated obligations: "shall not, directly or indirectly, disclose",
	// whose negation the generic scopes stop short of at the comma.
	negated map[int]bool
	role    map[int]string // date or term → effective_on or expires_on
	cues    []cueKind      // assertion cue kind of each token
	cueAt   []int          // length of the cue starting at each token
}

// mentions finds one sentence's legal mentions and keeps the lexicon's
// where they do not overlap them.
func (l *legal) mentions(text string, toks []token, lex []mention, pm *phraseSet[partyRef], main string, values *docValues) ([]mention, *sentenceInfo) {
	info := &sentenceInfo{modal: map[int]int{}, negated: map[int]bool{}, role: map[int]string{}, cues: make([]cueKind, len(toks)), cueAt: make([]int, len(toks))}
	for i := 0; i < len(toks); {
		if k, n := l.x.cues.match(toks, i); n > 0 {
			info.cueAt[i] = n
			for j := i; j < i+n; j++ {
				info.cues[j] = k
			}
			i += n
			continue
		}
		i++
	}
	taken := make([]bool, len(toks))
	var out []mention
	add := func(m mention) bool {
		for j := m.first; j <= m.last; j++ {
			if taken[j] {
				return false
			}
		}
		for j := m.first; j <= m.last; j++ {
			taken[j] = true
		}
		if m.span == (graph.Span{}) {
			m.span = graph.Span{toks[m.first].start, toks[m.last].end}
		}
		out = append(out, m)
		return true
	}
	base := toks[0].start
	body := text[base:toks[len(toks)-1].end]
	// A value's byte span (in the document) as the sentence's tokens.
	tokenRange := func(v valueMatch) (int, int, bool) {
		first, last := -1, -1
		for i, t := range toks {
			if t.end > v.start && t.start < v.end {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		return first, last, first >= 0
	}
	for _, v := range values.in(values.dates, base, toks[len(toks)-1].end) {
		if f, e, ok := tokenRange(v); ok && add(mention{typ: "date", key: v.key, first: f, last: e, span: graph.Span{v.start, v.end}}) {
			info.role[f] = l.dateRole(toks, f, e, text[v.start:v.end])
		}
	}
	for _, v := range values.in(values.amounts, base, toks[len(toks)-1].end) {
		if f, e, ok := tokenRange(v); ok {
			add(mention{typ: "amount", key: v.key, first: f, last: e, span: graph.Span{v.start, v.end}})
		}
	}
	// The lexicon's agreements before parties: "Reseller Agreement" is an
	// agreement even where "Reseller" is a defined term.
	for _, m := range lex {
		if m.typ == "agreement" {
			if m.key == l.generic && main != "" {
				m.key = main
			}
			add(m)
		}
	}
	if l.has["party"] {
		ptoks := make([]token, len(toks))
		copy(ptoks, toks)
		for i := range ptoks {
			ptoks[i].text = strings.TrimSuffix(strings.TrimSuffix(ptoks[i].text, "'s"), "’s")
		}
		for i := 0; i < len(ptoks); {
			if r, n := pm.match(ptoks, i); n > 0 && (!r.cap || capitalized(text, toks[i])) {
				m := mention{typ: "party", key: r.key, first: i, last: i + n - 1}
				// "Acme Widgets, Inc." keeps the period of its suffix.
				if e := toks[i+n-1].end; e < len(text) && text[e] == '.' && l.suffixes[toks[i+n-1].text] {
					m.span = graph.Span{toks[i].start, e + 1}
				}
				if add(m) {
					i += n
					continue
				}
			}
			if c, n := l.roleSet.match(ptoks, i); n > 0 && capitalized(text, toks[i]) {
				if add(mention{typ: "party", key: c.Key, category: c.Category, first: i, last: i + n - 1}) {
					i += n
					continue
				}
			}
			i++
		}
	}
	if l.has["governing_law"] {
		var laws []mention
		for _, m := range lex {
			if m.typ == "governing_law" && l.lawContext(toks, &m) {
				laws = append(laws, m)
			}
		}
		for _, m := range dropCountries(laws, func(key string) *ontology.Concept { c, _ := l.x.ont.Concept(key); return c }) {
			add(m)
		}
	}
	if l.has["clause"] {
		l.findCovenants(toks, info, add)
	}
	if l.has["obligation"] {
		l.findObligations(toks, lex, info, add)
	}
	if l.has["term"] && l.anyCue(l.termCues, toks) {
		for _, v := range findDurations(body) {
			v.start, v.end = base+v.start, base+v.end
			f, e, ok := tokenRange(v)
			if !ok || !l.isTerm(toks, text[v.end:min(len(text), v.end+40)], f, e) {
				continue
			}
			key := "term/" + v.key
			if l.isRenewal(toks, f, e) {
				key = "term/renewal/" + v.key
			}
			if add(mention{typ: "term", key: key, first: f, last: e, span: graph.Span{v.start, v.end}}) {
				info.role[f] = "expires_on"
			}
		}
	}
	for _, m := range lex {
		switch m.typ {
		case "party", "governing_law":
			continue // recognized above, in context
		case "obligation":
			// Only where a modal follows: "Payment shall be made".
			if !l.modalAfter(toks, m.last+1) {
				continue
			}
		case "agreement":
			continue // added above
		}
		add(m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].first < out[j].first })
	return out, info
}

// docValues are the dates and amounts of a document, in text order.
type docValues struct {
	dates, amounts []valueMatch
}

// in returns the values that start within [start, end).
func (d *docValues) in(vs []valueMatch, start, end int) []valueMatch {
	i := sort.Search(len(vs), func(i int) bool { return vs[i].start >= start })
	j := i
	for j < len(vs) && vs[j].start < end {
		j++
	}
	return vs[i:j]
}

// capitalized reports whether a token's text starts with a capital letter
// or a digit.
func capitalized(text string, t token) bool {
	r, _ := utf8.DecodeRuneInString(text[t.start:t.end])
	return unicode.IsUpper(r) || unicode.IsDigit(r)
}

// clauseStart is the first token of the clause holding token i: clauses
// end at semicolons and colons.
func clauseStart(toks []token, i int) int {
	for j := i - 1; j >= 0; j-- {
		if toks[j].text == ";" || toks[j].text == ":" {
			return j + 1
		}
	}
	return 0
}

func clauseEnd(toks []token, i int) int {
	for j := i + 1; j < len(toks); j++ {
		if toks[j].text == ";" || toks[j].text == ":" {
			return j - 1
		}
	}
	return len(toks) - 1
}

// cueBefore returns the distance to the nearest phrase of p that ends
// before token first, within window tokens of the clause (0 when none).
func cueBefore(p *phraseSet[bool], toks []token, first, window int) int {
	lo := first - window
	if cs := clauseStart(toks, first); lo < cs {
		lo = cs
	}
	best := 0
	for i := lo; i < first; i++ {
		if _, n := p.match(toks, i); n > 0 && i+n <= first {
			best = first - (i + n - 1)
		}
	}
	return best
}

// cueAfter returns the distance to the nearest phrase of p that starts
// after token last, within window tokens of the clause (0 when none).
func cueAfter(p *phraseSet[bool], toks []token, last, window int) int {
	hi := last + window
	if ce := clauseEnd(toks, last); hi > ce {
		hi = ce
	}
	for i := last + 1; i <= hi; i++ {
		if _, n := p.match(toks, i); n > 0 {
			return i - last
		}
	}
	return 0
}

func (l *legal) near(p *phraseSet[bool], toks []token, first, before, last, after int) bool {
	return cueBefore(p, toks, first, before) > 0 || cueAfter(p, toks, last, after) > 0
}

// dateRole decides what a date is to the agreement from the nearest cue
// before it ("effective as of", "expires on") or the defined term just
// after it ("(the "Effective Date")"); a date written "the 5th day of
// January" is the agreement's date unless an expiry cue says otherwise.
func (l *legal) dateRole(toks []token, first, last int, written string) string {
	eff, exp := cueBefore(l.effective, toks, first, 12), cueBefore(l.expiry, toks, first, 12)
	// "this 7th day of September, 1999" dates the agreement, and so does
	// "Date: April 7, 2020" (the colon ends the clause cues look in).
	if eff == 0 && strings.Contains(strings.ToLower(written), "day of") {
		eff = 100
	}
	if eff == 0 && first >= 2 && toks[first-1].text == ":" && (toks[first-2].text == "date" || toks[first-2].text == "dated") {
		eff = 2
	}
	if a := cueAfter(l.effective, toks, last, 4); a > 0 && (eff == 0 || a < eff) && toks[last+1].text == "(" {
		eff = a
	}
	if a := cueAfter(l.expiry, toks, last, 4); a > 0 && (exp == 0 || a < exp) && toks[last+1].text == "(" {
		exp = a
	}
	switch {
	case eff > 0 && (exp == 0 || eff < exp):
		return "effective_on"
	case exp > 0:
		return "expires_on"
	}
	return ""
}

// lawContext reports whether a jurisdiction is a governing law. A
// governing cue ("governed", "construed") must stand within forty tokens
// before it or twenty after it in its clause, no incorporation cue
// ("organized under the laws of") within sixteen tokens before it, and no
// other cue of law ("laws and regulations", "export") within twenty. Then a law cue leads to it ("the laws of
// the State of New York"), or it is followed by "law" ("New York law"), or
// "law" stands before it and "of" just before it ("the laws, other than
// choice of law rules, of the State of Georgia"), or the law is named
// after it ("accepted in the State of Nevada and governed by the laws
// thereof").
func (l *legal) lawContext(toks []token, m *mention) bool {
	if !l.near(l.governing, toks, m.first, 40, m.last, 20) || l.near(l.notLaw, toks, m.first, 20, m.last, 20) {
		return false
	}
	if cueBefore(l.incorporation, toks, m.first, 16) > 0 {
		return false
	}
	if t := toks[m.last].text; t == "law" || t == "laws" {
		return true // "Italian law"
	}
	if m.last+1 < len(toks) {
		switch toks[m.last+1].text {
		case "law", "laws", "law's":
			return true
		}
	}
	if cueBefore(l.lawCues, toks, m.first, 8) > 0 {
		return true
	}
	cs := clauseStart(toks, m.first)
	of := false
	for k := m.first - 1; k >= cs && k >= m.first-4; k-- {
		of = of || toks[k].text == "of"
	}
	if of {
		for k := m.first - 1; k >= cs && k >= m.first-16; k-- {
			if toks[k].text == "laws" || toks[k].text == "law" {
				return true
			}
		}
	}
	for k := m.last + 1; k+1 < len(toks) && k <= m.last+20 && toks[k].text != ";"; k++ {
		if (toks[k].text == "laws" || toks[k].text == "law") && (toks[k+1].text == "thereof" || toks[k+1].text == "of" && k+2 < len(toks) && (toks[k+2].text == "said" || toks[k+2].text == "such" || toks[k+2].text == "that")) {
			return true
		}
	}
	return false
}

// dropCountries leaves out a country named beside a state or province of
// it in a sentence's governing laws: "the laws of the United States and
// the State of Florida", "the State of Indiana, U.S.A." are Florida's and
// Indiana's.
func dropCountries(laws []mention, concept func(string) *ontology.Concept) []mention {
	sub := false
	for _, m := range laws {
		if c := concept(m.key); c != nil && c.Category != "country" {
			sub = true
		}
	}
	if !sub {
		return laws
	}
	out := laws[:0]
	for _, m := range laws {
		if c := concept(m.key); c == nil || c.Category != "country" {
			out = append(out, m)
		}
	}
	return out
}

// isTerm reports whether a duration (tokens first to last, followed by the
// text after) is a term of the agreement: a term cue near it, and it is no
// notice period ("ninety (90) days' written notice") nor a deadline
// ("within thirty (30) days").
func (l *legal) isTerm(toks []token, after string, first, last int) bool {
	rest := strings.ToLower(strings.TrimLeft(after, "'’ "))
	for _, w := range []string{"notice", "prior", "written", "advance", "before", "after", "following", "from the date", "of receipt", "following"} {
		if strings.HasPrefix(rest, w) {
			return false
		}
	}
	if first > 0 {
		switch toks[first-1].text {
		case "within", "least", "than", "next", "past", "last":
			return false
		}
	}
	return l.near(l.termCues, toks, first, 6, last, 2)
}

// anyCue reports whether a phrase of p occurs in the sentence.
func (l *legal) anyCue(p *phraseSet[bool], toks []token) bool {
	for i := range toks {
		if _, n := p.match(toks, i); n > 0 {
			return true
		}
	}
	return false
}

// isRenewal reports whether a term is a renewal term: a renewal cue before
// it, nearer than any "initial term" ("renews for successive one-year
// terms"), or right after it ("one-year renewal terms").
func (l *legal) isRenewal(toks []token, first, last int) bool {
	if last+1 < len(toks) {
		if _, n := l.renewal.match(toks, last+1); n > 0 {
			return true
		}
	}
	r := cueBefore(l.renewal, toks, first, 8)
	if r == 0 {
		return false
	}
	for k := first - r; k < first; k++ {
		if toks[k].text == "initial" || toks[k].text == "original" {
			return false
		}
	}
	return true
}

// modalAfter reports whether an obligation modal starts at token i.
func (l *legal) modalAfter(toks []token, i int) bool {
	for k := i; k < len(toks) && k < i+3; k++ {
		if _, n := l.modals.match(toks, k); n > 0 {
			return true
		}
	}
	return false
}

// findCovenants recognizes restrictive covenants: a negation cue followed
// within fourteen tokens of its clause by a covenant verb states the covenant,
// present ("Employee shall not, directly or indirectly, compete").
func (l *legal) findCovenants(toks []token, info *sentenceInfo, add func(mention) bool) {
	for j := range toks {
		cv, n := l.covenants.match(toks, j)
		if n == 0 {
			continue
		}
		if cv.requires != "" && !hasToken(toks, cv.requires) {
			continue
		}
		if _, ok := l.x.ont.Concept(cv.key); !ok {
			continue
		}
		start := -1
		for k := j - 1; k >= 0 && k >= j-14; k-- {
			if toks[k].text == ";" {
				break
			}
			if info.cueAt[k] > 0 && info.cues[k]&negPre != 0 {
				start = k
				break
			}
		}
		if start < 0 {
			continue
		}
		c, _ := l.x.ont.Concept(cv.key)
		add(mention{typ: c.Type, key: c.Key, category: c.Category, first: start, last: j + n - 1})
	}
}

func hasToken(toks []token, w string) bool {
	for _, t := range toks {
		if t.text == w {
			return true
		}
	}
	return false
}

// findObligations recognizes "Supplier shall deliver", "Customer agrees to
// pay" and "Licensee shall keep complete and accurate records": the verb
// after a modal (and any adverbs or a negation) is the obligation, keyed by
// the lexicon's obligation term that starts there, else by the verb. A
// verb the lexicon knows as a clause ("shall not assign") stays a clause.
func (l *legal) findObligations(toks []token, lex []mention, info *sentenceInfo, add func(mention) bool) {
	lexAt := map[int]*mention{}
	for i := range lex {
		lexAt[lex[i].first] = &lex[i]
	}
	for i := 0; i < len(toks); i++ {
		_, n := l.modals.match(toks, i)
		if n == 0 {
			continue
		}
		j, negated := i+n, false
		for steps := 0; j < len(toks) && steps < 8; steps++ {
			if _, k := l.adverbs.match(toks, j); k > 0 {
				j += k
				continue
			}
			if toks[j].text == "not" || toks[j].text == "never" {
				negated = true
				j++
				continue
			}
			break
		}
		if j >= len(toks) {
			break
		}
		if _, k := l.notObligation.match(toks, j); k > 0 {
			i = j
			continue
		}
		if !isVerb(toks[j].text) {
			continue
		}
		if m := lexAt[j]; m != nil && m.typ != "obligation" {
			i = j
			continue
		}
		key, concept, last := "obligation/"+toks[j].text, (*ontology.Concept)(nil), j
		// "shall be responsible for paying": the gerund of a verb the
		// lexicon knows is that verb.
		if g := toks[j].text; strings.HasSuffix(g, "ing") && len(g) > 5 && lexAt[j] == nil {
			for _, stem := range []string{g[:len(g)-3], g[:len(g)-3] + "e"} {
				if c, n := l.x.lexicon.match([]token{{text: stem}}, 0); n == 1 && c.Type == "obligation" {
					key, concept = c.Key, c
					break
				}
			}
		}
		if m := lexAt[j]; m != nil {
			key, last = m.key, m.last
			concept, _ = l.x.ont.Concept(m.key)
		}
		if c, e := l.gappedObligation(toks, j); c != nil && e > last {
			key, concept, last = c.Key, c, e
		}
		m := mention{typ: "obligation", key: key, first: j, last: last}
		if concept != nil {
			m.category = concept.Category
		}
		if add(m) {
			info.modal[j] = i
			if negated {
				info.negated[j] = true
			}
		}
		i = j
	}
}

// gappedObligation matches a several-word obligation term at token j whose
// later words follow within eight tokens of the clause.
func (l *legal) gappedObligation(toks []token, j int) (*ontology.Concept, int) {
	for _, g := range l.obligations[toks[j].text] {
		k, end := 1, j
		for p := j + 1; p < len(toks) && p <= j+8 && k < len(g.tokens); p++ {
			if toks[p].text == ";" || toks[p].text == "," {
				break
			}
			if toks[p].text == g.tokens[k] {
				k++
				end = p
			}
		}
		if k == len(g.tokens) {
			return g.concept, end
		}
	}
	return nil, 0
}

func isVerb(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '-' {
			return false
		}
	}
	return s != ""
}

// relate adds one sentence's legal relations: obligates and pays within
// the sentence, and the links to the document's agreement for later.
func (l *legal) relate(toks []token, ms []mention, info *sentenceInfo, b *builder, parties *partyTable, links []agreementLink) []agreementLink {
	x := l.x
	for k := range ms {
		m := &ms[k]
		switch m.typ {
		case "party":
			links = append(links, agreementLink{"party_to", m.node})
		case "clause":
			links = append(links, agreementLink{"has_clause", m.node})
		case "governing_law":
			links = append(links, agreementLink{"governed_by", m.node})
		case "date", "term":
			if r := info.role[m.first]; r != "" {
				links = append(links, agreementLink{r, m.node})
			}
		case "obligation":
			if modal, ok := info.modal[m.first]; ok && x.ont.HasRelationType("obligates") {
				for _, p := range l.subject(toks, ms, modal, b, parties) {
					if x.allowed("obligates", m.typ, b.g.Entities[p].Type) {
						b.relate(m.node, p, "obligates")
					}
				}
			}
		}
	}
	if x.ont.HasRelationType("pays") {
		l.pays(toks, ms, b, parties)
	}
	if x.ont.HasRelationType("in_favor_of") {
		l.inFavorOf(toks, ms, b)
	}
	return links
}

// subject returns the nodes of the party an obligation whose modal starts
// at token modal binds: the nearest party named before the modal in its
// clause, or every party after "each party", "either party".
func (l *legal) subject(toks []token, ms []mention, modal int, b *builder, parties *partyTable) []int {
	cs := clauseStart(toks, modal)
	best, bestAt := -1, -1
	for k := range ms {
		if ms[k].typ == "party" && ms[k].last < modal && ms[k].first >= cs && ms[k].first > bestAt {
			best, bestAt = k, ms[k].first
		}
	}
	for i := cs; i < modal; i++ {
		if _, n := l.allParties.match(toks, i); n > 0 && i > bestAt {
			return l.partyNodes(b, parties)
		}
	}
	if best < 0 {
		return nil
	}
	return []int{ms[best].node}
}

// partyNodes returns the nodes of the document's parties already in the
// graph.
func (l *legal) partyNodes(b *builder, parties *partyTable) []int {
	var out []int
	for _, p := range parties.parties {
		if n, ok := b.nodes["party\x00"+p.key+"\x00"+string(graph.Present)]; ok {
			out = append(out, n)
		}
	}
	return out
}

// pays links the party that pays to the amounts it pays: "Customer agrees
// to pay Provider USD 1.2 million" (the subject before the verb pays the
// amounts after it in the clause), and "$5,000 shall be paid by Customer"
// or "payable by Customer" (the party after "by" pays every amount of the
// clause).
func (l *legal) pays(toks []token, ms []mention, b *builder, parties *partyTable) {
	for i := 0; i < len(toks); i++ {
		_, n := l.payVerbs.match(toks, i)
		if n == 0 {
			continue
		}
		cs, ce := clauseStart(toks, i), clauseEnd(toks, i)
		var payers []int
		from := i + n
		if by := i + n; by+1 < len(toks) && (toks[by-1].text == "by" || toks[by].text == "by") {
			if toks[by].text == "by" {
				by++
			}
			for k := range ms {
				if ms[k].typ == "party" && ms[k].first == by {
					payers, from = []int{ms[k].node}, cs
				}
			}
		}
		if payers == nil {
			payers = l.subject(toks, ms, i, b, parties)
		}
		for k := range ms {
			if ms[k].typ != "amount" || ms[k].first < from || ms[k].first > ce {
				continue
			}
			for _, p := range payers {
				if l.x.allowed("pays", b.g.Entities[p].Type, "amount") {
					b.relate(p, ms[k].node, "pays")
				}
			}
		}
		i += n - 1
	}
}

// inFavorOf links a clause to the party it favours where the party
// directly follows the clause's words and those end in "by", "to", "in",
// "of" or a granting verb: "shall be owned exclusively by Client",
// "Licensor hereby grants Licensee".
func (l *legal) inFavorOf(toks []token, ms []mention, b *builder) {
	for k := range ms {
		c := &ms[k]
		if c.typ != "clause" {
			continue
		}
		switch toks[c.last].text {
		case "by", "to", "in", "of", "grants", "grant", "assigns", "assign":
		default:
			continue
		}
		j := c.last + 1
		for j < len(toks) && determiners[toks[j].text] {
			j++
		}
		for p := range ms {
			if ms[p].typ == "party" && ms[p].first == j && l.x.allowed("in_favor_of", c.typ, ms[p].typ) {
				b.relate(c.node, ms[p].node, "in_favor_of")
			}
		}
	}
}

// linkAgreement makes the links to the document's agreement once all its
// sentences are read. A document that names no agreement gets none.
func (l *legal) linkAgreement(b *builder, main string, links []agreementLink) {
	a, ok := b.nodes["agreement\x00"+main+"\x00"+string(graph.Present)]
	if !ok {
		return
	}
	for _, lk := range links {
		from, to := a, lk.node
		if lk.typ == "party_to" {
			from, to = lk.node, a
		}
		if l.x.ont.HasRelationType(lk.typ) && l.x.allowed(lk.typ, b.g.Entities[from].Type, b.g.Entities[to].Type) {
			b.relate(from, to, lk.typ)
		}
	}
}
