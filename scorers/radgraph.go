package scorers

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/kgeval/kgeval/graph"
)

// RadGraphRewards are the three published RadGraph reward levels.
type RadGraphRewards struct {
	Simple, Partial, Complete float64
}

// RadGraphF1 computes the RadGraph rewards of a hypothesis annotation
// against a reference annotation exactly as the reference implementation
// (compute_reward in the radgraph package's rewards module) does: each
// level builds a set of tuples per report, precision and recall are the
// shares of shared tuples (0 on an empty side), and F1 their harmonic mean
// (0 when both are 0). All three are 0 when either annotation has no
// entities.
//
//   - simple: (tokens, label) for every entity;
//   - partial: (tokens, label) for entities without relations and
//     (tokens, label, true) for entities with at least one;
//   - complete: (tokens, label) for entities without relations, else one
//     (lower(tokens), label, relation type, lower(target tokens)) per
//     relation.
//
// As in the reference implementation, only the relation tuples of the
// complete level are lower-cased (as Python's str.lower does): "Effusion"
// and "effusion" are different entities at the simple and partial levels.
func RadGraphF1(hyp, ref *graph.RadGraph) RadGraphRewards {
	if len(hyp.Entities) == 0 || len(ref.Entities) == 0 {
		return RadGraphRewards{}
	}
	w := getWorkspace()
	defer w.put()
	w.rg[0].fromAnnotation(hyp)
	w.rg[1].fromAnnotation(ref)
	return rewards([2]*rgView{&w.rg[0], &w.rg[1]}, &w.rgTables)
}

// radgraphOf computes the rewards of two prepared graphs through the label
// mapping of graph.ToRadGraph without building the annotations.
func radgraphOf(hyp, ref *prepared, isAnatomy func(string) bool, v *[2]rgView, t *rgTables) RadGraphRewards {
	if len(hyp.nodes) == 0 || len(ref.nodes) == 0 {
		return RadGraphRewards{}
	}
	v[0].fromPrepared(hyp, isAnatomy)
	v[1].fromPrepared(ref, isAnatomy)
	return rewards([2]*rgView{&v[0], &v[1]}, t)
}

// rgView is one annotation as the rewards see it: its entities by
// position, and its relations as (source, target, type) by entity
// position.
type rgView struct {
	ents        []rgEnt
	rels        []rgRel
	targetsDone bool    // the relations' targets are found
	found       int     // how many relations have a target
	repeatedID  bool    // an entity id occurs twice (found by resolveTargets)
	byNum       []int32 // entity position by numeric id
	lowBuf      []byte  // the lower-cased tokens that differ, in rewards
}

// An rgEnt is one entity: its annotation id (given entity by entity only)
// and the id's number (smallNumber; -1 for none), its tokens, its label's
// code (labelCode) and, for a label that is not RadGraph's, the label, and
// whether it has relations.
type rgEnt struct {
	id, tokens, label string
	num               int32
	code              uint8
	hasRel            bool
	// tokN, labN and lowN number the tokens, the label and (plus one, for
	// an entity in relations; 0 until known) the lower-cased tokens in
	// rewards.
	tokN, labN, lowN uint32
}

// An rgRel is a relation: its source's position, its target's id (and
// the id's number, -1 for none) and, once found, position (-1 for none),
// its type's code (typeCode) and, when that is 0, its type.
type rgRel struct {
	s, t, num int32
	code      uint8
	typ       string
	target    string
}

func (v *rgView) reset(n int) {
	v.ents = grow(v.ents, n)
	v.rels = v.rels[:0]
}

func (v *rgView) clearRefs() {
	clear(v.ents[:cap(v.ents)])
	clear(v.rels[:cap(v.rels)])
}

func (v *rgView) fromAnnotation(a *graph.RadGraph) {
	v.begin()
	for id, e := range a.Entities {
		v.addEntity(id, e.Tokens, e.Label)
		for _, rel := range e.Relations {
			v.addRelation(rel[0], rel[1])
		}
	}
	v.resolve()
}

// begin empties v for an annotation given entity by entity.
func (v *rgView) begin() {
	v.reset(0)
	v.targetsDone = false
}

