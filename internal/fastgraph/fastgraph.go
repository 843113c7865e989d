// Package fastgraph decodes graph-format JSON Lines quickly. Decode gives
// exactly what graph.ParseGraph gives, in a fraction of the time, for the
// lines that scoring tools write (the fields of the format, lower-case, each
// once, plain JSON values); for anything else (unknown or repeated fields,
// differently cased keys, lone surrogates, invalid UTF-8, numbers out of
// range, trailing data) it hands the line to graph.ParseGraph, so results
// and error messages never differ. PeekID finds a line's id without
// decoding the rest.
package fastgraph

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

// Decode decodes, normalizes and validates one graph line like
// graph.ParseGraph.
func Decode(line []byte, types graph.Types) (*graph.Graph, error) {
	// One copy of the line: the graph's strings are parts of it, not a
	// copy each (escaped strings excepted).
	d := decoder{b: line, s: string(line)}
	g, ok := d.graph()
	if ok {
		d.space()
		ok = d.i == len(d.b)
	}
	if !ok {
		return graph.ParseGraph(line, types)
	}
	g.Normalize()
	if err := g.Validate(types); err != nil {
		return nil, err
	}
	return g, nil
}

// DecodeRadGraph decodes and validates one RadGraph annotation line like
// graph.DecodeStrict followed by RadGraph.Validate.
func DecodeRadGraph(line []byte) (*graph.RadGraph, error) {
	d := decoder{b: line}
	a, ok := d.radgraph()
	if ok {
		d.space()
		ok = d.i == len(d.b)
	}
	if !ok {
		var rg graph.RadGraph
		if err := graph.DecodeStrict(line, &rg); err != nil {
			return nil, err
		}
		a = &rg
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

func (d *decoder) radgraph() (*graph.RadGraph, bool) {
	a := &graph.RadGraph{}
	ok := d.object(func(key string) bool {
		switch key {
		case "id":
			return d.strField(&a.ID)
		case "text":
			return d.strField(&a.Text)
		case "entities":
			if d.null() {
				a.Entities = nil
				return true
			}
			return d.radgraphEntities(a)
		}
		return false
	})
	return a, ok
}

// radgraphEntities reads the entities object: keys are entity ids (any
// string; a repeated one goes to the slow path).
func (d *decoder) radgraphEntities(a *graph.RadGraph) bool {
	if !d.eat('{') {
		return false
	}
	a.Entities = make(map[string]graph.RadGraphEntity, max(bytes.Count(d.b[d.i:], []byte(`"tokens"`)), 1))
	d.space()
	if d.eat('}') {
		return true
	}
	for {
		d.space()
		id, ok := d.str()
		if !ok {
			return false
		}
		if _, dup := a.Entities[id]; dup {
			return false
		}
		d.space()
		if !d.eat(':') {
			return false
		}
		d.space()
		var e graph.RadGraphEntity
		if !d.object(func(key string) bool {
			switch key {
			case "tokens":
				return d.strField(&e.Tokens)
			case "label":
				return d.symbol(&e.Label)
			case "start_ix":
				return d.intField(&e.StartIx)
			case "end_ix":
				return d.intField(&e.EndIx)
			case "relations":
				if d.null() {
					e.Relations = nil
					return true
				}
				e.Relations = [][2]string{}
				return d.array(func() bool {
					var rel [2]string
					k := 0
					ok := d.array(func() bool {
						if k >= 2 || d.null() {
							return false // padding and truncation: the slow path
						}
						if k == 0 {
							ok := d.symbol(&rel[0])
							k++
							return ok
						}
						v, ok := d.str()
						rel[1] = v
						k++
						return ok
					})
					if !ok || k != 2 {
						return false
					}
					e.Relations = append(e.Relations, rel)
					return true
				})
			}
			return false
		}) {
			return false
		}
		a.Entities[id] = e
		d.space()
		if d.eat(',') {
			continue
		}
		return d.eat('}')
	}
}

// DecodeRadGraphSet decodes one RadGraph annotation line into s, for the
// rewards alone (scorers.RadGraphSetF1), without building the map of a
// graph.RadGraph; it accepts and rejects exactly what DecodeRadGraph does:
// its own path takes only lines that are plainly valid (known labels,
// non-empty ids and relation types, relations to existing entities) and
// hands every other line to DecodeRadGraph.
func DecodeRadGraphSet(line []byte, s *scorers.RadGraphSet) (id string, err error) {
	return decodeRadGraphSet(line, s, false)
}

// DecodeRadGraphSetView is DecodeRadGraphSet without copying: the set's
// strings, and the id, share line's memory, so line must not change while
// s or the id is in use (score the pair, and copy the id to keep it,
// before reading the next line). It is what lets a reader decode an
// annotation without allocating.
func DecodeRadGraphSetView(line []byte, s *scorers.RadGraphSet) (id string, err error) {
	return decodeRadGraphSet(line, s, true)
}

func decodeRadGraphSet(line []byte, s *scorers.RadGraphSet, view bool) (id string, err error) {
	s.Reset()
	if view {
		if id, ok := compactLine(line, s); ok {
			return id, nil
		}
		s.Reset()
	}
	d := decoder{b: line, view: view}
	ok := d.object(func(key string) bool {
		switch key {
		case "id":
			return d.strField(&id)
		case "text":
			return d.null() || d.skipText()
		case "entities":
			if d.view {
				start := d.i
				if d.compactSet(s) {
					return true
				}
				d.i = start
				s.Reset()
			}
			return d.radgraphSet(s)
		}
		return false
	})
	if ok {
		d.space()
		ok = d.i == len(d.b) && id != "" && s.Valid()
	}
	if ok {
		return id, nil
	}
	a, err := DecodeRadGraph(line)
	if err != nil {
		return "", err
	}
	s.Reset()
	for eid, e := range a.Entities {
		s.Entity(eid, e.Tokens, e.Label)
		for _, r := range e.Relations {
			s.Relation(r[0], r[1])
		}
	}
	return a.ID, nil
}

// setScratch is reusable memory for DecodeRadGraphSet.
type setScratch struct {
	ids  []string
	rels []setRel
}

type setRel struct{ typ, target string }

var setScratches = sync.Pool{New: func() any { return new(setScratch) }}

func (d *decoder) radgraphSet(s *scorers.RadGraphSet) bool {
	if !d.eat('{') {
		return false
	}
	sc := setScratches.Get().(*setScratch)
	defer func() {
		clear(sc.ids)
		clear(sc.rels)
		sc.ids, sc.rels = sc.ids[:0], sc.rels[:0]
		setScratches.Put(sc)
	}()
	d.space()
	if d.eat('}') {
		return true
	}
	for {
		d.space()
		id, ok := d.setStr()
		if !ok {
			return false
		}
		if strings.TrimSpace(id) == "" {
			return false // an empty id: the slow path's validation decides
		}
		// A repeated id makes the set invalid (RadGraphSet.Valid), and
		// the slow path, which keeps the last, decides.
		sc.ids = append(sc.ids, id)
		d.space()
		if !d.eat(':') {
			return false
		}
		d.space()
		var tokens, label string
		var ix int
		sc.rels = sc.rels[:0]
		if t, l, ok := d.radgraphEntityFast(sc); ok {
			tokens, label = t, l
		} else if !d.object(func(key string) bool {
			switch key {
			case "tokens":
				if d.null() {
					return true
				}
				var ok bool
				tokens, ok = d.setStr()
				return ok
			case "label":
				return d.symbol(&label)
			case "start_ix", "end_ix":
				return d.intField(&ix)
			case "relations":
				if d.null() {
					return true
				}
				return d.array(func() bool { return d.setRelation(sc) })
			}
			return false
		}) {
			return false
		}
		s.Entity(id, tokens, label)
		for _, r := range sc.rels {
			s.Relation(r.typ, r.target)
		}
		d.space()
		if d.eat(',') {
			continue
		}
		return d.eat('}')
	}
}

// radgraphEntityFast reads an entity object laid out as the project's
// writers and the RadGraph files lay it out, without spaces:
// {"tokens":"...","label":"...","start_ix":N,"end_ix":N,"relations":[...]}.
// Matching the layout byte for byte spares reading and checking each key;
// for anything else (another order, a missing or null member, spaces) it
// reads nothing and returns ok false, and the general object reader
// decides.
func (d *decoder) radgraphEntityFast(sc *setScratch) (tokens, label string, ok bool) {
	start := d.i
	fail := func() (string, string, bool) {
		d.i = start
		sc.rels = sc.rels[:0]
		return "", "", false
	}
	if !d.literal(`{"tokens":"`) {
		return fail()
	}
	d.i-- // setStr reads the opening quote
	if tokens, ok = d.setStr(); !ok || !d.literal(`,"label":"`) {
		return fail()
	}
	d.i--
	if label, ok = d.setStr(); !ok || !d.literal(`,"start_ix":`) {
		return fail()
	}
	if !d.skipIndex() || !d.literal(`,"end_ix":`) {
		return fail()
	}
	if !d.skipIndex() || !d.literal(`,"relations":[`) {
		return fail()
	}
	if !d.eat(']') {
		for {
			if !d.setRelation(sc) {
				return fail()
			}
			if d.eat(',') {
				continue
			}
			if d.eat(']') {
				break
			}
			return fail()
		}
	}
	if !d.eat('}') {
		return fail()
	}
	return tokens, label, true
}

// skipIndex passes over a token index written as a JSON integer without
// sign, exponent or fraction ("0", "17"); for anything else it fails.
func (d *decoder) skipIndex() bool {
	var ok bool
	d.i, ok = skipIndexAt(d.b, d.i)
	return ok
}

// setRelation reads one [type, target] pair; a target that names an entity
// already read shares its id string.
func (d *decoder) setRelation(sc *setScratch) bool {
	if !d.eat('[') {
		return false
	}
	d.space()
	var r setRel
	if !d.symbol(&r.typ) || strings.TrimSpace(r.typ) == "" {
		return false // null or empty types: the slow path decides
	}
	d.space()
	if !d.eat(',') {
		return false
	}
	d.space()
	var raw []byte
	ok := false
	if !d.view { // a view costs nothing: nothing to share
		raw, ok = d.peekRaw()
	}
	if ok {
		for _, id := range sc.ids {
			if id == string(raw) {
				r.target = id
				break
			}
		}
	}
	if r.target != "" {
		d.i += len(raw) + 2
	} else if r.target, ok = d.setStr(); !ok {
		return false
	}
	d.space()
	if !d.eat(']') {
		return false
	}
	sc.rels = append(sc.rels, r)
	return true
}

// setStr reads a string for a reward set: a view of the line's bytes
// when the decoder may share them and the string has no escapes.
func (d *decoder) setStr() (string, bool) {
	b, ok := d.strBytes()
	if !ok {
		return "", false
	}
	if d.view && len(b) > 0 && d.b[d.i-1] == '"' && &b[0] == &d.b[d.i-1-len(b)] {
		return unsafe.String(&b[0], len(b)), true
	}
	return string(b), true
}

// PeekID returns the value of the top-level "id" member of a JSON object
// line; ok is false when it cannot tell cheaply (then decode the line to
// learn its id). When "id" is the first member the rest of the line is not
// read: the decoded graph's ID can differ only if the line repeats "id".
func PeekID(line []byte) (id string, ok bool) {
	// The common case, as the project's writers put it: "id" first. A
	// repeated "id" later in the line would win in encoding/json; Decode
	// then returns a graph with another ID, which callers check.
	if len(line) > 7 && line[0] == '{' && string(line[1:6]) == `"id":` {
		d := decoder{b: line, i: 6}
		d.space()
		if b, ok := d.rawString(); ok {
			return string(b), true
		}
	}
	return peekSlow(line)
}

// peekSlow scans every top-level member for PeekID.
func peekSlow(line []byte) (id string, ok bool) {
	d := decoder{b: line}
	d.space()
	if !d.eat('{') {
		return "", false
	}
	found := false
	d.space()
	if d.eat('}') {
		return "", false
	}
	for {
		d.space()
		k, ok := d.rawString()
		if !ok {
			return "", false
		}
		if !bytes.Equal(k, []byte("id")) && bytes.EqualFold(k, []byte("id")) {
			return "", false // encoding/json would match it case-insensitively
		}
		d.space()
		if !d.eat(':') {
			return "", false
		}
		d.space()
		if string(k) == "id" {
			if found {
				return "", false
			}
			v, ok := d.str()
			if !ok {
				return "", false
			}
			id, found = v, true
		} else if !d.skip(0) {
			return "", false
		}
		d.space()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return id, found
		}
		return "", false
	}
}

type decoder struct {
	b []byte
	// s, when set, holds the same bytes as b: str returns parts of it
	// rather than copies.
	s       string
	i       int
	symbols []string
	view    bool // setStr shares the line's memory
}

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) literal(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

// rawString reads a string without escapes and returns its bytes (valid
// until the line is reused); ok is false for anything else.
func (d *decoder) rawString() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	n := bytes.IndexByte(d.b[d.i:], '"')
	if n < 0 {
		return nil, false
	}
	raw := d.b[d.i : d.i+n]
	for _, c := range raw {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false
		}
	}
	d.i += n + 1
	return raw, true
}

