package scorers

import (
	"cmp"
	"math"
	"slices"

	"github.com/kgeval/kgeval/graph"
)

// Matching is a one-to-one matching π of reference nodes to candidate nodes
// maximizing the total similarity. Pairs of similarity 0 are not matched.
type Matching struct {
	ref, cand *prepared
	// RefToCand[i] is the candidate index matched to reference node i, or -1.
	RefToCand []int
	// CandToRef[j] is the reference index matched to candidate node j, or -1.
	CandToRef []int
	// Sim[i] is s(u_i, π(u_i)), 0 when u_i is unmatched.
	Sim []float64
	// Exact is false when the graphs exceeded the size bound and the greedy
	// matching was used.
	Exact bool
}

// Match computes the matching of docs/metrics.md. When the larger graph has
// at most opt.MaxExact nodes the matching is optimal: the pairs of positive
// similarity split into independent groups (connected components), a group
// with one reference or one candidate node takes its most similar pair
// (the first in document order among equals), and each larger group is
// solved by the Hungarian method. Above the bound the matching is greedy:
// among the pairs of positive similarity, the most similar remaining pair
// is taken first, ties broken by reference then candidate document order.
// The greedy matching reaches at least half the optimal total; it costs
// O(k log k) for k pairs of positive similarity, which an index of keys,
// parents and tokens finds without comparing every node with every other.
func Match(ref, cand *graph.Graph, opt Options) *Matching {
	m := &Matching{}
	var ms matchScratch
	var hs hungarianScratch
	m.compute(prepare(ref, opt), prepare(cand, opt), opt, &ms, &hs)
	return m
}

// matchScratch is the reusable memory of the exact matching.
type matchScratch struct {
	types          []string // the candidate's distinct types
	members        [][]int  // candidate nodes by type, in document order
	every          []int    // 0..n-1
	sim            []float64
	uf             []int
	rowHas, colHas []bool
	groupOf        []int
	gRows, gCols   []int // members by group, flat
	gStart         []int
	sub            []float64
	assign         []int
}

