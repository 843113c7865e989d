package scorers

import (
	"cmp"
	"slices"
	"strings"

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
// complete level are lower-cased: "Effusion" and "effusion" are different
// entities at the simple and partial levels.
func RadGraphF1(hyp, ref *graph.RadGraph) RadGraphRewards {
	if len(hyp.Entities) == 0 || len(ref.Entities) == 0 {
		return RadGraphRewards{}
	}
	var v [2]rgView
	v[0].fromAnnotation(hyp)
	v[1].fromAnnotation(ref)
	var keys [2][]keyed
	return rewards(&v, &keys)
}

// radgraphOf computes the rewards of two prepared graphs through the label
// mapping of graph.ToRadGraph without building the annotations.
func radgraphOf(hyp, ref *prepared, isAnatomy func(string) bool, v *[2]rgView, keys *[2][]keyed) RadGraphRewards {
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
				v.lower[i] = strings.ToLower(v.tokens[i])
			}
		}
	}
	v.entH = grow(v.entH, len(v.tokens))
	for i := range v.tokens {
		v.entH[i] = fnv(fnv(fnvOffset, v.tokens[i]), v.label[i])
	}
	v.relH = grow(v.relH, len(v.rels))
	for k := range v.rels {
		r := &v.rels[k]
		v.relH[k] = fnv(fnv(fnv(fnv(fnvOffset, v.lower[r.s]), v.label[r.s]), r.typ), v.lower[r.t])
	}
}

// A keyed is one tuple of a reward level by reference into its view:
// kind 0 is entity i's (tokens, label), 1 is (tokens, label, true), 2 is
// relation i's (lower(tokens), label, type, lower(target tokens)). h is a
// hash of the tuple's values; sorting these small pointer-free records
// is cheaper than sorting the tuples.
type keyed struct {
	h    uint64
	kind uint8
	i    int32
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv adds s and an end byte that cannot occur in UTF-8 text to the FNV-1a
// hash h, so that different splits of the same bytes hash differently.
func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return (h ^ 0xff) * fnvPrime
}

func (v *rgView) key(kind uint8, i int32) keyed {
	var h uint64
	if kind == 2 {
		h = v.relH[i]
	} else {
		h = v.entH[i]
	}
	return keyed{(h ^ uint64(kind)) * fnvPrime, kind, i}
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

// level lists the tuples of one reward level (0 simple, 1 partial, 2
// complete) of v into buf.
func (v *rgView) level(level int, buf []keyed) []keyed {
	buf = buf[:0]
	for i := range v.tokens {
		kind := uint8(0)
		if v.hasRel[i] {
			switch level {
			case 1:
				kind = 1
			case 2:
				continue // its relation tuples stand for it
			}
		}
		buf = append(buf, v.key(kind, int32(i)))
	}
	if level == 2 {
		for k := range v.rels {
			buf = append(buf, v.key(2, int32(k)))
		}
	}
	return buf
}

func rewards(v *[2]rgView, keys *[2][]keyed) RadGraphRewards {
	var out [3]float64
	for level := range out {
		keys[0] = v[0].level(level, keys[0])
		keys[1] = v[1].level(level, keys[1])
		out[level] = setF1(&v[0], keys[0], &v[1], keys[1])
	}
	return RadGraphRewards{Simple: out[0], Partial: out[1], Complete: out[2]}
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

// distinct sorts ks by hash and removes tuples equal by value to an
// earlier one, in place.
func distinct(v *rgView, ks []keyed) []keyed {
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
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
