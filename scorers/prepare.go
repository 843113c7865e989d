package scorers

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kgeval/kgeval/graph"
)

// node is an entity prepared for comparison.
type node struct {
	*graph.Entity
	tokens []string // distinct tokens of the normalized text, in text order
	parent string   // the ontology parent of Key, "" when none
	looked bool     // parent has been looked up
}

// parentKey is the ontology parent of the node's key, looked up once and
// only for nodes that need it.
func (n *node) parentKey(opt Options) string {
	if !n.looked {
		n.looked = true
		if opt.Ontology != nil {
			n.parent = opt.Ontology.Parent(n.Key)
		}
	}
	return n.parent
}

// arc is one distinct typed edge as seen from one of its ends: the node
// at the other end, the relation type and the edge's count (at least 1).
type arc struct {
	other int
	typ   string
	count float64
}

// prepared is a graph made ready for every scorer once: its nodes with
// token sets, and its distinct typed edges (duplicates of the same source,
// target and type are one edge) as outgoing and incoming arcs in document
// order, stored compactly (arcs of node i at [start[i], start[i+1])).
// Relations naming entities that do not exist are ignored. Its slices are
// reused when a workspace prepares the next graph.
type prepared struct {
	g                 *graph.Graph
	nodes             []node
	outStart, inStart []int
	outList, inList   []arc
	nEdges            int

	tokBuf []string
	tokEnd []int
	edges  []edgeT
	// relEnds[k] are the entity positions of Relations[k]'s ends, -1 for
	// an id that names no entity.
	relEnds [][2]int32
	next    []int
	idx     map[string]int
}

type edgeT struct {
	s, t  int
	typ   string
	count float64
	order int
}

func prepare(g *graph.Graph, opt Options) *prepared {
	p := &prepared{}
	p.init(g, opt)
	return p
}

