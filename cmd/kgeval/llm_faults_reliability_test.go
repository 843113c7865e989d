package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kgeval/kgeval/internal/faults"
)

// faultCase is one document and what the fake LLM server does with the
// requests that carry it.
type faultCase struct {
	id     string
	plan   func(attempt int) faults.Fault
	ok     bool   // the document ends with a graph; else with an error
	reason string // a substring of the error
}

func first(n int, f faults.Fault) func(int) faults.Fault {
	return func(attempt int) faults.Fault {
		if attempt <= n {
			return f
		}
		return faults.Fault{Kind: faults.OK}
	}
}

func always(f faults.Fault) func(int) faults.Fault { return func(int) faults.Fault { return f } }

// faultCases cover every fault, once recovered from and once not. The
// client runs with --timeout 1s --retries 2: three attempts at most.
var faultCases = []faultCase{
	{"ok", always(faults.Fault{Kind: faults.OK}), true, ""},
	{"burst-429", first(2, faults.Fault{Kind: faults.RateLimit, RetryAfter: time.Second}), true, ""},
	{"one-500", first(1, faults.Fault{Kind: faults.ServerError}), true, ""},
	{"one-reset", first(1, faults.Fault{Kind: faults.Reset}), true, ""},
	{"one-slow", first(1, faults.Fault{Kind: faults.Slow}), true, ""},
	{"one-truncated-body", first(1, faults.Fault{Kind: faults.TruncatedBody}), true, ""},
	{"wrong-schema-then-fixed", first(1, faults.Fault{Kind: faults.WrongSchema}), true, ""},
	{"truncated-reply-then-fixed", first(1, faults.Fault{Kind: faults.TruncatedReply}), true, ""},
	{"always-429", always(faults.Fault{Kind: faults.RateLimit, RetryAfter: time.Second}), false, "HTTP 429"},
	{"always-429-no-retry-after", always(faults.Fault{Kind: faults.RateLimit}), false, "HTTP 429"},
	{"always-500", always(faults.Fault{Kind: faults.ServerError}), false, "HTTP 500"},
	{"always-reset", always(faults.Fault{Kind: faults.Reset}), false, "cannot reach"},
	{"always-slow", always(faults.Fault{Kind: faults.Slow}), false, "timeout"},
	{"always-truncated-body", always(faults.Fault{Kind: faults.TruncatedBody}), false, "after 3 attempts"},
	{"always-truncated-reply", always(faults.Fault{Kind: faults.TruncatedReply}), false, "cut off"},
	{"always-wrong-schema", always(faults.Fault{Kind: faults.WrongSchema}), false, `no "entities"`},
}

// faultServer starts the fake server with the plan of faultCases: each
// document names its case in its text ("case burst-429.").
func faultServer(t *testing.T) *faults.Server {
	t.Helper()
	s := faults.New()
	t.Cleanup(s.Close)
	caseRE := regexp.MustCompile(`case ([a-z0-9-]+)\.`)
	plans := map[string]func(int) faults.Fault{}
	for _, c := range faultCases {
		plans[c.id] = c.plan
	}
	s.Plan = func(r faults.Request) faults.Fault {
		m := caseRE.FindStringSubmatch(r.Doc)
		if m == nil || plans[m[1]] == nil {
			return faults.Fault{Kind: faults.OK}
		}
		return plans[m[1]](r.Attempt)
	}
	s.Reply = func(doc string) string {
		if strings.Contains(doc, "effusion") {
			return `{"entities": [{"id": "e1", "text": "effusion", "type": "disorder", "assertion": "present", "key": ""}], "relations": []}`
		}
		return `{"entities": [], "relations": []}`
	}
	return s
}

// faultArgs are the LLM flags of the fault tests: short timeouts and few
// retries keep the test short; nothing is cached, so every run asks.
var faultArgs = []string{"--extractor", "llm", "--no-cache", "--timeout", "1s", "--retries", "2", "--concurrency", "4"}

// maxFaultRun bounds a whole run: the slowest document takes three
// attempts of 1 s and two backoffs of at most 1 s and 2 s, and a re-ask
// doubles that; four documents at once.
const maxFaultRun = 60 * time.Second

