package judge

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
)

// Rules is the offline rubric judge. It reads the graph diff of a pair as
// a list of errors, weighs each by the ontology (significance level, type
// weight, a quarter for statements of absence or normality in radiology,
// patient-context rules), adds them up and maps the sum to a rubric level
// through the rubric's thresholds. It needs no model and gives the same
// grade every time.
//
// What an error costs, with w the weight of the entity involved:
//   - an anchor entity (a finding, device, procedure; a party, obligation,
//     clause) missing or invented: w;
//   - a matched anchor whose assertion differs: w as if present, or half
//     of it between present and uncertain; a different concept key (a
//     vaguer or more specific term): w/2; a different measure: w/2;
//   - an attribute (any other entity) missing, invented or different:
//     AttributeShare times the weight of the heaviest matched anchor it
//     qualifies, nothing when its anchors are themselves missing or
//     invented (already counted), StandaloneShare times its own weight
//     when it qualifies no anchor;
//   - a relation missing or invented between two matched entities:
//     RelationShare times the attribute cost of its heavier end.
type Rules struct {
	Ontology *ontology.Ontology
	Rubric   *Rubric
	// Scoring is used to compute the diff when an Input carries graphs
	// but no diff.
	Scoring scorers.Options
	context []ontology.ContextRule
}

var _ Grader = (*Rules)(nil)

// NewRules builds the rules judge for an ontology (nil: every entity is an
// anchor of weight 1) and a rubric, reading the ontology's context rules.
func NewRules(o *ontology.Ontology, r *Rubric) (*Rules, error) {
	if r == nil {
		return nil, fmt.Errorf("rules judge: no rubric")
	}
	j := &Rules{Ontology: o, Rubric: r, Scoring: scorers.Options{Ontology: o, Theta: scorers.DefaultTheta}}
	if o != nil {
		rules, err := o.ContextRules()
		if err != nil {
			return nil, err
		}
		j.context = rules
	}
	return j, nil
}

// Cost is one error the rules judge counted.
type Cost struct {
	What string  `json:"what"`
	Cost float64 `json:"cost"`
}

