package scorers

import (
	"hash/maphash"

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
	return rewards(&w.rg, &w.keys)
}

// radgraphOf computes the rewards of two prepared graphs through the label
// mapping of graph.ToRadGraph without building the annotations.
func radgraphOf(hyp, ref *prepared, isAnatomy func(string) bool, v *[2]rgView, keys *[2]rgLevels) RadGraphRewards {
	if len(hyp.nodes) == 0 || len(ref.nodes) == 0 {
		return RadGraphRewards{}
	}
	v[0].fromPrepared(hyp, isAnatomy)
	v[1].fromPrepared(ref, isAnatomy)
	return rewards(v, keys)
}

// rgView is one annotation as the rewards see it: per entity its tokens,
// their lower-cased form, its label and whether it has relations; and the
// relations as (source, target, type) by entity position.
type rgView struct {
	tokens, lower, label []string
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
	v.hasRel = grow(v.hasRel, n)
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
	v.lower = append(v.lower, "")
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
	for _, l := range s.v.label {
		switch l {
		case graph.LabelAnatomy, graph.LabelObservationPres, graph.LabelObservationUncer, graph.LabelObservationAbs:
		default:
			return false
		}
	}
	s.v.resolveTargets()
	return len(s.v.rels) == len(s.v.pend) && !s.v.repeatedID
}

// RadGraphSetF1 is RadGraphF1 for two annotations given as sets; it
// finishes them (resolving relation targets), so add nothing after.
func RadGraphSetF1(hyp, ref *RadGraphSet, keys *[2]RadGraphScratch) RadGraphRewards {
	if hyp.Len() == 0 || ref.Len() == 0 {
		return RadGraphRewards{}
	}
	hyp.v.resolve()
	ref.v.resolve()
	var lv [2]rgLevels
	if keys != nil {
		lv = [2]rgLevels{keys[0].l, keys[1].l}
	}
	v := [2]rgView{hyp.v, ref.v}
	r := rewards(&v, &lv)
	hyp.v, ref.v = v[0], v[1]
	if keys != nil {
		keys[0].l, keys[1].l = lv[0], lv[1]
	}
	return r
}

// RadGraphScratch is reusable memory for RadGraphSetF1.
type RadGraphScratch struct{ l rgLevels }

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
// hashes every tuple's values: each string is hashed once (a label or
// relation type once per view; lower-cased tokens that equal the tokens not
// at all) and the tuple hashes combine those.
func (v *rgView) lowerRelated() {
	n := len(v.tokens)
	v.entH = grow(v.entH, n)
	v.tokH = grow(v.tokH, n)
	v.lowH = grow(v.lowH, n)
	v.labH = grow(v.labH, n)
	v.strs, v.strH = v.strs[:0], v.strH[:0]
	for i := range v.tokens {
		v.tokH[i] = maphash.String(tupleSeed, v.tokens[i])
		v.labH[i] = v.symbolHash(v.label[i])
		v.entH[i] = combine(combine(0, v.tokH[i]), v.labH[i])
	}
	v.relH = grow(v.relH, len(v.rels))
	done := v.byNum[:0] // reused as "lower done" marks, one per entity
	for range v.tokens {
		done = append(done, 0)
	}
	for k := range v.rels {
		r := &v.rels[k]
		for _, i := range [2]int32{r.s, r.t} {
			if done[i] != 0 {
				continue
			}
			done[i] = 1
			if v.lower[i] == "" {
				v.lower[i] = pyLower(v.tokens[i])
			}
			if v.lower[i] == v.tokens[i] {
				v.lowH[i] = v.tokH[i]
			} else {
				v.lowH[i] = maphash.String(tupleSeed, v.lower[i])
			}
		}
	}
	for k := range v.rels {
		r := &v.rels[k]
		v.relH[k] = combine(combine(combine(combine(1, v.lowH[r.s]), v.labH[r.s]), v.symbolHash(r.typ)), v.lowH[r.t])
	}
}

// symbolHash hashes a string that recurs within a view (a label, a
// relation type) once.
func (v *rgView) symbolHash(s string) uint64 {
	for k, t := range v.strs {
		if t == s {
			return v.strH[k]
		}
	}
	h := maphash.String(tupleSeed, s)
	if len(v.strs) < 16 {
		v.strs, v.strH = append(v.strs, s), append(v.strH, h)
	}
	return h
}

// A keyed is one tuple of a reward level by reference into its view:
// kind 0 is entity i's (tokens, label), 1 is (tokens, label, true), 2 is
// relation i's (lower(tokens), label, type, lower(target tokens)). h is a
// hash of the tuple's values (the kind left out: tuples that differ only in
// kind are told apart in full); sorting these small pointer-free records
// is cheaper than sorting the tuples.
type keyed struct {
	h    uint64
	kind uint8
	i    int32
}

