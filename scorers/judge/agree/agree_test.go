package agree

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The expected values are computed by hand in the comments.
func TestCorrelationsByHand(t *testing.T) {
	tests := []struct {
		name              string
		x, y              []float64
		pearson, spearman float64
		tauB              float64
	}{
		// x = 1..5, y = 2 1 4 3 5. Deviations from the means (3, 3):
		// dx = -2 -1 0 1 2, dy = -1 -2 1 0 2; sum dx*dy = 2+2+0+0+4 = 8,
		// sum dx^2 = sum dy^2 = 10: r = 8/10 = 0.8. The values are their own
		// ranks, so rho = 0.8. Of the 10 pairs, (2,1) and (4,3) are
		// discordant: tau = (8-2)/10 = 0.6.
		{"no ties", []float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8, 0.8, 0.6},
		// x = 1 1 2 3, y = 1 2 2 3. Means 1.75 and 2: dx = -.75 -.75 .25 1.25,
		// dy = -1 0 0 1; sum dx*dy = .75 + 1.25 = 2; sum dx^2 = .5625*2 +
		// .0625 + 1.5625 = 2.75; sum dy^2 = 2: r = 2/sqrt(5.5) = 0.852803.
		// Ranks x 1.5 1.5 3 4, y 1 2.5 2.5 4: deviations from 2.5 are
		// -1 -1 .5 1.5 and -1.5 0 0 1.5; sum of products 1.5+2.25 = 3.75,
		// sums of squares 4.5 and 4.5: rho = 3.75/4.5 = 0.833333.
		// Pairs: (1,2) tied in x, (2,3) tied in y, the other 4 concordant:
		// n0 = 6, n1 = n2 = 1, tau-b = 4/sqrt(5*5) = 0.8 (tau-a would be 4/6).
		{"ties", []float64{1, 1, 2, 3}, []float64{1, 2, 2, 3}, 2 / math.Sqrt(5.5), 3.75 / 4.5, 0.8},
		// Perfectly reversed: -1 everywhere.
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1, -1, -1},
	}
	for _, tt := range tests {
		if r, ok := Pearson(tt.x, tt.y); !ok || !near(r, tt.pearson) {
			t.Errorf("%s: Pearson %v, want %v", tt.name, r, tt.pearson)
		}
		if r, ok := Spearman(tt.x, tt.y); !ok || !near(r, tt.spearman) {
			t.Errorf("%s: Spearman %v, want %v", tt.name, r, tt.spearman)
		}
		if r, ok := KendallTauB(tt.x, tt.y); !ok || !near(r, tt.tauB) {
			t.Errorf("%s: tau-b %v, want %v", tt.name, r, tt.tauB)
		}
	}
	for name, f := range map[string]Stat{"pearson": Pearson, "spearman": Spearman, "kendall": KendallTauB} {
		if _, ok := f([]float64{1, 2, 3}, []float64{2, 2, 2}); ok {
			t.Errorf("%s of a constant side must be undefined", name)
		}
		if _, ok := f([]float64{1}, []float64{2}); ok {
			t.Errorf("%s of one pair must be undefined", name)
		}
	}
}

// bruteTauB counts the pairs one by one, straight from the definition.
func bruteTauB(x, y []float64) float64 {
	var c, d, tx, ty, n0 float64
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			n0++
			sx, sy := math.Copysign(1, x[j]-x[i]), math.Copysign(1, y[j]-y[i])
			switch {
			case x[i] == x[j] && y[i] == y[j]:
				tx++
				ty++
			case x[i] == x[j]:
				tx++
			case y[i] == y[j]:
				ty++
			case sx == sy:
				c++
			default:
				d++
			}
		}
	}
	return (c - d) / math.Sqrt((n0-tx)*(n0-ty))
}

func TestKendallMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 2 + rng.IntN(40)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			// Few distinct values: many ties on both sides.
			x[i] = float64(rng.IntN(5))
			y[i] = float64(rng.IntN(4)) + 0.5*x[i]
		}
		got, ok := KendallTauB(x, y)
		want := bruteTauB(x, y)
		if math.IsNaN(want) {
			if ok {
				t.Fatalf("%v %v: want undefined, got %v", x, y, got)
			}
			continue
		}
		if !ok || !near(got, want) {
			t.Fatalf("%v %v: tau-b %v, by definition %v", x, y, got, want)
		}
	}
}

func TestBootstrap(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	y := []float64{1.2, 1.9, 3.4, 3.9, 5.1, 6.3, 6.8, 8.2, 9.1, 9.7}
	r, _ := Pearson(x, y)
	iv, ok := Bootstrap(x, y, Pearson, 2000, 0.95, rand.New(rand.NewPCG(7, 7)))
	if !ok || iv.Lo > r || iv.Hi < r || iv.Hi > 1 || iv.Lo < 0.9 || iv.Valid < 1990 {
		t.Errorf("interval %+v around r = %v", iv, r)
	}
	// Same seed, same interval.
	again, _ := Bootstrap(x, y, Pearson, 2000, 0.95, rand.New(rand.NewPCG(7, 7)))
	if again != iv {
		t.Errorf("not reproducible: %+v vs %+v", again, iv)
	}
}

func TestNNLS(t *testing.T) {
	// A = [[1 0] [0 1] [1 1]], b = [1 -1 0]. Unconstrained least squares
	// gives (1, -1). With w2 held at 0, w1 = (A1 . b)/(A1 . A1) = 1/2, and
	// the gradient for w2, (AᵀA w - Aᵀb)_2 = 0.5 - (-1) = 1.5 >= 0, so
	// (0.5, 0) is the optimum.
	w, err := NNLS([][]float64{{1, 0}, {0, 1}, {1, 1}}, []float64{1, -1, 0})
	if err != nil || !near(w[0], 0.5) || w[1] != 0 {
		t.Errorf("NNLS = %v, %v; want [0.5 0]", w, err)
	}
	// Fit: y = 1 + 2 a + 0 b exactly, with b noise-free but unrelated.
	x := [][]float64{{0, 1}, {1, 0}, {2, 1}, {3, 0}, {4, 1}}
	y := []float64{1, 3, 5, 7, 9}
	beta, c, err := Fit(x, y)
	if err != nil || !near(beta[0], 2) || !near(beta[1], 0) || !near(c, 1) {
		t.Errorf("Fit = %v, %v, %v; want [2 0], 1", beta, c, err)
	}
	// Ratings that fall as every component rises: no non-negative fit.
	if _, _, err := Fit([][]float64{{0}, {1}, {2}}, []float64{3, 2, 1}); err != ErrNoFit {
		t.Errorf("want ErrNoFit, got %v", err)
	}
}
