package fastgraph

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"

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

// has reports whether b holds lit at i.
func has(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
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
func blank(s string) bool { return strings.TrimSpace(s) == "" }

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
		if id, i, ok = viewStr(b, i+1); !ok || blank(id) || !has(b, i, `:{"tokens":"`) {
			return false
		}
		if tokens, i, ok = viewStr(b, i+len(`:{"tokens":"`)); !ok || !has(b, i, `,"label":"`) {
			return false
		}
		if label, i, ok = viewStr(b, i+len(`,"label":"`)); !ok || !has(b, i, `,"start_ix":`) {
			return false
		}
		if i, ok = skipIndexAt(b, i+len(`,"start_ix":`)); !ok || !has(b, i, `,"end_ix":`) {
			return false
		}
		if i, ok = skipIndexAt(b, i+len(`,"end_ix":`)); !ok || !has(b, i, `,"relations":[`) {
			return false
		}
		i += len(`,"relations":[`)
		s.Entity(id, tokens, label)
		if has(b, i, "]") {
			i++
		} else {
			for {
				var typ, target string
				if !has(b, i, `["`) {
					return false
				}
				if typ, i, ok = viewStr(b, i+2); !ok || blank(typ) || !has(b, i, `,"`) {
					return false
				}
				if target, i, ok = viewStr(b, i+2); !ok || !has(b, i, "]") {
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
