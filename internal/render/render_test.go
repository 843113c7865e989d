package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// ent makes an entity whose span is the first occurrence of text in doc
// at or after from.
func ent(doc, id, text, typ, key string, a graph.Assertion) graph.Entity {
	e := graph.Entity{ID: id, Text: text, Type: typ, Key: key, Assertion: a}
	if i := strings.Index(doc, text); i >= 0 {
		e.Span = &graph.Span{i, i + len(text)}
	}
	return e
}

// fixture is a hand-made pair whose diff has every kind of difference: a
// matched entity with a changed assertion, an assertion flipped (the
// matching leaves it missing and invented), an attribute with another
// value, missing and invented entities, and relations matched, missing,
// invented and changed in type. The diff is written by hand, as
// scorers.ComputeDiff would give it, so that the golden files test the
// rendering alone.
func fixture(refText, candText string) *View {
	const (
		P = graph.Present
		A = graph.Absent
		U = graph.Uncertain
	)
	r := &graph.Graph{ID: "p1", Text: refText, Entities: []graph.Entity{
		ent(refText, "r1", "Small", "concept", "severity/small", P),
		ent(refText, "r2", "right", "concept", "laterality/right", P),
		ent(refText, "r3", "pleural effusion", "disorder", "finding/pleural_effusion", P),
		ent(refText, "r4", "pneumothorax", "disorder", "finding/pneumothorax", A),
		ent(refText, "r5", "atelectasis", "disorder", "finding/atelectasis", U),
		ent(refText, "r8", "left lower lobe", "anatomy", "anatomy/left_lower_lobe", P),
		ent(refText, "r6", "Heart", "anatomy", "anatomy/heart", P),
		ent(refText, "r7", "normal", "concept", "finding/normal", P),
	}, Relations: []graph.Relation{
		{Source: "r1", Target: "r3", Type: "modify"}, {Source: "r2", Target: "r3", Type: "modify"},
		{Source: "r5", Target: "r8", Type: "located_at"}, {Source: "r7", Target: "r6", Type: "modify"},
	}}
	c := &graph.Graph{ID: "p1", Text: candText, Entities: []graph.Entity{
		ent(candText, "c1", "Small", "concept", "severity/small", P),
		ent(candText, "c2", "left", "concept", "laterality/left", P),
		ent(candText, "c3", "pleural effusion", "disorder", "finding/pleural_effusion", P),
		ent(candText, "c5", "pneumothorax", "disorder", "finding/pneumothorax", P),
		ent(candText, "c6", "Atelectasis", "disorder", "finding/atelectasis", P),
		ent(candText, "c7", "left lower lobe", "anatomy", "anatomy/left_lower_lobe", P),
		ent(candText, "c8", "Cardiomegaly", "disorder", "finding/cardiomegaly", P),
	}, Relations: []graph.Relation{
		{Source: "c1", Target: "c3", Type: "modify"}, {Source: "c2", Target: "c3", Type: "modify"},
		{Source: "c6", Target: "c7", Type: "suggestive_of"},
	}}
	e := func(g *graph.Graph, id string) graph.Entity { x, _ := g.Entity(id); return x }
	item := func(g *graph.Graph, rel graph.Relation) scorers.RelationItem {
		return scorers.RelationItem{Relation: rel, SourceText: e(g, rel.Source).Text, TargetText: e(g, rel.Target).Text}
	}
	d := &scorers.Diff{
		Matched: []scorers.EntityMatch{
			{Reference: e(r, "r1"), Candidate: e(c, "c1"), Similarity: 1, Weight: 1},
			{Reference: e(r, "r3"), Candidate: e(c, "c3"), Similarity: 1, Significance: "actionable", Weight: 2},
			{Reference: e(r, "r5"), Candidate: e(c, "c6"), Similarity: 0.5, Significance: "actionable", Weight: 2, Changes: []string{"assertion"}},
			{Reference: e(r, "r8"), Candidate: e(c, "c7"), Similarity: 1, Weight: 1},
		},
		Missing: []scorers.EntityDiff{
			{Entity: e(r, "r2"), Weight: 1}, {Entity: e(r, "r4"), Significance: "urgent", Weight: 1},
			{Entity: e(r, "r6"), Weight: 1}, {Entity: e(r, "r7"), Weight: 0.5},
		},
		Invented: []scorers.EntityDiff{
			{Entity: e(c, "c2"), Weight: 1}, {Entity: e(c, "c5"), Significance: "urgent", Weight: 4},
			{Entity: e(c, "c8"), Significance: "actionable", Weight: 2},
		},
		Relations: scorers.RelationDiff{
			Matched:  []scorers.RelationItem{item(r, r.Relations[0])},
			Missing:  []scorers.RelationItem{item(r, r.Relations[1]), item(r, r.Relations[2]), item(r, r.Relations[3])},
			Invented: []scorers.RelationItem{item(c, c.Relations[1]), item(c, c.Relations[2])},
		},
	}
	judge := 0.5
	return &View{ID: "p1", Ontology: "radiology", Reference: r, Candidate: c, Diff: d,
		Scores:     &scorers.Scores{NSC: 0.45, AMS: 0.5, EdgeF1: 0.29, SCS: 0.4, RadGraphSimple: 0.53, RadGraphPartial: 0.4, RadGraphComplete: 0.27, Judge: &judge, Overall: 0.44},
		Components: []string{"nsc", "ams", "scs", "judge"}}
}

