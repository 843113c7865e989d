package rules

import (
	"reflect"
	"strings"
	"testing"
)

var testHeadings = []string{"clinical history", "findings", "impression", "indication", "comparison", "history"}

func TestSentences(t *testing.T) {
	type sent struct{ section, text string }
	tests := []struct {
		name string
		text string
		want []sent
	}{
		{"plain", "No effusion. Heart is normal.",
			[]sent{{"", "No effusion."}, {"", "Heart is normal."}}},
		{"question and exclamation", "Pneumothorax? None seen!",
			[]sent{{"", "Pneumothorax?"}, {"", "None seen!"}}},
		{"headings with colons", "INDICATION: Cough. FINDINGS: No effusion. IMPRESSION: Normal.",
			[]sent{{"indication", "Cough."}, {"findings", "No effusion."}, {"impression", "Normal."}}},
		{"heading in any case", "Findings: No effusion. impression: Normal.",
			[]sent{{"findings", "No effusion."}, {"impression", "Normal."}}},
		{"two-word heading before its shorter suffix", "CLINICAL HISTORY: Fever. FINDINGS: Clear.",
			[]sent{{"clinical history", "Fever."}, {"findings", "Clear."}}},
		{"heading alone on its line", "FINDINGS\nNo effusion.\nIMPRESSION\nNormal.",
			[]sent{{"findings", "No effusion."}, {"impression", "Normal."}}},
		{"heading word inside a sentence is no heading", "No history of effusion.",
			[]sent{{"", "No history of effusion."}}},
		{"capitalized heading in a run-on line", "Lungs clear Impression: Normal.",
			[]sent{{"", "Lungs clear"}, {"impression", "Normal."}}},
		{"lower-case word and colon inside a line is no heading", "Lungs clear findings: normal.",
			[]sent{{"", "Lungs clear findings: normal."}}},
		{"numbered list", "IMPRESSION: 1. Small effusion. 2. No pneumothorax.",
			[]sent{{"impression", "Small effusion."}, {"impression", "No pneumothorax."}}},
		{"numbered list without periods", "IMPRESSION: 1. Small effusion 2. No pneumothorax",
			[]sent{{"impression", "Small effusion"}, {"impression", "No pneumothorax"}}},
		{"numbered list on lines", "IMPRESSION:\n1. Small effusion\n2. No pneumothorax",
			[]sent{{"impression", "Small effusion"}, {"impression", "No pneumothorax"}}},
		{"parenthesis markers", "1) Small effusion. 2) No pneumothorax.",
			[]sent{{"", "Small effusion."}, {"", "No pneumothorax."}}},
		{"marker with a comma", "1. Normal. 2., Mild wedge deformity.",
			[]sent{{"", "Normal."}, {"", "Mild wedge deformity."}}},
		{"bullets", "- Small effusion\n* No pneumothorax\n• Normal heart",
			[]sent{{"", "Small effusion"}, {"", "No pneumothorax"}, {"", "Normal heart"}}},
		{"a number outside a list stays", "Nodule in segment 2. No effusion.",
			[]sent{{"", "Nodule in segment 2."}, {"", "No effusion."}}},
		{"decimals", "Nodule measures 1.5 cm. Mass of 0.8 cm.",
			[]sent{{"", "Nodule measures 1.5 cm."}, {"", "Mass of 0.8 cm."}}},
		{"leading decimal", "Nodule of .5 cm. No effusion.",
			[]sent{{"", "Nodule of .5 cm."}, {"", "No effusion."}}},
		{"abbreviations", "Atelectasis vs. pneumonia. Approx. 2 cm, e.g. on the lat. view. Dr. Smith called.",
			[]sent{{"", "Atelectasis vs. pneumonia."}, {"", "Approx. 2 cm, e.g. on the lat. view."}, {"", "Dr. Smith called."}}},
		{"initials", "Discussed with J. Smith at 3 p.m. today.",
			[]sent{{"", "Discussed with J. Smith at 3 p.m. today."}}},
		{"repeated periods", "No effusion.. Heart normal. .",
			[]sent{{"", "No effusion.."}, {"", "Heart normal."}, {"", "."}}},
		{"blank line ends a sentence", "No effusion\n\nHeart normal",
			[]sent{{"", "No effusion"}, {"", "Heart normal"}}},
		{"single line break does not", "No effusion or\npneumothorax.",
			[]sent{{"", "No effusion or\npneumothorax."}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []sent
			for _, s := range Sentences(tt.text, testHeadings) {
				got = append(got, sent{s.Section, tt.text[s.Start:s.End]})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"Small L-sided effusion, 1.5 cm.", "small|l-sided|effusion|,|1.5|cm"},
		{"ETT tip (4 cm); no PTX: ok", "ett|tip|(|4|cm|)|;|no|ptx|:|ok"},
		{"1.5 × 2.0 cm, left > right", "1.5|x|2.0|cm|,|left|>|right"},
		{"and/or the patient's x-ray", "and/or|the|patient's|x-ray"},
		{"end. Next", "end|next"},
	}
	for _, tt := range tests {
		var got []string
		for _, tok := range tokenize(tt.text, 0, len(tt.text)) {
			got = append(got, tok.text)
			if tok.start < 0 || tok.end > len(tt.text) || !strings.EqualFold(tt.text[tok.start:tok.end], tok.text) && tok.text != "x" {
				t.Errorf("%q: token %q has span [%d, %d)", tt.text, tok.text, tok.start, tok.end)
			}
		}
		if s := strings.Join(got, "|"); s != tt.want {
			t.Errorf("tokenize(%q) = %s, want %s", tt.text, s, tt.want)
		}
	}
}

func TestMeasurement(t *testing.T) {
	tests := []struct {
		text string
		want []float64 // nil: no measurement at the first token
		n    int       // tokens consumed
	}{
		{"8 mm nodule", []float64{8}, 2},
		{"1.5 cm", []float64{15}, 2},
		{"1.5cm", []float64{15}, 1},
		{"8-mm nodule", []float64{8}, 1},
		{"1.5 x 2.0 cm", []float64{15, 20}, 4},
		{"1.5x2.0 cm", []float64{15, 20}, 2},
		{"1.5x2.0cm", []float64{15, 20}, 1},
		{"3 by 4 mm", []float64{3, 4}, 4},
		{"1.5 × 2 × 3 cm", []float64{15, 20, 30}, 6},
		{"2 cm x 3 cm", []float64{20, 30}, 5},
		{"12 millimeters", []float64{12}, 2},
		{"2 centimetres", []float64{20}, 2},
		{"2 views", nil, 0},
		{"1 x 2 views", nil, 0},
		{"2.5", nil, 0},
		{"cm", nil, 0},
		{"1.2.3 cm", nil, 0},
	}
	for _, tt := range tests {
		toks := tokenize(tt.text, 0, len(tt.text))
		m, n := measurement(toks, 0)
		var got []float64
		if m != nil {
			got = m.Values
			if m.Unit != "mm" {
				t.Errorf("%q: unit %q, want mm", tt.text, m.Unit)
			}
		}
		if !reflect.DeepEqual(got, tt.want) || n != tt.n {
			t.Errorf("measurement(%q) = %v over %d tokens, want %v over %d", tt.text, got, n, tt.want, tt.n)
		}
	}
}
