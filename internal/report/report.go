// Package report writes the HTML report of a scoring run: one
// self-contained file (inline CSS and SVG, no script, nothing fetched from
// elsewhere) with the run summary and bootstrap confidence intervals, the
// score distributions and per-type coverage as charts, the findings missed
// and invented most often, the worst pairs with their diffs, and the run's
// configuration and versions. Every piece of document text is escaped by
// html/template.
package report

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/render"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/internal/stats"
	"github.com/kgeval/kgeval/scorers"
)

//go:embed assets/report.html
var assets embed.FS

var page = template.Must(template.Must(render.Templates.Clone()).Funcs(template.FuncMap{
	"pct": func(x float64) float64 { return 100 * x },
	"findingsTable": func(title, class string, rows []FindingRow) findingsTable {
		return findingsTable{title, class, rows}
	},
}).ParseFS(assets, "assets/report.html"))

type findingsTable struct {
	Title, Class string
	Rows         []FindingRow
}

// Input is what a report is made of.
type Input struct {
	// Source names the results file.
	Source  string
	Header  *results.Header // nil for a file without one
	Records []*results.Record
	// Pairs, optional, are the documents by pair id: the worst pairs are
	// then shown with their texts.
	Pairs map[string]pairs.Pair
	// Version is the kgeval version writing the report.
	Version string
	// Worst is how many of the lowest-scoring pairs to show; 0 means 10.
	Worst int
	// Bootstrap sets the intervals; the zero value takes the defaults of
	// internal/stats (2,000 resamples, 95%, a fixed seed).
	Bootstrap stats.Bootstrap
}

// Data is what the report template shows.
type Data struct {
	Title, Source, Version, GoVersion string
	CSS                               template.CSS
	Header                            *results.Header
	Weights                           []Weight
	Stats                             *results.RunStats
	Rows                              []ScoreRow
	Overall                           *ScoreRow
	Pairs, OK, Errors, JudgeFailed    int
	Level                             float64
	Charts                            []template.HTML
	Types                             []TypeRow
	TypeChart                         template.HTML
	Missed, Invented, Changes         []FindingRow
	Worst                             []PairView
	ErrorRecords                      []*results.Record
	HasTexts                          bool
}

// Weight is one weight of overall.
type Weight struct {
	Name  string
	Value float64
}

// ScoreRow is one score of the summary table.
type ScoreRow struct {
	Name                    string
	N                       int
	Mean, Median, Low, High float64
	About                   string
}

// TypeRow is the coverage of one entity type over the run.
type TypeRow struct {
	Type string
	// Pairs counts the pairs whose reference has the type.
	Pairs              int
	Reference, Matched int
	Coverage           float64
}

// FindingRow counts a concept (or a kind of change) over the run.
type FindingRow struct {
	Key, Example, Type string
	Pairs              int
	Weight             float64
}

// PairView is one of the worst pairs.
type PairView struct {
	Anchor  string
	Record  *results.Record
	Overall float64
	Scores  []ScoreValue
	Diff    *render.CompactView
}

// ScoreValue is a named score of a pair.
type ScoreValue struct {
	Name  string
	Value float64
}

var about = map[string]string{
	"overall":           "weighted mean of the components",
	"nsc":               "node coverage",
	"ams":               "adjacency match",
	"edge_f1":           "F1 of typed relations",
	"scs":               "subgraph coverage",
	"radgraph_simple":   "RadGraph reward: entities",
	"radgraph_partial":  "RadGraph reward: entities, has relations",
	"radgraph_complete": "RadGraph reward: entities and relations",
	"judge":             "rubric judge (1-5 mapped to 0-1)",
}

// Write writes the report of in to w.
func Write(w io.Writer, in *Input) error {
	d, err := build(in)
	if err != nil {
		return err
	}
	return page.ExecuteTemplate(w, "report.html", d)
}

