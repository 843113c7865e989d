package render

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/kgeval/kgeval/graph"
)

// The SVG is drawn here rather than by Graphviz: a diff reads best as two
// aligned columns, the reference's entities on the left and the
// candidate's on the right, each matched pair on one row, missing and
// invented entities on rows of their own, and each graph's relations as
// arcs on its outer side. The layout is linear in the size of the graphs
// and needs no system binary and no WebAssembly runtime.

// Geometry of the drawing, in SVG user units.
const (
	svgArcZone = 170 // room for the arcs and their labels
	svgColW    = 300 // an entity box
	svgGap     = 110 // between the columns, for the matching links
	svgTop     = 40  // above the first row
	svgRowH    = 34
	svgBoxH    = 26
	svgWidth   = 2*svgArcZone + 2*svgColW + svgGap
	refX       = svgArcZone
	candX      = svgArcZone + svgColW + svgGap
)

// row is one line of the drawing: a reference entity, a candidate entity,
// or a matched pair (indexes into the graphs' entities, -1 for none).
type row struct{ ref, cand int }

// layoutRows puts the matched pairs and the missing entities in the
// reference's document order and each invented entity after the row of the
// candidate entity before it.
func layoutRows(m *model) []row {
	candIdx := m.Candidate.EntityIndex()
	rows := make([]row, 0, len(m.Reference.Entities)+len(m.invented))
	placed := make([]bool, len(m.Candidate.Entities))
	for i, e := range m.Reference.Entities {
		r := row{i, -1}
		if c, ok := m.pairTo[e.ID]; ok {
			if j, ok := candIdx[c]; ok {
				r.cand = j
				placed[j] = true
			}
		}
		rows = append(rows, r)
	}
	for j := range m.Candidate.Entities {
		if placed[j] {
			continue
		}
		at := 0
		for k := len(rows) - 1; k >= 0; k-- {
			if rows[k].cand >= 0 && rows[k].cand < j {
				at = k + 1
				break
			}
		}
		rows = append(rows, row{})
		copy(rows[at+1:], rows[at:])
		rows[at] = row{-1, j}
		placed[j] = true
	}
	return rows
}

// xmlText escapes s for XML text and attributes and drops the characters
// XML does not allow.
func xmlText(s string) string {
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xfffe || r == 0xffff {
			return -1
		}
		return r
	}, s)
	return html.EscapeString(s)
}

