// Command bench-neo4j measures how fast graph/neo4j pushes report graphs:
// synthetic report graphs written with the batched path (UNWIND ... MERGE
// in chunks, one transaction a chunk), against one transaction per row on
// a sample, in the same run against the same server, then pulled back and
// deleted. It reads NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD and
// NEO4J_DATABASE:
//
//	eval "$(scripts/neo4j start)"
//	go run ./scripts/bench-neo4j                  # 10,000 graphs
//	go run ./scripts/bench-neo4j -graphs 500      # a quick look
//
// It exits 1 when a target is missed (-max-seconds, -min-ratio).
package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	neo4jdriver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/kgeval/kgeval/graph"
	kgneo4j "github.com/kgeval/kgeval/graph/neo4j"
	"github.com/kgeval/kgeval/ontology"
)

type options struct {
	graphs, entities, relations int
	sample                      int
	chunk, writers              int
	maxSeconds, minRatio        float64
	keep, replace               bool
	serverPID                   int
}

func main() {
	var o options
	flag.IntVar(&o.graphs, "graphs", 10000, "report graphs to push with the batched path")
	flag.IntVar(&o.entities, "entities", 20, "entities per graph")
	flag.IntVar(&o.relations, "relations", 20, "relations per graph")
	flag.IntVar(&o.sample, "sample", 50, "graphs pushed with one transaction per row")
	flag.IntVar(&o.chunk, "chunk", kgneo4j.DefaultChunkRows, "rows per batched transaction")
	flag.IntVar(&o.writers, "writers", kgneo4j.DefaultWriters, "batched transactions in flight at once")
	flag.Float64Var(&o.maxSeconds, "max-seconds", 60, "target: the batched push takes at most this long (0: no target)")
	flag.Float64Var(&o.minRatio, "min-ratio", 20, "target: batched throughput over per-row throughput (0: no target)")
	flag.BoolVar(&o.keep, "keep", false, "keep the pushed runs instead of deleting them")
	flag.BoolVar(&o.replace, "replace", false, "also push a changed version of every graph (the in-place replace path)")
	flag.IntVar(&o.serverPID, "server-pid", 0, "pid of a local server, to report the CPU time it spent (Linux /proc)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ok, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-neo4j:", err)
		os.Exit(3)
	}
	if !ok {
		os.Exit(1)
	}
}

var (
	entityTypes   = []string{"anatomy", "disorder", "disorder", "concept", "device", "procedure", "size"}
	relationTypes = []string{"located_at", "modify", "suggestive_of"}
	assertions    = []graph.Assertion{graph.Present, graph.Present, graph.Absent, graph.Uncertain}
)

// report makes one synthetic report graph, the same for the same i and
// seed; another seed gives another graph with the same id.
func report(i, entities, relations int, seed uint64) *graph.Graph {
	rng := rand.New(rand.NewPCG(uint64(i), seed))
	g := &graph.Graph{ID: fmt.Sprintf("report-%06d", i), Text: fmt.Sprintf("Synthetic report %d.", i)}
	pos := 0
	for j := 0; j < entities; j++ {
		text := fmt.Sprintf("term %d", rng.IntN(500))
		sp := graph.Span{pos, pos + len(text)}
		pos += len(text) + 1
		e := graph.Entity{
			ID: fmt.Sprintf("e%d", j), Text: text, Type: entityTypes[rng.IntN(len(entityTypes))],
			Assertion: assertions[rng.IntN(len(assertions))], Key: fmt.Sprintf("finding/c%d", rng.IntN(300)), Span: &sp,
		}
		if j%5 == 0 {
			e.Measure = &graph.Measure{Values: []float64{float64(rng.IntN(40)) + 0.5}, Unit: "mm"}
		}
		g.Entities = append(g.Entities, e)
	}
	for j := 0; j < relations && entities > 1; j++ {
		s := rng.IntN(entities)
		t := (s + 1 + rng.IntN(entities-1)) % entities
		g.Relations = append(g.Relations, graph.Relation{
			Source: g.Entities[s].ID, Target: g.Entities[t].ID, Type: relationTypes[rng.IntN(len(relationTypes))],
		})
	}
	return g
}

// reports yields graphs from..to-1, made as they are needed, so that the
// push streams and memory stays bounded.
func reports(from, to, entities, relations int) iter.Seq2[*graph.Graph, error] {
	return reportsSeed(from, to, entities, relations, 7)
}

func reportsSeed(from, to, entities, relations int, seed uint64) iter.Seq2[*graph.Graph, error] {
	return func(yield func(*graph.Graph, error) bool) {
		for i := from; i < to; i++ {
			if !yield(report(i, entities, relations, seed), nil) {
				return
			}
		}
	}
}

// serverCPU returns the CPU seconds process pid has used, or -1.
func serverCPU(pid int) float64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (utime + stime) / 100 // clock ticks; 100 a second on Linux
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// cpuNote describes the server CPU used between two readings.
func cpuNote(before, after float64, rows int64) string {
	if before < 0 || after < 0 {
		return ""
	}
	used := after - before
	return fmt.Sprintf("; server CPU %.1fs, %.0f rows per CPU-second", used, float64(rows)/max(used, 0.01))
}

