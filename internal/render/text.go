package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kgeval/kgeval/scorers"
)

// ANSI colours of the text format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiPurple = "\x1b[35m"
	ansiDim    = "\x1b[2m"
)

type painter bool

func (p painter) paint(code, s string) string {
	if !p {
		return s
	}
	return code + s + ansiReset
}

// plain removes control characters from document text so that a hostile
// document cannot move the cursor or recolour a terminal.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

func writeText(w io.Writer, m *model, color bool) error {
	p := painter(color)
	bw := bufio.NewWriter(w)
	title := "pair " + plain(m.ID)
	if m.Ontology != "" {
		title += "  (ontology " + plain(m.Ontology) + ")"
	}
	fmt.Fprintln(bw, p.paint(ansiBold, title))
	if sc := m.scoreList(); len(sc) > 0 {
		parts := make([]string, len(sc))
		for i, s := range sc {
			parts[i] = fmt.Sprintf("%s %.3f", s.Name, s.Value)
		}
		fmt.Fprintln(bw, "scores     "+strings.Join(parts, "  "))
	}
	ec, rc := m.entityCounts(), m.relationCounts()
	fmt.Fprintf(bw, "entities   reference %d, candidate %d: %s\n", len(m.Reference.Entities), len(m.Candidate.Entities), countText(p, ec))
	fmt.Fprintf(bw, "relations  reference %d, candidate %d: %s\n", len(m.Reference.Relations), len(m.Candidate.Relations), countText(p, rc))

	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	section := func(head string) {
		tw.Flush()
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, p.paint(ansiBold, head))
	}
	entity := func(mark, code string, e scorers.EntityDiff) {
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\t%s\t%s\t%s\n", p.paint(code, mark), plain(e.Entity.Text), plain(e.Entity.Type),
			e.Entity.Assertion, plain(e.Entity.Key), sigText(e.Significance, e.Weight), measureText(e.Entity.Measure))
	}
	if len(m.missing) > 0 {
		section("Missing: in the reference, not in the candidate")
		for _, e := range m.missing {
			entity("-", ansiRed, e)
		}
	}
	if len(m.invented) > 0 {
		section("Invented: in the candidate, not in the reference")
		for _, e := range m.invented {
			entity("+", ansiPurple, e)
		}
	}
	if len(m.changed) > 0 {
		section("Changed: the same entity, stated differently")
		for _, ch := range m.changed {
			note := ""
			if ch.ScoredAs != "" {
				note = "scored as " + ch.ScoredAs
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\t%s\t%s\n", p.paint(ansiYellow, "~"), plain(ch.Reference.Text), plain(ch.Candidate.Text),
				plain(strings.Join(changeText(ch), "; ")), sigText(ch.Significance, ch.Weight), note)
		}
	}
	rel := func(mark, code string, r scorers.RelationItem) {
		fmt.Fprintf(tw, "  %s %s\t%s\t→ %s\n", p.paint(code, mark), plain(r.Type), plain(r.SourceText), plain(r.TargetText))
	}
	if len(m.relMissing) > 0 {
		section("Missing relations")
		for _, r := range m.relMissing {
			rel("-", ansiRed, r)
		}
	}
	if len(m.relInvented) > 0 {
		section("Invented relations")
		for _, r := range m.relInvented {
			rel("+", ansiPurple, r)
		}
	}
	if len(m.relChanged) > 0 {
		section("Changed relations")
		for _, c := range m.relChanged {
			fmt.Fprintf(tw, "  %s %s\t%s\t→ %s\tbecomes %s\t%s\t→ %s\n", p.paint(ansiYellow, "~"),
				plain(c.Reference.Type), plain(c.Reference.SourceText), plain(c.Reference.TargetText),
				plain(c.Candidate.Type), plain(c.Candidate.SourceText), plain(c.Candidate.TargetText))
		}
	}
	if len(m.matched) > 0 {
		section("Matched")
		for _, em := range m.matched {
			fmt.Fprintf(tw, "  %s %s\t%s\t%.2f\n", p.paint(ansiGreen, "="), plain(em.Reference.Text), plain(em.Candidate.Text), em.Similarity)
		}
	}
	if len(m.relMatched) > 0 {
		section("Matched relations")
		for _, r := range m.relMatched {
			rel("=", ansiGreen, r)
		}
	}
	tw.Flush()
	return bw.Flush()
}

func countText(p painter, c Counts) string {
	return fmt.Sprintf("%s matched, %s changed, %s missing, %s invented",
		p.paint(ansiGreen, fmt.Sprint(c.Matched)), p.paint(ansiYellow, fmt.Sprint(c.Changed)),
		p.paint(ansiRed, fmt.Sprint(c.Missing)), p.paint(ansiPurple, fmt.Sprint(c.Invented)))
}

func sigText(sig string, w float64) string {
	if sig == "" {
		return fmt.Sprintf("w=%g", w)
	}
	return fmt.Sprintf("%s w=%g", sig, w)
}
