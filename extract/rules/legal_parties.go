package rules

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parties: a contract names its parties once, usually in its opening
// sentence, and refers to them afterwards by defined terms:
//
//	by and between Acme Widgets, Inc., a Delaware corporation ("Company"),
//	and Northfield Components LLC ("Supplier")
//
// findParties reads those definitions from the whole document before any
// sentence is extracted, so that "Supplier shall deliver" later resolves to
// the party keyed party/northfield_components.

// partyDef is one party of a document: its name as first written, the key
// made from the name, and the defined terms that stand for it.
type partyDef struct {
	name    string
	key     string
	aliases []string
}

// partyTable is a document's parties, keyed and in order of definition.
type partyTable struct {
	parties []partyDef
	byKey   map[string]int
	// reject turns away keys that name no party: a jurisdiction left of "a
	// Georgia corporation", a heading.
	reject func(key string) bool
}

func (t *partyTable) add(name string, aliases []string, suffixes map[string]bool) {
	key := partyKey(name, suffixes)
	if key == "" || t.reject != nil && t.reject(key) {
		return
	}
	if i, ok := t.byKey[key]; ok {
		p := &t.parties[i]
		for _, a := range aliases {
			if !containsFold(p.aliases, a) {
				p.aliases = append(p.aliases, a)
			}
		}
		return
	}
	// A name that is an alias of an earlier party ("between Heritage and
	// Premier" after "Stremick's Heritage Foods, LLC ("Heritage")") is that
	// party.
	for i := range t.parties {
		if containsFold(t.parties[i].aliases, name) {
			for _, a := range aliases {
				if !containsFold(t.parties[i].aliases, a) {
					t.parties[i].aliases = append(t.parties[i].aliases, a)
				}
			}
			return
		}
	}
	t.byKey[key] = len(t.parties)
	t.parties = append(t.parties, partyDef{name: name, key: key, aliases: aliases})
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// partyKey normalizes a party's name into its key: lower case, "&" as
// "and", punctuation dropped, a leading "the" and trailing corporate
// suffixes removed ("Acme Widgets, Inc." is party/acme_widgets).
func partyKey(name string, suffixes map[string]bool) string {
	var words []string
	for _, f := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' || r == '.')
	}) {
		f = strings.ReplaceAll(f, ".", "")
		switch f {
		case "":
			continue
		case "&":
			f = "and"
		}
		words = append(words, f)
	}
	if len(words) > 1 && words[0] == "the" {
		words = words[1:]
	}
	for len(words) > 1 && (suffixes[words[len(words)-1]] || words[len(words)-1] == "and") {
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return ""
	}
	return "party/" + strings.Join(words, "_")
}

// The opening of a party list, and what ends it.
var (
	betweenRe  = regexp.MustCompile(`(?i)\b(?:by\s+and\s+between|by\s+and\s+among|between|among)\b\s*:?`)
	listEndRe  = regexp.MustCompile(`(?i)\b(?:whereas|recitals|witnesseth|w\s?i\s?t\s?n\s?e\s?s\s?s\s?e\s?t\s?h|now,?\s+therefore|background|preamble|in\s+consideration\s+of|is\s+(?:made|entered|effective|dated)|are\s+collectively|are\s+each|hereby\s+agree|agree\s+as\s+follows)\b`)
	quotedRe   = regexp.MustCompile(`["“”]\s*([^"“”]{1,60}?)\s*["“”]`)
	andSplitRe = regexp.MustCompile(`(?i)(?:,\s*|\s+)and\s*(?:--|:|,)?\s+(?:\(\w{1,3}\)\s*)?(?:on\s+the\s+other\s+hand,?\s+)?(?:the\s+)?([A-Za-z0-9“"])`)
	// Words in the text between a name and its defined term that say the
	// name is an organization or a person.
	descriptorRe = regexp.MustCompile(`(?i)\b(?:corporation|company|partnership|limited|llc|inc|an\s+individual|organized|incorporated|existing\s+under|formed\s+under|with\s+(?:its\s+)?(?:offices|principal|registered|a\s+place)|having\s+(?:its|an|a)\s+(?:principal|registered|office|address|place)|whose\s+(?:address|principal)|residing\s+at|located\s+at|d/b/a|doing\s+business\s+as|société|gmbh|s\.a\.|b\.v\.|n\.v\.|s\.r\.l\.|plc)\b`)
)