// Assess returns the weighted error of a pair and its itemized costs,
// heaviest first.
func (j *Rules) Assess(in *Input) (float64, []Cost, error) {
	d := in.Diff
	if in.RefGraph == nil || in.CandGraph == nil {
		return 0, nil, &Failure{Reason: "the rules judge needs both graphs"}
	}
	if d == nil {
		d = scorers.ComputeDiff(in.RefGraph, in.CandGraph, j.Scoring)
	}
	a := &assessor{j: j, ctx: in.Context,
		refAnch: attachments(in.RefGraph, j.isAnchor), candAnch: attachments(in.CandGraph, j.isAnchor),
		refMatched: map[string]bool{}, candMatched: map[string]bool{},
		refByID: index(in.RefGraph), candByID: index(in.CandGraph)}
	for _, m := range d.Matched {
		a.refMatched[m.Reference.ID] = true
		a.candMatched[m.Candidate.ID] = true
	}
	lv := j.Rubric.Rules
	var costs []Cost
	add := func(c float64, format string, args ...any) {
		if c > 0 {
			costs = append(costs, Cost{What: fmt.Sprintf(format, args...), Cost: c})
		}
	}
	for _, e := range d.Missing {
		if j.isAnchor(e.Entity.Type) {
			add(a.weight(e.Entity), "missing %s", a.describe(e.Entity))
		} else if c, ok := a.attribute(e.Entity, false); ok {
			add(c, "missing %s", a.describe(e.Entity))
		}
	}
	for _, e := range d.Invented {
		if j.isAnchor(e.Entity.Type) {
			add(a.weight(e.Entity), "invented %s", a.describe(e.Entity))
		} else if c, ok := a.attribute(e.Entity, true); ok {
			add(c, "invented %s", a.describe(e.Entity))
		}
	}
	for _, m := range d.Matched {
		if len(m.Changes) == 0 {
			continue
		}
		r, c := m.Reference, m.Candidate
		if !j.isAnchor(r.Type) {
			if cost, ok := a.attribute(r, false); ok {
				add(cost, "%s stated as %q", a.describe(r), c.Text)
			}
			continue
		}
		for _, ch := range m.Changes {
			switch ch {
			case "assertion":
				f := 1.0
				if (r.Assertion == graph.Absent) == (c.Assertion == graph.Absent) {
					f = 0.5 // present against uncertain
				}
				w := math.Max(a.presentWeight(r), a.presentWeight(c))
				add(f*w, "%s stated as %s", a.describe(r), c.Assertion)
			case "key":
				add(0.5*math.Max(a.weight(r), a.weight(c)), "%s named %q", a.describe(r), c.Text)
			case "measure":
				add(0.5*a.weight(r), "%s with a different measure", a.describe(r))
			}
		}
	}
	rel := func(items []scorers.RelationItem, invented bool, verb string) {
		for _, ri := range items {
			matched, byID := a.refMatched, a.refByID
			if invented {
				matched, byID = a.candMatched, a.candByID
			}
			if !matched[ri.Source] || !matched[ri.Target] {
				continue // an end is missing or invented: counted there
			}
			w := math.Max(a.relEnd(byID[ri.Source], invented), a.relEnd(byID[ri.Target], invented))
			add(lv.RelationShare*w, "%s relation %q %s %q", verb, ri.SourceText, ri.Type, ri.TargetText)
		}
	}
	rel(d.Relations.Missing, false, "missing")
	rel(d.Relations.Invented, true, "invented")
	sort.SliceStable(costs, func(i, k int) bool { return costs[i].Cost > costs[k].Cost })
	total := 0.0
	for _, c := range costs {
		total += c.Cost
	}
	return total, costs, nil
}

