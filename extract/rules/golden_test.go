package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the extractor's output")

type goldenCase struct{ name, text string }

// goldenGroups are sentences written for these tests, one group per golden
// file (testdata/<file>.golden). Every cue kind, relation pattern and
// measurement format of docs/extraction.md has a case; TestGoldenCoverage
// checks the cue kinds and relation types.
var goldenGroups = []struct {
	file  string
	cases []goldenCase
}{
	{"negation", []goldenCase{
		{"pre-no", "No pneumothorax."},
		{"pre-without", "Small left apical pneumothorax without mediastinal shift."},
		{"pre-free-of", "The lungs are free of focal consolidation."},
		{"pre-negative-for", "Negative for acute displaced rib fracture."},
		{"pre-no-evidence-of", "There is no evidence of pneumothorax or large pleural effusion."},
		{"pre-absence-of", "Absence of pleural effusion."},
		{"pre-resolution-of", "Interval resolution of the right pleural effusion."},
		{"pre-removal-of", "Interval removal of the left chest tube."},
		{"pre-no-longer", "There is no longer a pneumothorax."},
		{"pre-neither-nor", "Neither effusion nor pneumothorax."},
		{"post-is-not-seen", "Pneumothorax is not seen."},
		{"post-has-resolved", "The previously seen right pleural effusion has resolved."},
		{"post-has-been-removed", "The endotracheal tube has been removed."},
		{"post-are-absent", "Pleural effusions are absent."},
		{"post-is-not-identified", "Focal consolidation is not identified."},
		{"post-no-longer-seen", "The right upper lobe nodule is no longer seen."},
		{"both-ways-resolved", "Pneumothorax resolved, new small left pleural effusion."},
		{"coordination-or", "No pleural effusion or pneumothorax."},
		{"coordination-list", "No focal consolidation, pleural effusion, or pneumothorax."},
		{"coordination-list-unknown-words", "No pneumothorax, pleural effusion, or lobar airspace disease."},
		{"coordination-post", "Small effusion and pneumothorax have resolved."},
		{"scope-comma-not-list", "No pneumothorax, small left pleural effusion."},
		{"scope-and-new-clause", "No pneumothorax and there is a small right pleural effusion."},
		{"scope-termination-but", "No pneumothorax but there is a small pleural effusion."},
		{"scope-termination-however", "No focal consolidation, however mild atelectasis at the bases."},
		{"scope-semicolon", "No pleural effusion; mild atelectasis at the bases."},
		{"scope-word-window", "No pneumothorax is seen on the frontal or lateral views of the chest today and a small effusion persists."},
		{"scope-post-stops-at-and", "The heart is normal and pneumothorax is not seen."},
		{"pseudo-no-change", "No change in the small left pleural effusion."},
		{"pseudo-no-interval-change", "No interval change in the right upper lobe nodule."},
		{"pseudo-not-well-seen", "The left costophrenic angle is not well seen, small effusion."},
		{"cue-overlaps-term", "No acute cardiopulmonary process. No acute abnormality of the ribs."},
		{"anatomy-never-negated", "No pleural effusion at the lung bases."},
		{"descriptor-shares-assertion", "No large pleural effusion."},
	}},
	{"uncertainty", []goldenCase{
		{"pre-possible", "Possible small right pleural effusion."},
		{"pre-may-represent", "Left basilar opacity may represent atelectasis."},
		{"pre-cannot-exclude", "Cannot exclude early pneumonia."},
		{"pre-likely", "Likely right lower lobe pneumonia."},
		{"pre-questionable", "Questionable nodule in the right upper lobe."},
		{"pre-suspicious-for", "Opacity in the left upper lobe suspicious for pneumonia."},
		{"pre-correlate-clinically-for", "Right basilar airspace disease. Correlate clinically for pneumonia."},
		{"post-cannot-be-excluded", "Superimposed pneumonia cannot be excluded."},
		{"post-is-not-excluded", "A small pneumothorax is not excluded."},
		{"post-is-suspected", "Pneumonia is suspected."},
		{"alternation-versus", "Cardiomegaly with bibasilar opacities versus atelectasis."},
		{"alternation-vs-abbreviation", "Atelectasis vs. pneumonia in the left lower lobe."},
		{"alternation-and-or", "Scarring and/or atelectasis at the left base."},
		{"alternation-or", "Bibasilar atelectasis or scarring."},
		{"alternation-or-under-negation", "No pleural effusion or pneumothorax; mild atelectasis or scarring."},
		{"termination-although", "Left basilar opacity, likely atelectasis, although pneumonia cannot be excluded."},
		{"consistent-with-is-no-hedge", "Right lower lobe consolidation consistent with pneumonia."},
		{"hedged-descriptors", "Possible mild pulmonary edema."},
	}},
	{"located_at", []goldenCase{
		{"adjectival-lobe", "Right lower lobe consolidation."},
		{"adjectival-with-descriptor", "Left apical pneumothorax."},
		{"adjectival-unknown-adjective", "Bibasilar subsegmental atelectasis."},
		{"preposition-in", "Patchy opacity in the right lower lobe."},
		{"preposition-device-distance", "Endotracheal tube tip 4 cm above the carina."},
		{"preposition-device-with-tip", "Right PICC line with tip at the cavoatrial junction."},
		{"preposition-chain", "Nasogastric tube courses below the diaphragm into the stomach."},
		{"preposition-subject-of-finding", "The nasogastric tube is coiled in the stomach."},
		{"preposition-across-comma", "Moderate left pneumothorax, measuring 3 cm at the apex."},
		{"preposition-across-clause", "The endotracheal tube is in satisfactory position, with its tip 5 cm above the carina."},
		{"bilateral-lower-lobes", "Opacities in the bilateral lower lobes."},
		{"coordinated-body-parts", "Consolidation in the right upper lobe and left lower lobe."},
		{"left-greater-than-right", "Patchy opacities at the lung bases, left greater than right."},
		{"copula", "The lungs are hyperinflated."},
		{"finding-before-body-part", "Hyperexpanded lungs."},
		{"not-across-negation", "The lungs are clear without evidence of focal consolidation."},
		{"not-across-negation-2", "Small left apical PTX without mediastinal shift."},
		{"absent-finding-placed", "No pleural effusion at the right base."},
	}},
	{"modify", []goldenCase{
		{"laterality-before-finding", "Small left pleural effusion."},
		{"laterality-after-finding", "Pleural effusions bilaterally."},
		{"laterality-before-body-part", "Left basilar opacity."},
		{"laterality-greater-than", "Small bilateral pleural effusions, left greater than right."},
		{"laterality-greater-than-implies-bilateral", "Pleural effusions, right greater than left."},
		{"laterality-symbol", "Basilar atelectasis, left > right."},
		{"laterality-larger-on-the", "Small pleural effusions on both sides, larger on the left."},
		{"severity-before", "Mild cardiomegaly."},
		{"severity-predicate", "The pneumothorax is small."},
		{"coordinated-predicates", "The pneumothorax is small and stable."},
		{"severity-not-across-or", "No acute fracture or pleural effusion."},
		{"change-before", "Increased right pleural effusion."},
		{"change-after", "The left pleural effusion has decreased."},
		{"change-stable", "Stable calcified granuloma in the left lower lobe."},
		{"chronicity", "Old healed left rib fractures."},
		{"normal-after-coordinated", "Heart and mediastinum are within normal limits."},
		{"normal-before-coordinated", "Normal heart and mediastinal contours."},
		{"normal-lungs", "The lungs are clear."},
		{"position-tip", "ETT tip is 5 cm above the carina."},
	}},
	{"suggestive_of", []goldenCase{
		{"concerning-for", "Right lower lobe consolidation concerning for pneumonia."},
		{"concerning-for-after-comma", "Left lower lobe consolidation, concerning for pneumonia."},
		{"comma-likely", "Left basilar opacity, likely atelectasis."},
		{"comma-possible", "Patchy opacity in the right lower lobe, possible pneumonia."},
		{"which-may-represent", "Right lower lobe opacity, which may represent atelectasis or pneumonia."},
		{"coordinated-sources", "Bilateral opacities and small pleural effusions, consistent with pulmonary edema."},
		{"no-self-link", "Hyperinflated lungs consistent with emphysema."},
		{"likely-without-comma-is-no-link", "Small effusion and likely atelectasis."},
	}},
	{"measurement", []goldenCase{
		{"mm", "8 mm nodule in the right upper lobe."},
		{"cm-decimal", "1.5 cm nodule in the left upper lobe."},
		{"unit-attached", "1.5cm mass in the right lung."},
		{"unit-hyphenated", "A 6-mm calcified granuloma."},
		{"two-dimensions", "1.5 x 2.0 cm mass in the right upper lobe."},
		{"two-dimensions-joined", "1.5x2.0cm nodule."},
		{"dimensions-by", "3 by 4 mm nodule."},
		{"three-dimensions-times-sign", "Mass measuring 1.5 × 2 × 3 cm."},
		{"unit-per-dimension", "Mass measuring 2 cm x 3 cm."},
		{"spelled-units", "Nodule measuring 12 millimeters. Mass measuring 2 centimeters."},
		{"after-finding", "Tiny left apical pneumothorax, measuring 8 mm."},
		{"device-distance", "Endotracheal tube tip 4 cm above the carina."},
		{"no-unit-no-size", "Nodule number 2 in the right upper lobe."},
		{"decimal-ends-sentence", "The nodule measures 1.5 cm. No pleural effusion."},
	}},
	{"sections", []goldenCase{
		{"skip-indication-comparison", "INDICATION: Rule out pneumonia.\nCOMPARISON: Prior radiograph with a small effusion.\nFINDINGS: No pneumothorax.\nIMPRESSION: No acute cardiopulmonary process."},
		{"skip-history", "HISTORY: Pneumothorax.\nFINDINGS: No pneumothorax."},
		{"skip-clinical-history-and-technique", "CLINICAL HISTORY: Chest tube placement. TECHNIQUE: Portable AP view. FINDINGS: Left chest tube. Small left apical pneumothorax."},
		{"heading-alone-on-line", "FINDINGS\nSmall right pleural effusion.\nIMPRESSION\nSmall effusion."},
		{"heading-in-run-on-line", "Findings: Lungs are clear Impression: No acute cardiopulmonary process."},
		{"numbered-list", "IMPRESSION: 1. Small left pleural effusion. 2. No pneumothorax. 3. Mild cardiomegaly."},
		{"numbered-list-without-periods", "IMPRESSION: 1. Small left pleural effusion 2. No pneumothorax"},
		{"numbered-list-on-lines", "IMPRESSION:\n1. Mild bibasilar atelectasis\n2. No pneumothorax"},
		{"numbered-list-parenthesis", "IMPRESSION: 1) Small left pleural effusion. 2) No pneumothorax."},
		{"bullets", "- Small left pleural effusion\n- No pneumothorax"},
		{"abbreviations", "Approx. 2 cm mass vs. pneumonia in the right upper lobe, e.g. on the lateral view. No pleural effusion."},
		{"decimal", "Nodule measures 1.5 cm. No pleural effusion."},
	}},
}

