package scorers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kgeval/kgeval/graph"
)

// effusionGraph is "left pleural effusion": effusion located at the pleura,
// modified by "left".
func effusionGraph() *graph.Graph {
	return &graph.Graph{ID: "d", Entities: []graph.Entity{
		{ID: "e1", Text: "effusion", Key: "finding/pleural_effusion", Type: "disorder", Assertion: graph.Present},
		{ID: "e2", Text: "left", Key: "laterality/left", Type: "concept", Assertion: graph.Present},
		{ID: "e3", Text: "pleural", Key: "anatomy/pleura", Type: "anatomy", Assertion: graph.Present},
	}, Relations: []graph.Relation{
		{Source: "e2", Target: "e1", Type: "modify"},
		{Source: "e1", Target: "e3", Type: "located_at"},
	}}
}

func withoutLaterality() *graph.Graph {
	g := effusionGraph()
	g.Entities = []graph.Entity{g.Entities[0], g.Entities[2]}
	g.Relations = g.Relations[1:]
	return g
}

func negated() *graph.Graph {
	g := effusionGraph()
	g.Entities[0].Assertion = graph.Absent
	return g
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScores(t *testing.T) {
	empty := &graph.Graph{ID: "d"}
	tests := []struct {
		name               string
		ref, cand          *graph.Graph
		nsc, ams, ef1, scs float64
	}{
		// Identical graphs: every node matched with s = 1, every edge kept.
		{"identical", effusionGraph(), effusionGraph(), 1, 1, 1, 1},
		// "left" dropped. NSC = (1+0+1) / (3 + |3−2|) = 2/4.
		// AMS: matched rows effusion [0 1], pleura [0 0]: the one weighted
		// row is identical in C, so 1.
		// Edge F1: 1 of C's 1 edge is right (P = 1), 1 of R's 2 found
		// (R = 1/2): F1 = 2/3.
		// SCS with every node an anchor of weight 1 (no ontology):
		// recall: effusion 1·(1+1)/(2+1) = 2/3, left 0, pleura (1+1)/(1+1)
		// = 1, mean 5/9; precision: both C nodes fully covered, 1.
		// F1 = 2·(5/9)·1 / (5/9 + 1) = 5/7.
		{"omitted modifier", effusionGraph(), withoutLaterality(), 0.5, 1, 2.0 / 3, 5.0 / 7},
		// Effusion stated absent: the assertion factor 0 unmatches it.
		// NSC = 2/3. AMS: no reference edge joins the two matched nodes
		// (left, pleura) while R has edges: 0. Edge F1: no C edge has both
		// ends matched: 0. SCS recall: left 1·(0+1)/(1+1) = 1/2 (its one
		// neighbor is gone), pleura 1/2, effusion 0 → 1/3; precision the same
		// by symmetry: 1/3.
		{"negation flip", effusionGraph(), negated(), 2.0 / 3, 0, 0, 1.0 / 3},
		// An empty candidate gets nothing; two empty graphs agree fully.
		{"empty candidate", effusionGraph(), empty, 0, 0, 0, 0},
		{"both empty", empty, empty, 1, 1, 1, 1},
		{"empty reference", empty, effusionGraph(), 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Compare(tt.ref, tt.cand, Options{})
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"nsc", s.NSC, tt.nsc}, {"ams", s.AMS, tt.ams}, {"edge_f1", s.EdgeF1, tt.ef1}, {"scs", s.SCS, tt.scs}} {
				if !near(c.got, c.want) {
					t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
				}
			}
			// The single-score functions agree with Compare.
			if got := NSC(tt.ref, tt.cand, Options{}); !near(got, s.NSC) {
				t.Errorf("NSC() = %v, Compare gave %v", got, s.NSC)
			}
			if got := AMS(tt.ref, tt.cand, Options{}); !near(got, s.AMS) {
				t.Errorf("AMS() = %v, Compare gave %v", got, s.AMS)
			}
			if got := EdgeF1(tt.ref, tt.cand, Options{}); !near(got, s.EdgeF1) {
				t.Errorf("EdgeF1() = %v, Compare gave %v", got, s.EdgeF1)
			}
			if got := SCS(tt.ref, tt.cand, Options{}); !near(got, s.SCS) {
				t.Errorf("SCS() = %v, Compare gave %v", got, s.SCS)
			}
		})
	}
}

