// Command bench-llm-server is a fake OpenAI-compatible chat completions
// server for scripts/bench-llm: every request waits a fixed latency and is
// answered with a small valid graph of the terms it finds in the fenced
// document, with usage estimated from the prompt's size. GET /stats
// reports the requests served so far.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// terms the fake model recognizes, with their entity types.
var terms = []struct{ text, typ, assertion string }{
	{"pleural effusion", "disorder", "present"}, {"pneumothorax", "disorder", "absent"},
	{"consolidation", "disorder", "present"}, {"opacity", "disorder", "present"},
	{"pneumonia", "disorder", "uncertain"}, {"atelectasis", "disorder", "present"},
	{"cardiomegaly", "disorder", "present"}, {"nodule", "disorder", "present"},
	{"lower lobe", "anatomy", "present"}, {"upper lobe", "anatomy", "present"}, {"lungs", "anatomy", "present"},
	{"Heart", "anatomy", "present"}, {"left", "concept", "present"}, {"right", "concept", "present"},
	{"Small", "concept", "present"}, {"Moderate", "concept", "present"},
}

type stats struct {
	Requests        int64 `json:"requests"`
	PromptBytes     int64 `json:"prompt_bytes"`
	PromptTokensEst int64 `json:"prompt_tokens_estimated"`
	// When the first request of the latest run arrived and its last
	// answer left, in Unix nanoseconds: start-up and shut-down of the
	// client are what lies outside.
	FirstRequest int64 `json:"first_request_ns"`
	LastAnswer   int64 `json:"last_answer_ns"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	latency := flag.Duration("latency", 50*time.Millisecond, "fixed latency of every request")
	addrFile := flag.String("addr-file", "", "write the listening address to this file once ready")
	flag.Parse()

	var requests, promptBytes, first, last atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if requests.Add(1) == 1 || start.UnixNano()-last.Load() > int64(500*time.Millisecond) {
			first.Store(start.UnixNano()) // the first request of a run
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		n := 0
		for _, m := range req.Messages {
			n += len(m.Content)
		}
		promptBytes.Add(int64(n))
		content := graphFor(document(req.Messages[len(req.Messages)-1].Content))
		time.Sleep(*latency - time.Since(start))
		w.Header().Set("Content-Type", "application/json")
		defer func() { last.Store(time.Now().UnixNano()) }()
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-bench", "object": "chat.completion", "created": time.Now().Unix(), "model": "bench",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}},
			"usage": map[string]any{"prompt_tokens": n/4 + 4*len(req.Messages), "completion_tokens": len(content) / 4,
				"total_tokens": n/4 + 4*len(req.Messages) + len(content)/4},
		})
	})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"object":"list","data":[{"id":"bench","object":"model"}]}`)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(stats{requests.Load(), promptBytes.Load(), promptBytes.Load() / 4, first.Load(), last.Load()})
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	srv := &http.Server{Handler: mux}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// document is the text between the document tags of a message.
func document(msg string) string {
	open := strings.Index(msg, ">\n")
	end := strings.LastIndex(msg, "\n</")
	if open < 0 || end <= open {
		return msg
	}
	return msg[open+2 : end]
}

// graphFor answers with one entity per known term in the document and one
// located_at relation from the first finding to the first body part.
func graphFor(doc string) string {
	var ents, rels []map[string]string
	finding, place := "", ""
	for _, t := range terms {
		if !strings.Contains(doc, t.text) {
			continue
		}
		id := fmt.Sprintf("e%d", len(ents)+1)
		ents = append(ents, map[string]string{"id": id, "text": t.text, "type": t.typ, "assertion": t.assertion, "key": ""})
		if t.typ == "disorder" && finding == "" {
			finding = id
		}
		if t.typ == "anatomy" && place == "" {
			place = id
		}
	}
	if finding != "" && place != "" {
		rels = append(rels, map[string]string{"source": finding, "target": place, "type": "located_at"})
	}
	if ents == nil {
		ents = []map[string]string{}
	}
	if rels == nil {
		rels = []map[string]string{}
	}
	b, _ := json.Marshal(map[string]any{"entities": ents, "relations": rels})
	return string(b)
}
