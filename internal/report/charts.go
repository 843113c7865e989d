package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Colours of the charts, those of the pages' style sheet.
var (
	inkColor    = color.RGBA{0x1f, 0x2a, 0x33, 0xff}
	mutedColor  = color.RGBA{0x9a, 0xa8, 0xb3, 0xff}
	accentColor = color.RGBA{0x1d, 0x5f, 0xa8, 0xff}
	accentFill  = color.RGBA{0xc9, 0xdc, 0xf2, 0xff}
	gridColor   = color.RGBA{0xe6, 0xea, 0xee, 0xff}
)

func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Title.TextStyle.Font.Variant = "Sans"
	p.Title.TextStyle.Color = inkColor
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(9)
		a.Label.TextStyle.Font.Variant = "Sans"
		a.Tick.Label.Font.Size = vg.Points(8.5)
		a.Tick.Label.Font.Variant = "Sans"
		a.Tick.Label.Color = inkColor
		a.LineStyle.Color = mutedColor
		a.Tick.LineStyle.Color = mutedColor
	}
	return p
}

// grid adds light grid lines behind the data.
func grid(p *plot.Plot, vertical, horizontal bool) {
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = gridColor, gridColor
	if !vertical {
		g.Vertical.Color = nil
	}
	if !horizontal {
		g.Horizontal.Color = nil
	}
	p.Add(g)
}

var svgHead = regexp.MustCompile(`(?s)^.*?<svg width="[^"]*" height="[^"]*"`)

// inline draws p as an SVG fit for a page: no XML prolog, and a width
// that follows the page (the viewBox keeps the proportions).
func inline(p *plot.Plot, w, h vg.Length, label string) (template.HTML, error) {
	c := vgsvg.New(w, h)
	// A margin on the right keeps the last tick label inside the canvas.
	p.Draw(draw.Crop(draw.New(c), vg.Points(4), -vg.Points(14), 0, 0))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	// vgsvg escapes the text it draws (html.EscapeString); the label is
	// ours and escaped here.
	head := fmt.Sprintf(`<svg class="chart" role="img" aria-label="%s" width="100%%"`, template.HTMLEscapeString(label))
	svg := svgHead.ReplaceAllLiteralString(b.String(), head)
	// The layout was measured with Liberation Sans; Arial and Helvetica
	// have its metrics, where it is not installed.
	svg = strings.ReplaceAll(svg, "font-family:Liberation Sans;", "font-family:'Liberation Sans', Arial, Helvetica, sans-serif;")
	return template.HTML(svg), nil
}

// boxPlots draws one box plot of the values of each score.
func boxPlots(names []string, values [][]float64) (template.HTML, error) {
	p := newPlot("Score distributions (box: quartiles; whiskers: 1.5 IQR)")
	grid(p, false, true)
	for i, v := range values {
		b, err := plotter.NewBoxPlot(vg.Points(26), float64(i), plotter.Values(v))
		if err != nil {
			return "", err
		}
		b.FillColor = accentFill
		b.BoxStyle.Color = accentColor
		b.MedianStyle.Color = accentColor
		b.MedianStyle.Width = vg.Points(1.6)
		b.WhiskerStyle.Color = accentColor
		b.GlyphStyle.Color = accentColor
		b.GlyphStyle.Radius = vg.Points(1.6)
		p.Add(b)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Label.Text = "score"
	return inline(p, vg.Points(560), vg.Points(250), "box plots of the scores")
}

// histogram draws the distribution of one score in ten bins over [0, 1].
func histogram(name string, v []float64) (template.HTML, error) {
	p := newPlot("Distribution of " + name)
	grid(p, false, true)
	const bins = 10
	h := &plotter.Histogram{Width: 1.0 / bins, FillColor: accentFill, LineStyle: draw.LineStyle{Color: accentColor, Width: vg.Points(0.8)}}
	for i := 0; i < bins; i++ {
		h.Bins = append(h.Bins, plotter.HistogramBin{Min: float64(i) / bins, Max: float64(i+1) / bins})
	}
	for _, x := range v {
		k := int(x * bins)
		k = max(0, min(bins-1, k))
		h.Bins[k].Weight++
	}
	p.Add(h)
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min = 0
	p.X.Label.Text = name
	p.Y.Label.Text = "pairs"
	return inline(p, vg.Points(330), vg.Points(250), "histogram of "+name)
}

// coverageBars draws one horizontal bar a type: its mean coverage.
func coverageBars(types []TypeRow) (template.HTML, error) {
	p := newPlot("Mean node coverage by entity type")
	grid(p, true, false)
	vals := make(plotter.Values, len(types))
	names := make([]string, len(types))
	for i, t := range types {
		// From the top: the first type on the first line.
		k := len(types) - 1 - i
		vals[k] = t.Coverage
		names[k] = t.Type
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return "", err
	}
	bars.Horizontal = true
	bars.Color = accentFill
	bars.LineStyle.Color = accentColor
	p.Add(bars)
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(len(names))-0.4
	p.X.Min, p.X.Max = 0, 1
	p.X.Label.Text = "coverage (pairs whose reference has the type)"
	h := vg.Points(float64(70 + 22*len(types)))
	return inline(p, vg.Points(560), h, "bar chart of coverage by entity type")
}
