package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/results"
)

// effusion is "left pleural effusion": effusion located at the pleura,
// modified by "left" (the hand-worked example of scorers' tests).
func effusion(id string, withLeft bool) *graph.Graph {
	g := &graph.Graph{ID: id, Entities: []graph.Entity{
		{ID: "e1", Text: "effusion", Key: "finding/pleural_effusion", Type: "disorder", Assertion: graph.Present},
		{ID: "e3", Text: "pleural", Key: "anatomy/pleura", Type: "anatomy", Assertion: graph.Present},
	}, Relations: []graph.Relation{{Source: "e1", Target: "e3", Type: "located_at"}}}
	if withLeft {
		g.Entities = append(g.Entities, graph.Entity{ID: "e2", Text: "left", Key: "laterality/left", Type: "concept", Assertion: graph.Present})
		g.Relations = append(g.Relations, graph.Relation{Source: "e2", Target: "e1", Type: "modify"})
	}
	return g
}

func writeGraphs(t *testing.T, path string, lines ...any) string {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		switch v := l.(type) {
		case *graph.Graph:
			graph.WriteGraph(&b, v)
		case string:
			b.WriteString(v + "\n")
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readRecords(t *testing.T, out string) []*results.Record {
	t.Helper()
	var recs []*results.Record
	for rec, err := range results.Read(strings.NewReader(out), "stdout", nil) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs
}

func TestScoreGraphs(t *testing.T) {
	dir := t.TempDir()
	// The candidates come in another order, one reference has no
	// candidate and one candidate no reference.
	ref := writeGraphs(t, filepath.Join(dir, "ref.jsonl"), effusion("a", true), effusion("b", true), effusion("c", false))
	cand := writeGraphs(t, filepath.Join(dir, "cand.jsonl"), effusion("z", true), effusion("b", true), effusion("a", false))
	summary := filepath.Join(dir, "summary.json")
	out, errOut, code := run(t, "", "score", "--reference-graphs", ref, "--candidate-graphs", cand, "--format", "jsonl", "--summary", summary)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs := readRecords(t, out)
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID+":"+r.Status)
	}
	if got := strings.Join(ids, " "); got != "a:ok b:ok c:error z:error" {
		t.Fatalf("records %s, want reference order then the unmatched candidate", got)
	}
	// a: "left" omitted. NSC = 2/4, edge F1 = 2/3, SCS = 5/7 (worked in
	// scorers' TestScores, here with the radiology ontology: anchors are
	// the disorder only; recall: effusion 1·(1+1)/(2+1) = 2/3; precision:
	// effusion covered fully, 1; F1 = 0.8).
	a := recs[0]
	if !near(a.Scores.NSC, 0.5) || !near(a.Scores.EdgeF1, 2.0/3) || !near(a.Scores.SCS, 0.8) {
		t.Errorf("a: %+v", a.Scores)
	}
	if ts := a.Types["concept"]; ts.Reference != 1 || ts.Candidate != 0 || ts.Coverage != 0 {
		t.Errorf("a: concept breakdown %+v", ts)
	}
	if ts := a.Types["disorder"]; ts.Reference != 1 || ts.Matched != 1 || ts.Coverage != 1 {
		t.Errorf("a: disorder breakdown %+v", ts)
	}
	if b := recs[1]; b.Scores.NSC != 1 || b.Scores.SCS != 1 || b.Scores.RadGraphComplete != 1 {
		t.Errorf("identical pair b: %+v", b.Scores)
	}
	if !strings.Contains(recs[2].Error, `no candidate graph with id "c"`) || !strings.Contains(recs[3].Error, `no reference graph with id "z"`) {
		t.Errorf("missing partners: %q, %q", recs[2].Error, recs[3].Error)
	}
	var rs results.RunStats
	b, _ := os.ReadFile(summary)
	if err := json.Unmarshal(b, &rs); err != nil || rs.Pairs != 4 || rs.Errors != 2 || rs.Scores["nsc"].N != 2 || !near(rs.Scores["nsc"].Mean, 0.75) {
		t.Errorf("summary %v: %s", err, b)
	}
}