// Aliases that name no party even where they follow a name.
var notPartyAliases = map[string]bool{
	"agreement": true, "effective date": true, "party": true, "parties": true, "products": true, "product": true,
	"services": true, "territory": true, "term": true, "amendment": true, "exhibit": true, "schedule": true,
	"confidential information": true, "closing": true, "closing date": true, "commencement date": true,
	"initial term": true, "contract": true, "license": true, "licensed products": true, "software": true,
	"affiliates": true, "affiliate": true, "we": true, "us": true, "you": true, "it": true,
}

// findParties collects the parties a document defines.
func (l *legal) findParties(text string) *partyTable {
	t := &partyTable{byKey: map[string]int{}, reject: l.notParty}
	// 1. The party list after "by and between" in the opening of the
	// document; a title line ("AGREEMENT BETWEEN X AND Y") counts too.
	head := text
	if len(head) > 6000 {
		head = head[:6000]
	}
	for k, loc := range betweenRe.FindAllStringIndex(head, 3) {
		_ = k
		start := loc[1]
		l.partyList(t, text[start:listEnd(text, start)])
	}
	// 2. Definitions anywhere: a name, something that says it is an
	// organization or person, and a quoted defined term in parentheses.
	for i := 0; i < len(text); i++ {
		if text[i] != '(' {
			continue
		}
		close := parenEnd(text, i)
		if close < 0 {
			continue
		}
		aliases := definedTerms(text[i+1 : close])
		if len(aliases) == 0 {
			continue
		}
		segStart := segmentStart(text, i)
		if segStart < 0 {
			continue
		}
		seg := text[segStart:i]
		name := l.leadingName(seg)
		if name == "" || !l.looksLikeParty(name, seg, aliases) {
			if name = l.nameBefore(seg); name == "" {
				continue
			}
		}
		t.add(name, aliases, l.suffixes)
	}
	// 3. Headed lists: "Party A: Beike Internet Security Technology Co.,
	// Ltd.", "Company: Bravatek Solutions, Inc.".
	for _, loc := range headedRe.FindAllStringSubmatchIndex(head, -1) {
		name := l.leadingName(head[loc[1]:min(len(head), loc[1]+200)])
		role := strings.ToLower(head[loc[2]:loc[3]])
		if name != "" && (strings.HasPrefix(role, "party") || l.hasSuffix(name)) {
			t.add(name, nil, l.suffixes)
		}
	}
	// 4. Signature blocks: "ACME HOLDINGS, INC. By: /s/ ..." and "By: Acme
	// GP, LLC, its general partner".
	for _, loc := range signatureRe.FindAllStringIndex(text, -1) {
		if name := l.nameBefore(text[max(0, loc[0]-150):loc[0]]); name != "" {
			t.add(name, nil, l.suffixes)
		}
		after := text[loc[1]:min(len(text), loc[1]+150)]
		if name := l.leadingName(after); name != "" && l.hasSuffix(name) {
			rest := strings.TrimLeft(after[strings.Index(after, name)+len(name):], " ,.")
			if strings.HasPrefix(strings.ToLower(rest), "its ") || strings.HasPrefix(strings.ToLower(rest), "its:") {
				t.add(name, nil, l.suffixes)
			}
		}
	}
	return t
}

var headedRe = regexp.MustCompile(`\b(Party\s+[A-Z]|PARTY\s+[A-Z]|Licensor|Licensee|Company|Supplier|Customer|Distributor|Consultant|Client|Seller|Buyer|Vendor|Contractor|Reseller|Manufacturer|Purchaser|LICENSOR|LICENSEE|COMPANY|SUPPLIER|CUSTOMER|DISTRIBUTOR|CONSULTANT|CLIENT)\s*:`)

var signatureRe = regexp.MustCompile(`\b(?:By|BY)\s*:`)

