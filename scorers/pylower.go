package scorers

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// pyLower lower-cases s as Python's str.lower does, which the reference
// implementation of the RadGraph rewards uses: like strings.ToLower, except
// that it applies the two context rules of Unicode's full case mapping that
// Python implements: İ (U+0130) becomes "i̇" (i and a combining dot above),
// and a capital sigma at the end of a word becomes a final sigma ς.
func pyLower(s string) string {
	if !needsLower(s) {
		return s
	}
	return string(appendPyLower(nil, s))
}

// needsLower reports whether s may change when lower-cased: it has an
// ASCII capital or any non-ASCII character.
func needsLower(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		if w&hi8 != 0 || capitals(w) != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// capitals marks the ASCII capitals among the eight bytes of w: the high
// bit of each such byte is set in the result. Each byte is tested on its
// own (its low seven bits plus a constant stay below 0x100, so no carry
// reaches the next byte); bytes of 0x80 and above are never marked.
func capitals(w uint64) uint64 {
	t := w &^ hi8
	atLeastA := t + (0x80-'A')*lo8
	aboveZ := t + (0x80-'Z'-1)*lo8
	return atLeastA &^ aboveZ &^ w & hi8
}

// appendPyLower appends pyLower(s) to dst.
func appendPyLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			// Eight ASCII bytes at once: a capital's high bit, shifted
			// down two places, is its 0x20 case bit.
			w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
			if w&hi8 == 0 {
				dst = binary.LittleEndian.AppendUint64(dst, w|capitals(w)>>2)
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case 'İ':
			dst = append(dst, "i\u0307"...)
		case 'Σ':
			if finalSigma(s, i, size) {
				dst = utf8.AppendRune(dst, 'ς')
			} else {
				dst = utf8.AppendRune(dst, 'σ')
			}
		default:
			dst = utf8.AppendRune(dst, lowerRune(r))
		}
		i += size
	}
	return dst
}

// lowerRune is unicode.ToLower, answering the Latin-1 and Greek letters
// (accented capitals, Greek capitals and their lower-case forms) without
// a table search.
func lowerRune(r rune) rune {
	switch {
	case r >= 0xc0 && r <= 0xde && r != 0xd7, r >= 0x391 && r <= 0x3a9 && r != 0x3a2:
		return r + 0x20 // À–Þ but ×; Α–Ω
	case r >= 0xdf && r <= 0xff, r >= 0x3b1 && r <= 0x3c9:
		return r // ß–ÿ; α–ω
	}
	return unicode.ToLower(r)
}

// finalSigma is Unicode's Final_Sigma condition for the sigma of size bytes
// at s[i]: a cased letter comes before it and none after it, skipping
// case-ignorable characters.
func finalSigma(s string, i, size int) bool {
	j := i
	for {
		if j == 0 {
			return false
		}
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !caseIgnorable(r) {
			if !cased(r) {
				return false
			}
			break
		}
		j -= n
	}
	for k := i + size; k < len(s); {
		r, n := utf8.DecodeRuneInString(s[k:])
		if !caseIgnorable(r) {
			return !cased(r)
		}
		k += n
	}
	return true
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