func TestScoreGraphsBadLines(t *testing.T) {
	dir := t.TempDir()
	ref := writeGraphs(t, filepath.Join(dir, "ref.jsonl"), effusion("a", true), `{"id": "b", "entities": [{"id": "e1", "type": "nonsense"}]}`, `{not json`)
	cand := writeGraphs(t, filepath.Join(dir, "cand.jsonl"), effusion("a", true), effusion("b", true))
	out, errOut, code := run(t, "", "score", "--reference-graphs", ref, "--candidate-graphs", cand, "--format", "jsonl")
	if code != exitInput || out != "" || !strings.Contains(errOut, "2 invalid input line(s)") || !strings.Contains(errOut, "ref.jsonl:2:") || !strings.Contains(errOut, "ref.jsonl:3:") {
		t.Fatalf("bad lines must fail before any output: exit %d, stdout %q\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", "score", "--reference-graphs", ref, "--candidate-graphs", cand, "--format", "jsonl", "--skip-invalid")
	if code != exitOK {
		t.Fatalf("--skip-invalid: exit %d\n%s", code, errOut)
	}
	recs := readRecords(t, out)
	// b's reference line is invalid but names its id: b gets an error
	// record instead of disappearing.
	if len(recs) != 2 || recs[0].Status != "ok" || recs[1].ID != "b" || !strings.Contains(recs[1].Error, "unknown type") {
		t.Errorf("records %+v, stderr %s", recs, errOut)
	}
}

func TestScoreRadGraphInput(t *testing.T) {
	dir := t.TempDir()
	// The reference relates "effusion" to "pleural"; the hypothesis has the
	// same entities without the relation: simple 1, partial 1/2, complete
	// 1/2 (scorers' TestRadGraphF1).
	ref := writeGraphs(t, filepath.Join(dir, "ref.jsonl"), `{"id":"r","text":"pleural effusion","entities":{"1":{"tokens":"effusion","label":"OBS-DP","start_ix":1,"end_ix":1,"relations":[["located_at","2"]]},"2":{"tokens":"pleural","label":"ANAT-DP","start_ix":0,"end_ix":0,"relations":[]}}}`)
	cand := writeGraphs(t, filepath.Join(dir, "cand.jsonl"), `{"id":"r","text":"pleural effusion","entities":{"1":{"tokens":"effusion","label":"OBS-DP","start_ix":1,"end_ix":1,"relations":[]},"2":{"tokens":"pleural","label":"ANAT-DP","start_ix":0,"end_ix":0,"relations":[]}}}`)
	out, errOut, code := run(t, "", "score", "--reference-graphs", ref, "--candidate-graphs", cand, "--input-format", "radgraph", "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := readRecords(t, out)[0]
	if r.Scores.RadGraphSimple != 1 || r.Scores.RadGraphPartial != 0.5 || r.Scores.RadGraphComplete != 0.5 || r.Scores.NSC != 1 || !near(r.Scores.EdgeF1, 0) {
		t.Errorf("scores %+v", r.Scores)
	}
}

func TestScoreCorpus(t *testing.T) {
	out, errOut, code := run(t, "", "score", "--pairs", "../../testdata/radiology/pairs.jsonl", "--corpus", "--format", "json", "--min-count", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep corpusReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Reference.Documents == 0 || rep.Reference.Documents != rep.Candidate.Documents || rep.MinCount != 2 || len(rep.Scores.Coverage) == 0 {
		t.Errorf("report %+v", rep)
	}
	for _, c := range append(rep.Scores.Coverage, rep.Scores.Total) {
		if c.ConceptShare < 0 || c.ConceptShare > 1 || c.CoveredCount > c.ReferenceCount {
			t.Errorf("coverage row %+v", c)
		}
	}
	// The same corpus on both sides, from graph files, covers everything.
	dir := t.TempDir()
	g := writeGraphs(t, filepath.Join(dir, "g.jsonl"), effusion("a", true), effusion("b", false))
	out, errOut, code = run(t, "", "score", "--reference-graphs", g, "--candidate-graphs", g, "--corpus", "--format", "table", "--count-weighted")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := strings.Join(strings.Fields(lines[len(lines)-1]), " ")
	if code != exitOK || !strings.Contains(out, "NSC 1.000  AMS 1.000  EDGE_F1 1.000  SCS 1.000") || last != "all 3 3 1.000 5 5 1.000" {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, "", "score", "--corpus"); code != exitInput || !strings.Contains(errOut, "give --pairs") {
		t.Errorf("no input: exit %d %s", code, errOut)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
