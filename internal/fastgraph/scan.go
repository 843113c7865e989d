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
// are read, and their value kept, without looking for escapes. num is the
// id's value when it is a decimal number below 4096 without leading zeros,
// else -1 (as scorers.RadGraphSet.KnownEntity takes it). A blank id fails
// (the general reader leaves it to the slow path's validation).
func idAt(b []byte, i int) (s string, num, next int, ok bool) {
	j, n := i, 0
	for ; j < len(b); j++ {
		d := b[j] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int(d)
	}
	if j > i && j < len(b) && b[j] == '"' {
		if j-i > 4 || j-i > 1 && b[i] == '0' || n >= 4096 {
			n = -1
		}
		return unsafe.String(unsafe.SliceData(b[i:]), j-i), n, j + 1, true
	}
	s, next, ok = viewStr(b, i)
	return s, -1, next, ok && !blank(s)
}

// A template is a run of up to 32 bytes that the written layout has at a
// place, with the code of the label or relation type it spells. Where the
// line has 32 bytes left it is compared as four little-endian words, the
// bytes past its end masked off, instead of byte by byte.
type template struct {
	s    string
	w, m [4]uint64
	code uint8
}

func newTemplate(s string, code uint8) template {
	if len(s) > 32 {
		panic("fastgraph: a template has up to 32 bytes: " + s)
	}
	var b, m [32]byte
	copy(b[:], s)
	for j := range len(s) {
		m[j] = 0xff
	}
	t := template{s: s, code: code}
	for k := range 4 {
		t.w[k], t.m[k] = binary.LittleEndian.Uint64(b[8*k:]), binary.LittleEndian.Uint64(m[8*k:])
	}
	return t
}

// at reports whether b holds the template at i.
func (t *template) at(b []byte, i int) bool {
	if len(b)-i < 32 {
		return len(b)-i >= len(t.s) && string(b[i:i+len(t.s)]) == t.s
	}
	a := (*[32]byte)(b[i : i+32])
	return (binary.LittleEndian.Uint64(a[0:])^t.w[0])&t.m[0]|(binary.LittleEndian.Uint64(a[8:])^t.w[1])&t.m[1]|
		(binary.LittleEndian.Uint64(a[16:])^t.w[2])&t.m[2]|(binary.LittleEndian.Uint64(a[24:])^t.w[3])&t.m[3] == 0
}

// The parts of an entity between its variable members: after an entity's
// tokens, its label with what surrounds it; the start of a relation, with
// its type.
var (
	labelTemplates = [...]template{
		newTemplate(`,"label":"`+graph.LabelAnatomy+`","start_ix":`, scorers.CodeAnatomy),
		newTemplate(`,"label":"`+graph.LabelObservationPres+`","start_ix":`, scorers.CodeObservationPres),
		newTemplate(`,"label":"`+graph.LabelObservationUncer+`","start_ix":`, scorers.CodeObservationUncer),
		newTemplate(`,"label":"`+graph.LabelObservationAbs+`","start_ix":`, scorers.CodeObservationAbs),
	}
	relationTemplates = [...]template{
		newTemplate(`["located_at","`, scorers.CodeLocatedAt),
		newTemplate(`["modify","`, scorers.CodeModify),
		newTemplate(`["suggestive_of","`, scorers.CodeSuggestiveOf),
	}
)

// labelAt reads the label of an entity, from the comma after its tokens
// to the start of its start_ix, when it is one of RadGraph's: its code and
// the position after. The label's first letter, and for the observations
// its fifth and sixth, tell which to compare.
func labelAt(b []byte, i int) (code uint8, next int, ok bool) {
	if len(b)-i < 16 {
		return 0, 0, false
	}
	var t *template
	switch l := b[i+10:]; {
	case l[0] == 'A':
		t = &labelTemplates[0]
	case l[4] == 'U':
		t = &labelTemplates[2]
	case l[5] == 'P':
		t = &labelTemplates[1]
	default:
		t = &labelTemplates[3]
	}
	if !t.at(b, i) {
		return 0, 0, false
	}
	return t.code, i + len(t.s), true
}

// relationAt reads the start of a relation, from its opening bracket to
// the opening quote of its target, when its type is one of RadGraph's: the
// type's code and the position after. The type's first letter tells which
// to compare.
func relationAt(b []byte, i int) (code uint8, next int, ok bool) {
	if len(b)-i < 3 {
		return 0, 0, false
	}
	var t *template
	switch b[i+2] {
	case 'l':
		t = &relationTemplates[0]
	case 'm':
		t = &relationTemplates[1]
	case 's':
		t = &relationTemplates[2]
	default:
		return 0, 0, false
	}
	if !t.at(b, i) {
		return 0, 0, false
	}
	return t.code, i + len(t.s), true
}

// is reports whether b holds c at i.
func is(b []byte, i int, c byte) bool { return i < len(b) && b[i] == c }

// The members of an entity in the written layout, each with what comes
// before its value. Compared as constants, with no call: the compiler
// turns a comparison with a constant string of up to 16 bytes into a few
// word comparisons.
const (
	litTokens    = `:{"tokens":"`
	litEndIx     = `,"end_ix":`
	litRelations = `,"relations":[`
)

func atTokens(b []byte, i int) bool {
	return len(b)-i >= len(litTokens) && string(b[i:i+len(litTokens)]) == litTokens
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
		var id, tokens, target string
		var num int
		var code uint8
		if !is(b, i, '"') {
			return false
		}
		if id, num, i, ok = idAt(b, i+1); !ok || !atTokens(b, i) {
			return false
		}
		if tokens, i, ok = viewStr(b, i+len(litTokens)); !ok {
			return false
		}
		if code, i, ok = labelAt(b, i); !ok {
			return false
		}
		if i, ok = skipIndexAt(b, i); !ok || !atEndIx(b, i) {
			return false
		}
		if i, ok = skipIndexAt(b, i+len(litEndIx)); !ok || !atRelations(b, i) {
			return false
		}
		i += len(litRelations)
		s.KnownEntity(id, num, tokens, code)
		if is(b, i, ']') {
			i++
		} else {
			for {
				if code, i, ok = relationAt(b, i); !ok {
					return false
				}
				if target, num, i, ok = idAt(b, i); !ok || !is(b, i, ']') {
					return false
				}
				s.KnownRelation(code, target, num)
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
