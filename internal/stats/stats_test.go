package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		x    []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, tt := range tests {
		if got := Median(tt.x); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
	if !math.IsNaN(Median(nil)) || !math.IsNaN(Mean(nil)) {
		t.Error("the median and mean of nothing are NaN")
	}
}

func TestMeanCI(t *testing.T) {
	// A constant sample: every resample has the same mean.
	if ci := (Bootstrap{}).MeanCI([]float64{0.5, 0.5, 0.5}); ci.Low != 0.5 || ci.High != 0.5 {
		t.Errorf("constant sample: %+v, want [0.5, 0.5]", ci)
	}
	// 2000 uniform values: the 95% interval of the mean is close to
	// mean ± 1.96·sd/√n (sd of U(0,1) = 1/√12), width ≈ 0.0253.
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float64, 2000)
	for i := range x {
		x[i] = rng.Float64()
	}
	ci := (Bootstrap{}).MeanCI(x)
	m := Mean(x)
	if !(ci.Low < m && m < ci.High) {
		t.Errorf("interval %+v does not contain the mean %v", ci, m)
	}
	want := 2 * 1.96 / math.Sqrt(12) / math.Sqrt(2000)
	if w := ci.High - ci.Low; math.Abs(w-want)/want > 0.15 {
		t.Errorf("width %v, normal approximation %v", w, want)
	}
	// The same seed gives the same interval; another seed a slightly
	// different one.
	if again := (Bootstrap{}).MeanCI(x); again != ci {
		t.Errorf("not repeatable: %+v then %+v", ci, again)
	}
	if other := (Bootstrap{Seed: 9}).MeanCI(x); other == ci {
		t.Error("another seed should resample differently")
	}
}

func TestMeanCIsMissing(t *testing.T) {
	nan := math.NaN()
	cis := (Bootstrap{Resamples: 500}).MeanCIs([][]float64{{1, 1, 1, 1}, {nan, 0.25, nan, 0.25}, {nan, nan, nan, nan}})
	if cis[0] != (Interval{1, 1}) || cis[1] != (Interval{0.25, 0.25}) {
		t.Errorf("got %+v", cis)
	}
	if !math.IsNaN(cis[2].Low) {
		t.Errorf("a column with no values has no interval, got %+v", cis[2])
	}
}

func TestCompareExact(t *testing.T) {
	// Differences 1, 1, 1: of the 8 sign assignments, the two with all
	// signs equal reach |sum| = 3, so p = 2/8.
	p := Compare([]float64{0, 0, 0}, []float64{1, 1, 1}, Bootstrap{}, Permutation{})
	if !p.Exact || p.P != 0.25 || p.MeanDiff != 1 || p.N != 3 {
		t.Errorf("got %+v, want exact p 0.25 and mean difference 1", p)
	}
	// Differences 0.5, −0.5: sums ±0 for the mixed assignments, ±1 never
	// (|0.5 − 0.5| = 0): every assignment reaches |sum| ≥ 0, p = 1.
	if p := Compare([]float64{0, 0.5}, []float64{0.5, 0}, Bootstrap{}, Permutation{}); p.P != 1 {
		t.Errorf("balanced differences: p = %v, want 1", p.P)
	}
	if p := Compare(nil, nil, Bootstrap{}, Permutation{}); p.P != 1 || p.N != 0 {
		t.Errorf("no pairs: %+v", p)
	}
}

func TestCompareSampled(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := 200
	a, b, c := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = rng.Float64()
		b[i] = a[i] + 0.05 + 0.1*rng.NormFloat64() // a real improvement
		c[i] = a[i] + 0.1*rng.NormFloat64()        // noise only
	}
	better := Compare(a, b, Bootstrap{}, Permutation{Rounds: 5000})
	if better.Exact || better.P > 0.001 || better.CI.Low <= 0 {
		t.Errorf("a shift of 0.05 over 200 pairs should be clear: %+v", better)
	}
	same := Compare(a, c, Bootstrap{}, Permutation{Rounds: 5000})
	if same.P < 0.05 || same.CI.Low > 0 || same.CI.High < 0 {
		t.Errorf("noise alone should not be significant: %+v", same)
	}
	// Swapping the runs negates the difference and keeps the p-value.
	swapped := Compare(b, a, Bootstrap{}, Permutation{Rounds: 5000})
	if math.Abs(swapped.MeanDiff+better.MeanDiff) > 1e-12 || swapped.P != better.P {
		t.Errorf("swapped: %+v vs %+v", swapped, better)
	}
}