func (v *rgView) addEntity(id, tokens, label string) {
	v.targetsDone = false
	v.ents = append(v.ents, rgEnt{id: id, tokens: tokens, label: label, num: smallNumber(id), code: labelCode(label)})
}

// addRelation adds a relation of the last entity added.
func (v *rgView) addRelation(typ, target string) {
	s := int32(len(v.ents) - 1)
	v.targetsDone = false
	v.ents[s].hasRel = true
	v.rels = append(v.rels, rgRel{s: s, t: -1, num: smallNumber(target), code: typeCode(typ), typ: typ, target: target})
}

// resolve finds the relations' targets, unless that is done.
func (v *rgView) resolve() {
	if !v.targetsDone {
		v.resolveTargets()
	}
}

// resolveTargets finds the relations' targets.
func (v *rgView) resolveTargets() {
	v.targetsDone = true
	v.found = 0
	v.repeatedID = false
	// Relation targets name entity ids, which are usually small numbers:
	// look them up in a table by number, else in a map.
	numeric := true
	top := int32(-1)
	for i := range v.ents {
		n := v.ents[i].num
		if n < 0 {
			numeric = false
			break
		}
		top = max(top, n)
	}
	if numeric {
		byNum := grow(v.byNum, int(top)+1)
		for i := range v.ents {
			n := v.ents[i].num
			if byNum[n] != 0 {
				v.repeatedID = true
			}
			byNum[n] = int32(i) + 1 // 0 marks a number no entity has
		}
		v.byNum = byNum
		for k := range v.rels {
			// A target with no number names no entity, since all ids have one.
			r := &v.rels[k]
			if r.t = -1; r.num >= 0 && r.num <= top {
				if r.t = byNum[r.num] - 1; r.t >= 0 {
					v.found++
				}
			}
		}
		return
	}
	pos := make(map[string]int32, len(v.ents))
	for i := range v.ents {
		id := v.ents[i].id
		if _, seen := pos[id]; seen {
			v.repeatedID = true
		}
		pos[id] = int32(i)
	}
	for k := range v.rels {
		// The reference implementation fails on a relation to a missing
		// entity; validated annotations have none. Such a relation still
		// marks its entity as related.
		r := &v.rels[k]
		if t, ok := pos[r.target]; ok {
			r.t = t
			v.found++
		} else {
			r.t = -1
		}
	}
}

// RadGraphSet is one RadGraph annotation given entity by entity, for
// readers that decode annotations without building a graph.RadGraph (a
// map per report): RadGraphSetF1 scores two of them exactly as RadGraphF1
// scores the annotations. The zero value is an empty annotation; Reset
// reuses its memory for the next one.
type RadGraphSet struct{ v rgView }

// Reset empties s.
func (s *RadGraphSet) Reset() { s.v.begin() }

// Entity adds an entity.
func (s *RadGraphSet) Entity(id, tokens, label string) { s.v.addEntity(id, tokens, label) }

// Relation adds a relation [typ, target id] of the entity added last.
func (s *RadGraphSet) Relation(typ, target string) { s.v.addRelation(typ, target) }

// RadGraph's entity labels and relation types by code, for the readers
// that recognise them while decoding (KnownEntity, KnownRelation).
const (
	CodeAnatomy          = 1 // graph.LabelAnatomy
	CodeObservationPres  = 2 // graph.LabelObservationPres
	CodeObservationUncer = 3 // graph.LabelObservationUncer
	CodeObservationAbs   = 4 // graph.LabelObservationAbs

	CodeLocatedAt    = 1 // "located_at"
	CodeModify       = 2 // "modify"
	CodeSuggestiveOf = 3 // "suggestive_of"
)

// KnownEntity is Entity for a reader that has recognised the parts of the
// entity: num is the id's value when the id is a decimal number below 4096
// written without leading zeros ("7", not "07"), else -1; label is the
// code of one of RadGraph's labels (CodeAnatomy ...; any other code makes
// the set invalid).
func (s *RadGraphSet) KnownEntity(id string, num int, tokens string, label uint8) {
	v := &s.v
	v.targetsDone = false
	v.ents = append(v.ents, rgEnt{id: id, tokens: tokens, num: int32(num), code: label})
}