func (m *Matching) compute(r, c *prepared, opt Options, ms *matchScratch, hs *hungarianScratch) {
	nr, nc := len(r.nodes), len(c.nodes)
	m.ref, m.cand, m.Exact = r, c, true
	m.RefToCand, m.CandToRef, m.Sim = grow(m.RefToCand, nr), grow(m.CandToRef, nc), grow(m.Sim, nr)
	for i := range m.RefToCand {
		m.RefToCand[i] = -1
	}
	for j := range m.CandToRef {
		m.CandToRef[j] = -1
	}
	if nr == 0 || nc == 0 {
		return
	}
	if max(nr, nc) > opt.maxExact() {
		m.Exact = false
		for _, p := range greedyPairs(sparsePairs(r, c, opt)) {
			m.set(p.i, p.j, p.s)
		}
		return
	}
	sim := grow(ms.sim, nr*nc)
	ms.sim = sim
	// Union-find over rows 0..nr-1 and columns nr..nr+nc-1: two nodes are
	// in one group when a chain of positive similarities joins them.
	uf := grow(ms.uf, nr+nc)
	ms.uf = uf
	for k := range uf {
		uf[k] = k
	}
	find := func(x int) int {
		for uf[x] != x {
			uf[x] = uf[uf[x]]
			x = uf[x]
		}
		return x
	}
	ms.rowHas, ms.colHas = grow(ms.rowHas, nr), grow(ms.colHas, nc)
	positive := false
	// Nodes of different types never match unless the ontology says their
	// types are compatible: without such declarations only the candidates
	// of a reference node's own type are compared with it.
	byType := opt.Ontology == nil || len(opt.Ontology.Compatible) == 0
	if byType {
		ms.bucket(c)
	}
	for i := range r.nodes {
		row := sim[i*nc : (i+1)*nc]
		u := &r.nodes[i]
		cands := ms.all(nc)
		if byType {
			cands = ms.ofType(u.Type)
		}
		for _, j := range cands {
			if s := similarity(u, &c.nodes[j], opt); s > 0 {
				row[j] = s
				positive, ms.rowHas[i], ms.colHas[j] = true, true, true
				if a, b := find(i), find(nr+j); a != b {
					uf[a] = b
				}
			}
		}
	}
	if !positive {
		return
	}
	// Number the groups in order of their first reference node and list
	// their members in document order (a counting sort).
	groupOf := grow(ms.groupOf, nr+nc)
	ms.groupOf = groupOf
	for k := range groupOf {
		groupOf[k] = -1
	}
	groups := 0
	for i := 0; i < nr; i++ {
		if ms.rowHas[i] {
			if g := find(i); groupOf[g] < 0 {
				groupOf[g] = groups
				groups++
			}
		}
	}
	ms.gStart = grow(ms.gStart, 2*(groups+1))
	rowStart, colStart := ms.gStart[:groups+1], ms.gStart[groups+1:]
	rowG := func(i int) int { return groupOf[find(i)] }
	for i := 0; i < nr; i++ {
		if ms.rowHas[i] {
			rowStart[rowG(i)+1]++
		}
	}
	for j := 0; j < nc; j++ {
		if ms.colHas[j] {
			colStart[rowG(nr+j)+1]++
		}
	}
	for g := 0; g < groups; g++ {
		rowStart[g+1] += rowStart[g]
		colStart[g+1] += colStart[g]
	}
	ms.gRows, ms.gCols = grow(ms.gRows, rowStart[groups]), grow(ms.gCols, colStart[groups])
	ms.assign = grow(ms.assign, 2*groups)
	fillR, fillC := ms.assign[:groups], ms.assign[groups:]
	copy(fillR, rowStart[:groups])
	copy(fillC, colStart[:groups])
	for i := 0; i < nr; i++ {
		if ms.rowHas[i] {
			g := rowG(i)
			ms.gRows[fillR[g]] = i
			fillR[g]++
		}
	}
	for j := 0; j < nc; j++ {
		if ms.colHas[j] {
			g := rowG(nr + j)
			ms.gCols[fillC[g]] = j
			fillC[g]++
		}
	}
	for g := 0; g < groups; g++ {
		rows, cols := ms.gRows[rowStart[g]:rowStart[g+1]], ms.gCols[colStart[g]:colStart[g+1]]
		switch {
		case len(rows) == 1:
			i, best := rows[0], cols[0]
			for _, j := range cols[1:] {
				if sim[i*nc+j] > sim[i*nc+best] {
					best = j
				}
			}
			m.set(i, best, sim[i*nc+best])
		case len(cols) == 1:
			j, best := cols[0], rows[0]
			for _, i := range rows[1:] {
				if sim[i*nc+j] > sim[best*nc+j] {
					best = i
				}
			}
			m.set(best, j, sim[best*nc+j])
		default:
			sub := grow(ms.sub, len(rows)*len(cols))
			ms.sub = sub
			for a, i := range rows {
				for b, j := range cols {
					sub[a*len(cols)+b] = sim[i*nc+j]
				}
			}
			for a, b := range hs.solve(sub, len(rows), len(cols)) {
				if b >= 0 {
					m.set(rows[a], cols[b], sub[a*len(cols)+b])
				}
			}
		}
	}
}

// bucket groups the candidate's nodes by type.
func (ms *matchScratch) bucket(c *prepared) {
	ms.types = ms.types[:0]
	for k := range ms.members {
		ms.members[k] = ms.members[k][:0]
	}
	for j := range c.nodes {
		t := c.nodes[j].Type
		k := slices.Index(ms.types, t)
		if k < 0 {
			k = len(ms.types)
			ms.types = append(ms.types, t)
			if len(ms.members) <= k {
				ms.members = append(ms.members, nil)
			}
		}
		ms.members[k] = append(ms.members[k], j)
	}
}

// ofType lists the candidate nodes of type t.
func (ms *matchScratch) ofType(t string) []int {
	if k := slices.Index(ms.types, t); k >= 0 {
		return ms.members[k]
	}
	return nil
}

// all lists every candidate node.
func (ms *matchScratch) all(n int) []int {
	for len(ms.every) < n {
		ms.every = append(ms.every, len(ms.every))
	}
	return ms.every[:n]
}

func (m *Matching) set(i, j int, s float64) {
	if j >= 0 && s > 0 {
		m.RefToCand[i], m.CandToRef[j], m.Sim[i] = j, i, s
	}
}

func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// simPair is a reference node i, a candidate node j and their similarity.
type simPair struct {
	i, j int
	s    float64
}