// fit shortens s to about width units of a font of the given size.
func fit(s string, width, size float64) string {
	max := int(width / (size * 0.56))
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 2 {
		return "…"
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.56
}

func entityTag(e graph.Entity) string {
	tag := e.Type
	if e.Assertion != graph.Present && e.Assertion != "" {
		tag += " · " + string(e.Assertion)
	}
	return tag
}

func entityTitle(e graph.Entity, st Status, sig string, w float64) string {
	t := fmt.Sprintf("%s\n%s", e.Text, describe(e))
	if e.Key != "" {
		t += "\nkey " + e.Key
	}
	t += "\n" + string(st)
	if sig != "" {
		t += ", " + sig
	}
	if w != 0 {
		t += fmt.Sprintf(", weight %g", w)
	}
	return t
}

// svgOf draws the diff. id prefixes the ids in the drawing, so that several
// drawings can share a page; standalone adds the XML namespace attributes
// a file needs.
func svgOf(m *model, id string, standalone bool) string {
	rows := layoutRows(m)
	sig := map[string]struct {
		s string
		w float64
	}{}
	for _, em := range m.allPairs() {
		sig["r"+em.Reference.ID] = struct {
			s string
			w float64
		}{em.Significance, em.Weight}
		sig["c"+em.Candidate.ID] = sig["r"+em.Reference.ID]
	}
	for _, e := range m.missing {
		sig["r"+e.Entity.ID] = struct {
			s string
			w float64
		}{e.Significance, e.Weight}
	}
	for _, e := range m.invented {
		sig["c"+e.Entity.ID] = struct {
			s string
			w float64
		}{e.Significance, e.Weight}
	}
	n := len(rows)
	if n == 0 {
		n = 1
	}
	legendY := svgTop + n*svgRowH + 14
	height := legendY + 26
	var b strings.Builder
	b.Grow(512 + 600*len(rows))
	ns := ""
	if standalone {
		ns = ` xmlns="http://www.w3.org/2000/svg"`
	}
	fmt.Fprintf(&b, `<svg%s class="kg-diff" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`,
		ns, svgWidth, height, svgWidth, height, xmlText("graph diff of "+m.ID))
	b.WriteString("<defs>")
	for _, st := range []Status{Matched, Changed, Missing, Invented} {
		fmt.Fprintf(&b, `<marker id="%s-arrow-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L9,5 L0,9 z" fill="%s"/></marker>`,
			xmlText(id), st, palette[st].line)
	}
	b.WriteString("</defs>")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`, svgWidth, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="13" font-weight="600" fill="#37474f">Reference</text>`, refX)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="13" font-weight="600" fill="#37474f">Candidate</text>`, candX)
	if len(rows) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#757575">Neither document has an entity.</text>`, refX, svgTop+18)
	}
	yOf := func(k int) int { return svgTop + k*svgRowH }
	refRow := make([]int, len(m.Reference.Entities))
	candRow := make([]int, len(m.Candidate.Entities))
	for k, r := range rows {
		if r.ref >= 0 {
			refRow[r.ref] = k
		}
		if r.cand >= 0 {
			candRow[r.cand] = k
		}
	}
	// Arcs first, so that the boxes sit on top of their ends.
	arcs := func(g *graph.Graph, rowOf []int, status []Status, left bool) {
		idx := g.EntityIndex()
		// Labels already placed on this side, to keep them from overlapping:
		// a label that finds no free place is left to the tooltip.
		type placed struct{ x0, x1, y float64 }
		var labels []placed
		free := func(x0, x1, y float64) bool {
			for _, l := range labels {
				if x0 < l.x1+4 && l.x0 < x1+4 && y > l.y-11 && y < l.y+11 {
					return false
				}
			}
			return true
		}
		for i, r := range g.Relations {
			s, okS := idx[r.Source]
			t, okT := idx[r.Target]
			if !okS || !okT {
				continue
			}
			st := status[i]
			c := palette[st]
			ys := float64(yOf(rowOf[s])) + svgBoxH/2 - 4
			yt := float64(yOf(rowOf[t])) + svgBoxH/2 + 4
			span := rowOf[s] - rowOf[t]
			if span < 0 {
				span = -span
			}
			d := float64(min(140, 18+16*span))
			x, dir, anchor := float64(refX), -1.0, "end"
			if !left {
				x, dir, anchor = float64(candX+svgColW), 1.0, "start"
			}
			dash := ""
			if st == Missing || st == Invented {
				dash = ` stroke-dasharray="5 3"`
			}
			fmt.Fprintf(&b, `<g class="rel rel-%s"><title>%s</title><path d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="none" stroke="%s" stroke-width="1.4"%s marker-end="url(#%s-arrow-%s)"/>`,
				st, xmlText(fmt.Sprintf("%s: %s → %s (%s)", r.Type, g.Entities[s].Text, g.Entities[t].Text, st)),
				x, ys, x+dir*d, ys, x+dir*d, yt, x, yt, c.line, dash, xmlText(id), st)
			label := fit(r.Type, svgArcZone-0.75*d-8, 9.5)
			lx, w := x+dir*(0.75*d+3), textWidth(label, 9.5)
			x0, x1 := lx-w, lx
			if !left {
				x0, x1 = lx, lx+w
			}
			mid := (ys+yt)/2 + 3
			for _, dy := range []float64{0, -11, 11} {
				if free(x0, x1, mid+dy) {
					labels = append(labels, placed{x0, x1, mid + dy})
					fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9.5" fill="%s" text-anchor="%s">%s</text>`,
						lx, mid+dy, c.ink, anchor, xmlText(label))
					break
				}
			}
			b.WriteString("</g>")
		}
	}
	arcs(m.Reference, refRow, m.refRelStatus, true)
	arcs(m.Candidate, candRow, m.candRelStatus, false)
	box := func(x, y int, e graph.Entity, st Status, key string) {
		c := palette[st]
		dash := ""
		if st == Missing || st == Invented {
			dash = ` stroke-dasharray="5 3"`
		}
		si := sig[key]
		tag := entityTag(e)
		tagW := textWidth(tag, 10)
		fmt.Fprintf(&b, `<g class="ent ent-%s"><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="%s" stroke-width="1.3"%s/>`,
			st, xmlText(entityTitle(e, st, si.s, si.w)), x, y, svgColW, svgBoxH, c.fill, c.line, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="%s">%s</text>`, x+9, y+17, c.ink,
			xmlText(fit(e.Text, float64(svgColW)-26-tagW, 12)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="#607080" text-anchor="end">%s</text></g>`, x+svgColW-8, y+17, xmlText(tag))
	}
	for k, r := range rows {
		y := yOf(k)
		if r.ref >= 0 && r.cand >= 0 {
			e := m.Reference.Entities[r.ref]
			st := m.refStatus[e.ID]
			c := palette[st]
			yc := y + svgBoxH/2
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.2" stroke-dasharray="2 3"/>`,
				refX+svgColW, yc, candX, yc, c.line)
			if ch := m.changes[e.ID]; len(ch) > 0 {
				label := strings.ReplaceAll(strings.Join(ch, ", "), "key", "concept")
				fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="9.5" fill="%s" text-anchor="middle">%s</text>`,
					refX+svgColW+svgGap/2, yc-4, c.ink, xmlText(fit(label, svgGap-6, 9.5)))
			}
		}
		if r.ref >= 0 {
			e := m.Reference.Entities[r.ref]
			box(refX, y, e, statusOr(m.refStatus[e.ID], Missing), "r"+e.ID)
		}
		if r.cand >= 0 {
			e := m.Candidate.Entities[r.cand]
			box(candX, y, e, statusOr(m.candStatus[e.ID], Invented), "c"+e.ID)
		}
	}
	x := refX
	for _, st := range []Status{Matched, Changed, Missing, Invented} {
		c := palette[st]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="12" rx="3" fill="%s" stroke="%s"/><text x="%d" y="%d" font-size="11" fill="#37474f">%s</text>`,
			x, legendY, c.fill, c.line, x+20, legendY+10, st)
		x += 100
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#607080">arcs: relations; dotted lines: the matching</text>`, x+10, legendY+10)
	b.WriteString("</svg>")
	return b.String()
}

func statusOr(s, def Status) Status {
	if s == "" {
		return def
	}
	return s
}
