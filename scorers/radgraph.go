package scorers

import (
	"cmp"
	"hash/maphash"
	"slices"

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
	var v [2]rgView
	v[0].fromAnnotation(hyp)
	v[1].fromAnnotation(ref)
	var keys [2]rgLevels
	return rewards(&v, &keys)
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
	// entH and relH are the hashes of each entity's (tokens, label) and of
	// each relation's tuple.
	entH, relH []uint64
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
	clear(v.tokens)
	clear(v.lower)
	clear(v.label)
	clear(v.rels[:cap(v.rels)])
}

func (v *rgView) fromAnnotation(a *graph.RadGraph) {
	v.reset(len(a.Entities))
	pos := make(map[string]int32, len(a.Entities))
	i := int32(0)
	for id, e := range a.Entities {
		pos[id] = i
		v.tokens[i], v.label[i] = e.Tokens, e.Label
		i++
	}
	for id, e := range a.Entities {
		s := pos[id]
		v.hasRel[s] = len(e.Relations) > 0
		for _, rel := range e.Relations {
			t, ok := pos[rel[1]]
			if !ok {
				// The reference implementation fails on a relation to a
				// missing entity; validated annotations have none. Such a
				// relation still marks its entity as related.
				continue
			}
			v.rels = append(v.rels, rgRel{s, t, rel[0]})
		}
	}
	v.lowerRelated()
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
// hashes every tuple's values once.
func (v *rgView) lowerRelated() {
	for _, r := range v.rels {
		for _, i := range [2]int32{r.s, r.t} {
			if v.lower[i] == "" {
				v.lower[i] = pyLower(v.tokens[i])
			}
		}
	}
	v.entH = grow(v.entH, len(v.tokens))
	for i := range v.tokens {
		v.entH[i] = mix(mix(0, v.tokens[i]), v.label[i])
	}
	v.relH = grow(v.relH, len(v.rels))
	for k := range v.rels {
		r := &v.rels[k]
		v.relH[k] = mix(mix(mix(mix(1, v.lower[r.s]), v.label[r.s]), r.typ), v.lower[r.t])
	}
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

// mix adds the hash of s to h.
func mix(h uint64, s string) uint64 {
	return (h^maphash.String(tupleSeed, s))*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
}

// levels lists the tuples of the three reward levels of v, each sorted by
// hash. Entity tuples hash alike at the simple and partial levels (their
// kind, compared in full within a run of equal hashes, tells them apart),
// so one sort of the entities serves both, and the complete level merges
// the unrelated entities with the sorted relations.
func (v *rgView) levels(buf *rgLevels) {
	ent := buf.simple[:0]
	for i := range v.tokens {
		ent = append(ent, keyed{v.entH[i], 0, int32(i)})
	}
	sortKeyed(ent)
	buf.simple = ent
	partial := buf.partial[:0]
	for _, k := range ent {
		if v.hasRel[k.i] {
			k.kind = 1
		}
		partial = append(partial, k)
	}
	buf.partial = partial
	rels := buf.rels[:0]
	for k := range v.rels {
		rels = append(rels, keyed{v.relH[k], 2, int32(k)})
	}
	sortKeyed(rels)
	buf.rels = rels
	complete := buf.complete[:0]
	r := 0
	for _, k := range ent {
		if v.hasRel[k.i] {
			continue
		}
		for r < len(rels) && rels[r].h < k.h {
			complete = append(complete, rels[r])
			r++
		}
		complete = append(complete, k)
	}
	buf.complete = append(complete, rels[r:]...)
}

// rgLevels holds the sorted tuples of one side's three levels.
type rgLevels struct{ simple, partial, complete, rels []keyed }

// sortKeyed sorts by hash: insertion sort for the usual few dozen tuples.
func sortKeyed(ks []keyed) {
	if len(ks) > 64 {
		slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.h, b.h) })
		return
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j].h < ks[j-1].h; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}

func rewards(v *[2]rgView, keys *[2]rgLevels) RadGraphRewards {
	v[0].levels(&keys[0])
	v[1].levels(&keys[1])
	return RadGraphRewards{
		Simple:   setF1(&v[0], keys[0].simple, &v[1], keys[1].simple),
		Partial:  setF1(&v[0], keys[0].partial, &v[1], keys[1].partial),
		Complete: setF1(&v[0], keys[0].complete, &v[1], keys[1].complete),
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

// setF1 is the F1 of two tuple lists taken as sets. Tuples are grouped by
// hash and compared by value within a group, so the result is exact even if
// two different tuples share a hash.
func setF1(hv *rgView, h []keyed, rv *rgView, r []keyed) float64 {
	h, r = distinct(hv, h), distinct(rv, r)
	shared := 0
	for a, b := 0, 0; a < len(h) && b < len(r); {
		switch {
		case h[a].h < r[b].h:
			a++
		case h[a].h > r[b].h:
			b++
		default:
			ea, eb := a, b
			for ea < len(h) && h[ea].h == h[a].h {
				ea++
			}
			for eb < len(r) && r[eb].h == r[b].h {
				eb++
			}
			for _, x := range h[a:ea] {
				for _, y := range r[b:eb] {
					if equal(hv, x, rv, y) {
						shared++
						break
					}
				}
			}
			a, b = ea, eb
		}
	}
	var p, rec float64
	if len(h) > 0 {
		p = float64(shared) / float64(len(h))
	}
	if len(r) > 0 {
		rec = float64(shared) / float64(len(r))
	}
	return f1(p, rec)
}

// distinct removes from ks (sorted by hash) the tuples equal by value to
// an earlier one, in place.
func distinct(v *rgView, ks []keyed) []keyed {
	n := 0
	for k := range ks {
		dup := false
		for y := n - 1; y >= 0 && ks[y].h == ks[k].h; y-- {
			if equal(v, ks[y], v, ks[k]) {
				dup = true
				break
			}
		}
		if !dup {
			ks[n] = ks[k]
			n++
		}
	}
	return ks[:n]
}
