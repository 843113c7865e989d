package llm

import (
	"context"
	"sync"
)

// Announce returns ctx marked as the next document in input order. A caller
// that extracts several documents at once (kgeval extract works on more
// documents than requests may be in flight, so that one document's reply is
// checked while the next one's request is out) announces them one by one in
// input order, then calls Extract with each returned context: the documents'
// first requests then go out in that order, as with one worker per request.
// Every announced context must be passed to Extract, which may return at
// once when it is cancelled. Extract with a context not announced is not
// ordered.
func (x *Extractor) Announce(ctx context.Context) context.Context {
	return context.WithValue(ctx, turnKey{}, x.turns.take())
}

type turnKey struct{}

// turn is one announced document's place in line.
type turn struct {
	q   *turns
	seq uint64
}

// turns lets announced documents send their first request in order: the
// lowest announced document still waiting goes first, and passes the line
// on once it holds a request slot or when it ends without one (a cached or
// empty document, an error).
type turns struct {
	mu      sync.Mutex
	next    uint64          // the number the next announced document gets
	low     uint64          // the lowest document still in line
	left    map[uint64]bool // documents that left the line out of order
	changed chan struct{}   // closed when low moves
}

func (q *turns) take() *turn {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.changed == nil {
		q.changed, q.left = make(chan struct{}), map[uint64]bool{}
	}
	t := &turn{q: q, seq: q.next}
	q.next++
	return t
}

// turnOf is ctx's place in x's line, or nil.
func (x *Extractor) turnOf(ctx context.Context) *turn {
	t, _ := ctx.Value(turnKey{}).(*turn)
	if t == nil || t.q != &x.turns {
		return nil
	}
	return t
}

// wait returns when t is first in line, or with ctx's error.
func (t *turn) wait(ctx context.Context) error {
	for {
		t.q.mu.Lock()
		first, changed := t.q.low >= t.seq, t.q.changed
		t.q.mu.Unlock()
		if first {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// leave takes t out of the line (again is harmless) and moves the line on.
func (t *turn) leave() {
	q := t.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if t.seq < q.low || q.left[t.seq] {
		return
	}
	q.left[t.seq] = true
	moved := false
	for q.left[q.low] {
		delete(q.left, q.low)
		q.low++
		moved = true
	}
	if moved {
		close(q.changed)
		q.changed = make(chan struct{})
	}
}
