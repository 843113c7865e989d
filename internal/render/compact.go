package render

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kgeval/kgeval/internal/results"
)

// CompactView is what the "compactdiff" template shows: a record's compact
// diff and, when the pair's texts are at hand, the texts with the missing,
// invented and changed entities marked where their words first occur (a
// compact diff has no spans).
type CompactView struct {
	Diff              *results.Diff
	RefText, CandText []Segment
}

// NewCompactView builds the view of d with the pair's texts (either may be
// empty).
func NewCompactView(d *results.Diff, ref, cand string) *CompactView {
	v := &CompactView{Diff: d}
	if d == nil {
		if ref != "" || cand != "" {
			v.RefText, v.CandText = []Segment{{Text: ref}}, []Segment{{Text: cand}}
		}
		return v
	}
	var rm, cm []mark
	for _, e := range d.Missing {
		rm = append(rm, mark{e.Text, string(Missing), "missing: " + e.Type + ", " + string(e.Assertion)})
	}
	for _, e := range d.Invented {
		cm = append(cm, mark{e.Text, string(Invented), "invented: " + e.Type + ", " + string(e.Assertion)})
	}
	for _, c := range d.Changed {
		what := "changed: " + strings.Join(c.Changes, ", ")
		rm = append(rm, mark{c.Reference.Text, string(Changed), what})
		cm = append(cm, mark{c.Candidate.Text, string(Changed), what})
	}
	if ref != "" {
		v.RefText = markText(ref, rm)
	}
	if cand != "" {
		v.CandText = markText(cand, cm)
	}
	return v
}

type mark struct{ text, class, title string }

// markText marks the first occurrence, ignoring case, of each mark's text
// that overlaps no earlier mark, longer texts first.
func markText(text string, marks []mark) []Segment {
	lower := strings.ToLower(text)
	type span struct {
		s, e int
		m    mark
	}
	var spans []span
	taken := func(s, e int) bool {
		for _, sp := range spans {
			if s < sp.e && sp.s < e {
				return true
			}
		}
		return false
	}
	slices.SortStableFunc(marks, func(a, b mark) int { return cmp.Compare(len(b.text), len(a.text)) })
	for _, m := range marks {
		needle := strings.ToLower(m.text)
		// ToLower may change byte lengths outside ASCII; offsets are
		// only trusted when it did not.
		if needle == "" || len(lower) != len(text) {
			continue
		}
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], needle)
			if i < 0 {
				break
			}
			s, e := from+i, from+i+len(needle)
			if !taken(s, e) {
				spans = append(spans, span{s, e, m})
				break
			}
			from = s + 1
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.s, b.s) })
	var out []Segment
	at := 0
	for _, sp := range spans {
		if sp.s > at {
			out = append(out, Segment{Text: text[at:sp.s]})
		}
		out = append(out, Segment{Text: text[sp.s:sp.e], Class: sp.m.class, Title: sp.m.title})
		at = sp.e
	}
	if at < len(text) {
		out = append(out, Segment{Text: text[at:]})
	}
	return out
}