// str reads a JSON string, decoding escapes; ok is false for invalid
// JSON, invalid UTF-8 or a lone surrogate (where encoding/json substitutes
// U+FFFD: the slow path handles those).
func (d *decoder) str() (string, bool) {
	start := d.i + 1 // after the opening quote
	b, ok := d.strBytes()
	if !ok {
		return "", false
	}
	if d.s != "" && len(b) == d.i-1-start {
		// No escape (decoding one always shortens the string): the
		// string is the line's own, between the quotes.
		return d.s[start : d.i-1], true
	}
	return string(b), true
}

// strBytes is str without the copy: the bytes are the line's own when the
// string has no escapes.
func (d *decoder) strBytes() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	start := d.i
	stop, ascii := stringStop(d.b, start)
	d.i = stop
	if stop == len(d.b) {
		return nil, false
	}
	switch d.b[stop] {
	case '"':
		s := d.b[start:stop]
		d.i++
		if !ascii && !utf8.Valid(s) {
			return nil, false
		}
		return s, true
	case '\\':
		return d.escaped(start)
	}
	return nil, false // a control character
}

// escaped finishes a string that has escapes, starting over at start.
func (d *decoder) escaped(start int) ([]byte, bool) {
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(out) {
				return nil, false
			}
			return out, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.b) {
			return nil, false
		}
		e := d.b[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, false
			}
			if utf16.IsSurrogate(r) {
				if !d.literal(`\u`) {
					return nil, false
				}
				r2, ok := d.hex4()
				if !ok {
					return nil, false
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, false
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, false
		}
	}
	return nil, false
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

