package scorers

import (
	"math"
	"sort"

	"github.com/kgeval/kgeval/graph"
)

// Matching is a one-to-one matching π of reference nodes to candidate nodes
// maximizing the total similarity. Pairs of similarity 0 are not matched.
type Matching struct {
	ref, cand []node
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

// Match computes the matching of docs/metrics.md: the optimal assignment
// (Hungarian method) when the larger graph has at most opt.MaxExact nodes,
// else a greedy one that repeatedly takes the most similar remaining pair
// (ties broken by reference then candidate order).
func Match(ref, cand *graph.Graph, opt Options) *Matching {
	r, c := prepare(ref), prepare(cand)
	m := &Matching{ref: r, cand: c, RefToCand: fill(len(r), -1), CandToRef: fill(len(c), -1), Sim: make([]float64, len(r)), Exact: true}
	if len(r) == 0 || len(c) == 0 {
		return m
	}
	sim := make([][]float64, len(r))
	positive := false
	for i := range r {
		sim[i] = make([]float64, len(c))
		for j := range c {
			sim[i][j] = similarity(&r[i], &c[j], opt)
			positive = positive || sim[i][j] > 0
		}
	}
	if !positive {
		return m
	}
	var assign []int
	if max(len(r), len(c)) <= opt.maxExact() {
		assign = hungarian(sim)
	} else {
		m.Exact = false
		assign = greedy(sim)
	}
	for i, j := range assign {
		if j >= 0 && sim[i][j] > 0 {
			m.RefToCand[i], m.CandToRef[j], m.Sim[i] = j, i, sim[i][j]
		}
	}
	return m
}

func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// hungarian returns, for each row of the rectangular similarity matrix, the
// column assigned to it (or -1) so that the total similarity is maximal.
// It runs the shortest augmenting path form of the Hungarian method with
// row and column potentials on costs 1 − s, O(n²m) for n ≤ m.
func hungarian(sim [][]float64) []int {
	rows, cols := len(sim), len(sim[0])
	transposed := rows > cols
	n, m := rows, cols
	cost := func(i, j int) float64 { return 1 - sim[i][j] }
	if transposed {
		n, m = cols, rows
		cost = func(i, j int) float64 { return 1 - sim[j][i] }
	}
	// 1-based arrays: p[j] is the row matched to column j, 0 for none.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
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
	assign := fill(rows, -1)
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

// greedy assigns pairs in decreasing order of similarity.
func greedy(sim [][]float64) []int {
	type pair struct {
		i, j int
		s    float64
	}
	var pairs []pair
	for i := range sim {
		for j, s := range sim[i] {
			if s > 0 {
				pairs = append(pairs, pair{i, j, s})
			}
		}
	}
	sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].s > pairs[b].s })
	assign := fill(len(sim), -1)
	taken := make([]bool, len(sim[0]))
	for _, p := range pairs {
		if assign[p.i] < 0 && !taken[p.j] {
			assign[p.i], taken[p.j] = p.j, true
		}
	}
	return assign
}
