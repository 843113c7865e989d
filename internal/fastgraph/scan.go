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
// are read without looking for escapes. A blank id fails (the general
// reader leaves it to the slow path's validation).
func idAt(b []byte, i int) (s string, next int, ok bool) {
	j := i
	for j < len(b) && b[j]-'0' <= 9 {
		j++
	}
	if j > i && j < len(b) && b[j] == '"' {
		return unsafe.String(unsafe.SliceData(b[i:]), j-i), j + 1, true
	}
	return nonBlank(viewStr(b, i))
}

// nonBlank passes viewStr's result on, failing for a blank string.
func nonBlank(s string, next int, ok bool) (string, int, bool) {
	return s, next, ok && !blank(s)
}

// symbolAt is viewStr for a string that is usually one of known (a label,
// a relation type): such a string is returned as the constant, found by
// comparing words instead of reading it byte by byte. A blank string fails
// (a blank type is left to the slow path's validation; a blank label
// would fail it).
func symbolAt(b []byte, i int, known []symbol) (s string, next int, ok bool) {
	if len(b)-i >= 16 {
		w0, w1 := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		for k := range known {
			if c := &known[k]; w0&c.m0 == c.w0 && w1&c.m1 == c.w1 {
				return c.s, i + len(c.s) + 1, true
			}
		}
	}
	return nonBlank(viewStr(b, i))
}

// A symbol is a known string of up to 15 bytes and its closing quote, as
// the two little-endian words (w0, w1) it makes and the masks (m0, m1) of
// its bytes in them.
type symbol struct {
	s              string
	w0, w1, m0, m1 uint64
}

func newSymbols(ss ...string) []symbol {
	out := make([]symbol, len(ss))
	for k, s := range ss {
		if len(s) > 15 {
			panic("fastgraph: a symbol has up to 15 bytes: " + s)
		}
		var b, m [16]byte
		copy(b[:], s+`"`)
		for j := range len(s) + 1 {
			m[j] = 0xff
		}
		out[k] = symbol{s, binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:]),
			binary.LittleEndian.Uint64(m[:]), binary.LittleEndian.Uint64(m[8:])}
	}
	return out
}

// The RadGraph labels and relation types.
var (
	labels        = newSymbols(graph.LabelObservationPres, graph.LabelAnatomy, graph.LabelObservationUncer, graph.LabelObservationAbs)
	relationTypes = newSymbols("located_at", "modify", "suggestive_of")
)

// is reports whether b holds c at i; is2, c and d.
func is(b []byte, i int, c byte) bool { return i < len(b) && b[i] == c }

func is2(b []byte, i int, c, d byte) bool { return i+1 < len(b) && b[i] == c && b[i+1] == d }

// The members of an entity in the written layout, each with what comes
// before its value. Compared as constants, with no call: the compiler
// turns a comparison with a constant string of up to 16 bytes into a few
// word comparisons.
const (
	litTokens    = `:{"tokens":"`
	litLabel     = `,"label":"`
	litStartIx   = `,"start_ix":`
	litEndIx     = `,"end_ix":`
	litRelations = `,"relations":[`
)

func atTokens(b []byte, i int) bool {
	return len(b)-i >= len(litTokens) && string(b[i:i+len(litTokens)]) == litTokens
}

func atLabel(b []byte, i int) bool {
	return len(b)-i >= len(litLabel) && string(b[i:i+len(litLabel)]) == litLabel
}

func atStartIx(b []byte, i int) bool {
	return len(b)-i >= len(litStartIx) && string(b[i:i+len(litStartIx)]) == litStartIx
}

func atEndIx(b []byte, i int) bool {
	return len(b)-i >= len(litEndIx) && string(b[i:i+len(litEndIx)]) == litEndIx
}

func atRelations(b []byte, i int) bool {
	return len(b)-i >= len(litRelations) && string(b[i:i+len(litRelations)]) == litRelations
}

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
	if !is(b, i, '{') {
		return false
	}
	i++
	if is(b, i, '}') {
		d.i = i + 1
		return true
	}
	var ok bool
	for {
		var id, tokens, label string
		if !is(b, i, '"') {
			return false
		}
		if id, i, ok = idAt(b, i+1); !ok || !atTokens(b, i) {
			return false
		}
		if tokens, i, ok = viewStr(b, i+len(litTokens)); !ok || !atLabel(b, i) {
			return false
		}
		if label, i, ok = symbolAt(b, i+len(litLabel), labels); !ok || !atStartIx(b, i) {
			return false
		}
		if i, ok = skipIndexAt(b, i+len(litStartIx)); !ok || !atEndIx(b, i) {
			return false
		}
		if i, ok = skipIndexAt(b, i+len(litEndIx)); !ok || !atRelations(b, i) {
			return false
		}
		i += len(litRelations)
		s.Entity(id, tokens, label)
		if is(b, i, ']') {
			i++
		} else {
			for {
				var typ, target string
				if !is2(b, i, '[', '"') {
					return false
				}
				if typ, i, ok = symbolAt(b, i+2, relationTypes); !ok || !is2(b, i, ',', '"') {
					return false
				}
				if target, i, ok = idAt(b, i+2); !ok || !is(b, i, ']') {
					return false
				}
				s.Relation(typ, target)
				i++
				if is(b, i, ',') {
					i++
					continue
				}
				if !is(b, i, ']') {
					return false
				}
				i++
				break
			}
		}
		if !is(b, i, '}') {
			return false
		}
		i++
		if is(b, i, ',') {
			i++
			continue
		}
		if !is(b, i, '}') {
			return false
		}
		d.i = i + 1
		return true
	}
}
