// Package storetest is the contract every graph.Store must keep: one suite
// of tests run against the in-memory store and against each adapter
// (Neo4j), so that they cannot drift apart.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kgeval/kgeval/graph"
)

// Injection is a document text (and entity text) full of Cypher. A store
// must keep it as data: it round-trips unchanged and the store's other
// contents survive it.
const Injection = "'}) MATCH (n) DETACH DELETE n //\n\"}) MATCH (n) DETACH DELETE n RETURN 1 //`) ; DROP CONSTRAINT x; \\' $run {run_id: 'x'}"

// The suite's graphs use the entity types anatomy and disorder and the
// relation types located_at and modify, which exist in the built-in
// radiology ontology, so that adapters that check types against an
// ontology accept them.

// RunID returns a run id unique to this test and process, so that suites
// running at the same time against one database never share data.
func RunID(t testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return "storetest-" + name + "-" + hex.EncodeToString(b[:])
}

// Run runs the contract suite. newStore returns a store to test; each
// subtest calls it once, uses its own run ids, and deletes them at the end.
func Run(t *testing.T, newStore func(t *testing.T) graph.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s graph.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"ListOrderedByID", testListOrder},
		{"PutTwiceSameCounts", testPutTwice},
		{"PutReplaces", testPutReplaces},
		{"PutLastWinsInOneCall", testLastWins},
		{"RolesAreSeparate", testRoles},
		{"RunsAreSeparate", testRuns},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"CypherAsData", testCypherAsData},
		{"ReturnsCopies", testCopies},
		{"EmptyRunID", testEmptyRun},
		{"CanceledContext", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// cleanup deletes the runs when the test ends.
func cleanup(t *testing.T, s graph.Store, runs ...string) {
	t.Cleanup(func() {
		for _, run := range runs {
			if err := s.Delete(context.Background(), run); err != nil {
				t.Errorf("cleanup: delete %s: %v", run, err)
			}
		}
	})
}

func span(a, b int) *graph.Span { s := graph.Span{a, b}; return &s }

// Report is a graph using every field a store keeps: unicode, spans
// (including an empty one at 0), measures, counts, weights, a repeated
// key, duplicate relations and an entity order that is not sorted by id.
func Report(id string) *graph.Graph {
	text := "Kleiner Pleuraerguss links — 1,5 × 2 cm Rundherd im rechten Oberlappen; kein Pneumothorax. 肺结节 😷"
	return &graph.Graph{
		ID:   id,
		Text: text,
		Entities: []graph.Entity{
			{ID: "e9", Text: "Pleuraerguss", Type: "disorder", Assertion: graph.Present, Key: "finding/pleural_effusion", Span: span(8, 20), Weight: 1.5},
			{ID: "e10", Text: "links", Type: "anatomy", Assertion: graph.Present, Key: "anatomy/left", Span: span(21, 26)},
			{ID: "e1", Text: "Rundherd", Type: "disorder", Assertion: graph.Uncertain, Key: "finding/nodule", Span: span(42, 50),
				Measure: &graph.Measure{Values: []float64{15, 20}, Unit: "mm"}, Count: 3},
			{ID: "a", Text: "rechten Oberlappen", Type: "anatomy", Assertion: graph.Present, Key: "anatomy/right_upper_lobe"},
			{ID: "e2", Text: "Pneumothorax", Type: "disorder", Assertion: graph.Absent, Key: "finding/pneumothorax", Span: span(0, 0)},
			{ID: "ünï", Text: "肺结节 😷", Type: "disorder", Assertion: graph.Present, Key: "finding/nodule",
				Measure: &graph.Measure{Values: []float64{0.1, 1e-9, 12345.678}, Unit: "mm"}, Weight: 0.25},
		},
		Relations: []graph.Relation{
			{Source: "e9", Target: "e10", Type: "located_at"},
			{Source: "e1", Target: "a", Type: "located_at", Count: 2},
			{Source: "e10", Target: "e9", Type: "modify"},
			{Source: "e1", Target: "a", Type: "located_at"},
			{Source: "ünï", Target: "e1", Type: "modify"},
		},
	}
}

// Empty is a graph with no entities and no relations.
func Empty(id string) *graph.Graph {
	return &graph.Graph{ID: id, Text: "Keine Auffälligkeiten.", Entities: []graph.Entity{}, Relations: []graph.Relation{}}
}

// Equal reports whether two graphs hold the same data, treating nil and
// empty slices alike, and describes the first difference.
func Equal(want, got *graph.Graph) (bool, string) {
	w, g := canonical(want), canonical(got)
	if reflect.DeepEqual(w, g) {
		return true, ""
	}
	switch {
	case w.ID != g.ID:
		return false, fmt.Sprintf("id %q, want %q", g.ID, w.ID)
	case w.Text != g.Text:
		return false, fmt.Sprintf("text %q, want %q", g.Text, w.Text)
	case len(w.Entities) != len(g.Entities):
		return false, fmt.Sprintf("%d entities, want %d", len(g.Entities), len(w.Entities))
	case len(w.Relations) != len(g.Relations):
		return false, fmt.Sprintf("%d relations, want %d", len(g.Relations), len(w.Relations))
	}
	for i := range w.Entities {
		if !reflect.DeepEqual(w.Entities[i], g.Entities[i]) {
			return false, fmt.Sprintf("entities[%d] = %s, want %s", i, show(g.Entities[i]), show(w.Entities[i]))
		}
	}
	for i := range w.Relations {
		if w.Relations[i] != g.Relations[i] {
			return false, fmt.Sprintf("relations[%d] = %+v, want %+v", i, g.Relations[i], w.Relations[i])
		}
	}
	return false, "graphs differ"
}

func show(e graph.Entity) string {
	s := fmt.Sprintf("%+v", e)
	if e.Span != nil {
		s += fmt.Sprintf(" span=%v", *e.Span)
	}
	if e.Measure != nil {
		s += fmt.Sprintf(" measure=%+v", *e.Measure)
	}
	return s
}

func canonical(g *graph.Graph) *graph.Graph {
	if g == nil {
		return nil
	}
	c := *g
	c.Entities = make([]graph.Entity, len(g.Entities))
	for i, e := range g.Entities {
		if e.Measure != nil {
			m := *e.Measure
			if len(m.Values) == 0 {
				m.Values = nil
			}
			e.Measure = &m
		}
		c.Entities[i] = e
	}
	c.Relations = append([]graph.Relation{}, g.Relations...)
	return &c
}

func mustPut(t *testing.T, s graph.Store, run string, role graph.Role, gs ...*graph.Graph) {
	t.Helper()
	if err := s.Put(context.Background(), run, role, gs); err != nil {
		t.Fatalf("put %s %s: %v", run, role, err)
	}
}

func mustList(t *testing.T, s graph.Store, run string, role graph.Role) []*graph.Graph {
	t.Helper()
	gs, err := s.List(context.Background(), run, role)
	if err != nil {
		t.Fatalf("list %s %s: %v", run, role, err)
	}
	return gs
}

func checkGet(t *testing.T, s graph.Store, run string, role graph.Role, want *graph.Graph) {
	t.Helper()
	got, err := s.Get(context.Background(), run, role, want.ID)
	if err != nil {
		t.Fatalf("get %s %s %s: %v", run, role, want.ID, err)
	}
	if ok, diff := Equal(want, got); !ok {
		t.Errorf("get %s %s %s: %s", run, role, want.ID, diff)
	}
}

func checkList(t *testing.T, s graph.Store, run string, role graph.Role, want ...*graph.Graph) {
	t.Helper()
	got := mustList(t, s, run, role)
	if len(got) != len(want) {
		ids := make([]string, len(got))
		for i, g := range got {
			ids[i] = g.ID
		}
		t.Fatalf("list %s %s: %d graphs %q, want %d", run, role, len(got), ids, len(want))
	}
	for i := range want {
		if ok, diff := Equal(want[i], got[i]); !ok {
			t.Errorf("list %s %s [%d]: %s", run, role, i, diff)
		}
	}
}

func countAll(gs []*graph.Graph) (entities, relations int) {
	for _, g := range gs {
		entities += len(g.Entities)
		relations += len(g.Relations)
	}
	return
}

func testRoundTrip(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	full, empty := Report("report-1"), Empty("report-0")
	noText := Report("report-2")
	noText.Text = ""
	bare := &graph.Graph{ID: "report-3"} // nil slices
	mustPut(t, s, run, graph.Reference, full, empty, noText, bare)
	for _, g := range []*graph.Graph{full, empty, noText, bare} {
		checkGet(t, s, run, graph.Reference, g)
	}
	checkList(t, s, run, graph.Reference, empty, full, noText, bare)
	if ok, _ := Equal(Report("report-1"), full); !ok {
		t.Error("Put modified its argument")
	}
}

func testListOrder(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	ids := []string{"b", "a10", "a2", "A", "é", "z", "0", "\U0001F637", "\uFF5E", "a"}
	var gs []*graph.Graph
	for _, id := range ids {
		gs = append(gs, Report(id))
	}
	// Two calls, so order cannot come from one batch.
	mustPut(t, s, run, graph.Candidate, gs[:3]...)
	mustPut(t, s, run, graph.Candidate, gs[3:]...)
	got := mustList(t, s, run, graph.Candidate)
	var gotIDs []string
	for _, g := range got {
		gotIDs = append(gotIDs, g.ID)
	}
	// Byte order of the ids, as sort.Strings gives: by code point, so a
	// character outside the BMP sorts after U+FF5E (UTF-16 order would
	// put it first).
	want := []string{"0", "A", "a", "a10", "a2", "b", "z", "é", "\uFF5E", "\U0001F637"}
	if !reflect.DeepEqual(gotIDs, want) {
		t.Errorf("list order %q, want %q", gotIDs, want)
	}
}

func testPutTwice(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	gs := []*graph.Graph{Report("d1"), Report("d2"), Empty("d3")}
	mustPut(t, s, run, graph.Reference, gs...)
	e1, r1 := countAll(mustList(t, s, run, graph.Reference))
	mustPut(t, s, run, graph.Reference, gs...)
	got := mustList(t, s, run, graph.Reference)
	e2, r2 := countAll(got)
	if len(got) != 3 || e1 != e2 || r1 != r2 {
		t.Errorf("after a second put: %d graphs, %d entities, %d relations; want 3, %d, %d", len(got), e2, r2, e1, r1)
	}
	if e1 != 12 || r1 != 10 {
		t.Errorf("after a put: %d entities, %d relations; want 12, 10", e1, r1)
	}
	checkList(t, s, run, graph.Reference, gs...)
}

func testPutReplaces(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	mustPut(t, s, run, graph.Candidate, Report("d1"), Report("d2"))
	smaller := &graph.Graph{
		ID:   "d1",
		Text: "new text",
		Entities: []graph.Entity{
			{ID: "e1", Text: "effusion", Type: "disorder", Assertion: graph.Absent, Key: "finding/pleural_effusion"},
		},
	}
	mustPut(t, s, run, graph.Candidate, smaller)
	checkGet(t, s, run, graph.Candidate, smaller)
	checkList(t, s, run, graph.Candidate, smaller, Report("d2"))
	// Replacing with an empty graph keeps the document.
	mustPut(t, s, run, graph.Candidate, Empty("d2"))
	checkList(t, s, run, graph.Candidate, smaller, Empty("d2"))
}

func testLastWins(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	first, second := Report("d1"), Empty("d1")
	second.Text = "second"
	mustPut(t, s, run, graph.Reference, first, second)
	checkList(t, s, run, graph.Reference, second)
}

func testRoles(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	ref, cand := Report("d1"), Empty("d1")
	mustPut(t, s, run, graph.Reference, ref)
	mustPut(t, s, run, graph.Candidate, cand)
	checkGet(t, s, run, graph.Reference, ref)
	checkGet(t, s, run, graph.Candidate, cand)
	// Replacing one role leaves the other alone.
	mustPut(t, s, run, graph.Candidate, Report("d1"))
	checkGet(t, s, run, graph.Reference, ref)
	checkList(t, s, run, graph.Candidate, Report("d1"))
}

func testRuns(t *testing.T, s graph.Store) {
	a, b := RunID(t), RunID(t)
	cleanup(t, s, a, b)
	mustPut(t, s, a, graph.Reference, Report("d1"))
	mustPut(t, s, b, graph.Reference, Empty("d1"), Report("d2"))
	checkList(t, s, a, graph.Reference, Report("d1"))
	checkList(t, s, b, graph.Reference, Empty("d1"), Report("d2"))
	if err := s.Delete(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	checkList(t, s, a, graph.Reference, Report("d1"))
	checkList(t, s, b, graph.Reference)
}

func testDelete(t *testing.T, s graph.Store) {
	ctx := context.Background()
	run := RunID(t)
	cleanup(t, s, run)
	mustPut(t, s, run, graph.Reference, Report("d1"), Empty("d2"))
	mustPut(t, s, run, graph.Candidate, Report("d1"))
	if err := s.Delete(ctx, run); err != nil {
		t.Fatalf("delete: %v", err)
	}
	for _, role := range []graph.Role{graph.Reference, graph.Candidate} {
		checkList(t, s, run, role)
		if _, err := s.Get(ctx, run, role, "d1"); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("get %s d1 after delete: %v, want ErrNotFound", role, err)
		}
	}
	if err := s.Delete(ctx, run); err != nil {
		t.Errorf("deleting a deleted run: %v", err)
	}
	// A deleted run can be pushed again.
	mustPut(t, s, run, graph.Reference, Report("d1"))
	checkList(t, s, run, graph.Reference, Report("d1"))
}

func testNotFound(t *testing.T, s graph.Store) {
	ctx := context.Background()
	run := RunID(t)
	cleanup(t, s, run)
	if _, err := s.Get(ctx, run, graph.Reference, "d1"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("get in an unknown run: %v, want ErrNotFound", err)
	}
	mustPut(t, s, run, graph.Reference, Report("d1"))
	if _, err := s.Get(ctx, run, graph.Reference, "d2"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("get an unknown document: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, run, graph.Candidate, "d1"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("get the other role: %v, want ErrNotFound", err)
	}
	if gs := mustList(t, s, RunID(t), graph.Reference); len(gs) != 0 {
		t.Errorf("list an unknown run: %d graphs, want 0", len(gs))
	}
	if err := s.Delete(ctx, RunID(t)); err != nil {
		t.Errorf("delete an unknown run: %v", err)
	}
}

func testCypherAsData(t *testing.T, s graph.Store) {
	keep, run := RunID(t), RunID(t)
	cleanup(t, s, keep, run)
	mustPut(t, s, keep, graph.Reference, Report("kept"))
	evil := Report(Injection)
	evil.Text = Injection
	evil.Entities[0].Text = Injection
	evil.Entities[0].Key = Injection
	evil.Entities[1].ID = Injection
	evil.Relations[0].Target = Injection
	evil.Relations[2].Source = Injection
	mustPut(t, s, run, graph.Reference, evil)
	checkGet(t, s, run, graph.Reference, evil)
	checkList(t, s, run, graph.Reference, evil)
	checkList(t, s, keep, graph.Reference, Report("kept"))
	// A run id full of Cypher is data too.
	odd := run + Injection
	cleanup(t, s, odd)
	mustPut(t, s, odd, graph.Candidate, Report("d1"))
	checkList(t, s, odd, graph.Candidate, Report("d1"))
	if err := s.Delete(context.Background(), odd); err != nil {
		t.Fatal(err)
	}
	checkList(t, s, keep, graph.Reference, Report("kept"))
	checkList(t, s, run, graph.Reference, evil)
}

func testCopies(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	g := Report("d1")
	mustPut(t, s, run, graph.Reference, g)
	g.Entities[0].Text = "changed after put"
	g.Entities[2].Measure.Values[0] = -1
	got, err := s.Get(context.Background(), run, graph.Reference, "d1")
	if err != nil {
		t.Fatal(err)
	}
	got.Entities[1].Span[0] = 99
	got.Entities[2].Measure.Values[1] = -1
	checkGet(t, s, run, graph.Reference, Report("d1"))
}

func testEmptyRun(t *testing.T, s graph.Store) {
	if err := s.Put(context.Background(), "", graph.Reference, []*graph.Graph{Report("d1")}); err == nil {
		t.Error("put with an empty run id: no error")
	}
}

func testCanceled(t *testing.T, s graph.Store) {
	run := RunID(t)
	cleanup(t, s, run)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{Report("d1")}); err == nil {
		t.Error("put with a canceled context: no error")
	}
	if _, err := s.List(ctx, run, graph.Reference); err == nil {
		t.Error("list with a canceled context: no error")
	}
}
