package neo4j_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	neo4jdriver "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/kgeval/kgeval/graph"
	kgneo4j "github.com/kgeval/kgeval/graph/neo4j"
	"github.com/kgeval/kgeval/graph/storetest"
)

// TestPushSurvivesRestart stops Neo4j in the middle of a push and starts it
// again. It needs a server of its own, since it stops it: scripts/neo4j on
// a free port (or KGEVAL_NEO4J_RESTART_PORT) with a server home in a
// temporary folder, never the shared server of the other tests, and never
// the server of another run of this test. It runs with
// KGEVAL_NEO4J_REQUIRED=1 (as in .ci/run), where a server that cannot be
// started fails it, or with KGEVAL_NEO4J_RESTART=1; it skips otherwise (it
// takes two server starts, about three minutes).
//
// The push either completes (the driver retries while the server comes
// back) or fails with an error that names the run and how many graphs were
// written; either way, pushing again completes the run, and the database
// then holds each graph once, as it was pushed.
func TestPushSurvivesRestart(t *testing.T) {
	required := os.Getenv("KGEVAL_NEO4J_REQUIRED") == "1"
	if !required && os.Getenv("KGEVAL_NEO4J_RESTART") != "1" {
		t.Skip("stops and starts a Neo4j server of its own: set KGEVAL_NEO4J_RESTART=1 or KGEVAL_NEO4J_REQUIRED=1")
	}
	began := time.Now()
	srv := newRestartServer(t)
	uri := srv.start()
	t.Cleanup(srv.stop)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	drv, err := kgneo4j.Connect(ctx, kgneo4j.Config{URI: uri})
	if err != nil {
		t.Fatalf("connect to the restart server: %v", err)
	}
	t.Logf("server up and connected in %s", time.Since(began).Round(time.Millisecond))
	defer drv.Close(context.Background())
	s, err := kgneo4j.New(drv, "", radiology(t), kgneo4j.WithChunkRows(60), kgneo4j.WithWriters(2))
	if err != nil {
		t.Fatal(err)
	}
	schema := time.Now()
	if err := s.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("constraints in %s", time.Since(schema).Round(time.Millisecond))
	run := storetest.RunID(t)
	// The first write plans the put query, slowly on a cold server: done
	// before the push, it leaves the push the time of the writes alone.
	warm := time.Now()
	if err := s.Put(ctx, run+"-warm", graph.Candidate, synthetic(1)); err != nil {
		t.Fatal(err)
	}
	s.Delete(ctx, run+"-warm")
	t.Logf("first write in %s", time.Since(warm).Round(time.Millisecond))
	gs := synthetic(300) // about 60 chunks of 60 rows

	// The first push: the server is stopped once a third of the graphs
	// are read, and started again in the background.
	var restarted sync.WaitGroup
	var once sync.Once
	var stoppedAt time.Time
	start := time.Now()
	n, pushErr := s.PutSeq(ctx, run, graph.Reference, func(yield func(*graph.Graph, error) bool) {
		for i, g := range gs {
			if i == len(gs)/3 {
				once.Do(func() {
					t.Logf("stopping the server after %s", time.Since(start).Round(time.Millisecond))
					srv.stop()
					stoppedAt = time.Now()
					restarted.Add(1)
					go func() {
						defer restarted.Done()
						srv.start()
						t.Logf("server started again %s after it stopped", time.Since(stoppedAt).Round(time.Millisecond))
					}()
				})
			}
			if !yield(g, nil) {
				return
			}
		}
	})
	t.Logf("first push: %d graphs written in %s (server stopped after %s): %v", n, time.Since(start).Round(time.Millisecond), stoppedAt.Sub(start).Round(time.Millisecond), pushErr)
	if pushErr != nil {
		msg := pushErr.Error()
		if !strings.Contains(msg, "neo4j put run "+run) || !strings.Contains(msg, "graphs written") {
			t.Errorf("the failed push does not say which run and how far it got: %v", pushErr)
		}
	} else if n != len(gs) {
		t.Errorf("the push reported success with %d of %d graphs", n, len(gs))
	}
	restarted.Wait()
	if t.Failed() {
		return
	}

	// Pushing again completes the run: each graph once, as pushed.
	again := time.Now()
	if n, err := s.PutSeq(ctx, run, graph.Reference, slices(gs)); err != nil || n != len(gs) {
		t.Fatalf("the push again: %d graphs, %v", n, err)
	}
	t.Logf("the push again took %s", time.Since(again).Round(time.Millisecond))
	t.Cleanup(func() { s.Delete(context.Background(), run) })
	checkRun(ctx, t, s, drv, run, gs)
	// And once more: nothing changes.
	if _, err := s.PutSeq(ctx, run, graph.Reference, slices(gs)); err != nil {
		t.Fatal(err)
	}
	checkRun(ctx, t, s, drv, run, gs)
}