// KnownRelation is Relation for a reader that has recognised the type (the
// code of one of RadGraph's relation types, CodeLocatedAt to
// CodeSuggestiveOf) and the target's number (as for KnownEntity).
func (s *RadGraphSet) KnownRelation(typ uint8, target string, num int) {
	v := &s.v
	i := int32(len(v.ents) - 1)
	v.targetsDone = false
	v.ents[i].hasRel = true
	v.rels = append(v.rels, rgRel{s: i, t: -1, num: int32(num), code: typ, target: target})
}

// Len is the number of entities.
func (s *RadGraphSet) Len() int { return len(s.v.ents) }

// Valid reports whether every label is a RadGraph label, every relation
// names an entity (graph.RadGraph.Validate's checks, without its message)
// and no entity id is given twice (which a decoded annotation, a map,
// cannot hold).
func (s *RadGraphSet) Valid() bool {
	for i := range s.v.ents {
		if c := s.v.ents[i].code; c == 0 || c > CodeObservationAbs {
			return false
		}
	}
	s.v.resolveTargets()
	return s.v.found == len(s.v.rels) && !s.v.repeatedID
}

// RadGraphSetF1 is RadGraphF1 for two annotations given as sets; it
// finishes them (resolving relation targets), so add nothing after.
// scratch, if not nil, is memory to reuse from call to call.
func RadGraphSetF1(hyp, ref *RadGraphSet, scratch *RadGraphScratch) RadGraphRewards {
	if hyp.Len() == 0 || ref.Len() == 0 {
		return RadGraphRewards{}
	}
	hyp.v.resolve()
	ref.v.resolve()
	if scratch == nil {
		scratch = new(RadGraphScratch)
	}
	return rewards([2]*rgView{&hyp.v, &ref.v}, &scratch.t)
}

// RadGraphScratch is reusable memory for RadGraphSetF1.
type RadGraphScratch struct{ t rgTables }

// smallNumber is the value of an id written as a decimal number below
// 4096 in its canonical form ("7", not "07" or "+7"), else -1.
func smallNumber(id string) int32 {
	if len(id) == 0 || len(id) > 4 || len(id) > 1 && id[0] == '0' {
		return -1
	}
	n := int32(0)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int32(c-'0')
	}
	if n >= 4096 {
		return -1
	}
	return n
}

// fromPrepared views a graph as graph.ToRadGraph would convert it: tokens
// are the entity texts, labels by graph.RadGraphLabel, and each relation
// whose ends exist (duplicates included) a relation of its source.
func (v *rgView) fromPrepared(p *prepared, isAnatomy func(string) bool) {
	v.reset(len(p.nodes))
	for i := range p.nodes {
		label := graph.RadGraphLabel(*p.nodes[i].Entity, isAnatomy)
		v.ents[i] = rgEnt{tokens: p.nodes[i].Text, label: label, code: labelCode(label)}
	}
	for k, ends := range p.relEnds {
		s, t := ends[0], ends[1]
		if s < 0 || t < 0 {
			continue
		}
		v.ents[s].hasRel = true
		typ := p.g.Relations[k].Type
		v.rels = append(v.rels, rgRel{s: s, t: t, code: typeCode(typ), typ: typ})
	}
}

// labelCode numbers the RadGraph labels 1 to 4 (CodeAnatomy ...); any
// other label is 0.
func labelCode(label string) uint8 {
	switch label {
	case graph.LabelAnatomy:
		return CodeAnatomy
	case graph.LabelObservationPres:
		return CodeObservationPres
	case graph.LabelObservationUncer:
		return CodeObservationUncer
	case graph.LabelObservationAbs:
		return CodeObservationAbs
	}
	return 0
}

// typeCode numbers the RadGraph relation types 1 to 3 (CodeLocatedAt ...);
// any other type is 0.
func typeCode(typ string) uint8 {
	switch typ {
	case "located_at":
		return CodeLocatedAt
	case "modify":
		return CodeModify
	case "suggestive_of":
		return CodeSuggestiveOf
	}
	return 0
}

