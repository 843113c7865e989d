package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
)

// metaFiles writes five scored pairs, one error record and one pair
// without a rating, and ratings with one id that has no result.
//
//	id   nsc  ams  scs  judge  rating
//	p1   0.1  0.5  0.6  null   2
//	p2   0.2  0.1  0.6  0.25   1
//	p3   0.3  0.4  0.6  0.75   4
//	p4   0.4  0.2  0.6  0.5    3
//	p5   0.5  0.3  0.6  1      5
func metaFiles(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	nsc := []float64{0.1, 0.2, 0.3, 0.4, 0.5}
	ams := []float64{0.5, 0.1, 0.4, 0.2, 0.3}
	judge := []*float64{nil, ptr(0.25), ptr(0.75), ptr(0.5), ptr(1)}
	var res, hum strings.Builder
	for i := range nsc {
		s := &scorers.Scores{NSC: nsc[i], AMS: ams[i], SCS: 0.6, Judge: judge[i]}
		comps := scorers.DefaultWeights().Overall(s)
		b, _ := json.Marshal(&results.Record{ID: fmt.Sprintf("p%d", i+1), Scores: s, Components: comps, Status: results.StatusOK})
		res.Write(append(b, '\n'))
	}
	res.WriteString(`{"id": "bad", "scores": null, "components": [], "status": "error", "error": "extract failed"}` + "\n")
	res.WriteString(`{"id": "unrated", "scores": {"nsc": 1, "ams": 1, "edge_f1": 1, "scs": 1, "radgraph_simple": 1, "radgraph_partial": 1, "radgraph_complete": 1, "judge": null, "overall": 1}, "components": [], "status": "ok"}` + "\n")
	for i, r := range []float64{2, 1, 4, 3, 5} {
		fmt.Fprintf(&hum, `{"id": "p%d", "rating": %v}`+"\n", i+1, r)
	}
	hum.WriteString(`{"id": "bad", "rating": 3}` + "\n" + `{"id": "orphan", "rating": 1}` + "\n")
	rp, hp := filepath.Join(dir, "results.jsonl"), filepath.Join(dir, "human.jsonl")
	os.WriteFile(rp, []byte(res.String()), 0o644)
	os.WriteFile(hp, []byte(hum.String()), 0o644)
	return rp, hp
}

func ptr(v float64) *float64 { return &v }

func TestMetaCorrelations(t *testing.T) {
	rp, hp := metaFiles(t)
	out, stderr, code := run(t, "", "meta", "--results", rp, "--human", hp, "--format", "json", "--bootstrap", "200")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep metaReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Joined != 5 || rep.NoRating != 1 || rep.NoResult != 1 || rep.ErrorRecord != 1 {
		t.Errorf("join: %+v", rep)
	}
	rows := map[string]metaRow{}
	for _, r := range rep.Scores {
		rows[r.Score] = r
	}
	near := func(v *float64, want float64) bool { return v != nil && abs(*v-want) < 1e-9 }
	// nsc = rating order 1..5 against ratings 2 1 4 3 5: by hand (see
	// scorers/judge/agree), r = 0.8, rho = 0.8, tau-b = (8-2)/10 = 0.6.
	if r := rows["nsc"]; r.N != 5 || !near(r.Pearson.Value, 0.8) || !near(r.Spearman.Value, 0.8) || !near(r.Kendall.Value, 0.6) {
		t.Errorf("nsc row %+v", r)
	}
	// judge on p2..p5: 0.25 0.75 0.5 1 against 1 4 3 5. Means 0.625 and
	// 3.25; dx = -.375 .125 -.125 .375, dy = -2.25 .75 -.25 1.75;
	// sum dx*dy = .84375 + .09375 + .03125 + .65625 = 1.625;
	// sum dx^2 = .3125, sum dy^2 = 5.0625 + .5625 + .0625 + 3.0625 = 8.75:
	// r = 1.625 / sqrt(.3125 * 8.75) = 0.98270. The orders agree fully:
	// rho = tau-b = 1.
	if r := rows["judge"]; r.N != 4 || !near(r.Pearson.Value, 1.625/sqrt(0.3125*8.75)) || !near(r.Spearman.Value, 1) || !near(r.Kendall.Value, 1) {
		t.Errorf("judge row %+v", r)
	}
	// scs is constant: undefined, not a made-up number.
	if r := rows["scs"]; r.Pearson.Value != nil || r.Kendall.Value != nil {
		t.Errorf("scs row %+v", r)
	}
	if r := rows["nsc"]; r.Pearson.Lo == nil || *r.Pearson.Lo > 0.8 || *r.Pearson.Hi < 0.8 {
		t.Errorf("nsc interval %+v", r.Pearson)
	}
	if _, ok := rows["overall"]; !ok {
		t.Error("overall must be reported")
	}
}

func TestMetaFit(t *testing.T) {
	rp, _ := metaFiles(t)
	dir := t.TempDir()
	// nsc = 0.1 .. 0.5, ams = 0.5 0.1 0.4 0.2 0.3, scs constant (see metaFiles).
	tests := []struct {
		name    string
		ratings []float64
		want    string
	}{
		// Ratings = 10 nsc + 5 ams exactly (3.5 2.5 5 5 6.5): the fit is
		// exact, beta = (10, 5, 0), normalized 2/3 and 1/3.
		{"both count", []float64{3.5, 2.5, 5, 5, 6.5}, "weights:\n  nsc: 0.6667\n  ams: 0.3333\n  scs: 0\n"},
		// Ratings = 10 nsc - 5 ams (-1.5 1.5 1 3 3.5): ams would need a
		// negative weight. With ams held at 0, regressing on nsc alone
		// gives slope 10 - 5 cov(ams, nsc)/var(nsc) = 10 - 5 (-0.03/0.1) =
		// 11.5 (centered sums), and the gradient for ams,
		// sum ams_c (5 ams_c + 1.5 nsc_c) = 5 (0.1) + 1.5 (-0.03) = 0.455,
		// is positive: ams stays 0 and nsc takes all the weight.
		{"negative dropped", []float64{-1.5, 1.5, 1, 3, 3.5}, "weights:\n  nsc: 1\n  ams: 0\n  scs: 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hp := filepath.Join(dir, tt.name+".jsonl")
			var hum strings.Builder
			for i, r := range tt.ratings {
				fmt.Fprintf(&hum, `{"id": "p%d", "rating": %v}`+"\n", i+1, r)
			}
			os.WriteFile(hp, []byte(hum.String()), 0o644)
			fit := filepath.Join(dir, tt.name+".yaml")
			out, stderr, code := run(t, "", "meta", "--results", rp, "--human", hp, "--components", "nsc,ams,scs", "--fit-out", fit, "--bootstrap", "0")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(out, "SCORE") {
				t.Errorf("table:\n%s", out)
			}
			b, err := os.ReadFile(fit)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("fit file lacks %q:\n%s", tt.want, b)
			}
		})
	}
	_, hp := metaFiles(t)
	if out, _, code := run(t, "", "meta", "--results", rp, "--human", hp, "--bootstrap", "0"); code != exitOK || !strings.Contains(out, "nsc                5  0.800") {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
	// A ratings file with a bad line is an input error naming it.
	bad := filepath.Join(t.TempDir(), "h.jsonl")
	os.WriteFile(bad, []byte(`{"id": "p1", "rating": 2}`+"\n"+`{"id": "p2"}`+"\n"), 0o644)
	if _, stderr, code := run(t, "", "meta", "--results", rp, "--human", bad); code != exitInput || !strings.Contains(stderr, "h.jsonl:2") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
