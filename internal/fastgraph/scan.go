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

// controlAt is the position of the first control character (below 0x20)
// in b, or -1; it looks at eight bytes at a time, as stringStop does.
func controlAt(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if m := (w - 0x20*lo8) &^ w & hi8; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return i
		}
	}
	return -1
}

// view is b[i:j] as a string sharing b's memory, for i and j that the
// caller found within b (0 <= i < len(b), i <= j <= len(b)): slicing would
// check them again. (i must be inside b: a pointer just past the end of b
// is not a valid pointer, even for an empty string.)
func view(b []byte, i, j int) string {
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), i)), j-i)
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
	return view(b, i, stop), stop + 1, true
}

// digitsAt reads the decimal digits at b[i]: their value when they are a
// number below 4096 written without leading zeros, else -1 (an id as
// scorers.RadGraphSet.KnownEntity takes it), and the position after them.
func digitsAt(b []byte, i int) (num, next int) {
	j, n := i, 0
	for ; j < len(b) && b[j]-'0' <= 9; j++ {
		n = n*10 + int(b[j]-'0')
	}
	if j-i > 4 || j-i > 1 && b[i] == '0' || n >= 4096 || j == i {
		n = -1
	}
	return n, j
}

// idAt reads an id whose content starts at b[i] (after its opening quote):
// the id as a view of b, its number (digitsAt; -1 for none) and the
// position after its closing quote. An id is usually a small number, read
// by its digits; anything else is read as viewStr reads it. A blank id
// fails (the general reader leaves it to the slow path's validation).
func idAt(b []byte, i int) (s string, num, next int, ok bool) {
	if num, end := digitsAt(b, i); end > i && is(b, end, '"') {
		return view(b, i, end), num, end + 1, true
	}
	s, next, ok = viewStr(b, i)
	return s, -1, next, ok && !blank(s)
}

// A template is a run of up to 32 bytes that the written layout has at a
// place, compared as four little-endian words, the bytes past its end
// masked off, instead of byte by byte.
type template struct {
	w, m [4]uint64
	n    int
}

func newTemplate(s string) template {
	if len(s) > 32 {
		panic("fastgraph: a template has up to 32 bytes: " + s)
	}
	var b, m [32]byte
	copy(b[:], s)
	for j := range len(s) {
		m[j] = 0xff
	}
	t := template{n: len(s)}
	for k := range 4 {
		t.w[k], t.m[k] = binary.LittleEndian.Uint64(b[8*k:]), binary.LittleEndian.Uint64(m[8*k:])
	}
	return t
}

// matches reports whether the 32 bytes of a start with the template.
func (t *template) matches(a *[32]byte) bool {
	return (binary.LittleEndian.Uint64(a[0:])^t.w[0])&t.m[0]|(binary.LittleEndian.Uint64(a[8:])^t.w[1])&t.m[1]|
		(binary.LittleEndian.Uint64(a[16:])^t.w[2])&t.m[2]|(binary.LittleEndian.Uint64(a[24:])^t.w[3])&t.m[3] == 0
}

// window is the 32 bytes of b from i or, where b has fewer left, those
// copied to pad and padded with zeros (which no template has).
func window(b []byte, i int, pad *[32]byte) *[32]byte {
	if len(b)-i >= 32 {
		return (*[32]byte)(b[i : i+32])
	}
	*pad = [32]byte{}
	copy(pad[:], b[i:])
	return pad
}

// The parts of an entity between its variable members: after an entity's
// tokens, its label with what surrounds it, by label code; the start of a
// relation, with its type, by type code.
var (
	labelTemplates = [...]template{
		scorers.CodeAnatomy:          newTemplate(`,"label":"` + graph.LabelAnatomy + `","start_ix":`),
		scorers.CodeObservationPres:  newTemplate(`,"label":"` + graph.LabelObservationPres + `","start_ix":`),
		scorers.CodeObservationUncer: newTemplate(`,"label":"` + graph.LabelObservationUncer + `","start_ix":`),
		scorers.CodeObservationAbs:   newTemplate(`,"label":"` + graph.LabelObservationAbs + `","start_ix":`),
	}
	relationTemplates = [...]template{
		scorers.CodeLocatedAt:    newTemplate(`["located_at","`),
		scorers.CodeModify:       newTemplate(`["modify","`),
		scorers.CodeSuggestiveOf: newTemplate(`["suggestive_of","`),
	}
)

