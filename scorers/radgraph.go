package scorers

import (
	"strings"

	"github.com/kgeval/kgeval/graph"
)

// RadGraphRewards are the three published RadGraph reward levels.
type RadGraphRewards struct {
	Simple, Partial, Complete float64
}

// RadGraphF1 computes the RadGraph rewards of a hypothesis annotation
// against a reference annotation exactly as published: each level builds
// a set of tuples per report (tokens lower-cased), precision and recall are
// the shares of shared tuples (0 on an empty side), and F1 their harmonic
// mean (0 when both are 0). All three are 0 when either report is empty or
// either annotation has no entities.
//
//   - simple: (tokens, label) for every entity;
//   - partial: (tokens, label) for entities without relations and
//     (tokens, label, true) for entities with at least one;
//   - complete: (tokens, label) for entities without relations, else one
//     (tokens, label, relation type, target tokens) per relation.
func RadGraphF1(hyp, ref *graph.RadGraph) RadGraphRewards {
	if len(hyp.Entities) == 0 || len(ref.Entities) == 0 {
		return RadGraphRewards{}
	}
	h, r := radgraphTuples(hyp), radgraphTuples(ref)
	return RadGraphRewards{
		Simple:   setF1(h[0], r[0]),
		Partial:  setF1(h[1], r[1]),
		Complete: setF1(h[2], r[2]),
	}
}

// radgraphTuples builds the simple, partial and complete tuple sets, each
// tuple joined into one string with a separator that cannot occur in text.
func radgraphTuples(a *graph.RadGraph) [3]map[string]bool {
	const sep = "\x00"
	sets := [3]map[string]bool{{}, {}, {}}
	for _, id := range a.SortedIDs() {
		e := a.Entities[id]
		base := strings.ToLower(e.Tokens) + sep + e.Label
		sets[0][base] = true
		if len(e.Relations) == 0 {
			sets[1][base] = true
			sets[2][base] = true
			continue
		}
		sets[1][base+sep+"true"] = true
		for _, rel := range e.Relations {
			target := strings.ToLower(a.Entities[rel[1]].Tokens)
			sets[2][base+sep+rel[0]+sep+target] = true
		}
	}
	return sets
}

func setF1(h, r map[string]bool) float64 {
	shared := 0
	for t := range h {
		if r[t] {
			shared++
		}
	}
	var p, rec float64
	if len(h) > 0 {
		p = float64(shared) / float64(len(h))
	}
	if len(r) > 0 {
		rec = float64(shared) / float64(len(r))
	}
	return f1(p, rec)
}