// TestLLMFaultsExtract runs kgeval extract against the faulty server: every
// document ends with a graph on standard output or an error naming it on
// standard error, none twice, none lost, and the run ends in bounded time
// with exit 3 (the service failed for some documents).
func TestLLMFaultsExtract(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for retries")
	}
	s := faultServer(t)
	var docs strings.Builder
	for _, c := range faultCases {
		fmt.Fprintf(&docs, `{"id":%q,"text":"Small pleural effusion, case %s."}`+"\n", c.id, c.id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*maxFaultRun)
	defer cancel()
	start := time.Now()
	out, errOut, code := runCtx(t, ctx, map[string]string{"OPENAI_BASE_URL": s.URL, "KGEVAL_MODEL": "faults"}, docs.String(),
		append([]string{"extract", "--docs", "-"}, faultArgs...)...)
	took := time.Since(start)
	if took > maxFaultRun {
		t.Errorf("the run took %s, more than %s", took.Round(time.Millisecond), maxFaultRun)
	}
	if code != exitService {
		t.Errorf("exit %d, want %d (service failures)", code, exitService)
	}
	graphs := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var g struct {
			ID       string `json:"id"`
			Entities []struct{ Text string }
		}
		if err := json.Unmarshal([]byte(line), &g); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		graphs[g.ID]++
		if len(g.Entities) != 1 || g.Entities[0].Text != "effusion" {
			t.Errorf("graph of %s: %s", g.ID, line)
		}
	}
	errs := map[string]string{}
	for _, line := range strings.Split(errOut, "\n") {
		if m := regexp.MustCompile(`^kgeval: <stdin>:\d+: extract ([a-z0-9-]+): (.*)$`).FindStringSubmatch(line); m != nil {
			if _, dup := errs[m[1]]; dup {
				t.Errorf("two errors for %s", m[1])
			}
			errs[m[1]] = m[2]
		}
	}
	for _, c := range faultCases {
		g, e := graphs[c.id], errs[c.id]
		switch {
		case g+boolInt(e != "") != 1:
			t.Errorf("%s: %d graphs and error %q; want exactly one of them", c.id, g, e)
		case c.ok && g != 1:
			t.Errorf("%s: no graph (error %q)", c.id, e)
		case !c.ok && !strings.Contains(e, c.reason):
			t.Errorf("%s: error %q, want one saying %q", c.id, e, c.reason)
		}
	}
	var ok, failed int
	for _, c := range faultCases {
		if c.ok {
			ok++
		} else {
			failed++
		}
	}
	if want := fmt.Sprintf("extracted %d documents, %d failed", ok, failed); !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	for _, k := range []faults.Kind{faults.RateLimit, faults.ServerError, faults.Reset, faults.Slow, faults.TruncatedBody, faults.TruncatedReply, faults.WrongSchema} {
		if s.Count(k) == 0 {
			t.Errorf("no request got fault %s: the test does not exercise it", k)
		}
	}
	t.Logf("%d requests in %s", len(s.Requests()), took.Round(time.Millisecond))
}

// TestLLMFaultsScore runs kgeval score against the faulty server, each
// pair's reference a good document and its candidate one of the fault
// cases: every pair has exactly one record, ok or error with the reason,
// in input order, in the results file as on standard output.
func TestLLMFaultsScore(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for retries")
	}
	s := faultServer(t)
	dir := t.TempDir()
	pairsFile := filepath.Join(dir, "pairs.jsonl")
	var pairs strings.Builder
	for _, c := range faultCases {
		fmt.Fprintf(&pairs, `{"id":%q,"reference":"Small pleural effusion, case ok.","candidate":"Small pleural effusion, case %s."}`+"\n", c.id, c.id)
	}
	if err := os.WriteFile(pairsFile, []byte(pairs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, "scores.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 2*maxFaultRun)
	defer cancel()
	start := time.Now()
	_, errOut, code := runCtx(t, ctx, map[string]string{"OPENAI_BASE_URL": s.URL, "KGEVAL_MODEL": "faults"}, "",
		append([]string{"score", "--pairs", pairsFile, "--format", "jsonl", "--out", outFile}, faultArgs...)...)
	took := time.Since(start)
	if took > maxFaultRun {
		t.Errorf("the run took %s, more than %s", took.Round(time.Millisecond), maxFaultRun)
	}
	if code != exitService {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitService, errOut)
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("no results file: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(faultCases)+1 { // the run header first
		t.Fatalf("%d lines for %d pairs:\n%s", len(lines), len(faultCases), b)
	}
	for i, c := range faultCases {
		var rec struct {
			ID, Status, Error string
			Scores            *struct{ NSC float64 }
		}
		if err := json.Unmarshal([]byte(lines[i+1]), &rec); err != nil {
			t.Fatal(err)
		}
		switch {
		case rec.ID != c.id:
			t.Errorf("record %d is %q, want %q (input order)", i, rec.ID, c.id)
		case c.ok && (rec.Status != "ok" || rec.Scores == nil || rec.Scores.NSC != 1):
			t.Errorf("%s: %s", c.id, lines[i+1])
		case !c.ok && (rec.Status != "error" || !strings.Contains(rec.Error, "extract candidate") || !strings.Contains(rec.Error, c.reason)):
			t.Errorf("%s: want an error record saying %q: %s", c.id, c.reason, lines[i+1])
		}
	}
	if _, err := os.Stat(outFile + ".partial"); err == nil {
		t.Error("a partial results file was left next to the finished one")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