// number reads a JSON number literal; integer is true when it has no
// fraction or exponent.
func (d *decoder) number() (lit []byte, integer, ok bool) {
	start := d.i
	d.eat('-')
	switch {
	case d.eat('0'):
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		d.digits()
	default:
		return nil, false, false
	}
	integer = true
	if d.eat('.') {
		integer = false
		if !d.digits() {
			return nil, false, false
		}
	}
	if d.eat('e') || d.eat('E') {
		integer = false
		if !d.eat('+') {
			d.eat('-')
		}
		if !d.digits() {
			return nil, false, false
		}
	}
	return d.b[start:d.i], integer, true
}

func (d *decoder) digits() bool {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

func (d *decoder) integer() (int, bool) {
	lit, integer, ok := d.number()
	if !ok || !integer {
		return 0, false
	}
	if len(lit) <= 18 { // fits: no overflow check needed
		neg := lit[0] == '-'
		if neg {
			lit = lit[1:]
		}
		n := 0
		for _, c := range lit {
			n = n*10 + int(c-'0')
		}
		if neg {
			n = -n
		}
		return n, true
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil || int64(int(n)) != n {
		return 0, false
	}
	return int(n), true
}

func (d *decoder) float() (float64, bool) {
	lit, _, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	return f, err == nil
}

// null consumes a null literal.
func (d *decoder) null() bool { return d.literal("null") }

// skip passes over any JSON value (for PeekID); depth bounds nesting.
func (d *decoder) skip(depth int) bool {
	if depth > 64 || d.i >= len(d.b) {
		return false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		return d.skipString()
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.i++
		d.space()
		if d.eat(closer) {
			return true
		}
		for {
			d.space()
			if c == '{' {
				if !d.skipString() {
					return false
				}
				d.space()
				if !d.eat(':') {
					return false
				}
				d.space()
			}
			if !d.skip(depth + 1) {
				return false
			}
			d.space()
			if d.eat(',') {
				continue
			}
			return d.eat(closer)
		}
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.null()
	}
	_, _, ok := d.number()
	return ok
}

// skipString passes over a string without decoding it.
func (d *decoder) skipString() bool {
	if !d.eat('"') {
		return false
	}
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '"':
			d.i++
			return true
		case '\\':
			d.i++
		}
		d.i++
	}
	return false
}

