package scorers

import (
	"encoding/binary"
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

// rgView is one annotation as the rewards see it: per entity its tokens,
// their lower-cased form, its label and whether it has relations; and the
// relations as (source, target, type) by entity position.
type rgView struct {
	tokens, lower, label []string
	labC                 []uint8 // each label's code (labelCode)
	hasRel               []bool
	rels                 []rgRel
	ids                  []string    // annotation entity ids by position
	pend                 []rgPending // relations by target id, before resolve
	targetsDone          bool        // rels holds pend resolved
	repeatedID           bool        // an entity id occurs twice (found by resolveTargets)
	byNum                []int32     // entity position by numeric id
	// entH and relH are the hashes of each entity's (tokens, label) and of
	// each relation's tuple; tokH, lowH and labH of each entity's tokens,
	// lower-cased tokens and label.
	entH, relH, tokH, lowH, labH []uint64
	strs                         []string // labels and types hashed so far
	strH                         []uint64
	lowBuf                       []byte // the lower-cased tokens that differ
}

type rgPending struct {
	s           int32
	typ, target string
}

type rgRel struct {
	s, t int32
	typ  string
}

func (v *rgView) reset(n int) {
	v.tokens, v.lower, v.label = grow(v.tokens, n), grow(v.lower, n), grow(v.label, n)
	v.labC, v.hasRel = grow(v.labC, n), grow(v.hasRel, n)
	v.rels = v.rels[:0]
}

func (v *rgView) clearRefs() {
	clear(v.strs)
	clear(v.ids)
	clear(v.pend)
	clear(v.tokens)
	clear(v.lower)
	clear(v.label)
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
	v.ids, v.pend = v.ids[:0], v.pend[:0]
}

func (v *rgView) addEntity(id, tokens, label string) {
	v.targetsDone = false
	v.ids = append(v.ids, id)
	v.tokens = append(v.tokens, tokens)
	v.label = append(v.label, label)
	v.labC = append(v.labC, labelCode(label))
	v.hasRel = append(v.hasRel, false)
}

// addRelation adds a relation of the last entity added.
func (v *rgView) addRelation(typ, target string) {
	s := int32(len(v.ids) - 1)
	v.targetsDone = false
	v.hasRel[s] = true
	v.pend = append(v.pend, rgPending{s, typ, target})
}

// resolve finds the relations' targets and hashes the tuples.
func (v *rgView) resolve() {
	if !v.targetsDone {
		v.resolveTargets()
	}
	v.lowerRelated()
}

// resolveTargets finds the relations' targets.
func (v *rgView) resolveTargets() {
	v.targetsDone = true
	v.rels = v.rels[:0]
	// Relation targets name entity ids, which are usually small numbers:
	// look them up in a table by number, else in a map.
	byNum := v.byNum[:0]
	numeric := true
	v.repeatedID = false
	for i, id := range v.ids {
		n, ok := smallNumber(id) // one spelling per number: no "01"
		if !ok {
			numeric = false
			break
		}
		for len(byNum) <= n {
			byNum = append(byNum, -1)
		}
		if byNum[n] >= 0 {
			v.repeatedID = true
		}
		byNum[n] = int32(i)
	}
	v.byNum = byNum
	var pos map[string]int32
	if !numeric {
		v.repeatedID = false
		pos = make(map[string]int32, len(v.ids))
		for i, id := range v.ids {
			if _, seen := pos[id]; seen {
				v.repeatedID = true
			}
			pos[id] = int32(i)
		}
	}
	for _, p := range v.pend {
		t, ok := int32(-1), false
		if numeric {
			if n, isNum := smallNumber(p.target); isNum && n < len(byNum) && byNum[n] >= 0 {
				t, ok = byNum[n], true
			}
		} else {
			t, ok = pos[p.target]
		}
		if !ok {
			// The reference implementation fails on a relation to a missing
			// entity; validated annotations have none. Such a relation
			// still marks its entity as related.
			continue
		}
		v.rels = append(v.rels, rgRel{p.s, t, p.typ})
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

// Len is the number of entities.
func (s *RadGraphSet) Len() int { return len(s.v.ids) }

// Valid reports whether every label is a RadGraph label, every relation
// names an entity (graph.RadGraph.Validate's checks, without its message)
// and no entity id is given twice (which a decoded annotation, a map,
// cannot hold).
func (s *RadGraphSet) Valid() bool {
	for _, c := range s.v.labC {
		if c == 0 {
			return false
		}
	}
	s.v.resolveTargets()
	return len(s.v.rels) == len(s.v.pend) && !s.v.repeatedID
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

// smallNumber parses an id written as a decimal number below 4096 in its
// canonical form ("7", not "07" or "+7").
func smallNumber(id string) (int, bool) {
	if len(id) == 0 || len(id) > 4 || len(id) > 1 && id[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < 4096
}

// fromPrepared views a graph as graph.ToRadGraph would convert it: tokens
// are the entity texts, labels by graph.RadGraphLabel, and each relation
// whose ends exist (duplicates included) a relation of its source.
func (v *rgView) fromPrepared(p *prepared, isAnatomy func(string) bool) {
	v.reset(len(p.nodes))
	for i := range p.nodes {
		v.tokens[i] = p.nodes[i].Text
		v.label[i] = graph.RadGraphLabel(*p.nodes[i].Entity, isAnatomy)
		v.labC[i] = labelCode(v.label[i])
	}
	for k, ends := range p.relEnds {
		s, t := ends[0], ends[1]
		if s < 0 || t < 0 {
			continue
		}
		v.hasRel[s] = true
		v.rels = append(v.rels, rgRel{s, t, p.g.Relations[k].Type})
	}
	v.lowerRelated()
}

// lowerRelated lower-cases the tokens that appear in relation tuples and
// hashes every tuple's values: each string is hashed once (lower-cased
// tokens that equal the tokens not at all) and the tuple hashes combine
// those. Lower-cased tokens that differ from the tokens are views of
// v.lowBuf, valid until the next call.
func (v *rgView) lowerRelated() {
	n := len(v.tokens)
	v.entH = grow(v.entH, n)
	v.tokH = grow(v.tokH, n)
	v.lowH = grow(v.lowH, n)
	v.labH = grow(v.labH, n)
	v.lower = grow(v.lower, n) // set below for the entities in relations
	v.strs, v.strH = v.strs[:0], v.strH[:0]
	for i := range v.tokens {
		v.tokH[i] = strHash(v.tokens[i])
		if c := v.labC[i]; c != 0 {
			v.labH[i] = knownSymbols[c-1]
		} else {
			v.labH[i] = strHash(v.label[i])
		}
		v.entH[i] = combine(combine(0, v.tokH[i]), v.labH[i])
	}
	v.relH = grow(v.relH, len(v.rels))
	done := grow(v.byNum, n) // reused as "lower done" marks, one per entity
	buf := v.lowBuf[:0]
	for k := range v.rels {
		r := &v.rels[k]
		if done[r.s] == 0 {
			done[r.s] = 1
			buf = v.lowerEntity(r.s, buf)
		}
		if done[r.t] == 0 {
			done[r.t] = 1
			buf = v.lowerEntity(r.t, buf)
		}
		v.relH[k] = combine(combine(combine(combine(1, v.lowH[r.s]), v.labH[r.s]), v.symbolHash(r.typ)), v.lowH[r.t])
	}
	v.byNum, v.lowBuf = done, buf
}

// lowerEntity sets the lower-cased tokens of entity i and their hash,
// appending them to buf when they differ from the tokens.
func (v *rgView) lowerEntity(i int32, buf []byte) []byte {
	tok := v.tokens[i]
	if !needsLower(tok) {
		v.lower[i], v.lowH[i] = tok, v.tokH[i]
		return buf
	}
	start := len(buf)
	buf = appendPyLower(buf, tok)
	// A view taken earlier stays valid when buf grows: it keeps the array
	// it points into.
	low := unsafe.String(unsafe.SliceData(buf[start:]), len(buf)-start)
	if low == tok {
		v.lower[i], v.lowH[i] = tok, v.tokH[i]
		return buf[:start]
	}
	v.lower[i], v.lowH[i] = low, strHash(low)
	return buf
}

// labelCode numbers the RadGraph labels 1 to 4 (their hashes'
// places in knownSymbols, less one); any other label is 0.
func labelCode(label string) uint8 {
	switch label {
	case graph.LabelAnatomy:
		return 1
	case graph.LabelObservationPres:
		return 2
	case graph.LabelObservationUncer:
		return 3
	case graph.LabelObservationAbs:
		return 4
	}
	return 0
}

// sameLabel reports whether entity i of a and entity j of b have the same
// label: by code, or for labels without one, by value.
func sameLabel(a *rgView, i int32, b *rgView, j int32) bool {
	c := a.labC[i]
	return c == b.labC[j] && (c != 0 || a.label[i] == b.label[j])
}

// symbolHash hashes a string that recurs within a view (a relation type,
// a label without a code) once; the RadGraph labels and relation types
// are hashed in advance.
func (v *rgView) symbolHash(s string) uint64 {
	switch s {
	case graph.LabelAnatomy:
		return knownSymbols[0]
	case graph.LabelObservationPres:
		return knownSymbols[1]
	case graph.LabelObservationUncer:
		return knownSymbols[2]
	case graph.LabelObservationAbs:
		return knownSymbols[3]
	case "modify":
		return knownSymbols[4]
	case "located_at":
		return knownSymbols[5]
	case "suggestive_of":
		return knownSymbols[6]
	}
	for k, t := range v.strs {
		if t == s {
			return v.strH[k]
		}
	}
	h := strHash(s)
	if len(v.strs) < 16 {
		v.strs, v.strH = append(v.strs, s), append(v.strH, h)
	}
	return h
}

// knownSymbols are the hashes of the RadGraph labels and relation types,
// in symbolHash's order.
var knownSymbols = func() (h [7]uint64) {
	for i, s := range []string{graph.LabelAnatomy, graph.LabelObservationPres, graph.LabelObservationUncer,
		graph.LabelObservationAbs, "modify", "located_at", "suggestive_of"} {
		h[i] = strHash(s)
	}
	return h
}()

// strHash hashes a string for the tuple tables: eight bytes at a time,
// each word multiplied in, the last (or only) bytes read as overlapping
// words instead of one by one, and the result mixed. The hashes only group
// tuples for comparison (equal tuples hash alike; colliding ones are told
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
	h = (h ^ last) * 0x94d049bb133111eb
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

// combine adds the hash x to h.
func combine(h, x uint64) uint64 {
	return (h^x)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
}

// rgTables is reusable memory for the rewards: the hash tables that make
// the tuples of both sides sets.
type rgTables struct {
	ents, rels rgTable
}

// An rgTable is an open-addressing hash table of tuples. Its slots are all
// empty between uses: the slots taken are listed as they are, counted, and
// emptied again.
type rgTable struct {
	slots []rgSlot
	used  []int32
}

// start returns the slots for n tuples.
func (t *rgTable) start(n int) []rgSlot {
	size := 16
	for size < 2*n {
		size *= 2
	}
	if cap(t.slots) < size {
		t.slots = make([]rgSlot, size)
	}
	t.used = t.used[:0]
	return t.slots[:size]
}

// finish empties the slots taken.
func (t *rgTable) finish(slots []rgSlot) {
	for _, k := range t.used {
		slots[k] = rgSlot{}
	}
}

// An rgSlot is one distinct tuple of a table: the hash of its values,
// where it was first seen (side 0 is the hypothesis, 1 the reference; i is
// an entity or relation position) and which sides have it (flags; 0 marks
// an empty slot).
type rgSlot struct {
	h     uint64
	i     int32
	side  uint8
	flags uint8
}

// Entity flags: the side has the (tokens, label) tuple at all, for an
// entity without relations, for an entity with relations. Relation tuples
// use the first two.
const (
	inHyp, inRef     = 1, 2
	hypNoRel, hypRel = 4, 8
	refNoRel, refRel = 16, 32
)

// rewards computes the three levels from two tables: one of the entities'
// (tokens, label) tuples, flagged by side and by whether the entity has
// relations, and one of the relation tuples. Every level's set is a count
// over them:
//
//   - simple: the (tokens, label) tuples of each side;
//   - partial: those of entities without relations and, as other tuples,
//     those of entities with relations;
//   - complete: those of entities without relations, and the relation
//     tuples (a 2-tuple never equals a 4-tuple).
//
// Equal hashes are always confirmed by comparing the tuples, so the result
// is exact whatever the hashes do.
func rewards(v [2]*rgView, t *rgTables) RadGraphRewards {
	ents := t.ents.start(len(v[0].tokens) + len(v[1].tokens))
	for side := range 2 {
		w := v[side]
		for i := range w.tokens {
			f := uint8(inHyp) << side
			if w.hasRel[i] {
				f |= hypRel << (2 * side)
			} else {
				f |= hypNoRel << (2 * side)
			}
			insertEntity(&t.ents, ents, v, uint8(side), int32(i), w.entH[i], f)
		}
	}
	var simple, partial, complete rgCount
	for _, k := range t.ents.used {
		f := int(ents[k].flags)
		hyp, ref := f&inHyp, f>>1&1
		hn, hr, rn, rr := f>>2&1, f>>3&1, f>>4&1, f>>5&1
		simple.hyp, simple.ref, simple.shared = simple.hyp+hyp, simple.ref+ref, simple.shared+hyp&ref
		partial.hyp, partial.ref, partial.shared = partial.hyp+hn+hr, partial.ref+rn+rr, partial.shared+hn&rn+hr&rr
		complete.hyp, complete.ref, complete.shared = complete.hyp+hn, complete.ref+rn, complete.shared+hn&rn
	}
	t.ents.finish(ents)
	rels := t.rels.start(len(v[0].rels) + len(v[1].rels))
	for side := range 2 {
		w := v[side]
		for k := range w.rels {
			insertRelation(&t.rels, rels, v, uint8(side), int32(k), w.relH[k], uint8(inHyp)<<side)
		}
	}
	for _, k := range t.rels.used {
		f := int(rels[k].flags)
		hyp, ref := f&inHyp, f>>1&1
		complete.hyp, complete.ref, complete.shared = complete.hyp+hyp, complete.ref+ref, complete.shared+hyp&ref
	}
	t.rels.finish(rels)
	return RadGraphRewards{Simple: simple.f1(), Partial: partial.f1(), Complete: complete.f1()}
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

// insertEntity adds the flags f of entity i of a side to the slot of its
// (tokens, label) tuple, taking a slot for a tuple not seen yet.
func insertEntity(tab *rgTable, t []rgSlot, v [2]*rgView, side uint8, i int32, h uint64, f uint8) {
	mask := uint64(len(t) - 1)
	a := v[side]
	for slot := h & mask; ; slot = (slot + 1) & mask {
		e := &t[slot]
		if e.flags == 0 {
			*e = rgSlot{h: h, i: i, side: side, flags: f}
			tab.used = append(tab.used, int32(slot))
			return
		}
		if b := v[e.side]; e.h == h && a.tokens[i] == b.tokens[e.i] && sameLabel(a, i, b, e.i) {
			e.flags |= f
			return
		}
	}
}

// insertRelation is insertEntity for relation k's (lower(tokens), label,
// type, lower(target tokens)) tuple.
func insertRelation(tab *rgTable, t []rgSlot, v [2]*rgView, side uint8, k int32, h uint64, f uint8) {
	mask := uint64(len(t) - 1)
	a := v[side]
	r := &a.rels[k]
	for slot := h & mask; ; slot = (slot + 1) & mask {
		e := &t[slot]
		if e.flags == 0 {
			*e = rgSlot{h: h, i: k, side: side, flags: f}
			tab.used = append(tab.used, int32(slot))
			return
		}
		b := v[e.side]
		s := &b.rels[e.i]
		if e.h == h && r.typ == s.typ && sameLabel(a, r.s, b, s.s) && a.lower[r.s] == b.lower[s.s] && a.lower[r.t] == b.lower[s.t] {
			e.flags |= f
			return
		}
	}
}
