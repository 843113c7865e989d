package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentence is one sentence of a document with the section it belongs to.
type Sentence struct {
	Start, End int    // byte offsets in the document
	Section    string // lower-cased heading, "" before any heading
}

// abbreviations end with a period that does not end a sentence. Each is the
// lower-cased word before the period, inner periods kept ("e.g", "u.s").
var abbreviations = map[string]bool{
	// General and scientific writing.
	"dr": true, "mr": true, "mrs": true, "ms": true, "prof": true, "vs": true, "approx": true, "e.g": true,
	"i.e": true, "fig": true, "figs": true, "st": true, "jr": true, "sr": true, "etc": true, "cf": true,
	"al": true, "incl": true, "esp": true, "a.m": true, "p.m": true,
	// Legal writing.
	"inc": true, "ltd": true, "co": true, "corp": true, "u.s": true, "n.a": true, "llc": true,
	// Radiology shorthand: "PA and lat. views", "ant. and post. segments".
	"lat": true, "ant": true, "pt": true, "pts": true, "y.o": true, "yo": true, "hx": true, "sx": true,
	"eval": true, "w/o": true,
}

// maxAbbreviation is the length of the longest abbreviation: the word
// before a period is looked for no further back than that.
var maxAbbreviation = func() int {
	n := 0
	for a := range abbreviations {
		n = max(n, len(a))
	}
	return n
}()

// MaxSentenceBytes bounds a sentence: a longer one (text without sentence
// ends, as hostile or garbled documents hold) is cut at white space into
// pieces no longer than this, so that the work per sentence, which grows
// faster than its length, stays bounded. The longest sentence of the 255
// CUAD contracts has 7,525 bytes.
const MaxSentenceBytes = 8000

// Sentences splits text into sentences, recognizing section headings
// ("FINDINGS:", "Impression:", or a heading alone on its line) as known by
// the ontology, numbered list items ("1. ...", "2) ..."), bullets at the
// start of a line, decimals ("1.5 cm") and abbreviations with periods
// ("vs.", "e.g."). A blank line ends a sentence; a single line break does
// not, unless a list item, bullet or heading starts the next line. A
// sentence longer than MaxSentenceBytes is cut into pieces.
func Sentences(text string, headings []string) []Sentence {
	var out []Sentence
	section := ""
	start := 0
	inList := false       // a numbered item has been seen in this section
	var initial [256]bool // first letters of the headings, either case
	for _, h := range headings {
		if h != "" {
			initial[h[0]] = true
			initial[strings.ToUpper(h[:1])[0]] = true
		}
	}
	emit := func(end int) {
		s, e := trimSpan(text, start, end)
		for e-s > MaxSentenceBytes {
			cut := cutSentence(text, s, s+MaxSentenceBytes)
			if p, q := trimSpan(text, s, cut); q > p {
				out = append(out, Sentence{Start: p, End: q, Section: section})
			}
			s, e = trimSpan(text, cut, e)
		}
		if e > s {
			out = append(out, Sentence{Start: s, End: e, Section: section})
		}
		start = end
	}
	// isSentenceStart reports whether only white space lies between start
	// and i, and text[i] is not white space. textAt, the first byte at or
	// after spaceFrom that is not white space, is kept from call to call:
	// start only moves forward, so a long run of spaces is scanned once.
	spaceFrom, textAt := -1, 0
	isSentenceStart := func(i int) bool {
		if i >= len(text) || isSpace(text[i]) {
			return false
		}
		if spaceFrom < 0 || start < spaceFrom || start > textAt {
			spaceFrom, textAt = start, start
			for textAt < len(text) && isSpace(text[textAt]) {
				textAt++
			}
		}
		return textAt >= i
	}
	for i := 0; i < len(text); {
		if isSentenceStart(i) {
			// A heading at the start of a sentence: its words then a colon,
			// or its words alone on their line.
			if h, n := matchHeadingIf(initial[text[i]], text, i, headings, true); n > 0 {
				emit(i)
				section, inList = h, false
				i += n
				start = i
				continue
			}
			// A list marker "1." or "2)" or a bullet is not a sentence end
			// and not part of the sentence.
			if n := listMarker(text[i:]); n > 0 {
				i += n
				start = i
				inList = true
				continue
			}
		} else if text[i] >= 'A' && text[i] <= 'Z' && initial[text[i]] && i > 0 && text[i-1] == ' ' {
			// A capitalized heading with a colon inside a run-on line:
			// "... no effusion Impression: ...".
			if h, n := matchHeading(text, i, headings, false); n > 0 {
				emit(i)
				section, inList = h, false
				i += n
				start = i
				continue
			}
		}
		c := text[i]
		switch {
		case c == '\n':
			if i+1 < len(text) && text[i+1] == '\n' || startsItem(text, i+1, headings) {
				emit(i + 1)
			}
		case c == '.' || c == '!' || c == '?':
			if c == '.' && !periodEndsSentence(text, i) {
				break
			}
			// In a numbered list, "... effusion 2. No pneumothorax" starts
			// item 2 at its number.
			if c == '.' && inList {
				if k := itemNumberBefore(text, start, i); k > 0 {
					emit(k)
					i = k
					continue
				}
			}
			// Keep runs of periods ("effusion..") in one sentence end.
			for i+1 < len(text) && (text[i+1] == '.' || text[i+1] == '!' || text[i+1] == '?') {
				i++
			}
			emit(i + 1)
		}
		i++
	}
	emit(len(text))
	return out
}

