// Package stats holds the statistics kgeval reports about runs: the mean
// and median of a score, percentile bootstrap intervals of its mean, and for
// two runs on the same pairs the paired bootstrap interval of the mean
// difference and a paired (sign-flip) permutation test. Every random draw
// comes from a seeded generator, so the same input gives the same numbers.
package stats

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Defaults of Bootstrap and Permutation.
const (
	DefaultResamples = 2000
	DefaultRounds    = 10000
	DefaultLevel     = 0.95
	DefaultSeed      = 1
)

// Mean is the arithmetic mean, NaN for no values.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return stat.Mean(x, nil)
}

// Median is the middle value (the mean of the two middle values for an
// even count), NaN for no values.
func Median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Interval is a confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Bootstrap configures percentile bootstrap intervals. The zero value uses
// the defaults: 2000 resamples, a 95% interval, seed 1.
type Bootstrap struct {
	Resamples int
	Level     float64
	Seed      uint64
}

func (b Bootstrap) resamples() int {
	if b.Resamples > 0 {
		return b.Resamples
	}
	return DefaultResamples
}

func (b Bootstrap) level() float64 {
	if b.Level > 0 && b.Level < 1 {
		return b.Level
	}
	return DefaultLevel
}

func (b Bootstrap) rng() *rand.Rand {
	seed := b.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	return rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
}

// MeanCI is the percentile bootstrap interval of the mean of x: x is
// resampled with replacement Resamples times and the interval is the
// (1−Level)/2 and (1+Level)/2 quantiles of the resampled means. For no
// values both ends are NaN; for one value both ends are that value.
func (b Bootstrap) MeanCI(x []float64) Interval {
	return b.MeanCIs([][]float64{x})[0]
}

// MeanCIs is MeanCI for several columns over the same rows, resampled
// jointly (the same rows drawn for every column), which is both faster and
// keeps the intervals of scores of the same pairs consistent. A NaN marks a
// missing value: it is skipped in its column's resampled mean. All columns
// must have the same length.
func (b Bootstrap) MeanCIs(cols [][]float64) []Interval {
	out := make([]Interval, len(cols))
	if len(cols) == 0 {
		return out
	}
	n := len(cols[0])
	k := len(cols)
	present := make([]int, k)
	for c, col := range cols {
		for _, v := range col {
			if !math.IsNaN(v) {
				present[c]++
			}
		}
	}
	reps := b.resamples()
	means := make([][]float64, k)
	for c := range means {
		means[c] = make([]float64, 0, reps)
	}
	rng := b.rng()
	sums := make([]float64, k)
	counts := make([]int, k)
	for r := 0; r < reps && n > 0; r++ {
		clear(sums)
		clear(counts)
		for i := 0; i < n; i++ {
			row := index(rng, n)
			for c, col := range cols {
				if v := col[row]; !math.IsNaN(v) {
					sums[c] += v
					counts[c]++
				}
			}
		}
		for c := range cols {
			if counts[c] > 0 {
				means[c] = append(means[c], sums[c]/float64(counts[c]))
			}
		}
	}
	lo, hi := (1-b.level())/2, (1+b.level())/2
	for c := range cols {
		if present[c] == 0 || len(means[c]) == 0 {
			out[c] = Interval{math.NaN(), math.NaN()}
			continue
		}
		slices.Sort(means[c])
		out[c] = Interval{
			Low:  stat.Quantile(lo, stat.Empirical, means[c], nil),
			High: stat.Quantile(hi, stat.Empirical, means[c], nil),
		}
	}
	return out
}

// index draws a row uniformly from [0, n) by Lemire's multiply-shift with
// rejection: unbiased and cheaper than a division.
func index(rng *rand.Rand, n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(rng.Uint64(), bound)
	if lo < bound {
		thresh := -bound % bound
		for lo < thresh {
			hi, lo = bits.Mul64(rng.Uint64(), bound)
		}
	}
	return int(hi)
}

// Paired is the comparison of two runs on the same pairs for one score:
// the mean of each, the mean difference B − A with its bootstrap interval,
// and the two-sided p-value of the paired permutation test.
type Paired struct {
	N        int      `json:"n"`
	MeanA    float64  `json:"mean_a"`
	MeanB    float64  `json:"mean_b"`
	MeanDiff float64  `json:"mean_diff"`
	CI       Interval `json:"ci"`
	P        float64  `json:"p_value"`
	// Exact is true when the permutation test enumerated every sign
	// assignment instead of sampling them.
	Exact bool `json:"exact_p"`
}

// Permutation configures the paired permutation test. The zero value uses
// 10000 rounds and seed 1.
type Permutation struct {
	Rounds int
	Seed   uint64
}

// Compare pairs a[i] with b[i] (the same pair in two runs): the paired
// bootstrap interval of the mean of b[i] − a[i] and the paired permutation
// p-value. Under the null hypothesis that the runs do not differ, each
// difference is as likely to have either sign; the p-value is the share of
// sign assignments whose mean difference is at least as far from 0 as the
// observed one. With 2^n ≤ Rounds every assignment is enumerated (exact);
// otherwise Rounds random assignments are drawn and p = (1 + hits) /
// (1 + Rounds), which never reports 0. For no pairs the mean difference is
// 0, the interval [0, 0] and p 1.
func Compare(a, b []float64, boot Bootstrap, perm Permutation) Paired {
	n := min(len(a), len(b))
	res := Paired{N: n, P: 1}
	if n == 0 {
		res.MeanA, res.MeanB = math.NaN(), math.NaN()
		return res
	}
	d := make([]float64, n)
	for i := range d {
		d[i] = b[i] - a[i]
	}
	res.MeanA, res.MeanB = stat.Mean(a[:n], nil), stat.Mean(b[:n], nil)
	res.MeanDiff = stat.Mean(d, nil)
	res.CI = boot.MeanCI(d)
	res.P, res.Exact = signFlipP(d, perm)
	return res
}

// signFlipP is the two-sided p-value of the paired permutation test on the
// differences d (see Compare).
func signFlipP(d []float64, perm Permutation) (float64, bool) {
	n := len(d)
	obs := 0.0
	scale := 0.0
	for _, x := range d {
		obs += x
		scale += math.Abs(x)
	}
	obs = math.Abs(obs)
	if scale == 0 {
		return 1, true // every difference is 0: nothing to test
	}
	// Sums within this tolerance of the observed one count as equal, so
	// that rounding never turns a tie into a miss.
	tol := 1e-12 * scale
	rounds := perm.Rounds
	if rounds <= 0 {
		rounds = DefaultRounds
	}
	if n < 63 && uint64(1)<<n <= uint64(rounds) {
		hits := 0
		total := uint64(1) << n
		for mask := uint64(0); mask < total; mask++ {
			s := 0.0
			for i, x := range d {
				if mask&(1<<i) != 0 {
					s -= x
				} else {
					s += x
				}
			}
			if math.Abs(s) >= obs-tol {
				hits++
			}
		}
		return float64(hits) / float64(total), true
	}
	seed := perm.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	hits := 0
	for r := 0; r < rounds; r++ {
		s := 0.0
		for i := 0; i < n; i += 64 {
			signs := rng.Uint64()
			for k := i; k < min(i+64, n); k++ {
				if signs&1 != 0 {
					s -= d[k]
				} else {
					s += d[k]
				}
				signs >>= 1
			}
		}
		if math.Abs(s) >= obs-tol {
			hits++
		}
	}
	return float64(1+hits) / float64(1+rounds), false
}
