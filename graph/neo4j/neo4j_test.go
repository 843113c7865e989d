package neo4j_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	neo4jdriver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/kgeval/kgeval/graph"
	kgneo4j "github.com/kgeval/kgeval/graph/neo4j"
	"github.com/kgeval/kgeval/graph/storetest"
	"github.com/kgeval/kgeval/ontology"
)

// The tests below the contract suite need a server: NEO4J_URI (and
// NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE), as printed by
// `eval "$(scripts/neo4j start)"`. Without one they skip, unless
// KGEVAL_NEO4J_REQUIRED=1 (as in .ci/run), where they fail.

var (
	driverOnce sync.Once
	driver     neo4jdriver.DriverWithContext
	driverErr  error
)

func config() kgneo4j.Config {
	return kgneo4j.Config{
		URI:      os.Getenv("NEO4J_URI"),
		User:     os.Getenv("NEO4J_USER"),
		Password: os.Getenv("NEO4J_PASSWORD"),
		Database: os.Getenv("NEO4J_DATABASE"),
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if driver != nil {
		_ = driver.Close(context.Background())
	}
	os.Exit(code)
}

// server returns the shared driver, or skips (fails when required).
func server(t *testing.T) neo4jdriver.DriverWithContext {
	t.Helper()
	driverOnce.Do(func() {
		cfg := config()
		if cfg.URI == "" {
			driverErr = errors.New("NEO4J_URI is not set")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		driver, driverErr = kgneo4j.Connect(ctx, cfg)
	})
	if driverErr != nil {
		if os.Getenv("KGEVAL_NEO4J_REQUIRED") == "1" {
			t.Fatalf("KGEVAL_NEO4J_REQUIRED=1 but Neo4j is unreachable: %v", driverErr)
		}
		t.Skipf("no Neo4j server (%v); start one with: eval \"$(scripts/neo4j start)\"", driverErr)
	}
	return driver
}

func radiology(t *testing.T) *ontology.Ontology {
	t.Helper()
	o, err := ontology.Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func newStore(t *testing.T, opts ...kgneo4j.Option) *kgneo4j.Store {
	t.Helper()
	s, err := kgneo4j.New(server(t), config().Database, radiology(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cleanup(t *testing.T, s graph.Store, run string) {
	t.Cleanup(func() {
		if err := s.Delete(context.Background(), run); err != nil {
			t.Errorf("cleanup: delete %s: %v", run, err)
		}
	})
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) graph.Store { return newStore(t) })
}

// The contract again with tiny chunks, so that every graph and most
// documents cross a transaction boundary.
func TestStoreContractSmallChunks(t *testing.T) {
	storetest.Run(t, func(t *testing.T) graph.Store { return newStore(t, kgneo4j.WithChunkRows(3)) })
}

func synthetic(n int) []*graph.Graph {
	gs := make([]*graph.Graph, n)
	for i := range gs {
		gs[i] = storetest.Report(fmt.Sprintf("doc-%04d", i))
	}
	return gs
}

func TestPutTwiceCountsInDatabase(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, kgneo4j.WithChunkRows(50))
	run := storetest.RunID(t)
	cleanup(t, s, run)
	gs := synthetic(40)
	if err := s.Put(ctx, run, graph.Reference, gs); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, run, graph.Candidate, gs[:10]); err != nil {
		t.Fatal(err)
	}
	// storetest.Report has 6 entities and 5 relations.
	want := kgneo4j.Counts{Documents: 50, Entities: 300, Relationships: 250}
	for i := 0; i < 2; i++ {
		got, err := s.Count(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("after push %d: counts %+v, want %+v", i+1, got, want)
		}
		if err := s.Put(ctx, run, graph.Reference, gs); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, run); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Count(ctx, run); got != (kgneo4j.Counts{}) {
		t.Errorf("after delete: counts %+v, want zero", got)
	}
}

func TestPutSeqResumes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, kgneo4j.WithChunkRows(30)) // about 2 graphs a chunk
	run := storetest.RunID(t)
	cleanup(t, s, run)
	gs := synthetic(10)
	boom := errors.New("reader failed")
	n, err := s.PutSeq(ctx, run, graph.Candidate, func(yield func(*graph.Graph, error) bool) {
		for i, g := range gs {
			if i == 7 {
				yield(nil, boom)
				return
			}
			if !yield(g, nil) {
				return
			}
		}
	})
	if !errors.Is(err, boom) || n != 7 {
		t.Fatalf("interrupted push: %d written, %v; want 7, %v", n, err, boom)
	}
	if got, _ := s.List(ctx, run, graph.Candidate); len(got) != 7 {
		t.Fatalf("after an interrupted push: %d graphs, want 7", len(got))
	}
	if err := s.Put(ctx, run, graph.Candidate, gs); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, run, graph.Candidate)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(gs) {
		t.Fatalf("after the push again: %d graphs, want %d", len(got), len(gs))
	}
	for i := range gs {
		if ok, diff := storetest.Equal(gs[i], got[i]); !ok {
			t.Errorf("graph %d: %s", i, diff)
		}
	}
}