func run(ctx context.Context, o options) (bool, error) {
	cfg := kgneo4j.Config{
		URI: os.Getenv("NEO4J_URI"), User: os.Getenv("NEO4J_USER"),
		Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE"),
	}
	driver, err := kgneo4j.Connect(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer driver.Close(context.Background())
	ont, err := ontology.Builtin("radiology")
	if err != nil {
		return false, err
	}
	store, err := kgneo4j.New(driver, cfg.Database, ont, kgneo4j.WithChunkRows(o.chunk), kgneo4j.WithWriters(o.writers))
	if err != nil {
		return false, err
	}
	if err := store.EnsureSchema(ctx); err != nil {
		return false, err
	}
	stamp := time.Now().UTC().Format("20060102T150405")
	batchedRun, rowRun := "bench-batched-"+stamp, "bench-perrow-"+stamp
	if !o.keep {
		defer func() {
			for _, r := range []string{batchedRun, rowRun} {
				_ = store.Delete(context.Background(), r)
			}
		}()
	}
	fmt.Printf("server %s, %d graphs x (%d entities + %d relations), chunk %d rows, %d writers, %d CPUs here, load average %s\n",
		cfg.URI, o.graphs, o.entities, o.relations, o.chunk, o.writers, runtime.NumCPU(), loadavg())

	// One transaction a row, on a sample (the full set would take many
	// minutes): half before the batched push and half after, so that a
	// machine busier at one time than the other weighs on both sides.
	first := o.sample / 2
	rowCPU := serverCPU(o.serverPID)
	rowStart := time.Now()
	rowNodes, rowRels, err := perRow(ctx, driver, cfg.Database, rowRun, reports(0, first, o.entities, o.relations))
	if err != nil {
		return false, err
	}
	rowTime := time.Since(rowStart).Seconds()
	rowCPU = serverCPU(o.serverPID) - rowCPU

	var peak uint64
	var ms runtime.MemStats
	count := 0
	seq := func(yield func(*graph.Graph, error) bool) {
		for g, err := range reports(0, o.graphs, o.entities, o.relations) {
			if count%500 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			count++
			if !yield(g, err) {
				return
			}
		}
	}
	batchCPU := serverCPU(o.serverPID)
	start := time.Now()
	n, err := store.PutSeq(ctx, batchedRun, graph.Candidate, seq)
	if err != nil {
		return false, err
	}
	batchTime := time.Since(start).Seconds()
	batchCPUAfter := serverCPU(o.serverPID)
	c, err := store.Count(ctx, batchedRun)
	if err != nil {
		return false, err
	}
	nodes := c.Documents + c.Entities
	batchRate := float64(nodes+c.Relationships) / batchTime
	fmt.Printf("batched:  %7d nodes %7d relationships in %6.2fs: %8.0f nodes/s, %8.0f rows/s (%d graphs, peak Go heap %.0f MiB%s)\n",
		nodes, c.Relationships, batchTime, float64(nodes)/batchTime, batchRate, n, float64(peak)/(1<<20),
		cpuNote(batchCPU, batchCPUAfter, nodes+c.Relationships))
	cpu0 := serverCPU(o.serverPID)
	start = time.Now()
	n2, r2, err := perRow(ctx, driver, cfg.Database, rowRun, reports(first, o.sample, o.entities, o.relations))
	if err != nil {
		return false, err
	}
	rowTime += time.Since(start).Seconds()
	rowCPU += serverCPU(o.serverPID) - cpu0
	rowNodes, rowRels = rowNodes+n2, rowRels+r2
	rowRate := float64(rowNodes+rowRels) / rowTime
	note := ""
	if o.serverPID > 0 {
		note = cpuNote(0, rowCPU, int64(rowNodes+rowRels))
	}
	fmt.Printf("per-row:  %7d nodes %7d relationships in %6.2fs: %8.0f nodes/s, %8.0f rows/s (one transaction a row, half before and half after the batched push%s)\n",
		rowNodes, rowRels, rowTime, float64(rowNodes)/rowTime, rowRate, note)
	ratio := batchRate / rowRate
	fmt.Printf("ratio:    %.1fx the per-row throughput", ratio)
	if o.serverPID > 0 && batchCPUAfter > batchCPU && rowCPU > 0 {
		fmt.Printf("; %.1fx the rows per server CPU-second", (float64(nodes+c.Relationships)/(batchCPUAfter-batchCPU))/(float64(rowNodes+rowRels)/rowCPU))
	}
	fmt.Println()

	// Push again: same counts (idempotent).
	start = time.Now()
	if _, err := store.PutSeq(ctx, batchedRun, graph.Candidate, reports(0, o.graphs, o.entities, o.relations)); err != nil {
		return false, err
	}
	again := time.Since(start).Seconds()
	c2, err := store.Count(ctx, batchedRun)
	if err != nil {
		return false, err
	}
	fmt.Printf("re-push:  %6.2fs (the same graphs again: each found unchanged and skipped); counts %+v, %s\n", again, c2, map[bool]string{true: "unchanged", false: "CHANGED"}[c2 == c])

	if o.replace {
		cpu0 := serverCPU(o.serverPID)
		start = time.Now()
		if _, err := store.PutSeq(ctx, batchedRun, graph.Candidate, reportsSeed(0, o.graphs, o.entities, o.relations, 8)); err != nil {
			return false, err
		}
		took := time.Since(start).Seconds()
		c3, err := store.Count(ctx, batchedRun)
		if err != nil {
			return false, err
		}
		fmt.Printf("replace:  %6.2fs (every graph changed, replaced in place): %8.0f rows/s; counts %+v%s\n",
			took, float64(c3.Documents+c3.Entities+c3.Relationships)/took, c3, cpuNote(cpu0, serverCPU(o.serverPID), c3.Documents+c3.Entities+c3.Relationships))
	}

	start = time.Now()
	pulled, pulledEntities := 0, 0
	for g, err := range store.Scan(ctx, batchedRun, graph.Candidate) {
		if err != nil {
			return false, err
		}
		pulled++
		pulledEntities += len(g.Entities)
	}
	pull := time.Since(start).Seconds()
	fmt.Printf("pull:     %7d graphs, %d entities in %6.2fs: %8.0f graphs/s\n", pulled, pulledEntities, pull, float64(pulled)/pull)

	if !o.keep {
		cpu0 := serverCPU(o.serverPID)
		start = time.Now()
		if err := store.Delete(ctx, batchedRun); err != nil {
			return false, err
		}
		took := time.Since(start).Seconds()
		fmt.Printf("delete:   %6.2fs: %8.0f rows/s%s\n", took, float64(nodes+c.Relationships)/took,
			cpuNote(cpu0, serverCPU(o.serverPID), nodes+c.Relationships))
	}

	ok := c2 == c && pulled == o.graphs
	if o.maxSeconds > 0 && batchTime > o.maxSeconds {
		fmt.Printf("MISSED: batched push took %.1fs, target %.0fs\n", batchTime, o.maxSeconds)
		ok = false
	}
	if o.minRatio > 0 && ratio < o.minRatio {
		fmt.Printf("MISSED: ratio %.1fx, target %.0fx\n", ratio, o.minRatio)
		ok = false
	}
	fmt.Printf("load average at the end: %s\n", loadavg())
	if ok {
		fmt.Println("targets met")
	}
	return ok, nil
}

// perRow writes the same data model one row per transaction: a document,
// then each entity, then each relationship, each its own ExecuteQuery.
func perRow(ctx context.Context, driver neo4jdriver.DriverWithContext, db, run string, graphs iter.Seq2[*graph.Graph, error]) (nodes, rels int, err error) {
	exec := func(q string, p map[string]any) error {
		_, err := neo4jdriver.ExecuteQuery(ctx, driver, q, p, neo4jdriver.EagerResultTransformer,
			neo4jdriver.ExecuteQueryWithDatabase(db), neo4jdriver.ExecuteQueryWithWritersRouting())
		return err
	}
	role := string(graph.Candidate)
	for g := range graphs {
		err := exec(`MERGE (d:Document {run_id: $run, role: $role, doc_id: $doc})
SET d.text = $text, d.entity_count = $ne, d.relation_count = $nr`,
			map[string]any{"run": run, "role": role, "doc": g.ID, "text": g.Text, "ne": int64(len(g.Entities)), "nr": int64(len(g.Relations))})
		if err != nil {
			return nodes, rels, err
		}
		nodes++
		for i, e := range g.Entities {
			label, err := kgneo4j.Quote(e.Type)
			if err != nil {
				return nodes, rels, err
			}
			p := map[string]any{"ord": int64(i), "key": e.Key, "type": e.Type, "assertion": string(e.Assertion),
				"text": e.Text, "count": int64(e.Count), "weight": e.Weight, "span": []int64{int64(e.Span[0]), int64(e.Span[1])}}
			if e.Measure != nil {
				p["measure_values"], p["measure_unit"] = e.Measure.Values, e.Measure.Unit
			}
			err = exec(`MERGE (e:Entity {run_id: $run, role: $role, doc_id: $doc, id: $id}) SET e:`+label+`, e += $p`,
				map[string]any{"run": run, "role": role, "doc": g.ID, "id": e.ID, "p": p})
			if err != nil {
				return nodes, rels, err
			}
			nodes++
		}
		for i, r := range g.Relations {
			typ, err := kgneo4j.Quote(r.Type)
			if err != nil {
				return nodes, rels, err
			}
			err = exec(`MATCH (s:Entity {run_id: $run, role: $role, doc_id: $doc, id: $s})
MATCH (t:Entity {run_id: $run, role: $role, doc_id: $doc, id: $t})
MERGE (s)-[x:`+typ+` {run_id: $run, role: $role, doc_id: $doc, ord: $ord}]->(t)
SET x.count = $count`,
				map[string]any{"run": run, "role": role, "doc": g.ID, "s": r.Source, "t": r.Target, "ord": int64(i), "count": int64(r.Count)})
			if err != nil {
				return nodes, rels, err
			}
			rels++
		}
	}
	return nodes, rels, nil
}
