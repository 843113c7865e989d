package llm

import (
	"sort"
	"strconv"
	"strings"

	"github.com/kgeval/kgeval/graph"
)

// chunk is a contiguous piece of a document: Text is doc[Start:Start+len(Text)].
type chunk struct {
	Start int
	Text  string
}

// split cuts text into chunks of at most max bytes, on sentence ends,
// preferring section headings as cut points and repeating up to overlap
// bytes of whole sentences at the start of the next chunk, so that a
// relation that spans a cut is still seen whole once. A sentence longer
// than max is cut at white space. max <= 0 never splits.
func split(text string, headings []string, max, overlap int) []chunk {
	if max <= 0 || len(text) <= max {
		return []chunk{{0, text}}
	}
	type piece struct {
		start, end int
		section    bool // starts a new section
	}
	// Pieces cover the text without gaps: each sentence runs to the start of
	// the next, so headings and white space stay with a piece.
	sents := sentences(text, headings)
	var ps []piece
	for i, s := range sents {
		start := 0
		if i > 0 {
			start = sents[i-1].End
		}
		end := s.End
		if i == len(sents)-1 {
			end = len(text)
		}
		newSection := i > 0 && s.Section != sents[i-1].Section
		for end-start > max {
			cut := cutAtSpace(text, start, start+max)
			ps = append(ps, piece{start, cut, newSection})
			newSection = false
			start = cut
		}
		ps = append(ps, piece{start, end, newSection})
	}
	if len(ps) == 0 {
		return []chunk{{0, text}}
	}
	var out []chunk
	for i := 0; i < len(ps); {
		j := i + 1
		for j < len(ps) && ps[j].end-ps[i].start <= max {
			j++
		}
		// Prefer a section boundary past the middle of the chunk.
		if j < len(ps) {
			for k := j - 1; k > i; k-- {
				if ps[k].section && ps[k].start-ps[i].start >= max/2 {
					j = k
					break
				}
			}
		}
		out = append(out, chunk{ps[i].start, text[ps[i].start:ps[j-1].end]})
		if j == len(ps) {
			break
		}
		// The next chunk starts with whole sentences from the end of this
		// one, up to overlap bytes, unless the cut is at a new section.
		next := j
		if !ps[j].section {
			for next > i+1 && ps[j-1].end-ps[next-1].start <= overlap && ps[j].end-ps[next-1].start <= max {
				next--
			}
		}
		i = next
	}
	return out
}

// cutAtSpace returns a cut point in (start, limit]: after the last white
// space, or limit when there is none. It never cuts inside a UTF-8
// sequence.
func cutAtSpace(text string, start, limit int) int {
	if i := strings.LastIndexAny(text[start:limit], " \n\t"); i > 0 {
		return start + i + 1
	}
	for limit > start+1 && !utf8Start(text[limit]) {
		limit--
	}
	return limit
}

// merge joins the chunk results of one document into its graph. Entities
// at the same place with the same type and assertion (seen twice in an
// overlap) become one; entities are ordered by position and numbered e1,
// e2, ...; relations are renamed and deduplicated.
func merge(id, text string, parts []*result) *graph.Graph {
	type node struct {
		e    graph.Entity
		part int
	}
	var nodes []node
	for p, r := range parts {
		for _, e := range r.entities {
			nodes = append(nodes, node{e, p})
		}
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].e.Span[0] < nodes[j].e.Span[0] })
	g := &graph.Graph{ID: id, Text: text, Entities: []graph.Entity{}, Relations: []graph.Relation{}}
	type ref struct {
		part int
		id   string
	}
	rename := map[ref]string{}
	same := map[string]string{} // span, type, assertion → new id
	for _, n := range nodes {
		k := strconv.Itoa(n.e.Span[0]) + ":" + strconv.Itoa(n.e.Span[1]) + "\x00" + n.e.Type + "\x00" + string(n.e.Assertion)
		if nid, ok := same[k]; ok {
			rename[ref{n.part, n.e.ID}] = nid
			continue
		}
		nid := "e" + strconv.Itoa(len(g.Entities)+1)
		same[k] = nid
		rename[ref{n.part, n.e.ID}] = nid
		e := n.e
		e.ID = nid
		g.Entities = append(g.Entities, e)
	}
	seen := map[graph.Relation]bool{}
	for p, r := range parts {
		for _, rel := range r.relations {
			nr := graph.Relation{Source: rename[ref{p, rel.Source}], Target: rename[ref{p, rel.Target}], Type: rel.Type}
			if nr.Source == nr.Target || seen[nr] {
				continue
			}
			seen[nr] = true
			g.Relations = append(g.Relations, nr)
		}
	}
	return g
}

// sentence is a [Start, End) range of a document with its section.
type sentence struct {
	Start, End int
	Section    string
}

// sentences splits text where a sentence ends (., ! or ? before white
// space, or a blank line) and where a section heading ("FINDINGS:") starts.
// It only chooses cut points, so it need not be clever: a cut inside a
// sentence costs at most a relation, and the overlap brings it back.
func sentences(text string, headings []string) []sentence {
	var out []sentence
	section, start := "", 0
	emit := func(end int) {
		s, e := start, end
		for s < e && isSpace(text[s]) {
			s++
		}
		for e > s && isSpace(text[e-1]) {
			e--
		}
		if e > s {
			out = append(out, sentence{s, e, section})
		}
		start = end
	}
	atStart := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		if atStart && !isSpace(c) {
			atStart = false
			if h := heading(text[i:], headings); h != "" {
				emit(i)
				section = h
			}
		}
		switch {
		case c == '\n' && i+1 < len(text) && text[i+1] == '\n':
			emit(i + 1)
			atStart = true
		case (c == '.' || c == '!' || c == '?') && (i+1 == len(text) || isSpace(text[i+1])):
			emit(i + 1)
			atStart = true
		}
	}
	emit(len(text))
	return out
}

// heading returns the lower-cased heading s starts with ("findings" for
// "FINDINGS: ..."), or "".
func heading(s string, headings []string) string {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || colon > 40 {
		return ""
	}
	h := strings.ToLower(strings.Join(strings.Fields(s[:colon]), " "))
	for _, k := range headings {
		if h == strings.ToLower(k) {
			return h
		}
	}
	return ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }
