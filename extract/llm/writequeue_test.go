package llm

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWriteQueueOneWriter: queued writes all run, one at a time, and a
// writer starts again after the queue ran dry.
func TestWriteQueueOneWriter(t *testing.T) {
	var q writeQueue
	var wg sync.WaitGroup
	var running, peak, done atomic.Int64
	write := func() {
		defer wg.Done()
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(100 * time.Microsecond)
		running.Add(-1)
		done.Add(1)
	}
	for round := range 2 {
		for range 50 {
			wg.Add(1)
			q.add(write)
		}
		wg.Wait()
		if got := done.Load(); got != int64(50*(round+1)) {
			t.Fatalf("round %d: %d writes ran", round, got)
		}
	}
	if peak.Load() != 1 {
		t.Errorf("%d writes ran at once, want 1", peak.Load())
	}
	// help drains beside the writer.
	for range 20 {
		wg.Add(1)
		q.add(write)
	}
	q.help()
	wg.Wait()
	if done.Load() != 120 {
		t.Errorf("%d writes ran, want 120", done.Load())
	}
}