func slices(gs []*graph.Graph) func(func(*graph.Graph, error) bool) {
	return func(yield func(*graph.Graph, error) bool) {
		for _, g := range gs {
			if !yield(g, nil) {
				return
			}
		}
	}
}

// checkRun checks that the run holds gs exactly: the counts, no document or
// entity twice, and every graph equal to the one pushed.
func checkRun(ctx context.Context, t *testing.T, s *kgneo4j.Store, drv neo4jdriver.DriverWithContext, run string, gs []*graph.Graph) {
	t.Helper()
	var ents, rels int
	for _, g := range gs {
		ents += len(g.Entities)
		rels += len(g.Relations)
	}
	want := kgneo4j.Counts{Documents: int64(len(gs)), Entities: int64(ents), Relationships: int64(rels)}
	if got, err := s.Count(ctx, run); err != nil || got != want {
		t.Fatalf("counts %+v, %v; want %+v", got, err, want)
	}
	res, err := neo4jdriver.ExecuteQuery(ctx, drv, `MATCH (d:Document {run_id: $run})
		WITH d.role AS role, d.doc_id AS doc, count(*) AS n WHERE n > 1 RETURN count(*) AS dups`,
		map[string]any{"run": run}, neo4jdriver.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := res.Records[0].Get("dups"); d != int64(0) {
		t.Errorf("%v documents stored twice", d)
	}
	got, err := s.List(ctx, run, graph.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(gs) {
		t.Fatalf("%d graphs listed, want %d", len(got), len(gs))
	}
	for i := range gs {
		if ok, diff := storetest.Equal(gs[i], got[i]); !ok {
			t.Fatalf("graph %s: %s", gs[i].ID, diff)
		}
	}
}

// restartServer drives scripts/neo4j on its own port, with its server home
// in a temporary cache folder that borrows the installed jars.
type restartServer struct {
	t     *testing.T
	port  string
	cache string
	mu    sync.Mutex
}

func newRestartServer(t *testing.T) *restartServer {
	r := &restartServer{t: t, port: os.Getenv("KGEVAL_NEO4J_RESTART_PORT"), cache: t.TempDir()}
	if r.port == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
	}
	// The jars: installed (downloaded once) in the real cache, linked.
	if _, err := r.scriptEnv("install", nil); err != nil {
		t.Fatalf("install Neo4j: %v", err)
	}
	real := os.Getenv("KGEVAL_CACHE")
	if real == "" {
		home, _ := os.UserHomeDir()
		real = filepath.Join(home, ".cache", "kgeval")
	}
	if err := os.MkdirAll(filepath.Join(r.cache, "neo4j"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(real, "neo4j", "lib"), filepath.Join(r.cache, "neo4j", "lib")); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *restartServer) script(arg string) (string, error) {
	return r.scriptEnv(arg, []string{"KGEVAL_CACHE=" + r.cache, "KGEVAL_NEO4J_PORT=" + r.port})
}

func (r *restartServer) scriptEnv(arg string, env []string) (string, error) {
	cmd := exec.Command("../../scripts/neo4j", arg)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/neo4j %s: %v\n%s", arg, err, stderr.String())
	}
	return string(out), nil
}

// start starts the server and returns its Bolt URI; a failure fails the
// test (it only runs when the server is required or asked for).
func (r *restartServer) start() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out, err := r.script("start")
	if err != nil {
		r.t.Errorf("start the restart server: %v", err)
		return ""
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "export NEO4J_URI="); ok {
			return v
		}
	}
	r.t.Errorf("scripts/neo4j start printed no NEO4J_URI: %q", out)
	return ""
}

func (r *restartServer) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.script("stop"); err != nil {
		r.t.Errorf("stop the restart server: %v", err)
	}
}