// pickLabel picks the label template to compare with the window a, which
// starts at the comma after an entity's tokens: by the label's first
// letter and, for the observations, its fifth and sixth (ANAT-DP, OBS-U,
// OBS-DP, OBS-DA). 0 for none.
func pickLabel(a *[32]byte) uint8 {
	switch {
	case a[10] == 'A':
		return scorers.CodeAnatomy
	case a[14] == 'U':
		return scorers.CodeObservationUncer
	case a[15] == 'P':
		return scorers.CodeObservationPres
	case a[15] == 'A':
		return scorers.CodeObservationAbs
	}
	return 0
}

// pickType picks the relation template to compare with the window a, which
// starts at a relation's opening bracket, by the type's first letter. 0
// for none.
func pickType(a *[32]byte) uint8 {
	switch a[2] {
	case 'l':
		return scorers.CodeLocatedAt
	case 'm':
		return scorers.CodeModify
	case 's':
		return scorers.CodeSuggestiveOf
	}
	return 0
}

// is reports whether b holds c at i.
func is(b []byte, i int, c byte) bool { return i < len(b) && b[i] == c }

// The members of an entity in the written layout, each with what comes
// before its value. Compared as constants, with no call: the compiler
// turns a comparison with a constant string of up to 16 bytes into a few
// word comparisons.
const (
	litTokens    = `":{"tokens":"`
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
// with RadGraph's labels and relation types, into s, as views of the line.
// It reads straight through, with no key lookups and few calls. For
// anything else (another layout or label, escapes in an id, an empty id)
// it returns false, with s partly filled: the caller resets s and reads
// the object with the general reader.
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
	var pad [32]byte
	for {
		if !is(b, i, '"') {
			return false
		}
		// The id, usually a small number, read here (a call per id costs
		// as much as reading it); idAt reads any other id. The same for a
		// relation's target below.
		num, next := digitsAt(b, i+1)
		var id string
		if next > i+1 && is(b, next, '"') {
			id = view(b, i+1, next)
		} else {
			var ok bool
			if id, num, next, ok = idAt(b, i+1); !ok {
				return false
			}
			next--
		}
		if !atTokens(b, next) {
			return false
		}
		tokens, next, ok := viewStr(b, next+len(litTokens))
		if !ok {
			return false
		}
		a := window(b, next, &pad)
		code := pickLabel(a)
		if code == 0 || !labelTemplates[code].matches(a) {
			return false
		}
		if i, ok = skipIndexAt(b, next+labelTemplates[code].n); !ok || !atEndIx(b, i) {
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
				a := window(b, i, &pad)
				code := pickType(a)
				if code == 0 || !relationTemplates[code].matches(a) {
					return false
				}
				i += relationTemplates[code].n
				num, next := digitsAt(b, i)
				var target string
				if next > i && is(b, next, '"') {
					target, next = view(b, i, next), next+1
				} else {
					var ok bool
					if target, num, next, ok = idAt(b, i); !ok {
						return false
					}
				}
				if !is(b, next, ']') {
					return false
				}
				s.KnownRelation(code, target, num)
				i = next + 1
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

// The members of an annotation line in the written layout, with what
// comes before their values.
const (
	litID       = `{"id":"`
	litText     = `,"text":"`
	litEntities = `,"entities":`
)

// compactLine reads an annotation line written as the project's writers
// write it, without spaces, {"id":"ID","text":"TEXT","entities":{...}},
// with the entities as compactSet reads them, into s: the id and the set's
// strings are views of the line. For anything else (another layout, an id
// with escapes, an annotation that is not plainly valid) it returns false,
// with s partly filled: the caller resets s and reads the line with the
// general reader.
func compactLine(b []byte, s *scorers.RadGraphSet) (id string, ok bool) {
	if len(b) < len(litID) || string(b[:len(litID)]) != litID {
		return "", false
	}
	id, i, ok := viewStr(b, len(litID))
	if !ok || blank(id) || len(b)-i < len(litText) || string(b[i:i+len(litText)]) != litText {
		return "", false
	}
	d := decoder{b: b, i: i + len(litText) - 1, view: true}
	if !d.skipText() || len(b)-d.i < len(litEntities) || string(b[d.i:d.i+len(litEntities)]) != litEntities {
		return "", false
	}
	d.i += len(litEntities)
	if !d.compactSet(s) || d.i != len(b)-1 || b[d.i] != '}' || !s.Valid() {
		return "", false
	}
	return id, true
}
