package llm

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/ontology"
)

// realServer returns the base URL and model of the real LLM server the
// integration tests use: OPENAI_BASE_URL and KGEVAL_MODEL, as
// `eval "$(scripts/llm start)"` sets them. The tests run when
// KGEVAL_LLM_TEST=1 or KGEVAL_LLM_REQUIRED=1; with KGEVAL_LLM_REQUIRED=1 a
// missing or unreachable server FAILS the test instead of skipping it, so
// that a broken start in CI cannot pass as a run without tests.
func realServer(t *testing.T) (baseURL, model string) {
	t.Helper()
	required := os.Getenv("KGEVAL_LLM_REQUIRED") == "1"
	if !required && os.Getenv("KGEVAL_LLM_TEST") != "1" {
		t.Skip("real LLM server tests: set KGEVAL_LLM_TEST=1 (or KGEVAL_LLM_REQUIRED=1) and OPENAI_BASE_URL, KGEVAL_MODEL; see docs/llm.md")
	}
	unavailable := t.Skipf
	if required {
		unavailable = t.Fatalf
	}
	baseURL, model = os.Getenv("OPENAI_BASE_URL"), os.Getenv("KGEVAL_MODEL")
	if baseURL == "" || model == "" {
		unavailable("OPENAI_BASE_URL and KGEVAL_MODEL must be set (eval \"$(scripts/llm start)\")")
	}
	// llama-cpp-python answers /models only between completions: wait.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/models", nil)
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		unavailable("LLM server %s unreachable: %v", baseURL, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		unavailable("LLM server %s: GET /models answered %s", baseURL, resp.Status)
	}
	return baseURL, model
}

// TestIntegrationPromptTokens measures, with the real model's tokenizer,
// the prompt tokens of one call per document against the two-call design:
// each prompt is sent with max_tokens 1 and the API's usage is read.
func TestIntegrationPromptTokens(t *testing.T) {
	baseURL, model := realServer(t)
	o, _ := ontology.Builtin("radiology")
	x, err := New(o, Config{BaseURL: baseURL, Model: model, APIKey: os.Getenv("OPENAI_API_KEY"), Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	count := func(msgs []openai.ChatCompletionMessage) int {
		t.Helper()
		resp, err := x.client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: model, Messages: msgs, MaxTokens: 1})
		if err != nil {
			t.Fatalf("count prompt tokens: %v", err)
		}
		if resp.Usage.PromptTokens == 0 {
			t.Fatal("the server reports no prompt tokens")
		}
		return resp.Usage.PromptTokens
	}
	var reply replyGraph
	for _, e := range []string{"Moderate/concept", "right/concept", "pleural effusion/disorder", "atelectasis/disorder", "right lower lobe/anatomy", "pneumothorax/disorder", "pneumonia/disorder"} {
		text, typ, _ := strings.Cut(e, "/")
		reply.Entities = append(reply.Entities, ent("e"+string(rune('1'+len(reply.Entities))), text, typ, "present"))
	}
	one := count(x.messages(report))
	a, b := twoCallMessages(o, report, reply.Entities)
	first, second := count(a), count(b)
	record(t, "prompt tokens per document (%s tokenizer, %d-byte report): one call %d; two calls %d + %d = %d (%.2fx, +%d)",
		model, len(report), one, first, second, first+second, float64(first+second)/float64(one), first+second-one)
	if first+second <= one {
		t.Errorf("two calls (%d) should cost more prompt tokens than one (%d)", first+second, one)
	}
}

// TestIntegrationExtract extracts one report through the real server and
// checks the graph against the ontology.
func TestIntegrationExtract(t *testing.T) {
	baseURL, model := realServer(t)
	o, _ := ontology.Builtin("radiology")
	var warns warnings
	x, err := New(o, Config{BaseURL: baseURL, Model: model, APIKey: os.Getenv("OPENAI_API_KEY"),
		Concurrency: 1, Timeout: 10 * time.Minute, MaxTokens: 768, Warn: warns.add})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	g, err := x.Extract(context.Background(), extract.Document{ID: "real-1", Text: report})
	u := x.Usage()
	record(t, "%s in %s: %s", model, time.Since(start).Round(time.Millisecond), u)
	if w := warns.all(); w != "" {
		record(t, "warnings:\n%s", w)
	}
	if err != nil {
		// A weak model may fail a document; the failure must say why and
		// carry the reply.
		if !strings.Contains(err.Error(), "reply") {
			t.Fatalf("extraction failed without the reply: %v", err)
		}
		t.Fatalf("the real model's reply was unusable twice: %v", err)
	}
	if err := g.Validate(o); err != nil {
		t.Fatalf("invalid graph: %v", err)
	}
	if len(g.Entities) == 0 {
		t.Fatal("no entities extracted")
	}
	for _, e := range g.Entities {
		if report[e.Span[0]:e.Span[1]] != e.Text {
			t.Errorf("entity %s %q: span %v", e.ID, e.Text, *e.Span)
		}
	}
	record(t, "graph: %s; relations: %s", entityTexts(g), relationList(g))
	if u.Requests == 0 || u.PromptTokens == 0 || u.CompletionTokens == 0 {
		t.Errorf("usage not recorded: %+v", u)
	}
}

// record logs a measurement and, when KGEVAL_ARTIFACTS names a folder (as
// in .ci/run), appends it to llm-integration.log there, so that latency
// and tokens are kept without go test -v.
func record(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf(format, args...)
	dir := os.Getenv("KGEVAL_ARTIFACTS")
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, "llm-integration.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s: "+format+"\n", append([]any{time.Now().Format(time.RFC3339), t.Name()}, args...)...)
}
