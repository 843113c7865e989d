// Package neo4j is a graph.Store kept in a Neo4j database: document graphs
// stored by run, role and document id as labelled nodes and typed
// relationships, so that users can query them, inspect diffs in Neo4j
// Browser and keep history across runs.
//
// The data model, one node per entity and one per document:
//
//	(:Document {run_id, role, doc_id, text, content_hash, entity_count, relation_count})
//	(:Entity:<type> {run_id, role, doc_id, id, ord, key, type, assertion, text,
//	                 span, count, weight, measure_values, measure_unit})
//	(:Entity)-[:<relation type> {run_id, role, doc_id, ord, count}]->(:Entity)
//
// Labels and relationship types come only from the ontology the Store was
// built with, checked and backtick-quoted; every value is a query parameter.
// Writes are batched (UNWIND over thousands of rows in one managed
// transaction, retried by the driver on transient errors) and replace what
// a run held for the same role and document, so pushing twice changes
// nothing and an interrupted push can be run again.
package neo4j

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strings"
	"sync"

	neo4jdriver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/ontology"
)

// The node labels the store uses besides the ontology's entity types.
const (
	EntityLabel   = "Entity"
	DocumentLabel = "Document"
)

// DefaultChunkRows is how many rows (entities plus relations plus
// documents) one write transaction carries.
const DefaultChunkRows = 5000

// DefaultWriters is how many write transactions a push keeps in flight.
const DefaultWriters = 2

// pageDocs is how many documents one read query returns.
const pageDocs = 250

// deleteBatch is how many nodes one delete transaction removes.
const deleteBatch = 10000

// Store is a graph.Store in a Neo4j database.
type Store struct {
	driver    neo4jdriver.DriverWithContext
	database  string
	chunkRows int
	writers   int

	entityTypes   []string
	entityIndex   map[string]int
	relationTypes []string
	relationIndex map[string]int
	ont           *ontology.Ontology
	putQuery      string

	schemaMu   sync.Mutex
	schemaDone bool
}

var _ graph.Store = (*Store)(nil)

// Option changes how a Store works.
type Option func(*Store)

// WithChunkRows sets how many rows one write transaction carries (default
// DefaultChunkRows). A graph larger than that is written whole in one
// transaction.
func WithChunkRows(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.chunkRows = n
		}
	}
}

