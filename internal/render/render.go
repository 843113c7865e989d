// Package render shows the diff of one pair's graphs to people and to
// programs: text (coloured on a terminal), JSON, DOT, SVG drawn here with no
// system binary, and a standalone HTML page with both graphs side by side
// and the source sentences with the matched spans highlighted. Every piece
// of document text is escaped for the format it goes into.
package render

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
)

// View is what the renderers show for one pair: both graphs (with their
// source text when they were extracted here), their diff and, when known,
// the scores.
type View struct {
	ID        string
	Ontology  string
	Reference *graph.Graph
	Candidate *graph.Graph
	Diff      *scorers.Diff
	// Scores and Components (the scores that make up overall) are optional.
	Scores     *scorers.Scores
	Components []string
}

// Status is what the diff says about an entity or a relation.
type Status string

// The statuses of entities and relations.
const (
	Matched  Status = "matched"  // on both sides, alike
	Changed  Status = "changed"  // on both sides, differing (assertion, concept, measure; relation type)
	Missing  Status = "missing"  // in the reference only
	Invented Status = "invented" // in the candidate only
)

// Formats are the names Render accepts.
func Formats() []string { return []string{"text", "json", "dot", "svg", "html"} }

// Options adjust the output.
type Options struct {
	// Color adds ANSI colours to the text format (for a terminal).
	Color bool
	// Back, when set, is a link shown at the top of the HTML page (the
	// viewer's list).
	Back string
}

