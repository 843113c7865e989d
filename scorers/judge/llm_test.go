package judge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kgeval/kgeval/internal/cache"
)

// fakeServer is an OpenAI-compatible chat completions endpoint that plays
// back recorded replies in order and keeps the requests it got.
type fakeServer struct {
	t *testing.T
	// next returns the status and reply text for the n-th request (0-based)
	// and its decoded body.
	next func(n int, req map[string]any) (int, string)

	mu   sync.Mutex
	reqs []map[string]any
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		http.NotFound(w, r)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(b, &req); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	status, text := f.next(n, req)
	w.Header().Set("Content-Type", "application/json")
	if status != http.StatusOK {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": text, "type": "invalid_request_error"}})
		return
	}
	finish := "stop"
	if cut, ok := strings.CutPrefix(text, "<cut>"); ok { // a reply stopped at max_tokens
		text, finish = cut, "length"
	}
	json.NewEncoder(w).Encode(map[string]any{
		"id": fmt.Sprintf("chatcmpl-%d", n), "object": "chat.completion", "model": req["model"],
		"choices": []any{map[string]any{"index": 0, "finish_reason": finish,
			"message": map[string]any{"role": "assistant", "content": text}}},
	})
}

// replay serves the replies in order, then repeats the last.
func replay(replies ...string) func(int, map[string]any) (int, string) {
	return func(n int, _ map[string]any) (int, string) {
		if n >= len(replies) {
			n = len(replies) - 1
		}
		return http.StatusOK, replies[n]
	}
}

func newFake(t *testing.T, next func(int, map[string]any) (int, string)) (*fakeServer, *OpenAI) {
	t.Helper()
	f := &fakeServer{t: t, next: next}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL + "/v1", APIKey: "test", Model: "judge-model", Structured: StructuredOff, Backoff: 1})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func testRubric(t *testing.T) *Rubric {
	t.Helper()
	r, err := BuiltinRubric("radiology")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Replies recorded from judges in the Prometheus format.
const (
	replyValid4     = "Feedback: The response reports the left pleural effusion and the absent pneumothorax as the reference does, but omits the mild cardiomegaly, a minor finding. [RESULT] 4"
	replyValid2     = "Feedback: The response misses the pneumothorax, an urgent finding. [RESULT] 2"
	replyNoMarker   = "The response is mostly accurate. I would rate it a 4 out of 5."
	replyTwoMarkers = "Feedback: Good. [RESULT] 4\nFeedback: On reflection, worse. [RESULT] 3"
	replyChoseA     = "Feedback: Response A keeps every finding of the reference; Response B invents a consolidation. [RESULT] A"
)

func TestLLMAbsolute(t *testing.T) {
	tests := []struct {
		name         string
		replies      []string
		wantScore    float64
		wantAttempts int
		wantFailure  bool
	}{
		{"valid", []string{replyValid4}, 4, 1, false},
		{"unparseable then valid", []string{replyNoMarker, replyValid2}, 2, 2, false},
		{"two markers then valid", []string{replyTwoMarkers, replyValid4}, 4, 2, false},
		{"always unparseable", []string{replyNoMarker}, 0, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, replay(tt.replies...))
			j := &LLM{Client: c, Rubric: testRubric(t), Options: Options{Temperature: 0, Seed: 7}}
			v, err := j.Grade(context.Background(), &Input{Reference: "Left pleural effusion. Mild cardiomegaly.", Candidate: "Left pleural effusion."})
			if tt.wantFailure {
				var fail *Failure
				if !errors.As(err, &fail) {
					t.Fatalf("want a *Failure, got %v, %v", v, err)
				}
				if fail.Raw != replyNoMarker || fail.Attempts != tt.wantAttempts || !errors.Is(err, err) {
					t.Errorf("failure %+v: want the raw reply and %d attempts", fail, tt.wantAttempts)
				}
				if v != nil {
					t.Errorf("a failure must not come with a verdict: %+v", v)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if v.Score != tt.wantScore || v.Attempts != tt.wantAttempts || len(v.Samples) != 1 || v.Feedback == "" {
					t.Errorf("verdict %+v, want score %v after %d attempts", v, tt.wantScore, tt.wantAttempts)
				}
			}
			if len(f.reqs) != tt.wantAttempts {
				t.Fatalf("%d requests, want %d", len(f.reqs), tt.wantAttempts)
			}
			for i, req := range f.reqs {
				// Temperature and seed are sent explicitly, 0 included.
				if temp, ok := req["temperature"]; !ok || temp != 0.0 {
					t.Errorf("request %d: temperature %v (present %v), want an explicit 0", i, temp, ok)
				}
				if seed, ok := req["seed"]; !ok || seed != 7.0 {
					t.Errorf("request %d: seed %v, want 7", i, seed)
				}
				msgs := req["messages"].([]any)
				if i == 0 && len(msgs) != 2 {
					t.Errorf("first request has %d messages, want system and user", len(msgs))
				}
				if i > 0 {
					// A retry shows the model its unreadable reply and the format.
					if len(msgs) != 4 || msgs[2].(map[string]any)["role"] != "assistant" ||
						!strings.Contains(msgs[3].(map[string]any)["content"].(string), "[RESULT]") {
						t.Errorf("retry %d messages: %v", i, msgs)
					}
				}
			}
			prompt := f.reqs[0]["messages"].([]any)[1].(map[string]any)["content"].(string)
			for _, h := range []string{hTask, hInstruction, hResponse, hReference, hRubrics, strings.TrimSpace(hFeedback), "Score 1: ", "Score 5: ", "[RESULT]"} {
				if !strings.Contains(prompt, h) {
					t.Errorf("prompt lacks %q", h)
				}
			}
		})
	}
}