func TestGolden(t *testing.T) {
	o := testOntology(t)
	x := New(o)
	for _, group := range goldenGroups {
		t.Run(group.file, func(t *testing.T) {
			seen := map[string]bool{}
			graphs := make([]*graph.Graph, len(group.cases))
			for i, c := range group.cases {
				if seen[c.name] {
					t.Fatalf("duplicate case %q", c.name)
				}
				seen[c.name] = true
				graphs[i] = mustExtract(t, x, c.name, c.text)
				if err := graphs[i].Validate(o); err != nil {
					t.Errorf("%s: invalid graph: %v", c.name, err)
				}
			}
			got := goldenJSON(t, graphs)
			path := filepath.Join("testdata", group.file+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if bytes.Equal(got, want) {
				return
			}
			var old []*graph.Graph
			if err := json.Unmarshal(want, &old); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			byID := map[string]*graph.Graph{}
			for _, g := range old {
				byID[g.ID] = g
			}
			for _, g := range graphs {
				w, ok := byID[g.ID]
				switch {
				case !ok:
					t.Errorf("%s: case %s is not in the golden file", path, g.ID)
				case summary(g) != summary(w):
					t.Errorf("%s: %s: %q\n got: %s\nwant: %s", path, g.ID, g.Text, summary(g), summary(w))
				}
			}
			t.Errorf("%s differs from the extractor's output; if the change is intended, run go test ./extract/rules -run TestGolden -update and review the diff", path)
		})
	}
}

// goldenJSON writes graphs as a JSON array, one entity or relation a line,
// so that diffs of the golden files read like the change they record.
func goldenJSON(t *testing.T, graphs []*graph.Graph) []byte {
	t.Helper()
	var b bytes.Buffer
	line := func(v any) string {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(j)
	}
	b.WriteString("[\n")
	for i, g := range graphs {
		fmt.Fprintf(&b, "  {\n    \"id\": %s,\n    \"text\": %s,\n    \"entities\": [", line(g.ID), line(g.Text))
		for k, e := range g.Entities {
			sep := ","
			if k == len(g.Entities)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "\n      %s%s", line(e), sep)
		}
		if len(g.Entities) > 0 {
			b.WriteString("\n    ")
		}
		b.WriteString("],\n    \"relations\": [")
		for k, r := range g.Relations {
			sep := ","
			if k == len(g.Relations)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "\n      %s%s", line(r), sep)
		}
		if len(g.Relations) > 0 {
			b.WriteString("\n    ")
		}
		b.WriteString("]\n  }")
		if i < len(graphs)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// summary is a one-line reading of a graph: its entities with assertion
// marks (- absent, ? uncertain) and measurements, then its relations.
func summary(g *graph.Graph) string {
	name := map[string]string{}
	var parts []string
	for _, e := range g.Entities {
		n := e.Key
		switch e.Assertion {
		case graph.Absent:
			n = "-" + n
		case graph.Uncertain:
			n = "?" + n
		}
		if e.Measure != nil {
			n += fmt.Sprint(e.Measure.Values)
		}
		name[e.ID] = n
		parts = append(parts, n)
	}
	s := strings.Join(parts, " ")
	for _, r := range g.Relations {
		s += fmt.Sprintf(" | %s %s %s", name[r.Source], r.Type, name[r.Target])
	}
	return s
}

// TestGoldenCoverage checks that the golden sentences exercise every kind
// of cue and every relation type of the ontology.
func TestGoldenCoverage(t *testing.T) {
	o := testOntology(t)
	x := New(o)
	kinds := map[cueKind]string{negPre: "negation pre-trigger", negPost: "negation post-trigger",
		uncPre: "uncertainty pre-trigger", uncPost: "uncertainty post-trigger", terminate: "termination",
		pseudo: "pseudo-trigger"}
	bothWays := false
	seenKind := map[cueKind]bool{}
	seenRel := map[string]bool{}
	var s sentence
	for _, group := range goldenGroups {
		for _, c := range group.cases {
			for _, sn := range Sentences(c.text, x.headings) {
				s.reset(c.text, sn)
				x.analyze(&s)
				for _, cu := range s.cues {
					for k := range kinds {
						if cu.kind&k != 0 {
							seenKind[k] = true
						}
					}
					bothWays = bothWays || cu.kind&(uncPre|uncPost) == uncPre|uncPost
				}
			}
			for _, r := range mustExtract(t, x, c.name, c.text).Relations {
				seenRel[r.Type] = true
			}
		}
	}
	for k, name := range kinds {
		if !seenKind[k] {
			t.Errorf("no golden sentence has a %s", name)
		}
	}
	if !bothWays {
		t.Errorf("no golden sentence has an alternation cue (versus)")
	}
	for _, r := range o.RelationTypeNames() {
		if !seenRel[r] {
			t.Errorf("no golden sentence yields a %s relation", r)
		}
	}
}