// WithWriters sets how many chunks a push writes at once (default
// DefaultWriters): each is its own transaction on its own connection.
func WithWriters(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.writers = n
		}
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// Quote checks a label or relationship type name and quotes it with
// backticks for use in Cypher. Names are letters, digits and underscores,
// starting with a letter, as ontologies require.
func Quote(name string) (string, error) {
	if !nameRE.MatchString(name) {
		return "", fmt.Errorf("%q is not a valid label or relationship type (letters, digits and _, starting with a letter)", name)
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`", nil
}

// New returns a Store writing to the named database ("" means the
// server's default database) through driver. Labels and relationship types
// are taken from ont. The driver stays the caller's to close; one driver
// serves a whole process.
func New(driver neo4jdriver.DriverWithContext, database string, ont *ontology.Ontology, opts ...Option) (*Store, error) {
	if driver == nil {
		return nil, errors.New("neo4j store: nil driver")
	}
	if ont == nil {
		return nil, errors.New("neo4j store: nil ontology")
	}
	s := &Store{
		driver:        driver,
		database:      database,
		chunkRows:     DefaultChunkRows,
		writers:       DefaultWriters,
		ont:           ont,
		entityTypes:   ont.EntityTypeNames(),
		relationTypes: ont.RelationTypeNames(),
		entityIndex:   map[string]int{},
		relationIndex: map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	for i, t := range s.entityTypes {
		if t == DocumentLabel {
			return nil, fmt.Errorf("neo4j store: ontology %s: entity type %q clashes with the document label", ont.Name, t)
		}
		if _, err := Quote(t); err != nil {
			return nil, fmt.Errorf("neo4j store: ontology %s: entity type: %w", ont.Name, err)
		}
		s.entityIndex[t] = i
	}
	for i, t := range s.relationTypes {
		if _, err := Quote(t); err != nil {
			return nil, fmt.Errorf("neo4j store: ontology %s: relation type: %w", ont.Name, err)
		}
		s.relationIndex[t] = i
	}
	s.putQuery = buildPutQuery(s.entityTypes, s.relationTypes)
	return s, nil
}

// Database is the database the store uses ("" for the server's default).
func (s *Store) Database() string { return s.database }

func (s *Store) write(ctx context.Context, query string, params map[string]any) (*neo4jdriver.EagerResult, error) {
	return neo4jdriver.ExecuteQuery(ctx, s.driver, query, params, neo4jdriver.EagerResultTransformer,
		neo4jdriver.ExecuteQueryWithDatabase(s.database), neo4jdriver.ExecuteQueryWithWritersRouting())
}

func (s *Store) read(ctx context.Context, query string, params map[string]any) (*neo4jdriver.EagerResult, error) {
	return neo4jdriver.ExecuteQuery(ctx, s.driver, query, params, neo4jdriver.EagerResultTransformer,
		neo4jdriver.ExecuteQueryWithDatabase(s.database), neo4jdriver.ExecuteQueryWithReadersRouting())
}

// schemaStatements create the uniqueness constraints (each backed by an
// index the reads and deletes use); IF NOT EXISTS makes them idempotent.
var schemaStatements = []string{
	"CREATE CONSTRAINT kgeval_document_key IF NOT EXISTS FOR (d:" + DocumentLabel + ") REQUIRE (d.run_id, d.role, d.doc_id) IS UNIQUE",
	"CREATE CONSTRAINT kgeval_entity_key IF NOT EXISTS FOR (e:" + EntityLabel + ") REQUIRE (e.run_id, e.role, e.doc_id, e.id) IS UNIQUE",
}

// EnsureSchema creates the store's constraints if they do not exist. Put
// calls it once per Store; call it directly to prepare a database.
func (s *Store) EnsureSchema(ctx context.Context) error {
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if s.schemaDone {
		return nil
	}
	for _, q := range schemaStatements {
		if _, err := s.write(ctx, q, nil); err != nil {
			return fmt.Errorf("neo4j: create constraints: %w", err)
		}
	}
	s.schemaDone = true
	return nil
}

func checkRunRole(run string, role graph.Role) error {
	if run == "" {
		return errors.New("empty run id")
	}
	if _, err := graph.ParseRole(string(role)); err != nil {
		return err
	}
	return nil
}

// Put stores graphs under run and role, replacing any graph stored under
// the same run, role and document id. Graphs must be valid under the
// store's ontology (graph.Validate); an invalid graph fails the call
// before anything is written. When one call holds two graphs with the same
// id, the later one wins.
func (s *Store) Put(ctx context.Context, run string, role graph.Role, graphs []*graph.Graph) error {
	for i, g := range graphs {
		if g == nil {
			return fmt.Errorf("neo4j put run %s: graph %d is nil", run, i)
		}
		if err := g.Validate(s.ont); err != nil {
			return fmt.Errorf("neo4j put run %s: %w", run, err)
		}
	}
	_, err := s.PutSeq(ctx, run, role, func(yield func(*graph.Graph, error) bool) {
		for _, g := range graphs {
			if !yield(g, nil) {
				return
			}
		}
	})
	return err
}

// PutSeq stores graphs as they come from seq (for example
// graph.ReadGraphs over a file) and returns how many graphs it wrote.
// Graphs are grouped into chunks, each written in one transaction; up to
// the store's writers (WithWriters) chunks are in flight at once, so
// memory stays bounded by a few chunks. If the push stops half way (an
// error from seq, an invalid graph, a lost server), the chunks already
// written stay, and running the push again completes it. A document id
// seen again replaces the earlier graph, as in Put.
func (s *Store) PutSeq(ctx context.Context, run string, role graph.Role, seq iter.Seq2[*graph.Graph, error]) (int, error) {
	if err := checkRunRole(run, role); err != nil {
		return 0, fmt.Errorf("neo4j put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("neo4j put run %s: %w", run, err)
	}
	if err := s.EnsureSchema(ctx); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &writers{s: s, ctx: ctx, cancel: cancel, run: run, role: role,
		sem: make(chan struct{}, s.writers), inflight: map[string]int{}}
	b := s.newBatch()
	fail := func(err error) (int, error) {
		w.dispatch(b)
		if werr := w.wait(); werr != nil {
			return w.written, werr
		}
		return w.written, err
	}
	for g, err := range seq {
		if err != nil {
			return fail(err)
		}
		if g == nil {
			return fail(fmt.Errorf("neo4j put run %s: nil graph", run))
		}
		if err := g.Validate(s.ont); err != nil {
			return fail(fmt.Errorf("neo4j put run %s: %w", run, err))
		}
		if b.seen[g.ID] || w.isInflight(g.ID) {
			// The same document again: let the earlier one be written
			// first, so that the later one replaces it.
			w.dispatch(b)
			b = s.newBatch()
			if err := w.wait(); err != nil {
				return w.written, err
			}
		}
		b.add(g, s.entityIndex, s.relationIndex)
		if b.rows >= s.chunkRows {
			if !w.dispatch(b) {
				break
			}
			b = s.newBatch()
		}
	}
	w.dispatch(b)
	return w.written, w.wait()
}

// writers writes chunks concurrently, at most cap(sem) at a time, and
// keeps the first error.
type writers struct {
	s       *Store
	ctx     context.Context
	cancel  context.CancelFunc
	run     string
	role    graph.Role
	sem     chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	written int
	err     error
	// inflight counts the documents of chunks being written.
	inflight map[string]int
}

func (w *writers) isInflight(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inflight[id] > 0
}

// dispatch starts writing b unless it is empty; it reports false once the
// push has failed.
func (w *writers) dispatch(b *batch) bool {
	if len(b.docs) == 0 {
		return w.ctx.Err() == nil
	}
	select {
	case w.sem <- struct{}{}:
	case <-w.ctx.Done():
		return false
	}
	w.mu.Lock()
	for id := range b.seen {
		w.inflight[id]++
	}
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		_, err := w.s.write(w.ctx, w.s.putQuery, b.params(w.run, w.role))
		w.mu.Lock()
		for id := range b.seen {
			if w.inflight[id]--; w.inflight[id] == 0 {
				delete(w.inflight, id)
			}
		}
		if err == nil {
			w.written += len(b.docs)
		} else if w.err == nil {
			w.err = err
			w.cancel()
		}
		w.mu.Unlock()
		<-w.sem
	}()
	return true
}

// wait waits for the chunks in flight and returns the first error.
func (w *writers) wait() error {
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return fmt.Errorf("neo4j put run %s (%d graphs written): %w", w.run, w.written, w.err)
	}
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("neo4j put run %s (%d graphs written): %w", w.run, w.written, err)
	}
	return nil
}

// batch is one write transaction's rows.
type batch struct {
	docs      []any
	entities  [][]any // by entity type index
	relations [][]any // by relation type index
	rows      int
	seen      map[string]bool
}

func (s *Store) newBatch() *batch {
	b := &batch{
		entities:  make([][]any, len(s.entityTypes)),
		relations: make([][]any, len(s.relationTypes)),
		seen:      map[string]bool{},
	}
	for i := range b.entities {
		b.entities[i] = []any{}
	}
	for i := range b.relations {
		b.relations[i] = []any{}
	}
	return b
}

// add appends a validated graph's rows. The document row lists its
// entities as [id, type] and its relations as [source, target, type] by
// position, which the put query compares with what is stored.
func (b *batch) add(g *graph.Graph, entityIndex, relationIndex map[string]int) {
	b.seen[g.ID] = true
	ents := make([]any, len(g.Entities))
	for i, e := range g.Entities {
		ents[i] = []any{e.ID, e.Type}
		// Zero and absent values are left out (reads turn them back into
		// zero values); the put query sets the optional properties
		// explicitly on an entity kept from an earlier push, so that one
		// no longer there is removed.
		p := map[string]any{
			"ord":       int64(i),
			"key":       e.Key,
			"type":      e.Type,
			"assertion": string(e.Assertion),
			"text":      e.Text,
		}
		if e.Count != 0 {
			p["count"] = int64(e.Count)
		}
		if e.Weight != 0 {
			p["weight"] = e.Weight
		}
		if e.Span != nil {
			p["span"] = []int64{int64(e.Span[0]), int64(e.Span[1])}
		}
		if e.Measure != nil {
			vals := make([]float64, len(e.Measure.Values))
			copy(vals, e.Measure.Values)
			p["measure_values"] = vals
			p["measure_unit"] = e.Measure.Unit
		}
		t := entityIndex[e.Type]
		b.entities[t] = append(b.entities[t], map[string]any{"doc": g.ID, "id": e.ID, "p": p})
	}
	rels := make([]any, len(g.Relations))
	for i, r := range g.Relations {
		rels[i] = []any{r.Source, r.Target, r.Type}
		t := relationIndex[r.Type]
		row := map[string]any{"doc": g.ID, "s": r.Source, "t": r.Target, "ord": int64(i)}
		if r.Count != 0 {
			row["count"] = int64(r.Count)
		}
		b.relations[t] = append(b.relations[t], row)
	}
	var hash any // nil never equals a stored hash
	if h := contentHash(g); h != "" {
		hash = h
	}
	b.docs = append(b.docs, map[string]any{
		"id": g.ID, "text": g.Text, "hash": hash, "entities": ents, "relations": rels,
	})
	b.rows += 1 + len(g.Entities) + len(g.Relations)
}

// contentHash identifies everything a graph stores: its JSON encoding,
// hashed. Equal graphs that differ only in nil versus empty slices hash
// differently, which costs a rewrite, never a wrong skip.
func contentHash(g *graph.Graph) string {
	b, err := json.Marshal(g)
	if err != nil {
		// Only a NaN or infinite float gets here: such a graph is never
		// skipped.
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func (b *batch) params(run string, role graph.Role) map[string]any {
	ents := make([]any, len(b.entities))
	for i, e := range b.entities {
		ents[i] = e
	}
	rels := make([]any, len(b.relations))
	for i, r := range b.relations {
		rels[i] = r
	}
	return map[string]any{
		"run": run, "role": string(role), "docs": b.docs, "entities": ents, "relations": rels,
	}
}

// buildPutQuery writes the one query a chunk is written with. Each
// document is merged; a document whose stored content hash equals the new
// one is left as it is (pushing twice rewrites nothing). For the others,
// so that a graph already stored is replaced in place, the entities whose
// id or type changed or that are gone are deleted with their
// relationships, and the relationships that no longer match the relation
// at the same position are deleted; then one UNWIND ... MERGE per entity
// type and per relation type writes the graph, each type name checked and
// backtick-quoted (New has checked every name).
func buildPutQuery(entityTypes, relationTypes []string) string {
	var q strings.Builder
	q.WriteString(`UNWIND $docs AS d
MERGE (doc:Document {run_id: $run, role: $role, doc_id: d.id})
WITH doc, d, coalesce(doc.content_hash = d.hash, false) AS same
SET doc += CASE WHEN same THEN {} ELSE {text: d.text, content_hash: d.hash,
  entity_count: size(d.entities), relation_count: size(d.relations)} END
WITH collect(CASE WHEN same THEN d.id END) AS skip, collect(CASE WHEN same THEN null ELSE d END) AS docs
CALL (docs) {
  UNWIND docs AS d
  MATCH (old:Entity {run_id: $run, role: $role, doc_id: d.id})
  WHERE old.id IS NOT NULL AND NOT [old.id, old.type] IN d.entities
  DETACH DELETE old
}
CALL (docs) {
  UNWIND docs AS d
  MATCH (s:Entity {run_id: $run, role: $role, doc_id: d.id})-[x]->(t:Entity)
  WHERE s.id IS NOT NULL AND x.run_id = $run AND x.role = $role AND x.doc_id = d.id
    AND NOT coalesce(d.relations[x.ord] = [s.id, t.id, type(x)], false)
  DELETE x
}
`)
	for i, t := range entityTypes {
		label, _ := Quote(t)
		fmt.Fprintf(&q, `CALL (skip) {
  UNWIND $entities[%d] AS r
  WITH r WHERE NOT r.doc IN skip
  MERGE (e:Entity {run_id: $run, role: $role, doc_id: r.doc, id: r.id})
  ON CREATE SET e += r.p
  ON MATCH SET e += r.p, e.count = r.p.count, e.weight = r.p.weight, e.span = r.p.span,
    e.measure_values = r.p.measure_values, e.measure_unit = r.p.measure_unit
  SET e:%s
}
`, i, label)
	}
	for i, t := range relationTypes {
		typ, _ := Quote(t)
		fmt.Fprintf(&q, `CALL (skip) {
  UNWIND $relations[%d] AS r
  WITH r WHERE NOT r.doc IN skip
  MATCH (s:Entity {run_id: $run, role: $role, doc_id: r.doc, id: r.s})
  MATCH (t:Entity {run_id: $run, role: $role, doc_id: r.doc, id: r.t})
  MERGE (s)-[x:%s {run_id: $run, role: $role, doc_id: r.doc, ord: r.ord}]->(t)
  SET x.count = r.count
}
`, i, typ)
	}
	q.WriteString("RETURN size(docs) AS written, size(skip) AS unchanged")
	return q.String()
}

// readColumns turns one document node and its entities and relations
// into the graph, in stored order.
const readColumns = `RETURN d.doc_id AS id, d.text AS text,
  COLLECT {
    MATCH (e:Entity {run_id: $run, role: $role, doc_id: d.doc_id})
    WHERE e.id IS NOT NULL
    RETURN e {.*} AS e ORDER BY e.ord
  } AS entities,
  COLLECT {
    MATCH (s:Entity {run_id: $run, role: $role, doc_id: d.doc_id})-[x]->(t:Entity)
    WHERE s.id IS NOT NULL AND x.run_id = $run AND x.role = $role AND x.doc_id = d.doc_id
    RETURN {s: s.id, t: t.id, type: type(x), ord: x.ord, count: x.count} AS r ORDER BY r.ord
  } AS relations`

const getQuery = `MATCH (d:Document {run_id: $run, role: $role, doc_id: $doc})
` + readColumns

const pageQuery = `MATCH (d:Document {run_id: $run, role: $role})
WHERE d.doc_id > $after
WITH d ORDER BY d.doc_id LIMIT $limit
` + readColumns + `
ORDER BY id`

// Get returns one stored graph, or an error wrapping graph.ErrNotFound.
func (s *Store) Get(ctx context.Context, run string, role graph.Role, doc string) (*graph.Graph, error) {
	if err := checkRunRole(run, role); err != nil {
		return nil, fmt.Errorf("neo4j get: %w", err)
	}
	res, err := s.read(ctx, getQuery, map[string]any{"run": run, "role": string(role), "doc": doc})
	if err != nil {
		return nil, fmt.Errorf("neo4j get run %s %s %s: %w", run, role, doc, err)
	}
	if len(res.Records) == 0 {
		return nil, fmt.Errorf("run %s %s %s: %w", run, role, doc, graph.ErrNotFound)
	}
	g, err := decodeGraph(res.Records[0])
	if err != nil {
		return nil, fmt.Errorf("neo4j get run %s %s %s: %w", run, role, doc, err)
	}
	return g, nil
}

// Scan yields a run's graphs for a role ordered by document id, reading
// them a page at a time so that memory stays bounded.
func (s *Store) Scan(ctx context.Context, run string, role graph.Role) iter.Seq2[*graph.Graph, error] {
	return func(yield func(*graph.Graph, error) bool) {
		if err := checkRunRole(run, role); err != nil {
			yield(nil, fmt.Errorf("neo4j list: %w", err))
			return
		}
		after := ""
		for {
			res, err := s.read(ctx, pageQuery, map[string]any{
				"run": run, "role": string(role), "after": after, "limit": int64(pageDocs),
			})
			if err != nil {
				yield(nil, fmt.Errorf("neo4j list run %s %s: %w", run, role, err))
				return
			}
			for _, rec := range res.Records {
				g, err := decodeGraph(rec)
				if err != nil {
					yield(nil, fmt.Errorf("neo4j list run %s %s: %w", run, role, err))
					return
				}
				if !yield(g, nil) {
					return
				}
				after = g.ID
			}
			if len(res.Records) < pageDocs {
				return
			}
		}
	}
}

// List returns a run's graphs for a role, ordered by document id.
func (s *Store) List(ctx context.Context, run string, role graph.Role) ([]*graph.Graph, error) {
	out := []*graph.Graph{}
	for g, err := range s.Scan(ctx, run, role) {
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

const deleteEntities = `MATCH (e:Entity {run_id: $run})
WHERE e.role IS NOT NULL AND e.doc_id IS NOT NULL AND e.id IS NOT NULL
WITH e LIMIT $limit
DETACH DELETE e
RETURN count(*) AS n`

const deleteDocuments = `MATCH (d:Document {run_id: $run})
WHERE d.role IS NOT NULL AND d.doc_id IS NOT NULL
WITH d LIMIT $limit
DETACH DELETE d
RETURN count(*) AS n`

// Delete removes every graph of a run, in transactions of a bounded size.
// Deleting a run that does not exist is not an error.
func (s *Store) Delete(ctx context.Context, run string) error {
	if run == "" {
		return errors.New("neo4j delete: empty run id")
	}
	for _, q := range []string{deleteEntities, deleteDocuments} {
		for {
			res, err := s.write(ctx, q, map[string]any{"run": run, "limit": int64(deleteBatch)})
			if err != nil {
				return fmt.Errorf("neo4j delete run %s: %w", run, err)
			}
			n, err := intColumn(res, "n")
			if err != nil {
				return fmt.Errorf("neo4j delete run %s: %w", run, err)
			}
			if n < deleteBatch {
				break
			}
		}
	}
	return nil
}

// Counts is what a run holds in the database.
type Counts struct {
	Documents     int64 `json:"documents"`
	Entities      int64 `json:"entities"`
	Relationships int64 `json:"relationships"`
}

const countsQuery = `RETURN
  COUNT { MATCH (d:Document {run_id: $run}) WHERE d.role IS NOT NULL AND d.doc_id IS NOT NULL } AS documents,
  COUNT { MATCH (e:Entity {run_id: $run}) WHERE e.role IS NOT NULL AND e.doc_id IS NOT NULL AND e.id IS NOT NULL } AS entities,
  COUNT { MATCH (e:Entity {run_id: $run})-[x]->(:Entity)
          WHERE e.role IS NOT NULL AND e.doc_id IS NOT NULL AND e.id IS NOT NULL AND x.run_id = $run } AS relationships`

// Count returns how many documents, entity nodes and relationships a run
// holds (both roles).
func (s *Store) Count(ctx context.Context, run string) (Counts, error) {
	res, err := s.read(ctx, countsQuery, map[string]any{"run": run})
	if err != nil {
		return Counts{}, fmt.Errorf("neo4j count run %s: %w", run, err)
	}
	var c Counts
	for _, f := range []struct {
		key string
		dst *int64
	}{{"documents", &c.Documents}, {"entities", &c.Entities}, {"relationships", &c.Relationships}} {
		n, err := intColumn(res, f.key)
		if err != nil {
			return Counts{}, fmt.Errorf("neo4j count run %s: %w", run, err)
		}
		*f.dst = n
	}
	return c, nil
}

func intColumn(res *neo4jdriver.EagerResult, key string) (int64, error) {
	if len(res.Records) != 1 {
		return 0, fmt.Errorf("want one result row, got %d", len(res.Records))
	}
	n, _, err := neo4jdriver.GetRecordValue[int64](res.Records[0], key)
	return n, err
}

// decodeGraph reads one row of readColumns.
func decodeGraph(rec *neo4jdriver.Record) (*graph.Graph, error) {
	id, _, err := neo4jdriver.GetRecordValue[string](rec, "id")
	if err != nil {
		return nil, err
	}
	g := &graph.Graph{ID: id, Entities: []graph.Entity{}, Relations: []graph.Relation{}}
	if v, ok := rec.Get("text"); ok && v != nil {
		if g.Text, ok = v.(string); !ok {
			return nil, fmt.Errorf("document %s: text is %T", id, v)
		}
	}
	ents, _, err := neo4jdriver.GetRecordValue[[]any](rec, "entities")
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", id, err)
	}
	for _, v := range ents {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("document %s: entity row is %T", id, v)
		}
		e, err := decodeEntity(m)
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", id, err)
		}
		g.Entities = append(g.Entities, e)
	}
	rels, _, err := neo4jdriver.GetRecordValue[[]any](rec, "relations")
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", id, err)
	}
	for _, v := range rels {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("document %s: relation row is %T", id, v)
		}
		d := decoder{m: m}
		r := graph.Relation{Source: d.str("s"), Target: d.str("t"), Type: d.str("type"), Count: int(d.int("count"))}
		if d.err != nil {
			return nil, fmt.Errorf("document %s: relation: %w", id, d.err)
		}
		g.Relations = append(g.Relations, r)
	}
	return g, nil
}

func decodeEntity(m map[string]any) (graph.Entity, error) {
	d := decoder{m: m}
	e := graph.Entity{
		ID:        d.str("id"),
		Text:      d.str("text"),
		Type:      d.str("type"),
		Assertion: graph.Assertion(d.str("assertion")),
		Key:       d.str("key"),
		Count:     int(d.int("count")),
		Weight:    d.float("weight"),
	}
	if v, ok := m["span"]; ok && v != nil {
		l, ok := v.([]any)
		if !ok || len(l) != 2 {
			return e, fmt.Errorf("entity %s: span is %v", e.ID, v)
		}
		a, okA := l[0].(int64)
		b, okB := l[1].(int64)
		if !okA || !okB {
			return e, fmt.Errorf("entity %s: span is %v", e.ID, v)
		}
		e.Span = &graph.Span{int(a), int(b)}
	}
	if v, ok := m["measure_unit"]; ok && v != nil {
		meas := &graph.Measure{Unit: d.str("measure_unit")}
		if vals, ok := m["measure_values"].([]any); ok {
			for _, x := range vals {
				switch f := x.(type) {
				case float64:
					meas.Values = append(meas.Values, f)
				case int64:
					meas.Values = append(meas.Values, float64(f))
				default:
					return e, fmt.Errorf("entity %s: measure value is %T", e.ID, x)
				}
			}
		}
		e.Measure = meas
	}
	if d.err != nil {
		return e, fmt.Errorf("entity %s: %w", e.ID, d.err)
	}
	return e, nil
}

// decoder reads typed properties, keeping the first error.
type decoder struct {
	m   map[string]any
	err error
}

func (d *decoder) fail(key string, v any) {
	if d.err == nil {
		d.err = fmt.Errorf("property %s is %T", key, v)
	}
}

func (d *decoder) str(key string) string {
	v := d.m[key]
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		d.fail(key, v)
	}
	return s
}

func (d *decoder) int(key string) int64 {
	v := d.m[key]
	if v == nil {
		return 0
	}
	n, ok := v.(int64)
	if !ok {
		d.fail(key, v)
	}
	return n
}

func (d *decoder) float(key string) float64 {
	switch f := d.m[key].(type) {
	case nil:
		return 0
	case float64:
		return f
	case int64:
		return float64(f)
	default:
		d.fail(key, f)
		return 0
	}
}

// EntityTypes returns the entity types (node labels) the store writes.
func (s *Store) EntityTypes() []string { return slices.Clone(s.entityTypes) }

// RelationTypes returns the relation types (relationship types) the store
// writes.
func (s *Store) RelationTypes() []string { return slices.Clone(s.relationTypes) }
