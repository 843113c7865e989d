// Package agree measures how well automatic scores agree with human
// ratings: Pearson's r, Spearman's rho and Kendall's tau-b (tie-corrected,
// unlike gonum's stat.Kendall, which is tau-a), percentile bootstrap
// intervals for each, and non-negative least squares to fit the weights of
// a combined score to the ratings.
package agree

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Pearson is the product-moment correlation of x and y. ok is false when
// it is undefined: fewer than two pairs, or a constant side.
func Pearson(x, y []float64) (r float64, ok bool) {
	n := len(x)
	if n != len(y) || n < 2 {
		return 0, false
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	r = sxy / math.Sqrt(sxx*syy)
	return math.Max(-1, math.Min(1, r)), true
}

// Ranks returns the 1-based ranks of x, ties sharing their average rank.
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// Spearman is Pearson's correlation of the average ranks, which corrects
// for ties.
func Spearman(x, y []float64) (float64, bool) {
	if len(x) != len(y) {
		return 0, false
	}
	return Pearson(Ranks(x), Ranks(y))
}

// KendallTauB is Kendall's tau-b,
//
//	(C - D) / sqrt((n0 - n1) (n0 - n2))
//
// with C and D the concordant and discordant pairs, n0 = n(n-1)/2, and n1,
// n2 the pairs tied in x and in y. It runs in O(n log n) by Knight's
// method: sort by (x, y), then count the swaps a merge sort of y needs.
// ok is false when either side is constant or n < 2.
func KendallTauB(x, y []float64) (float64, bool) {
	n := len(x)
	if n != len(y) || n < 2 {
		return 0, false
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		i, j := idx[a], idx[b]
		if x[i] != x[j] {
			return x[i] < x[j]
		}
		return y[i] < y[j]
	})
	n0 := int64(n) * int64(n-1) / 2
	var n1, n3 int64 // ties in x; ties in both
	for i := 0; i < n; {
		j := i
		for j+1 < n && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		t := int64(j - i + 1)
		n1 += t * (t - 1) / 2
		for k := i; k <= j; {
			l := k
			for l+1 <= j && y[idx[l+1]] == y[idx[k]] {
				l++
			}
			u := int64(l - k + 1)
			n3 += u * (u - 1) / 2
			k = l + 1
		}
		i = j + 1
	}
	ys := make([]float64, n)
	for i, k := range idx {
		ys[i] = y[k]
	}
	swaps := mergeCount(ys, make([]float64, n))
	// ys is now sorted: count ties in y.
	var n2 int64
	for i := 0; i < n; {
		j := i
		for j+1 < n && ys[j+1] == ys[i] {
			j++
		}
		u := int64(j - i + 1)
		n2 += u * (u - 1) / 2
		i = j + 1
	}
	if n0 == n1 || n0 == n2 {
		return 0, false
	}
	// C - D = n0 - n1 - n2 + n3 - 2 * swaps (Knight 1966).
	num := float64(n0-n1-n2+n3) - 2*float64(swaps)
	tau := num / math.Sqrt(float64(n0-n1)*float64(n0-n2))
	return math.Max(-1, math.Min(1, tau)), true
}

// mergeCount sorts a in place and returns the number of pairs i < j with
// a[i] > a[j] (strict: equal values are not swaps).
func mergeCount(a, buf []float64) int64 {
	if len(a) < 2 {
		return 0
	}
	m := len(a) / 2
	s := mergeCount(a[:m], buf[:m]) + mergeCount(a[m:], buf[m:])
	i, j, k := 0, m, 0
	for i < m && j < len(a) {
		if a[j] < a[i] {
			buf[k] = a[j]
			s += int64(m - i)
			j++
		} else {
			buf[k] = a[i]
			i++
		}
		k++
	}
	k += copy(buf[k:], a[i:m])
	copy(buf[k:], a[j:])
	copy(a, buf[:len(a)])
	return s
}

// Stat is a correlation: Pearson, Spearman or KendallTauB.
type Stat func(x, y []float64) (float64, bool)