// listEnd is where a party list that starts at i ends: the recitals, the
// words that follow the list, or a sentence end outside parentheses.
func listEnd(text string, i int) int {
	limit := i + 1500
	if limit > len(text) {
		limit = len(text)
	}
	end := limit
	if loc := listEndRe.FindStringIndex(text[i:limit]); loc != nil {
		end = i + loc[0]
	}
	depth := 0
	for j := i; j < end; j++ {
		switch text[j] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case '.':
			if depth == 0 && periodEndsSentence(text, j) && !endsWithSuffix(text[i:j]) {
				return j
			}
		case '\n':
			if depth == 0 && j+1 < len(text) && text[j+1] == '\n' && j-i > 200 {
				return j
			}
		}
	}
	return end
}

// endsWithSuffix reports whether s ends with a legal form whose period
// ends no sentence ("Acme Co.", "L.P.", "s.r.o.").
func endsWithSuffix(s string) bool {
	j := len(s)
	for j > 0 && (isLetter(s[j-1]) || s[j-1] == '.') {
		j--
	}
	return legalForms[formKey(s[j:])]
}

// partyList reads "X, a Delaware corporation ("Company"), and Y ("Supplier")".
func (l *legal) partyList(t *partyTable, list string) {
	// Split at "and" or ";" outside parentheses, where the next word is
	// capitalized.
	var segs []string
	depth, last := 0, 0
	for j := 0; j < len(list); j++ {
		switch list[j] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ';':
			if depth == 0 {
				segs = append(segs, list[last:j])
				last = j + 1
			}
		case ',', ' ', '\n', '\t':
			if depth != 0 {
				continue
			}
			if m := andSplitRe.FindStringSubmatchIndex(list[j:]); m != nil && m[0] == 0 && !l.nameGoesOn(list[last:j], list[j+m[2]:]) {
				segs = append(segs, list[last:j])
				last = j + m[2]
				j = last - 1
			}
		}
	}
	segs = append(segs, list[last:])
	for _, seg := range segs {
		name := l.leadingName(seg)
		if name == "" || notPartyAliases[strings.ToLower(name)] {
			continue
		}
		var aliases []string
		for i := strings.IndexByte(seg, '('); i >= 0; {
			close := parenEnd(seg, i)
			if close < 0 {
				break
			}
			aliases = append(aliases, definedTerms(seg[i+1:close])...)
			next := strings.IndexByte(seg[close:], '(')
			if next < 0 {
				break
			}
			i = close + next
		}
		// A name with neither legal form, defined term nor description
		// ("between Heritage and Premier") is a party only if it names one
		// already defined.
		if len(aliases) == 0 && !l.hasSuffix(name) && !descriptorRe.MatchString(seg) {
			found := false
			for _, p := range t.parties {
				if containsFold(p.aliases, name) {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		t.add(name, aliases, l.suffixes)
	}
}

// notParty reports whether a party key names something else the lexicon
// knows: a jurisdiction ("Georgia corporation" keys party/georgia), an
// agreement, a clause.
func (l *legal) notParty(key string) bool {
	words := strings.Split(strings.TrimPrefix(key, "party/"), "_")
	toks := make([]token, len(words))
	for i, w := range words {
		toks[i] = token{text: w}
	}
	c, n := l.x.lexicon.match(toks, 0)
	return n == len(toks) && c.Type != "party"
}

// nameGoesOn reports whether an "and" between left and right joins the
// words of one name ("Beijing Baidu Netcom Science and Technology Co.,
// Ltd."): left has no legal form or parenthesis yet, and right's
// capitalized words end with a legal form.
func (l *legal) nameGoesOn(left, right string) bool {
	if strings.ContainsAny(left, "(,") || l.hasSuffix(strings.TrimSpace(left)) {
		return false
	}
	return legalFormAhead(right, 0)
}

// parenEnd returns the index of the parenthesis that closes the one at i,
// or -1 when there is none within 300 bytes.
func parenEnd(s string, i int) int {
	depth := 0
	for j := i; j < len(s) && j < i+300; j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// definedTerms returns the quoted terms of a parenthetical that name a
// single party: ("Company"), (the "Supplier"), (hereinafter "MA"), but not
// those after "collectively" or "each" ("Parties"), nor known non-party
// terms ("Effective Date").
func definedTerms(p string) []string {
	if len(p) > 200 {
		return nil
	}
	var out []string
	for _, m := range quotedRe.FindAllStringSubmatchIndex(p, -1) {
		term := strings.TrimSpace(strings.Trim(p[m[2]:m[3]], ",.;: "))
		// ("the Customer") defines "Customer".
		if len(term) > 4 && strings.EqualFold(term[:4], "the ") {
			term = strings.TrimSpace(term[4:])
		}
		before := strings.ToLower(p[:m[0]])
		if term == "" || notPartyAliases[strings.ToLower(term)] {
			continue
		}
		if strings.Contains(before, "collectively") || strings.Contains(before, "each") || strings.Contains(before, "together") || strings.Contains(before, "jointly") {
			continue
		}
		r, _ := utf8.DecodeRuneInString(term)
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			continue
		}
		out = append(out, term)
	}
	return out
}

// segmentStart finds where the text that a parenthetical at i defines
// begins: after the previous parenthetical, semicolon, colon, sentence end
// or "between"; -1 when none lies within 400 bytes.
func segmentStart(text string, i int) int {
	lo := max(0, i-400)
	for j := i - 1; j >= lo; j-- {
		c := text[j]
		if c == ')' || c == ';' || c == ':' || c == '\n' && j > 0 && text[j-1] == '\n' {
			return j + 1
		}
		if c == '.' && periodEndsSentence(text, j) && !endsWithSuffix(text[lo:j]) {
			return j + 1
		}
		if c == ' ' && j >= 7 {
			if w := strings.ToLower(lastWord(text[lo:j])); w == "between" || w == "among" {
				return j + 1
			}
		}
	}
	if lo == 0 {
		return 0
	}
	return -1
}

func lastWord(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		end--
	}
	st := end
	for st > 0 && isLetter(s[st-1]) {
		st--
	}
	return s[st:end]
}

// nameConnectors may stand inside a name between capitalized words.
var nameConnectors = map[string]bool{"of": true, "the": true, "de": true, "du": true, "la": true, "le": true,
	"for": true, "d/b/a": true, "van": true, "von": true, "der": true, "y": true, "&": true, "und": true}

// legalForms end a company's name: "Acme Widgets, Inc." ends at "Inc.",
// "Signature Orthopaedics Pty Ltd" at "Ltd".
var legalForms = map[string]bool{"inc": true, "incorporated": true, "llc": true, "lc": true, "ltd": true,
	"limited": true, "corp": true, "corporation": true, "co": true, "company": true, "lp": true, "llp": true,
	"lllp": true, "plc": true, "gmbh": true, "ag": true, "sa": true, "nv": true, "bv": true, "ab": true,
	"oy": true, "kk": true, "spa": true, "srl": true, "sarl": true, "sas": true, "pte": true, "pty": true,
	"pc": true, "na": true, "fsb": true, "se": true, "kg": true, "cv": true, "sl": true, "ilp": true,
	"sro": true, "as": true, "asa": true, "bhd": true, "tbk": true, "sdn": true, "gie": true, "kft": true, "zrt": true}

// Words after which a name starts afresh: the title before a preamble
// ("CONSULTING AGREEMENT Aduro Biotech, Inc.").
var nameResets = map[string]bool{"agreement": true, "contract": true, "exhibit": true, "amendment": true,
	"this": true, "addendum": true, "between": true, "among": true, "and": false}

// nameStopwords start sentences, not names: "Subject to", "If",
// "Whereas", "A Nevada corporation".
var nameStopwords = map[string]bool{"a": true, "an": true, "in": true, "if": true, "as": true, "it": true,
	"subject": true, "whereas": true, "upon": true, "during": true, "for": true, "any": true, "each": true,
	"all": true, "such": true, "that": true, "these": true, "those": true, "notwithstanding": true,
	"except": true, "unless": true, "with": true, "on": true, "at": true, "to": true, "from": true, "of": true,
	"no": true, "neither": true, "either": true, "both": true, "other": true, "its": true, "their": true,
	"our": true, "we": true, "you": true, "anything": true, "nothing": true, "execution": true,
	"compliance": true, "party": true, "parties": true, "section": true, "article": true, "schedule": true,
	"witnesseth": true, "recitals": true, "now": true, "therefore": true, "when": true, "where": true,
	"after": true, "before": true, "following": true, "pursuant": true, "under": true, "by": true, "or": true}

// segmentJunk is what may precede a name in a party list: coordinators,
// enumerators ("(1)", "(a)"), "on the other hand", "of the first part".
var segmentJunk = regexp.MustCompile(`(?i)^(?:[\s,;:\-–—]+|\(\w{1,3}\)|\d{1,2}[.)]\s|\b(?:and|between|among|by|with)\b|\bon\s+the\s+(?:one|other)\s+hand\b|\bof\s+the\s+(?:one|first|second|other)\s+part\b)+`)

// nameWord reads the word at s[i:], after spaces; it returns the word and
// where it ends, or "" at a non-word.
func nameWord(s string, i int) (string, int, int) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("&.'’-/!+_", r) {
			j += size
			continue
		}
		break
	}
	return strings.TrimRight(s[i:j], "-"), i, i + len(strings.TrimRight(s[i:j], "-"))
}