func TestListPages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	gs := synthetic(601) // more than two pages of 250
	for i, g := range gs {
		g.Entities = g.Entities[:1]
		g.Entities[0].ID = fmt.Sprint("e", i)
		g.Relations = nil
	}
	if err := s.Put(ctx, run, graph.Reference, gs); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, run, graph.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(gs) {
		t.Fatalf("%d graphs, want %d", len(got), len(gs))
	}
	for i := range gs {
		if ok, diff := storetest.Equal(gs[i], got[i]); !ok {
			t.Fatalf("graph %d: %s", i, diff)
		}
	}
}

func TestInvalidGraphWritesNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	bad := storetest.Report("d2")
	bad.Entities[0].Type = "Document`) DETACH DELETE n //"
	err := s.Put(ctx, run, graph.Reference, []*graph.Graph{storetest.Report("d1"), bad})
	var ve *graph.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("put with an unknown entity type: %v, want a *graph.ValidationError", err)
	}
	badRel := storetest.Report("d3")
	badRel.Relations[0].Type = "KNOWS"
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{badRel}); !errors.As(err, &ve) {
		t.Fatalf("put with an unknown relation type: %v, want a *graph.ValidationError", err)
	}
	if c, err := s.Count(ctx, run); err != nil || c != (kgneo4j.Counts{}) {
		t.Errorf("after rejected puts: %+v, %v; want nothing written", c, err)
	}
	if err := s.Put(ctx, run, "judge", []*graph.Graph{storetest.Report("d1")}); err == nil {
		t.Error("put with role judge: no error")
	}
}

func TestLabelsAndTypes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{storetest.Report("d1")}); err != nil {
		t.Fatal(err)
	}
	res, err := neo4jdriver.ExecuteQuery(ctx, server(t), `
MATCH (e:Entity {run_id: $run})
WITH e ORDER BY e.ord
WITH collect([x IN labels(e) | x]) AS labels
MATCH (:Entity {run_id: $run})-[r]->()
WITH labels, r ORDER BY r.ord
RETURN labels, collect(type(r)) AS types`,
		map[string]any{"run": run}, neo4jdriver.EagerResultTransformer,
		neo4jdriver.ExecuteQueryWithDatabase(config().Database))
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Records[0].AsMap()
	var labels []string
	for _, l := range rec["labels"].([]any) {
		var ls []string
		for _, x := range l.([]any) {
			ls = append(ls, x.(string))
		}
		// labels() order is not specified.
		if len(ls) == 2 && ls[0] != "Entity" {
			ls[0], ls[1] = ls[1], ls[0]
		}
		labels = append(labels, strings.Join(ls, ":"))
	}
	wantLabels := []string{"Entity:disorder", "Entity:anatomy", "Entity:disorder", "Entity:anatomy", "Entity:disorder", "Entity:disorder"}
	if !reflect.DeepEqual(labels, wantLabels) {
		t.Errorf("labels %q, want %q", labels, wantLabels)
	}
	var types []string
	for _, x := range rec["types"].([]any) {
		types = append(types, x.(string))
	}
	wantTypes := []string{"located_at", "located_at", "modify", "located_at", "modify"}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("relationship types %q, want %q", types, wantTypes)
	}
}