// Render writes v in the named format.
func Render(w io.Writer, format string, v *View, opt Options) error {
	m := analyze(v)
	switch format {
	case "text":
		return writeText(w, m, opt.Color)
	case "json":
		return writeJSON(w, m)
	case "dot":
		return writeDOT(w, m)
	case "svg":
		_, err := io.WriteString(w, svgOf(m, "g", true))
		return err
	case "html":
		return writeHTML(w, m, opt)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// RelationChange is a relation whose ends are matched on both sides but
// whose type differs.
type RelationChange struct {
	Reference scorers.RelationItem `json:"reference"`
	Candidate scorers.RelationItem `json:"candidate"`
}

// Change is an entity stated differently on the two sides: a matched
// entity whose assertion, concept or measure differs, or a missing and an
// invented entity paired as one (ScoredAs "missing and invented": the
// scores count them apart; see results.Pairing).
type Change struct {
	scorers.EntityMatch
	ScoredAs string `json:"scored_as,omitempty"`
	Of       string `json:"of,omitempty"`
}

// model is a View with every entity and relation given its status, in the
// order the renderers show them.
type model struct {
	*View
	matched           []scorers.EntityMatch
	changed           []Change
	missing, invented []scorers.EntityDiff
	relMatched        []scorers.RelationItem
	relMissing        []scorers.RelationItem
	relInvented       []scorers.RelationItem
	relChanged        []RelationChange
	refStatus         map[string]Status // entity id → status
	candStatus        map[string]Status
	refRelStatus      []Status // by index of Reference.Relations
	candRelStatus     []Status
	refToCand         map[string]string   // matched entity ids
	pairTo            map[string]string   // matched and paired entity ids
	changes           map[string][]string // reference entity id → what changed
}

func relKey(r graph.Relation) [3]string { return [3]string{r.Source, r.Target, r.Type} }

func analyze(v *View) *model {
	if v.Reference == nil {
		v.Reference = &graph.Graph{}
	}
	if v.Candidate == nil {
		v.Candidate = &graph.Graph{}
	}
	d := v.Diff
	if d == nil {
		d = &scorers.Diff{}
	}
	m := &model{View: v, refStatus: map[string]Status{}, candStatus: map[string]Status{},
		refToCand: map[string]string{}, changes: map[string][]string{}}
	// pairTo joins the matched entities and the pairings of a missing and
	// an invented entity (results.PairUnmatched).
	pairTo := map[string]string{}
	for _, em := range d.Matched {
		st := Matched
		if len(em.Changes) > 0 {
			st = Changed
			m.changed = append(m.changed, Change{EntityMatch: em})
			m.changes[em.Reference.ID] = em.Changes
		} else {
			m.matched = append(m.matched, em)
		}
		m.refStatus[em.Reference.ID], m.candStatus[em.Candidate.ID] = st, st
		m.refToCand[em.Reference.ID] = em.Candidate.ID
		pairTo[em.Reference.ID] = em.Candidate.ID
	}
	pairedM, pairedI := map[int]bool{}, map[int]bool{}
	for _, p := range results.PairUnmatched(d) {
		pairedM[p.Missing], pairedI[p.Invented] = true, true
		a, b := d.Missing[p.Missing], d.Invented[p.Invented]
		m.changed = append(m.changed, Change{EntityMatch: scorers.EntityMatch{Reference: a.Entity, Candidate: b.Entity,
			Significance: cmp.Or(a.Significance, b.Significance), Weight: max(a.Weight, b.Weight), Changes: []string{p.Change}},
			ScoredAs: results.ScoredApart, Of: p.Of})
		m.refStatus[a.Entity.ID], m.candStatus[b.Entity.ID] = Changed, Changed
		m.changes[a.Entity.ID] = []string{p.Change}
		pairTo[a.Entity.ID] = b.Entity.ID
	}
	for i, e := range d.Missing {
		if !pairedM[i] {
			m.refStatus[e.Entity.ID] = Missing
			m.missing = append(m.missing, e)
		}
	}
	for i, e := range d.Invented {
		if !pairedI[i] {
			m.candStatus[e.Entity.ID] = Invented
			m.invented = append(m.invented, e)
		}
	}
	m.pairTo = pairTo
	// The most significant first; document order among equals.
	byWeight := func(a, b scorers.EntityDiff) int { return cmp.Compare(b.Weight, a.Weight) }
	slices.SortStableFunc(m.missing, byWeight)
	slices.SortStableFunc(m.invented, byWeight)
	slices.SortStableFunc(m.changed, func(a, b Change) int { return cmp.Compare(b.Weight, a.Weight) })

	// A missing relation whose ends are matched (or paired) and an invented
	// one between their counterparts are one relation changed: its type,
	// its direction or, through a pairing, one of its ends.
	m.relMatched = d.Relations.Matched
	usedInv := make([]bool, len(d.Relations.Invented))
	for _, r := range d.Relations.Missing {
		s, okS := pairTo[r.Source]
		t, okT := pairTo[r.Target]
		found := -1
		if okS && okT {
			for j, c := range d.Relations.Invented {
				if usedInv[j] {
					continue
				}
				if (c.Source == s && c.Target == t) || (c.Source == t && c.Target == s) {
					found = j
					break
				}
			}
		}
		if found < 0 {
			m.relMissing = append(m.relMissing, r)
			continue
		}
		usedInv[found] = true
		m.relChanged = append(m.relChanged, RelationChange{Reference: r, Candidate: d.Relations.Invented[found]})
	}
	for j, c := range d.Relations.Invented {
		if !usedInv[j] {
			m.relInvented = append(m.relInvented, c)
		}
	}
	refRel := map[[3]string]Status{}
	candRel := map[[3]string]Status{}
	for _, r := range m.relMatched {
		refRel[relKey(r.Relation)] = Matched
		// The candidate's matched relation joins the matches of the ends.
		candRel[[3]string{m.refToCand[r.Source], m.refToCand[r.Target], r.Type}] = Matched
	}
	for _, r := range m.relMissing {
		refRel[relKey(r.Relation)] = Missing
	}
	for _, r := range m.relInvented {
		candRel[relKey(r.Relation)] = Invented
	}
	for _, c := range m.relChanged {
		refRel[relKey(c.Reference.Relation)] = Changed
		candRel[relKey(c.Candidate.Relation)] = Changed
	}
	m.refRelStatus = make([]Status, len(v.Reference.Relations))
	for i, r := range v.Reference.Relations {
		m.refRelStatus[i] = cmp.Or(refRel[relKey(r)], Matched)
	}
	m.candRelStatus = make([]Status, len(v.Candidate.Relations))
	for i, r := range v.Candidate.Relations {
		m.candRelStatus[i] = cmp.Or(candRel[relKey(r)], Matched)
	}
	return m
}

// Counts are the numbers of the diff's summary line.
type Counts struct {
	Matched  int `json:"matched"`
	Changed  int `json:"changed"`
	Missing  int `json:"missing"`
	Invented int `json:"invented"`
}

func (m *model) entityCounts() Counts {
	return Counts{len(m.matched), len(m.changed), len(m.missing), len(m.invented)}
}

func (m *model) relationCounts() Counts {
	return Counts{len(m.relMatched), len(m.relChanged), len(m.relMissing), len(m.relInvented)}
}

// scoreLine lists the scores in output order, overall first.
func (m *model) scoreList() []scoreItem {
	if m.Scores == nil {
		return nil
	}
	in := map[string]bool{}
	for _, c := range m.Components {
		in[c] = true
	}
	var out []scoreItem
	for _, name := range append([]string{"overall"}, scorers.Names()...) {
		if name == "overall" && len(out) > 0 {
			continue
		}
		if v, ok := m.Scores.Get(name); ok {
			out = append(out, scoreItem{Name: name, Value: v, Component: in[name], About: scoreAbout[name]})
		}
	}
	return out
}

type scoreItem struct {
	Name      string
	Value     float64
	Component bool
	About     string
}

// scoreAbout says in a phrase what each score measures (docs/metrics.md).
var scoreAbout = map[string]string{
	"overall":           "weighted mean of the components",
	"nsc":               "node coverage: the reference's entities found, weighted by significance",
	"ams":               "adjacency match: relations between matched entities",
	"edge_f1":           "F1 of typed relations under the matching",
	"scs":               "subgraph coverage: connected findings found together",
	"radgraph_simple":   "RadGraph reward: entities",
	"radgraph_partial":  "RadGraph reward: entities and whether they have relations",
	"radgraph_complete": "RadGraph reward: entities with all their relations",
	"judge":             "rubric judge score",
}

// describe is a one-line description of an entity: type, assertion, key.
func describe(e graph.Entity) string {
	s := e.Type + ", " + string(e.Assertion)
	if e.Key != "" && e.Key != graph.NormalizeKey(e.Text) {
		s += ", " + e.Key
	}
	if e.Measure != nil && len(e.Measure.Values) > 0 {
		s += ", " + measureText(e.Measure)
	}
	return s
}

func measureText(ms *graph.Measure) string {
	if ms == nil || len(ms.Values) == 0 {
		return ""
	}
	parts := make([]string, len(ms.Values))
	for i, v := range ms.Values {
		parts[i] = fmt.Sprintf("%g", v)
	}
	return strings.Join(parts, " x ") + " " + ms.Unit
}

// changeText says how an entity changed: "assertion present → absent".
func changeText(ch Change) []string {
	em := ch.EntityMatch
	var out []string
	for _, c := range em.Changes {
		switch c {
		case "attribute":
			fam := results.KeyFamily(em.Reference.Key)
			if i := strings.LastIndexByte(fam, '/'); i >= 0 {
				fam = fam[i+1:]
			}
			t := fmt.Sprintf("%s %s → %s", fam, em.Reference.Text, em.Candidate.Text)
			if ch.Of != "" {
				t += " (of " + ch.Of + ")"
			}
			out = append(out, t)
		case "assertion":
			out = append(out, fmt.Sprintf("assertion %s → %s", em.Reference.Assertion, em.Candidate.Assertion))
		case "key":
			out = append(out, fmt.Sprintf("concept %s → %s", em.Reference.Key, em.Candidate.Key))
		case "measure":
			a, b := measureText(em.Reference.Measure), measureText(em.Candidate.Measure)
			out = append(out, fmt.Sprintf("measure %s → %s", cmp.Or(a, "none"), cmp.Or(b, "none")))
		default:
			out = append(out, c)
		}
	}
	return out
}

// allPairs lists the matched and changed entities.
func (m *model) allPairs() []scorers.EntityMatch {
	out := append([]scorers.EntityMatch(nil), m.matched...)
	for _, c := range m.changed {
		out = append(out, c.EntityMatch)
	}
	return out
}