func TestLLMSamples(t *testing.T) {
	_, c := newFake(t, func(n int, req map[string]any) (int, string) {
		// The seed picks the reply, so the samples differ: seeds 1, 2, 3.
		seed := int(req["seed"].(float64))
		return http.StatusOK, fmt.Sprintf("Feedback: sample with seed %d. [RESULT] %d", seed, []int{0, 3, 4, 4}[seed])
	})
	for _, tt := range []struct {
		how  string
		want float64
	}{{Mean, 11.0 / 3}, {Majority, 4}} {
		j := &LLM{Client: c, Rubric: testRubric(t), Options: Options{Temperature: 0.7, Seed: 1, Samples: 3, Aggregate: tt.how}}
		v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
		if err != nil {
			t.Fatal(err)
		}
		// Spread: population standard deviation of 3, 4, 4 = sqrt(2/9) = 0.4714.
		if math.Abs(v.Score-tt.want) > 1e-9 || fmt.Sprint(v.Samples) != "[3 4 4]" || math.Abs(v.Spread-math.Sqrt(2.0/9)) > 1e-9 {
			t.Errorf("%s: %+v, want score %v, samples [3 4 4], spread 0.4714", tt.how, v, tt.want)
		}
		if !strings.Contains(v.Feedback, "seed 2") && tt.how == Majority {
			t.Errorf("majority feedback %q should come from a sample scoring 4", v.Feedback)
		}
	}
}

func TestLLMRelative(t *testing.T) {
	ra, rb := "Small left pleural effusion.", "Small left pleural effusion. Right lower lobe consolidation."
	tests := []struct {
		name           string
		reply          func(prompt string) string
		wantWinner     string
		wantConsistent bool
	}{
		// A judge that always picks the first position: the orders
		// disagree, and the disagreement is a tie.
		{"position bias", func(string) string { return replyChoseA }, WinnerTie, false},
		// A judge that picks the response without the consolidation
		// wherever it stands.
		{"consistent", func(p string) string {
			a := p[strings.Index(p, hResponseA):strings.Index(p, hResponseB)]
			if strings.Contains(a, "consolidation") {
				return "Feedback: B invents nothing. [RESULT] B"
			}
			return replyChoseA
		}, WinnerA, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, func(n int, req map[string]any) (int, string) {
				msgs := req["messages"].([]any)
				return http.StatusOK, tt.reply(msgs[1].(map[string]any)["content"].(string))
			})
			j := &LLM{Client: c, Rubric: testRubric(t)}
			p, err := j.Relative(context.Background(), &Relative{Instruction: "Report.", ResponseA: ra, ResponseB: rb, Reference: ra, Rubric: testRubric(t)})
			if err != nil {
				t.Fatal(err)
			}
			if p.Winner != tt.wantWinner || p.Consistent != tt.wantConsistent || len(f.reqs) != 2 {
				t.Errorf("preference %+v after %d requests, want winner %s, consistent %v, 2 requests", p, len(f.reqs), tt.wantWinner, tt.wantConsistent)
			}
			// The second request shows the responses swapped.
			second := f.reqs[1]["messages"].([]any)[1].(map[string]any)["content"].(string)
			if !strings.Contains(second, hResponseA+"\n"+rb) {
				t.Errorf("second order does not show B first:\n%s", second)
			}
		})
	}
}

