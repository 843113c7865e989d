package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runLLM is run with an environment.
func runLLM(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code exitCode) {
	t.Helper()
	return runCtx(t, context.Background(), env, stdin, args...)
}

func runCtx(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) (stdout, stderr string, code exitCode) {
	t.Helper()
	var out, errb bytes.Buffer
	sys := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }}
	code = Main(ctx, args, sys)
	return out.String(), errb.String(), code
}

// spotTerms are what the fake model "finds": each term present in the
// document becomes an entity, and the first finding is located at the
// first body part.
var spotTerms = []struct{ text, typ, assertion string }{
	{"pleural effusion", "disorder", "present"}, {"pneumothorax", "disorder", "absent"},
	{"opacity", "disorder", "present"}, {"pneumonia", "disorder", "uncertain"},
	{"nodule", "disorder", "present"}, {"lower lobe", "anatomy", "present"}, {"right upper lobe", "anatomy", "present"},
	{"Small", "concept", "present"}, {"left", "concept", "present"},
}

// fakeLLM is an OpenAI-compatible server that spots terms in the fenced
// document of the last message. before, when set, may answer instead (a
// non-nil return ends the request).
type fakeLLM struct {
	srv      *httptest.Server
	requests atomic.Int64
	answered atomic.Int64
	delay    time.Duration
	mu       sync.Mutex
	auth     []string
	before   func(n int64, w http.ResponseWriter, r *http.Request) bool
	content  func(doc string) string
}

func newFakeLLM(t *testing.T) *fakeLLM {
	f := &fakeLLM{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) url() string { return f.srv.URL + "/v1" }

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	f.mu.Lock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if f.before != nil && f.before(n, w, r) {
		return
	}
	var req struct {
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &req)
	// The document is in the last message that has one (a re-ask ends
	// with the validation errors instead).
	doc := ""
	for _, m := range req.Messages {
		if i := strings.Index(m.Content, "<document>\n"); i >= 0 && m.Role == "user" {
			doc = m.Content[i+len("<document>\n"):]
			doc = doc[:strings.LastIndex(doc, "\n</document>")]
		}
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	content := spotGraph(doc)
	if f.content != nil {
		content = f.content(doc)
	}
	defer f.answered.Add(1)
	json.NewEncoder(w).Encode(map[string]any{
		"id": "x", "object": "chat.completion", "model": "fake",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}},
		"usage":   map[string]any{"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050},
	})
}

func spotGraph(doc string) string {
	var ents []map[string]string
	var rels []map[string]string
	finding, place := "", ""
	for _, s := range spotTerms {
		if !strings.Contains(doc, s.text) {
			continue
		}
		id := fmt.Sprintf("e%d", len(ents)+1)
		ents = append(ents, map[string]string{"id": id, "text": s.text, "type": s.typ, "assertion": s.assertion, "key": ""})
		if s.typ == "disorder" && finding == "" {
			finding = id
		}
		if s.typ == "anatomy" && place == "" {
			place = id
		}
	}
	if finding != "" && place != "" {
		rels = append(rels, map[string]string{"source": finding, "target": place, "type": "located_at"})
	}
	b, _ := json.Marshal(map[string]any{"entities": orEmpty(ents), "relations": orEmpty(rels)})
	return string(b)
}

func orEmpty(v []map[string]string) []map[string]string {
	if v == nil {
		return []map[string]string{}
	}
	return v
}

