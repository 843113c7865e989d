package neo4j

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kgeval/kgeval/graph"
)

// DiffStatus says how a concept key compares between a document's
// reference and candidate graphs.
type DiffStatus string

// The statuses of a diff row.
const (
	// Matched: the key is on both sides with the same assertion.
	Matched DiffStatus = "matched"
	// AssertionChanged: the key is on both sides, asserted differently
	// (present in the reference, absent in the candidate, ...).
	AssertionChanged DiffStatus = "assertion_changed"
	// Missing: the key is in the reference only.
	Missing DiffStatus = "missing"
	// Invented: the key is in the candidate only.
	Invented DiffStatus = "invented"
)

// DiffRow is one concept key of a diff. Where a side mentions a key more
// than once, its first mention (in document order) stands for it.
type DiffRow struct {
	Key                string          `json:"key"`
	Status             DiffStatus      `json:"status"`
	Type               string          `json:"type"`
	ReferenceText      string          `json:"reference_text,omitempty"`
	CandidateText      string          `json:"candidate_text,omitempty"`
	ReferenceAssertion graph.Assertion `json:"reference_assertion,omitempty"`
	CandidateAssertion graph.Assertion `json:"candidate_assertion,omitempty"`
}

// DiffResult is a graph diff computed in the database, with the query that
// computed it so that users can run it again in Neo4j Browser.
type DiffResult struct {
	Run, Doc string
	// HasReference and HasCandidate say which sides are stored.
	HasReference, HasCandidate bool
	// Rows are the reference's keys in document order, then the keys only
	// the candidate has, in its document order.
	Rows []DiffRow
	// Query is the Cypher text and Params its parameters (run, doc).
	Query  string
	Params map[string]any
}

// DiffQuery compares a document's reference and candidate entities by
// concept key. It is constant: the run and document are parameters.
const DiffQuery = `MATCH (e:Entity {run_id: $run, doc_id: $doc})
WHERE e.role IN ['reference', 'candidate'] AND e.id IS NOT NULL
WITH e ORDER BY e.ord
WITH e.key AS key, e.role AS role, collect(e)[0] AS first
WITH key, collect(first) AS sides
WITH key,
     [x IN sides WHERE x.role = 'reference'][0] AS ref,
     [x IN sides WHERE x.role = 'candidate'][0] AS cand
RETURN key,
       CASE
         WHEN cand IS NULL THEN 'missing'
         WHEN ref IS NULL THEN 'invented'
         WHEN ref.assertion <> cand.assertion THEN 'assertion_changed'
         ELSE 'matched'
       END AS status,
       coalesce(ref.type, cand.type) AS type,
       ref.text AS reference_text, cand.text AS candidate_text,
       ref.assertion AS reference_assertion, cand.assertion AS candidate_assertion
ORDER BY CASE WHEN ref IS NULL THEN 1 ELSE 0 END, coalesce(ref.ord, cand.ord), key`

const diffSidesQuery = `MATCH (d:Document {run_id: $run, doc_id: $doc})
WHERE d.role IN ['reference', 'candidate']
RETURN collect(d.role) AS roles`

// Diff compares the reference and candidate graphs of one document of a
// run, by concept key, in Cypher. It returns an error wrapping
// graph.ErrNotFound when the run holds neither side of the document.
func (s *Store) Diff(ctx context.Context, run, doc string) (*DiffResult, error) {
	params := map[string]any{"run": run, "doc": doc}
	res, err := s.read(ctx, diffSidesQuery, params)
	if err != nil {
		return nil, fmt.Errorf("neo4j diff run %s %s: %w", run, doc, err)
	}
	d := &DiffResult{Run: run, Doc: doc, Query: DiffQuery, Params: map[string]any{"run": run, "doc": doc}, Rows: []DiffRow{}}
	if len(res.Records) == 1 {
		roles, _ := res.Records[0].Get("roles")
		l, _ := roles.([]any)
		for _, r := range l {
			switch r {
			case string(graph.Reference):
				d.HasReference = true
			case string(graph.Candidate):
				d.HasCandidate = true
			}
		}
	}
	if !d.HasReference && !d.HasCandidate {
		return nil, fmt.Errorf("run %s document %s: %w", run, doc, graph.ErrNotFound)
	}
	res, err = s.read(ctx, DiffQuery, params)
	if err != nil {
		return nil, fmt.Errorf("neo4j diff run %s %s: %w", run, doc, err)
	}
	for _, rec := range res.Records {
		dec := decoder{m: rec.AsMap()}
		d.Rows = append(d.Rows, DiffRow{
			Key:                dec.str("key"),
			Status:             DiffStatus(dec.str("status")),
			Type:               dec.str("type"),
			ReferenceText:      dec.str("reference_text"),
			CandidateText:      dec.str("candidate_text"),
			ReferenceAssertion: graph.Assertion(dec.str("reference_assertion")),
			CandidateAssertion: graph.Assertion(dec.str("candidate_assertion")),
		})
		if dec.err != nil {
			return nil, fmt.Errorf("neo4j diff run %s %s: %w", run, doc, dec.err)
		}
	}
	return d, nil
}

// Browser returns the diff's query ready to paste into Neo4j Browser: a
// :params line setting the parameters, then the query.
func (d *DiffResult) Browser() string {
	return BrowserText(d.Query, d.Params)
}

// BrowserText renders a query and its string or integer parameters for
// Neo4j Browser: ":params {name: 'value', ...}", a blank line, the query.
// Values are written as Cypher literals with quotes and control characters
// escaped, so the text pasted is the data stored, never more Cypher.
func BrowserText(query string, params map[string]any) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(":params {")
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		if nameRE.MatchString(k) {
			b.WriteString(k)
		} else {
			b.WriteString("`" + strings.ReplaceAll(k, "`", "``") + "`")
		}
		b.WriteString(": ")
		b.WriteString(CypherLiteral(params[k]))
	}
	b.WriteString("}\n\n")
	b.WriteString(query)
	b.WriteString("\n")
	return b.String()
}

// CypherLiteral writes a string, integer, float, bool or nil value as a
// Cypher literal; strings are single-quoted with \, ', and control
// characters escaped.
func CypherLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		var b strings.Builder
		b.WriteByte('\'')
		for _, r := range x {
			switch r {
			case '\\':
				b.WriteString(`\\`)
			case '\'':
				b.WriteString(`\'`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
					fmt.Fprintf(&b, `\u%04X`, r)
				} else {
					b.WriteRune(r)
				}
			}
		}
		b.WriteByte('\'')
		return b.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return fmt.Sprint(x)
	case int64:
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprint(x)
	default:
		return CypherLiteral(fmt.Sprint(x))
	}
}
