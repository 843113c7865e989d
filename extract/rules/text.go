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

// abbreviations end with a period that does not end a sentence.
var abbreviations = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "vs": true, "approx": true, "e.g": true, "i.e": true,
	"fig": true, "st": true, "inc": true, "ltd": true, "co": true, "corp": true, "jr": true,
	"sr": true, "etc": true, "cf": true, "al": true, "u.s": true, "n.a": true, "llc": true,
}

// Sentences splits text into sentences, recognizing section headings
// ("FINDINGS:", "Impression:") as known by the ontology, numbered list items
// ("1. ..."), decimals ("1.5 cm") and abbreviations with periods ("vs.").
func Sentences(text string, headings []string) []Sentence {
	var out []Sentence
	section := ""
	start := 0
	emit := func(end int) {
		s, e := trimSpan(text, start, end)
		if e > s {
			out = append(out, Sentence{Start: s, End: e, Section: section})
		}
		start = end
	}
	for i := 0; i < len(text); {
		// A heading at the start of a sentence: words then a colon.
		if isSentenceStart(text, start, i) {
			if h, n := matchHeading(text[i:], headings); n > 0 {
				emit(i)
				section = h
				i += n
				start = i
				continue
			}
			// A list marker "1." or "2)" is not a sentence end.
			if n := listMarker(text[i:]); n > 0 {
				i += n
				continue
			}
		}
		c := text[i]
		switch {
		case c == '\n' && i+1 < len(text) && text[i+1] == '\n':
			emit(i + 1)
		case c == '.' || c == '!' || c == '?':
			if c == '.' && !periodEndsSentence(text, i) {
				break
			}
			emit(i + 1)
		}
		i++
	}
	emit(len(text))
	return out
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

// isSentenceStart reports whether only spaces lie between start and i.
func isSentenceStart(text string, start, i int) bool {
	for k := start; k < i; k++ {
		if !isSpace(text[k]) {
			return false
		}
	}
	return i < len(text) && !isSpace(text[i])
}

func matchHeading(s string, headings []string) (string, int) {
	for _, h := range headings {
		if len(s) > len(h) && strings.EqualFold(s[:len(h)], h) {
			rest := s[len(h):]
			j := 0
			for j < len(rest) && rest[j] == ' ' {
				j++
			}
			if j < len(rest) && rest[j] == ':' {
				return strings.ToLower(h), len(h) + j + 1
			}
		}
	}
	return "", 0
}

func listMarker(s string) int {
	j := 0
	for j < len(s) && j < 3 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 || j >= len(s) || (s[j] != '.' && s[j] != ')') {
		return 0
	}
	if j+1 < len(s) && !isSpace(s[j+1]) {
		return 0
	}
	return j + 1
}

// periodEndsSentence decides whether the period at i ends a sentence.
func periodEndsSentence(text string, i int) bool {
	// Decimal: digit.digit
	if i > 0 && i+1 < len(text) && isDigit(text[i-1]) && isDigit(text[i+1]) {
		return false
	}
	// Abbreviation: the word before the period.
	j := i
	for j > 0 && (isLetter(text[j-1]) || text[j-1] == '.') {
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
	if i+1 < len(text) && !isSpace(text[i+1]) && text[i+1] != '"' && text[i+1] != ')' {
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
// and single punctuation tokens for , ; : ( ).
func tokenize(text string, start, end int) []token {
	var toks []token
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
		case r == ',' || r == ';' || r == ':' || r == '(' || r == ')':
			toks = append(toks, token{text: string(r), start: i, end: i + size})
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