func llmEnv(f *fakeLLM, extra ...string) map[string]string {
	env := map[string]string{"OPENAI_BASE_URL": f.url(), "KGEVAL_MODEL": "fake-model"}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func TestLLMExtractAndScore(t *testing.T) {
	f := newFakeLLM(t)
	cacheDir := t.TempDir()
	env := llmEnv(f)
	out, errOut, code := runLLM(t, env, "", "extract", "--docs", "testdata/docs.jsonl", "--extractor", "llm", "--cache-dir", cacheDir)
	if code != exitOK {
		t.Fatalf("extract: exit %d\n%s", code, errOut)
	}
	outFile := filepath.Join(t.TempDir(), "r.jsonl")
	if _, errOut, code := runLLM(t, env, "", "score", "--pairs", "testdata/pairs.jsonl", "--extractor", "llm", "--cache-dir", cacheDir, "--out", outFile); code != exitOK {
		t.Fatalf("score --out: exit %d\n%s", code, errOut)
	}
	if b, _ := os.ReadFile(outFile); !strings.Contains(string(b), `"extractor":"llm","model":"fake-model"`) {
		t.Errorf("the run header does not name the model: %.200s", b)
	}
	if !strings.Contains(out, `"text":"nodule","type":"disorder"`) || !strings.Contains(out, `"type":"located_at"`) {
		t.Errorf("extract output:\n%s", out)
	}
	for _, want := range []string{"llm fake-model: 1 documents (0 failed); 1 requests", "tokens 1000 prompt + 50 completion"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	out, errOut, code = runLLM(t, env, "", "score", "--pairs", "testdata/pairs.jsonl", "--extractor", "llm", "--cache-dir", cacheDir, "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("score: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("score wrote %d lines:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"status":"ok"`) {
			t.Errorf("record %s", l)
		}
	}
	if !strings.Contains(lines[0], `"nsc":1`) {
		t.Errorf("identical documents should score nsc 1: %s", lines[0])
	}
}

func TestLLMSecondRunIsCached(t *testing.T) {
	f := newFakeLLM(t)
	cacheDir := t.TempDir()
	args := []string{"score", "--pairs", "testdata/pairs.jsonl", "--extractor", "llm", "--cache-dir", cacheDir, "--format", "jsonl"}
	out1, errOut, code := runLLM(t, llmEnv(f), "", args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	first := f.requests.Load()
	out2, errOut, code := runLLM(t, llmEnv(f), "", args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if n := f.requests.Load() - first; n != 0 {
		t.Errorf("second run sent %d requests, want 0", n)
	}
	if out1 != out2 {
		t.Error("the cached run scored differently")
	}
	// 7 chunks: the blank side of the pair "empty" needs no request.
	if !strings.Contains(errOut, "0 requests") || !strings.Contains(errOut, "7 chunks from cache") {
		t.Errorf("summary: %s", errOut)
	}
	// --no-cache asks again.
	runLLM(t, llmEnv(f), "", append(args, "--no-cache")...)
	if f.requests.Load() == first {
		t.Error("--no-cache was served from the cache")
	}
}

func TestLLMConfigErrors(t *testing.T) {
	f := newFakeLLM(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no model", map[string]string{"OPENAI_BASE_URL": f.url()}, nil, "needs a model: --model NAME or KGEVAL_MODEL"},
		{"bad format", llmEnv(f), []string{"--response-format", "yaml"}, `unknown response format "yaml"`},
		{"negative rpm", llmEnv(f), []string{"--rpm", "-1"}, "must not be negative"},
		{"missing price table", llmEnv(f), []string{"--price-table", "nope.yaml"}, "--price-table"},
		{"unknown extractor", llmEnv(f), []string{"--extractor", "gpt"}, "want rules or llm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"extract", "--docs", "testdata/docs.jsonl", "--extractor", "llm", "--no-cache"}, tc.args...)
			_, errOut, code := runLLM(t, tc.env, "", args...)
			if code != exitInput || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tc.want)
			}
		})
	}
	if f.requests.Load() != 0 {
		t.Error("a configuration error still sent requests")
	}
}

func TestLLMFlagsBeatEnvironment(t *testing.T) {
	f := newFakeLLM(t)
	var model atomic.Value
	f.before = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		b, _ := io.ReadAll(r.Body)
		var req struct{ Model string }
		json.Unmarshal(b, &req)
		model.Store(req.Model)
		r.Body = io.NopCloser(bytes.NewReader(b))
		return false
	}
	env := map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "KGEVAL_MODEL": "env-model"}
	_, errOut, code := runLLM(t, env, "", "extract", "--docs", "testdata/docs.jsonl", "--extractor", "llm", "--no-cache",
		"--base-url", f.url(), "--model", "flag-model")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if model.Load() != "flag-model" {
		t.Errorf("model %v, want the flag's", model.Load())
	}
}