// grow returns s with length n, all zero, reusing its array when large
// enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func (p *prepared) init(g *graph.Graph, opt Options) {
	p.g = g
	p.nodes = grow(p.nodes, len(g.Entities))
	p.tokBuf = p.tokBuf[:0]
	p.tokEnd = grow(p.tokEnd, len(g.Entities))
	for i := range g.Entities {
		p.tokBuf = appendTokens(p.tokBuf, g.Entities[i].Text)
		p.tokEnd[i] = len(p.tokBuf)
	}
	for i := range g.Entities {
		e := &g.Entities[i]
		n := &p.nodes[i]
		n.Entity = e
		start := 0
		if i > 0 {
			start = p.tokEnd[i-1]
		}
		n.tokens = p.tokBuf[start:p.tokEnd[i]:p.tokEnd[i]]
		n.parent, n.looked = "", false
	}
	p.nEdges = 0
	p.outStart, p.inStart, p.outList, p.inList = p.outStart[:0], p.inStart[:0], p.outList[:0], p.inList[:0]
	p.relEnds = p.relEnds[:0]
	if len(g.Relations) == 0 {
		p.outStart, p.inStart = nil, nil
		return
	}
	if len(g.Entities) > 24 {
		if p.idx == nil {
			p.idx = make(map[string]int, len(g.Entities))
		}
		clear(p.idx)
		for i := range g.Entities {
			p.idx[g.Entities[i].ID] = i
		}
	}
	es := p.edges[:0]
	for k := range g.Relations {
		r := &g.Relations[k]
		s, t := p.index(r.Source), p.index(r.Target)
		p.relEnds = append(p.relEnds, [2]int32{int32(s), int32(t)})
		if s < 0 || t < 0 {
			continue
		}
		c := 1.0
		if r.Count > 1 {
			c = float64(r.Count)
		}
		es = append(es, edgeT{s, t, r.Type, c, k})
	}
	p.edges = es
	// Distinct (source, target, type), keeping the first in document order;
	// a repeated edge keeps the largest count.
	slices.SortFunc(es, func(a, b edgeT) int {
		if c := cmp.Compare(a.s, b.s); c != 0 {
			return c
		}
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		if c := strings.Compare(a.typ, b.typ); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	uniq := es[:0]
	for _, e := range es {
		if n := len(uniq); n > 0 && uniq[n-1].s == e.s && uniq[n-1].t == e.t && uniq[n-1].typ == e.typ {
			uniq[n-1].count = max(uniq[n-1].count, e.count)
			continue
		}
		uniq = append(uniq, e)
	}
	slices.SortFunc(uniq, func(a, b edgeT) int { return cmp.Compare(a.order, b.order) })
	n := len(p.nodes)
	p.nEdges = len(uniq)
	p.outStart, p.inStart = grow(p.outStart, n+1), grow(p.inStart, n+1)
	for _, e := range uniq {
		p.outStart[e.s+1]++
		p.inStart[e.t+1]++
	}
	for i := 0; i < n; i++ {
		p.outStart[i+1] += p.outStart[i]
		p.inStart[i+1] += p.inStart[i]
	}
	p.outList, p.inList = grow(p.outList, len(uniq)), grow(p.inList, len(uniq))
	p.next = grow(p.next, 2*n)
	outNext, inNext := p.next[:n], p.next[n:]
	copy(outNext, p.outStart[:n])
	copy(inNext, p.inStart[:n])
	for _, e := range uniq {
		p.outList[outNext[e.s]] = arc{e.t, e.typ, e.count}
		outNext[e.s]++
		p.inList[inNext[e.t]] = arc{e.s, e.typ, e.count}
		inNext[e.t]++
	}
}

// index is the position of the entity with the given id, -1 for none; a
// repeated id resolves to its last entity, as graph.EntityIndex does.
func (p *prepared) index(id string) int {
	if len(p.g.Entities) > 24 {
		if i, ok := p.idx[id]; ok {
			return i
		}
		return -1
	}
	for i := len(p.g.Entities) - 1; i >= 0; i-- {
		if p.g.Entities[i].ID == id {
			return i
		}
	}
	return -1
}

// outArcs returns the outgoing arcs of node i.
func (p *prepared) outArcs(i int) []arc {
	if p.outStart == nil {
		return nil
	}
	return p.outList[p.outStart[i]:p.outStart[i+1]]
}

// inArcs returns the incoming arcs of node i.
func (p *prepared) inArcs(i int) []arc {
	if p.inStart == nil {
		return nil
	}
	return p.inList[p.inStart[i]:p.inStart[i+1]]
}

// hasEdge reports whether the graph has the typed edge s → t.
func (p *prepared) hasEdge(s, t int, typ string) bool {
	for _, a := range p.outArcs(s) {
		if a.other == t && a.typ == typ {
			return true
		}
	}
	return false
}

// workspace holds everything one comparison needs, reused through a pool so
// that scoring many pairs allocates little.
type workspace struct {
	r, c     prepared
	m        Matching
	ms       matchScratch
	hs       hungarianScratch
	ams      amsScratch
	candSim  []float64
	rg       [2]rgView
	rgTables rgTables
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

func getWorkspace() *workspace { return workspaces.Get().(*workspace) }

// put returns w to the pool without keeping the graphs it saw alive.
func (w *workspace) put() {
	for _, p := range []*prepared{&w.r, &w.c} {
		p.g = nil
		clear(p.nodes)
		clear(p.tokBuf)
		clear(p.edges)
	}
	for i := range w.rg {
		w.rg[i].clearRefs()
	}
	w.m.ref, w.m.cand = nil, nil
	workspaces.Put(w)
}

// appendTokens appends the distinct tokens of graph.NormalizeKey(text) to
// buf: the text lower-cased, split at every character that is not a
// letter a–z, a digit, a full stop or non-ASCII, each piece trimmed of
// full stops. It gives the same tokens as splitting NormalizeKey's result
// at spaces, in one pass. (After strings.ToLower the text is valid UTF-8:
// invalid bytes became U+FFFD, which counts as non-ASCII.)
func appendTokens(buf []string, text string) []string {
	lower := text
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			lower = strings.ToLower(text)
			break
		}
	}
	start := len(buf)
	tok := -1
	for i := 0; i <= len(lower); i++ {
		keep := false
		if i < len(lower) {
			c := lower[i]
			keep = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c >= utf8.RuneSelf
		}
		if keep {
			if tok < 0 {
				tok = i
			}
			continue
		}
		if tok < 0 {
			continue
		}
		t := strings.Trim(lower[tok:i], ".")
		tok = -1
		if t != "" && !slices.Contains(buf[start:], t) {
			buf = append(buf, t)
		}
	}
	return buf
}