// skipText passes over a string whose content is not kept (an
// annotation's text, which the rewards do not read), checking only what
// encoding/json rejects in a string: control characters and malformed
// escapes. (It accepts invalid UTF-8, as encoding/json does.)
func (d *decoder) skipText() bool {
	if !d.eat('"') {
		return false
	}
	for {
		// The closing quote, or the first escape before it, is found by
		// IndexByte (many bytes at a time); then no control character
		// may come before it.
		rest := d.b[d.i:]
		stop := bytes.IndexByte(rest, '"')
		if stop < 0 {
			return false
		}
		if e := bytes.IndexByte(rest[:stop], '\\'); e >= 0 {
			stop = e
		}
		if c := controlAt(rest[:stop]); c >= 0 {
			stop = c
		}
		d.i += stop
		switch d.b[d.i] {
		case '"':
			d.i++
			return true
		case '\\':
			if d.i+1 == len(d.b) {
				return false
			}
			switch d.b[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				d.i += 2
				if _, ok := d.hex4(); !ok {
					return false
				}
			default:
				return false
			}
		default:
			return false // a control character
		}
	}
}

// object reads an object whose members field handles by key; a key seen
// twice, or one that field rejects, fails.
func (d *decoder) object(field func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	d.space()
	if d.eat('}') {
		return true
	}
	var seen [12]string
	n := 0
	for {
		d.space()
		k, ok := d.rawString()
		if !ok {
			return false
		}
		for _, s := range seen[:n] {
			if s == string(k) {
				return false
			}
		}
		key := knownKey(k)
		if key == "" || n == len(seen) {
			return false
		}
		seen[n] = key
		n++
		d.space()
		if !d.eat(':') {
			return false
		}
		d.space()
		if !field(key) {
			return false
		}
		d.space()
		if d.eat(',') {
			continue
		}
		return d.eat('}')
	}
}