func TestLLMServiceDown(t *testing.T) {
	f := newFakeLLM(t)
	url := f.url()
	f.srv.Close() // nothing listens there any more
	env := map[string]string{"OPENAI_BASE_URL": url, "KGEVAL_MODEL": "m"}
	out, errOut, code := runLLM(t, env, "", "score", "--pairs", "testdata/pairs.jsonl", "--extractor", "llm", "--no-cache", "--retries", "1", "--format", "jsonl")
	if code != exitService {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, errOut)
	}
	// Nothing is dropped: every pair has an error record with the reason.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d records, want 4:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"status":"error"`) || !strings.Contains(l, "cannot reach") {
			t.Errorf("record %s", l)
		}
	}
	if !strings.Contains(errOut, "the LLM service failed") {
		t.Errorf("stderr: %s", errOut)
	}
}

func TestLLMBadReplyIsAnErrorRecord(t *testing.T) {
	f := newFakeLLM(t)
	f.content = func(doc string) string {
		if strings.Contains(doc, "Right lower lobe") {
			return "Sorry, I cannot read radiology reports."
		}
		return spotGraph(doc)
	}
	out, errOut, code := runLLM(t, llmEnv(f), "", "score", "--pairs", "testdata/pairs.jsonl", "--extractor", "llm", "--no-cache", "--format", "jsonl")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var side string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"id":"side"`) {
			side = l
		}
	}
	if !strings.Contains(side, `"status":"error"`) || !strings.Contains(side, "unusable LLM reply") || !strings.Contains(side, "cannot read radiology reports") {
		t.Errorf("the pair with a bad reply: %s", side)
	}
	if !strings.Contains(errOut, "3 ok, 1 error") {
		t.Errorf("summary: %s", errOut)
	}
}

// TestLLMKeyNeverWritten sends a key to a server that echoes it back in an
// error body and in a reply, then searches every output and cache file.
func TestLLMKeyNeverWritten(t *testing.T) {
	const key = "sk-kgeval-test-5f1e0c9a7b3d42e8a6c1"
	f := newFakeLLM(t)
	f.before = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"error":{"message":"debug: got header %s"}}`, r.Header.Get("Authorization"))
			return true
		}
		return false
	}
	f.content = func(doc string) string {
		g := spotGraph(doc)
		// A reply that quotes the key as an entity (dropped, warned about).
		return strings.Replace(g, `"entities":[`, `"entities":[{"id":"k","text":"Bearer `+key+`","type":"disorder","assertion":"present","key":""},`, 1)
	}
	dir := t.TempDir()
	cacheDir := filepath.Join(dir, "cache")
	outFile := filepath.Join(dir, "scores.jsonl")
	usageFile := filepath.Join(dir, "usage.json")
	env := llmEnv(f, "OPENAI_API_KEY", key)
	out1, err1, code := runLLM(t, env, "", "score", "--pairs", "testdata/pairs.jsonl", "--extractor", "llm",
		"--cache-dir", cacheDir, "--out", outFile, "--usage-out", usageFile)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, err1)
	}
	out2, err2, _ := runLLM(t, env, "", "extract", "--docs", "testdata/docs.jsonl", "--extractor", "llm", "--cache-dir", cacheDir, "--no-cache")
	// The key was used...
	f.mu.Lock()
	sent := f.auth[0]
	f.mu.Unlock()
	if sent != "Bearer "+key {
		t.Fatalf("the server got Authorization %q", sent)
	}
	// ...and the echo was seen, so the test exercises redaction.
	if !strings.Contains(err1, "[redacted]") {
		t.Errorf("no redacted echo in stderr; the test does not exercise redaction:\n%s", err1)
	}
	texts := map[string]string{"stdout": out1 + out2, "stderr": err1 + err2}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			texts[p] = string(b)
		}
		return nil
	})
	if len(texts) < 5 {
		t.Errorf("only %d outputs searched: %v", len(texts), keys(texts))
	}
	for name, text := range texts {
		if strings.Contains(text, key) || strings.Contains(text, key[len(key)-12:]) {
			t.Errorf("%s contains the API key", name)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestLLMInterruptStopsPromptly(t *testing.T) {
	f := newFakeLLM(t)
	f.delay = 300 * time.Millisecond
	var docs strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&docs, `{"id":"d%d","text":"Small left pleural effusion %d."}`+"\n", i, i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	go func() {
		// Interrupt once the first documents are answered, while others wait.
		for f.answered.Load() < 4 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		cancelled = time.Now()
		cancel()
	}()
	out, errOut, code := runCtx(t, ctx, llmEnv(f), docs.String(), "extract", "--docs", "-", "--extractor", "llm", "--no-cache", "--concurrency", "4")
	if d := time.Since(cancelled); d > 2*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, errOut)
	}
	// The documents finished before the interrupt were written, in order.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], `{"id":"d0"`) {
		t.Errorf("finished graphs were not kept: %q", out)
	}
	if strings.Contains(errOut, "failed for") {
		t.Errorf("an interrupt was reported as a service failure: %s", errOut)
	}
}

