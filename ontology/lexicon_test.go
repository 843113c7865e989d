package ontology

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// radiology loads the built-in radiology ontology or stops the test.
func radiology(t *testing.T) *Ontology {
	t.Helper()
	o, err := Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// normTerm is a term as the extractor matches it: case-insensitively, on
// words.
func normTerm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// termIndex maps each normalized term to the keys of the concepts that
// list it.
func termIndex(o *Ontology) map[string][]string {
	idx := map[string][]string{}
	for _, c := range o.Lexicon {
		for _, term := range c.Terms {
			n := normTerm(term)
			idx[n] = append(idx[n], c.Key)
		}
	}
	return idx
}

func TestRadiologyLexiconSize(t *testing.T) {
	o := radiology(t)
	if n := len(o.Lexicon); n < 650 {
		t.Errorf("radiology lexicon has %d concepts, want at least 650", n)
	}
	perType := map[string]int{}
	for _, c := range o.Lexicon {
		perType[c.Type]++
	}
	for typ, min := range map[string]int{"anatomy": 150, "disorder": 200, "device": 60, "procedure": 40, "concept": 80} {
		if perType[typ] < min {
			t.Errorf("%d %s concepts, want at least %d", perType[typ], typ, min)
		}
	}
}

// Every lexicon file beside the ontology is included, so a new file cannot
// be forgotten.
func TestRadiologyIncludesAllLexiconFiles(t *testing.T) {
	o := radiology(t)
	files, err := fs.Glob(builtinFS, "data/radiology/lexicon*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	included := map[string]bool{}
	for _, inc := range o.Include {
		included[inc] = true
	}
	for _, f := range files {
		if !included[path.Base(f)] {
			t.Errorf("%s is not in the include list of data/radiology/ontology.yaml", f)
		}
	}
}

// The extractor matches the longest term first, so a term shared by two
// concepts would always resolve to whichever was indexed last.
func TestRadiologyTermsUnique(t *testing.T) {
	o := radiology(t)
	for term, keys := range termIndex(o) {
		if len(keys) > 1 {
			t.Errorf("term %q belongs to %v", term, keys)
		}
	}
}

var plainTerm = regexp.MustCompile(`^[a-z0-9]+(?:[ /-][a-z0-9]+)*$`)

func TestRadiologyTermsArePlainWords(t *testing.T) {
	o := radiology(t)
	for _, c := range o.Lexicon {
		for _, term := range c.Terms {
			if !plainTerm.MatchString(term) {
				t.Errorf("%s: term %q is not plain lowercase words (hyphens and slashes allowed, single spaces)", c.Key, term)
			}
		}
	}
}

// Keys say what a concept is: anatomy/ anatomy, finding/ a disorder,
// device/ and procedure/ themselves, anything else a descriptor whose
// category is its key's prefix.
func TestRadiologyKeysMatchTypes(t *testing.T) {
	o := radiology(t)
	want := map[string]string{"anatomy": "anatomy", "finding": "disorder", "device": "device", "procedure": "procedure"}
	for _, c := range o.Lexicon {
		prefix, _, ok := strings.Cut(c.Key, "/")
		if !ok {
			t.Errorf("key %q has no prefix", c.Key)
			continue
		}
		if typ, ok := want[prefix]; ok {
			if c.Type != typ {
				t.Errorf("%s has type %s, want %s", c.Key, c.Type, typ)
			}
			continue
		}
		if c.Type != "concept" || c.Category != prefix {
			t.Errorf("%s: type %q category %q, want a concept of category %q", c.Key, c.Type, c.Category, prefix)
		}
	}
}

func TestRadiologySignificance(t *testing.T) {
	o := radiology(t)
	for _, c := range o.Lexicon {
		switch c.Type {
		case "disorder", "device", "procedure":
			if c.Significance == "" {
				t.Errorf("%s (%s) has no significance", c.Key, c.Type)
			} else if _, ok := o.Significance[c.Significance]; !ok {
				t.Errorf("%s has unknown significance %q", c.Key, c.Significance)
			}
		default:
			if c.Significance != "" {
				t.Errorf("%s (%s) has a significance; only disorders, devices and procedures do", c.Key, c.Type)
			}
		}
	}
	for key, want := range map[string]string{
		"finding/tension_pneumothorax": "urgent", "finding/pneumothorax": "urgent", "finding/free_air": "urgent",
		"finding/pneumomediastinum": "urgent", "finding/widened_mediastinum": "urgent", "finding/aortic_dissection": "urgent",
		"finding/malposition": "urgent", "finding/mainstem_intubation": "urgent",
		"finding/pleural_effusion": "actionable", "finding/pneumonia": "actionable", "finding/consolidation": "actionable",
		"finding/nodule": "actionable", "finding/mass": "actionable", "finding/pulmonary_edema": "actionable",
		"device/endotracheal_tube": "actionable", "device/central_line": "actionable",
		"finding/atelectasis": "minor", "finding/cardiomegaly": "minor", "finding/emphysema": "minor", "finding/scoliosis": "minor",
		"finding/granuloma": "benign", "finding/degenerative_changes": "benign", "finding/healed_fracture": "benign",
		"device/surgical_clips": "benign",
	} {
		if c, ok := o.Concept(key); !ok || c.Significance != want {
			t.Errorf("%s: significance %q, want %q", key, c.Significance, want)
		}
	}
}

func TestRadiologyTermsResolve(t *testing.T) {
	o := radiology(t)
	idx := termIndex(o)
	for term, want := range map[string]string{
		// Abbreviations
		"PTX": "finding/pneumothorax", "ETT": "device/endotracheal_tube", "NGT": "device/enteric_tube",
		"OGT": "device/enteric_tube", "RLL": "anatomy/right_lower_lobe", "RUL": "anatomy/right_upper_lobe",
		"RML": "anatomy/right_middle_lobe", "LUL": "anatomy/left_upper_lobe", "LLL": "anatomy/left_lower_lobe",
		"SVC": "anatomy/svc", "IVC": "anatomy/ivc", "PICC": "device/picc", "CVC": "device/central_line",
		"IJ": "anatomy/internal_jugular_vein", "CABG": "procedure/cabg", "COPD": "finding/emphysema",
		"CHF": "finding/pulmonary_edema", "ARDS": "finding/ards", "IABP": "device/iabp", "LVAD": "device/lvad",
		"ECMO": "device/ecmo_cannula", "GGO": "finding/ground_glass_opacity", "ILD": "finding/interstitial_lung_disease",
		"PE": "finding/pulmonary_embolism", "AICD": "device/pacemaker", "VATS": "procedure/vats", "TAVR": "procedure/tavr",
		// Spelling variants, synonyms and plurals
		"oedema": "finding/pulmonary_edema", "haemothorax": "finding/hemothorax", "oesophagus": "anatomy/esophagus",
		"pneumothoraces": "finding/pneumothorax", "effusions": "finding/pleural_effusion", "Dobhoff": "device/enteric_tube",
		"orogastric tube": "device/enteric_tube", "swan-ganz catheter": "device/swan_ganz_catheter",
		"port-a-cath": "device/port", "tracheostomy tube": "device/tracheostomy_tube",
		"plate-like atelectasis": "finding/plate_like_atelectasis", "discoid atelectasis": "finding/plate_like_atelectasis",
		"pneumoperitoneum": "finding/free_air", "subcutaneous emphysema": "finding/subcutaneous_emphysema",
		"right 5th rib": "", "5th rib": "anatomy/fifth_rib", "fifth rib": "anatomy/fifth_rib", "T4": "anatomy/t4_vertebra",
		"right hemidiaphragm": "anatomy/right_hemidiaphragm", "costophrenic angles": "anatomy/costophrenic_angle",
		"cardiophrenic angle": "anatomy/cardiophrenic_angle", "aortopulmonary window": "anatomy/aortopulmonary_window",
		"left-sided": "laterality/left", "patchy": "distribution/patchy", "multifocal": "distribution/multifocal",
		"chronic": "chronicity/chronic", "unchanged": "change/stable", "within normal limits": "status/normal",
	} {
		keys := idx[normTerm(term)]
		switch {
		case want == "" && len(keys) != 0:
			t.Errorf("%q resolves to %v; laterality and number are separate mentions", term, keys)
		case want != "" && (len(keys) != 1 || keys[0] != want):
			t.Errorf("%q resolves to %v, want %s", term, keys, want)
		}
	}
}

func TestRadiologyParents(t *testing.T) {
	o := radiology(t)
	for _, c := range o.Lexicon {
		if c.Parent == "" {
			continue
		}
		p, ok := o.Concept(c.Parent)
		if !ok {
			t.Errorf("%s: parent %q does not exist", c.Key, c.Parent)
			continue
		}
		if p.Type != c.Type || p.Category != c.Category {
			t.Errorf("%s (%s %s) has parent %s of another kind (%s %s)", c.Key, c.Type, c.Category, p.Key, p.Type, p.Category)
		}
		// No cycles: the chain of parents ends.
		seen := map[string]bool{c.Key: true}
		for k := c.Parent; k != ""; k = o.Parent(k) {
			if seen[k] {
				t.Errorf("%s: cycle of parents through %s", c.Key, k)
				break
			}
			seen[k] = true
		}
	}
	for child, parent := range map[string]string{
		"finding/tension_pneumothorax":     "finding/pneumothorax",
		"finding/hydropneumothorax":        "finding/pneumothorax",
		"finding/subsegmental_atelectasis": "finding/atelectasis",
		"finding/plate_like_atelectasis":   "finding/atelectasis",
		"finding/focal_consolidation":      "finding/consolidation",
		"finding/aspiration_pneumonia":     "finding/pneumonia",
		"finding/hiatal_hernia":            "finding/hernia",
		"finding/rib_fracture":             "finding/fracture",
		"anatomy/right_lower_lobe":         "anatomy/right_lung",
		"anatomy/right_hemidiaphragm":      "anatomy/diaphragm",
		"anatomy/fifth_rib":                "anatomy/rib",
		"device/lvad":                      "device/ventricular_assist_device",
		"procedure/right_upper_lobectomy":  "procedure/lobectomy",
		"procedure/cabg":                   "procedure/sternotomy",
	} {
		if got := o.Parent(child); got != parent {
			t.Errorf("parent of %s is %q, want %q", child, got, parent)
		}
	}
}

func TestRadiologyNormalStatements(t *testing.T) {
	o := radiology(t)
	for _, key := range []string{"status/normal", "finding/acute_process", "finding/normal_study",
		"finding/acute_osseous_abnormality", "position/appropriate", "size/upper_normal"} {
		if c, ok := o.Concept(key); !ok || !c.Normal {
			t.Errorf("%s should be a statement of normality", key)
		}
	}
	for _, key := range []string{"finding/pneumothorax", "finding/pleural_effusion", "finding/cardiomegaly", "device/endotracheal_tube"} {
		if c, ok := o.Concept(key); !ok || c.Normal {
			t.Errorf("%s should be a concept that is not a statement of normality", key)
		}
	}
}

// The first lexicon's keys are used by extractors, scorers and tests: they
// stay.
func TestRadiologyFirstKeysKept(t *testing.T) {
	o := radiology(t)
	for _, key := range []string{
		"anatomy/lung", "anatomy/right_lung", "anatomy/left_lung", "anatomy/lung_base", "anatomy/lung_apex",
		"anatomy/right_upper_lobe", "anatomy/right_middle_lobe", "anatomy/right_lower_lobe", "anatomy/left_upper_lobe",
		"anatomy/lingula", "anatomy/left_lower_lobe", "anatomy/lower_lobe", "anatomy/upper_lobe", "anatomy/pleura",
		"anatomy/heart", "anatomy/mediastinum", "anatomy/hilum", "anatomy/diaphragm", "anatomy/costophrenic_angle",
		"anatomy/carina", "anatomy/trachea", "anatomy/right_mainstem_bronchus", "anatomy/left_mainstem_bronchus",
		"anatomy/stomach", "anatomy/esophagus", "anatomy/svc", "anatomy/right_atrium", "anatomy/aorta", "anatomy/spine",
		"anatomy/rib", "anatomy/clavicle", "anatomy/bones", "anatomy/soft_tissues", "anatomy/upper_abdomen",
		"finding/pleural_effusion", "finding/pneumothorax", "finding/consolidation", "finding/opacity",
		"finding/atelectasis", "finding/pulmonary_edema", "finding/cardiomegaly", "finding/pneumonia", "finding/nodule",
		"finding/mass", "finding/granuloma", "finding/emphysema", "finding/fracture", "finding/scoliosis",
		"finding/hiatal_hernia", "finding/free_air", "finding/degenerative_changes", "finding/acute_process",
		"finding/focal_consolidation", "finding/lymphadenopathy", "finding/widened_mediastinum", "finding/malposition",
		"device/endotracheal_tube", "device/enteric_tube", "device/chest_tube", "device/central_line", "device/picc",
		"device/pacemaker", "device/sternotomy_wires", "device/surgical_clips",
		"procedure/sternotomy", "procedure/cholecystectomy",
		"laterality/left", "laterality/right", "laterality/bilateral", "severity/small", "severity/mild",
		"severity/moderate", "severity/large", "change/increased", "change/decreased", "change/stable", "change/new",
		"chronicity/chronic", "chronicity/acute", "status/normal", "position/tip",
	} {
		if _, ok := o.Concept(key); !ok {
			t.Errorf("concept %s is missing", key)
		}
	}
}