// knownKey returns the field name as a constant string (no allocation),
// "" for a key the format does not have.
func knownKey(k []byte) string {
	switch string(k) {
	case "id":
		return "id"
	case "text":
		return "text"
	case "entities":
		return "entities"
	case "relations":
		return "relations"
	case "type":
		return "type"
	case "assertion":
		return "assertion"
	case "key":
		return "key"
	case "span":
		return "span"
	case "count":
		return "count"
	case "measure":
		return "measure"
	case "weight":
		return "weight"
	case "values":
		return "values"
	case "unit":
		return "unit"
	case "source":
		return "source"
	case "target":
		return "target"
	case "tokens":
		return "tokens"
	case "label":
		return "label"
	case "start_ix":
		return "start_ix"
	case "end_ix":
		return "end_ix"
	}
	return ""
}

// symbol reads a string that is likely to repeat within a graph (a type,
// an assertion, a unit): the first time it is decoded, later occurrences
// share it, which saves an allocation per entity and relation.
func (d *decoder) symbol(dst *string) bool {
	if d.null() {
		return true
	}
	if d.s != "" {
		// Parts of the line's string cost no allocation either.
		return d.strField(dst)
	}
	if d.view {
		s, ok := d.setStr()
		*dst = s
		return ok
	}
	if raw, ok := d.peekRaw(); ok {
		for _, s := range d.symbols {
			if s == string(raw) {
				d.i += len(raw) + 2
				*dst = s
				return true
			}
		}
	}
	s, ok := d.str()
	if ok && len(d.symbols) < 16 {
		d.symbols = append(d.symbols, s)
	}
	*dst = s
	return ok
}