// Interval is a bootstrap confidence interval. Valid counts the resamples
// where the statistic was defined (a resample can be constant).
type Interval struct {
	Lo, Hi float64
	Valid  int
}

// Bootstrap is the percentile interval of stat at the given level (0.95)
// over b resamples of the pairs with replacement, drawn from rng.
func Bootstrap(x, y []float64, stat Stat, b int, level float64, rng *rand.Rand) (Interval, bool) {
	n := len(x)
	if n < 2 || n != len(y) || b < 1 || level <= 0 || level >= 1 {
		return Interval{}, false
	}
	vals := make([]float64, 0, b)
	rx, ry := make([]float64, n), make([]float64, n)
	for k := 0; k < b; k++ {
		for i := range rx {
			j := rng.IntN(n)
			rx[i], ry[i] = x[j], y[j]
		}
		if v, ok := stat(rx, ry); ok {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return Interval{}, false
	}
	sort.Float64s(vals)
	alpha := (1 - level) / 2
	return Interval{Lo: quantile(vals, alpha), Hi: quantile(vals, 1-alpha), Valid: len(vals)}, true
}

// quantile of sorted values, interpolating linearly between order
// statistics.
func quantile(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}

// NNLS solves min ||A w - b|| subject to w >= 0 by cyclic coordinate
// descent on the normal equations, which converges to the optimum of this
// convex problem; a has one row per observation.
func NNLS(a [][]float64, b []float64) ([]float64, error) {
	if len(a) == 0 || len(a) != len(b) {
		return nil, fmt.Errorf("nnls: %d rows against %d targets", len(a), len(b))
	}
	k := len(a[0])
	q := make([][]float64, k) // AᵀA
	c := make([]float64, k)   // Aᵀb
	for j := range q {
		q[j] = make([]float64, k)
	}
	for r, row := range a {
		if len(row) != k {
			return nil, fmt.Errorf("nnls: row %d has %d columns, want %d", r, len(row), k)
		}
		for i := 0; i < k; i++ {
			c[i] += row[i] * b[r]
			for j := 0; j < k; j++ {
				q[i][j] += row[i] * row[j]
			}
		}
	}
	w := make([]float64, k)
	for sweep := 0; sweep < 100000; sweep++ {
		change := 0.0
		for j := 0; j < k; j++ {
			if q[j][j] == 0 {
				continue // a zero column: its weight stays 0
			}
			g := -c[j]
			for i := 0; i < k; i++ {
				g += q[j][i] * w[i]
			}
			nw := math.Max(0, w[j]-g/q[j][j])
			change = math.Max(change, math.Abs(nw-w[j]))
			w[j] = nw
		}
		if change < 1e-13 {
			return w, nil
		}
	}
	return w, nil
}

// ErrNoFit is returned by Fit when no component has a positive weight.
var ErrNoFit = errors.New("no non-negative combination of the components follows the ratings")

// Fit fits y ≈ intercept + Σ beta_j x_j with beta >= 0 and a free
// intercept (non-negative least squares on centered data). x has one row
// per observation.
func Fit(x [][]float64, y []float64) (beta []float64, intercept float64, err error) {
	n := len(x)
	if n < 2 || n != len(y) {
		return nil, 0, fmt.Errorf("fit: need at least 2 observations, have %d", n)
	}
	k := len(x[0])
	mean := make([]float64, k)
	my := 0.0
	for i, row := range x {
		for j, v := range row {
			mean[j] += v
		}
		my += y[i]
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	my /= float64(n)
	cx := make([][]float64, n)
	cy := make([]float64, n)
	for i, row := range x {
		cx[i] = make([]float64, k)
		for j, v := range row {
			cx[i][j] = v - mean[j]
		}
		cy[i] = y[i] - my
	}
	beta, err = NNLS(cx, cy)
	if err != nil {
		return nil, 0, err
	}
	sum := 0.0
	intercept = my
	for j, b := range beta {
		sum += b
		intercept -= b * mean[j]
	}
	if sum <= 0 {
		return nil, 0, ErrNoFit
	}
	return beta, intercept, nil
}