const (
	fixtureRef  = "Small right pleural effusion. No pneumothorax. Possible atelectasis in the left lower lobe. Heart size is normal."
	fixtureCand = "Small left pleural effusion. Small pneumothorax. Atelectasis in the left lower lobe. Cardiomegaly."
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./internal/render -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		format, file string
		opt          Options
	}{
		{"text", "diff.txt.golden", Options{}},
		{"text", "diff.color.golden", Options{Color: true}},
		{"json", "diff.json.golden", Options{}},
		{"dot", "diff.dot.golden", Options{}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, tt.format, fixture(fixtureRef, fixtureCand), tt.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, b.Bytes())
		})
	}
}

// TestClassification checks the statuses the fixture was built to have.
func TestClassification(t *testing.T) {
	m := analyze(fixture(fixtureRef, fixtureCand))
	if got := m.entityCounts(); got != (Counts{Matched: 3, Changed: 3, Missing: 2, Invented: 1}) {
		t.Errorf("entity counts %+v", got)
	}
	if got := m.relationCounts(); got != (Counts{Matched: 1, Changed: 2, Missing: 1, Invented: 0}) {
		t.Errorf("relation counts %+v", got)
	}
	want := map[string]string{"r2": "attribute", "r4": "assertion", "r5": "assertion"}
	for _, ch := range m.changed {
		if want[ch.Reference.ID] != ch.Changes[0] {
			t.Errorf("%s changed %v", ch.Reference.ID, ch.Changes)
		}
		if scoredApart := ch.ScoredAs != ""; scoredApart != (ch.Reference.ID != "r5") {
			t.Errorf("%s scored as %q", ch.Reference.ID, ch.ScoredAs)
		}
	}
	// The most significant first.
	if m.missing[0].Entity.ID != "r6" || m.changed[0].Reference.ID != "r4" {
		t.Errorf("order: missing %s first, changed %s first", m.missing[0].Entity.ID, m.changed[0].Reference.ID)
	}
	// Invented entities sit after the row of the candidate entity before them.
	rows := layoutRows(m)
	for k, r := range rows {
		if r.cand >= 0 && m.Candidate.Entities[r.cand].ID == "c8" {
			if r.ref != -1 || k == 0 || rows[k-1].cand < 0 || m.Candidate.Entities[rows[k-1].cand].ID != "c7" {
				t.Errorf("c8 on row %d: %+v after %+v", k, r, rows[k-1])
			}
		}
	}
	if len(rows) != len(m.Reference.Entities)+1 {
		t.Errorf("%d rows", len(rows))
	}
}

func TestJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, "json", fixture(fixtureRef, fixtureCand), Options{}); err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != "p1" || len(doc.Changed) != 3 || len(doc.RelationDiff.Changed) != 2 || doc.Reference == nil || doc.Scores == nil {
		t.Errorf("unexpected document: %+v", doc)
	}
}

// TestSVGWellFormed parses the standalone SVG as XML, with text that needs
// escaping.
func TestSVGWellFormed(t *testing.T) {
	v := fixture(fixtureRef, fixtureCand)
	v.Reference.Entities[0].Text = `a < b & "c" > d` + "\x01"
	var b bytes.Buffer
	if err := Render(&b, "svg", v, Options{}); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&b)
	for {
		_, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
	}
}

