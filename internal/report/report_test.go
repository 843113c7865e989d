package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
)

var hostile = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`}

// records are n scored records with falling scores, per-type stats and
// diffs, and one failed record.
func records(n int, text string) []*results.Record {
	var recs []*results.Record
	for i := 0; i < n; i++ {
		v := float64(n-i) / float64(n)
		j := v / 2
		recs = append(recs, &results.Record{
			ID:         "p" + string(rune('a'+i)) + text,
			Scores:     &scorers.Scores{NSC: v, AMS: v, EdgeF1: v, SCS: v, RadGraphSimple: v, RadGraphPartial: v, RadGraphComplete: v, Judge: &j, Overall: v},
			Components: []string{"nsc", "ams", "scs"}, Status: results.StatusOK,
			Types: map[string]scorers.TypeStats{
				"disorder":       {Reference: 2, Candidate: 2, Matched: 1, Coverage: v},
				"anatomy" + text: {Reference: 1, Candidate: 1, Matched: 1, Coverage: 1},
			},
			Judge: &results.Judge{Feedback: "feedback " + text},
			Diff: &results.Diff{Matched: 2,
				Missing:  []results.DiffEntity{{Text: "pneumothorax" + text, Key: "finding/pneumothorax" + text, Type: "disorder", Assertion: graph.Present, Significance: "urgent" + text, Weight: 4}},
				Invented: []results.DiffEntity{{Text: "effusion " + text, Key: "finding/pleural_effusion", Type: "disorder", Assertion: graph.Present, Weight: 2}},
				Changed: []results.DiffChange{{Reference: results.DiffEntity{Text: "edema", Assertion: graph.Absent, Weight: 1}, Candidate: results.DiffEntity{Text: "edema" + text, Assertion: graph.Present},
					Changes: []string{"assertion"}, ScoredAs: results.ScoredApart}},
				Relations: results.DiffRelations{Matched: 1, Missing: 1}},
		})
	}
	recs = append(recs, &results.Record{ID: "failed" + text, Status: results.StatusError, Error: "extract reference: " + text, Components: []string{}})
	return recs
}

func header(text string) *results.Header {
	return &results.Header{Version: "v1.2.3", Ontology: "radiology" + text, OntologyHash: "abc", Extractor: "rules", Judge: "rules",
		Weights: map[string]float64{"nsc": 0.4, "ams": 0.2, "scs": 0.4}, Theta: 0.5, Input: "pairs" + text + ".jsonl", Pairs: 6}
}

func TestReport(t *testing.T) {
	recs := records(5, "")
	var b bytes.Buffer
	err := Write(&b, &Input{Source: "results.jsonl", Header: header(""), Records: recs, Version: "v9", Worst: 3,
		Pairs: map[string]pairs.Pair{"pe": {ID: "pe", Reference: "Small pneumothorax. Edema absent.", Candidate: "Edema. Effusion."}}})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<svg class="chart"`, "Score distributions", "Distribution of overall", "Mean node coverage by entity type",
		// the summary: 6 records, 5 scored, 1 error; overall mean 0.6
		`<div class="v">6</div>`, `<div class="v">5</div>`, `<div class="v">1</div>`, `<div class="v">0.600</div>`,
		"95% CI [", "The 3 worst pairs", `id="pair-1"`, "failed", "v1.2.3", "nsc=0.4",
		// the worst pair is pe (0.2) and its texts are marked
		`<summary>pe<span class="score">overall 0.200</span>`, `<mark class="missing"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, `<summary>pb<`) {
		t.Errorf("a pair that is not among the 3 worst is shown")
	}
	assertSelfContained(t, page)
}

// assertSelfContained fails when the page would fetch anything: a source,
// a link, an import or a URL other than the SVG namespaces.
func assertSelfContained(t *testing.T, page string) {
	t.Helper()
	for _, re := range []string{`(?i)<[a-z][^>]*\s(src|href)=["']?(https?:|//|data:[^"]*script)`, `(?i)<link`, `(?i)@import`, `(?i)url\(`, `(?i)<script`, `(?i)<iframe`, `(?i)<object`, `(?i)<img`} {
		if m := regexp.MustCompile(re).FindStringIndex(page); m != nil {
			t.Errorf("page matches %s: ...%s...", re, page[max(0, m[0]-60):min(len(page), m[1]+60)])
		}
	}
	for _, m := range regexp.MustCompile(`https?://[^"'\s<>]*`).FindAllString(page, -1) {
		if m != "http://www.w3.org/2000/svg" && m != "http://www.w3.org/1999/xlink" {
			t.Errorf("page names %s", m)
		}
	}
}

func TestReportHostileText(t *testing.T) {
	h := " " + hostile[0] + hostile[1]
	recs := records(4, h)
	ps := map[string]pairs.Pair{}
	for _, r := range recs {
		ps[r.ID] = pairs.Pair{ID: r.ID, Reference: "pneumothorax" + h, Candidate: "effusion " + h}
	}
	var b bytes.Buffer
	if err := Write(&b, &Input{Source: "results" + h, Header: header(h), Records: recs, Pairs: ps, Version: "v" + h}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	low := strings.ToLower(page)
	for _, bad := range []string{"<script", "<img", hostile[0], hostile[1]} {
		if i := strings.Index(low, strings.ToLower(bad)); i >= 0 {
			t.Errorf("report holds %q unescaped: ...%s...", bad, page[max(0, i-80):min(len(page), i+80)])
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the hostile text is not shown escaped")
	}
	assertSelfContained(t, page)
}

func TestReportEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, &Input{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "No pair was scored") || !strings.Contains(b.String(), "no run header") {
		t.Errorf("empty report:\n%s", b.String())
	}
}

func TestWorst(t *testing.T) {
	recs := records(5, "")
	got := Worst(recs, 2)
	if len(got) != 2 || got[0].ID != "pe" || got[1].ID != "pd" {
		t.Errorf("worst: %v, %v", got[0].ID, got[1].ID)
	}
	if len(Worst(recs, 0)) != 5 {
		t.Errorf("Worst(0) is not all 5 (up to 10)")
	}
}
