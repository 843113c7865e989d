package render

import (
	"cmp"
	"embed"
	"html/template"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

//go:embed assets/style.css assets/diff.html assets/compact.html
var assets embed.FS

// CSS is the style sheet of every kgeval page (the diff page, the report
// and the viewer), inlined so that a page needs nothing from outside.
var CSS = template.CSS(mustAsset("assets/style.css"))

// Templates holds the diff page ("diff.html"), its body ("diffbody") and
// the compact diff of a record ("compactdiff", for a CompactView), which
// the report and the viewer include in their own pages (Clone it).
var Templates = template.Must(template.Must(template.New("diff.html").Parse(mustAsset("assets/diff.html"))).Parse(mustAsset("assets/compact.html")))

func mustAsset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Page is the data of the diff page: what the "diffbody" template shows.
type Page struct {
	ID, Ontology, Back          string
	CSS                         template.CSS
	RefEntities, CandEntities   int
	RefRelations, CandRelations int
	Entities, Relations         Counts
	Scores                      []scoreItem
	Missing, Invented           []scorers.EntityDiff
	Changed                     []changeRow
	Matched                     []scorers.EntityMatch
	RelRows                     []relRow
	SVG                         template.HTML
	RefText, CandText           []Segment
}

type changeRow struct {
	Ref, Cand    string
	What         []string
	ScoredAs     string
	Significance string
	Weight       float64
}

type relRow struct {
	Status    Status
	Ref, Cand string
}

func relText(r scorers.RelationItem) string {
	return r.SourceText + " —" + r.Type + "→ " + r.TargetText
}

// Segment is a piece of a document: plain text, or an entity's span with
// its status as Class and a description as Title.
type Segment struct {
	Text, Class, Title string
}

// NewPage builds the data of v's diff page; id prefixes the ids inside its
// drawing (unique on a page that shows several diffs).
func NewPage(v *View, id string) *Page {
	m := analyze(v)
	p := &Page{ID: v.ID, Ontology: v.Ontology, CSS: CSS,
		RefEntities: len(m.Reference.Entities), CandEntities: len(m.Candidate.Entities),
		RefRelations: len(m.Reference.Relations), CandRelations: len(m.Candidate.Relations),
		Entities: m.entityCounts(), Relations: m.relationCounts(), Scores: m.scoreList(),
		Missing: m.missing, Invented: m.invented, Matched: m.matched,
		// svgOf escapes every piece of text it draws.
		SVG: template.HTML(svgOf(m, id, false)),
	}
	for _, ch := range m.changed {
		p.Changed = append(p.Changed, changeRow{ch.Reference.Text, ch.Candidate.Text, changeText(ch), ch.ScoredAs, ch.Significance, ch.Weight})
	}
	for _, c := range m.relChanged {
		p.RelRows = append(p.RelRows, relRow{Changed, relText(c.Reference), relText(c.Candidate)})
	}
	for _, r := range m.relMissing {
		p.RelRows = append(p.RelRows, relRow{Missing, relText(r), ""})
	}
	for _, r := range m.relInvented {
		p.RelRows = append(p.RelRows, relRow{Invented, "", relText(r)})
	}
	p.RefText = Segments(m.Reference, func(e graph.Entity) Status { return statusOr(m.refStatus[e.ID], Missing) })
	p.CandText = Segments(m.Candidate, func(e graph.Entity) Status { return statusOr(m.candStatus[e.ID], Invented) })
	return p
}

func writeHTML(w io.Writer, m *model, opt Options) error {
	p := NewPage(m.View, "g")
	p.Back = opt.Back
	return Templates.ExecuteTemplate(w, "diff.html", p)
}

// Segments cuts g.Text at its entities' spans. A span that is out of range,
// not on character boundaries or overlapping an earlier one is left out, so
// that a graph from an untrusted file cannot break the page.
func Segments(g *graph.Graph, status func(graph.Entity) Status) []Segment {
	if g.Text == "" {
		return nil
	}
	type span struct {
		s, e int
		ent  graph.Entity
	}
	var spans []span
	for _, e := range g.Entities {
		if e.Span == nil {
			continue
		}
		s, t := e.Span[0], e.Span[1]
		if s < 0 || t > len(g.Text) || s >= t || !boundary(g.Text, s) || !boundary(g.Text, t) {
			continue
		}
		spans = append(spans, span{s, t, e})
	}
	slices.SortStableFunc(spans, func(a, b span) int { return cmp.Or(cmp.Compare(a.s, b.s), cmp.Compare(b.e, a.e)) })
	var out []Segment
	at := 0
	for _, sp := range spans {
		if sp.s < at {
			continue
		}
		if sp.s > at {
			out = append(out, Segment{Text: g.Text[at:sp.s]})
		}
		st := status(sp.ent)
		out = append(out, Segment{Text: g.Text[sp.s:sp.e], Class: string(st),
			Title: strings.Join([]string{string(st), describe(sp.ent)}, ": ")})
		at = sp.e
	}
	if at < len(g.Text) {
		out = append(out, Segment{Text: g.Text[at:]})
	}
	return out
}

func boundary(s string, i int) bool {
	return i == len(s) || utf8.RuneStart(s[i])
}