// rgTables is reusable memory for the rewards.
//
// The strings of a pair of annotations are first numbered (rgNames): the
// tokens of every entity, the lower-cased tokens of the entities in
// relations, and any label or relation type that is not RadGraph's. A
// tuple then becomes numbers that are equal exactly when its strings are,
// and the three levels come from two hash tables of those numbers: one of
// the entities' (tokens, label) tuples, flagged by side and by whether the
// entity has relations, and one of the relation tuples.
type rgTables struct {
	names      rgNames
	ents, rels rgTable
	collide    bool   // every hash is 0 (a test that equal hashes are told apart)
	hashMask   uint64 // what hash keeps of a hash: all of it, or none when collide
}

// rgNames numbers distinct strings, in an open-addressing table that is
// empty between uses.
type rgNames struct {
	slots []rgName
	used  []int32
	strs  []string // by number
	low   []uint32 // by number: the number of the lower-cased string plus one, 0 until it is known
}

type rgName struct {
	h uint64
	n int32 // the string's number plus one; 0 marks an empty slot
}

// start makes room for n strings.
func (x *rgNames) start(n int) {
	size := tableSize(n)
	if cap(x.slots) < size {
		x.slots = make([]rgName, size)
	}
	x.slots = x.slots[:size]
	x.used, x.strs, x.low = x.used[:0], x.strs[:0], x.low[:0]
}

// number returns s's number, giving it the next one if it is new.
func (x *rgNames) number(s string, h uint64) uint32 {
	mask := uint64(len(x.slots) - 1)
	for slot := h & mask; ; slot = (slot + 1) & mask {
		e := &x.slots[slot]
		if e.n == 0 {
			x.strs = append(x.strs, s)
			x.low = append(x.low, 0)
			*e = rgName{h, int32(len(x.strs))}
			x.used = append(x.used, int32(slot))
			return uint32(len(x.strs) - 1)
		}
		if e.h == h && x.strs[e.n-1] == s {
			return uint32(e.n - 1)
		}
	}
}

// finish empties the slots taken and forgets the strings.
func (x *rgNames) finish() {
	for _, k := range x.used {
		x.slots[k] = rgName{}
	}
	clear(x.strs)
}

// An rgTable is an open-addressing hash table of tuples of numbers, empty
// between uses: the slots taken are listed as they are, counted, and
// emptied again.
type rgTable struct {
	slots []rgSlot
	used  []int32
	shift uint // a tuple's slot is the top bits of its hash: h >> shift
}

// An rgSlot is one distinct tuple: its numbers (an entity tuple uses a
// only) and which sides have it (flags; 0 marks an empty slot).
type rgSlot struct {
	a, b  uint64
	flags uint8
}

// Tuple flags: the side has the tuple at all and, for an entity tuple,
// has it for an entity without relations, for an entity with relations.
const (
	inHyp, inRef     = 1, 2
	hypNoRel, hypRel = 4, 8
	refNoRel, refRel = 16, 32
)

func tableSize(n int) int {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return size
}

// start returns the slots for n tuples.
func (t *rgTable) start(n int) []rgSlot {
	size := tableSize(n)
	if cap(t.slots) < size {
		t.slots = make([]rgSlot, size)
	}
	t.used = t.used[:0]
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	return t.slots[:size]
}

// add adds the flags f to the slot of tuple (a, b), taking a slot for a
// tuple not seen yet; h is the tuple's hash.
func (t *rgTable) add(slots []rgSlot, a, b, h uint64, f uint8) {
	mask := uint64(len(slots) - 1)
	for slot := h >> t.shift; ; slot = (slot + 1) & mask {
		e := &slots[slot]
		if e.flags == 0 {
			*e = rgSlot{a, b, f}
			t.used = append(t.used, int32(slot))
			return
		}
		if e.a == a && e.b == b {
			e.flags |= f
			return
		}
	}
}

// finish empties the slots taken.
func (t *rgTable) finish(slots []rgSlot) {
	for _, k := range t.used {
		slots[k] = rgSlot{}
	}
}

