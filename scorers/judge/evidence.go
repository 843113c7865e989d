package judge

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

// RenderDiff writes a graph diff as the plain-text evidence an LLM judge
// reads: entities missing from the response, entities it invented, matched
// entities stated differently (assertion, concept, measure), and relations
// missing or added between matched entities, each list heaviest first and
// cut at max items (0: no limit). An empty diff says so.
func RenderDiff(d *scorers.Diff, max int) string {
	var b strings.Builder
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(title + "\n")
		for i, s := range items {
			if max > 0 && i == max {
				fmt.Fprintf(&b, "- ... and %d more\n", len(items)-max)
				break
			}
			b.WriteString("- " + s + "\n")
		}
	}
	list("In the reference but missing from the response:", entityLines(d.Missing))
	list("In the response but not in the reference (invented):", entityLines(d.Invented))
	var changed []string
	for _, m := range sortedMatches(d.Matched) {
		if len(m.Changes) == 0 {
			continue
		}
		var what []string
		for _, c := range m.Changes {
			switch c {
			case "assertion":
				what = append(what, fmt.Sprintf("reference says %s, response says %s", m.Reference.Assertion, m.Candidate.Assertion))
			case "key":
				what = append(what, fmt.Sprintf("response names %q instead", m.Candidate.Text))
			case "measure":
				what = append(what, fmt.Sprintf("measure %s in the reference, %s in the response", measureText(m.Reference.Measure), measureText(m.Candidate.Measure)))
			}
		}
		changed = append(changed, fmt.Sprintf("%q (%s%s): %s", m.Reference.Text, m.Reference.Type, sigText(m.Significance), strings.Join(what, "; ")))
	}
	list("Stated differently:", changed)
	list("Relations in the reference but missing from the response:", relationLines(d.Relations.Missing))
	list("Relations in the response but not in the reference:", relationLines(d.Relations.Invented))
	if b.Len() == 0 {
		return "No differences: every entity and relation of the reference is in the response, stated the same way, and nothing was added."
	}
	return strings.TrimRight(b.String(), "\n")
}

func sortedMatches(ms []scorers.EntityMatch) []scorers.EntityMatch {
	out := append([]scorers.EntityMatch(nil), ms...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Weight > out[j].Weight })
	return out
}

func entityLines(es []scorers.EntityDiff) []string {
	sorted := append([]scorers.EntityDiff(nil), es...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Weight > sorted[j].Weight })
	out := make([]string, 0, len(sorted))
	for _, e := range sorted {
		out = append(out, fmt.Sprintf("%q (%s, %s%s)", e.Entity.Text, e.Entity.Type, e.Entity.Assertion, sigText(e.Significance)))
	}
	return out
}

func relationLines(rs []scorers.RelationItem) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%q %s %q", r.SourceText, r.Type, r.TargetText))
	}
	return out
}

func sigText(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}

func measureText(m *graph.Measure) string {
	if m == nil || len(m.Values) == 0 {
		return "none"
	}
	parts := make([]string, len(m.Values))
	for i, v := range m.Values {
		parts[i] = fmt.Sprintf("%g", v)
	}
	return strings.Join(parts, " x ") + " " + m.Unit
}