// hostile are texts that would run script or break out of an attribute if
// they were not escaped.
var hostile = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`}

// assertInert fails when page holds a tag of the hostile texts unescaped:
// kgeval's pages have no script and no image of their own, so any is one
// that got through.
func assertInert(t *testing.T, page string) {
	t.Helper()
	low := strings.ToLower(page)
	for _, bad := range []string{"<script", "<img", hostile[0], hostile[1]} {
		if i := strings.Index(low, strings.ToLower(bad)); i >= 0 {
			t.Errorf("page holds %q unescaped: ...%s...", bad, page[max(0, i-80):min(len(page), i+80)])
		}
	}
}

func TestHostileTextInert(t *testing.T) {
	h := hostile[0] + " " + hostile[1]
	v := fixture(fixtureRef+" "+h, fixtureCand+" "+h)
	// Hostile text everywhere a document or a file can put it: entity
	// texts, keys, types, relation types and the pair id.
	v.ID = h
	v.Ontology = h
	v.Reference.Entities = append(v.Reference.Entities, ent(v.Reference.Text, "rx", hostile[0], "disorder", hostile[1], graph.Present))
	v.Candidate.Entities = append(v.Candidate.Entities, ent(v.Candidate.Text, "cx", hostile[1], hostile[0], hostile[1], graph.Present))
	v.Diff.Missing = append(v.Diff.Missing, scorers.EntityDiff{Entity: v.Reference.Entities[len(v.Reference.Entities)-1], Significance: h, Weight: 1})
	v.Diff.Invented = append(v.Diff.Invented, scorers.EntityDiff{Entity: v.Candidate.Entities[len(v.Candidate.Entities)-1], Weight: 1})
	v.Reference.Relations = append(v.Reference.Relations, graph.Relation{Source: "rx", Target: "r1", Type: hostile[1]})
	v.Diff.Relations.Missing = append(v.Diff.Relations.Missing, scorers.RelationItem{Relation: v.Reference.Relations[len(v.Reference.Relations)-1], SourceText: hostile[0], TargetText: "Small"})
	for _, format := range []string{"html", "svg"} {
		var b bytes.Buffer
		if err := Render(&b, format, v, Options{Back: "/?q=" + hostile[1]}); err != nil {
			t.Fatal(err)
		}
		t.Run(format, func(t *testing.T) { assertInert(t, b.String()) })
		if format == "html" && !strings.Contains(b.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("the hostile text is not shown escaped")
		}
	}
	// Control characters cannot reach a terminal.
	v.Reference.Entities[0].Text = "x\x1b[31mred"
	v.Diff.Missing[0].Entity = v.Reference.Entities[0]
	var b bytes.Buffer
	if err := Render(&b, "text", v, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("an escape sequence from the document reached the text output")
	}
}

func TestSegments(t *testing.T) {
	text := "Small right effusion. Héllo."
	g := &graph.Graph{Text: text, Entities: []graph.Entity{
		{ID: "a", Text: "right", Span: &graph.Span{6, 11}},
		{ID: "b", Text: "ight", Span: &graph.Span{7, 11}}, // inside a: dropped
		{ID: "c", Text: "x", Span: &graph.Span{40, 45}},   // out of range
		{ID: "d", Text: "é", Span: &graph.Span{24, 25}},   // cuts a character
		{ID: "e", Text: "effusion", Span: &graph.Span{12, 20}},
		{ID: "f", Text: "neg", Span: &graph.Span{-1, 2}},
	}}
	segs := Segments(g, func(e graph.Entity) Status { return Matched })
	var joined strings.Builder
	var marked []string
	for _, s := range segs {
		joined.WriteString(s.Text)
		if s.Class != "" {
			marked = append(marked, s.Text)
		}
	}
	if joined.String() != text {
		t.Errorf("segments do not rebuild the text: %q", joined.String())
	}
	if strings.Join(marked, "|") != "right|effusion" {
		t.Errorf("marked %v", marked)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Render(&bytes.Buffer{}, "pdf", fixture("", ""), Options{}); err == nil || !regexp.MustCompile(`unknown format "pdf"`).MatchString(err.Error()) {
		t.Errorf("err = %v", err)
	}
}

func TestEmptyGraphs(t *testing.T) {
	for _, f := range Formats() {
		var b bytes.Buffer
		if err := Render(&b, f, &View{ID: "empty"}, Options{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