// sparsePairs lists the pairs of positive similarity without comparing
// every node with every other: a pair can only be positive when the keys
// are equal, one key is the other's parent, or the texts share a token
// (Jaccard ≥ θ > 0). Pairs come in reference then candidate order.
func sparsePairs(r, c *prepared, opt Options) []simPair {
	byKey := map[string][]int{}
	byParent := map[string][]int{}
	byToken := map[string][]int{}
	for j := range c.nodes {
		v := &c.nodes[j]
		byKey[v.Key] = append(byKey[v.Key], j)
		if pk := v.parentKey(opt); pk != "" {
			byParent[pk] = append(byParent[pk], j)
		}
		for _, t := range v.tokens {
			byToken[t] = append(byToken[t], j)
		}
	}
	var pairs []simPair
	seen := fill(len(c.nodes), -1)
	var cands []int
	for i := range r.nodes {
		u := &r.nodes[i]
		cands = cands[:0]
		add := func(js []int) {
			for _, j := range js {
				if seen[j] != i {
					seen[j] = i
					cands = append(cands, j)
				}
			}
		}
		add(byKey[u.Key])
		add(byParent[u.Key])
		if pk := u.parentKey(opt); pk != "" {
			add(byKey[pk])
		}
		for _, t := range u.tokens {
			add(byToken[t])
		}
		slices.Sort(cands)
		for _, j := range cands {
			if s := similarity(u, &c.nodes[j], opt); s > 0 {
				pairs = append(pairs, simPair{i, j, s})
			}
		}
	}
	return pairs
}

// greedyPairs takes pairs in decreasing order of similarity (stable: ties
// keep the input order), skipping pairs whose nodes are already taken.
func greedyPairs(pairs []simPair) []simPair {
	slices.SortStableFunc(pairs, func(a, b simPair) int { return cmp.Compare(b.s, a.s) })
	takenR, takenC := map[int]bool{}, map[int]bool{}
	out := pairs[:0]
	for _, p := range pairs {
		if !takenR[p.i] && !takenC[p.j] {
			takenR[p.i], takenC[p.j] = true, true
			out = append(out, p)
		}
	}
	return out
}

// greedy is the greedy matching of a dense similarity matrix: for each row
// the column assigned to it, or -1.
func greedy(sim [][]float64) []int {
	var pairs []simPair
	for i := range sim {
		for j, s := range sim[i] {
			if s > 0 {
				pairs = append(pairs, simPair{i, j, s})
			}
		}
	}
	assign := fill(len(sim), -1)
	for _, p := range greedyPairs(pairs) {
		assign[p.i] = p.j
	}
	return assign
}

// hungarian returns, for each row of the rectangular similarity matrix, the
// column assigned to it (or -1) so that the total similarity is maximal.
func hungarian(sim [][]float64) []int {
	rows, cols := len(sim), len(sim[0])
	flat := make([]float64, 0, rows*cols)
	for _, row := range sim {
		flat = append(flat, row...)
	}
	var hs hungarianScratch
	return slices.Clone(hs.solve(flat, rows, cols))
}

// hungarianScratch is the reusable memory of the Hungarian method.
type hungarianScratch struct {
	u, v, minv []float64
	p, way     []int
	used       []bool
	assign     []int
}

// solve runs the shortest augmenting path form of the Hungarian method with
// row and column potentials on costs 1 − s, O(n²m) for n ≤ m, on a rows×cols
// matrix stored row by row. The result, for each row its column or -1, is
// valid until the next call.
func (hs *hungarianScratch) solve(sim []float64, rows, cols int) []int {
	transposed := rows > cols
	n, m := rows, cols
	cost := func(i, j int) float64 { return 1 - sim[i*cols+j] }
	if transposed {
		n, m = cols, rows
		cost = func(i, j int) float64 { return 1 - sim[j*cols+i] }
	}
	// 1-based arrays: p[j] is the row matched to column j, 0 for none.
	u := grow(hs.u, n+1)
	v := grow(hs.v, m+1)
	p := grow(hs.p, m+1)
	way := grow(hs.way, m+1)
	minv := grow(hs.minv, m+1)
	used := grow(hs.used, m+1)
	hs.u, hs.v, hs.p, hs.way, hs.minv, hs.used = u, v, p, way, minv, used
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := cost(i0-1, j-1) - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	assign := grow(hs.assign, rows)
	hs.assign = assign
	for i := range assign {
		assign[i] = -1
	}
	for j := 1; j <= m; j++ {
		if p[j] == 0 {
			continue
		}
		if transposed {
			assign[j-1] = p[j] - 1
		} else {
			assign[p[j]-1] = j - 1
		}
	}
	return assign
}
