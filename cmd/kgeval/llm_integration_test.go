package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/llmtest"
	"github.com/kgeval/kgeval/ontology"
)

// llmServerEnv returns the environment for the real LLM server
// (llmtest.Server): OPENAI_BASE_URL, KGEVAL_MODEL and OPENAI_API_KEY.
func llmServerEnv(t *testing.T) map[string]string {
	t.Helper()
	baseURL, model := llmtest.Server(t)
	return map[string]string{"OPENAI_BASE_URL": baseURL, "KGEVAL_MODEL": model, "OPENAI_API_KEY": os.Getenv("OPENAI_API_KEY")}
}

// TestIntegrationLLMScore runs kgeval score and extract with --extractor llm
// end to end through the real server, on real-looking reports from
// testdata/: every pair gets a record (scores, or an error with its
// reason), extracted graphs validate against the ontology, latency and
// tokens are logged, and a second run is served from the cache.
func TestIntegrationLLMScore(t *testing.T) {
	env := llmServerEnv(t)
	n := 1 // a CPU-only 270M model takes seconds to a minute a request
	if v, err := strconv.Atoi(os.Getenv("KGEVAL_LLM_TEST_PAIRS")); err == nil && v > 0 {
		n = v
	}
	dir := t.TempDir()
	pairsFile := filepath.Join(dir, "pairs.jsonl")
	docsFile := filepath.Join(dir, "docs.jsonl")
	var pairsOut, docsOut strings.Builder
	src, err := os.Open("../../testdata/radiology/pairs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sc := bufio.NewScanner(src)
	sc.Buffer(nil, 1<<20)
	// Pairs whose two sides differ, so that the scores say something.
	for len(strings.Split(strings.TrimSpace(pairsOut.String()), "\n")) < n || pairsOut.Len() == 0 {
		if !sc.Scan() {
			break
		}
		var p struct{ ID, Reference, Candidate string }
		if json.Unmarshal(sc.Bytes(), &p) != nil || p.Reference == p.Candidate {
			continue
		}
		line, _ := json.Marshal(map[string]string{"id": p.ID, "reference": p.Reference, "candidate": p.Candidate})
		pairsOut.Write(append(line, '\n'))
		doc, _ := json.Marshal(map[string]string{"id": p.ID, "text": p.Reference})
		docsOut.Write(append(doc, '\n'))
	}
	os.WriteFile(pairsFile, []byte(pairsOut.String()), 0o644)
	os.WriteFile(docsFile, []byte(docsOut.String()), 0o644)

	cache := filepath.Join(dir, "cache")
	common := []string{"--extractor", "llm", "--cache-dir", cache, "--concurrency", "1", "--timeout", "10m", "--max-tokens", "768"}
	usage := func(name string) map[string]any {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var u map[string]any
		json.Unmarshal(b, &u)
		return u
	}

	start := time.Now()
	out, errOut, code := runLLM(t, env, "", append([]string{"score", "--pairs", pairsFile, "--format", "jsonl", "--usage-out", filepath.Join(dir, "u1.json")}, common...)...)
	elapsed := time.Since(start)
	llmtest.Record(t, "kgeval score, %d pairs through %s in %s; stderr:\n%s", n, env["KGEVAL_MODEL"], elapsed.Round(time.Millisecond), errOut)
	if code != exitOK {
		t.Fatalf("score: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != n {
		t.Fatalf("%d records for %d pairs:\n%s", len(lines), n, out)
	}
	ok := 0
	for _, l := range lines {
		var r struct {
			ID, Status, Error string
			Scores            map[string]*float64
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("record %s: %v", l, err)
		}
		switch r.Status {
		case "ok":
			ok++
			for _, name := range []string{"nsc", "ams", "scs", "overall"} {
				if v := r.Scores[name]; v == nil || *v < 0 || *v > 1 {
					t.Errorf("pair %s: %s = %v", r.ID, name, v)
				}
			}
			llmtest.Record(t, "pair %s: nsc %.3f ams %.3f scs %.3f overall %.3f", r.ID, *r.Scores["nsc"], *r.Scores["ams"], *r.Scores["scs"], *r.Scores["overall"])
		case "error":
			if r.Error == "" {
				t.Errorf("pair %s: an error record without a reason", r.ID)
			}
			llmtest.Record(t, "pair %s: error: %s", r.ID, r.Error)
		default:
			t.Errorf("pair %s: status %q", r.ID, r.Status)
		}
	}
	if ok == 0 {
		t.Errorf("no pair was scored through the real model")
	}
	u1 := usage("u1.json")
	if u1["requests"].(float64) == 0 || u1["prompt_tokens"].(float64) == 0 {
		t.Errorf("no requests or tokens recorded: %v", u1)
	}
	llmtest.Record(t, "usage: %v requests, %v prompt + %v completion tokens, mean latency %s, max %s",
		u1["requests"], u1["prompt_tokens"], u1["completion_tokens"],
		time.Duration(u1["request_time_ns"].(float64)/max(1, u1["replies"].(float64))).Round(time.Millisecond),
		time.Duration(u1["max_latency_ns"].(float64)).Round(time.Millisecond))

	// The references again, through extract: served from the cache, and
	// every graph valid under the ontology.
	out, errOut, code = runLLM(t, env, "", append([]string{"extract", "--docs", docsFile, "--usage-out", filepath.Join(dir, "u2.json")}, common...)...)
	if code != exitOK && code != exitInput {
		t.Fatalf("extract: exit %d\n%s", code, errOut)
	}
	u2 := usage("u2.json")
	if u2["requests"].(float64) != 0 {
		t.Errorf("extract of already extracted texts sent %v requests, want 0 (cache)", u2["requests"])
	}
	o, _ := ontology.Builtin("radiology")
	graphs := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		g, err := graph.ParseGraph([]byte(l), o)
		if err != nil {
			t.Errorf("graph does not validate: %v\n%s", err, l)
			continue
		}
		graphs++
		for _, e := range g.Entities {
			if e.Span == nil || g.Text[e.Span[0]:e.Span[1]] != e.Text {
				t.Errorf("%s: entity %s %q is not at its span", g.ID, e.ID, e.Text)
			}
		}
	}
	if graphs == 0 {
		t.Error("no graph extracted")
	}
}
