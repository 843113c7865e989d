package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/kgeval/kgeval/graph"
	"github.com/kgeval/kgeval/internal/fastgraph"
	"github.com/kgeval/kgeval/internal/results"
	"github.com/kgeval/kgeval/internal/stats"
	"github.com/kgeval/kgeval/ontology"
	"github.com/kgeval/kgeval/scorers"
)

// graphJob is one pair of pre-extracted graphs to score: the lines of both
// sides (nil for a missing side) and where they came from.
type graphJob struct {
	id               string
	ref, cand        []byte
	refLine, candLin int
}

// graphInput reads one side's file of graphs or RadGraph annotations.
type graphInput struct {
	name   string // as given on the command line
	in     *input
	format string // graph or radgraph
}

// lineID is the id of one line: peeked without decoding when the line is
// plain, else by decoding it; ok is false for a line that does not decode.
func (gi *graphInput) lineID(b []byte, types graph.Types) (string, error) {
	if id, ok := fastgraph.PeekID(b); ok {
		return id, nil
	}
	if gi.format == "radgraph" {
		rg, err := decodeRadGraph(b)
		if err != nil {
			return "", err
		}
		return rg.ID, nil
	}
	g, err := fastgraph.Decode(b, types)
	if err != nil {
		return "", err
	}
	return g.ID, nil
}

func decodeRadGraph(b []byte) (*graph.RadGraph, error) { return fastgraph.DecodeRadGraph(b) }

// pairByID reads the two files in step and yields their lines paired by id,
// in reference order, with the candidates that no reference names at the
// end in candidate order. When the files list the same ids in the same
// order nothing waits and memory stays flat; otherwise the lines waiting
// for their partner are kept. Repeated ids pair in order of occurrence.
// A line whose id cannot be read is passed to bad and skipped.
func pairByID(ref, cand *graphInput, rf, cf io.Reader, types graph.Types, bad func(error) error, yield func(graphJob) bool) error {
	type waiting struct {
		b    []byte
		line int
	}
	type refEntry struct {
		id      string
		b       []byte
		line    int
		partner *waiting
	}
	refLines, candLines := graph.NewLineReader(rf, ref.in.name), graph.NewLineReader(cf, cand.in.name)
	var queue []*refEntry               // references in order, waiting for a partner
	refWait := map[string][]*refEntry{} // unpartnered references by id
	candWait := map[string][]*waiting{} // unpartnered candidates by id
	var candOrder []string              // ids of waiting candidates in file order
	doneR, doneC := false, false
	read := func(lines *graph.LineReader, gi *graphInput) (string, []byte, int, bool, error) {
		for {
			l, ok := lines.Next()
			if !ok {
				return "", nil, 0, false, lines.Err()
			}
			id, err := gi.lineID(l.Bytes, types)
			if err != nil {
				if err := bad(&graph.LineError{File: gi.in.name, Line: l.N, Err: err}); err != nil {
					return "", nil, 0, false, err
				}
				continue
			}
			return id, append([]byte(nil), l.Bytes...), l.N, true, nil
		}
	}
	flush := func() bool {
		for len(queue) > 0 && (queue[0].partner != nil || doneC) {
			e := queue[0]
			queue = queue[1:]
			j := graphJob{id: e.id, ref: e.b, refLine: e.line}
			if e.partner != nil {
				j.cand, j.candLin = e.partner.b, e.partner.line
			}
			if !yield(j) {
				return false
			}
		}
		return true
	}
	for !doneR || !doneC {
		if !doneR {
			id, b, n, ok, err := read(refLines, ref)
			if err != nil {
				return err
			}
			if !ok {
				doneR = true
			} else {
				e := &refEntry{id: id, b: b, line: n}
				if w := candWait[id]; len(w) > 0 {
					e.partner, candWait[id] = w[0], w[1:]
				} else {
					refWait[id] = append(refWait[id], e)
				}
				queue = append(queue, e)
			}
		}
		if !doneC {
			id, b, n, ok, err := read(candLines, cand)
			if err != nil {
				return err
			}
			if !ok {
				doneC = true
			} else {
				w := &waiting{b: b, line: n}
				if es := refWait[id]; len(es) > 0 {
					es[0].partner, refWait[id] = w, es[1:]
					if len(refWait[id]) == 0 {
						delete(refWait, id)
					}
				} else {
					if len(candWait[id]) == 0 {
						candOrder = append(candOrder, id)
					}
					candWait[id] = append(candWait[id], w)
				}
			}
		}
		if !flush() {
			return nil
		}
	}
	for _, id := range candOrder {
		for _, w := range candWait[id] {
			if !yield(graphJob{id: id, cand: w.b, candLin: w.line}) {
				return nil
			}
		}
		delete(candWait, id)
	}
	return nil
}