// labels returns each entity's labels, in entity order, as "Entity:type".
func labels(t *testing.T, run string) []string {
	t.Helper()
	res, err := neo4jdriver.ExecuteQuery(context.Background(), server(t), `
MATCH (e:Entity {run_id: $run})
RETURN e.id AS id, labels(e) AS labels ORDER BY e.role, e.doc_id, e.ord`,
		map[string]any{"run": run}, neo4jdriver.EagerResultTransformer,
		neo4jdriver.ExecuteQueryWithDatabase(config().Database))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Records {
		l, _ := r.Get("labels")
		var ls []string
		for _, x := range l.([]any) {
			if x != "Entity" {
				ls = append(ls, x.(string))
			}
		}
		out = append(out, "Entity:"+strings.Join(ls, ":"))
	}
	return out
}

// A graph pushed over a different one under the same id is replaced in
// place: changed types relabel, moved relations are rewritten, what is
// gone is deleted, and nothing is left behind.
func TestReplaceInPlace(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{storetest.Report("d1"), storetest.Report("d2")}); err != nil {
		t.Fatal(err)
	}
	g := storetest.Report("d1")
	g.Entities[1].Type = "disorder"                        // e10: anatomy -> disorder
	g.Entities[2].Measure = nil                            // e1: measure removed
	g.Entities[2].Count = 0                                // e1: count removed
	g.Entities[0].Weight = 0                               // e9: weight removed
	g.Entities[0].Span = nil                               // e9: span removed
	g.Entities = append(g.Entities[:3], g.Entities[4:]...) // "a" removed (with its relations)
	g.Relations = []graph.Relation{
		{Source: "e9", Target: "e1", Type: "located_at"},        // ord 0: new target
		{Source: "e10", Target: "e9", Type: "suggestive_of"},    // ord 1: new
		{Source: "e10", Target: "e9", Type: "modify", Count: 4}, // ord 2: was ord 2 already, count added
	}
	g.Entities = append(g.Entities, graph.Entity{ID: "new", Text: "neu", Type: "device", Assertion: graph.Present, Key: "device/x"})
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{g}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, run, graph.Reference, "d1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, diff := storetest.Equal(g, got); !ok {
		t.Errorf("replaced graph: %s", diff)
	}
	if ok, diff := storetest.Equal(storetest.Report("d2"), mustGet(t, s, run, "d2")); !ok {
		t.Errorf("other graph: %s", diff)
	}
	wantLabels := []string{
		"Entity:disorder", "Entity:disorder", "Entity:disorder", "Entity:disorder", "Entity:disorder", "Entity:device", // d1
		"Entity:disorder", "Entity:anatomy", "Entity:disorder", "Entity:anatomy", "Entity:disorder", "Entity:disorder", // d2
	}
	if got := labels(t, run); !reflect.DeepEqual(got, wantLabels) {
		t.Errorf("labels %q, want %q", got, wantLabels)
	}
	c, err := s.Count(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if want := (kgneo4j.Counts{Documents: 2, Entities: 12, Relationships: 8}); c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
}

// A graph pushed again unchanged is skipped; any change at all is written.
func TestSmallChangesAreWritten(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	put := func(g *graph.Graph) {
		t.Helper()
		if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{g}); err != nil {
			t.Fatal(err)
		}
		if ok, diff := storetest.Equal(g, mustGet(t, s, run, g.ID)); !ok {
			t.Errorf("after put: %s", diff)
		}
	}
	g := storetest.Report("d1")
	put(g)
	put(g)
	for i, change := range []func(g *graph.Graph){
		func(g *graph.Graph) { g.Text += "." },
		func(g *graph.Graph) { g.Entities[3].Assertion = graph.Absent },
		func(g *graph.Graph) { g.Entities[2].Measure.Values[1] = 20.5 },
		func(g *graph.Graph) { g.Relations[4].Count = 1 },
		func(g *graph.Graph) { g.Entities[0].Weight = 0 },
		func(g *graph.Graph) { g.Entities[5].Measure.Values[0] = math.NaN() }, // cannot be hashed
		func(g *graph.Graph) { g.Entities[5].Measure.Values[0] = 7 },
	} {
		change(g)
		if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{g}); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		got := mustGet(t, s, run, "d1")
		if i == 5 {
			if v := got.Entities[5].Measure.Values[0]; !math.IsNaN(v) {
				t.Errorf("change %d: measure %v, want NaN", i, v)
			}
			continue
		}
		if ok, diff := storetest.Equal(g, got); !ok {
			t.Errorf("change %d not written: %s", i, diff)
		}
	}
}