func TestStructuredOutput(t *testing.T) {
	t.Run("used where supported", func(t *testing.T) {
		f, _ := newFake(t, replay(`{"feedback": "Misses the urgent pneumothorax.", "result": 2}`))
		c, _ := NewOpenAI(OpenAIConfig{BaseURL: serverURL(t, f), Model: "m"})
		j := &LLM{Client: c, Rubric: testRubric(t), Structured: true}
		v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
		if err != nil || v.Score != 2 || v.Feedback != "Misses the urgent pneumothorax." {
			t.Fatalf("%+v, %v", v, err)
		}
		rf, _ := f.reqs[0]["response_format"].(map[string]any)
		if rf["type"] != "json_schema" {
			t.Errorf("response_format %v, want json_schema", f.reqs[0]["response_format"])
		}
	})
	t.Run("fallback when refused", func(t *testing.T) {
		f := &fakeServer{t: t, next: func(n int, req map[string]any) (int, string) {
			if _, ok := req["response_format"]; ok {
				return http.StatusBadRequest, "response_format json_schema is not supported"
			}
			return http.StatusOK, replyValid4
		}}
		c, _ := NewOpenAI(OpenAIConfig{BaseURL: serverURL(t, f), Model: "m"})
		j := &LLM{Client: c, Rubric: testRubric(t), Structured: true}
		for i := 0; i < 2; i++ {
			v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
			if err != nil || v.Score != 4 {
				t.Fatalf("grade %d: %+v, %v", i, v, err)
			}
		}
		// json_schema refused, json_object with a schema refused, then plain
		// twice: the server is not asked again.
		if len(f.reqs) != 4 || f.reqs[1]["response_format"].(map[string]any)["type"] != "json_object" || f.reqs[3]["response_format"] != nil {
			t.Errorf("%d requests, last %v", len(f.reqs), f.reqs[len(f.reqs)-1]["response_format"])
		}
		if !strings.Contains(f.reqs[3]["messages"].([]any)[1].(map[string]any)["content"].(string), "[RESULT] (an integer") {
			t.Error("after the refusal the prompt should ask for the [RESULT] form")
		}
	})
	t.Run("json_object with a schema", func(t *testing.T) {
		// llama-cpp-python's server: json_schema is a validation error
		// (HTTP 500); json_object with a schema is constrained decoding.
		f := &fakeServer{t: t, next: func(n int, req map[string]any) (int, string) {
			rf, _ := req["response_format"].(map[string]any)
			if rf["type"] == "json_schema" {
				return http.StatusInternalServerError, "1 validation error: body.response_format.type: Input should be 'text' or 'json_object'"
			}
			if rf["type"] != "json_object" || rf["schema"] == nil {
				t.Errorf("response_format %v, want json_object with the schema", rf)
			}
			return http.StatusOK, `{"feedback": "Omits the effusion.", "result": 3}`
		}}
		c, _ := NewOpenAI(OpenAIConfig{BaseURL: serverURL(t, f), Model: "m", Backoff: 1})
		j := &LLM{Client: c, Rubric: testRubric(t), Structured: true}
		for i := 0; i < 2; i++ {
			v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
			if err != nil || v.Score != 3 {
				t.Fatalf("grade %d: %+v, %v", i, v, err)
			}
		}
		// One refusal, not retried as a server failure; then json_object.
		if len(f.reqs) != 3 || !c.StructuredOutput() {
			t.Errorf("%d requests, want 3", len(f.reqs))
		}
	})
}

