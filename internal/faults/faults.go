// Package faults is a fake OpenAI-compatible chat completions server for
// tests, which fails as real servers do when a plan says so: bursts of 429
// with Retry-After, 500s, connections reset, replies slower than the
// client's timeout, bodies cut off, and replies whose JSON has another
// shape than the graph asked for. Tests point kgeval at its URL and count
// what comes back.
package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kind is what the server does with one request.
type Kind int

// The kinds of answer. OK is a good reply.
const (
	OK Kind = iota
	// RateLimit answers 429 Too Many Requests, with Retry-After when the
	// fault's RetryAfter is set.
	RateLimit
	// ServerError answers 500 with an error body.
	ServerError
	// Reset closes the connection without an answer (TCP RST).
	Reset
	// Slow holds the request until the client gives up (or Server.Hold
	// passes, then answers OK).
	Slow
	// TruncatedBody answers 200 with a chat completion cut off half way:
	// the HTTP body is not valid JSON.
	TruncatedBody
	// TruncatedReply answers a valid chat completion whose content, the
	// graph, is cut off half way, with finish_reason "length".
	TruncatedReply
	// WrongSchema answers a valid chat completion whose content is JSON of
	// another shape ({"nodes": [...], "edges": [...]}).
	WrongSchema
	kinds
)

var kindNames = [...]string{"ok", "rate-limit", "server-error", "reset", "slow", "truncated-body", "truncated-reply", "wrong-schema"}

func (k Kind) String() string {
	if k >= 0 && k < kinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Fault is the answer the plan picks for one request.
type Fault struct {
	Kind       Kind
	RetryAfter time.Duration // RateLimit: the Retry-After header; 0 sends none
}

// Request is what the plan sees of one request.
type Request struct {
	// N counts the requests the server received, from 1.
	N int
	// Doc is the document of the request: the text fenced in its last
	// fenced user message ("" when there is none).
	Doc string
	// Attempt counts the requests that carried Doc, this one included, from
	// 1: retries and re-asks raise it.
	Attempt int
	// Reask is set when the request follows up an earlier reply (its last
	// message is the user's list of problems).
	Reask bool
	// Header is the request's HTTP header (with Authorization).
	Header http.Header
}

// Server is the fake server. Set Plan and Reply before the first request.
type Server struct {
	// URL is the API root to configure, ending in /v1.
	URL string
	// Plan picks each request's answer; nil answers OK.
	Plan func(Request) Fault
	// Reply is the content of a good reply for a document; nil replies
	// with an empty graph.
	Reply func(doc string) string
	// Hold bounds how long a Slow request is held (default one minute).
	Hold time.Duration

	srv      *httptest.Server
	mu       sync.Mutex
	n        int
	attempts map[string]int
	counts   [kinds]int
	seen     []Request
	inFlight int
	maxIn    int
}

// New starts a server; Close stops it.
func New() *Server {
	s := &Server{attempts: map[string]int{}, Hold: time.Minute}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1"
	return s
}

// Close stops the server, ending held requests.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.seen...)
}

// Count returns how many requests got an answer of kind k.
func (s *Server) Count(k Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[k]
}

// MaxInFlight is the most requests the server held at once.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxIn
}

// fenceRE finds a fenced document: the prompt puts it between
// <document> (or <document-N>) and the matching closing tag.
var fenceRE = regexp.MustCompile(`(?s)<(document(?:-[0-9]+)?)>\n(.*)\n</document(?:-[0-9]+)?>`)

type chatRequest struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var cr chatRequest
	json.Unmarshal(body, &cr)
	req := Request{Header: r.Header.Clone()}
	for i, m := range cr.Messages {
		if m.Role != "user" {
			continue
		}
		if sub := fenceRE.FindStringSubmatch(m.Content); sub != nil {
			req.Doc = sub[2]
			req.Reask = false
		} else if i == len(cr.Messages)-1 && req.Doc != "" {
			req.Reask = true
		}
	}
	s.mu.Lock()
	s.n++
	req.N = s.n
	s.attempts[req.Doc]++
	req.Attempt = s.attempts[req.Doc]
	plan := s.Plan
	s.mu.Unlock()

	f := Fault{Kind: OK}
	if plan != nil {
		f = plan(req)
	}
	s.mu.Lock()
	s.seen = append(s.seen, req)
	if f.Kind >= 0 && f.Kind < kinds {
		s.counts[f.Kind]++
	}
	s.inFlight++
	s.maxIn = max(s.maxIn, s.inFlight)
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()

	content := `{"entities": [], "relations": []}`
	if s.Reply != nil {
		content = s.Reply(req.Doc)
	}
	switch f.Kind {
	case RateLimit:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprintf("%g", f.RetryAfter.Seconds()))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`)
	case ServerError:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`)
	case Reset:
		reset(w)
	case Slow:
		select {
		case <-r.Context().Done():
			return
		case <-time.After(s.Hold):
		}
		writeCompletion(w, content, "stop", false)
	case TruncatedBody:
		writeCompletion(w, content, "stop", true)
	case TruncatedReply:
		writeCompletion(w, content[:len(content)/2], "length", false)
	case WrongSchema:
		writeCompletion(w, `{"nodes": [{"name": "effusion", "label": "finding"}], "edges": []}`, "stop", false)
	default:
		writeCompletion(w, content, "stop", false)
	}
}

// reset closes the connection under the request with SO_LINGER 0, so the
// client sees a reset rather than an orderly end.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faults: the response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

func writeCompletion(w http.ResponseWriter, content, finish string, cut bool) {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-faults", "object": "chat.completion", "created": 1, "model": "faults",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
	})
	if cut {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