func TestSimilarity(t *testing.T) {
	e := func(text, key, typ string, a graph.Assertion) graph.Entity {
		return graph.Entity{Text: text, Key: key, Type: typ, Assertion: a}
	}
	mm := func(v ...float64) *graph.Measure { return &graph.Measure{Values: v, Unit: "mm"} }
	withM := func(en graph.Entity, m *graph.Measure) graph.Entity { en.Measure = m; return en }
	tests := []struct {
		name string
		u, v graph.Entity
		want float64
	}{
		{"same key", e("PTX", "finding/pneumothorax", "disorder", graph.Present), e("pneumothorax", "finding/pneumothorax", "disorder", graph.Present), 1},
		{"type differs", e("left", "k", "concept", graph.Present), e("left", "k", "anatomy", graph.Present), 0},
		{"present vs uncertain", e("x", "k", "disorder", graph.Present), e("x", "k", "disorder", graph.Uncertain), 0.5},
		{"absent vs uncertain", e("x", "k", "disorder", graph.Absent), e("x", "k", "disorder", graph.Uncertain), 0},
		// {right, lower, lobe, opacity} vs {lower, lobe, opacity}: 3/4.
		{"jaccard above theta", e("right lower lobe opacity", "a", "disorder", graph.Present), e("lower lobe opacity", "b", "disorder", graph.Present), 0.75},
		// {left, effusion} vs {effusion, small}: 1/3 < 0.5.
		{"jaccard below theta", e("left effusion", "a", "disorder", graph.Present), e("small effusion", "b", "disorder", graph.Present), 0},
		// 15 mm vs 20 mm: 1 − 5/20.
		{"measure", withM(e("1.5 cm", "size", "size", graph.Present), mm(15)), withM(e("2 cm", "size", "size", graph.Present), mm(20)), 0.75},
		// Largest dimensions 20 and 20: equal.
		{"measure two dims", withM(e("1.5 x 2.0 cm", "size", "size", graph.Present), mm(15, 20)), withM(e("20 mm", "size", "size", graph.Present), mm(20)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Similarity(tt.u, tt.v, Options{}); !near(got, tt.want) {
				t.Errorf("s = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHungarianOptimal checks the exact matching against brute force over
// all assignments on small random matrices.
func TestHungarianOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		rows, cols := 1+rng.IntN(5), 1+rng.IntN(5)
		sim := make([][]float64, rows)
		for i := range sim {
			sim[i] = make([]float64, cols)
			for j := range sim[i] {
				if rng.IntN(3) > 0 {
					sim[i][j] = float64(rng.IntN(5)) / 4
				}
			}
		}
		got := total(sim, hungarian(sim))
		want := bruteForce(sim, 0, make([]bool, cols))
		if !near(got, want) {
			t.Fatalf("trial %d: hungarian total %v, optimum %v, matrix %v", trial, got, want, sim)
		}
		if g := total(sim, greedy(sim)); g > want+1e-9 {
			t.Fatalf("greedy %v beats optimum %v", g, want)
		}
	}
}

func total(sim [][]float64, assign []int) float64 {
	s := 0.0
	used := map[int]bool{}
	for i, j := range assign {
		if j >= 0 {
			if used[j] {
				return math.Inf(-1)
			}
			used[j] = true
			s += sim[i][j]
		}
	}
	return s
}

func bruteForce(sim [][]float64, i int, used []bool) float64 {
	if i == len(sim) {
		return 0
	}
	best := bruteForce(sim, i+1, used) // row i unmatched
	for j := range used {
		if !used[j] {
			used[j] = true
			best = math.Max(best, sim[i][j]+bruteForce(sim, i+1, used))
			used[j] = false
		}
	}
	return best
}

func TestGreedyAboveBound(t *testing.T) {
	m := Match(effusionGraph(), effusionGraph(), Options{MaxExact: 2})
	if m.Exact {
		t.Error("3-node graphs above a bound of 2 should use the greedy matching")
	}
	if m.NSC() != 1 {
		t.Errorf("greedy NSC of identical graphs = %v, want 1", m.NSC())
	}
}

func TestRadGraphF1(t *testing.T) {
	rg := func(effusionRel bool, effusionTokens string) *graph.RadGraph {
		e1 := graph.RadGraphEntity{Tokens: effusionTokens, Label: "OBS-DP"}
		if effusionRel {
			e1.Relations = [][2]string{{"located_at", "2"}}
		}
		return &graph.RadGraph{ID: "r", Text: "pleural effusion", Entities: map[string]graph.RadGraphEntity{
			"1": e1, "2": {Tokens: "pleural", Label: "ANAT-DP"},
		}}
	}
	tests := []struct {
		name     string
		hyp, ref *graph.RadGraph
		s, p, c  float64
	}{
		{"identical", rg(true, "effusion"), rg(true, "effusion"), 1, 1, 1},
		// Case, as in the reference implementation: only the relation tuples
		// of complete are lower-cased. simple: {(effusion,OBS-DP),
		// (pleural,ANAT-DP)} vs {(Effusion,OBS-DP),(pleural,ANAT-DP)}: 1 of
		// 2 shared, 1/2. partial: (effusion,OBS-DP,true) vs
		// (Effusion,OBS-DP,true), (pleural,ANAT-DP) shared: 1/2. complete:
		// (effusion,OBS-DP,located_at,pleural) on both sides after
		// lower-casing, (pleural,ANAT-DP) shared: 1.
		{"case counts except in relation tuples", rg(true, "effusion"), rg(true, "Effusion"), 0.5, 0.5, 1},
		// simple: {(effusion,OBS-DP),(pleural,ANAT-DP)} both sides: 1.
		// partial: hyp {(effusion,OBS-DP),(pleural,ANAT-DP)} vs ref
		// {(effusion,OBS-DP,true),(pleural,ANAT-DP)}: 1 shared, P = R = 1/2.
		// complete: ref has (effusion,OBS-DP,located_at,pleural): again 1/2.
		{"relation missing", rg(false, "effusion"), rg(true, "effusion"), 1, 0.5, 0.5},
		{"empty hypothesis", &graph.RadGraph{ID: "r"}, rg(true, "effusion"), 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RadGraphF1(tt.hyp, tt.ref)
			if !near(got.Simple, tt.s) || !near(got.Partial, tt.p) || !near(got.Complete, tt.c) {
				t.Errorf("got %+v, want {%v %v %v}", got, tt.s, tt.p, tt.c)
			}
		})
	}
}

func TestOverall(t *testing.T) {
	j := 0.5
	tests := []struct {
		name  string
		s     Scores
		want  float64
		comps int
	}{
		// (0.3·0.8 + 0.15·0.6 + 0.3·0.7) / 0.75 = 0.54 / 0.75 = 0.72.
		{"judge off", Scores{NSC: 0.8, AMS: 0.6, SCS: 0.7}, 0.72, 3},
		// (0.54 + 0.25·0.5) / 1 = 0.665.
		{"judge on", Scores{NSC: 0.8, AMS: 0.6, SCS: 0.7, Judge: &j}, 0.665, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used := DefaultWeights().Overall(&tt.s)
			if !near(tt.s.Overall, tt.want) || len(used) != tt.comps {
				t.Errorf("overall %v with %v, want %v with %d components", tt.s.Overall, used, tt.want, tt.comps)
			}
		})
	}
	if err := (Weights{"nsc": 1, "bleu": 1}).Validate(); err == nil {
		t.Error("an unknown component must be rejected")
	}
}

// TestPyLower checks the lower-casing of RadGraph relation tuples against
// values printed by Python 3's str.lower.
func TestPyLower(t *testing.T) {
	for in, want := range map[string]string{
		"Pleural Effusion": "pleural effusion",
		"İzmir":            "i\u0307zmir",
		"ΟΔΟΣ":             "οδος",
		"ΟΔΟΣ ΟΔΟΣ.":       "οδος οδος.",
		"ΣΑ":               "σα",
		"Σ":                "σ",
		"AΣ'":              "aς'",
		"Élan ÖSTRA":       "élan östra",
	} {
		if got := pyLower(in); got != want {
			t.Errorf("pyLower(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLowerRune checks the shortcuts of lowerRune against unicode.ToLower
// over the first 1,024 code points, which hold them.
func TestLowerRune(t *testing.T) {
	for r := rune(0); r < 0x400; r++ {
		if got, want := lowerRune(r), unicode.ToLower(r); got != want {
			t.Errorf("lowerRune(%U) = %U, want %U", r, got, want)
		}
	}
}

// TestPyLowerWordAtATime checks the eight-bytes-at-a-time paths of the
// lower-casing against strings.ToLower (which equals str.lower without İ
// and Σ) on random strings of the bytes around the capitals' range and a
// few non-ASCII letters, at every length and alignment.
func TestPyLowerWordAtATime(t *testing.T) {
	pieces := []string{"@", "A", "M", "Z", "[", "`", "a", "z", "{", " ", "\x7f", "0", "É", "ö", "Ж", "À", "Þ", "×", "ß", "÷", "ÿ", "Α", "Ω", "α", "ω", "ς"}
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 20000; trial++ {
		var b strings.Builder
		for n := rng.IntN(30); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := pyLower(s), strings.ToLower(s); got != want {
			t.Fatalf("pyLower(%q) = %q, want %q", s, got, want)
		}
		naive := false
		for _, r := range s {
			naive = naive || r >= utf8.RuneSelf || 'A' <= r && r <= 'Z'
		}
		if needsLower(s) != naive {
			t.Fatalf("needsLower(%q) = %v, want %v", s, !naive, naive)
		}
	}
}
