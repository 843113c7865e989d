package llm

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/internal/llmtest"
	"github.com/kgeval/kgeval/ontology"
)

// TestIntegrationPromptTokens measures, with the real model's tokenizer,
// the prompt tokens of one call per document against the two-call design:
// each prompt is sent with max_tokens 1 and the API's usage is read.
func TestIntegrationPromptTokens(t *testing.T) {
	baseURL, model := llmtest.Server(t)
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
	llmtest.Record(t, "prompt tokens per document (%s tokenizer, %d-byte report): one call %d; two calls %d + %d = %d (%.2fx, +%d)",
		model, len(report), one, first, second, first+second, float64(first+second)/float64(one), first+second-one)
	if first+second <= one {
		t.Errorf("two calls (%d) should cost more prompt tokens than one (%d)", first+second, one)
	}
}

// TestIntegrationExtract extracts one report through the real server and
// checks the graph against the ontology.
func TestIntegrationExtract(t *testing.T) {
	baseURL, model := llmtest.Server(t)
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
	llmtest.Record(t, "%s in %s: %s", model, time.Since(start).Round(time.Millisecond), u)
	if w := warns.all(); w != "" {
		llmtest.Record(t, "warnings:\n%s", w)
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
	llmtest.Record(t, "graph: %s; relations: %s", entityTexts(g), relationList(g))
	if u.Requests == 0 || u.PromptTokens == 0 || u.CompletionTokens == 0 {
		t.Errorf("usage not recorded: %+v", u)
	}
}