// peekRaw returns the bytes of the string at the cursor when it has no
// escapes and is ASCII, without moving.
func (d *decoder) peekRaw() ([]byte, bool) {
	i := d.i
	b, ok := d.rawString()
	d.i = i
	return b, ok
}

// array reads an array, calling elem for each element.
func (d *decoder) array(elem func() bool) bool {
	if !d.eat('[') {
		return false
	}
	d.space()
	if d.eat(']') {
		return true
	}
	for {
		d.space()
		if !elem() {
			return false
		}
		d.space()
		if d.eat(',') {
			continue
		}
		return d.eat(']')
	}
}

// strField sets *dst from a string or leaves it for null.
func (d *decoder) strField(dst *string) bool {
	if d.null() {
		return true
	}
	s, ok := d.str()
	*dst = s
	return ok
}

func (d *decoder) intField(dst *int) bool {
	if d.null() {
		return true
	}
	n, ok := d.integer()
	*dst = n
	return ok
}

func (d *decoder) graph() (*graph.Graph, bool) {
	g := &graph.Graph{}
	ok := d.object(func(key string) bool {
		switch key {
		case "id":
			return d.strField(&g.ID)
		case "text":
			return d.strField(&g.Text)
		case "entities":
			if d.null() {
				g.Entities = nil
				return true
			}
			// A capacity hint from the line, exact for the usual layout,
			// saves growing (and copying) the slice.
			g.Entities = make([]graph.Entity, 0, max(bytes.Count(d.b[d.i:], []byte(`{"id"`)), 4))
			return d.array(func() bool {
				g.Entities = append(g.Entities, graph.Entity{})
				return d.entity(&g.Entities[len(g.Entities)-1])
			})
		case "relations":
			if d.null() {
				g.Relations = nil
				return true
			}
			g.Relations = make([]graph.Relation, 0, max(bytes.Count(d.b[d.i:], []byte(`{"source"`)), 4))
			return d.array(func() bool {
				g.Relations = append(g.Relations, graph.Relation{})
				return d.relation(&g.Relations[len(g.Relations)-1])
			})
		}
		return false
	})
	return g, ok
}

// members reads an object's members: field maps a key to its index
// (-1 for a key the format does not have) and value reads the value of
// member f. A repeated or unknown key fails (the slow path decides).
func (d *decoder) members(field func(key []byte) int, value func(f int) bool) bool {
	if !d.eat('{') {
		return false
	}
	d.space()
	if d.eat('}') {
		return true
	}
	var seen uint32
	for {
		d.space()
		k, ok := d.rawString()
		if !ok {
			return false
		}
		f := field(k)
		if f < 0 || seen&(1<<f) != 0 {
			return false
		}
		seen |= 1 << f
		d.space()
		if !d.eat(':') {
			return false
		}
		d.space()
		if !value(f) {
			return false
		}
		d.space()
		if d.eat(',') {
			continue
		}
		return d.eat('}')
	}
}

const (
	fID = iota
	fText
	fType
	fAssertion
	fKey
	fCount
	fWeight
	fSpan
	fMeasure
)

func entityField(k []byte) int {
	switch string(k) {
	case "id":
		return fID
	case "text":
		return fText
	case "type":
		return fType
	case "assertion":
		return fAssertion
	case "key":
		return fKey
	case "count":
		return fCount
	case "weight":
		return fWeight
	case "span":
		return fSpan
	case "measure":
		return fMeasure
	}
	return -1
}