// Grade maps the weighted error to a rubric level and explains it.
func (j *Rules) Grade(_ context.Context, in *Input) (*Verdict, error) {
	p, costs, err := j.Assess(in)
	if err != nil {
		return nil, err
	}
	level := j.Rubric.Rules.Level(p)
	var b strings.Builder
	if len(costs) == 0 {
		b.WriteString("No differences between the graphs of the response and the reference.")
	} else {
		fmt.Fprintf(&b, "Weighted error %.2f from %d differences: ", p, len(costs))
		for i, c := range costs {
			if i == 8 {
				fmt.Fprintf(&b, "; and %d more", len(costs)-8)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s (%.2f)", c.What, c.Cost)
		}
		b.WriteString(".")
	}
	fmt.Fprintf(&b, " Score %d: %s", level, j.Rubric.Descriptions[level-1])
	pen := p
	return &Verdict{Score: float64(level), Feedback: b.String(), Samples: []int{level}, Penalty: &pen}, nil
}

// Relative prefers the response with the smaller weighted error; equal
// errors tie. It is deterministic, so both orders always agree.
func (j *Rules) Relative(_ context.Context, a, b *Input) (*Preference, error) {
	pa, _, err := j.Assess(a)
	if err != nil {
		return nil, err
	}
	pb, _, err := j.Assess(b)
	if err != nil {
		return nil, err
	}
	w := WinnerTie
	switch {
	case pa < pb-1e-9:
		w = WinnerA
	case pb < pa-1e-9:
		w = WinnerB
	}
	fb := fmt.Sprintf("Weighted error of A %.2f, of B %.2f.", pa, pb)
	ov := OrderVerdict{Votes: []string{w}, Winner: w, Feedback: fb}
	p := &Preference{Orders: [2]OrderVerdict{ov, ov}}
	combineOrders(p)
	return p, nil
}

func (j *Rules) isAnchor(t string) bool {
	if j.Ontology == nil {
		return true
	}
	return j.Ontology.IsAnchor(t)
}

type assessor struct {
	j                       *Rules
	ctx                     map[string]any
	refAnch, candAnch       map[string][]graph.Entity
	refMatched, candMatched map[string]bool
	refByID, candByID       map[string]graph.Entity
}

func index(g *graph.Graph) map[string]graph.Entity {
	m := make(map[string]graph.Entity, len(g.Entities))
	for _, e := range g.Entities {
		m[e.ID] = e
	}
	return m
}

// weight is the entity's weight under the ontology and the context.
func (a *assessor) weight(e graph.Entity) float64 {
	if a.j.Ontology == nil {
		return 1
	}
	w, _ := a.j.Ontology.ContextWeight(a.j.context, a.ctx, e.Type, e.Key, e.Assertion == graph.Absent)
	return w
}

// presentWeight is the weight the entity would have if stated present.
func (a *assessor) presentWeight(e graph.Entity) float64 {
	e.Assertion = graph.Present
	return a.weight(e)
}

// significance is the level in force for the entity, context applied.
func (a *assessor) significance(e graph.Entity) string {
	if a.j.Ontology == nil {
		return ""
	}
	_, s := a.j.Ontology.ContextWeight(a.j.context, a.ctx, e.Type, e.Key, e.Assertion == graph.Absent)
	return s
}

func (a *assessor) describe(e graph.Entity) string {
	s := fmt.Sprintf("%q (%s, %s", e.Text, e.Type, e.Assertion)
	if sig := a.significance(e); sig != "" {
		s += ", " + sig
	}
	return s + ")"
}

// attribute is the cost of an error in a non-anchor entity: a share of the
// weight of the heaviest matched anchor it qualifies; ok is false when all
// its anchors are unmatched (their own cost covers it).
func (a *assessor) attribute(e graph.Entity, cand bool) (float64, bool) {
	anch, matched := a.refAnch[e.ID], a.refMatched
	if cand {
		anch, matched = a.candAnch[e.ID], a.candMatched
	}
	lv := a.j.Rubric.Rules
	if len(anch) == 0 {
		return lv.StandaloneShare * a.weight(e), true
	}
	best, ok := 0.0, false
	for _, x := range anch {
		if matched[x.ID] {
			best, ok = math.Max(best, a.weight(x)), true
		}
	}
	return lv.AttributeShare * best, ok
}

// relEnd is the attribute cost an end of a relation stands for.
func (a *assessor) relEnd(e graph.Entity, cand bool) float64 {
	if a.j.isAnchor(e.Type) {
		return a.j.Rubric.Rules.AttributeShare * a.weight(e)
	}
	c, _ := a.attribute(e, cand)
	return c
}

// attachments maps each non-anchor entity to the anchors it qualifies:
// those joined to it by a relation, directly or through one other
// non-anchor entity ("left" modifies "apical", where the pneumothorax is).
func attachments(g *graph.Graph, isAnchor func(string) bool) map[string][]graph.Entity {
	byID := index(g)
	adj := map[string][]string{}
	for _, r := range g.Relations {
		adj[r.Source] = append(adj[r.Source], r.Target)
		adj[r.Target] = append(adj[r.Target], r.Source)
	}
	out := map[string][]graph.Entity{}
	for _, e := range g.Entities {
		if isAnchor(e.Type) {
			continue
		}
		seen := map[string]bool{e.ID: true}
		var found []graph.Entity
		visit := func(id string) bool {
			if seen[id] {
				return false
			}
			seen[id] = true
			n, ok := byID[id]
			if ok && isAnchor(n.Type) {
				found = append(found, n)
				return false
			}
			return ok
		}
		for _, n1 := range adj[e.ID] {
			if visit(n1) {
				for _, n2 := range adj[n1] {
					visit(n2)
				}
			}
		}
		if len(found) > 0 {
			out[e.ID] = found
		}
	}
	return out
}
