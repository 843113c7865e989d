package results

import (
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/scorers"
)

// Diff is the compact graph diff kept in a record: what the candidate
// missed, invented or changed, entity by entity, and how many relations
// were matched, missed and invented. It is what the report and the viewer
// show when the documents themselves are not at hand; `kgeval diff` gives
// the full diff with both graphs.
type Diff struct {
	// Matched counts the reference entities the candidate matched,
	// changed ones included.
	Matched  int          `json:"matched"`
	Missing  []DiffEntity `json:"missing,omitempty"`
	Invented []DiffEntity `json:"invented,omitempty"`
	Changed  []DiffChange `json:"changed,omitempty"`
	// Relations counts the relations under the entity matching.
	Relations DiffRelations `json:"relations"`
}

// DiffEntity is one entity of a compact diff.
type DiffEntity struct {
	Text      string          `json:"text"`
	Key       string          `json:"key,omitempty"`
	Type      string          `json:"type"`
	Assertion graph.Assertion `json:"assertion"`
	// Significance is the ontology's significance level of the concept.
	Significance string `json:"significance,omitempty"`
	// Weight is the entity's weight in the scores.
	Weight float64 `json:"weight"`
}

// DiffChange is an entity stated differently: Changes names what
// ("assertion", "key", "measure", "attribute"). A matched entity has no
// ScoredAs; a pairing of a missing and an invented entity (see Pairing)
// has ScoredAs "missing and invented", and Of names what an attribute
// qualifies.
type DiffChange struct {
	Reference DiffEntity `json:"reference"`
	Candidate DiffEntity `json:"candidate"`
	Changes   []string   `json:"changes"`
	ScoredAs  string     `json:"scored_as,omitempty"`
	Of        string     `json:"of,omitempty"`
}

// ScoredApart is the ScoredAs of a pairing.
const ScoredApart = "missing and invented"

// DiffRelations counts relations under the entity matching.
type DiffRelations struct {
	Matched  int `json:"matched"`
	Missing  int `json:"missing"`
	Invented int `json:"invented"`
}

// CompactDiff keeps from d what a record holds.
func CompactDiff(d *scorers.Diff) *Diff {
	if d == nil {
		return nil
	}
	c := &Diff{Matched: len(d.Matched), Missing: make([]DiffEntity, 0, len(d.Missing)),
		Invented: make([]DiffEntity, 0, len(d.Invented)), Changed: []DiffChange{},
		Relations: DiffRelations{len(d.Relations.Matched), len(d.Relations.Missing), len(d.Relations.Invented)}}
	pairs := PairUnmatched(d)
	pairedM, pairedI := map[int]bool{}, map[int]bool{}
	for _, p := range pairs {
		pairedM[p.Missing], pairedI[p.Invented] = true, true
	}
	for i, e := range d.Missing {
		if !pairedM[i] {
			c.Missing = append(c.Missing, diffEntity(e.Entity, e.Significance, e.Weight))
		}
	}
	for i, e := range d.Invented {
		if !pairedI[i] {
			c.Invented = append(c.Invented, diffEntity(e.Entity, e.Significance, e.Weight))
		}
	}
	for _, p := range pairs {
		m, v := d.Missing[p.Missing], d.Invented[p.Invented]
		c.Changed = append(c.Changed, DiffChange{
			Reference: diffEntity(m.Entity, m.Significance, m.Weight),
			Candidate: diffEntity(v.Entity, v.Significance, v.Weight),
			Changes:   []string{p.Change}, ScoredAs: ScoredApart, Of: p.Of,
		})
	}
	for _, m := range d.Matched {
		if len(m.Changes) == 0 {
			continue
		}
		c.Changed = append(c.Changed, DiffChange{
			Reference: diffEntity(m.Reference, m.Significance, m.Weight),
			Candidate: diffEntity(m.Candidate, m.Significance, m.Weight),
			Changes:   append([]string(nil), m.Changes...),
		})
	}
	return c
}

func diffEntity(e graph.Entity, sig string, w float64) DiffEntity {
	return DiffEntity{Text: e.Text, Key: e.Key, Type: e.Type, Assertion: e.Assertion, Significance: sig, Weight: w}
}

// Pairing joins a missing and an invented entity that a reader sees as one
// entity stated differently, though the scores count them apart (the
// matching gives them no similarity): the same concept with another
// assertion ("no pneumothorax" against "pneumothorax"), or another value of
// the same attribute of matched entities ("right" against "left", both
// modifying the matched "pneumothorax").
type Pairing struct {
	// Missing and Invented index d.Missing and d.Invented.
	Missing, Invented int
	// Change is "assertion" or "attribute".
	Change string
	// Of is, for an attribute, the text of the entity it qualifies.
	Of string
}

// KeyFamily is the part of a concept key before its last "/"
// (laterality/left → laterality); "" when it has none.
func KeyFamily(key string) string {
	for i := len(key) - 1; i > 0; i-- {
		if key[i] == '/' {
			return key[:i]
		}
	}
	return ""
}

// PairUnmatched finds the pairings of d, each missing and invented entity
// in at most one, in the reference's document order.
func PairUnmatched(d *scorers.Diff) []Pairing {
	if d == nil || len(d.Missing) == 0 || len(d.Invented) == 0 {
		return nil
	}
	used := make([]bool, len(d.Invented))
	var out []Pairing
	// The same concept with another assertion.
	pairedRef := make([]bool, len(d.Missing))
	for i, m := range d.Missing {
		for j, v := range d.Invented {
			if used[j] || m.Entity.Key == "" || m.Entity.Key != v.Entity.Key || m.Entity.Assertion == v.Entity.Assertion {
				continue
			}
			used[j], pairedRef[i] = true, true
			out = append(out, Pairing{Missing: i, Invented: j, Change: "assertion"})
			break
		}
	}
	// Another value of an attribute: both ends of a relation of the same
	// type to matched entities.
	refToCand := map[string]string{}
	for _, em := range d.Matched {
		refToCand[em.Reference.ID] = em.Candidate.ID
	}
	type end struct{ other, typ string }
	ends := func(items []scorers.RelationItem) map[string][]end {
		e := map[string][]end{}
		for _, r := range items {
			e[r.Source] = append(e[r.Source], end{r.Target + "\x00" + r.TargetText, r.Type})
			e[r.Target] = append(e[r.Target], end{r.Source + "\x00" + r.SourceText, r.Type})
		}
		return e
	}
	refEnds, candEnds := ends(d.Relations.Missing), ends(d.Relations.Invented)
	for i, m := range d.Missing {
		fam := KeyFamily(m.Entity.Key)
		if pairedRef[i] || fam == "" {
			continue
		}
	search:
		for j, v := range d.Invented {
			if used[j] || KeyFamily(v.Entity.Key) != fam || v.Entity.Type != m.Entity.Type {
				continue
			}
			for _, re := range refEnds[m.Entity.ID] {
				refOther, refText, _ := cut0(re.other)
				for _, ce := range candEnds[v.Entity.ID] {
					candOther, _, _ := cut0(ce.other)
					if re.typ == ce.typ && refToCand[refOther] == candOther && candOther != "" {
						used[j], pairedRef[i] = true, true
						out = append(out, Pairing{Missing: i, Invented: j, Change: "attribute", Of: refText})
						break search
					}
				}
			}
		}
	}
	return out
}

func cut0(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
