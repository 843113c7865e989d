package llm

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// exchange is one recorded server answer: status, headers and body, and an
// optional delay before answering.
type exchange struct {
	Note    string            `json:"note"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	Delay   time.Duration     `json:"-"`
	// Raw, when set, is sent as the body verbatim (not JSON).
	Raw string `json:"-"`
}

// recorded loads testdata/replies/<name>.json.
func recorded(t testing.TB, name string) exchange {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "replies", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var x exchange
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x
}

// slow returns x delayed by d.
func slow(x exchange, d time.Duration) exchange { x.Delay = d; return x }

// seenRequest is what the fake server received.
type seenRequest struct {
	Header http.Header
	Body   map[string]any
	Raw    string
	At     time.Time
}

// fakeServer is an OpenAI-compatible chat completions endpoint that
// answers with scripted exchanges in order, repeating the last one.
type fakeServer struct {
	t        testing.TB
	srv      *httptest.Server
	mu       sync.Mutex
	script   []exchange
	next     int
	requests []seenRequest
	inFlight int
	maxIn    int
	// answer, when set, picks the exchange for a request instead of the
	// script.
	answer func(req seenRequest) exchange
}

func newFakeServer(t testing.TB, script ...exchange) *fakeServer {
	f := &fakeServer{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the base URL to configure, ending in /v1.
func (f *fakeServer) URL() string { return f.srv.URL + "/v1" }

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	req := seenRequest{Header: r.Header.Clone(), Raw: string(raw), At: time.Now()}
	json.Unmarshal(raw, &req.Body)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	var x exchange
	switch {
	case f.answer != nil:
	case len(f.script) == 0:
		f.mu.Unlock()
		f.t.Error("fake server: no exchange scripted")
		http.Error(w, "no script", http.StatusInternalServerError)
		return
	case f.next < len(f.script):
		x = f.script[f.next]
		f.next++
	default:
		x = f.script[len(f.script)-1]
	}
	answer := f.answer
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	if answer != nil {
		x = answer(req)
	}
	if x.Delay > 0 {
		select {
		case <-time.After(x.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range x.Headers {
		w.Header().Set(k, v)
	}
	if x.Raw != "" {
		w.WriteHeader(orDefault(x.Status, 200))
		io.WriteString(w, x.Raw)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(orDefault(x.Status, 200))
	w.Write(x.Body)
}

// seen returns a copy of the requests received so far.
func (f *fakeServer) seen() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.requests...)
}

func (f *fakeServer) maxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxIn
}

// completion builds a 200 exchange whose reply content is s.
func completion(s string) exchange {
	body, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": s}, "finish_reason": "stop"}},
		"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
	})
	return exchange{Status: 200, Body: body}
}

// messages returns the chat messages of a request.
func (r seenRequest) messages() []map[string]any {
	var out []map[string]any
	list, _ := r.Body["messages"].([]any)
	for _, m := range list {
		if mm, ok := m.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

// content of a request's last message.
func (r seenRequest) last() map[string]any {
	ms := r.messages()
	if len(ms) == 0 {
		return nil
	}
	return ms[len(ms)-1]
}