// orderedMap applies f to the items of in with n workers and passes the
// results to emit in input order, holding at most a few results per worker.
// It stops at the first error from produce or emit.
func orderedMap[In, Out any](ctx context.Context, n int, produce func(yield func(In) bool) error, f func(In) Out, emit func(Out) error) error {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		in   In
		done chan Out
	}
	order := make(chan job, 4*n)
	work := make(chan job, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				j.done <- f(j.in)
			}
		}()
	}
	prodErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		prodErr <- produce(func(in In) bool {
			j := job{in: in, done: make(chan Out, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- j:
			case <-ctx.Done():
				return false
			}
			return true
		})
	}()
	var emitErr error
	for j := range order {
		select {
		case out := <-j.done:
			if emitErr == nil {
				if emitErr = emit(out); emitErr != nil {
					cancel()
				}
			}
		case <-ctx.Done():
		}
	}
	wg.Wait()
	if emitErr != nil {
		return emitErr
	}
	if err := <-prodErr; err != nil {
		return err
	}
	return ctx.Err()
}

// errBadInput stops a graph run at its first bad line (without
// --skip-invalid); every bad line is then listed.
var errBadInput = errors.New("bad input")

// graphScorer scores one job.
type graphScorer struct {
	ref, cand   *graphInput
	o           *ontology.Ontology
	scoring     scorers.Options
	weights     scorers.Weights
	skipInvalid bool
	bad         func(error) error
	anatomy     string // graph types for RadGraph annotations
	observation string
}

func (s *graphScorer) score(j graphJob) *results.Record {
	rec := &results.Record{ID: j.id, Components: []string{}, Status: results.StatusError}
	switch {
	case j.ref == nil:
		rec.Error = fmt.Sprintf("no reference graph with id %q in %s", j.id, s.ref.name)
		return rec
	case j.cand == nil:
		rec.Error = fmt.Sprintf("no candidate graph with id %q in %s", j.id, s.cand.name)
		return rec
	}
	var d scorers.Detail
	var err error
	if s.ref.format == "radgraph" {
		d, err = s.radgraph(j)
	} else {
		d, err = s.graphs(j)
	}
	if err != nil {
		if err := s.bad(err); err != nil {
			return nil // the run stops
		}
		rec.Error = err.Error()
		return rec
	}
	rec.Components = s.weights.Overall(&d.Scores)
	rec.Scores, rec.Types, rec.Status = &d.Scores, d.Types, results.StatusOK
	return rec
}

func (s *graphScorer) graphs(j graphJob) (scorers.Detail, error) {
	ref, err := fastgraph.Decode(j.ref, s.o)
	if err != nil {
		return scorers.Detail{}, &graph.LineError{File: s.ref.in.name, Line: j.refLine, Err: err}
	}
	cand, err := fastgraph.Decode(j.cand, s.o)
	if err != nil {
		return scorers.Detail{}, &graph.LineError{File: s.cand.in.name, Line: j.candLin, Err: err}
	}
	for _, g := range []*graph.Graph{ref, cand} {
		if g.ID != j.id {
			return scorers.Detail{}, fmt.Errorf("graph lines for %q decode to id %q: the line repeats its \"id\" member", j.id, g.ID)
		}
	}
	return scorers.CompareDetail(ref, cand, s.scoring), nil
}

// radgraph scores two annotations: the RadGraph rewards on the annotations
// themselves, exactly as published, and the graph scores on their graphs.
func (s *graphScorer) radgraph(j graphJob) (scorers.Detail, error) {
	ref, err := decodeRadGraph(j.ref)
	if err != nil {
		return scorers.Detail{}, &graph.LineError{File: s.ref.in.name, Line: j.refLine, Err: err}
	}
	cand, err := decodeRadGraph(j.cand)
	if err != nil {
		return scorers.Detail{}, &graph.LineError{File: s.cand.in.name, Line: j.candLin, Err: err}
	}
	if ref.ID != j.id || cand.ID != j.id {
		return scorers.Detail{}, fmt.Errorf("annotation lines for %q decode to ids %q and %q: a line repeats its \"id\" member", j.id, ref.ID, cand.ID)
	}
	d := scorers.CompareDetail(graph.FromRadGraph(ref, s.anatomy, s.observation), graph.FromRadGraph(cand, s.anatomy, s.observation), s.scoring)
	rw := scorers.RadGraphF1(cand, ref)
	d.Scores.RadGraphSimple, d.Scores.RadGraphPartial, d.Scores.RadGraphComplete = rw.Simple, rw.Partial, rw.Complete
	return d, nil
}

// radgraphTypes picks the entity types RadGraph labels become: the
// ontology's anatomy type and its first anchor type that is not anatomy.
func radgraphTypes(o *ontology.Ontology) (anatomy, observation string) {
	anatomy, observation = "anatomy", "observation"
	for _, t := range o.EntityTypeNames() {
		switch {
		case o.IsAnatomy(t) && anatomy == "anatomy":
			anatomy = t
		case o.IsAnchor(t) && !o.IsAnatomy(t) && observation == "observation":
			observation = t
		}
	}
	return anatomy, observation
}

// runScoreGraphs is score --reference-graphs R --candidate-graphs C: the
// graphs are already extracted, so the run is reading, pairing, scoring and
// writing. Inputs are validated while they are scored; the output is held
// back (a temporary file) until both files proved valid, so a bad line
// fails the run with exit 2 and no results, as in the pairs mode, without
// reading every line twice.
func runScoreGraphs(ctx context.Context, sys *IO, opts *scoreOptions) error {
	if opts.pairs != "" || opts.refGraphs == "" || opts.candGraphs == "" {
		return inputError("score: give --reference-graphs and --candidate-graphs together, without --pairs")
	}
	if opts.inputFormat != "graph" && opts.inputFormat != "radgraph" {
		return inputError("unknown --input-format %q (want graph or radgraph)", opts.inputFormat)
	}
	if opts.resume || opts.shard.String() != "" {
		return inputError("--resume and --shard work with --pairs only")
	}
	if _, err := results.NewWriter(nil, opts.format); err != nil {
		return inputError("%v", err)
	}
	if opts.theta <= 0 || opts.theta > 1 {
		return inputError("--theta %v is outside (0, 1]", opts.theta)
	}
	o, err := opts.load()
	if err != nil {
		return err
	}
	ref := &graphInput{name: opts.refGraphs, format: opts.inputFormat}
	cand := &graphInput{name: opts.candGraphs, format: opts.inputFormat}
	if opts.refGraphs == "-" && opts.candGraphs == "-" {
		return inputError("only one of --reference-graphs and --candidate-graphs can be standard input")
	}
	for _, gi := range []*graphInput{ref, cand} {
		if gi.in, err = openInput(sys, gi.name); err != nil {
			return err
		}
		defer gi.in.cleanup()
	}
	weights := opts.weights
	if weights == nil {
		weights = scorers.DefaultWeights()
	}
	sc := &graphScorer{ref: ref, cand: cand, o: o, weights: weights, skipInvalid: opts.skipInvalid,
		scoring: scorers.Options{Ontology: o, Theta: opts.theta, UntypedAMS: opts.untypedAMS}}
	sc.anatomy, sc.observation = radgraphTypes(o)

	var mu sync.Mutex
	var bad []error
	sc.bad = func(err error) error {
		mu.Lock()
		defer mu.Unlock()
		bad = append(bad, err)
		if !opts.skipInvalid {
			return errBadInput
		}
		fmt.Fprintf(sys.Err, "kgeval: skipping %v\n", err)
		return nil
	}

	// Results go to a temporary file first: --out's own temporary file,
	// renamed into place at the end, or a spool copied to standard output.
	spool, err := os.CreateTemp("", "kgeval-results-*")
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	header := &results.Header{
		Version: version(), Ontology: o.Name, OntologyHash: o.Hash(), Extractor: opts.inputFormat,
		Judge: "off", Weights: weights, Theta: opts.theta, UntypedAMS: opts.untypedAMS, Input: opts.refGraphs + " " + opts.candGraphs,
	}
	if opts.out != "" && opts.format == "jsonl" {
		if err := results.WriteHeader(spool, header); err != nil {
			return err
		}
	}
	w, _ := results.NewWriter(spool, opts.format)
	sum := results.Summary{Collect: opts.summary != "" || opts.format == "table"}

	rf, err := ref.in.open()
	if err != nil {
		return err
	}
	defer rf.Close()
	cf, err := cand.in.open()
	if err != nil {
		return err
	}
	defer cf.Close()
	// The live heap is the batches in flight, whatever the number of pairs.
	defer relaxGC(sys)()
	workers := opts.concurrency
	// Pairs travel in batches: handing each pair to a worker would cost
	// about as much as scoring it.
	const batch = 16
	runErr := orderedMap(ctx, workers,
		func(yield func([]graphJob) bool) error {
			var jobs []graphJob
			err := pairByID(ref, cand, rf, cf, o, sc.bad, func(j graphJob) bool {
				jobs = append(jobs, j)
				if len(jobs) < batch {
					return true
				}
				ok := yield(jobs)
				jobs = nil
				return ok
			})
			if err == nil && len(jobs) > 0 {
				yield(jobs)
			}
			return err
		},
		func(jobs []graphJob) []*results.Record {
			recs := make([]*results.Record, len(jobs))
			for i, j := range jobs {
				if recs[i] = sc.score(j); recs[i] == nil {
					return recs[:i+1] // the run stops at a bad line
				}
			}
			return recs
		},
		func(recs []*results.Record) error {
			for _, r := range recs {
				if r == nil {
					return errBadInput
				}
				sum.Add(r)
				if err := w.Write(r); err != nil {
					return err
				}
			}
			return nil
		})
	if errors.Is(runErr, errBadInput) {
		return inputError("%s", badInputMessage(allBadLines(ref, cand, o)))
	}
	if err := w.Close(&sum); runErr == nil {
		runErr = err
	}
	fmt.Fprintf(sys.Err, "kgeval: scored %d pairs: %d ok, %d error, %d skipped invalid\n", sum.Pairs, sum.OK, sum.Errors, len(bad))
	if runErr != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted after %d pairs", sum.Pairs)
		}
		return runErr
	}
	if err := deliver(sys, spool, opts.out); err != nil {
		return err
	}
	return writeSummary(opts.summary, &sum)
}

// deliver copies the spooled results to --out (through a temporary file
// renamed into place) or to standard output.
func deliver(sys *IO, spool *os.File, path string) error {
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	out, err := createOutput(sys, path)
	if err != nil {
		return err
	}
	_, err = io.Copy(out.w, spool)
	if cerr := out.commit(err == nil); err == nil {
		err = cerr
	}
	return err
}

// writeSummary writes the run statistics as JSON to path ("" for none).
func writeSummary(path string, sum *results.Summary) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return inputError("--summary: %v", err)
	}
	err = sum.Stats(stats.Bootstrap{}).WriteJSON(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// allBadLines reads both inputs once more and returns every bad line, for
// the message of a run stopped by one.
func allBadLines(ref, cand *graphInput, types graph.Types) []error {
	var bad []error
	for _, gi := range []*graphInput{ref, cand} {
		f, err := gi.in.open()
		if err != nil {
			bad = append(bad, err)
			continue
		}
		for l, err := range graph.Lines(f, gi.in.name) {
			if err == nil {
				if gi.format == "radgraph" {
					_, err = decodeRadGraph(l.Bytes)
				} else {
					_, err = fastgraph.Decode(l.Bytes, types)
				}
				if err != nil {
					err = &graph.LineError{File: gi.in.name, Line: l.N, Err: err}
				}
			}
			if err != nil {
				bad = append(bad, err)
			}
		}
		f.Close()
	}
	return bad
}
