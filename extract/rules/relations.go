package rules

// Relation patterns within a sentence. Each pattern is enabled by the
// relation type it produces: an ontology that declares located_at gets the
// location patterns, one that declares modify the descriptor patterns, and
// one that declares suggestive_of the "concerning for" patterns. Every
// relation stays within a clause (clauses end at semicolons, colons and
// termination cues such as "but").

// relate finds the relations among one sentence's mentions.
func (x *Extractor) relate(s *sentence) {
	if len(s.ms) < 2 {
		return
	}
	if x.ont.HasRelationType("located_at") {
		x.locate(s)
	}
	if x.ont.HasRelationType("modify") {
		x.modify(s)
	}
	if x.ont.HasRelationType("suggestive_of") {
		x.suggestive(s)
	}
}

func (s *sentence) add(from, to int, typ string) {
	for _, r := range s.rels {
		if r.from == from && r.to == to && r.typ == typ {
			return
		}
	}
	s.rels = append(s.rels, rel{from, to, typ})
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

func (x *Extractor) isAnatomy(m *mention) bool { return x.ont.IsAnatomy(m.typ) }

func isDescriptor(m *mention) bool { return m.typ == "concept" || m.typ == "size" }

// locate links findings, devices and procedures to the body parts where
// they are. For each body part, the first pattern that applies:
//
//   - before a finding, with only descriptors, body parts and at most two
//     other words between: "right lower lobe consolidation", "left apical
//     pneumothorax", "bilateral lower lobe opacities", "bibasilar
//     subsegmental atelectasis";
//   - after a location word ("in", "at", "of", "along", "above", "at the
//     level of": the ontology's location_words rule), with only
//     determiners, descriptors, sizes, other body parts and coordinators
//     between: the nearest finding before the location word, across at most
//     five other words and no trigger: "opacity in the right lower lobe",
//     "tube tip 4 cm above the carina", "catheter with tip in the superior
//     vena cava", "opacities in the bilateral lower lobes", "pneumothorax,
//     measuring 3 cm at the apex";
//     When that finding is said of a device or finding before it ("the
//     tube is coiled in the esophagus"), that one is placed there too;
//   - otherwise a finding said of the body part ("the lungs are
//     hyperinflated") or directly before it ("hyperexpanded lungs").
//
// A body part after a negation cue is not linked to a finding before it:
// "PTX without mediastinal shift", "lungs are clear without evidence of
// consolidation".
func (x *Extractor) locate(s *sentence) {
	for ai := range s.ms {
		a := &s.ms[ai]
		if !x.isAnatomy(a) {
			continue
		}
		t := x.adjectivalTarget(s, ai)
		if t < 0 {
			if t = x.prepositionTarget(s, ai); t >= 0 {
				// "the tube is coiled in the esophagus": the tube is there too.
				if u := x.subjectOf(s, t); u >= 0 && x.allowed("located_at", s.ms[u].typ, a.typ) {
					s.add(u, ai, "located_at")
				}
			}
		}
		if t < 0 {
			t = x.nearbyTarget(s, ai)
		}
		if t >= 0 && x.allowed("located_at", s.ms[t].typ, a.typ) {
			s.add(t, ai, "located_at")
		}
	}
}

// subjectOf is the finding or device of which finding t is said, with
// only copulas and adverbs between: the tube in "the tube is coiled".
func (x *Extractor) subjectOf(s *sentence, t int) int {
	j := s.ms[t].first - 1
	if j < 0 || !copulas[s.toks[j].text] {
		return -1
	}
	for ; j >= 0 && copulas[s.toks[j].text]; j-- {
	}
	if j >= 0 && s.mAt[j] >= 0 && s.ms[s.mAt[j]].last == j && x.isThing(&s.ms[s.mAt[j]]) {
		return s.mAt[j]
	}
	return -1
}

// adjectivalTarget is the finding a body part directly precedes, across
// descriptors, other body parts and at most two other words that are no
// copula, location word, coordinator or clause opener ("bibasilar
// subsegmental atelectasis").
func (x *Extractor) adjectivalTarget(s *sentence, ai int) int {
	words := 0
	for k := ai + 1; k < len(s.ms); k++ {
		for j := s.ms[k-1].last + 1; j < s.ms[k].first; j++ {
			t := s.toks[j].text
			if !isWord(t) || copulas[t] || coordinators[t] || clauseOpeners[t] || determiners[t] ||
				prepositions[t] || s.locStart[j] >= 0 || s.cueAt[j] >= 0 {
				return -1
			}
			if words++; words > 2 {
				return -1
			}
		}
		switch m := &s.ms[k]; {
		case x.isThing(m):
			return k
		case m.typ == "size" || !isDescriptor(m) && !x.isAnatomy(m):
			return -1
		}
	}
	return -1
}

// prepositionTarget is the finding before the location word that leads to
// the body part.
func (x *Extractor) prepositionTarget(s *sentence, ai int) int {
	j, words := s.ms[ai].first-1, 0
	for {
		if j < 0 || s.hardStop(j) || s.trigger(j) {
			return -1
		}
		if s.locStart[j] >= 0 {
			j = s.locStart[j] - 1
			break
		}
		if mi := s.mAt[j]; mi >= 0 {
			if x.isThing(&s.ms[mi]) {
				return -1
			}
			j = s.ms[mi].first - 1
			continue
		}
		t := s.toks[j].text
		if !determiners[t] && !coordinators[t] && t != "," {
			if words++; words > 2 {
				return -1
			}
		}
		j--
	}
	words = 0
	for ; j >= 0; j-- {
		if s.hardStop(j) || s.trigger(j) {
			return -1
		}
		if mi := s.mAt[j]; mi >= 0 {
			if x.isThing(&s.ms[mi]) {
				return mi
			}
			j = s.ms[mi].first
			continue
		}
		if s.locStart[j] >= 0 {
			// A chain of places: "tip in the SVC at the cavoatrial junction".
			j = s.locStart[j]
		}
		if t := s.toks[j].text; !determiners[t] && isWord(t) {
			if words++; words > 5 {
				return -1
			}
		}
	}
	return -1
}

// nearbyTarget is the finding a body part is said to have ("the lungs are
// hyperinflated": only copulas, adverbs and descriptors between) or the
// finding directly before it ("hyperexpanded lungs").
func (x *Extractor) nearbyTarget(s *sentence, ai int) int {
	a := &s.ms[ai]
	if ai > 0 && s.ms[ai-1].last == a.first-1 && x.isThing(&s.ms[ai-1]) {
		return ai - 1
	}
	for j := a.last + 1; j < len(s.toks) && j <= a.last+5; j++ {
		if mi := s.mAt[j]; mi >= 0 {
			if x.isThing(&s.ms[mi]) {
				return mi
			}
			if !isDescriptor(&s.ms[mi]) {
				return -1
			}
			j = s.ms[mi].last
			continue
		}
		if !copulas[s.toks[j].text] {
			return -1
		}
	}
	return -1
}

// copulas link a subject to what is said of it: "the heart is mildly
// enlarged", "lungs appear hyperinflated".
var copulas = map[string]bool{
	"is": true, "are": true, "was": true, "were": true, "be": true, "been": true, "appear": true,
	"appears": true, "appeared": true, "remain": true, "remains": true, "remained": true, "seem": true,
	"seems": true, "become": true, "becomes": true, "became": true, "now": true, "again": true,
	"still": true, "somewhat": true, "very": true, "quite": true, "has": true, "have": true,
	"persistently": true, "diffusely": true,
}

// modify attaches each descriptor and size to what it describes, within
// its clause:
//
//   - a predominant side ("left" in "left greater than right", "larger on
//     the left"): the finding before it, else the next;
//   - a side ("left", "bilateral"): the finding or body part it directly
//     precedes ("left pleural effusion", "bilateral lower lobes"), else the
//     previous one ("effusions bilaterally"), else the next;
//   - a statement of normality ("normal", "clear"): the body part or
//     finding it directly precedes ("normal heart size", "clear lungs"),
//     else the previous one with those coordinated with it ("heart and
//     mediastinum are normal"), else the next;
//   - a position ("tip"): the nearest finding or device before it in the
//     clause ("the tube is in position, with its tip ..."), else the next;
//   - a size: the nearest finding or device, the one before on a tie;
//   - any other descriptor (severity, change, chronicity, position): the
//     finding it directly precedes ("mild bibasilar atelectasis"), else the
//     previous finding ("cardiomegaly is stable", "tube tip is 4 cm above"),
//     else the next finding ("no acute displaced rib fracture"), else a
//     body part in the same order.
//
// "Previous" and "next" (except for sizes) stay within the descriptor's
// phrase: no comma, coordinator or trigger between, at most four other
// words (see phrase).
func (x *Extractor) modify(s *sentence) {
	thing := func(m *mention) bool { return x.isThing(m) }
	place := func(m *mention) bool { return x.isThing(m) || x.isAnatomy(m) }
	anat := func(m *mention) bool { return x.isAnatomy(m) }
	for di := range s.ms {
		d := &s.ms[di]
		if !isDescriptor(d) {
			continue
		}
		ok := func(m *mention) bool { return x.allowed("modify", d.typ, m.typ) }
		var targets []int
		switch {
		case d.predominant:
			targets = one(first(x.near(s, di, -1, thing, ok), x.near(s, di, 1, thing, ok)))
		case d.category == "laterality":
			targets = one(first(x.directlyBefore(s, di, place, ok), x.phrase(s, di, -1, place, ok), x.phrase(s, di, 1, place, ok)))
		case d.normal:
			if t := x.directlyBefore(s, di, place, ok); t >= 0 {
				targets = x.withCoordinated(s, t, 1, place, ok)
			} else if t := x.phrase(s, di, -1, place, ok); t >= 0 {
				targets = x.withCoordinated(s, t, -1, place, ok)
			} else {
				targets = one(x.phrase(s, di, 1, place, ok))
			}
		case d.category == "position":
			targets = one(first(x.near(s, di, -1, thing, ok), x.directlyBefore(s, di, thing, ok), x.phrase(s, di, 1, thing, ok)))
		case d.typ == "size":
			before, after := x.near(s, di, -1, thing, ok), x.near(s, di, 1, thing, ok)
			t := first(before, after)
			if before >= 0 && after >= 0 && dist(d, &s.ms[after]) < dist(d, &s.ms[before]) {
				t = after
			}
			targets = one(t)
		default:
			targets = one(first(x.directlyBefore(s, di, thing, ok), x.phrase(s, di, -1, thing, ok),
				x.phrase(s, di, 1, thing, ok), x.directlyBefore(s, di, anat, ok), x.phrase(s, di, -1, anat, ok),
				x.phrase(s, di, 1, anat, ok)))
		}
		for _, t := range targets {
			s.add(di, t, "modify")
		}
	}
}

func one(i int) []int {
	if i < 0 {
		return nil
	}
	return []int{i}
}

func first(idx ...int) int {
	for _, i := range idx {
		if i >= 0 {
			return i
		}
	}
	return -1
}

func dist(a, b *mention) int {
	if a.first > b.last {
		return a.first - b.last
	}
	return b.first - a.last
}

// directlyBefore is the first mention after mi that satisfies want and ok,
// reached across adjacent descriptors and body parts only.
func (x *Extractor) directlyBefore(s *sentence, mi int, want, ok func(*mention) bool) int {
	for k := mi + 1; k < len(s.ms); k++ {
		m := &s.ms[k]
		if m.first != s.ms[k-1].last+1 {
			return -1
		}
		if want(m) && ok(m) {
			return k
		}
		if !isDescriptor(m) && !x.isAnatomy(m) {
			return -1
		}
	}
	return -1
}

// near is the nearest mention in direction dir within mi's clause that
// satisfies want and ok.
func (x *Extractor) near(s *sentence, mi, dir int, want, ok func(*mention) bool) int {
	c := s.clause[s.ms[mi].first]
	for k := mi + dir; k >= 0 && k < len(s.ms); k += dir {
		m := &s.ms[k]
		if s.clause[m.first] != c {
			return -1
		}
		if want(m) && ok(m) {
			return k
		}
	}
	return -1
}

// phrase is the nearest mention in direction dir that satisfies want and
// ok, reached across other descriptors and body parts, determiners and at
// most four other words, but no coordinator, trigger or clause end, and
// no comma or preposition forwards: "no acute displaced rib fracture" reaches the
// fracture, "no acute infiltrate or pleural effusion" does not reach the
// effusion; "pneumonia, mildly improved" and "tube in position, with its
// tip ..." reach back across the comma, and "tortuous and ectatic" back
// across the coordinator of two descriptors.
func (x *Extractor) phrase(s *sentence, mi, dir int, want, ok func(*mention) bool) int {
	m := &s.ms[mi]
	j := m.last + 1
	if dir < 0 {
		j = m.first - 1
	}
	words := 0
	for ; j >= 0 && j < len(s.toks); j += dir {
		t := s.toks[j].text
		// Backwards, a coordinator after a descriptor joins two of them:
		// "the aorta is tortuous and ectatic".
		joins := dir < 0 && coordinators[t] && j > 0 && s.mAt[j-1] >= 0 && isDescriptor(&s.ms[s.mAt[j-1]])
		if s.hardStop(j) || t == "," && dir > 0 || coordinators[t] && !joins || s.trigger(j) && s.mAt[j] < 0 && !joins {
			return -1
		}
		if k := s.mAt[j]; k >= 0 {
			if n := &s.ms[k]; want(n) && ok(n) {
				return k
			}
			if dir > 0 {
				j = s.ms[k].last
			} else {
				j = s.ms[k].first
			}
			continue
		}
		if dir > 0 && prepositions[t] {
			return -1 // "improved lung volumes with atelectasis"
		}
		if !determiners[t] {
			if words++; words > 4 {
				return -1
			}
		}
	}
	return -1
}

// withCoordinated returns t and the mentions coordinated with it in
// direction dir: "heart, lungs and mediastinum", "heart and mediastinal
// contours".
func (x *Extractor) withCoordinated(s *sentence, t, dir int, want, ok func(*mention) bool) []int {
	out := []int{t}
	for {
		j := s.ms[t].last + 1
		if dir < 0 {
			j = s.ms[t].first - 1
		}
		linked, next := false, -1
		for ; j >= 0 && j < len(s.toks); j += dir {
			tok := s.toks[j].text
			if coordinators[tok] || tok == "," {
				linked = true
				continue
			}
			if determiners[tok] {
				continue
			}
			if mi := s.mAt[j]; mi >= 0 {
				m := &s.ms[mi]
				if linked && want(m) && ok(m) {
					next = mi
				} else if isDescriptor(m) && m.typ != "size" {
					// "small effusions and bilateral opacities": skip the
					// descriptors on either side of the coordinator.
					if dir > 0 {
						j = m.last
					} else {
						j = m.first
					}
					continue
				}
			}
			break
		}
		if next < 0 {
			return out
		}
		out = append(out, next)
		t = next
	}
}

// suggestive links "A concerning for B" and its kin (the ontology's
// suggestive_of rule), and "A, likely B" (suggestive_of_after_comma, only
// after a comma): the nearest finding before the cue in its clause, with
// the findings coordinated with it ("opacities and effusions, consistent
// with edema"), suggests the first disorder after the cue, within three
// words and no comma, with those coordinated with it ("concerning for
// pneumonia or aspiration"). A concept never suggests itself.
func (x *Extractor) suggestive(s *sentence) {
	thing := func(m *mention) bool { return x.isThing(m) }
	toks := s.toks
	for i := 0; i < len(toks); i++ {
		_, n := x.suggest.match(toks, i)
		if n == 0 && i > 0 && toks[i-1].text == "," {
			_, n = x.suggestComma.match(toks, i)
		}
		if n == 0 {
			continue
		}
		src, dst := -1, -1
		for k := range s.ms {
			m := &s.ms[k]
			if m.last < i && s.clause[m.first] == s.clause[i] && x.isThing(m) {
				src = k
			}
		}
		words := 0
		for j := i + n; j < len(toks) && dst < 0; j++ {
			if s.hardStop(j) || toks[j].text == "," {
				break
			}
			if mi := s.mAt[j]; mi >= 0 {
				if x.isThing(&s.ms[mi]) {
					dst = mi
				}
				j = s.ms[mi].last
				continue
			}
			if t := toks[j].text; !determiners[t] && s.cueAt[j] < 0 {
				if words++; words > 3 {
					break
				}
			}
		}
		if src >= 0 && dst >= 0 {
			srcs := x.withCoordinated(s, src, -1, thing, func(*mention) bool { return true })
			dsts := x.withCoordinated(s, dst, 1, thing, func(*mention) bool { return true })
			for _, a := range srcs {
				for _, b := range dsts {
					if s.ms[a].key != s.ms[b].key && x.allowed("suggestive_of", s.ms[a].typ, s.ms[b].typ) {
						s.add(a, b, "suggestive_of")
					}
				}
			}
		}
		i += n - 1
	}
}

// inheritAssertions gives each descriptor the assertion of what it
// modifies: "no large effusion" denies the size with the effusion,
// "possible small effusion" hedges both, and the side in "no effusion at
// the left base" stays present with the base. A descriptor that modifies
// nothing keeps the assertion of its own scope.
func (x *Extractor) inheritAssertions(s *sentence) {
	for _, r := range s.rels {
		if r.typ != "modify" {
			continue
		}
		if d, t := &s.ms[r.from], &s.ms[r.to]; isDescriptor(d) {
			d.assertion = t.assertion
		}
	}
}
