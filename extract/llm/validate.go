package llm

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// typeSynonyms are names models commonly use for an entity type. One
// applies only when its target is a type of the ontology and the name
// itself is not.
var typeSynonyms = map[string]string{
	"finding": "disorder", "observation": "disorder", "disease": "disorder", "condition": "disorder",
	"abnormality": "disorder", "diagnosis": "disorder", "pathology": "disorder", "problem": "disorder",
	"body_part": "anatomy", "anatomical_structure": "anatomy", "anatomical_site": "anatomy",
	"anatomical_location": "anatomy", "anatomic_location": "anatomy", "location": "anatomy",
	"organ": "anatomy", "anatomical": "anatomy",
	"descriptor": "concept", "modifier": "concept", "attribute": "concept", "characteristic": "concept",
	"property": "concept", "qualifier": "concept",
	"medical_device": "device", "tube": "device", "line": "device", "catheter": "device", "implant": "device",
	"surgery": "procedure", "intervention": "procedure", "operation": "procedure",
	"measurement": "size", "dimension": "size", "measure": "size",
	"organization": "party", "organisation": "party", "company": "party", "person": "party",
	"contract": "agreement", "contract_type": "agreement", "agreement_type": "agreement",
	"effective_date": "date", "datetime": "date",
	"duration": "term", "period": "term", "renewal_term": "term",
	"law": "governing_law", "jurisdiction": "governing_law",
	"money": "amount", "price": "amount", "fee": "amount", "payment": "amount", "sum": "amount",
	"monetary_amount": "amount", "currency": "amount",
	"duty": "obligation", "covenant": "obligation", "requirement": "obligation",
	"provision": "clause",
}

// relationSynonyms are names models commonly use for a relation type.
var relationSynonyms = map[string]string{
	"located_in": "located_at", "location": "located_at", "located": "located_at", "location_of": "located_at",
	"at": "located_at", "in": "located_at", "site": "located_at", "has_location": "located_at",
	"modifies": "modify", "modifier": "modify", "modifier_of": "modify", "describes": "modify",
	"suggests": "suggestive_of", "suggestive": "suggestive_of", "suggest": "suggestive_of",
	"indicates": "suggestive_of", "indicative_of": "suggestive_of", "consistent_with": "suggestive_of",
	"party_of": "party_to", "is_party_to": "party_to", "party": "party_to",
	"governed": "governed_by", "governing_law": "governed_by", "is_governed_by": "governed_by",
	"effective": "effective_on", "effective_date": "effective_on",
	"expires": "expires_on", "expiration": "expires_on", "expiry": "expires_on", "terminates_on": "expires_on",
	"obligation_of": "obligates", "binds": "obligates", "obligated": "obligates",
	"pay": "pays", "payment": "pays",
	"includes_clause": "has_clause", "contains_clause": "has_clause", "clause": "has_clause",
}

// assertionSynonyms map loose assertion values to the three of the format.
var assertionSynonyms = map[string]graph.Assertion{
	"present": graph.Present, "positive": graph.Present, "true": graph.Present, "yes": graph.Present,
	"affirmed": graph.Present, "definite": graph.Present, "pos": graph.Present,
	"absent": graph.Absent, "negative": graph.Absent, "negated": graph.Absent, "false": graph.Absent,
	"no": graph.Absent, "neg": graph.Absent, "not_present": graph.Absent, "denied": graph.Absent,
	"uncertain": graph.Uncertain, "possible": graph.Uncertain, "probable": graph.Uncertain,
	"possibly": graph.Uncertain, "hypothetical": graph.Uncertain, "suspected": graph.Uncertain,
	"unsure": graph.Uncertain, "conditional": graph.Uncertain, "maybe": graph.Uncertain,
}

// validator checks replies against one ontology and repairs what is
// unambiguous. It is read-only after construction and safe for concurrent
// use.
type validator struct {
	o           *ontology.Ontology
	entityTypes map[string]string // normalized name → type
	relTypes    map[string]string
	// terms maps an entity type and a lexicon term's words (as
	// graph.NormalizeKey writes them) to the concept key; longest is the
	// most words of any term. Built on first use, off the start-up path
	// (New starts it in the background).
	termsOnce sync.Once
	terms     map[termKey]string
	longest   int
}

type termKey struct{ typ, words string }