func formKey(w string) string {
	return strings.ReplaceAll(strings.Trim(strings.ToLower(w), ".,"), ".", "")
}

// capWord reports whether w may be a word of a name: capitalized, or with
// a capital or digit inside ("iMine", "eGain", "i3", "2THEMART.COM").
func capWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(r) {
		return true
	}
	letter, mark := false, false
	for _, c := range w {
		letter = letter || unicode.IsLetter(c)
		mark = mark || unicode.IsUpper(c) || unicode.IsDigit(c)
	}
	return letter && mark
}

// leadingName reads the name at the start of s: "Acme Widgets, Inc., a
// Delaware corporation" gives "Acme Widgets, Inc.". The name ends at its
// legal form, at a lower-case word, or at a comma not followed by a legal
// form; a title before it is skipped. A name of lower-case words
// ("theglobe.com, Inc.") is read only when a legal form follows it.
func (l *legal) leadingName(s string) string {
	if m := segmentJunk.FindStringIndex(s); m != nil {
		s = s[m[1]:]
	}
	s = strings.TrimLeft(s, " \t\n\r,\"“”'")
	if strings.HasPrefix(strings.ToLower(s), "the ") {
		s = s[4:]
	}
	start, end, words := 0, 0, 0
	prevUpper := false
	for i := 0; i < len(s) && words < 12; {
		w, ws, we := nameWord(s, i)
		if w == "" {
			break
		}
		lw := formKey(w)
		if nameResets[lw] {
			start, end, words, i = we, we, 0, we
			continue
		}
		next, _, _ := nameWord(s, we)
		if words == 0 && nameStopwords[lw] {
			return ""
		}
		switch {
		case capWord(w):
		case w == "&" && words > 0:
		case words > 0 && (nameConnectors[lw] && capWord(next) || w == "AND" && prevUpper && isAllUpper(next)):
		case words > 0 && lw == "and" && capWord(next) && legalFormAhead(s, we):
		case words > 0 && legalForms[lw]:
		default:
			if words == 0 {
				return l.lowerName(s[ws:])
			}
			return l.trimName(s[start:end])
		}
		if words == 0 {
			start = ws
		}
		words++
		end, i = we, we
		prevUpper = isAllUpper(w)
		// A legal form ends the name, unless another follows ("Co., Ltd.").
		form := words > 1 && legalForms[lw]
		k := i
		if k < len(s) && s[k] == ',' {
			k++
		}
		nw, _, ne := nameWord(s, k)
		if legalForms[formKey(nw)] && nw != "" && (k > i || form) {
			end, i = ne, ne
			words++
			form = true
		}
		if form || k > i {
			break
		}
	}
	return l.trimName(s[start:end])
}

