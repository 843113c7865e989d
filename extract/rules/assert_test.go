package rules

import (
	"sort"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

// TestAssertionScope checks the assertion of every finding, device and
// descriptor of one sentence at a time: "+" present, "-" absent, "?"
// uncertain. Body parts are always present and not listed.
func TestAssertionScope(t *testing.T) {
	tests := []struct {
		name, text string
		want       string // "text:mark" pairs in document order
	}{
		// Negation pre-triggers and their scope.
		{"no", "No pneumothorax.", "pneumothorax:-"},
		{"multi-word cue", "There is no evidence of pneumothorax.", "pneumothorax:-"},
		{"without", "Pneumothorax without effusion.", "pneumothorax:+ effusion:-"},
		{"free of", "Lungs free of consolidation.", "consolidation:-"},
		{"negative for", "Negative for pneumothorax.", "pneumothorax:-"},
		{"coordination or", "No effusion or pneumothorax.", "effusion:- pneumothorax:-"},
		{"coordination and", "No effusion and pneumothorax.", "effusion:- pneumothorax:-"},
		{"list with commas", "No consolidation, effusion, or pneumothorax.", "consolidation:- effusion:- pneumothorax:-"},
		{"list with unknown words", "No consolidation, suspicious pulmonary opacity, pneumothorax or definite effusion.",
			"consolidation:- opacity:- pneumothorax:- effusion:-"},
		{"neither nor", "Neither effusion nor pneumothorax.", "effusion:- pneumothorax:-"},
		{"comma without a list ends the scope", "No pneumothorax, small effusion.", "pneumothorax:- small:+ effusion:+"},
		{"comma before a new clause", "No pneumothorax, there is a small effusion and mild atelectasis.",
			"pneumothorax:- small:+ effusion:+ mild:+ atelectasis:+"},
		{"and before a new clause", "No pneumothorax and the effusion is stable.", "pneumothorax:- effusion:+ stable:+"},
		{"termination but", "No pneumothorax but small effusion.", "pneumothorax:- small:+ effusion:+"},
		{"termination although", "No pneumothorax, although small effusion.", "pneumothorax:- small:+ effusion:+"},
		{"semicolon", "No pneumothorax; small effusion.", "pneumothorax:- small:+ effusion:+"},
		{"colon", "No pneumothorax: small effusion.", "pneumothorax:- small:+ effusion:+"},
		{"word window", "No pneumothorax is seen on the frontal or lateral views of the chest today and a small effusion persists.",
			"pneumothorax:- small:+ effusion:+"},
		{"scope reaches within the window", "No definite evidence of a new focal consolidation.", "new:- focal consolidation:-"},
		// Negation post-triggers.
		{"is not seen", "Pneumothorax is not seen.", "pneumothorax:-"},
		{"has resolved", "The right effusion has resolved.", "right:- effusion:-"},
		{"have been removed", "The chest tube and the ETT have been removed.", "chest tube:- ett:-"},
		{"post scope stops at a clause", "The heart is normal and pneumothorax is not seen.", "normal:+ pneumothorax:-"},
		{"post scope stops at a comma", "Mild atelectasis, pneumothorax is not seen.", "mild:+ atelectasis:+ pneumothorax:-"},
		{"resolved both ways", "Effusion resolved, new consolidation.", "effusion:- new:+ consolidation:+"},
		// Uncertainty.
		{"possible", "Possible pneumonia.", "pneumonia:?"},
		{"possible list", "Possible effusion or atelectasis.", "effusion:? atelectasis:?"},
		{"cannot exclude", "Cannot exclude pneumonia.", "pneumonia:?"},
		{"cannot be excluded", "Pneumonia cannot be excluded.", "pneumonia:?"},
		{"likely", "Opacity, likely atelectasis.", "opacity:+ atelectasis:?"},
		{"concerning for", "Consolidation concerning for pneumonia.", "consolidation:+ pneumonia:?"},
		{"consistent with is no hedge", "Consolidation consistent with pneumonia.", "consolidation:+ pneumonia:+"},
		{"versus takes one finding each side", "Cardiomegaly with opacities versus atelectasis and a small effusion.",
			"cardiomegaly:+ opacities:? atelectasis:? small:+ effusion:+"},
		{"vs abbreviation", "Atelectasis vs. pneumonia.", "atelectasis:? pneumonia:?"},
		{"and/or", "Scarring and/or atelectasis.", "scarring:? atelectasis:?"},
		{"or hedges", "Atelectasis or scarring at the bases.", "atelectasis:? scarring:?"},
		{"or under a negation denies", "No atelectasis or scarring.", "atelectasis:- scarring:-"},
		{"hedge then termination", "Opacity, likely atelectasis, although pneumonia cannot be excluded.",
			"opacity:+ atelectasis:? pneumonia:?"},
		// Pseudo triggers, overlaps and the nearest trigger.
		{"no change", "No change in the small effusion.", "small:+ effusion:+"},
		{"no interval change", "No interval change in the nodule.", "nodule:+"},
		{"cue overlapping a term", "No acute cardiopulmonary process.", "acute cardiopulmonary process:-"},
		{"cue overlapping a descriptor", "No acute fracture.", "acute:- fracture:-"},
		{"nearest trigger wins", "No evidence of possible pneumonia.", "pneumonia:?"},
		{"descriptors share the assertion", "No large effusion. Possible small pneumothorax.",
			"large:- effusion:- small:? pneumothorax:?"},
		{"body parts are never negated", "No effusion at the left base.", "effusion:- left:+"},
	}
	x := New(testOntology(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var s sentence
			for _, sn := range Sentences(tt.text, x.headings) {
				s.reset(tt.text, sn)
				x.analyze(&s)
				for _, m := range s.ms {
					if x.ont.IsAnatomy(m.typ) {
						continue
					}
					mark := map[graph.Assertion]string{graph.Present: "+", graph.Absent: "-", graph.Uncertain: "?"}[m.assertion]
					got = append(got, strings.ToLower(tt.text[m.span[0]:m.span[1]])+":"+mark)
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("%q\n got %s\nwant %s", tt.text, g, tt.want)
			}
		})
	}
}

// TestCueRoles checks how the ontology's cue lists become cue roles: a
// phrase in both the pre and post lists of one assertion is an alternation,
// pseudo triggers play no other role, and multi-word cues win over their
// first word.
func TestCueRoles(t *testing.T) {
	x := New(testOntology(t))
	role := func(phrase string) cueKind {
		toks := tokenize(phrase, 0, len(phrase))
		k, n := x.cues.match(toks, 0)
		if n != len(toks) {
			return 0
		}
		return k
	}
	tests := []struct {
		phrase string
		want   cueKind
	}{
		{"no", negPre},
		{"no evidence of", negPre},
		{"is not seen", negPost},
		{"versus", uncPre | uncPost},
		{"resolved", negPre | negPost},
		{"cannot be excluded", uncPost},
		{"no change", pseudo},
		{"but", terminate},
	}
	for _, tt := range tests {
		if got := role(tt.phrase); got != tt.want {
			t.Errorf("role of %q = %b, want %b", tt.phrase, got, tt.want)
		}
	}
	// Every cue of the ontology is reachable: none is shadowed by another
	// phrase of a different role with the same tokens.
	var all []string
	o := x.ont
	for _, l := range [][]string{o.Cues.Negation.Pre, o.Cues.Negation.Post, o.Cues.Uncertainty.Pre,
		o.Cues.Uncertainty.Post, o.Cues.Termination, o.Cues.Pseudo} {
		all = append(all, l...)
	}
	sort.Strings(all)
	for _, p := range all {
		if role(p) == 0 {
			t.Errorf("cue %q does not match itself", p)
		}
	}
}