// rewards computes the three levels of two views. Every level's set is a
// count over the two tables:
//
//   - simple: the (tokens, label) tuples of each side;
//   - partial: those of entities without relations and, as other tuples,
//     those of entities with relations;
//   - complete: those of entities without relations, and the relation
//     tuples (a 2-tuple never equals a 4-tuple).
func rewards(v [2]*rgView, t *rgTables) RadGraphRewards {
	// At most: the tokens, their lower-cased forms and the labels of every
	// entity, and the type of every relation.
	t.hashMask = ^uint64(0)
	if t.collide {
		t.hashMask = 0
	}
	names := &t.names
	names.start(3*(len(v[0].ents)+len(v[1].ents)) + len(v[0].rels) + len(v[1].rels))
	ents := t.ents.start(len(v[0].ents) + len(v[1].ents))
	for side := range 2 {
		w := v[side]
		for i := range w.ents {
			e := &w.ents[i]
			e.tokN, e.labN, e.lowN = names.number(e.tokens, t.hash(strHash(e.tokens))), uint32(e.code), 0
			if e.code == 0 {
				e.labN = t.otherNumber(e.label)
			}
			f := uint8(inHyp) << side
			if e.hasRel {
				f |= hypRel << (2 * side)
			} else {
				f |= hypNoRel << (2 * side)
			}
			a := uint64(e.tokN)<<32 | uint64(e.labN)
			t.ents.add(ents, a, 0, t.hash(a*fib), f)
		}
	}
	// Each distinct entity tuple adds to the counts by its flags; the
	// additions are packed (entityCounts) and unpacked before a packed
	// count could overflow. The slots are emptied on the way.
	var c [3]rgCount // simple, partial, complete
	var packed uint64
	for n, k := range t.ents.used {
		packed += entityCounts[ents[k].flags&63]
		ents[k] = rgSlot{}
		if n%packedRun == packedRun-1 {
			unpackCounts(packed, &c)
			packed = 0
		}
	}
	unpackCounts(packed, &c)
	simple, partial, complete := c[0], c[1], c[2]

	rels := t.rels.start(len(v[0].rels) + len(v[1].rels))
	for side := range 2 {
		w := v[side]
		buf := w.lowBuf[:0]
		for k := range w.rels {
			r := &w.rels[k]
			if r.t < 0 {
				continue // a target that names no entity
			}
			src, tgt := &w.ents[r.s], &w.ents[r.t]
			ls, lt := src.lowN, tgt.lowN
			if ls == 0 {
				ls, buf = w.lower(r.s, buf, t)
			}
			if lt == 0 {
				lt, buf = w.lower(r.t, buf, t)
			}
			a := uint64(ls-1)<<32 | uint64(lt-1)
			typ := uint32(r.code)
			if typ == 0 {
				typ = t.otherNumber(r.typ)
			}
			b := uint64(src.labN)<<32 | uint64(typ)
			t.rels.add(rels, a, b, t.hash((a*fib^b)*fib2), uint8(inHyp)<<side)
		}
		w.lowBuf = buf
	}
	for _, k := range t.rels.used {
		f := int(rels[k].flags)
		hyp, ref := f&inHyp, f>>1&1
		complete.hyp, complete.ref, complete.shared = complete.hyp+hyp, complete.ref+ref, complete.shared+hyp&ref
	}
	t.rels.finish(rels)
	names.finish()
	return RadGraphRewards{Simple: simple.f1(), Partial: partial.f1(), Complete: complete.f1()}
}

// lower numbers the lower-cased tokens of entity i (as Python's str.lower
// makes them), appending them to buf when they differ from the tokens, and
// returns the number plus one.
// They share the tokens' numbering: lower-cased tokens equal to another
// entity's tokens get that entity's number.
func (v *rgView) lower(i int32, buf []byte, t *rgTables) (uint32, []byte) {
	// Equal tokens, on either side, are lower-cased once.
	e := &v.ents[i]
	l := t.names.low[e.tokN]
	if l == 0 {
		l, buf = lowerNumber(e.tokens, e.tokN, buf, t)
		t.names.low[e.tokN] = l
	}
	e.lowN = l
	return l, buf
}