func build(in *Input) (*Data, error) {
	d := &Data{Title: "kgeval run report", Source: in.Source, Version: in.Version, GoVersion: runtime.Version(),
		CSS: render.CSS, Header: in.Header, HasTexts: len(in.Pairs) > 0}
	if in.Header != nil {
		for k, v := range in.Header.Weights {
			d.Weights = append(d.Weights, Weight{k, v})
		}
		sort.Slice(d.Weights, func(i, j int) bool { return d.Weights[i].Name < d.Weights[j].Name })
	}
	sum := results.Summary{Collect: true}
	for _, r := range in.Records {
		sum.Add(r)
		if r.Status != results.StatusOK || r.Scores == nil {
			d.ErrorRecords = append(d.ErrorRecords, r)
		}
	}
	st := sum.Stats(in.Bootstrap)
	d.Stats, d.Pairs, d.OK, d.Errors, d.JudgeFailed, d.Level = st, st.Pairs, st.OK, st.Errors, st.JudgeFailed, st.Bootstrap.Level
	var names []string
	var cols [][]float64
	for _, name := range scorers.Names() {
		s, ok := st.Scores[name]
		if !ok {
			continue
		}
		row := ScoreRow{Name: name, N: s.N, Mean: s.Mean, Median: s.Median, Low: s.CI.Low, High: s.CI.High, About: about[name]}
		d.Rows = append(d.Rows, row)
		if name == "overall" {
			r := row
			d.Overall = &r
		}
		if name == "radgraph_simple" || name == "radgraph_complete" {
			continue // the chart keeps the partial reward, the usual one
		}
		var v []float64
		for _, r := range in.Records {
			if r.Scores == nil || r.Status != results.StatusOK {
				continue
			}
			if x, ok := r.Scores.Get(name); ok && !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if len(v) > 0 {
			names, cols = append(names, name), append(cols, v)
		}
	}
	if len(cols) > 0 {
		box, err := boxPlots(names, cols)
		if err != nil {
			return nil, fmt.Errorf("report: box plots: %w", err)
		}
		var overall []float64
		for i, n := range names {
			if n == "overall" {
				overall = cols[i]
			}
		}
		d.Charts = append(d.Charts, box)
		if len(overall) > 0 {
			h, err := histogram("overall", overall)
			if err != nil {
				return nil, fmt.Errorf("report: histogram: %w", err)
			}
			d.Charts = append(d.Charts, h)
		}
	}
	d.Types = typeRows(in.Records)
	if len(d.Types) > 0 {
		c, err := coverageBars(d.Types)
		if err != nil {
			return nil, fmt.Errorf("report: coverage chart: %w", err)
		}
		d.TypeChart = c
	}
	d.Missed, d.Invented, d.Changes = findings(in.Records)
	d.Worst = worst(in, cmp.Or(in.Worst, 10))
	return d, nil
}

// typeRows averages each type's coverage over the pairs whose reference
// has the type, most frequent type first.
func typeRows(recs []*results.Record) []TypeRow {
	acc := map[string]*TypeRow{}
	sums := map[string]float64{}
	for _, r := range recs {
		for name, t := range r.Types {
			if t.Reference == 0 {
				continue
			}
			row := acc[name]
			if row == nil {
				row = &TypeRow{Type: name}
				acc[name] = row
			}
			row.Pairs++
			row.Reference += t.Reference
			row.Matched += t.Matched
			sums[name] += t.Coverage
		}
	}
	var out []TypeRow
	for name, row := range acc {
		row.Coverage = sums[name] / float64(row.Pairs)
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b TypeRow) int { return cmp.Or(cmp.Compare(b.Pairs, a.Pairs), cmp.Compare(a.Type, b.Type)) })
	return out
}

// findings counts, over the records' diffs, the concepts missed and
// invented in the most pairs, and the kinds of change.
func findings(recs []*results.Record) (missed, invented, changes []FindingRow) {
	count := func(get func(*results.Diff) []results.DiffEntity) []FindingRow {
		rows := map[string]*FindingRow{}
		for _, r := range recs {
			if r.Diff == nil {
				continue
			}
			seen := map[string]bool{}
			for _, e := range get(r.Diff) {
				key := cmp.Or(e.Key, strings.ToLower(e.Text))
				row := rows[key]
				if row == nil {
					row = &FindingRow{Key: key, Example: e.Text, Type: e.Type}
					rows[key] = row
				}
				row.Weight += e.Weight
				if !seen[key] {
					seen[key] = true
					row.Pairs++
				}
			}
		}
		return top(rows, 12)
	}
	missed = count(func(d *results.Diff) []results.DiffEntity { return d.Missing })
	invented = count(func(d *results.Diff) []results.DiffEntity { return d.Invented })
	rows := map[string]*FindingRow{}
	for _, r := range recs {
		if r.Diff == nil {
			continue
		}
		seen := map[string]bool{}
		for _, c := range r.Diff.Changed {
			kind := strings.Join(c.Changes, ", ")
			if kind == "assertion" {
				kind = fmt.Sprintf("assertion %s → %s", c.Reference.Assertion, c.Candidate.Assertion)
			}
			row := rows[kind]
			if row == nil {
				row = &FindingRow{Key: "e.g. " + c.Reference.Text + " → " + c.Candidate.Text, Example: kind}
				rows[kind] = row
			}
			row.Weight += c.Reference.Weight
			if !seen[kind] {
				seen[kind] = true
				row.Pairs++
			}
		}
	}
	return missed, invented, top(rows, 12)
}

func top(rows map[string]*FindingRow, n int) []FindingRow {
	out := make([]FindingRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b FindingRow) int {
		return cmp.Or(cmp.Compare(b.Pairs, a.Pairs), cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.Key, b.Key))
	})
	return out[:min(n, len(out))]
}

// Worst returns the n scored records with the lowest overall score, ties
// in file order: the pairs a report shows (n = 0 means 10).
func Worst(recs []*results.Record, n int) []*results.Record {
	var ok []*results.Record
	for _, r := range recs {
		if r.Status == results.StatusOK && r.Scores != nil {
			ok = append(ok, r)
		}
	}
	slices.SortStableFunc(ok, func(a, b *results.Record) int { return cmp.Compare(a.Scores.Overall, b.Scores.Overall) })
	return ok[:min(cmp.Or(n, 10), len(ok))]
}

func worst(in *Input, n int) []PairView {
	ok := Worst(in.Records, n)
	out := make([]PairView, len(ok))
	for i, r := range ok {
		p := in.Pairs[r.ID]
		pv := PairView{Anchor: fmt.Sprintf("pair-%d", i+1), Record: r, Overall: r.Scores.Overall,
			Diff: render.NewCompactView(r.Diff, p.Reference, p.Candidate)}
		for _, name := range scorers.Names() {
			if v, ok := r.Scores.Get(name); ok && name != "overall" {
				pv.Scores = append(pv.Scores, ScoreValue{name, v})
			}
		}
		out[i] = pv
	}
	return out
}
