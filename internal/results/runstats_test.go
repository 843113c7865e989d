package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/internal/stats"
	"github.com/kgeval/kgeval/scorers"
)

func TestRunStats(t *testing.T) {
	s := Summary{Collect: true}
	j := 0.75
	for _, r := range []*Record{
		{ID: "a", Status: StatusOK, Scores: &scorers.Scores{NSC: 0.2, Judge: &j}},
		{ID: "b", Status: StatusOK, Scores: &scorers.Scores{NSC: 0.4}},
		{ID: "c", Status: StatusOK, Scores: &scorers.Scores{NSC: 0.9}},
		{ID: "d", Status: StatusError, Error: "extract reference: boom"},
	} {
		s.Add(r)
	}
	rs := s.Stats(stats.Bootstrap{Resamples: 500})
	nsc := rs.Scores["nsc"]
	// Mean (0.2+0.4+0.9)/3 = 0.5, median 0.4; the interval lies within the
	// smallest and largest value.
	if nsc.N != 3 || !near(nsc.Mean, 0.5) || nsc.Median != 0.4 || nsc.CI.Low < 0.2 || nsc.CI.High > 0.9 || nsc.CI.Low > nsc.CI.High {
		t.Errorf("nsc stats %+v", nsc)
	}
	if jd := rs.Scores["judge"]; jd.N != 1 || jd.Mean != 0.75 || jd.CI != (stats.Interval{Low: 0.75, High: 0.75}) {
		t.Errorf("judge stats %+v: one value, its own interval", jd)
	}
	if rs.Pairs != 4 || rs.Errors != 1 {
		t.Errorf("counts %+v", rs)
	}
	var buf bytes.Buffer
	if err := rs.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back RunStats
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Scores["nsc"].Median != 0.4 {
		t.Errorf("JSON round trip: %v, %s", err, buf.String())
	}
	buf.Reset()
	rs.WriteTable(&buf)
	if !strings.Contains(buf.String(), "nsc") || !strings.Contains(buf.String(), "95% CI") {
		t.Errorf("table:\n%s", buf.String())
	}
	// Without Collect, the statistics fall back to the mean.
	var plain Summary
	plain.Add(&Record{ID: "a", Status: StatusOK, Scores: &scorers.Scores{NSC: 0.5}})
	if st := plain.Stats(stats.Bootstrap{}).Scores["nsc"]; st.Median != 0.5 || st.CI.Low != 0.5 {
		t.Errorf("plain summary: %+v", st)
	}
}

func near(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }
