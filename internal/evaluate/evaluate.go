// Package evaluate runs kgeval's main job: each pair's reference and
// candidate go through an extractor, the two graphs through the scorers,
// and one result record per pair comes out, in input order, with bounded
// concurrency and memory.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"

	"github.com/kgeval/kgeval/extract"
	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/pairs"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/scorers"
	"github.com/kgeval/kgeval/scorers/judge"
)

// Config is what a run needs. The zero value is not usable: Extractor is
// required.
type Config struct {
	Extractor extract.Extractor
	Scoring   scorers.Options
	// Weights of overall; nil means scorers.DefaultWeights().
	Weights scorers.Weights
	// Concurrency is the number of pairs in flight; 0 means the number of
	// CPUs.
	Concurrency int
	// OnGraphs, when set, receives both graphs of every scored pair (to
	// store or inspect them) before the record is emitted.
	OnGraphs func(ctx context.Context, p pairs.Pair, ref, cand *graph.Graph) error
	// Judge, when set, grades every scored pair on a rubric (the rules or
	// LLM judge of scorers/judge). Its verdict sets Scores.Judge; its
	// failure leaves Scores.Judge nil, overall is computed without it, and
	// the record's judge object says why.
	Judge Judge
}

// Judge grades one scored pair: its texts and context, both graphs and
// their diff.
type Judge interface {
	Grade(ctx context.Context, in *judge.Input) (*judge.Verdict, error)
}

// Pair scores one pair. An extraction failure gives an error record, not
// an error: the run goes on.
func (c *Config) Pair(ctx context.Context, p pairs.Pair) *results.Record {
	rec := &results.Record{ID: p.ID, Components: []string{}}
	fail := func(err error) *results.Record {
		rec.Status, rec.Error = results.StatusError, err.Error()
		return rec
	}
	ref, err := c.Extractor.Extract(ctx, extract.Document{ID: p.ID, Text: p.Reference})
	if err != nil {
		return fail(fmt.Errorf("extract reference: %w", err))
	}
	cand, err := c.Extractor.Extract(ctx, extract.Document{ID: p.ID, Text: p.Candidate})
	if err != nil {
		return fail(fmt.Errorf("extract candidate: %w", err))
	}
	if c.OnGraphs != nil {
		if err := c.OnGraphs(ctx, p, ref, cand); err != nil {
			return fail(err)
		}
	}
	detail := scorers.CompareWithDiff(ref, cand, c.Scoring)
	s, diff := detail.Scores, detail.Diff
	rec.Types = detail.Types
	rec.Diff = results.CompactDiff(diff)
	if c.Judge != nil {
		rec.Judge = c.judge(ctx, p, ref, cand, diff, &s)
	}
	w := c.Weights
	if w == nil {
		w = scorers.DefaultWeights()
	}
	rec.Components = w.Overall(&s)
	rec.Scores = &s
	rec.Status = results.StatusOK
	return rec
}

// judge runs the judge on a scored pair and sets s.Judge from its
// verdict. A failure is returned in the record's judge object, with the
// judge's raw reply when it has one, and s.Judge stays nil.
func (c *Config) judge(ctx context.Context, p pairs.Pair, ref, cand *graph.Graph, diff *scorers.Diff, s *scorers.Scores) *results.Judge {
	in := &judge.Input{ID: p.ID, Reference: p.Reference, Candidate: p.Candidate, Context: p.Context,
		RefGraph: ref, CandGraph: cand, Diff: diff}
	v, err := c.Judge.Grade(ctx, in)
	if err != nil {
		j := &results.Judge{Error: err.Error()}
		var f *judge.Failure
		if errors.As(err, &f) {
			j.Raw, j.Attempts = f.Raw, f.Attempts
		}
		return j
	}
	score, spread, norm := v.Score, v.Spread, v.Normalized()
	s.Judge = &norm
	return &results.Judge{Score: &score, Feedback: v.Feedback, Samples: v.Samples, Spread: &spread, Attempts: v.Attempts, Penalty: v.Penalty}
}

// Run scores every pair of in and passes the records to emit in input
// order. A pairs error (a bad line) is handed to onBadInput, which decides
// whether to go on (return nil) or stop (return the error). Run stops at
// the first error from emit, onBadInput or the context, after the pairs in
// flight are finished.
func (c *Config) Run(ctx context.Context, in iter.Seq2[pairs.Pair, error], onBadInput func(error) error, emit func(*results.Record) error) error {
	n := c.Concurrency
	if n <= 0 {
		n = runtime.NumCPU()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		p    pairs.Pair
		done chan *results.Record
	}
	// order carries jobs in input order to the emitter; work carries them to
	// the workers. The buffer of order bounds how many records wait.
	order := make(chan job, 4*n)
	work := make(chan job)
	for i := 0; i < n; i++ {
		go func() {
			for j := range work {
				j.done <- c.Pair(ctx, j.p)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		for p, err := range in {
			if err != nil {
				if err := onBadInput(err); err != nil {
					readErr <- err
					return
				}
				continue
			}
			j := job{p: p, done: make(chan *results.Record, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case work <- j:
			case <-ctx.Done():
				return
			}
		}
		readErr <- nil
	}()
	var emitErr error
	dropped := false
	for j := range order {
		select {
		case rec := <-j.done:
			// A record finished after the cancellation may carry it (an
			// extractor or judge that gave up): it is dropped, not
			// written as an error. Once a record was dropped, none after
			// it is emitted: what was written stays a prefix of the
			// input, which --resume relies on. (Select picks at random
			// among ready cases.)
			if ctx.Err() != nil {
				dropped = true
			}
			if emitErr == nil && !dropped {
				if emitErr = emit(rec); emitErr != nil {
					cancel()
				}
			}
		case <-ctx.Done():
			// Drain: the reader closes order once it sees the cancellation.
			dropped = true
		}
	}
	if emitErr != nil {
		return emitErr
	}
	select {
	case err := <-readErr:
		if err != nil {
			return err
		}
	default:
	}
	return ctx.Err()
}