// legalFormAhead reports whether a legal form ends the capitalized words
// from s[i:] before any comma or parenthesis: "Science and Technology Co.,
// Ltd." is one name.
func legalFormAhead(s string, i int) bool {
	for n := 0; n < 8; n++ {
		w, _, we := nameWord(s, i)
		if w == "" {
			return false
		}
		if legalForms[formKey(w)] {
			return true
		}
		if !capWord(w) && !nameConnectors[strings.ToLower(w)] {
			return false
		}
		i = we
	}
	return false
}

// lowerName reads a name of lower-case words that a legal form ends:
// "theglobe.com, Inc.", "i-on interactive, a Florida corporation".
func (l *legal) lowerName(s string) string {
	if w, _, _ := nameWord(s, 0); nameStopwords[strings.ToLower(w)] || nameResets[strings.ToLower(w)] {
		return ""
	}
	i := 0
	for words := 0; words < 4; words++ {
		w, _, we := nameWord(s, i)
		if w == "" {
			return ""
		}
		i = we
		k := i
		if k < len(s) && s[k] == ',' {
			k++
		}
		nw, _, ne := nameWord(s, k)
		if legalForms[formKey(nw)] {
			return strings.TrimSpace(s[:ne])
		}
		if k > i {
			if descriptorRe.MatchString(s[k:min(len(s), k+40)]) {
				return strings.TrimSpace(s[:i])
			}
			return ""
		}
	}
	return ""
}