func mustGet(t *testing.T, s graph.Store, run, doc string) *graph.Graph {
	t.Helper()
	g, err := s.Get(context.Background(), run, graph.Reference, doc)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSchemaIdempotent(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := newStore(t).EnsureSchema(ctx); err != nil {
			t.Fatalf("create constraints, time %d: %v", i+1, err)
		}
	}
	res, err := neo4jdriver.ExecuteQuery(ctx, server(t),
		"SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties WHERE name STARTS WITH 'kgeval_' RETURN name, type, properties ORDER BY name",
		nil, neo4jdriver.EagerResultTransformer, neo4jdriver.ExecuteQueryWithDatabase(config().Database))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Records {
		m := r.AsMap()
		got = append(got, fmt.Sprint(m["name"], " ", m["type"], " ", m["properties"]))
	}
	want := []string{
		"kgeval_document_key UNIQUENESS [run_id role doc_id]",
		"kgeval_entity_key UNIQUENESS [run_id role doc_id id]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("constraints %q, want %q", got, want)
	}
}

func TestDiff(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	e := func(id, text, typ string, a graph.Assertion, key string) graph.Entity {
		return graph.Entity{ID: id, Text: text, Type: typ, Assertion: a, Key: key}
	}
	ref := &graph.Graph{ID: "d1", Entities: []graph.Entity{
		e("r1", "pleural effusion", "disorder", graph.Present, "finding/pleural_effusion"),
		e("r2", "pneumothorax", "disorder", graph.Absent, "finding/pneumothorax"),
		e("r3", "left", "anatomy", graph.Present, "anatomy/left"),
		e("r4", "effusion", "disorder", graph.Absent, "finding/pleural_effusion"), // second mention
		e("r5", "cardiomegaly", "disorder", graph.Present, "finding/cardiomegaly"),
	}}
	cand := &graph.Graph{ID: "d1", Entities: []graph.Entity{
		e("c1", "nodule", "disorder", graph.Uncertain, "finding/nodule"),
		e("c2", "left", "anatomy", graph.Present, "anatomy/left"),
		e("c3", "pneumothorax", "disorder", graph.Present, "finding/pneumothorax"),
		e("c4", "effusion", "disorder", graph.Present, "finding/pleural_effusion"),
		e("c5", storetest.Injection, "device", graph.Present, storetest.Injection),
	}}
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{ref}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, run, graph.Candidate, []*graph.Graph{cand}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Diff(ctx, run, "d1")
	if err != nil {
		t.Fatal(err)
	}
	want := []kgneo4j.DiffRow{
		{Key: "finding/pleural_effusion", Status: kgneo4j.Matched, Type: "disorder", ReferenceText: "pleural effusion", CandidateText: "effusion", ReferenceAssertion: "present", CandidateAssertion: "present"},
		{Key: "finding/pneumothorax", Status: kgneo4j.AssertionChanged, Type: "disorder", ReferenceText: "pneumothorax", CandidateText: "pneumothorax", ReferenceAssertion: "absent", CandidateAssertion: "present"},
		{Key: "anatomy/left", Status: kgneo4j.Matched, Type: "anatomy", ReferenceText: "left", CandidateText: "left", ReferenceAssertion: "present", CandidateAssertion: "present"},
		{Key: "finding/cardiomegaly", Status: kgneo4j.Missing, Type: "disorder", ReferenceText: "cardiomegaly", ReferenceAssertion: "present"},
		{Key: "finding/nodule", Status: kgneo4j.Invented, Type: "disorder", CandidateText: "nodule", CandidateAssertion: "uncertain"},
		{Key: storetest.Injection, Status: kgneo4j.Invented, Type: "device", CandidateText: storetest.Injection, CandidateAssertion: "present"},
	}
	if !reflect.DeepEqual(d.Rows, want) {
		t.Errorf("diff rows:\n%+v\nwant\n%+v", d.Rows, want)
	}
	if !d.HasReference || !d.HasCandidate {
		t.Errorf("sides %v %v, want both", d.HasReference, d.HasCandidate)
	}

	// The printed query, pasted with its parameters, gives the same rows:
	// run the :params literals through the server and the query with them.
	text := d.Browser()
	first, rest, ok := strings.Cut(text, "\n\n")
	if !ok || !strings.HasPrefix(first, ":params {") || strings.TrimSpace(rest) != kgneo4j.DiffQuery {
		t.Fatalf("browser text:\n%s", text)
	}
	mapLiteral := strings.TrimPrefix(first, ":params ")
	res, err := neo4jdriver.ExecuteQuery(ctx, server(t), "RETURN "+mapLiteral+" AS p", nil,
		neo4jdriver.EagerResultTransformer, neo4jdriver.ExecuteQueryWithDatabase(config().Database))
	if err != nil {
		t.Fatalf("the :params literal does not parse: %v\n%s", err, first)
	}
	p, _ := res.Records[0].Get("p")
	if !reflect.DeepEqual(p, d.Params) {
		t.Errorf(":params literal evaluates to %v, want %v", p, d.Params)
	}
	res, err = neo4jdriver.ExecuteQuery(ctx, server(t), rest, p.(map[string]any),
		neo4jdriver.EagerResultTransformer, neo4jdriver.ExecuteQueryWithDatabase(config().Database))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != len(want) {
		t.Errorf("pasted query: %d rows, want %d", len(res.Records), len(want))
	}

	// One side only.
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{storetest.Empty("d2")}); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Diff(ctx, run, "d2"); err != nil || len(d.Rows) != 0 || !d.HasReference || d.HasCandidate {
		t.Errorf("diff of a lone empty reference: %+v, %v", d, err)
	}
	if _, err := s.Diff(ctx, run, "nope"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("diff of an unknown document: %v, want ErrNotFound", err)
	}
}

