package fastgraph

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// stringStop returns the position of the first byte at or after i that
// ends a string's plain run: a quote, a backslash or a control character
// (len(b) if none), and whether the bytes from i up to it are all ASCII.
// It looks at eight bytes at a time: each byte of a word is tested at once
// by the carry tricks of "bit twiddling hacks" (a byte is zero when
// subtracting one from it borrows, less than n when subtracting n does).
func stringStop(b []byte, i int) (stop int, ascii bool) {
	var high uint64 // the high bits of the bytes passed
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q := w ^ ('"' * lo8)
		s := w ^ ('\\' * lo8)
		m := ((q - lo8) &^ q) | ((s - lo8) &^ s) | ((w - 0x20*lo8) &^ w)
		m &= hi8
		if m != 0 {
			// The lowest flagged byte is the first stop (a borrow can
			// only flag bytes above a true one).
			n := bits.TrailingZeros64(m) / 8
			high |= w & (1<<(8*n) - 1)
			return i + n, high&hi8 == 0
		}
		high |= w
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\\' || c < 0x20 {
			break
		}
		high |= uint64(c)
	}
	return i, high&hi8 == 0
}

// viewStr reads a string whose content starts at b[i] (just after the
// opening quote) and has no escapes: the content as a view of b, and the
// position after the closing quote. ok is false for anything else (an
// escape, a control character, invalid UTF-8, no closing quote).
func viewStr(b []byte, i int) (s string, next int, ok bool) {
	stop, ascii := stringStop(b, i)
	if stop >= len(b) || b[stop] != '"' {
		return "", 0, false
	}
	if !ascii && !utf8.Valid(b[i:stop]) {
		return "", 0, false
	}
	return unsafe.String(unsafe.SliceData(b[i:]), stop-i), stop + 1, true
}

// idAt is viewStr for an id, which is usually a small number: its digits
// are read without looking for escapes.
func idAt(b []byte, i int) (s string, next int, ok bool) {
	j := i
	for j < len(b) && b[j]-'0' <= 9 {
		j++
	}
	if j > i && j < len(b) && b[j] == '"' {
		return unsafe.String(unsafe.SliceData(b[i:]), j-i), j + 1, true
	}
	return viewStr(b, i)
}

// symbolAt is viewStr for a string that is usually one of known (a label,
// a relation type), each given with its closing quote: such a string is
// returned as the constant, without reading it byte by byte.
func symbolAt(b []byte, i int, known []string) (s string, next int, ok bool) {
	for _, k := range known {
		if has(b, i, k) {
			return k[:len(k)-1], i + len(k), true
		}
	}
	return viewStr(b, i)
}

// The RadGraph labels and relation types, each with its closing quote.
var (
	labels        = []string{graph.LabelObservationPres + `"`, graph.LabelAnatomy + `"`, graph.LabelObservationUncer + `"`, graph.LabelObservationAbs + `"`}
	relationTypes = []string{`located_at"`, `modify"`, `suggestive_of"`}
)

// has reports whether b holds lit at i.
func has(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// A literal is a piece of the written layout of 8 to 16 bytes, compared as
// two (overlapping) words.
type literal struct {
	n      int
	w0, w1 uint64
}

func newLiteral(s string) literal {
	if len(s) < 8 || len(s) > 16 {
		panic("fastgraph: a literal has 8 to 16 bytes: " + s)
	}
	return literal{len(s), binary.LittleEndian.Uint64([]byte(s)), binary.LittleEndian.Uint64([]byte(s[len(s)-8:]))}
}

// at reports whether b holds l at i.
func (l *literal) at(b []byte, i int) bool {
	return len(b)-i >= l.n && binary.LittleEndian.Uint64(b[i:]) == l.w0 && binary.LittleEndian.Uint64(b[i+l.n-8:]) == l.w1
}

// The members of an entity in the written layout, each with what comes
// before its value.
var (
	litTokens    = newLiteral(`:{"tokens":"`)
	litLabel     = newLiteral(`,"label":"`)
	litStartIx   = newLiteral(`,"start_ix":`)
	litEndIx     = newLiteral(`,"end_ix":`)
	litRelations = newLiteral(`,"relations":[`)
)

// skipIndexAt is the position after the token index at b[i], a JSON
// integer without sign, exponent or fraction ("0", "17"); ok is false for
// anything else.
func skipIndexAt(b []byte, i int) (next int, ok bool) {
	start := i
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	n := i - start
	return i, n == 1 || n > 1 && b[start] != '0' && n <= 18
}

// blank reports whether s is empty or white space only: an id or type
// that the general reader leaves to the slow path's validation.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < utf8.RuneSelf {
		return false
	}
	return strings.TrimSpace(s) == ""
}

// compactSet reads the entities object of an annotation written without
// spaces, every entity laid out as the project's writers and the RadGraph
// files lay it out:
//
//	{"ID":{"tokens":"...","label":"...","start_ix":N,"end_ix":N,"relations":[["TYPE","ID"],...]},...}
//
// into s, as views of the line. It reads straight through, with no key
// lookups and no calls per byte. For anything else (another layout,
// escapes, an empty id or type) it returns false, with s partly filled:
// the caller resets s and reads the object with the general reader.
func (d *decoder) compactSet(s *scorers.RadGraphSet) bool {
	b, i := d.b, d.i
	if !has(b, i, "{") {
		return false
	}
	i++
	if has(b, i, "}") {
		d.i = i + 1
		return true
	}
	var ok bool
	for {
		var id, tokens, label string
		if !has(b, i, `"`) {
			return false
		}
		if id, i, ok = idAt(b, i+1); !ok || blank(id) || !litTokens.at(b, i) {
			return false
		}
		if tokens, i, ok = viewStr(b, i+litTokens.n); !ok || !litLabel.at(b, i) {
			return false
		}
		if label, i, ok = symbolAt(b, i+litLabel.n, labels); !ok || !litStartIx.at(b, i) {
			return false
		}
		if i, ok = skipIndexAt(b, i+litStartIx.n); !ok || !litEndIx.at(b, i) {
			return false
		}
		if i, ok = skipIndexAt(b, i+litEndIx.n); !ok || !litRelations.at(b, i) {
			return false
		}
		i += litRelations.n
		s.Entity(id, tokens, label)
		if has(b, i, "]") {
			i++
		} else {
			for {
				var typ, target string
				if !has(b, i, `["`) {
					return false
				}
				if typ, i, ok = symbolAt(b, i+2, relationTypes); !ok || blank(typ) || !has(b, i, `,"`) {
					return false
				}
				if target, i, ok = idAt(b, i+2); !ok || !has(b, i, "]") {
					return false
				}
				s.Relation(typ, target)
				i++
				if has(b, i, ",") {
					i++
					continue
				}
				if !has(b, i, "]") {
					return false
				}
				i++
				break
			}
		}
		if !has(b, i, "}") {
			return false
		}
		i++
		if has(b, i, ",") {
			i++
			continue
		}
		if !has(b, i, "}") {
			return false
		}
		d.i = i + 1
		return true
	}
}
