package judge

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kgeval/kgeval/extract/rules"
)

// TestLLMServer runs the LLM judge against a real OpenAI-compatible server,
// the one of scripts/llm:
//
//	eval "$(scripts/llm start)"
//	KGEVAL_LLM_REQUIRED=1 go test ./scorers/judge -run '^TestLLMServer$' -count=1 -v
//
// It reads OPENAI_BASE_URL and KGEVAL_MODEL (and OPENAI_API_KEY if set).
// Without them, or when the server does not answer, it is skipped, unless
// KGEVAL_LLM_REQUIRED=1: then it fails, so that a broken start cannot pass
// as a run with no test.
//
// What it requires of the server is the path, not the judgement of a tiny
// model: every request answered, every grade either a score from 1 to 5
// with feedback or a *Failure carrying the raw reply, never a made-up
// score, and relative grading answered in both orders.
func TestLLMServer(t *testing.T) {
	base, model := os.Getenv("OPENAI_BASE_URL"), os.Getenv("KGEVAL_MODEL")
	required := os.Getenv("KGEVAL_LLM_REQUIRED") == "1"
	unavailable := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("KGEVAL_LLM_REQUIRED=1 but "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if base == "" || model == "" {
		unavailable(`OPENAI_BASE_URL and KGEVAL_MODEL are not set (eval "$(scripts/llm start)")`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	probe, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/models", nil)
	probe.Header.Set("Authorization", "Bearer "+os.Getenv("OPENAI_API_KEY"))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(probe)
	if err != nil {
		unavailable("the server at %s does not answer: %v", base, err)
	}
	resp.Body.Close()

	j, o := radiologyRules(t)
	x := rules.New(o)
	pairs := []struct{ ref, cand string }{
		{"Small left pleural effusion. No pneumothorax.", "Small left pleural effusion. No pneumothorax."},
		{"Moderate right pneumothorax. Small left pleural effusion.", "Small left pleural effusion."},
	}
	graded, failed := 0, 0
	// One pair per mode keeps the test to a few requests on a CPU server.
	for m, structured := range []string{StructuredAuto, StructuredOff} {
		c, err := NewOpenAI(OpenAIConfig{BaseURL: base, APIKey: os.Getenv("OPENAI_API_KEY"), Model: model, Structured: structured, Retries: 1})
		if err != nil {
			t.Fatal(err)
		}
		judge := &LLM{Client: c, Rubric: j.Rubric, Ground: true, Structured: structured != StructuredOff,
			Options: Options{Temperature: 0, Seed: 1, MaxAttempts: 2, MaxTokens: 300}}
		for i, p := range pairs {
			if i != 1-m {
				continue
			}
			start := time.Now()
			v, err := judge.Grade(ctx, input(t, x, o, p.ref, p.cand, map[string]any{"age": 64.0}))
			took := time.Since(start).Round(time.Millisecond)
			var f *Failure
			switch {
			case errors.Is(err, ErrService):
				t.Fatalf("structured %s, pair %d: the server failed: %v", structured, i, err)
			case errors.As(err, &f):
				failed++
				if f.Raw == "" && f.Attempts > 0 {
					t.Errorf("structured %s, pair %d: a failure must carry the raw reply: %+v", structured, i, f)
				}
				t.Logf("structured %s, pair %d: unparseable after %d attempts (%s): %q", structured, i, f.Attempts, took, clip(f.Raw, 200))
			case err != nil:
				t.Fatalf("structured %s, pair %d: %v", structured, i, err)
			default:
				graded++
				if v.Score < 1 || v.Score > 5 || len(v.Samples) != 1 {
					t.Errorf("structured %s, pair %d: verdict %+v", structured, i, v)
				}
				t.Logf("structured %s, pair %d: score %v after %d attempts (%s): %q", structured, i, v.Score, v.Attempts, took, clip(v.Feedback, 200))
			}
		}
		if sr, ok := judge.Client.(interface{ StructuredOutput() bool }); ok {
			t.Logf("structured %s: the server takes structured output: %v", structured, sr.StructuredOutput())
		}
	}
	t.Logf("graded %d of %d, %d failures with their raw replies", graded, graded+failed, failed)

	c, _ := NewOpenAI(OpenAIConfig{BaseURL: base, APIKey: os.Getenv("OPENAI_API_KEY"), Model: model, Retries: 1})
	judge := &LLM{Client: c, Rubric: j.Rubric, Structured: true, Options: Options{Seed: 1, MaxAttempts: 2, MaxTokens: 300}}
	pref, err := judge.Relative(ctx, &Relative{Instruction: j.Rubric.Instruction, Reference: pairs[1].ref,
		ResponseA: pairs[1].ref, ResponseB: pairs[1].cand, Rubric: j.Rubric})
	var f *Failure
	switch {
	case errors.As(err, &f):
		t.Logf("relative: unparseable after %d attempts: %q", f.Attempts, clip(f.Raw, 200))
	case err != nil:
		t.Fatalf("relative: %v", err)
	default:
		if pref.Winner != WinnerA && pref.Winner != WinnerB && pref.Winner != WinnerTie || len(pref.Orders[0].Votes) != 1 || len(pref.Orders[1].Votes) != 1 {
			t.Errorf("relative: %+v", pref)
		}
		t.Logf("relative: winner %s, orders %s and %s", pref.Winner, pref.Orders[0].Winner, pref.Orders[1].Winner)
	}
}
