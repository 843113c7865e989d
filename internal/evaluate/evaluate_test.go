package evaluate

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/extract/rules"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
)

func radiology(t *testing.T) *Config {
	t.Helper()
	o, err := ontology.Builtin("radiology")
	if err != nil {
		t.Fatal(err)
	}
	return &Config{Extractor: rules.New(o), Scoring: scorers.Options{Ontology: o}}
}

const report = "Small left pleural effusion. No pneumothorax. Mild cardiomegaly. ETT tip 4 cm above the carina."

func overall(t *testing.T, c *Config, ref, cand string) float64 {
	t.Helper()
	rec := c.Pair(context.Background(), pairs.Pair{ID: "p", Reference: ref, Candidate: cand})
	if rec.Status != results.StatusOK {
		t.Fatalf("status %s: %s", rec.Status, rec.Error)
	}
	return rec.Scores.Overall
}

// TestScoreBehaviour pins what the foundation promises of overall on the
// rules extractor: identical ≥ 0.99, empty ≤ 0.1, a negation flip below a
// paraphrase of the same report, and omissions and inventions below
// identical.
func TestScoreBehaviour(t *testing.T) {
	c := radiology(t)
	identical := overall(t, c, report, report)
	if identical < 0.99 {
		t.Errorf("identical: overall %.3f, want ≥ 0.99", identical)
	}
	if got := overall(t, c, report, ""); got > 0.1 {
		t.Errorf("empty candidate: overall %.3f, want ≤ 0.1", got)
	}
	paraphrase := overall(t, c, report, "Endotracheal tube tip is 4 cm above the carina. Mild cardiomegaly. There is a small left effusion. No PTX.")
	flip := overall(t, c, report, "Small left pleural effusion. Pneumothorax. Mild cardiomegaly. ETT tip 4 cm above the carina.")
	if !(flip < paraphrase) {
		t.Errorf("negation flip %.3f should score below paraphrase %.3f", flip, paraphrase)
	}
	omitted := overall(t, c, report, "No pneumothorax. Mild cardiomegaly. ETT tip 4 cm above the carina.")
	invented := overall(t, c, report, report+" Right upper lobe consolidation.")
	for name, v := range map[string]float64{"omitted finding": omitted, "invented finding": invented} {
		if !(v < identical) {
			t.Errorf("%s: overall %.3f should be below identical %.3f", name, v, identical)
		}
	}
	t.Logf("identical %.3f paraphrase %.3f flip %.3f omitted %.3f invented %.3f", identical, paraphrase, flip, omitted, invented)
}

func seq(ps []pairs.Pair, bad map[int]error) iter.Seq2[pairs.Pair, error] {
	return func(yield func(pairs.Pair, error) bool) {
		for i, p := range ps {
			if !yield(p, bad[i]) {
				return
			}
		}
	}
}

// TestRunOrderAndBadInput: records come out in input order whatever the
// concurrency, and a bad line is handed to onBadInput.
func TestRunOrderAndBadInput(t *testing.T) {
	c := radiology(t)
	c.Concurrency = 4
	var ps []pairs.Pair
	for i := 0; i < 50; i++ {
		ps = append(ps, pairs.Pair{ID: string(rune('A'+i%26)) + string(rune('a'+i/26)), Reference: report, Candidate: report})
	}
	badLine := errors.New("line 7: bad")
	var got []string
	var reported []error
	err := c.Run(context.Background(), seq(ps, map[int]error{7: badLine}),
		func(err error) error { reported = append(reported, err); return nil },
		func(r *results.Record) error { got = append(got, r.ID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(reported) != 1 || reported[0] != badLine {
		t.Errorf("bad input reported %v", reported)
	}
	if len(got) != 49 {
		t.Fatalf("%d records, want 49", len(got))
	}
	k := 0
	for i, p := range ps {
		if i == 7 {
			continue
		}
		if got[k] != p.ID {
			t.Fatalf("record %d is %s, want %s", k, got[k], p.ID)
		}
		k++
	}
	// Stopping on bad input returns its error.
	err = c.Run(context.Background(), seq(ps, map[int]error{3: badLine}),
		func(err error) error { return err },
		func(r *results.Record) error { return nil })
	if !errors.Is(err, badLine) {
		t.Errorf("Run = %v, want the bad-input error", err)
	}
}

// stalling extracts the pairs named in fast at once and, for the others,
// waits for the cancellation and returns its error, as an extractor that
// gives up does.
type stalling struct {
	extract.Extractor
	fast map[string]bool
}

func (s *stalling) Extract(ctx context.Context, d extract.Document) (*graph.Graph, error) {
	if !s.fast[d.ID] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Extractor.Extract(ctx, d)
}

// TestRunCancelWritesNoCancelledRecord: the pairs in flight when a run is
// cancelled must not be written as error records, or --resume would keep
// "context canceled" where the uninterrupted run has scores.
func TestRunCancelWritesNoCancelledRecord(t *testing.T) {
	for range 20 { // the emitter's select is random: try it often
		c := radiology(t)
		c.Concurrency = 4
		x := &stalling{Extractor: c.Extractor, fast: map[string]bool{}}
		c.Extractor = x
		var ps []pairs.Pair
		for i := range 40 {
			ps = append(ps, pairs.Pair{ID: fmt.Sprint("p", i), Reference: report, Candidate: report})
			x.fast[ps[i].ID] = i < 5
		}
		ctx, cancel := context.WithCancel(context.Background())
		var got []*results.Record
		err := c.Run(ctx, seq(ps, nil), func(err error) error { return err },
			func(r *results.Record) error {
				got = append(got, r)
				if len(got) == 5 {
					// The rest are stalled: cancel, and give them time to
					// answer while this record is still being written.
					cancel()
					time.Sleep(20 * time.Millisecond)
				}
				return nil
			})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
		for i, r := range got {
			if r.Status != results.StatusOK || r.ID != ps[i].ID {
				t.Fatalf("record %d: %s %s %s", i, r.ID, r.Status, r.Error)
			}
		}
		if len(got) != 5 {
			t.Fatalf("%d records, want the 5 finished before the cancellation", len(got))
		}
	}
}