// itemNumberBefore returns the offset of a one- or two-digit number that
// directly precedes the period at i after a space, inside the sentence
// that starts at start, or 0.
func itemNumberBefore(text string, start, i int) int {
	k := i
	for k > start && isDigit(text[k-1]) && i-k < 2 {
		k--
	}
	if k == i || k-1 <= start || text[k-1] != ' ' || k > start && isDigit(text[k-1]) {
		return 0
	}
	if i+1 < len(text) && text[i+1] != ' ' {
		return 0
	}
	return k
}

// startsItem reports whether the line starting at i (after spaces) opens a
// list item, a bullet or a heading: a single line break before it ends the
// sentence.
func startsItem(text string, i int, headings []string) bool {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
		i++
	}
	if i >= len(text) {
		return false
	}
	if listMarker(text[i:]) > 0 {
		return true
	}
	_, n := matchHeading(text, i, headings, true)
	return n > 0
}

func trimSpan(text string, s, e int) (int, int) {
	for s < e && isSpace(text[s]) {
		s++
	}
	for e > s && isSpace(text[e-1]) {
		e--
	}
	return s, e
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// cutSentence returns where to cut an overlong sentence that starts at s:
// after the last white space before limit, else at limit, moved back to
// the start of a UTF-8 sequence.
func cutSentence(text string, s, limit int) int {
	for k := limit - 1; k > s; k-- {
		if isSpace(text[k]) {
			return k + 1
		}
	}
	for limit > s+1 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	return limit
}

// matchHeading matches a known heading at text[i:]: its words (any case)
// followed by a colon, or, when alone is set, followed by the end of the
// line. It returns the lower-cased heading and the length consumed.
func matchHeading(text string, i int, headings []string, alone bool) (string, int) {
	s := text[i:]
	for _, h := range headings {
		if len(s) < len(h) || !strings.EqualFold(s[:len(h)], h) {
			continue
		}
		rest := s[len(h):]
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		switch {
		case j < len(rest) && rest[j] == ':':
			return strings.ToLower(h), len(h) + j + 1
		case alone && (j == len(rest) || rest[j] == '\n' || rest[j] == '\r') && lineStart(text, i):
			return strings.ToLower(h), len(h) + j
		}
	}
	return "", 0
}

// matchHeadingIf is matchHeading when ok, else no match: the caller's
// cheap test (the first letter of a heading) spares the comparisons.
func matchHeadingIf(ok bool, text string, i int, headings []string, alone bool) (string, int) {
	if !ok {
		return "", 0
	}
	return matchHeading(text, i, headings, alone)
}

// lineStart reports whether only spaces precede i on its line.
func lineStart(text string, i int) bool {
	for k := i - 1; k >= 0; k-- {
		switch text[k] {
		case '\n':
			return true
		case ' ', '\t', '\r':
		default:
			return false
		}
	}
	return true
}

// listMarker returns the length of a list marker at the start of s: one to
// three digits then "." or ")" then a space ("1. ", "12) "), or a bullet
// ("- ", "* ", "• ").
func listMarker(s string) int {
	if strings.HasPrefix(s, "• ") {
		return len("• ")
	}
	if len(s) >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ' {
		return 2
	}
	j := 0
	for j < len(s) && j < 3 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 || j >= len(s) || (s[j] != '.' && s[j] != ')') {
		return 0
	}
	// "2.," as in "2., Mild ..." is a marker too.
	k := j + 1
	if k < len(s) && s[k] == ',' {
		k++
	}
	if k < len(s) && !isSpace(s[k]) {
		return 0
	}
	return k
}