func TestConnectAuthAndRedaction(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const secret = "s3cret-Pa55word"
	for _, cfg := range []kgneo4j.Config{
		{URI: "bolt://127.0.0.1:1", User: "neo4j", Password: secret},
		{URI: "bolt://neo4j:" + secret + "@127.0.0.1:1"},
		{URI: "neo4j://127.0.0.1:1", User: "neo4j", Password: secret},
		{URI: "http://127.0.0.1:1", User: "neo4j", Password: secret},
		{URI: "bolt://x:" + secret + "@[::1", User: "neo4j"},
		{URI: "bolt://x:%zz" + secret + "@h", User: "neo4j"},
		{URI: ""},
	} {
		_, err := kgneo4j.Connect(ctx, cfg)
		if err == nil {
			t.Errorf("connect %v: no error", cfg)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("connect error shows the password: %v", err)
		}
		for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)} {
			if strings.Contains(s, secret) {
				t.Errorf("config printed with the password: %s", s)
			}
		}
	}
}

func TestQuote(t *testing.T) {
	for name, want := range map[string]string{
		"disorder": "`disorder`", "located_at": "`located_at`", "A1_b": "`A1_b`",
		"": "", "1a": "", "_a": "", "a-b": "", "a`b": "", "a b": "", "x}) DETACH DELETE n //": "",
		"é": "", strings.Repeat("a", 65): "",
	} {
		got, err := kgneo4j.Quote(name)
		if want == "" {
			if err == nil {
				t.Errorf("Quote(%q) = %q, want an error", name, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Quote(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestCypherLiteral(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"plain", `'plain'`},
		{storetest.Injection, `'\'}) MATCH (n) DETACH DELETE n //\n"}) MATCH (n) DETACH DELETE n RETURN 1 //` + "`" + `) ; DROP CONSTRAINT x; \\\' $run {run_id: \'x\'}'`},
		{"tab\tbell\a", `'tab\tbell\u0007'`},
		{"肺 😷", `'肺 😷'`},
		{int64(3), "3"},
		{nil, "null"},
	}
	for _, tc := range tests {
		if got := kgneo4j.CypherLiteral(tc.in); got != tc.want {
			t.Errorf("CypherLiteral(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// The literal a user pastes evaluates, on the server, to the value stored.
func TestCypherLiteralOnServer(t *testing.T) {
	ctx := context.Background()
	drv := server(t)
	for _, s := range []string{storetest.Injection, "a\\b'c\"d\r\n\t\x00\x1f\u2028 😷 `x`", ""} {
		res, err := neo4jdriver.ExecuteQuery(ctx, drv, "RETURN "+kgneo4j.CypherLiteral(s)+" AS v", nil,
			neo4jdriver.EagerResultTransformer, neo4jdriver.ExecuteQueryWithDatabase(config().Database))
		if err != nil {
			t.Fatalf("literal %s: %v", kgneo4j.CypherLiteral(s), err)
		}
		if v, _ := res.Records[0].Get("v"); v != s {
			t.Errorf("literal of %q evaluates to %q", s, v)
		}
	}
}

func TestNewRejectsBadOntology(t *testing.T) {
	if _, err := kgneo4j.New(nil, "", radiology(t)); err == nil {
		t.Error("New with a nil driver: no error")
	}
	// An entity type named like the document label would make entities
	// documents.
	o, err := ontology.Load(fstest.MapFS{"o.yaml": {Data: []byte(
		"name: clash\nversion: \"1\"\nentity_types:\n  - name: Document\n  - name: finding\nrelation_types: []\n")}}, "o.yaml")
	if err != nil {
		t.Fatal(err)
	}
	drv, err := neo4jdriver.NewDriverWithContext("bolt://127.0.0.1:1", neo4jdriver.NoAuth())
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close(context.Background())
	if _, err := kgneo4j.New(drv, "", o); err == nil || !strings.Contains(err.Error(), "Document") {
		t.Errorf("New with an entity type Document: %v, want an error naming it", err)
	}
}

// The example queries in docs/neo4j.md run on the server.
func TestDocsQueries(t *testing.T) {
	ctx := context.Background()
	drv := server(t)
	b, err := os.ReadFile("../../docs/neo4j.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "## Example queries")
	section, _, _ = strings.Cut(section, "### The diff")
	var blocks []string
	var cur []string
	for _, line := range append(strings.Split(section, "\n"), "") {
		if strings.HasPrefix(line, "    ") {
			cur = append(cur, strings.TrimPrefix(line, "    "))
			continue
		}
		if len(cur) > 0 && strings.HasPrefix(cur[0], "MATCH") {
			blocks = append(blocks, strings.Join(cur, "\n"))
		}
		cur = nil
	}
	if len(blocks) < 5 {
		t.Fatalf("found %d example queries in docs/neo4j.md", len(blocks))
	}
	s := newStore(t)
	run := storetest.RunID(t)
	cleanup(t, s, run)
	if err := s.Put(ctx, run, graph.Reference, []*graph.Graph{storetest.Report("p1")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, run, graph.Candidate, []*graph.Graph{storetest.Report("p1")}); err != nil {
		t.Fatal(err)
	}
	for _, q := range blocks {
		_, err := neo4jdriver.ExecuteQuery(ctx, drv, q,
			map[string]any{"run": run, "doc": "p1", "old": run, "new": run},
			neo4jdriver.EagerResultTransformer, neo4jdriver.ExecuteQueryWithDatabase(config().Database))
		if err != nil {
			t.Errorf("docs query fails: %v\n%s", err, q)
		}
	}
}