// TestTruncatedJSON: a structured reply cut off at the token limit is
// reported as such, and the retry asks for a complete, shorter object.
func TestTruncatedJSON(t *testing.T) {
	f := &fakeServer{t: t, next: replay(`<cut>{"feedback": "The response is long and it goes on`, `{"feedback": "Short.", "result": 2}`)}
	c, _ := NewOpenAI(OpenAIConfig{BaseURL: serverURL(t, f), Model: "m"})
	j := &LLM{Client: c, Rubric: testRubric(t), Structured: true, Options: Options{MaxTokens: 64}}
	v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
	if err != nil || v.Score != 2 || v.Attempts != 2 {
		t.Fatalf("%+v, %v", v, err)
	}
	retry := f.reqs[1]["messages"].([]any)[3].(map[string]any)["content"].(string)
	for _, want := range []string{"JSON reply", "cut off at the token limit (64)", "one complete JSON object"} {
		if !strings.Contains(retry, want) {
			t.Errorf("retry message lacks %q: %s", want, retry)
		}
	}
}

func serverURL(t *testing.T, f *fakeServer) string {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

func TestServiceFailures(t *testing.T) {
	t.Run("retried 5xx", func(t *testing.T) {
		f, c := newFake(t, func(n int, _ map[string]any) (int, string) {
			if n < 2 {
				return http.StatusServiceUnavailable, "loading model"
			}
			return http.StatusOK, replyValid4
		})
		j := &LLM{Client: c, Rubric: testRubric(t)}
		v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
		if err != nil || v.Score != 4 || len(f.reqs) != 3 {
			t.Fatalf("%+v, %v after %d requests", v, err, len(f.reqs))
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close() // nothing listens there now
		c, _ := NewOpenAI(OpenAIConfig{BaseURL: url + "/v1", Model: "m", Backoff: 1})
		j := &LLM{Client: c, Rubric: testRubric(t)}
		_, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
		if !errors.Is(err, ErrService) {
			t.Fatalf("want ErrService, got %v", err)
		}
	})
}

func TestCached(t *testing.T) {
	f, c := newFake(t, replay(replyValid4))
	store, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cached := &Cached{Next: c, Cache: store, Model: "judge-model"}
	for seed, wantReqs := range []int{1, 1, 2} {
		seed = seed / 2 // seeds 0, 0, 1: the second grade is a hit, the third a new request
		j := &LLM{Client: cached, Rubric: testRubric(t), Options: Options{Seed: seed}}
		v, err := j.Grade(context.Background(), &Input{Reference: "r", Candidate: "c"})
		if err != nil || v.Score != 4 {
			t.Fatalf("%+v, %v", v, err)
		}
		if len(f.reqs) != wantReqs {
			t.Errorf("seed %d: %d requests, want %d", seed, len(f.reqs), wantReqs)
		}
	}
	if cached.Hits() != 1 {
		t.Errorf("%d hits, want 1", cached.Hits())
	}
}

// TestOpenAIKeyNeverInErrors: a server that echoes the Authorization
// header in its error body does not put the API key into the error, for a
// rejected request and for a service failure after retries, and the
// redacted error still says which it was.
func TestOpenAIKeyNeverInErrors(t *testing.T) {
	const key = "sk-test-0123456789abcdef"
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"message":"bad auth header %s"}}`, r.Header.Get("Authorization"))
		}))
		c, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL + "/v1", APIKey: key, Model: "m", Backoff: 1, Retries: 1, Structured: StructuredOff})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Complete(context.Background(), &Request{Messages: []Message{{Role: "user", Content: "x"}}})
		srv.Close()
		if err == nil || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("status %d: %v", status, err)
		}
		if got := errors.Is(err, ErrService); got != (status == http.StatusInternalServerError) {
			t.Errorf("status %d: errors.Is(err, ErrService) = %v", status, got)
		}
	}
}