// periodEndsSentence decides whether the period at i ends a sentence.
func periodEndsSentence(text string, i int) bool {
	// Decimal: digit.digit ("1.5"), and ".5" after a space.
	if i+1 < len(text) && isDigit(text[i+1]) && (i == 0 || isDigit(text[i-1]) || text[i-1] == ' ') {
		return false
	}
	// Abbreviation: the word before the period.
	// (A word longer than every abbreviation is none: the walk back stops
	// there, so a run of "a.a.a..." costs no more than a word.)
	j := i
	for j > 0 && i-j <= maxAbbreviation && (isLetter(text[j-1]) || text[j-1] == '.' || text[j-1] == '/') {
		j--
	}
	word := strings.ToLower(text[j:i])
	if abbreviations[word] {
		return false
	}
	// Single capital initial ("J. Smith").
	if i-j == 1 && unicode.IsUpper(rune(text[j])) && i+1 < len(text) && text[i+1] == ' ' {
		return false
	}
	// A period not followed by space or end (e.g. "e.g", "U.S.A") continues.
	if i+1 < len(text) && !isSpace(text[i+1]) && text[i+1] != '"' && text[i+1] != ')' && text[i+1] != '.' {
		return false
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// token is one word or punctuation mark of a sentence.
type token struct {
	text       string // lower-cased
	start, end int    // byte offsets in the document
}

// tokenize splits text[start:end] into lower-cased word tokens (letters,
// digits, and inner hyphens, apostrophes, slashes and periods of decimals)
// and single punctuation tokens for , ; : ( ) and >; the sign × becomes
// the token "x".
func tokenize(text string, start, end int) []token {
	return tokenizeInto(nil, text, start, end)
}

// tokenizeInto is tokenize appending to toks.
func tokenizeInto(toks []token, text string, start, end int) []token {
	i := start
	for i < end {
		r, size := utf8.DecodeRuneInString(text[i:end])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + size
			for j < end {
				r2, s2 := utf8.DecodeRuneInString(text[j:end])
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					j += s2
					continue
				}
				// Inner joiners: "x-ray", "non-compete", "1.5", "o'clock", "and/or".
				if (r2 == '-' || r2 == '\'' || r2 == '/' || r2 == '.' && isDigit(text[j-1])) && j+1 < end {
					r3, _ := utf8.DecodeRuneInString(text[j+1 : end])
					if unicode.IsLetter(r3) || unicode.IsDigit(r3) {
						if r2 == '.' && !unicode.IsDigit(r3) {
							break
						}
						j += s2
						continue
					}
				}
				break
			}
			toks = append(toks, token{text: strings.ToLower(text[i:j]), start: i, end: j})
			i = j
		case r == ',' || r == ';' || r == ':' || r == '(' || r == ')' || r == '>':
			toks = append(toks, token{text: string(r), start: i, end: i + size})
			i += size
		case r == '×':
			// The multiplication sign of "1.5 × 2.0 cm" reads as "x".
			toks = append(toks, token{text: "x", start: i, end: i + size})
			i += size
		default:
			i += size
		}
	}
	return toks
}

// phraseTokens splits a lexicon term or cue into its tokens the same way.
func phraseTokens(s string) []string {
	toks := tokenize(s, 0, len(s))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.text
	}
	return out
}