func newValidator(o *ontology.Ontology) *validator {
	v := &validator{o: o, entityTypes: map[string]string{}, relTypes: map[string]string{}}
	for _, t := range o.EntityTypes {
		v.entityTypes[normName(t.Name)] = t.Name
		if t.RadGraph == "ANAT-DP" {
			v.entityTypes["anat_dp"] = t.Name
		}
	}
	for syn, t := range typeSynonyms {
		if _, taken := v.entityTypes[syn]; !taken && o.HasEntityType(t) {
			v.entityTypes[syn] = t
		}
	}
	// The RadGraph label is a synonym only when exactly one type has it.
	n := 0
	for _, t := range o.EntityTypes {
		if t.RadGraph == "ANAT-DP" {
			n++
		}
	}
	if n != 1 {
		delete(v.entityTypes, "anat_dp")
	}
	for _, r := range o.RelationTypes {
		v.relTypes[normName(r.Name)] = r.Name
	}
	for syn, r := range relationSynonyms {
		if _, taken := v.relTypes[syn]; !taken && o.HasRelationType(r) {
			v.relTypes[syn] = r
		}
	}
	return v
}

func (v *validator) buildTerms() {
	n := 0
	for _, c := range v.o.Lexicon {
		n += len(c.Terms)
	}
	v.terms = make(map[termKey]string, n)
	for _, c := range v.o.Lexicon {
		for _, term := range c.Terms {
			words := graph.NormalizeKey(term)
			k := termKey{c.Type, words}
			if _, dup := v.terms[k]; !dup && words != "" {
				v.terms[k] = c.Key
				v.longest = max(v.longest, strings.Count(words, " ")+1)
			}
		}
	}
}

// normName folds a type name as models write it: case, spaces, hyphens,
// a plural s.
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '\t' }), "_")
	return s
}

