package llm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kgeval/kgeval/extract"
)

// TestAnnouncedDocumentsGoInOrder: documents announced in order send their
// first requests in that order, even when their Extract calls start in the
// opposite order and there are fewer request slots than documents.
func TestAnnouncedDocumentsGoInOrder(t *testing.T) {
	f := newFakeServer(t, slow(completion(`{"entities":[{"id":"e1","text":"pneumothorax","type":"disorder","assertion":"absent"}],"relations":[]}`), 20*time.Millisecond))
	x, err := New(radiology(t), Config{Model: "m", BaseURL: f.URL(), Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	ctxs := make([]context.Context, n)
	for i := range ctxs {
		ctxs[i] = x.Announce(context.Background())
	}
	var wg sync.WaitGroup
	for i := n - 1; i >= 0; i-- { // the last document starts first
		wg.Go(func() {
			if _, err := x.Extract(ctxs[i], extract.Document{ID: fmt.Sprint("d", i), Text: fmt.Sprintf("No pneumothorax, report %d.", i)}); err != nil {
				t.Error(err)
			}
		})
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	// Slots are taken in order; two requests sent at the same moment may
	// reach the server either way round, so each document's request must
	// arrive within one place of its own.
	order, bad := "", false
	for pos, r := range f.seen() {
		text, _ := r.last()["content"].(string)
		k := int(text[strings.Index(text, "report ")+len("report ")] - '0')
		order += fmt.Sprint(k)
		bad = bad || k < pos-1 || k > pos+1
	}
	if bad {
		t.Errorf("requests arrived in the order %s, want each within one place of 01234567", order)
	}
	if f.maxInFlight() > 2 {
		t.Errorf("%d requests in flight, want at most 2", f.maxInFlight())
	}
}

// TestAnnouncedCachedOrCancelledDocumentsLeaveTheLine: an announced
// document that sends no request (its context cancelled, or no text) does
// not hold back the ones after it.
func TestAnnouncedCachedOrCancelledDocumentsLeaveTheLine(t *testing.T) {
	f := newFakeServer(t, completion(`{"entities":[{"id":"e1","text":"pneumothorax","type":"disorder","assertion":"absent"}],"relations":[]}`))
	x, err := New(radiology(t), Config{Model: "m", BaseURL: f.URL(), Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	first := x.Announce(cancelled)
	empty := x.Announce(context.Background())
	last := x.Announce(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := x.Extract(last, extract.Document{ID: "last", Text: "No pneumothorax."})
		done <- err
	}()
	if _, err := x.Extract(empty, extract.Document{ID: "empty", Text: " "}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Extract(first, extract.Document{ID: "first", Text: "No pneumothorax."}); err == nil {
		t.Fatal("a cancelled document was extracted")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the last document waited for ones that sent nothing")
	}
}
