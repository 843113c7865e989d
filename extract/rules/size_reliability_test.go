package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/ontology"
)

// hostilePatterns are texts that once cost time in the square of their
// length (a run of spaces or of "a." before the sentence splitter kept its
// place; a sentence of nothing but cues before scopes were bounded; a long
// chain of numbers before measurements were) or could: long sentences
// without ends, lists without coordinators, comparisons, parties, dates.
var hostilePatterns = []string{
	" ", "\n ", "a.", "no ", "no effusion ", "1.5 x 2.0 x ", "left greater than right ", "or left ",
	"effusion, ", "effusion and ", "right upper lobe ", "opacity concerning for ", "1. ", "- ", "a: ", "\"",
	"Supplier shall deliver ", "January 5, 2021 ", "$1,000 ", "Acme Widgets, Inc. (\"Company\") and ",
	"governed by the laws of the State of ", "FINDINGS: ", "Acme Inc ", "(\"A\") ",
}

// TestHostileTextIsLinear extracts 128 KB of each hostile pattern with both
// built-in ontologies. With the quadratic behaviour fixed, each takes well
// under a second; before, the worst took minutes. The bound is generous
// for a loaded machine and still catches a quadratic regression. The 5 MB
// document of scripts/size-check covers peak memory.
func TestHostileTextIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts 6 MB of hostile text")
	}
	const size = 128 << 10
	const limit = 15 * time.Second
	for _, name := range []string{"radiology", "legal"} {
		o, err := ontology.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		x := New(o)
		for _, p := range hostilePatterns {
			text := strings.Repeat(p, size/len(p))
			start := time.Now()
			g, err := x.Extract(context.Background(), extract.Document{ID: "fuzz", Text: text})
			if d := time.Since(start); d > limit {
				t.Errorf("%s: %d KB of %q took %s (limit %s)", name, size>>10, p, d.Round(time.Millisecond), limit)
			}
			if err != nil {
				t.Fatalf("%s %q: %v", name, p, err)
			}
			checkGraph(t, o, g, text)
		}
	}
}

// TestLongSentencesAreCut checks the bound on sentence length: a text
// without sentence ends is cut at white space into pieces of at most
// MaxSentenceBytes that cover every word, and the legal extractor's joining
// of broken lines does not undo it.
func TestLongSentencesAreCut(t *testing.T) {
	text := strings.Repeat("word ", 5000) + strings.Repeat("x", MaxSentenceBytes+100)
	ss := Sentences(text, nil)
	if len(ss) < 4 {
		t.Fatalf("%d sentences, want the text cut in pieces", len(ss))
	}
	covered := 0
	for i, s := range ss {
		if s.End-s.Start > MaxSentenceBytes {
			t.Errorf("sentence %d has %d bytes", i, s.End-s.Start)
		}
		if i > 0 && s.Start < ss[i-1].End {
			t.Errorf("sentence %d overlaps the one before", i)
		}
		covered += len(strings.Fields(text[s.Start:s.End]))
	}
	// The run of x without a space is cut inside, so it counts twice.
	if want := 5000 + 2; covered != want {
		t.Errorf("the pieces hold %d words, want %d", covered, want)
	}
	o, err := ontology.Builtin("legal")
	if err != nil {
		t.Fatal(err)
	}
	// Lower-case words without punctuation: every piece "continues" the
	// one before.
	g := mustExtract(t, New(o), "fuzz", strings.Repeat("the supplier shall deliver the products\n\n", 2000))
	checkGraph(t, o, g, strings.Repeat("the supplier shall deliver the products\n\n", 2000))
}
