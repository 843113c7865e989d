package scorers

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyLower lower-cases s as Python's str.lower does, which the reference
// implementation of the RadGraph rewards uses: like strings.ToLower, except
// that it applies the two context rules of Unicode's full case mapping that
// Python implements: İ (U+0130) becomes "i̇" (i and a combining dot above),
// and a capital sigma at the end of a word becomes a final sigma ς.
func pyLower(s string) string {
	special := false
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			special = strings.ContainsRune(s, 'İ') || strings.ContainsRune(s, 'Σ')
			break
		}
	}
	if !special {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if finalSigma(rs, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition: a cased letter comes
// before position i and none after it, skipping case-ignorable characters.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	k := i + 1
	for k < len(rs) && caseIgnorable(rs[k]) {
		k++
	}
	return k == len(rs) || !cased(rs[k])
}

func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.In(r, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', '\u00b7', '\u2018', '\u2019', '\u2024', '\u2027', '\u00ad':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
