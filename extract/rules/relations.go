package rules

// Relation patterns within a sentence. Each pattern is enabled by the
// relation type it produces: an ontology that declares located_at gets the
// location pattern, one that declares modify the descriptor pattern, and
// one that declares suggestive_of the "concerning for" pattern.

// relate adds the relations among one sentence's mentions.
func (x *Extractor) relate(toks []token, ms []mention, b *builder) {
	if len(ms) < 2 {
		return
	}
	clause := clauses(toks, x, ms)
	if x.ont.HasRelationType("located_at") {
		x.locate(ms, clause, b)
	}
	if x.ont.HasRelationType("modify") {
		x.modify(ms, clause, b)
	}
	if x.ont.HasRelationType("suggestive_of") {
		x.suggestive(toks, ms, b)
	}
}

// clauses numbers each mention's clause: clauses end at semicolons and
// termination cues ("but", "however").
func clauses(toks []token, x *Extractor, ms []mention) []int {
	boundary := make([]int, len(toks)+1)
	c := 0
	for i := 0; i < len(toks); {
		boundary[i] = c
		if toks[i].text == ";" {
			c++
			i++
			continue
		}
		if k, n := x.cues.match(toks, i); n > 0 && k == terminate {
			for j := i; j < i+n; j++ {
				boundary[j] = c
			}
			c++
			i += n
			continue
		}
		i++
	}
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = boundary[m.first]
	}
	return out
}

func (x *Extractor) allowed(rel, from, to string) bool {
	r, ok := x.ont.RelationType(rel)
	if !ok {
		return false
	}
	return contains(r.From, from) && contains(r.To, to)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func dist(a, b *mention) int {
	if a.first > b.last {
		return a.first - b.last
	}
	return b.first - a.last
}

// locate links each anatomy mention to the nearest finding, device or
// procedure of its clause (ties go to the finding after it, as in "right
// lower lobe opacity"), so "opacities in the right upper and left lower
// lobes" links both lobes to the opacities.
func (x *Extractor) locate(ms []mention, clause []int, b *builder) {
	for ai := range ms {
		a := &ms[ai]
		if !x.ont.IsAnatomy(a.typ) {
			continue
		}
		best, bestD := -1, 1<<30
		for fi := range ms {
			f := &ms[fi]
			if clause[fi] != clause[ai] || f.typ == "concept" || !x.allowed("located_at", f.typ, a.typ) {
				continue
			}
			d := dist(a, f)
			if d < bestD || d == bestD && f.first > a.first {
				best, bestD = fi, d
			}
		}
		if best >= 0 {
			b.relate(ms[best].node, a.node, "located_at")
		}
	}
}

// modify attaches descriptors and sizes to what they describe, within the
// clause:
//   - laterality ("left", "bilateral"): the next body part or finding, else
//     the previous one;
//   - statements of normality ("normal", "clear"): the previous body part or
//     finding ("heart size is normal"), else the next ("normal heart");
//   - sizes: the nearest finding or device;
//   - other descriptors (severity, change, chronicity): the next finding or
//     device, else the previous one, else the nearest body part.
func (x *Extractor) modify(ms []mention, clause []int, b *builder) {
	isFinding := func(m *mention) bool { return m.typ != "concept" && m.typ != "size" && !x.ont.IsAnatomy(m.typ) }
	isThing := func(m *mention) bool { return m.typ != "concept" && m.typ != "size" }
	for di := range ms {
		d := &ms[di]
		if d.typ != "concept" && d.typ != "size" {
			continue
		}
		pick := func(ok func(*mention) bool, forward bool) int {
			if forward {
				for j := di + 1; j < len(ms) && clause[j] == clause[di]; j++ {
					if ok(&ms[j]) && x.allowed("modify", d.typ, ms[j].typ) {
						return j
					}
				}
				return -1
			}
			for j := di - 1; j >= 0 && clause[j] == clause[di]; j-- {
				if ok(&ms[j]) && x.allowed("modify", d.typ, ms[j].typ) {
					return j
				}
			}
			return -1
		}
		target := -1
		switch {
		case d.category == "laterality":
			target = first(pick(isThing, true), pick(isThing, false))
		case d.normal:
			target = first(pick(isThing, false), pick(isThing, true))
		case d.typ == "size":
			before, after := pick(isFinding, false), pick(isFinding, true)
			target = first(before, after)
			if before >= 0 && after >= 0 && dist(d, &ms[after]) < dist(d, &ms[before]) {
				target = after
			}
		default:
			target = first(pick(isFinding, true), pick(isFinding, false), pick(isThing, true), pick(isThing, false))
		}
		if target >= 0 {
			b.relate(d.node, ms[target].node, "modify")
		}
	}
}

func first(idx ...int) int {
	for _, i := range idx {
		if i >= 0 {
			return i
		}
	}
	return -1
}

// suggestive links "A concerning for B" and its kin: the nearest finding
// before the cue suggests the first finding after it.
func (x *Extractor) suggestive(toks []token, ms []mention, b *builder) {
	for i := 0; i < len(toks); i++ {
		_, n := x.suggest.match(toks, i)
		if n == 0 {
			continue
		}
		src, dst := -1, -1
		for j := range ms {
			switch {
			case ms[j].last < i && x.allowed("suggestive_of", ms[j].typ, "disorder"):
				src = j
			case ms[j].first >= i+n && dst < 0 && ms[j].typ == "disorder":
				dst = j
			}
		}
		if src >= 0 && dst >= 0 && x.allowed("suggestive_of", ms[src].typ, ms[dst].typ) {
			b.relate(ms[src].node, ms[dst].node, "suggestive_of")
		}
		i += n - 1
	}
}