func normText(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func (v *validator) entityType(name string) (string, bool) {
	if v.o.HasEntityType(name) {
		return name, true
	}
	n := normName(name)
	if t, ok := v.entityTypes[n]; ok {
		return t, true
	}
	if t, ok := v.entityTypes[strings.TrimSuffix(n, "s")]; ok && strings.HasSuffix(n, "s") {
		return t, true
	}
	return "", false
}

func (v *validator) relationType(name string) (string, bool) {
	if v.o.HasRelationType(name) {
		return name, true
	}
	n := normName(name)
	if t, ok := v.relTypes[n]; ok {
		return t, true
	}
	if t, ok := v.relTypes[strings.TrimSuffix(n, "s")]; ok && strings.HasSuffix(n, "s") {
		return t, true
	}
	return "", false
}

// conceptKey is the entity's key: the lexicon concept its text names (the
// whole text, else the longest term of its type inside the text), else a
// key the model gave, else the normalized text.
func (v *validator) conceptKey(text, typ, given string) string {
	v.termsOnce.Do(v.buildTerms)
	words := strings.Fields(graph.NormalizeKey(text))
	// Longest run of words first, leftmost first among equals.
	for n := min(len(words), v.longest); n > 0; n-- {
		for i := 0; i+n <= len(words); i++ {
			if k, ok := v.terms[termKey{typ, strings.Join(words[i:i+n], " ")}]; ok {
				return k
			}
		}
	}
	if given = strings.TrimSpace(given); given != "" {
		return given
	}
	return graph.NormalizeKey(text)
}

// result is what one reply yields for one chunk of a document.
type result struct {
	raw       string
	entities  []graph.Entity // ids as in the reply, spans in document offsets
	relations []graph.Relation
	// repairs were made without asking; drops are the problems the model
	// is asked to fix; cascade are relations lost with a dropped entity.
	repairs, drops, cascade []string
	// replyEntities is how many entities the reply listed.
	replyEntities int
	// err is set when the reply cannot be used at all.
	err error
}

func (r *result) problems() []string { return r.drops }

// usable reports whether the result can become a graph: the reply parsed,
// and when it listed entities, at least one survived.
func (r *result) usable() bool {
	return r.err == nil && !(r.replyEntities > 0 && len(r.entities) == 0)
}

// interpret parses a reply for the chunk of a document that starts at
// offset, validates it against the ontology, repairs what is unambiguous
// and drops the rest, recording why.
func (v *validator) interpret(raw, chunk string, offset int) *result {
	res := &result{raw: raw}
	obj, err := parseReply(raw)
	if err != nil {
		res.err = err
		return res
	}
	ents, ok := obj["entities"].([]any)
	if !ok {
		if obj["entities"] == nil {
			ents = nil // "entities": null reads as none
		} else {
			res.err = fmt.Errorf(`"entities" is %s, want an array`, jsonKind(obj["entities"]))
			return res
		}
	}
	var rels []any
	switch r := obj["relations"].(type) {
	case []any:
		rels = r
	case nil:
		if _, present := obj["relations"]; !present {
			res.repairs = append(res.repairs, `no "relations" array: read as none`)
		}
	default:
		res.err = fmt.Errorf(`"relations" is %s, want an array`, jsonKind(obj["relations"]))
		return res
	}
	res.replyEntities = len(ents)

	byID := map[string]int{}       // id → index in res.entities
	dropped := map[string]string{} // id of a dropped entity → why
	byText := map[string][]string{}
	next := map[string]int{} // where to look for the next mention of a text
	for i, item := range ents {
		m, ok := item.(map[string]any)
		if !ok {
			res.drops = append(res.drops, fmt.Sprintf("entities[%d] is %s, want an object", i, jsonKind(item)))
			continue
		}
		id := strings.TrimSpace(field(m, "id"))
		text := field(m, "text")
		label := fmt.Sprintf("entity %s", strconvQuote(id))
		if id == "" {
			label = fmt.Sprintf("entities[%d]", i)
		}
		if text != "" {
			label += " (" + strconvQuote(truncate(text, 60)) + ")"
		}
		drop := func(format string, args ...any) {
			msg := label + ": " + fmt.Sprintf(format, args...)
			res.drops = append(res.drops, msg)
			if id != "" {
				if _, kept := byID[id]; !kept {
					dropped[id] = msg
				}
			}
		}
		typName := field(m, "type")
		typ, ok := v.entityType(typName)
		switch {
		case strings.TrimSpace(typName) == "":
			drop("no type (types: %s)", strings.Join(v.o.EntityTypeNames(), ", "))
			continue
		case !ok:
			drop("unknown type %s (types: %s)", strconvQuote(typName), strings.Join(v.o.EntityTypeNames(), ", "))
			continue
		case typ != typName:
			res.repairs = append(res.repairs, fmt.Sprintf("%s: type %s read as %s", label, strconvQuote(typName), typ))
		}
		as := field(m, "assertion")
		assertion := graph.Assertion(as)
		if !assertion.Valid() {
			a, ok := assertionSynonyms[normName(as)]
			switch {
			case strings.TrimSpace(as) == "":
				a = graph.Present
				res.repairs = append(res.repairs, label+": no assertion, read as present")
			case !ok:
				drop("assertion %s, want present, absent or uncertain", strconvQuote(as))
				continue
			default:
				res.repairs = append(res.repairs, fmt.Sprintf("%s: assertion %s read as %s", label, strconvQuote(as), a))
			}
			assertion = a
		}
		if strings.TrimSpace(text) == "" {
			drop("empty text")
			continue
		}
		start, end, how := locate(chunk, text, next[text])
		if how == "" {
			drop("text %s is not in the document", strconvQuote(truncate(text, 80)))
			continue
		}
		next[text] = start + 1
		found := chunk[start:end]
		if found != text {
			res.repairs = append(res.repairs, fmt.Sprintf("%s: text matched the document %s as %s", label, how, strconvQuote(found)))
		}
		if id == "" {
			id = fmt.Sprintf("_%d", i+1)
			res.repairs = append(res.repairs, fmt.Sprintf("entities[%d]: no id, given %s", i, id))
		}
		e := graph.Entity{
			ID: id, Text: found, Type: typ, Assertion: assertion,
			Key:  field(m, "key"), // the model's; resolveKeys decides
			Span: &graph.Span{offset + start, offset + end},
		}
		if j, dup := byID[id]; dup {
			prev := res.entities[j]
			if prev.Text == e.Text && prev.Type == e.Type && prev.Assertion == e.Assertion {
				res.repairs = append(res.repairs, fmt.Sprintf("%s: listed twice, kept once", label))
				continue
			}
			res.drops = append(res.drops, fmt.Sprintf("%s: duplicate id %s, already used by %s", label, strconvQuote(id), strconvQuote(prev.Text)))
			continue
		}
		byID[id] = len(res.entities)
		byText[normText(found)] = append(byText[normText(found)], id)
		res.entities = append(res.entities, e)
	}

	// endpoint resolves a relation end: an id, or else the text of exactly
	// one entity.
	endpoint := func(ref string) (string, string) {
		ref = strings.TrimSpace(ref)
		if _, ok := byID[ref]; ok {
			return ref, ""
		}
		if why, ok := dropped[ref]; ok {
			return "", why
		}
		if ids := byText[normText(ref)]; len(ids) == 1 {
			return ids[0], ""
		}
		return "", "-"
	}
	seen := map[graph.Relation]bool{}
	for i, item := range rels {
		m, ok := item.(map[string]any)
		if !ok {
			res.drops = append(res.drops, fmt.Sprintf("relations[%d] is %s, want an object", i, jsonKind(item)))
			continue
		}
		src, tgt, typName := field(m, "source"), field(m, "target"), field(m, "type")
		label := fmt.Sprintf("relation %s -> %s (%s)", strconvQuote(src), strconvQuote(tgt), typName)
		s, whyS := endpoint(src)
		t, whyT := endpoint(tgt)
		if whyS != "" || whyT != "" {
			switch {
			case whyS != "" && whyS != "-":
				res.cascade = append(res.cascade, label+": dropped with its source")
			case whyT != "" && whyT != "-":
				res.cascade = append(res.cascade, label+": dropped with its target")
			case whyS == "-":
				res.drops = append(res.drops, fmt.Sprintf("%s: no entity with id %s", label, strconvQuote(src)))
			default:
				res.drops = append(res.drops, fmt.Sprintf("%s: no entity with id %s", label, strconvQuote(tgt)))
			}
			continue
		}
		if s != strings.TrimSpace(src) || t != strings.TrimSpace(tgt) {
			res.repairs = append(res.repairs, fmt.Sprintf("%s: ends named by text, read as %s -> %s", label, s, t))
		}
		typ, ok := v.relationType(typName)
		if !ok {
			res.drops = append(res.drops, fmt.Sprintf("%s: unknown relation type %s (types: %s)", label, strconvQuote(typName), strings.Join(v.o.RelationTypeNames(), ", ")))
			continue
		}
		if typ != typName {
			res.repairs = append(res.repairs, fmt.Sprintf("%s: type read as %s", label, typ))
		}
		if s == t {
			res.drops = append(res.drops, label+": joins an entity to itself")
			continue
		}
		from, to := res.entities[byID[s]].Type, res.entities[byID[t]].Type
		rt, _ := v.o.RelationType(typ)
		switch {
		case allows(rt.From, from) && allows(rt.To, to):
		case allows(rt.From, to) && allows(rt.To, from):
			s, t = t, s
			res.repairs = append(res.repairs, fmt.Sprintf("%s: reversed to %s -> %s, the direction %s allows", label, s, t, typ))
		default:
			res.drops = append(res.drops, fmt.Sprintf("%s: %s cannot go from %s to %s (allowed: %s -> %s)", label, typ, from, to, orAny(rt.From), orAny(rt.To)))
			continue
		}
		r := graph.Relation{Source: s, Target: t, Type: typ}
		if seen[r] {
			continue
		}
		seen[r] = true
		res.relations = append(res.relations, r)
	}
	return res
}

// resolveKeys sets the key of every entity of a result that is used:
// see conceptKey.
func (v *validator) resolveKeys(r *result) {
	for i := range r.entities {
		e := &r.entities[i]
		e.Key = v.conceptKey(e.Text, e.Type, e.Key)
	}
}

func allows(types []string, t string) bool {
	if len(types) == 0 {
		return true
	}
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// field reads a string field, accepting a number (an id written as 3).
func field(m map[string]any, name string) string {
	switch v := m[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// locate finds text in chunk, preferring the first occurrence at or after
// from that starts and ends on word boundaries. It tries the text as given,
// then without surrounding punctuation and quotes, then ignoring case and
// runs of white space. how says which matched ("" when none did).
func locate(chunk, text string, from int) (start, end int, how string) {
	if s, ok := findWord(chunk, text, from); ok {
		return s, s + len(text), "exactly"
	}
	trimmed := strings.Trim(text, " \t\r\n.,;:!?\"'`()[]{}")
	if trimmed != "" && trimmed != text {
		if s, ok := findWord(chunk, trimmed, from); ok {
			return s, s + len(trimmed), "without punctuation"
		}
	}
	words := strings.Fields(trimmed)
	if len(words) == 0 {
		return 0, 0, ""
	}
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	re, err := regexp.Compile(`(?i)` + strings.Join(words, `\s+`))
	if err != nil {
		return 0, 0, ""
	}
	locs := re.FindAllStringIndex(chunk, -1)
	best := -1
	for i, l := range locs {
		if !boundary(chunk, l[0], l[1]) {
			continue
		}
		if best < 0 || (locs[best][0] < from && l[0] >= from) {
			best = i
		}
	}
	if best < 0 && len(locs) > 0 {
		best = 0
	}
	if best < 0 {
		return 0, 0, ""
	}
	return locs[best][0], locs[best][1], "ignoring case and spacing"
}

// findWord returns the position of text in chunk: the first occurrence at
// or after from on word boundaries, else the first on word boundaries, else
// the first at all.
func findWord(chunk, text string, from int) (int, bool) {
	if text == "" {
		return 0, false
	}
	first, firstWord := -1, -1
	for i := 0; ; {
		j := strings.Index(chunk[i:], text)
		if j < 0 {
			break
		}
		p := i + j
		if first < 0 {
			first = p
		}
		if boundary(chunk, p, p+len(text)) {
			if p >= from {
				return p, true
			}
			if firstWord < 0 {
				firstWord = p
			}
		}
		i = p + 1
	}
	if firstWord >= 0 {
		return firstWord, true
	}
	return first, first >= 0
}

// boundary reports whether [s, e) of text neither starts nor ends inside a
// word.
func boundary(text string, s, e int) bool {
	word := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	if s > 0 && word(text[s-1]) && word(text[s]) {
		return false
	}
	if e < len(text) && e > 0 && word(text[e]) && word(text[e-1]) {
		return false
	}
	return true
}