func TestLLMExtractKeepsInputOrder(t *testing.T) {
	f := newFakeLLM(t)
	var docs strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&docs, `{"id":"d%02d","text":"No pneumothorax, case %d."}`+"\n", i, i)
	}
	f.before = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(time.Duration(n%5) * 5 * time.Millisecond) // finish out of order
		return false
	}
	out, errOut, code := runLLM(t, llmEnv(f), docs.String(), "extract", "--docs", "-", "--extractor", "llm", "--no-cache", "--concurrency", "8")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, fmt.Sprintf(`{"id":"d%02d"`, i)) {
			t.Fatalf("line %d is %s", i, l[:20])
		}
	}
}

func TestLLMPriceTableAndUsageOut(t *testing.T) {
	f := newFakeLLM(t)
	dir := t.TempDir()
	table := filepath.Join(dir, "prices.yaml")
	os.WriteFile(table, []byte("fake-model: {input: 2.5, output: 10}\n"), 0o644)
	usage := filepath.Join(dir, "usage.json")
	_, errOut, code := runLLM(t, llmEnv(f), "", "extract", "--docs", "testdata/docs.jsonl", "--extractor", "llm", "--no-cache",
		"--price-table", table, "--usage-out", usage)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// 1000 prompt tokens at $2.5/M + 50 completion tokens at $10/M = $0.003.
	if !strings.Contains(errOut, "cost $0.0030") {
		t.Errorf("stderr: %s", errOut)
	}
	b, err := os.ReadFile(usage)
	if err != nil {
		t.Fatal(err)
	}
	var u map[string]any
	json.Unmarshal(b, &u)
	if u["prompt_tokens"] != float64(1000) || u["cost_usd"] != 0.003 || u["model"] != "fake-model" {
		t.Errorf("usage file: %s", b)
	}
}

// TestLLMConcurrencyBoundsRequests: kgeval extract gives the LLM extractor
// twice --concurrency documents, but the server never sees more than
// --concurrency requests at once, and with enough documents it sees that
// many.
func TestLLMConcurrencyBoundsRequests(t *testing.T) {
	f := newFakeLLM(t)
	f.delay = 20 * time.Millisecond
	var mu sync.Mutex
	inFlight, peak := 0, 0
	f.before = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		return false
	}
	f.content = func(doc string) string {
		mu.Lock()
		inFlight--
		mu.Unlock()
		return spotGraph(doc)
	}
	var docs strings.Builder
	for i := range 24 {
		fmt.Fprintf(&docs, `{"id":"d%02d","text":"Small left pleural effusion, case %d."}`+"\n", i, i)
	}
	if _, errOut, code := runLLM(t, llmEnv(f), docs.String(), "extract", "--docs", "-", "--extractor", "llm", "--no-cache", "--concurrency", "3"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if peak != 3 {
		t.Errorf("at most %d requests were in flight at once, want exactly --concurrency 3", peak)
	}
}