// nameBefore reads the name that ends s, backwards from its end: "entered
// into by eGain Communications Corporation" gives "eGain Communications
// Corporation". It returns a name only when it ends with a legal form.
func (l *legal) nameBefore(s string) string {
	s = strings.TrimRight(s, " \t\n\r,")
	type span struct{ start, end int }
	var words []span
	i := len(s)
	for len(words) < 10 && i > 0 {
		j := i
		for j > 0 {
			r, size := utf8.DecodeLastRuneInString(s[:j])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("&.'’-/!+_", r) {
				j -= size
				continue
			}
			break
		}
		if j == i {
			break
		}
		w := s[j:i]
		lw := formKey(w)
		if nameResets[lw] || !(capWord(w) || w == "&" || len(words) > 0 && nameConnectors[lw] || legalForms[lw]) {
			break
		}
		// A legal form before the name's other words ends the name before
		// it ("ACME, INC.   BETA CORP." side by side); "Co., Ltd." is one.
		if len(words) > 0 && legalForms[lw] && !legalForms[formKey(s[words[len(words)-1].start:words[len(words)-1].end])] {
			break
		}
		words = append(words, span{j, i})
		i = j
		for i > 0 && (s[i-1] == ' ' || s[i-1] == '\n' || s[i-1] == '\t') {
			i--
		}
		// A comma inside a name only before its legal form.
		if i > 0 && s[i-1] == ',' {
			if !legalForms[lw] {
				break
			}
			i--
			for i > 0 && s[i-1] == ' ' {
				i--
			}
		}
	}
	for len(words) > 0 && nameConnectors[strings.ToLower(s[words[len(words)-1].start:words[len(words)-1].end])] {
		words = words[:len(words)-1]
	}
	// "a Georgia corporation" describes; it names nobody.
	if len(words) > 0 {
		if w := strings.ToLower(lastWord(s[:words[len(words)-1].start])); w == "a" || w == "an" {
			return ""
		}
	}
	if len(words) < 2 || !legalForms[formKey(s[words[0].start:words[0].end])] {
		return ""
	}
	return strings.TrimSpace(s[words[len(words)-1].start:words[0].end])
}

// trimName drops connectors and commas at the end of a name.
func (l *legal) trimName(name string) string {
	name = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(name), ","))
	for {
		f := strings.Fields(name)
		if len(f) == 0 {
			return ""
		}
		if last := f[len(f)-1]; nameConnectors[strings.ToLower(last)] || last == "AND" {
			name = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(name[:strings.LastIndex(name, last)]), ","))
			continue
		}
		return name
	}
}

func isAllUpper(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters > 1
}

// hasSuffix reports whether a name ends with a corporate suffix.
func (l *legal) hasSuffix(name string) bool {
	f := strings.Fields(name)
	if len(f) < 2 {
		return false
	}
	return legalForms[formKey(f[len(f)-1])]
}

// looksLikeParty decides whether a name followed by a defined term is a
// party: it ends with a corporate suffix, the text between says what kind
// of organization or person it is, or its defined term is a party role.
func (l *legal) looksLikeParty(name, seg string, aliases []string) bool {
	if months[strings.ToLower(strings.Fields(name)[0])] > 0 {
		return false
	}
	if l.hasSuffix(name) || descriptorRe.MatchString(seg) {
		return true
	}
	for _, a := range aliases {
		if l.roles[strings.ToLower(a)] {
			return true
		}
	}
	return false
}