func (d *decoder) entity(e *graph.Entity) bool {
	// The loop of members, written out: this is the hottest code of a
	// graph run.
	if !d.eat('{') {
		return false
	}
	var seen uint32
	if d.entityPrefix(e) {
		seen = 1<<fID | 1<<fText | 1<<fType | 1<<fAssertion | 1<<fKey
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	} else {
		d.space()
		if d.eat('}') {
			return true
		}
	}
	for {
		d.space()
		k, ok := d.rawString()
		if !ok {
			return false
		}
		f := entityField(k)
		if f < 0 || seen&(1<<f) != 0 {
			return false
		}
		seen |= 1 << f
		d.space()
		if !d.eat(':') {
			return false
		}
		d.space()
		switch f {
		case fID:
			ok = d.strField(&e.ID)
		case fText:
			ok = d.strField(&e.Text)
		case fType:
			ok = d.symbol(&e.Type)
		case fAssertion:
			var s string
			ok = d.symbol(&s)
			e.Assertion = graph.Assertion(s)
		case fKey:
			ok = d.strField(&e.Key)
		default:
			ok = d.entityRare(e, f)
		}
		if !ok {
			return false
		}
		d.space()
		if d.eat(',') {
			continue
		}
		return d.eat('}')
	}
}

// entityPrefix reads the members every written entity starts with, in the
// order and layout graph.WriteGraph gives them, without spaces:
// "id":"...","text":"...","type":"...","assertion":"...","key":"...".
// Matching the layout byte for byte spares reading and checking each key.
// Anything else (another order, a member missing or null, spaces) reads
// nothing and returns false, and the member loop decides.
func (d *decoder) entityPrefix(e *graph.Entity) bool {
	start := d.i
	var id, text, typ, assertion, key string
	ok := d.literal(`"id":`)
	ok = ok && d.quoted(&id) && d.literal(`,"text":`)
	ok = ok && d.quoted(&text) && d.literal(`,"type":`)
	ok = ok && d.quoted(&typ) && d.literal(`,"assertion":`)
	ok = ok && d.quoted(&assertion) && d.literal(`,"key":`)
	ok = ok && d.quoted(&key)
	if !ok {
		d.i = start
		return false
	}
	e.ID, e.Text, e.Type, e.Assertion, e.Key = id, text, typ, graph.Assertion(assertion), key
	return true
}

// quoted reads a string (not null) into *dst.
func (d *decoder) quoted(dst *string) bool {
	if d.i == len(d.b) || d.b[d.i] != '"' {
		return false
	}
	s, ok := d.str()
	*dst = s
	return ok
}

// entityRare reads the members most entities lack.
func (d *decoder) entityRare(e *graph.Entity, f int) bool {
	switch f {
	case fCount:
		return d.intField(&e.Count)
	case fWeight:
		if d.null() {
			return true
		}
		f, ok := d.float()
		e.Weight = f
		return ok
	case fSpan:
		if d.null() {
			e.Span = nil
			return true
		}
		var sp graph.Span
		k := 0
		ok := d.array(func() bool {
			if k >= 2 || d.null() {
				return false // the slow path pads, truncates and zeroes like encoding/json
			}
			n, ok := d.integer()
			sp[k] = n
			k++
			return ok
		})
		if !ok || k != 2 {
			return false
		}
		e.Span = &sp
		return true
	case fMeasure:
		if d.null() {
			e.Measure = nil
			return true
		}
		m := &graph.Measure{}
		e.Measure = m
		return d.object(func(key string) bool {
			switch key {
			case "unit":
				return d.symbol(&m.Unit)
			case "values":
				if d.null() {
					m.Values = nil
					return true
				}
				m.Values = []float64{}
				return d.array(func() bool {
					f, ok := d.float()
					m.Values = append(m.Values, f)
					return ok
				})
			}
			return false
		})
	}
	return false
}

func relationField(k []byte) int {
	switch string(k) {
	case "source":
		return 0
	case "target":
		return 1
	case "type":
		return 2
	case "count":
		return 3
	}
	return -1
}

func (d *decoder) relation(r *graph.Relation) bool {
	return d.members(relationField, func(f int) bool {
		switch f {
		case 0:
			return d.strField(&r.Source)
		case 1:
			return d.strField(&r.Target)
		case 2:
			return d.symbol(&r.Type)
		case 3:
			return d.intField(&r.Count)
		}
		return false
	})
}
