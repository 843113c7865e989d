package main

import (
	"context"
	"iter"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/pairs"
)

// announcer is an extractor that sends its requests in the order
// documents are announced (llm.Extractor): it may be given more documents
// than it has requests in flight without taking them out of order.
type announcer interface {
	Announce(ctx context.Context) context.Context
}

// extractOrdered extracts up to n documents at once (what keeps an LLM
// server busy) and hands the results to emit in input order. An announcer
// gets twice n, announced in input order: while a reply is checked and
// written, the next document's request is already out, and the requests
// still go out in input order. emit returns false to stop: the documents
// in flight are cancelled and waited for. emit runs on the calling
// goroutine only.
func extractOrdered(ctx context.Context, x extract.Extractor, n int, docs iter.Seq[pairs.Document], emit func(pairs.Document, *graph.Graph, error) bool) {
	if n < 1 {
		n = 1
	}
	a, ordered := x.(announcer)
	if ordered {
		n *= 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		d    pairs.Document
		g    *graph.Graph
		err  error
		done chan struct{}
	}
	order := make(chan *job, 2*n)
	slots := make(chan struct{}, n)
	go func() {
		defer close(order)
		for d := range docs {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			j := &job{d: d, done: make(chan struct{})}
			dctx := ctx
			if ordered {
				dctx = a.Announce(ctx)
			}
			go func() {
				defer func() { <-slots; close(j.done) }()
				j.g, j.err = x.Extract(dctx, extract.Document{ID: d.ID, Text: d.Text})
			}()
			select {
			case order <- j:
			case <-ctx.Done():
				<-j.done
				return
			}
		}
	}()
	stopped := false
	for j := range order {
		<-j.done
		if !stopped && !emit(j.d, j.g, j.err) {
			stopped = true
			cancel()
		}
	}
}