// tupleSeed seeds the tuple hashes. The hashes only group tuples for
// comparison (equal tuples hash alike; colliding ones are told apart in
// full), so a seed that differs from process to process changes nothing.
var tupleSeed = maphash.MakeSeed()

// combine adds the hash x to h.
func combine(h, x uint64) uint64 {
	return (h^x)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
}

// levels lists the tuples of the three reward levels of v.
func (v *rgView) levels(buf *rgLevels) {
	simple, partial, complete := buf.simple[:0], buf.partial[:0], buf.complete[:0]
	for i := range v.tokens {
		k := keyed{v.entH[i], 0, int32(i)}
		simple = append(simple, k)
		if v.hasRel[i] {
			partial = append(partial, keyed{v.entH[i] + 1, 1, int32(i)})
			continue
		}
		partial = append(partial, k)
		complete = append(complete, k)
	}
	for k := range v.rels {
		complete = append(complete, keyed{v.relH[k], 2, int32(k)})
	}
	buf.simple, buf.partial, buf.complete = simple, partial, complete
}

// rgLevels holds one side's tuples of the three levels and the hash table
// that makes them sets.
type rgLevels struct {
	simple, partial, complete []keyed
	table                     []int32
}

func rewards(v *[2]rgView, keys *[2]rgLevels) RadGraphRewards {
	v[0].levels(&keys[0])
	v[1].levels(&keys[1])
	h, r := &keys[0], &keys[1]
	return RadGraphRewards{
		Simple:   setF1(&v[0], h, h.simple, &v[1], r, r.simple),
		Partial:  setF1(&v[0], h, h.partial, &v[1], r, r.partial),
		Complete: setF1(&v[0], h, h.complete, &v[1], r, r.complete),
	}
}

// equal compares tuple x of view a with tuple y of view b by value.
func equal(a *rgView, x keyed, b *rgView, y keyed) bool {
	if x.kind != y.kind {
		return false
	}
	if x.kind == 2 {
		r, s := &a.rels[x.i], &b.rels[y.i]
		return r.typ == s.typ && a.label[r.s] == b.label[s.s] && a.lower[r.s] == b.lower[s.s] && a.lower[r.t] == b.lower[s.t]
	}
	return a.label[x.i] == b.label[y.i] && a.tokens[x.i] == b.tokens[y.i]
}

// setF1 is the F1 of two tuple lists taken as sets. Each side's tuples
// go into an open-addressing hash table (a tuple equal by value to one
// already there is a repeat); the hypothesis's distinct tuples are then
// looked up in the reference's table. Equal hashes are always confirmed by
// comparing the tuples, so the result is exact whatever the hashes do.
func setF1(hv *rgView, hb *rgLevels, h []keyed, rv *rgView, rb *rgLevels, r []keyed) float64 {
	rt, nr := fillTable(rv, rb, r)
	nh, shared := 0, 0
	size := tableSize(len(h))
	hb.table = grow(hb.table, size)
	ht := hb.table
	for i := range ht {
		ht[i] = -1
	}
	mask := uint64(size - 1)
	for k, x := range h {
		slot := x.h & mask
		dup := false
		for ht[slot] >= 0 {
			if y := h[ht[slot]]; y.h == x.h && equal(hv, y, hv, x) {
				dup = true
				break
			}
			slot = (slot + 1) & mask
		}
		if dup {
			continue
		}
		ht[slot] = int32(k)
		nh++
		if lookup(rv, rt, r, hv, x) {
			shared++
		}
	}
	var p, rec float64
	if nh > 0 {
		p = float64(shared) / float64(nh)
	}
	if nr > 0 {
		rec = float64(shared) / float64(nr)
	}
	return f1(p, rec)
}

func tableSize(n int) int {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return size
}

// fillTable puts the tuples of ts into b's table and returns it with the
// number of distinct tuples.
func fillTable(v *rgView, b *rgLevels, ts []keyed) ([]int32, int) {
	size := tableSize(len(ts))
	b.table = grow(b.table, size)
	t := b.table
	for i := range t {
		t[i] = -1
	}
	mask := uint64(size - 1)
	n := 0
	for k, x := range ts {
		slot := x.h & mask
		dup := false
		for t[slot] >= 0 {
			if y := ts[t[slot]]; y.h == x.h && equal(v, y, v, x) {
				dup = true
				break
			}
			slot = (slot + 1) & mask
		}
		if !dup {
			t[slot] = int32(k)
			n++
		}
	}
	return t, n
}

// lookup reports whether the tuple x of view xv is in the table t of ts.
func lookup(v *rgView, t []int32, ts []keyed, xv *rgView, x keyed) bool {
	mask := uint64(len(t) - 1)
	for slot := x.h & mask; t[slot] >= 0; slot = (slot + 1) & mask {
		if y := ts[t[slot]]; y.h == x.h && equal(xv, x, v, y) {
			return true
		}
	}
	return false
}