// lowerNumber is the number plus one of the lower-cased tok, whose number
// is n, with buf as lower appends to it.
func lowerNumber(tok string, n uint32, buf []byte, t *rgTables) (uint32, []byte) {
	if !needsLower(tok) {
		return n + 1, buf
	}
	start := len(buf)
	buf = appendPyLower(buf, tok)
	// A view taken earlier stays valid when buf grows: it keeps the array
	// it points into; the numbering forgets the views when the pair is
	// done.
	low := unsafe.String(unsafe.SliceData(buf[start:]), len(buf)-start)
	if low == tok {
		return n + 1, buf[:start]
	}
	return t.names.number(low, t.hash(strHash(low))) + 1, buf
}

// otherNumber is the number in tuples of a label or relation type that
// is not RadGraph's: past the codes of RadGraph's (labelCode, typeCode),
// its number among the strings.
func (t *rgTables) otherNumber(s string) uint32 {
	return 8 + t.names.number(s, t.hash(strHash(s)))
}

// hash is h, or 0 when the tables test collisions.
func (t *rgTables) hash(h uint64) uint64 { return h & t.hashMask }

// entityCounts holds, for each set of an entity tuple's flags, what the
// tuple adds to the counts of the three levels (rgCount's hyp, ref and
// shared of simple, partial and complete), packed seven bits a count.
var entityCounts = func() (t [64]uint64) {
	for f := range 64 {
		hyp, ref := f&inHyp, f>>1&1
		hn, hr, rn, rr := f>>2&1, f>>3&1, f>>4&1, f>>5&1
		adds := [9]int{hyp, ref, hyp & ref, hn + hr, rn + rr, hn&rn + hr&rr, hn, rn, hn & rn}
		for i, a := range adds {
			t[f] |= uint64(a) << (7 * i)
		}
	}
	return t
}()

// packedRun is how many tuples' additions a packed count takes before it
// is unpacked: a tuple adds at most 2 to a count, and a count has 7 bits.
const packedRun = 63

// unpackCounts adds the packed counts to c.
func unpackCounts(packed uint64, c *[3]rgCount) {
	for l := range c {
		c[l].hyp += int(packed >> (21 * l) & 127)
		c[l].ref += int(packed >> (21*l + 7) & 127)
		c[l].shared += int(packed >> (21*l + 14) & 127)
	}
}

// rgCount counts the distinct tuples of a level: the hypothesis's, the
// reference's and those both have.
type rgCount struct{ hyp, ref, shared int }

// f1 is the F1 of the level as the reference implementation computes it:
// precision and recall 0 on an empty side.
func (c rgCount) f1() float64 {
	var p, r float64
	if c.hyp > 0 {
		p = float64(c.shared) / float64(c.hyp)
	}
	if c.ref > 0 {
		r = float64(c.shared) / float64(c.ref)
	}
	return f1(p, r)
}

// strHash hashes a string for the numbering: eight bytes at a time, each
// word multiplied in, the last (or only) bytes read as overlapping words
// instead of one by one, and the result mixed. The hashes only group
// strings for comparison (equal strings hash alike; colliding ones are told
// apart in full), so what matters is speed and a fair spread.
func strHash(s string) uint64 {
	n := len(s)
	b := unsafe.Slice(unsafe.StringData(s), n)
	h := uint64(n)*0x9e3779b97f4a7c15 ^ 0x2d358dccaa6c78a5
	var last uint64
	switch {
	case n > 8:
		for ; len(b) > 8; b = b[8:] {
			h = (h ^ binary.LittleEndian.Uint64(b)) * 0xbf58476d1ce4e5b9
			h ^= h >> 31
		}
		last = binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[n-8:]), 8))
	case n == 8:
		last = binary.LittleEndian.Uint64(b)
	case n >= 4:
		last = uint64(binary.LittleEndian.Uint32(b))<<32 | uint64(binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		last = uint64(b[0])<<16 | uint64(b[n>>1])<<8 | uint64(b[n-1])
	}
	return mix(h ^ last)
}

// Multipliers of the tuple hashes (Fibonacci hashing: the top bits of a
// product by an odd constant near 2^64 divided by the golden ratio spread
// the tuples' numbers over the table).
const (
	fib  = 0x9e3779b97f4a7c15
	fib2 = 0xbf58476d1ce4e5b9
)

// mix spreads the bits of x (a hash of a tuple's numbers, or the end of a
// string's hash) over the whole word.
func mix(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
