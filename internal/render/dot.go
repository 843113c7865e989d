package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kgeval/kgeval/graph"
)

// palette holds the colours of each status: fill, line and text, shared by
// the DOT, SVG and HTML outputs.
var palette = map[Status]struct{ fill, line, ink string }{
	Matched:  {"#e7f4ea", "#2e7d32", "#1b4d20"},
	Changed:  {"#fff4d6", "#c77c00", "#6b4400"},
	Missing:  {"#fde8e8", "#c62828", "#7f1d1d"},
	Invented: {"#f1e8fb", "#7b3fb8", "#4a1f73"},
}

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteString(`\n`)
		default:
			if r < 0x20 || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeDOT(w io.Writer, m *model) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph %s {\n", dotQuote("diff "+m.ID))
	fmt.Fprintf(bw, "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, label=%s, labelloc=t];\n",
		dotQuote(fmt.Sprintf("%s: %s", m.ID, countSentence(m))))
	bw.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	side := func(name, prefix string, g *graph.Graph, status map[string]Status, relStatus []Status) {
		fmt.Fprintf(bw, "  subgraph %s {\n    label=%s;\n    color=\"#9e9e9e\";\n", dotQuote("cluster_"+name), dotQuote(name))
		for _, e := range g.Entities {
			st := status[e.ID]
			if st == "" {
				st = Matched
			}
			c := palette[st]
			style := "rounded,filled"
			if st == Missing || st == Invented {
				style = "rounded,filled,dashed"
			}
			fmt.Fprintf(bw, "    %s [label=%s, tooltip=%s, fillcolor=%s, color=%s, fontcolor=%s, style=%s];\n",
				dotQuote(prefix+e.ID), dotQuote(e.Text+"\n"+describe(e)), dotQuote(string(st)+": "+e.Key),
				dotQuote(c.fill), dotQuote(c.line), dotQuote(c.ink), dotQuote(style))
		}
		for i, r := range g.Relations {
			st := relStatus[i]
			c := palette[st]
			style := "solid"
			if st != Matched {
				style = "dashed"
			}
			fmt.Fprintf(bw, "    %s -> %s [label=%s, color=%s, fontcolor=%s, style=%s];\n",
				dotQuote(prefix+r.Source), dotQuote(prefix+r.Target), dotQuote(r.Type), dotQuote(c.line), dotQuote(c.ink), style)
		}
		bw.WriteString("  }\n")
	}
	side("reference", "r:", m.Reference, m.refStatus, m.refRelStatus)
	side("candidate", "c:", m.Candidate, m.candStatus, m.candRelStatus)
	// The matching, as undirected dotted links that do not shape the layout.
	for _, e := range m.Reference.Entities {
		c, ok := m.pairTo[e.ID]
		if !ok {
			continue
		}
		st := m.refStatus[e.ID]
		fmt.Fprintf(bw, "  %s -> %s [dir=none, style=dotted, constraint=false, color=%s];\n",
			dotQuote("r:"+e.ID), dotQuote("c:"+c), dotQuote(palette[st].line))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// countSentence summarizes the diff in a line.
func countSentence(m *model) string {
	e, r := m.entityCounts(), m.relationCounts()
	return fmt.Sprintf("entities %d matched, %d changed, %d missing, %d invented; relations %d matched, %d changed, %d missing, %d invented",
		e.Matched, e.Changed, e.Missing, e.Invented, r.Matched, r.Changed, r.Missing, r.Invented)
}
