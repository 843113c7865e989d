package rules

import (
	"context"
	"runtime"
	"testing"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/ontology"
)

// benchReports are typical chest radiograph reports, written for the
// benchmark: normal studies, common findings, devices, measurements,
// hedges and numbered impressions, 300 to 700 characters each like the
// public IU X-ray reports.
var benchReports = []string{
	"FINDINGS: The heart size and mediastinal contours are within normal limits. The lungs are clear. No pleural effusion or pneumothorax. The visualized osseous structures are unremarkable. IMPRESSION: No acute cardiopulmonary process.",
	"FINDINGS: Heart size is mildly enlarged. There is mild pulmonary vascular congestion. Small bilateral pleural effusions, left greater than right, with adjacent bibasilar atelectasis. No pneumothorax. IMPRESSION: 1. Mild cardiomegaly with mild pulmonary vascular congestion. 2. Small bilateral pleural effusions.",
	"INDICATION: Fever and cough. COMPARISON: None. FINDINGS: Patchy opacity in the right lower lobe, concerning for pneumonia. No pleural effusion. Heart size is normal. IMPRESSION: Right lower lobe pneumonia.",
	"FINDINGS: Endotracheal tube tip 4 cm above the carina. Enteric tube courses below the diaphragm into the stomach. Right internal jugular central venous catheter with tip in the superior vena cava. Lungs are clear. No pneumothorax. IMPRESSION: Lines and tubes in standard position.",
	"FINDINGS: There is a 1.5 x 2.0 cm nodule in the left upper lobe. Calcified granuloma in the right lower lobe. No focal consolidation, pleural effusion, or pneumothorax. Degenerative changes of the thoracic spine. IMPRESSION: 1. Left upper lobe nodule; CT is recommended. 2. No acute disease.",
	"FINDINGS: The lungs are hyperinflated with flattening of the hemidiaphragms, consistent with emphysema. Left basilar opacity, likely atelectasis, although pneumonia cannot be excluded. The cardiac silhouette is normal. IMPRESSION: Emphysema. Left basilar opacity, atelectasis versus pneumonia.",
	"FINDINGS: Moderate right pneumothorax with approximately 2 cm apical pleural separation. Right chest tube in place. Subcutaneous emphysema along the right chest wall. No mediastinal shift. IMPRESSION: Moderate right pneumothorax despite chest tube.",
	"FINDINGS: Median sternotomy wires are intact. Stable mild cardiomegaly. Interval resolution of the left pleural effusion. No new focal airspace disease. Trace right pleural effusion is unchanged. IMPRESSION: Resolved left effusion. Stable trace right effusion.",
	"FINDINGS: Lungs are clear bilaterally. No focal consolidation, pneumothorax or large pleural effusion. Cardiomediastinal silhouette is within normal limits. Old healed left rib fractures. IMPRESSION: No acute cardiopulmonary abnormality.",
	"FINDINGS: Diffuse bilateral airspace opacities, worse in the lower lobes. Small bilateral pleural effusions. Heart size is enlarged. Dobhoff tube tip in the stomach. IMPRESSION: Diffuse bilateral airspace disease, which may represent pulmonary edema or ARDS; superimposed infection is not excluded.",
}

// BenchmarkExtract extracts one typical report per iteration with the
// built-in radiology ontology (its full lexicon and cues).
func BenchmarkExtract(b *testing.B) {
	o, err := ontology.Builtin("radiology")
	if err != nil {
		b.Fatal(err)
	}
	x := New(o)
	ctx := context.Background()
	docs := make([]extract.Document, len(benchReports))
	bytes := 0
	for i, r := range benchReports {
		docs[i] = extract.Document{ID: "r", Text: r}
		bytes += len(r)
	}
	b.SetBytes(int64(bytes / len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := x.Extract(ctx, docs[i%len(docs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

// TestExtractMemoryFlat checks that the extractor keeps nothing from one
// document to the next: the live heap after many more documents is the
// same, within noise, as after a few.
func TestExtractMemoryFlat(t *testing.T) {
	o, err := ontology.Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	x := New(o)
	ctx := context.Background()
	few, many := 300, 3000
	if testing.Short() {
		few, many = 200, 1000
	}
	run := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := x.Extract(ctx, extract.Document{ID: "r", Text: benchReports[i%len(benchReports)]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	live := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	run(few)
	before := live()
	run(many)
	after := live()
	if after > before+256<<10 {
		t.Errorf("live heap grew from %d to %d bytes over %d more documents", before, after, many)
	}
}
